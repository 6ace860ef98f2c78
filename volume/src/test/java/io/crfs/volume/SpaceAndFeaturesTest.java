package io.crfs.volume;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.crfs.format.ItemStore;
import io.crfs.format.StoreException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Running out of space: new data and metadata chunks are allocated as the volume fills, the
 * device running full gives a clean ENOSPC, and the volume stays consistent and readable.
 * Unsupported volumes made by mkfs.btrfs are refused with the feature named.
 */
class SpaceAndFeaturesTest {
    @TempDir
    Path tmp;

    @Test
    void fillingTheDeviceAllocatesChunksThenFailsCleanly() throws Exception {
        Path img = tmp.resolve("small.img");
        Volume.mkfs(img, 160L << 20, MkfsOptions.defaults());
        Random r = new Random(5);
        Map<Long, byte[]> files = new LinkedHashMap<>();
        int chunksBefore;
        boolean full = false;
        try (Volume v = Volume.open(img)) {
            chunksBefore = v.engine().chunks.all().size();
            ItemStore s = v.fsTree();
            for (int i = 0; i < 10_000 && !full; i++) {
                byte[] d = new byte[i % 10 == 0 ? 3 << 20 : 20_000 + r.nextInt(200_000)];
                r.nextBytes(d);
                try {
                    s.checkSpace(d.length, 0);
                    long ino = Fixtures.createFile(s, Fixtures.name("fill-" + i));
                    s.write(ino, 0, d, 0, d.length);
                    files.put(ino, d);
                } catch (StoreException e) {
                    assertThat(e.kind()).isEqualTo(StoreException.Kind.NO_SPACE);
                    full = true;
                }
                if (i % 20 == 0) {
                    v.commit();
                }
            }
            assertThat(full).as("the device ran full").isTrue();
            assertThat(v.engine().chunks.all().size()).as("chunks allocated on the way").isGreaterThan(chunksBefore);
        }
        try (Volume v = Volume.open(img)) {
            for (Map.Entry<Long, byte[]> f : files.entrySet()) {
                assertThat(Arrays.equals(v.fsTree().read(f.getKey(), 0, f.getValue().length), f.getValue())).isTrue();
            }
            v.abandon();
        }
        checkedByTheKernel(img, files.size(), name -> true);
    }

    /**
     * Data block groups left empty go at a commit after the one that released their last
     * extents (as the kernel removes unused block groups), so their device space can become
     * metadata: before, a volume once full of data and then emptied could not grow its metadata
     * (a 1 GiB volume, filled and emptied, refused new files after 12,029, against 59,000 now).
     */
    @Test
    void emptiedDataBlockGroupsGoAndTheirSpaceCanBecomeMetadata() throws Exception {
        Path img = tmp.resolve("emptied.img");
        Volume.mkfs(img, 400L << 20, MkfsOptions.defaults());
        try (Volume v = Volume.open(img)) {
            ItemStore s = v.fsTree();
            long big = Fixtures.createFile(s, Fixtures.name("big"));
            byte[] d = new byte[1 << 20];
            new Random(3).nextBytes(d);
            long at = 0;
            try {
                while (true) {
                    s.checkSpace(d.length, 0);
                    s.write(big, at, d, 0, d.length);
                    at += d.length;
                }
            } catch (StoreException e) {
                assertThat(e.kind()).isEqualTo(StoreException.Kind.NO_SPACE);
            }
            v.commit();
            assertThat(dataGroups(v)).isGreaterThan(2);
            assertThat(Chunks.unallocated(v.engine())).isLessThan(64L << 20);
            s.truncate(big, 0); // the extents are pinned until this commit is on disk
            v.commit();
            assertThat(dataGroups(v)).as("groups whose extents this commit released").isGreaterThan(1);
            Fixtures.createFile(s, Fixtures.name("after"));
            v.commit();
            assertThat(dataGroups(v)).isEqualTo(1);
            assertThat(Chunks.unallocated(v.engine())).isGreaterThan(200L << 20);
            assertThat(Chunks.allocate(v.engine(), Chunk.TYPE_METADATA)).isTrue();
            Fixtures.createFile(s, Fixtures.name("last"));
            v.commit();
        }
        if (Oracles.haveBtrfsTools()) {
            assertThat(Oracles.btrfsCheck(img)).isEmpty();
        }
        try (Volume v = Volume.open(img)) {
            assertThat(dataGroups(v)).isEqualTo(1);
            v.abandon();
        }
    }

