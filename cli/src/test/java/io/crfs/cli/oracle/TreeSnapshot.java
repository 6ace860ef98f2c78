package io.crfs.cli.oracle;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;

/**
 * A sorted, comparable description of a host directory tree: per path (relative, "." for the root)
 * type, mode, uid, gid, size, nlink, mtime in ns, symlink target, rdev, sha256 of the content,
 * which other path shares the inode (hard links), and sorted xattrs (name=hex value).
 *
 * <p>Deliberately independent of the code under test: attributes come from {@code java.nio}'s
 * "unix" view and xattrs from {@code getfattr}, not from crfs's own FFM calls.
 *
 * <p>Directory size and link count are not compared: they are file system specific (btrfs
 * directories always have nlink 1 and size = 2 x the name bytes; ext4 and tmpfs differ).
 */
public final class TreeSnapshot {
    private final Path root;
    private final TreeMap<String, String> entries;

    private TreeSnapshot(Path root, TreeMap<String, String> entries) {
        this.root = root;
        this.entries = entries;
    }

    public static TreeSnapshot of(Path dir) {
        Map<String, Map<String, String>> xattrs = xattrs(dir);
        TreeMap<String, Map<String, Object>> raw = new TreeMap<>();
        Map<List<Object>, TreeSet<String>> inodes = new HashMap<>();
        try {
            Files.walkFileTree(dir, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult preVisitDirectory(Path d, BasicFileAttributes attrs) throws IOException {
                    record(d);
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult visitFile(Path f, BasicFileAttributes attrs) throws IOException {
                    record(f);
                    return FileVisitResult.CONTINUE;
                }

                private void record(Path p) throws IOException {
                    String rel = rel(dir, p);
                    Map<String, Object> a = Files.readAttributes(p, "unix:*", LinkOption.NOFOLLOW_LINKS);
                    raw.put(rel, a);
                    int mode = (Integer) a.get("mode");
                    if ((mode & 0170000) != 0040000 && ((Integer) a.get("nlink")) > 1) {
                        inodes.computeIfAbsent(List.of(a.get("dev"), a.get("ino")), k -> new TreeSet<>()).add(rel);
                    }
                }
            });
        } catch (IOException e) {
            throw new UncheckedIOException("cannot walk " + dir, e);
        }
        TreeMap<String, String> out = new TreeMap<>();
        for (var e : raw.entrySet()) {
            String rel = e.getKey();
            Map<String, Object> a = e.getValue();
            Path p = rel.equals(".") ? dir : dir.resolve(rel);
            int mode = (Integer) a.get("mode");
            int type = mode & 0170000;
            StringBuilder sb = new StringBuilder();
            sb.append(typeName(type)).append(" mode=").append(Integer.toOctalString(mode & 07777))
                    .append(" uid=").append(a.get("uid")).append(" gid=").append(a.get("gid"));
            if (type != 0040000) {
                sb.append(" size=").append(a.get("size")).append(" nlink=").append(a.get("nlink"));
            }
            sb.append(" mtime=").append(nanos((FileTime) a.get("lastModifiedTime")));
            if (type == 0020000 || type == 0060000) {
                sb.append(" rdev=").append(Long.toHexString((Long) a.get("rdev")));
            }
            if (type == 0120000) {
                try {
                    sb.append(" -> ").append(Files.readSymbolicLink(p));
                } catch (IOException ex) {
                    throw new UncheckedIOException(ex);
                }
            }
            if (type == 0100000) {
                sb.append(" sha256=").append(sha256(p));
            }
            if (type != 0040000 && ((Integer) a.get("nlink")) > 1) {
                TreeSet<String> group = inodes.get(List.of(a.get("dev"), a.get("ino")));
                sb.append(" linkgroup=").append(group.first());
            }
            Map<String, String> x = xattrs.getOrDefault(rel, Map.of());
            if (!x.isEmpty()) {
                sb.append(" xattrs=").append(new TreeMap<>(x));
            }
            out.put(rel, sb.toString());
        }
        return new TreeSnapshot(dir, out);
    }

    /** The same snapshot without the given paths (e.g. "." when the root's mtime legitimately differs). */
    public TreeSnapshot without(String... paths) {
        TreeMap<String, String> e = new TreeMap<>(entries);
        for (String p : paths) {
            e.remove(p);
        }
        return new TreeSnapshot(root, e);
    }

    /** Path -> description line. */
    public Map<String, String> entries() {
        return entries;
    }

    public int size() {
        return entries.size();
    }

    /** Fails with a readable diff (first 60 differing paths) unless both trees are the same. */
    public void assertSameAs(TreeSnapshot expected) {
        String d = diff(expected, this);
        if (!d.isEmpty()) {
            throw new AssertionError("tree " + root + " differs from " + expected.root + " ("
                    + expected.size() + " vs " + size() + " entries; '-' expected, '+' actual):\n" + d);
        }
    }

