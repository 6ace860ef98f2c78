package io.crfs.volume;

import io.crfs.format.Key;
import io.crfs.format.Le;
import java.util.Arrays;
import java.util.zip.CRC32C;

/**
 * A decoded tree block (btrfs-format.md §4). A leaf holds keys and payloads; a node holds keys,
 * child pointers and the generations the children must carry.
 *
 * <pre>
 * header (101 bytes): 0 csum[32] 32 fsid[16] 48 bytenr 56 flags 64 chunk_tree_uuid[16]
 *                     80 generation 88 owner 96 nritems u32 100 level u8
 * leaf item (25):     key[17] offset u32 (from byte 101) size u32; data packed from the block end
 * node ptr (33):      key[17] blockptr u64 generation u64
 * </pre>
 *
 * A block is immutable once committed; only blocks created in the running transaction
 * ({@link #writable}) are edited in place.
 */
final class Block {
    static final int HEADER = 101;
    static final int ITEM = 25;
    static final int PTR = 33;
    static final long FLAGS = 0x0100000000000001L; // WRITTEN + backref revision 1

    long bytenr;
    long generation;
    long owner;
    final int level;
    int n;
    Key[] keys;
    byte[][] values; // leaf only
    long[] ptrs;     // node only
    long[] gens;     // node only
    int dataBytes;   // leaf: Σ(25 + size)
    boolean writable;

    Block(int level, int capacity) {
        this.level = level;
        keys = new Key[capacity];
        if (level == 0) {
            values = new byte[capacity][];
        } else {
            ptrs = new long[capacity];
            gens = new long[capacity];
        }
    }

    boolean isLeaf() {
        return level == 0;
    }

    /** A writable copy (COW): same contents, caller sets bytenr/generation. Payload arrays are shared, never mutated. */
    Block copy() {
        Block c = new Block(level, Math.max(keys.length, 4));
        c.owner = owner;
        c.n = n;
        System.arraycopy(keys, 0, c.keys, 0, n);
        if (level == 0) {
            System.arraycopy(values, 0, c.values, 0, n);
            c.dataBytes = dataBytes;
        } else {
            System.arraycopy(ptrs, 0, c.ptrs, 0, n);
            System.arraycopy(gens, 0, c.gens, 0, n);
        }
        return c;
    }

    void ensureCapacity(int need) {
        if (need <= keys.length) {
            return;
        }
        int cap = Math.max(need, keys.length * 2);
        keys = Arrays.copyOf(keys, cap);
        if (level == 0) {
            values = Arrays.copyOf(values, cap);
        } else {
            ptrs = Arrays.copyOf(ptrs, cap);
            gens = Arrays.copyOf(gens, cap);
        }
    }

