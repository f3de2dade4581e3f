#!/usr/bin/env bash
# The project's test command: set-up, format, lints, Rust tests, the reminders evaluation on real
# data (a quality gate), Kotlin tests, the Android checks, the shared Compose screens rendered
# headless (android/screens/render.sh), decoder checks, the Peppol validation of the UBL invoices,
# a short fuzzing run of every parser and encoder, the .pkpass check with a third-party reader,
# Swift checks.
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
stage "Reminders evaluation" eval bash tests/eval/run.sh
stage "Kotlin tests" kotlin bash tests/kotlin/run.sh
stage "Android checks" android bash android/check.sh
stage "Screens" screens env SCREENS_CARGO_SCOPE=workspace bash android/screens/render.sh
stage "Copy checks" copy bash tests/copy/run.sh
stage "Decoder checks" decode bash tests/decode/run.sh
stage "UBL checks" ubl bash tests/ubl/run.sh
stage "Release checks" release env RELEASE_CHECK_CARGO_SCOPE=workspace bash release/check.sh
stage "Library size" size bash bindings/size.sh --budget 5.2 --check-metadata
stage "Third-party notices" notices bash licenses/check-crates.sh
stage "Fuzz smoke" fuzz bash fuzz/run.sh 15
stage "Passkit checks" passkit bash cli/tests/passkit/run.sh
stage "OpenAPI checks" openapi bash server/check-openapi.sh
stage "Swift checks" swift bash tests/swift/check.sh
stage "iOS checks" ios bash ios/check.sh

# Summary: counts read back from the stage logs. cargo's "test result:" lines, then every stage
# that ends with a "<Label>: N passed, N failed" line.
read -r total_passed total_failed < <(awk '/^test result:/ {
        for (i = 1; i <= NF; i++) { if ($(i) ~ /^passed;?$/) p += $(i-1); if ($(i) ~ /^failed;?$/) f += $(i-1) } }
    END { print p + 0, f + 0 }' "$LOGS/cargo-test.log") || true
parts=("cargo test: $total_passed passed")
for pair in Kotlin:kotlin Android:android Screens:screens Copy:copy Release:release Notices:notices Decode:decode UBL:ubl Fuzz:fuzz Passkit:passkit OpenAPI:openapi Swift:swift iOS:ios; do
    label="${pair%%:*}" log="$LOGS/${pair#*:}.log"
    read -r p f < <(sed -n "s/^$label: \([0-9]*\) passed, \([0-9]*\) failed.*/\1 \2/p" "$log" | tail -n1) || true
    total_passed=$((total_passed + ${p:-0}))
    total_failed=$((total_failed + ${f:-0}))
    parts+=("$label: ${p:-0} passed")
done

printf '\n==> summary\n'
printf '  %s\n' "${timings[@]}"
printf '  %s\n' "$(IFS=';'; echo "${parts[*]}" | sed 's/;/; /g')"
printf '  (no Swift type-checking: no Swift toolchain here; the Android sample app is built in Android Studio)\n'
printf 'Total: %d passed, %d failed\n' "$total_passed" "$total_failed"
