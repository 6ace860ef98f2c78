package io.crfs.cli;

import java.io.PrintWriter;
import java.util.Locale;

/**
 * Counts what a copy did. On a terminal it redraws one status line on stderr (at most 5 times a
 * second); {@link #finish} always prints one summary line.
 */
final class Progress {
    private static final long REDRAW_NANOS = 200_000_000L;

    private final String verb;
    private final PrintWriter err;
    private final boolean terminal;
    private final long start = System.nanoTime();
    private long lastDraw;
    private long files, dirs, symlinks, specials, hardlinks, bytes;

    Progress(String verb, PrintWriter err, boolean terminal) {
        this.verb = verb;
        this.err = err;
        this.terminal = terminal;
    }

    void file() { files++; tick(); }
    void dir() { dirs++; tick(); }
    void symlink() { symlinks++; tick(); }
    void special() { specials++; tick(); }
    void hardlink() { hardlinks++; tick(); }

    void bytes(long n) {
        bytes += n;
        tick();
    }

    long totalBytes() {
        return bytes;
    }

    long entries() {
        return files + dirs + symlinks + specials + hardlinks;
    }

    private void tick() {
        if (!terminal) {
            return;
        }
        long now = System.nanoTime();
        if (now - lastDraw < REDRAW_NANOS) {
            return;
        }
        lastDraw = now;
        err.print(String.format(Locale.ROOT, "\r\033[K%s: %d entries, %s, %s/s", verb, entries(),
                Sizes.human(bytes), Sizes.human(rate(now))));
        err.flush();
    }

    private static String count(long n, String noun) {
        if (n == 1) {
            return "1 " + noun;
        }
        return n + " " + (noun.endsWith("y") ? noun.substring(0, noun.length() - 1) + "ies" : noun + "s");
    }

    private long rate(long now) {
        double secs = Math.max(1e-3, (now - start) / 1e9);
        return (long) (bytes / secs);
    }

    void finish() {
        long now = System.nanoTime();
        if (terminal) {
            err.print("\r\033[K");
        }
        err.println(String.format(Locale.ROOT, "crfs %s: %s, %s, %s, %s, %s; %s in %.1f s (%s/s)", verb,
                count(files, "file"), count(dirs, "directory"), count(symlinks, "symlink"), count(hardlinks, "hard link"),
                count(specials, "special file"), Sizes.human(bytes), (now - start) / 1e9, Sizes.human(rate(now))));
        err.flush();
    }
}
