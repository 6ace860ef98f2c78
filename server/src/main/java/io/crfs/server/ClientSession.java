package io.crfs.server;

import io.netty.channel.Channel;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/** What the server knows of one client session; told the time by the sweeper in {@link Sessions}. */
final class ClientSession {
    final long id;
    final String name;
    final int uid;
    final int gid;
    volatile Channel channel;
    volatile long lastSeenNanos;
    volatile boolean evicted;
    /** revoke id -> the revoke and when it was sent. */
    final Map<Long, Pending> revokes = new ConcurrentHashMap<>();
    final AtomicLong batches = new AtomicLong();

    record Pending(Grant grant, int toMode, long sentNanos) {}

    ClientSession(long id, String name, int uid, int gid) {
        this.id = id;
        this.name = name;
        this.uid = uid;
        this.gid = gid;
        this.lastSeenNanos = System.nanoTime();
    }

    void seen() {
        lastSeenNanos = System.nanoTime();
    }
}
