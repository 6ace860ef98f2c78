package io.crfs.protocol;

import io.netty.channel.AdaptiveRecvByteBufAllocator;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.RecvByteBufAllocator;
import io.netty.handler.timeout.IdleStateHandler;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * Installs the crfs transport in a channel pipeline, in the order netty's examples use: idle
 * detection on raw traffic, then {@link FrameDecoder} and {@link FrameEncoder}. The caller adds
 * its handler after them; it receives {@link Frame}s, {@link io.netty.handler.timeout.IdleStateEvent}s
 * (user events) and, from the decoder, {@link ProtocolException}s (exceptionCaught).
 */
public final class Pipelines {
    public static final String IDLE = "crfs-idle";
    public static final String DECODER = "crfs-frame-decoder";
    public static final String ENCODER = "crfs-frame-encoder";

    private static final FrameEncoder ENCODER_INSTANCE = new FrameEncoder();

    private Pipelines() {}

    /**
     * How much a channel reads at once: netty's adaptive sizing, up to 1 MiB rather than its
     * default 64 KiB. Data and batches travel in frames of up to 8 MiB; at 64 KiB a 4 MiB READ's
     * answer took 64 trips through the pipeline, each with its own buffer and decoder call.
     * For {@code ChannelOption.RCVBUF_ALLOCATOR}, on both ends.
     */
    public static final RecvByteBufAllocator RECEIVE_BUFFERS = new AdaptiveRecvByteBufAllocator(512, 16 << 10, 1 << 20);

    /**
     * Adds the idle handler, the frame decoder and the frame encoder at the end of
     * {@code pipeline}. A zero duration disables that idle event (IdleStateHandler's rule): a
     * server typically watches reads (the lease), a client writes (PING at a third of the lease).
     */
    public static ChannelPipeline addFraming(ChannelPipeline pipeline, Duration readerIdle, Duration writerIdle) {
        if (readerIdle.isNegative() || writerIdle.isNegative()) {
            throw new IllegalArgumentException("idle times: expected >= 0, got reader " + readerIdle
                    + ", writer " + writerIdle);
        }
        return pipeline
                .addLast(IDLE, new IdleStateHandler(readerIdle.toMillis(), writerIdle.toMillis(), 0, TimeUnit.MILLISECONDS))
                .addLast(DECODER, new FrameDecoder())
                .addLast(ENCODER, ENCODER_INSTANCE);
    }
}
