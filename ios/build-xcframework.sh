#!/usr/bin/env bash
# Builds ios/LoyaltyCoreFFI.xcframework (the Rust core as a static library for iOS devices and
# the simulator) and copies the generated Swift bindings into ios/Sources/LoyaltyCore/Generated/.
#
#   1. cargo build --profile mobile-release -p loyalty-ffi for aarch64-apple-ios (devices),
#      aarch64-apple-ios-sim and x86_64-apple-ios (simulators on Apple silicon and Intel Macs)
#   2. lipo the two simulator slices into one static library
#   3. cargo build -p loyalty-ffi -p uniffi-bindgen (host debug, unstripped: library mode reads
#      the uniffi metadata from it) and generate the Swift bindings with target/debug/uniffi-bindgen
#      and uniffi.toml: LoyaltyCore.swift, loyalty_ffiFFI.h, loyalty_ffiFFI.modulemap
#   4. xcodebuild -create-xcframework with the header and the modulemap (as module.modulemap) in
#      a directory of their own, Headers/loyalty_ffiFFI/: a second uniffi XCFramework in the same
#      app (with its own Headers/module.modulemap) then does not clash with this one
#
# Debug symbols: a static library has no dSYM of its own. Its DWARF stays in the archive's object
# files and goes into the app's dSYM when the app is linked and archived (dsymutil follows the
# debug map to the .a). release/release.sh builds with CARGO_PROFILE_MOBILE_RELEASE_DEBUG=
# line-tables-only for that; Xcode strips the app binary on archive, so the app does not grow.
#
# Runs on macOS with Xcode (xcodebuild, lipo) and rustup. Usage: ios/build-xcframework.sh
# Environment: IPHONEOS_DEPLOYMENT_TARGET (default 16.0, as Package.swift).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
. tests/lib.sh   # swift_modulemap

die() { echo "build-xcframework.sh: $*" >&2; exit 1; }

[ "$(uname -s)" = "Darwin" ] || die "needs macOS with Xcode (xcodebuild, lipo, the iOS SDKs); this is $(uname -s). \
On other systems, tests/swift/check.sh and ios/check.sh check the bindings and the Swift sources without building."
command -v xcodebuild >/dev/null || die "xcodebuild not found: install Xcode and run 'xcode-select -s /Applications/Xcode.app'"
xcodebuild -version >/dev/null 2>&1 || die "xcodebuild does not work (only the Command Line Tools selected?): run 'sudo xcode-select -s /Applications/Xcode.app'"
command -v lipo >/dev/null || die "lipo not found (part of Xcode)"
command -v cargo >/dev/null || die "cargo not found: install Rust with rustup"

DEVICE_TARGET="aarch64-apple-ios"
SIM_TARGETS=("aarch64-apple-ios-sim" "x86_64-apple-ios")
PROFILE="mobile-release"
LIB="libloyalty_ffi.a"
XCFRAMEWORK="ios/LoyaltyCoreFFI.xcframework"
GENERATED_SWIFT_DIR="ios/Sources/LoyaltyCore/Generated"
STAGE="target/ios-xcframework"
export IPHONEOS_DEPLOYMENT_TARGET="${IPHONEOS_DEPLOYMENT_TARGET:-16.0}"

if command -v rustup >/dev/null; then
    installed="$(rustup target list --installed)"
    for t in "$DEVICE_TARGET" "${SIM_TARGETS[@]}"; do
        if ! grep -qx "$t" <<<"$installed"; then
            echo "==> rustup target add $t"
            rustup target add "$t"
        fi
    done
else
    echo "warning: rustup not found; the targets $DEVICE_TARGET ${SIM_TARGETS[*]} must already be installed" >&2
fi

echo "==> cargo build --profile $PROFILE -p loyalty-ffi (device and simulators)"
for t in "$DEVICE_TARGET" "${SIM_TARGETS[@]}"; do
    cargo build --profile "$PROFILE" -p loyalty-ffi --target "$t"
    [ -f "target/$t/$PROFILE/$LIB" ] || die "missing target/$t/$PROFILE/$LIB after the build"
done

rm -rf "$STAGE"
mkdir -p "$STAGE/device" "$STAGE/simulator" "$STAGE/headers" "$STAGE/generated"

cp "target/$DEVICE_TARGET/$PROFILE/$LIB" "$STAGE/device/$LIB"
echo "==> lipo ${SIM_TARGETS[*]} -> one simulator library"
SIM_LIBS=()
for t in "${SIM_TARGETS[@]}"; do SIM_LIBS+=("target/$t/$PROFILE/$LIB"); done
lipo -create "${SIM_LIBS[@]}" -output "$STAGE/simulator/$LIB"
lipo -info "$STAGE/simulator/$LIB"

echo "==> Swift bindings from the unstripped host debug library"
# -p, not --workspace: the workspace build unifies uniffi's `cli` feature into the library.
cargo build -p loyalty-ffi -p uniffi-bindgen
HOST_LIB="target/debug/libloyalty_ffi.dylib"
[ -f "$HOST_LIB" ] || die "missing $HOST_LIB after the host build"
target/debug/uniffi-bindgen generate "$HOST_LIB" --language swift --config uniffi.toml \
    --out-dir "$STAGE/generated"
# Two uniffi components (uniffi.toml): loyalty_ffi and loyalty_domain, one Swift file and one C
# header each, both Swift files in the LoyaltyCore module, both headers in the C module loyalty_ffiFFI.
for f in LoyaltyCore.swift LoyaltyCoreDomain.swift loyalty_ffiFFI.h loyalty_domainFFI.h loyalty_ffiFFI.modulemap; do
    [ -f "$STAGE/generated/$f" ] || die "uniffi-bindgen did not write $f (check uniffi.toml's [crates.*.bindings.swift])"
done
swift_modulemap "$STAGE/generated"

# SwiftPM and Xcode find a static library's module through a module.modulemap under Headers/;
# one directory per module so that several uniffi SDKs can live in one app.
mkdir -p "$STAGE/headers/loyalty_ffiFFI"
cp "$STAGE/generated/loyalty_ffiFFI.h" "$STAGE/generated/loyalty_domainFFI.h" "$STAGE/headers/loyalty_ffiFFI/"
cp "$STAGE/generated/loyalty_ffiFFI.modulemap" "$STAGE/headers/loyalty_ffiFFI/module.modulemap"

echo "==> xcodebuild -create-xcframework -> $XCFRAMEWORK"
rm -rf "$XCFRAMEWORK"
xcodebuild -create-xcframework \
    -library "$STAGE/device/$LIB" -headers "$STAGE/headers" \
    -library "$STAGE/simulator/$LIB" -headers "$STAGE/headers" \
    -output "$XCFRAMEWORK"

mkdir -p "$GENERATED_SWIFT_DIR"
cp "$STAGE/generated/LoyaltyCore.swift" "$STAGE/generated/LoyaltyCoreDomain.swift" "$GENERATED_SWIFT_DIR/"

echo "==> done"
du -sh "$XCFRAMEWORK" "$STAGE/device/$LIB" "$STAGE/simulator/$LIB"
echo "Swift bindings: $GENERATED_SWIFT_DIR/LoyaltyCore.swift"
echo "Next: open ios/ in Xcode (File > Open > ios/Package.swift), or ios/SampleApp (see ios/README.md)."
