package io.crfs.cli.oracle;

import java.nio.file.Path;
import java.util.List;
import java.util.regex.Pattern;

/**
 * The structural oracle (btrfs-format.md §12.1): btrfs-progs' two independent checkers plus the
 * data checksum pass, all read-only. Any non-zero exit or any line that reports a problem fails
 * the test with the full output of that run.
 */
public final class BtrfsCheck {
    /**
     * Lines btrfs check prints only when something is wrong. "no error found" is the clean
     * summary line, so "error" alone is matched as a word that is not preceded by "no ".
     */
    private static final Pattern PROBLEM = Pattern.compile(
            "(?i)(^ERROR|(?<!no )\\berrors?\\b|corrupt|mismatch|wanted .* found|bad (key|block|tree|item)"
                    + "|csum (failed|mismatch)|missing|unresolved|backref|incorrect|not found|transid verify)");

    private static final List<List<String>> MODES = List.of(
            List.of("--readonly"),
            List.of("--readonly", "--mode=lowmem"),
            List.of("--readonly", "--check-data-csum"));

    private BtrfsCheck() {}

    /** Runs all three checks; throws AssertionError naming the mode and with its whole output. */
    public static void run(Path image) {
        for (List<String> mode : MODES) {
            List<String> cmd = new java.util.ArrayList<>(List.of("btrfs", "check"));
            cmd.addAll(mode);
            cmd.add(image.toString());
            Sh.Result r = Sh.run(cmd, 900);
            String bad = firstProblem(r.output());
            if (!r.ok() || bad != null) {
                throw new AssertionError("btrfs check " + String.join(" ", mode) + " " + image + " failed (exit "
                        + r.exit() + (bad == null ? "" : ", reported: " + bad.trim()) + "):\n" + r.output());
            }
        }
    }

    static String firstProblem(String output) {
        for (String line : output.split("\n")) {
            if (PROBLEM.matcher(line).find()) {
                return line;
            }
        }
        return null;
    }
}
