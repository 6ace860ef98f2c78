package io.crfs.posix;

import static org.assertj.core.api.Assertions.assertThat;

import io.crfs.format.Timespec;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Contract part 4: chmod, chown, utimens, access, extended attributes. */
public abstract class AttrContract extends DataContract {

    @Test
    public void chmod_rules() {
        fs.setattr(ROOTC, ROOT, SetAttr.mode(0777));
        Attr f = fs.create(ALICE, ROOT, b("f"), 0644, true);
        tick();
        Attr a = fs.setattr(ALICE, f.ino(), SetAttr.mode(0600));
        assertThat(a.mode()).isEqualTo(0100600);
        assertThat(a.ctime()).isEqualTo(now());
        assertThat(a.mtime()).isNotEqualTo(now());
        assertErrno(Errno.EPERM, () -> fs.setattr(BOB, f.ino(), SetAttr.mode(0777)));
        assertThat(fs.setattr(ROOTC, f.ino(), SetAttr.mode(0177777)).mode()).isEqualTo(0107777);
        // Setting setgid on a file of a group the caller is not in clears it.
        fs.setattr(ROOTC, f.ino(), SetAttr.owner(null, 77));
        assertThat(fs.setattr(ALICE, f.ino(), SetAttr.mode(02755)).mode()).isEqualTo(0100755);
        fs.setattr(ROOTC, f.ino(), SetAttr.owner(null, 50));
        assertThat(fs.setattr(ALICE, f.ino(), SetAttr.mode(02755)).mode()).isEqualTo(0102755);
        Attr d = dir(ROOT, "d");
        assertThat(fs.setattr(ROOTC, d.ino(), SetAttr.mode(01777)).mode()).isEqualTo(041777);
    }

    @Test
    public void chown_rules() {
        fs.setattr(ROOTC, ROOT, SetAttr.mode(0777));
        Attr f = fs.create(ALICE, ROOT, b("f"), 0644, true);
        assertErrno(Errno.EPERM, () -> fs.setattr(ALICE, f.ino(), SetAttr.owner(1001, null)));
        assertThat(fs.setattr(ALICE, f.ino(), SetAttr.owner(1000, null)).uid()).isEqualTo(1000);
        assertThat(fs.setattr(ALICE, f.ino(), SetAttr.owner(null, 50)).gid()).isEqualTo(50);
        assertErrno(Errno.EPERM, () -> fs.setattr(ALICE, f.ino(), SetAttr.owner(null, 1001)));
        assertErrno(Errno.EPERM, () -> fs.setattr(BOB, f.ino(), SetAttr.owner(null, 1001)));
        tick();
        Attr r = fs.setattr(ROOTC, f.ino(), SetAttr.owner(1001, 1001));
        assertThat(r.uid()).isEqualTo(1001);
        assertThat(r.gid()).isEqualTo(1001);
        assertThat(r.ctime()).isEqualTo(now());
        // chown clears setuid and setgid (with group exec) of files, even for root; not of directories.
        fs.setattr(ROOTC, f.ino(), SetAttr.mode(06755));
        assertThat(fs.setattr(ROOTC, f.ino(), SetAttr.owner(0, null)).mode()).isEqualTo(0100755);
        fs.setattr(ROOTC, f.ino(), SetAttr.mode(06745));
        assertThat(fs.setattr(ROOTC, f.ino(), SetAttr.owner(null, 0)).mode()).isEqualTo(0102745);
        Attr d = fs.mkdir(ROOTC, ROOT, b("d"), 02755);
        assertThat(d.mode()).as("mkdir keeps only rwx and sticky").isEqualTo(040755);
        fs.setattr(ROOTC, d.ino(), SetAttr.mode(02755));
        assertThat(fs.setattr(ROOTC, d.ino(), SetAttr.owner(5, 5)).mode()).isEqualTo(042755);
    }

