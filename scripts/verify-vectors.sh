#!/usr/bin/env bash
# The main job at this stage: installs what is missing, builds the crosswire tool and checks every
# vector file in Vectors/ (Crosswire's own and Wycheproof's), one line per file.
set -euo pipefail
cd "$(dirname "$0")/.."
CROSSWIRE_SKIP_PEERS=1 bash scripts/setup.sh
exec swift run crosswire vectors verify --directory Vectors "$@"
