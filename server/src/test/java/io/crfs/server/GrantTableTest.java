package io.crfs.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.crfs.format.Key;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.Test;

class GrantTableTest {
    private record Revoke(Grant grant, int toMode) {}

    private final List<Revoke> revokes = new ArrayList<>();
    private final GrantTable table = new GrantTable((g, to) -> revokes.add(new Revoke(g, to)));

    private static Key k(long n) {
        return new Key(n, 1, 0);
    }

    private CompletableFuture<Grant> acquire(long session, long a, long b, int mode) {
        return table.acquire(session, k(a), k(b), mode);
    }

    private static Grant now(CompletableFuture<Grant> f) {
        assertThat(f).isCompleted();
        return f.join();
    }

    @Test
    void shouldShareReaders() {
        Grant a = now(acquire(1, 0, 10, Grant.READ));
        Grant b = now(acquire(2, 5, 15, Grant.READ));
        assertThat(a.id()).isNotEqualTo(b.id());
        assertThat(revokes).isEmpty();
        assertThat(table.covers(1, k(3), Grant.READ)).isTrue();
        assertThat(table.covers(1, k(3), Grant.WRITE)).isFalse();
        assertThat(table.covers(2, k(3), Grant.READ)).isFalse();
    }

    @Test
    void shouldMakeWriterWaitForEveryReaderToDrop() {
        Grant r1 = now(acquire(1, 0, 10, Grant.READ));
        Grant r2 = now(acquire(2, 8, 20, Grant.READ));
        CompletableFuture<Grant> w = acquire(3, 5, 9, Grant.WRITE);
        assertThat(w).isNotDone();
        assertThat(revokes).containsExactlyInAnyOrder(new Revoke(r1, 0), new Revoke(r2, 0));
        assertThat(table.revoked(r1.id(), 0)).isTrue();
        assertThat(w).isNotDone();
        assertThat(table.revoked(r2.id(), 0)).isTrue();
        Grant g = now(w);
        assertThat(g.mode()).isEqualTo(Grant.WRITE);
        assertThat(table.covers(3, k(9), Grant.WRITE)).isTrue();
        assertThat(table.grants(1)).isEmpty();
    }

    @Test
    void shouldMakeReaderWaitForWriterToDowngrade() {
        Grant w = now(acquire(1, 0, 10, Grant.WRITE));
        CompletableFuture<Grant> r = acquire(2, 3, 4, Grant.READ);
        assertThat(r).isNotDone();
        assertThat(revokes).containsExactly(new Revoke(w, 1));
        table.revoked(w.id(), 1);
        assertThat(now(r).mode()).isEqualTo(Grant.READ);
        assertThat(table.grants(1)).containsExactly(new Grant(w.id(), 1, k(0), k(10), Grant.READ));
        assertThat(table.covers(1, k(0), Grant.WRITE)).isFalse();
        assertThat(table.covers(1, k(0), Grant.READ)).isTrue();
    }

    @Test
    void shouldUpgradeTheSoleReaderAtOnce() {
        Grant r = now(acquire(1, 0, 10, Grant.READ));
        Grant w = now(acquire(1, 0, 10, Grant.WRITE));
        assertThat(revokes).isEmpty();
        assertThat(table.grants(1)).containsExactly(w);
        assertThat(table.release(r.id(), 0)).as("absorbed by the upgrade").isFalse();
        // A grant larger than the new one is kept: holding is by exact range.
        Grant big = now(acquire(1, 0, 100, Grant.READ));
        Grant w2 = now(acquire(1, 20, 30, Grant.WRITE));
        assertThat(table.grants(1)).containsExactlyInAnyOrder(w, big, w2);
    }

    @Test
    void shouldUpgradeAfterOtherReadersDrop() {
        Grant mine = now(acquire(1, 0, 10, Grant.READ));
        Grant other = now(acquire(2, 0, 10, Grant.READ));
        CompletableFuture<Grant> up = acquire(1, 0, 10, Grant.WRITE);
        assertThat(up).isNotDone();
        assertThat(revokes).containsExactly(new Revoke(other, 0));
        table.revoked(other.id(), 0);
        assertThat(table.grants(1)).containsExactly(now(up));
        assertThat(table.grants(1)).doesNotContain(mine);
    }

