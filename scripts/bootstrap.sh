#!/usr/bin/env bash
# Installs every Debian 12 package nswsim needs (build, test, bench), only the
# ones that are missing, without recommends. Idempotent; run as root. Packages
# that ship a daemon (nginx, prometheus) are installed with service starts
# forbidden by policy-rc.d, so nothing is left running.
#
#   scripts/bootstrap.sh            build + test packages
#   scripts/bootstrap.sh --bench    also nginx and wrk (bench/e2e.sh), python3 (bench/slow_clients.sh)
#   scripts/bootstrap.sh --browser  also chromium, a font, iproute2 and python3 (browser tests in a network namespace)
#   scripts/bootstrap.sh --promtool also prometheus, for `promtool check metrics` (daemon not started)
set -euo pipefail

packages=(
  build-essential cmake ninja-build pkg-config git ca-certificates
  libboost1.81-dev libprotobuf-dev protobuf-compiler
  libspdlog-dev libfmt-dev libssl-dev libcli11-dev prometheus-cpp-dev
  libgtest-dev libgmock-dev googletest libbenchmark-dev zlib1g-dev
  clang-14 libclang-rt-14-dev curl procps
)
for arg in "$@"; do
  case "$arg" in
    --bench) packages+=(nginx-light wrk python3) ;;  # python3: bench/slow_clients.sh holder
    --browser) packages+=(chromium fonts-dejavu-core iproute2 python3) ;;  # python3: scripts/browser_cdp.py
    --promtool) packages+=(prometheus) ;;
    *) echo "bootstrap.sh: unknown option '$arg'" >&2; exit 2 ;;
  esac
done

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
  echo "bootstrap.sh: missing packages (${missing[*]}); run as root to install them" >&2
  exit 1
fi

echo "bootstrap: installing ${missing[*]}"
# Forbid daemons from starting during the install; restore whatever was there.
policy=/usr/sbin/policy-rc.d
had_policy=0
[ -e "$policy" ] && had_policy=1 && cp -p "$policy" "$policy.nswsim-saved"
printf '#!/bin/sh\nexit 101\n' > "$policy"
chmod 755 "$policy"
restore_policy() {
  if [ "$had_policy" = 1 ]; then mv -f "$policy.nswsim-saved" "$policy"; else rm -f "$policy"; fi
}
trap restore_policy EXIT

export DEBIAN_FRONTEND=noninteractive
stamp=/var/lib/apt/periodic/update-success-stamp
if [ ! -d /var/lib/apt/lists ] || [ -z "$(ls -A /var/lib/apt/lists 2>/dev/null | grep -v -e lock -e partial)" ] \
   || ! apt-get install -y --no-install-recommends "${missing[@]}" >/tmp/nswsim-apt.log 2>&1; then
  apt-get update -qq
  apt-get install -y --no-install-recommends "${missing[@]}"
fi
# Packages whose init script ran anyway (no policy-rc.d honoured) are stopped.
for svc in nginx prometheus prometheus-node-exporter; do
  if command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet "$svc" 2>/dev/null; then systemctl stop "$svc" || true; fi
  pkill -x "$svc" 2>/dev/null || true
done
