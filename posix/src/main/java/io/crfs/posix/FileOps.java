package io.crfs.posix;

import io.crfs.format.InodeItem;
import io.crfs.format.ItemStore;
import io.crfs.format.Timespec;

/**
 * File data and attribute changes: read, write, readlink, setattr (truncate, chmod, chown,
 * utimens), fallocate, SEEK_DATA/SEEK_HOLE, access. Data goes only through the ItemStore, which
 * owns the extents and the size/nbytes fields, so the inode item is read again after each data
 * call before the times and mode are changed.
 */
final class FileOps {
    private final ItemStore store;
    private final Inodes inodes;
    private final Xattrs xattrs;
    private final Perms perms;

    FileOps(ItemStore store, Inodes inodes, Xattrs xattrs, Perms perms) {
        this.store = store;
        this.inodes = inodes;
        this.xattrs = xattrs;
        this.perms = perms;
    }

    private InodeItem loadRegular(long ino) {
        InodeItem it = inodes.load(ino);
        if (Inodes.isDir(it.mode())) {
            throw new PosixException(Errno.EISDIR, "inode " + Long.toUnsignedString(ino) + " is a directory");
        }
        if (!Inodes.isReg(it.mode())) {
            throw new PosixException(Errno.EINVAL, "inode " + Long.toUnsignedString(ino) + " is not a regular file");
        }
        return it;
    }

    int read(long ino, long offset, byte[] dst, int from, int length) {
        if (from < 0 || length < 0 || from + length > dst.length) {
            throw new PosixException(Errno.EINVAL, "read of " + length + " bytes into an array of " + dst.length + " at " + from);
        }
        int n = readable(ino, offset, length);
        if (n > 0) {
            store.readInto(ino, offset, dst, from, n);
        }
        return n;
    }

    /** Like {@link #read(long, long, byte[], int, int)}, into the start of {@code dst} (as much as it holds). */
    int read(long ino, long offset, java.lang.foreign.MemorySegment dst) {
        int n = readable(ino, offset, (int) Math.min(dst.byteSize(), Integer.MAX_VALUE));
        if (n > 0) {
            store.readInto(ino, offset, dst, n);
        }
        return n;
    }

    /** How many of {@code length} bytes from {@code offset} the file has (0 at or past its end). */
    private int readable(long ino, long offset, int length) {
        InodeItem it = loadRegular(ino);
        if (offset < 0 || length < 0) {
            throw new PosixException(Errno.EINVAL, "read of " + length + " bytes at " + offset);
        }
        long size = it.size();
        return offset >= size ? 0 : (int) Math.min(length, size - offset);
    }

    byte[] readlink(long ino) {
        InodeItem it = inodes.load(ino);
        if (!Inodes.isSymlink(it.mode())) {
            throw new PosixException(Errno.EINVAL, "inode " + Long.toUnsignedString(ino) + " is not a symlink");
        }
        return store.read(ino, 0, (int) Math.min(it.size(), Names.SYMLINK_MAX + 1L));
    }

    int write(Caller c, long ino, long offset, byte[] src, int from, int length) {
        InodeItem it = loadRegular(ino);
        if (offset < 0 || length < 0 || from < 0 || from + length > src.length) {
            throw new PosixException(Errno.EINVAL, "write of " + length + " bytes at " + offset);
        }
        if (length == 0) {
            return 0; // generic_write_checks returns 0 before times or privileges change
        }
        if (offset >= Inodes.MAX_FILE_SIZE) {
            throw new PosixException(Errno.EFBIG, "write at " + offset + " is past the maximum file size");
        }
        int n = (int) Math.min(length, Inodes.MAX_FILE_SIZE - offset);
        store.write(ino, offset, src, from, n);
        modified(c, ino);
        return n;
    }

    /**
     * copy_file_range(2): bytes [inOff, inOff + length) of {@code in}, cut at its end, to
     * {@code out} at {@code outOff}; returns how many. Where the two offsets lie at the same place
     * in a sector, the whole sectors go by the store's {@link ItemStore#cloneRange} (on btrfs a
     * reflink, as btrfs's own copy_file_range makes: the copy shares the source's extents), the
     * rest as bytes. The destination is modified as by a write. {@code total}: the length of the
     * whole copy this piece belongs to, from here on (a copy onto itself is refused whole).
     */
    long copyRange(Caller c, long in, long inOff, long out, long outOff, long length, long total) {
        InodeItem src = loadRegular(in);
        loadRegular(out);
        if (inOff < 0 || outOff < 0 || length < 0) {
            throw new PosixException(Errno.EINVAL, "copy of " + length + " bytes from " + inOff + " to " + outOff);
        }
        long n = inOff >= src.size() ? 0 : Math.min(length, src.size() - inOff);
        if (n == 0) {
            return 0;
        }
        if (outOff > Inodes.MAX_FILE_SIZE - n) {
            throw new PosixException(Errno.EFBIG, "copy to " + outOff + "+" + n + " is past the maximum file size");
        }
        long all = Math.min(total, src.size() - inOff); // the whole copy, as the kernel checks it, not this piece
        if (in == out && inOff < outOff + all && outOff < inOff + all) {
            throw new PosixException(Errno.EINVAL, "copy within inode " + Long.toUnsignedString(in) + " onto itself");
        }
        long head = head(inOff, outOff, n), shared = sectors(inOff, outOff, n);
        copyBytes(in, inOff, out, outOff, head);
        if (shared > 0) {
            store.cloneRange(in, inOff + head, out, outOff + head, shared);
        }
        copyBytes(in, inOff + head + shared, out, outOff + head + shared, n - head - shared);
        modified(c, out);
        return n;
    }

