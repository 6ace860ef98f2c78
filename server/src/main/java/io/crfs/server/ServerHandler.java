package io.crfs.server;

import io.crfs.format.Item;
import io.crfs.format.Key;
import io.crfs.format.ObjectIds;
import io.crfs.format.StoreException;
import io.crfs.protocol.ErrorCode;
import io.crfs.protocol.Frame;
import io.crfs.protocol.Message;
import io.crfs.protocol.ProtocolException;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One connection: the adapter from frames to the server's parts. Each request is checked, handed
 * to the grant table or the volume thread, and answered with its request id; every failure
 * becomes an ERROR with a code and a message, never a dead server.
 */
final class ServerHandler extends SimpleChannelInboundHandler<Frame> {
    private static final Logger LOG = LoggerFactory.getLogger(ServerHandler.class);
    static final int MAX_INODE_BATCH = 65536;

    private final Crfsd server;
    private ClientSession session;

    ServerHandler(Crfsd server) {
        this.server = server;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, Frame f) {
        Message m = f.message();
        long id = f.id();
        if (session == null && !(m instanceof Message.Hello)) {
            fail(ctx, id, new ProtocolException(ErrorCode.NO_SESSION, "the first request must be HELLO"), true);
            return;
        }
        if (session != null) {
            if (session.evicted) {
                fail(ctx, id, new ProtocolException(ErrorCode.EVICTED, "session " + session.id + " was evicted"), true);
                return;
            }
            session.seen();
        }
        try {
            dispatch(ctx, id, m);
        } catch (RuntimeException e) {
            fail(ctx, id, e, false);
        }
    }

    private void dispatch(ChannelHandlerContext ctx, long id, Message m) {
        Sessions sessions = server.sessions;
        server.metrics.request(m.getClass().getSimpleName().toLowerCase(java.util.Locale.ROOT));
        switch (m) {
            case Message.Hello h -> hello(ctx, id, h);
            case Message.Ping p -> reply(ctx, id, new Message.Pong());
            case Message.Acquire a -> acquire(ctx, id, a);
            case Message.Fetch f -> fetch(ctx, id, f);
            case Message.Release r -> {
                sessions.released(session, ownGrant(r.grantId()), r.toMode(), r.open());
                reply(ctx, id, new Message.Ok());
            }
            case Message.RevokeDone r -> {
                sessions.revokeDone(session, r.revokeId(), r.open());
                reply(ctx, id, new Message.Ok());
            }
            case Message.Batch b -> {
                long sid = session.id;
                session.batches.incrementAndGet();
                java.util.List<Long> gone = new java.util.ArrayList<>(0); // inodes the batch deletes: nobody has them open
                for (io.crfs.protocol.Edit e : b.edits()) {
                    if (e instanceof io.crfs.protocol.Edit.Write w) {
                        server.metrics.bytesWritten.add(w.length());
                    } else if (e instanceof io.crfs.protocol.Edit.Delete d && d.key().type() == io.crfs.format.ItemType.INODE_ITEM) {
                        gone.add(d.key().objectid());
                    }
                }
                answer(ctx, id, server.backend.submit(() -> {
                    BatchApplier.Result r;
                    try {
                        r = server.applier.apply(sid, server.backend.fs(), b.edits(), b.opEnds());
                    } finally {
                        giveBack(b); // applied or refused, its data is read no more
                    }
                    server.backend.batches.incrementAndGet();
                    if (r.refused() == 0) {
                        gone.forEach(sessions.opens::deleted);
                    }
                    return new Message.Applied(server.backend.fs().transid(), r.inodes(), server.backend.fs().spaceShort(),
                            r.refused());
                }));
            }
            case Message.ReadData r -> {
                needRead(r.ino());
                // the frame comes encoded (DataReplies): written as it is
                whenDone(ctx, id, server.backend.submit(() -> {
                    server.metrics.bytesRead.add(r.length());
                    return DataReplies.read(server.backend.fs(), ctx.alloc(), id, r.ino(), r.offset(), r.length());
                }), ctx::writeAndFlush);
            }
            case Message.Fsync s -> answer(ctx, id, server.backend.fsync().thenApply(v -> new Message.Ok()));
            case Message.AllocInodes a -> {
                int n = Math.max(1, Math.min(a.count(), MAX_INODE_BATCH));
                answer(ctx, id, server.backend.submit(() -> {
                    long first = server.backend.fs().allocateInode();
                    for (int i = 1; i < n; i++) {
                        server.backend.fs().allocateInode();
                    }
                    return new Message.Inodes(first, n);
                }));
            }
            case Message.Seek s -> {
                needRead(s.ino());
                answer(ctx, id, server.backend.submit(() -> new Message.SeekResult(s.what() == 3
                        ? server.backend.fs().seekData(s.ino(), s.offset()) : server.backend.fs().seekHole(s.ino(), s.offset()))));
            }
            case Message.StatFs s -> answer(ctx, id, server.backend.submit(() -> {
                var sp = server.backend.fs().space();
                return new Message.Space(sp.totalBytes(), sp.freeBytes(), sp.blockSize());
            }));
            case Message.Status s -> reply(ctx, id, new Message.StatusText(server.status()));
            case Message.Lock l -> answer(ctx, id, server.locks.set(session.id, l).thenApply(v -> new Message.Ok()));
            case Message.GetLock g -> {
                LockTable.Held h = server.locks.test(session.id, g);
                reply(ctx, id, h == null ? new Message.LockInfo(io.crfs.protocol.Opcodes.F_UNLCK, 0, 0, 0)
                        : new Message.LockInfo(h.type(), h.start(), h.end(), h.session()));
            }
            case Message.Goodbye g -> {
                sessions.end(session);
                ctx.writeAndFlush(new Frame(id, new Message.Ok())).addListener(ChannelFutureListener.CLOSE);
            }
            default -> throw new ProtocolException(ErrorCode.BAD_FRAME, m.getClass().getSimpleName()
                    + " is a server-to-client message");
        }
    }

