#!/usr/bin/env python3
"""Refreshes the screenshot gallery from a render run (called by `render.sh --gallery`).

    gallery.py OUT_DIR GALLERY_DIR

Copies every <screen>-<language>-<theme>.png of OUT_DIR into GALLERY_DIR as a 256-colour PNG
(the same pixels to the eye at about a third of the size; the checks run on the full-colour
originals) and writes GALLERY_DIR/index.md: one table per theme, a row per screen, a column per
language.
"""
import glob
import os
import sys

from PIL import Image

SCREENS = ["card", "points", "wallet", "offers", "list", "receipts", "reminders", "settings"]
LANGUAGES = [("en", "English"), ("nl", "Nederlands"), ("fr", "Français")]
THEMES = [("light", "Light"), ("dark", "Dark")]


def main():
    out, gallery = sys.argv[1], sys.argv[2]
    os.makedirs(gallery, exist_ok=True)
    for old in glob.glob(os.path.join(gallery, "*.png")):
        os.remove(old)
    for screen in SCREENS:
        for lang, _ in LANGUAGES:
            for theme, _ in THEMES:
                name = f"{screen}-{lang}-{theme}.png"
                src = os.path.join(out, name)
                if not os.path.exists(src):
                    sys.exit(f"missing {src}: render first")
                image = Image.open(src).convert("RGB")
                image.quantize(colors=256, method=Image.Quantize.MEDIANCUT).save(
                    os.path.join(gallery, name), optimize=True)
    lines = [
        "# Screens",
        "",
        "The shared Compose screens (`android/screens/src/commonMain`) as the desktop renderer draws",
        "them headless at phone size (411 × 891 dp), driven by the real core against the reference",
        "server, in each language and theme. Regenerate with `bash android/screens/render.sh --gallery`",
        "(dates, points and the card's code are those of the run).",
        "",
    ]
    for theme, title in THEMES:
        lines += [f"## {title}", "", "| Screen | " + " | ".join(n for _, n in LANGUAGES) + " |",
                  "|---|" + "---|" * len(LANGUAGES)]
        for screen in SCREENS:
            cells = [f'<img src="{screen}-{lang}-{theme}.png" width="200" alt="{screen}, {lang}, {theme}">'
                     for lang, _ in LANGUAGES]
            lines.append(f"| {screen} | " + " | ".join(cells) + " |")
        lines.append("")
    with open(os.path.join(gallery, "index.md"), "w", encoding="utf-8") as f:
        f.write("\n".join(lines))


if __name__ == "__main__":
    main()
