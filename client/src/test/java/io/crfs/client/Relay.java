package io.crfs.client;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A loopback TCP relay between clients and a server, for tests: it can cut its connections, and
 * hold back what the server sends (the server works on, its answers wait in the relay).
 */
final class Relay implements AutoCloseable {
    private final ServerSocket listen;
    private final List<Socket> open = new CopyOnWriteArrayList<>();
    /** Bytes the clients have sent through the relay. */
    private final AtomicLong sent = new AtomicLong();
    private boolean held;

    Relay(int target) throws IOException {
        listen = new ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress());
        Thread t = new Thread(() -> {
            while (!listen.isClosed()) {
                try {
                    Socket in = listen.accept();
                    Socket out = new Socket("127.0.0.1", target);
                    open.add(in);
                    open.add(out);
                    pump(in, out, true);
                    pump(out, in, false);
                } catch (IOException e) {
                    return;
                }
            }
        }, "relay");
        t.setDaemon(true);
        t.start();
    }

    private void pump(Socket from, Socket to, boolean fromClient) {
        Thread t = new Thread(() -> {
            byte[] buf = new byte[64 << 10];
            try (InputStream i = from.getInputStream(); OutputStream o = to.getOutputStream()) {
                for (int n; (n = i.read(buf)) >= 0; ) {
                    if (fromClient) {
                        sent.addAndGet(n);
                    } else {
                        awaitRelease();
                    }
                    o.write(buf, 0, n);
                }
            } catch (IOException | InterruptedException e) {
                // cut
            } finally {
                try {
                    from.close();
                    to.close();
                } catch (IOException e) {
                    // already closed
                }
            }
        }, fromClient ? "relay-up" : "relay-down");
        t.setDaemon(true);
        t.start();
    }

    private synchronized void awaitRelease() throws InterruptedException {
        while (held) {
            wait();
        }
    }

    int port() {
        return listen.getLocalPort();
    }

    /** Bytes the clients have sent so far. */
    long sent() {
        return sent.get();
    }

    /** From now on, what the server sends waits in the relay until {@link #release}. */
    synchronized void hold() {
        held = true;
    }

    synchronized void release() {
        held = false;
        notifyAll();
    }

    /**
     * Holds the server's answers back, starts {@code call} on a thread of its own, and returns
     * once the client has sent something and that thread waits for an answer (a timed wait: with
     * the client's locks released or, as before, held), so that what a test does next happens
     * while it waits.
     */
    <T> java.util.concurrent.Future<T> whileHeld(java.util.concurrent.Callable<T> call) throws InterruptedException {
        hold();
        long before = sent();
        java.util.concurrent.FutureTask<T> f = new java.util.concurrent.FutureTask<>(call);
        Thread t = Thread.ofPlatform().daemon().name("held-call").start(f);
        awaitWaiting(t, before);
        return f;
    }

    /** Returns once the clients sent more than {@code sentBefore} bytes and {@code t} waits for an answer (10 s at most). */
    void awaitWaiting(Thread t, long sentBefore) throws InterruptedException {
        long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(10);
        while ((sent() == sentBefore || t.getState() != Thread.State.TIMED_WAITING) && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        org.assertj.core.api.Assertions.assertThat(sent()).as("bytes the client sent after the hold").isGreaterThan(sentBefore);
        org.assertj.core.api.Assertions.assertThat(t.getState()).as("the held call waits for crfsd")
                .isEqualTo(Thread.State.TIMED_WAITING);
    }

    void cutAll() throws IOException {
        for (Socket s : open) {
            s.close();
        }
        open.clear();
    }

    @Override
    public void close() throws IOException {
        release();
        listen.close();
        cutAll();
    }
}
