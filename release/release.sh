#!/usr/bin/env bash
# Builds and lays out a release of Loyalty Core, versioned from the workspace Cargo.toml
# ([workspace.package] version), for teams that add it by coordinates:
#
#   build/release/<version>/
#     maven/                      a Maven repository to upload (or point a build at):
#       com/loyaltycore/loyalty-android/<v>/  the AAR + POM (JNA 5.18.1 @aar, coroutines, AndroidX)
#       com/loyaltycore/loyalty-jvm/<v>/      the jar + POM (host JVM, linux-x86-64 library)
#     native-debug-symbols.zip    <abi>/libloyalty_ffi.so.dbg for Play Console / ndk-stack
#     jvm-debug-symbols/          linux-x86-64/libloyalty_ffi.so.debug
#     LoyaltyCoreFFI.xcframework.zip + .sha256   the static XCFramework (headers per module)
#                                 (static: its line tables go into the app's dSYM on archive)
#     swift-package/              the components repository's content at tag v<version>: the
#                                 root Package.swift (binaryTarget url + checksum), the generated
#                                 Swift, the Swift layer, the privacy manifests
#
# Each platform is built where its tools exist, and said so where they do not:
#   Android: the NDK (ANDROID_NDK_HOME, or ANDROID_HOME/ndk/<pinnedNdk of the Gradle build>),
#            cargo-ndk, rustup targets; AAR by the Gradle build (android/, its pinned ./gradlew).
#   iOS:     macOS with Xcode (ios/build-xcframework.sh).
#   JVM:     always (kotlinc from tests/setup.sh, the host library).
#
# Usage: release/release.sh            (LOYALTY_RELEASE_URL: the releases' download base, e.g.
#                                       https://github.com/OWNER/REPO/releases/download; needed
#                                       for the Swift package's binary target URL)
# The tag of a release is v<version> (CHANGELOG.md). Run from any directory.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
. tests/lib.sh
. release/lib.sh

log() { printf '[release] %s\n' "$*"; }
die() { printf '[release] ERROR: %s\n' "$*" >&2; exit 1; }

