package io.crfs.volume;

import static org.assertj.core.api.Assertions.assertThat;

import io.crfs.format.InodeItem;
import io.crfs.format.ItemStore;
import io.crfs.format.ItemType;
import io.crfs.format.Key;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Crash safety: the writes of a commit are cut after every possible write (and, before the
 * first barrier, in random subsets, since a disk may reorder them). Every cut must open at the
 * old or the new generation with exactly that generation's contents, and pass btrfs check.
 */
class CrashSafetyTest {
    @TempDir
    Path tmp;

    @Test
    void everyCrashPointOpensAtOldOrNewGeneration() throws Exception {
        long seed = Long.getLong("crfs.seed", System.nanoTime());
        Random r = new Random(seed);
        Path img = tmp.resolve("base.img");
        Volume.mkfs(img, 128L << 20, MkfsOptions.defaults());
        MemDevice dev = MemDevice.load(img);
        Map<Long, byte[]> before = new HashMap<>();
        Map<Long, String> names = new HashMap<>();
        Volume v = Volume.open(dev);
        ItemStore s = v.fsTree();
        for (int i = 0; i < 200; i++) {
            long ino = Fixtures.createFile(s, Fixtures.name("old" + i));
            byte[] d = new byte[r.nextInt(3) == 0 ? r.nextInt(200_000) : r.nextInt(3000)];
            r.nextBytes(d);
            s.write(ino, 0, d, 0, d.length);
            before.put(ino, d);
            names.put(ino, "old" + i);
        }
        v.commit();
        long oldGen = v.generation();
        MemDevice base = dev.copy();
        // a crash may hit at any write from here on: data is written as the transaction runs
        dev.recording = true;
        dev.log.clear();
        // the second transaction: overwrite, truncate, delete and create
        Map<Long, byte[]> after = new HashMap<>(before);
        List<Long> inos = new ArrayList<>(before.keySet());
        for (int i = 0; i < 60; i++) {
            long ino = inos.get(r.nextInt(inos.size()));
            if (!after.containsKey(ino)) {
                continue;
            }
            switch (r.nextInt(4)) {
                case 0 -> {
                    byte[] d = new byte[r.nextInt(50_000) + 1];
                    r.nextBytes(d);
                    int off = r.nextInt(after.get(ino).length + 1);
                    s.write(ino, off, d, 0, d.length);
                    byte[] n = Arrays.copyOf(after.get(ino), Math.max(after.get(ino).length, off + d.length));
                    System.arraycopy(d, 0, n, off, d.length);
                    after.put(ino, n);
                }
                case 1 -> {
                    int size = r.nextInt(after.get(ino).length + 1);
                    s.truncate(ino, size);
                    after.put(ino, Arrays.copyOf(after.get(ino), size));
                }
                case 2 -> {
                    Fixtures.deleteFile(s, ino, Fixtures.name(names.get(ino)));
                    after.remove(ino);
                }
                default -> {
                    long n = Fixtures.createFile(s, Fixtures.name("new" + i));
                    byte[] d = new byte[r.nextInt(100_000)];
                    r.nextBytes(d);
                    s.write(n, 0, d, 0, d.length);
                    after.put(n, d);
                    names.put(n, "new" + i);
                }
            }
        }
        v.commit();
        long newGen = v.generation();
        List<Object> log = new ArrayList<>(dev.log);
        assertThat(newGen).isEqualTo(oldGen + 1);
        int firstFlush = log.indexOf(MemDevice.FLUSH);
        int checked = 0;
        for (int cut = 0; cut <= log.size(); cut++) {
            List<Integer> subsets = new ArrayList<>();
            subsets.add(-1);
            if (cut <= firstFlush && cut > 0) {
                subsets.add(r.nextInt());
            }
            for (int variant : subsets) {
                MemDevice crashed = base.copy();
                Random pick = new Random(variant);
                for (int i = 0; i < cut; i++) {
                    if (log.get(i) instanceof MemDevice.Write w && (variant == -1 || pick.nextBoolean())) {
                        crashed.apply(w.pos(), w.data(), 0, w.data().length);
                    }
                }
                String where = "seed=" + seed + " cut after write " + cut + " of " + log.size() + " variant " + variant;
                try (Volume c = Volume.open(crashed)) {
                    long g = c.generation();
                    assertThat(g).as(where).isIn(oldGen, newGen);
                    verify(c.fsTree(), g == oldGen ? before : after, where);
                    c.abandon();
                }
                // btrfs check is slow; run it on the boundaries and a sample of the rest
                boolean sample = cut == 0 || cut == log.size() || cut == firstFlush || cut == firstFlush + 1
                        || r.nextInt(12) == 0;
                if (sample && Fixtures.haveBtrfsTools()) {
                    Path f = tmp.resolve("cut.img");
                    crashed.saveTo(f);
                    assertThat(Fixtures.btrfsCheck(f)).as(where).isEmpty();
                    checked++;
                }
            }
        }
        assertThat(log.size()).isGreaterThan(10);
        System.out.println("crash points: " + (log.size() + 1) + ", btrfs-checked: " + checked + ", seed " + seed);
        Files.deleteIfExists(tmp.resolve("cut.img"));
    }

    private static void verify(ItemStore s, Map<Long, byte[]> files, String where) {
        for (Map.Entry<Long, byte[]> f : files.entrySet()) {
            byte[] raw = s.get(new Key(f.getKey(), ItemType.INODE_ITEM, 0));
            assertThat(raw).as(where + ": inode " + f.getKey()).isNotNull();
            assertThat(new InodeItem(raw).size()).as(where).isEqualTo(f.getValue().length);
            assertThat(Arrays.equals(s.read(f.getKey(), 0, f.getValue().length), f.getValue()))
                    .as(where + ": content of " + f.getKey()).isTrue();
        }
    }
}
