package io.crfs.client;

import static org.assertj.core.api.Assertions.assertThat;

import io.crfs.format.ItemStore;
import io.crfs.posix.PosixRandomOps;
import io.crfs.volume.Oracles;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The seeded random POSIX operations of the posix module, through the network client, checked
 * against the model after every sync; now and then the client is replaced by a new session
 * (what reached the server must be all there is). -Dcrfs.random.seed / -Dcrfs.random.ops.
 */
class RemotePosixRandomTest {
    @TempDir
    Path tmp;

    @Test
    void randomOperationsThroughTheClientMatchTheModel() throws Exception {
        run(io.crfs.server.Crfsd.Options.GRANT_ITEMS);
    }

    /** The same with grants that bring two items each: the rest is fetched as operations need it. */
    @Test
    void randomOperationsMatchTheModelWhenItemsAreFetchedOnUse() throws Exception {
        run(2);
    }

    /** The same with a client that caches eight objects at most: it keeps giving grants back. */
    @Test
    void randomOperationsMatchTheModelWhenTheClientCachesEightObjects() throws Exception {
        run(io.crfs.server.Crfsd.Options.GRANT_ITEMS, 8);
    }

    private void run(int grantItems) throws Exception {
        run(grantItems, CrfsClient.Options.MAX_OBJECTS);
    }

    private void run(int grantItems, int maxObjects) throws Exception {
        System.setProperty("crfs.random.noGlobalScan", "true");
        try (TestServer server = new TestServer(tmp, 10_000, grantItems)) {
            CrfsClient[] c = {server.client("random-0", maxObjects)};
            Random swap = new Random(Long.getLong("crfs.random.seed", 4242L));
            int[] n = {0};
            try {
                PosixRandomOps.fromProperties(() -> c[0].store(), 4242L, 8_000, () -> {
                    ItemStore s = c[0].store();
                    s.sync();
                    if (swap.nextInt(10) == 0) {
                        try {
                            c[0].close();
                            c[0] = server.client("random-" + (++n[0]), maxObjects);
                        } catch (IOException e) {
                            throw new UncheckedIOException(e);
                        }
                    }
                }).run();
            } finally {
                c[0].close();
                System.clearProperty("crfs.random.noGlobalScan");
            }
            if (maxObjects < CrfsClient.Options.MAX_OBJECTS) {
                assertThat(server.server.metricsText()).as("grants were given back")
                        .containsPattern("crfs_requests_total\\{type=\"release\"\\} [1-9]");
            }
            if (grantItems < io.crfs.server.Crfsd.Options.GRANT_ITEMS) {
                assertThat(server.server.metricsText()).as("items were fetched on use")
                        .containsPattern("crfs_requests_total\\{type=\"fetch\"\\} [1-9]");
            }
        }
        if (Oracles.haveBtrfsTools()) {
            assertThat(Oracles.btrfsCheck(tmp.resolve("srv.img"))).isEmpty();
        }
    }
}
