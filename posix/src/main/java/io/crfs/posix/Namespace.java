package io.crfs.posix;

import io.crfs.format.DirEntry;
import io.crfs.format.InodeItem;
import io.crfs.format.ItemStore;
import io.crfs.format.ItemType;
import io.crfs.format.Key;
import io.crfs.format.InodeRef;
import io.crfs.format.Timespec;
import java.util.List;

/**
 * lookup, create, mknod, mkdir, symlink, link, unlink and rmdir. Checks come in the order
 * Linux's VFS makes them (path walk: ENOTDIR, EACCES on search; then ENOENT/EEXIST for the last
 * component; then may_create/may_delete: EACCES, sticky EPERM, EISDIR/ENOTDIR; then the file
 * system: ENOTEMPTY, EMLINK), and nothing is written before every check has passed.
 */
final class Namespace {
    private final ItemStore store;
    private final Inodes inodes;
    private final Dirs dirs;
    private final Orphans orphans;
    private final Perms perms;
    private final Acls acls;

    Namespace(ItemStore store, Inodes inodes, Dirs dirs, Orphans orphans, Perms perms, Acls acls) {
        this.store = store;
        this.inodes = inodes;
        this.dirs = dirs;
        this.orphans = orphans;
        this.perms = perms;
        this.acls = acls;
    }

    boolean initRoot(int mode, int uid, int gid) {
        long root = PosixFs.ROOT;
        if (inodes.find(root) != null) {
            return false;
        }
        InodeItem it = inodes.create(Inodes.S_IFDIR | (mode & Inodes.PERM_BITS), uid, gid, 0);
        store.put(Inodes.key(root), it.bytes());
        // mkfs writes (256, INODE_REF, 256) with index 0 and the name "..".
        store.put(new Key(root, ItemType.INODE_REF, root), InodeRef.encodeAll(List.of(new InodeRef(0, new byte[] {'.', '.'}))));
        return true;
    }

    /** The directory item, after ENOTDIR and search-permission checks of the path walk. */
    InodeItem walk(Caller c, long dir) {
        InodeItem d = inodes.loadDir(dir);
        perms.search(c, d, dir);
        return d;
    }

    /**
     * The attributes of {@code name} in {@code dir} (".", ".." included), or null where the
     * directory does not hold it: a missing name is the answer to many lookups (every create asks
     * first, and so does every search of a path list), so it costs no exception. The caller
     * must be able to search {@code dir}.
     */
    Attr find(Caller c, long dir, byte[] name) {
        walk(c, dir);
        Names.check(name);
        if (Names.isDot(name)) {
            return inodes.attr(dir);
        }
        if (Names.isDotDot(name)) {
            return inodes.attr(dirs.parentOf(dir));
        }
        DirEntry e = dirs.find(dir, name);
        return e == null ? null : inodes.attr(e.location().objectid());
    }

    DirEntry require(long dir, byte[] name) {
        DirEntry e = dirs.find(dir, name);
        if (e == null) {
            throw notFound(dir, name);
        }
        return e;
    }

    static PosixException notFound(long dir, byte[] name) {
        return new PosixException(Errno.ENOENT, Names.show(name) + " not found in directory " + Long.toUnsignedString(dir));
    }

    /** Common path of every creation: the name must be new, the directory live and writable. */
    private InodeItem prepareCreate(Caller c, long dir, byte[] name) {
        InodeItem d = walk(c, dir);
        Names.check(name);
        if (Names.isDots(name) || dirs.find(dir, name) != null) {
            throw new PosixException(Errno.EEXIST, Names.show(name) + " exists in directory " + Long.toUnsignedString(dir));
        }
        if (d.nlink() == 0) {
            throw new PosixException(Errno.ENOENT, "directory " + Long.toUnsignedString(dir) + " has been removed");
        }
        perms.modifyDir(c, d, dir);
        return d;
    }

    Attr create(Caller c, long dir, byte[] name, int mode, boolean exclusive) {
        InodeItem d = walk(c, dir);
        Names.check(name);
        DirEntry e = Names.isDots(name) ? null : dirs.find(dir, name);
        if (Names.isDots(name) || e != null) {
            if (exclusive) {
                throw new PosixException(Errno.EEXIST, Names.show(name) + " exists in directory " + Long.toUnsignedString(dir));
            }
            long ino = Names.isDot(name) ? dir : Names.isDotDot(name) ? dirs.parentOf(dir) : e.location().objectid();
            InodeItem it = inodes.load(ino);
            if (Inodes.isDir(it.mode())) {
                throw new PosixException(Errno.EISDIR, Names.show(name) + " is a directory");
            }
            return inodes.attr(ino, it);
        }
        if (d.nlink() == 0) {
            throw new PosixException(Errno.ENOENT, "directory " + Long.toUnsignedString(dir) + " has been removed");
        }
        perms.modifyDir(c, d, dir);
        return make(c, dir, d, name, Inodes.S_IFREG | (mode & Inodes.PERM_BITS), 0, null);
    }

