#!/usr/bin/env bash
# Builds the libFuzzer targets of tests/fuzz with clang-14 (cmake -DNSW_FUZZ=ON,
# build dir build-fuzz), replays each committed seed corpus, then fuzzes each
# target for a while. Any crash, sanitizer report, timeout or memory blow-up
# fails the script; the input that did it is kept under build-fuzz/artifacts.
# New inputs found while fuzzing go to a scratch corpus, never into the repo:
# add the interesting ones to tests/fuzz/corpus/<target>/ by hand.
#
#   scripts/fuzz.sh                 ~15 s of fuzzing per target
#   scripts/fuzz.sh --seconds N     N seconds per target (0: replay only)
#   scripts/fuzz.sh --full          5 minutes per target
#   scripts/fuzz.sh --only TARGET   one target (e.g. http_request)
# Prints per target: seed inputs, executions, new coverage inputs, seconds.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build="$root/build-fuzz"
seconds=15
only=""
while [ $# -gt 0 ]; do
  case "$1" in
    --seconds) seconds="${2:?--seconds needs a value}"; shift 2 ;;
    --full) seconds=300; shift ;;
    --only) only="${2:?--only needs a target}"; shift 2 ;;
    -h|--help) sed -n '2,13p' "$0"; exit 0 ;;
    *) echo "fuzz.sh: unknown option '$1'" >&2; exit 2 ;;
  esac
done
case "$seconds" in ''|*[!0-9]*) echo "fuzz.sh: --seconds wants a whole number" >&2; exit 2 ;; esac

targets=(http_request auth_header media_decode journal_reader trace_reader trace_csv)
if [ -n "$only" ]; then targets=("$only"); fi

if [ ! -f "$build/CMakeCache.txt" ]; then
  CC=clang-14 CXX=clang++-14 cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g1" -DNSW_FUZZ=ON -DNSW_BUILD_TESTS=OFF -DNSW_BUILD_BENCH=OFF
fi
fuzzers=()
for t in "${targets[@]}"; do fuzzers+=("${t}_fuzz"); done
ninja -C "$build" "${fuzzers[@]}"

mkdir -p "$build/artifacts" "$build/logs"
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
# Leaks count as failures; UBSan reports abort (the build sets
# -fno-sanitize-recover); a single input may take at most 10 s.
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:symbolize=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
common=(-rss_limit_mb=2048 -timeout=10 -print_final_stats=1)

failed=0
printf '%-16s %8s %12s %8s %8s\n' target seeds executions new seconds
for t in "${targets[@]}"; do
  bin="$build/${t}_fuzz"
  corpus="$root/tests/fuzz/corpus/$t"
  log="$build/logs/$t.log"
  seeds=$(find "$corpus" -type f | wc -l)
  # 1. Every committed input once (the regression inputs among them).
  if ! "$bin" "${common[@]}" -runs=0 -artifact_prefix="$build/artifacts/$t-" "$corpus" >"$log" 2>&1; then
    echo "fuzz.sh: $t fails on its committed corpus; see $log" >&2
    grep -E 'ERROR|SUMMARY|Test unit written' "$log" | head -20 >&2 || true
    failed=1
    continue
  fi
  # 2. Fuzzing from the corpus, new inputs into a scratch directory.
  execs=0 new=0
  start=$(date +%s)
  if [ "$seconds" -gt 0 ]; then
    mkdir -p "$scratch/$t"
    if ! "$bin" "${common[@]}" -max_total_time="$seconds" -artifact_prefix="$build/artifacts/$t-" \
        "$scratch/$t" "$corpus" >>"$log" 2>&1; then
      echo "fuzz.sh: $t crashed while fuzzing; see $log" >&2
      grep -E 'ERROR|SUMMARY|Test unit written' "$log" | head -20 >&2 || true
      failed=1
    fi
    execs=$(grep -o 'stat::number_of_executed_units: [0-9]*' "$log" | tail -1 | awk '{print $2}')
    new=$(find "$scratch/$t" -type f | wc -l)
  fi
  printf '%-16s %8s %12s %8s %8s\n' "$t" "$seeds" "${execs:-0}" "$new" "$(( $(date +%s) - start ))"
done
if [ "$failed" != 0 ]; then
  echo "fuzz.sh: FAILED (crashing inputs in $build/artifacts)" >&2
  exit 1
fi
echo "fuzz.sh: every target passed"
