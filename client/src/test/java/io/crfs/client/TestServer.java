package io.crfs.client;

import io.crfs.server.Crfsd;
import io.crfs.volume.MkfsOptions;
import io.crfs.volume.Volume;
import java.io.IOException;
import java.nio.file.Path;

/** A crfsd on a fresh image on loopback, for tests; close stops it and leaves the image. */
final class TestServer implements AutoCloseable {
    final Path image;
    final Crfsd server;

    TestServer(Path dir, int leaseMillis) throws IOException {
        this(dir, leaseMillis, Crfsd.Options.GRANT_ITEMS);
    }

    /** {@code grantItems}: items sent with a grant; a small number makes clients fetch the rest on use. */
    TestServer(Path dir, int leaseMillis, int grantItems) throws IOException {
        image = dir.resolve("srv.img");
        Volume.mkfs(image, 512L << 20, MkfsOptions.defaults());
        server = Crfsd.start(image, "127.0.0.1", 0, new Crfsd.Options(leaseMillis, 1000, grantItems));
    }

    int port() {
        return server.port();
    }

    CrfsClient client(String name) throws IOException {
        return CrfsClient.connect("127.0.0.1", port(), name);
    }

    AgentProcess agent(String name) throws IOException {
        return new AgentProcess("127.0.0.1", port(), name);
    }

    AgentProcess agent(String name, int maxObjects) throws IOException {
        return new AgentProcess("127.0.0.1", port(), name, maxObjects);
    }

    CrfsClient client(String name, int maxObjects) throws IOException {
        return CrfsClient.connect("127.0.0.1", port(), name, io.crfs.posix.Caller.ROOT, new CrfsClient.Options(true, maxObjects));
    }

    @Override
    public void close() throws IOException {
        server.close();
    }

    /**
     * Closes {@code first} (clients, relays; nulls skipped) in order, then the server, then
     * checks the image with btrfs check where the tools are installed.
     */
    void closeAndCheck(AutoCloseable... first) throws Exception {
        for (AutoCloseable c : first) {
            if (c != null) {
                c.close();
            }
        }
        close();
        if (io.crfs.volume.Oracles.haveBtrfsTools()) {
            org.assertj.core.api.Assertions.assertThat(io.crfs.volume.Oracles.btrfsCheck(image)).isEmpty();
        }
    }
}
