package io.crfs.fusemount;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.crfs.server.Crfsd;
import io.crfs.volume.MkfsOptions;
import io.crfs.volume.Oracles;
import io.crfs.volume.Volume;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * stress-ng's file system stressors on a network mount: each runs two instances for a few
 * seconds with {@code --verify} in a directory of its own, and must exit 0. Afterwards the
 * volume passes btrfs check and the kernel's read-only mount lists what the mount listed. An
 * oracle nobody here wrote, over many kinds of calls at once (inotify, leases, file handles,
 * inode flags, sync_file_range, punched holes, deep and wide directories...). What it catches:
 * a mount or server that crashes or hangs, errors and wrong values the stressors check (a
 * mount that returned a wrong xattr value failed it), a volume left inconsistent. It is
 * lenient elsewhere: many stressors retry or ignore errors (a mount failing one rename in
 * seven passed it, and so did SETLKW answered without waiting), and reads come from the
 * kernel's page cache, so it does not see wrong data stored behind it. Left out: the stressors
 * that need mounts or kernel features of their own (bind-mount, binderfs, procfs, verity,
 * fanotify, dnotify, ioprio). FIEMAP skips itself: the kernel's FUSE does not pass it on.
 * The stressors and their options are listed in the resource {@code stress-ng.list}, which
 * {@code bench/conformance.sh stressng} reads too; {@code -Dcrfs.stressors=a,b} runs a subset of
 * them (a name not in the list fails). Needs root, /dev/fuse, btrfs-progs and stress-ng
 * (scripts/install-deps.sh).
 */
class StressNgTest {
    private static final int SECONDS = 2;

    @TempDir
    Path tmp;

    @Test
    void everyFileSystemStressorPassesOnANetworkMount() throws Exception {
        assumeTrue(FuseMountTest.canMount() && Oracles.haveBtrfsTools(), "needs root, /dev/fuse and btrfs-progs");
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/stress-ng")), "needs stress-ng (scripts/install-deps.sh)");
        Path img = tmp.resolve("s.img");
        Volume.mkfs(img, 2L << 30, MkfsOptions.defaults());
        List<String> failed = new ArrayList<>();
        List<String> listed;
        try (Crfsd server = Crfsd.start(img, "127.0.0.1", 0, Crfsd.Options.defaults());
                Mounts.Mounted m = Mounts.network("127.0.0.1", server.port(), Files.createDirectory(tmp.resolve("m")))) {
            Path root = Files.createDirectory(m.mountPoint().resolve("sng"));
            List<List<String>> lines = stressors();
            String only = System.getProperty("crfs.stressors"); // a comma-separated subset, to replay some
            List<String> subset = only == null ? null : List.of(only.split(","));
            if (subset != null) {
                assertThat(lines.stream().map(List::getFirst).toList()).as("stressors in stress-ng.list")
                        .containsAll(subset);
            }
            for (List<String> line : lines) {
                String s = line.getFirst();
                if (subset != null && !subset.contains(s)) {
                    continue;
                }
                Path dir = Files.createDirectory(root.resolve(s));
                String out = stress(s, line.subList(1, line.size()), dir);
                if (out != null) {
                    failed.add(s + ": " + out);
                }
            }
            Files.writeString(root.resolve("kept"), "what the kernel must list too\n");
            listed = Oracles.run(List.of("find", root.toString(), "-printf", "%P %y %s\n")).out().lines().sorted().toList();
        }
        assertThat(failed).as("stressors that failed (their output)").isEmpty();
        assertThat(Oracles.btrfsCheck(img)).as("btrfs check").isEmpty();
        try (Oracles.RoMount k = new Oracles.RoMount(img)) {
            List<String> kernel = Oracles.run(List.of("find", k.dir.resolve("sng").toString(), "-printf", "%P %y %s\n"))
                    .out().lines().sorted().toList();
            assertThat(kernel).as("the kernel's listing of what stress-ng left").isEqualTo(listed);
        }
    }

    /** The lines of stress-ng.list without comments: a stressor, then its extra options. */
    private static List<List<String>> stressors() throws java.io.IOException {
        try (var in = StressNgTest.class.getResourceAsStream("/stress-ng.list")) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8).lines().map(String::strip)
                    .filter(l -> !l.isEmpty() && !l.startsWith("#")).map(l -> List.of(l.split("\\s+"))).toList();
        }
    }

    /** Runs one stressor; null when it exited 0, else its exit status and output. Bounded in time. */
    private String stress(String stressor, List<String> options, Path dir) throws Exception {
        Path log = tmp.resolve(stressor + ".log");
        List<String> cmd = new ArrayList<>(List.of("stress-ng", "--" + stressor, "2", "-t", SECONDS + "s", "--temp-path",
                dir.toString(), "--verify", "--metrics-brief"));
        cmd.addAll(options);
        // some stressors make files in the working directory: theirs is on the mount too
        Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).redirectOutput(log.toFile())
                .start();
        if (!p.waitFor(SECONDS * 10L + 60, TimeUnit.SECONDS)) {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
            p.waitFor(30, TimeUnit.SECONDS);
            return "did not finish within " + (SECONDS * 10 + 60) + " s: " + Files.readString(log, StandardCharsets.UTF_8);
        }
        return p.exitValue() == 0 ? null : "exit " + p.exitValue() + ": " + Files.readString(log, StandardCharsets.UTF_8);
    }
}
