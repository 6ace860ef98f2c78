package io.crfs.volume;

import io.crfs.format.FileExtent;
import io.crfs.format.InodeItem;
import io.crfs.format.Item;
import io.crfs.format.ItemType;
import io.crfs.format.Key;
import io.crfs.format.ObjectIds;
import io.crfs.format.StoreException;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;

/**
 * File data over EXTENT_DATA items (btrfs-format.md §7.6, §8.2, §9.11): inline extents for
 * files of at most {@link #MAX_INLINE} bytes, otherwise copy-on-write regular extents at sector
 * granularity with a CRC-32C per sector; partial overwrites and truncates trim or split the old
 * items and adjust the extent references through the transaction's delayed refs.
 */
final class FileData {
    static final int MAX_INLINE = 2048;
    static final long MAX_EXTENT = 128L << 20;
    static final long ROOT = ObjectIds.FS_TREE;
    static final long END = Long.MAX_VALUE;

    private final Engine e;
    private final Csums csums;
    private final BTree fs;
    private final int ss;
    long bytesWritten;

    FileData(Engine e, Csums csums, BTree fs) {
        this.e = e;
        this.csums = csums;
        this.fs = fs;
        this.ss = e.sectorsize;
    }

    // ------------------------------------------------------------------ helpers

    private InodeItem inode(long ino) {
        byte[] v = fs.get(new Key(ino, ItemType.INODE_ITEM, 0));
        if (v == null) {
            throw new StoreException(StoreException.Kind.STALE, "inode " + ino + " does not exist");
        }
        return new InodeItem(v.clone());
    }

    private void putInode(long ino, InodeItem i) {
        fs.put(new Key(ino, ItemType.INODE_ITEM, 0), i.bytes());
    }

    private static Key ext(long ino, long off) {
        return new Key(ino, ItemType.EXTENT_DATA, off);
    }

    /** Extent items that may overlap [from, to): the one starting at or before from, and all starting inside. */
    private List<Item> extents(long ino, long from, long to) {
        List<Item> out = new ArrayList<>(fs.scanBackward(ext(ino, 0), ext(ino, from), 1));
        if (to > from + 1 || out.isEmpty()) {
            out.addAll(fs.scan(ext(ino, from + 1), ext(ino, to - 1), Integer.MAX_VALUE));
        }
        return out;
    }

    private FileExtent inlineOf(long ino) {
        byte[] v = fs.get(ext(ino, 0));
        if (v == null) {
            return null;
        }
        FileExtent f = FileExtent.decode(v);
        return f.isInline() ? f : null;
    }

    private boolean hasRegular(long ino) {
        return !fs.scan(ext(ino, 0), ext(ino, -1L), 1).isEmpty() && inlineOf(ino) == null;
    }

    private static long roundUp(long v, long a) {
        return (v + a - 1) / a * a;
    }

    // ------------------------------------------------------------------ read

    byte[] read(long ino, long offset, int length) {
        byte[] out = new byte[length];
        readInto(ino, offset, out, 0, length);
        return out;
    }

    /** Like {@link #read}, into {@code out} at {@code at}: every byte of the range is written (holes as zeros). */
    void readInto(long ino, long offset, byte[] out, int at, int length) {
        java.util.Objects.checkFromIndexSize(at, length, out.length);
        readInto(ino, offset, MemorySegment.ofArray(out), at, length);
    }

