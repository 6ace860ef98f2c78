package io.crfs.cli;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code crfs umount}: unmounts a crfs FUSE mount. The mount's process sends what it has not
 * sent yet (its write-back batch, up to half a second of changes) only once it sees the
 * unmount, and stopping crfsd right after the unmount would lose that; so first the mount's
 * root is fsynced, which has the mount send every change and crfsd commit them.
 */
@Command(name = "umount", mixinStandardHelpOptions = true,
        description = "Unmount a crfs mount, once its changes are at crfsd and committed.",
        footerHeading = "%nExamples:%n", footer = {"  crfs umount /mnt/crfs"})
final class UmountCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "DIR", description = "Mount point.")
    Path dir;

    @Option(names = "--force", description = "Unmount even if the mount's changes cannot reach crfsd (they are lost).")
    boolean force;

    @Override
    public Integer call() throws Exception {
        if (isCrfsMount(dir)) {
            try (FileChannel root = FileChannel.open(dir, StandardOpenOption.READ)) {
                root.force(true);
            } catch (IOException e) {
                if (!force) {
                    throw new CliException(ExitCodes.IO, "could not get the changes made through " + dir + " to crfsd ("
                            + e.getMessage() + "); unmounting now would lose them. Bring crfsd back and run this again,"
                            + " or unmount anyway with `crfs umount --force " + dir + "`");
                }
                System.err.println("crfs umount: the changes made through " + dir + " did not reach crfsd (" + e.getMessage()
                        + "); unmounting anyway (--force), they are lost");
            }
        }
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

    /** Whether /proc/mounts lists a crfs FUSE mount at {@code dir}. */
    static boolean isCrfsMount(Path dir) throws IOException {
        String at = dir.toAbsolutePath().normalize().toString();
        for (String line : Files.readAllLines(Path.of("/proc/mounts"))) {
            String[] f = line.split(" ");
            if (f.length > 2 && f[2].equals("fuse.crfs") && unescape(f[1]).equals(at)) {
                return true;
            }
        }
        return false;
    }

    /** /proc/mounts writes space, tab, newline and backslash in paths as octal escapes. */
    private static String unescape(String s) {
        StringBuilder b = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\\' && i + 3 < s.length() && s.substring(i + 1, i + 4).chars().allMatch(d -> d >= '0' && d <= '7')) {
                b.append((char) Integer.parseInt(s.substring(i + 1, i + 4), 8));
                i += 3;
            } else {
                b.append(c);
            }
        }
        return b.toString();
    }
}