    /** "-" lines are in {@code expected} only or differ there, "+" lines in {@code actual}. Empty if equal. */
    public static String diff(TreeSnapshot expected, TreeSnapshot actual) {
        StringBuilder sb = new StringBuilder();
        TreeSet<String> paths = new TreeSet<>(expected.entries.keySet());
        paths.addAll(actual.entries.keySet());
        int shown = 0, total = 0;
        for (String p : paths) {
            String e = expected.entries.get(p), a = actual.entries.get(p);
            if (Objects.equals(e, a)) {
                continue;
            }
            total++;
            if (shown++ < 60) {
                if (e != null) {
                    sb.append("- ").append(p).append(": ").append(e).append('\n');
                }
                if (a != null) {
                    sb.append("+ ").append(p).append(": ").append(a).append('\n');
                }
            }
        }
        if (total > 60) {
            sb.append("... and ").append(total - 60).append(" more differing paths\n");
        }
        return sb.toString();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TreeSnapshot t && t.entries.equals(entries);
    }

    @Override
    public int hashCode() {
        return entries.hashCode();
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder();
        entries.forEach((p, d) -> sb.append(p).append(": ").append(d).append('\n'));
        return sb.toString();
    }

    /** Bytes of disk a file occupies (st_blocks x 512), to tell sparse files from filled ones. */
    public static long allocatedBytes(Path file) {
        return Long.parseLong(Sh.run("stat", "-c", "%b", file.toString()).check().output().trim()) * 512;
    }

    private static String rel(Path root, Path p) {
        String r = root.relativize(p).toString();
        return r.isEmpty() ? "." : r;
    }

    private static long nanos(FileTime t) {
        return t.to(TimeUnit.NANOSECONDS);
    }

    private static String typeName(int type) {
        return switch (type) {
            case 0040000 -> "dir";
            case 0100000 -> "file";
            case 0120000 -> "symlink";
            case 0010000 -> "fifo";
            case 0140000 -> "socket";
            case 0020000 -> "chardev";
            case 0060000 -> "blockdev";
            default -> "type" + Integer.toOctalString(type);
        };
    }

    private static String sha256(Path p) {
        try (InputStream in = Files.newInputStream(p, LinkOption.NOFOLLOW_LINKS)) {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            byte[] buf = new byte[1 << 20];
            for (int n; (n = in.read(buf)) > 0; ) {
                md.update(buf, 0, n);
            }
            return HexFormat.of().formatHex(md.digest());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + p, e);
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }

    /**
     * Every xattr in the tree (all namespaces, symlinks themselves, no following) by relative path,
     * from one {@code getfattr -R -P -h -d -m - -e hex --absolute-names} run.
     */
    static Map<String, Map<String, String>> xattrs(Path dir) {
        Sh.Result r = Sh.run(List.of("getfattr", "-R", "-P", "-h", "-d", "-m", "-", "-e", "hex", "--absolute-names",
                dir.toAbsolutePath().toString()), 600);
        // getfattr exits 1 when some file has no xattrs support (e.g. a fifo on some file systems) yet prints the rest.
        Map<String, Map<String, String>> out = new HashMap<>();
        String current = null;
        Path abs = dir.toAbsolutePath();
        for (String line : r.output().split("\n")) {
            if (line.startsWith("# file: ")) {
                String path = unescape(line.substring(8));
                current = rel(abs, Path.of(path));
            } else if (current != null && line.contains("=") && !line.startsWith("#")) {
                int eq = line.indexOf('=');
                out.computeIfAbsent(current, k -> new TreeMap<>()).put(unescape(line.substring(0, eq)),
                        line.substring(eq + 1).replaceFirst("^0x", ""));
            } else if (!line.isBlank() && current == null && !line.startsWith("#")) {
                throw new AssertionError("unexpected getfattr output for " + dir + ": " + r.output());
            }
        }
        return out;
    }

    /** getfattr escapes bytes as \ooo (octal) and a backslash as \\; names are UTF-8 bytes. */
    static String unescape(String s) {
        List<Byte> bytes = new ArrayList<>();
        byte[] in = s.getBytes(StandardCharsets.UTF_8);
        for (int i = 0; i < in.length; i++) {
            if (in[i] == '\\' && i + 3 < in.length && isOct(in[i + 1]) && isOct(in[i + 2]) && isOct(in[i + 3])) {
                bytes.add((byte) Integer.parseInt(new String(in, i + 1, 3, StandardCharsets.US_ASCII), 8));
                i += 3;
            } else if (in[i] == '\\' && i + 1 < in.length && in[i + 1] == '\\') {
                bytes.add((byte) '\\');
                i++;
            } else {
                bytes.add(in[i]);
            }
        }
        byte[] b = new byte[bytes.size()];
        for (int i = 0; i < b.length; i++) {
            b[i] = bytes.get(i);
        }
        return new String(b, StandardCharsets.UTF_8);
    }

    private static boolean isOct(byte c) {
        return c >= '0' && c <= '7';
    }
}
