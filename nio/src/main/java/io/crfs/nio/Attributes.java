package io.crfs.nio;

import io.crfs.format.Timespec;
import io.crfs.posix.Attr;
import io.crfs.posix.SetAttr;
import java.io.IOException;
import java.nio.file.attribute.BasicFileAttributeView;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.FileAttributeView;
import java.nio.file.attribute.FileOwnerAttributeView;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.GroupPrincipal;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.UserPrincipal;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The attribute views: "basic", "posix", "owner" and "crfs" (ino, nlink, rdev, mode, uid, gid,
 * ctime, generation: what stat(2) has beyond "posix"). Views are lazy: each call reads or sets
 * the inode's attributes through the file system's view.
 */
final class Attributes {
    static final Set<String> VIEWS = Set.of("basic", "posix", "owner", "crfs");
    private static final List<String> BASIC = List.of("lastModifiedTime", "lastAccessTime", "creationTime", "size",
            "isRegularFile", "isDirectory", "isSymbolicLink", "isOther", "fileKey");
    private static final List<String> POSIX = List.of("permissions", "owner", "group");
    private static final List<String> CRFS = List.of("ino", "nlink", "rdev", "mode", "uid", "gid", "ctime", "generation");

    private Attributes() {}

    private static final PosixFilePermission[] BITS = {
        PosixFilePermission.OTHERS_EXECUTE, PosixFilePermission.OTHERS_WRITE, PosixFilePermission.OTHERS_READ,
        PosixFilePermission.GROUP_EXECUTE, PosixFilePermission.GROUP_WRITE, PosixFilePermission.GROUP_READ,
        PosixFilePermission.OWNER_EXECUTE, PosixFilePermission.OWNER_WRITE, PosixFilePermission.OWNER_READ,
    };

    static int mode(Set<PosixFilePermission> perms) {
        int m = 0;
        for (int i = 0; i < BITS.length; i++) {
            if (perms.contains(BITS[i])) {
                m |= 1 << i;
            }
        }
        return m;
    }

    static Set<PosixFilePermission> permissions(int mode) {
        Set<PosixFilePermission> s = EnumSet.noneOf(PosixFilePermission.class);
        for (int i = 0; i < BITS.length; i++) {
            if ((mode & (1 << i)) != 0) {
                s.add(BITS[i]);
            }
        }
        return s;
    }

    /** The mode requested by initial attributes ("posix:permissions" only), else {@code dflt}. */
    @SuppressWarnings("unchecked")
    static int modeOf(FileAttribute<?>[] attrs, int dflt) {
        int mode = dflt;
        for (FileAttribute<?> a : attrs) {
            if (a.name().equals("posix:permissions") || a.name().equals("unix:permissions")) {
                mode = mode((Set<PosixFilePermission>) a.value());
            } else {
                throw new UnsupportedOperationException("initial attribute " + a.name() + " is not supported");
            }
        }
        return mode;
    }

    static FileTime time(Timespec t) {
        return FileTime.from(t.toInstant());
    }

    /** stat(2) as {@link PosixFileAttributes}. */
    record CrfsAttributes(Attr attr, String fsKey) implements PosixFileAttributes {
        @Override public FileTime lastModifiedTime() { return time(attr.mtime()); }
        @Override public FileTime lastAccessTime() { return time(attr.atime()); }
        @Override public FileTime creationTime() { return time(attr.btime().sec() == 0 && attr.btime().nsec() == 0 ? attr.mtime() : attr.btime()); }
        @Override public boolean isRegularFile() { return attr.isRegular(); }
        @Override public boolean isDirectory() { return attr.isDir(); }
        @Override public boolean isSymbolicLink() { return attr.isSymlink(); }
        @Override public boolean isOther() { return !attr.isRegular() && !attr.isDir() && !attr.isSymlink(); }
        @Override public long size() { return attr.size(); }
        @Override public Object fileKey() { return fsKey + "#" + attr.ino(); }
        @Override public UserPrincipal owner() { return new Principals.User(attr.uid()); }
        @Override public GroupPrincipal group() { return new Principals.Group(attr.gid()); }
        @Override public Set<PosixFilePermission> permissions() { return Attributes.permissions(attr.mode()); }
    }

    static CrfsAttributes of(CrfsFileSystemView v, Attr a) {
        return new CrfsAttributes(a, v.fileSystem().authority() + "/" + v.fileSystem().sessionName());
    }

    /** "basic", "posix" and "owner" in one class; {@code name} says which it presents itself as. */
    static final class View implements PosixFileAttributeView {
        private final CrfsFileSystemView v;
        private final CrfsPath path;
        private final boolean follow;
        private final String name;

        View(CrfsFileSystemView v, CrfsPath path, boolean follow, String name) {
            this.v = v;
            this.path = path;
            this.follow = follow;
            this.name = name;
        }

        @Override public String name() { return name; }

        @Override
        public CrfsAttributes readAttributes() throws IOException {
            return of(v, v.attr(path, follow));
        }

        @Override
        public void setTimes(FileTime lastModifiedTime, FileTime lastAccessTime, FileTime createTime) throws IOException {
            v.setTimes(path, follow, lastModifiedTime, lastAccessTime); // btime cannot be set (as in Linux)
        }

        @Override
        public void setPermissions(Set<PosixFilePermission> perms) throws IOException {
            v.setPermissions(path, follow, perms);
        }

        @Override
        public UserPrincipal getOwner() throws IOException {
            return readAttributes().owner();
        }

        @Override
        public void setOwner(UserPrincipal owner) throws IOException {
            v.setattr(path, follow, SetAttr.owner(Principals.uid(owner), null));
        }