    /**
     * Metadata block groups emptied by deleting many small files go too (the kernel removes
     * those as well), while the groups left keep at least as much free as they hold: before,
     * a volume that once held many files kept every metadata chunk it had grown, and that device
     * space could never hold data again.
     */
    @Test
    void emptiedMetadataBlockGroupsGoAndTheirSpaceCanBecomeData() throws Exception {
        Path img = tmp.resolve("emptied-meta.img");
        Volume.mkfs(img, 512L << 20, MkfsOptions.defaults());
        byte[] value = new byte[3000];
        new Random(11).nextBytes(value);
        Map<Long, String> files = new LinkedHashMap<>();
        long unallocatedFull, freed, dataWritten = 0;
        try (Volume v = Volume.open(img)) {
            ItemStore s = v.fsTree();
            fillMetadata(v, "m", value, 0, files, files);
            unallocatedFull = Chunks.unallocated(v.engine());
            for (Map.Entry<Long, String> f : files.entrySet()) {
                s.checkSpace(0, -1);
                Fixtures.deleteFile(s, f.getKey(), Fixtures.name(f.getValue()));
            }
            v.commit(); // the tree blocks it freed are pinned until this commit is on disk
            assertThat(metaGroups(v)).as("groups emptied by this commit stay until the next").isGreaterThanOrEqualTo(3);
            Fixtures.createFile(s, Fixtures.name("after"));
            v.commit();
            long left = metaGroups(v);
            assertThat(left).isBetween(1L, 2L);
            long metaUsed = 0, metaFree = 0;
            for (BlockGroup g : v.engine().groups.values()) {
                if (g.chunk.isMetadata() && !g.chunk.isSystem()) {
                    metaUsed += g.used.total();
                    metaFree += g.avail.total();
                }
            }
            assertThat(metaFree).as("free metadata kept").isGreaterThanOrEqualTo(Math.max(metaUsed, FsStore.META_LOW));
            freed = Chunks.unallocated(v.engine()) - unallocatedFull;
            assertThat(freed).as("the device space of the removed groups (metadata is DUP: two copies each)")
                    .isGreaterThanOrEqualTo((3 - left) * 2 * (32L << 20));
            // that space now takes data
            byte[] d = new byte[1 << 20];
            new Random(5).nextBytes(d);
            dataWritten = fillWithData(s, Fixtures.createFile(s, Fixtures.name("big")), d);
            v.commit();
            assertThat(dataWritten).as("data written after the metadata went: more than it freed").isGreaterThan(freed);
        }
        checkedByTheKernel(img, 2, name -> true);
        try (Volume v = Volume.open(img)) {
            assertThat(metaGroups(v)).isBetween(1L, 2L);
            assertThat(v.fsTree().read(lookup(v.fsTree(), "big"), dataWritten - 16, 16)).hasSize(16);
            v.abandon();
        }
    }

    /**
     * Small files with xattrs come and go in waves (the first 200 stay), with a large file
     * written and cut between them, so metadata groups are removed and new ones made again
     * several times, the later ones at new logical addresses, on a device too small to keep them
     * all. After every wave, btrfs check finds nothing; at the end the kernel lists exactly the
     * files that stayed.
     */
    @Test
    void metadataGroupsRemovedAndMadeAgainInWavesKeepTheVolumeConsistent() throws Exception {
        Path img = tmp.resolve("waves.img");
        Volume.mkfs(img, 512L << 20, MkfsOptions.defaults());
        byte[] value = new byte[3000];
        new Random(13).nextBytes(value);
        byte[] d = new byte[1 << 20];
        new Random(17).nextBytes(d);
        Map<Long, String> kept = new LinkedHashMap<>();
        long removed = 0;
        for (int wave = 0; wave < 3; wave++) {
            try (Volume v = Volume.open(img)) {
                ItemStore s = v.fsTree();
                long before = metaGroups(v);
                Map<Long, String> files = new LinkedHashMap<>();
                fillMetadata(v, "w" + wave + "-", value, wave == 0 ? 200 : 0, kept, files);
                long grown = metaGroups(v);
                for (Map.Entry<Long, String> f : files.entrySet()) {
                    s.checkSpace(0, -1);
                    Fixtures.deleteFile(s, f.getKey(), Fixtures.name(f.getValue()));
                }
                v.commit();
                long big = Fixtures.createFile(s, Fixtures.name("big" + wave));
                fillWithData(s, big, d); // takes what the removed groups gave back
                v.commit();
                s.truncate(big, 0);
                v.commit();
                Fixtures.deleteFile(s, big, Fixtures.name("big" + wave));
                v.commit();
                removed += grown - metaGroups(v);
                assertThat(metaGroups(v)).as("wave %d: metadata groups before %d, grown to %d", wave, before, grown)
                        .isLessThan(grown);
            }
            if (Fixtures.haveBtrfsTools()) {
                assertThat(Fixtures.btrfsCheck(img)).as("btrfs check after wave %d", wave).isEmpty();
            }
        }
        assertThat(removed).isGreaterThanOrEqualTo(3);
        checkedByTheKernel(img, kept.size(), name -> true);
        try (Volume v = Volume.open(img)) {
            for (Map.Entry<Long, String> f : kept.entrySet()) {
                assertThat(lookup(v.fsTree(), f.getValue())).as(f.getValue()).isEqualTo(f.getKey());
            }
            v.abandon();
        }
    }

