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
#      the facade and those bindings.
#   c. Those platform services RUN under Robolectric 4.17 (API 34) on the JVM with JUnit 4: the
#      tests in loyalty/src/robolectricTest/kotlin drive the real core (target/debug's library
#      through the Android-flavour bindings) and read what was scheduled and posted through
#      Robolectric's ShadowAlarmManager / ShadowNotificationManager. Prints
#      "Robolectric: N passed, N failed"; the last line, "Android: N passed, N failed", counts the
#      host tests of (a), the Robolectric tests and the wrapper checks of (d) together.
#   d. android/gradlew and the Gradle pin (android/wrapper-check.sh): one version and checksum,
#      a stand-in distribution from a file:// URL downloaded once, a wrong checksum refused.
#   e. A list of what is not compiled here and is built in Android Studio.
#
# Set-up (skipped when present), all from Maven Central into .tools/android/: org.robolectric:
# android-all and androidx.annotation:annotation-jvm (`mvn dependency:copy`); the Robolectric
# runner's dependencies of android/robolectric/pom.xml (`mvn dependency:copy-dependencies`, the
# classes.jar of its AARs unpacked); org.robolectric:android-all-instrumented for API 34, which
# Robolectric reads offline (robolectric.offline, robolectric.dependency.dir) instead of
# downloading it itself.
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
SRC_ROBOLECTRIC_TEST="android/loyalty/src/robolectricTest/kotlin"
ROBOLECTRIC_POM="android/robolectric/pom.xml"
# The android-all-instrumented jar Robolectric 4.17 runs API 34 on (its DefaultSdkProvider:
# "14-robolectric-10818077" + instrumentation "i7"); it looks for <artifact>-<version>.jar here.
ROBOLECTRIC_SDK_JAR_VERSION="14-robolectric-10818077-i7"
ROBOLECTRIC_DEPS="$TOOLS_ANDROID/robolectric-sdk"
ROBOLECTRIC_LIB="$TOOLS_ANDROID/robolectric-lib"
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

# The Robolectric runner: its jars (keyed on the pom), the AARs' classes.jar, the API 34 sandbox jar.
robolectric_key="$(hash_files "$ROBOLECTRIC_POM")"
if [ "$(cat "$ROBOLECTRIC_LIB/.key" 2>/dev/null)" != "$robolectric_key" ]; then
    command -v mvn >/dev/null || die_missing_mvn
    log "mvn dependency:copy-dependencies ($ROBOLECTRIC_POM) -> $ROBOLECTRIC_LIB/"
    rm -rf "$ROBOLECTRIC_LIB"
    mkdir -p "$ROBOLECTRIC_LIB"
    mvn -q -B -Dstyle.color=never -f "$ROBOLECTRIC_POM" dependency:copy-dependencies \
        -DoutputDirectory="$ROOT/$ROBOLECTRIC_LIB" </dev/null
    # AARs (androidx.test monitor, espresso idling resource): the JVM reads their classes.jar.
    for aar in "$ROBOLECTRIC_LIB"/*.aar; do
        [ -e "$aar" ] || continue
        unzip -p "$aar" classes.jar >"${aar%.aar}.jar"
        rm "$aar"
    done
    ls "$ROBOLECTRIC_LIB"/robolectric-*.jar >/dev/null
    echo "$robolectric_key" >"$ROBOLECTRIC_LIB/.key"
fi
ROBOLECTRIC_SDK_JAR="$ROBOLECTRIC_DEPS/android-all-instrumented-$ROBOLECTRIC_SDK_JAR_VERSION.jar"
if [ ! -s "$ROBOLECTRIC_SDK_JAR" ]; then
    command -v mvn >/dev/null || die_missing_mvn
    log "mvn dependency:copy org.robolectric:android-all-instrumented:$ROBOLECTRIC_SDK_JAR_VERSION -> $ROBOLECTRIC_DEPS/"
    mvn -q -B -Dstyle.color=never dependency:copy \
        -Dartifact="org.robolectric:android-all-instrumented:$ROBOLECTRIC_SDK_JAR_VERSION" \
        -DoutputDirectory="$ROOT/$ROBOLECTRIC_DEPS" </dev/null
    [ -s "$ROBOLECTRIC_SDK_JAR" ] || { log "ERROR: android-all-instrumented did not resolve" >&2; exit 1; }
fi
ROBOLECTRIC_CP="$(find "$ROBOLECTRIC_LIB" -name '*.jar' | sort | paste -sd: -)"

# --- the library and the bindings ----------------------------------------------------------------
t=$(now)
cargo build --workspace
log "cargo build: $(since "$t")"

kotlinc_version="$("$KOTLINC" -version 2>&1 | tail -n1)"
CP_DEPS="$JNA_JAR:$COROUTINES_JAR"

# Host flavour: compiled once per run and shared with the Kotlin tests (tests/lib.sh).
generate_bindings kotlin "$OUT/host-generated"
HOST_BINDINGS="$(host_bindings_jar "$OUT/host-generated")"

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
    -cp "$OUT/host-tests.jar:$HOST_BINDINGS:$KOTLIN_STDLIB:$CP_DEPS" MainKt </dev/null \
    | tee "$OUT/host-tests.log" || status=$?
log "java MainKt: $(since "$t"), exit $status"
[ "$status" -eq 0 ] || { log "FAILED: host tests (exit $status)" >&2; exit "$status"; }
read -r host_passed host_failed < <(sed -n 's/^Android host JVM: \([0-9]*\) passed, \([0-9]*\) failed.*/\1 \2/p' \
    "$OUT/host-tests.log" | tail -n1) || true
