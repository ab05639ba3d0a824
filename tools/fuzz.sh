#!/usr/bin/env bash
# Runs each libFuzzer target (fuzz/) for AALGATE_FUZZ_SECONDS: default 10 s, 60 s in CI mode
# (CI=true or CI=1, as CI services set it and .ci/run exports it). AALGATE_JOBS targets at a
# time. Each target starts from its seeds (fuzz/corpus/<target>/) with its dictionary
# (fuzz/<target>.dict); what it finds is kept in build/fuzz-corpus/<target>/ (grown run after
# run on a developer's machine, fresh in CI) and is what tools/differential.sh then feeds to the
# Wasm/native differential. The library is instrumented (fuzz/CMakeLists.txt), built with ASan +
# UBSan in build/sanitize (tools/sanitize.sh builds it too).
# A crash, a sanitizer report or a broken invariant (abort) fails the step: the input is kept in
# build/fuzz-artifacts/ and the command to reproduce it is printed. Prints, per target, the
# coverage (edges, features) at start (the seeds) and at the end, runs and corpus size.
set -Eeuo pipefail
TOOL=fuzz.sh
# shellcheck source-path=SCRIPTDIR source=common.sh
source "$(dirname -- "${BASH_SOURCE[0]}")/common.sh"
need_command clang++
need_command node
cd "$AALGATE_ROOT"

TARGETS=(fuzz_whoami fuzz_whoami_reader fuzz_config fuzz_requirement fuzz_challenge fuzz_route)
if [[ -n "${AALGATE_FUZZ_SECONDS:-}" ]]; then
  seconds="$AALGATE_FUZZ_SECONDS"
elif ci_mode; then
  seconds=60
else
  seconds=10
fi
[[ "$seconds" =~ ^[0-9]+$ ]] || die "AALGATE_FUZZ_SECONDS must be a whole number of seconds"
dir=build/sanitize
corpora=build/fuzz-corpus
artifacts=build/fuzz-artifacts
logs="$(mktemp -d)"
trap 'rm -rf "$logs"' EXIT

started="$(now)"
CXX=clang++ cmake -S . -B "$dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DAALGATE_BUILD_TESTS=ON \
  -DAALGATE_BUILD_FUZZERS=ON -DAALGATE_SANITIZE=ON >"$logs/build.log" 2>&1 &&
  cmake --build "$dir" --target "${TARGETS[@]}" -j "$AALGATE_JOBS" >>"$logs/build.log" 2>&1 ||
  {
    cat "$logs/build.log"
    die "building the fuzz targets in $dir failed (output above)"
  }
note "fuzz targets built in $(since "$started") s"
# The committed seeds follow the vectors: say so when a vector was added without them.
node fuzz/seeds.mjs --check >/dev/null ||
  warn "fuzz/corpus/ is behind tests/conformance/: run 'node fuzz/seeds.mjs' and commit the seeds"

mkdir -p "$corpora" "$artifacts"
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
# fuzz_one TARGET: one libFuzzer run; its log in $logs/TARGET.log, its exit status in .rc.
fuzz_one() {
  local target="$1" rc=0
  mkdir -p "$corpora/$target"
  "$dir/fuzz/$target" -max_total_time="$seconds" -max_len=8192 -dict="fuzz/$target.dict" \
    -artifact_prefix="$artifacts/$target-" -print_final_stats=1 \
    "$corpora/$target" "fuzz/corpus/$target" >"$logs/$target.log" 2>&1 || rc=$?
  echo "$rc" >"$logs/$target.rc"
}

note "${#TARGETS[@]} targets, ${seconds} s each, $AALGATE_JOBS at a time"
started="$(now)"
running=0
for target in "${TARGETS[@]}"; do
  fuzz_one "$target" &
  running=$((running + 1))
  if ((running >= AALGATE_JOBS)); then
    wait -n || true
    running=$((running - 1))
  fi
done
wait || true

# field NAME LINE: the number after "NAME: " in libFuzzer's status LINE, or ?.
field() { grep -oE "$1: [0-9]+" <<<"$2" | grep -oE '[0-9]+$' || echo '?'; }
failed=0
printf '%-20s %7s %8s %7s %8s %10s %8s\n' target cov0 ft0 cov ft runs corpus
for target in "${TARGETS[@]}"; do
  log="$logs/$target.log"
  inited="$(grep -E '^#[0-9]+[[:space:]]+INITED' "$log" | tail -n 1 || true)"
  done_line="$(grep -E '^#[0-9]+[[:space:]]+DONE' "$log" | tail -n 1 || true)"
  printf '%-20s %7s %8s %7s %8s %10s %8s\n' "$target" "$(field cov "$inited")" \
    "$(field ft "$inited")" "$(field cov "$done_line")" "$(field ft "$done_line")" \
    "$(grep -oE '^stat::number_of_executed_units: [0-9]+' "$log" | grep -oE '[0-9]+$' || echo '?')" \
    "$(find "$corpora/$target" -type f | wc -l)"
  if [[ "$(cat "$logs/$target.rc")" != 0 || -z "$done_line" ]]; then
    failed=1
    tail -n 60 "$log" >&2
    artifact="$(grep -oE "Test unit written to [^ ]+" "$log" | tail -n 1 | sed 's/Test unit written to //' || true)"
    warn "$target failed (exit status $(cat "$logs/$target.rc"))${artifact:+; input kept in $artifact}"
    [[ -n "$artifact" ]] && warn "reproduce: $dir/fuzz/$target $artifact"
  fi
done
note "fuzzed in $(since "$started") s"
((failed == 0)) || die "a fuzz target found a failure (output above)"
note "every target clean"
