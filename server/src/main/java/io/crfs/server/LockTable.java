package io.crfs.server;

import io.crfs.protocol.ErrorCode;
import io.crfs.protocol.Message;
import io.crfs.protocol.Opcodes;
import io.crfs.protocol.ProtocolException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * Byte-range (POSIX) and flock locks, coherent across clients. A lock belongs to (session,
 * owner); locks of one owner never conflict with each other and are split, merged and
 * replaced as fcntl(2) does; a read lock conflicts with another owner's write lock, a write
 * lock with any other owner's lock. flock locks live apart from record locks (as in Linux).
 * Waiting requests are served first-in first-out as locks go away; an evicted session's locks
 * and waits vanish with it. One monitor; futures complete outside it.
 */
final class LockTable {
    record Held(long session, long owner, long start, long end, int type) {
        boolean overlaps(long s, long e) {
            return Long.compareUnsigned(start, e) <= 0 && Long.compareUnsigned(s, end) <= 0;
        }

        boolean conflicts(long sess, long own, long s, long e, int t) {
            return (session != sess || owner != own) && overlaps(s, e)
                    && (type == Opcodes.F_WRLCK || t == Opcodes.F_WRLCK);
        }
    }

    private record File(long ino, boolean flock) {}

    private record Waiter(long session, long owner, long start, long end, int type, CompletableFuture<Void> done) {}

    private final Map<File, List<Held>> held = new HashMap<>();
    private final Map<File, List<Waiter>> waiting = new HashMap<>();

    /** Sets or clears a lock; the future completes when it is set (or fails with LOCKED / INTERRUPTED). */
    CompletableFuture<Void> set(long session, Message.Lock m) {
        File f = new File(m.ino(), m.flock());
        long start = m.flock() ? 0 : m.start();
        long end = m.flock() ? -1L : m.end();
        if (Long.compareUnsigned(start, end) > 0) {
            return CompletableFuture.failedFuture(new ProtocolException(ErrorCode.BAD_RANGE, "lock range " + start + ".." + end));
        }
        List<CompletableFuture<Void>> wake = new ArrayList<>();
        CompletableFuture<Void> result;
        synchronized (this) {
            if (m.lockType() == Opcodes.F_UNLCK) {
                replace(f, session, m.owner(), start, end, -1);
                cancelWaits(f, session, m.owner(), start, end, wake);
                grantWaiters(f, wake);
                result = CompletableFuture.completedFuture(null);
            } else if (conflict(f, session, m.owner(), start, end, m.lockType()) == null
                    && (holds(f, session, m.owner(), start, end) || !queuedBefore(f, session, m.owner(), start, end, m.lockType()))) {
                replace(f, session, m.owner(), start, end, m.lockType());
                grantWaiters(f, wake); // a downgrade or a shrink may let waiters in
                result = CompletableFuture.completedFuture(null);
            } else if (!m.block()) {
                result = CompletableFuture.failedFuture(new ProtocolException(ErrorCode.LOCKED,
                        (m.flock() ? "flock" : "range " + start + ".." + end) + " of inode " + m.ino() + " is locked"));
            } else {
                result = new CompletableFuture<>();
                waiting.computeIfAbsent(f, k -> new ArrayList<>()).add(new Waiter(session, m.owner(), start, end,
                        m.lockType(), result));
            }
        }
        for (CompletableFuture<Void> w : wake) {
            if (!w.isDone()) {
                w.complete(null);
            }
        }
        return result;
    }

    /** F_GETLK: the first lock another owner holds that conflicts, or null. */
    synchronized Held test(long session, Message.GetLock m) {
        File f = new File(m.ino(), m.flock());
        return conflict(f, session, m.owner(), m.flock() ? 0 : m.start(), m.flock() ? -1L : m.end(), m.lockType());
    }

