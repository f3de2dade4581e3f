#!/usr/bin/env bash
# What can be proved here (no Android NDK, no Xcode) about the artifacts of release/release.sh:
#
#   1. the JVM jar: host-flavour bindings + the pure-JVM facade, the host library as the classpath
#      resource JNA loads (linux-x86-64/libloyalty_ffi.so), its debug symbols split off and kept
#      aside, the consumer rules at META-INF/proguard/
#   2. published with its POM to a Maven repository directory (maven-deploy-plugin), with the
#      dependencies JNA >= 5.18.1, kotlinx-coroutines and kotlin-stdlib
#   3. a separate consumer project (release/consumer/pom.xml) that declares only the coordinates
#      and the repository, resolves it with Maven and compiles against it (kotlin-maven-plugin)
#   4. the consumer runs against the real library, loaded by JNA from the artifact
#   5. the consumer shrunk and obfuscated with ProGuard (Maven Central) under
#      android/loyalty/consumer-rules.pro still runs
#   6. controls, one per -keep rule of consumer-rules.pro: without it the shrunk consumer fails
#      (every rule is needed, and check 5 would see its loss); without `-keepattributes
#      RuntimeVisibleAnnotations` it fails on JNA's @Structure.FieldOrder
#      ProGuard, not R8: R8 is published on Google's Maven, not Maven Central. R8 reads the same
#      rules; its full mode optimises more aggressively than ProGuard, so an R8-minified app
#      build (Android Studio) remains the final word. The test app's own rules
#      (release/consumer/app-rules.pro) turn off one ProGuard optimisation that breaks
#      kotlinx.coroutines on the JVM verifier, unrelated to the library
#   7. a zipped XCFramework laid out with the per-module headers directory and the generated
#      root-level Package.swift: url and checksum consistent with the zip. STAND-IN: the library
#      inside is the host's static library, not iOS slices (no Xcode here); only the layout and
#      the checksum/manifest consistency are proved, not that Xcode accepts it
#   8. every Android target gets -z max-page-size=16384 from bindings/build.rs (the real build
#      script, compiled and run for each Android triple and profile; a non-Android one as control),
#      and its release links the version script that keeps uniffi's metadata local
#   9. that flag gives 16 KB-aligned LOAD segments (readelf -lW): a host cdylib linked with it and,
#      as control, without it. Not an Android link (no NDK here)
#
# Prints "Release: N passed, N failed". Set-up (skipped when present): tests/setup.sh's tools; a
# JDK, unzip, binutils and maven from Debian; Maven Central artifacts through mvn (ProGuard,
# kotlin-maven-plugin, JNA, coroutines) into .tools/release-m2.
# RELEASE_CHECK_CARGO_SCOPE=workspace: `cargo build --workspace` instead of `-p loyalty-ffi -p
# uniffi-bindgen` (see below). Run from any directory; exits non-zero when a check fails.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
. tests/lib.sh
. release/lib.sh
load_tools

# Beyond tests/setup.sh: a JDK (jar, and the jmods ProGuard reads the JVM's classes from), unzip,
# readelf/objcopy/strip (binutils), mvn.
deb_missing=()
command -v jar >/dev/null && command -v javac >/dev/null \
    && [ -f "$(dirname "$(dirname "$(readlink -f "$(command -v javac)")")")/jmods/java.base.jmod" ] \
    || deb_missing+=(openjdk-17-jdk-headless)
command -v unzip >/dev/null || deb_missing+=(unzip)
command -v readelf >/dev/null && command -v objcopy >/dev/null || deb_missing+=(binutils)
command -v mvn >/dev/null || deb_missing+=(maven)
if [ "${#deb_missing[@]}" -gt 0 ]; then
    [ "$(id -u)" -eq 0 ] || { echo "[release] need root to apt-get install ${deb_missing[*]}" >&2; exit 1; }
    echo "[release] apt-get install ${deb_missing[*]}"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${deb_missing[@]}" >/dev/null
fi

