# Shared by the bench scripts that compare crfs mounts with a kernel btrfs loop mount: sourced
# after ROOT and W (a fresh work directory) are set. Everything started here is stopped by
# bench_cleanup, which the scripts run on exit.

# Serves a fresh 8 GiB volume W/crfs.img on 127.0.0.1:PORT and mounts it at each DIR.
bench_crfs() { # PORT DIR...
  local port=$1; shift
  BENCH_MOUNTS=("$@")
  "$ROOT/crfs" --version >/dev/null
  "$ROOT/crfs" mkfs "$W/crfs.img" --size 8G >/dev/null
  nohup "$ROOT/crfs" serve "$W/crfs.img" --listen "127.0.0.1:$port" >"$W/serve.log" 2>&1 &
  for _ in $(seq 1 100); do grep -q serving "$W/serve.log" 2>/dev/null && break; sleep 0.1; done
  local d
  for d in "$@"; do
    mkdir -p "$d"
    nohup "$ROOT/crfs" mount "127.0.0.1:$port" "$d" >"$d.log" 2>&1 &
  done
  for d in "$@"; do
    for _ in $(seq 1 100); do grep -q " $d fuse" /proc/mounts && break; sleep 0.1; done
  done
}

# A kernel btrfs loop mount of a fresh 8 GiB image at W/loop.
bench_loop() {
  mkdir -p "$W/loop"
  truncate -s 8G "$W/loop.img" && mkfs.btrfs -q -f "$W/loop.img" >/dev/null && mount -o loop "$W/loop.img" "$W/loop"
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
