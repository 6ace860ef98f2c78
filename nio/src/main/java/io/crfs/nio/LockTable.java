package io.crfs.nio;

import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Byte-range locks of one {@link CrfsFileSystem} (one client session), with the semantics
 * {@link FileChannel#lock} has within one JVM: a request overlapping a lock already held
 * through any channel of this file system throws {@link OverlappingFileLockException}; locks go
 * away with {@link FileLock#release} or when their channel closes. They are not seen by other
 * clients: cross-client byte-range locks need the server and come with it later.
 */
final class LockTable {
    private final Map<Long, List<Lock>> byIno = new HashMap<>();

    final class Lock extends FileLock {
        private final long ino;
        private boolean released;

        Lock(FileChannel ch, long ino, long position, long size, boolean shared) {
            super(ch, position, size, shared);
            this.ino = ino;
        }

        @Override
        public boolean isValid() {
            synchronized (LockTable.this) {
                return !released && channel().isOpen();
            }
        }

        @Override
        public void release() throws java.nio.channels.ClosedChannelException {
            synchronized (LockTable.this) {
                if (released) {
                    return;
                }
                if (!channel().isOpen()) {
                    throw new java.nio.channels.ClosedChannelException();
                }
                remove(this);
            }
        }
    }

    synchronized Lock lock(FileChannel ch, long ino, long position, long size, boolean shared) {
        List<Lock> held = byIno.computeIfAbsent(ino, k -> new ArrayList<>());
        for (Lock l : held) {
            if (l.overlaps(position, size)) {
                throw new OverlappingFileLockException();
            }
        }
        Lock l = new Lock(ch, ino, position, size, shared);
        held.add(l);
        return l;
    }

    private void remove(Lock l) {
        l.released = true;
        List<Lock> held = byIno.get(l.ino);
        if (held != null) {
            held.remove(l);
            if (held.isEmpty()) {
                byIno.remove(l.ino);
            }
        }
    }

    /** Drops every lock of a channel that is closing. */
    synchronized void releaseAll(FileChannel ch, long ino) {
        List<Lock> held = byIno.get(ino);
        if (held != null) {
            for (Lock l : List.copyOf(held)) {
                if (l.channel() == ch) {
                    remove(l);
                }
            }
        }
    }
}
