package io.crfs.posix;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** Contract part 3: read, write, truncate, fallocate, SEEK_DATA/SEEK_HOLE. */
public abstract class DataContract extends RenameContract {

    private byte[] read(long ino, long off, int len) {
        byte[] out = new byte[len];
        int n = fs.read(ino, off, out, 0, len);
        return Arrays.copyOf(out, n);
    }

    @Test
    public void write_smallInlineThenGrow() {
        Attr f = file(ROOT, "f");
        tick();
        assertThat(fs.write(ROOTC, f.ino(), 0, b("hello world\n"), 0, 12)).isEqualTo(12);
        Attr a = fs.getattr(f.ino());
        assertThat(a.size()).isEqualTo(12);
        assertThat(a.blocks()).isEqualTo(8);
        assertThat(a.mtime()).isEqualTo(now());
        assertThat(a.ctime()).isEqualTo(now());
        fs.write(ROOTC, f.ino(), 12, b("more!"), 0, 5);
        assertThat(readAll(f.ino())).isEqualTo(b("hello world\nmore!"));
        byte[] big = bytes(5000, 7);
        fs.write(ROOTC, f.ino(), 0, big, 0, big.length);
        assertThat(readAll(f.ino())).isEqualTo(big);
        assertThat(fs.getattr(f.ino()).blocks()).isEqualTo(16);
        commit();
        assertThat(readAll(f.ino())).isEqualTo(big);
        assertThat(read(f.ino(), 4990, 100)).isEqualTo(Arrays.copyOfRange(big, 4990, 5000));
        assertThat(read(f.ino(), 5000, 10)).isEmpty();
        assertThat(read(f.ino(), 1 << 20, 10)).isEmpty();
    }

    @Test
    public void write_overwriteAndSparse() {
        byte[] content = bytes(1 << 20, 11);
        Attr f = file(ROOT, "f", content);
        byte[] patch = bytes(8192, 12);
        fs.write(ROOTC, f.ino(), 40960, patch, 0, patch.length);
        System.arraycopy(patch, 0, content, 40960, patch.length);
        fs.write(ROOTC, f.ino(), 12345, patch, 100, 777);
        System.arraycopy(patch, 100, content, 12345, 777);
        commit();
        assertThat(readAll(f.ino())).isEqualTo(content);
        Attr s = file(ROOT, "sparse");
        fs.write(ROOTC, s.ino(), 409600, patch, 0, 4096);
        Attr a = fs.getattr(s.ino());
        assertThat(a.size()).isEqualTo(413696);
        assertThat(a.blocks()).isEqualTo(8);
        assertThat(read(s.ino(), 0, 4096)).isEqualTo(new byte[4096]);
        assertThat(read(s.ino(), 409600, 4096)).isEqualTo(Arrays.copyOf(patch, 4096));
        fs.write(ROOTC, s.ino(), 3, b("abc"), 0, 3);
        assertThat(read(s.ino(), 0, 8)).isEqualTo(new byte[] {0, 0, 0, 'a', 'b', 'c', 0, 0});
    }

    @Test
    public void write_partialSourceRange() {
        Attr f = file(ROOT, "f");
        byte[] src = b("0123456789");
        assertThat(fs.write(ROOTC, f.ino(), 0, src, 3, 4)).isEqualTo(4);
        assertThat(readAll(f.ino())).isEqualTo(b("3456"));
        byte[] dst = new byte[10];
        assertThat(fs.read(f.ino(), 1, dst, 5, 5)).isEqualTo(3);
        assertThat(Arrays.copyOfRange(dst, 5, 8)).isEqualTo(b("456"));
    }

    @Test
    public void write_errors() {
        Attr d = dir(ROOT, "d");
        Attr f = file(ROOT, "f");
        byte[] x = b("x");
        assertErrno(Errno.EISDIR, () -> fs.write(ROOTC, d.ino(), 0, x, 0, 1));
        assertErrno(Errno.EISDIR, () -> fs.read(d.ino(), 0, new byte[1], 0, 1));
        assertErrno(Errno.EINVAL, () -> fs.write(ROOTC, f.ino(), -1, x, 0, 1));
        assertErrno(Errno.EFBIG, () -> fs.write(ROOTC, f.ino(), Long.MAX_VALUE, x, 0, 1));
        assertErrno(Errno.ENOENT, () -> fs.write(ROOTC, 424242, 0, x, 0, 1));
        Attr fifo = fs.mknod(ROOTC, ROOT, b("p"), 0010644, 0);
        assertErrno(Errno.EINVAL, () -> fs.write(ROOTC, fifo.ino(), 0, x, 0, 1));
    }