    private void hello(ChannelHandlerContext ctx, long id, Message.Hello h) {
        if (h.version() != Frame.VERSION) {
            fail(ctx, id, new ProtocolException(ErrorCode.VERSION, "this server speaks protocol version " + Frame.VERSION
                    + ", the client " + h.version()), true);
            return;
        }
        if (session != null) {
            throw new ProtocolException(ErrorCode.BAD_FRAME, "HELLO on a connection that already has session " + session.id);
        }
        if (h.resumeSession() != 0) {
            ClientSession s = server.sessions.get(h.resumeSession());
            if (s == null || s.evicted) {
                fail(ctx, id, new ProtocolException(ErrorCode.EVICTED, "session " + h.resumeSession()
                        + " no longer exists (lease expired or server restarted)"), true);
                return;
            }
            session = s;
            s.channel = ctx.channel();
            s.seen();
            reply(ctx, id, new Message.Welcome(s.id, server.sessions.leaseMillis, server.backend.fs().transid()));
            server.sessions.resend(s);
            return;
        }
        session = server.sessions.create(h.client(), h.uid(), h.gid());
        session.channel = ctx.channel();
        LOG.debug("session {} for {} from {}", session.id, h.client(), ctx.channel().remoteAddress());
        reply(ctx, id, new Message.Welcome(session.id, server.sessions.leaseMillis, server.backend.fs().transid()));
    }

    private void acquire(ChannelHandlerContext ctx, long id, Message.Acquire a) {
        if (a.tree() != ObjectIds.FS_TREE) {
            throw new ProtocolException(ErrorCode.BAD_RANGE, "tree " + a.tree() + " cannot be acquired; only the fs tree (5)");
        }
        if (a.min().compareTo(a.max()) > 0 || (a.mode() != Grant.READ && a.mode() != Grant.WRITE)) {
            throw new ProtocolException(ErrorCode.BAD_RANGE, "bad range " + a.min() + ".." + a.max() + " or mode " + a.mode());
        }
        CompletableFuture<Message> f = server.grants.acquire(session.id, a.min(), a.max(), a.mode())
                .thenCompose(g -> server.backend.submit(() -> {
                    LOG.debug("granted {}", g);
                    server.metrics.grants.increment();
                    return g;
                })).thenCompose(g -> server.backend.submit(() -> granted(g)));
        answer(ctx, id, f);
    }

    /**
     * A grant and its items, less file extents (clients reach data through READ, never by
     * extent): the first {@code grantItems} of one object; the client fetches the rest as it
     * needs them, so a big directory changing hands costs what is used of it.
     */
    private Message.Granted granted(Grant g) {
        java.util.List<Long> openElsewhere = server.sessions.opens.elsewhere(g.session(), g.min().objectid(), g.max().objectid());
        if (g.min().objectid() != g.max().objectid()) { // inode numbers not yet used: nothing there
            java.util.List<Item> all = server.backend.fs().scan(g.min(), g.max(), Integer.MAX_VALUE);
            all.removeIf(i -> i.key().type() == io.crfs.format.ItemType.EXTENT_DATA);
            return new Message.Granted(g.id(), g.mode(), g.min(), g.max(), all, g.max(), openElsewhere);
        }
        Message.Items first = ItemLister.list(server.backend.fs(), g.min(), g.max(), server.grantItems, false);
        return new Message.Granted(g.id(), g.mode(), g.min(), g.max(), first.items(), first.to(), openElsewhere);
    }

