package io.crfs.nio;

import io.crfs.posix.Errno;
import io.crfs.posix.PosixException;
import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.NotLinkException;
import java.nio.file.Path;
import io.crfs.posix.Attr;

/** Maps POSIX errnos to the standard NIO exceptions, and the require* checks that throw them. */
final class Errors {
    private Errors() {}

    /** The NIO exception for a failed POSIX operation on {@code file} (and {@code other}, for two-path operations). */
    static IOException map(PosixException e, Path file, Path other) {
        String f = file == null ? null : file.toString();
        String o = other == null ? null : other.toString();
        String reason = e.getMessage();
        FileSystemException x = switch (e.errno()) {
            case ENOENT -> new NoSuchFileException(f, o, reason);
            case EEXIST -> new FileAlreadyExistsException(f, o, reason);
            case ENOTEMPTY -> new DirectoryNotEmptyException(f);
            case ENOTDIR -> new NotDirectoryException(f);
            case EACCES, EPERM -> new AccessDeniedException(f, o, reason);
            default -> new FileSystemException(f, o, reason);
        };
        x.initCause(e);
        return x;
    }

    static FileSystemException errno(Errno errno, Path file, String what) {
        return new FileSystemException(file == null ? null : file.toString(), null, errno.name() + ": " + what);
    }

    static Attr requireExists(Attr a, Path p) throws NoSuchFileException {
        if (a == null) {
            throw new NoSuchFileException(p.toString());
        }
        return a;
    }

    static void requireAbsent(Attr a, Path p) throws FileAlreadyExistsException {
        if (a != null) {
            throw new FileAlreadyExistsException(p.toString());
        }
    }

    static Attr requireDirectory(Attr a, Path p) throws IOException {
        if (!requireExists(a, p).isDir()) {
            throw new NotDirectoryException(p.toString());
        }
        return a;
    }

    static Attr requireSymlink(Attr a, Path p) throws IOException {
        if (!requireExists(a, p).isSymlink()) {
            throw new NotLinkException(p.toString());
        }
        return a;
    }

    static void requireNotDirectory(Attr a, Path p) throws FileSystemException {
        if (a != null && a.isDir()) {
            throw errno(Errno.EISDIR, p, "is a directory");
        }
    }
}