    @Test
    public void write_emptyChangesNothing() {
        Attr f = file(ROOT, "f", b("abc"));
        fs.setattr(ROOTC, f.ino(), SetAttr.mode(04755));
        Attr before = fs.getattr(f.ino());
        tick();
        assertThat(fs.write(ALICE, f.ino(), 1, new byte[0], 0, 0)).isZero();
        assertThat(fs.getattr(f.ino())).isEqualTo(before);
    }

    @Test
    public void write_byUnprivilegedCallerClearsSetuid() {
        Attr f = file(ROOT, "f");
        fs.setattr(ROOTC, f.ino(), SetAttr.mode(06777));
        fs.write(ROOTC, f.ino(), 0, b("root"), 0, 4);
        assertThat(fs.getattr(f.ino()).mode()).isEqualTo(0106777);
        fs.write(ALICE, f.ino(), 0, b("user"), 0, 4);
        assertThat(fs.getattr(f.ino()).mode()).isEqualTo(0100777);
        Attr g = file(ROOT, "g");
        fs.setattr(ROOTC, g.ino(), SetAttr.mode(02666)); // setgid without group exec: kept
        fs.write(ALICE, g.ino(), 0, b("user"), 0, 4);
        assertThat(fs.getattr(g.ino()).mode()).isEqualTo(0102666);
    }

    @Test
    public void truncate_shrinkThenGrowReadsZeros() {
        byte[] small = bytes(1500, 1);
        Attr f = file(ROOT, "f", small);
        fs.setattr(ROOTC, f.ino(), SetAttr.size(100));
        fs.setattr(ROOTC, f.ino(), SetAttr.size(1500));
        byte[] expect = new byte[1500];
        System.arraycopy(small, 0, expect, 0, 100);
        assertThat(readAll(f.ino())).isEqualTo(expect);
        byte[] big = bytes(20_000, 2);
        Attr g = file(ROOT, "g", big);
        tick();
        Attr shrunk = fs.setattr(ROOTC, g.ino(), SetAttr.size(4097));
        assertThat(shrunk.size()).isEqualTo(4097);
        assertThat(shrunk.mtime()).isEqualTo(now());
        assertThat(shrunk.ctime()).isEqualTo(now());
        fs.setattr(ROOTC, g.ino(), SetAttr.size(20_000));
        byte[] expect2 = new byte[20_000];
        System.arraycopy(big, 0, expect2, 0, 4097);
        commit();
        assertThat(readAll(g.ino())).isEqualTo(expect2);
        fs.setattr(ROOTC, g.ino(), SetAttr.size(0));
        assertThat(fs.getattr(g.ino()).size()).isZero();
        assertThat(fs.getattr(g.ino()).blocks()).isZero();
        Attr grown = fs.setattr(ROOTC, g.ino(), SetAttr.size(1L << 40));
        assertThat(grown.size()).isEqualTo(1L << 40);
        assertThat(read(g.ino(), (1L << 40) - 3, 10)).isEqualTo(new byte[3]);
    }

    @Test
    public void truncate_errorsAndPrivileges() {
        Attr d = dir(ROOT, "d");
        Attr f = file(ROOT, "f", b("data"));
        Attr l = fs.symlink(ROOTC, ROOT, b("l"), b("f"));
        assertErrno(Errno.EISDIR, () -> fs.setattr(ROOTC, d.ino(), SetAttr.size(0)));
        assertErrno(Errno.EINVAL, () -> fs.setattr(ROOTC, l.ino(), SetAttr.size(0)));
        assertErrno(Errno.EINVAL, () -> fs.setattr(ROOTC, f.ino(), SetAttr.size(-1)));
        assertErrno(Errno.EACCES, () -> fs.setattr(ALICE, f.ino(), SetAttr.size(0)));
        assertThat(readAll(f.ino())).isEqualTo(b("data"));
        assertErrno(Errno.EISDIR, () -> fs.ftruncate(ROOTC, d.ino(), 0));
        Attr ro = fs.create(ALICE, openDir(ROOT, "o").ino(), b("ro"), 0444, true);
        assertThat(fs.ftruncate(ALICE, ro.ino(), 3).size()).isEqualTo(3); // open(O_CREAT|O_WRONLY, 0444) then ftruncate
        fs.setattr(ROOTC, f.ino(), SetAttr.mode(04777));
        fs.setattr(ALICE, f.ino(), SetAttr.size(2));
        assertThat(fs.getattr(f.ino()).mode()).isEqualTo(0100777);
        assertThat(readAll(f.ino())).isEqualTo(b("da"));
    }

