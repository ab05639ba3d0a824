#!/usr/bin/env bash
# The Wasm/native differential (tests/differential/differential.mjs): the same calls through the
# package's JS API over the Wasm core (js/core/, as built by tools/build.sh) and through the
# native core (fuzz/differential_driver.cpp, built with ASan + UBSan in build/sanitize), in one
# process each; any difference in a decision, its explanation, an error, a route or a challenge
# fails the step, and the input is kept in build/differential-failures/.
# Inputs: the conformance vectors, the fuzz targets' seeds and what tools/fuzz.sh kept in
# build/fuzz-corpus/, and AALGATE_DIFFERENTIAL_CASES generated cases (default 20,000; 100,000
# in CI mode, CI=true or CI=1) from a random seed, printed: AALGATE_DIFFERENTIAL_SEED=<seed>
# runs the same cases again.
set -Eeuo pipefail
TOOL=differential.sh
# shellcheck source-path=SCRIPTDIR source=common.sh
source "$(dirname -- "${BASH_SOURCE[0]}")/common.sh"
need_command clang++
need_command node
cd "$AALGATE_ROOT"

if [[ -n "${AALGATE_DIFFERENTIAL_CASES:-}" ]]; then
  cases="$AALGATE_DIFFERENTIAL_CASES"
elif ci_mode; then
  cases=100000
else
  cases=20000
fi
[[ -f js/core/aalgate-core.wasm && -f js/core/aalgate-public-suffix.js ]] ||
  die "js/core/ has no Wasm core: run 'npm run build' first"

dir=build/sanitize
log="$(mktemp)"
trap 'rm -f "$log"' EXIT
started="$(now)"
if ! { CXX=clang++ cmake -S . -B "$dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DAALGATE_BUILD_TESTS=ON \
  -DAALGATE_BUILD_FUZZERS=ON -DAALGATE_SANITIZE=ON &&
  cmake --build "$dir" --target aalgate_differential -j "$AALGATE_JOBS"; } >"$log" 2>&1; then
  cat "$log"
  die "building the native driver in $dir failed (output above)"
fi
note "native driver built in $(since "$started") s"

export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
seed_args=()
[[ -n "${AALGATE_DIFFERENTIAL_SEED:-}" ]] && seed_args=(--seed "$AALGATE_DIFFERENTIAL_SEED")
node tests/differential/differential.mjs --driver "$dir/fuzz/aalgate_differential" \
  --cases "$cases" "${seed_args[@]}"
