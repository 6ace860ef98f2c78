package io.crfs.posix;

import io.crfs.format.FileExtent;
import io.crfs.format.InodeItem;
import io.crfs.format.Item;
import io.crfs.format.ItemType;
import io.crfs.format.Key;
import io.crfs.format.StoreException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.LongSupplier;

/**
 * The file-data half of {@link MemoryItemStore}: EXTENT_DATA items shaped as the kernel writes
 * them (inline up to 2048 bytes from offset 0, else copy-on-write sector-granular regular
 * extents with bookends, prealloc for fallocate), extent bytes kept under fake disk_bytenrs, and
 * size/nbytes maintained in the INODE_ITEM.
 */
final class MemoryFileData {
    static final int SECTOR = MemoryItemStore.SECTOR;
    static final int MAX_INLINE = MemoryItemStore.MAX_INLINE;
    static final long MAX_EXTENT = MemoryItemStore.MAX_EXTENT;

    private final TreeMap<Key, byte[]> items;
    private final LongSupplier transid;
    final Map<Long, byte[]> data = new HashMap<>();
    final Map<Long, Long> extentLength = new HashMap<>();
    final long capacity;
    long used;
    long nextBytenr = 1L << 30;

    MemoryFileData(TreeMap<Key, byte[]> items, LongSupplier transid, long capacity) {
        this.items = items;
        this.transid = transid;
        this.capacity = capacity;
    }

    private long transid() {
        return transid.getAsLong();
    }

    /** Copies the extent bookkeeping of another instance (a reopen). */
    void copyFrom(MemoryFileData o) {
        data.putAll(o.data);
        extentLength.putAll(o.extentLength);
        used = o.used;
        nextBytenr = o.nextBytenr;
    }

    private List<Item> scan(Key min, Key max) {
        List<Item> out = new ArrayList<>();
        for (Map.Entry<Key, byte[]> e : items.subMap(min, true, max, true).entrySet()) {
            out.add(new Item(e.getKey(), e.getValue()));
        }
        return out;
    }


    private record Ext(long off, FileExtent fe) {
        long end() {
            return off + fe.length();
        }

        boolean isData() {
            return fe.isInline() || (fe.type() == FileExtent.TYPE_REG && fe.diskBytenr() != 0);
        }
    }

    private static Key extKey(long ino, long off) {
        return new Key(ino, ItemType.EXTENT_DATA, off);
    }

    private List<Ext> extents(long ino) {
        List<Ext> out = new ArrayList<>();
        for (Item i : scan(extKey(ino, 0), extKey(ino, -1L))) {
            out.add(new Ext(i.key().offset(), FileExtent.decode(i.value())));
        }
        return out;
    }

    private InodeItem inode(long ino) {
        byte[] b = items.get(new Key(ino, ItemType.INODE_ITEM, 0));
        if (b == null) {
            throw new StoreException(StoreException.Kind.STALE, "no inode item for " + ino);
        }
        return new InodeItem(b.clone());
    }

    /** Stores size and recomputes nbytes (inline bytes + num_bytes of extents with disk space). */
    private void finish(long ino, InodeItem it, long size, Set<Long> before) {
        long nbytes = 0;
        Set<Long> live = new HashSet<>();
        for (Ext e : extents(ino)) {
            if (e.fe.isInline()) {
                nbytes += e.fe.inline().length;
            } else if (e.fe.diskBytenr() != 0) {
                nbytes += e.fe.numBytes();
                live.add(e.fe.diskBytenr());
            }
        }
        for (long b : before) {
            if (!live.contains(b)) {
                Long len = extentLength.remove(b);
                used -= len == null ? 0 : len;
                data.remove(b);
            }
        }
        it.size(size).nbytes(nbytes);
        items.put(new Key(ino, ItemType.INODE_ITEM, 0), it.bytes());
    }

    private Set<Long> bytenrs(long ino) {
        Set<Long> s = new HashSet<>();
        for (Ext e : extents(ino)) {
            if (!e.fe.isInline() && e.fe.diskBytenr() != 0) {
                s.add(e.fe.diskBytenr());
            }
        }
        return s;
    }

    private static long floor(long v) {
        return v & -SECTOR;
    }

    private static long ceil(long v) {
        long c = (v + SECTOR - 1) & -SECTOR;
        return c < v ? Long.MAX_VALUE & -SECTOR : c;
    }

    private long allocate(long len) {
        if (used + len > capacity) {
            throw new StoreException(StoreException.Kind.NO_SPACE, "need " + len + " bytes, " + (capacity - used) + " free");
        }
        long b = nextBytenr;
        nextBytenr += len;
        used += len;
        extentLength.put(b, len);
        return b;
    }