    @Test
    public void utimens_rules() {
        fs.setattr(ROOTC, ROOT, SetAttr.mode(0777));
        Attr f = fs.create(ALICE, ROOT, b("f"), 0644, true);
        Timespec at = new Timespec(1_000_000, 123);
        Timespec mt = new Timespec(2_000_000, 456_789);
        tick();
        Attr a = fs.setattr(ALICE, f.ino(), SetAttr.times(at, mt));
        assertThat(a.atime()).isEqualTo(at);
        assertThat(a.mtime()).isEqualTo(mt);
        assertThat(a.ctime()).isEqualTo(now());
        assertErrno(Errno.EPERM, () -> fs.setattr(BOB, f.ino(), SetAttr.times(at, mt)));
        SetAttr bothNow = new SetAttr(null, null, null, null, null, null, true, true, null);
        assertErrno(Errno.EACCES, () -> fs.setattr(BOB, f.ino(), bothNow));
        fs.setattr(ALICE, f.ino(), SetAttr.mode(0666));
        tick();
        Attr n = fs.setattr(BOB, f.ino(), bothNow);
        assertThat(n.atime()).isEqualTo(now());
        assertThat(n.mtime()).isEqualTo(now());
        Attr onlyA = fs.setattr(ROOTC, f.ino(), SetAttr.times(at, null));
        assertThat(onlyA.atime()).isEqualTo(at);
        assertThat(onlyA.mtime()).isEqualTo(now());
        commit();
        assertThat(fs.getattr(f.ino()).atime()).isEqualTo(at);
    }

    @Test
    public void access_checks() {
        Attr f = fs.create(ROOTC, ROOT, b("f"), 0640, true);
        fs.setattr(ROOTC, f.ino(), SetAttr.owner(1000, 50));
        fs.access(ALICE, f.ino(), PosixFs.R_OK | PosixFs.W_OK);
        assertErrno(Errno.EACCES, () -> fs.access(ALICE, f.ino(), PosixFs.X_OK));
        fs.access(CAROL, f.ino(), PosixFs.R_OK);
        assertErrno(Errno.EACCES, () -> fs.access(CAROL, f.ino(), PosixFs.W_OK));
        assertErrno(Errno.EACCES, () -> fs.access(BOB, f.ino(), PosixFs.R_OK));
        fs.access(BOB, f.ino(), PosixFs.F_OK);
        // The owner class applies even when it grants less than the group class.
        fs.setattr(ROOTC, f.ino(), SetAttr.mode(0077));
        assertErrno(Errno.EACCES, () -> fs.access(ALICE, f.ino(), PosixFs.R_OK));
        fs.setattr(ROOTC, f.ino(), SetAttr.mode(0000));
        fs.access(ROOTC, f.ino(), PosixFs.R_OK | PosixFs.W_OK);
        assertErrno(Errno.EACCES, () -> fs.access(ROOTC, f.ino(), PosixFs.X_OK));
        fs.setattr(ROOTC, f.ino(), SetAttr.mode(0001));
        fs.access(ROOTC, f.ino(), PosixFs.X_OK);
        Attr d = fs.mkdir(ROOTC, ROOT, b("d"), 0000);
        fs.access(ROOTC, d.ino(), PosixFs.X_OK | PosixFs.R_OK | PosixFs.W_OK);
        assertErrno(Errno.EINVAL, () -> fs.access(ROOTC, f.ino(), 8));
        assertErrno(Errno.ENOENT, () -> fs.access(ROOTC, 777_777, PosixFs.F_OK));
    }

    private List<String> xattrNames(Caller c, long ino) {
        List<String> out = new ArrayList<>();
        for (byte[] n : fs.listxattr(c, ino)) {
            out.add(str(n));
        }
        return out;
    }

    @Test
    public void xattr_setGetListRemove() {
        Attr f = file(ROOT, "f");
        tick();
        fs.setxattr(ROOTC, f.ino(), b("user.foo"), b("bar"), 0);
        assertThat(fs.getattr(f.ino()).ctime()).isEqualTo(now());
        fs.setxattr(ROOTC, f.ino(), b("user.empty"), new byte[0], 0);
        fs.setxattr(ROOTC, f.ino(), b("trusted.t"), b("T"), 0);
        fs.setxattr(ROOTC, f.ino(), b("security.selinux"), b("ctx"), 0);
        commit();
        assertThat(fs.getxattr(ROOTC, f.ino(), b("user.foo"))).isEqualTo(b("bar"));
        assertThat(fs.getxattr(ROOTC, f.ino(), b("user.empty"))).isEmpty();
        assertThat(xattrNames(ROOTC, f.ino())).containsExactlyInAnyOrder("user.foo", "user.empty", "trusted.t", "security.selinux");
        fs.setxattr(ROOTC, f.ino(), b("user.foo"), b("baz"), PosixFs.XATTR_REPLACE);
        assertThat(fs.getxattr(ROOTC, f.ino(), b("user.foo"))).isEqualTo(b("baz"));
        assertErrno(Errno.EEXIST, () -> fs.setxattr(ROOTC, f.ino(), b("user.foo"), b("x"), PosixFs.XATTR_CREATE));
        assertErrno(Errno.ENODATA, () -> fs.setxattr(ROOTC, f.ino(), b("user.new"), b("x"), PosixFs.XATTR_REPLACE));
        fs.setxattr(ROOTC, f.ino(), b("user.new"), b("x"), PosixFs.XATTR_CREATE);
        fs.removexattr(ROOTC, f.ino(), b("user.foo"));
        assertErrno(Errno.ENODATA, () -> fs.getxattr(ROOTC, f.ino(), b("user.foo")));
        assertErrno(Errno.ENODATA, () -> fs.removexattr(ROOTC, f.ino(), b("user.foo")));
        assertThat(xattrNames(ROOTC, f.ino())).containsExactlyInAnyOrder("user.empty", "user.new", "trusted.t", "security.selinux");
        Attr d = dir(ROOT, "d");
        fs.setxattr(ROOTC, d.ino(), b("user.onDir"), b("1"), 0);
        assertThat(fs.getxattr(ROOTC, d.ino(), b("user.onDir"))).isEqualTo(b("1"));
    }

