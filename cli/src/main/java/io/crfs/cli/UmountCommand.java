package io.crfs.cli;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code crfs umount}: unmounts a crfs FUSE mount (the serving process then flushes and exits). */
@Command(name = "umount", mixinStandardHelpOptions = true, description = "Unmount a crfs mount.",
        footerHeading = "%nExamples:%n", footer = {"  crfs umount /mnt/crfs"})
final class UmountCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "DIR", description = "Mount point.")
    Path dir;

    @Override
    public Integer call() throws Exception {
        String[] cmd = "root".equals(System.getProperty("user.name"))
                ? new String[] {"umount", dir.toString()} : new String[] {"fusermount3", "-u", dir.toString()};
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes()).trim();
        if (p.waitFor() != 0) {
            throw CliException.notFound("cannot unmount " + dir + ": " + out
                    + "; is it a crfs mount (see /proc/mounts), and is nothing using it (fuser -m " + dir + ")?");
        }
        return ExitCodes.OK;
    }
}
