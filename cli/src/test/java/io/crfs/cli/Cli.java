package io.crfs.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/** Runs the CLI in-process through Main's picocli CommandLine, capturing stdout (bytes) and stderr. */
final class Cli {
    private Cli() {}

    record Result(int exit, byte[] stdout, String stderr) {
        String out() {
            return new String(stdout, StandardCharsets.UTF_8);
        }

        /** Asserts exit 0, showing stderr otherwise. */
        Result ok() {
            assertThat(exit).as("exit code; stderr was:%n%s", stderr).isZero();
            return this;
        }
    }

    static Result run(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(), err = new ByteArrayOutputStream();
        int exit = Main.commandLine(out, err).execute(args);
        return new Result(exit, out.toByteArray(), err.toString(StandardCharsets.UTF_8));
    }
}