[ -n "${host_passed:-}" ] || { log "ERROR: no 'Android host JVM:' summary from the host tests" >&2; exit 1; }

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
# The Android bindings jar is rebuilt only when the generated code (or the toolchain) changed.
android_key="$(hash_files "${android_gen[@]}") $kotlinc_version $ANDROID_CP"
if [ ! -f "$OUT/android-bindings.jar" ] || [ "$(cat "$OUT/android-bindings.key" 2>/dev/null)" != "$android_key" ]; then
    rm -f "$OUT/android-bindings.jar" "$OUT/android-bindings.key"
    "$KOTLINC" -nowarn -cp "$ANDROID_CP" -d "$OUT/android-bindings.jar" "${android_gen[@]}"
    echo "$android_key" >"$OUT/android-bindings.key"
else
    log "Android bindings: reusing $OUT/android-bindings.jar"
fi
rm -f "$OUT/android-platform.jar"
"$KOTLINC" -Werror -cp "$OUT/android-bindings.jar:$ANDROID_CP" -d "$OUT/android-platform.jar" \
    "${facade_files[@]}" "${platform_files[@]}"
log "kotlinc Android bindings + facade + ${#platform_files[@]} platform sources against android-all $ANDROID_ALL_VERSION: $(since "$t")"
for f in "${platform_files[@]}"; do log "  compiled against android-all: ${f#android/}"; done

# --- c. the platform services run under Robolectric ----------------------------------------------
mapfile -t robolectric_test_files < <(find "$SRC_ROBOLECTRIC_TEST" -name '*.kt' | sort)
t=$(now)
rm -f "$OUT/robolectric-tests.jar"
"$KOTLINC" -Werror -cp "$OUT/android-platform.jar:$OUT/android-bindings.jar:$ANDROID_CP:$ROBOLECTRIC_CP" \
    -d "$OUT/robolectric-tests.jar" "${robolectric_test_files[@]}"
log "kotlinc ${#robolectric_test_files[@]} Robolectric test sources -> $OUT/robolectric-tests.jar: $(since "$t")"
mapfile -t robolectric_classes < <(unzip -Z1 "$OUT/robolectric-tests.jar" | grep -E '^[^$]*Test\.class$' \
    | sed 's/\.class$//; s#/#.#g' | sort)
[ "${#robolectric_classes[@]}" -gt 0 ] || { log "ERROR: no Robolectric test class compiled" >&2; exit 1; }

# Robolectric's configuration: the library's own manifest (its receiver and intent filters), under
# a test package name; no resources are needed (the tests use framework drawables).
ROBOLECTRIC_CONFIG="$OUT/robolectric-config"
mkdir -p "$ROBOLECTRIC_CONFIG/com/android/tools"
printf 'android_merged_manifest=%s\nandroid_custom_package=%s\n' \
    "$ROOT/android/loyalty/src/main/AndroidManifest.xml" "com.loyaltycore.robolectric" \
    >"$ROBOLECTRIC_CONFIG/com/android/tools/test_config.properties"

