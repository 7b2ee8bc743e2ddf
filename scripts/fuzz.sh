#!/usr/bin/env bash
# libFuzzer campaigns for every decoder and decrypt path (Sources/_CrosswireTestSupport).
#   scripts/fuzz.sh [SECONDS_PER_TARGET] [TARGET...]     default: 60 s, all targets
# Builds Fuzz/ with -sanitize=fuzzer,address into .build-fuzz/, starts each target from the seed corpus
# Vectors/corpus/<target>/ (new interesting inputs go to .build-fuzz/corpus/<target>/), and copies any
# crash into Vectors/corpus/<target>/ as a regression seed that `swift test` replays. Exits 1 on a crash.
# Long campaigns: scripts/fuzz.sh 3600 decrypt_signal  (or run several in parallel, one per core).
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60}
shift || true
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
    targets=(signal_message prekey_message sender_key_message records cross_app interop_line decrypt_signal decrypt_prekey decrypt_sender_key)
fi
# Debug configuration: swift-frontend 6.3.1 crashes (signal 11 in LLVM's coroutine splitting, swifterror)
# when it optimizes, with -sanitize=address, an async function that calls Crosswire's typed-throwing async
# APIs from an untyped `throws` context (the interop server's dispatcher). Release builds without
# sanitizers are not affected (Benchmarks/ builds them). Fewer executions per second, same coverage.
(cd Fuzz && swift build -c debug --scratch-path ../.build-fuzz \
    -Xswiftc -sanitize=fuzzer,address -Xswiftc -parse-as-library >&2)
binary=.build-fuzz/debug/crosswire-fuzz
status=0
for target in "${targets[@]}"; do
    mkdir -p ".build-fuzz/corpus/$target" "Vectors/corpus/$target" ".build-fuzz/artifacts/$target"
    echo "fuzz: $target for ${seconds}s" >&2
    log=".build-fuzz/$target.log"
    if LSAN_OPTIONS="suppressions=$PWD/scripts/lsan.supp" CROSSWIRE_FUZZ_TARGET=$target "$binary" -max_total_time="$seconds" -max_len=4096 -timeout=10 -rss_limit_mb=4096 \
        -artifact_prefix=".build-fuzz/artifacts/$target/" ".build-fuzz/corpus/$target" "Vectors/corpus/$target" >"$log" 2>&1; then
        echo "fuzz: $target ok: $(grep -E '^#[0-9]+.*(DONE|pulse)' "$log" | tail -1)" >&2
    else
        echo "fuzz: $target FAILED, see $log" >&2
        for crash in .build-fuzz/artifacts/"$target"/*; do
            [ -f "$crash" ] && cp "$crash" "Vectors/corpus/$target/regression-$(basename "$crash")"
        done
        status=1
    fi
done
exit $status
