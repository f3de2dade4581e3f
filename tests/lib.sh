# shellcheck shell=bash
# Shared helpers for tests/kotlin/run.sh and tests/swift/check.sh (sourced, not run).
# Expects ROOT (the repository root) to be set and the current directory to be ROOT.

LIB_SO="target/debug/libloyalty_ffi.so"   # unstripped debug cdylib: library mode reads its metadata
BINDGEN="target/debug/uniffi-bindgen"      # the workspace's pinned bindgen (same uniffi as the cdylib)
UNIFFI_TOML="uniffi.toml"                 # a uniffi 0.32 global config ([crates.loyalty_ffi...])

# Loads the tool paths written by tests/setup.sh, running it first when it never ran here.
load_tools() {
    if [ ! -f "$ROOT/.tools/env.sh" ]; then
        bash "$ROOT/tests/setup.sh"
    fi
    # shellcheck disable=SC1091
    . "$ROOT/.tools/env.sh"
}

# generate_bindings LANGUAGE OUT_DIR: fresh bindings for LANGUAGE from the debug cdylib.
generate_bindings() {
    local language="$1" out_dir="$2"
    [ -f "$LIB_SO" ] || { echo "missing $LIB_SO (cargo build --workspace)" >&2; return 1; }
    [ -x "$BINDGEN" ] || { echo "missing $BINDGEN (cargo build --workspace)" >&2; return 1; }
    rm -rf "$out_dir"
    mkdir -p "$out_dir"
    # --library is deprecated (a no-op) in uniffi 0.32: a .so source is detected as library mode.
    "$BINDGEN" generate "$LIB_SO" --language "$language" --config "$UNIFFI_TOML" --no-format \
        --out-dir "$out_dir"
}
