package io.crfs.protocol;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * Arrays that large DATA replies are decoded into, handed back by their reader once it is done
 * with them ({@link Message.Data#recycle}). A streaming read decodes hundreds of 4 MiB replies a
 * second, and each fresh array is zeroed by the JVM before it is overwritten: an eighth of a
 * FUSE mount's time on a large read. An array never handed back is simply collected.
 */
final class DataArrays {
    /** Smaller arrays are cheap to allocate. */
    static final int MIN_POOLED = 1 << 20;
    /** The most bytes kept, and lengths kept. */
    static final long MAX_BYTES = 32L << 20;
    private static final int LENGTHS = 4;

    private static final ConcurrentHashMap<Integer, ConcurrentLinkedQueue<byte[]>> FREE = new ConcurrentHashMap<>();
    private static final java.util.concurrent.atomic.AtomicLong KEPT_BYTES = new java.util.concurrent.atomic.AtomicLong();

    private DataArrays() {}

    /** An array of exactly {@code length} bytes, with any content: the caller overwrites all of it. */
    static byte[] take(int length) {
        if (length >= MIN_POOLED) {
            ConcurrentLinkedQueue<byte[]> q = FREE.get(length);
            byte[] b = q == null ? null : q.poll();
            if (b != null) {
                KEPT_BYTES.addAndGet(-length);
                return b;
            }
        }
        return new byte[length];
    }

    /** Keeps {@code b} for a later {@link #take} of its length, if there is room. */
    static void give(byte[] b) {
        if (b.length < MIN_POOLED || b.length > MAX_BYTES) {
            return;
        }
        ConcurrentLinkedQueue<byte[]> q = FREE.get(b.length);
        if (q == null) {
            if (FREE.size() >= LENGTHS) {
                return;
            }
            q = FREE.computeIfAbsent(b.length, k -> new ConcurrentLinkedQueue<>());
        }
        if (KEPT_BYTES.addAndGet(b.length) > MAX_BYTES) {
            KEPT_BYTES.addAndGet(-b.length);
        } else {
            q.offer(b);
        }
    }

    /** Forgets every kept array (for tests). */
    static synchronized void clear() {
        FREE.clear();
        KEPT_BYTES.set(0);
    }

    /** Bytes kept now (for tests). */
    static long keptBytes() {
        return KEPT_BYTES.get();
    }
}
