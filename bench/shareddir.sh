#!/usr/bin/env bash
# One directory shared by two clients: two crfs mounts of one server take turns creating files in
# it (each create through the other mount than the last, so the directory's grant changes hands
# every time) while bulk creates through one mount make it grow; then the second mount lists it.
# Baseline in the same run: the same steps on a kernel btrfs loop mount (both "clients" are that
# mount). Prints turns/s by directory size and crfs's ratio to the loop mount.
# With BIG=N (env), also one directory of N names made through one crfs mount, then a stat in it and
# its listing through the other (a directory over 32 MiB of items did not fit one grant before).
# Needs root. Usage: bench/shareddir.sh [STEPS, default 6] [BULK per step, default 10000] [TURNS per step, default 400]
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export JAVA_HOME=/usr/lib/jvm/temurin-25-jdk-amd64
STEPS="${1:-6}"
BULK="${2:-10000}"
TURNS="${3:-400}"
BIG="${BIG:-0}"
bash "$ROOT/scripts/fuse-uring.sh"
W=$(mktemp -d /var/tmp/crfs-shareddir.XXXXXX)
# shellcheck source=bench/lib.sh
. "$ROOT/bench/lib.sh"
trap bench_cleanup EXIT
bench_crfs 7393 "$W/a" "$W/b"
bench_loop
run() { # label, mount A, mount B
  python3 - "$1" "$2" "$3" "$STEPS" "$BULK" "$TURNS" <<'PY'
import os, sys, time
label, a, b, steps, bulk, turns = sys.argv[1], sys.argv[2], sys.argv[3], *map(int, sys.argv[4:])
os.makedirs(f"{a}/d")
out = []
for s in range(steps):
    t = time.perf_counter()
    for i in range(turns):
        m = a if i % 2 == 0 else b
        os.close(os.open(f"{m}/d/t{s}_{i}", os.O_CREAT | os.O_WRONLY, 0o644))
    out.append((len(os.listdir(f"{a}/d")), turns / (time.perf_counter() - t)))
    for i in range(bulk):
        os.close(os.open(f"{a}/d/b{s}_{i}", os.O_CREAT | os.O_WRONLY, 0o644))
print(f"{label:5} turns/s at size " + " ".join(f"{n}:{r:.0f}" for n, r in out), flush=True)
for k, (n, r) in enumerate(out):
    print(f"{label:5} turns-{k} {r:.0f} /s")
t = time.perf_counter()
n = len(os.listdir(f"{b}/d"))
print(f"{label:5} list-by-other {n / (time.perf_counter() - t):.0f} /s")
PY
}
{ run loop "$W/loop" "$W/loop"; run crfs "$W/a" "$W/b"; } | tee "$W/out.txt"
python3 - "$W/out.txt" <<'PY'
import sys
r = {}
for line in open(sys.argv[1]):
    p = line.split()
    if len(p) == 4 and p[3] == "/s":
        r.setdefault(p[1], {})[p[0]] = float(p[2])
print("ratio crfs/loop: " + ", ".join(f"{k} {v['crfs'] / v['loop']:.3f}x" for k, v in r.items() if len(v) == 2))
PY
if [ "$BIG" -gt 0 ]; then
  python3 - "$W/a" "$W/b" "$BIG" <<'PY'
import os, sys, time
a, b, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
os.makedirs(f"{a}/big")
t = time.perf_counter()
for i in range(n):
    os.close(os.open(f"{a}/big/some-longer-file-name-{i}", os.O_CREAT | os.O_WRONLY, 0o644))
print(f"crfs  big: {n} names created through one mount at {n / (time.perf_counter() - t):.0f}/s", flush=True)
t = time.perf_counter()
os.stat(f"{b}/big/some-longer-file-name-7")
print(f"crfs  big: first stat through the other mount {1e3 * (time.perf_counter() - t):.0f} ms", flush=True)
t = time.perf_counter()
k = len(os.listdir(f"{b}/big"))
print(f"crfs  big: the other mount lists {k} names in {time.perf_counter() - t:.1f} s")
PY
fi
