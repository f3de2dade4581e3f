#!/usr/bin/env bash
# THIRD_PARTY_NOTICES, regenerated from Cargo.lock by cargo-about and compared with the committed
# file: a dependency added, removed or updated without regenerating the notices fails here.
#
#   bash licenses/check.sh            check (exit 1 and a diff when the file is out of date)
#   bash licenses/check.sh --update   rewrite THIRD_PARTY_NOTICES
#
# The crates are those linked into the mobile library (bindings/, loyalty-ffi) for the six
# Android and iOS targets (licenses/about.toml); build and dev dependencies are not shipped and
# are left out. Runs offline: only the license files packaged in each crate are read.
# cargo-about is installed when missing (compiled from crates.io: a few minutes on 2 cores).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

ABOUT_VERSION="0.9.3"
if ! cargo about --version 2>/dev/null | grep -q " $ABOUT_VERSION"; then
    echo "[licenses] installing cargo-about $ABOUT_VERSION" >&2
    cargo install --locked cargo-about --version "$ABOUT_VERSION" --features cli >&2
fi

out="$(mktemp)"
trap 'rm -f "$out"' EXIT
cargo about generate --manifest-path bindings/Cargo.toml --config licenses/about.toml \
    --locked --offline --fail licenses/notices.hbs --output-file "$out"

if [ "${1:-}" = "--update" ]; then
    cp "$out" THIRD_PARTY_NOTICES
    echo "[licenses] THIRD_PARTY_NOTICES written"
    exit 0
fi
if diff -u THIRD_PARTY_NOTICES "$out" > /dev/null; then
    echo "Licenses: 1 passed, 0 failed"
else
    diff -u THIRD_PARTY_NOTICES "$out" | head -n 40 >&2 || true
    echo "[licenses] THIRD_PARTY_NOTICES is out of date: run bash licenses/check.sh --update" >&2
    echo "Licenses: 0 passed, 1 failed"
    exit 1
fi
