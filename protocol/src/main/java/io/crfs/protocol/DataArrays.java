package io.crfs.protocol;

import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Arrays that large DATA replies are decoded into, handed back by their reader once it is done
 * with them ({@link Message.Data#recycle}). A streaming read decodes hundreds of 4 MiB replies a
 * second, and each fresh array is zeroed by the JVM before it is overwritten: an eighth of a
 * FUSE mount's time on a large read. An array never handed back is simply collected.
 */
final class DataArrays {
    /** Smaller arrays are cheap to allocate. */
    static final int MIN_POOLED = 1 << 20;
    /** Arrays kept per length, and lengths kept. */
    private static final int PER_LENGTH = 8, LENGTHS = 4;

    private static final ConcurrentHashMap<Integer, ArrayBlockingQueue<byte[]>> FREE = new ConcurrentHashMap<>();

    private DataArrays() {}

    /** An array of exactly {@code length} bytes, with any content: the caller overwrites all of it. */
    static byte[] take(int length) {
        if (length >= MIN_POOLED) {
            ArrayBlockingQueue<byte[]> q = FREE.get(length);
            byte[] b = q == null ? null : q.poll();
            if (b != null) {
                return b;
            }
        }
        return new byte[length];
    }

    /** Keeps {@code b} for a later {@link #take} of its length, if there is room. */
    static void give(byte[] b) {
        if (b.length < MIN_POOLED) {
            return;
        }
        ArrayBlockingQueue<byte[]> q = FREE.get(b.length);
        if (q == null) {
            if (FREE.size() >= LENGTHS) {
                return;
            }
            q = FREE.computeIfAbsent(b.length, k -> new ArrayBlockingQueue<>(PER_LENGTH));
        }
        q.offer(b);
    }

    /** Arrays kept now (for tests). */
    static int kept() {
        return FREE.values().stream().mapToInt(ArrayBlockingQueue::size).sum();
    }
}
