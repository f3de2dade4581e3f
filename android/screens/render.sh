#!/usr/bin/env bash
# The shared Compose screens (android/screens/src/commonMain) built for the JVM desktop target and
# rendered headless to PNG at phone size, in en, nl and fr, light and dark, driven by the real
# core (target/debug/libloyalty_ffi.so through the generated Kotlin bindings and the Kotlin
# facade) against the reference server on loopback. No Gradle: kotlinc with the Compose
# compiler plugin that ships with it, against Compose Multiplatform's desktop jars from Maven
# Central.
#
#   bash android/screens/render.sh             render and check (the "Screens" stage of tests/run.sh)
#   bash android/screens/render.sh --gallery   the same, then refresh android/screens/gallery/
#
#   1. Debian: libgl1, libx11-6, libfontconfig1 (Skiko's native library links them), fontconfig and
#      fonts-dejavu-core, when missing (apt-get --no-install-recommends)
#   2. Compose Multiplatform 1.8.2 desktop jars + Skiko for linux-x64 -> .tools/screens/lib
#      (`mvn dependency:copy-dependencies` on desktop/pom.xml; skipped when the pom is unchanged)
#   3. cargo build -p loyalty-ffi -p loyalty-server -p uniffi-bindgen (debug; SCREENS_CARGO_SCOPE=workspace:
#      cargo build --workspace, as tests/run.sh runs it)
#   4. Kotlin bindings (host flavour) -> build/kotlin/bindings.jar, shared with the Kotlin tests
#   5. shared screens + desktop renderer + facade, kotlinc -Werror with the Compose plugin
#                                      -> build/screens-build/screens.jar    (skipped when unchanged)
#   6. the renderer: 8 screens x 3 languages x 2 themes -> build/screens/*.png; fails on a text that
#      overflows and on a missing or blank string
#   7. decode.py: zxing-cpp reads the QR of every card screen; it must equal the core's payload
#
# Last line: "Screens: N passed, N failed" (strings per language, PNGs, QR read-backs).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"
. tests/lib.sh
load_tools

GALLERY=0
for arg in "$@"; do
    case "$arg" in
        --gallery) GALLERY=1 ;;
        *) echo "usage: $0 [--gallery]" >&2; exit 2 ;;
    esac
done

HERE="android/screens"
TOOLS_SCREENS="$ROOT/.tools/screens"
LIB="$TOOLS_SCREENS/lib"
BUILD="build/screens-build"
OUT="build/screens"
mkdir -p "$BUILD" "$OUT"
export DEBIAN_FRONTEND=noninteractive

log() { printf '[screens] %s\n' "$*"; }
now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f s", b - a }'; }
hash_files() { sha256sum "$@" | sha256sum | cut -d' ' -f1; }

# 1. What Skiko's native library links against (libGL, libX11, fontconfig; loaded, never used for
# a display: rendering is Skia raster) and a font: without one, Skia draws no text at all.
deb_installed() { [ "$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null)" = "install ok installed" ]; }
missing=()
for p in libgl1 libx11-6 libfontconfig1 fontconfig fonts-dejavu-core; do
    deb_installed "$p" || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
    [ "$(id -u)" -eq 0 ] || { log "ERROR: need root to apt-get install ${missing[*]}" >&2; exit 1; }
    log "apt-get install ${missing[*]}"
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# 2. Compose Multiplatform's desktop jars from Maven Central.
POM="$HERE/desktop/pom.xml"
pom_key="$(hash_files "$POM")"
if [ -d "$LIB" ] && [ "$(cat "$TOOLS_SCREENS/lib.key" 2>/dev/null)" = "$pom_key" ]; then
    log "Compose desktop jars present"
else
    command -v mvn >/dev/null || { log "ERROR: mvn not found (Debian: apt-get install -y --no-install-recommends maven)" >&2; exit 1; }
    t=$(now)
    rm -rf "$LIB" "$TOOLS_SCREENS/lib.key"
    mkdir -p "$LIB"
    log "mvn dependency:copy-dependencies ($POM) -> $LIB"
    mvn -q -B -Dstyle.color=never -f "$POM" dependency:copy-dependencies -DoutputDirectory="$LIB" </dev/null
    echo "$pom_key" >"$TOOLS_SCREENS/lib.key"
    log "Compose desktop jars: $(since "$t")"
fi
# kotlinc's own stdlib and coroutines are used (the same ones the bindings are compiled with).
mapfile -t compose_jars < <(find "$LIB" -name '*.jar' | grep -v -E '/kotlin-stdlib|/kotlinx-coroutines-core' | sort)
COMPOSE_CP="$(IFS=:; echo "${compose_jars[*]}")"
COMPOSE_PLUGIN="$(dirname "$KOTLINC")/../lib/compose-compiler-plugin.jar"
[ -f "$COMPOSE_PLUGIN" ] || { log "ERROR: $COMPOSE_PLUGIN missing (it ships with kotlinc)" >&2; exit 1; }
kotlinc_version="$("$KOTLINC" -version 2>&1 | tail -n1)"

