package io.crfs.protocol;

import static io.crfs.protocol.Frames.assertSameFrame;
import static io.crfs.protocol.Frames.decode;
import static io.crfs.protocol.Frames.encode;
import static io.crfs.protocol.Frames.hex;
import static org.assertj.core.api.Assertions.assertThat;

import io.crfs.format.Item;
import io.crfs.format.Key;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Golden bytes written by hand from docs/protocol.md, not from the encoder: each frame is
 * encoded and compared with them, then decoded back and compared field by field.
 */
class CodecGoldenTest {
    private static final Key DIR_MIN = new Key(256, 0, 0);
    private static final Key DIR_MAX = new Key(256, 0xFF, -1L);

    private static void golden(Frame frame, String hexBytes) {
        byte[] expected = hex(hexBytes);
        assertThat(encode(frame)).as("encoded %s", frame.message()).isEqualTo(expected);
        assertSameFrame(decode(expected), frame);
    }

    @Test
    void shouldEncodeHello() {
        golden(new Frame(0x0102030405060708L, new Message.Hello(1, 1000, 100, new int[] {4, 27}, "ab", 0)), """
                2e000000 4352 04 01 0807060504030201
                0100 e8030000 64000000
                02000000 04000000 1b000000
                0200 6162
                0000000000000000
                """);
    }

    @Test
    void shouldEncodeAcquire() {
        golden(new Frame(7, new Message.Acquire(5, new Key(256, 1, 0), DIR_MAX, Message.WRITE)), """
                37000000 4352 04 03 0700000000000000
                0500000000000000
                0001000000000000 01 0000000000000000
                0001000000000000 ff ffffffffffffffff
                02
                """);
    }

    @Test
    void shouldEncodeBatchWithEveryEditOp() {
        List<Edit> edits = List.of(
                new Edit.Put(new Key(257, 1, 0), new byte[] {(byte) 0xaa, (byte) 0xbb}),
                new Edit.Delete(new Key(257, 84, 0x1234)),
                new Edit.Write(257, 4096, new byte[] {1, 2, 3}),
                new Edit.Truncate(257, 100),
                new Edit.Punch(257, 0, 8192),
                new Edit.Allocate(257, 8192, 4096, true),
                new Edit.DropData(258),
                new Edit.Clone(257, 8192, 258, 4096, 65536));
        golden(new Frame(9, new Message.Batch(edits, new int[] {2, 8})), """
                d4000000 4352 04 06 0900000000000000
                08000000
                01 0101000000000000 01 0000000000000000 02000000 aabb
                02 0101000000000000 54 3412000000000000
                03 0101000000000000 0010000000000000 03000000 010203
                04 0101000000000000 6400000000000000
                05 0101000000000000 0000000000000000 0020000000000000
                06 0101000000000000 0020000000000000 0010000000000000 01
                07 0201000000000000
                08 0101000000000000 0020000000000000 0201000000000000 0010000000000000 0000010000000000
                02000000 02000000 08000000
                """);
    }

    @Test
    void shouldEncodeGranted() {
        List<Item> items = List.of(new Item(new Key(256, 1, 0), new byte[] {1, 2}), new Item(new Key(256, 12, 256), new byte[0]));
        golden(new Frame(7, new Message.Granted(42, Message.READ, DIR_MIN, DIR_MAX, items, DIR_MAX, List.of(257L))), """
                84000000 4352 04 43 0700000000000000
                2a00000000000000 01
                0001000000000000 00 0000000000000000
                0001000000000000 ff ffffffffffffffff
                02000000
                0001000000000000 01 0000000000000000 02000000 0102
                0001000000000000 0c 0001000000000000 00000000
                0001000000000000 ff ffffffffffffffff
                01000000 0101000000000000
                """);
    }

    @Test
    void shouldEncodeTheOpenInodesOfAGrantGivenUp() {
        golden(new Frame(3, new Message.RevokeDone(9, List.of(256L, 300L))), """
                28000000 4352 04 05 0300000000000000
                0900000000000000
                02000000 0001000000000000 2c01000000000000
                """);
        golden(new Frame(4, new Message.Release(11, 0, List.of())), """
                19000000 4352 04 04 0400000000000000
                0b00000000000000 00
                00000000
                """);
    }

