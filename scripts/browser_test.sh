#!/usr/bin/env bash
# Browser test (issue 7): headless chromium against (a) a live nsw-server's
# dashboard while nsw-loadgen replays a small generated trace: the page
# renders, its figures change between two looks, its WebCrypto signer matches
# the repository's admin test vector and its Pause/Resume buttons are
# accepted by the server; and (b) the HTML report that replay wrote (its SVG
# charts render). Server, load generator and browser run in their own network
# namespace (unshare --net) where loopback is the only interface, so no
# request can leave the machine; the browser also records every request the
# pages make and fails on any that is not loopback. Screenshots and logs are
# kept in BUILD_DIR/browser-test/ (paths printed). Needs root (unshare) and
# chromium (scripts/bootstrap.sh --browser). About 30 s.
#
#   scripts/browser_test.sh [BUILD_DIR]     default: build
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "${1:-$root/build}" && pwd)
out=$build/browser-test
server=$build/server/nsw-server
loadgen=$build/loadgen/nsw-loadgen

if [ -z "${NSW_BROWSER_NETNS:-}" ]; then
  for bin in "$server" "$loadgen"; do
    [ -x "$bin" ] || { echo "browser_test: $bin is not built" >&2; exit 1; }
  done
  command -v chromium >/dev/null || { echo "browser_test: chromium is missing (scripts/bootstrap.sh --browser)" >&2; exit 1; }
  if [ "$(id -u)" -ne 0 ]; then
    echo "browser_test: needs root for 'unshare --net' (the proof that no request leaves loopback)" >&2
    exit 1
  fi
  rm -rf "$out"
  mkdir -p "$out"
  exec unshare --net -- env NSW_BROWSER_NETNS=1 bash "$0" "$build"
fi

# Inside the new network namespace.
ip link set lo up
links=$(ip -o link show | awk -F': ' '{print $2}' | tr '\n' ' ')
if [ "$links" != "lo " ]; then
  echo "browser_test: expected only the loopback interface, found: $links" >&2
  exit 1
fi
echo "browser_test: network namespace with interfaces: $links($(ip -o -4 addr show lo | awk '{print $4}'))"

tmp=$(mktemp -d)
server_pid=
loadgen_pid=
cleanup() {
  [ -n "$loadgen_pid" ] && kill "$loadgen_pid" 2>/dev/null || true
  [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null || true
  wait 2>/dev/null || true
  rm -rf "$tmp"
}
trap cleanup EXIT

port=8080  # the namespace is ours: no other listener can hold it
"$server" --listen 127.0.0.1:$port --data-dir "$tmp/data" --clock wall --speed 540 --durability async \
  >"$out/server.log" 2>&1 &
server_pid=$!
for _ in $(seq 300); do
  grep -q ' ready$' "$out/server.log" && break
  kill -0 "$server_pid" 2>/dev/null || { cat "$out/server.log" >&2; exit 1; }
  sleep 0.1
done
grep -q ' ready$' "$out/server.log" || { echo "browser_test: the server did not become ready" >&2; exit 1; }

"$loadgen" gen --out "$tmp/trace" --dossiers 4000 --enterprises 300 --days 1 --seed 7 >"$out/gen.log" 2>&1
"$loadgen" replay "$tmp/trace" --target "http://127.0.0.1:$port" --rate 200 --limit 4000 --quiet \
  --auth-key-file "$tmp/data/enterprise-root.key" --html "$out/report.html" >"$out/replay.log" 2>&1 &
loadgen_pid=$!

python3 "$root/scripts/browser_cdp.py" dashboard "http://127.0.0.1:$port/" "$tmp/data/admin.key" \
  "$root/tests/client/signing_vectors.txt" "$out"

if ! wait "$loadgen_pid"; then
  loadgen_pid=
  echo "browser_test: the replay failed:" >&2
  cat "$out/replay.log" >&2
  exit 1
fi
loadgen_pid=
python3 "$root/scripts/browser_cdp.py" report "$out/report.html" "$out"

kill "$server_pid"
wait "$server_pid" || { echo "browser_test: the server did not stop cleanly" >&2; cat "$out/server.log" >&2; exit 1; }
server_pid=
echo "browser_test: passed; artifacts in $out"
