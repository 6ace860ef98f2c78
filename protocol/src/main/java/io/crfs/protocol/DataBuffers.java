package io.crfs.protocol;

import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Reusable arrays for file data on its way through a process: WRITE data a client holds until
 * crfsd has applied it, and WRITE data crfsd decodes and applies. Fresh heap memory is the
 * costliest thing a large write touches on these virtual machines (the kernel faults in and
 * zeroes each page, at about a tenth of the speed of a copy between warm pages): a fresh mount's
 * first 512 MiB write allocated 1.3 GB in its JVM and 0.7 GB in crfsd's, growing both heaps page
 * by page. Arrays from 64 KiB to 8 MiB come in power-of-two sizes, so an array is usually longer
 * than the bytes it holds ({@link Edit.Write} carries its length); smaller and larger ones are
 * plain allocations. At most {@link #KEEP_BYTES} wait here for reuse; the rest go to the
 * collector. Thread-safe.
 *
 * <p>{@link #give} must get only an array that nothing will read or write again: pooled bytes
 * are overwritten by the next user.
 */
public final class DataBuffers {
    static final int MIN_SHIFT = 16;
    static final int MAX_SHIFT = 23;
    /** How many bytes of free arrays are kept for reuse, over all sizes. */
    static final long KEEP_BYTES = 48L << 20;

    @SuppressWarnings("unchecked")
    private static final ConcurrentLinkedDeque<byte[]>[] FREE = new ConcurrentLinkedDeque[MAX_SHIFT - MIN_SHIFT + 1];
    private static final AtomicLong KEPT = new AtomicLong();

    static {
        for (int i = 0; i < FREE.length; i++) {
            FREE[i] = new ConcurrentLinkedDeque<>();
        }
    }

    private DataBuffers() {}

    /** An array of at least {@code n} bytes (exactly {@code n} outside the pooled sizes); its contents are undefined. */
    public static byte[] take(int n) {
        int c = sizeClass(n);
        if (c < 0) {
            return new byte[n];
        }
        byte[] b = FREE[c].pollFirst();
        if (b == null) {
            return new byte[1 << (c + MIN_SHIFT)];
        }
        KEPT.addAndGet(-b.length);
        return b;
    }

    /** Takes back an array that nobody uses any more, if it has a pooled size and there is room. */
    public static void give(byte[] b) {
        int c = b == null ? -1 : sizeClass(b.length);
        if (c < 0 || b.length != 1 << (c + MIN_SHIFT)) {
            return;
        }
        if (KEPT.addAndGet(b.length) > KEEP_BYTES) {
            KEPT.addAndGet(-b.length);
            return;
        }
        FREE[c].offerFirst(b); // the most recently used first: its pages are the warmest
    }

    /**
     * Lets the collector have every array kept for reuse: after a warm-up, whose writes filled the
     * pool, so that a process does not carry them (and, for 8 MiB, a third more in whole heap
     * regions) into work that may never write.
     */
    public static void clear() {
        for (ConcurrentLinkedDeque<byte[]> free : FREE) {
            for (byte[] b; (b = free.pollFirst()) != null; ) {
                KEPT.addAndGet(-b.length);
            }
        }
    }

    /** The size class (0 for 64 KiB) holding {@code n} bytes, or -1 if {@code n} is not pooled. */
    static int sizeClass(int n) {
        if (n < (1 << MIN_SHIFT) || n > (1 << MAX_SHIFT)) {
            return -1;
        }
        return 32 - Integer.numberOfLeadingZeros(n - 1) - MIN_SHIFT;
    }

    /** Bytes of free arrays kept now (for tests). */
    static long kept() {
        return KEPT.get();
    }
}
