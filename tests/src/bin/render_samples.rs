//! Writes sample codes for the independent decoder check (tests/decode/decode.py).
//!
//! ```text
//! cargo run -p loyalty-tests --bin render_samples -- OUT_DIR
//! ```
//!
//! For every symbology, a set of realistic payloads (card numbers, a rotating-code payload
//! `LC1:<card>:<8 digits>:<unix seconds>` for the 2D codes, UTF-8 text for the 2D codes, GTINs for
//! EAN/UPC, the shortest and long payloads) is rendered as PNG and SVG, each in normal and dark
//! mode, at 2 to 4 pixels per module with the standard quiet zone, into OUT_DIR, with
//! `manifest.json` listing every file, its symbology and the text a decoder must read back.
//!
//! The expected texts are written out here by hand (GTINs with their check digit, UPC-E as its 8
//! digits, Codabar with its start/stop characters), not computed by the code under test; the
//! binary fails if `encoded_text` disagrees.

use loyalty_core::render::{
    encode, encoded_text, to_png, to_svg, EcLevel, RenderOptions, Symbology,
};
use serde_json::{json, Value};
use std::path::{Path, PathBuf};

/// (payload, expected decoded text, what it stands for)
type Sample = (&'static str, &'static str, &'static str);

const CARD: &str = "2760012345671";
const ROTATING: &str = "LC1:2760012345671:48213907:1767225600";
const UTF8_TEXT: &str = "Carte fidélité – Zoë 😀 €12,50";

fn samples(s: Symbology) -> Vec<Sample> {
    match s {
        Symbology::QrCode => vec![
            (CARD, CARD, "card number"),
            (ROTATING, ROTATING, "rotating code"),
            (UTF8_TEXT, UTF8_TEXT, "UTF-8 text (byte mode)"),
            ("€漢字", "€漢字", "UTF-8 bytes that look like Shift JIS"),
            ("7", "7", "one character"),
            (LONG_TEXT, LONG_TEXT, "long text"),
        ],
        Symbology::Aztec | Symbology::DataMatrix | Symbology::Pdf417 => vec![
            (CARD, CARD, "card number"),
            (ROTATING, ROTATING, "rotating code"),
            (UTF8_TEXT, UTF8_TEXT, "UTF-8 text (ECI 26)"),
            ("7", "7", "one character"),
            (LONG_TEXT, LONG_TEXT, "long text"),
        ],
        Symbology::Code128 => vec![
            (CARD, CARD, "card number"),
            (ROTATING, ROTATING, "rotating code"),
            ("Member 42/b", "Member 42/b", "mixed case"),
            ("7", "7", "one character"),
        ],
        Symbology::Code39 => vec![
            (CARD, CARD, "card number"),
            ("CARD-42 $5.00", "CARD-42 $5.00", "full native charset"),
            ("7", "7", "one character"),
            (
                "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-. %",
                "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-. %",
                "long",
            ),
        ],
        Symbology::Code93 => vec![
            (CARD, CARD, "card number"),
            ("Loyalty card #42", "Loyalty card #42", "full ASCII"),
            ("7", "7", "one character"),
        ],
        Symbology::Codabar => vec![
            ("40156", "A40156A", "digits, start/stop A added"),
            ("B40156D", "B40156D", "explicit start/stop"),
            ("12", "A12A", "shortest (2 data characters)"),
            (
                "C-$:/.+0123456789D",
                "C-$:/.+0123456789D",
                "every data character",
            ),
        ],
        Symbology::Itf => vec![
            ("123456", "123456", "shortest (6 digits)"),
            ("00012345678905", "00012345678905", "ITF-14"),
            ("2760012345671000", "2760012345671000", "16 digits"),
        ],
        Symbology::Ean13 => vec![
            ("4006381333931", "4006381333931", "GTIN-13 with check digit"),
            (
                "590123412345",
                "5901234123457",
                "12 digits, check digit added",
            ),
            ("276001234567", CARD, "in-store card number"),
        ],
        Symbology::Ean8 => vec![
            ("96385074", "96385074", "GTIN-8 with check digit"),
            ("7351353", "73513537", "7 digits, check digit added"),
        ],
        Symbology::UpcA => vec![
            ("036000291452", "036000291452", "GTIN-12 with check digit"),
            (
                "01234567890",
                "012345678905",
                "11 digits, check digit added",
            ),
        ],
        Symbology::UpcE => vec![
            ("04252614", "04252614", "8 digits"),
            (
                "425261",
                "04252614",
                "6 digits, number system 0 and check digit added",
            ),
            ("1123450", "11234502", "number system 1, check digit added"),
            ("0123457", "01234572", "last digit 5-9 rule"),
        ],
    }
}

const LONG_TEXT: &str = "LC1:2760012345671:48213907:1767225600|Voucher 5 EUR off \
    any purchase over 25 EUR, valid 2026-01-01 to 2026-03-31, one per household, not \
    combinable with other offers. Terms: https://example.invalid/terms?id=2760012345671";

fn main() {
    let Some(out) = std::env::args().nth(1).map(PathBuf::from) else {
        eprintln!("usage: render_samples OUT_DIR");
        std::process::exit(2);
    };
    if let Err(e) = run(&out) {
        eprintln!("render_samples: {e}");
        std::process::exit(1);
    }
}

fn run(out: &Path) -> Result<(), String> {
    std::fs::create_dir_all(out).map_err(|e| format!("{}: {e}", out.display()))?;
    let mut entries: Vec<Value> = Vec::new();
    for s in Symbology::ALL {
        for (i, (payload, expected, what)) in samples(s).into_iter().enumerate() {
            let text = encoded_text(payload, s).map_err(|e| format!("{s} #{i}: {e}"))?;
            if text != expected {
                return Err(format!(
                    "{s} #{i}: encoded_text gives {text:?}, the manifest expects {expected:?}"
                ));
            }
            let matrix =
                encode(payload, s, EcLevel::Medium).map_err(|e| format!("{s} #{i}: {e}"))?;
            for dark_mode in [false, true] {
                // 2, 3 or 4 pixels per module, standard quiet zone
                let opts = RenderOptions {
                    dark_mode,
                    scale: 2 + (i as u32 % 3),
                    ..RenderOptions::default()
                };
                let stem = format!(
                    "{}_{i}_{}",
                    s.catima_name().to_lowercase(),
                    if dark_mode { "dark" } else { "normal" }
                );
                let png = to_png(&matrix, &opts).map_err(|e| format!("{s} #{i}: {e}"))?;
                let svg = to_svg(&matrix, &opts);
                for (ext, bytes) in [("png", png), ("svg", svg.into_bytes())] {
                    let file = format!("{stem}.{ext}");
                    std::fs::write(out.join(&file), bytes).map_err(|e| format!("{file}: {e}"))?;
                    entries.push(json!({
                        "file": file,
                        "symbology": s.catima_name(),
                        "format": ext,
                        "dark_mode": dark_mode,
                        "payload": payload,
                        "expected": expected,
                        "what": what,
                        "scale": opts.scale,
                        "modules": [matrix.width, matrix.height],
                    }));
                }
            }
        }
    }
    let manifest = json!({ "samples": entries });
    let text = serde_json::to_string_pretty(&manifest).map_err(|e| e.to_string())?;
    std::fs::write(out.join("manifest.json"), text).map_err(|e| format!("manifest.json: {e}"))?;
    println!(
        "render_samples: {} files in {}",
        entries.len(),
        out.display()
    );
    Ok(())
}
