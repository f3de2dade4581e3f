# shellcheck shell=bash
# Shared helpers for the test stages (tests/run.sh and the scripts it calls; sourced, not run).
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
    if [ "$language" = swift ]; then swift_modulemap "$out_dir"; fi
}

# swift_modulemap DIR: the library has two uniffi components (loyalty_ffi and loyalty_domain, see
# uniffi.toml), each with its C header, and both Swift files import the one C module
# loyalty_ffiFFI: its modulemap (written by uniffi for loyalty_ffi) lists every generated header.
swift_modulemap() {
    local dir="$1" map="$1/loyalty_ffiFFI.modulemap" extra="" h
    [ -f "$map" ] || { echo "missing $map (uniffi.toml: generate_module_map)" >&2; return 1; }
    for h in "$dir"/*.h; do
        h="$(basename "$h")"
        grep -q "header \"$h\"" "$map" || extra="$extra $h"
    done
    [ -n "$extra" ] || return 0
    # awk, not sed -i: ios/build-xcframework.sh runs this on macOS too.
    awk -v extra="$extra" '{ print }
        /^ *header "loyalty_ffiFFI.h"/ { n = split(extra, hs, " "); ind = $0; sub(/header.*/, "", ind)
            for (i = 1; i <= n; i++) printf "%sheader \"%s\"\n", ind, hs[i] }' "$map" >"$map.tmp"
    mv "$map.tmp" "$map"
}

# host_bindings_jar GEN_DIR: the host-flavour Kotlin bindings generated into GEN_DIR, compiled once
# into build/kotlin/bindings.jar and reused while the generated code (compared by content, not by
# path), kotlinc and the classpath stay the same: the Kotlin tests, the Android checks and the
# screens of one run share one compile. Prints the jar's path; progress goes to stderr. Needs
# load_tools (KOTLINC, JNA_JAR, COROUTINES_JAR).
host_bindings_jar() {
    local gen="$1" jar="build/kotlin/bindings.jar" key files start
    mapfile -t files < <(cd "$gen" && find . -name '*.kt' | sort)
    [ "${#files[@]}" -gt 0 ] || { echo "no .kt file generated in $gen" >&2; return 1; }
    key="$( (cd "$gen" && sha256sum "${files[@]}") | sha256sum | cut -d' ' -f1) \
$("$KOTLINC" -version 2>&1 | tail -n1) $JNA_JAR:$COROUTINES_JAR"
    mkdir -p "$(dirname "$jar")"
    if [ -f "$jar" ] && [ "$(cat "$jar.key" 2>/dev/null)" = "$key" ]; then
        echo "[bindings] $jar up to date" >&2
    else
        start=$(date +%s)
        rm -f "$jar" "$jar.key"
        # -nowarn: the generated code's warnings are uniffi's business, not ours.
        (cd "$gen" && "$KOTLINC" -nowarn -cp "$JNA_JAR:$COROUTINES_JAR" -d "$ROOT/$jar" \
            "${files[@]}") >&2
        echo "$key" >"$jar.key"
        echo "[bindings] kotlinc -> $jar: $(( $(date +%s) - start )) s" >&2
    fi
    echo "$jar"
}

# maven_jars POM LIB WHAT: a JDK and Maven (from Debian, --no-install-recommends, when missing),
# then POM's dependencies copied into LIB, fetched again only when POM changes (a stamp of its
# hash in LIB). WHAT names them in the progress line. Used by the stages whose checkers run on
# the JVM from Maven Central jars (UBL, copy).
maven_jars() {
    local pom="$1" lib="$2" what="$3" stamp missing=()
    command -v javac >/dev/null 2>&1 || missing+=(default-jdk-headless)
    command -v mvn >/dev/null 2>&1 || missing+=(maven)
    if [ "${#missing[@]}" -gt 0 ]; then
        echo "installing ${missing[*]} (Debian)" >&2
        DEBIAN_FRONTEND=noninteractive apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
            "${missing[@]}" >/dev/null
    fi
    stamp="$(sha256sum "$pom" | cut -c1-16)"
    if [ ! -f "$lib/.pom-$stamp" ]; then
        echo "fetching $what from Maven Central" >&2
        rm -rf "$lib"
        mkdir -p "$lib"
        mvn -q -B -f "$pom" dependency:copy-dependencies -DoutputDirectory="$lib"
        touch "$lib/.pom-$stamp"
    fi
}

# start_reference_server LOG PREFIX: starts target/debug/loyalty-server on 127.0.0.1:0 with a fresh
# data directory and a random till token (and room for the many enrolments of a test run
# from one address), waits until it listens, and sets SERVER_URL and
# TILL_TOKEN. An EXIT trap stops it and removes its data directory.
start_reference_server() {
    local log="$1" prefix="$2"
    REFERENCE_SERVER_DIR="$(mktemp -d)"
    TILL_TOKEN="$prefix-$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')"
    target/debug/loyalty-server --data "$REFERENCE_SERVER_DIR" --addr 127.0.0.1:0 \
        --till-token "$TILL_TOKEN" --enrolments-per-hour 100000 >"$log" 2>&1 </dev/null &
    REFERENCE_SERVER_PID=$!
    trap 'kill "$REFERENCE_SERVER_PID" 2>/dev/null || true; wait "$REFERENCE_SERVER_PID" 2>/dev/null || true; rm -rf "$REFERENCE_SERVER_DIR"' EXIT
    SERVER_URL=""
    for _ in $(seq 1 200); do
        SERVER_URL="$(sed -n 's/.*listening on \(http:[^ ]*\).*/\1/p' "$log" | head -n1)"
        [ -n "$SERVER_URL" ] && break
        kill -0 "$REFERENCE_SERVER_PID" 2>/dev/null || break
        sleep 0.05
    done
    if [ -z "$SERVER_URL" ]; then
        echo "the reference server did not start:" >&2
        cat "$log" >&2
        return 1
    fi
}
