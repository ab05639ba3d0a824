#!/usr/bin/env bash
# The Wasm core built with AALGATE_TEST_TRAPS (CMake option; never packaged) into
# build/wasm-traps: a whoami body "aalgate-test-trap:<kind>" makes run() fail for real inside the
# module (unreachable, abort, out-of-bounds, out-of-memory with memory capped at 32 MB), so that
# tests/traps can check that a Gate answers core_failure and the next call works. The rest of the
# build is the shipped one (MinSizeRel, the same flags), LTO off to keep it quick.
# Prints where the build is; exits non-zero when it fails.
set -Eeuo pipefail
TOOL=wasm-traps.sh
# shellcheck source-path=SCRIPTDIR source=common.sh
source "$(dirname -- "${BASH_SOURCE[0]}")/common.sh"
need_command emcmake
cd "$AALGATE_ROOT"

dir=build/wasm-traps
log="$(mktemp)"
trap 'rm -f "$log"' EXIT
# Debian's emcc runs node on its own tools, which need acorn from /usr/share/nodejs.
export NODE_PATH=/usr/share/nodejs

started="$(now)"
if ! emcmake cmake -S . -B "$dir" -DCMAKE_BUILD_TYPE=MinSizeRel -DAALGATE_TEST_TRAPS=ON \
  -DAALGATE_LTO=OFF >"$log" 2>&1; then
  cat "$log"
  die "configuring $dir failed (output above)"
fi
if ! cmake --build "$dir" --target aalgate_core -j "$AALGATE_JOBS" >"$log" 2>&1; then
  cat "$log"
  die "building the trap core in $dir failed (output above)"
fi
for name in aalgate-core.mjs aalgate-core.wasm; do
  [[ -f "$dir/$name" ]] || die "the build made no $dir/$name"
done
note "built $dir/aalgate-core.{mjs,wasm} (test traps) in $(since "$started") s"
