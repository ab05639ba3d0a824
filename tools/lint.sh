#!/usr/bin/env bash
# Lints the C++: clang-format (.clang-format) over src/ wasm/ tests/cpp/, then clang-tidy
# (.clang-tidy) over src/**/*.cpp with build/native/compile_commands.json, diagnostics kept to the
# project's own headers under src/. Exits non-zero on any finding.
set -Eeuo pipefail
TOOL=lint.sh
# shellcheck source-path=SCRIPTDIR source=common.sh
source "$(dirname -- "${BASH_SOURCE[0]}")/common.sh"

cd "$AALGATE_ROOT"
need_command clang-format
need_command clang-tidy
failed=0

# --- clang-format -----------------------------------------------------------------------------
format_dirs=()
for dir in src wasm tests/cpp; do [[ -d "$dir" ]] && format_dirs+=("$dir"); done
format_files=()
if ((${#format_dirs[@]})); then
  mapfile -d '' -t format_files < <(find "${format_dirs[@]}" -type f \
    \( -name '*.hpp' -o -name '*.cpp' \) -print0 | sort -z)
fi
started="$(now)"
if ((${#format_files[@]} == 0)); then
  note "clang-format: no *.hpp/*.cpp under src/ wasm/ tests/cpp/"
elif format_log="$(clang-format --dry-run --Werror "${format_files[@]}" 2>&1)"; then
  note "clang-format: ${#format_files[@]} files formatted ($(since "$started") s)"
else
  printf '%s\n' "$format_log"
  mapfile -t unformatted < <(grep -oE '^[^:]+:[0-9]+:[0-9]+: error' <<<"$format_log" |
    cut -d: -f1 | sort -u)
  note "clang-format: ${#unformatted[@]} of ${#format_files[@]} files unformatted; fix with:"
  note "  clang-format -i ${unformatted[*]}"
  failed=1
fi

# --- clang-tidy -------------------------------------------------------------------------------
tidy_files=()
[[ -d src ]] && mapfile -d '' -t tidy_files < <(find src -type f -name '*.cpp' -print0 | sort -z)
if ((${#tidy_files[@]} == 0)); then
  note "clang-tidy: no *.cpp under src/"
else
  db_dir="$AALGATE_ROOT/build/native"
  if [[ ! -f "$db_dir/compile_commands.json" ]]; then
    note "no build/native/compile_commands.json yet: configuring the native build"
    configure_native_debug -Wno-dev >/dev/null
  fi
  for file in "${tidy_files[@]}"; do
    grep -qF "\"$AALGATE_ROOT/$file\"" "$db_dir/compile_commands.json" ||
      warn "$file is not in compile_commands.json (not built by CMake?): clang-tidy guesses its flags"
  done
  # Only the project's own headers: anchored on this checkout's src/ (regex-escaped).
  header_filter="^$(printf '%s' "$AALGATE_ROOT/src/" | sed 's/[][\.*^$+?(){}|]/\\&/g')"
  results="$(mktemp -d)"
  trap 'rm -rf "$results"' EXIT
  started="$(now)"

  # One clang-tidy per file, $AALGATE_JOBS at a time; each file's output is kept apart so that
  # parallel runs do not interleave, and clang-tidy's "N warnings generated." chatter is dropped.
  export db_dir header_filter results
  # shellcheck disable=SC2317  # called through xargs
  tidy_one() {
    local file="$1" out
    out="$results/$(printf '%s' "$1" | tr '/' '_')"
    # -Wno-error: the build's -Werror would turn clang's own compiler warnings (the compile's
    # business, not lint's) into clang-tidy errors that no check selected.
    if clang-tidy --quiet -p "$db_dir" --header-filter="$header_filter" --extra-arg=-Wno-error \
      "$file" >"$out.log" 2>&1; then
      :
    else
      echo "$?" >"$out.rc"
    fi
    grep -vE '^[0-9]+ (warnings?|errors?)( and [0-9]+ errors?)? generated\.$' "$out.log" \
      >"$out.txt" || true
  }
  export -f tidy_one
  # shellcheck disable=SC2016  # $1 is expanded by the inner bash
  printf '%s\0' "${tidy_files[@]}" |
    xargs -0 -n 1 -P "$AALGATE_JOBS" bash -c 'tidy_one "$1"' tidy_one || true

  flagged=0
  for file in "${tidy_files[@]}"; do
    out="$results/$(printf '%s' "$file" | tr '/' '_')"
    if [[ -f "$out.rc" || -s "$out.txt" ]]; then
      flagged=$((flagged + 1))
      printf -- '--- clang-tidy %s\n' "$file"
      cat "$out.txt"
    fi
  done
  if ((flagged)); then
    note "clang-tidy: findings in $flagged of ${#tidy_files[@]} files ($(since "$started") s)"
    failed=1
  else
    note "clang-tidy: ${#tidy_files[@]} files clean ($(since "$started") s)"
  fi
fi

exit "$failed"
