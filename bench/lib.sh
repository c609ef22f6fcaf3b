# Shared by the end-to-end benchmark scripts: a temporary folder removed on exit (with the
# background process whose pid is in $sim_pid), a loopback certificate, and the wait for a
# process's "listening url=" line.

tmp=$(mktemp -d)
sim_pid=
bench_cleanup() {
  [ -n "$sim_pid" ] && kill "$sim_pid" 2>/dev/null && wait "$sim_pid" 2>/dev/null
  [ -n "${BENCH_KEEP:-}" ] && echo "kept $tmp" || rm -rf "$tmp"
}
trap bench_cleanup EXIT

# Writes $tmp/cert.pem and $tmp/key.pem for localhost and 127.0.0.1.
bench_cert() {
  openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=localhost \
    -addext subjectAltName=DNS:localhost,IP:127.0.0.1 -keyout "$tmp/key.pem" -out "$tmp/cert.pem" >/dev/null 2>&1
}

# bench_wait_url OUT ERR WHAT: prints the URL the process announced in OUT (15 s at most), or
# fails with its stderr.
bench_wait_url() {
  local url=
  for _ in $(seq 1 150); do
    url=$(sed -n 's/^listening url=//p' "$1")
    [ -n "$url" ] && break
    sleep 0.1
  done
  [ -n "$url" ] || { echo "$3 did not start: $(cat "$2")" >&2; return 1; }
  echo "$url"
}
