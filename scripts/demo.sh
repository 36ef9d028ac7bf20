#!/usr/bin/env bash
# The main job: install what is missing, build, start nsw-server on a fresh
# data directory under the project (default catalog, trace clock, fsync
# durability, HMAC auth), generate a trace in the real NSW's shape (38,000
# enterprises, 13 ministries, 198 procedures), replay it, print the load
# generator's report and the simulation's statistics, and stop the server.
#
#   scripts/demo.sh              1,000,000 dossiers (under a minute here)
#   scripts/demo.sh --full       the national 3,000,000 dossiers
#   scripts/demo.sh --dossiers N
# Environment: NSW_DEMO_DIR (default <project>/demo-data), NSW_BUILD_DIR
# (default <project>/build).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
source "$root/scripts/lib/server_ready.sh"
dossiers=1000000
while [ $# -gt 0 ]; do
  case "$1" in
    --full) dossiers=3000000 ;;
    --dossiers) dossiers=$2; shift ;;
    -h|--help) sed -n '2,13p' "$0"; exit 0 ;;
    *) echo "demo.sh: unknown option '$1'" >&2; exit 2 ;;
  esac
  shift
done

bash "$root/scripts/bootstrap.sh"
build="${NSW_BUILD_DIR:-$root/build}"
bash "$root/scripts/build.sh" "$build" -DCMAKE_BUILD_TYPE=Release -- nsw-server nsw-loadgen nsw-client

data="${NSW_DEMO_DIR:-$root/demo-data}"
mkdir -p "$data"
trace="$data/national-$dossiers.trace"
log="$data/server.log"

server_pid=""
stop_server() {
  if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
    kill -TERM "$server_pid"
    wait "$server_pid" || { echo "demo: nsw-server exited with status $?" >&2; return 1; }
  fi
  server_pid=""
}
trap 'stop_server || true' EXIT

# The load generator reads the server's reorder window and sends a record only
# once every record more than a window older has been answered, so every
# submission is simulated at its own instant whatever the window. The window
# only bounds how many can be in flight: five years of a few hundred dossiers a
# day leave a handful in the default hour, far fewer than the 64 connections
# (200,000 dossiers here: ~1,400 submits/s with 1h, ~6,500 with 1d, as fast
# as with no gate at all).
echo "== starting nsw-server (trace clock, 1-day reorder window, fsync durability) on a fresh $data/server"
"$build/server/nsw-server" --listen 127.0.0.1:0 --data-dir "$data/server" --fresh \
  --clock trace --reorder-window 1d --durability fsync --threads 1 >"$log" 2>&1 &
server_pid=$!
port=$(nsw_server_ready "$log" "$server_pid") || { server_pid=""; echo "demo: nsw-server failed to start" >&2; exit 1; }
target="http://127.0.0.1:$port"
echo "   listening on $target"

if [ ! -s "$trace" ]; then
  echo "== generating a national-shape trace: $dossiers dossiers, 38,000 enterprises, 5 years"
  "$build/loadgen/nsw-loadgen" gen --out "$trace" --dossiers "$dossiers" --enterprises 38000
fi

echo "== replaying it as fast as the server acknowledges (64 connections, within the server's reorder window)"
"$build/loadgen/nsw-loadgen" replay "$trace" --target "$target" --max --threads 1 --connections 64 \
  --auth-key-file "$data/server/enterprise-root.key" --admin-key-file "$data/server/admin.key" \
  --out "$data/report.json" --html "$data/report.html" --threshold 'errors<0.1%'

echo "== simulation statistics after the replay"
"$build/client/nsw-client" --target "$target" --auth-key-file "$data/server/admin.key" stats

stop_server
echo "== done: report in $data/report.json and $data/report.html; server log in $log"
