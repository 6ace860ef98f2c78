package io.crfs.fusemount;

import io.crfs.client.CrfsClient;
import io.crfs.fuse.Rehearsal;
import io.crfs.posix.Caller;
import io.crfs.server.Crfsd;
import io.crfs.volume.MkfsOptions;
import io.crfs.volume.Volume;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Warms up crfsd's JVM before it says it serves: a crfsd on a scratch image in the temp directory, a
 * client of it, and the {@link CrfsFuse} a mount uses, served a {@link Rehearsal} of common work.
 * crfsd's request paths (batches of creates, writes and deletes, reads, commits) then run as they
 * will for the first clients, and the JIT compiles them here instead of beside those clients'
 * work: on a two-CPU machine a fresh crfsd's compiling halved a fresh mount's first 10,000
 * creates, which this brings to the rate of a mount in use (docs/benchmarks.md, twenty-fifth
 * session). A network mount does not warm up this way (its own first requests got no faster from
 * it); a {@code --local} mount, whose JVM is crfsd too, does. The scratch image is deleted
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

    private WarmUp() {}

    /** A rehearsal of {@code files} files and {@code dataMiB} MiB of data, within {@code budgetNanos}. */
    public static Rehearsal.Result run(int files, int dataMiB, long budgetNanos) throws IOException {
        Path dir = Files.createTempDirectory("crfs-warm-up");
        Path image = dir.resolve("scratch.img");
        try {
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
        } finally {
            Files.deleteIfExists(image);
            Files.deleteIfExists(dir);
        }
    }
}
