#!/usr/bin/env bash
# crfs import of a tree against mkfs.btrfs --rootdir and cp -a into a kernel loop mount, in one
# run on the same source; prints seconds and ratios (crfs / baseline). Needs root.
# Usage: bench/import-vs-kernel.sh [SRC...]   (default: /usr/include /usr/share/doc)
set -euo pipefail
command -v bc >/dev/null || apt-get install -y -qq bc >/dev/null
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export JAVA_HOME=/usr/lib/jvm/temurin-25-jdk-amd64
SRCS=("$@")
[ ${#SRCS[@]} -gt 0 ] || SRCS=(/usr/include /usr/share/doc)
WORK=$(mktemp -d /var/tmp/crfs-importbench.XXXXXX)
MNT="$WORK/mnt"
cleanup() { mountpoint -q "$MNT" && umount "$MNT"; rm -rf "$WORK"; }
trap cleanup EXIT
mkdir -p "$WORK/src" "$MNT"
for s in "${SRCS[@]}"; do cp -a "$s" "$WORK/src/"; done
entries=$(find "$WORK/src" | wc -l); bytes=$(du -sb "$WORK/src" | cut -f1)
echo "source: $entries entries, $bytes bytes (${SRCS[*]})"
"$ROOT/crfs" --version >/dev/null   # build first, outside the timings
now() { date +%s.%N; }
# every tool starts with the source in the page cache (read once before each run), the same for all
warm() { sync; tar cf - "$WORK/src" 2>/dev/null | cat >/dev/null; }

warm; t0=$(now); "$ROOT/crfs" mkfs "$WORK/crfs.img" --size 4G --rootdir "$WORK/src" >/dev/null; sync; t1=$(now)
crfs_s=$(echo "$t1 - $t0" | bc)

truncate -s 4G "$WORK/rootdir.img"
warm; t0=$(now); mkfs.btrfs -q -f --rootdir "$WORK/src" "$WORK/rootdir.img" >/dev/null; sync; t1=$(now)
rootdir_s=$(echo "$t1 - $t0" | bc)

truncate -s 4G "$WORK/cp.img"
warm; t0=$(now); mkfs.btrfs -q -f "$WORK/cp.img" >/dev/null; mount -o loop "$WORK/cp.img" "$MNT"
cp -a "$WORK/src/." "$MNT/"; umount "$MNT"; sync; t1=$(now)
cp_s=$(echo "$t1 - $t0" | bc)

btrfs check --readonly "$WORK/crfs.img" >/dev/null 2>&1 && echo "crfs image: btrfs check clean"
printf '| tool | seconds | crfs / tool |\n|---|---|---|\n'
printf '| crfs mkfs --rootdir (one JVM, start-up included) | %.2f | 1.00 |\n' "$crfs_s"
printf '| mkfs.btrfs --rootdir | %.2f | %.2f |\n' "$rootdir_s" "$(echo "$crfs_s / $rootdir_s" | bc -l)"
printf '| mkfs.btrfs + cp -a into a loop mount + umount | %.2f | %.2f |\n' "$cp_s" "$(echo "$crfs_s / $cp_s" | bc -l)"
