package io.crfs.cli.oracle;

import io.crfs.volume.Oracles;
import java.io.IOException;
import java.nio.file.Path;

/**
 * The structural oracle (btrfs-format.md §12.1) as an assertion: btrfs-progs' two independent
 * checkers plus the data checksum pass, all read-only, through {@link Oracles#btrfsCheck}.
 */
public final class BtrfsCheck {
    private BtrfsCheck() {}

    /** Runs all three checks; throws AssertionError naming each failing mode with its whole output. */
    public static void run(Path image) {
        String problems;
        try {
            problems = Oracles.btrfsCheck(image);
        } catch (IOException e) {
            throw new AssertionError("could not run btrfs check on " + image + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted while checking " + image, e);
        }
        if (!problems.isEmpty()) {
            throw new AssertionError("btrfs check of " + image + " failed:\n" + problems);
        }
    }
}