OUT="$ROOT/build/release-check"
REPO="$OUT/maven"                      # the published repository (what a team's build points at)
CONSUMER_M2="$ROOT/.tools/release-m2"  # the consumer's own Maven cache (third-party artifacts)
mkdir -p "$OUT"
# The generated Package.swift needs the download base of the release; a documentation address here.
export LOYALTY_RELEASE_URL="${LOYALTY_RELEASE_URL:-https://example.org/loyalty-core/releases/download}"

log() { printf '[release] %s\n' "$*"; }
now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f s", b - a }'; }
mvn_q() { mvn -q -B -Dstyle.color=never "$@" </dev/null 2>&1 | sed 's/\x1b\[[0-9;]*m//g'; }

passed=0
failed=0
# check NAME FUNCTION: runs FUNCTION in a subshell with errexit on; a non-zero exit fails it.
check() {
    local name="$1" t status=0
    t=$(now)
    set +e
    (set -e; "$2")
    status=$?
    set -e
    if [ "$status" -eq 0 ]; then
        passed=$((passed + 1))
        log "ok - $name ($(since "$t"))"
    else
        failed=$((failed + 1))
        log "FAILED - $name (exit $status, $(since "$t"))"
    fi
}
fail() { log "  $*" >&2; return 1; }

VERSION="$(workspace_version)"
[ -n "$VERSION" ] || { log "no [workspace.package] version in Cargo.toml" >&2; exit 1; }
KOTLIN_VERSION="$(kotlinc_version)"
[ -n "$KOTLIN_VERSION" ] || { log "cannot read the version of $KOTLINC" >&2; exit 1; }
JAR="$OUT/$JVM_ARTIFACT-$VERSION.jar"
POM="$OUT/$JVM_ARTIFACT-$VERSION.pom"
log "version $VERSION (Cargo.toml), $GROUP_ID:$JVM_ARTIFACT:$VERSION, kotlinc $KOTLIN_VERSION"

t=$(now)
# -p by default: only what the check needs. Inside tests/run.sh, whose other stages build the
# workspace, RELEASE_CHECK_CARGO_SCOPE=workspace builds the same way: the workspace's feature
# set differs for a few shared crates (hyper, serde_json, tower, ...), so switching scope would
# rebuild the core's dependency chain twice per run. The library's code is the same either way.
if [ "${RELEASE_CHECK_CARGO_SCOPE:-packages}" = workspace ]; then
    cargo_scope=(--workspace)
else
    cargo_scope=(-p loyalty-ffi -p uniffi-bindgen)
fi
cargo build "${cargo_scope[@]}"
log "cargo build ${cargo_scope[*]}: $(since "$t")"

# --- 1. the JVM jar ---------------------------------------------------------------------------------
jvm_jar() {
    mkdir -p "$OUT/native"
    cp "$LIB_SO" "$OUT/native/libloyalty_ffi.so"
    split_debug "$OUT/native/libloyalty_ffi.so" "$OUT/native/libloyalty_ffi.so.debug"
    build_jvm_jar "$JAR" "$OUT/native/libloyalty_ffi.so" "$OUT/jvm-work"
    python3 - "$JAR" <<'EOF'
import sys, zipfile
names = set(zipfile.ZipFile(sys.argv[1]).namelist())
want = ["com/loyaltycore/LoyaltyClient.class", "com/loyaltycore/RustBuffer.class",
        "com/loyaltycore/facade/Loyalty.class", "linux-x86-64/libloyalty_ffi.so",
        "META-INF/proguard/loyalty-jvm.pro"]
missing = [n for n in want if n not in names]
if missing:
    sys.exit("missing in the jar: " + ", ".join(missing))
if any(n.startswith("kotlin/") or n.startswith("com/sun/jna/") for n in names):
    sys.exit("the jar bundles kotlin or JNA classes: they are POM dependencies")
EOF
    readelf -S "$OUT/native/libloyalty_ffi.so.debug" | grep -q '\.debug_info' \
        || fail "no .debug_info kept aside in libloyalty_ffi.so.debug"
    ! readelf -S "$OUT/native/libloyalty_ffi.so" | grep -q '\.debug_info' \
        || fail "the packaged library still carries .debug_info"
    readelf -S "$OUT/native/libloyalty_ffi.so" | grep -q '\.gnu_debuglink' \
        || fail "the packaged library has no .gnu_debuglink to its symbols"
    log "  jar $(du -h "$JAR" | cut -f1); library $(du -h "$LIB_SO" | cut -f1) -> stripped $(du -h "$OUT/native/libloyalty_ffi.so" | cut -f1), symbols kept aside $(du -h "$OUT/native/libloyalty_ffi.so.debug" | cut -f1)"
}
check "JVM jar: bindings + facade + linux-x86-64 library (debug symbols split off, kept aside) + consumer rules" jvm_jar

