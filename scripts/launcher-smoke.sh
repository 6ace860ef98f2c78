#!/usr/bin/env bash
# The README's quick start, end to end, in a scratch copy of this working tree: `./crfs up`
# (build, AOT caches, a fresh volume, crfsd, the FUSE mount), a file written and read back
# through ./mnt, `./crfs down`, then btrfs check of the volume. The copy keeps a developer's
# own ./var, ./mnt and port 7070 out of it. Needs root and /dev/fuse; skips itself otherwise.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
if [ "$(id -u)" != 0 ] || [ ! -e /dev/fuse ]; then
  echo "launcher-smoke: skipped (needs root and /dev/fuse)"
  exit 0
fi
W="$(mktemp -d /tmp/crfs-launcher-smoke.XXXXXX)"
cleanup() {
  (cd "$W" && ./crfs down >/dev/null 2>&1) || true
  rm -rf "$W"
}
trap cleanup EXIT
# tracked files and untracked ones git does not ignore: what a checkout of this tree holds
# (outside a git checkout: everything but build output, volumes and mount points)
if git -C "$ROOT" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
  (cd "$ROOT" && git ls-files -z -co --exclude-standard | xargs -0 tar -cf - --ignore-failed-read) | tar -C "$W" -xf -
else
  tar -C "$ROOT" -cf - --exclude=./var --exclude=./mnt --exclude='*/target' --exclude=./target --exclude='*.img' . |
    tar -C "$W" -xf -
fi
cd "$W"
export CRFS_LISTEN=127.0.0.1:7079
started=$(date +%s)
./crfs up
if [ "${CRFS_AOT:-1}" != 0 ]; then  # the AOT caches and the warm start's class lists are in use
  for role in serve mount; do
    [ -s "cli/target/aot/$role.aot" ] && [ "$(wc -l <"cli/target/aot/$role.classes")" -gt 1000 ] ||
      { echo "launcher-smoke: ./crfs up left no AOT cache or class list for $role" >&2; exit 1; }
    pgrep -f "crfs.aot.classes=$W/cli/target/aot/$role.classes" >/dev/null ||
      { echo "launcher-smoke: the $role JVM does not start warm (no -Dcrfs.aot.classes)" >&2; exit 1; }
  done
fi
if [ "${CRFS_PRETOUCH:-1}" != 0 ]; then  # crfsd and the mount start with their heap touched
  for role in serve mount; do
    pgrep -f -- "-XX:\+AlwaysPreTouch .*io\.crfs\.cli\.Main $role .*$W" >/dev/null ||
      { echo "launcher-smoke: the $role JVM does not touch its heap at start (no -XX:+AlwaysPreTouch)" >&2; exit 1; }
  done
fi
echo "hello from the launcher smoke test" > mnt/hello
[ "$(cat mnt/hello)" = "hello from the launcher smoke test" ] || { echo "launcher-smoke: read back differs" >&2; exit 1; }
./crfs status "$CRFS_LISTEN" | grep -q "fuse:$W/mnt" || { echo "launcher-smoke: ./crfs status does not list the mount's session" >&2; exit 1; }
# the mount warms up after mounting, serving meanwhile (the file above went through it), and says so
for _ in $(seq 1 300); do grep -q "mounted at .*; warmed up in" var/mount.log && break; sleep 0.1; done
grep -q "mounted at .*; warmed up in" var/mount.log ||
  { cat var/mount.log >&2; echo "launcher-smoke: the mount did not report a finished warm-up within 30 s (log above)" >&2; exit 1; }
./crfs down
# quiet by default: a clean start and stop logs no warning (the warm start's included)
if grep -E "WARN|ERROR" var/crfsd.log var/mount.log >&2; then
  echo "launcher-smoke: crfsd or the mount logged the warnings above on a clean ./crfs up and down" >&2; exit 1
fi
btrfs check --readonly var/crfs.img >/dev/null 2>&1 || { btrfs check --readonly var/crfs.img >&2 || true; echo "launcher-smoke: btrfs check failed" >&2; exit 1; }
echo "launcher-smoke: ok ($(( $(date +%s) - started )) s: ./crfs up, a file through ./mnt, ./crfs down, btrfs check)"
