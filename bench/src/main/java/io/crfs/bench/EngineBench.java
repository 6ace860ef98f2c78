package io.crfs.bench;

import io.crfs.format.DirEntry;
import io.crfs.format.Hashes;
import io.crfs.format.InodeItem;
import io.crfs.format.InodeRef;
import io.crfs.format.ItemStore;
import io.crfs.format.ItemType;
import io.crfs.format.Key;
import io.crfs.volume.MkfsOptions;
import io.crfs.volume.Volume;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Engine throughput: item inserts per second when {@code batch} inserts share one commit (each
 * insert is one file's worth of fs-tree items: INODE_ITEM, INODE_REF, DIR_ITEM, DIR_INDEX), and
 * sequential data writes.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 3)
@Fork(1)
public class EngineBench {
    static final int OPS = 10_000;

    @Param({"100", "10000"})
    public int batch;

    Path dir;
    Volume volume;
    long serial;

    @Setup(Level.Iteration)
    public void open() throws IOException {
        dir = Files.createTempDirectory("crfs-bench");
        Path img = dir.resolve("bench.img");
        Volume.mkfs(img, 4L << 30, MkfsOptions.defaults());
        volume = Volume.open(img);
    }

    @TearDown(Level.Iteration)
    public void close() throws IOException {
        volume.close();
        Files.deleteIfExists(dir.resolve("bench.img"));
        Files.deleteIfExists(dir);
    }

    /** 10,000 files' items per invocation, committing every {@code batch} files. */
    @Benchmark
    @OperationsPerInvocation(OPS * 4)
    public void itemInserts() throws IOException {
        ItemStore s = volume.fsTree();
        for (int i = 0; i < OPS; i++) {
            createFile(s, ("file-" + (serial++)).getBytes(StandardCharsets.UTF_8));
            if ((i + 1) % batch == 0) {
                volume.commit();
            }
        }
        volume.commit();
    }

    /** MiB/s of 1 MiB sequential writes into one file, committed every 64 MiB. */
    @Benchmark
    @OperationsPerInvocation(256)
    public void sequentialWriteMiB() throws IOException {
        ItemStore s = volume.fsTree();
        long ino = createFile(s, ("big-" + (serial++)).getBytes(StandardCharsets.UTF_8));
        byte[] chunk = new byte[1 << 20];
        for (int i = 0; i < 256; i++) {
            chunk[0] = (byte) i;
            s.write(ino, (long) i << 20, chunk, 0, chunk.length);
            if (i % 64 == 63) {
                volume.commit();
            }
        }
        volume.commit();
    }

    private static long createFile(ItemStore s, byte[] name) {
        long ino = s.allocateInode();
        long t = s.transid();
        s.put(new Key(ino, ItemType.INODE_ITEM, 0), InodeItem.allocate().generation(t).transid(t).nlink(1)
                .mode(0100644).bytes());
        Key last = new Key(256, ItemType.DIR_INDEX, -1L);
        var prev = s.scanBackward(new Key(256, ItemType.DIR_INDEX, 0), last, 1);
        long index = prev.isEmpty() ? 2 : prev.get(0).key().offset() + 1;
        s.put(new Key(ino, ItemType.INODE_REF, 256), InodeRef.encodeAll(List.of(new InodeRef(index, name))));
        DirEntry d = new DirEntry(new Key(ino, ItemType.INODE_ITEM, 0), t, DirEntry.FT_REG, name, null);
        s.put(new Key(256, ItemType.DIR_ITEM, Hashes.nameHash(name)), d.encode());
        s.put(new Key(256, ItemType.DIR_INDEX, index), d.encode());
        return ino;
    }
}
