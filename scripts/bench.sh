#!/usr/bin/env bash
# Runs every Google Benchmark binary in build/bench.
#   scripts/bench.sh           full run; JSON results in build/bench-results/
#   scripts/bench.sh --smoke   each benchmark very briefly, to keep them working (CI)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build="${BUILD:-build}"; bin_dir="$root/$build/bench"
mode=${1:-full}
benches=$(find "$bin_dir" -maxdepth 1 -type f -name 'bench_*' -perm -u+x | sort)
[ -n "$benches" ] || { echo "bench.sh: no benchmarks in $bin_dir" >&2; exit 1; }
out="$root/$build/bench-results"
mkdir -p "$out"
for b in $benches; do
  name=$(basename "$b")
  echo "== $name"
  if [ "$mode" = "--smoke" ]; then
    CLOUDCHAIN_BENCH_SMOKE=1 "$b" --benchmark_min_time=0.001 > "$out/$name.smoke.txt" 2>&1 \
      || { cat "$out/$name.smoke.txt"; echo "bench.sh: $name FAILED" >&2; exit 1; }
    tail -n +1 "$out/$name.smoke.txt" | grep -c '^BM_' | xargs echo "  benchmarks run:"
  else
    "$b" --benchmark_out="$out/$name.json" --benchmark_out_format=json
  fi
done
if [ "$mode" = "--smoke" ]; then
  # Real nodes on loopback (no root needed), a few blocks: keeps the script and the log
  # lines it reads working; the figures come from `make bench-propagation`.
  echo "== bench-propagation (line of 4 nodes, 5 blocks)"
  BUILD="$build" "$root/scripts/bench-propagation.py" --blocks 5 --warmup 2 --block-time-ms 200 \
    > "$out/bench-propagation.smoke.txt" 2>&1 \
    || { cat "$out/bench-propagation.smoke.txt"; echo "bench.sh: bench-propagation FAILED" >&2; exit 1; }
  grep '^all ' "$out/bench-propagation.smoke.txt" | sed 's/^/  /'
fi
