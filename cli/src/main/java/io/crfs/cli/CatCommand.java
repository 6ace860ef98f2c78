package io.crfs.cli;

import io.crfs.posix.Attr;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/** {@code crfs cat}: writes a file of the volume to stdout, byte for byte, in 1 MiB chunks. */
@Command(name = "cat", mixinStandardHelpOptions = true,
        description = "Write the file PATH of the volume to standard output.",
        footerHeading = "%nExamples:%n",
        footer = {"  crfs cat var/crfs.img /etc/hosts", "  crfs cat var/crfs.img /big.iso | sha256sum"})
final class CatCommand implements Callable<Integer> {
    private static final int CHUNK = 1 << 20;

    @ParentCommand
    Main main;

    @Parameters(index = "0", paramLabel = "IMAGE", description = "Volume image.")
    Path image;

    @Parameters(index = "1", paramLabel = "PATH", description = "File in the volume.")
    String path;

    @Override
    public Integer call() throws IOException {
        OutputStream out = main.rawOut();
        try (OpenVolume vol = OpenVolume.open(image)) {
            Attr a = vol.resolve(path, true);
            if (a.isDir()) {
                throw CliException.notFound(path + " is a directory; list it with `crfs ls " + image + " " + path + "`");
            }
            if (!a.isRegular()) {
                throw CliException.notFound(path + " is not a regular file; nothing to print");
            }
            byte[] buf = new byte[(int) Math.min(CHUNK, Math.max(1, a.size()))];
            for (long pos = 0; pos < a.size(); ) {
                int n = vol.fs.read(a.ino(), pos, buf, 0, (int) Math.min(buf.length, a.size() - pos));
                if (n <= 0) {
                    break;
                }
                out.write(buf, 0, n);
                pos += n;
            }
            out.flush();
        }
        return ExitCodes.OK;
    }
}
