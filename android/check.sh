#!/usr/bin/env bash
# The Android layer's checks that can run without the Android SDK (see android/README.md):
#
#   a. The Kotlin facade (pure JVM) and its host tests, compiled with kotlinc against the HOST
#      flavour of the generated bindings and run on the JVM against the real debug library and
#      the reference server on loopback. Prints "Android: N passed, N failed".
#   b. The Android-flavour bindings (android/uniffi-android.toml: android = true) generated, and
#      every source that uses Android framework classes but no AndroidX (Keystore secret store,
#      notification scheduler and its receiver, push handler, the host helper) compiled with
#      kotlinc against Robolectric's android-all jar (API 34) from Maven Central, together with
#      the facade and those bindings. Compiled only: not run (no Robolectric runner here).
#   c. A list of what is not compiled here and is built in Android Studio.
#
# Set-up (skipped when present): Maven Central's org.robolectric:android-all and
# androidx.annotation:annotation-jvm into .tools/android/ (with `mvn dependency:copy`).
# Run from any directory; exits non-zero on any failure.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
. tests/lib.sh
load_tools

ANDROID_ALL_VERSION="14-robolectric-10818077"   # API 34
ANNOTATION_VERSION="1.9.1"                      # androidx.annotation, used by the Android bindings
TOOLS_ANDROID=".tools/android"
OUT="build/android"
SRC_MAIN="android/loyalty/src/main/kotlin/com/loyaltycore"
SRC_HOST_TEST="android/loyalty/src/hostTest/kotlin"
mkdir -p "$OUT" "$TOOLS_ANDROID"

log() { printf '[android] %s\n' "$*"; }
now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f s", b - a }'; }
hash_files() { sha256sum "$@" | sha256sum | cut -d' ' -f1; }

# --- set-up: the Android framework jar and the annotation jar from Maven Central ------------------
fetch_maven() { # fetch_maven GROUP:ARTIFACT:VERSION FILE
    local coords="$1" file="$2"
    if [ -s "$TOOLS_ANDROID/$file" ]; then
        return
    fi
    command -v mvn >/dev/null || die_missing_mvn
    log "mvn dependency:copy $coords -> $TOOLS_ANDROID/"
    mvn -q -B -Dstyle.color=never dependency:copy -Dartifact="$coords" -DoutputDirectory="$TOOLS_ANDROID" </dev/null
    [ -s "$TOOLS_ANDROID/$file" ] || { log "ERROR: $coords did not resolve" >&2; exit 1; }
}
die_missing_mvn() { log "ERROR: mvn not found (Debian: apt-get install -y --no-install-recommends maven)" >&2; exit 1; }
fetch_maven "org.robolectric:android-all:$ANDROID_ALL_VERSION" "android-all-$ANDROID_ALL_VERSION.jar"
fetch_maven "androidx.annotation:annotation-jvm:$ANNOTATION_VERSION" "annotation-jvm-$ANNOTATION_VERSION.jar"
ANDROID_JAR="$TOOLS_ANDROID/android-all-$ANDROID_ALL_VERSION.jar"
ANNOTATION_JAR="$TOOLS_ANDROID/annotation-jvm-$ANNOTATION_VERSION.jar"

# --- the library and the bindings ----------------------------------------------------------------
t=$(now)
cargo build --workspace
log "cargo build: $(since "$t")"

kotlinc_version="$("$KOTLINC" -version 2>&1 | tail -n1)"
CP_DEPS="$JNA_JAR:$COROUTINES_JAR"

# Host flavour: reuse tests/kotlin/run.sh's bindings.jar when it was built from identical code.
generate_bindings kotlin "$OUT/host-generated"
mapfile -t host_gen < <(find "$OUT/host-generated" -name '*.kt' | sort)
host_key="$(hash_files "${host_gen[@]}") $kotlinc_version $CP_DEPS"
# tests/kotlin/run.sh keys its jar on the hash of build/kotlin/generated/ (paths included).
kotlin_stage_key=""
if [ -d build/kotlin/generated ] && diff -rq build/kotlin/generated "$OUT/host-generated" >/dev/null; then
    mapfile -t kotlin_gen < <(find build/kotlin/generated -name '*.kt' | sort)
    kotlin_stage_key="$(hash_files "${kotlin_gen[@]}") $kotlinc_version $CP_DEPS"
