#!/usr/bin/env bash
# crfs's FUSE mount against a kernel btrfs loop mount and sshfs over loopback, in one run, with
# the shared peer workloads (../shared/bench-peers): fio (seq 1 MiB write/read, 4 KiB random)
# and the metadata suite (create/stat/readdir/unlink of N files, tar xf + rm -rf of /usr/include).
# Needs root. Usage: bench/fuse-vs-peers.sh [N files] ; env SIZE (fio file, default 512M), RUNTIME (s, default 10),
# ROUNDS (default 2: every file system runs both suites again, labelled NAME-r2; crfs's first round
# is a fresh crfsd and mount, just ready (each rehearses common work at start, but the JIT is still
# compiling what the rehearsal did not reach), the second shows a mount in use).
# FUSE-over-io_uring is turned on first (scripts/fuse-uring.sh), as `crfs up` does.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PEERS="${PEERS:-$ROOT/../shared/bench-peers}"
export JAVA_HOME=/usr/lib/jvm/temurin-25-jdk-amd64
export SIZE="${SIZE:-512M}" RUNTIME="${RUNTIME:-10}" PEER_WORK="${PEER_WORK:-/var/tmp/crfs-peers}"
N="${1:-10000}"
ROUNDS="${ROUNDS:-2}"
bash "$ROOT/scripts/fuse-uring.sh"
command -v fio >/dev/null || apt-get install -y -q fio >/dev/null
W=$(mktemp -d /var/tmp/crfs-fusebench.XXXXXX)
mkdir -p "$W/ssh" "$W/export"
# shellcheck source=bench/lib.sh
. "$ROOT/bench/lib.sh"
cleanup() {
  bash "$PEERS/setup-sshfs.sh" down "$W/export" "$W/ssh" >/dev/null 2>&1 || true
  bench_cleanup
}
trap cleanup EXIT
bench_crfs 7391 "$W/crfs"
bench_loop
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
bench_mount 7391 "$W/crfs-b"
fio --name=otherw --directory="$W/crfs-b" --filename=other.dat --rw=write --bs=1M --size="$SIZE" --ioengine=psync \
    --end_fsync=1 --output-format=terse >/dev/null 2>&1
"$ROOT/crfs" umount "$W/crfs-b"
sync; echo 3 > /proc/sys/vm/drop_caches
fio --name=otherr --directory="$W/crfs" --filename=other.dat --rw=read --bs=1M --size="$SIZE" --ioengine=psync \
    --output-format=json --output="$W/otherr.json" >/dev/null 2>&1
python3 -c "import json,sys; j=json.load(open(sys.argv[1]))['jobs'][0]['read']; print(f'crfs-other    seqread    {j[\"bw_bytes\"]/1e6:9.1f} MB/s')" "$W/otherr.json"
