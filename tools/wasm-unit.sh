#!/usr/bin/env bash
# The GoogleTest suite (tests/cpp/, conformance vectors included) built by Emscripten into
# build/wasm-tests and run under node, so that the core's 32-bit arithmetic (wasm32: 32-bit
# size_t and long) is tested as it ships. Prints the build and run times; its output ends with
# GoogleTest's summary; exits non-zero when the build fails or a test fails.
# Flags: the test sources and GoogleTest at -O1 without NDEBUG (the core keeps its -Oz
# -fno-exceptions): a clean build takes about 30 s on 2 cores, a rebuild after editing one test
# about 3 s, the run about 1 s. -O0 runs 2.5x slower, -O3 spends 8 s of every link in wasm-opt.
set -Eeuo pipefail
TOOL=wasm-unit.sh
# shellcheck source-path=SCRIPTDIR source=common.sh
source "$(dirname -- "${BASH_SOURCE[0]}")/common.sh"
need_command emcmake
need_command node
cd "$AALGATE_ROOT"

dir=build/wasm-tests
program="$dir/tests/cpp/aalgate_tests.js"
log="$(mktemp)"
trap 'rm -f "$log"' EXIT
# Debian's emcc runs node on its own tools, which need acorn from /usr/share/nodejs.
export NODE_PATH=/usr/share/nodejs

started="$(now)"
if ! emcmake cmake -S . -B "$dir" -DAALGATE_BUILD_TESTS=ON -DCMAKE_BUILD_TYPE= \
  -DCMAKE_CXX_FLAGS=-O1 >"$log" 2>&1; then
  cat "$log"
  die "configuring $dir failed (output above)"
fi
# Only the test program (and what it needs: the core, GoogleTest, the Public Suffix List data).
if ! cmake --build "$dir" --target aalgate_tests -j "$AALGATE_JOBS" >"$log" 2>&1; then
  cat "$log"
  die "building $program failed (output above)"
fi
note "built $program in $(since "$started") s"

started="$(now)"
rc=0
node "$program" >"$log" 2>&1 || rc=$?
note "ran it under node $(node --version) in $(since "$started") s (exit status $rc)"
# GoogleTest's output without its per-test and per-suite progress lines: failures and the summary
# (unlike --gtest_brief's, it lists the failed tests).
grep -vE '^(\[ +(RUN|OK) +\]|\[-+\]|$)' "$log" || true
exit "$rc"
