package io.crfs.cli;

import io.crfs.posix.Attr;
import io.crfs.posix.Caller;
import io.crfs.posix.DirEntryInfo;
import io.crfs.posix.PosixFs;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/** {@code crfs ls}: lists a directory of the volume (or one entry). */
@Command(name = "ls", mixinStandardHelpOptions = true,
        description = "List the directory PATH (default /) in the volume, sorted by name; a non-directory lists itself.",
        footerHeading = "%nExamples:%n",
        footer = {"  crfs ls var/crfs.img", "  crfs ls var/crfs.img /photos -l"})
final class LsCommand implements Callable<Integer> {
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss").withZone(ZoneOffset.UTC);

    @ParentCommand
    Main main;

    @Parameters(index = "0", paramLabel = "IMAGE", description = "Volume image.")
    Path image;

    @Parameters(index = "1", paramLabel = "PATH", arity = "0..1", description = "Path in the volume (default /).")
    String path = "/";

    @Option(names = "-l", description = "Long format: mode, links, owner, group, size, mtime (UTC), name -> target.")
    boolean longFormat;

    @Override
    public Integer call() throws IOException {
        PrintWriter out = main.spec.commandLine().getOut();
        try (OpenVolume vol = OpenVolume.open(image)) {
            Attr a = vol.resolve(path);
            if (!a.isDir()) {
                String name = path.replaceAll("/+$", "");
                print(out, vol.fs, a, name.getBytes(StandardCharsets.UTF_8));
                return ExitCodes.OK;
            }
            List<DirEntryInfo> all = new ArrayList<>();
            long cookie = 0;
            while (true) {
                List<DirEntryInfo> batch = vol.fs.readdir(Caller.ROOT, a.ino(), cookie, 512);
                if (batch.isEmpty()) {
                    break;
                }
                for (DirEntryInfo e : batch) {
                    cookie = e.cookie();
                    if (!Arrays.equals(e.name(), new byte[] {'.'}) && !Arrays.equals(e.name(), new byte[] {'.', '.'})) {
                        all.add(e);
                    }
                }
            }
            all.sort((x, y) -> Arrays.compareUnsigned(x.name(), y.name()));
            for (DirEntryInfo e : all) {
                print(out, vol.fs, longFormat ? vol.fs.getattr(e.ino()) : null, e.name());
            }
        }
        out.flush();
        return ExitCodes.OK;
    }

    private void print(PrintWriter out, PosixFs fs, Attr a, byte[] name) {
        String n = new String(name, StandardCharsets.UTF_8);
        if (!longFormat) {
            out.println(n);
            return;
        }
        String size = ((a.mode() & 0170000) == 0020000 || (a.mode() & 0170000) == 0060000)
                ? (a.rdev() >>> 8 & 0xfff) + ", " + ((a.rdev() & 0xff) | (a.rdev() >>> 12 & ~0xffL))
                : Long.toString(a.size());
        String target = a.isSymlink() ? " -> " + new String(fs.readlink(a.ino()), StandardCharsets.UTF_8) : "";
        out.printf("%s %3d %5d %5d %12s %s %s%s%n", modeString(a.mode()), a.nlink(), a.uid(), a.gid(), size,
                TIME.format(Instant.ofEpochSecond(a.mtime().sec())), n, target);
    }

    /** "drwxr-sr-t" as ls(1) shows it, setuid/setgid/sticky included. */
    static String modeString(int mode) {
        char type = switch (mode & 0170000) {
            case 0040000 -> 'd';
            case 0120000 -> 'l';
            case 0020000 -> 'c';
            case 0060000 -> 'b';
            case 0010000 -> 'p';
            case 0140000 -> 's';
            default -> '-';
        };
        StringBuilder sb = new StringBuilder().append(type);
        String rwx = "rwxrwxrwx";
        for (int i = 0; i < 9; i++) {
            sb.append((mode & (1 << (8 - i))) != 0 ? rwx.charAt(i) : '-');
        }
        special(sb, 3, (mode & 04000) != 0, 's');
        special(sb, 6, (mode & 02000) != 0, 's');
        special(sb, 9, (mode & 01000) != 0, 't');
        return sb.toString();
    }

    private static void special(StringBuilder sb, int at, boolean set, char c) {
        if (set) {
            sb.setCharAt(at, sb.charAt(at) == '-' ? Character.toUpperCase(c) : c);
        }
    }
}