    /**
     * Like {@link #readInto(long, long, byte[], int, int)}, into {@code out} (heap or native
     * memory, a network buffer say) at {@code at}, so that file bytes need not pass through an
     * array on their way out.
     */
    void readInto(long ino, long offset, MemorySegment out, long at, int length) {
        java.util.Objects.checkFromIndexSize(at, length, out.byteSize());
        if (length == 0) {
            return;
        }
        long end = offset + length;
        long filled = offset; // bytes before this are written; the gaps between extents are holes
        boolean verify = (inode(ino).flags() & InodeItem.FLAG_NODATASUM) == 0;
        for (Item it : extents(ino, offset, end)) {
            FileExtent f = FileExtent.decode(it.value());
            long k = it.key().offset();
            long fe = k + f.length();
            long s = Math.max(k, offset), t = Math.min(fe, end);
            if (s >= t) {
                continue;
            }
            if (s > filled) {
                out.asSlice(at + (filled - offset), s - filled).fill((byte) 0);
            }
            filled = Math.max(filled, s);
            if (f.isInline()) {
                if (f.compression() != 0) {
                    throw new StoreException(StoreException.Kind.IO, "inode " + ino + " has a compressed inline extent; "
                            + "crfs does not read compressed data");
                }
                MemorySegment.copy(f.inline(), (int) (s - k), out, ValueLayout.JAVA_BYTE, at + (s - offset), (int) (t - s));
                filled = t;
            } else if (f.type() == FileExtent.TYPE_REG && f.diskBytenr() != 0) {
                if (f.compression() != 0) {
                    throw new StoreException(StoreException.Kind.IO, "inode " + ino + " offset " + k
                            + " is a compressed extent; crfs does not read compressed data");
                }
                readDisk(ino, f.diskBytenr() + f.offset() + (s - k), out, at + (s - offset), (int) (t - s), verify);
                filled = t;
            }
        }
        if (filled < end) {
            out.asSlice(at + (filled - offset), end - filled).fill((byte) 0);
        }
    }

    /** Reads and verifies [logical, +len) of an extent of {@code ino}. */
    byte[] readRaw(long ino, long logical, int len) {
        byte[] out = new byte[len];
        readDisk(ino, logical, MemorySegment.ofArray(out), 0, len, true);
        return out;
    }

    /**
     * Reads [logical, +len) of data into out, verifying the checksum of every sector touched.
     * Whole sectors (a sequential reader's chunks always are) are read and verified in place;
     * a range that starts or ends inside a sector goes through a buffer of the sectors around it.
     */
    private void readDisk(long ino, long logical, MemorySegment out, long at, int len, boolean verify) {
        long a = logical / ss * ss;
        long b = roundUp(logical + len, ss);
        boolean inPlace = a == logical && b == logical + len;
        MemorySegment buf = inPlace ? out : MemorySegment.ofArray(new byte[(int) (b - a)]);
        long base = inPlace ? at : 0;
        try {
            for (long p = a; p < b; ) {
                Chunk c = e.chunks.find(p);
                if (c == null) {
                    throw new StoreException(StoreException.Kind.CORRUPT, "data of inode " + ino + " points at unmapped "
                            + "address " + p);
                }
                int n = (int) Math.min(b - p, c.end() - p);
                e.readLogical(p, buf, base + (p - a), n);
                p += n;
            }
        } catch (IOException x) {
            throw new StoreException(StoreException.Kind.IO, "reading data of inode " + ino + ": " + x.getMessage(), x);
        }
        if (verify) {
            int[] want = new int[(int) ((b - a) / ss)];
            if (!csums.lookup(a, b - a, want)) {
                throw new StoreException(StoreException.Kind.CORRUPT, "data of inode " + ino + " at logical " + a
                        + " has no checksum");
            }
            // one view of the sectors, heap or native; CRC32C reads either in place
            java.nio.ByteBuffer sectors = buf.asSlice(base, b - a).asByteBuffer();
            java.util.zip.CRC32C crc = new java.util.zip.CRC32C();
            for (int i = 0; i < want.length; i++) {
                crc.reset();
                crc.update(sectors.limit((i + 1) * ss).position(i * ss));
                int got = (int) crc.getValue();
                if (got != want[i]) {
                    throw new StoreException(StoreException.Kind.CORRUPT, "data checksum mismatch in inode " + ino
                            + " at logical " + (a + (long) i * ss) + ": stored 0x" + Integer.toHexString(want[i])
                            + ", computed 0x" + Integer.toHexString(got));
                }
            }
        }
        if (!inPlace) {
            MemorySegment.copy(buf, logical - a, out, at, len);
        }
    }

    // ------------------------------------------------------------------ write