    /** Index of the key, or -(insertion point) - 1. */
    int search(Key k) {
        int lo = 0, hi = n - 1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            int c = keys[mid].compareTo(k);
            if (c < 0) {
                lo = mid + 1;
            } else if (c > 0) {
                hi = mid - 1;
            } else {
                return mid;
            }
        }
        return -lo - 1;
    }

    /** In a node: the slot of the child that may contain k (last key &lt;= k, or 0). */
    int childSlot(Key k) {
        int s = search(k);
        if (s >= 0) {
            return s;
        }
        int ins = -s - 1;
        return ins == 0 ? 0 : ins - 1;
    }

    void insertItem(int slot, Key k, byte[] v) {
        ensureCapacity(n + 1);
        System.arraycopy(keys, slot, keys, slot + 1, n - slot);
        System.arraycopy(values, slot, values, slot + 1, n - slot);
        keys[slot] = k;
        values[slot] = v;
        n++;
        dataBytes += ITEM + v.length;
    }

    void setValue(int slot, byte[] v) {
        dataBytes += v.length - values[slot].length;
        values[slot] = v;
    }

    void insertPtr(int slot, Key k, long ptr, long gen) {
        ensureCapacity(n + 1);
        System.arraycopy(keys, slot, keys, slot + 1, n - slot);
        System.arraycopy(ptrs, slot, ptrs, slot + 1, n - slot);
        System.arraycopy(gens, slot, gens, slot + 1, n - slot);
        keys[slot] = k;
        ptrs[slot] = ptr;
        gens[slot] = gen;
        n++;
    }

    void remove(int slot) {
        if (level == 0) {
            dataBytes -= ITEM + values[slot].length;
            System.arraycopy(values, slot + 1, values, slot, n - slot - 1);
            values[n - 1] = null;
        } else {
            System.arraycopy(ptrs, slot + 1, ptrs, slot, n - slot - 1);
            System.arraycopy(gens, slot + 1, gens, slot, n - slot - 1);
        }
        System.arraycopy(keys, slot + 1, keys, slot, n - slot - 1);
        keys[n - 1] = null;
        n--;
    }

    /** Serialises with checksum; fsid and chunkTreeUuid are 16 bytes each. */
    byte[] encode(int nodesize, byte[] fsid, byte[] chunkTreeUuid) {
        byte[] b = new byte[nodesize];
        System.arraycopy(fsid, 0, b, 32, 16);
        Le.putLong(b, 48, bytenr);
        Le.putLong(b, 56, FLAGS);
        System.arraycopy(chunkTreeUuid, 0, b, 64, 16);
        Le.putLong(b, 80, generation);
        Le.putLong(b, 88, owner);
        Le.putInt(b, 96, n);
        b[100] = (byte) level;
        if (level == 0) {
            int end = nodesize - HEADER;
            for (int i = 0; i < n; i++) {
                int at = HEADER + i * ITEM;
                keys[i].write(b, at);
                byte[] v = values[i];
                end -= v.length;
                Le.putInt(b, at + 17, end);
                Le.putInt(b, at + 21, v.length);
                System.arraycopy(v, 0, b, HEADER + end, v.length);
            }
        } else {
            for (int i = 0; i < n; i++) {
                int at = HEADER + i * PTR;
                keys[i].write(b, at);
                Le.putLong(b, at + 17, ptrs[i]);
                Le.putLong(b, at + 25, gens[i]);
            }
        }
        CRC32C c = new CRC32C();
        c.update(b, 32, nodesize - 32);
        Le.putInt(b, 0, (int) c.getValue());
        return b;
    }

    /**
     * Parses and verifies a block read from {@code bytenr}: checksum, fsid, bytenr, generation
     * (when {@code expectGen} is not -1), level (when {@code expectLevel} is not -1), item layout
     * and key order. Every failure names the block and the field.
     */
    static Block decode(byte[] b, long bytenr, byte[] fsid, long expectGen, int expectLevel) throws CorruptVolumeException {
        int nodesize = b.length;
        CRC32C c = new CRC32C();
        c.update(b, 32, nodesize - 32);
        int want = (int) c.getValue();
        int got = Le.getInt(b, 0);
        if (want != got) {
            throw new CorruptVolumeException(bytenr, "checksum mismatch: stored 0x" + Integer.toHexString(got)
                    + ", computed 0x" + Integer.toHexString(want));
        }
        if (!Arrays.equals(b, 32, 48, fsid, 0, 16)) {
            throw new CorruptVolumeException(bytenr, "fsid does not match the superblock's");
        }
        long at = Le.getLong(b, 48);
        if (at != bytenr) {
            throw new CorruptVolumeException(bytenr, "header bytenr is " + at + ", expected " + bytenr);
        }
        long flags = Le.getLong(b, 56);
        if ((flags & 1) == 0 || (flags >>> 56) != 1) {
            throw new CorruptVolumeException(bytenr, "header flags 0x" + Long.toHexString(flags)
                    + " lack the WRITTEN bit or backref revision 1");
        }
        long gen = Le.getLong(b, 80);
        if (expectGen != -1 && gen != expectGen) {
            throw new CorruptVolumeException(bytenr, "parent transid verify failed: wanted generation " + expectGen
                    + ", found " + gen);
        }
        int level = b[100] & 0xFF;
        if (level > 7 || (expectLevel != -1 && level != expectLevel)) {
            throw new CorruptVolumeException(bytenr, "level is " + level + ", expected " + expectLevel);
        }
        long nr = Le.getUInt(b, 96);
        int max = level == 0 ? (nodesize - HEADER) / ITEM : (nodesize - HEADER) / PTR;
        if (nr > max) {
            throw new CorruptVolumeException(bytenr, "nritems " + nr + " exceeds the maximum " + max);
        }
        int n = (int) nr;
        Block blk = new Block(level, Math.max(n, 4));
        blk.bytenr = bytenr;
        blk.generation = gen;
        blk.owner = Le.getLong(b, 88);
        blk.n = n;
        if (level == 0) {
            int limit = nodesize - HEADER;
            int prevStart = limit;
            int itemsEnd = n * ITEM;
            for (int i = 0; i < n; i++) {
                int p = HEADER + i * ITEM;
                blk.keys[i] = Key.read(b, p);
                long off = Le.getUInt(b, p + 17);
                long size = Le.getUInt(b, p + 21);
                if (off + size != prevStart || off < itemsEnd) {
                    throw new CorruptVolumeException(bytenr, "item " + i + " data [" + off + ", +" + size
                            + ") does not end where item " + (i - 1) + " begins (" + prevStart + ") or overlaps the item array");
                }
                prevStart = (int) off;
                blk.values[i] = Arrays.copyOfRange(b, HEADER + (int) off, HEADER + (int) (off + size));
                blk.dataBytes += ITEM + (int) size;
            }
        } else {
            if (n == 0) {
                throw new CorruptVolumeException(bytenr, "node at level " + level + " has no pointers");
            }
            for (int i = 0; i < n; i++) {
                int p = HEADER + i * PTR;
                blk.keys[i] = Key.read(b, p);
                blk.ptrs[i] = Le.getLong(b, p + 17);
                blk.gens[i] = Le.getLong(b, p + 25);
            }
        }
        for (int i = 1; i < n; i++) {
            if (blk.keys[i - 1].compareTo(blk.keys[i]) >= 0) {
                throw new CorruptVolumeException(bytenr, "keys out of order at slot " + i + ": " + blk.keys[i - 1]
                        + " then " + blk.keys[i]);
            }
        }
        return blk;
    }
}