fi
if [ -n "$kotlin_stage_key" ] && [ -f build/kotlin/bindings.jar ] \
    && [ "$(cat build/kotlin/bindings.key 2>/dev/null)" = "$kotlin_stage_key" ]; then
    HOST_BINDINGS="build/kotlin/bindings.jar"
    log "host bindings: reusing $HOST_BINDINGS"
else
    HOST_BINDINGS="$OUT/bindings-host.jar"
    if [ ! -f "$HOST_BINDINGS" ] || [ "$(cat "$OUT/bindings-host.key" 2>/dev/null)" != "$host_key" ]; then
        t=$(now)
        rm -f "$HOST_BINDINGS" "$OUT/bindings-host.key"
        # -nowarn: the generated code's warnings are uniffi's business, not ours.
        "$KOTLINC" -nowarn -cp "$CP_DEPS" -d "$HOST_BINDINGS" "${host_gen[@]}"
        echo "$host_key" >"$OUT/bindings-host.key"
        log "kotlinc host bindings -> $HOST_BINDINGS: $(since "$t")"
    fi
fi

# --- a. the facade and its host tests on the JVM -------------------------------------------------
mapfile -t facade_files < <(find "$SRC_MAIN/facade" -name '*.kt' | sort)
mapfile -t host_test_files < <(find "$SRC_HOST_TEST" -name '*.kt' | sort)
t=$(now)
rm -f "$OUT/host-tests.jar"
# -Werror: our own code compiles without warnings.
"$KOTLINC" -Werror -cp "$HOST_BINDINGS:$CP_DEPS" -d "$OUT/host-tests.jar" \
    "${facade_files[@]}" "${host_test_files[@]}"
log "kotlinc facade + host tests -> $OUT/host-tests.jar: $(since "$t")"

start_reference_server "$OUT/server.log" android
log "reference server at $SERVER_URL"

t=$(now)
status=0
timeout --kill-after=10 "${ANDROID_TEST_TIMEOUT:-600}" \
    java -Djna.library.path="$ROOT/target/debug" \
    -Dloyalty.serverUrl="$SERVER_URL" -Dloyalty.tillToken="$TILL_TOKEN" \
    -cp "$OUT/host-tests.jar:$HOST_BINDINGS:$KOTLIN_STDLIB:$CP_DEPS" MainKt </dev/null || status=$?
log "java MainKt: $(since "$t"), exit $status"
[ "$status" -eq 0 ] || { log "FAILED: host tests (exit $status)" >&2; exit "$status"; }

# --- b. Android framework sources against android-all --------------------------------------------
t=$(now)
rm -rf "$OUT/android-generated"
"$BINDGEN" generate "$LIB_SO" --language kotlin --config android/uniffi-android.toml --no-format \
    --out-dir "$OUT/android-generated"
mapfile -t android_gen < <(find "$OUT/android-generated" -name '*.kt' | sort)
grep -q '^import android.os.Build' "${android_gen[@]}" \
    || { log "ERROR: the Android-flavour bindings do not look Android-flavoured" >&2; exit 1; }
mapfile -t platform_files < <(find "$SRC_MAIN/android" -name '*.kt' | sort)
ANDROID_CP="$ANDROID_JAR:$ANNOTATION_JAR:$CP_DEPS"
rm -f "$OUT/android-bindings.jar" "$OUT/android-platform.jar"
"$KOTLINC" -nowarn -cp "$ANDROID_CP" -d "$OUT/android-bindings.jar" "${android_gen[@]}"
"$KOTLINC" -Werror -cp "$OUT/android-bindings.jar:$ANDROID_CP" -d "$OUT/android-platform.jar" \
    "${facade_files[@]}" "${platform_files[@]}"
log "kotlinc Android bindings + facade + ${#platform_files[@]} platform sources against android-all $ANDROID_ALL_VERSION: $(since "$t")"
for f in "${platform_files[@]}"; do log "  compiled against android-all: ${f#android/}"; done

# --- c. what is not compiled here --------------------------------------------------------------------
log "not compiled here (needs AndroidX / the Android Gradle plugin / cargo-ndk; built in Android Studio):"
while IFS= read -r f; do log "  built in Android Studio: ${f#android/}"; done < <(
    { find android/loyalty/src/main/kotlin/com/loyaltycore/work android/sample/src -name '*.kt'
      find android -name '*.gradle.kts'; } | sort)
log "not run here: Robolectric tests of the platform services (no Robolectric runner set up)"
log "ok"
