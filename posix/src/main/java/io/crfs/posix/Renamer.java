package io.crfs.posix;

import io.crfs.format.DirEntry;
import io.crfs.format.InodeItem;
import io.crfs.format.Timespec;

/**
 * rename(2)/renameat2(2). The checks follow do_renameat2 and vfs_rename: flags, "."/".." (EBUSY),
 * ENOENT/EEXIST of the two names, the ancestor traps (EINVAL, ENOTEMPTY), the same-inode no-op,
 * may_delete/may_create on both sides, write permission on a directory that changes parent, then
 * btrfs's ENOTEMPTY. A moved name always gets a new DIR_INDEX (btrfs-format.md 7.5).
 */
final class Renamer {
    private final Inodes inodes;
    private final Dirs dirs;
    private final Orphans orphans;
    private final Namespace names;
    private final Perms perms;

    Renamer(Inodes inodes, Dirs dirs, Orphans orphans, Namespace names, Perms perms) {
        this.inodes = inodes;
        this.dirs = dirs;
        this.orphans = orphans;
        this.names = names;
        this.perms = perms;
    }

    void rename(Caller c, long srcDir, byte[] srcName, long dstDir, byte[] dstName, int flags) {
        boolean noReplace = (flags & PosixFs.RENAME_NOREPLACE) != 0;
        boolean exchange = (flags & PosixFs.RENAME_EXCHANGE) != 0;
        boolean whiteout = (flags & PosixFs.RENAME_WHITEOUT) != 0;
        if ((flags & ~(PosixFs.RENAME_NOREPLACE | PosixFs.RENAME_EXCHANGE | PosixFs.RENAME_WHITEOUT)) != 0
                || (exchange && (noReplace || whiteout))) {
            throw new PosixException(Errno.EINVAL, "rename flags 0x" + Integer.toHexString(flags));
        }
        InodeItem sd = names.walk(c, srcDir);
        InodeItem dd = srcDir == dstDir ? sd : names.walk(c, dstDir);
        Names.check(srcName);
        Names.check(dstName);
        if (Names.isDots(srcName)) {
            throw new PosixException(Errno.EBUSY, "cannot rename " + Names.show(srcName));
        }
        if (Names.isDots(dstName)) {
            throw new PosixException(noReplace ? Errno.EEXIST : Errno.EBUSY, "cannot rename onto " + Names.show(dstName));
        }
        long src = names.require(srcDir, srcName).location().objectid();
        DirEntry de = dirs.find(dstDir, dstName);
        if (exchange && de == null) {
            throw new PosixException(Errno.ENOENT, Names.show(dstName) + " not found in directory " + Long.toUnsignedString(dstDir));
        }
        if (noReplace && de != null) {
            throw new PosixException(Errno.EEXIST, Names.show(dstName) + " exists in directory " + Long.toUnsignedString(dstDir));
        }
        long dst = de == null ? 0 : de.location().objectid();
        if (srcDir != dstDir) {
            if (dirs.isAncestorOrSelf(src, dstDir)) {
                throw new PosixException(Errno.EINVAL, "cannot move directory " + Long.toUnsignedString(src) + " into itself");
            }
            if (de != null && dirs.isAncestorOrSelf(dst, srcDir)) {
                throw new PosixException(exchange ? Errno.EINVAL : Errno.ENOTEMPTY,
                        "target " + Names.show(dstName) + " is an ancestor of the source");
            }
        }
        if (de != null && src == dst) {
            return; // both names are links to the same inode: POSIX says rename does nothing
        }
        InodeItem si = inodes.load(src);
        InodeItem ti = de == null ? null : inodes.load(dst);
        check(c, srcDir, sd, src, si, dstDir, dd, dst, ti, exchange);
        if (whiteout && !c.isRoot()) {
            throw new PosixException(Errno.EPERM, "RENAME_WHITEOUT needs CAP_MKNOD");
        }
        Timespec t = inodes.now();
        if (exchange) {
            dirs.remove(srcDir, sd, srcName, src);
            dirs.remove(dstDir, dd, dstName, dst);
            dirs.add(dstDir, dd, dstName, src, si.mode());
            dirs.add(srcDir, sd, srcName, dst, ti.mode());
            si.ctime(t);
            inodes.save(src, si);
            ti.ctime(t);
            inodes.save(dst, ti);
        } else {
            if (ti != null) {
                dirs.remove(dstDir, dd, dstName, dst);
            }
            dirs.remove(srcDir, sd, srcName, src);
            dirs.add(dstDir, dd, dstName, src, si.mode());
            si.ctime(t);
            inodes.save(src, si);
            if (ti != null) {
                orphans.dropLink(dst, ti);
            }
        }
        sd.mtime(t).ctime(t);
        if (dd != sd) {
            dd.mtime(t).ctime(t);
            inodes.save(dstDir, dd);
        }
        if (whiteout) {
            // A whiteout is a 0:0 character device left at the old name (the save happens in make).
            names.make(c, srcDir, sd, srcName, Inodes.S_IFCHR, 0, null);
        } else {
            inodes.save(srcDir, sd);
        }
    }

    private void check(Caller c, long srcDir, InodeItem sd, long src, InodeItem si,
                       long dstDir, InodeItem dd, long dst, InodeItem ti, boolean exchange) {
        boolean srcIsDir = Inodes.isDir(si.mode());
        perms.modifyDir(c, sd, srcDir);
        Perms.sticky(c, sd, si, src);
        if (ti == null) {
            if (dd.nlink() == 0) {
                throw new PosixException(Errno.ENOENT, "directory " + Long.toUnsignedString(dstDir) + " has been removed");
            }
            perms.modifyDir(c, dd, dstDir);
        } else {
            perms.modifyDir(c, dd, dstDir);
            Perms.sticky(c, dd, ti, dst);
            boolean dstIsDir = Inodes.isDir(ti.mode());
            if (!exchange && srcIsDir && !dstIsDir) {
                throw new PosixException(Errno.ENOTDIR, "cannot replace non-directory " + Long.toUnsignedString(dst) + " with a directory");
            }
            if (!exchange && !srcIsDir && dstIsDir) {
                throw new PosixException(Errno.EISDIR, "cannot replace directory " + Long.toUnsignedString(dst) + " with a non-directory");
            }
        }
        if (srcDir != dstDir) {
            // The moved directory's ".." changes, which needs write permission on it.
            if (srcIsDir) {
                perms.require(c, si, Perms.W, src);
            }
            if (exchange && Inodes.isDir(ti.mode())) {
                perms.require(c, ti, Perms.W, dst);
            }
        }
        if (!exchange && ti != null && Inodes.isDir(ti.mode()) && !dirs.isEmpty(dst)) {
            throw new PosixException(Errno.ENOTEMPTY, "target directory " + Long.toUnsignedString(dst) + " is not empty");
        }
    }
}
