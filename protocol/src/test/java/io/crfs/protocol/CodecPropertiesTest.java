package io.crfs.protocol;

import static io.crfs.protocol.Frames.assertSameFrame;
import static io.crfs.protocol.Frames.decode;
import static io.crfs.protocol.Frames.encode;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.crfs.format.Item;
import io.crfs.format.Key;
import io.netty.buffer.Unpooled;
import java.util.Arrays;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;

/** Round trips of every message type with random contents, and what decode does to damaged frames. */
class CodecPropertiesTest {

    @Property(tries = 2000)
    void shouldRoundTripEveryMessage(@ForAll("frames") Frame frame) {
        byte[] bytes = encode(frame);
        Frame back = decode(bytes);
        assertSameFrame(back, frame);
        assertThat(encode(back)).isEqualTo(bytes);
    }

    @Property(tries = 500)
    void shouldRejectEveryTruncationWithBadFrame(@ForAll("frames") Frame frame, @ForAll @IntRange(min = 1, max = 1000) int cut) {
        byte[] bytes = encode(frame);
        int body = bytes.length - 4;
        int keep = Math.max(0, body - 1 - (cut % body));
        ProtocolException e = catchThrowableOfType(ProtocolException.class,
                () -> Codec.decode(Unpooled.wrappedBuffer(bytes, 4, keep)));
        assertThat(e).as("decode of %d of %d bytes", keep, body).isNotNull();
        assertThat(e.code()).isEqualTo(ErrorCode.BAD_FRAME);
    }

    @Property(tries = 500)
    void shouldRejectTrailingBytesWithBadFrame(@ForAll("frames") Frame frame, @ForAll @Size(min = 1, max = 20) byte[] tail) {
        byte[] bytes = encode(frame);
        byte[] longer = Arrays.copyOf(bytes, bytes.length + tail.length);
        System.arraycopy(tail, 0, longer, bytes.length, tail.length);
        ProtocolException e = catchThrowableOfType(ProtocolException.class,
                () -> Codec.decode(Unpooled.wrappedBuffer(longer, 4, longer.length - 4)));
        assertThat(e).isNotNull();
        assertThat(e.code()).isEqualTo(ErrorCode.BAD_FRAME);
        assertThat(e.getMessage()).contains("trailing").contains(Opcodes.name(frame.message().type()));
        assertThat(e.requestId()).isEqualTo(frame.id());
    }

    /** Garbage after a valid header either decodes or fails with ProtocolException, nothing else. */
    @Property(tries = 3000)
    void shouldFailOnlyWithProtocolExceptionOnGarbage(@ForAll("types") int type, @ForAll @Size(max = 80) byte[] payload) {
        byte[] frame = new byte[Frame.HEADER + payload.length];
        frame[0] = 0x43;
        frame[1] = 0x52;
        frame[2] = 1;
        frame[3] = (byte) type;
        System.arraycopy(payload, 0, frame, Frame.HEADER, payload.length);
        try {
            Frame f = Codec.decode(Unpooled.wrappedBuffer(frame));
            assertThat(f.message().type()).isEqualTo(type);
        } catch (ProtocolException expected) {
            assertThat(expected.getMessage()).contains("expected").contains("got");
        }
    }

    @Property(tries = 200)
    void shouldRefuseToEncodeBadModes(@ForAll @IntRange(min = 3, max = 255) int mode) {
        var out = Unpooled.buffer();
        out.writeByte(0x77);
        assertThatThrownBy(() -> Codec.encode(new Frame(1, new Message.Acquire(5, Key.MIN, Key.MAX, mode)), out))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("ACQUIRE mode");
        assertThat(out.writerIndex()).isEqualTo(1);
    }

    // ---------------------------------------------------------------- arbitraries

    /** Mostly known types, so the garbage reaches the payload decoders, plus any byte. */
    @Provide
    Arbitrary<Integer> types() {
        return Arbitraries.oneOf(Arbitraries.of(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15,
                64, 65, 66, 67, 68, 69, 70, 71, 72, 73, 74, 75, 76), Arbitraries.integers().between(0, 255));
    }

    @Provide
    Arbitrary<Frame> frames() {
        return Combinators.combine(Arbitraries.longs(), messages()).as(Frame::new);
    }

    private static Arbitrary<Key> keys() {
        return Combinators.combine(Arbitraries.longs(), Arbitraries.integers().between(0, 255), Arbitraries.longs())
                .as(Key::new);
    }

    private static Arbitrary<byte[]> bytes() {
        return Arbitraries.bytes().array(byte[].class).ofMaxSize(64);
    }

    /** Any Unicode text, supplementary characters included, but no lone surrogates. */
    private static Arbitrary<String> strings() {
        return Arbitraries.integers().between(0, 0x10FFFF)
                .filter(cp -> cp < 0xD800 || cp > 0xDFFF)
                .list().ofMaxSize(20)
                .map(cps -> cps.stream().collect(StringBuilder::new, StringBuilder::appendCodePoint, StringBuilder::append).toString());
    }