    @Test
    void shouldServeOverlappingRequestsFirstInFirstOut() {
        Grant r = now(acquire(1, 0, 10, Grant.READ));
        CompletableFuture<Grant> w = acquire(2, 0, 10, Grant.WRITE);
        // A compatible reader must not overtake the queued writer.
        CompletableFuture<Grant> r2 = acquire(3, 5, 5, Grant.READ);
        assertThat(w).isNotDone();
        assertThat(r2).isNotDone();
        assertThat(revokes).containsExactly(new Revoke(r, 0));
        table.revoked(r.id(), 0);
        Grant wg = now(w);
        assertThat(r2).isNotDone();
        assertThat(revokes).containsExactly(new Revoke(r, 0), new Revoke(wg, 1));
        table.revoked(wg.id(), 1);
        assertThat(now(r2).mode()).isEqualTo(Grant.READ);
    }

    @Test
    void shouldGrantQueuedReadersTogetherInOrder() {
        Grant w = now(acquire(1, 0, 10, Grant.WRITE));
        CompletableFuture<Grant> a = acquire(2, 0, 3, Grant.READ);
        CompletableFuture<Grant> b = acquire(3, 2, 8, Grant.READ);
        assertThat(revokes).containsExactly(new Revoke(w, 1));
        table.revoked(w.id(), 1);
        assertThat(a).isCompleted();
        assertThat(b).isCompleted();
        assertThat(now(a).id()).isLessThan(now(b).id());
    }

    @Test
    void shouldNeverLetDisjointRangesInteract() {
        now(acquire(1, 0, 10, Grant.WRITE));
        CompletableFuture<Grant> blocked = acquire(2, 5, 5, Grant.WRITE);
        assertThat(blocked).isNotDone();
        int asked = revokes.size();
        assertThat(now(acquire(3, 11, 20, Grant.WRITE)).mode()).isEqualTo(Grant.WRITE);
        assertThat(now(acquire(4, 21, 21, Grant.READ)).mode()).isEqualTo(Grant.READ);
        assertThat(revokes).hasSize(asked);
        // Key order is unsigned: objectid -1 sorts last and [MIN, 0] is disjoint from it.
        now(table.acquire(5, new Key(-1L, 0, 0), Key.MAX, Grant.WRITE));
        now(table.acquire(6, Key.MIN, new Key(0, 0, 5), Grant.WRITE));
        assertThat(revokes).hasSize(asked);
    }

    @Test
    void shouldAskEachHolderOncePerNeed() {
        Grant w = now(acquire(1, 0, 10, Grant.WRITE));
        acquire(2, 0, 1, Grant.READ);
        acquire(3, 2, 3, Grant.READ);
        assertThat(revokes).containsExactly(new Revoke(w, 1));
        acquire(4, 4, 5, Grant.WRITE);
        assertThat(revokes).containsExactly(new Revoke(w, 1), new Revoke(w, 0));
        acquire(5, 6, 7, Grant.WRITE);
        acquire(6, 6, 7, Grant.READ);
        assertThat(revokes).hasSize(2);
        assertThat(table.snapshot().revoking()).containsEntry(w.id(), 0);
    }

    @Test
    void shouldKeepALaterDropOutstandingAfterTheDowngradeAnswer() {
        Grant w = now(acquire(1, 0, 10, Grant.WRITE));
        CompletableFuture<Grant> r = acquire(2, 0, 1, Grant.READ);
        CompletableFuture<Grant> x = acquire(3, 0, 1, Grant.WRITE);
        assertThat(revokes).containsExactly(new Revoke(w, 1), new Revoke(w, 0));
        table.revoked(w.id(), 1);
        Grant rg = now(r);
        assertThat(x).isNotDone();
        assertThat(table.snapshot().revoking()).containsEntry(w.id(), 0);
        assertThat(revokes).containsExactly(new Revoke(w, 1), new Revoke(w, 0), new Revoke(rg, 0));
        table.revoked(w.id(), 0);
        assertThat(x).isNotDone();
        table.revoked(rg.id(), 0);
        assertThat(now(x).session()).isEqualTo(3);
        assertThat(table.snapshot().revoking()).isEmpty();
    }

    @Test
    void shouldWakeWaitersOnRelease() {
        Grant w = now(acquire(1, 0, 10, Grant.WRITE));
        CompletableFuture<Grant> r = acquire(2, 5, 6, Grant.READ);
        CompletableFuture<Grant> x = acquire(3, 7, 8, Grant.WRITE);
        assertThat(table.release(w.id(), 1)).isTrue();
        assertThat(r).isCompleted();
        assertThat(x).isNotDone();
        assertThat(table.release(w.id(), 0)).isTrue();
        assertThat(x).isCompleted();
        assertThat(table.release(w.id(), 0)).isFalse();
        assertThat(table.revoked(w.id(), 0)).isFalse();
    }