# --- 2. published with its POM ------------------------------------------------------------------------
publish() {
    write_jvm_pom "$POM" "$VERSION" "$KOTLIN_VERSION"
    rm -rf "$REPO"
    publish_maven "$REPO" "$JAR" "$POM"
    local dir="$REPO/$(maven_repo_path "$GROUP_ID" "$JVM_ARTIFACT" "$VERSION")"
    local f
    for f in "$JVM_ARTIFACT-$VERSION.jar" "$JVM_ARTIFACT-$VERSION.pom"; do
        [ -f "$dir/$f" ] || fail "not published: $dir/$f"
        [ "$(cat "$dir/$f.sha1")" = "$(sha1sum "$dir/$f" | cut -d' ' -f1)" ] || fail "bad $f.sha1"
    done
    cmp -s "$JAR" "$dir/$JVM_ARTIFACT-$VERSION.jar" || fail "the published jar differs from the built one"
    grep -q "<version>$VERSION</version>" "$REPO/${GROUP_ID//.//}/$JVM_ARTIFACT/maven-metadata.xml" \
        || fail "maven-metadata.xml does not list $VERSION"
    python3 - "$dir/$JVM_ARTIFACT-$VERSION.pom" "$JNA_VERSION" "$COROUTINES_VERSION" "$KOTLIN_VERSION" <<'EOF'
import sys, xml.etree.ElementTree as ET
ns = {"m": "http://maven.apache.org/POM/4.0.0"}
pom = ET.parse(sys.argv[1]).getroot()
deps = {(d.find("m:groupId", ns).text, d.find("m:artifactId", ns).text): d.find("m:version", ns).text
        for d in pom.findall("m:dependencies/m:dependency", ns)}
want = {("net.java.dev.jna", "jna"): sys.argv[2],
        ("org.jetbrains.kotlinx", "kotlinx-coroutines-core-jvm"): sys.argv[3],
        ("org.jetbrains.kotlin", "kotlin-stdlib"): sys.argv[4]}
if deps != want:
    sys.exit("POM dependencies %s, expected %s" % (deps, want))
jna = tuple(int(x) for x in deps[("net.java.dev.jna", "jna")].split("."))
if jna < (5, 18, 1):
    sys.exit("JNA %s < 5.18.1 (16 KB page crash fixes)" % (jna,))
EOF
}
check "published to a Maven repository ($REPO) with its POM: layout, checksums, metadata, dependencies" publish

# --- 3. the consumer resolves it by coordinates --------------------------------------------------------
CONSUMER_OUT="$ROOT/release/consumer/target"   # Maven's default build directory (ignored by git)
consumer_build() {
    # The consumer's cache keeps third-party artifacts across runs, never ours: the library is
    # resolved from the published repository each time.
    rm -rf "$CONSUMER_M2/${GROUP_ID//.//}" "$CONSUMER_OUT"
    mvn_q -f release/consumer/pom.xml -Dmaven.repo.local="$CONSUMER_M2" \
        -Dloyalty.repo="file://$REPO" -Dloyalty.version="$VERSION" \
        package dependency:build-classpath -Dmdep.outputFile="$OUT/consumer.classpath"
    local resolved="$CONSUMER_M2/$(maven_repo_path "$GROUP_ID" "$JVM_ARTIFACT" "$VERSION")/$JVM_ARTIFACT-$VERSION.jar"
    cmp -s "$JAR" "$resolved" || fail "the consumer did not resolve the published jar ($resolved)"
    grep -q "jna-$JNA_VERSION.jar" "$OUT/consumer.classpath" || fail "JNA $JNA_VERSION not on the consumer's classpath"
    grep -q "kotlinx-coroutines-core-jvm-" "$OUT/consumer.classpath" || fail "coroutines not on the consumer's classpath"
    [ -f "$CONSUMER_OUT/classes/com/example/shop/MainKt.class" ] || fail "the consumer did not compile"
}
check "consumer project (release/consumer/pom.xml: the coordinates and the repository only) resolves and compiles" consumer_build

