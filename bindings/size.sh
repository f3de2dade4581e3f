#!/usr/bin/env bash
# Size of the loyalty-ffi shared library as shipped: built with the `mobile-release` profile
# (opt-level z, LTO, one codegen unit, panic = unwind, strip = false; bindings/build.rs adds packed
# relocations and identical code folding), then stripped of everything not needed to load it (a
# copy; the build output is left as it is). Prints where the bytes go: by section (of the stripped
# copy) and by crate (symbol sizes of the unstripped build, `nm`).
#
#   bindings/size.sh                                # host target
#   bindings/size.sh --budget 4.0                   # fail (exit 1) when stripped > 4.0 MB
#   TARGET=aarch64-linux-android bindings/size.sh   # a cross target (needs its toolchain/linker)
#   STRIP=/path/to/llvm-strip bindings/size.sh      # a specific strip tool
#   NO_BUILD=1 bindings/size.sh                     # measure the library already built
#   LIB=/path/to/libloyalty_ffi.so bindings/size.sh # measure that file (unstripped), no build
#   TOP=40 bindings/size.sh                         # crates listed (default 25)
#   bindings/size.sh --check-metadata               # also: metadata-symbols.txt names exactly
#                                                   # the debug library's UNIFFI_META_* exports,
#                                                   # and the measured library exports none
#   bindings/size.sh --update-metadata              # rewrite metadata-symbols.txt, then exit
#
# MB below is 10^6 bytes; MiB is 2^20 bytes.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

budget_mb=""
metadata=""
while [[ $# -gt 0 ]]; do
    case "$1" in
        --check-metadata) metadata=check; shift ;;
        --update-metadata) metadata=update; shift ;;
        --budget) budget_mb="${2:?--budget needs a size in MB}"; shift 2 ;;
        --budget=*) budget_mb="${1#--budget=}"; shift ;;
        -h|--help) sed -n '2,20p' "$0"; exit 0 ;;
        *) echo "unknown argument: $1 (see --help)" >&2; exit 2 ;;
    esac
done
if [[ -n "$budget_mb" && ! "$budget_mb" =~ ^[0-9]+(\.[0-9]+)?$ ]]; then
    echo "--budget takes a size in MB (10^6 bytes), e.g. 4.0; got: $budget_mb" >&2
    exit 2
fi

