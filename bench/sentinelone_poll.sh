#!/usr/bin/env bash
# SentinelOne end to end with the vendor's published definition (from the CCP corpus beside the
# checkout, or $INTAKE_SHARED_DIR/corpus/ccp): intake-sim sentinelone serves N threats (about
# 1.5 KB of JSON each) over 24 hours; `intake poll` runs the threats connection (5-minute windows,
# cursor paging) into a fresh workspace. Prints events/s, CPU µs per event and the peak RSS of
# the intake process. With "compact" the threats carry their main members only (about 1.5 KB).
# Usage: bench/sentinelone_poll.sh [build-dir] [threats] [full|compact]
set -euo pipefail
build=${1:-build}
threats=${2:-1000000}
detail=${3:-full}
case "$detail" in full) compact= ;; compact) compact=--compact-threats ;; *) echo "unknown threat detail $detail (full or compact)" >&2; exit 2 ;; esac
here=$(cd "$(dirname "$0")/.." && pwd)
corpus=${INTAKE_SHARED_DIR:-$here/../shared}/corpus/ccp
definition="$corpus/SentinelOne/PollerConfig.json"
[ -f "$definition" ] || { echo "skipped: $definition is absent (the CCP corpus is not beside this checkout)"; exit 0; }
. "$here/bench/lib.sh"
bench_cert

start=2024-03-01T00:00:00Z
end=2024-03-02T00:00:00Z   # 288 five-minute windows
"$build/intake-sim" sentinelone --threats "$threats" --records 10 --start "$start" --end "$end" --seed 4 --token bench-s1 $compact \
  --threads 2 --tls-cert "$tmp/cert.pem" --tls-key "$tmp/key.pem" >"$tmp/sim.out" 2>"$tmp/sim.err" &
sim_pid=$!
url=$(bench_wait_url "$tmp/sim.out" "$tmp/sim.err" simulator)

/usr/bin/time -f "%e %U %S %M" -o "$tmp/time" ${INTAKE_WRAP:-} "$build/intake" poll "$definition" \
  --connection SentinelOnePoller_threats_created_events --param "managementUrl=$url" --param apitoken=bench-s1 \
  --from "$start" --to "$end" --workspace "$tmp/ws.db" --ca-file "$tmp/cert.pem" >"$tmp/poll.out" 2>"$tmp/poll.err" ||
  { echo "poll failed:"; tail -5 "$tmp/poll.err"; exit 1; }
read -r elapsed user sys rss_kb <"$tmp/time"
rows=$(sqlite3 "$tmp/ws.db" 'select count(*) from SentinelOneThreats_API')
bytes=$(curl -s --cacert "$tmp/cert.pem" "$url/_sim/stats" | sed -n 's/.*"bytes_served":\([0-9]*\).*/\1/p')
awk -v n="$threats" -v rows="$rows" -v b="${bytes:-0}" -v detail="$detail" -v t="$elapsed" -v u="$user" -v s="$sys" -v r="$rss_kb" 'BEGIN {
  printf "sentinelone: threats=%d detail=%s rows=%d wall=%.2fs events/s=%.0f", n, detail, rows, t, rows / t;
  if (b > 0) printf " bytes/threat=%.0f", b / rows;
  printf " cpu_us/event=%.2f peak_rss_mb=%.1f\n", (u + s) * 1e6 / rows, r / 1024;
}'
