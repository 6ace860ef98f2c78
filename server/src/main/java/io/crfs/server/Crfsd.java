package io.crfs.server;

import io.crfs.posix.PosixFs;
import io.crfs.protocol.Pipelines;
import io.crfs.volume.Volume;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * crfsd: serves one btrfs volume to crfs clients over TCP (docs/protocol.md).
 *
 * <pre>{@code
 * try (Crfsd d = Crfsd.start(Path.of("var/crfs.img"), "127.0.0.1", 7070, Crfsd.Options.defaults())) {
 *     d.awaitShutdown();
 * }
 * }</pre>
 */
public final class Crfsd implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Crfsd.class);

    /**
     * Settings; the defaults suit a LAN: a 10 s lease and a commit at least every 5 s.
     * {@code grantItems}: at most this many items travel with a grant of one object; a client
     * fetches the rest of a larger one (a big directory) as it needs them.
     */
    public record Options(int leaseMillis, long commitIntervalMillis, int grantItems) {
        public static final int GRANT_ITEMS = 1024;

        public Options {
            if (grantItems < 1 || grantItems > io.crfs.protocol.Opcodes.MAX_FETCH) {
                throw new IllegalArgumentException("grantItems must be 1.." + io.crfs.protocol.Opcodes.MAX_FETCH
                        + ", got " + grantItems);
            }
        }

        public Options(int leaseMillis, long commitIntervalMillis) {
            this(leaseMillis, commitIntervalMillis, GRANT_ITEMS);
        }

        public static Options defaults() {
            return new Options(10_000, 5_000);
        }
    }

    final Sessions sessions;
    final GrantTable grants;
    final Backend backend;
    final BatchApplier applier;
    final Metrics metrics = new Metrics();
    final LockTable locks = new LockTable();
    final int grantItems;
    private com.sun.net.httpserver.HttpServer metricsHttp;
    private final EventLoopGroup boss;
    private final EventLoopGroup workers;
    private final Channel listener;
    private final long started = System.nanoTime();

    private Crfsd(Volume volume, String host, int port, Options o) throws IOException {
        this.backend = new Backend(volume, o.commitIntervalMillis());
        this.grantItems = o.grantItems();
        int orphans = backend.submit(() -> new PosixFs(volume.fsTree()).recoverOrphans()).join();
        if (orphans > 0) {
            LOG.info("deleted {} inodes left orphaned by a crash", orphans);
        }
        this.sessions = new Sessions(o.leaseMillis());
        this.grants = new GrantTable(sessions);
        sessions.grants = grants;
        sessions.locks = locks;
        sessions.orphans = new OrphanSweeper(grants, backend, sessions.opens, sessions.timer());
        this.applier = new BatchApplier(grants);
        this.boss = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        this.workers = new MultiThreadIoEventLoopGroup(2, NioIoHandler.newFactory());
        Crfsd self = this;
        try {
            this.listener = new ServerBootstrap().group(boss, workers).channel(NioServerSocketChannel.class)
                    .option(ChannelOption.SO_REUSEADDR, true)
                    .childOption(ChannelOption.TCP_NODELAY, true)
                    .childOption(ChannelOption.RCVBUF_ALLOCATOR, Pipelines.RECEIVE_BUFFERS)
                    .childHandler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel ch) {
                            Pipelines.addFraming(ch.pipeline(), Duration.ZERO, Duration.ZERO);
                            ch.pipeline().addLast(new ServerHandler(self));
                        }
                    })
                    .bind(new InetSocketAddress(host, port)).sync().channel();
        } catch (Exception e) {
            shutdownGroups();
            backend.close();
            String why = e instanceof java.nio.channels.UnresolvedAddressException
                    ? "no such host or address; give an address of this machine, such as 127.0.0.1 or 0.0.0.0"
                    : (e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName())
                        + " (is another crfsd running? choose another --listen port)";
            throw new IOException("cannot listen on " + host + ":" + port + ": " + why, e);
        }
        LOG.info("crfsd serving {} on {}", volume.fsid(), listener.localAddress());
    }

    /** Opens the volume and starts serving it. */
    public static Crfsd start(Path image, String host, int port, Options o) throws IOException {
        Volume v = Volume.open(image);
        try {
            return new Crfsd(v, host, port, o);
        } catch (IOException | RuntimeException e) {
            v.close();
            throw e;
        }
    }

    public int port() {
        return ((InetSocketAddress) listener.localAddress()).getPort();
    }

    public void awaitShutdown() throws InterruptedException {
        listener.closeFuture().await();
    }

    /**
     * Serves {@code GET /metrics} (Prometheus text format) on host:port; returns the port
     * (useful with 0). Stopped by {@link #close()}.
     */
    public synchronized int startMetrics(String host, int port) throws IOException {
        metricsHttp = com.sun.net.httpserver.HttpServer.create(new InetSocketAddress(host, port), 0);
        metricsHttp.createContext("/metrics", ex -> {
            byte[] body = metrics.exposition(this).getBytes(java.nio.charset.StandardCharsets.UTF_8);
            ex.getResponseHeaders().add("Content-Type", "text/plain; version=0.0.4; charset=utf-8");
            ex.sendResponseHeaders(200, body.length);
            try (var out = ex.getResponseBody()) {
                out.write(body);
            }
        });
        metricsHttp.start();
        return metricsHttp.getAddress().getPort();
    }

    /** The metrics as Prometheus text. */
    public String metricsText() {
        return metrics.exposition(this);
    }

    /** Revoke round trips (nanoseconds) of the most recent revokes. */
    public long[] revokeLatencies() {
        return sessions.revokeSamples();
    }

    /** Human-readable state: sessions, grants per client, revokes, commits, caches. */
    public String status() {
        StringBuilder b = new StringBuilder();
        var snap = grants.snapshot();
        b.append("crfsd up ").append(TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - started)).append(" s, generation ")
                .append(backend.volume().generation()).append(", commits ").append(backend.commits.get())
                .append(", batches ").append(backend.batches.get()).append('\n');
        b.append("revokes sent ").append(sessions.revokesSent.get()).append(", evictions ").append(sessions.evictions.get())
                .append(", waiting requests ").append(snap.queued().size())
                .append(", inodes clients said they had open ").append(sessions.opens.size())
                .append(", orphans deleted after their holders left ").append(sessions.orphans.deleted()).append('\n');
        b.append("sessions ").append(sessions.all().size()).append('\n');
        for (ClientSession s : sessions.all()) {
            long n = snap.held().stream().filter(g -> g.session() == s.id).count();
            long w = snap.held().stream().filter(g -> g.session() == s.id && g.mode() == Grant.WRITE).count();
            b.append(String.format("  session %d %-20s grants %d (write %d) revokes-pending %d batches %d%s%n", s.id, s.name,
                    n, w, s.revokes.size(), s.batches.get(), s.channel == null ? " (disconnected)" : ""));
        }
        return b.toString();
    }

    private void shutdownGroups() {
        boss.shutdownGracefully(0, 1, TimeUnit.SECONDS);
        workers.shutdownGracefully(0, 1, TimeUnit.SECONDS);
    }

    /** Stops listening, commits and closes the volume. */
    @Override
    public void close() throws IOException {
        synchronized (this) {
            if (metricsHttp != null) {
                metricsHttp.stop(0);
            }
        }
        listener.close().awaitUninterruptibly();
        shutdownGroups();
        sessions.close();
        backend.close();
    }
}
