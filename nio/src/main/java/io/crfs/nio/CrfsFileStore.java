package io.crfs.nio;

import io.crfs.posix.PosixException;
import io.crfs.posix.StatFs;
import java.io.IOException;
import java.nio.file.FileStore;
import java.nio.file.attribute.BasicFileAttributeView;
import java.nio.file.attribute.FileAttributeView;
import java.nio.file.attribute.FileOwnerAttributeView;
import java.nio.file.attribute.FileStoreAttributeView;
import java.nio.file.attribute.PosixFileAttributeView;

/** The served volume, as statfs(2) describes it. */
final class CrfsFileStore extends FileStore {
    private final CrfsFileSystem fs;

    CrfsFileStore(CrfsFileSystem fs) {
        this.fs = fs;
    }

    private StatFs statfs() throws IOException {
        try {
            return fs.view().posix().statfs();
        } catch (PosixException e) {
            throw Errors.map(e, null, null);
        }
    }

    @Override public String name() { return "crfs://" + fs.authority(); }
    @Override public String type() { return "crfs"; }
    @Override public boolean isReadOnly() { return false; }

    @Override
    public long getTotalSpace() throws IOException {
        StatFs s = statfs();
        return s.blocks() * s.blockSize();
    }

    @Override
    public long getUsableSpace() throws IOException {
        StatFs s = statfs();
        return s.blocksAvail() * s.blockSize();
    }

    @Override
    public long getUnallocatedSpace() throws IOException {
        StatFs s = statfs();
        return s.blocksFree() * s.blockSize();
    }

    @Override
    public long getBlockSize() throws IOException {
        return statfs().blockSize();
    }

    @Override
    public boolean supportsFileAttributeView(Class<? extends FileAttributeView> type) {
        return type == BasicFileAttributeView.class || type == PosixFileAttributeView.class
                || type == FileOwnerAttributeView.class;
    }

    @Override
    public boolean supportsFileAttributeView(String name) {
        return Attributes.VIEWS.contains(name);
    }

    @Override
    public <V extends FileStoreAttributeView> V getFileStoreAttributeView(Class<V> type) {
        return null;
    }

    @Override
    public Object getAttribute(String attribute) throws IOException {
        return switch (attribute) {
            case "totalSpace" -> getTotalSpace();
            case "usableSpace" -> getUsableSpace();
            case "unallocatedSpace" -> getUnallocatedSpace();
            case "bytesPerSector" -> getBlockSize();
            case "files" -> statfs().files();
            case "filesFree" -> statfs().filesFree();
            case "nameMax" -> statfs().nameMax();
            default -> throw new UnsupportedOperationException("file store attribute " + attribute);
        };
    }

    @Override
    public String toString() {
        return name() + " (crfs)";
    }
}
