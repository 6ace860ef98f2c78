package io.crfs.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code crfs install-mount-helper}: writes {@code mount.fuse.crfs}, the program mount(8) runs for
 * {@code mount -t fuse.crfs HOST:PORT DIR} and for fstab lines of type fuse.crfs. The helper
 * starts {@code crfs mount} in the background with this installation's Java and class path and
 * returns once the mount is up.
 */
@Command(name = "install-mount-helper", mixinStandardHelpOptions = true,
        description = "Install mount.fuse.crfs so that `mount -t fuse.crfs HOST:PORT DIR` and fstab lines work.",
        footerHeading = "%nExamples:%n",
        footer = {"  crfs install-mount-helper", "  mount -t fuse.crfs 127.0.0.1:7070 /mnt/crfs",
            "  fstab: 127.0.0.1:7070  /mnt/crfs  fuse.crfs  defaults,_netdev  0 0",
            "  fstab (image served by the mount itself): /srv/v.img  /mnt/crfs  fuse.crfs  local  0 0",
            "  fstab (no warm-up after mounting): 127.0.0.1:7070  /mnt/crfs  fuse.crfs  _netdev,no_warm_up  0 0"})
final class MountHelperCommand implements Callable<Integer> {
    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Option(names = "--dir", defaultValue = "/sbin", description = "Where mount(8) looks for helpers (default: ${DEFAULT-VALUE}).")
    Path dir;

    @Override
    public Integer call() throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        String cp = System.getProperty("java.class.path");
        String script = """
                #!/bin/sh
                # mount(8) helper for crfs, written by `crfs install-mount-helper`.
                # Called as: mount.fuse.crfs SOURCE DIR [-o OPTIONS]; the option "local" serves the
                # image SOURCE inside the mount process, "no_warm_up" skips the warm-up after
                # mounting (crfs mount --no-warm-up); anything else is passed over.
                src="$1"; dir="$2"; shift 2
                local=""; warm=""
                while [ $# -gt 0 ]; do
                  case "$1" in
                    -o) case ",$2," in *,local,*) local="--local" ;; esac
                        case ",$2," in *,no_warm_up,*) warm="--no-warm-up" ;; esac; shift 2 ;;
                    *) shift ;;
                  esac
                done
                log="/tmp/crfs-mount-$(echo "$dir" | tr / _).log"
                # the heap committed and touched at start, and System.gc() a concurrent cycle, as
                # ./crfs does (a quarter of memory at most)
                kb=$(awk '/^MemTotal:/ { print $2 }' /proc/meminfo 2>/dev/null); xms=256
                [ -n "$kb" ] && [ $((kb / 4096)) -lt 256 ] && xms=$((kb / 4096))
                nohup '%s' --enable-native-access=ALL-UNNAMED -Xms${xms}m -XX:+AlwaysPreTouch -XX:+ExplicitGCInvokesConcurrent -cp '%s' \
                  io.crfs.cli.Main mount $local $warm "$src" "$dir" >"$log" 2>&1 &
                pid=$!
                i=0
                while [ $i -lt 300 ]; do
                  grep -q " $dir fuse" /proc/mounts && exit 0
                  kill -0 $pid 2>/dev/null || { cat "$log" >&2; exit 32; }
                  sleep 0.1; i=$((i+1))
                done
                echo "mount.fuse.crfs: $dir did not come up within 30 s (log: $log)" >&2
                exit 32
                """.formatted(java, cp);
        Files.createDirectories(dir);
        Path helper = dir.resolve("mount.fuse.crfs");
        Files.writeString(helper, script);
        Files.setPosixFilePermissions(helper, PosixFilePermissions.fromString("rwxr-xr-x"));
        spec.commandLine().getOut().println("installed " + helper + "; now `mount -t fuse.crfs HOST:PORT DIR` works (umount DIR to stop)");
        return ExitCodes.OK;
    }
}
