#!/usr/bin/env bash
# Client API against crfsd on loopback, with a local-volume baseline from the same run.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export JAVA_HOME=/usr/lib/jvm/temurin-25-jdk-amd64
cd "$ROOT" && mvn -q -B -DskipTests package -pl bench -am >/dev/null
exec "$JAVA_HOME/bin/java" -Xmx4g -cp "bench/target/crfs-bench-0.1.0-SNAPSHOT.jar:bench/target/lib/*" io.crfs.bench.ClientBench "$@"
