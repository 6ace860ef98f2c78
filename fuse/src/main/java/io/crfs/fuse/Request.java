package io.crfs.fuse;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * One decoded request: the fuse_in_header fields, the body to read sequentially and the
 * reply payload buffer (positioned after the fuse_out_header). Malformed bodies throw
 * {@link FuseException} EINVAL, which the dispatcher turns into an error reply.
 */
final class Request {
    final int opcode;
    final long unique;
    final long nodeId;
    final FuseContext ctx;
    final ByteBuffer in;
    final ByteBuffer out;

    Request(int opcode, long unique, long nodeId, FuseContext ctx, ByteBuffer in, ByteBuffer out) {
        this.opcode = opcode;
        this.unique = unique;
        this.nodeId = nodeId;
        this.ctx = ctx;
        this.in = in;
        this.out = out;
    }

    int u32() {
        need(4);
        return in.getInt();
    }

    long u64() {
        need(8);
        return in.getLong();
    }

    void skip(int n) {
        need(n);
        in.position(in.position() + n);
    }

    /** A NUL-terminated name; the NUL is consumed. */
    String string() {
        int start = in.position();
        for (int i = start; i < in.limit(); i++) {
            if (in.get(i) == 0) {
                byte[] b = new byte[i - start];
                in.get(b);
                in.get();
                return new String(b, StandardCharsets.ISO_8859_1);
            }
        }
        throw new FuseException(Errno.EINVAL, "unterminated name");
    }

    /** The next {@code n} bytes as a view (no copy). */
    ByteBuffer bytes(int n) {
        need(n);
        ByteBuffer b = in.slice(in.position(), n);
        in.position(in.position() + n);
        return b;
    }

    byte[] byteArray(int n) {
        need(n);
        byte[] b = new byte[n];
        in.get(b);
        return b;
    }

    private void need(int n) {
        if (n < 0 || in.remaining() < n) {
            throw new FuseException(Errno.EINVAL, "truncated body");
        }
    }
}
