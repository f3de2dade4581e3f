#!/usr/bin/env python3
"""Checks the generated Swift bindings as far as possible without a Swift compiler.

Run by tests/swift/check.sh (with the .tools/venv python, which has tree-sitter). Checks:

  (a) header     the C header compiles (clang -fsyntax-only, as C11 and as Objective-C, -Werror)
  (b) modulemap  the modulemap declares the module the Swift file imports, and clang -fmodules can
                 import that module from it and use a declaration of the header
  (c) library    a C program generated from the Swift file and the header, linked against the cdylib:
                 - links: every function the header declares is exported by the library
                 - runs:  the contract version and every API checksum the Swift file expects match
                   what the library returns
                 plus: every FFI function the Swift file calls is declared in the header; library checksums
                 the Swift file does not check are listed (uniffi skips methods of records and enums)
  (d) parse      tree-sitter-swift parses the Swift file with no syntax error (parse only; constructs
                 the grammar is known to misread are blanked first and reported: KNOWN_GRAMMAR_GAPS)

None of this type-checks the Swift code: that needs a Swift toolchain (swiftc / Xcode).
"""

import argparse
import json
import os
import re
import subprocess
import sys

# Valid Swift that tree-sitter-swift 0.7.4 misreads as syntax errors, found in uniffi 0.32's output.
# Each is blanked (same length, so lines and columns stay put) before parsing, and counted in the output.
KNOWN_GRAMMAR_GAPS = [
    ("`@_documentation(visibility: private)` attribute", re.compile(rb"@_documentation\(\s*visibility\s*:\s*private\s*\)"),
     lambda m: b" " * len(m.group(0))),
    ("`{ () }` closure body (callback methods returning nothing)", re.compile(rb"\{(\s*)\(\)(\s*)\}"),
     lambda m: b"{" + b" " * (len(m.group(0)) - 2) + b"}"),
]


class CheckFailed(Exception):
    pass


def run(cmd, merge_stderr=True):
    """Runs cmd and returns its stdout; raises CheckFailed with its output when it fails."""
    proc = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT if merge_stderr else subprocess.PIPE,
                          text=True)
    if proc.returncode != 0:
        raise CheckFailed("command failed (exit %d): %s\n%s%s" % (
            proc.returncode, " ".join(cmd), proc.stdout.rstrip()[-4000:], (proc.stderr or "").rstrip()[-4000:]))
    return proc.stdout


def find_one(directory, suffix):
    found = sorted(f for f in os.listdir(directory) if f.endswith(suffix))
    if len(found) != 1:
        raise CheckFailed("expected exactly one *%s in %s, found %s" % (suffix, directory, found or "none"))
    return os.path.join(directory, found[0])


class Bindings:
    """What the generated files say, parsed once."""

    def __init__(self, gen_dir, swift_path):
        self.gen_dir = gen_dir
        self.swift_path = swift_path
        self.modulemap_path = find_one(gen_dir, ".modulemap")
        self.swift = open(self.swift_path, encoding="utf-8").read()
        self.modulemap = open(self.modulemap_path, encoding="utf-8").read()

        m = re.search(r"let\s+bindings_contract_version\s*=\s*(\d+)", self.swift)
        if not m:
            raise CheckFailed("no `let bindings_contract_version = N` in %s" % self.swift_path)
        self.contract_version = int(m.group(1))
        m = re.search(r"let\s+scaffolding_contract_version\s*=\s*(\w+)\(\)", self.swift)
        if not m:
            raise CheckFailed("no `let scaffolding_contract_version = f()` in %s" % self.swift_path)
        self.contract_fn = m.group(1)
        m = re.fullmatch(r"ffi_(\w+)_uniffi_contract_version", self.contract_fn)
        if not m:
            raise CheckFailed("unexpected contract version function name %s" % self.contract_fn)
        self.namespace = m.group(1)
        # One C header per component (uniffi.toml: ffi_module_filename): the one declaring its
        # contract version function.
        headers = [os.path.join(gen_dir, f) for f in sorted(os.listdir(gen_dir)) if f.endswith(".h")]
        mine = [h for h in headers if re.search(r"\b%s\b" % self.contract_fn, open(h, encoding="utf-8").read())]
        if len(mine) != 1:
            raise CheckFailed("expected one header declaring %s in %s, found %s" % (self.contract_fn, gen_dir, mine))
        self.header_path = mine[0]
        self.header = open(self.header_path, encoding="utf-8").read()
        self.checksums = [
            (name, int(value))
            for name, value in re.findall(r"if\s*\(\s*(uniffi_\w+_checksum_\w+)\(\)\s*!=\s*(\d+)\s*\)", self.swift)
        ]
        # FFI functions the Swift code refers to (calls and function references).
        prefix = r"\b((?:uniffi|ffi)_%s_\w+)\b" % re.escape(self.namespace)
        self.swift_ffi_names = sorted(set(re.findall(prefix, self.swift)))
        m = re.search(r"#if\s+canImport\((\w+)\)\s*\n\s*import\s+(\w+)", self.swift)
        self.swift_imports_module = m.group(2) if m else None


