package io.crfs.fuse;

/**
 * Who asked: the caller's credentials and the request's id, handed to every operation.
 * {@link #isInterrupted()} turns true when the kernel sends FUSE_INTERRUPT for this request
 * (e.g. the caller got a signal while blocked in SETLKW); a long operation may then give up
 * with {@link Errno#EINTR}.
 *
 * <p>{@link #movable()}: the request is served on a thread other callers' requests queue behind
 * (a ring queue's). An operation that finds it would have to wait for something slow (a server)
 * before it has changed anything may then throw {@link MoveRequest}: the request is run again
 * from the start on a thread of its own. Once it has changed something it calls {@link #pin()}.
 */
public final class FuseContext {
    private final long unique;
    private final int uid;
    private final int gid;
    private final int pid;
    private volatile boolean interrupted;
    private boolean movable;

    public FuseContext(long unique, int uid, int gid, int pid) {
        this.unique = unique;
        this.uid = uid;
        this.gid = gid;
        this.pid = pid;
    }

    public long unique() { return unique; }
    public int uid() { return uid; }
    public int gid() { return gid; }
    public int pid() { return pid; }
    public boolean isInterrupted() { return interrupted; }

    /** Whether the operation may still throw {@link MoveRequest} instead of waiting. */
    public boolean movable() { return movable; }

    /** The operation has changed something: it finishes on the thread it runs on. */
    public void pin() {
        movable = false;
    }

    void movable(boolean m) {
        movable = m;
    }

    void interrupt() {
        interrupted = true;
    }

    @Override
    public String toString() {
        return "ctx{unique=" + unique + " uid=" + uid + " gid=" + gid + " pid=" + pid + "}";
    }
}
