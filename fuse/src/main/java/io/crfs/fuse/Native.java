package io.crfs.fuse;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;

/**
 * The few libc calls the transport needs, through the FFM API (Linux x86-64/aarch64).
 * Every call returns its result, or {@code -errno} on failure.
 */
final class Native {
    static final int O_RDWR = 2;
    static final int O_CLOEXEC = 02000000;
    static final int MS_NOSUID = 2;
    static final int MS_NODEV = 4;
    static final int MNT_DETACH = 2;
    static final int AF_UNIX = 1;
    static final int SOCK_STREAM = 1;
    static final int SOL_SOCKET = 1;
    static final int SCM_RIGHTS = 1;

    private static final Linker LINKER = Linker.nativeLinker();
    private static final SymbolLookup LIBC = LINKER.defaultLookup();
    private static final StructLayout STATE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO = STATE.varHandle(MemoryLayout.PathElement.groupElement("errno"));
    private static final ThreadLocal<MemorySegment> STATE_SEG =
        ThreadLocal.withInitial(() -> Arena.ofAuto().allocate(STATE));

    private static final MethodHandle OPEN = fn("open", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle READ = fn("read", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG));
    private static final MethodHandle WRITE = fn("write", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG));
    private static final MethodHandle CLOSE = fn("close", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
    private static final MethodHandle IOCTL = fn("ioctl", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, ADDRESS),
        Linker.Option.firstVariadicArg(2));
    private static final MethodHandle MOUNT = fn("mount",
        FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS, JAVA_LONG, ADDRESS));
    private static final MethodHandle UMOUNT2 = fn("umount2", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle SOCKETPAIR = fn("socketpair",
        FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS));
    private static final MethodHandle RECVMSG = fn("recvmsg", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle SPAWNP = fn("posix_spawnp",
        FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS));
    private static final MethodHandle WAITPID = fn("waitpid", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle GETEUID = fn("geteuid", FunctionDescriptor.of(JAVA_INT));
    private static final MethodHandle GETEGID = fn("getegid", FunctionDescriptor.of(JAVA_INT));
    private static final MethodHandle SYSCALL2 = fn("syscall",
        FunctionDescriptor.of(JAVA_LONG, JAVA_LONG, JAVA_LONG, ADDRESS), Linker.Option.firstVariadicArg(1));
    private static final MethodHandle SYSCALL6 = fn("syscall", FunctionDescriptor.of(JAVA_LONG, JAVA_LONG,
        JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, ADDRESS, JAVA_LONG), Linker.Option.firstVariadicArg(1));
    private static final MethodHandle MMAP = fn("mmap",
        FunctionDescriptor.of(ADDRESS, ADDRESS, JAVA_LONG, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_LONG));
    private static final MethodHandle MUNMAP = fn("munmap", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG));
    private static final MethodHandle EVENTFD = fn("eventfd", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT));
    private static final MethodHandle SETAFFINITY = fn("sched_setaffinity",
        FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, ADDRESS));

    private static final MethodHandle SETSCHEDULER = fn("sched_setscheduler",
        FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS));
    /** A {@code struct sched_param} of priority 0, the only one the normal policies take. */
    private static final MemorySegment PRIORITY_0 = Arena.global().allocate(8, 4);

    static final long SYS_IO_URING_SETUP = 425, SYS_IO_URING_ENTER = 426;
    static final int PROT_RW = 3, MAP_SHARED = 1, MAP_PRIVATE = 2, MAP_ANONYMOUS = 0x20, MAP_POPULATE = 0x8000;
    static final int EFD_CLOEXEC = O_CLOEXEC;
    static final int SCHED_BATCH = 3;

    private Native() {
    }

    @SuppressWarnings("restricted")
    private static MethodHandle fn(String name, FunctionDescriptor d, Linker.Option... extra) {
        MemorySegment sym = LIBC.find(name).orElseThrow(() -> new UnsatisfiedLinkError("libc: " + name));
        Linker.Option[] opts = new Linker.Option[extra.length + 1];
        opts[0] = Linker.Option.captureCallState("errno");
        System.arraycopy(extra, 0, opts, 1, extra.length);
        return LINKER.downcallHandle(sym, d, opts);
    }

    private static long check(long r, MemorySegment state) {
        return r >= 0 ? r : -(int) ERRNO.get(state, 0L);
    }

    private static RuntimeException rethrow(Throwable t) {
        if (t instanceof RuntimeException e) {
            return e;
        }
        if (t instanceof Error e) {
            throw e;
        }
        return new IllegalStateException(t);
    }

    static int open(MemorySegment path, int flags) {
        MemorySegment s = STATE_SEG.get();
        try {
            return (int) check((int) OPEN.invokeExact(s, path, flags), s);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    static long read(int fd, MemorySegment buf, long len) {
        MemorySegment s = STATE_SEG.get();
        try {
            return check((long) READ.invokeExact(s, fd, buf, len), s);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    static long write(int fd, MemorySegment buf, long len) {
        MemorySegment s = STATE_SEG.get();
        try {
            return check((long) WRITE.invokeExact(s, fd, buf, len), s);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    static int close(int fd) {
        MemorySegment s = STATE_SEG.get();
        try {
            return (int) check((int) CLOSE.invokeExact(s, fd), s);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    static int ioctl(int fd, long request, MemorySegment arg) {
        MemorySegment s = STATE_SEG.get();
        try {
            return (int) check((int) IOCTL.invokeExact(s, fd, request, arg), s);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    static int mount(MemorySegment src, MemorySegment target, MemorySegment type, long flags, MemorySegment data) {
        MemorySegment s = STATE_SEG.get();
        try {
            return (int) check((int) MOUNT.invokeExact(s, src, target, type, flags, data), s);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    static int umount2(MemorySegment target, int flags) {
        MemorySegment s = STATE_SEG.get();
        try {
            return (int) check((int) UMOUNT2.invokeExact(s, target, flags), s);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    static int socketpair(int domain, int type, int protocol, MemorySegment fds) {
        MemorySegment s = STATE_SEG.get();
        try {
            return (int) check((int) SOCKETPAIR.invokeExact(s, domain, type, protocol, fds), s);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    static long recvmsg(int fd, MemorySegment msg, int flags) {
        MemorySegment s = STATE_SEG.get();
        try {
            return check((long) RECVMSG.invokeExact(s, fd, msg, flags), s);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** posix_spawnp returns the error number itself (not -1/errno): returned here negated. */
    static int spawnp(MemorySegment pid, MemorySegment file, MemorySegment argv, MemorySegment envp) {
        MemorySegment s = STATE_SEG.get();
        try {
            int r = (int) SPAWNP.invokeExact(s, pid, file, MemorySegment.NULL, MemorySegment.NULL, argv, envp);
            return -r;
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    static int waitpid(int pid, MemorySegment status, int options) {
        MemorySegment s = STATE_SEG.get();
        try {
            return (int) check((int) WAITPID.invokeExact(s, pid, status, options), s);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    static int geteuid() {
        try {
            return (int) GETEUID.invokeExact(STATE_SEG.get());
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    static int getegid() {
        try {
            return (int) GETEGID.invokeExact(STATE_SEG.get());
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    static int ioUringSetup(int entries, MemorySegment params) {
        MemorySegment s = STATE_SEG.get();
        try {
            return (int) check((long) SYSCALL2.invokeExact(s, SYS_IO_URING_SETUP, (long) entries, params), s);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    static int ioUringEnter(int fd, int toSubmit, int minComplete, int flags, MemorySegment arg, long argSize) {
        MemorySegment s = STATE_SEG.get();
        try {
            return (int) check((long) SYSCALL6.invokeExact(s, SYS_IO_URING_ENTER, (long) fd, (long) toSubmit,
                (long) minComplete, (long) flags, arg, argSize), s);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** mmap; a negative {@code -errno} as the address on failure ({@code MAP_FAILED} is -1). */
    @SuppressWarnings("restricted")
    static MemorySegment mmap(long length, int flags, int fd, long offset) {
        MemorySegment s = STATE_SEG.get();
        try {
            MemorySegment r = (MemorySegment) MMAP.invokeExact(s, MemorySegment.NULL, length, PROT_RW, flags, fd, offset);
            if (r.address() == -1L) {
                return MemorySegment.ofAddress(-(int) ERRNO.get(s, 0L));
            }
            return r.reinterpret(length);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    static int munmap(MemorySegment m) {
        MemorySegment s = STATE_SEG.get();
        try {
            return (int) check((int) MUNMAP.invokeExact(s, m, m.byteSize()), s);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    static int eventfd(int flags) {
        MemorySegment s = STATE_SEG.get();
        try {
            return (int) check((int) EVENTFD.invokeExact(s, 0, flags), s);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** Binds the calling thread to one CPU. */
    static int pinToCpu(int cpu) {
        MemorySegment s = STATE_SEG.get();
        try (Arena a = Arena.ofConfined()) {
            MemorySegment mask = a.allocate(128);
            mask.set(JAVA_LONG, (cpu / 64) * 8L, 1L << (cpu % 64));
            return (int) check((int) SETAFFINITY.invokeExact(s, 0, 128L, mask), s);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** sched_setscheduler(2) of the calling thread to {@code policy} (a normal one: SCHED_OTHER, SCHED_BATCH, SCHED_IDLE). */
    static int setPolicy(int policy) {
        MemorySegment s = STATE_SEG.get();
        try {
            return (int) check((int) SETSCHEDULER.invokeExact(s, 0, policy, PRIORITY_0), s);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }
}
