#!/usr/bin/env bash
# Installs what building and testing aalgate needs on a fresh Debian 12 machine with Node 20 / npm 11:
# the Debian packages below (as root; otherwise prints the one command to run) and the npm
# dependencies. Silent and quick when everything is already there, so every `npm test` runs it.
#
# AALGATE_FAKE_MISSING="pkg1 pkg2"  treat these packages as missing (to test this script)
# AALGATE_FAKE_NONROOT=1            behave as a non-root user (to test this script)
set -Eeuo pipefail
TOOL=setup.sh
# shellcheck source-path=SCRIPTDIR source=common.sh
source "$(dirname -- "${BASH_SOURCE[0]}")/common.sh"

# emscripten brings binaryen, clang-14, lld-14, llvm-14 and node-acorn; chromium is Debian's
# browser for tests/e2e (driven by playwright-core, never a downloaded browser). Recommended
# packages are installed too: chromium is only known to work here with them. clang and
# libclang-rt-14-dev build the sanitizer suite and the libFuzzer targets; publicsuffix is the
# Public Suffix List the build turns into the core's table (allowedReturnUrls wildcards); jsonnet
# is the Jsonnet interpreter the Kratos emulator runs claims mappers with (aalgate.jsonnet, for
# whoami?tokenize_as=) and tests/tokens runs the shipped mapper with.
PACKAGES=(emscripten nlohmann-json3-dev cmake g++ clang libclang-rt-14-dev libgtest-dev
  libbenchmark-dev chromium clang-format clang-tidy publicsuffix jsonnet)

fake_missing="${AALGATE_FAKE_MISSING:-}"
fake_missing=" ${fake_missing//,/ } "

# dpkg's own record, not PATH: nlohmann-json3-dev and libgtest-dev install no command.
is_installed() {
  [[ "$fake_missing" == *" $1 "* ]] && return 1
  [[ "$(dpkg-query -W -f='${db:Status-Status}' "$1" 2>/dev/null)" == installed ]]
}

install_debian_packages() {
  if ! command -v dpkg-query >/dev/null 2>&1; then
    warn "not a Debian system: install ${PACKAGES[*]} (or their equivalents) yourself"
    return 0
  fi
  local missing=() pkg
  for pkg in "${PACKAGES[@]}"; do
    is_installed "$pkg" || missing+=("$pkg")
  done
  ((${#missing[@]} == 0)) && return 0

  if [[ "$(id -u)" != 0 || -n "${AALGATE_FAKE_NONROOT:-}" ]]; then
    printf '%s: missing Debian packages, run: sudo apt-get install -y %s\n' \
      "$TOOL" "${missing[*]}" >&2
    exit 1
  fi

  note "installing missing Debian packages: ${missing[*]}"
  local log started
  log="$(mktemp)"
  started="$(now)"
  # Wait for a concurrent apt/dpkg (unattended upgrades) instead of failing on its lock.
  if ! apt-get -o DPkg::Lock::Timeout=300 update -q >"$log" 2>&1 ||
    ! DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 install -y -q \
      "${missing[@]}" >>"$log" 2>&1; then
    tail -n 30 "$log" >&2
    rm -f "$log"
    die "apt-get failed installing: ${missing[*]} (last lines above)"
  fi
  rm -f "$log"
  for pkg in "${missing[@]}"; do
    is_installed "$pkg" || [[ "$fake_missing" == *" $pkg "* ]] ||
      die "apt-get succeeded but '$pkg' is still not installed"
  done
  note "installed ${missing[*]} in $(since "$started") s"
}

# npm ci (lockfile) or npm install, when node_modules is missing or older than the manifests.
install_npm_dependencies() {
  cd "$AALGATE_ROOT"
  [[ -f package.json ]] || return 0
  need_command npm
  local declared
  declared="$(node -e '
    const p = require("./package.json");
    const kinds = ["dependencies", "devDependencies", "optionalDependencies"];
    process.stdout.write(String(kinds.reduce((n, k) => n + Object.keys(p[k] || {}).length, 0)));')"
  # Nothing to install: running npm would only create an empty lockfile.
  ((declared == 0)) && [[ ! -f package-lock.json ]] && return 0

  # Our own stamp: npm may write package-lock.json after node_modules, which would look stale.
  local stamp=node_modules/.aalgate-setup-stamp
  if [[ -f "$stamp" && ! package.json -nt "$stamp" &&
    (! -f package-lock.json || ! package-lock.json -nt "$stamp") ]]; then
    return 0
  fi

  local cmd=(npm install)
  [[ -f package-lock.json ]] && cmd=(npm ci)
  note "running ${cmd[*]}"
  local started
  started="$(now)"
  "${cmd[@]}" --no-audit --no-fund --loglevel=error || die "'${cmd[*]}' failed"
  mkdir -p node_modules
  touch "$stamp"
  note "${cmd[*]} done in $(since "$started") s"
}

install_debian_packages
install_npm_dependencies

# --- Go, for tests/kratos/ (Kratos v1.3.1 built from the Go module proxy by kratos.sh) ---------
# Missing or older than 1.23: stops with the install hint, as for the Debian packages above.
bash "$AALGATE_TOOLS/kratos.sh" --check-go
