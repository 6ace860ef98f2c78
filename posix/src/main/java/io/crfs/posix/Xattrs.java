package io.crfs.posix;

import io.crfs.format.DirEntry;
import io.crfs.format.Hashes;
import io.crfs.format.InodeItem;
import io.crfs.format.Item;
import io.crfs.format.ItemStore;
import io.crfs.format.ItemType;
import io.crfs.format.Key;
import io.crfs.format.Timespec;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Extended attributes as XATTR_ITEMs {@code (ino, 24, nameHash(name))}: entries with location
 * (0,0,0), type FT_XATTR, name then value, collisions appended (btrfs-format.md 7.5). Permission
 * rules are Linux's xattr_permission plus commoncap's rules for security.* and btrfs's for
 * system.posix_acl_*.
 */
final class Xattrs {
    /** XATTR_NAME_MAX and XATTR_SIZE_MAX of linux/limits.h. */
    static final int NAME_MAX = 255;
    static final int VALUE_MAX = 65536;
    /** BTRFS_MAX_XATTR_SIZE: one entry (name + value) must fit an item with its 30-byte header. */
    static final int MAX_ENTRY = Dirs.MAX_ITEM_SIZE - DirEntry.HEADER;

    private static final byte[] USER = ascii("user.");
    private static final byte[] TRUSTED = ascii("trusted.");
    private static final byte[] SECURITY = ascii("security.");
    private static final byte[] SYSTEM = ascii("system.");
    private static final byte[] CAPS = ascii("security.capability");

    private final ItemStore store;
    private final Inodes inodes;
    private final Perms perms;
    private final Acls acls;

