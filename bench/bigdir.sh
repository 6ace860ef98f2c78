#!/usr/bin/env bash
# One large directory, crfs's FUSE mount against a kernel btrfs loop mount in the same run: N files
# created in one directory in STEPS equal steps (files/s per step, so a cost that grows with the
# directory shows as a falling rate), then stat of all, rename of one step's worth, readdir, and
# unlink of the rest. Prints each phase's rate per file system and crfs's ratio to the loop mount.
# Needs root. Usage: bench/bigdir.sh [N files, default 100000] [STEPS, default 10]
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export JAVA_HOME=/usr/lib/jvm/temurin-25-jdk-amd64
N="${1:-100000}"
STEPS="${2:-10}"
bash "$ROOT/scripts/fuse-uring.sh"
W=$(mktemp -d /var/tmp/crfs-bigdir.XXXXXX)
# shellcheck source=bench/lib.sh
. "$ROOT/bench/lib.sh"
trap bench_cleanup EXIT
bench_crfs 7392 "$W/crfs"
bench_loop
for fs in loop crfs; do
  python3 - "$W/$fs/big" "$fs" "$N" "$STEPS" <<'PY'
import os, sys, time
d, label, n, steps = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
per = n // steps
os.makedirs(d)
def rate(count, f):
    t = time.perf_counter(); f(); return count / (time.perf_counter() - t)
def create(s):
    for i in range(per):
        os.close(os.open(f"{d}/f{s}_{i}", os.O_CREAT | os.O_WRONLY, 0o644))
steps_out = [rate(per, lambda s=s: create(s)) for s in range(steps)]
print(f"{label:5} create/s by step " + " ".join(f"{r:.0f}" for r in steps_out), flush=True)
res = {"create-first": steps_out[0], "create-last": steps_out[-1]}
res["stat"] = rate(per * steps, lambda: [os.stat(f"{d}/f{s}_{i}") for s in range(steps) for i in range(per)])
res["rename"] = rate(per, lambda: [os.rename(f"{d}/f0_{i}", f"{d}/g{i}") for i in range(per)])
res["readdir"] = rate(per * steps, lambda: os.listdir(d))
res["unlink"] = rate(per * (steps - 1), lambda: [os.unlink(f"{d}/f{s}_{i}") for s in range(1, steps) for i in range(per)])
for k, v in res.items():
    print(f"{label:5} {k:13} {v:12.0f} /s")
PY
done | tee "$W/out.txt"
python3 - "$W/out.txt" <<'PY'
import sys
r = {}
for line in open(sys.argv[1]):
    p = line.split()
    if len(p) == 4 and p[3] == "/s":
        r.setdefault(p[1], {})[p[0]] = float(p[2])
print("ratio crfs/loop: " + ", ".join(f"{k} {v['crfs'] / v['loop']:.2f}x" for k, v in r.items() if len(v) == 2))
for fs in ("loop", "crfs"):
    print(f"{fs}: last create step / first: {r['create-last'][fs] / r['create-first'][fs]:.2f}")
PY
