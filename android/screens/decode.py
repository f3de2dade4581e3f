#!/usr/bin/env python3
"""Reads the QR code back from every rendered card screen with zxing-cpp (an independent decoder)
and compares it with the payload the core gave for the renderer's instant.

    decode.py OUT_DIR        (OUT_DIR holds card-*.png and card-payload.txt, written by the renderer)

Prints one line per PNG and "Screens QR: N passed, N failed"; exits 1 on any failure. Never prints
the payload (it holds the card number).
"""
import glob
import os
import sys

import zxingcpp
from PIL import Image


def main():
    out = sys.argv[1]
    payload_file = os.path.join(out, "card-payload.txt")
    pngs = sorted(glob.glob(os.path.join(out, "card-*.png")))
    passed = failed = 0
    if not os.path.exists(payload_file) or not pngs:
        print("FAILED QR: no card screen or payload was rendered")
        failed += 1
    else:
        expected = open(payload_file, encoding="utf-8").read().strip()
        for png in pngs:
            name = os.path.basename(png)
            image = Image.open(png).convert("L")
            results = zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCode,
                                             text_mode=zxingcpp.TextMode.Plain)
            texts = [r.text for r in results if r.valid]
            if texts == [expected]:
                print(f"ok     QR {name}: the core's payload")
                passed += 1
            elif not texts:
                print(f"FAILED QR {name}: no QR code found")
                failed += 1
            else:
                print(f"FAILED QR {name}: {len(texts)} code(s), not the core's payload")
                failed += 1
    print(f"Screens QR: {passed} passed, {failed} failed")
    sys.exit(0 if failed == 0 else 1)


if __name__ == "__main__":
    main()
