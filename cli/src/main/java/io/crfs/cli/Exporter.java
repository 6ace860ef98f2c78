package io.crfs.cli;

import io.crfs.posix.Attr;
import io.crfs.posix.Caller;
import io.crfs.posix.DirEntryInfo;
import io.crfs.posix.Errno;
import io.crfs.posix.PosixException;
import io.crfs.posix.PosixFs;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static io.crfs.cli.LinuxSyscalls.show;

/**
 * Copies a volume tree out to the host, preserving what {@link Importer} preserves. Only data
 * regions are written (the volume's SEEK_DATA/SEEK_HOLE), then the file is sized with ftruncate,
 * so holes stay holes. Owner, mode, xattrs and times are set in the same order as on import.
 */
final class Exporter {
    private static final int CHUNK = 1 << 20;
    private static final int READDIR_BATCH = 512;

    private final PosixFs fs;
    private final Progress progress;
    /** Volume inode of a multiply linked non-directory -> first host path written for it. */
    private final Map<Long, byte[]> links = new HashMap<>();
    private final Arena arena = Arena.ofConfined();
    private final MemorySegment buf = arena.allocate(CHUNK, 4096);

    Exporter(PosixFs fs, Progress progress) {
        this.fs = fs;
        this.progress = progress;
    }

    /**
     * Copies the volume object {@code src} (named {@code srcName}) to the host: a directory's
     * contents go into {@code dest} (created if missing), which then takes the directory's
     * attributes; a non-directory becomes dest/name when dest is a directory, else dest itself.
     */
    void run(Attr src, byte[] srcName, byte[] dest) throws IOException {
        try {
            if (src.isDir()) {
                LinuxSyscalls.Stat st = lstatOrNull(dest);
                if (st == null) {
                    LinuxSyscalls.mkdir(dest, 0700);
                } else if (!st.isDir()) {
                    throw CliException.notFound(show(dest) + " exists and is not a directory; choose a directory DEST");
                }
                copyChildren(src.ino(), dest);
                applyMeta(src, dest);
                progress.dir();
            } else {
                LinuxSyscalls.Stat st = lstatOrNull(dest);
                byte[] target = st != null && st.isDir() ? LinuxSyscalls.child(dest, srcName) : dest;
                copyEntry(src, target);
            }
        } finally {
            arena.close();
        }
    }

    private void copyChildren(long dirIno, byte[] destDir) throws IOException {
        long cookie = 0;
        while (true) {
            List<DirEntryInfo> batch = fs.readdir(Caller.ROOT, dirIno, cookie, READDIR_BATCH);
            if (batch.isEmpty()) {
                return;
            }
            for (DirEntryInfo e : batch) {
                cookie = e.cookie();
                if (isDotOrDotDot(e.name())) {
                    continue;
                }
                copyEntry(fs.getattr(e.ino()), LinuxSyscalls.child(destDir, e.name()));
            }
        }
    }

    private void copyEntry(Attr a, byte[] dest) throws IOException {
        LinuxSyscalls.Stat existing = lstatOrNull(dest);
        if (existing != null) {
            if (a.isDir() && existing.isDir()) {
                copyChildren(a.ino(), dest);
                applyMeta(a, dest);
                progress.dir();
                return;
            }
            if (existing.isDir()) {
                throw CliException.notFound("cannot replace host directory " + show(dest)
                        + " with a non-directory from the volume; remove it or export elsewhere");
            }
            LinuxSyscalls.unlink(dest);
        }
        if (!a.isDir() && a.nlink() > 1) {
            byte[] first = links.get(a.ino());
            if (first != null) {
                LinuxSyscalls.link(first, dest);
                progress.hardlink();
                return;
            }
            links.put(a.ino(), dest);
        }
        switch (a.mode() & 0170000) {
            case 0040000 -> {
                LinuxSyscalls.mkdir(dest, 0700);
                copyChildren(a.ino(), dest);
                progress.dir();
            }
            case 0100000 -> {
                copyData(a, dest);
                progress.file();
            }
            case 0120000 -> {
                LinuxSyscalls.symlink(fs.readlink(a.ino()), dest);
                progress.symlink();
            }
            default -> {
                LinuxSyscalls.mknod(dest, a.mode(), a.rdev());
                progress.special();
            }
        }
        applyMeta(a, dest);
    }

    private void copyData(Attr a, byte[] dest) throws IOException {
        int fd = LinuxSyscalls.open(dest, LinuxSyscalls.O_WRONLY | LinuxSyscalls.O_CREAT | LinuxSyscalls.O_EXCL
                | LinuxSyscalls.O_NOFOLLOW, 0600);
        try {
            long size = a.size();
            long off = 0;
            byte[] chunk = new byte[(int) Math.min(CHUNK, Math.max(1, size))];
            while (off < size) {
                long data = seekData(a.ino(), off);
                if (data < 0 || data >= size) {
                    break;
                }
                long hole = seekHole(a.ino(), data);
                long end = hole < 0 ? size : Math.min(hole, size);
                for (long pos = data; pos < end; ) {
                    int want = (int) Math.min(chunk.length, end - pos);
                    int n = fs.read(a.ino(), pos, chunk, 0, want);
                    if (n <= 0) {
                        throw new IOException("volume inode " + a.ino() + " ended at " + pos + ", its size says " + size);
                    }
                    MemorySegment.copy(chunk, 0, buf, ValueLayout.JAVA_BYTE, 0, n);
                    LinuxSyscalls.pwriteFully(fd, buf, n, pos, dest);
                    pos += n;
                    progress.bytes(n);
                }
                off = end;
            }
            LinuxSyscalls.ftruncate(fd, size, dest);
        } finally {
            LinuxSyscalls.close(fd);
        }
    }

    private long seekData(long ino, long off) {
        try {
            return fs.seekData(ino, off);
        } catch (PosixException e) {
            if (e.errno() == Errno.ENXIO) {
                return -1;
            }
            throw e;
        }
    }

    private long seekHole(long ino, long off) {
        try {
            return fs.seekHole(ino, off);
        } catch (PosixException e) {
            if (e.errno() == Errno.ENXIO) {
                return -1;
            }
            throw e;
        }
    }

    private void applyMeta(Attr a, byte[] dest) throws IOException {
        LinuxSyscalls.lchown(dest, a.uid(), a.gid());
        if (!a.isSymlink()) {
            LinuxSyscalls.chmod(dest, a.mode() & 07777);
        }
        for (byte[] name : fs.listxattr(Caller.ROOT, a.ino())) {
            LinuxSyscalls.setXattr(dest, name, fs.getxattr(Caller.ROOT, a.ino(), name));
        }
        LinuxSyscalls.setTimes(dest, a.atime().sec(), a.atime().nsec(), a.mtime().sec(), a.mtime().nsec());
    }

    private static LinuxSyscalls.Stat lstatOrNull(byte[] path) throws IOException {
        try {
            return LinuxSyscalls.lstat(path);
        } catch (LinuxSyscalls.SyscallException e) {
            if (e.errno() == LinuxSyscalls.ENOENT) {
                return null;
            }
            throw e;
        }
    }

    private static boolean isDotOrDotDot(byte[] n) {
        return Arrays.equals(n, new byte[] {'.'}) || Arrays.equals(n, new byte[] {'.', '.'});
    }
}