        @Override
        public void setGroup(GroupPrincipal group) throws IOException {
            v.setattr(path, follow, SetAttr.owner(null, Principals.gid(group)));
        }
    }

    @SuppressWarnings("unchecked")
    static <V extends FileAttributeView> V view(CrfsFileSystemView v, CrfsPath p, Class<V> type, boolean follow) {
        if (type == BasicFileAttributeView.class) {
            return (V) new View(v, p, follow, "basic");
        }
        if (type == PosixFileAttributeView.class) {
            return (V) new View(v, p, follow, "posix");
        }
        if (type == FileOwnerAttributeView.class) {
            return (V) new View(v, p, follow, "owner");
        }
        return null;
    }

    @SuppressWarnings("unchecked")
    static <A extends BasicFileAttributes> A read(CrfsFileSystemView v, CrfsPath p, Class<A> type, boolean follow)
            throws IOException {
        if (type == BasicFileAttributes.class || type == PosixFileAttributes.class) {
            return (A) of(v, v.attr(p, follow));
        }
        throw new UnsupportedOperationException("attributes " + type.getName() + " are not supported");
    }

    /** {@code Files.readAttributes(path, "view:a,b")}. */
    static Map<String, Object> read(CrfsFileSystemView v, CrfsPath p, String attributes, boolean follow)
            throws IOException {
        int colon = attributes.indexOf(':');
        String view = colon < 0 ? "basic" : attributes.substring(0, colon);
        String list = colon < 0 ? attributes : attributes.substring(colon + 1);
        if (!VIEWS.contains(view)) {
            throw new UnsupportedOperationException("view " + view + " is not supported");
        }
        Map<String, Object> all = all(view, of(v, v.attr(p, follow)));
        Map<String, Object> out = new LinkedHashMap<>();
        for (String a : list.split(",")) {
            if (a.equals("*")) {
                out.putAll(all);
            } else if (all.containsKey(a)) {
                out.put(a, all.get(a));
            } else {
                throw new IllegalArgumentException("no attribute " + a + " in view " + view);
            }
        }
        return out;
    }

    private static Map<String, Object> all(String view, CrfsAttributes a) {
        Map<String, Object> m = new LinkedHashMap<>();
        if (view.equals("owner")) {
            m.put("owner", a.owner());
            return m;
        }
        m.put("lastModifiedTime", a.lastModifiedTime());
        m.put("lastAccessTime", a.lastAccessTime());
        m.put("creationTime", a.creationTime());
        m.put("size", a.size());
        m.put("isRegularFile", a.isRegularFile());
        m.put("isDirectory", a.isDirectory());
        m.put("isSymbolicLink", a.isSymbolicLink());
        m.put("isOther", a.isOther());
        m.put("fileKey", a.fileKey());
        if (view.equals("posix") || view.equals("crfs")) {
            m.put("permissions", a.permissions());
            m.put("owner", a.owner());
            m.put("group", a.group());
        }
        if (view.equals("crfs")) {
            Attr x = a.attr();
            m.put("ino", x.ino());
            m.put("nlink", x.nlink());
            m.put("rdev", x.rdev());
            m.put("mode", x.mode());
            m.put("uid", x.uid());
            m.put("gid", x.gid());
            m.put("ctime", time(x.ctime()));
            m.put("generation", x.generation());
        }
        return m;
    }

    /** {@code Files.setAttribute(path, "view:name", value)}. */
    @SuppressWarnings("unchecked")
    static void set(CrfsFileSystemView v, CrfsPath p, String attribute, Object value, boolean follow) throws IOException {
        int colon = attribute.indexOf(':');
        String view = colon < 0 ? "basic" : attribute.substring(0, colon);
        String name = colon < 0 ? attribute : attribute.substring(colon + 1);
        if (!VIEWS.contains(view)) {
            throw new UnsupportedOperationException("view " + view + " is not supported");
        }
        boolean posix = view.equals("posix") || view.equals("crfs");
        boolean basic = !view.equals("owner");
        switch (name) {
            case "lastModifiedTime" -> {
                require(basic, view, name);
                v.setTimes(p, follow, (FileTime) value, null);
            }
            case "lastAccessTime" -> {
                require(basic, view, name);
                v.setTimes(p, follow, null, (FileTime) value);
            }
            case "creationTime" -> require(basic, view, name); // cannot be set: ignored, as by the JDK on Linux
            case "permissions" -> {
                require(posix, view, name);
                v.setPermissions(p, follow, (Set<PosixFilePermission>) value);
            }
            case "owner" -> {
                require(!view.equals("basic"), view, name);
                v.setattr(p, follow, SetAttr.owner(Principals.uid((UserPrincipal) value), null));
            }
            case "group" -> {
                require(posix, view, name);
                v.setattr(p, follow, SetAttr.owner(null, Principals.gid((GroupPrincipal) value)));
            }
            case "mode", "uid", "gid" -> {
                require(view.equals("crfs"), view, name);
                int x = (Integer) value;
                v.setattr(p, follow, switch (name) {
                    case "mode" -> SetAttr.mode(x);
                    case "uid" -> SetAttr.owner(x, null);
                    default -> SetAttr.owner(null, x);
                });
            }
            default -> {
                if (BASIC.contains(name) || POSIX.contains(name) || CRFS.contains(name)) {
                    throw new IllegalArgumentException("attribute " + view + ":" + name + " is read-only");
                }
                throw new IllegalArgumentException("no attribute " + name + " in view " + view);
            }
        }
    }

    private static void require(boolean ok, String view, String name) {
        if (!ok) {
            throw new IllegalArgumentException("no attribute " + name + " in view " + view);
        }
    }
}
