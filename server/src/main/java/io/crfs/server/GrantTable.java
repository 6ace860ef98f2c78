package io.crfs.server;

import io.crfs.format.Key;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The server's grants over key ranges of one tree (design.md "Keys, ranges, grants", "Server";
 * protocol.md ACQUIRE, RELEASE, REVOKE). Pure logic: no I/O, no clock; the server turns its
 * calls into wire messages and evicts sessions whose revokes time out.
 *
 * <p>Rules:
 * <ul>
 *   <li>READ conflicts with WRITE, WRITE with anything; a session never conflicts with itself.</li>
 *   <li>A request is granted at once when no other session holds an overlapping conflicting grant
 *       and no earlier queued request overlaps it. Otherwise it queues: requests on overlapping
 *       ranges are served strictly first-in first-out (no overtaking, so writers do not starve,
 *       even behind a stream of compatible readers).</li>
 *   <li>A queued request asks every conflicting holder to revoke: downgrade to READ when it wants
 *       READ, drop when it wants WRITE. A holder is asked at most once per to-mode until it
 *       answers (a drop asked after a downgrade is a new need). Nothing is granted while a
 *       conflicting grant is still held, so never while a revoke it depends on is outstanding.</li>
 *   <li>Holding is by exact range: overlapping grants of one session coexist and are released and
 *       revoked one by one, each over exactly its own range. One exception keeps upgrades cheap:
 *       a new grant <em>absorbs</em> the session's grants that lie inside its range with a mode
 *       no higher than its own (they are removed; later calls on their ids return false). So the
 *       sole reader asking WRITE over its READ range ends up with one WRITE grant.</li>
 *   <li>When a grant is lowered (answer, release, eviction) or a request leaves the queue, only
 *       the queued requests overlapping that range are re-examined, in FIFO order.</li>
 * </ul>
 *
 * <p>Complexity, with n grants, w queued requests and k of them overlapping the range at hand:
 * every lookup goes through an {@link IntervalSet} (interval treap ordered by min key with the
 * subtree max end), so acquire, release and revoked cost O((k + 1) log n) expected, never a scan
 * of all grants; {@link #evict} also scans the queue, O(w).
 *
 * <p>Thread-safe: one lock; the {@link RevokeSink} is called and futures are completed only after
 * the lock is released, in the order the table decided them.
 */
public final class GrantTable {
    private static final Logger LOG = LoggerFactory.getLogger(GrantTable.class);

    /** A held grant plus the strongest revoke asked of it and not yet satisfied (-1: none). */
    private static final class Held {
        Grant grant;
        int revokeTo = -1;

        Held(Grant grant) {
            this.grant = grant;
        }
    }

    private record Waiter(long seq, long session, Key min, Key max, int mode, CompletableFuture<Grant> future) {}

    /** A queued request, for status output. */
    public record Queued(long seq, long session, Key min, Key max, int mode) {}

    /** Everything in the table at one instant, for status output and tests. */
    public record Snapshot(List<Grant> held, Map<Long, Integer> revoking, List<Queued> queued) {}

    private final ReentrantLock lock = new ReentrantLock();
    private final RevokeSink sink;
    private final Map<Long, Held> byId = new HashMap<>();
    private final IntervalSet<Held> held = new IntervalSet<>();
    private final Map<Long, IntervalSet<Held>> bySession = new HashMap<>();
    private final TreeMap<Long, Waiter> queue = new TreeMap<>();
    private final IntervalSet<Waiter> waiting = new IntervalSet<>();
    private long nextGrantId = 1;
    private long nextSeq = 1;

    public GrantTable(RevokeSink sink) {
        this.sink = sink;
    }

    /**
     * Requests {@code mode} ({@link Grant#READ} or {@link Grant#WRITE}) over [min, max] for a
     * session. The future completes with the grant, at once or once the conflicting holders have
     * answered; it fails with {@link EvictedException} if the session is evicted first.
     *
     * @throws IllegalArgumentException if min &gt; max or the mode is not 1 or 2 (wire BAD_RANGE)
     */
    public CompletableFuture<Grant> acquire(long session, Key min, Key max, int mode) {
        if (min.compareTo(max) > 0) {
            throw new IllegalArgumentException("range must have min <= max, got " + min + " > " + max);
        }
        if (mode != Grant.READ && mode != Grant.WRITE) {
            throw new IllegalArgumentException("mode must be 1 (READ) or 2 (WRITE), got " + mode);
        }
        CompletableFuture<Grant> future = new CompletableFuture<>();
        Effects fx = new Effects();
        lock.lock();
        try {
            Waiter w = new Waiter(nextSeq++, session, min, max, mode, future);
            queue.put(w.seq, w);
            waiting.add(min, max, w.seq, w);
            if (tryGrant(w, fx)) {
                // An immediate grant can unblock nobody: no queued request overlapped it.
                dequeue(w);
            }
        } finally {
            lock.unlock();
        }
        fx.run();
        return future;
    }

    /**
     * The holder answered a revoke: the grant is now at {@code toMode} (0 dropped, 1 READ).
     * Returns false if the grant no longer exists (released, absorbed or evicted meanwhile).
     */
    public boolean revoked(long grantId, int toMode) {
        return lower(grantId, toMode);
    }

    /** The holder gives the grant up ({@code toMode} 0) or keeps only READ (1) on its own. */
    public boolean release(long grantId, int toMode) {
        return lower(grantId, toMode);
    }

    /** Whether the grant exists and belongs to the session. */
    public boolean holds(long session, long grantId) {
        return held(session, grantId) != null;
    }

    /** The grant {@code grantId} as it is now if {@code session} holds it, else null. */
    public Grant held(long session, long grantId) {
        lock.lock();
        try {
            Held h = byId.get(grantId);
            return h != null && h.grant.session() == session ? h.grant : null;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Removes every grant and queued request of the session (its queued futures fail with
     * {@link EvictedException}), then grants what became possible. Returns the removed grants.
     */
    public List<Grant> evict(long session) {
        Effects fx = new Effects();
        List<Grant> removed = new ArrayList<>();
        lock.lock();
        try {
            PriorityQueue<Waiter> work = newWork();
            IntervalSet<Held> own = bySession.remove(session);
            if (own != null) {
                for (Held h : own.all()) {
                    byId.remove(h.grant.id());
                    held.remove(h.grant.min(), h.grant.id());
                    removed.add(h.grant);
                    waiting.forEachOverlap(h.grant.min(), h.grant.max(), work::add);
                }
            }
            for (Iterator<Waiter> it = queue.values().iterator(); it.hasNext(); ) {
                Waiter w = it.next();
                if (w.session == session) {
                    it.remove();
                    waiting.remove(w.min, w.seq);
                    fx.fail(w.future, new EvictedException(session));
                    waiting.forEachOverlap(w.min, w.max, work::add);
                }
            }
            drain(work, fx);
        } finally {
            lock.unlock();
        }
        fx.run();
        return removed;
    }

    /** Whether the session holds a grant of at least {@code mode} whose range contains key. */
    public boolean covers(long session, Key key, int mode) {
        lock.lock();
        try {
            IntervalSet<Held> own = bySession.get(session);
            return own != null && own.anyOverlap(key, key, h -> h.grant.mode() >= mode);
        } finally {
            lock.unlock();
        }
    }

    /** Whether any session holds WRITE over a range that contains key. */
    public boolean writeHeld(Key key) {
        lock.lock();
        try {
            return held.anyOverlap(key, key, h -> h.grant.mode() == Grant.WRITE);
        } finally {
            lock.unlock();
        }
    }

    /** The session's grants, ordered by min key. */
    public List<Grant> grants(long session) {
        lock.lock();
        try {
            IntervalSet<Held> own = bySession.get(session);
            return own == null ? List.of() : own.all().stream().map(h -> h.grant).toList();
        } finally {
            lock.unlock();
        }
    }

    public Snapshot snapshot() {
        lock.lock();
        try {
            Map<Long, Integer> revoking = new TreeMap<>();
            List<Grant> grants = new ArrayList<>();
            for (Held h : held.all()) {
                grants.add(h.grant);
                if (h.revokeTo >= 0) {
                    revoking.put(h.grant.id(), h.revokeTo);
                }
            }
            List<Queued> queued = queue.values().stream()
                    .map(w -> new Queued(w.seq, w.session, w.min, w.max, w.mode)).toList();
            return new Snapshot(List.copyOf(grants), revoking, queued);
        } finally {
            lock.unlock();
        }
    }

    private boolean lower(long grantId, int toMode) {
        if (toMode != Grant.NONE && toMode != Grant.READ) {
            throw new IllegalArgumentException("to-mode must be 0 (drop) or 1 (READ), got " + toMode);
        }
        Effects fx = new Effects();
        lock.lock();
        try {
            Held h = byId.get(grantId);
            if (h == null) {
                return false;
            }
            Grant g = h.grant;
            if (toMode < g.mode()) {
                if (toMode == Grant.NONE) {
                    removeHeld(h);
                } else {
                    h.grant = g.withMode(toMode);
                }
            }
            // An answer to a downgrade leaves a drop asked later outstanding.
            if (h.revokeTo >= 0 && Math.min(toMode, g.mode()) <= h.revokeTo) {
                h.revokeTo = -1;
            }
            if (toMode < g.mode()) {
                PriorityQueue<Waiter> work = newWork();
                waiting.forEachOverlap(g.min(), g.max(), work::add);
                drain(work, fx);
            }
            return true;
        } finally {
            lock.unlock();
            fx.run();
        }
    }

    /**
     * Asks the conflicting holders of w to revoke, then grants w if nothing blocks it. Returns
     * whether it granted (the caller dequeues w).
     */
    private boolean tryGrant(Waiter w, Effects fx) {
        boolean behind = waiting.anyOverlap(w.min, w.max, o -> o.seq < w.seq);
        int need = w.mode == Grant.WRITE ? Grant.NONE : Grant.READ;
        boolean[] conflict = {false};
        held.forEachOverlap(w.min, w.max, h -> {
            if (h.grant.session() != w.session && Grant.conflicts(h.grant.mode(), w.mode)) {
                conflict[0] = true;
                if (h.revokeTo < 0 || need < h.revokeTo) {
                    h.revokeTo = need;
                    fx.revoke(h.grant, need);
                }
            }
        });
        if (behind || conflict[0]) {
            return false;
        }
        IntervalSet<Held> own = bySession.computeIfAbsent(w.session, s -> new IntervalSet<>());
        for (Held h : own.overlapping(w.min, w.max)) {
            if (h.grant.mode() <= w.mode && h.grant.min().compareTo(w.min) >= 0 && h.grant.max().compareTo(w.max) <= 0) {
                removeHeld(h);
            }
        }
        Held n = new Held(new Grant(nextGrantId++, w.session, w.min, w.max, w.mode));
        byId.put(n.grant.id(), n);
        held.add(w.min, w.max, n.grant.id(), n);
        bySession.computeIfAbsent(w.session, s -> new IntervalSet<>()).add(w.min, w.max, n.grant.id(), n);
        fx.complete(w.future, n.grant);
        return true;
    }

    private void removeHeld(Held h) {
        Grant g = h.grant;
        byId.remove(g.id());
        held.remove(g.min(), g.id());
        IntervalSet<Held> own = bySession.get(g.session());
        own.remove(g.min(), g.id());
        if (own.size() == 0) {
            bySession.remove(g.session());
        }
    }

    private void dequeue(Waiter w) {
        queue.remove(w.seq);
        waiting.remove(w.min, w.seq);
    }

    private static PriorityQueue<Waiter> newWork() {
        return new PriorityQueue<>(Comparator.comparingLong(Waiter::seq));
    }

    /**
     * Re-examines queued requests in FIFO order. A request that leaves the queue may unblock the
     * later ones overlapping it, and its new grant may need revoking for them, so those join the work.
     */
    private void drain(PriorityQueue<Waiter> work, Effects fx) {
        Set<Long> done = new HashSet<>();
        while (!work.isEmpty()) {
            Waiter w = work.poll();
            if (!done.add(w.seq) || !queue.containsKey(w.seq)) {
                continue;
            }
            if (tryGrant(w, fx)) {
                dequeue(w);
                waiting.forEachOverlap(w.min, w.max, o -> {
                    if (o.seq > w.seq) {
                        done.remove(o.seq);
                        work.add(o);
                    }
                });
            }
        }
    }

    /** What the table decided under the lock, run after it is released. */
    private final class Effects {
        private final List<Runnable> actions = new ArrayList<>();

        void revoke(Grant g, int toMode) {
            actions.add(() -> sink.revoke(g, toMode));
        }

        void complete(CompletableFuture<Grant> f, Grant g) {
            actions.add(() -> f.complete(g));
        }

        void fail(CompletableFuture<Grant> f, RuntimeException e) {
            actions.add(() -> f.completeExceptionally(e));
        }

        void run() {
            for (Runnable r : actions) {
                try {
                    r.run();
                } catch (RuntimeException e) {
                    LOG.warn("grant table callback failed", e);
                }
            }
            actions.clear();
        }
    }
}