    /** Drops every lock and wait of an evicted or departed session. */
    void evict(long session) {
        List<CompletableFuture<Void>> wake = new ArrayList<>();
        List<CompletableFuture<Void>> fail = new ArrayList<>();
        synchronized (this) {
            for (Map.Entry<File, List<Held>> e : held.entrySet()) {
                e.getValue().removeIf(h -> h.session() == session);
            }
            for (List<Waiter> ws : waiting.values()) {
                for (Iterator<Waiter> it = ws.iterator(); it.hasNext(); ) {
                    Waiter w = it.next();
                    if (w.session() == session) {
                        it.remove();
                        fail.add(w.done());
                    }
                }
            }
            for (File f : new ArrayList<>(waiting.keySet())) {
                grantWaiters(f, wake);
            }
            held.values().removeIf(List::isEmpty);
            waiting.values().removeIf(List::isEmpty);
        }
        fail.forEach(c -> c.completeExceptionally(new EvictedException(session)));
        wake.forEach(c -> c.complete(null));
    }

    synchronized int size() {
        return held.values().stream().mapToInt(List::size).sum();
    }

    private Held conflict(File f, long session, long owner, long start, long end, int type) {
        for (Held h : held.getOrDefault(f, List.of())) {
            if (h.conflicts(session, owner, start, end, type)) {
                return h;
            }
        }
        return null;
    }

    /** FIFO: a new request does not overtake an earlier waiter on an overlapping range. */
    /**
     * Whether a waiter this request conflicts with came first (then it queues behind, so a
     * stream of readers cannot starve a waiting writer).
     */
    private boolean queuedBefore(File f, long session, long owner, long start, long end, int type) {
        for (Waiter w : waiting.getOrDefault(f, List.of())) {
            if (new Held(w.session(), w.owner(), w.start(), w.end(), w.type()).conflicts(session, owner, start, end, type)) {
                return true;
            }
        }
        return false;
    }

    /**
     * Whether the owner already holds a lock in the range: changing it (a downgrade, say) never
     * waits behind others, who may be waiting for exactly that lock, as fcntl(2) converts at once.
     */
    private boolean holds(File f, long session, long owner, long start, long end) {
        for (Held h : held.getOrDefault(f, List.of())) {
            if (h.session() == session && h.owner() == owner && h.overlaps(start, end)) {
                return true;
            }
        }
        return false;
    }

    /** The owner's locks in [start, end] become {@code type} (-1: removed), splitting those that straddle. */
    private void replace(File f, long session, long owner, long start, long end, int type) {
        List<Held> list = held.computeIfAbsent(f, k -> new ArrayList<>());
        List<Held> out = new ArrayList<>();
        for (Held h : list) {
            if (h.session() != session || h.owner() != owner || !h.overlaps(start, end)) {
                out.add(h);
                continue;
            }
            if (Long.compareUnsigned(h.start(), start) < 0) {
                out.add(new Held(session, owner, h.start(), start - 1, h.type()));
            }
            if (Long.compareUnsigned(h.end(), end) > 0) {
                out.add(new Held(session, owner, end + 1, h.end(), h.type()));
            }
        }
        if (type >= 0) {
            out.add(new Held(session, owner, start, end, type));
        }
        list.clear();
        list.addAll(out);
        if (list.isEmpty()) {
            held.remove(f);
        }
    }

    private void cancelWaits(File f, long session, long owner, long start, long end, List<CompletableFuture<Void>> wake) {
        List<Waiter> ws = waiting.get(f);
        if (ws == null) {
            return;
        }
        for (Iterator<Waiter> it = ws.iterator(); it.hasNext(); ) {
            Waiter w = it.next();
            if (w.session() == session && w.owner() == owner && Long.compareUnsigned(w.start(), end) <= 0
                    && Long.compareUnsigned(start, w.end()) <= 0) {
                it.remove();
                w.done().completeExceptionally(new ProtocolException(ErrorCode.INTERRUPTED,
                        "the wait for a lock was cancelled"));
            }
        }
    }

    /** Grants waiters, in order, while the first one can be granted. */
    private void grantWaiters(File f, List<CompletableFuture<Void>> wake) {
        List<Waiter> ws = waiting.get(f);
        while (ws != null && !ws.isEmpty()) {
            Waiter w = ws.get(0);
            if (conflict(f, w.session(), w.owner(), w.start(), w.end(), w.type()) != null) {
                return;
            }
            ws.remove(0);
            replace(f, w.session(), w.owner(), w.start(), w.end(), w.type());
            wake.add(w.done());
        }
    }
}
