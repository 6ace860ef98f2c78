package io.crfs.server;

import io.crfs.format.ItemStore;
import io.crfs.volume.Volume;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one thread that touches the volume. Work runs in arrival order; FSYNC requests wait
 * until the queue is drained and then share one commit (group commit); a commit also happens
 * every {@code commitIntervalMillis} while there are changes, and when they grow large.
 */
final class Backend implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Backend.class);
    static final long COMMIT_BYTES = 256L << 20;

    private final Volume volume;
    private final long commitIntervalNanos;
    private final BlockingQueue<Runnable> queue = new LinkedBlockingQueue<>();
    private final List<CompletableFuture<Void>> fsyncs = new ArrayList<>();
    private final Thread thread;
    private volatile boolean stopping;
    private long lastCommit = System.nanoTime();
    final AtomicLong commits = new AtomicLong();
    final AtomicLong commitNanos = new AtomicLong();
    final AtomicLong batches = new AtomicLong();

    Backend(Volume volume, long commitIntervalMillis) {
        this.volume = volume;
        this.commitIntervalNanos = TimeUnit.MILLISECONDS.toNanos(commitIntervalMillis);
        this.thread = new Thread(this::loop, "crfsd-volume");
        thread.start();
    }

    ItemStore fs() {
        return volume.fsTree();
    }

    Volume volume() {
        return volume;
    }

    <T> CompletableFuture<T> submit(Callable<T> work) {
        CompletableFuture<T> f = new CompletableFuture<>();
        if (stopping) {
            f.completeExceptionally(new IOException("crfsd is shutting down"));
            return f;
        }
        queue.add(() -> {
            try {
                f.complete(work.call());
            } catch (Throwable t) {
                f.completeExceptionally(t);
            }
        });
        return f;
    }

    /** Completes once everything submitted before it is durable. */
    CompletableFuture<Void> fsync() {
        CompletableFuture<Void> f = new CompletableFuture<>();
        queue.add(() -> fsyncs.add(f));
        return f;
    }

    private void loop() {
        List<Runnable> batch = new ArrayList<>();
        while (!stopping || !queue.isEmpty()) {
            try {
                Runnable r = queue.poll(100, TimeUnit.MILLISECONDS);
                if (r != null) {
                    batch.add(r);
                    queue.drainTo(batch, 1024);
                    for (Runnable x : batch) {
                        x.run();
                    }
                    batch.clear();
                }
                boolean due = System.nanoTime() - lastCommit > commitIntervalNanos || volume.pendingBytes() > COMMIT_BYTES;
                if (!fsyncs.isEmpty() || (due && volume.pendingBytes() > 0)) {
                    commit();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (RuntimeException e) {
                LOG.error("volume thread: {}", e.toString(), e);
            }
        }
    }

    private void commit() {
        long t0 = System.nanoTime();
        List<CompletableFuture<Void>> waiting = new ArrayList<>(fsyncs);
        fsyncs.clear();
        try {
            volume.commit();
            commits.incrementAndGet();
            commitNanos.addAndGet(System.nanoTime() - t0);
            waiting.forEach(f -> f.complete(null));
        } catch (IOException | RuntimeException e) {
            LOG.error("commit failed: {}", e.getMessage());
            waiting.forEach(f -> f.completeExceptionally(e));
        }
        lastCommit = System.nanoTime();
    }

    @Override
    public void close() throws IOException {
        stopping = true;
        try {
            thread.join(30_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        volume.close();
    }
}
