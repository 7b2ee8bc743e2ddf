#!/usr/bin/env bash
# Allocation thresholds of the package-benchmark suite (Benchmarks/Thresholds/).
#   scripts/benchmark-thresholds.sh check     fail if any benchmark allocates more than recorded (+ tolerance)
#   scripts/benchmark-thresholds.sh update    record the current allocation counts
# package-benchmark 1.38.1 writes threshold files with spaces turned into underscores but looks them up
# by the benchmark's raw name; `update` renames the files back (Crosswire's names contain no underscores).
set -euo pipefail
cd "$(dirname "$0")/../Benchmarks"
case "${1:-check}" in
update)
    rm -rf .build-thresholds && mkdir -p .build-thresholds
    swift package --allow-writing-to-package-directory benchmark thresholds update \
        --metric mallocCountTotal --path .build-thresholds --no-progress
    rm -rf Thresholds && mkdir Thresholds
    for file in .build-thresholds/*.json; do
        name=$(basename "$file")
        cp "$file" "Thresholds/${name//_/ }"
    done
    echo "recorded $(ls Thresholds | wc -l) thresholds" >&2
    ;;
check)
    swift package benchmark thresholds check --metric mallocCountTotal --path Thresholds --no-progress
    ;;
*)
    echo "usage: $0 [check|update]" >&2
    exit 2
    ;;
esac
