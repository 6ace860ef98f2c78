package io.crfs.server;

import io.crfs.format.ItemStore;
import io.crfs.protocol.Codec;
import io.crfs.protocol.Frame;
import io.crfs.protocol.Message;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * DATA replies, read and encoded on the volume thread. A sequential reader's READs are of a few
 * sizes (4 MiB read-ahead, mostly), so the arrays file bytes are read into are kept and reused,
 * and the frame is encoded into a pooled network buffer before the array is read into again. A
 * fresh array per READ cost the JVM fresh heap, which the kernel zeroed page by page on first
 * touch: a fifth of the volume thread's time on a server's first large read.
 *
 * <p>Not thread-safe: only the volume thread calls it.
 */
final class DataReplies {
    /** Reads of these sizes reuse an array; smaller ones are cheap to allocate, larger ones rare. */
    private static final int MIN_KEPT = 256 << 10, MAX_KEPT = 8 << 20;
    private static final int SIZES_KEPT = 4;

    private final Map<Integer, byte[]> arrays = new LinkedHashMap<>(8, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<Integer, byte[]> eldest) {
            return size() > SIZES_KEPT;
        }
    };

    /**
     * The whole DATA frame answering request {@code id}: {@code length} bytes of file {@code ino}
     * from {@code offset} (zeros in holes and past the end), in a buffer from {@code alloc} that
     * the caller writes (and so releases).
     */
    ByteBuf read(ItemStore fs, ByteBufAllocator alloc, long id, long ino, long offset, int length) {
        byte[] bytes = length >= MIN_KEPT && length <= MAX_KEPT ? arrays.computeIfAbsent(length, byte[]::new)
            : new byte[length];
        fs.readInto(ino, offset, bytes, 0, length);
        Frame f = new Frame(id, new Message.Data(bytes));
        ByteBuf out = alloc.ioBuffer(Codec.sizeHint(f));
        try {
            Codec.encode(f, out);
            return out;
        } catch (RuntimeException e) {
            out.release();
            throw e;
        }
    }
}
