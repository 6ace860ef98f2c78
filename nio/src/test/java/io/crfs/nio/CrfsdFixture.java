package io.crfs.nio;

import io.crfs.server.Crfsd;
import io.crfs.volume.MkfsOptions;
import io.crfs.volume.Volume;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/** A crfsd on a fresh image on loopback; close stops it and deletes the image. */
final class CrfsdFixture implements AutoCloseable {
    final Path dir;
    final Crfsd server;

    CrfsdFixture() throws IOException {
        dir = Files.createTempDirectory("crfs-nio");
        Path image = dir.resolve("srv.img");
        Volume.mkfs(image, 512L << 20, MkfsOptions.defaults());
        server = Crfsd.start(image, "127.0.0.1", 0, Crfsd.Options.defaults());
    }

    URI uri(String path) {
        return URI.create("crfs://127.0.0.1:" + server.port() + path);
    }

    @Override
    public void close() throws IOException {
        try {
            server.close();
        } finally {
            try (Stream<Path> s = Files.walk(dir)) {
                s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }
}
