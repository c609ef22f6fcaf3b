#!/usr/bin/env bash
# CSV and gzip'd JSON responses end to end: intake-sim script serves N records (about 1.5 KB each,
# 30 fields) over 24 hours with offset paging, as CSV with a header row or as gzip'd JSON; a
# RestApiPoller definition written here (hourly windows, pages of 1,000, no DCR: the table's
# columns are inferred) polls them into a fresh workspace. Prints events/s, CPU µs per event and
# the peak RSS of the intake process, once per format.
# Usage: bench/formats_poll.sh [build-dir] [records] [csv|gzip ...]
set -euo pipefail
build=${1:-build}
records=${2:-1000000}
shift $(($# < 2 ? $# : 2))
formats=("$@")
[ ${#formats[@]} -gt 0 ] || formats=(csv gzip)
here=$(cd "$(dirname "$0")/.." && pwd)
. "$here/bench/lib.sh"
bench_cert

start=2024-05-01T00:00:00Z
end=2024-05-02T00:00:00Z
template='{"id": "evt-{{n}}", "time": "{{time}}", "host": "host-{{choice:alpha|beta|gamma|delta}}.corp.example.com",
  "user": "user{{choice:1|2|3|4|5|6|7|8}}@corp.example.com", "action": "{{choice:allow|block|alert}}",
  "src": "10.{{choice:1|2|3}}.{{choice:4|5|6}}.{{choice:7|8|9}}", "dst": "192.0.2.{{choice:10|20|30}}", "sport": "{{choice:443|8443|53}}",
  "dport": "{{choice:51234|51235|51236}}", "proto": "{{choice:tcp|udp}}", "rule": "rule-{{choice:100|200|300}}", "sha256": "{{hex}}{{hex}}{{hex}}{{hex}}",
  "process": "C:\\\\Program Files\\\\Vendor\\\\agent-{{choice:a|b|c}}.exe", "parent": "C:\\\\Windows\\\\System32\\\\services.exe",
  "cmd": "agent.exe --scan --profile {{choice:full|quick}} --target C:\\\\Users\\\\{{choice:ann|bob|eve}}\\\\Downloads --report json --upload https://reports.example.com/ingest",
  "tenant": "{{uuid}}", "session": "{{uuid}}", "device": "{{uuid}}", "policy": "{{uuid}}", "correlation": "{{uuid}}",
  "category": "{{choice:malware|phishing|lateral-movement|exfiltration}}", "severity": "{{choice:low|medium|high|critical}}",
  "country": "{{choice:DE|FR|US|JP|BR}}", "asn": "AS{{choice:3320|15169|13335}}", "bytes_in": "{{choice:1024|2048|4096}}",
  "bytes_out": "{{choice:512|8192|65536}}", "url": "https://{{choice:cdn|api|www}}.{{choice:example|sample|test}}.com/path/{{hex}}/resource?query={{hex}}&session={{uuid}}",
  "agent": "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36",
  "message": "Connection from {{choice:10.1.4.7|10.2.5.8|10.3.6.9}} to 192.0.2.{{choice:10|20|30}} was {{choice:allowed|blocked|flagged}} by the policy in effect for the tenant, after inspection of the stream and its certificate chain; see the portal for the full record.",
  "tags": "{{choice:vpn|office|remote}};{{choice:managed|byod}}"}'

for format in "${formats[@]}"; do
  case "$format" in
    csv) route_format='"format": "csv"'; response='"eventsJsonPaths": ["$"], "format": "csv", "hasCsvHeader": true' ;;
    gzip) route_format='"format": "json", "envelope": "$.data", "gzip": true'; response='"eventsJsonPaths": ["$.data"], "format": "json", "isGzipCompressed": true' ;;
    *) echo "unknown format $format (csv or gzip)" >&2; exit 2 ;;
  esac
  cat >"$tmp/script.json" <<JSON
{"auth": {"type": "apikey", "key": "bench-key", "header": "X-Api-Key"},
 "routes": [{"path": "/export", $route_format,
   "time_filter": {"start_param": "from", "end_param": "to", "format": "iso"},
   "paging": {"type": "offset", "param": "offset", "size_param": "limit", "max_page_size": 1000},
   "events": {"count": $records, "start": "$start", "end": "$end", "template": $template}}]}
JSON
  cat >"$tmp/definition.json" <<JSON
{"name": "BenchFormats", "kind": "RestApiPoller", "properties": {
  "dcrConfig": {"streamName": "Custom-BenchFormats"}, "dataType": "BenchFormats_CL",
  "auth": {"type": "APIKey", "ApiKey": "{{apiKey}}", "ApiKeyName": "X-Api-Key"},
  "request": {"apiEndpoint": "{{origin}}/export", "httpMethod": "GET", "queryWindowInMin": 60,
              "queryTimeFormat": "yyyy-MM-ddTHH:mm:ss.fffZ", "startTimeAttributeName": "from", "endTimeAttributeName": "to"},
  "paging": {"pagingType": "Offset", "offsetParaName": "offset", "pageSize": 1000, "pageSizeParaName": "limit"},
  "response": {$response}}}
JSON
  "$build/intake-sim" script "$tmp/script.json" --threads 2 --tls-cert "$tmp/cert.pem" --tls-key "$tmp/key.pem" \
    >"$tmp/sim.out" 2>"$tmp/sim.err" &
  sim_pid=$!
  url=$(bench_wait_url "$tmp/sim.out" "$tmp/sim.err" simulator)
  rm -f "$tmp/ws.db" "$tmp/ws.db-wal" "$tmp/ws.db-shm"
  /usr/bin/time -f "%e %U %S %M" -o "$tmp/time" ${INTAKE_WRAP:-} "$build/intake" poll "$tmp/definition.json" \
    --param "origin=$url" --param apiKey=bench-key --from "$start" --to "$end" --workspace "$tmp/ws.db" \
    --ca-file "$tmp/cert.pem" >"$tmp/poll.out" 2>"$tmp/poll.err" || { echo "poll failed:"; tail -5 "$tmp/poll.err"; exit 1; }
  kill "$sim_pid" 2>/dev/null && wait "$sim_pid" 2>/dev/null || true
  sim_pid=
  read -r elapsed user sys rss_kb <"$tmp/time"
  table=$(sqlite3 "$tmp/ws.db" "select name from sqlite_master where type='table' and name not like '\\_intake%' escape '\\' and name not like 'sqlite%' limit 1")
  rows=$(sqlite3 "$tmp/ws.db" "select count(*) from \"$table\"")
  awk -v f="$format" -v n="$records" -v rows="$rows" -v t="$elapsed" -v u="$user" -v s="$sys" -v r="$rss_kb" 'BEGIN {
    printf "formats: format=%s records=%d rows=%d wall=%.2fs events/s=%.0f cpu_us/event=%.2f peak_rss_mb=%.1f\n",
      f, n, rows, t, rows / t, (u + s) * 1e6 / rows, r / 1024;
  }'
done
