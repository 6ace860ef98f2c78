package io.crfs.posix;

import io.crfs.format.Timespec;
import io.crfs.posix.PosixModel.Node;

/** The model's rename: which errno Linux gives, in the order its checks run, and the effect. */
final class RenameRules {
    private RenameRules() {}

    static Errno expected(Node sd, String sn, Node dd, String dn, int flags) {
        boolean exchange = flags == PosixFs.RENAME_EXCHANGE;
        Node src = sd.children.get(sn);
        if (src == null) {
            return Errno.ENOENT;
        }
        Node dst = dd.children.get(dn);
        if (exchange && dst == null) {
            return Errno.ENOENT;
        }
        if (flags == PosixFs.RENAME_NOREPLACE && dst != null) {
            return Errno.EEXIST;
        }
        if (sd != dd) {
            if (PosixModel.isAncestorOrSelf(src, dd)) {
                return Errno.EINVAL;
            }
            if (dst != null && PosixModel.isAncestorOrSelf(dst, sd)) {
                return exchange ? Errno.EINVAL : Errno.ENOTEMPTY;
            }
        }
        if (dst == src) {
            return null;
        }
        if (dst != null && !exchange) {
            if (src.isDir() && !dst.isDir()) {
                return Errno.ENOTDIR;
            }
            if (!src.isDir() && dst.isDir()) {
                return Errno.EISDIR;
            }
            if (dst.isDir() && !dst.children.isEmpty()) {
                return Errno.ENOTEMPTY;
            }
        }
        return null;
    }

    static void apply(Node sd, String sn, Node dd, String dn, int flags, Timespec now) {
        Node src = sd.children.get(sn);
        Node dst = dd.children.get(dn);
        if (src == dst) {
            return; // same inode: nothing happens
        }
        if (flags == PosixFs.RENAME_EXCHANGE) {
            sd.children.remove(sn);
            dd.children.remove(dn);
            dd.children.put(dn, src);
            sd.children.put(sn, dst);
            if (dst.isDir()) {
                dst.parent = sd;
            }
        } else {
            if (dst != null) {
                dd.children.remove(dn);
            }
            sd.children.remove(sn);
            dd.children.put(dn, src);
        }
        if (src.isDir()) {
            src.parent = dd;
        }
        sd.mtime = now;
        dd.mtime = now;
    }
}
