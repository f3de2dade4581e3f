#!/usr/bin/env bash
# Size of the loyalty-ffi shared library as shipped: built with the `mobile-release` profile
# (opt-level z, LTO, one codegen unit, panic = unwind, strip = false), then stripped of everything
# not needed to load it (a copy; the build output is left as it is).
#
#   bindings/size.sh                                # host target
#   TARGET=aarch64-linux-android bindings/size.sh   # a cross target (needs its toolchain/linker)
#   STRIP=/path/to/llvm-strip bindings/size.sh      # a specific strip tool
#
# MB below is 10^6 bytes; MiB is 2^20 bytes.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

target_args=()
if [[ -n "${TARGET:-}" ]]; then
    target_args=(--target "$TARGET")
fi

echo "building loyalty-ffi (profile mobile-release${TARGET:+, target $TARGET})..." >&2
cargo build -p loyalty-ffi --profile mobile-release "${target_args[@]}"

target_dir="$(cargo metadata --format-version 1 --no-deps \
    | sed -n 's/.*"target_directory":"\([^"]*\)".*/\1/p')"
target_dir="${target_dir:-$root/target}"
lib="$target_dir/${TARGET:+$TARGET/}mobile-release/libloyalty_ffi.so"
if [[ ! -f "$lib" ]]; then
    echo "not found: $lib" >&2
    exit 1
fi

strip_tool="${STRIP:-}"
if [[ -z "$strip_tool" ]]; then
    if command -v llvm-strip >/dev/null 2>&1; then
        strip_tool=llvm-strip
    elif command -v strip >/dev/null 2>&1; then
        strip_tool=strip
    else
        echo "neither llvm-strip nor strip found; set STRIP" >&2
        exit 1
    fi
fi

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
stripped="$tmp/libloyalty_ffi.so"
cp "$lib" "$stripped"
"$strip_tool" --strip-unneeded "$stripped"

report() {
    local label="$1" file="$2" bytes
    bytes="$(stat -c %s "$file")"
    awk -v l="$label" -v b="$bytes" \
        'BEGIN { printf "%-10s %12d bytes  %8.2f MB  %8.2f MiB\n", l, b, b / 1e6, b / 1048576 }'
}

echo "library:   $lib"
echo "strip:     $strip_tool --strip-unneeded (on a copy)"
report unstripped "$lib"
report stripped "$stripped"
