package io.crfs.nio;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.InvalidPathException;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.ProviderMismatchException;
import java.nio.file.WatchEvent;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * A path of a {@link CrfsFileSystem}, with UNIX semantics: '/' separates names, a leading '/'
 * makes it absolute, "." and ".." are ordinary names until {@link #normalize()}. Names are the
 * raw bytes of the volume; Strings are converted with UTF-8. The working directory of a crfs
 * file system is its root, so {@link #toAbsolutePath()} resolves against "/".
 */
public final class CrfsPath implements Path {
    private static final byte[][] NONE = new byte[0][];

    private final CrfsFileSystem fs;
    private final boolean absolute;
    private final byte[][] names;
    private int hash;

    CrfsPath(CrfsFileSystem fs, boolean absolute, byte[][] names) {
        this.fs = fs;
        this.absolute = absolute;
        this.names = names;
    }

    /** Parses a String path (UTF-8): repeated and trailing slashes are dropped; NUL is refused. */
    static CrfsPath parse(CrfsFileSystem fs, String path) {
        if (path.indexOf('\0') >= 0) {
            throw new InvalidPathException(path, "NUL character not allowed");
        }
        return parse(fs, path.getBytes(StandardCharsets.UTF_8));
    }

    static CrfsPath parse(CrfsFileSystem fs, byte[] path) {
        List<byte[]> parts = new ArrayList<>();
        int start = 0;
        for (int i = 0; i <= path.length; i++) {
            if (i == path.length || path[i] == '/') {
                if (i > start) {
                    parts.add(Arrays.copyOfRange(path, start, i));
                }
                start = i + 1;
            }
        }
        return new CrfsPath(fs, path.length > 0 && path[0] == '/', parts.toArray(NONE));
    }

    /** The names as bytes (not copied; callers do not modify them). */
    byte[][] names() {
        return names;
    }

    byte[] name(int i) {
        return names[i];
    }

    byte[] lastName() {
        return names.length == 0 ? null : names[names.length - 1];
    }

    /** The whole path as bytes, as it would be written to a symlink. */
    byte[] bytes() {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        if (absolute) {
            b.write('/');
        }
        for (int i = 0; i < names.length; i++) {
            if (i > 0) {
                b.write('/');
            }
            b.writeBytes(names[i]);
        }
        return b.toByteArray();
    }

    private static CrfsPath check(Path other) {
        if (other instanceof CrfsPath p) {
            return p;
        }
        throw new ProviderMismatchException("not a crfs path: " + other);
    }

    @Override
    public CrfsFileSystem getFileSystem() {
        return fs;
    }

    @Override
    public boolean isAbsolute() {
        return absolute;
    }

    @Override
    public CrfsPath getRoot() {
        return absolute ? new CrfsPath(fs, true, NONE) : null;
    }

    @Override
    public CrfsPath getFileName() {
        return names.length == 0 ? null : new CrfsPath(fs, false, new byte[][] {names[names.length - 1]});
    }

    @Override
    public CrfsPath getParent() {
        if (names.length == 0 || (names.length == 1 && !absolute)) {
            return null;
        }
        return new CrfsPath(fs, absolute, Arrays.copyOf(names, names.length - 1));
    }

    @Override
    public int getNameCount() {
        return names.length;
    }

    @Override
    public CrfsPath getName(int index) {
        if (index < 0 || index >= names.length) {
            throw new IllegalArgumentException("no name " + index + " in " + this);
        }
        return new CrfsPath(fs, false, new byte[][] {names[index]});
    }

    @Override
    public CrfsPath subpath(int beginIndex, int endIndex) {
        if (beginIndex < 0 || endIndex > names.length || beginIndex >= endIndex) {
            throw new IllegalArgumentException("bad subpath " + beginIndex + ".." + endIndex + " of " + this);
        }
        return new CrfsPath(fs, false, Arrays.copyOfRange(names, beginIndex, endIndex));
    }

    @Override
    public boolean startsWith(Path other) {
        if (!(other instanceof CrfsPath o) || o.fs != fs || o.absolute != absolute || o.names.length > names.length) {
            return false;
        }
        if (o.names.length == 0 && !o.absolute) {
            return names.length == 0;
        }
        for (int i = 0; i < o.names.length; i++) {
            if (!Arrays.equals(o.names[i], names[i])) {
                return false;
            }
        }
        return true;
    }

    @Override
    public boolean endsWith(Path other) {
        if (!(other instanceof CrfsPath o) || o.fs != fs || o.names.length > names.length) {
            return false;
        }
        if (o.absolute) {
            return equals(o);
        }
        if (o.names.length == 0) {
            return names.length == 0;
        }
        int off = names.length - o.names.length;
        for (int i = 0; i < o.names.length; i++) {
            if (!Arrays.equals(o.names[i], names[off + i])) {
                return false;
            }
        }
        return true;
    }

    private static boolean isDot(byte[] n) {
        return n.length == 1 && n[0] == '.';
    }

    private static boolean isDotDot(byte[] n) {
        return n.length == 2 && n[0] == '.' && n[1] == '.';
    }

    @Override
    public CrfsPath normalize() {
        List<byte[]> out = new ArrayList<>();
        for (byte[] n : names) {
            if (isDot(n)) {
                continue;
            }
            if (isDotDot(n)) {
                if (!out.isEmpty() && !isDotDot(out.getLast())) {
                    out.removeLast();
                    continue;
                }
                if (absolute) {
                    continue; // "/.." is "/"
                }
            }
            out.add(n);
        }
        return new CrfsPath(fs, absolute, out.toArray(NONE));
    }

    @Override
    public CrfsPath resolve(Path other) {
        CrfsPath o = check(other);
        if (o.absolute) {
            return o;
        }
        if (o.names.length == 0) {
            return this;
        }
        byte[][] n = Arrays.copyOf(names, names.length + o.names.length);
        System.arraycopy(o.names, 0, n, names.length, o.names.length);
        return new CrfsPath(fs, absolute, n);
    }

    @Override
    public CrfsPath resolve(String other) {
        return resolve(parse(fs, other));
    }

    /** Resolves one raw name (as read from a directory). */
    CrfsPath resolveName(byte[] name) {
        byte[][] n = Arrays.copyOf(names, names.length + 1);
        n[names.length] = name;
        return new CrfsPath(fs, absolute, n);
    }

    @Override
    public CrfsPath relativize(Path other) {
        CrfsPath o = check(other);
        if (o.absolute != absolute) {
            throw new IllegalArgumentException("one path is absolute, the other is not: " + this + ", " + o);
        }
        if (names.length == 0) {
            return new CrfsPath(fs, false, o.names);
        }
        int common = 0;
        while (common < names.length && common < o.names.length && Arrays.equals(names[common], o.names[common])) {
            common++;
        }
        List<byte[]> out = new ArrayList<>();
        for (int i = common; i < names.length; i++) {
            out.add(new byte[] {'.', '.'});
        }
        out.addAll(Arrays.asList(o.names).subList(common, o.names.length));
        return new CrfsPath(fs, false, out.toArray(NONE));
    }

    @Override
    public URI toUri() {
        StringBuilder s = new StringBuilder("crfs://").append(fs.authority());
        for (byte b : toAbsolutePath().bytes().length == 0 ? new byte[] {'/'} : toAbsolutePath().bytes()) {
            int c = b & 0xff;
            if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || "/-._~!$&'()*+,;=:@".indexOf(c) >= 0) {
                s.append((char) c);
            } else {
                s.append('%').append(Character.toUpperCase(Character.forDigit(c >> 4, 16)))
                        .append(Character.toUpperCase(Character.forDigit(c & 15, 16)));
            }
        }
        return URI.create(s.toString());
    }

    /** The raw path bytes of a URI's path (percent-escapes decoded to bytes, not to UTF-16). */
    static byte[] uriPathBytes(URI uri) {
        String raw = uri.getRawPath();
        if (raw == null || raw.isEmpty()) {
            return new byte[] {'/'};
        }
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        for (int i = 0; i < raw.length(); i++) {
            char c = raw.charAt(i);
            if (c == '%' && i + 2 < raw.length()) {
                b.write(Integer.parseInt(raw.substring(i + 1, i + 3), 16));
                i += 2;
            } else {
                b.writeBytes(String.valueOf(c).getBytes(StandardCharsets.UTF_8));
            }
        }
        return b.toByteArray();
    }

    @Override
    public CrfsPath toAbsolutePath() {
        return absolute ? this : new CrfsPath(fs, true, names);
    }

    @Override
    public CrfsPath toRealPath(LinkOption... options) throws IOException {
        return fs.provider().checkPath(this).realPath(this, Options.follow(options));
    }

    @Override
    public WatchKey register(WatchService watcher, WatchEvent.Kind<?>[] events, WatchEvent.Modifier... modifiers)
            throws IOException {
        Objects.requireNonNull(events);
        if (!(watcher instanceof CrfsWatchService w) || w.fileSystem() != fs) {
            throw new ProviderMismatchException("not a watch service of this crfs file system");
        }
        return w.register(this, events);
    }

    @Override
    public int compareTo(Path other) {
        CrfsPath o = check(other);
        return Arrays.compareUnsigned(bytes(), o.bytes());
    }

    @Override
    public boolean equals(Object obj) {
        return obj instanceof CrfsPath o && o.fs == fs && o.absolute == absolute && Arrays.deepEquals(o.names, names);
    }

    @Override
    public int hashCode() {
        int h = hash;
        if (h == 0) {
            h = Arrays.deepHashCode(names) * 31 + (absolute ? 1 : 0);
            hash = h;
        }
        return h;
    }

    @Override
    public String toString() {
        return new String(bytes(), StandardCharsets.UTF_8);
    }
}