    /**
     * Adds files, each with a 3,000-byte xattr, until three metadata groups hold tree blocks,
     * then commits; the first {@code keep} go to {@code kept}, the others to {@code others}.
     */
    private static void fillMetadata(Volume v, String prefix, byte[] value, int keep, Map<Long, String> kept,
            Map<Long, String> others) throws Exception {
        ItemStore s = v.fsTree();
        for (int i = 0; usedMetaGroups(v) < 3; i++) {
            s.checkSpace(0, 4096);
            String name = prefix + i;
            long ino = Fixtures.createFile(s, Fixtures.name(name));
            Fixtures.setXattr(s, ino, Fixtures.name("user.v"), value);
            (i < keep ? kept : others).put(ino, name);
            if (i % 1000 == 999) {
                v.commit();
            }
        }
        v.commit();
    }

    /** Writes {@code d} again and again at the end of file {@code ino} until the volume is full; the bytes written. */
    private static long fillWithData(ItemStore s, long ino, byte[] d) {
        long at = 0;
        while (true) {
            try {
                s.checkSpace(d.length, 0);
            } catch (StoreException e) {
                assertThat(e.kind()).isEqualTo(StoreException.Kind.NO_SPACE);
                return at;
            }
            s.write(ino, at, d, 0, d.length);
            at += d.length;
        }
    }

    private static long usedMetaGroups(Volume v) {
        return v.engine().groups.values().stream().filter(g -> g.chunk.isMetadata() && !g.chunk.isSystem()
                && !g.chunk.isData() && g.used.total() > 0).count();
    }

    private static long metaGroups(Volume v) {
        return v.engine().groups.values().stream().filter(g -> g.chunk.isMetadata() && !g.chunk.isSystem()
                && !g.chunk.isData()).count();
    }

    private static long dataGroups(Volume v) {
        return v.engine().groups.values().stream().filter(g -> g.chunk.isData()).count();
    }

    /**
     * Files written one after another fill several data chunks, their extents side by side,
     * also across the boundaries of chunks that follow each other; deleted in one commit, the
     * freed extents are handled in runs (ExtentTree), which must stop at each block group: every
     * group's used bytes and free space must come back, as btrfs check and a second fill see.
     */
    @Test
    void deletingFilesThatSpanDataChunksGivesEveryGroupItsSpaceBack() throws Exception {
        Path img = tmp.resolve("runs.img");
        Volume.mkfs(img, 160L << 20, MkfsOptions.defaults());
        Map<Long, byte[]> names = new LinkedHashMap<>();
        int written = 0;
        try (Volume v = Volume.open(img)) {
            ItemStore s = v.fsTree();
            byte[] d = new byte[1 << 20];
            new Random(3).nextBytes(d);
            for (int i = 0; ; i++) {
                try {
                    s.checkSpace(d.length, 0);
                    byte[] name = Fixtures.name("f" + i);
                    long ino = Fixtures.createFile(s, name);
                    s.write(ino, 0, d, 0, d.length);
                    names.put(ino, name);
                } catch (StoreException e) {
                    assertThat(e.kind()).isEqualTo(StoreException.Kind.NO_SPACE);
                    break;
                }
                if (i % 8 == 0) {
                    v.commit();
                }
            }
            v.commit();
            written = names.size();
            assertThat(v.engine().chunks.all().stream().filter(c -> (c.type() & Chunk.TYPE_DATA) != 0).count())
                    .as("data chunks filled").isGreaterThan(1);
            for (Map.Entry<Long, byte[]> f : names.entrySet()) {
                Fixtures.deleteFile(s, f.getKey(), f.getValue());
            }
            v.commit();
        }
        checkedByTheKernel(img, 0, name -> true);
        try (Volume v = Volume.open(img)) { // all the space is there again
            ItemStore s = v.fsTree();
            byte[] d = new byte[1 << 20];
            for (int i = 0; i < written; i++) {
                s.checkSpace(d.length, 0);
                s.write(Fixtures.createFile(s, Fixtures.name("g" + i)), 0, d, 0, d.length);
                if (i % 8 == 0) {
                    v.commit();
                }
            }
            v.commit();
        }
        checkedByTheKernel(img, written, name -> true);
    }

