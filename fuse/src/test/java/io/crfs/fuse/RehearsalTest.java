package io.crfs.fuse;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** A rehearsal on a file system in memory: every request as the kernel lays it out, nothing left behind. */
class RehearsalTest {
    private static final long MINUTE = TimeUnit.MINUTES.toNanos(1);

    /** MemoryFs that records the operations it was asked for, and fails the creates of names in {@code failing}. */
    private static final class Recording extends MemoryFs {
        final List<String> ops = new ArrayList<>();
        final List<String> failing = new ArrayList<>();
        long bytesWritten;
        long bytesRead;

        @Override
        public synchronized CreateOut create(FuseContext ctx, long parent, String name, int mode, int umask, int flags) {
            ops.add("create " + name + " " + Integer.toOctalString(mode) + " " + Integer.toOctalString(flags));
            if (failing.contains(name)) {
                throw new FuseException(Errno.EIO);
            }
            return super.create(ctx, parent, name, mode, umask, flags);
        }

        @Override
        public synchronized int write(FuseContext ctx, long ino, long fh, long offset, java.nio.ByteBuffer data, int flags) {
            bytesWritten += data.remaining();
            return super.write(ctx, ino, fh, offset, data, flags);
        }

        @Override
        public synchronized void read(FuseContext ctx, long ino, long fh, long offset, java.nio.ByteBuffer dst) {
            int before = dst.position();
            super.read(ctx, ino, fh, offset, dst);
            bytesRead += dst.position() - before;
        }

        /** No file here has extended attributes (MemoryFs leaves xattrs unimplemented: ENOSYS). */
        @Override
        public byte[] getxattr(FuseContext ctx, long ino, String name) {
            throw new FuseException(Errno.ENODATA);
        }

        @Override
        public synchronized AttrOut setattr(FuseContext ctx, long ino, SetAttrIn in) {
            ops.add("setattr " + in.valid());
            return super.setattr(ctx, ino, in);
        }
    }

    @Test
    void everyRequestIsAnsweredAsTheKernelExpectsAndNothingIsLeft() {
        Recording fs = new Recording();
        Rehearsal.Result r = Rehearsal.run(fs, FuseMount.Options.defaults(), 100, 2, MINUTE);

        assertThat(r.failed()).isZero();
        // per file 5 requests to create, 2 to stat, 2 to delete; every fourth also 6 as tar xf; the
        // data file 2 x 2 MiB requests and 4,096 small ones, and 7 more; INIT, MKDIR, RMDIR, the listing
        assertThat(r.requests()).isBetween(100L * 9 + 25 * 6 + 4 + 4096 + 7 + 3 + 3, 100L * 9 + 25 * 6 + 4 + 4096 + 7 + 3 + 10);
        assertThat(fs.dir(1).children).as("the root after the rehearsal").isEmpty();
        assertThat(fs.nodes.values().stream().filter(n -> n.nlink > 0 && (n.mode & Attr.S_IFMT) != Attr.S_IFDIR))
                .as("files still linked").isEmpty();
        assertThat(fs.forgets.get()).as("lookups given back: each file's CREATE and LOOKUP, the data file's CREATE")
                .isEqualTo(100 * 2 + 1);
        assertThat(fs.ops).contains("create f0 100644 301", "create f99 100644 301", "create data 100644 302");
        assertThat(fs.ops.stream().filter(o -> o.startsWith("setattr"))).hasSize(25 * 3);
        assertThat(fs.bytesWritten).isEqualTo(25 * 2 * 10240 + 2 * (1 << 20) + 2048 * 4096);
        assertThat(fs.bytesRead).isEqualTo(2 * (1 << 20) + 2048 * 4096);
    }

    @Test
    void countsTheRequestsThatFailed() {
        Recording fs = new Recording();
        fs.failing.addAll(List.of("f3", "f7"));

        Rehearsal.Result r = Rehearsal.run(fs, FuseMount.Options.defaults(), 10, 0, MINUTE);

        // the two creates; nothing more is asked of the files they did not make
        assertThat(r.failed()).isEqualTo(2);
        assertThat(fs.dir(1).children).isEmpty();
    }

    @Test
    void stopsMakingFilesOnceItsTimeIsUp() {
        Recording fs = new Recording();

        Rehearsal.Result r = Rehearsal.run(fs, FuseMount.Options.defaults(), 1_000_000, 64, 0);

        assertThat(r.failed()).isZero();
        assertThat(r.requests()).isLessThan(20);
        assertThat(fs.dir(1).children).isEmpty();
    }
}