    @Test
    public void fallocate_allocatesAndPunches() {
        Attr f = file(ROOT, "f");
        fs.fallocate(ROOTC, f.ino(), 0, 0, 65536);
        Attr a = fs.getattr(f.ino());
        assertThat(a.size()).isEqualTo(65536);
        assertThat(a.blocks()).isEqualTo(128);
        assertThat(readAll(f.ino())).isEqualTo(new byte[65536]);
        fs.fallocate(ROOTC, f.ino(), PosixFs.FALLOC_FL_KEEP_SIZE, 65536, 65536);
        assertThat(fs.getattr(f.ino()).size()).isEqualTo(65536);
        assertThat(fs.getattr(f.ino()).blocks()).isEqualTo(256);
        byte[] data = bytes(65536, 5);
        fs.write(ROOTC, f.ino(), 0, data, 0, data.length);
        tick();
        fs.fallocate(ROOTC, f.ino(), PosixFs.FALLOC_FL_PUNCH_HOLE | PosixFs.FALLOC_FL_KEEP_SIZE, 4096, 8192);
        fs.fallocate(ROOTC, f.ino(), PosixFs.FALLOC_FL_PUNCH_HOLE | PosixFs.FALLOC_FL_KEEP_SIZE, 30000, 10);
        Arrays.fill(data, 4096, 4096 + 8192, (byte) 0);
        Arrays.fill(data, 30000, 30010, (byte) 0);
        commit();
        Attr p = fs.getattr(f.ino());
        assertThat(p.size()).isEqualTo(65536);
        assertThat(p.mtime()).isEqualTo(now());
        assertThat(readAll(f.ino())).isEqualTo(data);
        assertThat(fs.seekHole(f.ino(), 0)).isEqualTo(4096);
        assertThat(fs.seekData(f.ino(), 4096)).isEqualTo(12288);
        // Punching an inline file zeroes the range.
        Attr s = file(ROOT, "s", b("abcdef"));
        fs.fallocate(ROOTC, s.ino(), PosixFs.FALLOC_FL_PUNCH_HOLE | PosixFs.FALLOC_FL_KEEP_SIZE, 1, 2);
        assertThat(readAll(s.ino())).isEqualTo(new byte[] {'a', 0, 0, 'd', 'e', 'f'});
    }

    @Test
    public void fallocate_zeroRange() {
        Attr f = file(ROOT, "f");
        byte[] data = bytes(3 * 65536, 9);
        fs.write(ROOTC, f.ino(), 0, data, 0, data.length);
        commit();
        tick();
        // inside the file, unaligned at both ends: zeros there, the bytes around it kept
        fs.fallocate(ROOTC, f.ino(), PosixFs.FALLOC_FL_ZERO_RANGE, 5000, 70000);
        java.util.Arrays.fill(data, 5000, 75000, (byte) 0);
        assertThat(readAll(f.ino())).isEqualTo(data);
        Attr a = fs.getattr(f.ino());
        assertThat(a.size()).isEqualTo(data.length);
        assertThat(a.mtime()).isEqualTo(now());
        assertThat(a.blocks()).isEqualTo(data.length / 512); // the zeroed blocks are allocated again
        // past the end: the file grows, unless the size is to be kept
        fs.fallocate(ROOTC, f.ino(), PosixFs.FALLOC_FL_ZERO_RANGE, 190000, 20000);
        java.util.Arrays.fill(data, 190000, data.length, (byte) 0);
        assertThat(fs.getattr(f.ino()).size()).isEqualTo(210000);
        fs.fallocate(ROOTC, f.ino(), PosixFs.FALLOC_FL_ZERO_RANGE | PosixFs.FALLOC_FL_KEEP_SIZE, 200000, 100000);
        assertThat(fs.getattr(f.ino()).size()).isEqualTo(210000);
        commit();
        byte[] grown = java.util.Arrays.copyOf(data, 210000);
        assertThat(readAll(f.ino())).isEqualTo(grown);
        // a small (inline) file is zeroed in place
        Attr s = file(ROOT, "s", b("abcdef"));
        fs.fallocate(ROOTC, s.ino(), PosixFs.FALLOC_FL_ZERO_RANGE | PosixFs.FALLOC_FL_KEEP_SIZE, 2, 3);
        assertThat(readAll(s.ino())).isEqualTo(new byte[] {'a', 'b', 0, 0, 0, 'f'});
    }

