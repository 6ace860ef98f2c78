package io.crfs.server;

import io.crfs.protocol.Frame;
import io.crfs.protocol.Message;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sessions, leases and revocations. A session lives while its client renews the lease (any
 * request); one that stops renewing, or leaves a revoke unanswered for a lease, is evicted:
 * its grants are reclaimed (so waiting clients proceed) and its unflushed edits, which never
 * left the client, are lost. A dropped connection alone does not end a session: the client
 * may reconnect and resume it within the lease.
 */
final class Sessions implements RevokeSink, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Sessions.class);

    final long leaseNanos;
    final int leaseMillis;
    private final Map<Long, ClientSession> byId = new ConcurrentHashMap<>();
    private final AtomicLong ids = new AtomicLong(System.currentTimeMillis() << 16);
    private final AtomicLong revokeIds = new AtomicLong();
    final AtomicLong revokesSent = new AtomicLong();
    final AtomicLong revokeNanos = new AtomicLong();
    final AtomicLong evictions = new AtomicLong();
    private final ScheduledExecutorService sweeper = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "crfsd-sweeper");
        t.setDaemon(true);
        return t;
    });
    GrantTable grants;
    LockTable locks;
    /** What the sessions said they have open, kept with their grants' answers (REVOKE_DONE, RELEASE). */
    final OpenFiles opens = new OpenFiles();
    /** Told of the inodes an ended session was the last to have open. */
    OrphanSweeper orphans;

    Sessions(int leaseMillis) {
        this.leaseMillis = leaseMillis;
        this.leaseNanos = TimeUnit.MILLISECONDS.toNanos(leaseMillis);
        long period = Math.max(50, leaseMillis / 10);
        sweeper.scheduleAtFixedRate(this::sweep, period, period, TimeUnit.MILLISECONDS);
    }

    ClientSession create(String name, int uid, int gid) {
        ClientSession s = new ClientSession(ids.incrementAndGet(), name, uid, gid);
        byId.put(s.id, s);
        return s;
    }

    ClientSession get(long id) {
        return byId.get(id);
    }

    Collection<ClientSession> all() {
        return byId.values();
    }

    @Override
    public void revoke(Grant g, int toMode) {
        ClientSession s = byId.get(g.session());
        if (s == null || s.evicted) {
            grants.revoked(g.id(), toMode);
            return;
        }
        long id = revokeIds.incrementAndGet();
        LOG.debug("revoke {}: {} to mode {}", id, g, toMode);
        s.revokes.put(id, new ClientSession.Pending(g, toMode, System.nanoTime()));
        revokesSent.incrementAndGet();
        var ch = s.channel;
        if (ch != null && ch.isActive()) {
            ch.writeAndFlush(new Frame(0, new Message.Revoke(id, g.id(), g.min(), g.max(), toMode)));
        }
        // a client not connected now gets it when it resumes (see resend), or is evicted by the sweeper
    }

    /** Re-sends outstanding revokes after a client resumed its session on a new connection. */
    void resend(ClientSession s) {
        for (Map.Entry<Long, ClientSession.Pending> e : s.revokes.entrySet()) {
            Grant g = e.getValue().grant();
            s.channel.writeAndFlush(new Frame(0, new Message.Revoke(e.getKey(), g.id(), g.min(), g.max(),
                    e.getValue().toMode())));
        }
    }

    /** Round-trip times of the most recent revokes (send to acknowledgement), for metrics and benchmarks. */
    private final long[] recent = new long[65536];
    private long recentCount;

    synchronized long[] revokeSamples() {
        int n = (int) Math.min(recentCount, recent.length);
        return java.util.Arrays.copyOf(recent, n);
    }

    private synchronized void sample(long nanos) {
        recent[(int) (recentCount++ % recent.length)] = nanos;
    }

    /**
     * The session gave grant {@code g} up (or down to READ) on its own, with {@code open} the
     * inodes of its range it has open: recorded before the table can grant the range to anyone
     * else. A revoke of the grant that crossed the RELEASE on the way is answered by it, if it
     * asked no more than that: the client may not know that grant any more, and a revoke of a
     * grant it does not know waits for the grants it is still acquiring, which may wait for this
     * very revoke.
     */
    void released(ClientSession s, Grant g, int toMode, List<Long> open) {
        opens.report(s.id, g.min().objectid(), g.max().objectid(), open);
        grants.release(g.id(), toMode);
        s.revokes.values().removeIf(p -> p.grant().id() == g.id() && toMode <= p.toMode());
    }

    /** A revoke answered; {@code open}: the inodes of its range the client has open, recorded before anyone is granted the range. */
    void revokeDone(ClientSession s, long revokeId, List<Long> open) {
        ClientSession.Pending p = s.revokes.remove(revokeId);
        if (p != null) {
            opens.report(s.id, p.grant().min().objectid(), p.grant().max().objectid(), open);
            long rtt = System.nanoTime() - p.sentNanos();
            sample(rtt);
            revokeNanos.addAndGet(rtt);
            grants.revoked(p.grant().id(), p.toMode());
        }
    }

    /** Ends a session now: grants reclaimed, waiting requests of it failed. */
    void evict(ClientSession s, String why) {
        if (s.evicted) {
            return;
        }
        s.evicted = true;
        byId.remove(s.id);
        evictions.incrementAndGet();
        LOG.warn("evicting session {} ({}): {}; what it had not sent is lost to it", s.id, s.name, why);
        s.revokes.clear();
        List<Grant> dropped = grants.evict(s.id);
        if (locks != null) {
            locks.evict(s.id);
        }
        forgetOpens(s);
        LOG.debug("session {} lost {} grants", s.id, dropped.size());
        var ch = s.channel;
        if (ch != null) {
            ch.close();
        }
    }

    /** A clean goodbye: like an eviction, but expected. */
    void end(ClientSession s) {
        s.evicted = true;
        byId.remove(s.id);
        s.revokes.clear();
        grants.evict(s.id);
        if (locks != null) {
            locks.evict(s.id);
        }
        forgetOpens(s);
    }

    private void forgetOpens(ClientSession s) {
        List<Long> last = opens.forget(s.id);
        if (!last.isEmpty() && orphans != null) {
            orphans.lastOpenGone(last);
        }
    }

    /** The sweeper's thread, for work that waits a little (the orphan sweeper's retries). */
    ScheduledExecutorService timer() {
        return sweeper;
    }

    private void sweep() {
        long now = System.nanoTime();
        for (ClientSession s : byId.values()) {
            try {
                if (now - s.lastSeenNanos > leaseNanos) {
                    evict(s, "no lease renewal for " + leaseMillis + " ms");
                    continue;
                }
                for (ClientSession.Pending p : s.revokes.values()) {
                    if (now - p.sentNanos() > leaseNanos) {
                        evict(s, "revoke of " + p.grant() + " unanswered for " + leaseMillis + " ms");
                        break;
                    }
                }
            } catch (RuntimeException e) {
                LOG.warn("sweeper: {}", e.toString());
            }
        }
    }

    @Override
    public void close() {
        sweeper.shutdownNow();
    }
}