    Xattrs(ItemStore store, Inodes inodes, Perms perms, Acls acls) {
        this.store = store;
        this.inodes = inodes;
        this.perms = perms;
        this.acls = acls;
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    private static boolean startsWith(byte[] name, byte[] prefix) {
        return name.length >= prefix.length && Arrays.equals(name, 0, prefix.length, prefix, 0, prefix.length);
    }

    private static Key key(long ino, byte[] name) {
        return new Key(ino, ItemType.XATTR_ITEM, Hashes.nameHash(name));
    }

    /** Name checks of the syscall and xattr_resolve_name: ERANGE, EINVAL, EOPNOTSUPP. */
    private static void checkName(byte[] name) {
        if (name == null || name.length == 0 || name.length > NAME_MAX) {
            throw new PosixException(Errno.ERANGE, "xattr name of " + (name == null ? 0 : name.length) + " bytes");
        }
        for (byte b : name) {
            if (b == 0) {
                throw new PosixException(Errno.EINVAL, "xattr name contains NUL");
            }
        }
        for (byte[] p : new byte[][] {USER, TRUSTED, SECURITY, SYSTEM}) {
            if (startsWith(name, p)) {
                if (name.length == p.length) {
                    throw new PosixException(Errno.EINVAL, "xattr name " + Names.show(name) + " has nothing after the prefix");
                }
                if (p == SYSTEM && !Acls.isAclName(name)) {
                    throw new PosixException(Errno.EOPNOTSUPP, "unsupported system xattr " + Names.show(name));
                }
                return;
            }
        }
        throw new PosixException(Errno.EOPNOTSUPP, "xattr namespace of " + Names.show(name) + " is not supported");
    }

    /** xattr_permission and the namespace handlers' checks; write = set or remove. */
    private void permission(Caller c, long ino, InodeItem it, byte[] name, boolean write) {
        if (startsWith(name, SECURITY)) {
            if (write && !c.isRoot()) {
                throw new PosixException(Errno.EPERM, "security.* xattrs need CAP_SYS_ADMIN");
            }
            return;
        }
        if (startsWith(name, SYSTEM)) { // the ACLs, which anyone may read; Acls.set has their write rules
            if (Arrays.equals(name, Acls.DEFAULT) && !Inodes.isDir(it.mode())) {
                throw new PosixException(Errno.ENODATA, "default ACL on a non-directory");
            }
            return;
        }
        if (startsWith(name, TRUSTED)) {
            if (!c.isRoot()) {
                throw new PosixException(write ? Errno.EPERM : Errno.ENODATA, "trusted.* xattrs need CAP_SYS_ADMIN");
            }
            return;
        }
        int mode = it.mode();
        if (!Inodes.isReg(mode) && !Inodes.isDir(mode)) {
            throw new PosixException(write ? Errno.EPERM : Errno.ENODATA, "user.* xattrs only on files and directories");
        }
        if (write && Inodes.isDir(mode) && (mode & Inodes.S_ISVTX) != 0 && !Perms.ownerOrRoot(c, it)) {
            throw new PosixException(Errno.EPERM, "user.* xattrs of a sticky directory belong to its owner");
        }
        perms.require(c, it, write ? Perms.W : Perms.R, ino);
    }

    private static List<DirEntry> entries(ItemStore store, long ino, byte[] name) {
        byte[] b = store.get(key(ino, name));
        return b == null ? new ArrayList<>() : new ArrayList<>(DirEntry.decodeAll(b));
    }

    /** The value of xattr {@code name} of {@code ino}, or null, with no checks (the file system's own reads). */
    static byte[] value(ItemStore store, long ino, byte[] name) {
        byte[] b = store.get(key(ino, name)); // every permission check by a non-owner asks: no list on a miss
        if (b == null) {
            return null;
        }
        List<DirEntry> entries = DirEntry.decodeAll(b);
        int i = indexOf(entries, name);
        return i < 0 ? null : entries.get(i).data();
    }

    /** Sets xattr {@code name} of {@code ino} with no checks and no ctime change (the file system's own writes). */
    static void put(ItemStore store, long ino, byte[] name, byte[] value) {
        List<DirEntry> entries = entries(store, ino, name);
        int i = indexOf(entries, name);
        DirEntry e = new DirEntry(new Key(0, 0, 0), store.transid(), DirEntry.FT_XATTR, name, value.clone());
        if (i >= 0) {
            entries.set(i, e);
        } else {
            entries.add(e);
        }
        byte[] payload = DirEntry.encodeAll(entries);
        if (payload.length > Dirs.MAX_ITEM_SIZE) {
            throw new PosixException(Errno.ENOSPC, "XATTR_ITEM would be " + payload.length + " bytes");
        }
        store.put(key(ino, name), payload);
    }

    private static int indexOf(List<DirEntry> entries, byte[] name) {
        for (int i = 0; i < entries.size(); i++) {
            if (Arrays.equals(entries.get(i).name(), name)) {
                return i;
            }
        }
        return -1;
    }

    byte[] get(Caller c, long ino, byte[] name) {
        InodeItem it = inodes.load(ino);
        checkName(name);
        permission(c, ino, it, name, false);
        byte[] v = value(store, ino, name);
        if (v == null) {
            throw new PosixException(Errno.ENODATA, "no xattr " + Names.show(name) + " on inode " + Long.toUnsignedString(ino));
        }
        return v;
    }

    void set(Caller c, long ino, byte[] name, byte[] value, int flags) {
        InodeItem it = inodes.load(ino);
        if ((flags & ~(PosixFs.XATTR_CREATE | PosixFs.XATTR_REPLACE)) != 0) {
            throw new PosixException(Errno.EINVAL, "setxattr flags 0x" + Integer.toHexString(flags));
        }
        checkName(name);
        byte[] v = value == null ? new byte[0] : value;
        if (v.length > VALUE_MAX) {
            throw new PosixException(Errno.E2BIG, "xattr value of " + v.length + " bytes, max " + VALUE_MAX);
        }
        if (Acls.isAclName(name)) {
            if (acls.set(c, ino, it, name, v)) {
                touch(ino, it);
            }
            return;
        }
        permission(c, ino, it, name, true);
        if (name.length + v.length > MAX_ENTRY) {
            throw new PosixException(Errno.ENOSPC, "xattr name + value of " + (name.length + v.length)
                    + " bytes, btrfs allows " + MAX_ENTRY);
        }
        boolean present = value(store, ino, name) != null;
        if (present && (flags & PosixFs.XATTR_CREATE) != 0) {
            throw new PosixException(Errno.EEXIST, "xattr " + Names.show(name) + " exists");
        }
        if (!present && (flags & PosixFs.XATTR_REPLACE) != 0) {
            throw new PosixException(Errno.ENODATA, "no xattr " + Names.show(name) + " to replace");
        }
        put(store, ino, name, v);
        touch(ino, it);
    }

    List<byte[]> list(long ino) {
        inodes.load(ino);
        List<byte[]> out = new ArrayList<>();
        for (Item i : store.scan(new Key(ino, ItemType.XATTR_ITEM, 0), new Key(ino, ItemType.XATTR_ITEM, -1L), Integer.MAX_VALUE)) {
            for (DirEntry e : DirEntry.decodeAll(i.value())) {
                out.add(e.name());
            }
        }
        return out;
    }

    void remove(Caller c, long ino, byte[] name) {
        InodeItem it = inodes.load(ino);
        checkName(name);
        if (Acls.isAclName(name)) {
            if (acls.set(c, ino, it, name, null)) {
                touch(ino, it);
            }
            return;
        }
        permission(c, ino, it, name, true);
        if (!removeEntry(store, ino, name)) {
            throw new PosixException(Errno.ENODATA, "no xattr " + Names.show(name) + " on inode " + Long.toUnsignedString(ino));
        }
        touch(ino, it);
    }

    /** Removes xattr {@code name} of {@code ino} with no checks; false if it had none. */
    static boolean removeEntry(ItemStore store, long ino, byte[] name) {
        List<DirEntry> entries = entries(store, ino, name);
        int i = indexOf(entries, name);
        if (i < 0) {
            return false;
        }
        entries.remove(i);
        if (entries.isEmpty()) {
            store.delete(key(ino, name));
        } else {
            store.put(key(ino, name), DirEntry.encodeAll(entries));
        }
        return true;
    }

    /**
     * security.capability goes away when the file is written, truncated or chowned
     * (cap_inode_killpriv); returns whether there was one. The caller saves the inode item.
     */
    boolean killCaps(long ino) {
        return removeEntry(store, ino, CAPS);
    }

    private void touch(long ino, InodeItem it) {
        Timespec t = inodes.now();
        it.ctime(t);
        inodes.save(ino, it);
    }
}
