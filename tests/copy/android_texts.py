#!/usr/bin/env python3
"""The Android sample's strings as the shopper reads them, for the copy checks.

Reads android/sample/src/main/res/values*/strings.xml: values (en), values-nl (nl), values-fr
(fr), and the regional overlays values-nl-rBE / values-fr-rBE over their base language (a
missing overlay means the variant reads the base strings, as Android resolves them). Android's
escapes are undone and the format placeholders filled with realistic values per language, so
"Nog %1$d punten tot %2$s" is checked as "Nog 150 punten tot Goud". Writes JSON lines
{"kind": "text", "source": "android:<dir>", "lang", "id", "text"} to the file given.
"""
import json
import re
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

RES = Path(sys.argv[1])
OUT = Path(sys.argv[2])

# Realistic fillers per base language, by what the placeholder stands for.
FILL = {
    "en": {"date": "14 March 2026", "money": "€5.00", "money2": "€20.00", "tier": "Gold",
           "product": "Coffee machine", "event": "Wine tasting evening", "place": "Leuven shop",
           "why": "You bought milk on 9 of your last 10 shops.", "code": "2417 5530 8861",
           "lot": "L2417", "int": 150, "int2": 20, "any": "Gold"},
    "nl": {"date": "14 maart 2026", "money": "€ 5,00", "money2": "€ 20,00", "tier": "Goud",
           "product": "Koffiemachine", "event": "Proefavond in de wijnkelder", "place": "Leuven",
           "why": "Je hebt melk bij 9 van je laatste 10 winkelbezoeken gekocht.",
           "code": "2417 5530 8861", "lot": "L2417", "int": 150, "int2": 20, "any": "Goud"},
    "fr": {"date": "14 mars 2026", "money": "5,00 €", "money2": "20,00 €", "tier": "Or",
           "product": "Machine à café", "event": "Soirée dégustation", "place": "Namur",
           "why": "Vous avez acheté du lait lors de 9 de vos 10 derniers passages.",
           "code": "2417 5530 8861", "lot": "L2417", "int": 150, "int2": 20, "any": "Or"},
}


def role(name: str, index: int, kind: str) -> str:
    """What placeholder `index` (1-based) of string `name` stands for."""
    if kind == "d":
        if name in ("voucher_percent_off", "offer_percent_off"):
            return "int2"
        if name in ("voucher_points_multiplier", "offer_points_multiplier", "list_quantity",
                    "offer_free_product"):
            return "small"
        return "int" if index == 1 else "int2"
    if any(w in name for w in ("until", "since", "redeemed", "window")):
        return "product" if (name == "receipts_warranty_until" and index == 1) else "date"
    if "amount_off" in name:
        return "money" if index == 1 else "money2"
    if name in ("points_tier", "points_to_next_tier"):
        return "tier"
    if name == "voucher_free_product":
        return "product"
    if name == "voucher_event":
        return ["event", "date", "place"][index - 1]
    if name == "reminders_why":
        return "why"
    if name == "card_number":
        return "code"
    if name == "receipts_lot":
        return "lot"
    return "any"


def unescape(text: str) -> str:
    text = text.strip()
    if len(text) >= 2 and text[0] == '"' and text[-1] == '"':
        text = text[1:-1]
    return re.sub(r"\\(u[0-9a-fA-F]{4}|.)", lambda m: {
        "n": "\n", "t": "\t"}.get(m.group(1), chr(int(m.group(1)[1:], 16))
                                  if m.group(1).startswith("u") and len(m.group(1)) == 5
                                  else m.group(1)), text)


def fill(name: str, text: str, lang: str) -> str:
    values = FILL[lang]

    def sub(m: re.Match) -> str:
        r = role(name, int(m.group(1)), m.group(2))
        return "2" if r == "small" else str(values[r])

    text = re.sub(r"%(\d+)\$([sd])", sub, text)
    if re.search(r"%(?!%)[^%]", text.replace("%%", "")):
        raise SystemExit(f"{name}: a placeholder this script does not fill: {text!r}")
    return text.replace("%%", "%")


def strings(path: Path) -> dict:
    out = {}
    for el in ET.parse(path).getroot().iter("string"):
        if el.get("translatable") == "false":
            continue
        out[el.get("name")] = unescape("".join(el.itertext()))
    return out


lines = []
for lang, base_dir, overlay_dir in [("en", "values", None), ("nl", "values-nl", None),
                                    ("nl-BE", "values-nl", "values-nl-rBE"),
                                    ("fr", "values-fr", None),
                                    ("fr-BE", "values-fr", "values-fr-rBE")]:
    texts = strings(RES / base_dir / "strings.xml")
    source = {k: base_dir for k in texts}
    if overlay_dir and (RES / overlay_dir / "strings.xml").exists():
        overlay = strings(RES / overlay_dir / "strings.xml")
        unknown = set(overlay) - set(texts)
        if unknown:
            raise SystemExit(f"{overlay_dir}: strings not in {base_dir}: {sorted(unknown)}")
        texts.update(overlay)
        source.update({k: overlay_dir for k in overlay})
    for name, text in texts.items():
        lines.append({"kind": "text", "source": f"android:{source[name]}", "lang": lang,
                      "id": f"android:{name}", "text": fill(name, text, lang[:2])})
OUT.write_text("".join(json.dumps(l, ensure_ascii=False) + "\n" for l in lines), encoding="utf-8")
print(f"[copy] {len(lines)} Android strings in en, nl, nl-BE, fr, fr-BE")