    @Test
    public void xattr_namesAndSizes() {
        Attr f = file(ROOT, "f");
        assertErrno(Errno.EOPNOTSUPP, () -> fs.setxattr(ROOTC, f.ino(), b("foo.bar"), b("x"), 0));
        assertErrno(Errno.EOPNOTSUPP, () -> fs.setxattr(ROOTC, f.ino(), b("system.foo"), b("x"), 0));
        assertErrno(Errno.EINVAL, () -> fs.setxattr(ROOTC, f.ino(), b("user."), b("x"), 0));
        assertErrno(Errno.ERANGE, () -> fs.setxattr(ROOTC, f.ino(), new byte[0], b("x"), 0));
        assertErrno(Errno.ERANGE, () -> fs.setxattr(ROOTC, f.ino(), b("user." + "n".repeat(251)), b("x"), 0));
        fs.setxattr(ROOTC, f.ino(), b("user." + "n".repeat(250)), b("x"), 0);
        assertErrno(Errno.EINVAL, () -> fs.setxattr(ROOTC, f.ino(), b("user.x"), b("x"), 4));
        assertErrno(Errno.E2BIG, () -> fs.setxattr(ROOTC, f.ino(), b("user.big"), new byte[65537], 0));
        assertErrno(Errno.ENOSPC, () -> fs.setxattr(ROOTC, f.ino(), b("user.big"), new byte[16228 - 7], 0));
        byte[] max = bytes(16228 - 8, 4);
        fs.setxattr(ROOTC, f.ino(), b("user.big"), max, 0);
        commit();
        assertThat(fs.getxattr(ROOTC, f.ino(), b("user.big"))).isEqualTo(max);
        assertErrno(Errno.ENOENT, () -> fs.getxattr(ROOTC, 565_656, b("user.x")));
    }

    @Test
    public void xattr_permissions() {
        fs.setattr(ROOTC, ROOT, SetAttr.mode(0777));
        Attr f = fs.create(ALICE, ROOT, b("f"), 0644, true);
        fs.setxattr(ALICE, f.ino(), b("user.a"), b("1"), 0);
        assertThat(fs.getxattr(BOB, f.ino(), b("user.a"))).isEqualTo(b("1"));
        assertErrno(Errno.EACCES, () -> fs.setxattr(BOB, f.ino(), b("user.a"), b("2"), 0));
        assertErrno(Errno.EACCES, () -> fs.removexattr(BOB, f.ino(), b("user.a")));
        fs.setattr(ALICE, f.ino(), SetAttr.mode(0600));
        assertErrno(Errno.EACCES, () -> fs.getxattr(BOB, f.ino(), b("user.a")));
        assertErrno(Errno.EPERM, () -> fs.setxattr(ALICE, f.ino(), b("trusted.t"), b("1"), 0));
        fs.setxattr(ROOTC, f.ino(), b("trusted.t"), b("1"), 0);
        assertErrno(Errno.ENODATA, () -> fs.getxattr(ALICE, f.ino(), b("trusted.t")));
        assertErrno(Errno.EPERM, () -> fs.setxattr(ALICE, f.ino(), b("security.x"), b("1"), 0));
        Attr l = fs.symlink(ALICE, ROOT, b("l"), b("f"));
        assertErrno(Errno.EPERM, () -> fs.setxattr(ROOTC, l.ino(), b("user.a"), b("1"), 0));
        assertErrno(Errno.ENODATA, () -> fs.getxattr(ROOTC, l.ino(), b("user.a")));
        fs.setxattr(ROOTC, l.ino(), b("trusted.ok"), b("1"), 0);
        Attr sticky = fs.mkdir(ROOTC, ROOT, b("tmp"), 01777);
        assertErrno(Errno.EPERM, () -> fs.setxattr(ALICE, sticky.ino(), b("user.a"), b("1"), 0));
    }

