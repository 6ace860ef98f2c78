package io.crfs.protocol;

import static io.crfs.protocol.Frames.encode;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.EncoderException;
import io.netty.handler.timeout.IdleStateHandler;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** {@link FrameEncoder}, the encoder's refusals, and the {@link Pipelines} helper. */
class FrameEncoderTest {

    @Test
    void shouldWriteWhatCodecEncodes() {
        EmbeddedChannel ch = new EmbeddedChannel(new FrameEncoder());
        Frame f = new Frame(3, new Message.StatusText("ok"));
        ch.writeOutbound(f);
        ByteBuf out = ch.readOutbound();
        assertThat(ByteBufUtil.getBytes(out)).isEqualTo(encode(f));
        out.release();
        assertThat(ch.finish()).isFalse();
    }

    @Test
    void shouldFailTheWriteOfAnUnencodableFrame() {
        EmbeddedChannel ch = new EmbeddedChannel(new FrameEncoder());
        assertThatThrownBy(() -> ch.writeOutbound(new Frame(1, new Message.Release(1, 2))))
                .isInstanceOf(EncoderException.class).hasMessageContaining("RELEASE to-mode: expected 0 (drop) or 1 (READ), got 2");
        Object nothing = ch.readOutbound();
        assertThat(nothing).isNull();
        ch.finishAndReleaseAll();
    }

    @Test
    void shouldRefuseFrameOverTheLimitAndLeaveTheBufferUntouched() {
        ByteBuf out = Unpooled.buffer();
        Frame big = new Frame(5, new Message.Data(new byte[Frame.MAX_LENGTH]));
        assertThatThrownBy(() -> Codec.encode(big, out)).isInstanceOfSatisfying(ProtocolException.class,
                e -> assertThat(e.code()).isEqualTo(ErrorCode.FRAME_TOO_BIG));
        assertThat(out.writerIndex()).isZero();
    }

    @Test
    void shouldEncodeTheLargestFrame() {
        ByteBuf out = Unpooled.buffer();
        // header 12 + bytes length 4 + data = MAX_LENGTH
        Codec.encode(new Frame(5, new Message.Data(new byte[Frame.MAX_LENGTH - 16])), out);
        assertThat(out.getIntLE(0)).isEqualTo(Frame.MAX_LENGTH);
    }

    @Test
    void shouldRefuseStringsTheWireCannotCarry() {
        ByteBuf out = Unpooled.buffer();
        assertThatThrownBy(() -> Codec.encode(new Frame(1, new Message.StatusText("x".repeat(65536))), out))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("STATUS_TEXT text: expected at most 65535 UTF-8 bytes, got 65536");
        assertThatThrownBy(() -> Codec.encode(new Frame(1, new Message.Error(ErrorCode.IO, "\uD800")), out))
                .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("ERROR message: expected a string encodable as UTF-8");
        assertThatThrownBy(() -> Codec.encode(new Frame(1, new Message.ReadData(1, 0, Opcodes.MAX_READ + 1)), out))
                .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("READ length");
        assertThatThrownBy(() -> Codec.encode(new Frame(1, new Message.Hello(65536, 0, 0, new int[0], "", 0)), out))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("HELLO version: expected a u16, got 65536");
        assertThat(out.writerIndex()).isZero();
        Codec.encode(new Frame(1, new Message.StatusText("x".repeat(65535))), out);
    }

    @Test
    void shouldInstallIdleDecoderAndEncoderInOrder() {
        EmbeddedChannel ch = new EmbeddedChannel();
        Pipelines.addFraming(ch.pipeline(), Duration.ofSeconds(30), Duration.ofSeconds(10));
        assertThat(ch.pipeline().names()).startsWith(Pipelines.IDLE, Pipelines.DECODER, Pipelines.ENCODER);
        IdleStateHandler idle = (IdleStateHandler) ch.pipeline().get(Pipelines.IDLE);
        assertThat(idle.getReaderIdleTimeInMillis()).isEqualTo(30_000);
        assertThat(idle.getWriterIdleTimeInMillis()).isEqualTo(10_000);
        assertThat(idle.getAllIdleTimeInMillis()).isZero();
        assertThat(ch.pipeline().get(Pipelines.DECODER)).isInstanceOf(FrameDecoder.class);

        Frame f = new Frame(2, new Message.Ping());
        ch.writeOutbound(f);
        ByteBuf wire = ch.readOutbound();
        ch.writeInbound(wire);
        Frames.assertSameFrame(ch.readInbound(), f);
        ch.finishAndReleaseAll();
    }
}
