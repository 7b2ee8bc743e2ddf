#!/usr/bin/env bash
# The one test command (README, CI). Installs what is missing, then runs, timing each step:
#   1. setup: apt packages and the interop peers' venvs (scripts/setup.sh);
#   2. swift build (the interop tests drive the crosswire executable);
#   3. swift test with CROSSWIRE_REQUIRE_PEERS=1: unit, vector, scenario, simulator, corpus-replay and
#      interop tests, where a missing peer or binary is a failure rather than a skip;
#   4. the DocC documentation of every product: no warning, every public declaration documented;
#   5. the suite again under AddressSanitizer and under ThreadSanitizer (own build folders);
#   6. a short libFuzzer pass over every fuzz target (scripts/fuzz.sh, 15 s each over 9 targets: 135 s in all);
#   7. the server package (Server/): its OpenAPI code matches openapi.yaml, one build, its suite on SQLite.
# Arguments go to the plain `swift test` and skip steps 4–6 (e.g. ./scripts/test.sh --filter Session);
# CROSSWIRE_QUICK=1 also skips them.
set -euo pipefail
cd "$(dirname "$0")/.."

started=$(date +%s)
timings=()
step() {
    local name=$1
    shift
    local begin
    begin=$(date +%s)
    echo "test.sh: == $name" >&2
    "$@"
    local seconds=$(( $(date +%s) - begin ))
    timings+=("$(printf '%-28s %5d s' "$name" "$seconds")")
    echo "test.sh: == $name took ${seconds} s" >&2
}
report() {
    echo "test.sh: time per step" >&2
    for line in "${timings[@]}"; do echo "  $line" >&2; done
    echo "  $(printf '%-28s %5d s' total $(( $(date +%s) - started )))" >&2
}
trap report EXIT

step "setup" bash scripts/setup.sh
step "swift build" swift build
step "swift test (peers required)" env CROSSWIRE_REQUIRE_PEERS=1 swift test "$@"
if [ $# -gt 0 ] || [ "${CROSSWIRE_QUICK:-0}" = "1" ]; then
    exit 0
fi
step "docs (DocC, 100% coverage)" bash scripts/docs.sh
step "AddressSanitizer" env CROSSWIRE_SCALE=0.3 LSAN_OPTIONS="suppressions=$PWD/scripts/lsan.supp" \
    swift test --sanitize=address --scratch-path .build-asan --skip InteropTests
step "ThreadSanitizer" env CROSSWIRE_SCALE=0.3 swift test --sanitize=thread --scratch-path .build-tsan --skip InteropTests
step "fuzz (15 s per target)" bash scripts/fuzz.sh 15
step "server: OpenAPI code matches" bash scripts/openapi.sh check
step "server: build (once)" swift build --package-path Server --build-tests
step "server: tests (SQLite)" swift test --package-path Server --skip-build
