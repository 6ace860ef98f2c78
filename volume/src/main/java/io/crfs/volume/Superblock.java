package io.crfs.volume;

import io.crfs.format.Le;
import java.util.Arrays;
import java.util.UUID;
import java.util.zip.CRC32C;

/**
 * Flyweight over the 4096-byte btrfs superblock (btrfs-format.md §3), little-endian.
 *
 * <pre>
 * 0x000 csum[32]  0x020 fsid[16]  0x030 bytenr  0x038 flags  0x040 magic  0x048 generation
 * 0x050 root  0x058 chunk_root  0x060 log_root  0x070 total_bytes  0x078 bytes_used
 * 0x080 root_dir_objectid  0x088 num_devices  0x090 sectorsize u32  0x094 nodesize u32
 * 0x098 leafsize u32  0x09c stripesize u32  0x0a0 sys_chunk_array_size u32
 * 0x0a4 chunk_root_generation  0x0ac compat  0x0b4 compat_ro  0x0bc incompat  0x0c4 csum_type u16
 * 0x0c6 root_level  0x0c7 chunk_root_level  0x0c8 log_root_level  0x0c9 dev_item[98]
 * 0x12b label[256]  0x22b cache_generation  0x233 uuid_tree_generation  0x23b metadata_uuid[16]
 * 0x32b sys_chunk_array[2048]  0xb2b super_roots[4][168]
 * </pre>
 */
final class Superblock {
    static final int SIZE = 4096;
    static final long MAGIC = 0x4D5F53665248425FL;
    static final long PRIMARY_OFFSET = 0x10000;
    static final long[] MIRRORS = {0x10000L, 0x4000000L, 0x4000000000L};

    static final int FSID = 0x20, BYTENR = 0x30, FLAGS = 0x38, MAGIC_OFF = 0x40, GENERATION = 0x48, ROOT = 0x50,
            CHUNK_ROOT = 0x58, LOG_ROOT = 0x60, TOTAL_BYTES = 0x70, BYTES_USED = 0x78, ROOT_DIR = 0x80,
            NUM_DEVICES = 0x88, SECTORSIZE = 0x90, NODESIZE = 0x94, LEAFSIZE = 0x98, STRIPESIZE = 0x9c,
            SYS_ARRAY_SIZE = 0xa0, CHUNK_ROOT_GEN = 0xa4, COMPAT = 0xac, COMPAT_RO = 0xb4, INCOMPAT = 0xbc,
            CSUM_TYPE = 0xc4, ROOT_LEVEL = 0xc6, CHUNK_ROOT_LEVEL = 0xc7, LOG_ROOT_LEVEL = 0xc8, DEV_ITEM = 0xc9,
            LABEL = 0x12b, CACHE_GEN = 0x22b, UUID_TREE_GEN = 0x233, METADATA_UUID = 0x23b, SYS_ARRAY = 0x32b,
            SUPER_ROOTS = 0xb2b;
    static final int SYS_ARRAY_MAX = 2048;
    static final int BACKUP_SIZE = 168;

    static final long INCOMPAT_MIXED_BACKREF = 0x1, INCOMPAT_DEFAULT_SUBVOL = 0x2, INCOMPAT_MIXED_GROUPS = 0x4,
            INCOMPAT_COMPRESS_LZO = 0x8, INCOMPAT_COMPRESS_ZSTD = 0x10, INCOMPAT_BIG_METADATA = 0x20,
            INCOMPAT_EXTENDED_IREF = 0x40, INCOMPAT_RAID56 = 0x80, INCOMPAT_SKINNY_METADATA = 0x100,
            INCOMPAT_NO_HOLES = 0x200, INCOMPAT_METADATA_UUID = 0x400, INCOMPAT_RAID1C34 = 0x800,
            INCOMPAT_ZONED = 0x1000, INCOMPAT_EXTENT_TREE_V2 = 0x2000;
    static final long SUPPORTED_INCOMPAT = INCOMPAT_MIXED_BACKREF | INCOMPAT_BIG_METADATA | INCOMPAT_EXTENDED_IREF
            | INCOMPAT_SKINNY_METADATA | INCOMPAT_NO_HOLES;
    static final long COMPAT_RO_FREE_SPACE_TREE = 0x1, COMPAT_RO_FREE_SPACE_TREE_VALID = 0x2;

