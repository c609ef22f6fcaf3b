#!/usr/bin/env bash
# Scale of `intake run`: N instances of the Jira package (one-minute windows) against one
# simulator, each on "0 * * * * ?" (every minute), for D seconds after they are scheduled.
# After a warm-up minute (every instance catches up once at start), prints for the measured period
# the schedule drift (start time minus jittered due time, from the daemon's /metrics histogram:
# p50 and p99 as bucket upper bounds), the daemon's CPU %, and its peak RSS.
#
#   bench/daemon_scale.sh [build-dir] [instances] [seconds] [workers]
#   bench/daemon_scale.sh build-release 10000 300 8
set -euo pipefail

build=${1:-build}
instances=${2:-10000}
seconds=${3:-300}
workers=${4:-8}
root=$(cd "$(dirname "$0")/.." && pwd)
bin=$root/$build
work=$(mktemp -d)
sim_pid=
daemon_pid=
cleanup() {
  [ -n "$daemon_pid" ] && kill "$daemon_pid" 2>/dev/null || true
  [ -n "$sim_pid" ] && kill "$sim_pid" 2>/dev/null || true
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

openssl req -x509 -newkey rsa:2048 -nodes -keyout "$work/key.pem" -out "$work/cert.pem" -days 2 \
  -subj /CN=127.0.0.1 -addext "subjectAltName=IP:127.0.0.1" 2>/dev/null
# Ten records a minute, from an hour ago to well after the run: every window has a few.
start=$(date -u -d '-60 min' +%Y-%m-%dT%H:%M:00Z)
end=$(date -u -d "+$((seconds / 60 + 15)) min" +%Y-%m-%dT%H:%M:00Z)
records=$(( (60 + seconds / 60 + 15) * 10 ))
"$bin/intake-sim" jira --records "$records" --start "$start" --end "$end" --user bench@example.com \
  --password bench-token-123 --tls-cert "$work/cert.pem" --tls-key "$work/key.pem" --threads 8 >"$work/sim.out" 2>"$work/sim.err" &
sim_pid=$!
for _ in $(seq 100); do grep -q "listening url=" "$work/sim.out" && break; sleep 0.1; done
domain=$(sed -n 's|listening url=https://||p' "$work/sim.out")

cp -r "$root/connectors/atlassian-jira-audit" "$work/pkg"
sed -i 's/"queryWindowInMin": 60/"queryWindowInMin": 1/; s/"queryWindowDelayInMin": 2/"queryWindowDelayInMin": 0/' "$work/pkg/definition.json"
{
  echo "workspace: $work/ws.db"
  echo "listen: 127.0.0.1:0"
  echo "workers: $workers"
  echo "maxJitter: 30s"
  echo "tls: { caFile: $work/cert.pem }"
  echo "connectors:"
  for i in $(seq -w 1 "$instances"); do
    printf '  - name: jira-%s\n    package: %s/pkg\n    parameters: { domain: "%s", username: bench@example.com, password: "${BENCH_TOKEN}" }\n    schedule: "0 * * * * ?"\n' \
      "$i" "$work" "$domain"
  done
} >"$work/intake.yaml"

t_start=$(date +%s.%N)
BENCH_TOKEN=bench-token-123 "$bin/intake" run --config "$work/intake.yaml" >"$work/daemon.out" 2>"$work/daemon.err" &
daemon_pid=$!
for _ in $(seq 6000); do grep -q "listening url=" "$work/daemon.out" && break; sleep 0.1; done
t_ready=$(date +%s.%N)
url=$(sed -n 's|listening url=||p' "$work/daemon.out")
hz=$(getconf CLK_TCK)
cpu_ticks() { awk '{print $14 + $15}' "/proc/$daemon_pid/stat"; }
# On start every instance runs at once to catch up; measure the steady schedule after that.
sleep 60
curl -s "$url/metrics" >"$work/metrics0.txt"
c0=$(cpu_ticks); w0=$(date +%s.%N)
sleep "$seconds"
c1=$(cpu_ticks); w1=$(date +%s.%N)
rss_kb=$(awk '/VmHWM/ {print $2}' "/proc/$daemon_pid/status")
curl -s "$url/metrics" >"$work/metrics.txt"
drift=$(awk '
  /^intake_scheduler_drift_seconds_bucket/ {
    match($0, /le="[^"]+"/); le = substr($0, RSTART + 4, RLENGTH - 5)
    if (FILENAME == ARGV[1]) before[le] = $2; else { after[le] = $2; order[++n] = le }
  }
  END {
    total = after["+Inf"] - before["+Inf"]
    for (i = 1; i <= n; i++) {
      d = after[order[i]] - before[order[i]]
      if (!p50 && d >= 0.5 * total) p50 = order[i]
      if (!p99 && d >= 0.99 * total) p99 = order[i]
    }
    printf "fires=%d drift_p50_le=%ss drift_p99_le=%ss", total, p50, p99
  }' "$work/metrics0.txt" "$work/metrics.txt")
kill -TERM "$daemon_pid"
wait "$daemon_pid" || true
daemon_pid=

polls=$(awk -F' ' '/^intake_polls_total/ {s += $2} END {print s}' "$work/metrics.txt")
failures=$(awk -F' ' '/^intake_polls_total.*result="failure"/ {s += $2} END {print s}' "$work/metrics.txt")
rows=$(awk -F' ' '/^intake_events_written_total/ {s += $2} END {print s}' "$work/metrics.txt")
echo "instances=$instances seconds=$seconds workers=$workers"
echo "startup_s=$(echo "$t_ready - $t_start" | bc)"
echo "polls=$polls failed_polls=$failures rows=$rows"
echo "cpu_percent=$(echo "scale=1; ($c1 - $c0) * 100 / $hz / ($w1 - $w0)" | bc)"
echo "peak_rss_mb=$((rss_kb / 1024))"
echo "measured: $drift"
echo "whole run, warm-up included: $(grep -o 'figures=.*' "$work/daemon.err" || true)"
grep -c "Poll failed" "$work/daemon.err" | sed 's/^/poll_failed_log_lines=/' || true
