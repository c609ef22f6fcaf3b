#!/usr/bin/env bash
# Office 365 audit end to end: intake-sim o365 holds RECORDS audit records in BLOBS content blobs
# over the last two days (five content types, every subscription enabled); `intake poll` runs the
# shipped package (hourly windows, NextPageUri listing, the nested blob-fetch step) into a fresh
# workspace, once per blob-fetch concurrency given. The step's maxParallelism is set in a copy of
# the package made for each run. SLOW_MS (default 20) delays every simulator answer, standing in
# for the network latency that concurrency hides. Prints events/s, CPU µs/event and the peak RSS
# of the intake process.
# Usage: bench/o365_fetch.sh [build-dir] [records] [blobs] [concurrency...]
set -euo pipefail
build=${1:-build}
records=${2:-1000000}
blobs=${3:-2000}
shift $(($# < 3 ? $# : 3))
concurrencies=("$@")
[ ${#concurrencies[@]} -gt 0 ] || concurrencies=(1 4 16)
slow_ms=${SLOW_MS:-20}
here=$(cd "$(dirname "$0")/.." && pwd)
. "$here/bench/lib.sh"

bench_cert

now=$(date -u +%s)
end=$(date -u -d "@$(((now - 900) / 3600 * 3600))" +%Y-%m-%dT%H:%M:%SZ)
start=$(date -u -d "@$(((now - 900) / 3600 * 3600 - 48 * 3600))" +%Y-%m-%dT%H:%M:%SZ)
secret=bench-o365-secret
"$build/intake-sim" o365 --records "$records" --blobs "$blobs" --start "$start" --end "$end" --subscribed all \
  --client-secret "$secret" --slow-ms "$slow_ms" --threads 4 \
  --tls-cert "$tmp/cert.pem" --tls-key "$tmp/key.pem" >"$tmp/sim.out" 2>"$tmp/sim.err" &
sim_pid=$!
url=$(bench_wait_url "$tmp/sim.out" "$tmp/sim.err" simulator)
domain=${url#https://}

for c in "${concurrencies[@]}"; do
  pkg="$tmp/pkg-$c"
  rm -rf "$pkg" "$tmp/ws.db" "$tmp/ws.db-wal" "$tmp/ws.db-shm"
  cp -r "$here/connectors/office365-management-activity" "$pkg"
  sed -i "s/\"maxParallelism\": [0-9]*/\"maxParallelism\": $c/" "$pkg/definition.json"
  /usr/bin/time -f "%e %U %S %M" -o "$tmp/time" ${INTAKE_WRAP:-} "$build/intake" poll "$pkg" \
    --param "apiHost=$domain" --param "loginHost=$domain" --param tenantId=72f988bf-86f1-41af-91ab-2d7cd011db47 \
    --param clientId=3f1c4b0e-6a2d-4c8e-9a57-1b2c3d4e5f60 --param "clientSecret=$secret" \
    --from "$start" --to "$end" --workspace "$tmp/ws.db" --ca-file "$tmp/cert.pem" >"$tmp/poll.out" 2>"$tmp/poll.err" ||
    { echo "poll failed:"; tail -5 "$tmp/poll.err"; exit 1; }
  read -r elapsed user sys rss_kb <"$tmp/time"
  rows=$(sqlite3 "$tmp/ws.db" 'select count(*) from Office365Audit_CL')
  awk -v c="$c" -v n="$records" -v b="$blobs" -v rows="$rows" -v t="$elapsed" -v u="$user" -v s="$sys" -v r="$rss_kb" -v ms="$slow_ms" 'BEGIN {
    printf "o365: records=%d blobs=%d concurrency=%d slow_ms=%d rows=%d wall=%.2fs events/s=%.0f cpu_us/event=%.2f peak_rss_mb=%.1f\n",
      n, b, c, ms, rows, t, rows / t, (u + s) * 1e6 / rows, r / 1024;
  }'
done
