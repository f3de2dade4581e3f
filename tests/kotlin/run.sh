#!/usr/bin/env bash
# Kotlin binding tests on the host JVM.
#
#   1. cargo build --workspace            (debug cdylib target/debug/libloyalty_ffi.so + uniffi-bindgen)
#   2. generate the Kotlin bindings        -> build/kotlin/generated/
#   3. kotlinc the bindings                -> build/kotlin/bindings.jar   (skipped when unchanged)
#   4. kotlinc tests/kotlin/src/*.kt       -> build/kotlin/tests.jar      (skipped when unchanged)
#   5. java -Djna.library.path=target/debug MainKt
#
# Exits non-zero on any failure. Set KOTLIN_TEST_TIMEOUT (seconds, default 900) to bound the JVM run.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"
. tests/lib.sh
load_tools

OUT="build/kotlin"
GEN="$OUT/generated"
SRC="tests/kotlin/src"
mkdir -p "$OUT"

now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f s", b - a }'; }
hash_files() { sha256sum "$@" | sha256sum | cut -d' ' -f1; }

t=$(now)
cargo build --workspace
echo "[kotlin] cargo build: $(since "$t")"

t=$(now)
generate_bindings kotlin "$GEN"
mapfile -t gen_files < <(find "$GEN" -name '*.kt' | sort)
[ "${#gen_files[@]}" -gt 0 ] || { echo "[kotlin] no .kt file generated in $GEN" >&2; exit 1; }
echo "[kotlin] generated ${gen_files[*]}: $(since "$t")"

# Every exported function must be called by the tests.
python3 tests/kotlin/coverage.py "$GEN" "$SRC"

kotlinc_version="$("$KOTLINC" -version 2>&1 | tail -n1)"
CP_DEPS="$JNA_JAR:$COROUTINES_JAR"

# Bindings jar (build/kotlin/bindings.jar): rebuilt only when the generated code, the compiler or
# the classpath changes; the Android checks and the screens reuse it.
host_bindings_jar "$GEN" >/dev/null

# Tests jar: rebuilt when a test source or the bindings jar changes.
mapfile -t test_files < <(find "$SRC" -maxdepth 1 -name '*.kt' | sort)
[ "${#test_files[@]}" -gt 0 ] || { echo "[kotlin] no test sources in $SRC" >&2; exit 1; }
tests_key="$(hash_files "${test_files[@]}" "$OUT/bindings.jar") $kotlinc_version"
if [ -f "$OUT/tests.jar" ] && [ "$(cat "$OUT/tests.key" 2>/dev/null)" = "$tests_key" ]; then
    echo "[kotlin] tests.jar up to date"
else
    t=$(now)
    rm -f "$OUT/tests.jar" "$OUT/tests.key"
    "$KOTLINC" -cp "$OUT/bindings.jar:$CP_DEPS" -d "$OUT/tests.jar" "${test_files[@]}"
    echo "$tests_key" >"$OUT/tests.key"
    echo "[kotlin] kotlinc tests -> $OUT/tests.jar: $(since "$t")"
fi

# The reference server on loopback, for the sync tests: a fresh data directory, a random till token.
start_reference_server "$OUT/server.log" kotlin
echo "[kotlin] reference server at $SERVER_URL"

t=$(now)
status=0
timeout --kill-after=10 "${KOTLIN_TEST_TIMEOUT:-900}" \
    java -Djna.library.path="$ROOT/target/debug" -Dloyalty.repoRoot="$ROOT" \
    -Dloyalty.serverUrl="$SERVER_URL" -Dloyalty.tillToken="$TILL_TOKEN" \
    -cp "$OUT/tests.jar:$OUT/bindings.jar:$KOTLIN_STDLIB:$CP_DEPS" MainKt </dev/null || status=$?
echo "[kotlin] java MainKt: $(since "$t"), exit $status"
case "$status" in
    0) ;;
    124 | 137) echo "[kotlin] FAILED: timed out after ${KOTLIN_TEST_TIMEOUT:-900} s" >&2 ;;
    134) echo "[kotlin] FAILED: the JVM aborted (exit 134: a Rust panic with panic=abort, or a native crash)" >&2 ;;
    *) echo "[kotlin] FAILED (exit $status)" >&2 ;;
esac
exit "$status"
