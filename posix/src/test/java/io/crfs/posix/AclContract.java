package io.crfs.posix;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.junit.jupiter.api.Test;

/**
 * Contract part 5: POSIX ACLs for callers of the API (the FUSE mounts are held to the kernel's
 * btrfs by {@code FilesContract.posixAcls}): permission checks through an access ACL, chmod and
 * the mask, inheritance of a directory's default ACL in place of the umask, and the rules of
 * setting one.
 */
public abstract class AclContract extends AttrContract {
    private static final byte[] ACCESS = b("system.posix_acl_access");
    private static final byte[] DEFAULT = b("system.posix_acl_default");
    private static final int USER_OBJ = 1, USER = 2, GROUP_OBJ = 4, GROUP = 8, MASK = 0x10, OTHER = 0x20;

    /** An ACL xattr value from (tag, perm, id) triples, as setfacl(1) writes one. */
    private static byte[] acl(int... triples) {
        ByteBuffer b = ByteBuffer.allocate(4 + 8 * (triples.length / 3)).order(ByteOrder.LITTLE_ENDIAN).putInt(2);
        for (int i = 0; i < triples.length; i += 3) {
            b.putShort((short) triples[i]).putShort((short) triples[i + 1]).putInt(triples[i + 2]);
        }
        return b.array();
    }

    private static final int NONE = -1;

    private static Caller withUmask(Caller c, int umask) {
        return new Caller(c.uid(), c.gid(), c.groups(), umask);
    }

    @Test
    public void acl_namedEntriesDecideForOthersThanTheOwner() {
        Attr d = openDir(ROOT, "d");
        Attr f = fs.create(ALICE, d.ino(), b("f"), 0644, true);
        // bob (named, nothing) is refused though "other" may read; carol (group 50, named) may write
        fs.setxattr(ALICE, f.ino(), ACCESS, acl(USER_OBJ, 6, NONE, USER, 0, 1001, GROUP_OBJ, 4, NONE,
                GROUP, 6, 50, MASK, 6, NONE, OTHER, 4, NONE), 0);
        assertThat(fs.getattr(f.ino()).mode()).isEqualTo(0100664); // the group bits are the mask
        assertErrno(Errno.EACCES, () -> fs.access(BOB, f.ino(), PosixFs.R_OK));
        fs.access(CAROL, f.ino(), PosixFs.W_OK);
        fs.access(ALICE, f.ino(), PosixFs.W_OK);
        assertErrno(Errno.EACCES, () -> fs.access(BOB, f.ino(), PosixFs.W_OK));
        // a group that matches but does not grant refuses, even where "other" would grant
        Attr g = fs.create(ALICE, d.ino(), b("g"), 0644, true);
        fs.setxattr(ALICE, g.ino(), ACCESS, acl(USER_OBJ, 6, NONE, GROUP_OBJ, 4, NONE, GROUP, 0, 50,
                MASK, 4, NONE, OTHER, 4, NONE), 0);
        assertErrno(Errno.EACCES, () -> fs.access(CAROL, g.ino(), PosixFs.R_OK));
        fs.access(BOB, g.ino(), PosixFs.R_OK);
        // a directory's ACL governs the path walk
        Attr sub = fs.mkdir(ALICE, d.ino(), b("sub"), 0755);
        fs.create(ALICE, sub.ino(), b("in"), 0644, true);
        fs.setxattr(ALICE, sub.ino(), ACCESS, acl(USER_OBJ, 7, NONE, USER, 0, 1001, GROUP_OBJ, 5, NONE,
                MASK, 5, NONE, OTHER, 5, NONE), 0);
        assertErrno(Errno.EACCES, () -> fs.lookup(BOB, sub.ino(), b("in")));
        fs.lookup(CAROL, sub.ino(), b("in"));
    }

    @Test
    public void acl_chmodRewritesTheMaskAndOwnerAndOther() {
        Attr d = openDir(ROOT, "d");
        Attr f = fs.create(ALICE, d.ino(), b("f"), 0644, true);
        fs.setxattr(ALICE, f.ino(), ACCESS, acl(USER_OBJ, 6, NONE, USER, 6, 1001, GROUP_OBJ, 4, NONE,
                MASK, 6, NONE, OTHER, 4, NONE), 0);
        fs.access(BOB, f.ino(), PosixFs.W_OK);
        fs.setattr(ALICE, f.ino(), SetAttr.mode(0610));
        assertThat(fs.getxattr(ALICE, f.ino(), ACCESS)).isEqualTo(acl(USER_OBJ, 6, NONE, USER, 6, 1001,
                GROUP_OBJ, 4, NONE, MASK, 1, NONE, OTHER, 0, NONE));
        assertErrno(Errno.EACCES, () -> fs.access(BOB, f.ino(), PosixFs.R_OK));
        // removing the access ACL leaves the mode as it is
        fs.removexattr(ALICE, f.ino(), ACCESS);
        assertErrno(Errno.ENODATA, () -> fs.getxattr(ALICE, f.ino(), ACCESS));
        assertThat(fs.getattr(f.ino()).mode()).isEqualTo(0100610);
        assertErrno(Errno.EACCES, () -> fs.access(BOB, f.ino(), PosixFs.R_OK));
    }

