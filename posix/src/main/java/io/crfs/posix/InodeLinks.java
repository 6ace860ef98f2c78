package io.crfs.posix;

import static io.crfs.posix.ItemRules.show;

import io.crfs.format.DirEntry;
import io.crfs.format.FormatException;
import io.crfs.format.Hashes;
import io.crfs.format.InodeExtref;
import io.crfs.format.InodeItem;
import io.crfs.format.InodeRef;
import io.crfs.format.ItemStore;
import io.crfs.format.ItemType;
import io.crfs.format.Key;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The links of one inode for {@link ItemRules}: its directory entries (if a directory) and its
 * names (back references), collected while its items parse, then checked against each other and
 * against the items of the inodes at the other end of each link (btrfs-format.md 7.3 to 7.5).
 */
final class InodeLinks {
    private record Index(long index, DirEntry entry) {}

    private record Name(long parent, long index, byte[] name, Key from) {}

    private final ItemStore view;
    private final long ino;
    private final InodeItem inode;
    private final boolean dir;
    private final String who;
    private final List<String> out;
    private final List<Index> indexes = new ArrayList<>();
    /** DIR_ITEM entries; only those at their name's hash count as found (a misplaced one is lost to lookups). */
    private final List<DirEntry> dirItems = new ArrayList<>();
    private final List<DirEntry> hashedDirItems = new ArrayList<>();
    private final List<Name> names = new ArrayList<>();
    /** For a directory checked on the names a change touched only; null to check it whole. */
    private final DirectoryDelta delta;

    InodeLinks(ItemStore view, long ino, InodeItem inode, boolean dir, String who, List<String> out,
            DirectoryDelta delta) {
        this.view = view;
        this.delta = delta;
        this.ino = ino;
        this.inode = inode;
        this.dir = dir;
        this.who = who;
        this.out = out;
    }

    void addIndex(long index, DirEntry e) {
        indexes.add(new Index(index, e));
    }

    void addDirItem(long offset, List<DirEntry> entries) {
        dirItems.addAll(entries);
        for (DirEntry e : entries) {
            if (Hashes.nameHash(e.name()) == offset) {
                hashedDirItems.add(e);
            }
        }
    }

    void addName(long parent, long index, byte[] name, Key from) {
        names.add(new Name(parent, index, name, from));
    }

    void check() {
        if (dir && delta != null) {
            checkNlink();
            delta.check(inode, this, who, out);
        } else if (dir) {
            checkDirectory();
        } else if (!indexes.isEmpty() || !dirItems.isEmpty()) {
            out.add(who + "dir entries: expected none in a non-directory, got " + indexes.size() + " DIR_INDEX and "
                    + dirItems.size() + " DIR_ITEM entries");
        }
        checkNames();
    }

    private void checkNlink() {
        if (inode.nlink() != 1) {
            out.add(who + "dir nlink: expected 1 for a directory, got " + inode.nlink());
        }
    }

    private void checkDirectory() {
        checkNlink();
        long size = 0;
        for (Index i : indexes) {
            size += 2L * i.entry.name().length;
        }
        if (inode.size() != size) {
            out.add(who + "dir size: expected 2 x sum of DIR_INDEX name lengths = " + size + ", got " + inode.size());
        }
        // by-name maps keep this linear: a directory may hold millions of names
        java.util.Map<java.nio.ByteBuffer, Index> byName = new java.util.HashMap<>();
        java.util.Map<java.nio.ByteBuffer, DirEntry> hashed = new java.util.HashMap<>();
        for (DirEntry d : hashedDirItems) {
            if (hashed.putIfAbsent(java.nio.ByteBuffer.wrap(d.name()), d) != null) {
                out.add(who + "duplicate name: " + show(d.name()) + " expected once, got several DIR_ITEM entries");
            }
        }
        for (Index i : indexes) {
            DirEntry e = i.entry;
            Index first = byName.putIfAbsent(java.nio.ByteBuffer.wrap(e.name()), i);
            if (first != null) {
                out.add(who + "duplicate name: " + show(e.name()) + " expected once, got DIR_INDEX " + first.index
                        + " and " + i.index);
                continue;
            }
            checkPair(i.index, e, hashed.get(java.nio.ByteBuffer.wrap(e.name())));
        }
        for (DirEntry d : dirItems) {
            if (!byName.containsKey(java.nio.ByteBuffer.wrap(d.name()))) {
                out.add(who + "dir item without dir index: DIR_ITEM entry " + show(d.name())
                        + " expected a DIR_INDEX with that name, got none");
            }
        }
    }

    /** A DIR_INDEX entry against the DIR_ITEM entry of its name (null: none), then against its child. */
    void checkPair(long index, DirEntry e, DirEntry d) {
        if (d == null) {
            out.add(who + "dir index without dir item: DIR_INDEX " + index + " " + show(e.name())
                    + " expected a DIR_ITEM entry at offset " + Hashes.nameHash(e.name()) + ", got none");
        } else if (!d.location().equals(e.location()) || d.type() != e.type()) {
            out.add(who + "dir entry mismatch: " + show(e.name()) + " DIR_INDEX " + index + " says "
                    + e.location() + " type " + e.type() + ", DIR_ITEM says " + d.location() + " type " + d.type());
        }
        checkChild(index, e);
    }

