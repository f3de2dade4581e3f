#!/usr/bin/env python3
"""Decodes every code render_samples wrote and compares it byte for byte with the manifest.

    python tests/decode/decode.py SAMPLES_DIR

Independent decoders (neither shares code with rxing or the qrcode crate):
  - zxing-cpp (PyPI `zxing-cpp`), all 13 symbologies, asked for the expected format only;
  - zbar (`zbarimg` from Debian `zbar-tools`), for the 10 symbologies it reads: not Aztec, Data
    Matrix or PDF417 (zbar has no decoder for them);
  - libdmtx (`dmtxread` from Debian `dmtx-utils`) for Data Matrix, when installed (CI installs it;
    the report says when it is missing).
render_samples writes fixed samples (PNG and SVG, normal and dark) and seeded random payloads of
every character class and length (PNG, normal): both are checked the same way; the report counts
the random ones per symbology apart.
SVG files are rasterised with `rsvg-convert` (Debian `librsvg2-bin`) at their own size first.

Dark-mode images (light modules on a dark background):
  - zxing-cpp first reads the image as is with its `try_invert` option; where that finds nothing
    we invert the image ourselves and read again. The report says how many were read natively
    (zxing-cpp 3.1 inverts for its 2D readers, not for its linear or PDF417 readers).
  - zbar has no inversion option: the image is always inverted before zbar reads it.

What "byte-exact" means per decoder:
  - zxing-cpp: `Barcode.bytes` equals the expected text's UTF-8 bytes and `Barcode.text` equals
    the expected text, except that zxing-cpp 3 reports UPC-A and UPC-E as their 13-digit GTIN
    (zxing-cpp issue #1098): for UPC-A the text must be "0" + the 12 expected digits; for UPC-E
    `extra["UPCE"]` must be the 8 expected digits and the text "0" + their UPC-A expansion
    (computed here, independently of the Rust code).
  - zbar (`--raw`, only the expected symbology enabled, UPC-A and UPC-E enabled as themselves):
    the output is the expected UTF-8 bytes plus a newline.
  - dmtxread (first symbol only, no newline; when it reads nothing, once more at twice the size, as
    its edge detection misses some symbols at 2-3 px per module): the output is the expected UTF-8
    bytes; for non-ASCII
    text preceded by byte 0x1a, as libdmtx prints the ECI 26 designator's number instead of
    interpreting it.
  - zxing-cpp is asked for its Plain text mode (control characters as themselves).
Codabar: both decoders report the start/stop characters; the manifest's expected text has them.

Known decoder limitation: zbar reads UPC-E only with number system 0 (its zbar/decoder/ean.c
`ean_expand_upce` hard-codes the leading 0). Such samples are still given to zbar: when it reads
nothing they are reported as skipped (neither passed nor failed); a wrong read is a failure.
zbar also guesses the character set of QR byte mode without ECI (it reads some UTF-8 as Shift
JIS): non-ASCII QR samples zbar misreads are reported as skipped with what it read; zxing-cpp
must still read them exactly.

Prints per-format results and a last line `Decode: N passed, N failed`; exits 1 on any failure.
Each (file, decoder) pair is one check.
"""

import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections import defaultdict

try:
    import zxingcpp
    from PIL import Image, ImageOps
except ImportError as e:  # pragma: no cover - set-up problem, not a test result
    sys.exit(f"decode.py: {e} (run tests/setup.sh)")

ZXING_FORMATS = {
    "AZTEC": zxingcpp.BarcodeFormat.Aztec,
    # Standard Code 39 only: asked for "Code39", zxing-cpp 3 also reads Full ASCII (`$B` as `\x02`)
    # and Code 32 (6 characters as an Italian pharmacode), which Catima's scanner does not.
    "CODE_39": zxingcpp.BarcodeFormat.Code39Std,
    "CODE_93": zxingcpp.BarcodeFormat.Code93,
    "CODE_128": zxingcpp.BarcodeFormat.Code128,
    "CODABAR": zxingcpp.BarcodeFormat.Codabar,
    "DATA_MATRIX": zxingcpp.BarcodeFormat.DataMatrix,
    "EAN_8": zxingcpp.BarcodeFormat.EAN8,
    "EAN_13": zxingcpp.BarcodeFormat.EAN13,
    "ITF": zxingcpp.BarcodeFormat.ITF,
    "PDF_417": zxingcpp.BarcodeFormat.PDF417,
    "QR_CODE": zxingcpp.BarcodeFormat.QRCode,
    "UPC_A": zxingcpp.BarcodeFormat.UPCA,
    "UPC_E": zxingcpp.BarcodeFormat.UPCE,
}

# zbar configuration per symbology: everything off, then only what we expect.
ZBAR_CONFIG = {
    "CODE_39": ["code39.enable"],
    "CODE_93": ["code93.enable"],
    "CODE_128": ["code128.enable"],
    "CODABAR": ["codabar.enable"],
    "EAN_8": ["ean8.enable"],
    "EAN_13": ["ean13.enable"],
    "ITF": ["i25.enable"],
    "QR_CODE": ["qrcode.enable"],
    "UPC_A": ["ean13.enable", "upca.enable"],
    "UPC_E": ["upce.enable"],
}


