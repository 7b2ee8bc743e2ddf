#!/usr/bin/env bash
# The main job: installs what is missing, builds the server package, starts crosswire-server on SQLite on
# loopback and runs the three-app scenario with crosswire-client (scripts/three-apps.sh: Alice on WhatsApp
# with a phone and a laptop linked through a code, Bob on Messenger, Carol on Instagram; 1:1 across apps,
# fan-out, a group, a device linked and one removed, what the server stored), then checks every vector
# file. `swift run crosswire demo` shows the same scenario in one process with annotated envelopes.
set -euo pipefail
cd "$(dirname "$0")/.."
CROSSWIRE_SKIP_PEERS=1 bash scripts/setup.sh
bash scripts/three-apps.sh
echo
swift build --product crosswire
.build/debug/crosswire vectors verify --directory Vectors