    byte[] read(long ino, long offset, int length) {
        byte[] out = new byte[length];
        long end = offset + length;
        for (Ext e : extents(ino)) {
            long s = Math.max(offset, e.off);
            long t = Math.min(end, e.end());
            if (s >= t || !e.isData()) {
                continue;
            }
            if (e.fe.isInline()) {
                System.arraycopy(e.fe.inline(), (int) (s - e.off), out, (int) (s - offset), (int) (t - s));
            } else {
                byte[] d = data.get(e.fe.diskBytenr());
                if (d != null) {
                    System.arraycopy(d, (int) (e.fe.offset() + s - e.off), out, (int) (s - offset), (int) (t - s));
                }
            }
        }
        return out;
    }

    void write(long ino, long offset, byte[] src, int from, int length) {
        if (length == 0) {
            return;
        }
        if (offset < 0 || offset > Long.MAX_VALUE - length) {
            throw new StoreException(StoreException.Kind.TOO_BIG, "write at " + offset + "+" + length);
        }
        InodeItem it = inode(ino);
        Set<Long> before = bytenrs(ino);
        long newSize = Math.max(it.size(), offset + length);
        boolean regular = extents(ino).stream().anyMatch(e -> !e.fe.isInline());
        // Symlink targets are always inline (btrfs_symlink); check allows up to sectorsize - 1.
        int inlineMax = (it.mode() & 0170000) == 0120000 ? SECTOR - 1 : MAX_INLINE;
        if (!regular && newSize <= inlineMax) {
            byte[] content = read(ino, 0, (int) newSize);
            System.arraycopy(src, from, content, (int) offset, length);
            items.put(extKey(ino, 0), FileExtent.inline(transid(), content).encode());
        } else {
            uninline(ino);
            writeRegular(ino, offset, src, from, length);
        }
        finish(ino, it, newSize, before);
    }

    /** Turns an inline extent into a regular one (the file is growing past the inline limit). */
    private void uninline(long ino) {
        byte[] inl = items.get(extKey(ino, 0));
        if (inl == null) {
            return;
        }
        FileExtent fe = FileExtent.decode(inl);
        if (!fe.isInline()) {
            return;
        }
        items.remove(extKey(ino, 0));
        writeRegular(ino, 0, fe.inline(), 0, fe.inline().length);
    }

    /** Copy-on-write of the sectors covering [offset, offset + length): new extents, old ones trimmed. */
    private void writeRegular(long ino, long offset, byte[] src, int from, int length) {
        long a = floor(offset);
        long b = ceil(offset + length);
        for (long pos = a; pos < b; pos += MAX_EXTENT) {
            long len = Math.min(MAX_EXTENT, b - pos);
            byte[] buf = read(ino, pos, (int) len);
            long s = Math.max(pos, offset);
            long t = Math.min(pos + len, offset + length);
            System.arraycopy(src, (int) (from + s - offset), buf, (int) (s - pos), (int) (t - s));
            cut(ino, pos, pos + len);
            long bytenr = allocate(len);
            data.put(bytenr, buf);
            items.put(extKey(ino, pos), FileExtent.regular(transid(), bytenr, len, 0, len).encode());
        }
    }

    /** Removes [a, b) (sector aligned) from the regular/prealloc extents, keeping the parts outside. */
    private void cut(long ino, long a, long b) {
        for (Ext e : extents(ino)) {
            if (e.fe.isInline() || e.end() <= a || e.off >= b) {
                continue;
            }
            FileExtent f = e.fe;
            items.remove(extKey(ino, e.off));
            if (e.off < a) {
                items.put(extKey(ino, e.off), new FileExtent(transid(), f.ramBytes(), 0, f.type(), f.diskBytenr(),
                        f.diskNumBytes(), f.offset(), a - e.off, null).encode());
            }
            if (e.end() > b) {
                items.put(extKey(ino, b), new FileExtent(transid(), f.ramBytes(), 0, f.type(), f.diskBytenr(),
                        f.diskNumBytes(), f.offset() + (b - e.off), e.end() - b, null).encode());
            }
        }
    }

    /** Zeroes [s, t) inside one sector by rewriting that sector, if it holds data. */
    private void zeroInSector(long ino, long s, long t) {
        if (s >= t) {
            return;
        }
        long a = floor(s);
        boolean hasData = extents(ino).stream().anyMatch(e -> e.isData() && e.off < a + SECTOR && e.end() > a);
        if (!hasData) {
            return;
        }
        byte[] sector = read(ino, a, SECTOR);
        java.util.Arrays.fill(sector, (int) (s - a), (int) (t - a), (byte) 0);
        writeRegular(ino, a, sector, 0, SECTOR);
    }