    void write(long ino, long offset, byte[] data, int from, int len) {
        if (len == 0) {
            return;
        }
        InodeItem in = inode(ino);
        long size = in.size();
        long newSize = Math.max(size, offset + len);
        FileExtent inl = inlineOf(ino);
        // symlink targets are always inline (the kernel refuses regular extents in a non-regular
        // inode), up to sectorsize - 1 bytes as btrfs check allows
        boolean symlink = (in.mode() & 0170000) == 0120000;
        if (symlink && newSize > ss - 1) {
            throw new StoreException(StoreException.Kind.TOO_BIG, "symlink target of " + newSize
                    + " bytes; at most " + (ss - 1));
        }
        if ((symlink || newSize <= MAX_INLINE) && (inl != null || !hasRegular(ino))) {
            byte[] buf = new byte[(int) newSize];
            if (inl != null) {
                System.arraycopy(inl.inline(), 0, buf, 0, Math.min(inl.inline().length, buf.length));
            }
            System.arraycopy(data, from, buf, (int) offset, len);
            fs.put(ext(ino, 0), FileExtent.inline(e.transid, buf).encode());
            in.size(newSize).nbytes(newSize);
            putInode(ino, in);
            return;
        }
        if (inl != null) {
            convertInline(ino, in, inl);
            in = inode(ino);
        }
        writeRegular(ino, in, offset, data, from, len);
    }

    /** Turns an inline file into a regular extent holding the same bytes. */
    private void convertInline(long ino, InodeItem in, FileExtent inl) {
        fs.delete(ext(ino, 0));
        in.nbytes(in.nbytes() - inl.inline().length);
        putInode(ino, in);
        if (inl.inline().length > 0) {
            writeRegular(ino, in, 0, inl.inline(), 0, inl.inline().length);
        }
    }

    private void writeRegular(long ino, InodeItem in, long offset, byte[] data, int from, int len) {
        long a = offset / ss * ss;
        long b = roundUp(offset + len, ss);
        long size = in.size();
        byte[] buf;
        int base;
        if (offset == a && offset + len == b) { // whole sectors: written from the caller's bytes as they are
            buf = data;
            base = from;
        } else {
            buf = new byte[(int) (b - a)];
            base = 0;
            if (offset > a && a < size) {
                byte[] head = read(ino, a, (int) Math.min(offset - a, size - a));
                System.arraycopy(head, 0, buf, 0, head.length);
            }
            long tail = offset + len;
            if (tail < b && tail < size) {
                byte[] t = read(ino, tail, (int) (Math.min(b, size) - tail));
                System.arraycopy(t, 0, buf, (int) (tail - a), t.length);
            }
            System.arraycopy(data, from, buf, (int) (offset - a), len);
        }
        List<long[]> pieces = allocate(b - a);
        long nbytes = in.nbytes() - dropRange(ino, a, b);
        long at = a;
        for (long[] p : pieces) {
            int off = base + (int) (at - a);
            try {
                e.writeLogical(p[0], buf, off, (int) p[1]);
            } catch (IOException x) {
                throw new StoreException(StoreException.Kind.IO, "writing data of inode " + ino + ": " + x.getMessage(), x);
            }
            csums.add(p[0], buf, off, (int) p[1]);
            insertExtent(ino, at, p[0], p[1], FileExtent.TYPE_REG);
            nbytes += p[1];
            at += p[1];
        }
        bytesWritten += b - a;
        InodeItem fresh = inode(ino);
        fresh.size(Math.max(fresh.size(), offset + len)).nbytes(nbytes);
        putInode(ino, fresh);
    }

    /** Allocates {@code len} bytes as pieces of at most 128 MiB; on failure nothing stays allocated. */
    private List<long[]> allocate(long len) {
        List<long[]> pieces = new ArrayList<>();
        long left = len;
        try {
            while (left > 0) {
                long[] p = e.allocData(Math.min(left, MAX_EXTENT));
                pieces.add(p);
                left -= p[1];
            }
        } catch (StoreException x) {
            for (long[] p : pieces) {
                e.freeData(p[0], p[1]);
            }
            throw x;
        }
        return pieces;
    }

