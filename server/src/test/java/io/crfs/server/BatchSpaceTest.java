package io.crfs.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.crfs.format.ItemStore;
import io.crfs.format.StoreException;
import io.crfs.posix.Attr;
import io.crfs.posix.Caller;
import io.crfs.posix.PosixException;
import io.crfs.posix.PosixFs;
import io.crfs.protocol.Edit;
import io.crfs.volume.MkfsOptions;
import io.crfs.volume.Volume;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A batch's data estimate covers what its edits take, so that on a full volume an edit that
 * needs space fails before it changes anything, or after a savepoint it can go back to, and the
 * volume keeps committing what came before. A punch or a truncate that copies a partial sector
 * once counted as needing nothing: on a full volume it ran out half-way, and the volume refused
 * every commit after it.
 */
class BatchSpaceTest {
    @TempDir
    Path tmp;

    private static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void estimatesCoverTheSectorsAnEditCopies() {
        assertThat(BatchApplier.dataNeed(new Edit.Write(300, 4095, new byte[2]), 4096)).isEqualTo(3 * 4096);
        assertThat(BatchApplier.dataNeed(new Edit.Write(300, 0, new byte[4096]), 4096)).isEqualTo(2 * 4096);
        assertThat(BatchApplier.dataNeed(new Edit.Punch(300, 100, 5000), 4096)).isEqualTo(2 * 4096);
        assertThat(BatchApplier.dataNeed(new Edit.Truncate(300, 100), 4096)).isEqualTo(2 * 4096);
        assertThat(BatchApplier.dataNeed(new Edit.Allocate(300, 1, 8192, false), 4096)).isEqualTo(4 * 4096);
    }

    @Test
    void onAFullVolumeAPunchOrTruncateFailsAloneAndTheVolumeGoesOnCommitting() throws Exception {
        Path img = tmp.resolve("full.img");
        Volume.mkfs(img, 160L << 20, MkfsOptions.defaults());
        long a;
        long b;
        try (Volume v = Volume.open(img)) {
            ItemStore s = v.fsTree();
            PosixFs fs = new PosixFs(s);
            a = fs.create(Caller.ROOT, PosixFs.ROOT, b("a"), 0100644, true).ino();
            byte[] data = new byte[100_000];
            java.util.Arrays.fill(data, (byte) 7);
            fs.write(Caller.ROOT, a, 0, data, 0, data.length);
            v.commit();
            Attr fill = fs.create(Caller.ROOT, PosixFs.ROOT, b("fill"), 0100644, true);
            long at = 0;
            for (long step = 8L << 20; step >= 4096; step /= 2) { // every data sector taken
                while (true) {
                    try {
                        fs.fallocate(Caller.ROOT, fill.ino(), 0, at, step);
                        at += step;
                    } catch (PosixException e) {
                        break;
                    }
                }
            }
            v.commit();
            b = fs.create(Caller.ROOT, PosixFs.ROOT, b("b"), 0100644, true).ino(); // not committed yet
            for (Edit e : List.<Edit>of(new Edit.Punch(a, 100, 5000), new Edit.Truncate(a, 4000))) {
                assertThatThrownBy(() -> BatchApplier.applyRange(s, List.of(e), 0, 1, s.space().blockSize()))
                        .isInstanceOfSatisfying(StoreException.class, x -> assertThat(x.kind()).isEqualTo(StoreException.Kind.NO_SPACE));
            }
            fs.setxattr(Caller.ROOT, b, b("user.still"), b("writable"), 0); // items only
            v.commit();
        }
        try (Volume v = Volume.open(img)) {
            PosixFs fs = new PosixFs(v.fsTree());
            assertThat(fs.lookup(Caller.ROOT, PosixFs.ROOT, b("b")).ino()).isEqualTo(b);
            assertThat(fs.getxattr(Caller.ROOT, b, b("user.still"))).isEqualTo(b("writable"));
            byte[] first = new byte[100];
            fs.read(a, 0, first, 0, 100);
            assertThat(first).containsOnly(7);
            v.abandon();
        }
    }
}
