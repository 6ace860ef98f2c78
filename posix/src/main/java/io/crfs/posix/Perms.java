package io.crfs.posix;

import io.crfs.format.InodeItem;

/**
 * POSIX permission checks as Linux's generic_permission, check_sticky and inode_owner_or_capable
 * do them, with POSIX ACLs; the caller's uid 0 stands for every capability (CAP_DAC_OVERRIDE,
 * CAP_FOWNER, ...).
 */
final class Perms {
    static final int R = 4;
    static final int W = 2;
    static final int X = 1;

    private final Acls acls;

    Perms(Acls acls) {
        this.acls = acls;
    }

    /**
     * generic_permission: the owner gets the owner bits; anyone else the inode's access ACL if
     * it has one (looked at only while the group class has some bit, as Linux does), else the
     * group bits if in the file's group, else the other bits; root bypasses all but exec.
     */
    boolean allowed(Caller c, long ino, InodeItem it, int mask) {
        int mode = it.mode();
        if (c.isRoot()) {
            // CAP_DAC_OVERRIDE: exec of a non-directory still needs some x bit.
            return (mask & X) == 0 || Inodes.isDir(mode) || (mode & 0111) != 0;
        }
        if (c.uid() == it.uid()) {
            return ((mode >> 6) & mask) == mask;
        }
        if ((mode & 070) != 0) {
            Acl acl = acls.access(ino);
            if (acl != null) {
                return acl.permits(c, it.gid(), mask);
            }
        }
        int bits = mode;
        if ((mask & (mode ^ (mode >> 3))) != 0 && c.inGroup(it.gid())) { // group and other differ here
            bits = mode >> 3;
        }
        return (bits & mask) == mask;
    }

    void require(Caller c, InodeItem it, int mask, long ino) {
        if (!allowed(c, ino, it, mask)) {
            throw new PosixException(Errno.EACCES, "uid " + c.uid() + " lacks " + maskName(mask) + " on inode "
                    + Long.toUnsignedString(ino) + " (mode " + Integer.toOctalString(it.mode()) + ", owner "
                    + it.uid() + ":" + it.gid() + ")");
        }
    }

    /** Search (x) permission on a directory, needed to look anything up in it. */
    void search(Caller c, InodeItem dir, long ino) {
        require(c, dir, X, ino);
    }

    /** May create or remove names in this directory (write and search). */
    void modifyDir(Caller c, InodeItem dir, long ino) {
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
