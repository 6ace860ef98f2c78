package io.crfs.volume;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

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
 * Seeded random file data and item edits straight on the engine (no posix layer) against an
 * in-memory model, with commits and reopens in between, ending with btrfs check and the
 * kernel's read-only view. Seed: -Dcrfs.seed=N; size: -Dcrfs.ops=N.
 */
class VolumeRandomTest {
    @TempDir
    Path tmp;

    @Test
    void randomDataAndItemsMatchModelAndPassCheck() throws Exception {
        long seed = Long.getLong("crfs.seed", System.nanoTime());
        int ops = Integer.getInteger("crfs.ops", 4000);
        try {
            run(seed, ops);
        } catch (Throwable t) {
            throw new AssertionError("VolumeRandomTest failed with -Dcrfs.seed=" + seed + " -Dcrfs.ops=" + ops, t);
        }
    }

    private void run(long seed, int ops) throws Exception {
        Random r = new Random(seed);
        Path img = tmp.resolve("v.img");
        Volume.mkfs(img, 256L << 20, MkfsOptions.defaults());
        Map<Long, byte[]> files = new HashMap<>();
        Map<Long, String> names = new HashMap<>();
        Map<Long, Map<String, byte[]>> xattrs = new HashMap<>();
        Volume v = Volume.open(img);
        int serial = 0;
        try {
            for (int op = 0; op < ops; op++) {
                ItemStore s = v.fsTree();
                List<Long> inos = new ArrayList<>(files.keySet());
                int kind = r.nextInt(100);
                if (kind < 15 || inos.isEmpty()) {
                    String n = "f" + (serial++) + "-" + "x".repeat(r.nextInt(40));
                    long ino = Fixtures.createFile(s, Fixtures.name(n));
                    files.put(ino, new byte[0]);
                    names.put(ino, n);
                    xattrs.put(ino, new HashMap<>());
                    continue;
                }
                long ino = inos.get(r.nextInt(inos.size()));
                byte[] cur = files.get(ino);
                if (kind < 55) {
                    int maxOff = r.nextInt(4) == 0 ? 3 << 20 : 20000;
                    int off = r.nextInt(maxOff);
                    int len = r.nextInt(10) == 0 ? r.nextInt(1 << 20) : r.nextInt(9000) + 1;
                    byte[] d = new byte[len];
                    r.nextBytes(d);
                    s.write(ino, off, d, 0, len);
                    // a write of nothing changes nothing, past the end of file too (as write(2) with count 0)
                    byte[] n = Arrays.copyOf(cur, len == 0 ? cur.length : Math.max(cur.length, off + len));
                    System.arraycopy(d, 0, n, Math.min(off, n.length), len);
                    files.put(ino, n);
                } else if (kind < 63) {
                    int size = r.nextInt(3) == 0 ? r.nextInt(3000) : r.nextInt(cur.length + 10000);
                    s.truncate(ino, size);
                    files.put(ino, Arrays.copyOf(cur, size));
                } else if (kind < 68) {
                    int off = r.nextInt(cur.length + 1);
                    int len = r.nextInt(40000);
                    s.punchHole(ino, off, len);
                    byte[] n = cur.clone();
                    Arrays.fill(n, Math.min(off, n.length), (int) Math.min((long) off + len, n.length), (byte) 0);
                    files.put(ino, n);
                } else if (kind < 80) {
                    String xn = "user.a" + r.nextInt(30);
                    byte[] val = new byte[r.nextInt(3) == 0 ? r.nextInt(3000) : r.nextInt(100)];
                    r.nextBytes(val);
                    Fixtures.setXattr(s, ino, Fixtures.name(xn), val);
                    xattrs.get(ino).put(xn, val);
                } else if (kind < 84 && !xattrs.get(ino).isEmpty()) {
                    String xn = new ArrayList<>(xattrs.get(ino).keySet()).get(0);
                    Fixtures.removeXattr(s, ino, Fixtures.name(xn));
                    xattrs.get(ino).remove(xn);
                } else if (kind < 92) {
                    Fixtures.deleteFile(s, ino, Fixtures.name(names.get(ino)));
                    files.remove(ino);
                    names.remove(ino);
                    xattrs.remove(ino);
                } else if (kind < 97) {
                    v.commit();
                } else {
                    v.close();
                    v = Volume.open(img);
                    verify(v, files, xattrs);
                }
            }
            verify(v, files, xattrs);
        } finally {
            v.close();
        }
        try (Volume again = Volume.open(img)) {
            verify(again, files, xattrs);
        }
        if (Fixtures.haveBtrfsTools()) {
            assertThat(Fixtures.btrfsCheck(img)).isEmpty();
        }
        if (Fixtures.isRoot() && Fixtures.haveBtrfsTools()) {
            try (Fixtures.RoMount m = new Fixtures.RoMount(img)) {
                for (Map.Entry<Long, byte[]> f : files.entrySet()) {
                    assertThat(Files.readAllBytes(m.dir.resolve(names.get(f.getKey()))))
                            .as("kernel view of %s", names.get(f.getKey())).isEqualTo(f.getValue());
                    var view = Files.getFileAttributeView(m.dir.resolve(names.get(f.getKey())),
                            java.nio.file.attribute.UserDefinedFileAttributeView.class);
                    Map<String, String> kernel = new java.util.TreeMap<>();
                    for (String n : view.list()) {
                        var buf = java.nio.ByteBuffer.allocate(view.size(n));
                        view.read(n, buf);
                        kernel.put("user." + n, java.util.HexFormat.of().formatHex(buf.array()));
                    }
                    Map<String, String> model = new java.util.TreeMap<>();
                    xattrs.getOrDefault(f.getKey(), Map.of()).forEach((n, val) -> model.put(n, java.util.HexFormat.of().formatHex(val)));
                    assertThat(kernel).as("kernel view of the xattrs of %s", names.get(f.getKey())).isEqualTo(model);
                }
                try (var listing = Files.list(m.dir)) {
                    assertThat(listing.count()).isEqualTo(files.size());
                }
            }
        }
    }

