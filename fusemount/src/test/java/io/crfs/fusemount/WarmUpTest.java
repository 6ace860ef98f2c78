package io.crfs.fusemount;

import static org.assertj.core.api.Assertions.assertThat;

import io.crfs.fuse.Rehearsal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * crfsd's warm-up: the rehearsal served by a mount's layers over a scratch crfsd. Every request
 * must get the answer the kernel would expect (a failure means the rehearsal no longer runs the
 * code real requests run), and the scratch image must be gone afterwards.
 */
class WarmUpTest {
    @Test
    void rehearsesOnAScratchVolumeAndRemovesIt() throws Exception {
        Path tmp = Path.of(System.getProperty("java.io.tmpdir"));
        List<Path> before = scratchDirs(tmp);

        Rehearsal.Result r = WarmUp.run(400, 4, TimeUnit.MINUTES.toNanos(2));

        assertThat(r.failed()).as("requests answered with an error the kernel would not expect").isZero();
        assertThat(r.requests()).isGreaterThan(400L * 9 + 4096);
        assertThat(scratchDirs(tmp)).as("scratch directories left in " + tmp).isEqualTo(before);
    }

    private static List<Path> scratchDirs(Path tmp) throws Exception {
        try (Stream<Path> s = Files.list(tmp)) {
            return s.filter(p -> p.getFileName().toString().startsWith("crfs-warm-up")).sorted().toList();
        }
    }

    /**
     * Scratch directories of warm-ups killed mid-way are removed by the next one; those of running
     * warm-ups (their lock file locked, here by another process) and young ones are not.
     */
    @Test
    void removesTheScratchOfWarmUpsThatWereKilled(@TempDir Path tmp) throws Exception {
        Path killed = scratch(tmp, "crfs-warm-up1", true, 120);
        Path running = scratch(tmp, "crfs-warm-up2", true, 120);
        Path starting = scratch(tmp, "crfs-warm-up3", true, 5);
        Path unlockedOld = scratch(tmp, "crfs-warm-up4", false, 7200);
        Path unlockedNew = scratch(tmp, "crfs-warm-up5", false, 120);
        Path other = scratch(tmp, "other", true, 120);
        // fcntl(F_SETLK), as FileChannel.lock takes it, held by another process until the test ends
        Process holder = new ProcessBuilder("python3", "-c", "import fcntl,sys,time; f=open(sys.argv[1],'r+');"
                + " fcntl.lockf(f, fcntl.LOCK_EX); print('locked', flush=True); time.sleep(60)",
                running.resolve("lock").toString()).redirectErrorStream(true).start();
        try {
            assertThat(new String(holder.getInputStream().readNBytes(7))).isEqualTo("locked\n");
            touch(running, 120);

            WarmUp.removeAbandoned(tmp);

            assertThat(killed).doesNotExist();
            assertThat(unlockedOld).doesNotExist();
            assertThat(running.resolve("scratch.img")).exists();
            assertThat(starting.resolve("scratch.img")).exists();
            assertThat(unlockedNew.resolve("scratch.img")).exists();
            assertThat(other.resolve("scratch.img")).exists();
        } finally {
            holder.destroyForcibly().waitFor();
        }
    }

    private static Path scratch(Path tmp, String name, boolean lock, long ageSeconds) throws Exception {
        Path d = Files.createDirectory(tmp.resolve(name));
        Files.write(d.resolve("scratch.img"), new byte[4096]);
        if (lock) {
            Files.createFile(d.resolve("lock"));
        }
        touch(d, ageSeconds);
        return d;
    }

    private static void touch(Path d, long ageSeconds) throws Exception {
        Files.setLastModifiedTime(d, FileTime.fromMillis(System.currentTimeMillis() - ageSeconds * 1000));
    }
}
