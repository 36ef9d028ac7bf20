# Sourced by the scripts that start nsw-server in the background (demo.sh,
# bench/e2e.sh, bench/slow_clients.sh): waits until the server has logged
# its port ("listening on 127.0.0.1:PORT", since they all listen on port 0)
# and answers /readyz, then prints the port. Fails, with the server's log on
# stderr, if the server exits first or logs no port within 20 s. /readyz is
# polled every 10 ms because bench/e2e.sh times restarts with it; a restart
# replaying a large journal may take long, so that wait is bounded only by
# the server staying alive.
#
#   port=$(nsw_server_ready LOG PID)
nsw_server_ready() {
  local log=$1 pid=$2 port=""
  for _ in $(seq 1 2000); do
    port=$(sed -n 's/.*listening on 127\.0\.0\.1:\([0-9]*\).*/\1/p' "$log" | head -1)
    [ -n "$port" ] && break
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.01
  done
  if [ -z "$port" ]; then
    cat "$log" >&2
    echo "nsw-server (pid $pid) did not report a port; its log is above" >&2
    return 1
  fi
  until curl -sf "http://127.0.0.1:$port/readyz" >/dev/null; do
    if ! kill -0 "$pid" 2>/dev/null; then
      cat "$log" >&2
      echo "nsw-server (pid $pid) exited before it was ready; its log is above" >&2
      return 1
    fi
    sleep 0.01
  done
  echo "$port"
}
