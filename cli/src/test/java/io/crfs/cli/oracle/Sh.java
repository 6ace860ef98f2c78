package io.crfs.cli.oracle;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Runs host commands for the oracles: output captured (stdout and stderr merged), a hard timeout. */
public final class Sh {
    private Sh() {}

    /** Exit code and merged output of one command. */
    public record Result(List<String> command, int exit, String output) {
        public boolean ok() {
            return exit == 0;
        }

        /** Fails with the command and its whole output unless it exited 0. */
        public Result check() {
            if (exit != 0) {
                throw new AssertionError("`" + String.join(" ", command) + "` exited " + exit + ":\n" + output);
            }
            return this;
        }
    }

    public static Result run(String... command) {
        return run(List.of(command), 600);
    }

    public static Result run(List<String> command, long timeoutSeconds) {
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
        Map<String, String> env = pb.environment();
        env.put("LC_ALL", "C"); // stable, unlocalised messages to match on
        try {
            Process p = pb.start();
            p.getOutputStream().close();
            byte[][] out = new byte[1][];
            Thread reader = Thread.ofVirtual().start(() -> {
                try (InputStream in = p.getInputStream()) {
                    out[0] = in.readAllBytes();
                } catch (IOException e) {
                    out[0] = ("<output unreadable: " + e + ">").getBytes(StandardCharsets.UTF_8);
                }
            });
            if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                p.waitFor();
                reader.join();
                throw new AssertionError("`" + String.join(" ", command) + "` did not finish in " + timeoutSeconds
                        + " s; output so far:\n" + new String(out[0] == null ? new byte[0] : out[0], StandardCharsets.UTF_8));
            }
            reader.join();
            return new Result(command, p.exitValue(), new String(out[0], StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run " + command, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted running " + command, e);
        }
    }

    /** True if an executable of this name is on PATH (or in the sbin directories root has). */
    public static boolean has(String tool) {
        List<String> dirs = new ArrayList<>(List.of(System.getenv().getOrDefault("PATH", "").split(":")));
        dirs.addAll(List.of("/usr/sbin", "/sbin", "/usr/bin", "/bin"));
        for (String d : dirs) {
            if (!d.isEmpty() && Files.isExecutable(Path.of(d, tool))) {
                return true;
            }
        }
        return false;
    }
}
