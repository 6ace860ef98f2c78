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
 * away with {@link FileLock#release} or when their channel closes. Every lock is also taken on
 * the server (one lock owner per file system), so other clients, FUSE mounts included, see it.
 */
final class LockTable {
    /** The lock owner this file system uses on the server (locks of one JVM never overlap). */
    static final long OWNER = 1;
    private final Map<Long, List<Lock>> byIno = new HashMap<>();
    private final io.crfs.client.CrfsClient client;

    LockTable(io.crfs.client.CrfsClient client) {
        this.client = client;
    }

    private static long end(long position, long size) {
        return size == 0 ? position : (position + size - 1 < 0 ? Long.MAX_VALUE : position + size - 1);
    }

    /** Takes the lock on the server; false if another client holds a conflicting one (and !block). */
    boolean remote(long ino, long position, long size, boolean shared, boolean block) throws java.io.IOException {
        try {
            client.lock(ino, OWNER, position, end(position, size), shared ? 0 : 1, block, false);
            return true;
        } catch (io.crfs.client.RemoteException e) {
            if (e.code() == io.crfs.protocol.ErrorCode.LOCKED) {
                return false;
            }
            throw e;
        }
    }

    private void unlockRemote(Lock l) {
        try {
            client.lock(l.ino, OWNER, l.position(), end(l.position(), l.size()), 2, false, false);
        } catch (java.io.IOException e) {
            org.slf4j.LoggerFactory.getLogger(LockTable.class).warn("releasing a lock on the server failed: {}", e.getMessage());
        }
    }

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

    /** Reserves the range in this JVM (OverlappingFileLockException if taken), then locks it on the server. */
    Lock lock(FileChannel ch, long ino, long position, long size, boolean shared, boolean block) throws java.io.IOException {
        Lock l;
        synchronized (this) {
            List<Lock> held = byIno.computeIfAbsent(ino, k -> new ArrayList<>());
            for (Lock o : held) {
                if (o.overlaps(position, size)) {
                    throw new OverlappingFileLockException();
                }
            }
            l = new Lock(ch, ino, position, size, shared);
            held.add(l);
        }
        boolean ok = false;
        try {
            ok = remote(ino, position, size, shared, block);
            return ok ? l : null;
        } finally {
            if (!ok) {
                synchronized (this) {
                    dropLocal(l);
                }
            }
        }
    }

    private void remove(Lock l) {
        dropLocal(l);
        unlockRemote(l);
    }

    private void dropLocal(Lock l) {
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
