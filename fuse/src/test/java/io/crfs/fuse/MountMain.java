package io.crfs.fuse;

import java.nio.file.Path;

/** Mounts a {@link MemoryFs} on args[0] and waits to be killed; for {@link FuseMountTest}. */
final class MountMain {
    private MountMain() {
    }

    public static void main(String[] args) throws Exception {
        FuseMount.mount(Path.of(args[0]), new MemoryFs(), FuseMount.Options.defaults());
        System.out.println("mounted");
        System.out.flush();
        Thread.sleep(Long.MAX_VALUE);
    }
}