# classpath_entries: the consumer's resolved classpath (written by Maven), one jar a line.
classpath_entries() { tr ':' '\n' <"$OUT/consumer.classpath" | awk 'NF'; }

# run_consumer CLASSPATH LOG: runs the consumer's test; JNA's load log goes to LOG as well.
run_consumer() {
    local cp="$1" log_file="$2" status=0
    timeout --kill-after=10 "${RELEASE_TEST_TIMEOUT:-300}" \
        java -Djna.debug_load=true -cp "$cp" com.example.shop.MainKt </dev/null >"$log_file" 2>&1 || status=$?
    sed 's/^/    /' "$log_file" | grep -v '^    *at \|INFO: \|^    [A-Z][a-z][a-z] [0-9]' || true
    return "$status"
}

# --- 4. the consumer runs against the real library, loaded from the artifact --------------------------
consumer_run() {
    run_consumer "$CONSUMER_OUT/classes:$(cat "$OUT/consumer.classpath")" "$OUT/consumer-run.log"
    grep -q "^Consumer: [1-9][0-9]* passed, 0 failed" "$OUT/consumer-run.log" || fail "no passing summary"
    # JNA extracted the library from the artifact's classpath resource, not from a path on disk.
    grep -q "Found library resource at jar:file:.*/$JVM_ARTIFACT-$VERSION.jar!/linux-x86-64/libloyalty_ffi.so" \
        "$OUT/consumer-run.log" \
        || fail "JNA did not load libloyalty_ffi.so from the jar's linux-x86-64/ resource"
}
check "consumer test against the real library (card, till QR, Flows, async, errors), JNA loading it from the jar" consumer_run

