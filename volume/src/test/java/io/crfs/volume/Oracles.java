package io.crfs.volume;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** External oracles for tests of every module: btrfs check and the kernel's read-only mount. */
public final class Oracles {
    private Oracles() {}

    public static boolean haveBtrfsTools() {
        return Files.isExecutable(Path.of("/usr/bin/btrfs")) || Files.isExecutable(Path.of("/bin/btrfs"));
    }

    public static boolean isRoot() {
        return "root".equals(System.getProperty("user.name"));
    }

    /** btrfs check in all three modes (original, lowmem, data checksums); "" when clean, else the complaints. */
    public static String btrfsCheck(Path image) throws IOException, InterruptedException {
        StringBuilder bad = new StringBuilder();
        for (List<String> mode : List.of(List.<String>of(), List.of("--mode=lowmem"), List.of("--check-data-csum"))) {
            List<String> cmd = new ArrayList<>(List.of("btrfs", "check", "--readonly"));
            cmd.addAll(mode);
            cmd.add(image.toString());
            Result r = run(cmd);
            if (r.code() != 0 || r.out().contains("ERROR") || r.out().toLowerCase().contains("errors found")) {
                bad.append(String.join(" ", cmd)).append(" exited ").append(r.code()).append(":\n").append(r.out()).append('\n');
            }
        }
        return bad.toString();
    }

    public record Result(int code, String out) {}

    public static Result run(List<String> cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        byte[] out = p.getInputStream().readAllBytes();
        if (!p.waitFor(300, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IOException("timed out: " + cmd);
        }
        return new Result(p.exitValue(), new String(out, StandardCharsets.UTF_8));
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
