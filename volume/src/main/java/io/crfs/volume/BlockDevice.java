package io.crfs.volume;

import java.io.IOException;

/**
 * The bytes a volume lives on: an image file or a block device. Positional, no internal
 * position. {@link #flush()} is the write barrier of a commit (everything written before it is
 * durable when it returns).
 */
public interface BlockDevice extends AutoCloseable {
    void read(long position, byte[] dst, int offset, int length) throws IOException;

    void write(long position, byte[] src, int offset, int length) throws IOException;

    void flush() throws IOException;

    long size() throws IOException;

    @Override
    void close() throws IOException;
}
