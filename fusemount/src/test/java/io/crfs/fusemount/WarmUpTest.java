package io.crfs.fusemount;

import static org.assertj.core.api.Assertions.assertThat;

import io.crfs.fuse.Rehearsal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

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
}