    private void insertExtent(long ino, long fileOff, long disk, long len, int type) {
        FileExtent f = new FileExtent(e.transid, len, 0, type, disk, len, 0, len, null);
        fs.put(ext(ino, fileOff), f.encode());
        e.dataRefs.add(disk, len, ROOT, ino, fileOff, +1);
    }

    /**
     * Removes file bytes [a, b) (sector aligned, or b = END) from the extent items, keeping the
     * pieces outside; returns the change in nbytes (bytes no longer referenced by this file).
     */
    private long dropRange(long ino, long a, long b) {
        long removed = 0;
        for (Item it : extents(ino, a, b)) {
            FileExtent f = FileExtent.decode(it.value());
            long k = it.key().offset();
            long fe = k + f.length();
            if (fe <= a || k >= b) {
                continue;
            }
            fs.delete(it.key());
            if (f.isInline()) {
                removed += f.inline().length;
                continue;
            }
            boolean disk = f.diskBytenr() != 0;
            long refOff = k - f.offset();
            if (disk) {
                removed += f.numBytes();
                e.dataRefs.add(f.diskBytenr(), f.diskNumBytes(), ROOT, ino, refOff, -1);
            }
            if (k < a) {
                FileExtent head = new FileExtent(f.generation(), f.ramBytes(), 0, f.type(), f.diskBytenr(),
                        f.diskNumBytes(), f.offset(), a - k, null);
                fs.put(it.key(), head.encode());
                if (disk) {
                    removed -= a - k;
                    e.dataRefs.add(f.diskBytenr(), f.diskNumBytes(), ROOT, ino, refOff, +1);
                }
            }
            if (fe > b) {
                FileExtent tail = new FileExtent(f.generation(), f.ramBytes(), 0, f.type(), f.diskBytenr(),
                        f.diskNumBytes(), f.offset() + (b - k), fe - b, null);
                fs.put(ext(ino, b), tail.encode());
                if (disk) {
                    removed -= fe - b;
                    e.dataRefs.add(f.diskBytenr(), f.diskNumBytes(), ROOT, ino, refOff, +1);
                }
            }
        }
        return removed;
    }

    // ------------------------------------------------------------------ size and holes

    void truncate(long ino, long newSize) {
        InodeItem in = inode(ino);
        long size = in.size();
        FileExtent inl = inlineOf(ino);
        if (inl != null) {
            if (newSize == 0) {
                fs.delete(ext(ino, 0));
                putInode(ino, in.size(0).nbytes(in.nbytes() - inl.inline().length));
                return;
            }
            if (newSize <= MAX_INLINE) {
                byte[] buf = java.util.Arrays.copyOf(inl.inline(), (int) newSize);
                fs.put(ext(ino, 0), FileExtent.inline(e.transid, buf).encode());
                putInode(ino, in.size(newSize).nbytes(in.nbytes() - inl.inline().length + newSize));
                return;
            }
            convertInline(ino, in, inl);
            in = inode(ino);
        }
        if (newSize < size) {
            long cut = roundUp(newSize, ss);
            long nbytes = in.nbytes() - dropRange(ino, cut, END);
            in.size(newSize).nbytes(nbytes);
            putInode(ino, in);
            if (newSize % ss != 0 && isData(ino, newSize - 1)) {
                // zero the rest of the last sector so that growing the file later reads zeros there
                long a = newSize / ss * ss;
                byte[] keep = read(ino, a, (int) (newSize - a));
                writeRegular(ino, inode(ino), a, keep, 0, keep.length);
            }
        } else if (newSize > size) {
            if (size % ss != 0 && isData(ino, size - 1)) {
                // the last sector may carry stale bytes past the old size from a foreign writer; rewrite it
                long a = size / ss * ss;
                byte[] keep = read(ino, a, (int) (size - a));
                writeRegular(ino, in, a, keep, 0, keep.length);
                in = inode(ino);
            }
            putInode(ino, in.size(newSize));
        }
    }

    private boolean isData(long ino, long off) {
        for (Item it : extents(ino, off, off + 1)) {
            FileExtent f = FileExtent.decode(it.value());
            long k = it.key().offset();
            if (off >= k && off < k + f.length()) {
                return f.isInline() || (f.type() == FileExtent.TYPE_REG && f.diskBytenr() != 0);
            }
        }
        return false;
    }

