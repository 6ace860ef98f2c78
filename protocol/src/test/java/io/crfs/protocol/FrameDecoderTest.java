package io.crfs.protocol;

import static io.crfs.protocol.Frames.assertSameFrame;
import static io.crfs.protocol.Frames.encode;
import static io.crfs.protocol.Frames.hex;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.crfs.format.Key;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** {@link FrameDecoder} on an EmbeddedChannel: fragmented and coalesced input, then every kind of bad frame. */
class FrameDecoderTest {
    private static final Frame ACQUIRE = new Frame(7, new Message.Acquire(5, new Key(256, 0, 0), Key.last(256), Message.READ));
    private static final Frame DATA = new Frame(8, new Message.Data(new byte[] {1, 2, 3, 4, 5}));

    private final FrameDecoder decoder = new FrameDecoder();
    private final List<Throwable> errors = new ArrayList<>();
    private final EmbeddedChannel ch = new EmbeddedChannel(decoder, new ChannelInboundHandlerAdapter() {
        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            errors.add(cause);
        }
    });

    @AfterEach
    void close() {
        ch.finishAndReleaseAll();
    }

    private static ByteBuf buf(byte[]... parts) {
        ByteBuf b = Unpooled.buffer();
        for (byte[] p : parts) {
            b.writeBytes(p);
        }
        return b;
    }

    private Frame next() {
        return ch.readInbound();
    }

    /** The single error fired, its code, and that the decoder now swallows even a valid frame. */
    private ProtocolException assertRejected(ErrorCode code) {
        assertThat(errors).hasSize(1);
        assertThat(errors.getFirst()).isInstanceOf(ProtocolException.class);
        ProtocolException e = (ProtocolException) errors.getFirst();
        assertThat(e.code()).isEqualTo(code);
        assertThat(e.getMessage()).contains("expected").contains("got");
        assertThat(decoder.state()).isEqualTo(FrameDecoder.State.BAD_MESSAGE);
        assertThat(next()).isNull();
        ch.writeInbound(buf(encode(ACQUIRE), encode(DATA)));
        assertThat(next()).as("input after a protocol error").isNull();
        assertThat(errors).as("errors fired").hasSize(1);
        return e;
    }

    @Test
    void shouldDecodeFrameFedOneByteAtATime() {
        byte[] bytes = encode(ACQUIRE);
        for (int i = 0; i < bytes.length - 1; i++) {
            ch.writeInbound(buf(new byte[] {bytes[i]}));
            assertThat(next()).as("after %d bytes", i + 1).isNull();
        }
        ch.writeInbound(buf(new byte[] {bytes[bytes.length - 1]}));
        assertSameFrame(next(), ACQUIRE);
        assertThat(errors).isEmpty();
        assertThat(decoder.state()).isEqualTo(FrameDecoder.State.READ_LENGTH);
    }

    @Test
    void shouldDecodeTwoFramesInOneBuffer() {
        ch.writeInbound(buf(encode(ACQUIRE), encode(DATA)));
        assertSameFrame(next(), ACQUIRE);
        assertSameFrame(next(), DATA);
        assertThat(next()).isNull();
        assertThat(errors).isEmpty();
    }

    @Test
    void shouldDecodeFrameSplitAcrossThreeWrites() {
        byte[] bytes = encode(DATA);
        // Split inside the length field and inside the payload.
        ch.writeInbound(Unpooled.wrappedBuffer(bytes, 0, 2));
        ch.writeInbound(Unpooled.wrappedBuffer(bytes, 2, 17));
        assertThat(next()).isNull();
        assertThat(decoder.state()).isEqualTo(FrameDecoder.State.READ_FRAME);
        ch.writeInbound(Unpooled.wrappedBuffer(bytes, 19, bytes.length - 19));
        assertSameFrame(next(), DATA);
        assertThat(errors).isEmpty();
    }

    /** Whole frames, then the same bytes in pieces of {@code cut} bytes, each its own direct buffer. */
    private static List<ByteBuf> pieces(byte[] bytes, int cut) {
        List<ByteBuf> out = new ArrayList<>();
        for (int at = 0; at < bytes.length; at += cut) {
            int n = Math.min(cut, bytes.length - at);
            out.add(Unpooled.directBuffer(n).writeBytes(bytes, at, n));
        }
        return out;
    }

    @Test
    void shouldHandDataOverInTheReceiveBuffersWhenAskedToAndGiveThemBackOnRelease() {
        byte[] data = new byte[70_000];
        new java.util.Random(3).nextBytes(data);
        byte[] bytes = ByteBufUtil.getBytes(buf(encode(ACQUIRE), encode(new Frame(9, new Message.Data(data))), encode(ACQUIRE)));
        List<ByteBuf> in = pieces(bytes, 4096);
        EmbeddedChannel retaining = new EmbeddedChannel(new FrameDecoder(true));
        in.forEach(retaining::writeInbound);
        assertSameFrame(retaining.readInbound(), ACQUIRE);
        Frame f = retaining.readInbound();
        assertThat(f.id()).isEqualTo(9);
        ByteBuf got = ((Message.DataSlice) f.message()).data();
        assertThat(ByteBufUtil.getBytes(got)).isEqualTo(data);
        assertThat(got.nioBufferCount()).as("not copied into one buffer").isGreaterThan(1);
        assertSameFrame(retaining.readInbound(), ACQUIRE);
        assertThat(retaining.finish()).isFalse();
        assertThat(in).as("held by the slice").anyMatch(b -> b.refCnt() > 0);
        got.release();
        assertThat(in).as("all given back").allMatch(b -> b.refCnt() == 0);
    }

    @Test
    void shouldGiveTheBuffersOfABadRetainedDataFrameBack() {
        byte[] frame = encode(new Frame(9, new Message.Data(new byte[100])));
        frame[Codec.PAYLOAD_OFFSET] = 99; // the data field says 99 bytes: one trails it
        List<ByteBuf> in = pieces(frame, 50);
        EmbeddedChannel retaining = new EmbeddedChannel(new FrameDecoder(true));
        List<Throwable> seen = new ArrayList<>();
        retaining.pipeline().addLast(new ChannelInboundHandlerAdapter() {
            @Override
            public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
                seen.add(cause);
            }
        });
        in.forEach(retaining::writeInbound);
        assertThat(seen).singleElement().satisfies(e -> assertThat(((ProtocolException) e).code()).isEqualTo(ErrorCode.BAD_FRAME));
        assertThat((Object) retaining.readInbound()).isNull();
        retaining.finish();
        assertThat(in).allMatch(b -> b.refCnt() == 0);
    }

    @Test
    void shouldRejectOversizedLengthBeforeTheBodyArrives() {
        // Only the length field arrives: the decoder must fail now, not wait for 32 MiB.
        ch.writeInbound(buf(hex("41000002")));
        ProtocolException e = assertRejected(ErrorCode.FRAME_TOO_BIG);
        assertThat(e.getMessage()).contains("frame length").contains(Long.toString(Frame.MAX_LENGTH + 1L));
    }

    @Test
    void shouldRejectLengthOfFourGigabytes() {
        ch.writeInbound(buf(hex("ffffffff 4352 04 02")));
        assertThat(assertRejected(ErrorCode.FRAME_TOO_BIG).getMessage()).contains("4294967295");
    }

    @Test
    void shouldAcceptTheLargestLength() {
        ch.writeInbound(buf(hex("40000002")));
        assertThat(errors).isEmpty();
        assertThat(decoder.state()).isEqualTo(FrameDecoder.State.READ_FRAME);
    }

    @Test
    void shouldRejectLengthShorterThanTheHeader() {
        ch.writeInbound(buf(hex("0b000000 4352 04 02 01000000000000")));
        assertRejected(ErrorCode.BAD_FRAME);
    }

    @Test
    void shouldRejectBadMagic() {
        ch.writeInbound(buf(hex("0c000000 5243 01 02 0100000000000000")));
        assertThat(assertRejected(ErrorCode.BAD_FRAME).getMessage()).contains("magic").contains("0x4352");
    }

    @Test
    void shouldRejectOtherVersionEchoingTheRequestId() {
        ch.writeInbound(buf(hex("0c000000 4352 01 01 2a00000000000000")));
        ProtocolException e = assertRejected(ErrorCode.VERSION);
        assertThat(e.requestId()).isEqualTo(42);
    }

    @Test
    void shouldRejectTruncatedPayload() {
        // ACQUIRE whose frame ends inside the max key.
        ch.writeInbound(buf(hex("1c000000 4352 04 03 0700000000000000 0500000000000000 0001000000000000")));
        ProtocolException e = assertRejected(ErrorCode.BAD_FRAME);
        assertThat(e.getMessage()).startsWith("ACQUIRE min");
        assertThat(e.requestId()).isEqualTo(7);
    }

    @Test
    void shouldRejectTrailingGarbageInsideFrame() {
        // PING carries no payload; here the length covers two extra bytes.
        ch.writeInbound(buf(hex("0e000000 4352 04 02 0300000000000000 beef")));
        ProtocolException e = assertRejected(ErrorCode.BAD_FRAME);
        assertThat(e.getMessage()).isEqualTo("PING payload: expected end of frame, got 2 trailing bytes");
        assertThat(e.requestId()).isEqualTo(3);
    }

    @Test
    void shouldRejectUnknownType() {
        ch.writeInbound(buf(hex("0c000000 4352 04 20 0500000000000000")));
        ProtocolException e = assertRejected(ErrorCode.BAD_FRAME);
        assertThat(e.getMessage()).contains("type").contains("got 32");
        assertThat(e.requestId()).isEqualTo(5);
    }

    @Test
    void shouldRejectListCountLargerThanFrame() {
        // BATCH claiming 0x7fffffff edits in a 4-byte payload: must fail before allocating a list.
        ch.writeInbound(buf(hex("10000000 4352 04 06 0900000000000000 ffffff7f")));
        ProtocolException e = assertRejected(ErrorCode.BAD_FRAME);
        assertThat(e.getMessage()).startsWith("BATCH edits count: expected at most 0").endsWith("got 2147483647");
    }

    @Test
    void shouldRejectBytesLengthLargerThanFrame() {
        ch.writeInbound(buf(hex("11000000 4352 04 44 0900000000000000 ffffffff 00")));
        assertThat(assertRejected(ErrorCode.BAD_FRAME).getMessage()).startsWith("DATA data length");
    }

    @Test
    void shouldRejectBadModeWithBadRange() {
        ch.writeInbound(buf(hex("""
                37000000 4352 04 03 0700000000000000 0500000000000000
                0001000000000000 00 0000000000000000 0001000000000000 ff ffffffffffffffff 03
                """)));
        assertThat(assertRejected(ErrorCode.BAD_RANGE).getMessage())
                .isEqualTo("ACQUIRE mode: expected 1 (READ) or 2 (WRITE), got 3");
    }

    @Test
    void shouldRejectReadOver16MiBWithTooBig() {
        ch.writeInbound(buf(hex("20000000 4352 04 07 0200000000000000 0101000000000000 0000000000000000 01000001")));
        assertRejected(ErrorCode.TOO_BIG);
    }

    @Test
    void shouldRejectMalformedUtf8() {
        // HELLO whose client string is an overlong encoding of '/'.
        ch.writeInbound(buf(hex("""
                26000000 4352 04 01 0100000000000000
                0100 00000000 00000000 00000000 0200 c0af 0000000000000000
                """)));
        assertThat(assertRejected(ErrorCode.BAD_FRAME).getMessage()).startsWith("HELLO client: expected valid UTF-8");
    }

    @Test
    void shouldRejectUnknownEditOp() {
        ch.writeInbound(buf(hex("19000000 4352 04 06 0100000000000000 01000000 09 0101000000000000")));
        assertThat(assertRejected(ErrorCode.BAD_FRAME).getMessage()).isEqualTo("BATCH edits[0] op: expected an edit op of 1..8, got 9");
    }

    @Test
    void shouldRejectOpEndsOutOfOrder() {
        // two DROP_DATA edits; op ends 2 then 1
        ch.writeInbound(buf(hex("2e000000 4352 04 06 0100000000000000 02000000 07 0101000000000000 07 0201000000000000"
                + " 02000000 02000000 01000000")));
        assertThat(assertRejected(ErrorCode.BAD_FRAME).getMessage())
                .isEqualTo("BATCH op-ends: expected an op end above 2 and at most 2, got 1");
    }

    @Test
    void shouldRejectOpEndsThatStopShortOfTheLastEdit() {
        ch.writeInbound(buf(hex("2a000000 4352 04 06 0100000000000000 02000000 07 0101000000000000 07 0201000000000000"
                + " 01000000 01000000")));
        assertThat(assertRejected(ErrorCode.BAD_FRAME).getMessage())
                .isEqualTo("BATCH op-ends: expected a last op end equal to the edit count 2, got 1");
    }

    @Test
    void shouldRejectFetchOfTwoObjectsOrWithoutALimit() {
        // FETCH (256 DIR_ITEM 5) .. (257 ...): one objectid only
        ch.writeInbound(buf(hex("33000000 4352 04 10 0800000000000000 0001000000000000 54 0500000000000000"
                + " 0101000000000000 ff ffffffffffffffff 40000000 00")));
        assertThat(assertRejected(ErrorCode.BAD_RANGE).getMessage()).contains("FETCH max: expected a key of min's objectid");
    }

    @Test
    void shouldRejectFetchWithLimitZero() {
        ch.writeInbound(buf(hex("33000000 4352 04 10 0800000000000000 0001000000000000 54 0500000000000000"
                + " 0001000000000000 ff ffffffffffffffff 00000000 00")));
        assertThat(assertRejected(ErrorCode.BAD_RANGE).getMessage()).contains("FETCH limit: expected 1..4096, got 0");
    }

    @Test
    void shouldRejectGrantedWhoseLoadedKeyIsOutsideItsRange() {
        // GRANTED of (256 0 0)..(256 255 -1) with no items, loaded (257 1 0)
        ch.writeInbound(buf(hex("4c000000 4352 04 43 0700000000000000 2a00000000000000 01"
                + " 0001000000000000 00 0000000000000000 0001000000000000 ff ffffffffffffffff 00000000"
                + " 0101000000000000 01 0000000000000000")));
        assertThat(assertRejected(ErrorCode.BAD_RANGE).getMessage()).contains("GRANTED loaded: expected a key in min..max");
    }

    @Test
    void shouldRejectItemsOutsideTheRangeTheyClaimToCover() {
        // ITEMS with (256 DIR_INDEX 2) claiming to cover only (256 DIR_INDEX 3..)
        ch.writeInbound(buf(hex("48000000 4352 04 4d 0800000000000000 01000000"
                + " 0001000000000000 60 0200000000000000 01000000 09"
                + " 0001000000000000 60 0300000000000000 0001000000000000 ff ffffffffffffffff")));
        assertThat(assertRejected(ErrorCode.BAD_RANGE).getMessage()).contains("ITEMS items: expected keys in from..to");
    }

    @Test
    void shouldRejectBoolOtherThanZeroOrOne() {
        ch.writeInbound(buf(hex("""
                2a000000 4352 04 06 0100000000000000 01000000
                06 0101000000000000 0000000000000000 0010000000000000 02
                """)));
        assertThat(assertRejected(ErrorCode.BAD_FRAME).getMessage())
                .isEqualTo("BATCH edits[0] ALLOCATE keep-size: expected bool 0 or 1, got 2");
    }

    /** Without a handler after it, the error reaches the pipeline's tail: EmbeddedChannel rethrows it. */
    @Test
    void shouldFireTheErrorDownThePipeline() {
        FrameDecoder d = new FrameDecoder();
        EmbeddedChannel c = new EmbeddedChannel(d);
        assertThatThrownBy(() -> c.writeInbound(buf(hex("0c000000 4352 04 0e 0500000000000000"))))
                .isInstanceOfSatisfying(ProtocolException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.BAD_FRAME));
        assertThat(d.state()).isEqualTo(FrameDecoder.State.BAD_MESSAGE);
        assertThat(c.finishAndReleaseAll()).isFalse();
    }
}
