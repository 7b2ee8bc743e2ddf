#!/usr/bin/env bash
# The main job: installs what is missing, builds the crosswire tool, and runs the cross-app demo
# (Alice on WhatsApp with a phone and a laptop, Bob on Messenger, Carol on Instagram: 1:1 across apps,
# fan-out to every device, a three-app group, a device linked and one removed, an envelope annotated),
# then checks every vector file. Extra arguments go to `crosswire demo` (e.g. --seed 7; --session for
# one Signal session in detail).
set -euo pipefail
cd "$(dirname "$0")/.."
CROSSWIRE_SKIP_PEERS=1 bash scripts/setup.sh
swift build --product crosswire
.build/debug/crosswire demo "$@"
echo
.build/debug/crosswire vectors verify --directory Vectors