    final byte[] b;

    Superblock(byte[] b) {
        if (b.length != SIZE) {
            throw new IllegalArgumentException("superblock must be 4096 bytes");
        }
        this.b = b;
    }

    Superblock copy() {
        return new Superblock(b.clone());
    }

    long get(int off) { return Le.getLong(b, off); }
    void set(int off, long v) { Le.putLong(b, off, v); }
    int getInt(int off) { return Le.getInt(b, off); }
    void setInt(int off, int v) { Le.putInt(b, off, v); }

    byte[] fsid() { return Arrays.copyOfRange(b, FSID, FSID + 16); }
    long generation() { return get(GENERATION); }
    long root() { return get(ROOT); }
    long chunkRoot() { return get(CHUNK_ROOT); }
    long totalBytes() { return get(TOTAL_BYTES); }
    int sectorsize() { return getInt(SECTORSIZE); }
    int nodesize() { return getInt(NODESIZE); }
    int rootLevel() { return b[ROOT_LEVEL] & 0xFF; }
    int chunkRootLevel() { return b[CHUNK_ROOT_LEVEL] & 0xFF; }
    long chunkRootGeneration() { return get(CHUNK_ROOT_GEN); }
    int sysArraySize() { return getInt(SYS_ARRAY_SIZE); }

    String label() {
        int n = 0;
        while (n < 256 && b[LABEL + n] != 0) {
            n++;
        }
        return new String(b, LABEL, n, java.nio.charset.StandardCharsets.UTF_8);
    }

    UUID fsUuid() {
        return uuid(b, FSID);
    }

    static UUID uuid(byte[] a, int at) {
        long hi = 0, lo = 0;
        for (int i = 0; i < 8; i++) {
            hi = (hi << 8) | (a[at + i] & 0xFF);
            lo = (lo << 8) | (a[at + 8 + i] & 0xFF);
        }
        return new UUID(hi, lo);
    }

    static void putUuid(byte[] a, int at, UUID u) {
        long hi = u.getMostSignificantBits(), lo = u.getLeastSignificantBits();
        for (int i = 7; i >= 0; i--) {
            a[at + i] = (byte) hi;
            a[at + 8 + i] = (byte) lo;
            hi >>>= 8;
            lo >>>= 8;
        }
    }

    /** Checksum of [32, 4096) stored little-endian in bytes [0, 4). */
    void seal(long bytenr) {
        set(BYTENR, bytenr);
        Arrays.fill(b, 0, 32, (byte) 0);
        CRC32C c = new CRC32C();
        c.update(b, 32, SIZE - 32);
        Le.putInt(b, 0, (int) c.getValue());
    }

    boolean checksumOk() {
        CRC32C c = new CRC32C();
        c.update(b, 32, SIZE - 32);
        return Le.getInt(b, 0) == (int) c.getValue();
    }

    /** Writes the next backup-root slot (the one after the slot with the highest tree-root gen). */
    void writeBackupRoots(long[] rootsAndGens, int[] levels, long totalBytes, long bytesUsed) {
        int best = 0;
        long bestGen = -1;
        for (int i = 0; i < 4; i++) {
            long g = Le.getLong(b, SUPER_ROOTS + i * BACKUP_SIZE + 8);
            if (Long.compareUnsigned(g, bestGen) > 0 || bestGen == -1) {
                bestGen = g;
                best = i;
            }
        }
        int at = SUPER_ROOTS + ((best + 1) % 4) * BACKUP_SIZE;
        Arrays.fill(b, at, at + BACKUP_SIZE, (byte) 0);
        for (int i = 0; i < rootsAndGens.length; i++) {
            Le.putLong(b, at + i * 8, rootsAndGens[i]);
        }
        Le.putLong(b, at + 96, totalBytes);
        Le.putLong(b, at + 104, bytesUsed);
        Le.putLong(b, at + 112, 1);
        for (int i = 0; i < levels.length; i++) {
            b[at + 152 + i] = (byte) levels[i];
        }
    }
}
