package io.crfs.fusemount;

import io.crfs.client.CrfsClient;
import io.crfs.fuse.Errno;
import io.crfs.fuse.FileLock;
import io.crfs.fuse.FuseContext;
import io.crfs.fuse.FuseException;
import java.io.IOException;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A network mount's record (fcntl) and flock locks: taken and tested on crfsd, so every client
 * sees them. Remembers which (inode, owner) may hold a lock there, so that only their closes cost
 * a round trip to drop them, as close(2) drops the closer's record locks and the last close of a
 * file description its flock.
 */
final class ServerLocks {
    /** Threads that wait for blocking locks (never the common pool: its threads may be the lockers). */
    private static final ExecutorService WAITERS = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "crfs-lock-wait");
        t.setDaemon(true);
        return t;
    });

    /** (ino, owner, flock) that may hold a lock on the server. */
    private record LockKey(long ino, long owner, boolean flock) {}

    private final CrfsClient client;
    private final Set<LockKey> lockers = ConcurrentHashMap.newKeySet();

    ServerLocks(CrfsClient client) {
        this.client = client;
    }

    /**
     * A FLUSH (a close): drops the owner's record locks on the inode, if it may have any. Every
     * close comes here; with no locks anywhere it costs no key and no lookup.
     */
    void closed(long ino, long owner) {
        if (!lockers.isEmpty() && lockers.remove(new LockKey(ino, owner, false))) {
            unlock(ino, owner, 0, Long.MAX_VALUE, false);
        }
    }

    /** The last close of a file description that took a flock: drops it. */
    void flockReleased(long ino, long owner) {
        if (!lockers.isEmpty() && lockers.remove(new LockKey(ino, owner, true))) {
            unlock(ino, owner, 0, Long.MAX_VALUE, true);
        }
    }

    /** GETLK: the first lock that would conflict, or {@code lock}'s range unlocked. */
    FileLock test(long ino, long owner, FileLock lock) {
        try {
            var info = client.testLock(ino, owner, lock.start(), lock.end(), lock.type(), false);
            if (info.lockType() == FileLock.F_UNLCK) {
                return new FileLock(lock.start(), lock.end(), FileLock.F_UNLCK, 0);
            }
            return new FileLock(info.start(), info.end(), info.lockType(), 0);
        } catch (IOException e) {
            throw new FuseException(Errno.EIO, e.getMessage());
        }
    }

    /** SETLK, or SETLKW ({@code sleep}): a blocking lock waits on the server until an interrupt. */
    void set(FuseContext ctx, long ino, long owner, FileLock lock, boolean sleep, boolean flock) {
        if (!sleep) {
            lockNow(ino, owner, lock, false, flock);
            return;
        }
        var wait = CompletableFuture.runAsync(() -> lockNow(ino, owner, lock, true, flock), WAITERS);
        while (true) {
            try {
                wait.get(100, TimeUnit.MILLISECONDS);
                return;
            } catch (TimeoutException e) {
                if (ctx.isInterrupted()) { // cancel the wait: only its range, not the owner's other locks
                    unlock(ino, owner, lock.start(), lock.end(), flock);
                    throw new FuseException(Errno.EINTR);
                }
            } catch (ExecutionException e) {
                throw e.getCause() instanceof FuseException f ? f : new FuseException(Errno.EIO);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new FuseException(Errno.EINTR);
            }
        }
    }

    private void lockNow(long ino, long owner, FileLock lock, boolean block, boolean flock) {
        try {
            if (lock.type() != FileLock.F_UNLCK) {
                lockers.add(new LockKey(ino, owner, flock)); // before: a close racing the grant must still unlock
            }
            client.lock(ino, owner, lock.start(), lock.end(), lock.type(), block, flock);
        } catch (io.crfs.client.RemoteException e) {
            int errno = switch (e.code()) {
                case LOCKED -> Errno.EAGAIN;
                case INTERRUPTED -> Errno.EINTR;
                default -> Errno.EIO;
            };
            throw new FuseException(errno, e.getMessage());
        } catch (IOException e) {
            throw new FuseException(Errno.EIO, e.getMessage());
        }
    }

    /** Drops the owner's locks in [start, end], and its waits there. */
    private void unlock(long ino, long owner, long start, long end, boolean flock) {
        try {
            client.lock(ino, owner, start, end, FileLock.F_UNLCK, false, flock);
        } catch (IOException e) {
            throw new FuseException(Errno.EIO, e.getMessage());
        }
    }
}
