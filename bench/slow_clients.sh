#!/usr/bin/env bash
# What 1,000 slow connections cost the normal clients of nsw-server, in one
# run: the same open-loop signed replay (nsw-loadgen replay --rate, latency
# corrected for coordinated omission) without and with 1,000 slow
# connections held open beside it - a third trickling their
# headers a byte per second each, a third stopped inside a signed body, a
# third idle between keep-alive requests (a small Python holder signs the
# bodies with the enterprise-root key, as DESIGN.md "Authentication" says).
# Prints p50/p99/p99.9 of each phase; the server runs with defaults except
# --durability (none by default here, so the figure is the transport's, not
# fdatasync's) and 10-minute read and idle timeouts, so that the slow
# connections stay for the whole phase.
#
#   bench/slow_clients.sh [--rate R] [--duration D] [--slow N] [--durability fsync|async|none]
#                         [--runs N] [--build DIR]   (default 3 runs; build/, configured Release if new)
# Each run replays once without and once with the slow connections (the
# holder is started and stopped around its phase), alternating, so that a
# noisy shared machine hits both alike; the medians are the figures.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
source "$root/scripts/lib/server_ready.sh"
rate=1000; duration=20s; slow=1000; durability=none; build="$root/build"; runs=3
while [ $# -gt 0 ]; do
  case "$1" in
    --rate) rate=$2; shift ;;
    --duration) duration=$2; shift ;;
    --slow) slow=$2; shift ;;
    --durability) durability=$2; shift ;;
    --build) build=$2; shift ;;
    --runs) runs=$2; shift ;;
    -h|--help) sed -n '2,17p' "$0"; exit 0 ;;
    *) echo "slow_clients.sh: unknown option '$1'" >&2; exit 2 ;;
  esac
  shift
done
bash "$root/scripts/bootstrap.sh" --bench  # python3 for the holder
if [ -f "$build/CMakeCache.txt" ]; then
  ninja -C "$build" nsw-server nsw-loadgen | tail -3
else
  bash "$root/scripts/build.sh" "$build" -DCMAKE_BUILD_TYPE=Release -- nsw-server nsw-loadgen
fi
ulimit -n "$(ulimit -Hn)"  # the holder's and the server's descriptors
work=$(mktemp -d)
server_pid=""; holder_pid=""
cleanup() {
  [ -n "$holder_pid" ] && kill "$holder_pid" 2>/dev/null || true
  [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

"$build/server/nsw-server" --listen 127.0.0.1:0 --data-dir "$work/data" --durability "$durability" \
  --max-connections $((slow * 2 + 1000)) --read-timeout 10m --idle-timeout 10m >"$work/server.log" 2>&1 &
server_pid=$!
port=$(nsw_server_ready "$work/server.log" "$server_pid")
"$build/loadgen/nsw-loadgen" gen --out "$work/trace.pb" --dossiers 300000 --enterprises 5000 --days 30 >/dev/null

replay() {  # phase name
  "$build/loadgen/nsw-loadgen" replay "$work/trace.pb" --target "http://127.0.0.1:$port" \
    --auth-key-file "$work/data/enterprise-root.key" --rate "$rate" --duration "$duration" --warmup 2s \
    -c 16 -t 1 --out "$work/$1.json" --quiet >/dev/null
  "$build/loadgen/nsw-loadgen" report "$work/$1.json" >"$work/$1.txt"
  local p50 p99 p999 ok
  p50=$(awk '$1=="50.000%"{print $2}' "$work/$1.txt")
  p99=$(awk '$1=="99.000%"{print $2}' "$work/$1.txt")
  p999=$(awk '$1=="99.900%"{print $2}' "$work/$1.txt")
  ok=$(grep -o 'Status codes: .*' "$work/$1.txt")
  printf '%-22s p50 %-9s p99 %-9s p99.9 %-9s %s\n' "$1" "$p50" "$p99" "$p999" "$ok"
  last_p99_us=$(echo "$p99" | awk '/us$/{print $0+0} /ms$/{print ($0+0)*1000} /[0-9]s$/ && !/us$/ && !/ms$/{print ($0+0)*1000000}')
}

cat >"$work/holder.py" <<'PY'
import hashlib, hmac, socket, sys, time
port, n, key_file = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
root = bytes.fromhex(open(key_file).read().split()[2])
host = "127.0.0.1:%d" % port
def sign(enterprise, method, path, ctype, body, ts):
    key = hmac.new(root, enterprise.encode(), hashlib.sha256).digest()
    canon = "\n".join(["NSW1-HMAC-SHA256", method, path, "", host, ctype, str(ts),
                       hashlib.sha256(body).hexdigest()])
    sig = hmac.new(key, canon.encode(), hashlib.sha256).hexdigest()
    return "NSW1-HMAC-SHA256 enterprise=%s, ts=%d, sig=%s" % (enterprise, ts, sig)
body = b'{"procedure":"MOIT.CO-FORM-D","clientRef":"slow","payload":"QUJD"}'
trickling, others = [], []
for i in range(n):
    s = socket.create_connection(("127.0.0.1", port))
    if i % 3 == 0:
        s.sendall(("GET /healthz HTTP/1.1\r\nHost: %s\r\nX-Slow: " % host).encode())
        trickling.append(s)
    elif i % 3 == 1:
        auth = sign("0100000009", "POST", "/v1/dossiers", "application/json", body, int(time.time()))
        s.sendall(("POST /v1/dossiers HTTP/1.1\r\nHost: %s\r\nContent-Type: application/json\r\n"
                   "Authorization: %s\r\nContent-Length: %d\r\n\r\n" % (host, auth, len(body))).encode() + body[:20])
        others.append(s)
    else:
        s.sendall(("GET /healthz HTTP/1.1\r\nHost: %s\r\n\r\n" % host).encode())
        s.recv(4096)
        others.append(s)
print("holding", n, flush=True)
while True:  # one byte per trickling connection per second, spread evenly
    for s in trickling:
        s.sendall(b"s")
        time.sleep(1.0 / max(1, len(trickling)))
PY

start_holder() {
  : >"$work/holder.log"
  python3 "$work/holder.py" "$port" "$slow" "$work/data/enterprise-root.key" >"$work/holder.log" 2>&1 &
  holder_pid=$!
  for _ in $(seq 300); do grep -q holding "$work/holder.log" && break; sleep 0.1; done
  grep -q holding "$work/holder.log" || { cat "$work/holder.log"; exit 1; }
}
stop_holder() {
  kill "$holder_pid"; wait "$holder_pid" 2>/dev/null || true; holder_pid=""
  sleep 1  # the server closes the slow connections' sessions
}
open_connections() { curl -s "http://127.0.0.1:$port/metrics" | awk '$1=="nsw_http_open_connections"{print $2}'; }

echo "nsw-server --durability $durability; nsw-loadgen replay --rate $rate --duration $duration, 16 connections, $runs runs"
base_p99=(); slow_p99=()
for run in $(seq "$runs"); do
  replay "run $run without"
  base_p99+=("$last_p99_us")
  start_holder
  held=$(open_connections)
  replay "run $run with $slow slow"
  slow_p99+=("$last_p99_us")
  echo "  (server connections open during that phase: $held before, $(open_connections) after)"
  stop_holder
done
median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
echo "p99 median over $runs runs: without $(median "${base_p99[@]}") us, with $slow slow connections $(median "${slow_p99[@]}") us"
echo "server RssAnon at the end: $(awk '/RssAnon/{print $2, $3}' /proc/$server_pid/status)"
