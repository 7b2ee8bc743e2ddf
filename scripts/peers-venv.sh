#!/usr/bin/env bash
# Creates the Python venvs of the peers used by the cross-checks and the interop harness (scripts/interop/):
#   .venv-peers/libsignal  CPython 3.9 + signal-protocol==0.2.3 (libsignal Rust wheel, cp39 only)
#   .venv-peers/xeddsa     default python3 + xeddsa (python bindings to libxeddsa)
#   .venv-peers/protobuf   default python3 + grpcio-tools (protoc) + protobuf + cryptography: the independent
#                          decoder of the cross-app formats (scripts/checks/crossapp_vectors.py)
#   .venv-peers/axolotl    default python3 + python-axolotl==0.2.3 + protobuf==3.20.3; its dependency
#                          python-axolotl-curve25519 ships only an sdist, so that one package (and only in
#                          this venv) is compiled from source (needs gcc and the Python headers)
# Idempotent: a venv whose module already imports is left alone.
# Exit 0 only if all peers are ready.
set -euo pipefail
cd "$(dirname "$0")/.."

say() { echo "peers-venv: $*" >&2; }

# Prints the path of a CPython 3.9 interpreter, or fails.
find_python39() {
    local cand
    local is39='import sys; sys.exit(sys.version_info[:2] != (3, 9))'
    if PYENV_VERSION=3.9.18 python3 -c "$is39" 2>/dev/null; then
        PYENV_VERSION=3.9.18 python3 -c 'import sys; print(sys.executable)'
        return 0
    fi
    for cand in \
        "$(pyenv root 2>/dev/null || true)/versions/3.9.18/bin/python3" \
        "${PYENV_ROOT:-$HOME/.pyenv}/versions/3.9.18/bin/python3" \
        /root/.pyenv/versions/3.9.18/bin/python3 \
        "$(command -v python3.9 || true)"; do
        if [ -x "$cand" ] && "$cand" -c "$is39" 2>/dev/null; then
            echo "$cand"
            return 0
        fi
    done
    return 1
}

# setup NAME MODULE PYTHON PIP-ARG...   (pip args: specs, plus e.g. --no-binary=PKG to let PKG compile)
setup() {
    local name=$1 module=$2 python=$3
    shift 3
    local dir=.venv-peers/$name
    if [ -x "$dir/bin/python" ] && "$dir/bin/python" -c "import $module" 2>/dev/null; then
        say "$name: ready (already installed in $dir)"
        return 0
    fi
    say "$name: creating $dir with $python and installing $*"
    rm -rf "$dir"
    if ! "$python" -m venv "$dir" >&2; then
        say "$name: FAILED: could not create venv with $python"
        return 1
    fi
    if ! "$dir/bin/python" -m pip install --quiet --disable-pip-version-check --only-binary=:all: "$@" >&2; then
        say "$name: FAILED: pip install $* (no network to PyPI, no binary wheel for $("$dir/bin/python" -V 2>&1), or a source build failed)"
        return 1
    fi
    if ! "$dir/bin/python" -c "import $module" >&2; then
        say "$name: FAILED: installed, but 'import $module' fails"
        return 1
    fi
    say "$name: ready ($dir)"
}

mkdir -p .venv-peers
status=0

if py39=$(find_python39); then
    setup libsignal signal_protocol "$py39" "signal-protocol==0.2.3" || status=1
else
    say "libsignal: FAILED: no CPython 3.9 found (tried pyenv 3.9.18, ~/.pyenv/versions/3.9.18, python3.9); signal-protocol 0.2.3 only ships cp39 wheels"
    status=1
fi

setup xeddsa xeddsa python3 "xeddsa>=1,<2" || status=1

setup protobuf "grpc_tools.protoc, google.protobuf, cryptography" python3 \
    "grpcio-tools==1.85.1" "protobuf==7.36.2" "cryptography==50.0.2" || status=1

if ! command -v gcc >/dev/null && ! command -v cc >/dev/null; then
    say "axolotl: warning: no C compiler found; python-axolotl-curve25519 must be compiled from source"
fi
setup axolotl "axolotl.sessioncipher, axolotl_curve25519" python3 \
    --no-binary=python-axolotl-curve25519 "python-axolotl==0.2.3" "protobuf==3.20.3" || status=1

if [ "$status" -eq 0 ]; then say "all peers ready"; else say "not all peers are ready"; fi
exit "$status"
