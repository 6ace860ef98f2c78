package io.crfs.cli;

import io.crfs.format.Timespec;
import io.crfs.posix.Attr;
import io.crfs.posix.Caller;
import io.crfs.posix.PosixFs;
import io.crfs.posix.SetAttr;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static io.crfs.cli.LinuxSyscalls.show;

/**
 * Copies a host tree into the volume, preserving contents, holes, modes (with setuid, setgid,
 * sticky), owners, atime/mtime to the nanosecond, symlinks, hard links, device nodes, fifos,
 * sockets and every xattr. Files are streamed in 1 MiB chunks and only their data regions are
 * written (SEEK_DATA/SEEK_HOLE), so sparse files stay sparse and big files never sit in memory.
 *
 * <p>Order per inode: create, data, owner, mode (after owner, since chown may clear setuid),
 * xattrs, then times last; directories get their times after their contents, because adding
 * entries changes a directory's mtime.
 *
 * <p>The volume is committed every {@link #COMMIT_BYTES} of data or {@link #COMMIT_ENTRIES}
 * entries, so a huge import neither holds an unbounded transaction nor loses everything on a crash.
 */
final class Importer {
    static final long COMMIT_BYTES = 256L << 20;
    static final long COMMIT_ENTRIES = 20_000;
    private static final int CHUNK = 1 << 20;

    private final OpenVolume vol;
    private final PosixFs fs;
    private final Progress progress;
    /** Source (dev, ino) of multiply linked non-directories -> volume inode, to recreate hard links. */
    private final Map<DevIno, Long> links = new HashMap<>();
    private final byte[] chunk = new byte[CHUNK];
    private final Arena arena = Arena.ofConfined();
    private final MemorySegment buf = arena.allocate(CHUNK, 4096);
    private long bytesSinceCommit, entriesSinceCommit;

    private record DevIno(long dev, long ino) {}

    Importer(OpenVolume vol, Progress progress) {
        this.vol = vol;
        this.fs = vol.fs;
        this.progress = progress;
    }

    /**
     * Copies SRC into the volume directory {@code destDir}: a directory's contents go into destDir
     * and destDir takes its mode, owner, xattrs and times (as {@code rsync -a SRC/ DEST/}); any
     * other file becomes destDir/basename(SRC).
     */
    void run(byte[] src, Attr destDir) throws IOException {
        try {
            LinuxSyscalls.Stat st = LinuxSyscalls.lstat(src);
            if (st.isDir()) {
                copyChildren(src, destDir.ino());
                applyMeta(src, st, destDir.ino());
                progress.dir();
            } else {
                copyEntry(src, st, destDir.ino(), basename(src));
            }
            vol.commit();
        } finally {
            arena.close();
        }
    }

    private void copyChildren(byte[] srcDir, long dirIno) throws IOException {
        List<byte[]> names = LinuxSyscalls.listDir(srcDir);
        for (byte[] name : names) {
            byte[] path = LinuxSyscalls.child(srcDir, name);
            copyEntry(path, LinuxSyscalls.lstat(path), dirIno, name);
        }
    }

    private void copyEntry(byte[] src, LinuxSyscalls.Stat st, long parent, byte[] name) throws IOException {
        Attr existing = vol.lookupOrNull(parent, name);
        if (existing != null) {
            if (st.isDir() && existing.isDir()) {
                copyChildren(src, existing.ino());
                applyMeta(src, st, existing.ino());
                progress.dir();
                countEntry();
                return;
            }
            if (existing.isDir()) {
                throw CliException.notFound("cannot replace directory " + show(name) + " in the volume with non-directory "
                        + show(src) + "; remove or rename one of them");
            }
            fs.unlink(Caller.ROOT, parent, name);
        }
        if (!st.isDir() && st.nlink() > 1) {
            Long first = links.get(new DevIno(st.dev(), st.ino()));
            if (first != null) {
                fs.link(Caller.ROOT, first, parent, name);
                progress.hardlink();
                countEntry();
                return;
            }
        }
        long ino;
        switch (st.type()) {
            case 0040000 -> {
                ino = fs.mkdir(Caller.ROOT, parent, name, st.mode() & 07777).ino();
                copyChildren(src, ino);
                progress.dir();
            }
            case 0100000 -> {
                ino = fs.create(Caller.ROOT, parent, name, st.mode() & 07777, true).ino();
                copyData(src, st, ino);
                progress.file();
            }
            case 0120000 -> {
                ino = fs.symlink(Caller.ROOT, parent, name, LinuxSyscalls.readlink(src)).ino();
                progress.symlink();
            }
            default -> {
                // fifo, socket, char and block devices; rdev as stat(2) reports it.
                ino = fs.mknod(Caller.ROOT, parent, name, st.mode(), st.rdev()).ino();
                progress.special();
            }
        }
        if (!st.isDir() && st.nlink() > 1) {
            links.put(new DevIno(st.dev(), st.ino()), ino);
        }
        applyMeta(src, st, ino);
        countEntry();
    }