    /** The child an entry names exists, has the entry's type and a back reference with the same index. */
    private void checkChild(long index, DirEntry e) {
        Key loc = e.location();
        if (loc.type() != ItemType.INODE_ITEM) {
            return; // a subvolume root (ROOT_ITEM location): not ours to check
        }
        String what = "DIR_INDEX " + index + " " + show(e.name());
        long child = loc.objectid();
        byte[] raw = view.get(loc);
        if (raw == null) {
            out.add(who + "dangling entry: " + what + " expected inode " + Long.toUnsignedString(child) + ", got none");
            return;
        }
        if (raw.length == InodeItem.SIZE) {
            int ft = DirEntry.typeOfMode(new InodeItem(raw).mode());
            if (ft != e.type()) {
                out.add(who + "filetype mismatch: " + what + " has type " + e.type() + ", inode "
                        + Long.toUnsignedString(child) + " mode says " + ft);
            }
        }
        try {
            Long refIndex = backRef(view, child, ino, e.name());
            if (refIndex == null) {
                out.add(who + "missing back ref: " + what + " expected an INODE_REF/EXTREF in inode "
                        + Long.toUnsignedString(child) + ", got none");
            } else if (refIndex != index) {
                out.add(who + "index mismatch: " + what + " but inode " + Long.toUnsignedString(child)
                        + " refers with index " + refIndex);
            }
        } catch (FormatException x) {
            out.add(who + "missing back ref: " + what + ", the refs of inode " + Long.toUnsignedString(child)
                    + " do not parse: " + x.getMessage());
        }
    }

    /** The index of child's back reference to (dir, name) in view, or null. */
    static Long backRef(ItemStore view, long child, long dir, byte[] name) {
        byte[] ref = view.get(new Key(child, ItemType.INODE_REF, dir));
        if (ref != null) {
            for (InodeRef r : InodeRef.decodeAll(ref)) {
                if (Arrays.equals(r.name(), name)) {
                    return r.index();
                }
            }
        }
        byte[] ext = view.get(new Key(child, ItemType.INODE_EXTREF, Hashes.extrefHash(dir, name)));
        if (ext != null) {
            for (InodeExtref r : InodeExtref.decodeAll(ext)) {
                if (r.parent() == dir && Arrays.equals(r.name(), name)) {
                    return r.index();
                }
            }
        }
        return null;
    }

    /** nlink against the names, and each name against its directory's entries. */
    private void checkNames() {
        int count = 0;
        boolean rootRef = false;
        for (Name n : names) {
            if (n.parent == ino) {
                rootRef = dir && n.index == 0 && Arrays.equals(n.name, new byte[] {'.', '.'});
                if (!rootRef) {
                    out.add(who + "ref without dir entry: " + n.from + " refers to the inode itself, expected only"
                            + " the root's \"..\" with index 0 in a directory");
                }
                continue;
            }
            count++;
            checkEntryFor(n);
        }
        if (dir) {
            if (count != (rootRef ? 0 : 1)) {
                out.add(who + "dir name count: expected " + (rootRef ? "no name but \"..\"" : "exactly one name")
                        + " for a directory, got " + count);
            }
        } else if (inode.nlink() != count) {
            out.add(who + "nlink: expected " + count + " (the INODE_REF/EXTREF names), got " + inode.nlink());
        } else if (count == 0 && view.get(Orphans.key(ino)) == null) {
            out.add(who + "orphan: nlink 0 expected an ORPHAN_ITEM " + Orphans.key(ino) + ", got none");
        }
    }

    /** A name (parent, index, name) has the parent's DIR_INDEX and DIR_ITEM pointing here. */
    private void checkEntryFor(Name n) {
        String what = n.from + " name " + show(n.name) + " index " + n.index + " in "
                + Long.toUnsignedString(n.parent);
        Key me = new Key(ino, ItemType.INODE_ITEM, 0);
        try {
            byte[] idx = view.get(new Key(n.parent, ItemType.DIR_INDEX, n.index));
            List<DirEntry> ie = idx == null ? List.of() : DirEntry.decodeAll(idx);
            if (ie.size() != 1 || !Arrays.equals(ie.get(0).name(), n.name) || !ie.get(0).location().equals(me)) {
                out.add(who + "ref without dir entry: " + what + " expected the matching DIR_INDEX, got "
                        + (ie.isEmpty() ? "none" : show(ie.get(0).name()) + " -> " + ie.get(0).location()));
            } else if (ie.get(0).type() != DirEntry.typeOfMode(inode.mode())) {
                // also checked from the directory's side, which a change to this inode alone does not visit
                out.add(who + "filetype mismatch: " + what + " has type " + ie.get(0).type() + ", this inode's mode says "
                        + DirEntry.typeOfMode(inode.mode()));
            }
            byte[] item = view.get(new Key(n.parent, ItemType.DIR_ITEM, Hashes.nameHash(n.name)));
            DirEntry d = item == null ? null : find(DirEntry.decodeAll(item), n.name);
            if (d == null || !d.location().equals(me)) {
                out.add(who + "ref without dir entry: " + what + " expected the matching DIR_ITEM, got "
                        + (d == null ? "none" : "-> " + d.location()));
            }
        } catch (FormatException x) {
            out.add(who + "ref without dir entry: " + what + ", the parent's entries do not parse: " + x.getMessage());
        }
    }

    private static DirEntry find(List<DirEntry> entries, byte[] name) {
        for (DirEntry d : entries) {
            if (Arrays.equals(d.name(), name)) {
                return d;
            }
        }
        return null;
    }
}
