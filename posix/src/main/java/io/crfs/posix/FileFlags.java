package io.crfs.posix;

import io.crfs.format.InodeItem;

/**
 * The file attribute flags of chattr(1) and lsattr(1) (FS_IOC_GETFLAGS and SETFLAGS), kept as
 * btrfs keeps them, in the inode item's flags. Every flag btrfs has reads back; only those whose
 * meaning crfs already has may be changed: no dump, no atime updates (crfs never updates atime
 * on reads) and no compression (crfs writes data uncompressed). The rest (immutable, append
 * only, synchronous writes, no copy-on-write, compression) would promise behaviour crfs does not
 * have, so a change to them is EOPNOTSUPP, as a flag btrfs lacks is.
 */
final class FileFlags {
    // FS_*_FL, as chattr passes them
    static final int FS_COMPR_FL = 0x4, FS_SYNC_FL = 0x8, FS_IMMUTABLE_FL = 0x10, FS_APPEND_FL = 0x20,
            FS_NODUMP_FL = 0x40, FS_NOATIME_FL = 0x80, FS_NOCOMP_FL = 0x400, FS_DIRSYNC_FL = 0x10000,
            FS_NOCOW_FL = 0x800000;

    /** Pairs of (FS_*_FL, btrfs inode flag). */
    private static final long[][] MAP = {
            {FS_NOCOW_FL, 1L << 1}, {FS_NOCOMP_FL, 1L << 3}, {FS_SYNC_FL, 1L << 5}, {FS_IMMUTABLE_FL, 1L << 6},
            {FS_APPEND_FL, 1L << 7}, {FS_NODUMP_FL, 1L << 8}, {FS_NOATIME_FL, 1L << 9}, {FS_DIRSYNC_FL, 1L << 10},
            {FS_COMPR_FL, 1L << 11},
    };
    private static final int KNOWN = FS_COMPR_FL | FS_SYNC_FL | FS_IMMUTABLE_FL | FS_APPEND_FL | FS_NODUMP_FL
            | FS_NOATIME_FL | FS_NOCOMP_FL | FS_DIRSYNC_FL | FS_NOCOW_FL;
    private static final int CHANGEABLE = FS_NODUMP_FL | FS_NOATIME_FL | FS_NOCOMP_FL;

    private FileFlags() {
    }

    /** The FS_*_FL flags of an inode. */
    static int of(InodeItem it) {
        int f = 0;
        for (long[] m : MAP) {
            if ((it.flags() & m[1]) != 0) {
                f |= (int) m[0];
            }
        }
        return f;
    }

    /** The inode flags with {@code fs} (FS_*_FL) in place of what they map; other inode flags kept. */
    static long apply(long inodeFlags, int fs) {
        long out = inodeFlags;
        for (long[] m : MAP) {
            out = (fs & m[0]) != 0 ? out | m[1] : out & ~m[1];
        }
        return out;
    }

    /** Throws unless {@code wanted} differs from {@code now} only in flags crfs may change. */
    static void checkChange(int now, int wanted, long ino) {
        if ((wanted & ~KNOWN) != 0) {
            throw new PosixException(Errno.EOPNOTSUPP, "flags 0x" + Integer.toHexString(wanted & ~KNOWN) + " (btrfs has none of them)");
        }
        int changed = now ^ wanted;
        if ((changed & ~CHANGEABLE) != 0) {
            throw new PosixException(Errno.EOPNOTSUPP, "flags 0x" + Integer.toHexString(changed & ~CHANGEABLE) + " of inode "
                    + Long.toUnsignedString(ino) + ": crfs changes only no-dump, no-atime and no-compress (chattr d, A, m)");
        }
    }
}
