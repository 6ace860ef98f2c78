package io.crfs.fuse;

/**
 * The opcode table: opcode → name, minimum body size, whether a reply is sent, handler.
 * Checked once at class initialisation (unique opcodes, names, sizes, handlers).
 */
final class OpTable {
    @FunctionalInterface
    interface Handler {
        void handle(Dispatcher d, Request r) throws Exception;
    }

    record Op(int code, String name, int minIn, boolean reply, Handler handler) {
    }

    private static final Op[] OPS = new Op[64];

    static {
        def(Wire.LOOKUP, "LOOKUP", 1, true, Ops::lookup);
        def(Wire.FORGET, "FORGET", 8, false, Ops::forget);
        def(Wire.GETATTR, "GETATTR", 16, true, Ops::getattr);
        def(Wire.SETATTR, "SETATTR", 88, true, Ops::setattr);
        def(Wire.READLINK, "READLINK", 0, true, Ops::readlink);
        def(Wire.SYMLINK, "SYMLINK", 2, true, Ops::symlink);
        def(Wire.MKNOD, "MKNOD", 16, true, Ops::mknod);
        def(Wire.MKDIR, "MKDIR", 8, true, Ops::mkdir);
        def(Wire.UNLINK, "UNLINK", 1, true, Ops::unlink);
        def(Wire.RMDIR, "RMDIR", 1, true, Ops::rmdir);
        def(Wire.RENAME, "RENAME", 8, true, Ops::rename);
        def(Wire.LINK, "LINK", 8, true, Ops::link);
        def(Wire.OPEN, "OPEN", 8, true, Ops::open);
        def(Wire.READ, "READ", 40, true, DataOps::read);
        def(Wire.WRITE, "WRITE", 40, true, DataOps::write);
        def(Wire.STATFS, "STATFS", 0, true, DataOps::statfs);
        def(Wire.RELEASE, "RELEASE", 24, true, Ops::release);
        def(Wire.FSYNC, "FSYNC", 16, true, DataOps::fsync);
        def(Wire.SETXATTR, "SETXATTR", 8, true, DataOps::setxattr);
        def(Wire.GETXATTR, "GETXATTR", 8, true, DataOps::getxattr);
        def(Wire.LISTXATTR, "LISTXATTR", 8, true, DataOps::listxattr);
        def(Wire.REMOVEXATTR, "REMOVEXATTR", 1, true, DataOps::removexattr);
        def(Wire.FLUSH, "FLUSH", 24, true, DataOps::flush);
        def(Wire.INIT, "INIT", 16, true, Dispatcher::init);
        def(Wire.OPENDIR, "OPENDIR", 8, true, Ops::opendir);
        def(Wire.READDIR, "READDIR", 40, true, Ops::readdir);
        def(Wire.RELEASEDIR, "RELEASEDIR", 24, true, Ops::releasedir);
        def(Wire.FSYNCDIR, "FSYNCDIR", 16, true, DataOps::fsyncdir);
        def(Wire.GETLK, "GETLK", 48, true, DataOps::getlk);
        def(Wire.SETLK, "SETLK", 48, true, DataOps::setlk);
        def(Wire.SETLKW, "SETLKW", 48, true, DataOps::setlk);
        def(Wire.ACCESS, "ACCESS", 8, true, Ops::access);
        def(Wire.CREATE, "CREATE", 17, true, Ops::create);
        def(Wire.TMPFILE, "TMPFILE", 17, true, Ops::tmpfile);
        def(Wire.INTERRUPT, "INTERRUPT", 8, false, Dispatcher::interrupt);
        def(Wire.DESTROY, "DESTROY", 0, true, (d, r) -> { });
        def(Wire.NOTIFY_REPLY, "NOTIFY_REPLY", 0, false, (d, r) -> { });
        def(Wire.BATCH_FORGET, "BATCH_FORGET", 8, false, Ops::batchForget);
        def(Wire.FALLOCATE, "FALLOCATE", 32, true, DataOps::fallocate);
        def(Wire.READDIRPLUS, "READDIRPLUS", 40, true, Ops::readdir);
        def(Wire.RENAME2, "RENAME2", 16, true, Ops::rename);
        def(Wire.LSEEK, "LSEEK", 24, true, DataOps::lseek);
        def(Wire.COPY_FILE_RANGE, "COPY_FILE_RANGE", 56, true, DataOps::copyFileRange);
        def(Wire.IOCTL, "IOCTL", 32, true, DataOps::ioctl);
        check();
    }

    private OpTable() {
    }

    private static void def(int code, String name, int minIn, boolean reply, Handler h) {
        if (code <= 0 || code >= OPS.length || OPS[code] != null) {
            throw new ExceptionInInitializerError("bad or duplicate opcode " + code + " " + name);
        }
        OPS[code] = new Op(code, name, minIn, reply, h);
    }

    private static void check() {
        int noReply = 0;
        for (Op op : OPS) {
            if (op == null) {
                continue;
            }
            if (op.name().isEmpty() || op.minIn() < 0 || op.handler() == null) {
                throw new ExceptionInInitializerError("bad op " + op);
            }
            noReply += op.reply() ? 0 : 1;
        }
        if (noReply != 4 || OPS[Wire.INIT] == null || OPS[Wire.LOOKUP] == null) {
            throw new ExceptionInInitializerError("opcode table inconsistent");
        }
    }

    /** The op for {@code opcode}, or null if unknown (the dispatcher replies ENOSYS). */
    static Op get(int opcode) {
        return opcode > 0 && opcode < OPS.length ? OPS[opcode] : null;
    }

    static String name(int opcode) {
        Op op = get(opcode);
        return op != null ? op.name() : "OPCODE_" + opcode;
    }
}
