#!/usr/bin/env bash
# Runs every benchmark against a Release build: the Google Benchmark micro-benchmarks, then the
# end-to-end poll at two record counts (to show that peak RSS does not grow with the count).
# Usage: bench/run.sh [build-dir]
set -euo pipefail
build=${1:-build}
here=$(cd "$(dirname "$0")" && pwd)
for b in "$build"/bench/bench_*_bench; do
  [ -x "$b" ] || continue
  echo "== $(basename "$b")"
  "$b" --benchmark_min_time=1
done
echo "== end to end"
"$here/e2e_poll.sh" "$build" 100000
"$here/e2e_poll.sh" "$build" 1000000
