package io.crfs.volume;

import io.crfs.format.DirEntry;
import io.crfs.format.Hashes;
import io.crfs.format.InodeItem;
import io.crfs.format.InodeRef;
import io.crfs.format.ItemStore;
import io.crfs.format.ItemType;
import io.crfs.format.Key;
import io.crfs.format.Timespec;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Minimal item-level helpers for engine tests that must not depend on the posix module: files
 * in the root directory with exactly the items the kernel writes, and the external oracles.
 */
final class Fixtures {
    private Fixtures() {}

    static long createFile(ItemStore s, byte[] name) {
        long ino = s.allocateInode();
        long t = s.transid();
        Timespec now = Timespec.of(java.time.Instant.now());
        s.put(new Key(ino, ItemType.INODE_ITEM, 0), InodeItem.allocate().generation(t).transid(t).nlink(1)
                .mode(0100644).atime(now).ctime(now).mtime(now).otime(now).bytes());
        long index = nextIndex(s, 256);
        s.put(new Key(ino, ItemType.INODE_REF, 256), InodeRef.encodeAll(List.of(new InodeRef(index, name))));
        DirEntry d = new DirEntry(new Key(ino, ItemType.INODE_ITEM, 0), t, DirEntry.FT_REG, name, null);
        Key dk = new Key(256, ItemType.DIR_ITEM, Hashes.nameHash(name));
        byte[] old = s.get(dk);
        List<DirEntry> entries = new ArrayList<>(old == null ? List.of() : DirEntry.decodeAll(old));
        entries.add(d);
        s.put(dk, DirEntry.encodeAll(entries));
        s.put(new Key(256, ItemType.DIR_INDEX, index), d.encode());
        adjustDirSize(s, 2L * name.length);
        return ino;
    }

    static void deleteFile(ItemStore s, long ino, byte[] name) {
        byte[] ref = s.get(new Key(ino, ItemType.INODE_REF, 256));
        long index = InodeRef.decodeAll(ref).get(0).index();
        s.dropData(ino);
        for (var it : s.scan(Key.first(ino), Key.last(ino), Integer.MAX_VALUE)) {
            if (it.key().type() != ItemType.EXTENT_DATA) {
                s.delete(it.key());
            }
        }
        Key dk = new Key(256, ItemType.DIR_ITEM, Hashes.nameHash(name));
        List<DirEntry> entries = new ArrayList<>(DirEntry.decodeAll(s.get(dk)));
        entries.removeIf(d -> d.location().objectid() == ino);
        if (entries.isEmpty()) {
            s.delete(dk);
        } else {
            s.put(dk, DirEntry.encodeAll(entries));
        }
        s.delete(new Key(256, ItemType.DIR_INDEX, index));
        adjustDirSize(s, -2L * name.length);
    }

    static void setXattr(ItemStore s, long ino, byte[] name, byte[] value) {
        Key k = new Key(ino, ItemType.XATTR_ITEM, Hashes.nameHash(name));
        byte[] old = s.get(k);
        List<DirEntry> entries = new ArrayList<>(old == null ? List.of() : DirEntry.decodeAll(old));
        entries.removeIf(d -> java.util.Arrays.equals(d.name(), name));
        entries.add(new DirEntry(new Key(0, 0, 0), s.transid(), DirEntry.FT_XATTR, name, value));
        s.put(k, DirEntry.encodeAll(entries));
    }

    static void removeXattr(ItemStore s, long ino, byte[] name) {
        Key k = new Key(ino, ItemType.XATTR_ITEM, Hashes.nameHash(name));
        List<DirEntry> entries = new ArrayList<>(DirEntry.decodeAll(s.get(k)));
        entries.removeIf(d -> java.util.Arrays.equals(d.name(), name));
        if (entries.isEmpty()) {
            s.delete(k);
        } else {
            s.put(k, DirEntry.encodeAll(entries));
        }
    }

    private static long nextIndex(ItemStore s, long dir) {
        var last = s.scanBackward(new Key(dir, ItemType.DIR_INDEX, 0), new Key(dir, ItemType.DIR_INDEX, -1L), 1);
        return last.isEmpty() ? 2 : last.get(0).key().offset() + 1;
    }

    private static void adjustDirSize(ItemStore s, long delta) {
        Key k = new Key(256, ItemType.INODE_ITEM, 0);
        InodeItem dir = new InodeItem(s.get(k).clone());
        s.put(k, dir.size(dir.size() + delta).transid(s.transid()).bytes());
    }

    static byte[] name(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    // ------------------------------------------------------------------ oracles

    static boolean haveBtrfsTools() {
        return Oracles.haveBtrfsTools();
    }

    static boolean isRoot() {
        return Oracles.isRoot();
    }

    static String btrfsCheck(Path image) throws IOException, InterruptedException {
        return Oracles.btrfsCheck(image);
    }

    /** Loop-mounts read-only; close unmounts. */
    static final class RoMount implements AutoCloseable {
        private final Oracles.RoMount m;
        final Path dir;

        RoMount(Path image) throws IOException, InterruptedException {
            m = new Oracles.RoMount(image);
            dir = m.dir;
        }

        @Override
        public void close() throws IOException, InterruptedException {
            m.close();
        }
    }
}
