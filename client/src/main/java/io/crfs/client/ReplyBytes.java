package io.crfs.client;

import io.crfs.protocol.Message;
import io.netty.buffer.ByteBuf;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The file bytes of one DATA reply, read where they arrived: the connection's receive buffers
 * (a {@link Message.DataSlice}, several pieces when the reply came in several reads), not an
 * array they were first copied into. Whoever holds one calls {@link #release} when nothing reads
 * it any more; the receive buffers go back to netty then. A reply nobody takes (a READ sent
 * ahead and abandoned) is released through {@link #discardWhenDone}.
 */
final class ReplyBytes {
    /**
     * DATA slices handed to this client's requests and not taken yet: a slice is released once,
     * by whoever takes it out of here (by identity: a record's equals compares the bytes).
     */
    private static final java.util.Set<Message.DataSlice> UNTAKEN =
            java.util.Collections.synchronizedSet(java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>()));
    /** Slices taken ({@link #of}) and not released yet. */
    private static final AtomicLong TAKEN = new AtomicLong();

    private final ByteBuf owner; // null for an array
    private final MemorySegment[] parts;
    private final int[] starts;
    private final int length;
    private final AtomicBoolean released = new AtomicBoolean();

    private ReplyBytes(ByteBuf owner, MemorySegment[] parts, int length) {
        this.owner = owner;
        this.parts = parts;
        this.length = length;
        this.starts = new int[parts.length];
        long at = 0;
        for (int i = 0; i < parts.length; i++) {
            starts[i] = (int) at;
            at += parts[i].byteSize();
        }
        if (at != length) {
            throw new IllegalStateException("reply pieces: expected " + length + " bytes, got " + at);
        }
    }

    /**
     * The bytes of a DATA reply, which this takes over (released by {@link #release}). The
     * client's connection decodes every DATA reply as a slice ({@code FrameDecoder(true)}).
     */
    static ReplyBytes of(Message m) {
        if (!(m instanceof Message.DataSlice s)) {
            throw new IllegalStateException("expected a DATA reply, got " + m.getClass().getSimpleName());
        }
        if (!UNTAKEN.remove(s)) {
            throw new IllegalStateException("a DATA reply taken twice, or after it was released");
        }
        ByteBuf b = s.data();
        TAKEN.incrementAndGet();
        try {
            ByteBuffer[] nio = b.nioBuffers();
            MemorySegment[] parts = new MemorySegment[nio.length];
            for (int i = 0; i < nio.length; i++) {
                parts[i] = MemorySegment.ofBuffer(nio[i]);
            }
            return new ReplyBytes(b, parts, b.readableBytes());
        } catch (RuntimeException e) {
            b.release();
            TAKEN.decrementAndGet();
            throw e;
        }
    }

    /** Bytes in an array, nothing to give back (data written through this client, tests). */
    static ReplyBytes of(byte[] data) {
        return new ReplyBytes(null, new MemorySegment[] {MemorySegment.ofArray(data)}, data.length);
    }

    int length() {
        return length;
    }

    /** Bytes [{@code from}, {@code from + n}) to {@code out} at {@code at}. */
    void copyTo(int from, MemorySegment out, long at, int n) {
        if (released.get()) {
            throw new IllegalStateException("DATA reply read after it was released");
        }
        Objects.checkFromIndexSize(from, n, length);
        int i = Arrays.binarySearch(starts, from);
        i = i >= 0 ? i : -i - 2;
        while (n > 0) {
            while (parts[i].byteSize() == 0) {
                i++;
            }
            int within = from - starts[i];
            int k = (int) Math.min(n, parts[i].byteSize() - within);
            MemorySegment.copy(parts[i], within, out, at, k);
            from += k;
            at += k;
            n -= k;
            i++;
        }
    }

    /** Done with these bytes; later calls do nothing. */
    void release() {
        if (released.compareAndSet(false, true) && owner != null) {
            owner.release();
            TAKEN.decrementAndGet();
        }
    }

    /** A DATA slice is being handed to a request of this client ({@link Connection}); {@link #of} takes it. */
    static void delivered(Message.DataSlice s) {
        UNTAKEN.add(s);
    }

    /** Releases {@code m} if it is a DATA slice not taken: nobody will (any number of calls). */
    static void discard(Message m) {
        if (m instanceof Message.DataSlice s && UNTAKEN.remove(s)) {
            s.data().release();
        }
    }

    /** Once {@code reply} completes, releases what it brings: nobody will take it. */
    static void discardWhenDone(CompletableFuture<Message> reply) {
        reply.thenAccept(ReplyBytes::discard);
    }

    /** DATA slices handed to requests and not released yet, taken or not. */
    static long live() {
        return UNTAKEN.size() + TAKEN.get();
    }
}
