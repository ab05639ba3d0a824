#!/usr/bin/env bash
# The JS suite (tests/js/: the conformance vectors through the JS API, and every other test) over
# the debug core: the Wasm module built with Emscripten's runtime checks (-sASSERTIONS=2
# -sSAFE_HEAP=1, every file at -O1 -g, assert() on; CMake AALGATE_WASM_DEBUG, build/wasm-debug,
# never packaged). A wrong load or store, a stack overflow or a misused glue then aborts the
# test that caused it instead of going unnoticed.
# How the tests get the debug core: nothing in the package reads a switch. The working tree's
# files (tracked and untracked, not ignored: uncommitted changes are tested too) are copied into
# a temporary folder, js/core/'s .mjs and .wasm replaced by the debug build's, node_modules
# linked; `node --test` runs there, so `import 'aalgate'` (the package's self-reference) and
# every relative path of the tests reach the copy. The staged core is checked to be the debug
# one before any test runs (fail closed: a release core would make the step pass for nothing).
# Left out: tests/js/size.test.js (it guards the shipped sizes; the debug core is larger on
# purpose), types.test.js and types-response.test.js (tsc over the .d.ts files: no core loaded,
# 15 s of CPU for nothing here).
# Usage: tools/wasm-debug.sh [node --test arguments; default the files of tests/js/]
set -Eeuo pipefail
TOOL=wasm-debug.sh
# shellcheck source-path=SCRIPTDIR source=common.sh
source "$(dirname -- "${BASH_SOURCE[0]}")/common.sh"
need_command emcmake
need_command node
cd "$AALGATE_ROOT"

dir=build/wasm-debug
log="$(mktemp)"
stage="$(mktemp -d "${TMPDIR:-/tmp}/aalgate-debug-core.XXXXXX")"
trap 'rm -rf "$log"; [[ -n "${AALGATE_KEEP_STAGE:-}" ]] || rm -rf "$stage"' EXIT
# Debian's emcc runs node on its own tools, which need acorn from /usr/share/nodejs.
export NODE_PATH=/usr/share/nodejs

[[ -f js/core/aalgate-public-suffix.js && -f js/standalone/aalgate.mjs ]] ||
  die "js/core/aalgate-public-suffix.js or js/standalone/aalgate.mjs is missing: run 'npm run build' first"

started="$(now)"
if ! emcmake cmake -S . -B "$dir" -DCMAKE_BUILD_TYPE=Debug -DAALGATE_WASM_DEBUG=ON \
  -DAALGATE_LTO=OFF -DAALGATE_LINK_LEVEL=-O1 >"$log" 2>&1; then
  cat "$log"
  die "configuring $dir failed (output above)"
fi
if ! cmake --build "$dir" --target aalgate_core -j "$AALGATE_JOBS" >"$log" 2>&1; then
  cat "$log"
  die "building the debug core in $dir failed (output above)"
fi
note "built $dir/aalgate-core.{mjs,wasm} in $(since "$started") s"

# The package as the working tree has it, with the debug core.
started="$(now)"
git ls-files -z --cached --others --exclude-standard |
  grep -zvE '^(build|node_modules)(/|$)' |
  xargs -0 cp --parents -t "$stage" 2>/dev/null || true
while IFS= read -r -d '' missing; do
  [[ -e "$missing" ]] || continue # deleted in the working tree, not yet in git
  die "staging the package: $missing was not copied"
done < <(git ls-files -z --cached --others --exclude-standard | grep -zvE '^(build|node_modules)(/|$)' |
  while IFS= read -r -d '' f; do [[ -e "$stage/$f" ]] || printf '%s\0' "$f"; done)
mkdir -p "$stage/js/core" "$stage/js/standalone"
cp js/core/aalgate-public-suffix.js "$stage/js/core/"
cp js/standalone/aalgate.mjs "$stage/js/standalone/"
cp "$dir/aalgate-core.wasm" "$stage/js/core/"
# With ASSERTIONS, the glue of -sENVIRONMENT=web refuses to run where there is no `window` (Node);
# the shipped glue has no such check and runs in Node, workerd and browsers alike. That one
# statement is taken out of the staged copy (exactly once, or the step fails); nothing else.
node --input-type=module - "$dir/aalgate-core.mjs" "$stage/js/core/aalgate-core.mjs" <<'GLUE' ||
import { readFileSync, writeFileSync } from 'node:fs';
const [from, to] = process.argv.slice(2);
const check = 'if (!(typeof window == "object" || typeof importScripts == "function")) throw new Error("not compiled for this environment';
const glue = readFileSync(from, 'utf8');
const at = glue.indexOf(check);
if (at < 0 || glue.indexOf(check, at + 1) >= 0) process.exit(1);
const end = glue.indexOf(');', at) + 2;
writeFileSync(to, `${glue.slice(0, at)}/* web environment check removed by tools/wasm-debug.sh */${glue.slice(end)}`);
GLUE
  die "the debug glue's web environment check was not found exactly once in $dir/aalgate-core.mjs"
ln -s "$AALGATE_ROOT/node_modules" "$stage/node_modules"

# Fail closed: the staged package must load the debug build, and its checks must work: SAFE_HEAP's
# fault handlers are among the module's imports, the glue checks the stack cookie, and a free()
# of an address past the heap's top, through the staged package's own Node loader, aborts with
# SAFE_HEAP's "segmentation fault" (a release core would read the memory and go on).
node --input-type=module - "$stage" <<'CHECK' || die "the staged core is not a working debug build (output above)"
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
const stage = process.argv[2];
const bytes = readFileSync(`${stage}/js/core/aalgate-core.wasm`);
const imports = WebAssembly.Module.imports(new WebAssembly.Module(bytes)).map(({ module, name }) => `${module}.${name}`);
const missing = ['env.segfault', 'env.alignfault'].filter((name) => !imports.includes(name));
if (!readFileSync(`${stage}/js/core/aalgate-core.mjs`, 'utf8').includes('checkStackCookie')) missing.push('checkStackCookie');
if (missing.length > 0) throw new Error(`missing from the staged core: ${missing.join(', ')}`);
const { loadCore } = await import(pathToFileURL(`${stage}/js/loader/node.js`).href);
const core = await loadCore();
const top = core._sbrk(0);
let fault = 'none';
try {
  core._free(top + 64); // the glue also prints "Aborted(segmentation fault)"
} catch (error) {
  fault = String(error?.message ?? error);
}
if (!fault.includes('segmentation fault')) throw new Error(`free() past the heap's top gave: ${fault}`);
console.log(`debug core: ${bytes.length} B Wasm; SAFE_HEAP stopped a free() past the heap's top (segmentation fault)`);
CHECK
note "staged the package with the debug core in $(since "$started") s"

if (($# == 0)); then
  set --
  for file in tests/js/*.test.js; do
    case "$file" in
      tests/js/size.test.js | tests/js/types.test.js | tests/js/types-response.test.js) ;;
      *) set -- "$@" "$file" ;;
    esac
  done
fi
started="$(now)"
rc=0
(cd "$stage" && node --test "$@") || rc=$?
note "node --test over the debug core in $(since "$started") s (exit status $rc)"
exit "$rc"
