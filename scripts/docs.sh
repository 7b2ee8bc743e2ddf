#!/usr/bin/env bash
# Builds the DocC documentation of every library product and fails on any docc warning or on a public
# declaration without a summary (docc's documentation-coverage report must read 100% abstracts).
#   scripts/docs.sh            all products
#   scripts/docs.sh Crosswire  one target; prints the undocumented symbols when coverage is short
set -euo pipefail
cd "$(dirname "$0")/.."
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(CrosswireCrypto CrosswireWire Crosswire CrosswireSQLite _CrosswireTestSupport)
status=0
mkdir -p .build/docs
for target in "${targets[@]}"; do
    log=.build/docs/$target.log
    if ! swift package generate-documentation --target "$target" --experimental-skip-synthesized-symbols \
        --experimental-documentation-coverage --coverage-summary-level detailed >"$log" 2>&1; then
        echo "docs: $target: generate-documentation failed, see $log" >&2
        tail -20 "$log" >&2
        status=1
        continue
    fi
    warnings=$(grep -E "^(warning|error):|: (warning|error):" "$log" | grep -v "^\[" || true)
    if [ -n "$warnings" ]; then
        echo "docs: $target: docc warnings:" >&2
        echo "$warnings" | head -40 >&2
        status=1
    fi
    # Rows of the detailed table whose "Abstract?" column is false: public symbols with no summary.
    # Articles are listed too but docc never credits them with an abstract, so they are left out.
    missing=$(awk -F'|' 'NF >= 8 && $3 ~ /^ *false *$/ && $2 !~ /^ *(Article|CollectionGroup) *$/ {
        gsub(/^ +| +$/, "", $8); print "  " $8 }' "$log")
    summary=$(grep -E "^(Types|Members|Globals) " "$log" | awk -F'|' '{ gsub(/ +/, " ", $2); printf "%s:%s ", $1, $2 }')
    if [ -n "$missing" ]; then
        echo "docs: $target: undocumented public symbols ($summary):" >&2
        echo "$missing" >&2
        status=1
    else
        echo "docs: $target: 100% documented, no warnings ($summary)" >&2
    fi
done
exit $status