    @Test
    public void acl_aDefaultAclTakesThePlaceOfTheUmask() {
        Attr d = openDir(ROOT, "d");
        Caller alice = withUmask(ALICE, 022);
        Attr plain = fs.create(alice, d.ino(), b("plain"), 0666, true);
        assertThat(plain.mode()).isEqualTo(0100644);
        assertThat(fs.mkdir(alice, d.ino(), b("plainDir"), 0777).mode()).isEqualTo(040755);
        Attr p = fs.mkdir(ALICE, d.ino(), b("p"), 0755);
        byte[] def = acl(USER_OBJ, 7, NONE, USER, 7, 1001, GROUP_OBJ, 5, NONE, MASK, 7, NONE, OTHER, 0, NONE);
        fs.setxattr(ALICE, p.ino(), DEFAULT, def, 0);
        Attr f = fs.create(alice, p.ino(), b("f"), 0666, true);
        assertThat(f.mode()).isEqualTo(0100660);
        assertThat(fs.getxattr(ALICE, f.ino(), ACCESS)).isEqualTo(acl(USER_OBJ, 6, NONE, USER, 7, 1001,
                GROUP_OBJ, 5, NONE, MASK, 6, NONE, OTHER, 0, NONE));
        assertErrno(Errno.ENODATA, () -> fs.getxattr(ALICE, f.ino(), DEFAULT));
        fs.access(BOB, f.ino(), PosixFs.W_OK);
        Attr sub = fs.mkdir(alice, p.ino(), b("sub"), 0777);
        assertThat(sub.mode()).isEqualTo(040770);
        assertThat(fs.getxattr(ALICE, sub.ino(), DEFAULT)).isEqualTo(def);
        assertThat(fs.mknod(alice, p.ino(), b("fifo"), 010666, 0).mode()).isEqualTo(010660);
        Attr ln = fs.symlink(alice, p.ino(), b("ln"), b("f"));
        assertThat(ln.mode()).isEqualTo(0120777);
        assertErrno(Errno.ENODATA, () -> fs.getxattr(ALICE, ln.ino(), ACCESS));
        Attr t = fs.tmpfile(alice, p.ino(), 0600);
        assertThat(t.mode()).isEqualTo(0100600);
        assertThat(fs.getxattr(ALICE, t.ino(), ACCESS)).isEqualTo(acl(USER_OBJ, 6, NONE, USER, 7, 1001,
                GROUP_OBJ, 5, NONE, MASK, 0, NONE, OTHER, 0, NONE));
        fs.release(t.ino());
        // a default ACL of the three base entries only: no access ACL on what is made in it
        fs.setxattr(ALICE, p.ino(), DEFAULT, acl(USER_OBJ, 7, NONE, GROUP_OBJ, 5, NONE, OTHER, 5, NONE), 0);
        Attr g = fs.create(alice, p.ino(), b("g"), 0666, true);
        assertThat(g.mode()).isEqualTo(0100644);
        assertErrno(Errno.ENODATA, () -> fs.getxattr(ALICE, g.ino(), ACCESS));
    }

    @Test
    public void acl_settingRules() {
        Attr d = openDir(ROOT, "d");
        Attr f = fs.create(ALICE, d.ino(), b("f"), 0644, true);
        byte[] ok = acl(USER_OBJ, 6, NONE, USER, 4, 1001, GROUP_OBJ, 4, NONE, MASK, 4, NONE, OTHER, 0, NONE);
        assertErrno(Errno.EINVAL, () -> fs.setxattr(ALICE, f.ino(), ACCESS,
                acl(USER_OBJ, 6, NONE, USER, 4, 1001, GROUP_OBJ, 4, NONE, OTHER, 0, NONE), 0)); // no mask
        assertErrno(Errno.EINVAL, () -> fs.setxattr(ALICE, f.ino(), ACCESS,
                acl(GROUP_OBJ, 4, NONE, USER_OBJ, 6, NONE, OTHER, 0, NONE), 0)); // out of order
        assertErrno(Errno.EINVAL, () -> fs.setxattr(ALICE, f.ino(), ACCESS,
                acl(USER_OBJ, 8, NONE, GROUP_OBJ, 4, NONE, OTHER, 0, NONE), 0)); // not rwx
        assertErrno(Errno.EINVAL, () -> fs.setxattr(ALICE, f.ino(), ACCESS, new byte[] {2, 0, 0, 0, 1}, 0));
        byte[] v1 = ok.clone();
        v1[0] = 1;
        assertErrno(Errno.EOPNOTSUPP, () -> fs.setxattr(ALICE, f.ino(), ACCESS, v1, 0));
        assertErrno(Errno.EPERM, () -> fs.setxattr(BOB, f.ino(), ACCESS, ok, 0));
        assertErrno(Errno.EACCES, () -> fs.setxattr(ALICE, f.ino(), DEFAULT, ok, 0));
        fs.removexattr(ALICE, f.ino(), DEFAULT); // nothing to remove on a file: no error, as in Linux
        fs.removexattr(ALICE, f.ino(), ACCESS); // nor for an access ACL that is not there
        // one the mode bits say all of is not kept; the mode follows it
        tick();
        fs.setxattr(ALICE, f.ino(), ACCESS, acl(USER_OBJ, 7, NONE, GROUP_OBJ, 0, NONE, OTHER, 1, NONE), 0);
        Attr a = fs.getattr(f.ino());
        assertThat(a.mode()).isEqualTo(0100701);
        assertThat(a.ctime()).isEqualTo(now());
        assertErrno(Errno.ENODATA, () -> fs.getxattr(ALICE, f.ino(), ACCESS));
        // setgid goes when the owner setting the ACL is not in the file's group
        fs.setattr(ROOTC, f.ino(), SetAttr.owner(null, 77));
        fs.setattr(ROOTC, f.ino(), SetAttr.mode(02750));
        fs.setxattr(ALICE, f.ino(), ACCESS, ok, 0);
        assertThat(fs.getattr(f.ino()).mode()).isEqualTo(0100640);
        assertThat(fs.getxattr(BOB, f.ino(), ACCESS)).isEqualTo(ok);
    }
}
