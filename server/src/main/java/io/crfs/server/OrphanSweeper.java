package io.crfs.server;

import io.crfs.format.ItemType;
import io.crfs.format.Key;
import io.crfs.format.ObjectIds;
import io.crfs.posix.PosixFs;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Deletes the orphans nobody will close any more: files another client removed while a client
 * had them open, once that client's session ends (unmount, crash, eviction) and no other has
 * them open. Without it they would wait for crfsd's next start, as after a crash of a local
 * btrfs.
 *
 * <p>It edits the volume as a client would: under WRITE grants of the inode and of the orphan
 * list, taken from the table as session {@link #SWEEPER} (so whoever cached them is revoked and
 * sends its edits first), and only while it still holds both when its work reaches the volume
 * thread: a revoke of a session the table does not know lands at once, so a client that wants
 * the inode in between simply wins, and the sweeper tries again later.
 */
final class OrphanSweeper {
    private static final Logger LOG = LoggerFactory.getLogger(OrphanSweeper.class);
    /** The sweeper's session id in the grant table: no client's (theirs are positive). */
    static final long SWEEPER = -1;
    /** Tries per orphan, the first at once, then after 0.5 s, 1 s, 2 s, ... up to a minute apart (about 5 minutes in all). */
    static final int ATTEMPTS = 12;
    private static final long FIRST_RETRY_MS = 500, MAX_RETRY_MS = 60_000;

    private final GrantTable grants;
    private final Backend backend;
    private final OpenFiles opens;
    private final ScheduledExecutorService later;
    private final java.util.concurrent.atomic.AtomicLong deleted = new java.util.concurrent.atomic.AtomicLong();

    OrphanSweeper(GrantTable grants, Backend backend, OpenFiles opens, ScheduledExecutorService later) {
        this.grants = grants;
        this.backend = backend;
        this.opens = opens;
        this.later = later;
    }

    /** How many orphans it deleted (status). */
    long deleted() {
        return deleted.get();
    }

    /** A session ended that was the last to have {@code inodes} open. */
    void lastOpenGone(List<Long> inodes) {
        for (long ino : inodes) {
            backend.submit(() -> mayBeOrphan(ino)).thenAccept(maybe -> {
                if (maybe) {
                    attempt(ino, 0);
                }
            });
        }
    }

    /**
     * Whether the inode is an orphan on the volume, or may be becoming one: making it one takes
     * WRITE on it, so with neither, it is none and will not be (its next remover sees nobody
     * has it open). Runs on the volume thread.
     */
    private boolean mayBeOrphan(long ino) {
        return backend.fs().get(new Key(ObjectIds.ORPHAN, ItemType.ORPHAN_ITEM, ino)) != null
                || grants.writeHeld(Key.first(ino));
    }

    /**
     * One try to delete the orphan, {@code tried} made before. The grants it took are released
     * whatever happens: by {@link #sweep}, or here when a step before it failed (crfsd stopping).
     */
    void attempt(long ino, int tried) {
        CompletableFuture<Grant> inode = grants.acquire(SWEEPER, Key.first(ino), Key.last(ino), Grant.WRITE);
        CompletableFuture<Grant> list = inode.thenCompose(
                g -> grants.acquire(SWEEPER, Key.first(ObjectIds.ORPHAN), Key.last(ObjectIds.ORPHAN), Grant.WRITE));
        list.thenCompose(l -> backend.submit(() -> sweep(ino, inode.join(), l)))
                .whenComplete((done, t) -> {
                    if (t != null) {
                        releaseIfGranted(inode);
                        releaseIfGranted(list);
                        LOG.debug("orphan {}: {}", Long.toUnsignedString(ino), t.toString());
                    } else if (!done && tried + 1 < ATTEMPTS) {
                        long wait = Math.min(MAX_RETRY_MS, FIRST_RETRY_MS << Math.min(tried, 20));
                        later.schedule(() -> attempt(ino, tried + 1), wait, TimeUnit.MILLISECONDS);
                    } else if (!done) {
                        LOG.info("orphan {} stays until crfsd's next start: its inode was in use at each of {} tries",
                                Long.toUnsignedString(ino), ATTEMPTS);
                    }
                });
    }

    /** Releases the grant if it was granted (releasing one already released does nothing). */
    private void releaseIfGranted(CompletableFuture<Grant> g) {
        if (g.isDone() && !g.isCompletedExceptionally()) {
            grants.release(g.join().id(), 0);
        }
    }

    /** On the volume thread: deletes the orphan if both grants are still the sweeper's and nobody has it open. */
    private boolean sweep(long ino, Grant inode, Grant list) {
        try {
            if (!grants.holds(SWEEPER, inode.id()) || !grants.holds(SWEEPER, list.id())) {
                return false; // a client took one back: try again later
            }
            if (opens.elsewhere(SWEEPER, ino, ino).isEmpty() && new PosixFs(backend.fs()).deleteOrphan(ino)) {
                deleted.incrementAndGet();
                LOG.debug("deleted orphan {}, which nobody has open any more", Long.toUnsignedString(ino));
            }
            return true;
        } finally {
            grants.release(inode.id(), 0);
            grants.release(list.id(), 0);
        }
    }
}
