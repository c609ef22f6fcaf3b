#!/usr/bin/env bash
# Upload throughput to the Logs Ingestion API: intake's azure-monitor destination and the official
# @azure/monitor-ingestion SDK send the same ROWS rows to the same intake-sim azure (HTTPS, the
# Darktrace DCR), each with CONCURRENCY requests in flight. Prints events/s and CPU ms per 1,000
# events of the uploading process (the simulator runs in its own process).
# Usage: bench/upload_compare.sh [build-dir] [rows] [concurrency]
set -euo pipefail
build=${1:-build}
rows=${2:-200000}
concurrency=${3:-2}
here=$(cd "$(dirname "$0")/.." && pwd)
. "$here/bench/lib.sh"
[ -d "$here/tests/clients/node_modules/@azure/monitor-ingestion" ] || { echo "run scripts/setup first (the SDK's node modules)" >&2; exit 1; }
bench_cert
dcr=dcr-00112233445566778899aabbccddeeff
"$build/intake-sim" azure --dcr "$dcr=$here/connectors/darktrace/dcr.json" --tls-cert "$tmp/cert.pem" --tls-key "$tmp/key.pem" \
  --threads 2 --max-kept-mb 1 >"$tmp/sim.out" 2>"$tmp/sim.err" &
sim_pid=$!
url=$(bench_wait_url "$tmp/sim.out" "$tmp/sim.err" simulator)
token=$(curl -s --cacert "$tmp/cert.pem" -d grant_type=client_credentials -d client_id=3f1c4b0e-6a2d-4c8e-9a57-1b2c3d4e5f60 \
  -d client_secret=sim-secret --data-urlencode scope=https://monitor.azure.com/.default \
  "$url/72f988bf-86f1-41af-91ab-2d7cd011db47/oauth2/v2.0/token" | sed -n 's/.*"access_token":"\([^"]*\)".*/\1/p')
[ -n "$token" ] || { echo "no token from the simulator" >&2; exit 1; }
python3 - "$tmp/rows.ndjson" "$rows" <<'PY'
import json, sys
path, n = sys.argv[1], int(sys.argv[2])
with open(path, "w") as f:
    for k in range(n):
        f.write(json.dumps({"alertTime": "2024-06-01T%02d:%02d:%02dZ" % (k // 3600 % 24, k // 60 % 60, k % 60),
                            "uuid": "00000000-0000-4000-8000-%012d" % k, "modelName": "Anomalous Connection / Model %d" % (k % 17),
                            "score": k % 100, "deviceHostname": "host-%d.corp.example" % (k % 250),
                            "sourceIp": "10.0.%d.%d" % ((k >> 8) & 255, k & 255), "mitreTechniques": ["T1071", "T1041"],
                            "darktraceProduct": "Policy Breach"}, separators=(",", ":")) + "\n")
PY
stream=Custom-DarktraceModelAlerts
report() {
  awk -v name="$1" -v line="$2" 'BEGIN {
    match(line, /"rows":[0-9]+/); r = substr(line, RSTART + 7, RLENGTH - 7);
    match(line, /"ms":[0-9.]+/); ms = substr(line, RSTART + 5, RLENGTH - 5);
    match(line, /"cpu_ms":[0-9.]+/); cpu = substr(line, RSTART + 9, RLENGTH - 9);
    printf "upload (%s): rows=%d wall_s=%.2f events/s=%.0f cpu_ms_per_1000=%.2f\n", name, r, ms / 1000, r / (ms / 1000), cpu / r * 1000;
  }'
}
intake_line=$("$build/bench/bench_upload_tool" "$url" "$dcr" "$stream" "$token" "$tmp/rows.ndjson" --concurrency "$concurrency" --ca-file "$tmp/cert.pem")
echo "$intake_line" | grep -q '"ok":true' || { echo "intake upload failed: $intake_line" >&2; exit 1; }
report intake "$intake_line"
sdk_line=$(NODE_EXTRA_CA_CERTS="$tmp/cert.pem" node "$here/tests/clients/logs_ingestion_upload.mjs" "$url" "$dcr" "$stream" "$token" \
  --file "$tmp/rows.ndjson" --concurrency "$concurrency")
echo "$sdk_line" | grep -q '"ok":true' || { echo "SDK upload failed: $sdk_line" >&2; exit 1; }
report "@azure/monitor-ingestion" "$sdk_line"
echo "simulator accepted: $(curl -s --cacert "$tmp/cert.pem" "$url/_sim/ingestion" | sed -n 's/.*"rows":\([0-9]*\).*/\1/p' | head -1) rows"
