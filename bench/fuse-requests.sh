#!/usr/bin/env bash
# How many FUSE requests each kind of work costs on a crfs mount, counted by the kernel itself
# (the fuse_request_send tracepoint), per phase: N creates (open O_CREAT|O_EXCL + close, as the
# peers' metadata suite does), N stats after drop_caches, N unlinks, tar xf of /usr/include, a
# 64 MiB write in 1 MiB blocks with fsync, and its read after drop_caches. Every synchronous
# request is a round trip between the caller and the mount, two process switches on this machine,
# so this is the floor under the metadata timings of fuse-vs-peers.sh. Needs root and tracefs.
# Usage: bench/fuse-requests.sh [N files, default 1000]
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export JAVA_HOME=/usr/lib/jvm/temurin-25-jdk-amd64
N="${1:-1000}"
T=/sys/kernel/tracing
W=$(mktemp -d /var/tmp/crfs-fusereq.XXXXXX)
# shellcheck source=bench/lib.sh
. "$ROOT/bench/lib.sh"
EV="$T/events/fuse/fuse_request_send"
cleanup() {
  [ ! -w "$EV/enable" ] || { echo 0 >"$EV/enable"; echo 0 >"$EV/filter"; } 2>/dev/null || true
  bench_cleanup
}
trap cleanup EXIT
[ -d "$T/events" ] || mount -t tracefs nodev "$T" 2>/dev/null || true
[ -w "$EV/enable" ] || bench_die "the kernel's fuse_request_send tracepoint is not at $EV (needs root, tracefs and a kernel with FUSE trace events)"
TARBALL="${TARBALL:-/var/tmp/crfs-peers/src-usr-include.tar}"
[ -f "$TARBALL" ] || { mkdir -p "$(dirname "$TARBALL")"; tar -C /usr -cf "$TARBALL" include; }

bench_crfs 7393 "$W/m"
# only this mount's connection: the kernel numbers it by its device, major 0, so by the minor
echo "connection == $(mountpoint -d "$W/m" | cut -d: -f2)" >"$EV/filter"

# Runs the shell command $2 with the tracepoint on and prints the requests it sent, per opcode,
# with their number per item ($3 items).
phase() { # NAME COMMAND ITEMS
  sync; echo 3 >/proc/sys/vm/drop_caches
  echo >"$T/trace"; echo 1 >"$EV/enable"
  local t0 t1; t0=$(date +%s.%N); bash -c "$2"; t1=$(date +%s.%N)
  echo 0 >"$EV/enable"
  grep -o '(FUSE_[A-Z_0-9]*)' "$T/trace" | tr -d '()' | sort | uniq -c | sort -rn |
    awk -v name="$1" -v n="$3" -v s="$(echo "$t1 - $t0" | bc)" '
      { tot += $1; row[NR] = sprintf("    %-22s %8d  %7.2f per item", $2, $1, $1 / n) }
      END { printf "%-10s %7d items %7.2f s  %8d requests  %6.2f per item\n", name, n, s, tot, tot / n;
            for (i = 1; i <= NR; i++) print row[i] }'
}
py() { echo "python3 -c 'import os; d=\"$W/m/d\"; $1'"; }
mkdir "$W/m/d"
phase create "$(py "[os.close(os.open(f\"{d}/f{i:06d}\", os.O_CREAT|os.O_EXCL|os.O_WRONLY, 0o644)) for i in range($N)]")" "$N"
phase stat-cold "$(py "[os.stat(f\"{d}/f{i:06d}\") for i in range($N)]")" "$N"
phase unlink "$(py "[os.unlink(f\"{d}/f{i:06d}\") for i in range($N)]")" "$N"
entries=$(tar tf "$TARBALL" | wc -l)
mkdir "$W/m/t"
phase tar-xf "tar -C '$W/m/t' -xf '$TARBALL'" "$entries"
phase write-1M "dd if=/dev/zero of='$W/m/big' bs=1M count=64 conv=fsync status=none" 64
phase read-1M "dd if='$W/m/big' of=/dev/null bs=1M status=none" 64
