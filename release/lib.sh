# shellcheck shell=bash
# Shared by release/release.sh and release/check.sh (sourced, not run): the coordinates, the POMs,
# the JVM jar, publishing to a Maven repository directory, debug-symbol splitting, the Swift
# package manifest. Expects ROOT (the repository root) set and the current directory to be ROOT;
# tests/lib.sh sourced first (LIB_SO, BINDGEN, generate_bindings, load_tools).

GROUP_ID="com.loyaltycore"
ANDROID_ARTIFACT="loyalty-android"   # the AAR: bindings (Android flavour), facade, services, 3 ABIs
JVM_ARTIFACT="loyalty-jvm"           # the jar: bindings (host flavour), facade, linux-x86-64 library
# JNA >= 5.18.1: 5.14 crashes on 16 KB-page devices (java-native-access/jna#1618, fixed in
# 5.16/5.17; a later race fixed in 5.18.1). In a POM a plain version is the minimum Gradle accepts
# (it takes the highest version asked for in the graph).
JNA_VERSION="5.18.1"
COROUTINES_VERSION="1.9.0"           # as android/loyalty/build.gradle.kts
ANDROIDX_ANNOTATION_VERSION="1.9.1"
ANDROIDX_WORK_VERSION="2.10.0"
SWIFT_PACKAGE_NAME="LoyaltyCore"
XCFRAMEWORK_NAME="LoyaltyCoreFFI"
FFI_MODULE="loyalty_ffiFFI"          # uniffi.toml: ffi_module_name
FACADE_SRC="android/loyalty/src/main/kotlin/com/loyaltycore/facade"
CONSUMER_RULES="android/loyalty/consumer-rules.pro"

