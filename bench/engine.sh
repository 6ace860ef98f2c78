#!/usr/bin/env bash
# JMH benchmarks of the volume engine. Extra arguments go to JMH (e.g. -wi 1 -i 2).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export JAVA_HOME=/usr/lib/jvm/temurin-25-jdk-amd64
cd "$ROOT" && mvn -q -B -DskipTests package -pl bench -am >/dev/null
exec "$JAVA_HOME/bin/java" -cp "bench/target/crfs-bench-0.1.0-SNAPSHOT.jar:bench/target/lib/*" org.openjdk.jmh.Main EngineBench "$@"
