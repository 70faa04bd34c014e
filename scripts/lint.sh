#!/usr/bin/env bash
# clang-tidy over the project's sources, with the root .clang-tidy.
set -euo pipefail
cd "$(dirname "$0")/.."
[[ -f build/compile_commands.json ]] || cmake -S . -B build -G Ninja >/dev/null
mapfile -t files < <(git ls-files '*.cpp' | grep -v '^tests/fuzz/')
run-clang-tidy -quiet -p build "${files[@]}"
