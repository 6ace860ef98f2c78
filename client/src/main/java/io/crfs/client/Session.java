package io.crfs.client;

import io.crfs.protocol.ErrorCode;
import io.crfs.protocol.Message;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A session with crfsd: HELLO, lease renewal by PING, and transparent reconnection (resuming the
 * session) while the lease lasts. Once the server says the session is gone, every call fails
 * with a clear error instead of hanging.
 */
final class Session implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Session.class);
    static final long CALL_TIMEOUT_MS = 60_000;

    private final InetSocketAddress addr;
    private final Message.Hello hello;
    private final Consumer<Message> pushes;
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "crfs-lease");
        t.setDaemon(true);
        return t;
    });
    private volatile Connection conn;
    private volatile long sessionId;
    private volatile int leaseMillis;
    private volatile String dead;
    /** Run once when the session is found dead (evicted or ended by the server). */
    private volatile Runnable onDead = () -> { };

    void onDead(Runnable r) {
        onDead = r;
    }

    private void died(String why) {
        boolean first = dead == null;
        dead = why;
        if (first) { // on its own thread: the caller may hold this session's monitor, and the hook takes the store's lock
            Runnable hook = onDead;
            Thread.ofPlatform().daemon().name("crfs-session-ended").start(() -> {
                try {
                    hook.run();
                } catch (RuntimeException e) {
                    LOG.warn("after the session ended: {}", e.toString());
                }
            });
        }
    }
    private volatile boolean closing;
    volatile long transid;
    final AtomicLong roundTrips = new AtomicLong();

    Session(InetSocketAddress addr, Message.Hello hello, Consumer<Message> pushes) throws IOException {
        this.addr = addr;
        this.hello = hello;
        this.pushes = pushes;
        connect(0);
        long period = Math.max(100, leaseMillis / 3);
        timer.scheduleAtFixedRate(this::ping, period, period, TimeUnit.MILLISECONDS);
    }

    private synchronized void connect(long resume) throws IOException {
        Connection c = Connection.open(addr, pushes, this::lost);
        Message.Hello h = new Message.Hello(hello.version(), hello.uid(), hello.gid(), hello.groups(), hello.client(), resume);
        Message r;
        try {
            r = c.call(h, CALL_TIMEOUT_MS);
        } catch (RemoteException e) {
            c.close();
            if (e.code() == ErrorCode.EVICTED || e.code() == ErrorCode.NO_SESSION) {
                died("crfsd ended this client's session (" + e.getMessage() + "); its unflushed changes are lost; "
                        + "remount to continue");
            }
            throw e;
        }
        Message.Welcome w = (Message.Welcome) r;
        sessionId = w.session();
        leaseMillis = w.leaseMillis();
        transid = w.transid();
        Connection old = conn;
        conn = c;
        if (old != null) {
            old.close(); // its event loop threads would otherwise outlive it, one set per reconnect
        }
    }

    long id() {
        return sessionId;
    }

    int leaseMillis() {
        return leaseMillis;
    }

    private void lost() {
        if (!closing) {
            LOG.debug("connection to crfsd lost; reconnecting within the lease");
        }
    }

    private void ping() {
        try {
            if (dead == null && !closing) {
                call(new Message.Ping());
            }
        } catch (IOException | RuntimeException e) {
            LOG.debug("lease renewal failed: {}", e.toString());
        }
    }

    /** Sends a request, reconnecting (and resending once) if the connection dropped. */
    Message call(Message m) throws IOException {
        if (dead != null) {
            throw new IOException(dead);
        }
        Connection c = conn;
        if (c != null && c.isOpen()) {
            try {
                count(m);
                return c.call(m, CALL_TIMEOUT_MS);
            } catch (RemoteException e) {
                if (e.code() == ErrorCode.EVICTED || e.code() == ErrorCode.NO_SESSION) {
                    died("crfsd evicted this client (" + e.getMessage() + "); its unflushed changes are lost; "
                            + "remount to continue");
                    throw new IOException(dead, e);
                }
                throw e;
            } catch (IOException e) {
                if (c.isOpen()) {
                    throw e;
                }
            }
        }
        reconnect();
        count(m);
        return conn.call(m, CALL_TIMEOUT_MS);
    }

    /**
     * Sends a request without waiting (write-back batches are pipelined); {@link #await} then
     * takes its answer. A request lost with its connection is sent again by {@code await}.
     */
    CompletableFuture<Message> send(Message m) {
        return send(conn, m);
    }

    /** The connection requests go out on now; a new one after each reconnect. */
    Connection connection() {
        return conn;
    }

    /** Like {@link #send(Message)}, on {@code c} only: a request must not overtake one sent earlier on an older connection. */
    CompletableFuture<Message> send(Connection c, Message m) {
        if (dead != null || c == null || !c.isOpen()) {
            return CompletableFuture.failedFuture(new IOException(dead != null ? dead : "not connected"));
        }
        count(m);
        return c.send(m);
    }

    /**
     * The answer to a request made with {@link #send}, as {@link #call} would have given it. A
     * DATA reply that comes after this stopped waiting is the caller's to release
     * ({@link ReplyBytes#discardWhenDone}): it abandons the request.
     */
    Message await(Message m, CompletableFuture<Message> reply) throws IOException {
        Message r;
        try {
            r = reply.get(CALL_TIMEOUT_MS, java.util.concurrent.TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while waiting for crfsd", e);
        } catch (java.util.concurrent.ExecutionException e) {
            if (e.getCause() instanceof io.crfs.protocol.ProtocolException p) {
                throw new RemoteException(p.code(), p.getMessage());
            }
            if (e.getCause() instanceof io.netty.handler.codec.EncoderException x) { // sending again would fail again
                throw new RemoteException(ErrorCode.TOO_BIG, "could not send " + m.getClass().getSimpleName()
                        + ": " + x.getMessage());
            }
            return call(m); // the connection went away with it: again, on a new one (as call does)
        } catch (java.util.concurrent.TimeoutException e) {
            throw new IOException("crfsd did not answer " + m.getClass().getSimpleName() + " within " + CALL_TIMEOUT_MS + " ms");
        }
        if (r instanceof Message.Error e) {
            if (e.code() == ErrorCode.EVICTED || e.code() == ErrorCode.NO_SESSION) {
                died("crfsd evicted this client (" + e.message() + "); its unflushed changes are lost; remount to continue");
                throw new IOException(dead);
            }
            throw new RemoteException(e.code(), e.message());
        }
        return r;
    }

    /** A request whose answer may take as long as another client holds something (a blocking lock). */
    Message callWaiting(Message m) throws IOException {
        if (dead != null) {
            throw new IOException(dead);
        }
        Connection c = conn;
        if (c == null || !c.isOpen()) {
            reconnect();
            c = conn;
        }
        count(m);
        return c.call(m, Long.MAX_VALUE / 4);
    }

    /** Lease renewals are not counted: they are not caused by the file system's work. */
    private void count(Message m) {
        if (!(m instanceof Message.Ping)) {
            roundTrips.incrementAndGet();
        }
    }

    private void reconnect() throws IOException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(Math.max(leaseMillis, 1000));
        IOException last = null;
        while (System.nanoTime() < deadline && !closing) {
            Connection c = conn;
            if (c != null && c.isOpen()) {
                return;
            }
            try {
                connect(sessionId);
                return;
            } catch (RemoteException e) {
                throw new IOException(dead != null ? dead : e.getMessage(), e);
            } catch (IOException e) {
                last = e;
                try {
                    Thread.sleep(100);
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    throw new IOException("interrupted while reconnecting", ie);
                }
            }
        }
        died("lost the connection to crfsd at " + addr.getHostString() + ":" + addr.getPort()
                + " for longer than the lease; remount to continue");
        throw new IOException(dead, last);
    }

    void post(Message m) {
        Connection c = conn;
        if (c != null) {
            c.post(m);
        }
    }

    boolean isDead() {
        return dead != null;
    }

    @Override
    public void close() {
        closing = true;
        timer.shutdownNow();
        Connection c = conn;
        if (c != null) {
            try {
                c.call(new Message.Goodbye(), 2000);
            } catch (IOException e) {
                LOG.debug("goodbye failed: {}", e.toString());
            }
            c.close();
        }
    }

}
