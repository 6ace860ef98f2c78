package io.crfs.cli;

import io.crfs.format.FormatException;
import io.crfs.format.StoreException;
import io.crfs.posix.PosixException;
import io.crfs.volume.VolumeException;
import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import picocli.CommandLine;

/**
 * The exit codes scripts may rely on (documented in README.md and docs/usage.md), and the mapping
 * from every failure to one of them. Values are fixed: never renumber.
 */
public final class ExitCodes implements CommandLine.IExitCodeExceptionMapper {
    public static final int OK = 0;
    /** Wrong command line: unknown option, missing argument. */
    public static final int USAGE = 1;
    /** A path (on the host or in the volume) does not exist, or an argument is unacceptable. */
    public static final int NOT_FOUND = 2;
    /** The volume is corrupt, or uses a btrfs feature crfs does not support. */
    public static final int CORRUPT = 3;
    /** The volume (or the host file system, on export) is full. */
    public static final int NO_SPACE = 4;
    /** Reading or writing failed, or an internal error (a bug: rerun with --verbose and report it). */
    public static final int IO = 5;

    @Override
    public int getExitCode(Throwable t) {
        return classify(t);
    }

    static int classify(Throwable t) {
        if (t instanceof CommandLine.ExecutionException && t.getCause() != null) {
            t = t.getCause();
        }
        if (t instanceof CliException c) {
            return c.exitCode();
        }
        if (t instanceof CommandLine.ParameterException) {
            return USAGE;
        }
        if (t instanceof PosixException p) {
            return switch (p.errno()) {
                case ENOENT, ENOTDIR, EISDIR, EEXIST, EINVAL, ENAMETOOLONG, ENOTEMPTY, ELOOP, EMLINK, ERANGE,
                     E2BIG, EFBIG, EPERM, EACCES, EOPNOTSUPP, ENODATA -> NOT_FOUND;
                case ENOSPC, EDQUOT -> NO_SPACE;
                default -> IO;
            };
        }
        if (t instanceof StoreException s) {
            return switch (s.kind()) {
                case NO_SPACE -> NO_SPACE;
                case CORRUPT -> CORRUPT;
                case TOO_BIG -> NOT_FOUND;
                default -> IO;
            };
        }
        if (t instanceof FormatException) {
            return CORRUPT;
        }
        if (t instanceof LinuxSyscalls.SyscallException s) {
            return switch (s.errno()) {
                case LinuxSyscalls.ENOENT, LinuxSyscalls.ENOTDIR, LinuxSyscalls.EEXIST, LinuxSyscalls.EISDIR,
                     LinuxSyscalls.EPERM, LinuxSyscalls.EACCES -> NOT_FOUND;
                case LinuxSyscalls.ENOSPC -> NO_SPACE;
                default -> IO;
            };
        }
        if (t instanceof NoSuchFileException || t instanceof NotDirectoryException
                || t instanceof FileAlreadyExistsException || t instanceof AccessDeniedException) {
            return NOT_FOUND;
        }
        if (t instanceof io.crfs.volume.VolumeInUseException) {
            return IO;
        }
        if (t instanceof VolumeException v) {
            // VolumeException covers corruption and unsupported features; a plain I/O cause is an I/O error.
            return v.getCause() instanceof IOException && !(v.getCause() instanceof VolumeException) ? IO : CORRUPT;
        }
        if (t instanceof IOException io && io.getMessage() != null && io.getMessage().contains("No space left")) {
            return NO_SPACE;
        }
        return IO;
    }

    /** One line: what went wrong, then what to do about it. */
    static String message(Throwable t) {
        if (t instanceof CommandLine.ExecutionException && t.getCause() != null) {
            t = t.getCause();
        }
        if (t instanceof CliException) {
            return t.getMessage();
        }
        if (t instanceof UnsupportedOperationException) {
            StackTraceElement top = t.getStackTrace().length > 0 ? t.getStackTrace()[0] : null;
            String where = top == null ? "?" : top.getClassName().substring(top.getClassName().lastIndexOf('.') + 1)
                    + "." + top.getMethodName();
            return "this build does not implement " + where + " yet; update crfs (git pull, then rerun ./crfs)";
        }
        String what = oneLine(t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage());
        return switch (classify(t)) {
            case NOT_FOUND -> what + "; check the path or argument (crfs ls IMAGE PATH shows what the volume holds)";
            case CORRUPT -> what + "; the volume is damaged or uses an unsupported btrfs feature: check it"
                    + " with `btrfs check --readonly`, or let the kernel mount it once if it has a log tree";
            case NO_SPACE -> what + "; free some space or make a bigger volume (crfs mkfs IMAGE --size N)";
            default -> t instanceof io.crfs.volume.VolumeInUseException ? what
                    : (t instanceof IOException ? what : "internal error: " + t.getClass().getSimpleName() + ": " + what)
                    + "; rerun with --verbose for details"
                    + (t instanceof IOException ? "" : " and report it");
        };
    }

    private static String oneLine(String s) {
        return s.replace('\n', ' ').replace('\r', ' ');
    }
}