    void punchHole(long ino, long offset, long length) {
        InodeItem in = inode(ino);
        long end = Math.min(offset + length, in.size());
        if (end <= offset) {
            return;
        }
        FileExtent inl = inlineOf(ino);
        if (inl != null) {
            byte[] buf = inl.inline().clone();
            java.util.Arrays.fill(buf, (int) Math.min(offset, buf.length), (int) Math.min(end, buf.length), (byte) 0);
            fs.put(ext(ino, 0), FileExtent.inline(e.transid, buf).encode());
            return;
        }
        long a = roundUp(offset, ss), b = end / ss * ss;
        if (a < b) {
            putInode(ino, in.nbytes(in.nbytes() - dropRange(ino, a, b)));
        }
        zero(ino, offset, Math.min(end, a));
        zero(ino, Math.max(b, a), end);
    }

    /** Writes zeros over [from, to) where the file has data there. */
    private void zero(long ino, long from, long to) {
        if (from < to && isData(ino, from)) {
            writeRegular(ino, inode(ino), from, new byte[(int) (to - from)], 0, (int) (to - from));
        }
    }

    void allocate(long ino, long offset, long length, boolean keepSize) {
        InodeItem in = inode(ino);
        FileExtent inl = inlineOf(ino);
        long end = offset + length;
        if (inl != null) {
            if (end <= MAX_INLINE) {
                if (!keepSize && end > in.size()) {
                    truncate(ino, end);
                }
                return;
            }
            convertInline(ino, in, inl);
            in = inode(ino);
        }
        long a = offset / ss * ss, b = roundUp(end, ss);
        List<long[]> holes = new ArrayList<>();
        long at = a;
        for (Item it : extents(ino, a, b)) {
            FileExtent f = FileExtent.decode(it.value());
            long k = it.key().offset();
            long fe = k + f.length();
            if (fe <= at || k >= b) {
                continue;
            }
            if (k > at && f.diskBytenr() != 0) {
                holes.add(new long[] {at, k});
            }
            if (f.diskBytenr() != 0) {
                at = Math.max(at, fe);
            }
        }
        if (at < b) {
            holes.add(new long[] {at, b});
        }
        long total = 0;
        for (long[] h : holes) {
            total += h[1] - h[0];
        }
        if (total > e.dataAvail() + Chunks.unallocated(e)) {
            throw new StoreException(StoreException.Kind.NO_SPACE, "fallocate of " + total + " bytes does not fit");
        }
        long nbytes = in.nbytes();
        for (long[] h : holes) {
            nbytes -= dropRange(ino, h[0], h[1]); // explicit hole items, if a foreign writer left any
            long pos = h[0];
            for (long[] p : allocate(h[1] - h[0])) {
                insertExtent(ino, pos, p[0], p[1], FileExtent.TYPE_PREALLOC);
                nbytes += p[1];
                pos += p[1];
            }
        }
        InodeItem fresh = inode(ino);
        fresh.nbytes(nbytes);
        if (!holes.isEmpty()) {
            fresh.flags(fresh.flags() | InodeItem.FLAG_PREALLOC);
        }
        if (!keepSize && end > fresh.size()) {
            fresh.size(end);
        }
        putInode(ino, fresh);
    }

