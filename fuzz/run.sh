#!/usr/bin/env bash
# Fuzzes the parsers and encoders with cargo-fuzz (libFuzzer + AddressSanitizer, nightly).
#   fuzz/run.sh                 every target for 20 s (the CI smoke run)
#   fuzz/run.sh 600             every target for 10 minutes (the longer run; figures in the README)
#   fuzz/run.sh 60 catima       one target
# Installs the nightly toolchain and cargo-fuzz when missing. New corpus entries go to a temporary
# directory (the seed corpus in fuzz/corpus/ stays as committed); a crash leaves its input in
# fuzz/artifacts/<target>/ and fails the run. Prints per target: executions, new corpus entries,
# the slowest input's time, and the peak memory.
set -euo pipefail
FUZZ="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$FUZZ"
seconds="${1:-20}"
shift || true
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
    targets=(catima voucher_code claim_code receipt_proof till_code combined_code google_pattern reminders_json render sync_wire ledger_page)
fi

if ! rustup run nightly rustc --version >/dev/null 2>&1; then
    rustup toolchain install nightly --profile minimal
fi
if ! command -v cargo-fuzz >/dev/null 2>&1; then
    cargo install cargo-fuzz --locked
fi

# One build of every target (release, debug assertions, ASan).
cargo +nightly fuzz build --debug-assertions

summary=()
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
for t in "${targets[@]}"; do
    mkdir -p "$work/$t"
    log="$work/$t.log"
    printf '\n==> fuzz %s for %s s\n' "$t" "$seconds"
    status=0
    cargo +nightly fuzz run --debug-assertions "$t" "$work/$t" "corpus/$t" -- \
        -max_total_time="$seconds" -max_len=65536 -timeout=10 -rss_limit_mb=2048 \
        -print_final_stats=1 >"$log" 2>&1 || status=$?
    grep -v '^loyalty-fuzz slowest' "$log" | tail -n 12
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n1)
    slow=$(sed -n 's/^loyalty-fuzz slowest: \([0-9]*\) us.*/\1/p' "$log" | sort -n | tail -n1)
    rss=$(sed -n 's/^stat::peak_rss_mb: *//p' "$log" | tail -n1)
    added=$(find "$work/$t" -type f | wc -l)
    line="$t: ${runs:-?} executions, ${added} new corpus entries, slowest input $(awk -v us="${slow:-0}" 'BEGIN { printf "%.1f", us / 1000 }') ms, peak ${rss:-?} MB"
    if [ "$status" -ne 0 ]; then
        summary+=("$line — FAILED (exit $status; input in fuzz/artifacts/$t/)")
    else
        summary+=("$line, 0 crashes")
    fi
done

printf '\n==> fuzz summary (%s s per target)\n' "$seconds"
failed=0
for s in "${summary[@]}"; do
    printf '  %s\n' "$s"
    case "$s" in *FAILED*) failed=$((failed + 1)) ;; esac
done
total=${#summary[@]}
printf 'Fuzz: %d passed, %d failed\n' "$((total - failed))" "$failed"
[ "$failed" -eq 0 ]
