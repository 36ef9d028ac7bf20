# Sourced by the scripts that start nsw-server in the background (demo.sh,
# bench/e2e.sh, bench/slow_clients.sh): waits until the server has logged
# its port ("listening on 127.0.0.1:PORT", since they all listen on port 0)
# and answers /readyz with 200, then prints the port. Fails, with the
# server's log on stderr, if the server exits first or logs no port within
# 20 s. A restart replaying a large journal may take long, so the wait for
# /readyz is bounded only by the server staying alive.
#
# bench/e2e.sh times restarts with this, polling every 10 ms on a 2-core
# machine, so the loops fork nothing: the log is read and /readyz asked with
# bash builtins (/dev/tcp), and the pause is a read timeout on a pipe nobody
# writes. (Spawning curl, sed and sleep 100 times a second took a fifth of
# the CPU the restarting server needed.)
#
#   port=$(nsw_server_ready LOG PID)
nsw_server_ready() {
  local log=$1 pid=$2 port="" line tick tries=0
  exec {tick}<> <(:)
  while [ -z "$port" ] && [ "$tries" -lt 2000 ]; do
    while IFS= read -r line; do
      if [[ $line =~ listening\ on\ 127\.0\.0\.1:([0-9]+) ]]; then
        port=${BASH_REMATCH[1]}
        break
      fi
    done 2>/dev/null <"$log"  # the log may not exist yet
    [ -n "$port" ] && break
    kill -0 "$pid" 2>/dev/null || break
    tries=$((tries + 1))
    read -r -t 0.01 -u "$tick" line || true
  done
  if [ -z "$port" ]; then
    exec {tick}>&-
    cat "$log" >&2
    echo "nsw-server (pid $pid) did not report a port; its log is above" >&2
    return 1
  fi
  until nsw_server_answers_ready "$port"; do
    if ! kill -0 "$pid" 2>/dev/null; then
      exec {tick}>&-
      cat "$log" >&2
      echo "nsw-server (pid $pid) exited before it was ready; its log is above" >&2
      return 1
    fi
    read -r -t 0.01 -u "$tick" line || true
  done
  exec {tick}>&-
  echo "$port"
}

# True when GET /readyz on 127.0.0.1:PORT answers 200.
nsw_server_answers_ready() {
  local fd status=""
  { exec {fd}<>"/dev/tcp/127.0.0.1/$1"; } 2>/dev/null || return 1
  printf 'GET /readyz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n' >&"$fd"
  IFS= read -r -t 5 status <&"$fd" || true
  exec {fd}>&-
  [[ $status == "HTTP/1.1 200"* ]]
}
