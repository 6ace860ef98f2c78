package io.crfs.nio;

import io.crfs.posix.Attr;
import io.crfs.posix.DirEntryInfo;
import io.crfs.posix.PosixException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.NotDirectoryException;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchEvent;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.nio.file.Watchable;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingDeque;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A {@link WatchService} fed by the client's cache invalidations.
 *
 * <p>How it knows: a registered directory is listed at once and every entry is stat'ed, which
 * makes this client hold READ grants on the directory and on each entry's inode. When another
 * client changes any of them it must take a WRITE grant, so the server revokes ours, and
 * {@code CrfsClient.onInvalidate} reports the objectid range. Changes made through this same
 * file system are reported too (the view tells us the inodes it changed). Either way, the
 * directory is listed again and compared with the last listing:
 * <ul>
 *   <li>ENTRY_CREATE: a name that was not there (or now names another inode),</li>
 *   <li>ENTRY_DELETE: a name that is gone (or now names another inode; so a rename within a
 *       watched directory is a DELETE of the old name and a CREATE of the new one),</li>
 *   <li>ENTRY_MODIFY: a name whose inode's size, mtime or ctime changed (data written,
 *       truncated, chmod, chown, link count).</li>
 * </ul>
 * A change is seen within about one round trip of the other client's write reaching the
 * server (its edits are sent on revoke, so our re-listing pulls them). Events are coalesced
 * per name while a key is signalled; more than {@value #MAX_EVENTS} pending events become one
 * OVERFLOW. Not reported: changes in subdirectories (watch them too), atime, xattrs, and
 * changes undone before the re-listing (a file created and deleted at once).
 */
final class CrfsWatchService implements WatchService {
    static final int MAX_EVENTS = 512;
    private static final long[] CLOSE = new long[0];

    private final CrfsFileSystem fs;
    private final Map<Long, Key> keys = new ConcurrentHashMap<>();
    private final LinkedBlockingDeque<Key> ready = new LinkedBlockingDeque<>();
    private final LinkedBlockingQueue<long[]> changes = new LinkedBlockingQueue<>();
    private final Thread worker;
    private volatile boolean closed;
    private final Key closedMark = new Key(null, -1, Set.of(), Map.of());

    CrfsWatchService(CrfsFileSystem fs) {
        this.fs = fs;
        this.worker = Thread.ofPlatform().daemon().name("crfs-watch").start(this::run);
    }

    CrfsFileSystem fileSystem() {
        return fs;
    }

    /** An objectid range that changed (an invalidation, or a change made by this file system). */
    void changed(long from, long to) {
        if (!closed && !keys.isEmpty()) {
            changes.add(new long[] {from, to});
        }
    }

    private record Entry(long ino, long size, long mtimeSec, int mtimeNsec, long ctimeSec, int ctimeNsec) {
        static Entry of(Attr a) {
            return new Entry(a.ino(), a.size(), a.mtime().sec(), a.mtime().nsec(), a.ctime().sec(), a.ctime().nsec());
        }
    }

    /** Names are keyed as ISO-8859-1 Strings: one char per byte, so no name is lost to a charset. */
    private static String key(byte[] name) {
        return new String(name, StandardCharsets.ISO_8859_1);
    }

    private Map<String, Entry> list(long dir) {
        Map<String, Entry> out = new HashMap<>();
        long cookie = 0;
        while (true) {
            List<DirEntryInfo> batch = fs.view().readdir(dir, cookie, CrfsDirectoryStream.BATCH);
            if (batch.isEmpty()) {
                return out;
            }
            for (DirEntryInfo e : batch) {
                cookie = e.cookie();
                byte[] n = e.name();
                if ((n.length == 1 && n[0] == '.') || (n.length == 2 && n[0] == '.' && n[1] == '.')) {
                    continue;
                }
                try {
                    out.put(key(n), Entry.of(fs.view().posix().getattr(e.ino())));
                } catch (PosixException gone) {
                    // removed between readdir and stat: the next change shows it
                }
            }
        }
    }

    WatchKey register(CrfsPath dir, WatchEvent.Kind<?>[] kinds) throws IOException {
        if (closed) {
            throw new ClosedWatchServiceException();
        }
        Set<WatchEvent.Kind<?>> wanted = new java.util.HashSet<>();
        for (WatchEvent.Kind<?> k : kinds) {
            if (k == StandardWatchEventKinds.ENTRY_CREATE || k == StandardWatchEventKinds.ENTRY_DELETE
                    || k == StandardWatchEventKinds.ENTRY_MODIFY) {
                wanted.add(k);
            } else if (k != StandardWatchEventKinds.OVERFLOW) {
                throw new UnsupportedOperationException("watch event kind " + k);
            }
        }
        Attr a = fs.view().attr(dir, true);
        if (!a.isDir()) {
            throw new NotDirectoryException(dir.toString());
        }
        Map<String, Entry> snapshot = fs.view().io(dir, null, () -> list(a.ino()));
        synchronized (this) {
            Key k = keys.get(a.ino());
            if (k != null && k.isValid()) {
                k.kinds = wanted;
                return k;
            }
            k = new Key(dir, a.ino(), wanted, snapshot);
            keys.put(a.ino(), k);
            return k;
        }
    }

    private void run() {
        try {
            while (true) {
                long[] first = changes.take();
                if (first == CLOSE) {
                    return;
                }
                List<long[]> batch = new ArrayList<>();
                batch.add(first);
                changes.drainTo(batch);
                for (Key k : keys.values()) {
                    if (k.affectedBy(batch)) {
                        rescan(k);
                    }
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void rescan(Key k) {
        Map<String, Entry> now;
        try {
            now = list(k.dir);
        } catch (PosixException e) {
            k.cancel(); // the directory is gone or no longer readable
            return;
        }
        synchronized (k) {
            for (var e : k.snapshot.entrySet()) {
                Entry n = now.get(e.getKey());
                if (n == null || n.ino() != e.getValue().ino()) {
                    k.post(StandardWatchEventKinds.ENTRY_DELETE, e.getKey());
                }
            }
            for (var e : now.entrySet()) {
                Entry o = k.snapshot.get(e.getKey());
                if (o == null || o.ino() != e.getValue().ino()) {
                    k.post(StandardWatchEventKinds.ENTRY_CREATE, e.getKey());
                } else if (!o.equals(e.getValue())) {
                    k.post(StandardWatchEventKinds.ENTRY_MODIFY, e.getKey());
                }
            }
            k.snapshot = now;
        }
    }

    private void ensureOpen() {
        if (closed) {
            throw new ClosedWatchServiceException();
        }
    }

    private Key checked(Key k) {
        if (k == closedMark || closed) {
            ready.offerFirst(closedMark);
            throw new ClosedWatchServiceException();
        }
        return k;
    }

    @Override
    public WatchKey poll() {
        ensureOpen();
        Key k = ready.poll();
        return k == null ? null : checked(k);
    }

    @Override
    public WatchKey poll(long timeout, TimeUnit unit) throws InterruptedException {
        ensureOpen();
        Key k = ready.poll(timeout, unit);
        return k == null ? null : checked(k);
    }

    @Override
    public WatchKey take() throws InterruptedException {
        ensureOpen();
        return checked(ready.take());
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        for (Key k : keys.values()) {
            k.cancel();
        }
        changes.add(CLOSE);
        ready.add(closedMark);
        fs.unregister(this);
    }

    private record Event<T>(Kind<T> kind, T context, int count) implements WatchEvent<T> {
        @Override public int count() { return count; }
    }

    final class Key implements WatchKey {
        private final CrfsPath path;
        private final long dir;
        private volatile Set<WatchEvent.Kind<?>> kinds;
        private Map<String, Entry> snapshot;
        private final List<Event<?>> events = new ArrayList<>();
        private boolean signalled;
        private volatile boolean valid = true;

        Key(CrfsPath path, long dir, Set<WatchEvent.Kind<?>> kinds, Map<String, Entry> snapshot) {
            this.path = path;
            this.dir = dir;
            this.kinds = kinds;
            this.snapshot = snapshot;
        }

        boolean affectedBy(List<long[]> ranges) {
            for (long[] r : ranges) {
                if (dir >= r[0] && dir <= r[1]) {
                    return true;
                }
                synchronized (this) {
                    for (Entry e : snapshot.values()) {
                        if (e.ino() >= r[0] && e.ino() <= r[1]) {
                            return true;
                        }
                    }
                }
            }
            return false;
        }

        synchronized void post(WatchEvent.Kind<java.nio.file.Path> kind, String name) {
            if (!valid || !kinds.contains(kind)) {
                return;
            }
            CrfsPath ctx = new CrfsPath(fs, false, new byte[][] {name.getBytes(StandardCharsets.ISO_8859_1)});
            if (!events.isEmpty()) {
                Event<?> last = events.getLast();
                if (last.kind() == StandardWatchEventKinds.OVERFLOW) {
                    events.set(events.size() - 1, new Event<>(StandardWatchEventKinds.OVERFLOW, null, last.count() + 1));
                    return;
                }
                if (last.kind() == kind && ctx.equals(last.context())) {
                    events.set(events.size() - 1, new Event<java.nio.file.Path>(kind, ctx, last.count() + 1));
                    return;
                }
            }
            if (events.size() >= MAX_EVENTS) {
                events.add(new Event<>(StandardWatchEventKinds.OVERFLOW, null, 1));
            } else {
                events.add(new Event<java.nio.file.Path>(kind, ctx, 1));
            }
            signal();
        }

        private void signal() {
            if (!signalled) {
                signalled = true;
                ready.add(this);
            }
        }

        @Override
        public boolean isValid() {
            return valid && !closed;
        }

        @Override
        public synchronized List<WatchEvent<?>> pollEvents() {
            List<WatchEvent<?>> out = List.copyOf(events);
            events.clear();
            return out;
        }

        @Override
        public synchronized boolean reset() {
            if (!isValid()) {
                return false;
            }
            if (signalled) {
                if (events.isEmpty()) {
                    signalled = false;
                } else {
                    ready.add(this);
                }
            }
            return true;
        }

        @Override
        public void cancel() {
            valid = false;
            keys.remove(dir, this);
        }

        @Override
        public Watchable watchable() {
            return path;
        }
    }
}
