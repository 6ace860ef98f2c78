package io.crfs.posix;

/** Validation of one path component: Linux names are any bytes but '/' and NUL, at most 255. */
final class Names {
    static final int NAME_MAX = 255;
    /** PATH_MAX (4096) including the terminating NUL bounds a symlink target. */
    static final int SYMLINK_MAX = 4095;

    private Names() {}

    static boolean isDot(byte[] n) {
        return n.length == 1 && n[0] == '.';
    }

    static boolean isDotDot(byte[] n) {
        return n.length == 2 && n[0] == '.' && n[1] == '.';
    }

    static boolean isDots(byte[] n) {
        return isDot(n) || isDotDot(n);
    }

    /** EINVAL for empty names or names holding '/' or NUL; ENAMETOOLONG past 255 bytes. */
    static void check(byte[] name) {
        if (name == null || name.length == 0) {
            throw new PosixException(Errno.EINVAL, "empty name");
        }
        for (byte b : name) {
            if (b == '/' || b == 0) {
                throw new PosixException(Errno.EINVAL, "name " + show(name) + " contains '/' or NUL");
            }
        }
        if (name.length > NAME_MAX) {
            throw new PosixException(Errno.ENAMETOOLONG, "name of " + name.length + " bytes, max " + NAME_MAX);
        }
    }

    static String show(byte[] name) {
        String s = new String(name, 0, Math.min(name.length, 64), java.nio.charset.StandardCharsets.UTF_8);
        return "\"" + s + (name.length > 64 ? "...\"" : "\"");
    }
}
