package io.crfs.cli;

import io.crfs.volume.MkfsOptions;
import io.crfs.volume.Volume;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/** {@code crfs mkfs}: writes a fresh btrfs volume into a sparse image file, optionally filled from a host directory. */
@Command(name = "mkfs", mixinStandardHelpOptions = true,
        description = "Create a new, empty btrfs volume in IMAGE (a sparse file of --size bytes).",
        footerHeading = "%nExamples:%n",
        footer = {"  crfs mkfs var/crfs.img --size 1G",
                "  crfs mkfs data.img --size 20G --label data --rootdir /srv/data",
                "  crfs mkfs data.img --size 512M --force        # overwrite an existing image"})
final class MkfsCommand implements Callable<Integer> {
    /** btrfs-progs refuses smaller DUP volumes too (two 8 MiB system chunks, 32 MiB metadata, data). */
    static final long MIN_SIZE = 128L << 20;

    @ParentCommand
    Main main;

    @Parameters(index = "0", paramLabel = "IMAGE", description = "Image file to create.")
    Path image;

    @Option(names = {"-s", "--size"}, required = true, paramLabel = "N", converter = Sizes.class,
            description = "Volume size: bytes, or with a suffix K, M, G, T (1G = 1024 MiB). At least 128M.")
    long size;

    @Option(names = {"-L", "--label"}, paramLabel = "L", description = "Volume label (at most 255 bytes).")
    String label = "";

    @Option(names = {"-r", "--rootdir"}, paramLabel = "DIR",
            description = "After creating the volume, import this directory's contents into it (as crfs import).")
    Path rootdir;

    @Option(names = {"-f", "--force"}, description = "Overwrite IMAGE even if it exists and is not empty.")
    boolean force;

    @Override
    public Integer call() throws IOException {
        long bytes = size & ~4095L;
        if (bytes < MIN_SIZE) {
            throw CliException.notFound("--size " + size + " is too small: a volume needs at least 128M; pass e.g. --size 1G");
        }
        if (label.getBytes(StandardCharsets.UTF_8).length > 255) {
            throw CliException.notFound("--label is longer than 255 bytes; choose a shorter label");
        }
        if (rootdir != null && !Files.isDirectory(rootdir)) {
            throw CliException.notFound("--rootdir " + rootdir + " is not a directory; name an existing directory");
        }
        if (Files.isDirectory(image)) {
            throw CliException.notFound(image + " is a directory; name an image file inside it, e.g. " + image.resolve("crfs.img"));
        }
        boolean existed = Files.exists(image);
        if (existed && !Files.isRegularFile(image)) {
            throw CliException.notFound(image + " is not a regular file; crfs mkfs writes image files only");
        }
        if (existed && Files.size(image) > 0 && !force) {
            throw CliException.notFound(image + " exists and is not empty; pass --force to overwrite it, or choose another name");
        }
        Path parent = image.toAbsolutePath().getParent();
        if (parent != null && !Files.isDirectory(parent)) {
            throw CliException.notFound("directory " + parent + " does not exist; create it first (mkdir -p " + parent + ")");
        }
        // A sparse file: truncate to zero, then set the length; mkfs writes only the blocks it uses.
        try (RandomAccessFile f = new RandomAccessFile(image.toFile(), "rw")) {
            f.setLength(0);
            f.setLength(bytes);
        }
        boolean ok = false;
        try {
            Volume.mkfs(image, bytes, MkfsOptions.defaults().withLabel(label));
            main.spec.commandLine().getErr().println("crfs mkfs: created " + image + " (" + Sizes.human(bytes)
                    + (label.isEmpty() ? "" : ", label " + label) + ")");
            if (rootdir != null) {
                ImportCommand.importTree(main, image, LinuxSyscalls.hostPath(rootdir.toString()), "/");
            }
            ok = true;
        } finally {
            if (!ok && !existed) {
                Files.deleteIfExists(image); // leave no half-made image behind
            }
        }
        return ExitCodes.OK;
    }
}
