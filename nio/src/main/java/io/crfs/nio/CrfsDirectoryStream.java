package io.crfs.nio;

import io.crfs.posix.DirEntryInfo;
import io.crfs.posix.PosixException;
import java.io.IOException;
import java.nio.file.DirectoryIteratorException;
import java.nio.file.DirectoryStream;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Iterator;
import java.util.NoSuchElementException;

/**
 * A directory's entries, read lazily in batches of {@value #BATCH} by readdir cookie (so a
 * stream over a huge directory holds one batch); "." and ".." are skipped. Entries created or
 * removed while iterating may or may not be seen, as with readdir(3).
 */
final class CrfsDirectoryStream implements DirectoryStream<Path> {
    static final int BATCH = 256;

    private final CrfsFileSystemView view;
    private final CrfsPath dir;
    private final long ino;
    private final Filter<? super Path> filter;
    private final ArrayDeque<DirEntryInfo> batch = new ArrayDeque<>();
    private long cookie;
    private boolean end;
    private boolean closed;
    private boolean iterated;

    CrfsDirectoryStream(CrfsFileSystemView view, CrfsPath dir, long ino, Filter<? super Path> filter) {
        this.view = view;
        this.dir = dir;
        this.ino = ino;
        this.filter = filter;
        fill(); // the first batch now, so that a permission error is thrown by newDirectoryStream
    }

    private void fill() {
        var list = view.readdir(ino, cookie, BATCH);
        if (list.isEmpty()) {
            end = true;
        }
        for (DirEntryInfo e : list) {
            cookie = e.cookie();
            byte[] n = e.name();
            if ((n.length == 1 && n[0] == '.') || (n.length == 2 && n[0] == '.' && n[1] == '.')) {
                continue;
            }
            batch.add(e);
        }
    }

    @Override
    public synchronized Iterator<Path> iterator() {
        if (closed) {
            throw new IllegalStateException("directory stream closed");
        }
        if (iterated) {
            throw new IllegalStateException("iterator already obtained");
        }
        iterated = true;
        return new Iterator<>() {
            private Path next;

            @Override
            public boolean hasNext() {
                synchronized (CrfsDirectoryStream.this) {
                    while (next == null && !closed) {
                        if (batch.isEmpty()) {
                            if (end) {
                                return false;
                            }
                            try {
                                fill();
                            } catch (PosixException e) {
                                throw new DirectoryIteratorException(Errors.map(e, dir, null));
                            }
                            continue;
                        }
                        Path p = dir.resolveName(batch.poll().name());
                        try {
                            if (filter == null || filter.accept(p)) {
                                next = p;
                            }
                        } catch (IOException e) {
                            throw new DirectoryIteratorException(e);
                        }
                    }
                    return next != null;
                }
            }

            @Override
            public Path next() {
                if (!hasNext()) {
                    throw new NoSuchElementException();
                }
                Path p = next;
                next = null;
                return p;
            }
        };
    }

    @Override
    public synchronized void close() {
        closed = true;
        batch.clear();
    }
}
