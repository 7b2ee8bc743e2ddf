#!/usr/bin/env bash
# Crosswire side by side with libsignal-protocol-c, libolm and the primitive floor, in one process per
# engine family: installs the Debian peers if missing, builds Benchmarks/ in release mode and runs
# crosswire-compare (pass --json for one JSON object per line).
set -euo pipefail
cd "$(dirname "$0")/.."
CROSSWIRE_SKIP_PEERS=1 bash scripts/setup.sh
missing=()
[ -f /usr/include/signal/signal_protocol.h ] || missing+=(libsignal-protocol-c-dev)
[ -f /usr/include/olm/olm.h ] || missing+=(libolm-dev)
if [ ${#missing[@]} -gt 0 ]; then
    echo "compare: installing ${missing[*]}" >&2
    sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
    $sudo apt-get install -y --no-install-recommends "${missing[@]}" >&2 || { $sudo apt-get update >&2; $sudo apt-get install -y --no-install-recommends "${missing[@]}" >&2; }
fi
cd Benchmarks
swift build -c release --product crosswire-compare >&2
exec .build/release/crosswire-compare "$@"