    Attr mknod(Caller c, long dir, byte[] name, int mode, long rdev) {
        int fmt = mode & Inodes.S_IFMT;
        switch (fmt) {
            case 0 -> fmt = Inodes.S_IFREG;
            case Inodes.S_IFREG, Inodes.S_IFCHR, Inodes.S_IFBLK, Inodes.S_IFIFO, Inodes.S_IFSOCK -> { }
            case Inodes.S_IFDIR -> throw new PosixException(Errno.EPERM, "mknod cannot make directories");
            default -> throw new PosixException(Errno.EINVAL, "mknod of file type " + Integer.toOctalString(fmt));
        }
        InodeItem d = prepareCreate(c, dir, name);
        boolean device = fmt == Inodes.S_IFCHR || fmt == Inodes.S_IFBLK;
        if (device && !c.isRoot()) {
            throw new PosixException(Errno.EPERM, "mknod of a device needs CAP_MKNOD");
        }
        return make(c, dir, d, name, fmt | (mode & Inodes.PERM_BITS), device ? Inodes.toBtrfsRdev(rdev) : 0, null);
    }

    Attr mkdir(Caller c, long dir, byte[] name, int mode) {
        InodeItem d = prepareCreate(c, dir, name);
        // vfs_mkdir keeps only rwx and sticky; setgid comes from the parent (inode_init_owner).
        return make(c, dir, d, name, Inodes.S_IFDIR | (mode & 01777), 0, null);
    }

    Attr symlink(Caller c, long dir, byte[] name, byte[] target) {
        if (target == null || target.length == 0) {
            throw new PosixException(Errno.ENOENT, "empty symlink target");
        }
        for (byte b : target) {
            if (b == 0) {
                throw new PosixException(Errno.EINVAL, "symlink target contains NUL");
            }
        }
        if (target.length > Names.SYMLINK_MAX) {
            throw new PosixException(Errno.ENAMETOOLONG, "symlink target of " + target.length + " bytes, max " + Names.SYMLINK_MAX);
        }
        InodeItem d = prepareCreate(c, dir, name);
        return make(c, dir, d, name, Inodes.S_IFLNK | 0777, 0, target);
    }

    /**
     * Writes the new inode and its name; the owner is the caller, the group may come from a setgid
     * parent, the permission bits and ACLs from the parent's default ACL, else the caller's umask.
     */
    Attr make(Caller c, long dir, InodeItem d, byte[] name, int mode, long btrfsRdev, byte[] symlinkTarget) {
        long ino = store.allocateInode();
        putNewInode(c, dir, d, ino, mode, btrfsRdev, 1);
        if (symlinkTarget != null) {
            store.write(ino, 0, symlinkTarget, 0, symlinkTarget.length);
        }
        dirs.add(dir, d, name, ino, mode);
        Timespec t = inodes.now();
        d.mtime(t).ctime(t);
        inodes.save(dir, d);
        return inodes.attr(ino);
    }

    /** Stores a new inode's item (and the ACLs it inherits); returns the item. */
    private InodeItem putNewInode(Caller c, long dir, InodeItem d, long ino, int mode, long btrfsRdev, int nlink) {
        InodeItem it = newInode(c, d, mode, btrfsRdev).nlink(nlink);
        Acls.Start start = acls.start(dir, it.mode(), c.umask()); // after the setgid rules, which see the mode as asked
        it.mode(start.mode());
        store.put(Inodes.key(ino), it.bytes());
        acls.write(ino, start);
        return it;
    }

    /** A new inode's item: the owner is the caller, the group may come from a setgid parent {@code d}. */
    private InodeItem newInode(Caller c, InodeItem d, int mode, long btrfsRdev) {
        int gid = c.gid();
        if ((d.mode() & Inodes.S_ISGID) != 0) {
            gid = d.gid();
            if (Inodes.isDir(mode)) {
                mode |= Inodes.S_ISGID;
            } else if ((mode & (Inodes.S_ISGID | Inodes.S_IXGRP)) == (Inodes.S_ISGID | Inodes.S_IXGRP)
                    && !c.isRoot() && !c.inGroup(gid)) {
                mode &= ~Inodes.S_ISGID; // mode_strip_sgid
            }
        }
        return inodes.create(mode, c.uid(), gid, btrfsRdev);
    }