# --- 5. shrunk with ProGuard under the consumer rules ------------------------------------------------------
PROGUARD_CP="$OUT/proguard.classpath"
JMODS="$(dirname "$(dirname "$(readlink -f "$(command -v javac)")")")/jmods"
# shrink RULES OUT_JAR: the consumer and everything on its classpath -> one shrunk, optimised,
# obfuscated jar (as R8 does to an app). RULES: the library's consumer rules as the app gets them;
# release/consumer/app-rules.pro: the app's own entry point and JVM-only warnings.
shrink() {
    local rules="$1" out_jar="$2" name cfg
    name="$(basename "$out_jar" .jar)"
    cfg="$OUT/proguard-$name.pro"
    if [ ! -s "$PROGUARD_CP" ]; then
        mvn_q -f release/proguard/pom.xml -Dmaven.repo.local="$CONSUMER_M2" \
            dependency:build-classpath -Dmdep.outputFile="$PROGUARD_CP"
    fi
    [ -f "$JMODS/java.base.jmod" ] || fail "no $JMODS/java.base.jmod (the JDK's jmods)"
    {
        echo "-injars $CONSUMER_OUT/classes"
        classpath_entries | sed 's/^/-injars /; s/$/(!META-INF\/versions\/**,!module-info.class)/'
        echo "-outjars $out_jar"
        for m in java.base java.logging java.desktop jdk.unsupported; do
            echo "-libraryjars $JMODS/$m.jmod(!**.jar;!module-info.class)"
        done
        echo "-include $ROOT/release/consumer/app-rules.pro"
        # The rules the app's other dependencies ship in META-INF/proguard/ (kotlinx-coroutines'),
        # which R8 applies by itself; ProGuard is handed them here. Ours come as RULES only.
        local jar_file n=0
        while IFS= read -r jar_file; do
            case "$jar_file" in */"$JVM_ARTIFACT-$VERSION.jar") continue ;; esac
            while IFS= read -r entry; do
                n=$((n + 1))
                unzip -p "$jar_file" "$entry" >"$OUT/dep-rules-$n.pro"
                echo "-include $OUT/dep-rules-$n.pro"
            done < <(unzip -Z1 "$jar_file" 2>/dev/null | grep '^META-INF/proguard/.*\.pro$' || true)
        done < <(classpath_entries)
        echo "-include $rules"
    } >"$cfg"
    rm -f "$out_jar"
    java -cp "$(cat "$PROGUARD_CP")" proguard.ProGuard @"$cfg" >"$OUT/proguard-$name.log" 2>&1 \
        || { tail -n 30 "$OUT/proguard-$name.log" >&2; fail "ProGuard failed"; }
}
SHRUNK="$OUT/consumer-shrunk.jar"
consumer_shrunk() {
    # The rules as the app receives them: from the resolved artifact (META-INF/proguard), which
    # must be android/loyalty/consumer-rules.pro.
    unzip -p "$(classpath_entries | grep "/$JVM_ARTIFACT-$VERSION.jar$")" \
        "META-INF/proguard/$JVM_ARTIFACT.pro" >"$OUT/consumer-rules.pro"
    cmp -s "$OUT/consumer-rules.pro" "$CONSUMER_RULES" || fail "the jar's rules are not $CONSUMER_RULES"
    shrink "$OUT/consumer-rules.pro" "$SHRUNK"
    local before after
    before=$(find "$CONSUMER_OUT/classes" -name '*.class' | wc -l)
    local jar_file
    while IFS= read -r jar_file; do
        before=$((before + $(unzip -Z1 "$jar_file" | grep -c '\.class$' || true)))
    done < <(classpath_entries)
    after=$(unzip -Z1 "$SHRUNK" | grep -c '\.class$')
    log "  classes: $before on the classpath -> $after in the shrunk jar"
    # Shrinking really happened (else this proves nothing): fewer classes, the facade renamed.
    [ "$after" -lt "$before" ] || fail "nothing was shrunk"
    ! unzip -Z1 "$SHRUNK" | grep -q '^com/loyaltycore/facade/Loyalty.class$' \
        || fail "the facade kept its name: obfuscation did not run"
    run_consumer "$SHRUNK" "$OUT/consumer-shrunk-run.log"
    grep -q "^Consumer: [1-9][0-9]* passed, 0 failed" "$OUT/consumer-shrunk-run.log" || fail "no passing summary"
}
check "consumer shrunk + obfuscated by ProGuard under consumer-rules.pro still passes its test" consumer_shrunk

# --- 6. controls: every rule is needed (what JNA needs and no more) ------------------------------------
# rule_needed LINE_NUMBER: the consumer rules without that line, shrunk and run: the test must fail
# (else the rule is not needed, or the test cannot see its loss). Without the annotations rule it
# must fail on JNA's @Structure.FieldOrder.
rule_needed() {
    local line="$1" rule name
    rule="$(sed -n "${line}p" "$CONSUMER_RULES")"
    name="without-rule-$line"
    sed "${line}d" "$CONSUMER_RULES" >"$OUT/rules-$name.pro"
    shrink "$OUT/rules-$name.pro" "$OUT/consumer-$name.jar"
    if run_consumer "$OUT/consumer-$name.jar" "$OUT/consumer-$name.log" >/dev/null; then
        fail "the consumer still passes without \`$rule\`: not needed, or not exercised"
    fi
    local why
    why="$(grep -m1 -o 'FAILED - [^:]*: .\{0,110\}' "$OUT/consumer-$name.log" | sed 's/^FAILED - [^:]*: //')"
    [ -n "$why" ] || why="$(grep -m1 -o '^Exception.\{0,110\}\|Error: .\{0,110\}' "$OUT/consumer-$name.log")"
    case "$rule" in
        -keepattributes*RuntimeVisibleAnnotations*)
            grep -q "Structure.getFieldOrder()" "$OUT/consumer-$name.log" \
                || fail "it failed, but not on JNA's @Structure.FieldOrder: $why" ;;
    esac
    log "  without it: $why"
}
grep -q '^-keepattributes .*RuntimeVisibleAnnotations' "$CONSUMER_RULES" \
    || { log "FAILED - $CONSUMER_RULES does not keep RuntimeVisibleAnnotations"; failed=$((failed + 1)); }
while IFS=: read -r line rule; do
    check_rule() { rule_needed "$line"; }
    check "control: the shrunk consumer fails without \`$rule\`" check_rule
