package io.crfs.volume;

import io.crfs.format.Le;
import java.util.Arrays;

/**
 * A chunk: a logical range mapped to one stripe (single) or two full copies (DUP). Payload of
 * CHUNK_ITEM {@code (256, 228, logical)}, 48 + 32 × stripes bytes:
 *
 * <pre>
 *  0 length  8 owner(2)  16 stripe_len(65536)  24 type  32 io_align u32  36 io_width u32
 * 40 sector_size u32  44 num_stripes u16  46 sub_stripes u16
 * 48 + 32s: devid u64 | offset u64 (physical) | dev_uuid[16]
 * </pre>
 */
record Chunk(long logical, long length, long type, long[] physical, byte[] devUuid, int ioAlign, int subStripes) {
    static final long TYPE_DATA = 0x1, TYPE_SYSTEM = 0x2, TYPE_METADATA = 0x4;
    static final long PROFILE_DUP = 0x20;
    static final long PROFILE_MASK = 0x8 | 0x10 | 0x20 | 0x40 | 0x80 | 0x100 | 0x200 | 0x400;
    static final int STRIPE_LEN = 65536;

    int encodedSize() {
        return 48 + 32 * physical.length;
    }

    boolean contains(long addr) {
        return Long.compareUnsigned(addr, logical) >= 0 && Long.compareUnsigned(addr - logical, length) < 0;
    }

    long end() {
        return logical + length;
    }

    byte[] encode(int sectorsize) {
        byte[] b = new byte[encodedSize()];
        Le.putLong(b, 0, length);
        Le.putLong(b, 8, 2);
        Le.putLong(b, 16, STRIPE_LEN);
        Le.putLong(b, 24, type);
        Le.putInt(b, 32, ioAlign);
        Le.putInt(b, 36, ioAlign);
        Le.putInt(b, 40, sectorsize);
        Le.putShort(b, 44, physical.length);
        Le.putShort(b, 46, subStripes);
        for (int s = 0; s < physical.length; s++) {
            Le.putLong(b, 48 + 32 * s, 1);
            Le.putLong(b, 56 + 32 * s, physical[s]);
            System.arraycopy(devUuid, 0, b, 64 + 32 * s, 16);
        }
        return b;
    }

    /** Decodes and validates a chunk item; {@code at} is where the payload starts in {@code b}. */
    static Chunk decode(long logical, byte[] b, int at, int avail) throws VolumeException {
        if (avail < 48) {
            throw new VolumeException("CHUNK_ITEM at logical " + logical + " needs 48 bytes, has " + avail);
        }
        int n = Le.getUShort(b, at + 44);
        if (n < 1 || avail < 48 + 32 * n) {
            throw new VolumeException("CHUNK_ITEM at logical " + logical + " has " + n + " stripes but only "
                    + avail + " bytes");
        }
        long length = Le.getLong(b, at);
        long type = Le.getLong(b, at + 24);
        long profile = type & PROFILE_MASK;
        if (profile != 0 && profile != PROFILE_DUP) {
            throw new VolumeException("chunk at logical " + logical + " uses RAID profile 0x" + Long.toHexString(profile)
                    + "; crfs supports only single and DUP");
        }
        if ((profile == PROFILE_DUP) != (n == 2) || n > 2) {
            throw new VolumeException("chunk at logical " + logical + " has " + n + " stripes for profile 0x"
                    + Long.toHexString(profile));
        }
        if (length <= 0 || length % 4096 != 0) {
            throw new VolumeException("chunk at logical " + logical + " has bad length " + length);
        }
        long[] phys = new long[n];
        for (int s = 0; s < n; s++) {
            long devid = Le.getLong(b, at + 48 + 32 * s);
            if (devid != 1) {
                throw new VolumeException("chunk at logical " + logical + " lives on device " + devid
                        + "; crfs supports single-device volumes only");
            }
            phys[s] = Le.getLong(b, at + 56 + 32 * s);
        }
        byte[] uuid = Arrays.copyOfRange(b, at + 64, at + 80);
        return new Chunk(logical, length, type, phys, uuid, Le.getInt(b, at + 32), Le.getUShort(b, at + 46));
    }

    boolean isData() { return (type & TYPE_DATA) != 0; }
    boolean isSystem() { return (type & TYPE_SYSTEM) != 0; }
    boolean isMetadata() { return (type & TYPE_METADATA) != 0; }
}