    /**
     * open(2) with O_TMPFILE: a regular file with no name, made as btrfs makes one, with nlink 0
     * and an ORPHAN_ITEM from the start, so that its last close (or the next mount after a
     * crash) deletes it unless {@link #link} gave it a name first. The directory must be live,
     * searchable and writable; it does not change.
     */
    Attr tmpfile(Caller c, long dir, int mode) {
        InodeItem d = walk(c, dir);
        if (d.nlink() == 0) {
            throw new PosixException(Errno.ENOENT, "directory " + Long.toUnsignedString(dir) + " has been removed");
        }
        perms.modifyDir(c, d, dir);
        long ino = store.allocateInode();
        InodeItem it = putNewInode(c, dir, d, ino, Inodes.S_IFREG | (mode & Inodes.PERM_BITS), 0, 0);
        store.put(Orphans.key(ino), new byte[0]);
        return inodes.attr(ino, it);
    }

    Attr link(Caller c, long ino, long newDir, byte[] newName) {
        InodeItem it = inodes.load(ino);
        InodeItem d = prepareCreate(c, newDir, newName);
        if (Inodes.isDir(it.mode())) {
            throw new PosixException(Errno.EPERM, "hard link to directory " + Long.toUnsignedString(ino));
        }
        boolean naming = it.nlink() == 0 && orphans.isLinkable(ino); // an O_TMPFILE file gets its first name
        if (it.nlink() == 0 && !naming) {
            throw new PosixException(Errno.ENOENT, "inode " + Long.toUnsignedString(ino) + " has been deleted");
        }
        if (it.nlink() >= Inodes.LINK_MAX) {
            throw new PosixException(Errno.EMLINK, "inode " + Long.toUnsignedString(ino) + " has " + it.nlink() + " links");
        }
        dirs.add(newDir, d, newName, ino, it.mode());
        Timespec t = inodes.now();
        it.nlink(it.nlink() + 1).ctime(t);
        inodes.save(ino, it);
        if (naming) {
            store.delete(Orphans.key(ino));
        }
        d.mtime(t).ctime(t);
        inodes.save(newDir, d);
        Attr a = inodes.attr(ino);
        if (naming) {
            orphans.named(ino); // last: an attempt that stops for a grant before here runs again
        }
        return a;
    }

    void unlink(Caller c, long dir, byte[] name) {
        InodeItem d = walk(c, dir);
        Names.check(name);
        if (Names.isDots(name)) {
            throw new PosixException(Errno.EISDIR, "cannot unlink " + Names.show(name));
        }
        long ino = require(dir, name).location().objectid();
        InodeItem it = inodes.load(ino);
        perms.modifyDir(c, d, dir);
        Perms.sticky(c, d, it, ino);
        if (Inodes.isDir(it.mode())) {
            throw new PosixException(Errno.EISDIR, Names.show(name) + " is a directory");
        }
        removeName(dir, d, name, ino, it);
    }

    void rmdir(Caller c, long dir, byte[] name) {
        InodeItem d = walk(c, dir);
        Names.check(name);
        if (Names.isDot(name)) {
            throw new PosixException(Errno.EINVAL, "cannot rmdir \".\"");
        }
        if (Names.isDotDot(name)) {
            throw new PosixException(Errno.ENOTEMPTY, "cannot rmdir \"..\"");
        }
        long ino = require(dir, name).location().objectid();
        InodeItem it = inodes.load(ino);
        perms.modifyDir(c, d, dir);
        Perms.sticky(c, d, it, ino);
        if (!Inodes.isDir(it.mode())) {
            throw new PosixException(Errno.ENOTDIR, Names.show(name) + " is not a directory");
        }
        if (!dirs.isEmpty(ino)) {
            throw new PosixException(Errno.ENOTEMPTY, "directory " + Names.show(name) + " is not empty");
        }
        removeName(dir, d, name, ino, it);
    }

    private void removeName(long dir, InodeItem d, byte[] name, long ino, InodeItem it) {
        dirs.remove(dir, d, name, ino);
        Timespec t = inodes.now();
        d.mtime(t).ctime(t);
        inodes.save(dir, d);
        orphans.dropLink(ino, it);
    }
}
