#!/usr/bin/env bash
# The one test command (README, CI): installs what is missing, then runs the whole test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
# The interop tests drive the crosswire executable, which `swift test` alone does not build.
swift build
exec swift test "$@"
