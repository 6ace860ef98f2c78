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
mkdir -p "$W/crfs" "$W/loop"
cleanup() {
  "$ROOT/crfs" umount "$W/crfs" 2>/dev/null || true
  pkill -f "serve $W/crfs.img" 2>/dev/null || true
  mountpoint -q "$W/loop" && umount "$W/loop"
  sleep 1; rm -rf "$W"
}
trap cleanup EXIT
"$ROOT/crfs" --version >/dev/null
"$ROOT/crfs" mkfs "$W/crfs.img" --size 8G >/dev/null
nohup "$ROOT/crfs" serve "$W/crfs.img" --listen 127.0.0.1:7392 >"$W/serve.log" 2>&1 &
for _ in $(seq 1 100); do grep -q serving "$W/serve.log" 2>/dev/null && break; sleep 0.1; done
nohup "$ROOT/crfs" mount 127.0.0.1:7392 "$W/crfs" >"$W/mount.log" 2>&1 &
for _ in $(seq 1 100); do grep -q " $W/crfs fuse" /proc/mounts && break; sleep 0.1; done
truncate -s 8G "$W/loop.img" && mkfs.btrfs -q -f "$W/loop.img" >/dev/null && mount -o loop "$W/loop.img" "$W/loop"
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
