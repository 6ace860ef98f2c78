package io.crfs.posix;

import io.crfs.format.InodeItem;
import io.crfs.format.ItemStore;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * The POSIX ACLs of inodes, kept as Linux's btrfs keeps them (the {@code system.posix_acl_access}
 * and {@code system.posix_acl_default} xattrs, {@link Acl}), and what the file system does with
 * them as btrfs does: a new inode inherits its directory's default list (posix_acl_create), chmod
 * rewrites the access list (posix_acl_chmod), and setting an access list sets the mode bits
 * (posix_acl_update_mode). Permission checks read them through {@link Perms}.
 */
final class Acls {
    static final byte[] ACCESS = "system.posix_acl_access".getBytes(StandardCharsets.US_ASCII);
    static final byte[] DEFAULT = "system.posix_acl_default".getBytes(StandardCharsets.US_ASCII);

    private final ItemStore store;

    Acls(ItemStore store) {
        this.store = store;
    }

    static boolean isAclName(byte[] name) {
        return Arrays.equals(name, ACCESS) || Arrays.equals(name, DEFAULT);
    }

    /** The inode's access list, or null. */
    Acl access(long ino) {
        return read(ino, ACCESS);
    }

    private Acl read(long ino, byte[] name) {
        byte[] v = Xattrs.value(store, ino, name);
        if (v == null) {
            return null;
        }
        try {
            return Acl.decode(v);
        } catch (PosixException e) {
            throw new PosixException(Errno.EIO, "inode " + Long.toUnsignedString(ino) + " has a malformed "
                    + new String(name, StandardCharsets.US_ASCII) + ": " + e.getMessage());
        }
    }

    /** A new inode's mode and the lists it is born with (stored by {@link #write} once the inode exists). */
    record Start(int mode, Acl access, Acl defaults) {}

    /**
     * posix_acl_create: with a default list on {@code dir}, the new inode's permission bits are
     * what that list and {@code mode} both allow (the umask does not apply), a directory inherits
     * the default list, and an access list is kept if the result needs one; without, the umask
     * applies. Symlinks keep 0777 and get no lists.
     */
    Start start(long dir, int mode, int umask) {
        if (Inodes.isSymlink(mode)) {
            return new Start(mode, null, null);
        }
        Acl parent = read(dir, DEFAULT);
        if (parent == null) {
            return new Start(mode & ~(umask & 0777), null, null);
        }
        Acl.Inherited got = parent.inherit(mode);
        return new Start(got.mode(), got.access(), Inodes.isDir(mode) ? parent : null);
    }

    void write(long ino, Start s) {
        if (s.access() != null) {
            Xattrs.put(store, ino, ACCESS, s.access().encode());
        }
        if (s.defaults() != null) {
            Xattrs.put(store, ino, DEFAULT, s.defaults().encode());
        }
    }

    /** After chmod to {@code mode}: the access list's owner, mask (else group) and other entries follow it. */
    void chmod(long ino, int mode) {
        Acl acl = access(ino);
        if (acl == null) {
            return;
        }
        Acl changed = acl.chmod(mode);
        if (changed.equivalentToMode()) {
            Xattrs.removeEntry(store, ino, ACCESS);
        } else {
            Xattrs.put(store, ino, ACCESS, changed.encode());
        }
    }

    /**
     * setxattr (or, with a null {@code value}, removexattr) of an ACL name, as Linux's
     * set_posix_acl and btrfs_set_acl do it: the value must be a valid list (EOPNOTSUPP, EINVAL);
     * a default list only on a directory (EACCES; removing one elsewhere does nothing); only the
     * owner or root (EPERM). An access list sets the mode's permission bits and is not stored if
     * the mode bits say it all; setgid goes unless the caller is in the file's group or root.
     * Removing a list that is not there is no error. Returns false if nothing changed; otherwise
     * the caller moves ctime and saves {@code it}, whose mode may have changed.
     */
    boolean set(Caller c, long ino, InodeItem it, byte[] name, byte[] value) {
        Acl acl = value == null ? null : Acl.decode(value);
        boolean access = Arrays.equals(name, ACCESS);
        if (!access && !Inodes.isDir(it.mode())) {
            if (acl != null) {
                throw new PosixException(Errno.EACCES, "a default ACL on inode " + Long.toUnsignedString(ino)
                        + ", which is no directory");
            }
            return false;
        }
        Perms.requireOwner(c, it, ino, "set ACL");
        if (access && acl != null) {
            int mode = acl.applyToMode(it.mode());
            if (!c.isRoot() && !c.inGroup(it.gid())) {
                mode &= ~Inodes.S_ISGID;
            }
            it.mode(mode);
            if (acl.equivalentToMode()) {
                acl = null;
            }
        }
        if (acl == null) {
            Xattrs.removeEntry(store, ino, name);
        } else {
            Xattrs.put(store, ino, name, acl.encode());
        }
        return true;
    }
}
