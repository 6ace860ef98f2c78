package io.crfs.fusemount;

import io.crfs.fuse.Errno;
import io.crfs.fuse.FuseException;
import io.crfs.posix.Caller;
import io.crfs.posix.PosixFs;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * The file attribute ioctls as FUSE passes them on (lsattr, chattr, xfs_io's chattr): the flags
 * word of FS_IOC_GETFLAGS and SETFLAGS, and struct fsxattr of FS_IOC_FSGETXATTR and FSSETXATTR,
 * whose xflags name five of the same flags. Like btrfs, no extent size hints and no project ids
 * (anything but 0 is EOPNOTSUPP). {@link PosixFs#setFlags} decides which flags may change.
 */
final class FileAttrIoctls {
    static final int FS_IOC_GETFLAGS = 0x80086601, FS_IOC_SETFLAGS = 0x40086602;
    static final int FS_IOC32_GETFLAGS = 0x80046601, FS_IOC32_SETFLAGS = 0x40046602;
    static final int FS_IOC_FSGETXATTR = 0x801c581f, FS_IOC_FSSETXATTR = 0x401c5820;
    /** struct fsxattr: xflags, extsize, nextents, projid, cowextsize, 8 bytes of padding. */
    private static final int FSXATTR_SIZE = 28;

    /** Pairs of (FS_XFLAG_*, FS_*_FL): immutable, append, sync, noatime, nodump. */
    private static final int[][] XFLAGS = {{0x8, 0x10}, {0x10, 0x20}, {0x20, 0x8}, {0x40, 0x80}, {0x80, 0x40}};
    private static final int XFLAGGED; // the FS_*_FL bits that xflags can name

    static {
        int m = 0;
        for (int[] x : XFLAGS) {
            m |= x[1];
        }
        XFLAGGED = m;
    }

    private FileAttrIoctls() {
    }

    /**
     * Runs {@code cmd} on inode {@code ino}; returns what the caller gets back (at most
     * {@code outSize} bytes). ENOTTY for any other command.
     */
    static byte[] run(PosixFs fs, Caller c, long ino, int cmd, byte[] in, int outSize) {
        switch (cmd) {
            case FS_IOC_GETFLAGS, FS_IOC32_GETFLAGS -> {
                byte[] out = new byte[Math.min(outSize, 8)];
                ByteBuffer.wrap(out).order(ByteOrder.LITTLE_ENDIAN).putInt(fs.getFlags(ino));
                return need(out, 4, "flags");
            }
            case FS_IOC_SETFLAGS, FS_IOC32_SETFLAGS -> {
                fs.setFlags(c, ino, le(need(in, 4, "flags")).getInt());
                return new byte[0];
            }
            case FS_IOC_FSGETXATTR -> {
                byte[] out = need(new byte[Math.min(outSize, FSXATTR_SIZE)], FSXATTR_SIZE, "struct fsxattr");
                le(out).putInt(xflags(fs.getFlags(ino))); // no extent size hint, extents, project or CoW hint
                return out;
            }
            case FS_IOC_FSSETXATTR -> {
                ByteBuffer b = le(need(in, FSXATTR_SIZE, "struct fsxattr"));
                int xflags = b.getInt(), extsize = b.getInt();
                b.getInt(); // nextents: read only
                int projid = b.getInt(), cowextsize = b.getInt();
                if (extsize != 0 || projid != 0 || cowextsize != 0 || (xflags & ~0xf8) != 0) {
                    throw new FuseException(Errno.EOPNOTSUPP, "extent size hints, project ids and xflags 0x"
                            + Integer.toHexString(xflags & ~0xf8) + " are not kept (as on btrfs)");
                }
                fs.setFlags(c, ino, (fs.getFlags(ino) & ~XFLAGGED) | flags(xflags));
                return new byte[0];
            }
            default -> throw new FuseException(Errno.ENOTTY);
        }
    }

    private static byte[] need(byte[] b, int n, String what) {
        if (b.length < n) {
            throw new FuseException(Errno.EINVAL, what + " needs " + n + " bytes, got room for " + b.length);
        }
        return b;
    }

    private static ByteBuffer le(byte[] b) {
        return ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
    }

    private static int xflags(int flags) {
        int x = 0;
        for (int[] m : XFLAGS) {
            x |= (flags & m[1]) != 0 ? m[0] : 0;
        }
        return x;
    }

    private static int flags(int xflags) {
        int f = 0;
        for (int[] m : XFLAGS) {
            f |= (xflags & m[0]) != 0 ? m[1] : 0;
        }
        return f;
    }
}
