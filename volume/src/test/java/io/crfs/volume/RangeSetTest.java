package io.crfs.volume;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class RangeSetTest {
    /** Seeded random adds and removes against a bit per value: the same values, in maximal merged ranges. */
    @Test
    void addAndRemoveKeepTheSameValuesAsAModelInMaximalRanges() {
        long seed = System.nanoTime();
        Random r = new Random(seed);
        RangeSet s = new RangeSet();
        java.util.BitSet model = new java.util.BitSet();
        for (int i = 0; i < 20_000; i++) {
            int a = r.nextInt(20_000), b = a + 1 + r.nextInt(r.nextBoolean() ? 8 : 400);
            if (r.nextInt(3) == 0) {
                s.remove(a, b);
                model.clear(a, b);
            } else {
                s.add(a, b);
                model.set(a, b);
            }
            if (i % 97 == 0 || i > 19_900) {
                List<String> want = new ArrayList<>();
                for (int x = model.nextSetBit(0); x >= 0; x = model.nextSetBit(model.nextClearBit(x))) {
                    want.add(x + "-" + model.nextClearBit(x));
                }
                assertThat(s.within(0, Long.MAX_VALUE).stream().map(g -> g[0] + "-" + g[1]).toList())
                        .as("ranges after step %d (seed %d)", i, seed).isEqualTo(want);
                assertThat(s.total()).as("total after step %d (seed %d)", i, seed).isEqualTo(model.cardinality());
            }
        }
    }

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