    /** FETCH: runs after the session's earlier batches, and only while it holds the range. */
    private void fetch(ChannelHandlerContext ctx, long id, Message.Fetch f) {
        long sid = session.id;
        answer(ctx, id, server.backend.submit(() -> {
            if (!server.grants.covers(sid, f.min(), Grant.READ) || !server.grants.covers(sid, f.max(), Grant.READ)) {
                throw new ProtocolException(ErrorCode.NOT_HELD, "fetching " + f.min() + ".." + f.max()
                        + " needs a grant on it");
            }
            return ItemLister.list(server.backend.fs(), f.min(), f.max(), f.limit(), f.backward());
        }));
    }

    /** Returns a batch's WRITE data arrays to the pool they were decoded into (io.crfs.protocol.DataBuffers). */
    private static void giveBack(Message.Batch b) {
        for (io.crfs.protocol.Edit e : b.edits()) {
            if (e instanceof io.crfs.protocol.Edit.Write w) {
                io.crfs.protocol.DataBuffers.give(w.data());
            }
        }
    }

    private void needRead(long ino) {
        if (!server.grants.covers(session.id, Key.first(ino), Grant.READ)) {
            throw new ProtocolException(ErrorCode.NOT_HELD, "reading inode " + Long.toUnsignedString(ino)
                    + " needs a READ grant on it");
        }
    }

    private Grant ownGrant(long grantId) {
        Grant g = server.grants.held(session.id, grantId);
        if (g == null) {
            throw new ProtocolException(ErrorCode.BAD_RANGE, "grant " + grantId + " is not held by this session");
        }
        return g;
    }

    private <T extends Message> void answer(ChannelHandlerContext ctx, long id, CompletableFuture<T> f) {
        whenDone(ctx, id, f, r -> reply(ctx, id, r));
    }

    /** Hands {@code f}'s result to {@code ok}, or answers request {@code id} with its failure. */
    private <T> void whenDone(ChannelHandlerContext ctx, long id, CompletableFuture<T> f, java.util.function.Consumer<T> ok) {
        f.whenComplete((r, t) -> {
            if (t == null) {
                ok.accept(r);
            } else {
                fail(ctx, id, t instanceof CompletionException c && c.getCause() != null ? c.getCause() : t, false);
            }
        });
    }

    private static void reply(ChannelHandlerContext ctx, long id, Message m) {
        ctx.writeAndFlush(new Frame(id, m));
    }

    private void fail(ChannelHandlerContext ctx, long id, Throwable t, boolean close) {
        ErrorCode code;
        if (t instanceof ProtocolException p) {
            code = p.code();
        } else if (t instanceof EvictedException) {
            code = ErrorCode.EVICTED;
        } else if (t instanceof StoreException s) {
            code = switch (s.kind()) {
                case NO_SPACE -> ErrorCode.NO_SPACE;
                case TOO_BIG -> ErrorCode.TOO_BIG;
                case STALE -> ErrorCode.STALE;
                default -> ErrorCode.IO;
            };
        } else if (t instanceof IllegalArgumentException) {
            code = ErrorCode.BAD_RANGE;
        } else {
            code = ErrorCode.IO;
            LOG.warn("request failed: {}", t.toString(), t);
        }
        server.metrics.errors.increment();
        String msg = t.getMessage() == null ? t.toString() : t.getMessage();
        LOG.debug("error {} to session {}: {}", code, session == null ? "-" : session.id, msg);
        var w = ctx.writeAndFlush(new Frame(id, new Message.Error(code, msg)));
        if (close) {
            w.addListener(ChannelFutureListener.CLOSE);
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        Throwable t = cause instanceof io.netty.handler.codec.DecoderException d && d.getCause() != null ? d.getCause() : cause;
        if (t instanceof ProtocolException) {
            fail(ctx, 0, t, true);
        } else {
            LOG.debug("connection error: {}", t.toString());
            ctx.close();
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (session != null && session.channel == ctx.channel()) {
            session.channel = null;
        }
    }
}
