#!/usr/bin/env bash
# Checks the iOS layer without a Swift compiler (see ios/check.py for what each check proves):
#
#   1. the generated Swift bindings: build/ios/generated/*.swift (LoyaltyCore.swift and
#      LoyaltyCoreDomain.swift: one per uniffi component), regenerated here from
#      the debug cdylib with the workspace's uniffi-bindgen (tests/lib.sh: generate_bindings)
#   2. ios/check.py: (1) tree-sitter-swift parse of every .swift file in ios/ and the generated
#      Swift, (2) Package.swift against the directories, (3) calls into the generated API and the
#      facade against their declarations (names and argument labels)
#
# The header, modulemap and checksums of the generated bindings are checked against the library
# by tests/swift/check.sh. Type-checking Swift needs Xcode or a Swift toolchain: not done here.
# Prints `iOS: N passed, N failed`; exits 1 on any failure.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
. tests/lib.sh
load_tools

GEN="build/ios/generated"

# The same build tests/swift/check.sh makes (--workspace: a -p build would flip feature
# unification and rebuild the cdylib); a no-op when it is up to date.
cargo build --workspace --quiet
generate_bindings swift "$GEN" >/dev/null
exec "$TS_PYTHON" ios/check.py --generated "$GEN"/*.swift
