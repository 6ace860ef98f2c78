package io.crfs.posix;

import io.crfs.format.Timespec;
import io.crfs.posix.PosixModel.Node;
import java.util.Arrays;
import java.util.Random;
import java.util.function.Consumer;

/** The data operations of {@link PosixRandomOps}: write, truncate, punch hole, fallocate, zero range. */
final class DataOps {
    private final PosixFs fs;
    private final Random rnd;
    private final Timespec t0;

    DataOps(PosixFs fs, Random rnd, Timespec t0) {
        this.fs = fs;
        this.rnd = rnd;
        this.t0 = t0;
    }

    private int length() {
        return switch (rnd.nextInt(10)) {
            case 0 -> 0;
            case 1, 2, 3 -> 1 + rnd.nextInt(100);
            case 4, 5, 6, 7 -> 1 + rnd.nextInt(10_000);
            default -> 1 + rnd.nextInt(200_000);
        };
    }

    void write(Node f, Consumer<String> op) {
        int size = f.data.length;
        int max = PosixRandomOps.maxFile();
        int off = switch (rnd.nextInt(10)) {
            case 0, 1, 2 -> size;
            case 3, 4 -> Math.min(max, size + rnd.nextInt(100_000));
            default -> rnd.nextInt(size + 1);
        };
        int len = Math.min(length(), max - off);
        byte[] data = new byte[len];
        rnd.nextBytes(data);
        op.accept("write " + f.ino + " at " + off + " len " + len);
        int n = fs.write(Caller.ROOT, f.ino, off, data, 0, len);
        PosixModel.check(n == len, "write returned " + n);
        if (len > 0) {
            if (off + len > size) {
                f.resize(off + len);
            }
            System.arraycopy(data, 0, f.data, off, len);
            f.mtime = t0;
        }
    }

    void resize(Node f, Consumer<String> op) {
        int size = f.data.length;
        int max = PosixRandomOps.maxFile();
        switch (rnd.nextInt(3)) {
            case 0 -> {
                int newSize = rnd.nextInt(3) == 0 ? rnd.nextInt(size + 1) : Math.min(max, rnd.nextInt(size + 20_000));
                op.accept("truncate " + f.ino + " to " + newSize);
                fs.setattr(Caller.ROOT, f.ino, SetAttr.size(newSize));
                if (newSize != size) {
                    f.resize(newSize);
                    f.mtime = t0;
                }
            }
            case 1 -> {
                int off = rnd.nextInt(size + 100);
                int len = 1 + rnd.nextInt(20_000);
                op.accept("punch " + f.ino + " at " + off + " len " + len);
                fs.fallocate(Caller.ROOT, f.ino, PosixFs.FALLOC_FL_PUNCH_HOLE | PosixFs.FALLOC_FL_KEEP_SIZE, off, len);
                if (off < size) {
                    Arrays.fill(f.data, off, Math.min(size, off + len), (byte) 0);
                }
                f.mtime = t0;
            }
            default -> {
                int off = Math.min(max - 1, rnd.nextInt(size + 10_000));
                int len = Math.min(1 + rnd.nextInt(50_000), max - off);
                boolean keep = rnd.nextBoolean();
                boolean zero = rnd.nextBoolean();
                op.accept((zero ? "zero range " : "fallocate ") + f.ino + " at " + off + " len " + len + (keep ? " keep size" : ""));
                fs.fallocate(Caller.ROOT, f.ino, (keep ? PosixFs.FALLOC_FL_KEEP_SIZE : 0)
                        | (zero ? PosixFs.FALLOC_FL_ZERO_RANGE : 0), off, len);
                if (zero && off < size) {
                    Arrays.fill(f.data, off, Math.min(size, off + len), (byte) 0);
                }
                if (!keep && off + len > size) {
                    f.resize(off + len);
                }
                f.mtime = t0;
            }
        }
    }
}