t=$(now)
status=0
# robolectric.offline + robolectric.dependency.dir: the API 34 jar fetched above, no download by
# Robolectric. The bindings load target/debug's library through JNA, as on the host; the
# reference server of (a) serves SafetyRecallTest's enrolment and receipt. android-all
# (last on the class path) lets JUnit read @Config(application = TestApp::class) outside the
# sandbox; inside it, Robolectric loads the framework from the instrumented jar. --add-exports:
# the framework's android.system.SystemCleaner (used by the Android bindings on API 33+) reaches
# the JDK's internal CleanerFactory.
timeout --kill-after=10 "${ANDROID_TEST_TIMEOUT:-600}" \
    java --add-exports=java.base/jdk.internal.ref=ALL-UNNAMED \
    -Djna.library.path="$ROOT/target/debug" \
    -Dloyalty.serverUrl="$SERVER_URL" -Dloyalty.tillToken="$TILL_TOKEN" \
    -Drobolectric.offline=true -Drobolectric.dependency.dir="$ROOT/$ROBOLECTRIC_DEPS" \
    -Drobolectric.logging=stderr \
    -cp "$OUT/robolectric-tests.jar:$ROBOLECTRIC_CONFIG:$OUT/android-platform.jar:$OUT/android-bindings.jar:$ANNOTATION_JAR:$KOTLIN_STDLIB:$CP_DEPS:$ROBOLECTRIC_CP:$ANDROID_JAR" \
    com.loyaltycore.android.RobolectricMainKt "${robolectric_classes[@]}" </dev/null \
    | tee "$OUT/robolectric-tests.log" || status=$?
log "Robolectric tests (${#robolectric_classes[@]} classes, API 34): $(since "$t"), exit $status"
read -r robo_passed robo_failed < <(sed -n 's/^Robolectric: \([0-9]*\) passed, \([0-9]*\) failed.*/\1 \2/p' \
    "$OUT/robolectric-tests.log" | tail -n1) || true
if [ -z "${robo_passed:-}" ]; then
    log "FAILED: the Robolectric run printed no summary (exit $status)" >&2
    exit $(( status == 0 ? 1 : status ))
fi

# --- d. the Gradle wrapper (android/gradlew, the pin), without the network -----------------------------
wrapper_log="$OUT/wrapper-check.log"
bash android/wrapper-check.sh > "$wrapper_log" 2>&1 || true
read -r wrapper_passed wrapper_failed < <(sed -n 's/^Wrapper: \([0-9]*\) passed, \([0-9]*\) failed.*/\1 \2/p' \
    "$wrapper_log" | tail -n1) || true
if [ -z "${wrapper_passed:-}" ]; then
    cat "$wrapper_log" >&2
    log "FAILED: android/wrapper-check.sh printed no summary" >&2
    exit 1
fi
[ "$wrapper_failed" -eq 0 ] || { cat "$wrapper_log" >&2; status=1; }
log "Gradle wrapper: $wrapper_passed passed, $wrapper_failed failed ($wrapper_log)"

# --- e. what is not compiled here --------------------------------------------------------------------
log "not compiled here (needs AndroidX / the Android Gradle plugin / cargo-ndk; built in Android Studio):"
while IFS= read -r f; do log "  built in Android Studio: ${f#android/}"; done < <(
    { find android/loyalty/src/main/kotlin/com/loyaltycore/work android/sample/src -name '*.kt'
      find android -name '*.gradle.kts'; } | sort)
log "not run here (no Android Keystore under Robolectric): the Keystore itself; KeystoreSecretStore runs on a JCA stand-in (see android/README.md)"

# The stage's summary, last: the host tests of (a) and the Robolectric tests of (c), from their own counts.
log "tests: host JVM $host_passed passed, $host_failed failed; Robolectric $robo_passed passed, $robo_failed failed; wrapper $wrapper_passed passed, $wrapper_failed failed"
[ "$status" -eq 0 ] && log "ok" || log "FAILED: Robolectric tests or the wrapper check (exit $status)" >&2
echo "Android: $((host_passed + robo_passed + wrapper_passed)) passed, $((host_failed + robo_failed + wrapper_failed)) failed"
exit "$status"
