#!/usr/bin/env bash
# Lets FUSE servers use io_uring (Linux 6.14+): crfs mounts then answer each request on the
# CPU that made it (one queue per CPU) instead of waking a thread on another CPU. The kernel
# leaves this off until an administrator turns it on; this script turns it on when run as
# root, and says why when it cannot. Mounts work either way (over /dev/fuse without it).
set -uo pipefail
P=/sys/module/fuse/parameters/enable_uring
if [ ! -e "$P" ]; then
  modprobe fuse 2>/dev/null || true
fi
if [ ! -e "$P" ]; then
  echo "fuse-uring: this kernel has no FUSE-over-io_uring ($P missing); crfs mounts use /dev/fuse" >&2
  exit 0
fi
[ "$(cat "$P")" = Y ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
  echo "fuse-uring: FUSE-over-io_uring is off; as root: echo Y > $P (crfs mounts use /dev/fuse meanwhile)" >&2
  exit 0
fi
echo Y >"$P" && echo "fuse-uring: turned on FUSE-over-io_uring ($P)" >&2
exit 0
