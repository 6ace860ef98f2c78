package io.crfs.posix;

import io.crfs.format.InodeItem;

/**
 * POSIX permission checks as Linux's generic_permission, check_sticky and inode_owner_or_capable
 * do them; the caller's uid 0 stands for every capability (CAP_DAC_OVERRIDE, CAP_FOWNER, ...).
 */
final class Perms {
    static final int R = 4;
    static final int W = 2;
    static final int X = 1;

    private Perms() {}

    /** generic_permission: one class of bits (owner, else group, else other); root bypasses except exec. */
    static boolean allowed(Caller c, InodeItem it, int mask) {
        int mode = it.mode();
        if (c.isRoot()) {
            // CAP_DAC_OVERRIDE: exec of a non-directory still needs some x bit.
            return (mask & X) == 0 || Inodes.isDir(mode) || (mode & 0111) != 0;
        }
        int bits;
        if (c.uid() == it.uid()) {
            bits = (mode >> 6) & 7;
        } else if (c.inGroup(it.gid())) {
            bits = (mode >> 3) & 7;
        } else {
            bits = mode & 7;
        }
        return (bits & mask) == mask;
    }

    static void require(Caller c, InodeItem it, int mask, long ino) {
        if (!allowed(c, it, mask)) {
            throw new PosixException(Errno.EACCES, "uid " + c.uid() + " lacks " + maskName(mask) + " on inode "
                    + Long.toUnsignedString(ino) + " (mode " + Integer.toOctalString(it.mode()) + ", owner "
                    + it.uid() + ":" + it.gid() + ")");
        }
    }

    /** Search (x) permission on a directory, needed to look anything up in it. */
    static void search(Caller c, InodeItem dir, long ino) {
        require(c, dir, X, ino);
    }

    /** May create or remove names in this directory (write and search). */
    static void modifyDir(Caller c, InodeItem dir, long ino) {
        require(c, dir, W | X, ino);
    }

    static boolean ownerOrRoot(Caller c, InodeItem it) {
        return c.isRoot() || c.uid() == it.uid();
    }

    static void requireOwner(Caller c, InodeItem it, long ino, String what) {
        if (!ownerOrRoot(c, it)) {
            throw new PosixException(Errno.EPERM, what + ": uid " + c.uid() + " does not own inode "
                    + Long.toUnsignedString(ino) + " (owner " + it.uid() + ")");
        }
    }

    /**
     * check_sticky: in a sticky directory only the owner of the entry, the owner of the
     * directory or root may remove or rename it (EPERM).
     */
    static void sticky(Caller c, InodeItem dir, InodeItem victim, long victimIno) {
        if ((dir.mode() & Inodes.S_ISVTX) != 0 && !c.isRoot() && c.uid() != victim.uid() && c.uid() != dir.uid()) {
            throw new PosixException(Errno.EPERM, "sticky directory: uid " + c.uid() + " owns neither inode "
                    + Long.toUnsignedString(victimIno) + " nor its directory");
        }
    }

    /**
     * The setuid/setgid bits a write, truncate or fallocate by this caller clears
     * (should_remove_suid): setuid always, setgid only with group exec (otherwise it marks
     * mandatory locking); nothing for root (CAP_FSETID) or non-regular files.
     */
    static int killPrivMode(Caller c, int mode) {
        if (c.isRoot() || !Inodes.isReg(mode)) {
            return mode;
        }
        int m = mode & ~Inodes.S_ISUID;
        if ((mode & (Inodes.S_ISGID | Inodes.S_IXGRP)) == (Inodes.S_ISGID | Inodes.S_IXGRP)) {
            m &= ~Inodes.S_ISGID;
        }
        return m;
    }

    private static String maskName(int mask) {
        return ((mask & R) != 0 ? "r" : "") + ((mask & W) != 0 ? "w" : "") + ((mask & X) != 0 ? "x" : "");
    }
}
