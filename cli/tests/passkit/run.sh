#!/usr/bin/env bash
# Third-party check of the Apple Wallet export: builds the CLI, exports member and imported cards
# as .pkpass (unsigned and signed with throwaway certificates), and has npm passkit-generator read
# them back (cli/tests/passkit/validate.js). Prints "Passkit: N passed, N failed".
# Needs tests/setup.sh (passkit-generator in .tools/passkit, openssl, node).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)"
cd "$ROOT"
[ -f .tools/env.sh ] || { echo "run tests/setup.sh first" >&2; exit 1; }
# shellcheck source=/dev/null
source .tools/env.sh
[ -d "${PASSKIT_NODE_PATH:-}/passkit-generator" ] || { echo "passkit-generator missing: run tests/setup.sh" >&2; exit 1; }

cargo build --quiet -p loyalty-cli
BIN="$ROOT/target/debug/loyalty"
WORK="$ROOT/build/passkit"
rm -rf "$WORK"
mkdir -p "$WORK/certs"
DATA="$WORK/data"
NOW=2026-03-01T09:30:00Z
loyalty() { "$BIN" --data "$DATA" --now "$NOW" "$@"; }

# Throwaway certificates: a CA standing in for Apple's WWDR and a pass certificate it signed.
(
    cd "$WORK/certs"
    openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out wwdr.pem -days 2 \
        -subj "/CN=Test WWDR" 2>/dev/null
    openssl req -newkey rsa:2048 -nodes -keyout pass.key -out pass.csr \
        -subj "/CN=Pass Type ID: pass.dev.loyaltycore.card" 2>/dev/null
    openssl x509 -req -in pass.csr -CA wwdr.pem -CAkey ca.key -CAcreateserial -out pass.pem \
        -days 2 2>/dev/null
)

loyalty card enrol 1234-5678 --secret-hex 3132333435363738393031323334353637383930 >/dev/null
loyalty points earn 1500 >/dev/null
loyalty cards import-catima cli/tests/fixtures/catima_v2.csv >/dev/null
loyalty card export-pkpass --out "$WORK/member-qr.pkpass" >/dev/null
loyalty card export-pkpass --out "$WORK/member-signed.pkpass" --cert "$WORK/certs/pass.pem" \
    --key "$WORK/certs/pass.key" --wwdr "$WORK/certs/wwdr.pem" >/dev/null
loyalty card export-pkpass --out "$WORK/member-pdf417.pkpass" --barcode pdf417 >/dev/null
loyalty card export-pkpass --out "$WORK/imported-aztec.pkpass" --imported catima-10 >/dev/null
loyalty card export-pkpass --out "$WORK/imported-code128.pkpass" --imported catima-9 >/dev/null
loyalty card export-pkpass --out "$WORK/imported-qr-utf8.pkpass" --imported catima-13 >/dev/null

cat >"$WORK/spec.json" <<EOF
{
  "certs": {"wwdr": "$WORK/certs/wwdr.pem", "signerCert": "$WORK/certs/pass.pem", "signerKey": "$WORK/certs/pass.key"},
  "passes": [
    {"file": "$WORK/member-qr.pkpass", "signed": false, "barcodeFormat": "PKBarcodeFormatQR",
     "message": "1234-5678", "messageEncoding": "iso-8859-1", "primaryKey": "points", "primaryValue": 1500},
    {"file": "$WORK/member-signed.pkpass", "signed": true, "barcodeFormat": "PKBarcodeFormatQR",
     "message": "1234-5678", "messageEncoding": "iso-8859-1", "primaryKey": "points", "primaryValue": 1500},
    {"file": "$WORK/member-pdf417.pkpass", "signed": false, "barcodeFormat": "PKBarcodeFormatPDF417",
     "message": "1234-5678", "messageEncoding": "iso-8859-1", "primaryKey": "points", "primaryValue": 1500},
    {"file": "$WORK/imported-aztec.pkpass", "signed": false, "barcodeFormat": "PKBarcodeFormatAztec",
     "message": "Käseschnitte", "messageEncoding": "iso-8859-1", "primaryKey": "store", "primaryValue": "Cheese Shop"},
    {"file": "$WORK/imported-code128.pkpass", "signed": false, "barcodeFormat": "PKBarcodeFormatCode128",
     "message": "XYZ-789", "messageEncoding": "iso-8859-1", "primaryKey": "store", "primaryValue": "Restaurant"},
    {"file": "$WORK/imported-qr-utf8.pkpass", "signed": false, "barcodeFormat": "PKBarcodeFormatQR",
     "message": "https://example.org/ü", "messageEncoding": "iso-8859-1", "primaryKey": "store", "primaryValue": "Café ☕ Zürich"}
  ]
}
EOF

# The signed export's signature also verifies with openssl (detached PKCS #7 over manifest.json).
python3 - "$WORK" <<'PY'
import sys, zipfile, os
work = sys.argv[1]
with zipfile.ZipFile(os.path.join(work, "member-signed.pkpass")) as z:
    for name in ("manifest.json", "signature"):
        open(os.path.join(work, name), "wb").write(z.read(name))
PY
openssl smime -verify -binary -inform DER -in "$WORK/signature" -content "$WORK/manifest.json" \
    -CAfile "$WORK/certs/wwdr.pem" -purpose any -out /dev/null

NODE_PATH="$PASSKIT_NODE_PATH" node cli/tests/passkit/validate.js "$WORK/spec.json"
