package io.crfs.nio;

import java.io.IOException;
import java.net.URI;
import java.nio.channels.FileChannel;
import java.nio.channels.SeekableByteChannel;
import java.nio.file.AccessMode;
import java.nio.file.CopyOption;
import java.nio.file.DirectoryStream;
import java.nio.file.FileStore;
import java.nio.file.FileSystem;
import java.nio.file.FileSystemAlreadyExistsException;
import java.nio.file.FileSystemNotFoundException;
import java.nio.file.LinkOption;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.ProviderMismatchException;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.FileAttributeView;
import java.nio.file.spi.FileSystemProvider;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The {@code crfs} scheme: {@code crfs://host:port/path} (port 7070 if absent). Found by the
 * service loader, so {@code Path.of(URI.create("crfs://127.0.0.1:7070/x"))} works once this jar
 * is on the class path; the first use connects a {@link CrfsFileSystem} for that host:port and
 * keeps it until it is closed. {@code FileSystems.newFileSystem(uri, Map.of("name", n))} makes
 * a separate client every time it is called; those file systems are not cached (use their
 * {@code getPath}).
 *
 * <p>Each operation checks its path(s) and calls the file system's view, which does the work.
 */
public final class CrfsFileSystemProvider extends FileSystemProvider {
    public static final String SCHEME = "crfs";
    public static final int DEFAULT_PORT = 7070;

    private final Map<String, CrfsFileSystem> fileSystems = new ConcurrentHashMap<>();

    @Override
    public String getScheme() {
        return SCHEME;
    }

    private static String authority(URI uri) {
        if (!SCHEME.equalsIgnoreCase(uri.getScheme())) {
            throw new IllegalArgumentException("not a crfs URI: " + uri);
        }
        if (uri.getHost() == null) {
            throw new IllegalArgumentException("a crfs URI names a server: crfs://host:port/path, not " + uri);
        }
        return uri.getHost() + ":" + (uri.getPort() < 0 ? DEFAULT_PORT : uri.getPort());
    }

    @Override
    public CrfsFileSystem newFileSystem(URI uri, Map<String, ?> env) throws IOException {
        String key = authority(uri);
        int port = uri.getPort() < 0 ? DEFAULT_PORT : uri.getPort();
        if (env.containsKey("name")) {
            return new CrfsFileSystem(this, uri.getHost(), port, env, false);
        }
        synchronized (fileSystems) {
            if (fileSystems.containsKey(key)) {
                throw new FileSystemAlreadyExistsException(key);
            }
            CrfsFileSystem fs = new CrfsFileSystem(this, uri.getHost(), port, env, true);
            fileSystems.put(key, fs);
            return fs;
        }
    }

    @Override
    public CrfsFileSystem getFileSystem(URI uri) {
        CrfsFileSystem fs = fileSystems.get(authority(uri));
        if (fs == null) {
            throw new FileSystemNotFoundException(authority(uri));
        }
        return fs;
    }

    @Override
    public CrfsPath getPath(URI uri) {
        String key = authority(uri);
        CrfsFileSystem fs = fileSystems.get(key);
        if (fs == null) {
            synchronized (fileSystems) {
                fs = fileSystems.get(key);
                if (fs == null) {
                    try {
                        fs = newFileSystem(uri, Map.of());
                    } catch (IOException e) {
                        throw new FileSystemNotFoundException("cannot connect to crfs://" + key + ": " + e.getMessage());
                    }
                }
            }
        }
        return CrfsPath.parse(fs, CrfsPath.uriPathBytes(uri));
    }

    void removed(CrfsFileSystem fs) {
        fileSystems.remove(fs.authority(), fs);
    }

    /** The path as a {@link CrfsPath} of an open file system, or the standard exception. */
    CrfsFileSystemView checkPath(Path p) {
        if (p == null) {
            throw new NullPointerException("path");
        }
        if (!(p instanceof CrfsPath c) || c.getFileSystem().provider() != this) {
            throw new ProviderMismatchException("not a path of this crfs provider: " + p);
        }
        return c.getFileSystem().view();
    }

    private static CrfsPath crfs(Path p) {
        return (CrfsPath) p;
    }

    /** For two-path operations: both of one file system. */
    private CrfsFileSystemView checkPaths(Path a, Path b) {
        CrfsFileSystemView v = checkPath(a);
        if (checkPath(b) != v) {
            throw new ProviderMismatchException("paths of two different crfs file systems: " + a + ", " + b);
        }
        return v;
    }

    @Override
    public SeekableByteChannel newByteChannel(Path path, Set<? extends OpenOption> options, FileAttribute<?>... attrs)
            throws IOException {
        return checkPath(path).newFileChannel(crfs(path), options, attrs);
    }

    @Override
    public FileChannel newFileChannel(Path path, Set<? extends OpenOption> options, FileAttribute<?>... attrs)
            throws IOException {
        return checkPath(path).newFileChannel(crfs(path), options, attrs);
    }

    @Override
    public DirectoryStream<Path> newDirectoryStream(Path dir, DirectoryStream.Filter<? super Path> filter)
            throws IOException {
        return checkPath(dir).newDirectoryStream(crfs(dir), filter);
    }

    @Override
    public void createDirectory(Path dir, FileAttribute<?>... attrs) throws IOException {
        checkPath(dir).createDirectory(crfs(dir), attrs);
    }

    @Override
    public void createSymbolicLink(Path link, Path target, FileAttribute<?>... attrs) throws IOException {
        byte[] t = target instanceof CrfsPath c ? c.bytes() : target.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8);
        checkPath(link).createSymbolicLink(crfs(link), t, attrs);
    }

    @Override
    public void createLink(Path link, Path existing) throws IOException {
        checkPaths(link, existing).createLink(crfs(link), crfs(existing));
    }

    @Override
    public void delete(Path path) throws IOException {
        checkPath(path).delete(crfs(path));
    }

    @Override
    public Path readSymbolicLink(Path link) throws IOException {
        CrfsFileSystemView v = checkPath(link);
        return CrfsPath.parse(crfs(link).getFileSystem(), v.readSymbolicLink(crfs(link)));
    }

    @Override
    public void copy(Path source, Path target, CopyOption... options) throws IOException {
        checkPaths(source, target).copy(crfs(source), crfs(target), options);
    }

    @Override
    public void move(Path source, Path target, CopyOption... options) throws IOException {
        checkPaths(source, target).move(crfs(source), crfs(target), options);
    }

    @Override
    public boolean isSameFile(Path path, Path path2) throws IOException {
        CrfsFileSystemView v = checkPath(path);
        if (path.equals(path2)) {
            return true;
        }
        if (!(path2 instanceof CrfsPath c) || c.getFileSystem() != crfs(path).getFileSystem()) {
            return false;
        }
        return v.isSameFile(crfs(path), c);
    }

    @Override
    public boolean isHidden(Path path) {
        checkPath(path);
        byte[] n = crfs(path).lastName();
        return n != null && n.length > 0 && n[0] == '.';
    }

    @Override
    public FileStore getFileStore(Path path) throws IOException {
        CrfsFileSystemView v = checkPath(path);
        v.attr(crfs(path), true); // NoSuchFileException if absent
        return crfs(path).getFileSystem().fileStore();
    }

    @Override
    public void checkAccess(Path path, AccessMode... modes) throws IOException {
        checkPath(path).checkAccess(crfs(path), modes);
    }

    @Override
    public <V extends FileAttributeView> V getFileAttributeView(Path path, Class<V> type, LinkOption... options) {
        return Attributes.view(checkPath(path), crfs(path), type, Options.follow(options));
    }

    @Override
    public <A extends BasicFileAttributes> A readAttributes(Path path, Class<A> type, LinkOption... options)
            throws IOException {
        return Attributes.read(checkPath(path), crfs(path), type, Options.follow(options));
    }

    @Override
    public Map<String, Object> readAttributes(Path path, String attributes, LinkOption... options) throws IOException {
        return Attributes.read(checkPath(path), crfs(path), attributes, Options.follow(options));
    }

    @Override
    public void setAttribute(Path path, String attribute, Object value, LinkOption... options) throws IOException {
        Attributes.set(checkPath(path), crfs(path), attribute, value, Options.follow(options));
    }
}
