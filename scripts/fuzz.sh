#!/usr/bin/env bash
# Runs every fuzz target in build-fuzz/fuzz for SECONDS each (default 5), starting from
# its seed corpus in fuzz/corpus/<target>/ when there is one. Fails on the first crash.
# Usage: scripts/fuzz.sh [SECONDS]
set -euo pipefail
seconds=${1:-5}
root=$(cd "$(dirname "$0")/.." && pwd)
bin_dir="$root/${FUZZ_BUILD:-build-fuzz}/fuzz"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

targets=$(find "$bin_dir" -maxdepth 1 -type f -name 'fuzz_*' -perm -u+x | sort)
[ -n "$targets" ] || { echo "fuzz.sh: no fuzz targets in $bin_dir" >&2; exit 1; }
count=0
for t in $targets; do
  name=$(basename "$t")
  corpus="$work/$name"
  mkdir -p "$corpus"
  [ -d "$root/fuzz/corpus/$name" ] && cp -r "$root/fuzz/corpus/$name/." "$corpus/"
  echo "== $name (${seconds}s)"
  "$t" -max_total_time="$seconds" -print_final_stats=0 -artifact_prefix="$work/$name-" "$corpus" \
    > "$work/$name.log" 2>&1 || { tail -n 60 "$work/$name.log"; echo "fuzz.sh: $name FAILED" >&2; exit 1; }
  grep -E '^#[0-9]+.*DONE' "$work/$name.log" | tail -n 1 || true
  count=$((count + 1))
done
echo "fuzz.sh: $count targets ran ${seconds}s each without a crash"