    @Test
    public void fallocate_errors() {
        Attr f = file(ROOT, "f");
        Attr d = dir(ROOT, "d");
        Attr p = fs.mknod(ROOTC, ROOT, b("p"), 0010644, 0);
        assertErrno(Errno.EOPNOTSUPP, () -> fs.fallocate(ROOTC, f.ino(), PosixFs.FALLOC_FL_PUNCH_HOLE, 0, 10));
        // collapse and insert range, and a zeroed range that is also a hole: btrfs has none of them
        assertErrno(Errno.EOPNOTSUPP, () -> fs.fallocate(ROOTC, f.ino(), 0x08, 0, 4096));
        assertErrno(Errno.EOPNOTSUPP, () -> fs.fallocate(ROOTC, f.ino(), 0x20, 0, 4096));
        assertErrno(Errno.EOPNOTSUPP, () -> fs.fallocate(ROOTC, f.ino(),
                PosixFs.FALLOC_FL_ZERO_RANGE | PosixFs.FALLOC_FL_PUNCH_HOLE | PosixFs.FALLOC_FL_KEEP_SIZE, 0, 10));
        assertErrno(Errno.EINVAL, () -> fs.fallocate(ROOTC, f.ino(), 0, 0, 0));
        assertErrno(Errno.EINVAL, () -> fs.fallocate(ROOTC, f.ino(), 0, -1, 10));
        assertErrno(Errno.EISDIR, () -> fs.fallocate(ROOTC, d.ino(), 0, 0, 10));
        assertErrno(Errno.ENODEV, () -> fs.fallocate(ROOTC, p.ino(), 0, 0, 10));
        assertErrno(Errno.EFBIG, () -> fs.fallocate(ROOTC, f.ino(), 0, Long.MAX_VALUE - 5, 10));
    }

    @Test
    public void seek_dataAndHoles() {
        Attr f = file(ROOT, "f");
        byte[] blk = bytes(4096, 9);
        fs.write(ROOTC, f.ino(), 0, blk, 0, 4096);
        fs.write(ROOTC, f.ino(), 1 << 20, blk, 0, 4096);
        fs.setattr(ROOTC, f.ino(), SetAttr.size((1 << 20) + 8192));
        assertThat(fs.seekData(f.ino(), 0)).isEqualTo(0);
        assertThat(fs.seekHole(f.ino(), 0)).isEqualTo(4096);
        assertThat(fs.seekData(f.ino(), 4096)).isEqualTo(1 << 20);
        assertThat(fs.seekData(f.ino(), 100)).isEqualTo(100);
        assertThat(fs.seekHole(f.ino(), 1 << 20)).isEqualTo((1 << 20) + 4096);
        assertErrno(Errno.ENXIO, () -> fs.seekData(f.ino(), (1 << 20) + 4096));
        assertErrno(Errno.ENXIO, () -> fs.seekData(f.ino(), (1 << 20) + 8192));
        assertErrno(Errno.ENXIO, () -> fs.seekHole(f.ino(), (1 << 20) + 8192));
        assertErrno(Errno.ENXIO, () -> fs.seekData(f.ino(), -1));
        Attr empty = file(ROOT, "e");
        assertErrno(Errno.ENXIO, () -> fs.seekHole(empty.ino(), 0));
    }

