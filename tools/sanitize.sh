#!/usr/bin/env bash
# The native suite (every conformance vector included) under AddressSanitizer + UBSan, then each
# libFuzzer target (fuzz/) for AALGATE_FUZZ_SECONDS (default 10) seeded with the Kratos
# fixtures. Built with clang (libFuzzer ships with Debian's clang) in build/sanitize.
set -euo pipefail
TOOL=sanitize.sh
# shellcheck source-path=SCRIPTDIR source=common.sh
source "$(dirname -- "${BASH_SOURCE[0]}")/common.sh"
need_command clang++
cd "$AALGATE_ROOT"

seconds="${AALGATE_FUZZ_SECONDS:-10}"
dir=build/sanitize
CXX=clang++ cmake -S . -B "$dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DAALGATE_BUILD_TESTS=ON \
  -DAALGATE_BUILD_FUZZERS=ON -DAALGATE_SANITIZE=ON >/dev/null
cmake --build "$dir" -j "$AALGATE_JOBS" >/dev/null

export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
note "GoogleTest suite under ASan + UBSan"
"$dir/tests/cpp/aalgate_tests" --gtest_brief=1 | tail -n 3

corpus="$(mktemp -d)"
trap 'rm -rf "$corpus"' EXIT
for target in fuzz_whoami fuzz_config fuzz_requirement fuzz_challenge fuzz_route; do
  mkdir -p "$corpus/$target"
  cp tests/fixtures/kratos/*.json "$corpus/$target/"
  note "$target for ${seconds}s"
  # -max_len covers every fixture; a crash or a broken invariant (abort) fails the step.
  if ! "$dir/fuzz/$target" -max_total_time="$seconds" -max_len=8192 -artifact_prefix="$corpus/" "$corpus/$target" \
    >"$corpus/$target.log" 2>&1; then
    tail -n 40 "$corpus/$target.log" >&2
    die "$target found a failure (output above)"
  fi
  grep -E '^Done' "$corpus/$target.log" || true
done
note "sanitizers and fuzzers clean"
