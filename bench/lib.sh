# Shared by the bench scripts that compare crfs mounts with a kernel btrfs loop mount: sourced
# after ROOT and W (a fresh work directory) are set. Everything started here is stopped by
# bench_cleanup, which the scripts run on exit. A mount that cannot be made stops the script:
# otherwise its rows would silently measure the host's file system under the empty directory.

bench_die() { echo "$(basename "$0"): $*" >&2; exit 1; }

# The machine packages (btrfs-progs for the loop mount, fuse3, ...), as the tests install them.
"$ROOT/scripts/install-deps.sh" || bench_die "could not install the packages the bench needs (see above)"
# crfs is measured as ./crfs up runs it: its JVMs start from the AOT caches of this build (trained
# here when missing or stale, before anything is timed). CRFS_AOT=0 measures without them.
if [ "${CRFS_AOT:-1}" != 0 ]; then
  "$ROOT/crfs" aot || bench_die "could not train the JVMs' AOT caches (see above); CRFS_AOT=0 runs without them"
fi

# Mounts the crfs server at 127.0.0.1:PORT on DIR (another client) and waits until it is mounted.
bench_mount() { # PORT DIR
  local port=$1 d=$2
  mkdir -p "$d"
  BENCH_MOUNTS+=("$d")
  nohup "$ROOT/crfs" mount "127.0.0.1:$port" "$d" >"$d.log" 2>&1 &
  # the mount prints its ready line (" mounted at DIR") once mounted and warmed up
  for _ in $(seq 1 300); do grep -q " $d fuse" /proc/mounts && grep -q " mounted at $d " "$d.log" && return 0; sleep 0.1; done
  cat "$d.log" >&2
  bench_die "crfs did not mount at $d within 30 s (its log above)"
}

# Serves a fresh 8 GiB volume W/crfs.img on 127.0.0.1:PORT and mounts it at each DIR.
bench_crfs() { # PORT DIR...
  local port=$1; shift
  "$ROOT/crfs" --version >/dev/null  # builds, outside the timings (CRFS_AOT=0 skipped ./crfs aot, which does)
  "$ROOT/crfs" mkfs "$W/crfs.img" --size 8G >/dev/null
  nohup "$ROOT/crfs" serve "$W/crfs.img" --listen "127.0.0.1:$port" >"$W/serve.log" 2>&1 &
  # crfsd says it serves once its warm-up (a few seconds of rehearsed work on a scratch volume) is done
  for _ in $(seq 1 300); do grep -q "crfsd: serving" "$W/serve.log" 2>/dev/null && break; sleep 0.1; done
  grep -q "crfsd: serving" "$W/serve.log" 2>/dev/null || { cat "$W/serve.log" >&2; bench_die "crfsd did not start within 30 s (its log above)"; }
  local d
  for d in "$@"; do
    bench_mount "$port" "$d"
  done
}

# A kernel btrfs loop mount of a fresh 8 GiB image at W/loop.
bench_loop() {
  mkdir -p "$W/loop"
  truncate -s 8G "$W/loop.img" && mkfs.btrfs -q -f "$W/loop.img" >/dev/null && mount -o loop "$W/loop.img" "$W/loop" ||
    bench_die "could not make and loop-mount a btrfs image at $W/loop (see above)"
}

bench_cleanup() {
  local d
  for d in "${BENCH_MOUNTS[@]}"; do
    "$ROOT/crfs" umount "$d" 2>/dev/null || true
  done
  pkill -f "serve $W/crfs.img" 2>/dev/null || true
  if mountpoint -q "$W/loop"; then umount "$W/loop"; fi
  sleep 1; rm -rf "$W"
}
BENCH_MOUNTS=()