def upce_to_upca(upce):
    """The 12-digit UPC-A of an 8-digit UPC-E (GS1 zero suppression), check digit kept."""
    ns, d, check = upce[0], upce[1:7], upce[7]
    last = d[5]
    if last in "012":
        body = d[0] + d[1] + last + "0000" + d[2] + d[3] + d[4]
    elif last == "3":
        body = d[0] + d[1] + d[2] + "00000" + d[3] + d[4]
    elif last == "4":
        body = d[0] + d[1] + d[2] + d[3] + "00000" + d[4]
    else:
        body = d[0:5] + "0000" + last
    return ns + body + check


def zxing_expected(entry):
    """(text, bytes, extra-UPCE or None) zxing-cpp must report."""
    sym, exp = entry["symbology"], entry["expected"]
    if sym == "UPC_A":
        return "0" + exp, ("0" + exp).encode(), None
    if sym == "UPC_E":
        gtin = "0" + upce_to_upca(exp)
        return gtin, gtin.encode(), exp
    return exp, exp.encode("utf-8"), None


def zxing_read(image, sym, try_invert):
    # Plain: control characters as themselves (the default HRI mode writes them as <GS> etc.)
    return zxingcpp.read_barcodes(image, formats=ZXING_FORMATS[sym], try_invert=try_invert,
                                  text_mode=zxingcpp.TextMode.Plain)


def zxing_check(entry, gray):
    """Returns (ok, detail, how) for zxing-cpp."""
    sym = entry["symbology"]
    text, data, upce = zxing_expected(entry)

    def verdict(results):
        if len(results) != 1:
            return False, f"{len(results)} symbols found"
        r = results[0]
        got_upce = (r.extra or {}).get("UPCE") if upce is not None else None
        if r.bytes != data or r.text != text or got_upce != upce:
            return False, f"read {r.text!r} (bytes {r.bytes!r}, extra {r.extra!r})"
        return True, ""

    if not entry["dark_mode"]:
        ok, detail = verdict(zxing_read(gray, sym, False))
        return ok, detail, "as is"
    results = zxing_read(gray, sym, True)
    if results:
        ok, detail = verdict(results)
        return ok, detail, "native try_invert"
    ok, detail = verdict(zxing_read(ImageOps.invert(gray), sym, False))
    return ok, detail, "inverted first"


def zbar_check(entry, png_path, work):
    sym = entry["symbology"]
    path = png_path
    if entry["dark_mode"]:
        path = os.path.join(work, "zbar_inverted.png")
        ImageOps.invert(Image.open(png_path).convert("L")).save(path)
    cmd = ["zbarimg", "--nodbus", "-q", "--raw", "-Sdisable"]
    cmd += ["-S" + c for c in ZBAR_CONFIG[sym]]
    cmd.append(path)
    proc = subprocess.run(cmd, capture_output=True, timeout=60)
    want = entry["expected"].encode("utf-8") + b"\n"
    if proc.stdout == want:
        return True, ""
    if not proc.stdout:
        return False, f"nothing read (exit {proc.returncode})"
    return False, f"read {proc.stdout!r}"


def dmtx_check(entry, png_path):
    proc = subprocess.run(["dmtxread", "-N1", "-m", "20000", png_path], capture_output=True,
                          timeout=60)
    want = entry["expected"].encode("utf-8")
    if not entry["expected"].isascii():
        # libdmtx does not interpret ECIs: it prints the ECI number (26, UTF-8) as a byte.
        want = b"\x1a" + want
    if proc.stdout == want:
        return True, ""
    if not proc.stdout:
        return False, f"nothing read (exit {proc.returncode})"
    return False, f"read {proc.stdout!r}"


def zbar_limitation(entry):
    """"n/a" where zbar has no decoder, a reason where it is known not to read the sample."""
    if entry["symbology"] not in ZBAR_CONFIG:
        return "n/a"
    if entry["symbology"] == "UPC_E" and entry["expected"][0] == "1":
        return "known zbar limitation: UPC-E with number system 0 only"
    if entry["symbology"] == "QR_CODE" and not entry["expected"].isascii():
        return "known zbar limitation: guesses the charset of QR byte mode (no ECI)"
    return None


