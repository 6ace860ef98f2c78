package io.crfs.cli;

import io.crfs.posix.Attr;
import io.crfs.posix.Caller;
import io.crfs.posix.Errno;
import io.crfs.posix.PosixException;
import io.crfs.posix.PosixFs;
import io.crfs.volume.Volume;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A volume image opened for the offline tools, with the POSIX view of its fs tree and path
 * resolution. The CLI acts as root ({@link Caller#ROOT}).
 */
final class OpenVolume implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(OpenVolume.class);

    final Path image;
    final Volume volume;
    final PosixFs fs;

    private OpenVolume(Path image, Volume volume, PosixFs fs) {
        this.image = image;
        this.volume = volume;
        this.fs = fs;
    }

    static OpenVolume open(Path image) throws IOException {
        if (!Files.exists(image)) {
            throw CliException.notFound("no volume image at " + image + "; create one with `crfs mkfs "
                    + image + " --size 1G`");
        }
        if (Files.isDirectory(image)) {
            throw CliException.notFound(image + " is a directory, not a volume image; name the image file");
        }
        Volume v = Volume.open(image);
        try {
            PosixFs fs = new PosixFs(v.fsTree());
            recoverOrphans(fs);
            return new OpenVolume(image, v, fs);
        } catch (RuntimeException e) {
            try {
                v.close();
            } catch (IOException | RuntimeException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
    }

    /** Frees inodes left unlinked-while-open by a crash (ORPHAN items), as the kernel does at mount. */
    private static void recoverOrphans(PosixFs fs) {
        int n = fs.recoverOrphans();
        if (n > 0) {
            LOG.info("recovered {} orphan inodes left by an unclean shutdown", n);
        } else {
            LOG.debug("no orphan inodes");
        }
    }

    void commit() throws IOException {
        volume.commit();
    }

    @Override
    public void close() throws IOException {
        volume.close();
    }

    /** The inode at an absolute volume path ("/" or "" is the root), not following a final symlink. */
    Attr resolve(String path) {
        return resolve(path, false);
    }

    /**
     * The inode at an absolute volume path. Symlinks in the middle are followed (absolute targets
     * from the volume root), a final one only if {@code followLast}; "." and ".." work as in Linux,
     * with at most 40 links as in Linux (MAXSYMLINKS). Missing components exit with code 2.
     */
    Attr resolve(String path, boolean followLast) {
        Attr root = fs.getattr(PosixFs.ROOT);
        Deque<Attr> ancestors = new ArrayDeque<>();
        Deque<String> todo = new ArrayDeque<>(components(path));
        Attr at = root;
        String walked = "";
        int links = 0;
        while (!todo.isEmpty()) {
            String part = todo.pop();
            if (part.equals(".")) {
                continue;
            }
            if (!at.isDir()) {
                throw CliException.notFound((walked.isEmpty() ? "/" : walked) + " in " + image
                        + " is not a directory; see `crfs ls " + image + " " + parentOf(walked) + " -l`");
            }
            if (part.equals("..")) {
                at = ancestors.isEmpty() ? root : ancestors.pop();
                walked = parentOf(walked).equals("/") ? "" : parentOf(walked);
                continue;
            }
            Attr next;
            try {
                next = fs.lookup(Caller.ROOT, at.ino(), part.getBytes(StandardCharsets.UTF_8));
            } catch (PosixException e) {
                if (e.errno() == Errno.ENOENT) {
                    throw CliException.notFound("no " + walked + "/" + part + " in " + image + "; see `crfs ls " + image
                            + " " + (walked.isEmpty() ? "/" : walked) + "`");
                }
                throw e;
            }
            if (next.isSymlink() && (followLast || !todo.isEmpty())) {
                if (++links > 40) {
                    throw CliException.notFound("too many levels of symbolic links in " + path + " in " + image);
                }
                String target = new String(fs.readlink(next.ino()), StandardCharsets.UTF_8);
                List<String> t = components(target);
                for (int i = t.size() - 1; i >= 0; i--) {
                    todo.push(t.get(i));
                }
                if (target.startsWith("/")) {
                    at = root;
                    ancestors.clear();
                    walked = "";
                }
                continue;
            }
            ancestors.push(at);
            at = next;
            walked += "/" + part;
        }
        return at;
    }

    private static List<String> components(String path) {
        List<String> out = new ArrayList<>();
        for (String p : path.split("/")) {
            if (!p.isEmpty()) {
                out.add(p);
            }
        }
        return out;
    }

    /** Like {@link #resolve} but creates missing directories (0755 root:root), as mkdir -p. */
    Attr resolveOrCreateDirs(String path) {
        Attr at = fs.getattr(PosixFs.ROOT);
        for (String part : path.split("/")) {
            if (part.isEmpty() || part.equals(".")) {
                continue;
            }
            byte[] name = part.getBytes(StandardCharsets.UTF_8);
            Attr next = lookupOrNull(at.ino(), name);
            if (next == null) {
                next = fs.mkdir(Caller.ROOT, at.ino(), name, 0755);
            } else if (!next.isDir()) {
                throw CliException.notFound(part + " in " + path + " is not a directory; choose another DEST");
            }
            at = next;
        }
        return at;
    }

    Attr lookupOrNull(long dir, byte[] name) {
        try {
            return fs.lookup(Caller.ROOT, dir, name);
        } catch (PosixException e) {
            if (e.errno() == Errno.ENOENT) {
                return null;
            }
            throw e;
        }
    }

    private static String parentOf(String p) {
        int i = p.lastIndexOf('/');
        // "" (the root) and "/x" both have the root as parent
        return i <= 0 ? "/" : p.substring(0, i);
    }
}