    /** The bytes a copy of {@code n} copies before its whole sectors: all of them if the offsets sit at different places in a sector. */
    static long head(long inOff, long outOff, long n) {
        int align = ItemStore.CLONE_ALIGN;
        return inOff % align != outOff % align ? n : Math.min(n, (align - inOff % align) % align);
    }

    /** The bytes of a copy of {@code n} that go as whole shared sectors ({@link ItemStore#cloneRange}). */
    static long sectors(long inOff, long outOff, long n) {
        return (n - head(inOff, outOff, n)) / ItemStore.CLONE_ALIGN * ItemStore.CLONE_ALIGN;
    }

    private void copyBytes(long in, long inOff, long out, long outOff, long length) {
        for (long done = 0; done < length; ) {
            int n = (int) Math.min(1 << 20, length - done);
            byte[] b = store.read(in, inOff + done, n);
            store.write(out, outOff + done, b, 0, n);
            done += n;
        }
    }

    /** file_modified: clear setuid/setgid and security.capability, set mtime = ctime = now. */
    private void modified(Caller c, long ino) {
        xattrs.killCaps(ino);
        InodeItem it = inodes.load(ino);
        Timespec t = inodes.now();
        it.mode(Perms.killPrivMode(c, it.mode())).mtime(t).ctime(t);
        inodes.save(ino, it);
    }

    void fallocate(Caller c, long ino, int mode, long offset, long length) {
        InodeItem it = inodes.load(ino);
        boolean keepSize = (mode & PosixFs.FALLOC_FL_KEEP_SIZE) != 0;
        boolean punch = (mode & PosixFs.FALLOC_FL_PUNCH_HOLE) != 0;
        boolean zero = (mode & PosixFs.FALLOC_FL_ZERO_RANGE) != 0;
        if (offset < 0 || length <= 0) {
            throw new PosixException(Errno.EINVAL, "fallocate of " + length + " bytes at " + offset);
        }
        // the modes btrfs has: allocate, punch a hole (which keeps the size), zero a range
        if ((mode & ~(PosixFs.FALLOC_FL_KEEP_SIZE | PosixFs.FALLOC_FL_PUNCH_HOLE | PosixFs.FALLOC_FL_ZERO_RANGE)) != 0
                || (punch && (!keepSize || zero))) {
            throw new PosixException(Errno.EOPNOTSUPP, "fallocate mode 0x" + Integer.toHexString(mode));
        }
        if (Inodes.isDir(it.mode())) {
            throw new PosixException(Errno.EISDIR, "fallocate on directory " + Long.toUnsignedString(ino));
        }
        if (!Inodes.isReg(it.mode())) {
            throw new PosixException(Errno.ENODEV, "fallocate on a special file");
        }
        if (offset > Inodes.MAX_FILE_SIZE - length) {
            throw new PosixException(Errno.EFBIG, "fallocate to " + offset + "+" + length + " is past the maximum file size");
        }
        long end = Math.min(it.size(), offset + length);
        if ((punch || zero) && end > offset) {
            store.punchHole(ino, offset, end - offset);
        }
        if (!punch) { // a zeroed range is allocated again, as btrfs does: later writes there find their space
            store.allocate(ino, offset, length, keepSize);
        }
        modified(c, ino);
    }

    long seekData(long ino, long offset) {
        InodeItem it = loadRegular(ino);
        if (offset < 0 || offset >= it.size()) {
            throw new PosixException(Errno.ENXIO, "SEEK_DATA at " + offset + " of a " + it.size() + "-byte file");
        }
        long r = store.seekData(ino, offset);
        if (r < 0) {
            throw new PosixException(Errno.ENXIO, "no data after " + offset);
        }
        return r;
    }

    long seekHole(long ino, long offset) {
        InodeItem it = loadRegular(ino);
        if (offset < 0 || offset >= it.size()) {
            throw new PosixException(Errno.ENXIO, "SEEK_HOLE at " + offset + " of a " + it.size() + "-byte file");
        }
        return Math.min(store.seekHole(ino, offset), it.size());
    }

    void access(Caller c, long ino, int mask) {
        InodeItem it = inodes.load(ino);
        if ((mask & ~7) != 0) {
            throw new PosixException(Errno.EINVAL, "access mask " + mask);
        }
        if (mask != 0) {
            perms.require(c, it, mask, ino);
        }
    }
}
