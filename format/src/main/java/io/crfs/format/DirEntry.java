package io.crfs.format;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * One entry of a DIR_ITEM, DIR_INDEX or XATTR_ITEM payload. A DIR_ITEM or XATTR_ITEM may hold
 * several entries back to back (names whose hashes collide); a DIR_INDEX holds exactly one.
 *
 * <pre>
 *  0 location key (17)  17 transid u64  25 data_len u16  27 name_len u16  29 type u8  30 name, data
 * </pre>
 */
public record DirEntry(Key location, long transid, int type, byte[] name, byte[] data) {
    public static final int HEADER = 30;
    public static final int MAX_NAME = 255;

    public static final int FT_UNKNOWN = 0;
    public static final int FT_REG = 1;
    public static final int FT_DIR = 2;
    public static final int FT_CHRDEV = 3;
    public static final int FT_BLKDEV = 4;
    public static final int FT_FIFO = 5;
    public static final int FT_SOCK = 6;
    public static final int FT_SYMLINK = 7;
    public static final int FT_XATTR = 8;

    public DirEntry {
        if (data == null) {
            data = new byte[0];
        }
    }

    public int encodedSize() {
        return HEADER + name.length + data.length;
    }

    public void write(byte[] b, int at) {
        location.write(b, at);
        Le.putLong(b, at + 17, transid);
        Le.putShort(b, at + 25, data.length);
        Le.putShort(b, at + 27, name.length);
        b[at + 29] = (byte) type;
        System.arraycopy(name, 0, b, at + HEADER, name.length);
        System.arraycopy(data, 0, b, at + HEADER + name.length, data.length);
    }

    public byte[] encode() {
        byte[] b = new byte[encodedSize()];
        write(b, 0);
        return b;
    }

    public static byte[] encodeAll(List<DirEntry> entries) {
        int n = 0;
        for (DirEntry e : entries) {
            n += e.encodedSize();
        }
        byte[] b = new byte[n];
        int at = 0;
        for (DirEntry e : entries) {
            e.write(b, at);
            at += e.encodedSize();
        }
        return b;
    }

    /** Parses every entry of a payload, checking each length against what remains. */
    public static List<DirEntry> decodeAll(byte[] b) {
        List<DirEntry> out = new ArrayList<>(1);
        int at = 0;
        while (at < b.length) {
            if (b.length - at < HEADER) {
                throw new FormatException("dir entry header needs " + HEADER + " bytes at " + at + ", got " + (b.length - at));
            }
            int dataLen = Le.getUShort(b, at + 25);
            int nameLen = Le.getUShort(b, at + 27);
            if (b.length - at - HEADER < nameLen + dataLen) {
                throw new FormatException("dir entry at " + at + " claims " + nameLen + "+" + dataLen
                        + " bytes of name and data, only " + (b.length - at - HEADER) + " remain");
            }
            Key loc = Key.read(b, at);
            long transid = Le.getLong(b, at + 17);
            int type = b[at + 29] & 0xFF;
            byte[] name = Arrays.copyOfRange(b, at + HEADER, at + HEADER + nameLen);
            byte[] data = Arrays.copyOfRange(b, at + HEADER + nameLen, at + HEADER + nameLen + dataLen);
            out.add(new DirEntry(loc, transid, type, name, data));
            at += HEADER + nameLen + dataLen;
        }
        return out;
    }

    /** The dir-entry file type for an inode mode (S_IFMT bits). */
    public static int typeOfMode(int mode) {
        return switch (mode & 0170000) {
            case 0100000 -> FT_REG;
            case 0040000 -> FT_DIR;
            case 0020000 -> FT_CHRDEV;
            case 0060000 -> FT_BLKDEV;
            case 0010000 -> FT_FIFO;
            case 0140000 -> FT_SOCK;
            case 0120000 -> FT_SYMLINK;
            default -> FT_UNKNOWN;
        };
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof DirEntry d && location.equals(d.location) && transid == d.transid && type == d.type
                && Arrays.equals(name, d.name) && Arrays.equals(data, d.data);
    }

    @Override
    public int hashCode() {
        return location.hashCode() * 31 + Arrays.hashCode(name);
    }
}
