package io.crfs.volume;

import io.crfs.format.Le;

/**
 * ROOT_ITEM {@code (tree, 132, 0)}, 439 bytes (btrfs-format.md §7.8): an embedded inode item
 * (160), then {@code generation@160 root_dirid@168 bytenr@176 byte_limit@184 bytes_used@192
 * last_snapshot@200 flags@208 refs u32@216 drop_progress@220 drop_level@237 level@238
 * generation_v2@239 uuid@247 parent_uuid@263 received_uuid@279 ctransid@295 otransid@303 ...}.
 */
final class RootItem {
    static final int SIZE = 439;
    static final int GENERATION = 160, ROOT_DIRID = 168, BYTENR = 176, BYTES_USED = 192, REFS = 216, LEVEL = 238,
            GENERATION_V2 = 239, UUID = 247, CTRANSID = 295, OTRANSID = 303, CTIME = 327, OTIME = 339;

    private RootItem() {}

    static void set(byte[] v, long bytenr, long gen, int level, long ctransid) {
        Le.putLong(v, GENERATION, gen);
        Le.putLong(v, BYTENR, bytenr);
        v[LEVEL] = (byte) level;
        Le.putLong(v, GENERATION_V2, gen);
        if (ctransid >= 0) {
            Le.putLong(v, CTRANSID, ctransid);
        }
    }

    static byte[] fresh(long bytenr, long gen, int level, long rootDirid) {
        byte[] v = new byte[SIZE];
        Le.putLong(v, ROOT_DIRID, rootDirid);
        Le.putInt(v, REFS, 1);
        // embedded inode, as btrfs-progs writes it: a directory of size 3, nbytes = one block
        new io.crfs.format.InodeItem(v).generation(1).size(3).nlink(1).nbytes(16384).mode(040755);
        set(v, bytenr, gen, level, -1);
        return v;
    }
}
