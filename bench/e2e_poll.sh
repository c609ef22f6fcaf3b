#!/usr/bin/env bash
# End-to-end throughput of `intake poll`: intake-sim jira serves N audit records over HTTPS, the
# shipped Jira package polls them into a fresh workspace. Prints events/s, MB/s of response
# bodies, CPU microseconds per event and the peak RSS of the intake process (the simulator runs in
# its own process and is not counted).
# Usage: bench/e2e_poll.sh [build-dir] [records]
set -euo pipefail
build=${1:-build}
records=${2:-1000000}
here=$(cd "$(dirname "$0")/.." && pwd)
. "$here/bench/lib.sh"

bench_cert

start=2024-01-01T00:00:00Z
end=2024-01-08T00:00:00Z   # 168 one-hour windows
"$build/intake-sim" jira --records "$records" --start "$start" --end "$end" --seed 3 \
  --tls-cert "$tmp/cert.pem" --tls-key "$tmp/key.pem" --threads 2 >"$tmp/sim.out" 2>"$tmp/sim.err" &
sim_pid=$!
url=$(bench_wait_url "$tmp/sim.out" "$tmp/sim.err" simulator)
domain=${url#https://}

/usr/bin/time -f "%e %U %S %M" -o "$tmp/time" ${INTAKE_WRAP:-} "$build/intake" poll "$here/connectors/atlassian-jira-audit" \
  --param "domain=$domain" --param username=admin@example.com --param password=sim-token \
  --from "$start" --to "$end" --workspace "$tmp/ws.db" --ca-file "$tmp/cert.pem" >"$tmp/poll.out" 2>"$tmp/poll.err" ||
  { echo "poll failed:"; cat "$tmp/poll.err"; exit 1; }

read -r elapsed user sys rss_kb <"$tmp/time"
events=$(sed -n 's/^done .* events=\([0-9]*\) .*/\1/p' "$tmp/poll.out")
bytes=$(curl -s --cacert "$tmp/cert.pem" "$url/_sim/stats" | sed -n 's/.*"bytes_served":\([0-9]*\).*/\1/p')
sim_cpu=$(awk -v hz="$(getconf CLK_TCK)" '{ printf "%.2f", ($14 + $15) / hz }' "/proc/$sim_pid/stat")
rows=$(sqlite3 "$tmp/ws.db" 'select count(*) from AtlassianJiraAudit_CL' 2>/dev/null || echo "?")
awk -v e="$events" -v t="$elapsed" -v u="$user" -v s="$sys" -v r="$rss_kb" -v b="${bytes:-0}" -v n="$records" -v rows="$rows" -v sc="$sim_cpu" 'BEGIN {
  printf "e2e poll: records=%d events=%d rows=%s wall=%.2fs events/s=%.0f", n, e, rows, t, e / t;
  if (b > 0) printf " MB/s=%.1f", b / 1e6 / t;
  printf " cpu_us/event=%.2f (user %.2f, system %.2f) peak_rss_mb=%.1f sim_cpu_s=%s\n", (u + s) * 1e6 / e, u * 1e6 / e, s * 1e6 / e, r / 1024, sc;
}'
