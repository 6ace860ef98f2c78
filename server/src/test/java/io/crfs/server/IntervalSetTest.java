package io.crfs.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.crfs.format.Key;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The interval treap against a brute-force list oracle; the seed is printed on failure. */
class IntervalSetTest {
    private record Iv(Key min, Key max, long id) {}

    @Test
    void shouldMatchABruteForceOracle() {
        long seed = System.nanoTime();
        Random rnd = new Random(seed);
        IntervalSet<Iv> set = new IntervalSet<>();
        List<Iv> oracle = new ArrayList<>();
        Comparator<Iv> order = Comparator.comparing(Iv::min).thenComparingLong(Iv::id);
        for (int step = 0; step < 20_000; step++) {
            if (oracle.isEmpty() || rnd.nextInt(3) > 0) {
                long a = rnd.nextLong();
                long b = rnd.nextInt(4) == 0 ? rnd.nextLong() : a + rnd.nextInt(1 << 20);
                Key ka = new Key(a, 1, 0);
                Key kb = new Key(b, 1, 0);
                if (ka.compareTo(kb) > 0) {
                    Key x = ka;
                    ka = kb;
                    kb = x;
                }
                Iv iv = new Iv(ka, kb, step);
                set.add(ka, kb, step, iv);
                oracle.add(iv);
            } else {
                Iv iv = oracle.remove(rnd.nextInt(oracle.size()));
                assertThat(set.remove(iv.min, iv.id)).as("seed " + seed).isTrue();
                assertThat(set.remove(iv.min, iv.id)).as("seed " + seed).isFalse();
            }
            Key qa = !oracle.isEmpty() && rnd.nextBoolean() ? oracle.get(rnd.nextInt(oracle.size())).min
                    : new Key(rnd.nextLong(), 1, 0);
            Key qb = rnd.nextBoolean() ? qa : new Key(qa.objectid() + rnd.nextInt(1 << 22), 1, 0);
            if (qa.compareTo(qb) > 0) {
                qb = Key.MAX;
            }
            Key fa = qa;
            Key fb = qb;
            List<Iv> want = oracle.stream().filter(i -> i.min.compareTo(fb) <= 0 && fa.compareTo(i.max) <= 0).sorted(order).toList();
            assertThat(set.overlapping(qa, qb)).as("seed " + seed + " step " + step).isEqualTo(want);
            assertThat(set.anyOverlap(qa, qb, i -> true)).isEqualTo(!want.isEmpty());
            assertThat(set.size()).isEqualTo(oracle.size());
        }
    }
}