def header_functions(clang, bindings, work_dir):
    """Names of the functions declared in the header, from clang's JSON AST."""
    out = run([clang, "-Xclang", "-ast-dump=json", "-fsyntax-only", "-x", "c", "-std=c11", bindings.header_path],
              merge_stderr=False)
    ast = json.loads(out)
    names = []
    current_file = None
    for node in ast.get("inner", []):
        loc = node.get("loc", {})
        # clang writes "file" only when it changes from the previous node.
        current_file = loc.get("file", loc.get("expansionLoc", {}).get("file", current_file))
        if node.get("kind") == "FunctionDecl" and current_file and os.path.samefile(current_file, bindings.header_path):
            names.append(node["name"])
    return sorted(set(names))


def check_header(clang, bindings, work_dir):
    """(a) the header compiles as C11 and as Objective-C with -Werror."""
    src = os.path.join(work_dir, "header_only.c")
    with open(src, "w") as f:
        f.write('#include "%s"\n' % os.path.basename(bindings.header_path))
    flags = ["-fsyntax-only", "-Wall", "-Wextra", "-Wpedantic", "-Wno-nullability-extension", "-Werror",
             "-I", bindings.gen_dir]
    run([clang, "-x", "c", "-std=c11"] + flags + [src])
    run([clang, "-x", "objective-c"] + flags + [src])
    return "%s compiles as C11 and Objective-C (clang -fsyntax-only -Wall -Wextra -Wpedantic -Werror)" % (
        os.path.basename(bindings.header_path))


def check_modulemap(clang, bindings, work_dir):
    """(b) the modulemap declares the module Swift imports, exposes the header, and clang can import it."""
    m = re.search(r"^\s*(?:framework\s+)?module\s+(\w+)\s*\{", bindings.modulemap, re.M)
    if not m:
        raise CheckFailed("no `module NAME {` in %s" % bindings.modulemap_path)
    module = m.group(1)
    headers = re.findall(r'^\s*header\s+"([^"]+)"', bindings.modulemap, re.M)
    if os.path.basename(bindings.header_path) not in headers:
        raise CheckFailed("%s does not list header %s (lists %s)" % (
            bindings.modulemap_path, os.path.basename(bindings.header_path), headers))
    if bindings.swift_imports_module != module:
        raise CheckFailed("the Swift file imports module %r but the modulemap declares %r" % (
            bindings.swift_imports_module, module))
    src = os.path.join(work_dir, "import_module.m")
    with open(src, "w") as f:
        f.write("@import %s;\nunsigned int contract_version(void) { return %s(); }\n" % (module, bindings.contract_fn))
    run([clang, "-x", "objective-c", "-fsyntax-only", "-fmodules", "-Werror",
         "-fmodules-cache-path=" + os.path.join(work_dir, "module-cache"),
         "-fmodule-map-file=" + bindings.modulemap_path, src])
    return "module %s exposes %s; `@import %s;` works with clang -fmodules (the Swift file imports %s)" % (
        module, ", ".join(headers), module, module)


def exported_symbols(lib):
    out = run(["nm", "-D", "--defined-only", lib])
    return set(line.split()[-1] for line in out.splitlines() if line.strip())


