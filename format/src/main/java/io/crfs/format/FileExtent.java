package io.crfs.format;

import java.util.Arrays;

/**
 * An EXTENT_DATA payload {@code (ino, EXTENT_DATA, file_offset)}.
 *
 * <pre>
 *  0 generation u64  8 ram_bytes u64  16 compression u8  17 encryption u8  18 other_encoding u16
 * 20 type u8 (0 inline, 1 regular, 2 prealloc)
 * inline:            21 data ... (item is 21 + length bytes)
 * regular/prealloc:  21 disk_bytenr u64  29 disk_num_bytes u64  37 offset u64  45 num_bytes u64 (53 bytes)
 * </pre>
 *
 * For inline extents {@code inline} holds the (uncompressed) bytes; for regular and prealloc
 * extents it is null. A regular extent with {@code diskBytenr == 0} is an explicit hole.
 */
public record FileExtent(long generation, long ramBytes, int compression, int type,
                         long diskBytenr, long diskNumBytes, long offset, long numBytes, byte[] inline) {
    public static final int TYPE_INLINE = 0;
    public static final int TYPE_REG = 1;
    public static final int TYPE_PREALLOC = 2;
    public static final int INLINE_HEADER = 21;
    public static final int REG_SIZE = 53;

    public static FileExtent inline(long generation, byte[] data) {
        return new FileExtent(generation, data.length, 0, TYPE_INLINE, 0, 0, 0, data.length, data);
    }

    public static FileExtent regular(long generation, long diskBytenr, long diskNumBytes, long offset, long numBytes) {
        return new FileExtent(generation, diskNumBytes, 0, TYPE_REG, diskBytenr, diskNumBytes, offset, numBytes, null);
    }

    public boolean isInline() {
        return type == TYPE_INLINE;
    }

    /** True for a regular or prealloc extent that points at disk space. */
    public boolean hasDiskExtent() {
        return type != TYPE_INLINE && diskBytenr != 0;
    }

    /** Bytes of the file this item covers (for inline: the data length). */
    public long length() {
        return isInline() ? inline.length : numBytes;
    }

    public byte[] encode() {
        if (isInline()) {
            byte[] b = new byte[INLINE_HEADER + inline.length];
            header(b);
            System.arraycopy(inline, 0, b, INLINE_HEADER, inline.length);
            return b;
        }
        byte[] b = new byte[REG_SIZE];
        header(b);
        Le.putLong(b, 21, diskBytenr);
        Le.putLong(b, 29, diskNumBytes);
        Le.putLong(b, 37, offset);
        Le.putLong(b, 45, numBytes);
        return b;
    }

    private void header(byte[] b) {
        Le.putLong(b, 0, generation);
        Le.putLong(b, 8, ramBytes);
        b[16] = (byte) compression;
        b[20] = (byte) type;
    }

    public static FileExtent decode(byte[] b) {
        if (b.length < INLINE_HEADER) {
            throw new FormatException("EXTENT_DATA needs at least 21 bytes, got " + b.length);
        }
        int type = b[20] & 0xFF;
        long gen = Le.getLong(b, 0);
        long ram = Le.getLong(b, 8);
        int compression = b[16] & 0xFF;
        if (b[17] != 0 || Le.getUShort(b, 18) != 0) {
            throw new FormatException("EXTENT_DATA uses encryption or other encoding, which crfs does not support");
        }
        switch (type) {
            case TYPE_INLINE -> {
                byte[] data = Arrays.copyOfRange(b, INLINE_HEADER, b.length);
                if (compression == 0 && ram != data.length) {
                    throw new FormatException("inline extent ram_bytes " + ram + " != data length " + data.length);
                }
                return new FileExtent(gen, ram, compression, type, 0, 0, 0, ram, data);
            }
            case TYPE_REG, TYPE_PREALLOC -> {
                if (b.length != REG_SIZE) {
                    throw new FormatException("regular EXTENT_DATA must be 53 bytes, got " + b.length);
                }
                return new FileExtent(gen, ram, compression, type, Le.getLong(b, 21), Le.getLong(b, 29),
                        Le.getLong(b, 37), Le.getLong(b, 45), null);
            }
            default -> throw new FormatException("EXTENT_DATA type must be 0, 1 or 2, got " + type);
        }
    }
}
