package io.crfs.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.crfs.format.Key;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Seeded random sessions acquiring, releasing and being evicted over overlapping ranges, with a
 * simulated client per session that answers each revoke after a random delay. The seed is printed
 * in every failure message; rerun one with -Dcrfs.seed=N.
 */
class GrantTableRandomTest {
    private record Revoke(Grant grant, int toMode) {}

    private record Request(long session, Key min, Key max, int mode, CompletableFuture<Grant> future) {}

    private static final int SESSIONS = 6;
    private static final int KEYS = 40;

    private static Key k(long n) {
        return new Key(n, 1, 0);
    }

    @Test
    void shouldKeepGrantsExclusiveAndServeEveryRequest() {
        String fixed = System.getProperty("crfs.seed");
        long base = fixed != null ? Long.parseLong(fixed) : System.nanoTime();
        int runs = fixed != null ? 1 : 25;
        for (int i = 0; i < runs; i++) {
            run(base + i, 1500);
        }
    }

    private void run(long seed, int steps) {
        String ctx = "seed " + seed;
        Random rnd = new Random(seed);
        List<Revoke> inbox = new ArrayList<>();
        GrantTable table = new GrantTable((g, to) -> inbox.add(new Revoke(g, to)));
        List<Request> requests = new ArrayList<>();
        int waited = 0;
        for (int step = 0; step < steps; step++) {
            int op = rnd.nextInt(100);
            long s = rnd.nextInt(SESSIONS);
            if (op < 40) {
                long a = rnd.nextInt(KEYS);
                long b = Math.min(KEYS - 1, a + (rnd.nextInt(4) == 0 ? rnd.nextInt(KEYS) : rnd.nextInt(4)));
                int mode = rnd.nextBoolean() ? Grant.READ : Grant.WRITE;
                CompletableFuture<Grant> f = table.acquire(s, k(a), k(b), mode);
                waited += f.isDone() ? 0 : 1;
                requests.add(new Request(s, k(a), k(b), mode, f));
            } else if (op < 75) {
                if (!inbox.isEmpty()) {
                    Revoke r = inbox.remove(rnd.nextInt(inbox.size()));
                    table.revoked(r.grant.id(), r.toMode);
                }
            } else if (op < 98) {
                List<Grant> mine = table.grants(s);
                if (!mine.isEmpty()) {
                    table.release(mine.get(rnd.nextInt(mine.size())).id(), rnd.nextInt(2));
                }
            } else {
                table.evict(s);
                inbox.removeIf(r -> r.grant.session() == s); // a dead client answers nothing
                for (Request q : requests) {
                    if (q.session == s) {
                        assertThat(q.future.isDone()).as(ctx + ": evicted request still pending").isTrue();
                    }
                }
                requests.removeIf(q -> q.session == s);
            }
            check(table, ctx + " step " + step);
        }
        // Drain: no new requests; clients answer every revoke. All requests must be served.
        int answers = 0;
        while (!inbox.isEmpty()) {
            Revoke r = inbox.remove(rnd.nextInt(inbox.size()));
            table.revoked(r.grant.id(), r.toMode);
            check(table, ctx + " drain " + answers);
            assertThat(++answers).as(ctx + ": revokes never end").isLessThan(100_000);
        }
        for (Request q : requests) {
            assertThat(q.future).as(ctx + ": starved request " + q).isCompleted();
            Grant g = q.future.join();
            assertThat(g.session()).isEqualTo(q.session);
            assertThat(g.mode()).isEqualTo(q.mode);
            assertThat(g.min()).isEqualTo(q.min);
            assertThat(g.max()).isEqualTo(q.max);
        }
        assertThat(table.snapshot().queued()).as(ctx).isEmpty();
        assertThat(waited).as(ctx + ": requests that had to wait").isGreaterThan(steps / 20);
    }

    /**
     * Safety: no two conflicting grants of different sessions overlap. Progress (no lost wakeup):
     * every queued request is behind an earlier overlapping one, or waits for a conflicting holder
     * that has been asked to give up enough and has not answered yet.
     */
    static void check(GrantTable table, String ctx) {
        GrantTable.Snapshot snap = table.snapshot();
        List<Grant> held = snap.held();
        for (int i = 0; i < held.size(); i++) {
            for (int j = i + 1; j < held.size(); j++) {
                Grant a = held.get(i);
                Grant b = held.get(j);
                if (a.session() != b.session() && a.overlaps(b.min(), b.max())) {
                    assertThat(Grant.conflicts(a.mode(), b.mode())).as(ctx + ": " + a + " vs " + b).isFalse();
                }
            }
        }
        Map<Long, Integer> revoking = snap.revoking();
        List<GrantTable.Queued> queued = snap.queued();
        for (int i = 0; i < queued.size(); i++) {
            GrantTable.Queued q = queued.get(i);
            boolean behind = false;
            for (int j = 0; j < i; j++) {
                GrantTable.Queued p = queued.get(j);
                behind |= p.min().compareTo(q.max()) <= 0 && q.min().compareTo(p.max()) <= 0;
            }
            int need = q.mode() == Grant.WRITE ? Grant.NONE : Grant.READ;
            boolean waits = held.stream().anyMatch(h -> h.session() != q.session() && h.overlaps(q.min(), q.max())
                    && Grant.conflicts(h.mode(), q.mode()) && revoking.getOrDefault(h.id(), 9) <= need);
            assertThat(behind || waits).as(ctx + ": queued " + q + " waits for nothing").isTrue();
        }
    }

    @Test
    void shouldStayExclusiveUnderThreads() throws Exception {
        ExecutorService clients = Executors.newSingleThreadExecutor();
        GrantTable[] t = new GrantTable[1];
        // Each revoke is answered later, on another thread, as a network client would.
        t[0] = new GrantTable((g, to) -> clients.execute(() -> t[0].revoked(g.id(), to)));
        ExecutorService pool = Executors.newFixedThreadPool(4);
        List<java.util.concurrent.Future<?>> done = new ArrayList<>();
        for (int th = 0; th < 4; th++) {
            long session = th + 1;
            done.add(pool.submit(() -> {
                ThreadLocalRandom r = ThreadLocalRandom.current();
                for (int i = 0; i < 300; i++) {
                    int a = r.nextInt(KEYS);
                    int b = Math.min(KEYS - 1, a + r.nextInt(5));
                    Grant g = t[0].acquire(session, k(a), k(b), Grant.WRITE).get(10, TimeUnit.SECONDS);
                    check(t[0], "session " + session + " op " + i);
                    t[0].release(g.id(), 0);
                }
                return null;
            }));
        }
        try {
            for (var f : done) {
                f.get(60, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
            clients.shutdownNow();
        }
    }
}
