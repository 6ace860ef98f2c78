package io.crfs.nio;

import com.sun.security.auth.module.UnixSystem;
import io.crfs.client.CrfsClient;
import io.crfs.posix.Caller;
import java.io.IOException;
import java.nio.file.ClosedFileSystemException;
import java.nio.file.FileStore;
import java.nio.file.FileSystem;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.nio.file.WatchService;
import java.nio.file.attribute.UserPrincipalLookupService;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Pattern;

/**
 * One crfs server ({@code crfs://host:port}) seen through one {@link CrfsClient} session. The
 * working directory is the root. {@link #close()} flushes and closes the client.
 *
 * <p>Environment keys for {@link java.nio.file.FileSystems#newFileSystem(java.net.URI, Map)}:
 * {@code name} (the session name; giving one makes a new, separate client on every call),
 * {@code uid}, {@code gid} (Integer; default: this process's, via {@code UnixSystem}),
 * {@code umask} (Integer, default 022), {@code writeBack} (Boolean, default true).
 */
public final class CrfsFileSystem extends FileSystem {
    static final String DEFAULT_NAME = "crfs-nio";

    private final CrfsFileSystemProvider provider;
    private final String authority;
    private final String name;
    private final boolean cached;
    private final CrfsClient client;
    private final CrfsFileSystemView view;
    private final CrfsFileStore store;
    private final LockTable locks;
    private final List<CrfsWatchService> watchers = new CopyOnWriteArrayList<>();
    private final CrfsPath root;
    private volatile boolean open = true;

    CrfsFileSystem(CrfsFileSystemProvider provider, String host, int port, Map<String, ?> env, boolean cached)
            throws IOException {
        this.provider = provider;
        this.authority = host + ":" + port;
        this.name = env.get("name") instanceof String s ? s : DEFAULT_NAME;
        this.cached = cached;
        Caller caller = caller(env);
        boolean writeBack = !(env.get("writeBack") instanceof Boolean b) || b;
        this.client = CrfsClient.connect(host, port, name, caller, new CrfsClient.Options(writeBack));
        this.locks = new LockTable(client);
        this.view = new CrfsFileSystemView(this, client.posix(), caller);
        this.store = new CrfsFileStore(this);
        this.root = new CrfsPath(this, true, new byte[0][]);
        client.onInvalidate((from, to) -> {
            for (CrfsWatchService w : watchers) {
                w.changed(from, to);
            }
        });
    }

    private static Caller caller(Map<String, ?> env) {
        int uid = 0, gid = 0;
        int[] groups = new int[0];
        try {
            UnixSystem u = new UnixSystem();
            uid = (int) u.getUid();
            gid = (int) u.getGid();
            long[] g = u.getGroups();
            groups = new int[g == null ? 0 : g.length];
            for (int i = 0; i < groups.length; i++) {
                groups[i] = (int) g[i];
            }
        } catch (RuntimeException | LinkageError e) {
            // not a Unix JVM: act as root, as the offline tools do
        }
        if (env.get("uid") instanceof Integer u) {
            uid = u;
        }
        if (env.get("gid") instanceof Integer g) {
            gid = g;
        }
        int umask = env.get("umask") instanceof Integer m ? m : 022;
        return new Caller(uid, gid, groups, umask);
    }

    /** {@code host:port}. */
    public String authority() {
        return authority;
    }

    /** The session name the client gave the server. */
    public String sessionName() {
        return name;
    }

    /** The client under this file system (for status, round trips, sync). */
    public CrfsClient client() {
        return client;
    }

    boolean cached() {
        return cached;
    }

    CrfsFileSystemView view() {
        if (!open) {
            throw new ClosedFileSystemException();
        }
        return view;
    }

    LockTable locks() {
        return locks;
    }

    /** Tells watch services that this file system changed these inodes. */
    void changed(long... inos) {
        if (watchers.isEmpty()) {
            return;
        }
        for (CrfsWatchService w : watchers) {
            for (long ino : inos) {
                w.changed(ino, ino);
            }
        }
    }

    void unregister(CrfsWatchService w) {
        watchers.remove(w);
    }

    @Override
    public CrfsFileSystemProvider provider() {
        return provider;
    }

    @Override
    public void close() {
        if (!open) {
            return;
        }
        open = false;
        for (CrfsWatchService w : watchers) {
            w.close();
        }
        provider.removed(this);
        client.close();
    }

    @Override
    public boolean isOpen() {
        return open;
    }

    @Override
    public boolean isReadOnly() {
        return false;
    }

    @Override
    public String getSeparator() {
        return "/";
    }

    @Override
    public Iterable<Path> getRootDirectories() {
        return List.of(root);
    }

    @Override
    public Iterable<FileStore> getFileStores() {
        return List.of(store);
    }

    FileStore fileStore() {
        return store;
    }

    @Override
    public Set<String> supportedFileAttributeViews() {
        return Attributes.VIEWS;
    }

    @Override
    public CrfsPath getPath(String first, String... more) {
        StringBuilder s = new StringBuilder(first);
        for (String m : more) {
            if (!m.isEmpty()) {
                if (!s.isEmpty()) {
                    s.append('/');
                }
                s.append(m);
            }
        }
        return CrfsPath.parse(this, s.toString());
    }

    @Override
    public PathMatcher getPathMatcher(String syntaxAndPattern) {
        int colon = syntaxAndPattern.indexOf(':');
        if (colon <= 0) {
            throw new IllegalArgumentException("expected syntax:pattern, got " + syntaxAndPattern);
        }
        String syntax = syntaxAndPattern.substring(0, colon);
        String pattern = syntaxAndPattern.substring(colon + 1);
        Pattern p = switch (syntax.toLowerCase(java.util.Locale.ROOT)) {
            case "glob" -> Globs.toRegex(pattern);
            case "regex" -> Pattern.compile(pattern);
            default -> throw new UnsupportedOperationException("path matcher syntax " + syntax);
        };
        return path -> p.matcher(path.toString()).matches();
    }

    @Override
    public UserPrincipalLookupService getUserPrincipalLookupService() {
        return new Principals();
    }

    @Override
    public WatchService newWatchService() {
        if (!open) {
            throw new ClosedFileSystemException();
        }
        CrfsWatchService w = new CrfsWatchService(this);
        watchers.add(w);
        return w;
    }

    @Override
    public String toString() {
        return "crfs://" + authority + " (" + name + ")";
    }
}