VERSION="$(workspace_version)"
[ -n "$VERSION" ] || die "no [workspace.package] version in Cargo.toml"
OUT="$ROOT/build/release/$VERSION"
MAVEN="$OUT/maven"
ABIS=(arm64-v8a armeabi-v7a x86_64)
NDK_VERSION="$(sed -n 's/^val pinnedNdk = "\([^"]*\)".*/\1/p' android/loyalty/build.gradle.kts)"
PROFILE="mobile-release"
# Line tables in the release libraries: what symbolication needs, split off before shipping.
export CARGO_PROFILE_MOBILE_RELEASE_DEBUG="line-tables-only"
# A RUSTFLAGS in the environment would be used as is; the linker settings live in
# bindings/build.rs, which it cannot override, but a stray flag could still change the build.
[ -z "${RUSTFLAGS:-}${CARGO_ENCODED_RUSTFLAGS:-}" ] || die "unset RUSTFLAGS / CARGO_ENCODED_RUSTFLAGS for a release build"

rm -rf "$OUT"
mkdir -p "$OUT" "$MAVEN"
log "Loyalty Core $VERSION -> ${OUT#"$ROOT"/}"
built=()
skipped=()

# --- host: the unstripped debug library (bindings are generated from its metadata) ---------------
cargo build -p loyalty-ffi -p uniffi-bindgen

# --- JVM ----------------------------------------------------------------------------------------------
load_tools
KOTLIN_VERSION="$(kotlinc_version)"
log "JVM: $GROUP_ID:$JVM_ARTIFACT:$VERSION (mobile-release host library)"
cargo build -p loyalty-ffi --profile "$PROFILE"
mkdir -p "$OUT/work/jvm" "$OUT/jvm-debug-symbols/linux-x86-64"
cp "target/$PROFILE/libloyalty_ffi.so" "$OUT/work/jvm/libloyalty_ffi.so"
split_debug "$OUT/work/jvm/libloyalty_ffi.so" "$OUT/jvm-debug-symbols/linux-x86-64/libloyalty_ffi.so.debug"
build_jvm_jar "$OUT/work/$JVM_ARTIFACT-$VERSION.jar" "$OUT/work/jvm/libloyalty_ffi.so" "$OUT/work/jvm-classes"
write_jvm_pom "$OUT/work/$JVM_ARTIFACT-$VERSION.pom" "$VERSION" "$KOTLIN_VERSION"
publish_maven "$MAVEN" "$OUT/work/$JVM_ARTIFACT-$VERSION.jar" "$OUT/work/$JVM_ARTIFACT-$VERSION.pom"
built+=("JVM jar + POM")

# --- Android ------------------------------------------------------------------------------------------
find_ndk() {
    local d
    for d in "${ANDROID_NDK_HOME:-}" "${ANDROID_NDK_ROOT:-}" \
        "${ANDROID_HOME:+$ANDROID_HOME/ndk/$NDK_VERSION}" "${ANDROID_SDK_ROOT:+$ANDROID_SDK_ROOT/ndk/$NDK_VERSION}"; do
        if [ -n "$d" ] && [ -d "$d/toolchains/llvm/prebuilt" ]; then echo "$d"; return 0; fi
    done
    return 1
}
android_release() {
    local ndk="$1" bin abi so jni="$OUT/work/jniLibs" syms="$OUT/work/native-debug-symbols"
    bin="$(echo "$ndk"/toolchains/llvm/prebuilt/*/bin)"
    command -v cargo-ndk >/dev/null || die "cargo-ndk not found: cargo install cargo-ndk"
    rustup target add aarch64-linux-android armv7-linux-androideabi x86_64-linux-android
    log "Android: cargo ndk ${ABIS[*]} (NDK $ndk, API 26, profile $PROFILE)"
    # bindings/build.rs links every Android target with -z max-page-size=16384 (16 KB pages).
    local targets=()
    for abi in "${ABIS[@]}"; do targets+=(-t "$abi"); done
    ANDROID_NDK_HOME="$ndk" cargo ndk "${targets[@]}" -P 26 -o "$jni" \
        build -p loyalty-ffi --profile "$PROFILE"
    for abi in "${ABIS[@]}"; do
        so="$jni/$abi/libloyalty_ffi.so"
        [ -f "$so" ] || die "cargo-ndk wrote no $so"
        # 16 KB: every LOAD segment aligned to 0x4000, or the library does not load on 16 KB devices.
        if "$bin/llvm-readelf" -lW "$so" | awk '$1 == "LOAD" && $NF != "0x4000" { bad = 1 } END { exit bad }'; then
            log "  $abi: LOAD segments 16 KB aligned"
        else
            die "$abi: LOAD segments not 16 KB aligned: $("$bin/llvm-readelf" -lW "$so" | grep LOAD)"
        fi
        mkdir -p "$syms/$abi"
        split_debug "$so" "$syms/$abi/libloyalty_ffi.so.dbg" "$bin/llvm-objcopy" "$bin/llvm-strip"
    done
    (cd "$syms" && python3 -c 'import os, sys, zipfile
with zipfile.ZipFile(sys.argv[1], "w", zipfile.ZIP_DEFLATED) as z:
    for d, _, fs in sorted(os.walk(".")):
        for f in sorted(fs): z.write(os.path.join(d, f), os.path.relpath(os.path.join(d, f), "."))' \
        "$OUT/native-debug-symbols.zip")
    # The AAR: the Gradle build (its pinned wrapper) packaging these libraries: its cargoNdkRelease
    # task copies them (loyalty.prebuiltJniLibs) instead of building the same again.
    log "Android: ./gradlew :loyalty:assembleRelease"
    (cd android && ANDROID_NDK_HOME="$ndk" ./gradlew -q -Ployalty.prebuiltJniLibs="$jni" \
        -Ployalty.cargoProfile="$PROFILE" :loyalty:assembleRelease)
    local aar="android/loyalty/build/outputs/aar/loyalty-release.aar"
    [ -f "$aar" ] || die "no $aar"
    for abi in "${ABIS[@]}"; do
        unzip -l "$aar" "jni/$abi/libloyalty_ffi.so" >/dev/null || die "the AAR lacks jni/$abi/libloyalty_ffi.so"
    done
    write_android_pom "$OUT/work/$ANDROID_ARTIFACT-$VERSION.pom" "$VERSION" "$KOTLIN_VERSION"
    publish_maven "$MAVEN" "$aar" "$OUT/work/$ANDROID_ARTIFACT-$VERSION.pom" aar
    built+=("Android AAR + POM (${ABIS[*]}, 16 KB aligned) + native-debug-symbols.zip")
}
if ndk="$(find_ndk)"; then
    android_release "$ndk"
else
    skipped+=("Android AAR: no NDK (set ANDROID_NDK_HOME, or install NDK $NDK_VERSION with the SDK manager)")
fi

# --- iOS --------------------------------------------------------------------------------------------
ios_release() {
    local stage="target/ios-xcframework" pkg="$OUT/swift-package" zip_file checksum url
    # ios/build-xcframework.sh: the slices, per-module headers, Swift bindings. The slices keep
    # their line tables (CARGO_PROFILE_* above): a static library has no dSYM of its own, its
    # DWARF goes into the app's dSYM when the app is archived.
    ios/build-xcframework.sh
    zip_file="$OUT/$XCFRAMEWORK_NAME.xcframework.zip"
    # ditto, as Xcode does: SwiftPM expects the .xcframework at the zip's root.
    (cd ios && ditto -c -k --sequesterRsrc --keepParent "$XCFRAMEWORK_NAME.xcframework" "$zip_file")
    checksum="$(zip_checksum "$zip_file")"
    if command -v swift >/dev/null; then
        [ "$(swift package compute-checksum "$zip_file")" = "$checksum" ] || die "swift package compute-checksum disagrees"
    fi
    echo "$checksum  $(basename "$zip_file")" >"$zip_file.sha256"
    url="$(release_download_url "$VERSION")/$(basename "$zip_file")" || die "LOYALTY_RELEASE_URL is not set"
    mkdir -p "$pkg/Sources"
    cp -R ios/Sources/LoyaltyCore ios/Sources/LoyaltyCoreKit "$pkg/Sources/"
    cp LICENSE THIRD_PARTY_NOTICES "$pkg/"
    unzip -l "$zip_file" | grep -q "Headers/$FFI_MODULE/module.modulemap" \
        || die "the XCFramework's module map is not in Headers/$FFI_MODULE/"
    write_package_swift "$pkg/Package.swift" "$VERSION" "$url" "$checksum"
    log "iOS: $(basename "$zip_file") sha256 $checksum; swift-package/ -> components repository, tag v$VERSION"
    built+=("XCFramework zip + checksum (line tables for the app dSYM) + swift-package/Package.swift")
}
if [ "$(uname -s)" = Darwin ] && command -v xcodebuild >/dev/null && xcodebuild -version >/dev/null 2>&1; then
    ios_release
else
    skipped+=("XCFramework: needs macOS with Xcode (this is $(uname -s)); release/check.sh checks the zip/Package.swift consistency with a stand-in")
fi

rm -rf "$OUT/work"
log "built:"
for b in "${built[@]}"; do log "  $b"; done
if [ "${#skipped[@]}" -gt 0 ]; then
    log "NOT built on this machine:"
    for s in "${skipped[@]}"; do log "  $s"; done
fi
log "Maven repository: ${MAVEN#"$ROOT"/} (upload its content to the release repository)"
