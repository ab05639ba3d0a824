# shellcheck shell=bash disable=SC2034  # variables used by the scripts that source this file
# Sourced by the scripts in tools: repository root, messages, timing, native configure.
# AALGATE_ROOT   repository to work on (default: the one holding this file)
# AALGATE_JOBS   parallel jobs for builds, ctest and clang-tidy (default: 2, the machine's cores)
# CI             true or 1 (CI services set it; .ci/run exports it): CI mode, longer fuzzing

AALGATE_ROOT="${AALGATE_ROOT:-$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd)}"
AALGATE_JOBS="${AALGATE_JOBS:-2}"
AALGATE_TOOLS="$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)"
TOOL="${TOOL:-$(basename -- "$0")}"

note() { printf '%s: %s\n' "$TOOL" "$*"; }
warn() { printf '%s: warning: %s\n' "$TOOL" "$*" >&2; }
die() {
  printf '%s: error: %s\n' "$TOOL" "$*" >&2
  exit 1
}

# Seconds since the epoch with milliseconds, for step timings.
now() { date +%s.%N; }
# Elapsed seconds since $1, one decimal.
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }

need_command() {
  command -v "$1" >/dev/null 2>&1 || die "'$1' not found: run 'bash tools/setup.sh' first"
}

# Configures the native Debug build with tests (writes build/native/compile_commands.json).
configure_native_debug() {
  cmake -S "$AALGATE_ROOT" -B "$AALGATE_ROOT/build/native" -DCMAKE_BUILD_TYPE=Debug \
    -DAALGATE_BUILD_TESTS=ON "$@"
}

# CI mode: CI=true or CI=1, as CI services set it and .ci/run exports it (tools/fuzz.sh fuzzes
# longer, tools/differential.sh decides more inputs).
ci_mode() { [[ "${CI:-}" == true || "${CI:-}" == 1 ]]; }
