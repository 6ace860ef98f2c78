package io.crfs.fusemount;

import io.crfs.client.CrfsClient;
import io.crfs.fuse.Rehearsal;
import io.crfs.posix.Caller;
import io.crfs.server.Crfsd;
import io.crfs.volume.MkfsOptions;
import io.crfs.volume.Volume;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Warms up a crfsd's or a mount's JVM before it says it is ready: a crfsd on a scratch image in the
 * temp directory, a client of it, and the {@link CrfsFuse} a mount uses, served a {@link Rehearsal}
 * of common work. Both halves' request paths (the kernel's requests through the dispatcher, the
 * client's items and batches, crfsd's batches, commits and reads) then run as they will for the
 * first real requests, and the JIT compiles them here instead of beside that work: on a two-CPU
 * machine a fresh crfsd's compiling halved a fresh mount's first 10,000 creates (docs/benchmarks.md,
 * twenty-fifth session), and once crfsd's was gone, a fresh mount's own C2 thread still took as
 * much CPU in them as its ring threads (twenty-seventh session). The scratch image is deleted
 * afterwards; nothing of the served volume is touched.
 */
public final class WarmUp {
    /** Files the rehearsal creates, stats and deletes: enough for the JIT to finish crfsd's paths (20,000 did no better). */
    public static final int FILES = 10_000;
    /** MiB written and read in 1 MiB requests. */
    public static final int DATA_MIB = 16;
    /** The longest a warm-up runs; it stops there, however far it got. */
    public static final long BUDGET_NANOS = 8_000_000_000L;
    private static final long SCRATCH_BYTES = 512L << 20;
    private static final Logger LOG = LoggerFactory.getLogger(WarmUp.class);
    private static final String PREFIX = "crfs-warm-up";
    /** The file a running warm-up holds a lock on, in its scratch directory. */
    private static final String LOCK = "lock";
    /** A scratch directory this young may belong to a warm-up that has not taken its lock yet. */
    private static final long YOUNG_MILLIS = 60_000;
    /** A scratch directory without a lock file is left alone this long (made, then killed before the lock). */
    private static final long UNLOCKED_MILLIS = 3_600_000;

    private WarmUp() {}

    /**
     * A rehearsal of {@code files} files and {@code dataMiB} MiB of data, within {@code budgetNanos},
     * in a scratch directory of the temp directory, which it removes (and those of warm-ups that
     * were killed before they could).
     */
    public static Rehearsal.Result run(int files, int dataMiB, long budgetNanos) throws IOException {
        Path tmp = Path.of(System.getProperty("java.io.tmpdir"));
        removeAbandoned(tmp);
        Path dir = Files.createTempDirectory(tmp, PREFIX);
        Path image = dir.resolve("scratch.img");
        Path lock = dir.resolve(LOCK);
        try (FileChannel ch = FileChannel.open(lock, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
             FileLock held = ch.lock()) {
            return rehearse(image, files, dataMiB, budgetNanos);
        } finally {
            Files.deleteIfExists(image);
            Files.deleteIfExists(lock);
            Files.deleteIfExists(dir);
        }
    }

    private static Rehearsal.Result rehearse(Path image, int files, int dataMiB, long budgetNanos) throws IOException {
        try (RandomAccessFile f = new RandomAccessFile(image.toFile(), "rw")) {
            f.setLength(SCRATCH_BYTES); // sparse: only what the rehearsal writes takes space
        }
        Volume.mkfs(image, SCRATCH_BYTES, MkfsOptions.defaults());
        try (Crfsd d = Crfsd.start(image, "127.0.0.1", 0, Crfsd.Options.defaults());
             CrfsClient c = CrfsClient.connect("127.0.0.1", d.port(), "warm-up", Caller.ROOT,
                     CrfsClient.Options.defaults().withKernelPageCache(true))) {
            CrfsFuse fs = new CrfsFuse(c.posix(), Mounts.CACHING, c);
            fs.cacheNames(true);
            return Rehearsal.run(fs, Mounts.fuseOptions(), files, dataMiB, budgetNanos);
        }
    }

    /**
     * Deletes the scratch directories in {@code tmp} of warm-ups whose process died during them:
     * a running warm-up holds a lock on its directory's lock file (a minute's grace for one that
     * is just starting; an hour for a directory that never got a lock file). Failures are logged.
     */
    static void removeAbandoned(Path tmp) {
        try (DirectoryStream<Path> dirs = Files.newDirectoryStream(tmp, PREFIX + "*")) {
            for (Path d : dirs) {
                removeIfAbandoned(d);
            }
        } catch (IOException | RuntimeException e) {
            LOG.debug("could not look for abandoned warm-up directories in {}: {}", tmp, e.toString());
        }
    }

    private static void removeIfAbandoned(Path d) {
        try {
            long age = System.currentTimeMillis() - Files.getLastModifiedTime(d).toMillis();
            Path lock = d.resolve(LOCK);
            if (!Files.isRegularFile(lock)) {
                if (age > UNLOCKED_MILLIS) {
                    delete(d);
                }
                return;
            }
            if (age <= YOUNG_MILLIS) {
                return;
            }
            try (FileChannel ch = FileChannel.open(lock, StandardOpenOption.WRITE); FileLock free = ch.tryLock()) {
                if (free != null) { // nobody holds it: its warm-up was killed
                    delete(d);
                }
            } catch (OverlappingFileLockException e) {
                // this JVM's own warm-up holds it
            }
        } catch (IOException | RuntimeException e) {
            LOG.debug("could not remove the abandoned warm-up directory {}: {}", d, e.toString());
        }
    }

    private static void delete(Path d) throws IOException {
        List<Path> inside;
        try (Stream<Path> s = Files.list(d)) {
            inside = s.toList();
        }
        for (Path p : inside) {
            Files.deleteIfExists(p);
        }
        Files.deleteIfExists(d);
        LOG.info("removed {}, left by a warm-up that did not finish", d);
    }
}
