package io.crfs.volume;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A sparse in-memory device that records every write and flush, so tests can replay any
 * prefix of a commit's writes onto a copy of the state before it (a crash at that point).
 */
final class MemDevice implements BlockDevice {
    static final int PAGE = 4096;
    final long size;
    final Map<Long, byte[]> pages = new HashMap<>();
    final List<Object> log = new ArrayList<>(); // Write records and FLUSH markers
    boolean recording;
    static final Object FLUSH = "flush";

    record Write(long pos, byte[] data) {}

    MemDevice(long size) {
        this.size = size;
    }

    MemDevice copy() {
        MemDevice c = new MemDevice(size);
        for (Map.Entry<Long, byte[]> e : pages.entrySet()) {
            c.pages.put(e.getKey(), e.getValue().clone());
        }
        return c;
    }

    @Override
    public void read(long position, byte[] dst, int offset, int length) throws IOException {
        if (position + length > size) {
            throw new java.io.EOFException("read past end");
        }
        for (int i = 0; i < length; ) {
            long p = position + i;
            long page = p / PAGE;
            int in = (int) (p % PAGE);
            int n = Math.min(length - i, PAGE - in);
            byte[] pg = pages.get(page);
            if (pg == null) {
                java.util.Arrays.fill(dst, offset + i, offset + i + n, (byte) 0);
            } else {
                System.arraycopy(pg, in, dst, offset + i, n);
            }
            i += n;
        }
    }

    @Override
    public void write(long position, byte[] src, int offset, int length) {
        if (recording) {
            log.add(new Write(position, java.util.Arrays.copyOfRange(src, offset, offset + length)));
        }
        apply(position, src, offset, length);
    }

    void apply(long position, byte[] src, int offset, int length) {
        for (int i = 0; i < length; ) {
            long p = position + i;
            long page = p / PAGE;
            int in = (int) (p % PAGE);
            int n = Math.min(length - i, PAGE - in);
            System.arraycopy(src, offset + i, pages.computeIfAbsent(page, k -> new byte[PAGE]), in, n);
            i += n;
        }
    }

    @Override
    public void flush() {
        if (recording) {
            log.add(FLUSH);
        }
    }

    @Override
    public long size() {
        return size;
    }

    @Override
    public void close() {}

    /** Writes the contents to a sparse file (for btrfs check and the kernel). */
    void saveTo(Path file) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            for (Map.Entry<Long, byte[]> e : pages.entrySet()) {
                ch.write(ByteBuffer.wrap(e.getValue()), e.getKey() * PAGE);
            }
            if (ch.size() < size) {
                ch.write(ByteBuffer.wrap(new byte[1]), size - 1);
            }
        }
    }

    static MemDevice load(Path file) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            MemDevice d = new MemDevice(ch.size());
            ByteBuffer b = ByteBuffer.allocate(PAGE);
            for (long p = 0; p < ch.size(); p += PAGE) {
                b.clear();
                ch.read(b, p);
                byte[] a = b.array();
                for (byte x : a) {
                    if (x != 0) {
                        d.pages.put(p / PAGE, a.clone());
                        break;
                    }
                }
            }
            return d;
        }
    }
}
