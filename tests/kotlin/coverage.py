#!/usr/bin/env python3
"""Checks that the Kotlin tests call every function the library exports.

The exported API is read from the generated bindings (one checksum function per exported
function, method and constructor); each must be called by name somewhere in tests/kotlin/src.
A name-level check: `wallet.get(` and `receipts.get(` both count for `get`, so the tests keep one
explicit call per object anyway. Exits 1 and lists what is never called.
"""
import pathlib
import re
import sys

generated, sources = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2])
bindings = "\n".join(p.read_text() for p in generated.rglob("*.kt"))
tests = "\n".join(p.read_text() for p in sources.glob("*.kt"))

def camel(snake: str) -> str:
    head, *rest = snake.split("_")
    return head + "".join(w.capitalize() for w in rest)

exported = sorted(set(re.findall(r"uniffi_\w+?_checksum_(func|method|constructor)_(\w+)\(", bindings)))
if not exported:
    sys.exit("coverage: no exported function found in the generated bindings")
missing = []
for kind, name in exported:
    if kind == "func":
        called = re.search(r"\b%s\(" % camel(name), tests)
        label = camel(name)
    else:
        obj, method = name.split("_", 1)
        if kind == "constructor" and method == "new":  # the primary constructor: `Obj(...)`
            called = re.search(r"\b%s\(" % obj, tests, re.IGNORECASE)
        else:
            # A call, or for a foreign trait (Clock, SecretStore) the tests' implementation.
            called = re.search(r"(\.|override fun )%s\(" % camel(method), tests)
        label = "%s.%s" % (obj, camel(method))
    if not called:
        missing.append(label)
print("coverage: %d exported functions, %d called by the Kotlin tests" % (len(exported), len(exported) - len(missing)))
if missing:
    print("coverage: never called from Kotlin: " + ", ".join(missing))
    sys.exit(1)
