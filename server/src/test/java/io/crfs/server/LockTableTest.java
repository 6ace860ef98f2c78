package io.crfs.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.crfs.protocol.ErrorCode;
import io.crfs.protocol.Message;
import io.crfs.protocol.ProtocolException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.Test;

/** Record and flock locks across sessions: conflicts, splitting, waiting, cancel, eviction. */
class LockTableTest {
    static final long MAX = -1L;
    final LockTable t = new LockTable();

    static Message.Lock lock(long owner, long s, long e, int type, boolean block) {
        return new Message.Lock(300, owner, s, e, type, block, false);
    }

    static ErrorCode code(CompletableFuture<Void> f) {
        try {
            f.join();
            return null;
        } catch (CompletionException e) {
            return ((ProtocolException) e.getCause()).code();
        }
    }

    @Test
    void readersShareWritersExclude() {
        assertThat(code(t.set(1, lock(1, 0, 99, 0, false)))).isNull();
        assertThat(code(t.set(2, lock(1, 50, 150, 0, false)))).isNull();
        assertThat(code(t.set(3, lock(1, 90, 95, 1, false)))).isEqualTo(ErrorCode.LOCKED);
        assertThat(code(t.set(3, lock(1, 151, 200, 1, false)))).isNull();
        // the same owner never conflicts with itself and can upgrade
        assertThat(code(t.set(1, lock(1, 0, 10, 1, false)))).isNull();
    }

    @Test
    void unlockSplitsAndGetlkReportsTheBlocker() {
        t.set(1, lock(7, 0, 999, 1, false)).join();
        t.set(1, lock(7, 100, 199, 2, false)).join(); // hole in the middle
        assertThat(code(t.set(2, lock(1, 120, 180, 1, false)))).isNull();
        LockTable.Held h = t.test(2, new Message.GetLock(300, 1, 900, 950, 0, false));
        assertThat(h).isNotNull();
        assertThat(h.session()).isEqualTo(1);
        assertThat(h.start()).isEqualTo(200);
        assertThat(t.test(1, new Message.GetLock(300, 7, 0, 50, 1, false))).isNull();
    }

    @Test
    void waitersAreGrantedInOrderAndCanBeCancelled() {
        t.set(1, lock(1, 0, MAX, 1, false)).join();
        CompletableFuture<Void> w2 = t.set(2, lock(1, 0, 10, 1, true));
        CompletableFuture<Void> w3 = t.set(3, lock(1, 5, 20, 0, true));
        assertThat(w2).isNotDone();
        t.set(3, lock(1, 5, 20, 2, false)).join(); // session 3 gives up: its wait is cancelled
        assertThat(code(w3)).isEqualTo(ErrorCode.INTERRUPTED);
        t.set(1, lock(1, 0, MAX, 2, false)).join();
        assertThat(w2).isCompleted();
        assertThat(code(t.set(4, lock(1, 0, 0, 0, false)))).isEqualTo(ErrorCode.LOCKED);
    }

    @Test
    void evictionReleasesLocksAndFailsWaits() {
        t.set(1, lock(1, 0, MAX, 1, false)).join();
        CompletableFuture<Void> w = t.set(2, lock(1, 0, MAX, 1, true));
        CompletableFuture<Void> mine = t.set(1, new Message.Lock(301, 9, 0, 0, 1, false, true));
        assertThat(mine).isCompleted();
        t.set(3, new Message.Lock(302, 1, 0, 0, 1, false, true)).join();
        CompletableFuture<Void> evictedWait = t.set(1, new Message.Lock(302, 9, 0, 0, 1, true, true));
        assertThat(evictedWait).isNotDone();
        t.evict(1);
        assertThat(w).isCompleted();
        assertThat(evictedWait).as("the evicted session's own wait fails").isCompletedExceptionally();
        assertThat(t.size()).isEqualTo(2);
    }

    @Test
    void theHolderChangesItsLockAtOnceAndWaitersItLetsInAreWoken() {
        t.set(1, lock(1, 0, 99, 1, false)).join();
        CompletableFuture<Void> reader = t.set(2, lock(1, 0, 99, 0, true));
        CompletableFuture<Void> writer = t.set(3, lock(1, 0, 99, 1, true));
        assertThat(reader).isNotDone();
        // a downgrade is never queued behind the waiters it conflicts with (they wait for this very lock)
        assertThat(code(t.set(1, lock(1, 0, 99, 0, false)))).isNull();
        assertThat(reader).as("the downgrade lets the reader in").isCompleted();
        assertThat(writer).isNotDone();
        // a new reader that conflicts with the waiting writer queues behind it; a disjoint range does not
        assertThat(code(t.set(4, lock(1, 50, 60, 0, false)))).isEqualTo(ErrorCode.LOCKED);
        assertThat(code(t.set(4, lock(1, 100, 110, 0, false)))).isNull();
    }

    @Test
    void flockAndRecordLocksDoNotInteract() {
        t.set(1, lock(1, 0, MAX, 1, false)).join();
        assertThat(code(t.set(2, new Message.Lock(300, 1, 0, 0, 1, false, true)))).isNull();
        assertThat(code(t.set(3, new Message.Lock(300, 1, 0, 0, 0, false, true)))).isEqualTo(ErrorCode.LOCKED);
    }
}
