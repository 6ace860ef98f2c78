package io.crfs.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.crfs.volume.MkfsOptions;
import io.crfs.volume.Volume;
import java.nio.file.Path;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The sweeper gives back the grants it took when its work cannot reach the volume. */
class OrphanSweeperTest {
    @TempDir
    Path tmp;

    @Test
    void aTryThatCannotReachTheVolumeReleasesItsGrants() throws Exception {
        Path img = tmp.resolve("s.img");
        Volume.mkfs(img, 128L << 20, MkfsOptions.defaults());
        GrantTable grants = new GrantTable((grant, toMode) -> { });
        ScheduledExecutorService later = Executors.newSingleThreadScheduledExecutor();
        try {
            Backend backend = new Backend(Volume.open(img), 1_000);
            backend.close(); // crfsd stopping: work submitted now fails
            OrphanSweeper sweeper = new OrphanSweeper(grants, backend, new OpenFiles(), later);
            sweeper.attempt(300, 0);
            long deadline = System.nanoTime() + 5_000_000_000L;
            while (!grants.snapshot().held().isEmpty() && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            assertThat(grants.snapshot().held()).isEmpty();
            assertThat(sweeper.deleted()).isZero();
        } finally {
            later.shutdownNow();
        }
    }
}
