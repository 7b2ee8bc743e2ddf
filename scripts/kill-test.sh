#!/usr/bin/env bash
# The crash-safety test at length: the durability worker killed with SIGKILL at random points
# CROSSWIRE_SCALE×12 times (default scale 25: 300 kills), then drained and checked (see
# Tests/CrosswireSQLiteTests/CrashSafetyTests.swift). `swift test` runs it at scale 1.
set -euo pipefail
cd "$(dirname "$0")/.."
swift build --product crosswire
CROSSWIRE_SCALE="${CROSSWIRE_SCALE:-25}" CROSSWIRE_REQUIRE_PEERS=1 swift test --filter CrashSafetyTests 2>&1 | grep -E "crash safety|✔|✘|error"
