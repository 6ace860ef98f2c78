package io.crfs.volume;

import io.crfs.format.ItemStore;
import io.crfs.format.ObjectIds;
import io.crfs.format.StoreException;
import java.io.IOException;
import java.nio.file.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A btrfs volume opened read-write by this process. Edits accumulate in one running
 * transaction; {@link #commit()} makes them durable atomically (copy-on-write, then the
 * superblock). Not thread-safe: callers serialise.
 */
public final class Volume implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Volume.class);

    private Engine engine;
    private Csums csums;
    private final FsStore fs;
    private boolean closed;

    private Volume(Engine engine) {
        this.engine = engine;
        this.csums = new Csums(engine);
        this.fs = new FsStore(this, engine, csums, engine.tree(ObjectIds.FS_TREE));
    }

    /** Opens an image or block device exclusively. Throws VolumeException naming an unsupported feature or corruption. */
    public static Volume open(Path image) throws IOException {
        return open(FileBlockDevice.open(image, false));
    }

    /** Opens a volume on any device (tests use fault-injecting ones); the volume closes the device. */
    public static Volume open(BlockDevice dev) throws IOException {
        try {
            Engine e = Opener.open(dev);
            LOG.debug("opened {} at generation {}", dev, e.sb.generation());
            return new Volume(e);
        } catch (IOException | RuntimeException x) {
            dev.close();
            throw x;
        }
    }

    /** Writes a fresh, empty volume (root directory 0755 root:root) of {@code size} bytes. */
    public static void mkfs(Path image, long size, MkfsOptions options) throws IOException {
        Mkfs.run(image, size, options);
    }

    /** The top fs tree (5) as an item store, inside the running transaction. */
    public ItemStore fsTree() {
        return fs;
    }

    /** Commits the running transaction (no-op when nothing changed). */
    public void commit() throws IOException {
        checkOpen();
        if (fs.failure() != null) {
            throw new VolumeException("refusing to commit after an internal error (" + fs.failure()
                    + "); the volume stays at generation " + generation());
        }
        try {
            Commit.run(engine, csums);
            fs.committed();
        } catch (StoreException x) {
            throw new VolumeException("commit failed: " + x.getMessage(), x);
        }
    }

    /**
     * Drops the running transaction and reloads the volume as last committed (copy-on-write
     * never overwrites committed blocks, so the device still holds it). The item store stays the
     * same object and becomes writable again; inode numbers it handed out stay used.
     */
    void rollback() throws IOException {
        checkOpen();
        Engine fresh = Opener.open(engine.dev);
        LOG.debug("rolled back from transaction {} to generation {}", engine.transid, fresh.sb.generation());
        engine = fresh;
        csums = new Csums(fresh);
        fs.reopened(fresh, csums);
    }

    /** Last committed generation. */
    public long generation() {
        return engine.sb.generation();
    }

    public long totalBytes() {
        return engine.sb.totalBytes();
    }

    /** Bytes held by extents (data and metadata), as the superblock will record them. */
    public long usedBytes() {
        long n = 0;
        for (BlockGroup g : engine.groups.values()) {
            n += g.used.total();
        }
        return n;
    }

    /** Bytes of changes not yet committed (dirty tree blocks), for callers that commit by size. */
    public long pendingBytes() {
        return (long) engine.dirty.size() * engine.nodesize + fs.pendingDataBytes();
    }

    /**
     * Reads and verifies every tree block and every referenced data sector (as committed and
     * as edited so far); throws {@link io.crfs.format.StoreException} naming the first bad block.
     */
    public Scrub.Report scrub() {
        checkOpen();
        return Scrub.run(engine, fs.data());
    }

    /** Height of a tree minus one (0: a single leaf); trees are 1 root, 2 extent, 5 fs, 7 csum... */
    public int treeLevel(long treeId) {
        return engine.tree(treeId).rootLevel();
    }

    public String label() {
        return engine.sb.label();
    }

    public java.util.UUID fsid() {
        return engine.sb.fsUuid();
    }

    Engine engine() {
        return engine;
    }

    void checkOpen() {
        if (closed) {
            throw new StoreException(StoreException.Kind.IO, "the volume is closed");
        }
    }

    /** Commits what is pending and releases the image. */
    @Override
    public void close() throws IOException {
        if (closed) {
            return;
        }
        try {
            commit();
        } finally {
            closed = true;
            engine.dev.close();
        }
    }

    /** Releases the image without committing (what a crash would leave). */
    public void abandon() throws IOException {
        if (!closed) {
            closed = true;
            engine.dev.close();
        }
    }
}