def check_library(clang, bindings, lib, work_dir):
    """(c) generated C program: links every header function, compares contract version and checksums."""
    ns = bindings.namespace
    declared = header_functions(clang, bindings, work_dir)
    if bindings.contract_fn not in declared:
        raise CheckFailed("%s is not declared in the header" % bindings.contract_fn)
    undeclared = [n for n in bindings.swift_ffi_names if n not in declared]
    if undeclared:
        raise CheckFailed("the Swift file uses FFI functions the header does not declare: %s" % ", ".join(undeclared))
    undeclared = [n for n, _ in bindings.checksums if n not in declared]
    if undeclared:
        raise CheckFailed("checksum functions not declared in the header: %s" % ", ".join(undeclared))

    symbols = exported_symbols(lib)
    lib_checksums = sorted(s for s in symbols if re.fullmatch(r"uniffi_%s_checksum_\w+" % re.escape(ns), s))
    lib_api = sorted(s for s in symbols if re.fullmatch(r"uniffi_%s_fn_\w+" % re.escape(ns), s))
    checked = set(n for n, _ in bindings.checksums)
    # Not a failure: uniffi 0.32 has checksum functions for methods of records and enums but its
    # bindings do not check them (ComponentInterface::iter_checksums covers functions, objects and
    # callback interfaces only).
    unchecked = [s for s in lib_checksums if s not in checked]
    if lib_api and not bindings.checksums:
        raise CheckFailed("the library exports %d API functions but no checksum check was found in %s "
                          "(omit_checksums set, or the Swift template changed?)" % (len(lib_api), bindings.swift_path))

    src = os.path.join(work_dir, "abi_check.c")
    lines = [
        "/* Generated by tests/swift/check.py from %s and %s. */" % (
            os.path.basename(bindings.swift_path), os.path.basename(bindings.header_path)),
        "#include <stdio.h>",
        '#include "%s"' % os.path.basename(bindings.header_path),
        "",
        "/* Every function the header declares: linking fails if the library lacks one. */",
        "static void *const declared[] = {",
    ]
    lines += ["    (void *)&%s," % n for n in declared]
    lines += [
        "};",
        "",
        "int main(void) {",
        "    int failed = 0, checked = 0;",
        "    volatile const void *keep = declared; (void)keep;",
        "    unsigned long long contract = (unsigned long long)%s();" % bindings.contract_fn,
        "    if (contract != %dULL) {" % bindings.contract_version,
        '        printf("MISMATCH contract version: Swift expects %d, library has %%llu\\n", contract);'
        % bindings.contract_version,
        "        failed++;",
        "    }",
    ]
    for name, value in bindings.checksums:
        lines += [
            "    checked++;",
            "    if ((unsigned long long)%s() != %dULL) {" % (name, value),
            '        printf("MISMATCH %s: Swift expects %d, library has %%llu\\n", (unsigned long long)%s());'
            % (name, value, name),
            "        failed++;",
            "    }",
        ]
    lines += [
        '    printf("contract version %d: %%s; %%d checksums checked, %%d mismatched\\n",'
        % bindings.contract_version,
        '           contract == %dULL ? "matches" : "MISMATCH", checked, failed - (contract != %dULL));'
        % (bindings.contract_version, bindings.contract_version),
        "    return failed ? 1 : 0;",
        "}",
    ]
    with open(src, "w") as f:
        f.write("\n".join(lines) + "\n")

    exe = os.path.join(work_dir, "abi_check")
    lib_dir = os.path.dirname(os.path.abspath(lib))
    lib_name = re.fullmatch(r"lib(.+)\.so", os.path.basename(lib))
    if not lib_name:
        raise CheckFailed("unexpected library file name %s" % lib)
    run([clang, "-std=c11", "-Wall", "-Werror", "-Wno-nullability-extension", "-I", bindings.gen_dir, src,
         "-L", lib_dir, "-l" + lib_name.group(1), "-Wl,-rpath," + lib_dir, "-Wl,--no-as-needed", "-o", exe])
    out = run([exe]).strip()
    note = ""
    if unchecked:
        note = "; %d library checksum(s) not checked by the bindings (uniffi does not check methods of " \
               "records/enums): %s" % (len(unchecked), ", ".join(unchecked))
    return "linked all %d header functions; %s (library exports %d API functions, %d checksums)%s" % (
        len(declared), out, len(lib_api), len(lib_checksums), note), len(bindings.checksums)