    @Test
    void shouldEncodeFetchAndItems() {
        golden(new Frame(8, new Message.Fetch(new Key(256, 84, 5), DIR_MAX, 64, true)), """
                33000000 4352 04 10 0800000000000000
                0001000000000000 54 0500000000000000
                0001000000000000 ff ffffffffffffffff
                40000000 01
                """);
        List<Item> items = List.of(new Item(new Key(256, 96, 2), new byte[] {9}));
        golden(new Frame(8, new Message.Items(items, new Key(256, 96, 0), DIR_MAX)), """
                48000000 4352 04 4d 0800000000000000
                01000000
                0001000000000000 60 0200000000000000 01000000 09
                0001000000000000 60 0000000000000000
                0001000000000000 ff ffffffffffffffff
                """);
    }

    @Test
    void shouldEncodeRevokeWithRequestIdZero() {
        golden(new Frame(0, new Message.Revoke(3, 42, DIR_MIN, DIR_MAX, Opcodes.TO_READ)), """
                3f000000 4352 04 47 0000000000000000
                0300000000000000 2a00000000000000
                0001000000000000 00 0000000000000000
                0001000000000000 ff ffffffffffffffff
                01
                """);
    }

    @Test
    void shouldEncodeErrorWithUtf8Message() {
        golden(new Frame(7, new Message.Error(ErrorCode.NOT_HELD, "\u00e9!")), """
                13000000 4352 04 42 0700000000000000
                0600 0300 c3a921
                """);
    }

    @Test
    void shouldEncodeData() {
        golden(new Frame(11, new Message.Data(new byte[] {(byte) 0xde, (byte) 0xad, (byte) 0xbe, (byte) 0xef})), """
                14000000 4352 04 44 0b00000000000000
                04000000 deadbeef
                """);
    }

    /** A server writes a DATA frame's start, then the file bytes straight into the same buffer. */
    @Test
    void shouldStartADataFrameWhoseBytesFollow() {
        io.netty.buffer.ByteBuf out = io.netty.buffer.Unpooled.buffer();
        try {
            Codec.encodeDataStart(11, 4, out);
            out.writeBytes(new byte[] {(byte) 0xde, (byte) 0xad, (byte) 0xbe, (byte) 0xef});
            byte[] got = new byte[out.readableBytes()];
            out.readBytes(got);
            assertThat(got).isEqualTo(hex("""
                    14000000 4352 04 44 0b00000000000000
                    04000000 deadbeef
                    """));
        } finally {
            out.release();
        }
        io.netty.buffer.ByteBuf big = io.netty.buffer.Unpooled.buffer();
        try {
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> Codec.encodeDataStart(12, Frame.MAX_LENGTH, big))
                    .isInstanceOf(ProtocolException.class).hasMessageContaining("DATA length");
            assertThat(big.writerIndex()).isZero();
        } finally {
            big.release();
        }
    }

    @Test
    void shouldEncodeMessagesWithoutPayloadAsHeaderOnly() {
        golden(new Frame(1, new Message.Ping()), "0c000000 4352 04 02 0100000000000000");
        golden(new Frame(1, new Message.Pong()), "0c000000 4352 04 4b 0100000000000000");
    }

    @Test
    void shouldEncodeWelcomeReadAndSeekResult() {
        golden(new Frame(1, new Message.Welcome(0x11, 30_000, 5)), """
                20000000 4352 04 40 0100000000000000
                1100000000000000 30750000 0500000000000000
                """);
        golden(new Frame(2, new Message.ReadData(257, 4096, 16 << 20)), """
                20000000 4352 04 07 0200000000000000
                0101000000000000 0010000000000000 00000001
                """);
        golden(new Frame(3, new Message.SeekResult(-1)), """
                14000000 4352 04 48 0300000000000000
                ffffffffffffffff
                """);
    }

    @Test
    void shouldEncodeSupplementaryCharactersAsFourUtf8Bytes() {
        golden(new Frame(4, new Message.StatusText("\uD83D\uDE00")), """
                12000000 4352 04 4a 0400000000000000
                0400 f09f9880
                """);
    }

    @Test
    void shouldNameEveryOpcode() {
        assertThat(Opcodes.name(Opcodes.HELLO)).isEqualTo("HELLO");
        assertThat(Opcodes.name(Opcodes.STATUS_TEXT)).isEqualTo("STATUS_TEXT");
        assertThat(Opcodes.name(200)).isEqualTo("TYPE_200");
        for (Class<?> c : Message.class.getPermittedSubclasses()) {
            assertThat(c.isRecord()).as(c.getName()).isTrue();
        }
    }
}
