package io.crfs.cli;

import io.crfs.posix.Attr;
import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/** {@code crfs import}: copies a host tree into a volume. */
@Command(name = "import", mixinStandardHelpOptions = true,
        description = {"Copy SRC from the host into the volume at DEST (default /).", "",
                "Preserves contents, holes, modes, owners, times (ns), symlinks, hard links,",
                "device nodes, fifos, sockets and xattrs.",
                "A directory SRC is merged into DEST (created if missing), and DEST takes",
                "SRC's attributes, like `rsync -a SRC/ DEST/`; any other SRC is copied to",
                "DEST/name. Existing files are replaced."},
        footerHeading = "%nExamples:%n",
        footer = {"  crfs import var/crfs.img ./photos /photos",
                "  crfs import var/crfs.img /etc/hosts /      # one file, becomes /hosts"})
final class ImportCommand implements Callable<Integer> {
    @ParentCommand
    Main main;

    @Parameters(index = "0", paramLabel = "IMAGE", description = "Volume image.")
    Path image;

    @Parameters(index = "1", paramLabel = "SRC", description = "Host file or directory to copy.")
    String src;

    @Parameters(index = "2", paramLabel = "DEST", arity = "0..1", description = "Directory in the volume (default /).")
    String dest = "/";

    @Override
    public Integer call() throws IOException {
        importTree(main, image, LinuxSyscalls.hostPath(src), dest);
        return ExitCodes.OK;
    }

    static void importTree(Main main, Path image, byte[] src, String dest) throws IOException {
        try {
            LinuxSyscalls.lstat(src);
        } catch (LinuxSyscalls.SyscallException e) {
            throw CliException.notFound("cannot read source " + LinuxSyscalls.show(src) + ": "
                    + e.getMessage().substring(e.getMessage().lastIndexOf(':') + 2) + "; check the path");
        }
        Progress progress = new Progress("import", main.spec.commandLine().getErr(), main.errIsTerminal());
        try (OpenVolume vol = OpenVolume.open(image)) {
            Attr destDir = vol.resolveOrCreateDirs(dest);
            new Importer(vol, progress).run(src, destDir);
        }
        progress.finish();
    }
}
