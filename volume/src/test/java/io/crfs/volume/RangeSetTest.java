package io.crfs.volume;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class RangeSetTest {
    @Test
    void walkVisitsWhatWithinListsAndStopsWhereTold() {
        long seed = System.nanoTime();
        Random r = new Random(seed);
        RangeSet s = new RangeSet();
        for (int i = 0; i < 2000; i++) {
            long a = r.nextInt(100_000), b = a + 1 + r.nextInt(500);
            if (r.nextInt(3) == 0) {
                s.remove(a, b);
            } else {
                s.add(a, b);
            }
        }
        for (int i = 0; i < 500; i++) {
            long from = r.nextInt(100_000), to = from + r.nextInt(20_000);
            List<String> walked = new ArrayList<>();
            assertThat(s.walk(from, to, (x, y) -> {
                walked.add(x + "-" + y);
                return false;
            })).isFalse();
            assertThat(walked).as("seed %d [%d, %d)", seed, from, to)
                .isEqualTo(s.within(from, to).stream().map(g -> g[0] + "-" + g[1]).toList());
            if (!walked.isEmpty()) {
                int stopAt = r.nextInt(walked.size());
                List<String> stopped = new ArrayList<>();
                assertThat(s.walk(from, to, (x, y) -> {
                    stopped.add(x + "-" + y);
                    return stopped.size() == stopAt + 1;
                })).isTrue();
                assertThat(stopped).isEqualTo(walked.subList(0, stopAt + 1));
            }
        }
    }
}
