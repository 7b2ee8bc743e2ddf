#!/usr/bin/env bash
# The main job: installs what is missing, builds the crosswire tool, and runs the cross-app demo
# (a Messenger device and a WhatsApp device set up a Signal session and talk, wire bytes annotated),
# then checks every vector file. Extra arguments go to `crosswire demo` (e.g. --seed 7).
set -euo pipefail
cd "$(dirname "$0")/.."
CROSSWIRE_SKIP_PEERS=1 bash scripts/setup.sh
swift build --product crosswire
.build/debug/crosswire demo "$@"
echo
.build/debug/crosswire vectors verify --directory Vectors
