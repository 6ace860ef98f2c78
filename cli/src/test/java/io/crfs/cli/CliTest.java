package io.crfs.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.crfs.format.StoreException;
import io.crfs.posix.Errno;
import io.crfs.posix.PosixException;
import io.crfs.volume.VolumeException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import picocli.CommandLine;

/** The command line's contract that holds without a volume engine: help, usage errors, exit codes, messages. */
class CliTest {
    @TempDir
    Path tmp;

    @ParameterizedTest
    @ValueSource(strings = {"mkfs", "import", "export", "ls", "cat"})
    void everyCommandHasHelpWithExamples(String command) {
        Cli.Result r = Cli.run(command, "--help");
        assertThat(r.exit()).isZero();
        assertThat(r.out()).contains("Usage: crfs " + command).contains("Examples:").contains("crfs " + command + " ");
    }

    @Test
    void topLevelHelpListsCommandsAndExitCodes() {
        Cli.Result r = Cli.run("--help");
        assertThat(r.exit()).isZero();
        assertThat(r.out()).contains("mkfs", "import", "export", "ls", "cat", "Exit codes:", "3  volume corrupt");
    }

    @Test
    void usageErrorsExitOneWithOneLine() {
        for (String[] args : new String[][] {{"bogus"}, {"mkfs", "x.img"}, {"ls"}, {"mkfs", "x.img", "--size", "lots"},
                {"cat", "a", "b", "c"}, {}}) {
            Cli.Result r = Cli.run(args);
            assertThat(r.exit()).as(String.join(" ", args)).isEqualTo(ExitCodes.USAGE);
            String last = r.stderr().strip().lines().reduce((a, b) -> b).orElse("");
            assertThat(last).startsWith("crfs").contains("--help");
        }
    }

    @Test
    void mkfsRefusesNonEmptyFileWithoutForce() throws IOException {
        Path img = Files.writeString(tmp.resolve("busy.img"), "precious");
        Cli.Result r = Cli.run("mkfs", img.toString(), "--size", "1G");
        assertThat(r.exit()).isEqualTo(ExitCodes.NOT_FOUND);
        assertThat(r.stderr().strip()).doesNotContain("\n").contains("exists and is not empty").contains("--force");
        assertThat(Files.readString(img)).isEqualTo("precious");
    }

    @Test
    void mkfsRejectsBadArgumentsBeforeTouchingAnything() throws IOException {
        assertThat(Cli.run("mkfs", tmp.resolve("small.img").toString(), "--size", "1M").exit()).isEqualTo(ExitCodes.NOT_FOUND);
        assertThat(Cli.run("mkfs", tmp.resolve("r.img").toString(), "--size", "1G", "--rootdir", tmp.resolve("nope").toString())
                .exit()).isEqualTo(ExitCodes.NOT_FOUND);
        assertThat(Cli.run("mkfs", tmp.resolve("no/such/dir/x.img").toString(), "--size", "1G").exit())
                .isEqualTo(ExitCodes.NOT_FOUND);
        assertThat(Cli.run("mkfs", tmp.toString(), "--size", "1G").exit()).isEqualTo(ExitCodes.NOT_FOUND);
        try (var s = Files.list(tmp)) {
            assertThat(s).isEmpty();
        }
    }

    @Test
    void missingImageIsNotFoundWithAHint() {
        for (String cmd : new String[] {"ls", "cat", "export", "import"}) {
            String img = tmp.resolve("missing.img").toString();
            Cli.Result r = switch (cmd) {
                case "ls" -> Cli.run("ls", img);
                case "cat" -> Cli.run("cat", img, "/x");
                case "export" -> Cli.run("export", img, tmp.resolve("out").toString());
                default -> Cli.run("import", img, tmp.toString());
            };
            assertThat(r.exit()).as(cmd).isEqualTo(ExitCodes.NOT_FOUND);
            assertThat(r.stderr().strip()).as(cmd).doesNotContain("\n").contains("crfs mkfs");
        }
    }

    @Test
    void importOfMissingSourceIsNotFound() {
        Cli.Result r = Cli.run("import", tmp.resolve("x.img").toString(), tmp.resolve("nothing-here").toString());
        assertThat(r.exit()).isEqualTo(ExitCodes.NOT_FOUND);
        assertThat(r.stderr()).contains("nothing-here");
    }

    @Test
    void sizesAcceptSuffixes() {
        assertThat(Sizes.parse("1G")).isEqualTo(1L << 30);
        assertThat(Sizes.parse("512M")).isEqualTo(512L << 20);
        assertThat(Sizes.parse("512MiB")).isEqualTo(512L << 20);
        assertThat(Sizes.parse("4k")).isEqualTo(4096);
        assertThat(Sizes.parse("2T")).isEqualTo(2L << 40);
        assertThat(Sizes.parse("123456")).isEqualTo(123456);
        for (String bad : new String[] {"", "G", "-1G", "0", "1.5G", "99999999999T", "1X"}) {
            assertThatThrownBy(() -> Sizes.parse(bad)).as(bad).isInstanceOf(CommandLine.TypeConversionException.class);
        }
        assertThat(Sizes.human(1536)).isEqualTo("1.5 KiB");
    }

    @Test
    void modeStringShowsSpecialBits() {
        assertThat(LsCommand.modeString(0104755)).isEqualTo("-rwsr-xr-x");
        assertThat(LsCommand.modeString(0042755)).isEqualTo("drwxr-sr-x");
        assertThat(LsCommand.modeString(0041777)).isEqualTo("drwxrwxrwt");
        assertThat(LsCommand.modeString(0106644)).isEqualTo("-rwSr-Sr--");
        assertThat(LsCommand.modeString(0120777)).isEqualTo("lrwxrwxrwx");
        assertThat(LsCommand.modeString(0010644)).isEqualTo("prw-r--r--");
    }

    @Test
    void failuresMapToDocumentedExitCodes() {
        assertThat(ExitCodes.classify(new PosixException(Errno.ENOENT, "x"))).isEqualTo(2);
        assertThat(ExitCodes.classify(new PosixException(Errno.ENOSPC, "x"))).isEqualTo(4);
        assertThat(ExitCodes.classify(new PosixException(Errno.EIO, "x"))).isEqualTo(5);
        assertThat(ExitCodes.classify(new StoreException(StoreException.Kind.NO_SPACE, "x"))).isEqualTo(4);
        assertThat(ExitCodes.classify(new StoreException(StoreException.Kind.CORRUPT, "x"))).isEqualTo(3);
        assertThat(ExitCodes.classify(new VolumeException("unsupported checksum type xxhash"))).isEqualTo(3);
        assertThat(ExitCodes.classify(new VolumeException("read failed", new IOException("EIO")))).isEqualTo(5);
        assertThat(ExitCodes.classify(new IOException("disk on fire"))).isEqualTo(5);
        assertThat(ExitCodes.classify(new IllegalStateException("bug"))).isEqualTo(5);
        assertThat(ExitCodes.message(new StoreException(StoreException.Kind.NO_SPACE, "volume full")))
                .contains("volume full").contains("bigger volume").doesNotContain("\n");
        assertThat(ExitCodes.message(new IllegalStateException("bug\nline2"))).contains("internal error")
                .contains("--verbose").doesNotContain("\n");
    }

    @Test
    void basenameOfHostPaths() {
        assertThat(Importer.basename("/a/b/".getBytes())).isEqualTo("b".getBytes());
        assertThat(Importer.basename("file".getBytes())).isEqualTo("file".getBytes());
    }
}
