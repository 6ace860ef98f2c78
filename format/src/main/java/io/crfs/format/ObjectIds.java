package io.crfs.format;

/** Well-known objectids (btrfs_tree.h). Negative values are the u64 ids near 2^64. */
public final class ObjectIds {
    public static final long ROOT_TREE = 1;
    public static final long EXTENT_TREE = 2;
    public static final long CHUNK_TREE = 3;
    public static final long DEV_TREE = 4;
    public static final long FS_TREE = 5;
    public static final long ROOT_TREE_DIR = 6;
    public static final long CSUM_TREE = 7;
    public static final long QUOTA_TREE = 8;
    public static final long UUID_TREE = 9;
    public static final long FREE_SPACE_TREE = 10;
    public static final long BLOCK_GROUP_TREE = 11;
    public static final long DEV_STATS = 0;
    public static final long FIRST_FREE = 256;
    public static final long FIRST_CHUNK_TREE = 256;
    /** Root directory inode of every fs tree. */
    public static final long ROOT_DIR = 256;
    /** Largest objectid a normal inode may have (2^64 - 256). */
    public static final long LAST_FREE = -256L;
    public static final long ORPHAN = -5L;
    public static final long TREE_LOG = -6L;
    public static final long DATA_RELOC_TREE = -9L;
    public static final long EXTENT_CSUM = -10L;
    public static final long FREE_INO = -12L;

    private ObjectIds() {}

    /** True for inode numbers of ordinary files and directories (256 .. 2^64-256, unsigned). */
    public static boolean isInode(long id) {
        return Long.compareUnsigned(id, FIRST_FREE) >= 0 && Long.compareUnsigned(id, LAST_FREE) < 0;
    }

    public static String name(long id) {
        if (id == ORPHAN) return "ORPHAN";
        if (id == TREE_LOG) return "TREE_LOG";
        if (id == DATA_RELOC_TREE) return "DATA_RELOC";
        if (id == EXTENT_CSUM) return "EXTENT_CSUM";
        return Long.toUnsignedString(id);
    }
}
