#!/usr/bin/env bash
# Runs each named test binary of a ThreadSanitizer build (make tsan); fails on the first
# binary that fails or in which TSan reports anything (halt_on_error=1 in TSAN_OPTIONS).
# Usage: scripts/run-tsan.sh BUILD_DIR TEST...
set -euo pipefail
build=$1
shift
for name in "$@"; do
  bin=$(find "$build/src" -maxdepth 2 -type f -name "$name" -perm -u+x | head -n 1)
  [ -n "$bin" ] || { echo "run-tsan.sh: no $name in $build" >&2; exit 1; }
  echo "tsan: $name"
  "$bin" --gtest_brief=1 || { echo "run-tsan.sh: $name FAILED under ThreadSanitizer" >&2; exit 1; }
done
echo "run-tsan.sh: $# test binaries clean under ThreadSanitizer"
