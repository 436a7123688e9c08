#!/usr/bin/env bash
# Installs the Debian 12 packages the build, tests, fuzzers and benchmarks need (and the
# explorer's: Node.js + npm to build it, Chromium for its browser tests).
# Idempotent: does nothing (and needs no network) when everything is present.
set -euo pipefail

packages=(
  build-essential cmake ninja-build ccache pkg-config git
  libssl-dev libsecp256k1-dev libsodium-dev nlohmann-json3-dev libfmt-dev libspdlog-dev
  librocksdb-dev libboost-dev libcli11-dev libtoml11-dev libabsl-dev
  libgtest-dev libgmock-dev libbenchmark-dev python3 wrk curl faketime prometheus
  clang-19 libclang-rt-19-dev clang-format-19 clang-tidy-19 llvm-19
  chromium
)
# The explorer is built with Node.js and npm (explorer/package.json). A Node.js already on
# the PATH (e.g. a NodeSource nodejs, which bundles npm) is used as it is; otherwise
# Debian's nodejs and npm are installed.
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  packages+=(nodejs npm)
fi

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#packages[@]} packages present"
  exit 0
fi

echo "install-deps: installing ${missing[*]}"
sudo_cmd=()
[ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
"${sudo_cmd[@]}" apt-get update -qq
DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
