package io.crfs.client;

import io.crfs.server.Crfsd;
import java.nio.file.Path;

/** crfsd in its own JVM for crash tests: prints "port N" once listening, serves until killed. */
public final class ServerAgent {
    public static void main(String[] args) throws Exception {
        Crfsd d = Crfsd.start(Path.of(args[0]), "127.0.0.1", Integer.parseInt(args[1]),
                new Crfsd.Options(Integer.parseInt(args[2]), 1000));
        System.out.println("port " + d.port());
        System.out.flush();
        d.awaitShutdown();
    }
}
