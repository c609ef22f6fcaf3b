#!/usr/bin/env bash
# Load on intake's receivers: wrk posts 100-record batches to the HTTP Data Collector API
# (/api/logs, SharedKey-signed; the signature covers the body's length and the date, so one
# signed request stays valid for the run) or to the Logs Ingestion API, for SECONDS seconds over
# CONNECTIONS connections, into the embedded workspace. Prints events/s, latency p50/p99, errors
# and the daemon's RSS before and after.
# Usage: bench/receive_load.sh [build-dir] [seconds] [connections] [dc|li]
set -euo pipefail
build=${1:-build}
seconds=${2:-60}
connections=${3:-16}
api=${4:-dc}
here=$(cd "$(dirname "$0")/.." && pwd)
command -v wrk >/dev/null || { echo "wrk is not installed (scripts/setup installs it)" >&2; exit 1; }
. "$here/bench/lib.sh"

workspace_id=5f0e3a52-2f1c-4cc6-9b7e-0d3c2a1b4e6f
key=$(printf 'benchmark workspace key 0123456789abcdef' | base64 -w0)
dcr=dcr-7e1c9a40b2d34f5e8a6b0c1d2e3f4a5b
token=bench-ingest-token-5e2c
cat >"$tmp/intake.yaml" <<YAML
workspace: ws.db
listen: 127.0.0.1:0
receivers:
  threads: 4
  dataCollector:
    workspaceId: $workspace_id
    sharedKeys: ["$key"]
  logsIngestion:
    tokens: ["$token"]
    rules:
      - immutableId: $dcr
        package: $here/connectors/darktrace
connectors: []
YAML
"$build/intake" run --config "$tmp/intake.yaml" >"$tmp/run.out" 2>"$tmp/run.err" &
sim_pid=$!  # the daemon: stopped on exit by lib.sh
url=$(bench_wait_url "$tmp/run.out" "$tmp/run.err" "intake run")

# 100 records of about 400 bytes each.
python3 - "$tmp/body.json" "$api" <<'PY'
import json, sys
path, api = sys.argv[1], sys.argv[2]
rows = []
for i in range(100):
    if api == "dc":
        rows.append({"uuid": "00000000-0000-4000-8000-%012d" % i, "dtProduct": "Policy Breach", "modelName": "Anomalous Connection / Data Sent to Rare Domain",
                     "score": i / 100.0, "SourceIP": "10.0.0.%d" % (i % 250), "hostname": "host-%d.corp.example" % i,
                     "timestamp": "2026-01-01T00:00:%02dZ" % (i % 60), "compliance": i % 2 == 0, "tags": ["a", "b"],
                     "triggeredComponents": [{"cid": i, "metric": "externalclientdatatransfervolume"}]})
    else:
        rows.append({"alertTime": "2026-01-01T00:00:%02dZ" % (i % 60), "uuid": "00000000-0000-4000-8000-%012d" % i,
                     "modelName": "Anomalous Connection / Data Sent to Rare Domain", "score": i, "sourceIp": "10.0.0.%d" % (i % 250),
                     "deviceHostname": "host-%d.corp.example" % i, "mitreTechniques": ["T1071"], "darktraceProduct": "Policy Breach"})
open(path, "w").write(json.dumps(rows, separators=(",", ":")))
PY
length=$(stat -c %s "$tmp/body.json")
if [ "$api" = dc ]; then
  date=$(LC_ALL=C date -u '+%a, %d %b %Y %H:%M:%S GMT')
  hexkey=$(printf '%s' "$key" | base64 -d | od -An -tx1 | tr -d ' \n')
  signature=$(printf 'POST\n%s\napplication/json\nx-ms-date:%s\n/api/logs' "$length" "$date" |
    openssl dgst -sha256 -mac HMAC -macopt "hexkey:$hexkey" -binary | base64 -w0)
  path="/api/logs?api-version=2016-04-01"
  headers="wrk.headers['Log-Type'] = 'BenchLoad'
wrk.headers['x-ms-date'] = '$date'
wrk.headers['Authorization'] = 'SharedKey $workspace_id:$signature'"
  table=BenchLoad_CL
  expect=200
else
  path="/dataCollectionRules/$dcr/streams/Custom-DarktraceModelAlerts?api-version=2023-01-01"
  headers="wrk.headers['Authorization'] = 'Bearer $token'"
  table=DarktraceModelAlerts_CL
  expect=204
fi
cat >"$tmp/post.lua" <<LUA
local f = io.open("$tmp/body.json", "rb")
wrk.method = "POST"
wrk.body = f:read("*all")
f:close()
wrk.headers['Content-Type'] = 'application/json'
$headers
local bad = 0
response = function(status, headers, body)
  if status ~= $expect then bad = bad + 1 end
end
done = function(summary, latency, requests)
  io.write(string.format("wrk: requests=%d non_%d=%d p50_ms=%.2f p99_ms=%.2f max_ms=%.2f socket_errors=%d\n",
    summary.requests, $expect, bad, latency:percentile(50) / 1000, latency:percentile(99) / 1000, latency.max / 1000,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
end
LUA
rss_before=$(awk '/VmRSS/ {print $2}' "/proc/$sim_pid/status")
wrk -t 2 -c "$connections" -d "${seconds}s" --latency -s "$tmp/post.lua" "$url$path" >"$tmp/wrk.out" 2>&1 ||
  { cat "$tmp/wrk.out"; exit 1; }
rss_after=$(awk '/VmRSS/ {print $2}' "/proc/$sim_pid/status")
hwm=$(awk '/VmHWM/ {print $2}' "/proc/$sim_pid/status")
cpu=$(awk -v hz="$(getconf CLK_TCK)" '{ printf "%.1f", ($14 + $15) / hz }' "/proc/$sim_pid/stat")
line=$(grep '^wrk:' "$tmp/wrk.out")
requests=$(echo "$line" | sed -n 's/.*requests=\([0-9]*\).*/\1/p')
rows=$(sqlite3 "$tmp/ws.db" "select count(*) from $table" 2>/dev/null || echo "?")
awk -v r="$requests" -v s="$seconds" -v rows="$rows" -v b="$rss_before" -v a="$rss_after" -v h="$hwm" -v cpu="$cpu" -v api="$api" -v l="$line" 'BEGIN {
  printf "receive load (%s): %s\n", api, l;
  printf "receive load (%s): events/s=%.0f rows=%s rss_before_mb=%.1f rss_after_mb=%.1f peak_rss_mb=%.1f daemon_cpu_s=%s\n",
    api, r * 100 / s, rows, b / 1024, a / 1024, h / 1024, cpu;
}'
