package io.crfs.fuse;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * Where READDIR/READDIRPLUS put their entries (struct fuse_dirent / fuse_direntplus, each
 * padded to 8 bytes). {@code nextOffset} is the opaque cookie the kernel passes back as the
 * offset of the next READDIR to continue after this entry; it must not be 0.
 * The add methods return false, adding nothing, once the kernel's buffer is full: stop there.
 */
public final class DirBuffer {
    private static final int DIRENT_HEAD = 24;
    private final ByteBuffer out;
    private final boolean plus;
    private final int limit;
    private int count;

    DirBuffer(ByteBuffer out, int size, boolean plus) {
        this.out = out;
        this.plus = plus;
        this.limit = out.position() + Math.min(size, out.remaining());
    }

    /** True for READDIRPLUS: use {@link #addPlus}. */
    public boolean isPlus() {
        return plus;
    }

    /** The number of entries added so far. */
    public int count() {
        return count;
    }

    /** A READDIR entry; {@code mode} only needs the type bits (S_IFDIR, S_IFREG, ...). */
    public boolean add(String name, long ino, int mode, long nextOffset) {
        if (plus) {
            throw new IllegalStateException("READDIRPLUS: use addPlus");
        }
        return put(name, ino, mode, nextOffset, null);
    }

    /**
     * A READDIRPLUS entry. Counts as one lookup of {@code entry.nodeId()} unless the name is
     * "." or ".." or nodeId is 0 (then the kernel only lists the name).
     */
    public boolean addPlus(String name, Entry entry, long nextOffset) {
        if (!plus) {
            throw new IllegalStateException("READDIR: use add");
        }
        return put(name, entry.attr().ino(), entry.attr().mode(), nextOffset, entry);
    }

    private boolean put(String name, long ino, int mode, long nextOffset, Entry entry) {
        byte[] n = name.getBytes(StandardCharsets.ISO_8859_1);
        int head = (entry != null ? Wire.ENTRY_OUT_SIZE : 0) + DIRENT_HEAD;
        int size = (head + n.length + 7) & ~7;
        if (out.position() + size > limit) {
            return false;
        }
        int start = out.position();
        if (entry != null) {
            Wire.putEntry(out, entry);
        }
        out.putLong(ino).putLong(nextOffset).putInt(n.length).putInt((mode >>> 12) & 017).put(n);
        while (out.position() < start + size) {
            out.put((byte) 0);
        }
        count++;
        return true;
    }
}