    private void copyData(byte[] src, LinuxSyscalls.Stat st, long ino) throws IOException {
        int fd = LinuxSyscalls.open(src, LinuxSyscalls.O_RDONLY | LinuxSyscalls.O_NOFOLLOW, 0);
        try {
            long size = st.size();
            long off = 0;
            while (off < size) {
                long data = LinuxSyscalls.lseek(fd, off, LinuxSyscalls.SEEK_DATA, src);
                if (data < 0 || data >= size) {
                    break; // only a hole is left
                }
                long hole = LinuxSyscalls.lseek(fd, data, LinuxSyscalls.SEEK_HOLE, src);
                long end = hole < 0 ? size : Math.min(hole, size);
                for (long pos = data; pos < end; ) {
                    int want = (int) Math.min(CHUNK, end - pos);
                    long n = LinuxSyscalls.pread(fd, buf, want, pos, src);
                    if (n == 0) {
                        end = pos; // the file shrank under us
                        size = pos;
                        break;
                    }
                    MemorySegment.copy(buf, ValueLayout.JAVA_BYTE, 0, chunk, 0, (int) n);
                    fs.write(Caller.ROOT, ino, pos, chunk, 0, (int) n);
                    pos += n;
                    progress.bytes(n);
                    bytesSinceCommit += n;
                    if (bytesSinceCommit >= COMMIT_BYTES) {
                        commitNow();
                    }
                }
                off = end;
            }
            // A trailing hole (or a file that is all hole) is just the size.
            if (fs.getattr(ino).size() != size) {
                fs.setattr(Caller.ROOT, ino, SetAttr.size(size));
            }
        } finally {
            LinuxSyscalls.close(fd);
        }
    }

    private void applyMeta(byte[] src, LinuxSyscalls.Stat st, long ino) throws IOException {
        fs.setattr(Caller.ROOT, ino, SetAttr.owner(st.uid(), st.gid()));
        if (!st.isSymlink()) {
            fs.setattr(Caller.ROOT, ino, SetAttr.mode(st.mode() & 07777));
        }
        for (byte[] name : LinuxSyscalls.listXattrs(src)) {
            byte[] value;
            try {
                value = LinuxSyscalls.getXattr(src, name);
            } catch (LinuxSyscalls.SyscallException e) {
                if (e.errno() == LinuxSyscalls.ENODATA) {
                    continue; // removed since listed
                }
                throw e;
            }
            fs.setxattr(Caller.ROOT, ino, name, value, 0);
        }
        fs.setattr(Caller.ROOT, ino, SetAttr.times(new Timespec(st.atimeSec(), st.atimeNsec()),
                new Timespec(st.mtimeSec(), st.mtimeNsec())));
    }

    private void countEntry() throws IOException {
        if (++entriesSinceCommit >= COMMIT_ENTRIES) {
            commitNow();
        }
    }

    private void commitNow() throws IOException {
        vol.commit();
        bytesSinceCommit = 0;
        entriesSinceCommit = 0;
    }

    static byte[] basename(byte[] path) {
        int end = path.length;
        while (end > 1 && path[end - 1] == '/') {
            end--;
        }
        int start = end;
        while (start > 0 && path[start - 1] != '/') {
            start--;
        }
        return java.util.Arrays.copyOfRange(path, start, end);
    }
}