    /**
     * copy_file_range: whole sectors at the same place in a sector are shared (through the
     * store's cloneRange), the rest copied; the count stops at the source's end; holes stay
     * holes; the destination grows and is modified as by a write.
     */
    @Test
    public void copy_rangesSectorsAndBytes() {
        byte[] data = bytes(300_000, 11);
        Attr src = file(ROOT, "src", data);
        Attr dst = file(ROOT, "dst");
        tick();
        assertThat(fs.copyFileRange(ROOTC, src.ino(), 0, dst.ino(), 0, 1 << 20, 0)).isEqualTo(300_000);
        assertThat(readAll(dst.ino())).isEqualTo(data);
        Attr a = fs.getattr(dst.ino());
        assertThat(a.mtime()).isEqualTo(now());
        assertThat(a.ctime()).isEqualTo(now());
        // the same place in a sector (5000 and 9096), then another (100 to 70_001), into the copy
        assertThat(fs.copyFileRange(ROOTC, src.ino(), 5000, dst.ino(), 9096, 200_000, 0)).isEqualTo(200_000);
        assertThat(fs.copyFileRange(ROOTC, src.ino(), 100, dst.ino(), 70_001, 9000, 0)).isEqualTo(9000);
        byte[] want = data.clone();
        System.arraycopy(data, 5000, want, 9096, 200_000);
        System.arraycopy(data, 100, want, 70_001, 9000);
        commit();
        assertThat(readAll(dst.ino())).isEqualTo(want);
        assertThat(readAll(src.ino())).isEqualTo(data);
        // past the source's end: nothing; into a new file far out: the size grows, a hole before
        assertThat(fs.copyFileRange(ROOTC, src.ino(), 300_000, dst.ino(), 0, 10, 0)).isZero();
        Attr far = file(ROOT, "far");
        assertThat(fs.copyFileRange(ROOTC, src.ino(), 0, far.ino(), 1 << 20, 8192, 0)).isEqualTo(8192);
        assertThat(fs.getattr(far.ino()).size()).isEqualTo((1 << 20) + 8192);
        assertThat(fs.seekData(far.ino(), 0)).isEqualTo(1 << 20);
        assertThat(read(far.ino(), 1 << 20, 8192)).isEqualTo(Arrays.copyOf(data, 8192));
        // a sparse source: its hole is a hole in the copy
        Attr sparse = file(ROOT, "sparse");
        fs.write(ROOTC, sparse.ino(), 0, data, 0, 4096);
        fs.write(ROOTC, sparse.ino(), 1 << 20, data, 0, 4096);
        Attr copy = file(ROOT, "copy");
        assertThat(fs.copyFileRange(ROOTC, sparse.ino(), 0, copy.ino(), 0, 2 << 20, 0)).isEqualTo((1 << 20) + 4096);
        assertThat(fs.seekHole(copy.ino(), 0)).isEqualTo(4096);
        assertThat(fs.seekData(copy.ino(), 4096)).isEqualTo(1 << 20);
        assertThat(readAll(copy.ino())).isEqualTo(readAll(sparse.ino()));
        // within one file, apart; onto itself is refused
        assertThat(fs.copyFileRange(ROOTC, src.ino(), 0, src.ino(), 300_000, 8192, 0)).isEqualTo(8192);
        assertThat(read(src.ino(), 300_000, 8192)).isEqualTo(Arrays.copyOf(data, 8192));
        assertErrno(Errno.EINVAL, () -> fs.copyFileRange(ROOTC, src.ino(), 0, src.ino(), 4096, 8192, 0));
        // a copy larger than one operation (PosixFs.COPY_PIECE) onto itself is refused whole, not piece by piece
        Attr big = file(ROOT, "big");
        fs.setattr(ROOTC, big.ino(), SetAttr.size(100L << 20));
        assertErrno(Errno.EINVAL, () -> fs.copyFileRange(ROOTC, big.ino(), 0, big.ino(), 70L << 20, 100L << 20, 0));
        assertThat(fs.getattr(big.ino()).size()).isEqualTo(100L << 20);
        assertErrno(Errno.EINVAL, () -> fs.copyFileRange(ROOTC, src.ino(), 0, dst.ino(), 0, 10, 1));
        Attr d = dir(ROOT, "d");
        assertErrno(Errno.EISDIR, () -> fs.copyFileRange(ROOTC, src.ino(), 0, d.ino(), 0, 10, 0));
        commit();
        assertThat(readAll(copy.ino())).isEqualTo(readAll(sparse.ino()));
    }

    @Test
    public void statfs_reportsSpace() {
        StatFs s = fs.statfs();
        assertThat(s.nameMax()).isEqualTo(255);
        assertThat(s.blockSize()).isPositive();
        assertThat(s.blocks()).isPositive();
        assertThat(s.blocksFree()).isBetween(0L, s.blocks());
        file(ROOT, "big", bytes(1 << 20, 1));
        commit();
        assertThat(fs.statfs().blocksFree()).isLessThan(s.blocksFree());
    }
}
