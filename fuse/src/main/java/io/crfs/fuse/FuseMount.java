package io.crfs.fuse;

import java.io.IOException;
import java.nio.file.Path;

/**
 * A mounted {@link FuseFileSystem}: {@link #mount} opens /dev/fuse, mounts (mount(2) as root,
 * fusermount3 otherwise), negotiates INIT and serves requests on worker threads until
 * {@link #close()}, JVM shutdown, or an external unmount.
 */
public final class FuseMount implements AutoCloseable {
    /**
     * Mount options. {@code maxWrite}: largest WRITE/READ in bytes (1 MiB; the kernel may
     * lower it); {@code workers}: at most this many threads read /dev/fuse (each blocked
     * operation holds one; one runs at first, more start while all are busy); {@code readdirplus}: negotiate READDIRPLUS (implement readdirplus then);
     * {@code locks}: POSIX and flock locks go to the file system (else the kernel keeps them
     * locally); {@code autoInvalData}: the kernel drops cached pages when mtime/size change;
     * {@code fusermount}: mount through fusermount3 even as root.
     */
    public record Options(int maxWrite, int maxReadahead, int maxBackground, int workers, boolean readdirplus,
                          boolean locks, boolean autoInvalData, boolean allowOther, String fsName, String subtype,
                          boolean fusermount, boolean handleKillpriv, boolean defaultPermissions, boolean posixAcl,
                          boolean uring) {
        public Options {
            if (maxWrite < Wire.PAGE_SIZE || workers < 1 || maxBackground < 1 || maxBackground > 0xffff) {
                throw new IllegalArgumentException("bad fuse options");
            }
            if (fsName.contains(",") || subtype.contains(",")) {
                throw new IllegalArgumentException("fsName/subtype must not contain ','");
            }
        }

        /** A copy with the fields {@code change} sets on a mutable copy (the constructor checks the result). */
        private Options edit(java.util.function.Consumer<Fields> change) {
            Fields f = new Fields(this);
            change.accept(f);
            return f.options();
        }

        /** The fields of an {@link Options}, settable one at a time. */
        private static final class Fields {
            int maxWrite, maxReadahead, maxBackground, workers;
            boolean readdirplus, locks, autoInvalData, allowOther, fusermount, handleKillpriv, defaultPermissions, posixAcl, uring;
            String fsName, subtype;

            Fields(Options o) {
                maxWrite = o.maxWrite;
                maxReadahead = o.maxReadahead;
                maxBackground = o.maxBackground;
                workers = o.workers;
                readdirplus = o.readdirplus;
                locks = o.locks;
                autoInvalData = o.autoInvalData;
                allowOther = o.allowOther;
                fsName = o.fsName;
                subtype = o.subtype;
                fusermount = o.fusermount;
                handleKillpriv = o.handleKillpriv;
                defaultPermissions = o.defaultPermissions;
                posixAcl = o.posixAcl;
                uring = o.uring;
            }

            Options options() {
                return new Options(maxWrite, maxReadahead, maxBackground, workers, readdirplus, locks, autoInvalData,
                    allowOther, fsName, subtype, fusermount, handleKillpriv, defaultPermissions, posixAcl, uring);
            }
        }

        public static Options defaults() {
            return new Options(1 << 20, 1 << 20, 64, 16, true, true, false, true, "crfs", "crfs", false, false, false, false, true);
        }

        public Options withWorkers(int n) {
            return edit(b -> b.workers = n);
        }

        public Options withFusermount(boolean f) {
            return edit(b -> b.fusermount = f);
        }

        public Options withReaddirplus(boolean r) {
            return edit(b -> b.readdirplus = r);
        }

        public Options withLocks(boolean l) {
            return edit(b -> b.locks = l);
        }

        /**
         * {@code killpriv}: the file system clears setuid/setgid itself on write, truncate and
         * chown (FUSE_HANDLE_KILLPRIV_V2), so the kernel does not send a chmod as the writer.
         * {@code defaultPermissions}: the kernel also checks permissions from the attributes
         * (needed for what never reaches the file system, such as opening a FIFO).
         * {@code acl}: POSIX ACLs (FUSE_POSIX_ACL, which implies default permissions): the kernel
         * reads the {@code system.posix_acl_access} xattr for its checks and caches it until the
         * inode is invalidated; the file system keeps the mode and ACLs in step on chmod and on
         * setting an ACL, and applies the umask and the parent's default ACL to a new inode itself
         * (FUSE_DONT_MASK: the kernel passes the mode unmasked, with the umask beside it).
         */
        public Options withKernelChecks(boolean killpriv, boolean defaultPerms, boolean acl) {
            return edit(b -> {
                b.handleKillpriv = killpriv;
                b.defaultPermissions = defaultPerms;
                b.posixAcl = acl;
            });
        }

        /** {@code auto}: the kernel drops an inode's cached pages when it sees its mtime or size change. */
        public Options withAutoInvalData(boolean auto) {
            return edit(b -> b.autoInvalData = auto);
        }

        /**
         * {@code uring}: serve requests through FUSE-over-io_uring when the kernel offers it
         * (Linux 6.14+ with {@code /sys/module/fuse/parameters/enable_uring} set): one queue and
         * thread per CPU, so a request is answered on the CPU that made it. Otherwise, and for
         * forgets, interrupts and notifications, /dev/fuse is used.
         */
        public Options withUring(boolean u) {
            return edit(b -> b.uring = u);
        }

        public Options withNames(String fs, String sub) {
            return edit(b -> {
                b.fsName = fs;
                b.subtype = sub;
            });
        }
    }

    private final Session session;

    private FuseMount(Session session) {
        this.session = session;
    }

    /** Mounts {@code fs} on the existing directory {@code dir}; returns once the kernel is served. */
    public static FuseMount mount(Path dir, FuseFileSystem fs, Options options) throws IOException {
        return new FuseMount(Session.start(dir.toAbsolutePath().normalize(), fs, options));
    }

    /** The mount point. */
    public Path mountPoint() {
        return session.mountPoint();
    }

    /** Sends cache invalidations to this mount's kernel connection. */
    public FuseNotifier notifier() {
        return session.notifier();
    }

    /** True when requests come through FUSE-over-io_uring queues (see {@link Options#withUring}). */
    public boolean usesUring() {
        return session.usesUring();
    }

    /**
     * How long (ns) the longest-served request that others may be waiting for has been served;
     * 0 if none is. Those are the requests on the threads that take them from the kernel (the
     * requests queued for such a thread wait meanwhile) and large READs (the kernel keeps their
     * pages locked). One served for long may itself be waiting, through a server, for whoever
     * waits for it: see {@code Dispatcher.handleTracked}.
     */
    public long servingNanos() {
        return session.servingNanos();
    }

    /** True until unmounted (by {@link #close()} or externally). */
    public boolean isMounted() {
        return session.isRunning();
    }

    /** Unmounts (lazily, MNT_DETACH) and stops the workers; idempotent. */
    @Override
    public void close() {
        session.close();
    }
}