    /**
     * A reflink, as btrfs's clone: the destination range's extents go, and EXTENT_DATA items of
     * {@code dst} point into the source's extents (one more reference each, in the extent tree
     * at the commit); holes stay holes. Sector-aligned ranges within the source's size
     * ({@link io.crfs.format.ItemStore#cloneRange}); a file kept inline is too small to have one.
     */
    void cloneRange(long src, long srcOff, long dst, long dstOff, long len) {
        InodeItem sin = inode(src);
        if (srcOff % ss != 0 || dstOff % ss != 0 || len % ss != 0 || srcOff + len > roundUp(sin.size(), ss)
                || (src == dst && srcOff < dstOff + len && dstOff < srcOff + len)) {
            throw new StoreException(StoreException.Kind.TOO_BIG, "clone of " + src + " [" + srcOff + ", +" + len
                    + ") to " + dst + " at " + dstOff + ": ranges must be sector-aligned, within the source, not overlapping");
        }
        if (len == 0) {
            return;
        }
        if (inlineOf(src) != null) {
            throw new StoreException(StoreException.Kind.TOO_BIG, "clone from inode " + src + ", whose data is inline");
        }
        InodeItem din = inode(dst);
        FileExtent inl = inlineOf(dst);
        if (inl != null) {
            convertInline(dst, din, inl);
        }
        List<Item> from = extents(src, srcOff, srcOff + len); // read before the drop: src may be dst
        long nbytes = inode(dst).nbytes() - dropRange(dst, dstOff, dstOff + len);
        for (Item it : from) {
            FileExtent f = FileExtent.decode(it.value());
            long k = it.key().offset();
            long a = Math.max(k, srcOff), b = Math.min(k + f.length(), srcOff + len);
            if (a >= b || f.diskBytenr() == 0) {
                continue; // outside the range, or a hole
            }
            long within = f.offset() + (a - k), at = dstOff + (a - srcOff);
            FileExtent piece = new FileExtent(f.generation(), f.ramBytes(), f.compression(), f.type(), f.diskBytenr(),
                    f.diskNumBytes(), within, b - a, null);
            fs.put(ext(dst, at), piece.encode());
            e.dataRefs.add(f.diskBytenr(), f.diskNumBytes(), ROOT, dst, at - within, +1);
            nbytes += b - a;
        }
        InodeItem fresh = inode(dst);
        fresh.size(Math.max(fresh.size(), dstOff + len)).nbytes(nbytes);
        putInode(dst, fresh);
    }

    void dropData(long ino) {
        dropRange(ino, 0, END);
        byte[] v = fs.get(new Key(ino, ItemType.INODE_ITEM, 0));
        if (v != null) {
            putInode(ino, new InodeItem(v.clone()).nbytes(0));
        }
    }

    long seekData(long ino, long offset) {
        long size = inode(ino).size();
        if (offset >= size) {
            return -1;
        }
        long[] found = {-1};
        walkExtents(ino, offset, (k, f) -> {
            long fe = k + f.length();
            if (holds(f) && fe > offset) {
                long r = Math.max(k, offset);
                found[0] = r < size ? r : -1;
                return false;
            }
            return k < size;
        });
        return found[0];
    }

    long seekHole(long ino, long offset) {
        long size = inode(ino).size();
        if (offset >= size) {
            return -1;
        }
        long[] at = {offset};
        walkExtents(ino, offset, (k, f) -> {
            long fe = k + f.length();
            if (fe <= at[0]) {
                return true;
            }
            if (k > at[0] || !holds(f)) {
                return false; // a gap before this extent, or a hole extent: the hole starts at at[0]
            }
            at[0] = fe;
            return at[0] < size;
        });
        return Math.min(at[0], size);
    }

    private static boolean holds(FileExtent f) {
        return f.isInline() || (f.type() == FileExtent.TYPE_REG && f.diskBytenr() != 0);
    }

    private interface ExtentVisitor {
        /** False stops the walk. */
        boolean visit(long key, FileExtent f);
    }

    /** Page size of {@link #walkExtents}: a seek reads what it needs, not every extent to end of file. */
    static final int WALK_PAGE = 64;

    /** The extent covering {@code from} (if any), then the following ones in order, a page at a time. */
    private void walkExtents(long ino, long from, ExtentVisitor v) {
        for (Item it : fs.scanBackward(ext(ino, 0), ext(ino, from), 1)) {
            if (!v.visit(it.key().offset(), FileExtent.decode(it.value()))) {
                return;
            }
        }
        long next = from + 1;
        while (next > 0) {
            List<Item> page = fs.scan(ext(ino, next), ext(ino, END - 1), WALK_PAGE);
            for (Item it : page) {
                if (!v.visit(it.key().offset(), FileExtent.decode(it.value()))) {
                    return;
                }
            }
            if (page.size() < WALK_PAGE) {
                return;
            }
            next = page.get(page.size() - 1).key().offset() + 1;
        }
    }
}
