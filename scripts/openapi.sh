#!/usr/bin/env bash
# Server/openapi.yaml is the API's source of truth; the code generated from it is committed.
#   scripts/openapi.sh generate   regenerate Server/Sources/CrosswireServerAPI/Generated
#   scripts/openapi.sh check      fail when the committed code differs from what the document gives
# The generator (apple/swift-openapi-generator 1.14.3) is built from Server/Tools into Server/.build-openapi.
set -euo pipefail
cd "$(dirname "$0")/.."
mode=${1:-check}
swift build --package-path Server/Tools --scratch-path Server/.build-openapi -c release --product swift-openapi-generator >&2
generator=Server/.build-openapi/release/swift-openapi-generator
target=Server/Sources/CrosswireServerAPI/Generated
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
"$generator" generate --config Server/openapi-generator-config.yaml --output-directory "$out" Server/openapi.yaml >&2
case "$mode" in
    generate)
        mkdir -p "$target"
        cp "$out"/*.swift "$target"/
        echo "openapi: wrote $(ls "$out" | tr '\n' ' ')to $target" >&2
        ;;
    check)
        if ! diff -ru "$target" "$out" >&2; then
            echo "openapi: the committed code differs from Server/openapi.yaml; run scripts/openapi.sh generate" >&2
            exit 1
        fi
        echo "openapi: committed code matches Server/openapi.yaml" >&2
        ;;
    *) echo "usage: scripts/openapi.sh generate|check" >&2; exit 2 ;;
esac
