#!/usr/bin/env bash
# The project's test command: set-up, format, lints, Rust tests, Kotlin tests, decoder checks,
# the .pkpass check with a third-party reader, Swift checks.
# Runs from any directory; stops at the first failing stage. Stage logs go to build/logs/.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
LOGS="build/logs"
mkdir -p "$LOGS"

timings=()
stage() { # stage NAME LOG COMMAND...: prints a header, runs COMMAND (output also in LOG), times it
    local name="$1" log="$LOGS/$2.log" start status=0
    shift 2
    printf '\n==> %s: %s\n' "$name" "$*"
    start=$(date +%s.%N)
    "$@" 2>&1 | tee "$log" || status=$?
    local took
    took=$(awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f s", b - a }')
    timings+=("$name $took")
    if [ "$status" -ne 0 ]; then
        printf '\n==> FAILED: %s (exit %d, after %s; log: %s)\n' "$name" "$status" "$took" "$log"
        exit "$status"
    fi
    printf '==> %s: ok (%s)\n' "$name" "$took"
}

stage "setup" setup bash tests/setup.sh
stage "rustfmt" fmt cargo fmt --all -- --check
stage "clippy" clippy cargo clippy --workspace --all-targets -- -D warnings
stage "cargo test" cargo-test cargo test --workspace
stage "Kotlin tests" kotlin bash tests/kotlin/run.sh
stage "Decoder checks" decode bash tests/decode/run.sh
stage "Passkit checks" passkit bash cli/tests/passkit/run.sh
stage "Swift checks" swift bash tests/swift/check.sh

# Summary: counts read back from the stage logs.
rust_passed=0 rust_failed=0 kotlin_passed=0 kotlin_failed=0 swift_passed=0 swift_failed=0
decode_passed=0 decode_failed=0 passkit_passed=0 passkit_failed=0
read -r rust_passed rust_failed < <(awk '/^test result:/ {
        for (i = 1; i <= NF; i++) { if ($(i) ~ /^passed;?$/) p += $(i-1); if ($(i) ~ /^failed;?$/) f += $(i-1) } }
    END { print p + 0, f + 0 }' "$LOGS/cargo-test.log") || true
count() { sed -n "s/^$1: \([0-9]*\) passed, \([0-9]*\) failed.*/\1 \2/p" "$2" | tail -n1; }
read -r kotlin_passed kotlin_failed < <(count Kotlin "$LOGS/kotlin.log") || true
read -r swift_passed swift_failed < <(count Swift "$LOGS/swift.log") || true
read -r decode_passed decode_failed < <(count Decode "$LOGS/decode.log") || true
read -r passkit_passed passkit_failed < <(count Passkit "$LOGS/passkit.log") || true

printf '\n==> summary\n'
printf '  %s\n' "${timings[@]}"
printf '  cargo test: %d passed; Kotlin: %d passed; Decode: %d passed; Passkit: %d passed; Swift checks: %d passed (no Swift type-checking: no Swift toolchain here)\n' \
    "$rust_passed" "$kotlin_passed" "$decode_passed" "$passkit_passed" "$swift_passed"
printf 'Total: %d passed, %d failed\n' "$((rust_passed + kotlin_passed + decode_passed + passkit_passed + swift_passed))" \
    "$((rust_failed + kotlin_failed + decode_failed + passkit_failed + swift_failed))"
