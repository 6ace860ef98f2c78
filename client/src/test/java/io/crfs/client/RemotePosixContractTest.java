package io.crfs.client;

import io.crfs.format.ItemStore;
import io.crfs.posix.PosixContract;
import io.crfs.volume.Oracles;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The POSIX contract through the network client: the same tests as over the memory store and
 * the local volume. commit is fsync; reopen is a new client session (a restart of the client,
 * keeping what reached the server); after every test the served image passes btrfs check.
 */
class RemotePosixContractTest extends PosixContract {
    private Path dir;
    private TestServer server;
    private CrfsClient client;

    @Override
    protected ItemStore newStore() {
        try {
            dir = Files.createTempDirectory("crfs-remote-contract");
            server = new TestServer(dir, 10_000, grantItems());
            client = server.client("contract");
            return client.store();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Items a grant brings (the rest is fetched on use). */
    int grantItems() {
        return io.crfs.server.Crfsd.Options.GRANT_ITEMS;
    }

    @Override
    protected void commit(ItemStore s) {
        s.sync();
    }

    @Override
    protected ItemStore reopen(ItemStore s) {
        try {
            client.close();
            client = server.client("contract-again");
            return client.store();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    protected void close(ItemStore s) {
        try {
            client.close();
            server.close();
            if (Oracles.haveBtrfsTools()) {
                String problems = Oracles.btrfsCheck(server.image);
                if (!problems.isEmpty()) {
                    throw new AssertionError(problems);
                }
            }
            Files.deleteIfExists(server.image);
            Files.deleteIfExists(dir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