# --- uniffi metadata kept local in the shipped library (bindings/build.rs) -------------------------
# The names come from the debug library, the one uniffi-bindgen reads (its linking is untouched).
metadata_list="bindings/metadata-symbols.txt"
if [[ -n "$metadata" ]]; then
    cargo build -p loyalty-ffi >&2
    debug_dir="$(cargo metadata --format-version 1 --no-deps \
        | sed -n 's/.*"target_directory":"\([^"]*\)".*/\1/p')"
    debug_lib="${debug_dir:-$root/target}/debug/libloyalty_ffi.so"
    exported="$(mktemp)"
    nm -D --defined-only "$debug_lib" | awk '$3 ~ /^UNIFFI_META_/ { print $3 }' | LC_ALL=C sort > "$exported"
    if [[ "$metadata" == update ]]; then
        { sed -n '/^#/p' "$metadata_list"; cat "$exported"; } > "$metadata_list.new"
        mv "$metadata_list.new" "$metadata_list"
        echo "$metadata_list: $(wc -l < "$exported") names" >&2
        rm -f "$exported"
        exit 0
    fi
    if ! diff <(grep -v '^#' "$metadata_list" | LC_ALL=C sort) "$exported" > /dev/null; then
        echo "$metadata_list differs from the debug library's UNIFFI_META_* exports (< list, > library):" >&2
        diff <(grep -v '^#' "$metadata_list" | LC_ALL=C sort) "$exported" | head -n 20 >&2 || true
        echo "run: bash bindings/size.sh --update-metadata" >&2
        rm -f "$exported"
        exit 1
    fi
    echo "metadata: $metadata_list names the debug library's $(wc -l < "$exported") UNIFFI_META_* exports"
    rm -f "$exported"
fi

target_args=()
if [[ -n "${TARGET:-}" ]]; then
    target_args=(--target "$TARGET")
fi

if [[ -z "${NO_BUILD:-}" && -z "${LIB:-}" ]]; then
    echo "building loyalty-ffi (profile mobile-release${TARGET:+, target $TARGET})..." >&2
    start=$(date +%s)
    cargo build -p loyalty-ffi --profile mobile-release "${target_args[@]}"
    echo "build: $(( $(date +%s) - start )) s" >&2
fi

target_dir="$(cargo metadata --format-version 1 --no-deps \
    | sed -n 's/.*"target_directory":"\([^"]*\)".*/\1/p')"
target_dir="${target_dir:-$root/target}"
lib="${LIB:-$target_dir/${TARGET:+$TARGET/}mobile-release/libloyalty_ffi.so}"
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
nm_tool="${NM:-}"
if [[ -z "$nm_tool" ]]; then
    # GNU nm first: llvm-nm leaves Rust symbols with an `.llvm.<n>` suffix mangled
    if command -v nm >/dev/null 2>&1; then nm_tool=nm; else nm_tool=llvm-nm; fi
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

# --- by section (stripped copy: what is shipped) ------------------------------------------------
echo
echo "by section (stripped), bytes and share of the file:"
file_bytes="$(stat -c %s "$stripped")"
size -A -d "$stripped" | awk -v total="$file_bytes" '
    $1 ~ /^\./ && $2 > 0 { sz[$1] = $2 }
    END {
        n = 0
        for (s in sz) { names[++n] = s }
        # largest first (insertion sort: a few dozen sections)
        for (i = 2; i <= n; i++) {
            k = names[i]; j = i - 1
            while (j > 0 && sz[names[j]] < sz[k]) { names[j + 1] = names[j]; j-- }
            names[j + 1] = k
        }
        other = 0
        for (i = 1; i <= n; i++) {
            if (sz[names[i]] >= 10000) printf "  %-20s %10d  %5.1f %%\n", names[i], sz[names[i]], 100 * sz[names[i]] / total
            else other += sz[names[i]]
        }
        printf "  %-20s %10d  %5.1f %%\n", "(smaller sections)", other, 100 * other / total
    }'

# --- by crate (symbols of the unstripped build) -------------------------------------------------
# A symbol counts for the crate its demangled path starts with; for generic code that is the
# crate of the type or function instantiated (`<sled::Tree as ...>` is sled's, `drop_in_place<X>`
# is X's). Symbols without a path are C/assembly (ring's, the only such dependency), uniffi's
# exported scaffolding functions and its metadata. Read-only data without a symbol (string
# literals, most lookup tables, vtables) is not attributed: the line "(no symbol)" is what the
# code and data sections hold beyond the named symbols.
echo
echo "by crate (symbol sizes; code = .text, data = named read-only and writable data):"
"$nm_tool" -C --radix=d --print-size --defined-only "$lib" > "$tmp/nm.txt"
code_data_sections="$(size -A -d "$lib" | awk '$1 == ".text" || $1 == ".rodata" || $1 == ".data.rel.ro" || $1 == ".data" { s += $2 } END { print s + 0 }')"
awk -v top="${TOP:-25}" -v sections="$code_data_sections" '
    function crate_of(n,   i, c) {
        while (1) {
            sub(/^(<|&mut |&|\*const |\*mut |dyn |\[|\()+/, "", n)
            if (substr(n, 1, 25) == "core::ptr::drop_in_place<") { n = substr(n, 26); continue }
            break
        }
        i = index(n, "::")
        if (i == 0) {
            if (n ~ /^UNIFFI_META/) return "(uniffi metadata)"
            if (n ~ /^(uniffi_|ffi_)/) return "loyalty_ffi"
            if (n ~ /^(rust_|__rust|_ZN|_R)/) return "std"
            return "ring"
        }
        c = substr(n, 1, i - 1)
        if (c ~ /[<> ,]/) return "(other generic)"
        if (c == "core" || c == "alloc" || c == "std" || c == "std_detect" || c == "panic_unwind" \
            || c == "compiler_builtins" || c == "gimli" || c == "addr2line" || c == "rustc_demangle" \
            || c == "object" || c == "__rustc") return "std"
        return c
    }
    # nm lines: ADDRESS SIZE TYPE NAME...; an address listed twice (aliases, folded code) counts once
    NF >= 4 && !seen[$1]++ {
        name = $0; sub(/^[^ ]+ +[^ ]+ +[^ ]+ +/, "", name)
        c = crate_of(name)
        if ($3 ~ /[tTwW]/) code[c] += $2; else data[c] += $2
        all[c] += $2; named += $2
    }
    END {
        n = 0
        for (c in all) names[++n] = c
        for (i = 2; i <= n; i++) {
            k = names[i]; j = i - 1
            while (j > 0 && all[names[j]] < all[k]) { names[j + 1] = names[j]; j-- }
            names[j + 1] = k
        }
        printf "  %-26s %10s %10s %10s\n", "crate", "total", "code", "data"
        rest = 0
        for (i = 1; i <= n; i++) {
            c = names[i]
            if (i <= top) printf "  %-26s %10d %10d %10d\n", c, all[c], code[c], data[c]
            else rest += all[c]
        }
        printf "  %-26s %10d   (%d more crates)\n", "(the rest)", rest, (n > top ? n - top : 0)
        printf "  %-26s %10d\n", "(named symbols)", named
        printf "  %-26s %10d   (.text + .rodata + .data.rel.ro + .data, less the named symbols)\n", "(no symbol)", sections - named
    }' "$tmp/nm.txt"
echo "  (std includes its backtrace printer: gimli, addr2line, rustc_demangle)"

# --- metadata hidden (host x86_64 Linux and Android: the targets linked by lld) -------------------
if [[ "$metadata" == check ]]; then
    left="$("$nm_tool" -D --defined-only "$lib" | awk '$3 ~ /^UNIFFI_META_/' | wc -l)"
    if [[ "$left" -gt 0 ]]; then
        echo "metadata: FAILED, the measured library still exports $left UNIFFI_META_* symbols" >&2
        exit 1
    fi
    echo "metadata: the measured library exports no UNIFFI_META_* symbol"
fi

# --- budget ---------------------------------------------------------------------------------------
if [[ -n "$budget_mb" ]]; then
    echo
    awk -v b="$file_bytes" -v m="$budget_mb" 'BEGIN {
        limit = m * 1e6
        if (b <= limit) {
            printf "size budget: ok, %.2f MB <= %s MB (%d bytes to spare)\n", b / 1e6, m, limit - b
            exit 0
        }
        printf "size budget: FAILED, %.2f MB > %s MB (%d bytes over); see the breakdown above\n", b / 1e6, m, b - limit
        exit 1
    }'
fi
