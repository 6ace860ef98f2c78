package io.crfs.posix;

import io.crfs.format.FormatException;
import io.crfs.format.InodeItem;
import io.crfs.format.Item;
import io.crfs.format.ItemStore;
import io.crfs.format.ItemType;
import io.crfs.format.Key;
import io.crfs.format.StoreException;
import io.crfs.format.Timespec;
import java.time.Clock;
import java.util.List;

/**
 * INODE_ITEM access for the POSIX layer: load, create, save (transid and sequence bumped as the
 * kernel does, btrfs-format.md 7.2 and 9.10), delete, and the conversion to {@link Attr}.
 */
final class Inodes {
    static final int S_IFMT = 0170000;
    static final int S_IFSOCK = 0140000;
    static final int S_IFLNK = 0120000;
    static final int S_IFREG = 0100000;
    static final int S_IFBLK = 0060000;
    static final int S_IFDIR = 0040000;
    static final int S_IFCHR = 0020000;
    static final int S_IFIFO = 0010000;
    static final int S_ISUID = 04000;
    static final int S_ISGID = 02000;
    static final int S_ISVTX = 01000;
    static final int S_IXGRP = 00010;
    static final int PERM_BITS = 07777;

    /** MAX_LFS_FILESIZE on 64-bit Linux, which is what btrfs advertises as s_maxbytes. */
    static final long MAX_FILE_SIZE = Long.MAX_VALUE;
    /** BTRFS_LINK_MAX: i_nlink is a u32 on disk but the kernel refuses more than this. */
    static final long LINK_MAX = 65535;
    /** stat's st_blocks rounds the byte count up to the sector size (btrfs_getattr). */
    static final int SECTOR = 4096;

    final ItemStore store;
    private final Clock clock;

    Inodes(ItemStore store, Clock clock) {
        this.store = store;
        this.clock = clock;
    }

    static Key key(long ino) {
        return new Key(ino, ItemType.INODE_ITEM, 0);
    }

    Timespec now() {
        return Timespec.of(clock.instant());
    }

    /** The inode item, or null if the inode does not exist. */
    InodeItem find(long ino) {
        byte[] b = store.get(key(ino));
        if (b == null) {
            return null;
        }
        if (b.length < InodeItem.SIZE) {
            throw new FormatException("INODE_ITEM of " + Long.toUnsignedString(ino) + " needs "
                    + InodeItem.SIZE + " bytes, got " + b.length);
        }
        return new InodeItem(b); // ItemStore.get hands out a copy, so editing it in place is safe
    }

    InodeItem load(long ino) {
        InodeItem it = find(ino);
        if (it == null) {
            throw new PosixException(Errno.ENOENT, "no inode " + Long.toUnsignedString(ino));
        }
        return it;
    }

    InodeItem loadDir(long ino) {
        InodeItem it = load(ino);
        if (!isDir(it.mode())) {
            throw new PosixException(Errno.ENOTDIR, "inode " + Long.toUnsignedString(ino) + " is not a directory");
        }
        return it;
    }

    /** Writes a changed inode item: transid = the running transaction, sequence + 1. */
    void save(long ino, InodeItem it) {
        it.transid(store.transid()).sequence(it.sequence() + 1);
        store.put(key(ino), it.bytes());
    }

    /** A fresh inode item: generation = transid = the running transaction, all four times now. */
    InodeItem create(int mode, int uid, int gid, long btrfsRdev) {
        Timespec t = now();
        long transid = store.transid();
        return InodeItem.allocate().generation(transid).transid(transid).nlink(1).uid(uid).gid(gid).mode(mode)
                .rdev(btrfsRdev).atime(t).ctime(t).mtime(t).otime(t);
    }

    Attr attr(long ino, InodeItem it) {
        long blocks = ceilDiv(it.nbytes(), SECTOR) * (SECTOR / 512);
        return new Attr(ino, it.mode(), it.nlink(), it.uid(), it.gid(), toLinuxDev(it.rdev()), it.size(), blocks,
                it.atime(), it.mtime(), it.ctime(), it.otime(), it.generation());
    }

    Attr attr(long ino) {
        return attr(ino, load(ino));
    }

    /** Deletes every item the inode owns; its data first, through the store that owns it. */
    void deleteAll(long ino, InodeItem it) {
        if (!isDir(it.mode())) {
            store.dropData(ino);
        }
        Key min = Key.first(ino);
        Key max = Key.last(ino);
        while (true) {
            List<Item> items = store.scan(min, max, 256);
            if (items.isEmpty()) {
                return;
            }
            for (Item i : items) {
                store.delete(i.key());
            }
        }
    }

    static long ceilDiv(long a, long b) {
        return Long.divideUnsigned(a + b - 1, b);
    }

    static boolean isDir(int mode) {
        return (mode & S_IFMT) == S_IFDIR;
    }

    static boolean isReg(int mode) {
        return (mode & S_IFMT) == S_IFREG;
    }

    static boolean isSymlink(int mode) {
        return (mode & S_IFMT) == S_IFLNK;
    }

    /**
     * A Linux dev_t (glibc's 64-bit encoding, gnu_dev_major/minor) to the kernel's internal
     * {@code major << 20 | minor} that btrfs stores (verified: mknod c 4 66 gives 0x400042).
     */
    static long toBtrfsRdev(long dev) {
        long major = ((dev >>> 8) & 0xfff) | ((dev >>> 32) & ~0xfffL);
        long minor = (dev & 0xff) | ((dev >>> 12) & ~0xffL);
        return (major << 20) | (minor & 0xfffff);
    }

    /** The inverse of {@link #toBtrfsRdev}: glibc's makedev(major, minor). */
    static long toLinuxDev(long rdev) {
        long major = (rdev >>> 20) & 0xfff;
        long minor = rdev & 0xfffff;
        return ((major & 0xfff) << 8) | ((major & ~0xfffL) << 32) | (minor & 0xff) | ((minor & ~0xffL) << 12);
    }

    static PosixException map(StoreException e) {
        Errno errno = switch (e.kind()) {
            case NO_SPACE -> Errno.ENOSPC;
            case TOO_BIG -> Errno.EFBIG;
            case READ_ONLY -> Errno.EROFS;
            case CORRUPT, IO -> Errno.EIO;
            case STALE -> Errno.ESTALE;
        };
        return new PosixException(errno, e.getMessage(), e);
    }
}