    private static Arbitrary<List<Item>> items() {
        return Combinators.combine(keys(), bytes()).as(Item::new).list().ofMaxSize(5);
    }

    private static Arbitrary<Integer> grantModes() {
        return Arbitraries.of(Message.READ, Message.WRITE);
    }

    private static Arbitrary<Integer> toModes() {
        return Arbitraries.of(Opcodes.TO_DROP, Opcodes.TO_READ);
    }

    private static Arbitrary<Edit> edits() {
        var l = Arbitraries.longs();
        return Arbitraries.oneOf(
                Combinators.combine(keys(), bytes()).as(Edit.Put::new),
                keys().map(Edit.Delete::new),
                Combinators.combine(l, l, bytes()).as(Edit.Write::new),
                Combinators.combine(l, l).as(Edit.Truncate::new),
                Combinators.combine(l, l, l).as(Edit.Punch::new),
                Combinators.combine(l, l, l, Arbitraries.of(true, false)).as(Edit.Allocate::new),
                l.map(Edit.DropData::new),
                Combinators.combine(l, l, l, l, l).as(Edit.Clone::new));
    }

    /** Inode numbers as a client reports them open: never 0. */
    private static Arbitrary<List<Long>> inodes() {
        return Arbitraries.longs().filter(x -> x != 0).list().ofMaxSize(6);
    }

    private static Arbitrary<Message> messages() {
        var l = Arbitraries.longs();
        var i = Arbitraries.integers();
        List<Arbitrary<? extends Message>> all = List.of(
                Combinators.combine(Arbitraries.integers().between(0, 0xFFFF), i, i,
                        i.array(int[].class).ofMaxSize(8), strings(), l).as(Message.Hello::new),
                Arbitraries.just(new Message.Ping()),
                Combinators.combine(l, keys(), keys(), grantModes()).as(Message.Acquire::new),
                Combinators.combine(l, Arbitraries.integers().between(0, 255), l, l,
                        Arbitraries.integers().between(1, Opcodes.MAX_FETCH), Arbitraries.of(true, false))
                        .as((o, t, x, y, limit, back) -> {
                            Key a = new Key(o, t, Math.min(x, y));
                            return new Message.Fetch(a, new Key(o, 255, -1L), limit, back);
                        }),
                Combinators.combine(l, toModes(), inodes()).as(Message.Release::new),
                Combinators.combine(l, inodes()).as(Message.RevokeDone::new),
                edits().list().ofMaxSize(8).map(Message.Batch::new),
                Combinators.combine(l, l, Arbitraries.integers().between(0, Opcodes.MAX_READ)).as(Message.ReadData::new),
                Arbitraries.just(new Message.Fsync()),
                i.map(Message.AllocInodes::new),
                Combinators.combine(l, l, Arbitraries.of(Opcodes.SEEK_DATA, Opcodes.SEEK_HOLE)).as(Message.Seek::new),
                Arbitraries.just(new Message.StatFs()),
                Arbitraries.just(new Message.Status()),
                Arbitraries.just(new Message.Goodbye()),
                Combinators.combine(l, l, l, l, Arbitraries.of(0, 1, 2), Arbitraries.of(true, false),
                        Arbitraries.of(true, false)).as(Message.Lock::new),
                Combinators.combine(l, l, l, l, Arbitraries.of(0, 1, 2), Arbitraries.of(true, false))
                        .as(Message.GetLock::new),
                Combinators.combine(Arbitraries.of(0, 1, 2), l, l, l).as(Message.LockInfo::new),
                Combinators.combine(l, i, l).as(Message.Welcome::new),
                Arbitraries.just(new Message.Ok()),
                Combinators.combine(Arbitraries.of(ErrorCode.class), strings()).as(Message.Error::new),
                Combinators.combine(l, grantModes(), keys(), keys(), items(), Arbitraries.of(true, false), inodes())
                        .as((id, mode, a, b, it, whole, open) -> {
                            Key lo = a.compareTo(b) <= 0 ? a : b;
                            Key hi = a.compareTo(b) <= 0 ? b : a;
                            return new Message.Granted(id, mode, lo, hi, it, whole ? hi : lo, open);
                        }),
                items().map(it -> new Message.Items(it, new Key(0, 0, 0), new Key(-1L, 255, -1L))),
                bytes().map(Message.Data::new),
                Combinators.combine(l, items(), Arbitraries.of(true, false), i).as(Message.Applied::new),
                Combinators.combine(l, i).as(Message.Inodes::new),
                Combinators.combine(l, l, keys(), keys(), toModes()).as(Message.Revoke::new),
                l.map(Message.SeekResult::new),
                Combinators.combine(l, l, i).as(Message.Space::new),
                strings().map(Message.StatusText::new),
                Arbitraries.just(new Message.Pong()));
        // DataSlice is DATA as a retaining decoder gives it, never encoded (FrameDecoderTest covers it)
        assertThat(all).as("one arbitrary per message record").hasSize(Message.class.getPermittedSubclasses().length - 1);
        return Arbitraries.oneOf(all);
    }
}
