#!/usr/bin/env bash
# UBL checks: the invoices of loyalty-domain's invoice module, validated by an independent Peppol
# validator. (a) `cargo run -p loyalty-domain --example ubl_samples` writes sample invoices into
# build/ubl/samples (Belgian buyer with mixed 21 %/6 % lines, Dutch, French, Luxembourg and German
# buyers, quantities above one, a name with & < > and quotes, a zero-rated line, long receipts with
# rounding edge cases), and the reference server's tests (server/tests/invoices.rs, run with
# UBL_OUT_DIR) add the invoices the real server issued over HTTP (server-*.xml: its configured
# seller, its numbers, Brussels dates, saved and given buyers); (b) tests/ubl/src/main/java/loyalty/ubl/Check.java runs phive (Philip Helger's validation engine) with
# its Peppol rule set over them: the UBL 2.1 XSD, the CEN EN 16931 UBL schematron and the OpenPeppol
# BIS Billing 3.0 schematron. Any error or fatal finding fails the stage; warnings are printed.
#
# First, three deliberately broken copies (a wrong total, a wrong Belgian enterprise number, an
# element the schema does not allow) must be refused with the expected rule ids, so a validator that
# accepts anything cannot pass. Prints `UBL: N passed, N failed` last.
#
# Installs: the validator's jars from Maven Central through mvn (tests/ubl/pom.xml) into
# .tools/ubl/lib, once per pom version; a JDK (javac) and Maven from Debian when missing.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"
HERE="tests/ubl"
LIB="$ROOT/.tools/ubl/lib"
OUT="build/ubl"

log() { printf '[ubl] %s\n' "$*"; }

# The jars, fetched again only when the pom changes.
. tests/lib.sh
maven_jars "$HERE/pom.xml" "$LIB" "the validator (phive, phive-rules-peppol)"

rm -rf "$OUT"
mkdir -p "$OUT/classes" "$OUT/samples" "$OUT/broken"
javac -Xlint:all -Werror -d "$OUT/classes" -cp "$LIB/*" "$HERE/src/main/java/loyalty/ubl/Check.java"
check() { java -cp "$OUT/classes:$LIB/*" -Dorg.slf4j.simpleLogger.defaultLogLevel=warn loyalty.ubl.Check "$@"; }

cargo run -q -p loyalty-domain --example ubl_samples -- "$OUT/samples"
# The invoices the reference server issues, written by its tests next to the samples.
UBL_OUT_DIR="$ROOT/$OUT/samples" cargo test -q -p loyalty-server --test invoices >"$OUT/server-tests.log" 2>&1 \
    || { cat "$OUT/server-tests.log"; log "the server's invoice tests failed"; exit 1; }
server_count="$(find "$OUT/samples" -name 'server-*.xml' | wc -l)"
[ "$server_count" -ge 5 ] || { log "expected the server's invoices, found $server_count"; exit 1; }
log "$server_count invoices issued by the reference server added to the samples"

# Negative controls, made from the first sample.
src="$OUT/samples/be-mixed-rates.xml"
total="$(sed -n 's#.*<cbc:TaxInclusiveAmount currencyID="EUR">\([0-9.]*\)<.*#\1#p' "$src")"
wrong_total="$(awk -v t="$total" 'BEGIN { printf "%.2f", t + 0.01 }')"
sed "s#<cbc:TaxInclusiveAmount currencyID=\"EUR\">$total<#<cbc:TaxInclusiveAmount currencyID=\"EUR\">$wrong_total<#" \
    "$src" >"$OUT/broken/total.xml"
sed 's#<cbc:EndpointID schemeID="0208">0202239951<#<cbc:EndpointID schemeID="0208">0202239952<#' \
    "$src" >"$OUT/broken/endpoint.xml"
sed 's#<cbc:IssueDate>#<cbc:Unknown>x</cbc:Unknown><cbc:IssueDate>#' "$src" >"$OUT/broken/schema.xml"
status=0
check "$OUT/broken" >"$OUT/broken.log" 2>&1 || status=$?
for want in "total.xml: ERROR \[schematron-xslt\] BR-CO-15" \
    "endpoint.xml: ERROR \[schematron-xslt\] PEPPOL-COMMON-R043" \
    "schema.xml: ERROR \[xsd\]"; do
    if ! grep -q "$want" "$OUT/broken.log"; then
        cat "$OUT/broken.log"
        log "negative control not refused as expected: $want"
        exit 1
    fi
done
[ "$status" -eq 1 ] || { cat "$OUT/broken.log"; log "the validator exited $status on broken invoices"; exit 1; }
log "negative controls: 3 broken invoices refused (BR-CO-15, PEPPOL-COMMON-R043, UBL 2.1 XSD)"

check "$OUT/samples"
