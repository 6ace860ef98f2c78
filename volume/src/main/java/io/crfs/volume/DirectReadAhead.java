package io.crfs.volume;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * Read-ahead for sequential reads past the page cache. A direct read waits for the disk with the
 * volume thread doing nothing else, and the volume thread is also the one that checks the
 * checksums and hands the bytes to the network: serving a client's sequential read, it was in
 * pread(2) about 60% of the time and the disk idle for the rest (a kernel loop mount's read-ahead
 * keeps its disk busy, hence 1.2-1.4 GB/s against crfs's 0.7-1.0 on the same disk). Once two direct
 * reads follow each other on the image, this reads the next {@link #WINDOWS} windows of
 * {@link #WINDOW} bytes on a thread of its own, so the disk reads the next range while the volume
 * thread serves the last one.
 *
 * <p>Correctness does not rest on guessing right: a window is used only for the bytes it holds,
 * anything else is read as before, and every write to the image marks the windows it overlaps
 * stale ({@link #written}), so a window is never used for bytes written after it began. Writes
 * that came before it are in it: a direct read writes back any dirty page-cache pages of its range
 * first. The caller verifies checksums over what it gets, as for any read.
 *
 * <p>Only one sequential stream is followed: reads that alternate between two places in the image
 * (two clients each reading a large file) are not sequential here and get no read-ahead, as
 * before. Not thread-safe: {@link UncachedIo} calls it under its lock.
 */
final class DirectReadAhead implements AutoCloseable {
    /** Bytes per window: as much as one direct read call moves ({@link UncachedIo}'s buffer). */
    static final int WINDOW = 4 << 20;
    /** Windows read ahead at most. */
    static final int WINDOWS = 2;

    private final DirectIo io;
    private final Arena arena = Arena.ofShared();
    /** In image order; the first starts where the last read ended (when following a stream). */
    private final Window[] windows = new Window[WINDOWS];
    private int count;
    private ExecutorService reader;
    /** Where the last read ended: a read starting here continues a stream. */
    private long expected = -1;
    /** Bytes served from windows so far (for tests). */
    long bytesAhead;

    private static final class Window {
        final MemorySegment buffer;
        long position;
        /** The bytes the read found: fewer than asked at the end of the image, -1 if it failed. */
        CompletableFuture<Integer> read = CompletableFuture.completedFuture(0);
        /** A write overlapped it after it began. */
        boolean stale;

        Window(MemorySegment buffer) {
            this.buffer = buffer;
        }

        int bytes() {
            int n = read.join();
            return stale ? 0 : n;
        }
    }

    DirectReadAhead(DirectIo io) {
        this.io = io;
    }

    /**
     * Copies into {@code dst} at {@code off} what the windows hold of {@code [position,
     * position+len)} from its start on, waiting for windows still being read; returns how many
     * bytes that was (the caller reads the rest). Then reads ahead if this read continues a
     * stream; call {@link #after} once the caller has read the rest.
     */
    int take(long position, MemorySegment dst, long off, int len) {
        int done = 0;
        while (done < len && count > 0) {
            Window w = windows[0];
            long at = position + done;
            if (at < w.position) {
                break;
            }
            if (at >= w.position + WINDOW) {
                shift(); // passed over without waiting for it
                continue;
            }
            int n = w.bytes();
            if (at >= w.position + n) {
                break; // stale, failed or short: the caller reads the rest itself
            }
            int k = (int) Math.min(len - done, w.position + n - at);
            MemorySegment.copy(w.buffer, at - w.position, dst, off + done, k);
            done += k;
            if (at + k == w.position + WINDOW) {
                shift();
            }
        }
        bytesAhead += done;
        return done;
    }

    /**
     * Notes that a read of {@code [position, end)} was served; if it continued the last one (or
     * came from the windows), the windows are topped up to read on from {@code end}, otherwise
     * they are dropped.
     */
    void after(long position, long end, boolean fromWindows) {
        boolean stream = position == expected || fromWindows;
        expected = end;
        if (!stream) {
            drop();
            return;
        }
        while (count > 0 && windows[0].position + WINDOW <= end) {
            shift();
        }
        if (count > 0 && (windows[0].position > end || windows[0].stale)) {
            drop();
        }
        while (count < WINDOWS) {
            long from = count == 0 ? end : windows[count - 1].position + WINDOW;
            start(from);
        }
    }

    /** Marks the windows overlapping a write of {@code [position, position+len)} stale. */
    void written(long position, long len) {
        for (int i = 0; i < count; i++) {
            Window w = windows[i];
            if (position < w.position + WINDOW && w.position < position + len) {
                w.stale = true;
            }
        }
    }

    /** Forgets every window (their reads finish in the background). */
    void drop() {
        while (count > 0) {
            shift();
        }
    }

    private void start(long from) {
        Window w = windows[count];
        if (w == null) {
            w = windows[count] = new Window(arena.allocate(WINDOW, UncachedIo.ALIGN));
        }
        w.read.join(); // the buffer may still be filling from an earlier, abandoned window
        w.position = from;
        w.stale = false;
        Window target = w;
        if (reader == null) {
            reader = Executors.newSingleThreadExecutor(r -> Thread.ofPlatform().daemon().name("crfs-read-ahead").unstarted(r));
        }
        w.read = CompletableFuture.supplyAsync(() -> {
            try {
                return io.read(target.position, target.buffer, 0, WINDOW);
            } catch (java.io.IOException | RuntimeException e) {
                return -1; // the caller's own read reports it
            }
        }, reader);
        count++;
    }

    /** Moves the first window to the free end, its read possibly still running. */
    private void shift() {
        Window first = windows[0];
        System.arraycopy(windows, 1, windows, 0, WINDOWS - 1);
        windows[WINDOWS - 1] = first;
        count--;
    }

    /** Waits for every read in flight: only then may the descriptor and the buffers go. */
    @Override
    public void close() {
        for (Window w : windows) {
            if (w != null) {
                w.read.join();
            }
        }
        count = 0;
        if (reader != null) {
            reader.shutdown();
        }
        arena.close();
    }
}
