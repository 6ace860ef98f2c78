package io.crfs.format;

/**
 * Flyweight over the 160-byte INODE_ITEM payload {@code (ino, INODE_ITEM, 0)}, little-endian.
 *
 * <pre>
 *   0 generation u64    8 transid u64     16 size u64      24 nbytes u64
 *  32 block_group u64  40 nlink u32       44 uid u32       48 gid u32
 *  52 mode u32         56 rdev u64        64 flags u64     72 sequence u64
 *  80 reserved[32]    112 atime          124 ctime        136 mtime       148 otime (12 bytes each)
 * </pre>
 *
 * Setters write through to the wrapped array and return {@code this}.
 */
public final class InodeItem {
    public static final int SIZE = 160;
    public static final int GENERATION_OFFSET = 0;
    public static final int TRANSID_OFFSET = 8;
    public static final int SIZE_OFFSET = 16;
    public static final int NBYTES_OFFSET = 24;
    public static final int BLOCK_GROUP_OFFSET = 32;
    public static final int NLINK_OFFSET = 40;
    public static final int UID_OFFSET = 44;
    public static final int GID_OFFSET = 48;
    public static final int MODE_OFFSET = 52;
    public static final int RDEV_OFFSET = 56;
    public static final int FLAGS_OFFSET = 64;
    public static final int SEQUENCE_OFFSET = 72;
    public static final int ATIME_OFFSET = 112;
    public static final int CTIME_OFFSET = 124;
    public static final int MTIME_OFFSET = 136;
    public static final int OTIME_OFFSET = 148;

    public static final long FLAG_NODATASUM = 0x1;
    public static final long FLAG_NODATACOW = 0x2;
    public static final long FLAG_PREALLOC = 0x10;

    private final byte[] b;
    private final int at;

    public InodeItem(byte[] b, int at) {
        if (at < 0 || b.length - at < SIZE) {
            throw new FormatException("INODE_ITEM needs " + SIZE + " bytes, got " + (b.length - at));
        }
        this.b = b;
        this.at = at;
    }

    public InodeItem(byte[] b) {
        this(b, 0);
    }

    /** A zeroed item. */
    public static InodeItem allocate() {
        return new InodeItem(new byte[SIZE]);
    }

    public byte[] bytes() { return b; }
    public InodeItem copy() {
        byte[] c = new byte[SIZE];
        System.arraycopy(b, at, c, 0, SIZE);
        return new InodeItem(c);
    }

    public long generation() { return Le.getLong(b, at + GENERATION_OFFSET); }
    public InodeItem generation(long v) { Le.putLong(b, at + GENERATION_OFFSET, v); return this; }
    public long transid() { return Le.getLong(b, at + TRANSID_OFFSET); }
    public InodeItem transid(long v) { Le.putLong(b, at + TRANSID_OFFSET, v); return this; }
    public long size() { return Le.getLong(b, at + SIZE_OFFSET); }
    public InodeItem size(long v) { Le.putLong(b, at + SIZE_OFFSET, v); return this; }
    public long nbytes() { return Le.getLong(b, at + NBYTES_OFFSET); }
    public InodeItem nbytes(long v) { Le.putLong(b, at + NBYTES_OFFSET, v); return this; }
    public long nlink() { return Le.getUInt(b, at + NLINK_OFFSET); }
    public InodeItem nlink(long v) { Le.putInt(b, at + NLINK_OFFSET, (int) v); return this; }
    public int uid() { return Le.getInt(b, at + UID_OFFSET); }
    public InodeItem uid(int v) { Le.putInt(b, at + UID_OFFSET, v); return this; }
    public int gid() { return Le.getInt(b, at + GID_OFFSET); }
    public InodeItem gid(int v) { Le.putInt(b, at + GID_OFFSET, v); return this; }
    public int mode() { return Le.getInt(b, at + MODE_OFFSET); }
    public InodeItem mode(int v) { Le.putInt(b, at + MODE_OFFSET, v); return this; }
    public long rdev() { return Le.getLong(b, at + RDEV_OFFSET); }
    public InodeItem rdev(long v) { Le.putLong(b, at + RDEV_OFFSET, v); return this; }
    public long flags() { return Le.getLong(b, at + FLAGS_OFFSET); }
    public InodeItem flags(long v) { Le.putLong(b, at + FLAGS_OFFSET, v); return this; }
    public long sequence() { return Le.getLong(b, at + SEQUENCE_OFFSET); }
    public InodeItem sequence(long v) { Le.putLong(b, at + SEQUENCE_OFFSET, v); return this; }
    public Timespec atime() { return Timespec.read(b, at + ATIME_OFFSET); }
    public InodeItem atime(Timespec t) { t.write(b, at + ATIME_OFFSET); return this; }
    public Timespec ctime() { return Timespec.read(b, at + CTIME_OFFSET); }
    public InodeItem ctime(Timespec t) { t.write(b, at + CTIME_OFFSET); return this; }
    public Timespec mtime() { return Timespec.read(b, at + MTIME_OFFSET); }
    public InodeItem mtime(Timespec t) { t.write(b, at + MTIME_OFFSET); return this; }
    public Timespec otime() { return Timespec.read(b, at + OTIME_OFFSET); }
    public InodeItem otime(Timespec t) { t.write(b, at + OTIME_OFFSET); return this; }
}
