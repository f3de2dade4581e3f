#!/usr/bin/env bash
# The API contract (server/openapi.yaml) checked by an independent tool: openapi-spec-validator
# (PyPI, installed by tests/setup.sh) validates it against the OpenAPI 3.1 schema and resolves
# every $ref; then a few rules of ours that the schema cannot state. The routes themselves are
# compared with the document by the server's own test (every route documented and vice versa).
# Prints "OpenAPI: N passed, N failed"; exits non-zero on any failure.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
. tests/lib.sh
load_tools

exec "$OPENAPI_PYTHON" - server/openapi.yaml <<'PY'
import sys
import yaml
from openapi_spec_validator import validate
from openapi_spec_validator.readers import read_from_filename

passed = failed = 0
def check(name, ok, detail=""):
    global passed, failed
    if ok:
        passed += 1
        print(f"ok     {name}")
    else:
        failed += 1
        print(f"FAILED {name}: {detail}")

path = sys.argv[1]
spec, base_uri = read_from_filename(path)
try:
    validate(spec, base_uri=base_uri)
    check("valid OpenAPI " + str(spec.get("openapi")) + " (openapi-spec-validator)", True)
except Exception as e:  # the validator's own error, first line
    check("valid OpenAPI (openapi-spec-validator)", False, str(e).splitlines()[0][:300])

ops = [(p, m, op) for p, item in spec["paths"].items() for m, op in item.items()
       if m in ("get", "put", "post", "delete", "patch")]
ids = [op.get("operationId") for _, _, op in ops]
check(f"{len(ops)} operations, each with a unique operationId",
      all(ids) and len(set(ids)) == len(ids), [i for i in ids if not i or ids.count(i) > 1])
missing = [f"{m.upper()} {p}" for p, m, op in ops if not op.get("summary")]
check("every operation has a summary", not missing, missing)
no_400 = [f"{m.upper()} {p}" for p, m, op in ops
          if "requestBody" in op and "400" not in {str(c) for c in op.get("responses", {})}]
check("every operation that takes a body documents 400", not no_400, no_400)
secured = [f"{m.upper()} {p}" for p, m, op in ops
           if (p == "/v1/me" or p.startswith("/v1/me/")) and not op.get("security")]
check("every /v1/me operation names its security", not secured, secured)

print(f"OpenAPI: {passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
PY
