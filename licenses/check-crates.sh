#!/usr/bin/env bash
# The quick half of licenses/check.sh, run by tests/run.sh: THIRD_PARTY_NOTICES names exactly the
# crates (name and version) linked into the mobile library for the six Android and iOS targets
# (licenses/about.toml), as `cargo tree` resolves them from Cargo.lock. A dependency added,
# removed or updated without regenerating the notices fails here; the license texts themselves
# are checked by licenses/check.sh (cargo-about, a few minutes to install), which rewrites the
# file with --update.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

targets=()
while read -r t; do targets+=(--target "$t"); done < <(
    sed -n '/^targets = \[/,/^\]/p' licenses/about.toml | sed -n 's/^ *"\([^"]*\)",\{0,1\}$/\1/p')
[ "${#targets[@]}" -eq 12 ] || { echo "expected six targets in licenses/about.toml" >&2; exit 2; }

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
# Normal dependencies only (build and dev dependencies are not shipped); our own crates are under
# LICENSE, not in the notices' lists.
cargo tree -p loyalty-ffi -e normal --prefix none --no-dedupe --locked "${targets[@]}" --format '{p}' \
    | awk 'NF >= 2 && $0 !~ /\(\// && $1 !~ /^loyalty-/ { v = $2; sub(/^v/, "", v); print $1, v }' \
    | LC_ALL=C sort -u > "$tmp/linked"
awk '/^Used by:/ { u = 1; next } u && /^  [^ ]+ [0-9]/ { print $1, $2; next } { u = 0 }' THIRD_PARTY_NOTICES \
    | awk '$1 !~ /^loyalty-/' | LC_ALL=C sort -u > "$tmp/listed"

if [ ! -s "$tmp/linked" ]; then
    echo "[notices] cargo tree listed no crate" >&2
    exit 1
fi
if diff "$tmp/listed" "$tmp/linked" > "$tmp/diff"; then
    echo "[notices] THIRD_PARTY_NOTICES names the $(wc -l < "$tmp/linked") crates linked into the mobile library"
    echo "Notices: 1 passed, 0 failed"
else
    echo "[notices] THIRD_PARTY_NOTICES differs from the crates linked (< listed only, > linked only):" >&2
    grep '^[<>]' "$tmp/diff" | head -n 40 >&2
    echo "[notices] run: bash licenses/check.sh --update" >&2
    echo "Notices: 0 passed, 1 failed"
    exit 1
fi
