package io.crfs.volume;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

/** External oracles for tests of every module: btrfs check and the kernel's read-only mount. */
public final class Oracles {
    private Oracles() {}

    public static boolean haveBtrfsTools() {
        return Files.isExecutable(Path.of("/usr/bin/btrfs")) || Files.isExecutable(Path.of("/bin/btrfs"));
    }

    public static boolean isRoot() {
        return "root".equals(System.getProperty("user.name"));
    }

    /**
     * Lines btrfs check prints only when something is wrong. "no error found" is the clean summary
     * line, so "error" alone counts only as a word not preceded by "no ".
     */
    private static final Pattern PROBLEM = Pattern.compile(
            "(?i)(^ERROR|(?<!no )\\berrors?\\b|corrupt|mismatch|wanted .* found|bad (key|block|tree|item)"
                    + "|csum (failed|mismatch)|missing|unresolved|backref|incorrect|not found|transid verify)");

    /** The first line of btrfs check output that reports a problem, or null when there is none. */
    public static String firstProblem(String output) {
        for (String line : output.split("\n")) {
            if (PROBLEM.matcher(line).find()) {
                return line;
            }
        }
        return null;
    }

    /** btrfs check in all three modes (original, lowmem, data checksums); "" when clean, else the complaints. */
    public static String btrfsCheck(Path image) throws IOException, InterruptedException {
        StringBuilder bad = new StringBuilder();
        for (List<String> mode : List.of(List.<String>of(), List.of("--mode=lowmem"), List.of("--check-data-csum"))) {
            List<String> cmd = new ArrayList<>(List.of("btrfs", "check", "--readonly"));
            cmd.addAll(mode);
            cmd.add(image.toString());
            Result r = run(cmd);
            String problem = firstProblem(r.out());
            if (r.code() != 0 || problem != null) {
                bad.append(String.join(" ", cmd)).append(" exited ").append(r.code())
                        .append(problem == null ? "" : ", reported: " + problem.trim()).append(":\n")
                        .append(r.out()).append('\n');
            }
        }
        return bad.toString();
    }

    public record Result(int code, String out) {}

    /** Runs a command with stdout and stderr merged; fails if it has not finished in 15 minutes. */
    public static Result run(List<String> cmd) throws IOException, InterruptedException {
        Path out = Files.createTempFile("crfs-oracle", ".out");
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(out.toFile()).start();
            if (!p.waitFor(900, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IOException("timed out after 900 s: " + cmd);
            }
            return new Result(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8));
        } finally {
            Files.deleteIfExists(out);
        }
    }

    /** Loop-mounts an image read-only; close unmounts (the loop device goes with it). */
    public static final class RoMount implements AutoCloseable {
        public final Path dir;

        public RoMount(Path image) throws IOException, InterruptedException {
            dir = Files.createTempDirectory("crfs-ro");
            Result r = run(List.of("mount", "-o", "ro,loop", image.toString(), dir.toString()));
            if (r.code() != 0) {
                Files.deleteIfExists(dir);
                throw new IOException("kernel refused to mount " + image + ": " + r.out());
            }
        }

        @Override
        public void close() throws IOException, InterruptedException {
            run(List.of("umount", dir.toString()));
            Files.deleteIfExists(dir);
        }
    }
}
