#!/usr/bin/env bash
# `npm test`: setup, build (native Debug + Wasm), lint, the native suite under ASan + UBSan, the
# fuzz targets (60 s each in CI mode), the Wasm/native differential, the native suite as Wasm,
# ctest, Kratos v1.3.1 (tools/kratos.sh), then node --test over tests/js/ (and tests/e2e/,
# tests/kratos/, ... when present), then the packed tarball in fresh projects (tests/package/),
# then the JS API over a core that traps on demand (tests/traps/, build/wasm-traps), then
# tests/js/ over the debug core (build/wasm-debug). Runs every
# step it can, prints a summary, exits non-zero on any failure.
# Its last line counts tests (ctest + node) as passed and, as failed, failed tests plus failed
# setup/build/lint steps.
set -Euo pipefail
TOOL=test.sh
# shellcheck source-path=SCRIPTDIR source=common.sh
source "$(dirname -- "${BASH_SOURCE[0]}")/common.sh"

cd "$AALGATE_ROOT" || exit 1
logs="$(mktemp -d)"
trap 'rm -rf "$logs"' EXIT

declare -A status seconds detail
order=()
tests_passed=0
tests_failed=0
steps_failed=0

# run_step NAME COMMAND...: shows the command's output live, keeps a copy in $logs/NAME.log.
run_step() {
  local name="$1" started rc
  shift
  order+=("$name")
  printf '\n===== %s: %s\n' "$name" "$*"
  started="$(now)"
  "$@" 2>&1 | tee "$logs/$name.log"
  rc="${PIPESTATUS[0]}"
  seconds[$name]="$(since "$started")"
  if ((rc == 0)); then status[$name]=ok; else status[$name]=FAILED; fi
  return "$rc"
}

skip_step() {
  order+=("$1")
  status[$1]=skipped
  seconds[$1]=-
  detail[$1]="$2"
}

# Counts from ctest's "NN% tests passed, F tests failed out of T".
count_ctest() {
  local line total failed
  line="$(grep -E '^[0-9]+% tests passed, [0-9]+ tests? failed out of [0-9]+' "$logs/ctest.log" |
    tail -n 1)"
  if [[ -z "$line" ]]; then
    detail[ctest]="no tests found"
    return
  fi
  failed="$(sed -E 's/.* ([0-9]+) tests? failed.*/\1/' <<<"$line")"
  total="$(sed -E 's/.*out of ([0-9]+).*/\1/' <<<"$line")"
  tests_passed=$((tests_passed + total - failed))
  tests_failed=$((tests_failed + failed))
  detail[ctest]="$((total - failed))/$total tests passed"
}

# Counts from node's closing lines, TAP ("# pass N") or spec ("ℹ pass N"), of step $1 (node).
count_node() {
  local step="${1:-node}" pass fail cancelled
  pass="$(grep -E '^(# |ℹ )pass [0-9]+$' "$logs/$step.log" | tail -n 1 | grep -oE '[0-9]+$')"
  fail="$(grep -E '^(# |ℹ )fail [0-9]+$' "$logs/$step.log" | tail -n 1 | grep -oE '[0-9]+$')"
  cancelled="$(grep -E '^(# |ℹ )cancelled [0-9]+$' "$logs/$step.log" | tail -n 1 |
    grep -oE '[0-9]+$')"
  pass="${pass:-0}" fail="$((${fail:-0} + ${cancelled:-0}))"
  tests_passed=$((tests_passed + pass))
  tests_failed=$((tests_failed + fail))
  detail[$step]="$pass/$((pass + fail)) tests passed"
  if ((pass + fail == 0)); then
    detail[$step]="no tests ran (node --test takes *.test.mjs, *.test.js, test-*.mjs, ...)"
  fi
}

summary() {
  local name
  printf '\n===== summary\n'
  for name in "${order[@]}"; do
    printf '  %-6s %-8s %7s s  %s\n' "$name" "${status[$name]}" "${seconds[$name]}" \
      "${detail[$name]:-}"
  done
  for name in "${order[@]}"; do
    [[ "${status[$name]}" == FAILED ]] && printf '%s: FAILED step: %s\n' "$TOOL" "$name"
  done
  printf 'aalgate: %d passed, %d failed\n' "$tests_passed" "$((tests_failed + steps_failed))"
}

finish() {
  summary
  local name
  for name in "${order[@]}"; do [[ "${status[$name]}" == FAILED ]] && exit 1; done
  exit 0
}

# 1. setup: nothing else can run without it.
if ! run_step setup bash "$AALGATE_TOOLS/setup.sh"; then
  steps_failed=$((steps_failed + 1))
  finish
fi

# 2. build, 3. lint (lint configures the native build itself if the build failed early).
built=1
if ! run_step build bash "$AALGATE_TOOLS/build.sh" --with-tests; then
  steps_failed=$((steps_failed + 1))
  built=0
fi
grep -E '^(wasm|glue) ' "$logs/build.log" >"$logs/sizes" || true
detail[build]="$(sed -E 's/^(wasm|glue) +js\/core\/([^:]*): +([0-9]+) B.*raw, ([0-9]+) B.*/\2 \3 B (\4 gz)/' \
  "$logs/sizes" | paste -sd ',' | sed 's/,/, /g')"
if ! run_step lint bash "$AALGATE_TOOLS/lint.sh"; then
  steps_failed=$((steps_failed + 1))
fi

# 4. sanitize: the native suite under ASan/UBSan (build/sanitize, with the fuzz targets).
if ! run_step sanitize bash "$AALGATE_TOOLS/sanitize.sh"; then
  steps_failed=$((steps_failed + 1))
fi

