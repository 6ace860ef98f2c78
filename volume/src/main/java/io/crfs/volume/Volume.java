package io.crfs.volume;

import io.crfs.format.ItemStore;
import java.io.IOException;
import java.nio.file.Path;

/**
 * A btrfs volume opened read-write by this process (API SKELETON, being implemented).
 *
 * <p>Edits accumulate in one running transaction; {@link #commit()} makes them durable
 * atomically (copy-on-write, then the superblock).
 */
public final class Volume implements AutoCloseable {
    /** Opens an image or block device exclusively. Throws VolumeException naming an unsupported feature or corruption. */
    public static Volume open(Path image) throws IOException { throw new UnsupportedOperationException(); }

    /** Writes a fresh, empty volume (root directory 0755 root:root) of {@code size} bytes. */
    public static void mkfs(Path image, long size, MkfsOptions options) throws IOException { throw new UnsupportedOperationException(); }

    /** The top fs tree (5) as an item store, inside the running transaction. */
    public ItemStore fsTree() { throw new UnsupportedOperationException(); }

    /** Commits the running transaction (no-op when nothing changed). */
    public void commit() throws IOException { throw new UnsupportedOperationException(); }

    /** Last committed generation. */
    public long generation() { throw new UnsupportedOperationException(); }

    /** Commits what is pending and releases the image. */
    @Override
    public void close() throws IOException { throw new UnsupportedOperationException(); }
}
