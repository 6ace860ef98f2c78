#!/usr/bin/env bash
# crfs's FUSE mount against a kernel btrfs loop mount and sshfs over loopback, in one run, with
# the shared peer workloads (../shared/bench-peers): fio (seq 1 MiB write/read, 4 KiB random)
# and the metadata suite (create/stat/readdir/unlink of N files, tar xf + rm -rf of /usr/include).
# Needs root. Usage: bench/fuse-vs-peers.sh [N files] ; env SIZE (fio file, default 512M), RUNTIME (s, default 10),
# ROUNDS (default 2: every file system runs both suites again, labelled NAME-r2; crfs's first round
# includes its JVMs' warm-up, the JIT compiling the hot paths, the second shows a mount in use).
# FUSE-over-io_uring is turned on first (scripts/fuse-uring.sh), as `crfs up` does.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PEERS="${PEERS:-$ROOT/../shared/bench-peers}"
export JAVA_HOME=/usr/lib/jvm/temurin-25-jdk-amd64
export SIZE="${SIZE:-512M}" RUNTIME="${RUNTIME:-10}" PEER_WORK="${PEER_WORK:-/var/tmp/crfs-peers}"
N="${1:-10000}"
ROUNDS="${ROUNDS:-2}"
"$ROOT/scripts/install-deps.sh"  # btrfs-progs (mkfs.btrfs for the loop mount), fuse3, ...
bash "$ROOT/scripts/fuse-uring.sh"
command -v fio >/dev/null || apt-get install -y -q fio >/dev/null
W=$(mktemp -d /var/tmp/crfs-fusebench.XXXXXX)
mkdir -p "$W/crfs" "$W/loop" "$W/ssh" "$W/export"
cleanup() {
  "$ROOT/crfs" umount "$W/crfs" 2>/dev/null || true
  "$ROOT/crfs" umount "$W/crfs-b" 2>/dev/null || true
  pkill -f "serve $W/crfs.img" 2>/dev/null || true
  mountpoint -q "$W/loop" && umount "$W/loop"
  bash "$PEERS/setup-sshfs.sh" down "$W/export" "$W/ssh" >/dev/null 2>&1 || true
  sleep 1; rm -rf "$W"
}
trap cleanup EXIT
"$ROOT/crfs" --version >/dev/null
"$ROOT/crfs" mkfs "$W/crfs.img" --size 8G >/dev/null
nohup "$ROOT/crfs" serve "$W/crfs.img" --listen 127.0.0.1:7391 >"$W/serve.log" 2>&1 &
sleep 3
nohup "$ROOT/crfs" mount 127.0.0.1:7391 "$W/crfs" >"$W/mount.log" 2>&1 &
for _ in $(seq 1 100); do grep -q " $W/crfs fuse" /proc/mounts && break; sleep 0.1; done
# Without the loop mount the "loop" rows would measure the host's file system: stop instead.
truncate -s 8G "$W/loop.img" && mkfs.btrfs -q -f "$W/loop.img" && mount -o loop "$W/loop.img" "$W/loop" ||
  { echo "fuse-vs-peers: could not make and loop-mount a btrfs image at $W/loop (see above)" >&2; exit 1; }
mountpoint -q "$W/loop" || { echo "fuse-vs-peers: $W/loop is not a mount point" >&2; exit 1; }
bash "$PEERS/setup-sshfs.sh" up "$W/export" "$W/ssh" >/dev/null
for r in $(seq 1 "$ROUNDS"); do
  for fs in loop crfs ssh; do
    label=$fs; [ "$r" = 1 ] || label="$fs-r$r"
    echo "== $label"
    bash "$PEERS/meta-suite.sh" "$W/$fs" "$label" "$N" 2>&1 | grep -v '^#'
    bash "$PEERS/fio-suite.sh" "$W/$fs" "$label" "$W/fio-$label" 2>&1 | grep -v '^#'
  done
done
# The fio suite's seqread follows its own seqwrite and drop_caches; crfs's client keeps file data
# in its JVM (up to 512 MiB), which drop_caches does not touch. So, for crfs, also a read of data
# this client has never seen: a second mount (another client) writes the file, then the first
# mount reads it after drop_caches.
echo "== crfs, data written by another client"
mkdir -p "$W/crfs-b"
nohup "$ROOT/crfs" mount 127.0.0.1:7391 "$W/crfs-b" >"$W/mount-b.log" 2>&1 &
for _ in $(seq 1 100); do grep -q " $W/crfs-b fuse" /proc/mounts && break; sleep 0.1; done
fio --name=otherw --directory="$W/crfs-b" --filename=other.dat --rw=write --bs=1M --size="$SIZE" --ioengine=psync \
    --end_fsync=1 --output-format=terse >/dev/null 2>&1
"$ROOT/crfs" umount "$W/crfs-b"
sync; echo 3 > /proc/sys/vm/drop_caches
fio --name=otherr --directory="$W/crfs" --filename=other.dat --rw=read --bs=1M --size="$SIZE" --ioengine=psync \
    --output-format=json --output="$W/otherr.json" >/dev/null 2>&1
python3 -c "import json,sys; j=json.load(open(sys.argv[1]))['jobs'][0]['read']; print(f'crfs-other    seqread    {j[\"bw_bytes\"]/1e6:9.1f} MB/s')" "$W/otherr.json"
