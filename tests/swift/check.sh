#!/usr/bin/env bash
# Swift binding checks without a Swift compiler (see tests/swift/check.py for what each one proves).
#
#   1. cargo build --workspace       (debug cdylib target/debug/libloyalty_ffi.so + uniffi-bindgen)
#   2. generate the Swift bindings   -> build/swift/generated/ (.swift, C header, modulemap)
#   3. tests/swift/check.py          (a) header (b) modulemap (c) C program vs the library (d) parse
#
# Swift type-checking is NOT done: that needs a Swift toolchain. Exits non-zero on any failure.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"
. tests/lib.sh
load_tools

OUT="build/swift"
GEN="$OUT/generated"

cargo build --workspace
generate_bindings swift "$GEN"
rm -rf "$OUT/work"
exec "$TS_PYTHON" tests/swift/check.py --gen-dir "$GEN" --lib "$LIB_SO" --work-dir "$OUT/work" \
    --clang "$(command -v clang)"
