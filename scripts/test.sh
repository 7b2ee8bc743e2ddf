#!/usr/bin/env bash
# The one test command (README, CI). Installs what is missing, then:
#   1. swift build + swift test (unit, vector, scenario, simulator, corpus-replay and interop tests);
#   2. the suite again under AddressSanitizer and under ThreadSanitizer (own build folders);
#   3. a short libFuzzer pass over every fuzz target (scripts/fuzz.sh, 20 s each).
# Arguments go to the plain `swift test` and skip steps 2–3 (e.g. ./scripts/test.sh --filter Session);
# CROSSWIRE_QUICK=1 also skips them.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
# The interop tests drive the crosswire executable, which `swift test` alone does not build.
swift build
swift test "$@"
if [ $# -gt 0 ] || [ "${CROSSWIRE_QUICK:-0}" = "1" ]; then
    exit 0
fi
echo "test.sh: AddressSanitizer run" >&2
LSAN_OPTIONS="suppressions=$PWD/scripts/lsan.supp" \
    swift test --sanitize=address --scratch-path .build-asan --skip InteropTests
echo "test.sh: ThreadSanitizer run" >&2
swift test --sanitize=thread --scratch-path .build-tsan --skip InteropTests
echo "test.sh: short fuzzing pass (20 s per target)" >&2
bash scripts/fuzz.sh 20
