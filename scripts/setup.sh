#!/usr/bin/env bash
# Installs what Crosswire needs on a Debian/Ubuntu machine, skipping what is already there:
# pkg-config, libsodium-dev, libssl-dev and libsqlite3-dev (apt; GRDB links the system SQLite), and the Python venvs of the interop peers (scripts/peers-venv.sh).
# Peers are best effort here: tests that need them run the venv script again and say clearly if a
# peer cannot be installed.
set -euo pipefail
cd "$(dirname "$0")/.."

say() { echo "setup: $*" >&2; }

need_apt=()
pkg-config --exists libsodium 2>/dev/null || need_apt+=(libsodium-dev)
pkg-config --exists libcrypto 2>/dev/null || need_apt+=(libssl-dev)
pkg-config --exists sqlite3 2>/dev/null || need_apt+=(libsqlite3-dev)
command -v pkg-config >/dev/null 2>&1 || need_apt+=(pkg-config)
if [ ${#need_apt[@]} -gt 0 ]; then
    say "installing ${need_apt[*]} with apt-get"
    sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    if ! $sudo apt-get install -y --no-install-recommends "${need_apt[@]}" >&2; then
        say "apt-get install failed; refreshing the package lists and retrying"
        $sudo apt-get update >&2
        $sudo apt-get install -y --no-install-recommends "${need_apt[@]}" >&2
    fi
else
    say "libsodium-dev, libssl-dev, libsqlite3-dev and pkg-config already installed"
fi

if [ "${CROSSWIRE_SKIP_PEERS:-0}" != "1" ]; then
    bash scripts/peers-venv.sh || say "some interop peers are unavailable; scripts/test.sh then fails the tests that need them (CROSSWIRE_REQUIRE_PEERS=1)"
fi
