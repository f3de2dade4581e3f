#!/usr/bin/env bash
# Decoder checks: renders sample codes in all 13 symbologies (PNG and SVG, normal and dark mode)
# into build/decode with tests/src/bin/render_samples.rs, then decodes every one with independent
# decoders (zxing-cpp, zbar) through tests/decode/decode.py. Prints `Decode: N passed, N failed`.
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
