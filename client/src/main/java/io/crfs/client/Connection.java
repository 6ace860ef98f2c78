package io.crfs.client;

import io.crfs.protocol.ErrorCode;
import io.crfs.protocol.Frame;
import io.crfs.protocol.FrameDecoder;
import io.crfs.protocol.FrameEncoder;
import io.crfs.protocol.Message;
import io.crfs.protocol.Pipelines;
import io.crfs.protocol.ProtocolException;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * One TCP connection to crfsd: requests are matched to replies by request id; server-initiated
 * messages (REVOKE) go to {@code pushes}, which must not block the event loop.
 */
final class Connection implements AutoCloseable {
    private final EventLoopGroup group;
    private final Channel channel;
    private final Map<Long, CompletableFuture<Message>> pending = new ConcurrentHashMap<>();
    private final AtomicLong ids = new AtomicLong();
    final AtomicLong roundTrips = new AtomicLong();
    final AtomicLong bytesSent = new AtomicLong();
    private volatile Throwable closedBy;

    private Connection(EventLoopGroup group, Channel channel) {
        this.group = group;
        this.channel = channel;
    }

    static Connection open(InetSocketAddress addr, Consumer<Message> pushes, Runnable onClose) throws IOException {
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        Connection[] self = new Connection[1];
        Bootstrap b = new Bootstrap().group(group).channel(NioSocketChannel.class)
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.RCVBUF_ALLOCATOR, Pipelines.RECEIVE_BUFFERS)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, 5000)
                .handler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ch.pipeline().addLast(new FrameDecoder(true), new FrameEncoder(),
                                new SimpleChannelInboundHandler<Frame>() {
                                    @Override
                                    protected void channelRead0(ChannelHandlerContext ctx, Frame f) {
                                        self[0].received(f, pushes);
                                    }

                                    @Override
                                    public void channelInactive(ChannelHandlerContext ctx) {
                                        self[0].failAll(new IOException("connection to crfsd closed"));
                                        onClose.run();
                                    }

                                    @Override
                                    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
                                        self[0].failAll(cause);
                                        ctx.close();
                                    }
                                });
                    }
                });
        try {
            Channel ch = b.connect(addr).sync().channel();
            self[0] = new Connection(group, ch);
            return self[0];
        } catch (Exception e) {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
            throw new IOException("cannot connect to crfsd at " + addr.getHostString() + ":" + addr.getPort() + ": "
                    + e.getMessage() + " (is 'crfs serve' running there?)", e);
        }
    }

    /** DATA replies come as slices of the receive buffers ({@link ReplyBytes}); one nobody waits for is released here. */
    private void received(Frame f, Consumer<Message> pushes) {
        Message m = f.message();
        if (m instanceof Message.DataSlice s) {
            ReplyBytes.delivered(s);
        }
        if (f.id() == 0) {
            if (m instanceof Message.DataSlice) {
                ReplyBytes.discard(m); // not a push crfsd makes
            } else {
                pushes.accept(m);
            }
            return;
        }
        CompletableFuture<Message> c = pending.remove(f.id());
        if (c == null || !c.complete(m)) {
            ReplyBytes.discard(m);
        }
    }

    private void failAll(Throwable t) {
        closedBy = t;
        for (Long id : pending.keySet()) {
            CompletableFuture<Message> c = pending.remove(id);
            if (c != null) {
                c.completeExceptionally(t);
            }
        }
    }

    boolean isOpen() {
        return channel.isActive() && closedBy == null;
    }

    CompletableFuture<Message> send(Message m) {
        long id = ids.incrementAndGet();
        CompletableFuture<Message> c = new CompletableFuture<>();
        pending.put(id, c);
        if (closedBy != null) {
            pending.remove(id);
            c.completeExceptionally(closedBy);
            return c;
        }
        roundTrips.incrementAndGet();
        channel.writeAndFlush(new Frame(id, m)).addListener(w -> {
            if (!w.isSuccess()) {
                pending.remove(id);
                c.completeExceptionally(w.cause());
            }
        });
        return c;
    }

    /**
     * Sends a request and waits for its reply; an ERROR reply becomes a {@link RemoteException}.
     * A DATA reply is the caller's to release ({@link ReplyBytes}); one that comes after the
     * caller stopped waiting is released when it comes.
     */
    Message call(Message m, long timeoutMillis) throws IOException {
        CompletableFuture<Message> f = send(m);
        try {
            Message r = f.get(timeoutMillis, TimeUnit.MILLISECONDS);
            if (r instanceof Message.Error e) {
                throw new RemoteException(e.code(), e.message());
            }
            return r;
        } catch (InterruptedException e) {
            ReplyBytes.discardWhenDone(f);
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while waiting for crfsd", e);
        } catch (ExecutionException e) {
            Throwable c = e.getCause();
            if (c instanceof ProtocolException p) {
                throw new RemoteException(p.code(), p.getMessage());
            }
            throw new IOException("crfsd request " + m.getClass().getSimpleName() + " failed: " + c, c);
        } catch (TimeoutException e) {
            ReplyBytes.discardWhenDone(f);
            throw new IOException("crfsd did not answer " + m.getClass().getSimpleName() + " within "
                    + timeoutMillis + " ms");
        }
    }

    /** Fire-and-forget (REVOKE_DONE needs no wait). */
    void post(Message m) {
        send(m);
    }

    @Override
    public void close() {
        channel.close().awaitUninterruptibly(2, TimeUnit.SECONDS);
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
        failAll(new IOException("connection closed"));
    }

    /** An ERROR reply from the server. */
}
