#!/usr/bin/env bash
# Builds Ory Kratos v1.3.1 for the tests against the real server (tests/kratos/): the Go module in
# tests/kratos/ requires github.com/ory/kratos v1.3.1 from the Go module proxy (no Kratos source
# in this repository) and is built with SQLite (`-tags sqlite`, CGO) into a cache folder outside
# the repository, once per content of go.mod, go.sum and the module's .go files.
#
#   kratos.sh             build when missing; print how long it took; last line: the binary
#   kratos.sh --path      print where the binary is (or would be); build nothing
#   kratos.sh --check-go  only check that a Go toolchain recent enough is there (setup.sh)
#
# AALGATE_KRATOS_CACHE  cache folder (default: ${XDG_CACHE_HOME:-$HOME/.cache}/aalgate)
# AALGATE_FAKE_MISSING  "go" among its words: behave as if Go were absent (to test the message)
set -Eeuo pipefail
TOOL=kratos.sh
# shellcheck source-path=SCRIPTDIR source=common.sh
source "$(dirname -- "${BASH_SOURCE[0]}")/common.sh"

MODULE="$AALGATE_ROOT/tests/kratos"
# v1.3.1's go.mod says `go 1.23`; Debian 12's golang-go is 1.19.
GO_MIN_MINOR=23
GO_HINT="Go >= 1.$GO_MIN_MINOR with cgo is needed to build Kratos (Debian 12's golang-go is 1.19, too old): install the toolchain from https://go.dev/dl/, e.g. 'curl -fsSL https://go.dev/dl/go1.26.0.linux-amd64.tar.gz | sudo tar -C /usr/local -xz', then put /usr/local/go/bin on PATH"

# The go command: on PATH, else the official tarball's place.
find_go() {
  local fake=" ${AALGATE_FAKE_MISSING:-} "
  [[ "${fake//,/ }" == *" go "* ]] && return 1
  if command -v go >/dev/null 2>&1; then
    command -v go
  elif [[ -x /usr/local/go/bin/go ]]; then
    printf '%s\n' /usr/local/go/bin/go
  else
    return 1
  fi
}

# Dies with the install hint unless Go 1.23 or newer is there; prints the go command.
check_go() {
  local go version minor
  go="$(find_go)" || die "'go' not found. $GO_HINT"
  version="$(GOTOOLCHAIN=local "$go" env GOVERSION 2>/dev/null)" || die "'$go env GOVERSION' failed. $GO_HINT"
  minor="$(sed -nE 's/^go1\.([0-9]+).*/\1/p' <<<"$version")"
  [[ -n "$minor" ]] && ((minor >= GO_MIN_MINOR)) || die "found $version at $go. $GO_HINT"
  printf '%s\n' "$go"
}

# The cache entry: a short SHA-256 of what decides the binary.
binary_path() {
  local cache="${AALGATE_KRATOS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/aalgate}" key
  key="$(cd "$MODULE" && cat go.mod go.sum ./*.go | sha256sum | cut -c1-16)"
  printf '%s/kratos-v1.3.1-%s/kratos\n' "$cache" "$key"
}

build() {
  local go bin dir started tmp log
  bin="$(binary_path)"
  if [[ -x "$bin" ]]; then
    note "cached Kratos v1.3.1 reused (go.mod/go.sum unchanged): $bin"
    printf '%s\n' "$bin"
    return 0
  fi
  go="$(check_go)"
  command -v cc >/dev/null 2>&1 || command -v gcc >/dev/null 2>&1 ||
    die "no C compiler for cgo (SQLite): run 'sudo apt-get install -y gcc'"
  dir="$(dirname -- "$bin")"
  mkdir -p "$dir"
  # node --test runs files in parallel: one build at a time, the others wait for it.
  exec 9>"$dir.lock"
  flock 9
  if [[ -x "$bin" ]]; then
    printf '%s\n' "$bin"
    return 0
  fi
  note "building Ory Kratos v1.3.1 (module proxy, -tags sqlite) into $dir; a first build takes minutes"
  started="$(now)"
  tmp="$dir/kratos.tmp.$$"
  log="$dir/build.log"
  if ! (cd "$MODULE" && CGO_ENABLED=1 "$go" build -trimpath -tags sqlite \
    -ldflags '-X github.com/ory/kratos/driver/config.Version=v1.3.1' -o "$tmp" .) >"$log" 2>&1; then
    tail -n 40 "$log" >&2
    rm -f "$tmp"
    die "building Kratos failed (the last lines above; the whole log: $log)"
  fi
  mv -f "$tmp" "$bin"
  note "built Kratos v1.3.1 in $(since "$started") s: $bin"
  # Older builds (another go.sum) are of no use any more.
  local old
  for old in "$(dirname -- "$dir")"/kratos-v1.3.1-*; do
    [[ "$old" == "$dir" || "$old" == "$dir.lock" ]] && continue
    [[ -d "$old" ]] && rm -rf -- "$old" "$old.lock"
  done
  printf '%s\n' "$bin"
}

case "${1:-}" in
  --path) binary_path ;;
  --check-go) check_go >/dev/null ;;
  '') build ;;
  *) die "unknown argument '$1' (kratos.sh [--path | --check-go])" ;;
esac