    /** btrfs check finds nothing, and the kernel's mount lists {@code expected} names that {@code counted} accepts. */
    private static void checkedByTheKernel(Path img, long expected, java.util.function.Predicate<String> counted)
            throws Exception {
        if (Fixtures.haveBtrfsTools()) {
            assertThat(Fixtures.btrfsCheck(img)).isEmpty();
        }
        if (Fixtures.isRoot() && Fixtures.haveBtrfsTools()) {
            try (Fixtures.RoMount m = new Fixtures.RoMount(img); var list = Files.list(m.dir)) {
                assertThat(list.filter(p -> counted.test(p.getFileName().toString())).count()).isEqualTo(expected);
            }
        }
    }

    /**
     * With the data chunks holding the device, files with xattrs are added in groups until the
     * metadata runs out. The group that runs out (even half-way, its estimate too low) is undone
     * whole, the store stays writable, removals still fit, and the volume matches the model.
     */
    @Test
    void aGroupOfEditsThatRunsOutOfMetadataIsUndoneWholeAndTheStoreStaysWritable() throws Exception {
        Path img = tmp.resolve("meta.img");
        Volume.mkfs(img, 160L << 20, MkfsOptions.defaults());
        Map<Long, String> model = new LinkedHashMap<>();
        byte[] value = new byte[3000];
        new Random(7).nextBytes(value);
        try (Volume v = Volume.open(img)) {
            ItemStore s = v.fsTree();
            fillData(v, s);
            int g = 0;
            while (group(s, g++, 200, value, model) && g < 1000) {
                // adding until the metadata runs out: the group that does is undone
            }
            assertThat(g).as("the metadata ran out").isLessThan(1000);
            // far more than is left: this one runs out half-way through its edits
            assertThat(group(s, g, 5000, value, model)).isFalse();
            // removals may use the space held back for them, and the store takes edits again
            List<Long> inos = new ArrayList<>(model.keySet());
            s.atomically(0, -1, inos.size(), () -> {
                for (long ino : inos.subList(0, inos.size() / 2)) {
                    Fixtures.deleteFile(s, ino, Fixtures.name(model.remove(ino)));
                }
                return null;
            });
            v.commit();
            long ino = Fixtures.createFile(s, Fixtures.name("after"));
            model.put(ino, "after");
        }
        try (Volume v = Volume.open(img)) {
            for (Map.Entry<Long, String> f : model.entrySet()) {
                assertThat(lookup(v.fsTree(), f.getValue())).as(f.getValue()).isEqualTo(f.getKey());
            }
            v.abandon();
        }
        checkedByTheKernel(img, model.size(), name -> !name.startsWith("data-"));
    }

    /**
     * Adds {@code n} files with an xattr as one group, its bytes estimated as one small item so
     * that only running out half-way can stop it; false if it ran out, after checking none of
     * it stayed.
     */
    private static boolean group(ItemStore s, int g, int n, byte[] value, Map<Long, String> model) {
        Map<Long, String> group = new LinkedHashMap<>();
        try {
            s.atomically(0, 100, 6 * n, () -> { // six item edits per file
                for (int i = 0; i < n; i++) {
                    String name = "g" + g + "-" + i;
                    long ino = Fixtures.createFile(s, Fixtures.name(name));
                    Fixtures.setXattr(s, ino, Fixtures.name("user.v"), value);
                    group.put(ino, name);
                }
                return null;
            });
            model.putAll(group);
            return true;
        } catch (StoreException e) {
            assertThat(e.kind()).as(e.getMessage()).isEqualTo(StoreException.Kind.NO_SPACE);
            assertThat(group).as("the group failed after editing").isNotEmpty();
            for (String name : group.values()) {
                assertThat(lookup(s, name)).as("%s of the undone group", name).isNull();
            }
            return false;
        }
    }

