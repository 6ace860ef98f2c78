package io.crfs.protocol;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import java.util.List;

/**
 * Turns bytes into {@link Frame}s. Waits for the 4-byte length, checks it before buffering any
 * of the body (a length over {@link Frame#MAX_LENGTH} is FRAME_TOO_BIG, one shorter than the
 * header BAD_FRAME), waits for the whole frame and hands it to {@link Codec#decode}.
 *
 * <p>On any {@link ProtocolException} it enters {@link State#BAD_MESSAGE}: the stream can no
 * longer be trusted to be in step, so all further input is discarded, and the exception is fired
 * down the pipeline once ({@code exceptionCaught}) for the handler to answer ERROR (with
 * {@link ProtocolException#requestId()}) and close. Modelled on netty's
 * AbstractBinaryMemcacheDecoder. Not sharable: one per channel.
 */
public final class FrameDecoder extends ByteToMessageDecoder {
    /** Where the decoder is in the byte stream. */
    public enum State {
        /** Waiting for the 4-byte length field. */
        READ_LENGTH,
        /** Length known and valid; waiting for that many bytes. */
        READ_FRAME,
        /** A protocol error occurred; everything from now on is discarded. */
        BAD_MESSAGE
    }

    private State state = State.READ_LENGTH;
    private int length;
    private final boolean retainData;

    /**
     * Bytes of a frame that spans several reads are collected as a list of buffers, not copied
     * into one that doubles as it grows (for 8 MiB batches that was 16 MiB of copying each), and
     * memory grows only as bytes actually arrive (a length field alone reserves nothing).
     */
    public FrameDecoder() {
        this(false);
    }

    /**
     * With {@code retainData}, DATA frames come out as {@link Message.DataSlice}s: their bytes
     * stay in the receive buffers (retained; the handler releases them) instead of being copied
     * into an array. The cumulation is then shared, and netty leaves a shared one untouched.
     */
    public FrameDecoder(boolean retainData) {
        this.retainData = retainData;
        setCumulator(COMPOSITE_CUMULATOR);
    }

    public State state() {
        return state;
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        switch (state) {
            case READ_LENGTH -> {
                if (in.readableBytes() < Codec.LENGTH_FIELD) {
                    return;
                }
                long len = in.readUnsignedIntLE();
                if (len > Frame.MAX_LENGTH) {
                    fail(ctx, in, new ProtocolException(ErrorCode.FRAME_TOO_BIG,
                            "frame length: expected at most " + Frame.MAX_LENGTH + ", got " + len));
                    return;
                }
                if (len < Frame.HEADER) {
                    fail(ctx, in, new ProtocolException(ErrorCode.BAD_FRAME,
                            "frame length: expected at least " + Frame.HEADER + ", got " + len));
                    return;
                }
                length = (int) len;
                state = State.READ_FRAME;
                readFrame(ctx, in, out);
            }
            case READ_FRAME -> readFrame(ctx, in, out);
            case BAD_MESSAGE -> in.skipBytes(in.readableBytes());
        }
    }

    private void readFrame(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        if (in.readableBytes() < length) {
            return;
        }
        ByteBuf frame = in.readSlice(length);
        try {
            out.add(Codec.decode(frame, retainData));
            state = State.READ_LENGTH;
        } catch (ProtocolException e) {
            fail(ctx, in, e);
        }
    }

    private void fail(ChannelHandlerContext ctx, ByteBuf in, ProtocolException e) {
        state = State.BAD_MESSAGE;
        in.skipBytes(in.readableBytes());
        ctx.fireExceptionCaught(e);
    }
}
