package io.crfs.cli;

import io.crfs.fusemount.Mounts;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code crfs mount}: a FUSE mount of a crfsd (or, with --local, of an image served in this process). */
@Command(name = "mount", mixinStandardHelpOptions = true,
        description = "Mount crfs at DIR with FUSE and serve it until unmounted (crfs umount DIR) or interrupted.",
        footerHeading = "%nExamples:%n",
        footer = {"  crfs mount 127.0.0.1:7070 /mnt/crfs", "  crfs mount --local var/crfs.img mnt"})
final class MountCommand implements Callable<Integer> {
    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Parameters(index = "0", paramLabel = "HOST:PORT|IMAGE", description = "crfsd address, or the image with --local.")
    String source;

    @Parameters(index = "1", paramLabel = "DIR", description = "Empty directory to mount on.")
    Path dir;

    @Option(names = "--local", description = "Serve the image SOURCE in this process (no separate crfsd).")
    boolean local;

    @Option(names = "--cache-objects", paramLabel = "N", description = "Files and directories the client caches at most"
            + " (about 700 bytes of heap each); past that it gives back the least recently used. Default: ${DEFAULT-VALUE}.")
    int cacheObjects = io.crfs.client.CrfsClient.Options.MAX_OBJECTS;

    @Option(names = "--no-warm-up", description = "Skip the warm-up: once mounted, the mount rehearses common work"
            + " on a scratch volume for a few seconds (serving meanwhile), so that its code is compiled before the"
            + " first heavy use; without it, the first requests run while the code compiles.")
    boolean noWarmUp;

    /** How long an unmounted mount waits for a warm-up still running to finish and clean up. */
    private static final long WARM_UP_GRACE_MILLIS = 15_000;

    @Override
    public Integer call() throws Exception {
        if (!Files.isDirectory(dir)) {
            throw CliException.notFound(dir + " is not a directory; create it first (mkdir -p " + dir + ")");
        }
        try (var entries = Files.list(dir)) {
            if (entries.findAny().isPresent()) {
                throw CliException.notFound(dir + " is not empty (or already mounted); unmount it with `crfs umount "
                        + dir + "` or pick an empty directory");
            }
        }
        if (cacheObjects < 16) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(),
                    "--cache-objects must be at least 16, got " + cacheObjects);
        }
        io.crfs.client.CrfsClient.Options options = new io.crfs.client.CrfsClient.Options(true, cacheObjects);
        Mounts.Mounted m;
        if (local) {
            m = Mounts.local(Path.of(source), dir, options);
        } else {
            HostPort hp = HostPort.parse(source);
            m = Mounts.network(hp.host(), hp.port(), dir, options);
        }
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                m.close();
            } catch (Exception e) {
                System.err.println("crfs mount: unmounting " + dir + " failed: " + e.getMessage());
            }
        }, "crfs-unmount"));
        String ready = "crfs mount: " + source + " mounted at " + dir + " (crfs umount " + dir + " to stop)";
        // after the mount, so that a bad image or an unreachable crfsd fails at once; the mount
        // serves meanwhile (a --local mount's JVM is crfsd too: the rehearsal warms both halves)
        Thread warming = null;
        if (noWarmUp) {
            System.err.println(ready);
        } else {
            warming = Thread.ofPlatform().name("crfs-warm-up").start(() -> {
                String warm = Warming.up("crfs mount");
                if (m.isMounted()) {
                    System.err.println(ready + warm);
                }
            });
        }
        // checked often, warm-up or not: after a plain umount (mount(8), fstab) the changes not
        // sent yet go to crfsd only once this notices, and a crfsd stopped meanwhile would never get them
        while (m.isMounted()) {
            Thread.sleep(50);
        }
        m.close();
        if (warming != null) { // let it delete its scratch image (its budget bounds it)
            warming.join(WARM_UP_GRACE_MILLIS);
        }
        return ExitCodes.OK;
    }
}