done < <(grep -n '^-keep' "$CONSUMER_RULES")

# --- 7. the XCFramework zip and the generated Package.swift ---------------------------------------------
xcframework_zip() {
    local stage="$OUT/xcframework" zip_file="$OUT/$XCFRAMEWORK_NAME.xcframework.zip"
    rm -rf "$stage" && mkdir -p "$stage/generated"
    "$BINDGEN" generate "$LIB_SO" --language swift --config "$UNIFFI_TOML" --no-format --out-dir "$stage/generated" >/dev/null
    swift_modulemap "$stage/generated"
    # STAND-IN slice: the host's static library (stripped of debug info), not iOS slices.
    local slice="$stage/$XCFRAMEWORK_NAME.xcframework/linux-x86_64"
    mkdir -p "$slice/Headers/$FFI_MODULE"
    cp target/debug/libloyalty_ffi.a "$slice/libloyalty_ffi.a"
    strip --strip-debug "$slice/libloyalty_ffi.a"
    write_xcframework_headers "$stage/generated" "$slice/Headers"
    write_zip "$zip_file" "$stage" "$XCFRAMEWORK_NAME.xcframework"
    local checksum url
    checksum="$(zip_checksum "$zip_file")"
    url="$(release_download_url "$VERSION")/$XCFRAMEWORK_NAME.xcframework.zip"
    mkdir -p "$OUT/swift-package"
    write_package_swift "$OUT/swift-package/Package.swift" "$VERSION" "$url" "$checksum"
    python3 - "$OUT/swift-package/Package.swift" "$zip_file" "$XCFRAMEWORK_NAME" "$FFI_MODULE" "$VERSION" <<'EOF'
import hashlib, re, sys, zipfile
manifest, zip_path, xcf, module, version = sys.argv[1:]
text = open(manifest).read()
m = re.search(r'\.binaryTarget\(\s*name:\s*"([^"]+)",\s*url:\s*"([^"]+)",\s*checksum:\s*"([0-9a-f]+)"\s*\)', text)
if not m:
    sys.exit("no binaryTarget(name:url:checksum:) in Package.swift")
name, url, checksum = m.groups()
actual = hashlib.sha256(open(zip_path, "rb").read()).hexdigest()
if checksum != actual:
    sys.exit("checksum %s in Package.swift, the zip's SHA-256 is %s" % (checksum, actual))
if not url.startswith("https://") or not url.endswith("/v%s/%s.xcframework.zip" % (version, xcf)):
    sys.exit("url %s is not https://.../v%s/%s.xcframework.zip" % (url, version, xcf))
names = zipfile.ZipFile(zip_path).namelist()
if not all(n.startswith(xcf + ".xcframework/") for n in names):
    sys.exit("the zip's root is not %s.xcframework/ (SwiftPM expects it there)" % xcf)
maps = [n for n in names if n.endswith("module.modulemap")]
if len(maps) != 1 or not maps[0].endswith("/Headers/%s/module.modulemap" % module):
    sys.exit("module map not in Headers/%s/: %s" % (module, maps))
modmap = zipfile.ZipFile(zip_path).read(maps[0]).decode()
if not re.search(r'\bmodule\s+%s\b' % re.escape(module), modmap) or name != module:
    sys.exit("binary target %s, module map declares: %s" % (name, modmap.split("{")[0]))
if not re.search(r'header\s+"%s\.h"' % re.escape(module), modmap):
    sys.exit("module map does not name %s.h" % module)
for header in re.findall(r'header\s+"([^"]+)"', modmap):
    if "Headers/%s/%s" % (module, header) not in "\n".join(names):
        sys.exit("header %s not beside its module map" % header)
EOF
    # The manifest parses as Swift (tree-sitter-swift; a parse, not a type-check).
    "$TS_PYTHON" - "$OUT/swift-package/Package.swift" <<'EOF'
import sys, tree_sitter, tree_sitter_swift
tree = tree_sitter.Parser(tree_sitter.Language(tree_sitter_swift.language())).parse(open(sys.argv[1], "rb").read())
if tree.root_node.has_error:
    sys.exit("Package.swift does not parse as Swift")
EOF
    log "  $(basename "$zip_file"): $(du -h "$zip_file" | cut -f1), sha256 $checksum (stand-in slice: host static library)"
}
check "XCFramework zip (per-module Headers/$FFI_MODULE/) and generated Package.swift: url + checksum match the zip" xcframework_zip