def check_parse(bindings):
    """(d) tree-sitter-swift parse, with `@_documentation(visibility: private)` blanked out first."""
    import tree_sitter
    import tree_sitter_swift

    parser = tree_sitter.Parser(tree_sitter.Language(tree_sitter_swift.language()))
    src = open(bindings.swift_path, "rb").read()
    blanked = []
    for what, pattern, blank in KNOWN_GRAMMAR_GAPS:
        src, n = pattern.subn(blank, src)
        if n:
            blanked.append("%d %s" % (n, what))
    tree = parser.parse(src)
    errors = []

    def walk(node):
        if node.is_error or node.is_missing:
            text = src[node.start_byte:node.end_byte].decode("utf-8", "replace").splitlines()
            errors.append("line %d:%d: %s %r" % (node.start_point[0] + 1, node.start_point[1] + 1,
                                                 "missing" if node.is_missing else "syntax error",
                                                 (text[0] if text else node.type)[:80]))
            return
        if node.has_error:
            for child in node.children:
                walk(child)

    walk(tree.root_node)
    if errors:
        raise CheckFailed(
            "tree-sitter-swift found %d syntax error(s) in %s:\n  %s\n"
            "  (tree-sitter-swift is not the Swift compiler: if this is valid Swift the grammar misreads, add the "
            "construct to KNOWN_GRAMMAR_GAPS in tests/swift/check.py)" % (
                len(errors), bindings.swift_path, "\n  ".join(errors[:20])))
    return "%d lines parse with no syntax error (tree-sitter-swift %s; blanked first, as the grammar misreads " \
           "them: %s)" % (src.count(b"\n"), _version("tree-sitter-swift"), "; ".join(blanked) or "nothing")


def _version(dist):
    try:
        from importlib.metadata import version
        return version(dist)
    except Exception:
        return "?"


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--gen-dir", required=True, help="directory with the generated .swift, .h and .modulemap")
    ap.add_argument("--lib", required=True, help="the cdylib the bindings were generated from")
    ap.add_argument("--work-dir", required=True, help="scratch directory for generated C files")
    ap.add_argument("--clang", default="clang")
    ap.add_argument("--skip-parse", action="store_true", help="skip (d), the tree-sitter parse")
    args = ap.parse_args()
    os.makedirs(args.work_dir, exist_ok=True)

    # One Swift file per uniffi component (uniffi.toml: loyalty_ffi and loyalty_domain), all of
    # them in the one Swift module, importing the one C module of the shared modulemap.
    swift_files = [os.path.join(args.gen_dir, f) for f in sorted(os.listdir(args.gen_dir)) if f.endswith(".swift")]
    if not swift_files:
        print("FAILED reading the generated bindings: no .swift file in %s" % args.gen_dir)
        return 1
    passed = failed = 0
    components = []
    for swift_path in swift_files:
        try:
            bindings = Bindings(args.gen_dir, swift_path)
        except CheckFailed as e:
            print("FAILED reading the generated bindings %s: %s" % (os.path.basename(swift_path), e))
            return 1
        components.append(bindings)
        print("Swift bindings: %s, %s, %s (namespace %s, contract version %d, %d checksum checks)" % (
            os.path.basename(bindings.swift_path), os.path.basename(bindings.header_path),
            os.path.basename(bindings.modulemap_path), bindings.namespace, bindings.contract_version,
            len(bindings.checksums)))
        work_dir = os.path.join(args.work_dir, bindings.namespace)
        os.makedirs(work_dir, exist_ok=True)

        checks = [
            ("(a) header", lambda: check_header(args.clang, bindings, work_dir)),
            ("(b) modulemap", lambda: check_modulemap(args.clang, bindings, work_dir)),
            ("(c) library", lambda: check_library(args.clang, bindings, args.lib, work_dir)[0]),
        ]
        if not args.skip_parse:
            checks.append(("(d) parse", lambda: check_parse(bindings)))

        for name, fn in checks:
            try:
                detail = fn()
                passed += 1
                print("ok     %-14s %s" % (name, detail))
            except CheckFailed as e:
                failed += 1
                print("FAILED %-14s %s" % (name, e))
    if args.skip_parse:
        print("skip   (d) parse        tree-sitter parse not run (--skip-parse)")
    print("NOT DONE: type-checking and compiling %s need a Swift toolchain (swiftc / Xcode), which this "
          "machine lacks; none of the checks above type-checks Swift code." % " and ".join(
              os.path.basename(b.swift_path) for b in components))
    print("Swift: %d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