    void truncate(long ino, long newSize) {
        InodeItem it = inode(ino);
        Set<Long> before = bytenrs(ino);
        byte[] inl = items.get(extKey(ino, 0));
        FileExtent fe = inl == null ? null : FileExtent.decode(inl);
        if (fe != null && fe.isInline()) {
            if (newSize <= MAX_INLINE) {
                byte[] content = read(ino, 0, (int) newSize);
                items.remove(extKey(ino, 0));
                if (newSize > 0) {
                    items.put(extKey(ino, 0), FileExtent.inline(transid(), content).encode());
                }
                finish(ino, it, newSize, before);
                return;
            }
            uninline(ino);
        }
        if (newSize < it.size()) {
            long c = ceil(newSize);
            cut(ino, c, Long.MAX_VALUE);
            if (newSize % SECTOR != 0) {
                // btrfs_truncate_block: the tail of the last sector must read as zeros if the file grows again.
                zeroInSector(ino, newSize, c);
            }
        }
        finish(ino, it, newSize, before);
    }

    void punchHole(long ino, long offset, long length) {
        InodeItem it = inode(ino);
        Set<Long> before = bytenrs(ino);
        long end = Math.min(it.size(), offset + length);
        if (end <= offset) {
            return;
        }
        byte[] inl = items.get(extKey(ino, 0));
        FileExtent fe = inl == null ? null : FileExtent.decode(inl);
        if (fe != null && fe.isInline()) {
            byte[] content = fe.inline().clone();
            java.util.Arrays.fill(content, (int) Math.min(offset, content.length), (int) Math.min(end, content.length), (byte) 0);
            items.put(extKey(ino, 0), FileExtent.inline(transid(), content).encode());
        } else {
            long a = ceil(offset);
            long b = floor(end);
            if (a >= b) {
                zeroInSector(ino, offset, Math.min(end, a));
                if (end > a) {
                    zeroInSector(ino, a, end);
                }
            } else {
                zeroInSector(ino, offset, a);
                zeroInSector(ino, b, end);
                cut(ino, a, b);
            }
        }
        finish(ino, it, it.size(), before);
    }

    void allocate(long ino, long offset, long length, boolean keepSize) {
        InodeItem it = inode(ino);
        Set<Long> before = bytenrs(ino);
        long end = offset + length;
        byte[] inl = items.get(extKey(ino, 0));
        FileExtent fe = inl == null ? null : FileExtent.decode(inl);
        boolean inlineCovers = fe != null && fe.isInline() && end <= fe.inline().length;
        if (!inlineCovers) {
            uninline(ino);
            long pos = floor(offset);
            long b = ceil(end);
            for (Ext e : extents(ino)) {
                if (e.end() <= pos || e.fe.diskBytenr() == 0) {
                    continue;
                }
                if (e.off >= b) {
                    break;
                }
                prealloc(ino, pos, Math.min(e.off, b));
                pos = Math.max(pos, e.end());
            }
            prealloc(ino, pos, b);
        }
        finish(ino, it, keepSize ? it.size() : Math.max(it.size(), end), before);
    }

    private void prealloc(long ino, long a, long b) {
        for (long pos = a; pos < b; pos += MAX_EXTENT) {
            long len = Math.min(MAX_EXTENT, b - pos);
            cut(ino, pos, pos + len); // explicit hole items, if any
            long bytenr = allocate(len);
            items.put(extKey(ino, pos), new FileExtent(transid(), len, 0, FileExtent.TYPE_PREALLOC, bytenr, len, 0, len, null).encode());
        }
    }

    void dropData(long ino) {
        Set<Long> before = bytenrs(ino);
        for (Ext e : extents(ino)) {
            items.remove(extKey(ino, e.off));
        }
        for (long b : before) {
            Long len = extentLength.remove(b);
            used -= len == null ? 0 : len;
            data.remove(b);
        }
        byte[] ib = items.get(new Key(ino, ItemType.INODE_ITEM, 0));
        if (ib != null) {
            items.put(new Key(ino, ItemType.INODE_ITEM, 0), new InodeItem(ib.clone()).nbytes(0).bytes());
        }
    }

    long seekData(long ino, long offset) {
        long size = inode(ino).size();
        for (Ext e : extents(ino)) {
            if (e.isData() && e.end() > offset && e.off < size) {
                return Math.max(offset, e.off);
            }
        }
        return -1;
    }

    long seekHole(long ino, long offset) {
        long size = inode(ino).size();
        long pos = offset;
        for (Ext e : extents(ino)) {
            if (!e.isData() || e.end() <= pos) {
                continue;
            }
            if (e.off > pos) {
                break;
            }
            pos = e.end();
        }
        return Math.min(pos, size);
    }

}