    @Test
    void shouldWakeWaitersOnEvict() {
        Grant w = now(acquire(1, 0, 10, Grant.WRITE));
        Grant w2 = now(acquire(1, 20, 30, Grant.READ));
        CompletableFuture<Grant> r = acquire(2, 5, 6, Grant.WRITE);
        assertThat(table.evict(1)).containsExactlyInAnyOrder(w, w2);
        assertThat(now(r).session()).isEqualTo(2);
        assertThat(table.grants(1)).isEmpty();
        assertThat(table.covers(1, k(25), Grant.READ)).isFalse();
        assertThat(table.revoked(w.id(), 0)).isFalse();
    }

    @Test
    void shouldFailTheEvictedSessionsQueuedRequestsAndServeTheNext() {
        Grant w = now(acquire(1, 0, 10, Grant.WRITE));
        CompletableFuture<Grant> mine = acquire(2, 0, 10, Grant.WRITE);
        CompletableFuture<Grant> next = acquire(3, 0, 10, Grant.READ);
        table.revoked(w.id(), 0);
        Grant g2 = now(mine);
        assertThat(next).isNotDone();
        CompletableFuture<Grant> again = acquire(2, 0, 10, Grant.READ);
        assertThat(table.evict(2)).containsExactly(g2);
        assertThat(again).isCompletedExceptionally();
        assertThatThrownBy(again::join).isInstanceOf(CompletionException.class).hasCauseInstanceOf(EvictedException.class);
        assertThat(now(next).session()).isEqualTo(3);
        assertThat(table.snapshot().queued()).isEmpty();
    }

    @Test
    void shouldLetASessionHoldOverlappingGrantsAndReleaseThemOneByOne() {
        Grant a = now(acquire(1, 0, 10, Grant.READ));
        Grant b = now(acquire(1, 5, 15, Grant.WRITE));
        Grant c = now(acquire(1, 5, 15, Grant.READ));
        assertThat(table.grants(1)).containsExactly(a, b, c);
        table.release(b.id(), 0);
        assertThat(table.covers(1, k(12), Grant.WRITE)).isFalse();
        assertThat(table.covers(1, k(12), Grant.READ)).isTrue();
        CompletableFuture<Grant> other = acquire(2, 11, 11, Grant.WRITE);
        assertThat(revokes).containsExactly(new Revoke(c, 0));
        table.revoked(c.id(), 0);
        assertThat(other).isCompleted();
        assertThat(table.grants(1)).containsExactly(a);
    }

    @Test
    void shouldRejectBadRequests() {
        assertThatThrownBy(() -> acquire(1, 5, 4, Grant.READ)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> acquire(1, 4, 5, 3)).isInstanceOf(IllegalArgumentException.class);
        Grant g = now(acquire(1, 4, 5, Grant.READ));
        assertThatThrownBy(() -> table.release(g.id(), 2)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void shouldCallTheSinkWithoutTheLockSoItMayAnswerAtOnce() {
        List<Grant> asked = new ArrayList<>();
        GrantTable[] t = new GrantTable[1];
        t[0] = new GrantTable((g, to) -> {
            asked.add(g);
            t[0].revoked(g.id(), to);
        });
        Grant w = t[0].acquire(1, k(0), k(10), Grant.WRITE).join();
        Grant r = t[0].acquire(2, k(0), k(10), Grant.READ).join();
        assertThat(asked).containsExactly(w);
        assertThat(t[0].snapshot().held()).containsExactlyInAnyOrder(w.withMode(Grant.READ), r);
    }

    @Test
    void shouldLookUpThousandsOfGrants() {
        for (long i = 0; i < 5000; i++) {
            now(acquire(i, 2 * i, 2 * i, Grant.WRITE));
        }
        for (long i = 0; i < 5000; i++) {
            assertThat(table.covers(i, k(2 * i), Grant.WRITE)).isTrue();
            assertThat(table.covers(i, k(2 * i + 1), Grant.READ)).isFalse();
        }
        CompletableFuture<Grant> all = acquire(9999, 0, 9999, Grant.READ);
        assertThat(revokes).hasSize(5000);
        for (Revoke r : List.copyOf(revokes)) {
            table.revoked(r.grant().id(), r.toMode());
        }
        assertThat(now(all).mode()).isEqualTo(Grant.READ);
        assertThat(table.snapshot().held()).hasSize(5001);
    }
}
