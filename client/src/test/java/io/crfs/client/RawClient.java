package io.crfs.client;

import io.crfs.protocol.Codec;
import io.crfs.protocol.Frame;
import io.crfs.protocol.Message;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;

/** A bare socket speaking (or mis-speaking) the protocol, for bad-input tests. */
final class RawClient implements AutoCloseable {
    private final Socket socket;
    private final DataInputStream in;
    private final OutputStream out;
    private long ids;

    RawClient(int port) throws IOException {
        socket = new Socket("127.0.0.1", port);
        socket.setSoTimeout(10_000);
        in = new DataInputStream(socket.getInputStream());
        out = socket.getOutputStream();
    }

    static byte[] encode(long id, Message m) {
        ByteBuf b = Unpooled.buffer();
        Codec.encode(new Frame(id, m), b);
        byte[] a = new byte[b.readableBytes()];
        b.readBytes(a);
        return a;
    }

    void raw(byte[] bytes) throws IOException {
        out.write(bytes);
        out.flush();
    }

    Message call(Message m) throws IOException {
        long id = ++ids;
        raw(encode(id, m));
        while (true) {
            Frame f = read();
            if (f == null) {
                throw new java.io.EOFException("the server closed the connection before answering " + m);
            }
            if (f.id() == id || f.id() == 0 && f.message() instanceof Message.Error) {
                return f.message();
            }
        }
    }

    /** The next frame, or null if the server closed the connection. */
    Frame read() throws IOException {
        try {
            int len = Integer.reverseBytes(in.readInt());
            byte[] body = new byte[len];
            in.readFully(body);
            return Codec.decode(Unpooled.wrappedBuffer(body));
        } catch (EOFException e) {
            return null;
        }
    }

    /** True once the server has closed the connection (reads EOF within the timeout). */
    boolean closedByServer() throws IOException {
        try {
            while (true) {
                if (read() == null) {
                    return true;
                }
            }
        } catch (SocketTimeoutException e) {
            return false;
        } catch (IOException e) {
            return true;
        }
    }

    Message.Welcome hello(String name) throws IOException {
        return (Message.Welcome) call(new Message.Hello(Frame.VERSION, 0, 0, new int[0], name, 0));
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