# --- fuzz: each libFuzzer target from its seeds with its dictionary, 10 s (60 s in CI mode:
# CI=true or CI=1, as .ci/run sets), two at a time (tools/fuzz.sh); the summary shows the edges
# each reached.
if ! run_step fuzz bash "$AALGATE_TOOLS/fuzz.sh"; then
  steps_failed=$((steps_failed + 1))
fi
detail[fuzz]="$(awk '$1 ~ /^fuzz_/ && NF == 7 { sub(/^fuzz_/, "", $1); printf "%s%s %s", sep, $1, $4; sep = ", " }' \
  "$logs/fuzz.log") edges"

# --- differential: the same calls through the JS API over the Wasm core and through the native
# core (tools/differential.sh); needs the Wasm build.
if ((built)); then
  if ! run_step differential bash "$AALGATE_TOOLS/differential.sh"; then
    steps_failed=$((steps_failed + 1))
  fi
  detail[differential]="$(grep -oE '^differential: [0-9]+ cases, [0-9]+ differences?' "$logs/differential.log" |
    sed 's/^differential: //') $(grep -oE 'seed [0-9]+' "$logs/differential.log" | head -n 1)"
else
  skip_step differential "build failed"
fi

# --- wasm-unit: the GoogleTest suite built by Emscripten and run under node (its own build in
# build/wasm-tests, tools/wasm-unit.sh); a build failure or a failed test fails the step.
if ! run_step wasm-unit bash "$AALGATE_TOOLS/wasm-unit.sh"; then
  steps_failed=$((steps_failed + 1))
fi
# The same tests as ctest's: shown here, not added to the totals.
wasm_ran="$(sed -nE 's/^\[==========\] ([0-9]+) tests? from .*/\1/p' "$logs/wasm-unit.log")"
wasm_passed="$(sed -nE 's/^\[  PASSED  \] ([0-9]+) tests?\.$/\1/p' "$logs/wasm-unit.log")"
detail[wasm-unit]="${wasm_passed:-0}/${wasm_ran:-0} tests passed as Wasm under node"

# 5. ctest, 6. node: need the build.
if ((built)); then
  run_step ctest ctest --test-dir build/native --output-on-failure -j "$AALGATE_JOBS"
  count_ctest

  node_dirs=(tests/js/)
  for dir in tests/cli tests/readme tests/emulator tests/tokens tests/worker tests/browser tests/e2e tests/journey; do
    [[ -d "$dir" ]] && node_dirs+=("$dir/")
  done

  # --- Kratos v1.3.1 for tests/kratos/: built when missing (minutes), else the cached binary ---
  if [[ -d tests/kratos ]]; then
    if run_step kratos bash "$AALGATE_TOOLS/kratos.sh"; then
      node_dirs+=(tests/kratos/)
      detail[kratos]="$(grep -oE 'built Kratos v[0-9.]+ in [0-9.]+ s' "$logs/kratos.log" ||
        echo 'cached binary reused')"
    else
      steps_failed=$((steps_failed + 1))
      detail[kratos]="build failed: tests/kratos/ not run"
    fi
  fi
  if [[ -d tests/js ]]; then
    run_step node node --test "${node_dirs[@]}"
    count_node
  else
    skip_step node "no tests/js/"
  fi

  # --- package: `npm pack` once, the tarball installed into fresh projects (Node ESM/require,
  # TypeScript, esbuild and Vite in Chromium, wrangler + workerd, publint, attw, size).
  if [[ -d tests/package ]]; then
    run_step package node --test tests/package/
    count_node package
    size="$(grep -oE 'tarball size: [0-9]+ B = [0-9.]+ KiB' "$logs/package.log" | tail -n 1)"
    [[ -n "$size" ]] && detail[package]+=", ${size#tarball size: }"
  fi

  # --- traps: the JS API over a test build of the core that traps on demand (tools/wasm-traps.sh
  # -> build/wasm-traps, CMake AALGATE_TEST_TRAPS, never packaged): a trap answers core_failure,
  # the instance is replaced and the next call is decided.
  if [[ -d tests/traps ]]; then
    run_step traps bash -c 'bash tools/wasm-traps.sh && node --test tests/traps/'
    count_node traps
    if [[ "${detail[traps]}" == no\ tests\ ran* ]]; then steps_failed=$((steps_failed + 1)); fi
  fi

  # --- wasm-debug: tests/js/ again over the debug core (tools/wasm-debug.sh -> build/wasm-debug,
  # -sASSERTIONS=2 -sSAFE_HEAP=1, never packaged) in a temporary copy of the package. The same
  # tests as the node step's: shown here, not added to the totals; a failure fails the step.
  if ! run_step wasm-debug bash "$AALGATE_TOOLS/wasm-debug.sh"; then
    steps_failed=$((steps_failed + 1))
  fi
  debug_pass=0 debug_other=0
  while read -r what count; do
    if [[ "$what" == pass ]]; then debug_pass=$count; else debug_other=$((debug_other + count)); fi
  done < <(sed -nE 's/^# (pass|fail|cancelled) ([0-9]+)$/\1 \2/p' "$logs/wasm-debug.log")
  detail[wasm-debug]="$debug_pass/$((debug_pass + debug_other)) tests passed over the debug core"
  if ((debug_pass == 0)) && [[ "${status[wasm-debug]}" == ok ]]; then
    status[wasm-debug]=FAILED
    steps_failed=$((steps_failed + 1))
  fi
else
  skip_step ctest "build failed"
  skip_step node "build failed"
  skip_step wasm-debug "build failed"
  [[ -d tests/package ]] && skip_step package "build failed"
  [[ -d tests/traps ]] && skip_step traps "build failed"
fi

finish
