package io.crfs.volume;

import java.util.UUID;

/** mkfs settings; the defaults match btrfs-progs' (DUP metadata, single data, 16 KiB nodes). */
public record MkfsOptions(String label, UUID fsid, boolean dupMetadata, int nodesize, int sectorsize) {
    public static MkfsOptions defaults() {
        return new MkfsOptions("", UUID.randomUUID(), true, 16384, 4096);
    }

    public MkfsOptions withLabel(String l) {
        return new MkfsOptions(l, fsid, dupMetadata, nodesize, sectorsize);
    }
}
