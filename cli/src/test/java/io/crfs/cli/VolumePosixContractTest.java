package io.crfs.cli;

import io.crfs.cli.oracle.BtrfsCheck;
import io.crfs.cli.oracle.SystemTests;
import io.crfs.format.ItemStore;
import io.crfs.posix.PosixContract;
import io.crfs.volume.MkfsOptions;
import io.crfs.volume.Volume;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The POSIX contract over a real volume: commit is a volume commit, reopen closes and opens the
 * image again; after every test the image passes btrfs check (where btrfs-progs is installed).
 */
class VolumePosixContractTest extends PosixContract {
    private Path dir;
    private Path image;
    private Volume volume;

    @Override
    protected ItemStore newStore() {
        try {
            dir = Files.createTempDirectory("crfs-contract");
            image = dir.resolve("v.img");
            Volume.mkfs(image, 128L << 20, MkfsOptions.defaults());
            volume = Volume.open(image);
            return volume.fsTree();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    protected void commit(ItemStore s) {
        try {
            volume.commit();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    protected ItemStore reopen(ItemStore s) {
        try {
            volume.close();
            volume = Volume.open(image);
            return volume.fsTree();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    protected void close(ItemStore s) {
        try {
            volume.close();
            if (io.crfs.volume.Oracles.haveBtrfsTools()) { // btrfs check reads an image file: no root needed
                BtrfsCheck.run(image);
            }
            Files.deleteIfExists(image);
            Files.deleteIfExists(dir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
