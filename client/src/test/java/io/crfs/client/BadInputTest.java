package io.crfs.client;

import static org.assertj.core.api.Assertions.assertThat;

import io.crfs.format.DirEntry;
import io.crfs.format.FileExtent;
import io.crfs.format.InodeItem;
import io.crfs.format.ItemType;
import io.crfs.format.Key;
import io.crfs.posix.Attr;
import io.crfs.posix.Caller;
import io.crfs.posix.PosixFs;
import io.crfs.protocol.Edit;
import io.crfs.protocol.ErrorCode;
import io.crfs.protocol.Message;
import io.crfs.volume.Oracles;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Hostile and broken clients get a clear error or a closed connection; nothing of what they
 * send lands; the server keeps serving a well-behaved client, and the volume stays clean.
 */
class BadInputTest {
    @TempDir
    Path tmp;
    TestServer server;
    CrfsClient good;
    long file;

    static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @BeforeEach
    void start() throws Exception {
        server = new TestServer(tmp, 3000);
        good = server.client("good");
        Attr f = good.posix().create(Caller.ROOT, PosixFs.ROOT, b("victim"), 0644, true);
        file = f.ino();
        good.posix().write(Caller.ROOT, file, 0, b("original"), 0, 8);
        good.sync();
    }

    @AfterEach
    void stop() throws Exception {
        // the well-behaved client still works and sees the original data
        byte[] buf = new byte[8];
        good.posix().read(file, 0, buf, 0, 8);
        assertThat(new String(buf, StandardCharsets.UTF_8)).isEqualTo("original");
        good.posix().create(Caller.ROOT, PosixFs.ROOT, b("after"), 0644, true);
        good.close();
        server.close();
        if (Oracles.haveBtrfsTools()) {
            assertThat(Oracles.btrfsCheck(server.image)).isEmpty();
        }
    }

    private static ErrorCode code(Message m) {
        assertThat(m).isInstanceOf(Message.Error.class);
        return ((Message.Error) m).code();
    }

    @Test
    void garbageBytesAreRefusedAndTheConnectionClosed() throws Exception {
        try (RawClient r = new RawClient(server.port())) {
            r.raw(new byte[] {20, 0, 0, 0, 'G', 'A', 'R', 'B', 'A', 'G', 'E', '!', 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12});
            Message.Error e = (Message.Error) r.read().message();
            assertThat(e.code()).isEqualTo(ErrorCode.BAD_FRAME);
            assertThat(r.closedByServer()).isTrue();
        }
    }

    @Test
    void oversizedFramesAreRefusedBeforeTheBodyArrives() throws Exception {
        try (RawClient r = new RawClient(server.port())) {
            r.raw(new byte[] {(byte) 0xff, (byte) 0xff, (byte) 0xff, 0x7f});
            assertThat(code(r.read().message())).isEqualTo(ErrorCode.FRAME_TOO_BIG);
            assertThat(r.closedByServer()).isTrue();
        }
    }

    @Test
    void requestsBeforeHelloAndBadRangesAreRefused() throws Exception {
        try (RawClient r = new RawClient(server.port())) {
            assertThat(code(r.call(new Message.Ping()))).isEqualTo(ErrorCode.NO_SESSION);
        }
        try (RawClient r = new RawClient(server.port())) {
            r.hello("bad-range");
            assertThat(code(r.call(new Message.Acquire(5, Key.last(300), Key.first(300), 1)))).isEqualTo(ErrorCode.BAD_RANGE);
            assertThat(code(r.call(new Message.Acquire(2, Key.first(300), Key.last(300), 1)))).isEqualTo(ErrorCode.BAD_RANGE);
            assertThat(code(r.call(new Message.ReadData(file, 0, 10)))).isEqualTo(ErrorCode.NOT_HELD);
            // items are fetched only under a grant, and then never a file's extents
            assertThat(code(r.call(new Message.Fetch(Key.first(file), Key.last(file), 10, false)))).isEqualTo(ErrorCode.NOT_HELD);
            r.call(new Message.Acquire(5, Key.first(file), Key.last(file), 1));
            Message.Items got = (Message.Items) r.call(new Message.Fetch(Key.first(file), Key.last(file), 10, true));
            assertThat(got.items()).isNotEmpty().noneMatch(i -> i.key().type() == ItemType.EXTENT_DATA);
            assertThat(got.from()).isEqualTo(Key.first(file));
            assertThat(r.call(new Message.Ping())).isInstanceOf(Message.Pong.class); // still served
        }
    }

