package io.crfs.volume;

import java.io.IOException;

/**
 * The bytes a volume lives on: an image file or a block device. Positional, no internal
 * position. {@link #flush()} is the write barrier of a commit (everything written before it is
 * durable when it returns).
 */
public interface BlockDevice extends AutoCloseable {
    void read(long position, byte[] dst, int offset, int length) throws IOException;

    /**
     * Like {@link #read(long, byte[], int, int)}, into {@code dst} (heap or native memory) at
     * {@code offset}. The default reads into the array under a heap segment, and native memory
     * through an array.
     */
    default void read(long position, java.lang.foreign.MemorySegment dst, long offset, int length) throws IOException {
        if (dst.heapBase().orElse(null) instanceof byte[] a) { // a heap segment's address is its offset in the array
            read(position, a, Math.toIntExact(dst.address() + offset), length);
            return;
        }
        byte[] b = new byte[length];
        read(position, b, 0, length);
        java.lang.foreign.MemorySegment.copy(b, 0, dst, java.lang.foreign.ValueLayout.JAVA_BYTE, offset, length);
    }

    void write(long position, byte[] src, int offset, int length) throws IOException;

    void flush() throws IOException;

    long size() throws IOException;

    @Override
    void close() throws IOException;
}
