package io.crfs.posix;

import io.crfs.format.InodeItem;
import io.crfs.format.ItemStore;
import io.crfs.format.Timespec;

/**
 * setattr: truncate, chown, chmod and utimens with Linux's checks (setattr_prepare, chown_ok,
 * chgrp_ok, utimes_common) and side effects (the setgid strip of chmod, the setuid/setgid and
 * security.capability kill of chown and truncate). All checks run before anything is written.
 */
final class AttrChanges {
    private final ItemStore store;
    private final Inodes inodes;
    private final Xattrs xattrs;
    private final Perms perms;
    private final Acls acls;

    AttrChanges(ItemStore store, Inodes inodes, Xattrs xattrs, Perms perms, Acls acls) {
        this.store = store;
        this.inodes = inodes;
        this.xattrs = xattrs;
        this.perms = perms;
        this.acls = acls;
    }

    /** The chattr flags ({@link FileFlags}) of a regular file or directory (the kernel asks of no other). */
    int flags(long ino) {
        return FileFlags.of(flagsHolder(ino));
    }

    /** Sets the chattr flags: by the owner or root, and only the changes {@link FileFlags} allows; ctime moves, as on btrfs. */
    void setFlags(Caller c, long ino, int flags) {
        InodeItem it = flagsHolder(ino);
        if (!Perms.ownerOrRoot(c, it)) {
            throw new PosixException(Errno.EPERM, "only the owner may change the flags of inode " + Long.toUnsignedString(ino));
        }
        FileFlags.checkChange(FileFlags.of(it), flags, ino);
        it.flags(FileFlags.apply(it.flags(), flags)).ctime(inodes.now());
        inodes.save(ino, it);
    }

    private InodeItem flagsHolder(long ino) {
        InodeItem it = inodes.load(ino);
        if (!Inodes.isReg(it.mode()) && !Inodes.isDir(it.mode())) {
            throw new PosixException(Errno.ENOTTY, "no chattr flags on a special file or symlink");
        }
        return it;
    }

    /** With {@code viaWritableHandle} a size change needs no write permission (ftruncate: open checked it). */
    Attr setattr(Caller c, long ino, SetAttr ch, boolean viaWritableHandle) {
        InodeItem it = inodes.load(ino);
        check(c, ino, it, ch, viaWritableHandle);
        Timespec t = inodes.now();
        boolean changed = false;
        if (ch.size() != null) {
            long size = ch.size();
            boolean resized = size != it.size();
            if (resized) {
                store.truncate(ino, size);
            }
            xattrs.killCaps(ino);
            it = inodes.load(ino); // the store changed size and nbytes
            it.mode(Perms.killPrivMode(c, it.mode()));
            if (resized) {
                it.mtime(t);
            }
            changed = true;
        }
        if (ch.uid() != null || ch.gid() != null || ch.chownNoIds()) {
            if (!Inodes.isDir(it.mode())) {
                it.mode(chownMode(c, it));
                xattrs.killCaps(ino);
            }
            if (ch.uid() != null) {
                it.uid(ch.uid());
            }
            if (ch.gid() != null) {
                it.gid(ch.gid());
            }
            changed = true;
        }
        if (ch.mode() != null) {
            int m = (it.mode() & Inodes.S_IFMT) | (ch.mode() & Inodes.PERM_BITS);
            if (!c.isRoot() && !c.inGroup(it.gid())) {
                m &= ~Inodes.S_ISGID; // setattr_copy: only members of the file's group keep setgid
            }
            it.mode(m);
            acls.chmod(ino, m); // btrfs_setattr's posix_acl_chmod
            changed = true;
        }
        if (ch.atimeNow() || ch.atime() != null) {
            it.atime(ch.atimeNow() ? t : ch.atime());
            changed = true;
        }
        if (ch.mtimeNow() || ch.mtime() != null) {
            it.mtime(ch.mtimeNow() ? t : ch.mtime());
            changed = true;
        }
        if (changed || ch.ctime() != null) {
            it.ctime(ch.ctime() != null ? ch.ctime() : t);
            inodes.save(ino, it);
        }
        return inodes.attr(ino, it);
    }

    /**
     * A non-directory's mode after chown (chown_common and setattr_should_drop_sgid), even one
     * that changes no id: setuid goes, even for root, and setgid with group exec, or without it
     * when the caller is neither root nor in the file's (old) group.
     */
    private static int chownMode(Caller c, InodeItem it) {
        int m = it.mode() & ~Inodes.S_ISUID;
        if ((m & Inodes.S_IXGRP) != 0 || !(c.isRoot() || c.inGroup(it.gid()))) {
            m &= ~Inodes.S_ISGID;
        }
        return m;
    }

    private void check(Caller c, long ino, InodeItem it, SetAttr ch, boolean viaWritableHandle) {
        if (ch.chownNoIds() && !Inodes.isDir(it.mode()) && chownMode(c, it) != it.mode() && !Perms.ownerOrRoot(c, it)) {
            // the kill becomes a mode change, which only the owner may make
            throw new PosixException(Errno.EPERM, "uid " + c.uid() + " may not clear setuid/setgid of inode "
                    + Long.toUnsignedString(ino));
        }
        if (ch.size() != null) {
            if (Inodes.isDir(it.mode())) {
                throw new PosixException(Errno.EISDIR, "truncate of directory " + Long.toUnsignedString(ino));
            }
            if (!Inodes.isReg(it.mode())) {
                throw new PosixException(Errno.EINVAL, "truncate of a special file");
            }
            if (ch.size() < 0) {
                throw new PosixException(Errno.EINVAL, "negative size " + ch.size());
            }
            if (!viaWritableHandle) {
                perms.require(c, it, Perms.W, ino); // truncate(2): vfs_truncate checks MAY_WRITE
            }
        }
        if (ch.uid() != null && !c.isRoot() && !(c.uid() == it.uid() && ch.uid() == it.uid())) {
            throw new PosixException(Errno.EPERM, "only root changes the owner of inode " + Long.toUnsignedString(ino));
        }
        if (ch.gid() != null && !c.isRoot()
                && !(c.uid() == it.uid() && (c.inGroup(ch.gid()) || ch.gid() == it.gid()))) {
            throw new PosixException(Errno.EPERM, "uid " + c.uid() + " may not give inode " + Long.toUnsignedString(ino)
                    + " group " + ch.gid());
        }
        if (ch.mode() != null) {
            Perms.requireOwner(c, it, ino, "chmod");
        }
        boolean explicit = (ch.atime() != null && !ch.atimeNow()) || (ch.mtime() != null && !ch.mtimeNow());
        if (explicit) {
            Perms.requireOwner(c, it, ino, "set times");
        } else if ((ch.atimeNow() || ch.mtimeNow()) && !Perms.ownerOrRoot(c, it)) {
            // utimensat(UTIME_NOW): write permission is enough.
            perms.require(c, it, Perms.W, ino);
        }
    }
}
