#!/usr/bin/env bash
# Copy checks: every shopper-facing text of the product, in nl, nl-BE, fr, fr-BE and en (British
# English), checked against references.
#   - The core's Fluent texts (reminders, notices, refusals, invoice labels), rendered by the real
#     domain code with realistic arguments and every plural case (the `copy_dump` test in
#     domain/src/reminders/l10n.rs), the dates it writes, the CLI demo's dates (cli/src/demo/
#     words.rs), and the Android sample's strings.xml with their placeholders filled
#     (tests/copy/android_texts.py).
#   - (a) LanguageTool (nl, nl-BE, fr, fr-BE, en-GB; offline, jars from Maven Central) finds
#     nothing but the entries of tests/copy/allowlist.tsv (exact words per rule, each with its
#     reason; an entry no text needs fails too); (b) no word the glossary (tests/copy/glossary.md)
#     forbids for the variant; (c) every date equals what CLDR writes for the locale (the JDK's
#     CLDR data through java.time: full and abbreviated months, weekdays; French "1er").
#   - (d) Negative controls first: tests/copy/bad-samples.jsonl holds a defect of each kind (a
#     grammar error per language, a spelling error, the wrong register, the other region's word,
#     a three-letter month, a French "1 janvier"); each must be caught by its check.
# Prints `Copy: N passed, M failed` last; exits 1 on any failure.
# Installs: the LanguageTool jars through mvn (tests/copy/pom.xml) into .tools/copy/lib, once per
# pom version; a JDK and Maven from Debian when missing.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"
HERE="tests/copy"
LIB="$ROOT/.tools/copy/lib"
OUT="build/copy"

log() { printf '[copy] %s\n' "$*"; }

. tests/lib.sh
maven_jars "$HERE/pom.xml" "$LIB" "LanguageTool (core, nl, fr, en)"
lt_version="$(sed -n 's#.*<languagetool.version>\(.*\)</languagetool.version>.*#\1#p' "$HERE/pom.xml")"

rm -rf "$OUT"
mkdir -p "$OUT/classes"
javac -Xlint:all,-path -Werror -d "$OUT/classes" -cp "$LIB/*" "$HERE/src/loyalty/copy/Check.java"
check() { java -cp "$OUT/classes:$LIB/*" loyalty.copy.Check "$@"; }

# The texts, rendered by the product's own code.
COPY_TEXTS_OUT="$ROOT/$OUT/core.jsonl" cargo test -q -p loyalty-domain --lib copy_dump >"$OUT/core.log" 2>&1 \
    || { cat "$OUT/core.log"; log "rendering the core's texts failed"; exit 1; }
COPY_CLI_OUT="$ROOT/$OUT/cli-dates.jsonl" cargo test -q -p loyalty-cli --bin loyalty dates_for_the_copy_checks \
    >"$OUT/cli.log" 2>&1 || { cat "$OUT/cli.log"; log "rendering the CLI demo's dates failed"; exit 1; }
python3 "$HERE/android_texts.py" android/sample/src/main/res "$OUT/android.jsonl"
cat "$OUT/core.jsonl" "$OUT/cli-dates.jsonl" "$OUT/android.jsonl" >"$OUT/all.jsonl"
for lang in en nl nl-BE fr fr-BE; do
    n_text="$(grep -c "\"kind\": *\"text\".*\"lang\": *\"$lang\"" "$OUT/all.jsonl" || true)"
    n_date="$(grep -c "\"kind\": *\"date\".*\"lang\": *\"$lang\"" "$OUT/all.jsonl" || true)"
    log "$lang: $n_text texts, $n_date dates"
    [ "$n_text" -gt 100 ] && [ "$n_date" -gt 0 ] || { log "too few $lang texts or dates to check"; exit 1; }
done

counts() { sed -n 's/^Checked: \([0-9]*\) passed, \([0-9]*\) failed$/\1 \2/p' "$1" | tail -n1; }

log "negative controls (tests/copy/bad-samples.jsonl), LanguageTool $lt_version"
control_status=0
check "$HERE/bad-samples.jsonl" "$HERE/glossary.md" "$HERE/allowlist.tsv" --expect-each-caught \
    >"$OUT/controls.log" 2>&1 || control_status=$?
cat "$OUT/controls.log"
read -r cp cf < <(counts "$OUT/controls.log") || { cp=0; cf=1; }

log "$(wc -l <"$OUT/all.jsonl") texts and dates: LanguageTool $lt_version (nl, nl-BE, fr, fr-BE, en-GB), glossary, CLDR dates"
status=0
check "$OUT/all.jsonl" "$HERE/glossary.md" "$HERE/allowlist.tsv" >"$OUT/check.log" 2>&1 || status=$?
grep -v '^Checked:' "$OUT/check.log" || true
read -r p f < <(counts "$OUT/check.log") || { p=0; f=1; }

passed=$((cp + p))
failed=$((cf + f))
if [ "$control_status" -ne 0 ] || [ "$status" -ne 0 ]; then
    [ "$failed" -gt 0 ] || failed=1
fi
echo "Copy: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
