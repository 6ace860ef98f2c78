package io.crfs.fuse;

/**
 * Who asked: the caller's credentials and the request's id, handed to every operation.
 * {@link #isInterrupted()} turns true when the kernel sends FUSE_INTERRUPT for this request
 * (e.g. the caller got a signal while blocked in SETLKW); a long operation may then give up
 * with {@link Errno#EINTR}.
 */
public final class FuseContext {
    private final long unique;
    private final int uid;
    private final int gid;
    private final int pid;
    private volatile boolean interrupted;

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

    void interrupt() {
        interrupted = true;
    }

    @Override
    public String toString() {
        return "ctx{unique=" + unique + " uid=" + uid + " gid=" + gid + " pid=" + pid + "}";
    }
}
