#!/usr/bin/env bash
# Builds aalgate with CMake.
#   build.sh               the package: the Wasm core (build/wasm -> js/core) and the standalone
#                          ES module (js/standalone/aalgate.mjs) (npm run build)
#   build.sh --with-tests  native Debug with tests (build/native) + the package (npm test)
#   build.sh --if-missing  only the package, and only when js/core lacks the core (npm start)
#   build.sh --release     native Release with benchmarks (build/release) + the package (npm run bench)
# Prints the size of the Wasm, of its JS glue and of the standalone module, raw and gzip -9.
set -Eeuo pipefail
TOOL=build.sh
# shellcheck source-path=SCRIPTDIR source=common.sh
source "$(dirname -- "${BASH_SOURCE[0]}")/common.sh"

usage() { sed -n '2,7s/^# \{0,1\}//p' "${BASH_SOURCE[0]}"; }

mode=default
for arg in "$@"; do
  case "$arg" in
    --if-missing) mode=if-missing ;;
    --with-tests) mode=with-tests ;;
    --release) mode=release ;;
    -h | --help)
      usage
      exit 0
      ;;
    *) die "unknown option '$arg' (expected --with-tests, --if-missing or --release)" ;;
  esac
done

CORE_NAMES=(aalgate-core.mjs aalgate-core.wasm)
CORE_FILES=("${CORE_NAMES[@]}" aalgate-public-suffix.js)
CORE_DIR="$AALGATE_ROOT/js/core"
WASM_BUILD="$AALGATE_ROOT/build/wasm"

step=""
trap 'printf "%s: error: FAILED during %s (see the output above)\n" "$TOOL" "${step:-start}" >&2' ERR

begin() {
  step="$1"
  step_started="$(now)"
  printf '\n==> %s\n' "$step"
}
done_step() { note "$step done in $(since "$step_started") s"; }

core_present() {
  local name
  for name in "${CORE_FILES[@]}"; do [[ -f "$CORE_DIR/$name" ]] || return 1; done
}

# "<raw> B (<KiB> KiB) raw, <gz> B (<KiB> KiB) gzip -9"
size_line() {
  local raw gz
  raw="$(wc -c <"$1")"
  gz="$(gzip -9c <"$1" | wc -c)"
  awk -v r="$raw" -v g="$gz" \
    'BEGIN { printf "%d B (%.1f KiB) raw, %d B (%.1f KiB) gzip -9", r, r / 1024, g, g / 1024 }'
}

build_native_debug() {
  begin "native Debug build with tests (build/native)"
  configure_native_debug -Wno-dev
  cmake --build "$AALGATE_ROOT/build/native" -j "$AALGATE_JOBS"
  done_step
}

build_native_release() {
  begin "native Release build with benchmarks (build/release)"
  cmake -S "$AALGATE_ROOT" -B "$AALGATE_ROOT/build/release" -DCMAKE_BUILD_TYPE=Release \
    -DAALGATE_BUILD_BENCHMARKS=ON
  cmake --build "$AALGATE_ROOT/build/release" -j "$AALGATE_JOBS"
  done_step
}

build_wasm() {
  begin "Wasm core (build/wasm -> js/core)"
  need_command emcmake
  # Debian's emcc runs node on its own tools, which need acorn from /usr/share/nodejs.
  NODE_PATH=/usr/share/nodejs emcmake cmake -S "$AALGATE_ROOT" -B "$WASM_BUILD" \
    -DCMAKE_BUILD_TYPE=MinSizeRel
  NODE_PATH=/usr/share/nodejs cmake --build "$WASM_BUILD" -j "$AALGATE_JOBS"
  local name
  for name in "${CORE_NAMES[@]}"; do
    [[ -f "$WASM_BUILD/$name" ]] ||
      die "the Wasm build made no build/wasm/$name (CMake target 'aalgate-core' with suffix .mjs expected)"
  done
  mkdir -p "$CORE_DIR"
  cp -f "$WASM_BUILD/aalgate-core.wasm" "$CORE_DIR/aalgate-core.wasm"
  # The glue ships minified (esbuild, a devDependency; Debian's closure compiler cannot parse
  # it): what the tests load is what users get.
  local esbuild="$AALGATE_ROOT/node_modules/.bin/esbuild"
  [[ -x "$esbuild" ]] || die "esbuild is missing (it minifies the glue): run 'npm ci' first"
  "$esbuild" "$WASM_BUILD/aalgate-core.mjs" --minify --format=esm --platform=neutral \
    --log-level=warning --outfile="$CORE_DIR/aalgate-core.mjs"
  # The Public Suffix List table as an ES module: js/index.js imports it only for a
  # configuration with a wildcard in allowedReturnUrls, so the default core stays small.
  node -e '
    const fs = require("node:fs");
    const [from, to] = process.argv.slice(1);
    fs.writeFileSync(to, "// Generated from the Public Suffix List by tools/public-suffix.mjs; do not edit.\n" +
      "export default " + JSON.stringify(fs.readFileSync(from, "utf8")) + ";\n");' \
    "$WASM_BUILD/aalgate-public-suffix.dat" "$CORE_DIR/aalgate-public-suffix.js"
  done_step
  printf 'wasm  js/core/aalgate-core.wasm: %s\n' "$(size_line "$CORE_DIR/aalgate-core.wasm")"
  printf 'glue  js/core/aalgate-core.mjs:  %s\n' "$(size_line "$CORE_DIR/aalgate-core.mjs")"
  printf 'psl   js/core/aalgate-public-suffix.js: %s (loaded only for wildcard allowedReturnUrls)\n' \
    "$(size_line "$CORE_DIR/aalgate-public-suffix.js")"
  build_standalone
}

# aalgate, aalgate/browser and aalgate/devtools as one ES module with no bare or `#` import
# (tools/standalone.mjs, esbuild): it imports and fetches the files of js/core/ relative to itself.
build_standalone() {
  begin "standalone ES module (js/ -> js/standalone/aalgate.mjs)"
  [[ -x "$AALGATE_ROOT/node_modules/.bin/esbuild" ]] ||
    die "esbuild is missing (it bundles the standalone module): run 'npm ci' first"
  node "$AALGATE_TOOLS/standalone.mjs"
  done_step
}

cd "$AALGATE_ROOT"
[[ -f CMakeLists.txt ]] || die "no CMakeLists.txt in $AALGATE_ROOT"
need_command cmake
started="$(now)"

case "$mode" in
  if-missing)
    if core_present; then
      note "using the existing js/core (run 'npm run build' to rebuild it)" >&2
      exit 0
    fi
    build_wasm
    ;;
  release)
    build_native_release
    build_wasm
    ;;
  with-tests)
    build_native_debug
    build_wasm
    ;;
  default)
    build_wasm
    ;;
esac
note "build finished in $(since "$started") s"
