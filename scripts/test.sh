#!/usr/bin/env bash
# The test command: install what is missing, build, and run every test.
#   1. Release build (warnings are errors) + the whole ctest suite;
#   2. the browser test: headless chromium against the live dashboard and an
#      HTML report, in a network namespace of its own (scripts/browser_test.sh);
#   3. an ASan + UBSan build running the whole suite again;
#   4. fuzz targets (clang-14, libFuzzer, scripts/fuzz.sh): each replays its
#      seed corpus, then fuzzes about 15 s;
#   scripts/test.sh --full   fuzzes 5 minutes per target, and adds a
#      ThreadSanitizer build of the multi-threaded suites (server_tests,
#      http_tests) run under tests/tsan.supp.
# Each stage prints its wall time. Exit status is non-zero if any stage fails.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
full=0
for arg in "$@"; do
  case "$arg" in
    --full) full=1 ;;
    -h|--help) sed -n '2,11p' "$0"; exit 0 ;;
    *) echo "test.sh: unknown option '$arg'" >&2; exit 2 ;;
  esac
done
jobs=$(nproc)

stage_start=0
stage() { stage_start=$(date +%s); echo; echo "=== stage: $1"; }
stage_done() { echo "=== stage time: $1 $(( $(date +%s) - stage_start ))s"; }

stage bootstrap
# promtool validates /metrics in the tests; chromium runs the browser test
bash "$root/scripts/bootstrap.sh" --promtool --browser
stage_done bootstrap

stage "release build"
bash "$root/scripts/build.sh" "$root/build" -DCMAKE_BUILD_TYPE=Release -DNSW_WERROR=ON \
  -DNSW_BUILD_TESTS=ON -DNSW_BUILD_BENCH=ON
stage_done "release build"

stage "release tests"
ctest --test-dir "$root/build" -j "$jobs" --output-on-failure --timeout 600
stage_done "release tests"

stage "browser test"
bash "$root/scripts/browser_test.sh" "$root/build"
stage_done "browser test"

stage "asan+ubsan build"
bash "$root/scripts/build.sh" "$root/build-asan" -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_FLAGS_DEBUG="-O1 -g1" \
  -DNSW_SANITIZE=ON -DNSW_WERROR=ON -DNSW_BUILD_TESTS=ON -DNSW_BUILD_BENCH=OFF
stage_done "asan+ubsan build"

stage "asan+ubsan tests"
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  ctest --test-dir "$root/build-asan" -j "$jobs" --output-on-failure --timeout 900
stage_done "asan+ubsan tests"

stage "fuzz"
if [ "$full" = 1 ]; then
  bash "$root/scripts/fuzz.sh" --full
else
  bash "$root/scripts/fuzz.sh"
fi
stage_done "fuzz"

if [ "$full" = 1 ]; then
  # Only the in-process suites: TSan cannot see into the server processes
  # that process_tests start, and building the rest would double the time.
  stage "tsan build"
  bash "$root/scripts/build.sh" "$root/build-tsan" -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_FLAGS="-fsanitize=thread -O1 -g1" \
    -DCMAKE_EXE_LINKER_FLAGS=-fsanitize=thread -DNSW_BUILD_TESTS=ON -DNSW_BUILD_BENCH=OFF -- server_tests http_tests
  stage_done "tsan build"
  stage "tsan tests"
  for suite in server_tests http_tests; do
    TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1 suppressions=$root/tests/tsan.supp" \
      "$root/build-tsan/tests/$suite" --gtest_brief=1
  done
  stage_done "tsan tests"
fi
echo
echo "all test stages passed"
