#!/usr/bin/env bash
# Configures and builds one nswsim build directory with Ninja.
#   scripts/build.sh DIR [cmake -D options...] [-- ninja targets...]
# Used by demo.sh, test.sh and bench/e2e.sh so they build the same way.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
dir=$1; shift
cmake_args=(); targets=()
while [ $# -gt 0 ]; do
  if [ "$1" = "--" ]; then shift; targets=("$@"); break; fi
  cmake_args+=("$1"); shift
done
cmake -S "$root" -B "$dir" -G Ninja "${cmake_args[@]}" >"$dir.cmake.log" 2>&1 || { cat "$dir.cmake.log"; exit 1; }
ninja -C "$dir" "${targets[@]}"