# 3. The library and the reference server. Alone, only the three packages are built; inside
# tests/run.sh (SCREENS_CARGO_SCOPE=workspace) the neighbouring stages build the workspace, whose
# feature set differs for a few shared crates, so the same scope avoids rebuilding them twice.
if [ "${SCREENS_CARGO_SCOPE:-packages}" = workspace ]; then
    cargo_scope=(--workspace)
else
    cargo_scope=(-p loyalty-ffi -p loyalty-server -p uniffi-bindgen)
fi
t=$(now)
cargo build -q "${cargo_scope[@]}"
log "cargo build: $(since "$t")"

# 4. The Kotlin bindings (host flavour), compiled once per run and shared with the Kotlin tests
#    (tests/lib.sh).
GEN="$BUILD/generated"
generate_bindings kotlin "$GEN"
CP_DEPS="$JNA_JAR:$COROUTINES_JAR"
BINDINGS_JAR="$(host_bindings_jar "$GEN")"

# 5. The shared screens, the desktop renderer and the facade they are driven through.
mapfile -t sources < <(find "$HERE/src/commonMain" "$HERE/src/desktopMain" -name '*.kt' | sort)
sources+=("android/loyalty/src/main/kotlin/com/loyaltycore/facade/Loyalty.kt")
screens_key="$(hash_files "${sources[@]}" "$BINDINGS_JAR" "$COMPOSE_PLUGIN") $kotlinc_version $COMPOSE_CP"
if [ -f "$BUILD/screens.jar" ] && [ "$(cat "$BUILD/screens.key" 2>/dev/null)" = "$screens_key" ]; then
    log "screens.jar up to date"
else
    t=$(now)
    rm -f "$BUILD/screens.jar" "$BUILD/screens.key"
    "$KOTLINC" -Werror -Xplugin="$COMPOSE_PLUGIN" -jvm-target 17 \
        -cp "$BINDINGS_JAR:$COMPOSE_CP:$CP_DEPS" -d "$BUILD/screens.jar" "${sources[@]}"
    echo "$screens_key" >"$BUILD/screens.key"
    log "kotlinc (Compose plugin) screens -> $BUILD/screens.jar: $(since "$t")"
fi

# 6. Render against the reference server on loopback.
start_reference_server "$BUILD/server.log" screens
rm -f "$OUT"/*.png "$OUT/card-payload.txt"
t=$(now)
render_status=0
timeout --kill-after=10 "${SCREENS_TIMEOUT:-600}" \
    java -Djava.awt.headless=true -Djna.library.path="$ROOT/target/debug" \
    -Dskiko.data.path="$TOOLS_SCREENS/skiko" \
    -Dloyalty.serverUrl="$SERVER_URL" -Dloyalty.tillToken="$TILL_TOKEN" \
    -Dscreens.res="$ROOT/android/sample/src/main/res" -Dscreens.out="$ROOT/$OUT" \
    -cp "$BUILD/screens.jar:$BINDINGS_JAR:$COMPOSE_CP:$CP_DEPS:$KOTLIN_STDLIB" \
    com.loyaltycore.screens.desktop.RenderKt </dev/null | tee "$BUILD/render.log" || render_status=$?
log "render: $(since "$t"), exit $render_status"

# 7. The card screens' QR codes, read back by zxing-cpp.
decode_status=0
"$DECODE_PYTHON" "$HERE/decode.py" "$OUT" | tee "$BUILD/decode.log" || decode_status=$?

read -r rp rf < <(sed -n 's/^Screens render: \([0-9]*\) passed, \([0-9]*\) failed.*/\1 \2/p' "$BUILD/render.log" | tail -n1) || true
read -r dp df < <(sed -n 's/^Screens QR: \([0-9]*\) passed, \([0-9]*\) failed.*/\1 \2/p' "$BUILD/decode.log" | tail -n1) || true
passed=$(( ${rp:-0} + ${dp:-0} ))
failed=$(( ${rf:-0} + ${df:-0} ))
# A run that died before its count line counts as a failure.
[ -n "${rp:-}" ] || failed=$((failed + 1))
[ -n "${dp:-}" ] || failed=$((failed + 1))

if [ "$GALLERY" -eq 1 ] && [ "$failed" -eq 0 ]; then
    "$DECODE_PYTHON" "$HERE/gallery.py" "$OUT" "$HERE/gallery"
    log "gallery: $HERE/gallery/index.md ($(du -sh "$HERE/gallery" | cut -f1))"
fi

echo "Screens: $passed passed, $failed failed"
[ "$render_status" -eq 0 ] && [ "$decode_status" -eq 0 ] && [ "$failed" -eq 0 ]
