package io.crfs.server;

import io.crfs.format.ItemStore;
import io.crfs.protocol.Codec;
import io.crfs.protocol.Frame;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.lang.foreign.MemorySegment;

/**
 * DATA replies, read and encoded on the volume thread: the file bytes are read (and their
 * checksums verified) straight into the pooled network buffer the frame is sent from, behind the
 * frame's header. Reading them into an array first and encoding that was one more copy of every
 * byte a client reads; before that, a fresh array per READ cost the JVM fresh heap, which the
 * kernel zeroed page by page on first touch (a fifth of the volume thread's time on a server's
 * first large read).
 *
 * <p>Only the volume thread calls it.
 */
final class DataReplies {
    private DataReplies() {
    }

    /**
     * The whole DATA frame answering request {@code id}: {@code length} bytes of file {@code ino}
     * from {@code offset} (zeros in holes and past the end), in a buffer from {@code alloc} that
     * the caller writes (and so releases).
     */
    static ByteBuf read(ItemStore fs, ByteBufAllocator alloc, long id, long ino, long offset, int length) {
        ByteBuf out = alloc.ioBuffer(Codec.LENGTH_FIELD + Frame.HEADER + 4 + length);
        try {
            Codec.encodeDataStart(id, length, out);
            int at = out.writerIndex(); // the buffer was sized for header and bytes
            fs.readInto(ino, offset, MemorySegment.ofBuffer(out.nioBuffer(at, length)), length);
            out.writerIndex(at + length);
            return out;
        } catch (RuntimeException e) {
            out.release();
            throw e;
        }
    }
}