# The release version: [workspace.package] version in the workspace Cargo.toml.
workspace_version() {
    awk '/^\[workspace\.package\]/ { in_pkg = 1; next } /^\[/ { in_pkg = 0 }
        in_pkg && $1 == "version" { gsub(/"/, "", $3); print $3; exit }' "$ROOT/Cargo.toml"
}

# maven_repo_path GROUP ARTIFACT VERSION: the directory of one version in a Maven repository.
maven_repo_path() { echo "${1//.//}/$2/$3"; }

# pom_common ARTIFACT VERSION PACKAGING NAME: the POM head every artifact shares.
pom_common() {
    cat <<EOF
<?xml version="1.0" encoding="UTF-8"?>
<project xmlns="http://maven.apache.org/POM/4.0.0"
         xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
         xsi:schemaLocation="http://maven.apache.org/POM/4.0.0 https://maven.apache.org/xsd/maven-4.0.0.xsd">
  <modelVersion>4.0.0</modelVersion>
  <groupId>$GROUP_ID</groupId>
  <artifactId>$1</artifactId>
  <version>$2</version>
  <packaging>$3</packaging>
  <name>$4</name>
  <description>Loyalty Core: the shopper's loyalty programme on the device (Rust core, uniffi bindings).</description>
  <licenses>
    <license>
      <name>MPL-2.0</name>
      <url>https://www.mozilla.org/MPL/2.0/</url>
    </license>
  </licenses>
EOF
}

# pom_dependency GROUP ARTIFACT VERSION [TYPE]
pom_dependency() {
    printf '    <dependency>\n      <groupId>%s</groupId>\n      <artifactId>%s</artifactId>\n      <version>%s</version>\n' "$1" "$2" "$3"
    [ -z "${4:-}" ] || printf '      <type>%s</type>\n' "$4"
    printf '      <scope>compile</scope>\n    </dependency>\n'
}

# write_jvm_pom FILE VERSION KOTLIN_VERSION
write_jvm_pom() {
    {
        pom_common "$JVM_ARTIFACT" "$2" jar "Loyalty Core for the JVM (Linux x86-64)"
        echo "  <dependencies>"
        pom_dependency net.java.dev.jna jna "$JNA_VERSION"
        pom_dependency org.jetbrains.kotlinx kotlinx-coroutines-core-jvm "$COROUTINES_VERSION"
        pom_dependency org.jetbrains.kotlin kotlin-stdlib "$3"
        echo "  </dependencies>"
        echo "</project>"
    } >"$1"
}

# write_android_pom FILE VERSION KOTLIN_VERSION: the AAR's POM. JNA as its AAR (libjnidispatch.so
# for every ABI); AndroidX for the services (annotations, WorkManager for SyncWorker).
write_android_pom() {
    {
        pom_common "$ANDROID_ARTIFACT" "$2" aar "Loyalty Core for Android"
        echo "  <dependencies>"
        pom_dependency net.java.dev.jna jna "$JNA_VERSION" aar
        pom_dependency org.jetbrains.kotlinx kotlinx-coroutines-android "$COROUTINES_VERSION"
        pom_dependency org.jetbrains.kotlin kotlin-stdlib "$3"
        pom_dependency androidx.annotation annotation "$ANDROIDX_ANNOTATION_VERSION"
        pom_dependency androidx.work work-runtime-ktx "$ANDROIDX_WORK_VERSION"
        echo "  </dependencies>"
        echo "</project>"
    } >"$1"
}

# kotlinc_version: the version of $KOTLINC (e.g. 2.4.20), the kotlin-stdlib the jars need.
kotlinc_version() { "$KOTLINC" -version 2>&1 | sed -n 's/.*kotlinc-jvm \([0-9][0-9.]*\).*/\1/p' | head -n1; }

# build_jvm_jar OUT_JAR NATIVE_SO WORK_DIR: the host-flavour Kotlin bindings (from the unstripped
# debug library's metadata) and the pure-JVM facade, compiled into one jar with the native library
# at linux-x86-64/libloyalty_ffi.so (where JNA looks for it on the classpath) and the consumer R8
# rules at META-INF/proguard/ (where R8 finds a jar's rules by itself).
build_jvm_jar() {
    local out_jar="$1" native_so="$2" work="$3"
    rm -rf "$work/res" "$work/generated"
    mkdir -p "$work/res/linux-x86-64" "$work/res/META-INF/proguard"
    generate_bindings kotlin "$work/generated"
    local sources key
    mapfile -t sources < <(find "$work/generated" "$FACADE_SRC" -name '*.kt' | sort)
    # Compiled again only when a source, the compiler or the classpath changed.
    key="$(cat "${sources[@]}" | sha256sum | cut -d' ' -f1) $("$KOTLINC" -version 2>&1 | tail -n1) $JNA_JAR $COROUTINES_JAR"
    if [ ! -f "$work/classes.jar" ] || [ "$(cat "$work/classes.key" 2>/dev/null)" != "$key" ]; then
        rm -f "$work/classes.jar" "$work/classes.key"
        # -nowarn: the generated code's warnings are uniffi's; the facade is -Werror-clean in
        # android/check.sh.
        "$KOTLINC" -nowarn -jvm-target 17 -cp "$JNA_JAR:$COROUTINES_JAR" -d "$work/classes.jar" "${sources[@]}"
        echo "$key" >"$work/classes.key"
    fi
    cp "$native_so" "$work/res/linux-x86-64/libloyalty_ffi.so"
    cp "$CONSUMER_RULES" "$work/res/META-INF/proguard/$JVM_ARTIFACT.pro"
    cp "$work/classes.jar" "$out_jar"
    jar uf "$out_jar" -C "$work/res" .
}

# split_debug LIB DEBUG_OUT [OBJCOPY] [STRIP]: moves LIB's DWARF into DEBUG_OUT (kept aside for
# symbolication), strips LIB of all it does not need to load, and links it to DEBUG_OUT by name
# (.gnu_debuglink), as the NDK and Debian do.
split_debug() {
    local lib="$1" dbg="$2" objcopy="${3:-objcopy}" strip_tool="${4:-strip}"
    "$objcopy" --only-keep-debug "$lib" "$dbg"
    "$strip_tool" --strip-unneeded "$lib"
    (cd "$(dirname "$dbg")" && "$objcopy" --add-gnu-debuglink="$(basename "$dbg")" "$lib")
}

# publish_maven REPO_DIR FILE POM [PACKAGING]: deploys FILE with its POM into the Maven repository
# directory REPO_DIR with Maven's own deploy plugin (layout, maven-metadata.xml, checksums).
publish_maven() {
    local repo="$1" file="$2" pom="$3" packaging="${4:-jar}"
    mkdir -p "$repo"
    mvn -q -B -Dstyle.color=never org.apache.maven.plugins:maven-deploy-plugin:3.1.4:deploy-file \
        -Dfile="$file" -DpomFile="$pom" -Dpackaging="$packaging" \
        -DrepositoryId=loyalty-release -Durl="file://$(cd "$repo" && pwd)" </dev/null 2>&1 \
        | sed 's/\x1b\[[0-9;]*m//g'   # Maven 3.8 colours even with -B
}

# zip_checksum ZIP: the SHA-256 SwiftPM expects for a binary target (what
# `swift package compute-checksum` prints: the SHA-256 of the zip file's bytes).
zip_checksum() { sha256sum "$1" | cut -d' ' -f1; }

# write_package_swift FILE VERSION URL CHECKSUM: the root-level Package.swift of the components repository
# (what an app adds by URL + version): the XCFramework as a remote binary target, the generated
# Swift, the Swift layer, their privacy manifests.
write_package_swift() {
    cat >"$1" <<EOF
// swift-tools-version: 5.9
// Loyalty Core for iOS $2. Generated by release/release.sh:
// do not edit; the XCFramework is downloaded from the release and checked against its checksum.
import PackageDescription

let package = Package(
    name: "$SWIFT_PACKAGE_NAME",
    platforms: [
        .iOS(.v16),
    ],
    products: [
        .library(name: "LoyaltyCore", targets: ["LoyaltyCore", "LoyaltyCoreKit"]),
    ],
    targets: [
        .binaryTarget(
            name: "$FFI_MODULE",
            url: "$3",
            checksum: "$4"
        ),
        .target(
            name: "LoyaltyCore",
            dependencies: ["$FFI_MODULE"],
            path: "Sources/LoyaltyCore",
            resources: [.copy("PrivacyInfo.xcprivacy")],
            linkerSettings: [
                .linkedFramework("Security"),
                .linkedFramework("CoreFoundation"),
            ]
        ),
        .target(
            name: "LoyaltyCoreKit",
            dependencies: ["LoyaltyCore"],
            path: "Sources/LoyaltyCoreKit",
            resources: [.copy("PrivacyInfo.xcprivacy")]
        ),
    ]
)
EOF
}

# release_download_url VERSION: where the release's files are downloaded from (the tag's release
# page): $LOYALTY_RELEASE_URL/vVERSION, e.g. https://github.com/OWNER/REPO/releases/download/v0.1.0.
release_download_url() {
    [ -n "${LOYALTY_RELEASE_URL:-}" ] || {
        echo "set LOYALTY_RELEASE_URL to the releases' download base (https://github.com/OWNER/REPO/releases/download)" >&2
        return 1
    }
    echo "${LOYALTY_RELEASE_URL%/}/v$1"
}

# write_xcframework_headers GENERATED_DIR HEADERS_DIR: the C headers (one per uniffi component:
# loyalty_ffiFFI.h, loyalty_domainFFI.h) and the module map listing them in a directory of their
# own, HEADERS_DIR/loyalty_ffiFFI/, so that two uniffi XCFrameworks in one app do not both put a
# module.modulemap at the top of Headers/ ("multiple module maps").
write_xcframework_headers() {
    mkdir -p "$2/$FFI_MODULE"
    cp "$1"/*.h "$2/$FFI_MODULE/"
    cp "$1/$FFI_MODULE.modulemap" "$2/$FFI_MODULE/module.modulemap"
}

# write_zip ZIP DIR ENTRY: DIR/ENTRY zipped as ENTRY/... with fixed timestamps and order, so the
# same content gives the same checksum.
write_zip() {
    python3 - "$1" "$2" "$3" <<'PY'
import os, sys, zipfile
out, base, entry = sys.argv[1:]
paths = []
for d, dirs, files in os.walk(os.path.join(base, entry)):
    dirs.sort()
    paths += [os.path.join(d, f) for f in sorted(files)]
with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
    for p in paths:
        info = zipfile.ZipInfo(os.path.relpath(p, base), (1980, 1, 1, 0, 0, 0))
        info.external_attr = (0o755 if os.access(p, os.X_OK) else 0o644) << 16
        info.compress_type = zipfile.ZIP_DEFLATED
        with open(p, "rb") as f:
            z.writestr(info, f.read())
PY
}