# --- 8. 16 KB pages: every Android target -----------------------------------------------------------------
page_size_settings() {
    local probe="$OUT/page-size/build-script" triple os arch env profile out
    mkdir -p "$OUT/page-size"
    rustc --edition 2021 -O -o "$probe" bindings/build.rs 2>"$OUT/page-size/rustc.log" \
        || { cat "$OUT/page-size/rustc.log" >&2; fail "bindings/build.rs does not compile"; }
    for triple in aarch64-linux-android armv7-linux-androideabi x86_64-linux-android i686-linux-android x86_64-unknown-linux-gnu; do
        arch="${triple%%-*}"; [ "$arch" = armv7 ] && arch=arm
        case "$triple" in *android*) os=android env="" ;; *) os=linux env=gnu ;; esac
        for profile in debug release; do
            out="$(env -i PATH="$PATH" RUSTC="$(command -v rustc)" PROFILE="$profile" TARGET="$triple" \
                CARGO_MANIFEST_DIR="$ROOT/bindings" OUT_DIR="$OUT/page-size" \
                CARGO_CFG_TARGET_OS="$os" CARGO_CFG_TARGET_ENV="$env" CARGO_CFG_TARGET_ARCH="$arch" "$probe")"
            if [ "$os" = android ]; then
                grep -qx 'cargo:rustc-cdylib-link-arg=-Wl,-z,max-page-size=16384' <<<"$out" \
                    || fail "$triple ($profile): no max-page-size=16384 link arg"
                # Release links also keep uniffi's metadata local (README "Library size").
                if [ "$profile" = release ]; then
                    grep -q '^cargo:rustc-cdylib-link-arg=-Wl,--version-script=' <<<"$out" \
                        || fail "$triple (release): no metadata version script"
                    grep -q '^    UNIFFI_META_' "$OUT/page-size/hide-metadata.ver" \
                        || fail "$triple (release): the metadata version script names no symbol"
                fi
            else
                ! grep -q 'max-page-size' <<<"$out" || fail "$triple ($profile): page size set off Android"
            fi
        done
        log "  $triple: $( [ "$os" = android ] && echo "-Wl,-z,max-page-size=16384 (debug and release)" || echo "not set (control)")"
    done
}
check "every Android target (arm64-v8a, armeabi-v7a, x86_64, x86) links with max-page-size=16384, release with the metadata version script (bindings/build.rs run)" page_size_settings

page_size_alignment() {
    local dir="$OUT/page-size"
    mkdir -p "$dir"
    echo '#[no_mangle] pub extern "C" fn loyalty_page_probe() -> u32 { 16384 }' >"$dir/probe.rs"
    rustc --edition 2021 --crate-type cdylib -C link-arg=-Wl,-z,max-page-size=16384 -o "$dir/lib16k.so" "$dir/probe.rs"
    rustc --edition 2021 --crate-type cdylib -o "$dir/libdefault.so" "$dir/probe.rs"
    aligns() { readelf -lW "$1" | awk '$1 == "LOAD" { print $NF }' | sort -u | tr '\n' ' '; }
    local with without
    with="$(aligns "$dir/lib16k.so")"
    without="$(aligns "$dir/libdefault.so")"
    log "  LOAD alignment with the flag: $with; without (control): $without"
    [ "$with" = "0x4000 " ] || fail "with max-page-size=16384 the LOAD segments align to $with"
    [ "$without" != "0x4000 " ] || fail "the control is 16 KB aligned too: the check proves nothing"
}
check "the flag gives 16 KB-aligned LOAD segments (readelf -lW on a host cdylib; not an NDK link)" page_size_alignment

log "not proved here: the Android ABIs and the AAR (no NDK, no Android Gradle plugin), the iOS slices,"
log "  dSYMs, and that Xcode accepts the XCFramework (no Xcode): release/release.sh builds those where they exist"
echo "Release: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
