#!/usr/bin/env bash
# npm's prepack and prepare scripts (all output on stderr: `npm pack --json` prints on stdout): a tarball of aalgate must carry the Wasm core (js/core/,
# git-ignored, made by tools/build.sh) and the standalone ES module (js/standalone/aalgate.mjs).
#   prepack.sh            (prepack: npm pack, npm publish) the core is there, or it is built now
#                         when Emscripten is installed, or the pack stops with what to run; then
#                         the standalone module is bundled again from js/ (esbuild, a
#                         devDependency), so it never lags behind the modules packed with it
#   prepack.sh --prepare  (prepare: npm install / npm ci) the same for an install from git, where
#                         npm clones aalgate, runs `prepare` and packs the clone; nothing in this
#                         checkout's own `npm install` / `npm ci` (building is build.sh's job)
# AALGATE_FAKE_NO_EMSCRIPTEN=1  behave as if Emscripten were not installed (to test this script)
set -Eeuo pipefail
TOOL=prepack.sh
# shellcheck source-path=SCRIPTDIR source=common.sh
source "$(dirname -- "${BASH_SOURCE[0]}")/common.sh"

cd "$AALGATE_ROOT"
CORE_FILES=(js/core/aalgate-core.mjs js/core/aalgate-core.wasm js/core/aalgate-public-suffix.js)

if [[ "${1:-}" == --prepare ]]; then
  # npm sets INIT_CWD to where it was run: inside this checkout for its own install, the user's
  # project (and this a temporary clone) for an install from git.
  root_physical="$(pwd -P)"
  case "${INIT_CWD:-}/" in
    "$AALGATE_ROOT"/* | "$root_physical"/*) exit 0 ;;
  esac
fi

core_present() {
  local file
  for file in "${CORE_FILES[@]}"; do [[ -s "$file" ]] || return 1; done
}

# The standalone module, bundled from js/ as it is now (a few hundred milliseconds).
standalone() {
  [[ -x node_modules/.bin/esbuild ]] ||
    die "esbuild is missing, and the tarball needs it to bundle js/standalone/aalgate.mjs: run 'npm ci' first"
  node "$AALGATE_TOOLS/standalone.mjs" >&2
  [[ -s js/standalone/aalgate.mjs ]] || die "tools/standalone.mjs finished but js/standalone/aalgate.mjs is missing"
}

if core_present; then
  note "the tarball gets the Wasm core in js/core/ ('npm run build' rebuilds it)" >&2
  standalone
  exit 0
fi

if [[ -z "${AALGATE_FAKE_NO_EMSCRIPTEN:-}" ]] && command -v emcmake >/dev/null 2>&1 &&
  command -v cmake >/dev/null 2>&1 && [[ -x node_modules/.bin/esbuild ]]; then
  note "js/core/ has no Wasm core: building it (tools/build.sh)" >&2
  bash "$AALGATE_TOOLS/build.sh" --if-missing >&2
  core_present || die "tools/build.sh finished but js/core/ still lacks the Wasm core"
  standalone
  exit 0
fi

if [[ "${1:-}" == --prepare ]]; then
  die "aalgate from git has no Wasm core and Emscripten is not installed to build it: install aalgate from the npm registry (its tarball carries the core), or install Emscripten, CMake, nlohmann-json and the Public Suffix List first (Debian 12: apt-get install emscripten cmake nlohmann-json3-dev publicsuffix)"
fi
die "js/core/ has no Wasm core and Emscripten is not installed to build it: run 'bash tools/setup.sh && npm run build' first"
