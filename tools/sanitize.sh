#!/usr/bin/env bash
# The native suite (every conformance vector included) under AddressSanitizer + UBSan, built with
# clang in build/sanitize together with the libFuzzer targets (fuzz/; run by tools/fuzz.sh) and
# the differential's native driver (tools/differential.sh), which share that build.
set -euo pipefail
TOOL=sanitize.sh
# shellcheck source-path=SCRIPTDIR source=common.sh
source "$(dirname -- "${BASH_SOURCE[0]}")/common.sh"
need_command clang++
cd "$AALGATE_ROOT"

dir=build/sanitize
CXX=clang++ cmake -S . -B "$dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DAALGATE_BUILD_TESTS=ON \
  -DAALGATE_BUILD_FUZZERS=ON -DAALGATE_SANITIZE=ON >/dev/null
cmake --build "$dir" -j "$AALGATE_JOBS" >/dev/null

export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
note "GoogleTest suite under ASan + UBSan"
"$dir/tests/cpp/aalgate_tests" --gtest_brief=1 | tail -n 3

note "sanitizers clean (the fuzz targets run in tools/fuzz.sh)"
