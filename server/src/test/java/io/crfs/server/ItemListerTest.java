package io.crfs.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.crfs.format.Item;
import io.crfs.format.ItemStore;
import io.crfs.format.ItemType;
import io.crfs.format.Key;
import io.crfs.posix.Caller;
import io.crfs.posix.PosixFs;
import io.crfs.protocol.Message;
import io.crfs.volume.MkfsOptions;
import io.crfs.volume.Volume;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What a grant or FETCH sends of an object: never its extents, at most the limit and the bytes, and what it covers. */
class ItemListerTest {
    @TempDir
    Path tmp;

    @Test
    void listsAroundTheExtentsWithinTheLimitsAndSaysWhatItCovers() throws Exception {
        Path img = tmp.resolve("v.img");
        Volume.mkfs(img, 256L << 20, MkfsOptions.defaults());
        try (Volume v = Volume.open(img)) {
            ItemStore fs = v.fsTree();
            PosixFs posix = new PosixFs(fs);
            long ino = posix.create(Caller.ROOT, PosixFs.ROOT, b("f"), 0644, true).ino();
            posix.write(Caller.ROOT, ino, 0, new byte[64 << 10], 0, 64 << 10); // extents
            for (int i = 0; i < 10; i++) {
                posix.setxattr(Caller.ROOT, ino, b("user.x" + i), new byte[1000], 0);
            }
            Key min = Key.first(ino);
            Key max = Key.last(ino);
            assertThat(fs.scan(new Key(ino, ItemType.EXTENT_DATA, 0), new Key(ino, ItemType.EXTENT_DATA, -1L), 10)).isNotEmpty();

            Message.Items all = ItemLister.list(fs, min, max, 100, false);
            assertThat(all.items()).hasSize(12).noneMatch(i -> i.key().type() == ItemType.EXTENT_DATA); // inode, ref, 10 xattrs
            assertThat(all.from()).isEqualTo(min);
            assertThat(all.to()).isEqualTo(max);

            Message.Items first = ItemLister.list(fs, min, max, 3, false);
            assertThat(first.items()).hasSize(3);
            assertThat(first.to()).isEqualTo(first.items().get(2).key());
            Message.Items last = ItemLister.list(fs, min, max, 2, true);
            assertThat(last.items()).hasSize(2);
            assertThat(last.from()).isEqualTo(last.items().get(0).key()); // in key order, covering from the lowest
            assertThat(last.to()).isEqualTo(max);

            // about 3 KB allowed: the answer stops after the item that passes it
            Message.Items capped = ItemLister.list(fs, min, max, 100, false, 3000);
            assertThat(capped.items().size()).isBetween(3, 5);
            assertThat(capped.to()).isEqualTo(capped.items().get(capped.items().size() - 1).key());
            long bytes = capped.items().stream().mapToLong(i -> i.value().length).sum();
            assertThat(bytes).isLessThan(3000 + 1100);

            // a range that is only extents: nothing, all covered
            Message.Items extents = ItemLister.list(fs, new Key(ino, ItemType.EXTENT_DATA, 0),
                    new Key(ino, ItemType.EXTENT_DATA, -1L), 10, false);
            assertThat(extents.items()).isEmpty();
            assertThat(extents.to()).isEqualTo(new Key(ino, ItemType.EXTENT_DATA, -1L));
            for (Item i : all.items()) {
                assertThat(fs.get(i.key())).isEqualTo(i.value());
            }
        }
    }

    private static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
