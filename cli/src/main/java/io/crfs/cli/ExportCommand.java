package io.crfs.cli;

import io.crfs.posix.Attr;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/** {@code crfs export}: copies a volume tree out to the host. */
@Command(name = "export", mixinStandardHelpOptions = true, customSynopsis = "crfs export [-hvV] IMAGE [SRC] DEST",
        description = {"Copy SRC (default /) from the volume to DEST on the host.", "",
                "Preserves what import preserves.",
                "A directory SRC is merged into DEST (created if missing), and DEST takes",
                "SRC's attributes; any other SRC is written to DEST, or to DEST/name if DEST",
                "is a directory. Existing files are replaced."},
        footerHeading = "%nExamples:%n",
        footer = {"  crfs export var/crfs.img /tmp/everything       # the whole volume",
                "  crfs export var/crfs.img /photos ./photos-copy"})
final class ExportCommand implements Callable<Integer> {
    @ParentCommand
    Main main;

    @Parameters(index = "0", paramLabel = "IMAGE", description = "Volume image.")
    Path image;

    @Parameters(index = "1..2", arity = "1..2", paramLabel = "[SRC] DEST", hideParamSyntax = true,
            description = "Path in the volume (default /), then the host destination.")
    List<String> paths;

    @Override
    public Integer call() throws IOException {
        String src = paths.size() == 2 ? paths.get(0) : "/";
        byte[] dest = LinuxSyscalls.hostPath(paths.get(paths.size() - 1));
        Progress progress = new Progress("export", main.spec.commandLine().getErr(), main.errIsTerminal());
        try (OpenVolume vol = OpenVolume.open(image)) {
            Attr a = vol.resolve(src);
            String base = src.replaceAll("/+$", "");
            base = base.substring(base.lastIndexOf('/') + 1);
            new Exporter(vol.fs, progress).run(a, base.getBytes(StandardCharsets.UTF_8), dest);
        }
        progress.finish();
        return ExitCodes.OK;
    }
}
