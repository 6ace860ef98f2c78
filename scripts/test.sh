#!/usr/bin/env bash
# The whole test suite, as CI runs it: machine packages, every module's tests, then the
# launcher's quick start in a scratch copy of the tree (scripts/launcher-smoke.sh; skipped when
# Maven arguments are given).
# System tests (tag "system") need root, loop devices and btrfs-progs; they skip themselves
# elsewhere. Extra Maven arguments pass through (e.g. -Dcrfs.bigImport=true, -pl cli -am).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
export JAVA_HOME="${CRFS_JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}"
export PATH="$JAVA_HOME/bin:$PATH"
export MAVEN_OPTS="${MAVEN_OPTS:---sun-misc-unsafe-memory-access=allow}"
export LC_ALL=C.UTF-8

scripts/install-deps.sh
scripts/fuse-uring.sh
# FuseRequestCountTest counts a mount's requests with the kernel's FUSE tracepoints; a fresh
# machine may not have tracefs mounted (the test skips itself where it cannot be)
T=/sys/kernel/tracing
if [ "$(id -u)" -eq 0 ] && [ -d "$T" ] && [ ! -d "$T/events" ]; then
  mount -t tracefs nodev "$T" 2>/dev/null || echo "test: could not mount tracefs at $T; FuseRequestCountTest will skip" >&2
fi
set +e
mvn -B -ntp test "$@" 2>&1 | tee target-test.log
rc=${PIPESTATUS[0]}
# the README's quick start through the launcher (./crfs up, a file through ./mnt, ./crfs down);
# not when Maven arguments pick a part of the suite
smoke=0
if [ $# -eq 0 ]; then
  scripts/launcher-smoke.sh 2>&1 | tee -a target-test.log
  smoke=${PIPESTATUS[0]}
fi
set -e
echo
echo "==== test summary (full log: target-test.log) ===="
grep -E '^\[(INFO|WARNING|ERROR)\] (Tests run:.*Time elapsed|Tests run: [0-9]+, Failures: [0-9]+, Errors: [0-9]+, Skipped: [0-9]+$)|BUILD (SUCCESS|FAILURE)|crfs-[a-z]+ .*(SUCCESS|FAILURE|SKIPPED)|^launcher-smoke:' target-test.log || true
[ "$rc" = 0 ] || exit "$rc"
exit "$smoke"
