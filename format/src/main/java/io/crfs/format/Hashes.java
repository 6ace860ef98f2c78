package io.crfs.format;

/**
 * The seeded CRC-32C register updates btrfs uses as key offsets. {@link java.util.zip.CRC32C} can
 * neither be seeded nor skip its final inversion, so these use a table of their own
 * (Castagnoli polynomial, reflected: 0x82F63B78).
 */
public final class Hashes {
    private static final int[] TABLE = new int[256];

    static {
        for (int i = 0; i < 256; i++) {
            int c = i;
            for (int k = 0; k < 8; k++) {
                c = (c & 1) != 0 ? (c >>> 1) ^ 0x82F63B78 : c >>> 1;
            }
            TABLE[i] = c;
        }
    }

    private Hashes() {}

    /** Raw register update: no inversion on input or output. */
    public static int raw(int seed, byte[] b, int off, int len) {
        int c = seed;
        for (int i = off; i < off + len; i++) {
            c = TABLE[(c ^ b[i]) & 0xFF] ^ (c >>> 8);
        }
        return c;
    }

    private static int rawLong(int seed, long v) {
        byte[] b = new byte[8];
        Le.putLong(b, 0, v);
        return raw(seed, b, 0, 8);
    }

    /** Key offset of DIR_ITEM and XATTR_ITEM: seed 0xFFFFFFFE, zero-extended. */
    public static long nameHash(byte[] name) {
        return Integer.toUnsignedLong(raw(0xFFFFFFFE, name, 0, name.length));
    }

    /** Key offset of INODE_EXTREF: seeded with the low 32 bits of the parent objectid. */
    public static long extrefHash(long parent, byte[] name) {
        return Integer.toUnsignedLong(raw((int) parent, name, 0, name.length));
    }

    /** Order of inline EXTENT_DATA_REFs and key offset of keyed ones (note the shift of 31). */
    public static long dataRefHash(long root, long objectid, long offset) {
        long hi = Integer.toUnsignedLong(rawLong(~0, root));
        long lo = Integer.toUnsignedLong(rawLong(rawLong(~0, objectid), offset));
        return (hi << 31) ^ lo;
    }
}