    private static void verify(Volume v, Map<Long, byte[]> files, Map<Long, Map<String, byte[]>> xattrs) {
        ItemStore s = v.fsTree();
        for (Map.Entry<Long, byte[]> f : files.entrySet()) {
            long ino = f.getKey();
            InodeItem in = new InodeItem(s.get(new Key(ino, ItemType.INODE_ITEM, 0)));
            assertThat(in.size()).as("size of %d", ino).isEqualTo(f.getValue().length);
            byte[] got = s.read(ino, 0, f.getValue().length);
            assertThat(Arrays.equals(got, f.getValue())).as("content of inode %d (%d bytes)", ino, got.length).isTrue();
        }
        for (Map.Entry<Long, Map<String, byte[]>> x : xattrs.entrySet()) {
            long ino = x.getKey();
            Map<String, String> stored = new java.util.TreeMap<>();
            for (var it : s.scan(new Key(ino, ItemType.XATTR_ITEM, 0), new Key(ino, ItemType.XATTR_ITEM, -1L), Integer.MAX_VALUE)) {
                for (io.crfs.format.DirEntry d : io.crfs.format.DirEntry.decodeAll(it.value())) {
                    assertThat(stored.put(new String(d.name(), java.nio.charset.StandardCharsets.UTF_8),
                        java.util.HexFormat.of().formatHex(d.data()))).as("xattr stored twice on inode %d", ino).isNull();
                }
            }
            Map<String, String> model = new java.util.TreeMap<>();
            x.getValue().forEach((n, val) -> model.put(n, java.util.HexFormat.of().formatHex(val)));
            assertThat(stored).as("xattrs of inode %d", ino).isEqualTo(model);
        }
    }
}