    /** Writes files until the data space is gone, so no metadata chunk can be added after. */
    private static void fillData(Volume v, ItemStore s) throws Exception {
        byte[] d = new byte[4 << 20];
        for (int i = 0; i < 100; i++) {
            try {
                s.checkSpace(d.length, 0);
                long ino = Fixtures.createFile(s, Fixtures.name("data-" + i));
                s.write(ino, 0, d, 0, d.length);
            } catch (StoreException e) {
                v.commit();
                return;
            }
        }
        throw new AssertionError("the data space never ran out");
    }

    private static Long lookup(ItemStore s, String name) {
        byte[] n = Fixtures.name(name);
        byte[] v = s.get(new io.crfs.format.Key(256, io.crfs.format.ItemType.DIR_ITEM, io.crfs.format.Hashes.nameHash(n)));
        if (v == null) {
            return null;
        }
        for (io.crfs.format.DirEntry d : io.crfs.format.DirEntry.decodeAll(v)) {
            if (Arrays.equals(d.name(), n)) {
                return d.location().objectid();
            }
        }
        return null;
    }

    @Test
    void unsupportedMkfsBtrfsVolumesAreRefusedNamingTheFeature() throws Exception {
        assumeTrue(Fixtures.haveBtrfsTools(), "needs mkfs.btrfs");
        record Case(List<String> options, String expected) {}
        List<Case> cases = List.of(
                new Case(List.of("--csum", "xxhash"), "checksum type 1"),
                new Case(List.of("-O", "^no-holes"), "no-holes"),
                new Case(List.of("-O", "^skinny-metadata"), "skinny-metadata"),
                new Case(List.of("-R", "^free-space-tree"), "free-space tree"),
                new Case(List.of("-M"), "mixed-groups"));
        for (Case c : cases) {
            Path img = tmp.resolve("u.img");
            Files.deleteIfExists(img);
            try (var f = java.nio.channels.FileChannel.open(img, java.nio.file.StandardOpenOption.CREATE,
                    java.nio.file.StandardOpenOption.WRITE)) {
                f.write(java.nio.ByteBuffer.wrap(new byte[1]), (256L << 20) - 1);
            }
            List<String> cmd = new ArrayList<>(List.of("mkfs.btrfs", "-q", "-f"));
            cmd.addAll(c.options());
            cmd.add(img.toString());
            Oracles.Result made = Oracles.run(cmd);
            assertThat(made.code()).as("mkfs.btrfs %s: %s", c.options(), made.out()).isZero();
            assertThatThrownBy(() -> Volume.open(img)).as("options %s", c.options())
                    .isInstanceOf(VolumeException.class).hasMessageContaining(c.expected());
        }
        // and a plain mkfs.btrfs volume opens
        Path ok = tmp.resolve("ok.img");
        try (var f = java.nio.channels.FileChannel.open(ok, java.nio.file.StandardOpenOption.CREATE,
                java.nio.file.StandardOpenOption.WRITE)) {
            f.write(java.nio.ByteBuffer.wrap(new byte[1]), (256L << 20) - 1);
        }
        assertThat(Oracles.run(List.of("mkfs.btrfs", "-q", "-f", ok.toString())).code()).isZero();
        try (Volume v = Volume.open(ok)) {
            assertThat(v.generation()).isPositive();
        }
    }

    /**
     * The image lock is an fcntl lock: closing any descriptor of the file drops it for the whole
     * process. A second open in the same process (by any path) is refused before it opens a
     * descriptor, and the first open goes on committing.
     */
    @Test
    void aSecondOpenInTheSameProcessIsRefusedAndLeavesTheFirstIntact() throws Exception {
        Path img = tmp.resolve("twice.img");
        Volume.mkfs(img, 256L << 20, MkfsOptions.defaults());
        try (Volume v = Volume.open(img)) {
            assertThatThrownBy(() -> Volume.open(img)).isInstanceOf(VolumeInUseException.class)
                    .hasMessageContaining("already open in this process");
            assertThatThrownBy(() -> Volume.open(tmp.resolve(".").resolve("twice.img")))
                    .as("the same file by another path").isInstanceOf(VolumeInUseException.class);
            v.commit();
        }
        try (Volume again = Volume.open(img)) {
            assertThat(again.fsTree()).isNotNull();
        }
    }
}