    @Test
    void batchesOutsideGrantsForgedExtentsAndBadItemsChangeNothing() throws Exception {
        try (RawClient r = new RawClient(server.port())) {
            r.hello("forger");
            InodeItem evil = new InodeItem(good.store().get(new Key(file, ItemType.INODE_ITEM, 0)).clone()).mode(0104777);
            // no grant at all
            assertThat(code(r.call(new Message.Batch(List.of(new Edit.Put(new Key(file, ItemType.INODE_ITEM, 0), evil.bytes()))))))
                    .isEqualTo(ErrorCode.NOT_HELD);
            assertThat(code(r.call(new Message.Batch(List.of(new Edit.Write(file, 0, b("EVIL")))))))
                    .isEqualTo(ErrorCode.NOT_HELD);
            Message.Granted g = (Message.Granted) r.call(new Message.Acquire(5, Key.first(file), Key.last(file), 2));
            assertThat(g.mode()).isEqualTo(2);
            // a forged extent pointer into someone else's data
            byte[] forged = FileExtent.regular(1, 4096 * 1000, 4096, 0, 4096).encode();
            assertThat(code(r.call(new Message.Batch(List.of(new Edit.Put(new Key(file, ItemType.EXTENT_DATA, 0), forged))))))
                    .isEqualTo(ErrorCode.FORBIDDEN);
            // items of other trees' shapes, unparseable items, keys outside inodes
            assertThat(code(r.call(new Message.Batch(List.of(new Edit.Put(new Key(file, ItemType.INODE_ITEM, 0), new byte[7]))))))
                    .isEqualTo(ErrorCode.BAD_ITEM);
            assertThat(code(r.call(new Message.Batch(List.of(new Edit.Put(new Key(file, ItemType.XATTR_ITEM, 1), new byte[] {1, 2, 3}))))))
                    .isEqualTo(ErrorCode.BAD_ITEM);
            assertThat(code(r.call(new Message.Batch(List.of(new Edit.Put(new Key(5, ItemType.ROOT_ITEM, 0), new byte[10]))))))
                    .isEqualTo(ErrorCode.FORBIDDEN);
            // a batch that would break cross-item rules: a name pointing nowhere, and a good edit before it
            byte[] bogusIndex = new DirEntry(new Key(999_999, ItemType.INODE_ITEM, 0), 1, DirEntry.FT_REG, b("ghost"), null)
                    .encode();
            assertThat(code(r.call(new Message.Batch(List.of(new Edit.Write(file, 0, b("EVIL")),
                    new Edit.Put(new Key(file, ItemType.DIR_INDEX, 5), bogusIndex)))))).isEqualTo(ErrorCode.CROSS_ITEM);
            // a data edit past any sane size
            assertThat(code(r.call(new Message.Batch(List.of(new Edit.Truncate(file, Long.MAX_VALUE))))))
                    .isEqualTo(ErrorCode.TOO_BIG);
            r.call(new Message.Release(g.grantId(), 0));
        }
    }

    @Test
    void clientsVanishingMidMessageLeaveNoTrace() throws Exception {
        for (int i = 0; i < 5; i++) {
            try (RawClient r = new RawClient(server.port())) {
                r.hello("vanisher-" + i);
                byte[] frame = RawClient.encode(7, new Message.Batch(List.of(new Edit.Write(file, 0, new byte[100_000]))));
                r.raw(java.util.Arrays.copyOf(frame, frame.length / 2)); // half a frame, then gone
            }
        }
        try (RawClient r = new RawClient(server.port())) {
            r.hello("after-vanishers");
            assertThat(r.call(new Message.Ping())).isInstanceOf(Message.Pong.class);
        }
    }
}