def rasterise(svg_path, work):
    out = os.path.join(work, os.path.basename(svg_path) + ".png")
    subprocess.run(["rsvg-convert", "-o", out, svg_path], check=True, timeout=60)
    return out


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: decode.py SAMPLES_DIR")
    root = sys.argv[1]
    with open(os.path.join(root, "manifest.json"), encoding="utf-8") as f:
        samples = json.load(f)["samples"]
    if not samples:
        sys.exit("decode.py: the manifest lists no samples")

    # (symbology, format, mode) -> decoder -> [passed, total]
    table = defaultdict(lambda: defaultdict(lambda: [0, 0]))
    native = defaultdict(lambda: [0, 0])  # symbology -> [read with try_invert alone, dark files]
    failures, skipped = [], []
    passed = failed = 0
    # symbology -> decoder -> [passed, total], random payloads only
    random_table = defaultdict(lambda: defaultdict(lambda: [0, 0]))
    has_dmtx = shutil.which("dmtxread") is not None
    dmtx_upscaled = 0

    def count(entry, key, decoder, ok):
        cell = table[key][decoder]
        cell[1] += 1
        cell[0] += ok
        if entry.get("random"):
            rcell = random_table[entry["symbology"]][decoder]
            rcell[1] += 1
            rcell[0] += ok

    with tempfile.TemporaryDirectory(prefix="decode-", dir=root) as work:
        for entry in samples:
            path = os.path.join(root, entry["file"])
            if entry["format"] == "svg":
                try:
                    png_path = rasterise(path, work)
                except subprocess.CalledProcessError as e:
                    failed += 1
                    failures.append(f"{entry['file']}: rsvg-convert failed ({e})")
                    continue
            else:
                png_path = path
            gray = Image.open(png_path).convert("L")
            mode = "dark" if entry["dark_mode"] else "normal"
            key = (entry["symbology"], entry["format"], mode)

            ok, detail, how = zxing_check(entry, gray)
            count(entry, key, "zxing-cpp", ok)
            if entry["dark_mode"]:
                native[entry["symbology"]][1] += 1
                if how == "native try_invert" and ok:
                    native[entry["symbology"]][0] += 1
            if ok:
                passed += 1
            else:
                failed += 1
                failures.append(f"{entry['file']} zxing-cpp ({how}): {detail}; "
                                f"expected {entry['expected']!r}")

            if entry["symbology"] == "DATA_MATRIX" and has_dmtx:
                dmtx_path = png_path
                if entry["dark_mode"]:
                    dmtx_path = os.path.join(work, "dmtx_inverted.png")
                    ImageOps.invert(gray).save(dmtx_path)
                ok, detail = dmtx_check(entry, dmtx_path)
                if not ok and detail.startswith("nothing read"):
                    # libdmtx's edge detection misses some symbols drawn at 2-3 px per module:
                    # read again at twice the size (a wrong read is never retried).
                    dmtx_path = os.path.join(work, "dmtx_x2.png")
                    img = Image.open(png_path).convert("L")
                    if entry["dark_mode"]:
                        img = ImageOps.invert(img)
                    img.resize((img.width * 2, img.height * 2), Image.NEAREST).save(dmtx_path)
                    ok, detail = dmtx_check(entry, dmtx_path)
                    dmtx_upscaled += ok
                count(entry, key, "libdmtx", ok)
                if ok:
                    passed += 1
                else:
                    failed += 1
                    failures.append(f"{entry['file']} libdmtx: {detail}; "
                                    f"expected {entry['expected']!r}")

            limitation = zbar_limitation(entry)
            if limitation == "n/a":
                continue
            ok, detail = zbar_check(entry, png_path, work)
            if not ok and limitation and limitation.startswith("known zbar limitation: guesses"):
                skipped.append(f"{entry['file']} zbar: {detail[:60]} ({limitation})")
                continue
            if not ok and limitation and detail.startswith("nothing read"):
                skipped.append(f"{entry['file']} zbar: nothing read ({limitation})")
                continue
            count(entry, key, "zbar", ok)
            if ok:
                passed += 1
            else:
                failed += 1
                failures.append(f"{entry['file']} zbar: {detail}; expected {entry['expected']!r}")

    columns = [("png", "normal"), ("png", "dark"), ("svg", "normal"), ("svg", "dark")]
    print(f"{'symbology':<12}" + "".join(f"{f.upper() + ' ' + m:>36}" for f, m in columns))
    for sym in ZXING_FORMATS:
        cells = []
        for fmt, mode in columns:
            parts = []
            for dec, short in (("zxing-cpp", "zxing"), ("zbar", "zbar"), ("libdmtx", "dmtx")):
                p, t = table[(sym, fmt, mode)][dec]
                if t:
                    parts.append(f"{short} {p}/{t}")
                elif dec != "libdmtx":
                    parts.append(f"{short} n/a")
            cells.append(", ".join(parts))
        print(f"{sym:<12}" + "".join(f"{c:>36}" for c in cells))
    print()
    print("random payloads (included above), passed/read per decoder:")
    for sym in ZXING_FORMATS:
        decoders = random_table.get(sym)
        if decoders:
            print(f"  {sym:<12}" + ", ".join(f"{d} {p}/{t}" for d, (p, t) in decoders.items()))
    if dmtx_upscaled:
        print(f"libdmtx: {dmtx_upscaled} Data Matrix images read only at twice their size")
    if not has_dmtx:
        print("libdmtx: dmtxread not installed (Debian dmtx-utils): Data Matrix read by zxing-cpp only")
    print("dark mode read by zxing-cpp's own try_invert (without our inversion): " + ", ".join(
        f"{sym} {n[0]}/{n[1]}" for sym, n in native.items()))
    for s in skipped:
        print(f"skipped: {s}")
    for f in failures:
        print(f"FAILED: {f}")
    print(f"Decode: {passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
