#!/usr/bin/env bash
# Checks formatting (clang-format-19) of every C++ file and runs clang-tidy-19 with
# the repository's .clang-tidy over the library sources, using build/compile_commands.json.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
mapfile -t files < <(git ls-files -- '*.cpp' '*.hpp')
[ ${#files[@]} -gt 0 ] || exit 0
clang-format-19 --dry-run --Werror "${files[@]}"
echo "lint: clang-format clean (${#files[@]} files)"
mapfile -t lib_sources < <(git ls-files -- 'src/*.cpp' | grep -v '_test\.cpp$')
printf '%s\n' "${lib_sources[@]}" | xargs -P 2 -n 4 clang-tidy-19 -p "${BUILD:-build}" --quiet --warnings-as-errors='*' 2>/dev/null \
  || { echo "lint: clang-tidy found problems (rerun: clang-tidy-19 -p build FILE)" >&2; exit 1; }
echo "lint: clang-tidy clean (${#lib_sources[@]} files)"
