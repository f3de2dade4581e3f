#!/usr/bin/env bash
# Decoder checks: renders sample codes in all 13 symbologies (PNG and SVG, normal and dark mode)
# and seeded random payloads of every character class and length (PNG) into build/decode with
# tests/src/bin/render_samples.rs, then decodes every one with independent decoders (zxing-cpp,
# zbar, libdmtx) through tests/decode/decode.py. Prints `Decode: N passed, N failed`.
# DECODE_SEED=<u64> replays another random set, DECODE_RANDOM=<n> sets payloads per symbology
# (default 100: about a minute on 2 cores).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"
# shellcheck source=../lib.sh
. tests/lib.sh
load_tools

OUT="build/decode"
rm -rf "$OUT"
cargo run -q -p loyalty-tests --bin render_samples -- "$OUT"
"${DECODE_PYTHON:-$ROOT/.tools/venv/bin/python}" tests/decode/decode.py "$OUT"