    @Test
    public void xattr_hashCollisionsShareAnItem() {
        byte[][] names = collidingNames("user.c");
        Attr f = file(ROOT, "f");
        fs.setxattr(ROOTC, f.ino(), names[0], b("zero"), 0);
        fs.setxattr(ROOTC, f.ino(), names[1], b("one"), 0);
        commit();
        assertThat(fs.getxattr(ROOTC, f.ino(), names[0])).isEqualTo(b("zero"));
        assertThat(fs.getxattr(ROOTC, f.ino(), names[1])).isEqualTo(b("one"));
        assertThat(fs.listxattr(ROOTC, f.ino())).hasSize(2);
        fs.setxattr(ROOTC, f.ino(), names[0], b("ZERO"), PosixFs.XATTR_REPLACE);
        fs.removexattr(ROOTC, f.ino(), names[1]);
        assertThat(fs.getxattr(ROOTC, f.ino(), names[0])).isEqualTo(b("ZERO"));
        assertErrno(Errno.ENODATA, () -> fs.getxattr(ROOTC, f.ino(), names[1]));
    }

    @Test
    public void xattr_securityCapabilityDroppedOnWrite() {
        Attr f = file(ROOT, "f");
        fs.setxattr(ROOTC, f.ino(), b("security.capability"), new byte[20], 0);
        fs.write(ALICE, f.ino(), 0, b("x"), 0, 1);
        assertErrno(Errno.ENODATA, () -> fs.getxattr(ROOTC, f.ino(), b("security.capability")));
    }

    @Test
    public void flags_readBackAndOnlyTheHonouredOnesChange() {
        Attr f = file(ROOT, "f");
        fs.setattr(ROOTC, f.ino(), SetAttr.owner(ALICE.uid(), null));
        assertThat(fs.getFlags(f.ino())).isZero();
        tick();
        int dumpAtimeComp = FileFlags.FS_NODUMP_FL | FileFlags.FS_NOATIME_FL | FileFlags.FS_NOCOMP_FL;
        fs.setFlags(ALICE, f.ino(), dumpAtimeComp);
        commit();
        assertThat(fs.getFlags(f.ino())).isEqualTo(dumpAtimeComp);
        assertThat(fs.getattr(f.ino()).ctime()).isEqualTo(now());
        fs.setFlags(ROOTC, f.ino(), FileFlags.FS_NODUMP_FL);
        assertThat(fs.getFlags(f.ino())).isEqualTo(FileFlags.FS_NODUMP_FL);
        // behaviour crfs does not have is refused, as is a flag btrfs lacks; only the owner or root may change flags
        for (int promise : new int[] {FileFlags.FS_IMMUTABLE_FL, FileFlags.FS_APPEND_FL, FileFlags.FS_SYNC_FL,
                FileFlags.FS_NOCOW_FL, FileFlags.FS_COMPR_FL, FileFlags.FS_DIRSYNC_FL, 0x4000}) {
            assertErrno(Errno.EOPNOTSUPP, () -> fs.setFlags(ROOTC, f.ino(), FileFlags.FS_NODUMP_FL | promise));
        }
        assertErrno(Errno.EPERM, () -> fs.setFlags(BOB, f.ino(), 0));
        assertThat(fs.getFlags(f.ino())).isEqualTo(FileFlags.FS_NODUMP_FL);
        Attr d = dir(ROOT, "d");
        fs.setFlags(ROOTC, d.ino(), FileFlags.FS_NOATIME_FL);
        assertThat(fs.getFlags(d.ino())).isEqualTo(FileFlags.FS_NOATIME_FL);
        Attr l = fs.symlink(ROOTC, ROOT, b("l"), b("f"));
        assertErrno(Errno.ENOTTY, () -> fs.getFlags(l.ino()));
    }
}
