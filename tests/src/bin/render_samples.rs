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
//!
//! Then random payloads: for every symbology, `DECODE_RANDOM` (default 100) payloads drawn with a
//! seeded generator (seed printed; `DECODE_SEED` overrides it) over every character class the
//! symbology carries (digits, upper case, upper case with `-./` and space, mixed case, ASCII
//! punctuation and control characters, Latin-1, other Unicode) and lengths from 1 up to the
//! symbology's limit, rendered as PNG (normal mode, 2 or 3 pixels per module). Their expected text
//! is computed here independently of the core (GS1 check digits, UPC-E expansion, Codabar guards).
//! A random payload the core refuses as too long is retried at half the length (reported).

use loyalty_core::render::{
    encode, encoded_text, to_png, to_svg, EcLevel, RenderOptions, Symbology,
};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
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
    random(out, &mut entries)?;
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

// ---------------------------------------------------------------------------------------------
// Random payloads

const DEFAULT_SEED: u64 = 0x2026_1205;
const DEFAULT_RANDOM: usize = 100;

const DIGITS: &str = "0123456789";
const UPPER: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZ";
const UPPER_PUNCT: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-./ ";
const MIXED: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
const ASCII_PUNCT: &str = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~ 0123456789abcXYZ";
const LATIN1: &str = "aàáâãäåæçèéêëìíîïñòóôõöøùúûüýÿßÀÉÖÜ€ 0123456789";
const UNICODE: &str = "漢字かな한글Ωπж€😀🛒–—‘’“”…\u{200b}\u{feff}aZ9";

/// Every ASCII character, control characters included.
fn full_ascii() -> String {
    (0u8..=127).map(char::from).collect()
}

/// (class name, alphabet) pairs a symbology carries.
fn classes(s: Symbology) -> Vec<(&'static str, String)> {
    let c = |n: &'static str, a: &str| (n, a.to_owned());
    match s {
        Symbology::Aztec | Symbology::DataMatrix | Symbology::Pdf417 | Symbology::QrCode => vec![
            c("digits", DIGITS),
            c("upper", UPPER),
            c("upper-punct", UPPER_PUNCT),
            c("mixed", MIXED),
            c("ascii-punct", ASCII_PUNCT),
            ("full-ascii", full_ascii()),
            c("latin1", LATIN1),
            c("unicode", UNICODE),
        ],
        Symbology::Code39 => vec![
            c("digits", DIGITS),
            c("upper", UPPER),
            c("native", "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ-. $/+%"),
        ],
        Symbology::Code93 | Symbology::Code128 => vec![
            c("digits", DIGITS),
            c("upper-punct", UPPER_PUNCT),
            c("mixed", MIXED),
            c("ascii-punct", ASCII_PUNCT),
            ("full-ascii", full_ascii()),
        ],
        Symbology::Codabar => vec![c("codabar", "0123456789-$:/.+")],
        _ => vec![c("digits", DIGITS)],
    }
}

/// Longest payload (characters) tried per symbology and class; the core may still refuse a
/// payload near the limit (its capacity depends on the mix), which is then halved.
fn max_len(s: Symbology, class: &str) -> usize {
    let wide = matches!(class, "latin1" | "unicode");
    match s {
        Symbology::QrCode => {
            if wide {
                600
            } else {
                2000
            }
        }
        Symbology::Aztec => {
            if wide {
                500
            } else {
                1500
            }
        }
        Symbology::DataMatrix => {
            if wide {
                400
            } else {
                1500
            }
        }
        Symbology::Pdf417 => {
            if wide {
                350
            } else {
                1000
            }
        }
        Symbology::Code39 | Symbology::Code128 => 80,
        Symbology::Code93 => {
            if matches!(class, "digits" | "upper-punct") {
                80
            } else {
                40
            }
        }
        Symbology::Codabar => 60,
        Symbology::Itf => 80,
        _ => 0,
    }
}

/// A length from 1 to `max`: half of them short (up to 40, where cards live), the rest
/// log-uniform over the whole range.
fn random_len(rng: &mut StdRng, max: usize) -> usize {
    if rng.random_bool(0.5) {
        rng.random_range(1..=max.min(40))
    } else {
        let l = rng.random_range(0.0..(max as f64).ln());
        (l.exp() as usize).clamp(1, max)
    }
}

fn gs1_check(body: &str) -> char {
    // weights 3,1,3,... from the rightmost digit of the body
    let sum: u32 = body
        .bytes()
        .rev()
        .enumerate()
        .map(|(i, b)| u32::from(b - b'0') * if i % 2 == 0 { 3 } else { 1 })
        .sum();
    char::from(b'0' + ((10 - sum % 10) % 10) as u8)
}

fn upce_expand(ns_and_six: &str) -> String {
    let d = ns_and_six.as_bytes();
    let (ns, x) = (d[0] as char, &ns_and_six[1..7]);
    let body = match x.as_bytes()[5] {
        b'0'..=b'2' => format!("{}{}0000{}", &x[0..2], &x[5..6], &x[2..5]),
        b'3' => format!("{}00000{}", &x[0..3], &x[3..5]),
        b'4' => format!("{}00000{}", &x[0..4], &x[4..5]),
        _ => format!("{}0000{}", &x[0..5], &x[5..6]),
    };
    format!("{ns}{body}")
}

fn digits(rng: &mut StdRng, n: usize) -> String {
    (0..n)
        .map(|_| char::from(b'0' + rng.random_range(0..10u8)))
        .collect()
}

/// (payload, expected text, class) for one random payload of `s`.
fn random_payload(rng: &mut StdRng, s: Symbology) -> (String, String, String) {
    let gtin = |rng: &mut StdRng, len: usize| {
        let body = digits(rng, len - 1);
        let full = format!("{body}{}", gs1_check(&body));
        if rng.random_bool(0.5) {
            (body, full.clone(), full)
        } else {
            (full.clone(), full.clone(), full)
        }
    };
    let (payload, expected) = match s {
        Symbology::Ean13 => {
            let (p, e, _) = gtin(rng, 13);
            (p, e)
        }
        Symbology::Ean8 => {
            let (p, e, _) = gtin(rng, 8);
            (p, e)
        }
        Symbology::UpcA => {
            let (p, e, _) = gtin(rng, 12);
            (p, e)
        }
        Symbology::UpcE => {
            let ns = if rng.random_bool(0.5) { "0" } else { "1" };
            let body = format!("{ns}{}", digits(rng, 6));
            let full = format!("{body}{}", gs1_check(&upce_expand(&body)));
            match rng.random_range(0..3) {
                0 if ns == "0" => (body[1..].to_owned(), full),
                1 => (full.clone(), full),
                _ => (body, full),
            }
        }
        Symbology::Itf => {
            let n = 2 * rng.random_range(3..=40);
            let p = digits(rng, n);
            (p.clone(), p)
        }
        Symbology::Codabar => {
            let alphabet: Vec<char> = "0123456789-$:/.+".chars().collect();
            let n = rng.random_range(2..=60);
            let data: String = (0..n)
                .map(|_| alphabet[rng.random_range(0..alphabet.len())])
                .collect();
            if rng.random_bool(0.5) {
                let g = |rng: &mut StdRng| ['A', 'B', 'C', 'D'][rng.random_range(0..4)];
                let p = format!("{}{data}{}", g(rng), g(rng));
                (p.clone(), p)
            } else {
                (data.clone(), format!("A{data}A"))
            }
        }
        _ => {
            let all = classes(s);
            let (class, alphabet) = &all[rng.random_range(0..all.len())];
            let alphabet: Vec<char> = alphabet.chars().collect();
            let n = random_len(rng, max_len(s, class));
            let p: String = (0..n)
                .map(|_| alphabet[rng.random_range(0..alphabet.len())])
                .collect();
            return (p.clone(), p, (*class).to_owned());
        }
    };
    (payload, expected, "digits".to_owned())
}

fn random(out: &Path, entries: &mut Vec<Value>) -> Result<(), String> {
    let env = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
    let seed = match env("DECODE_SEED") {
        Some(v) => v.parse::<u64>().map_err(|e| format!("DECODE_SEED: {e}"))?,
        None => DEFAULT_SEED,
    };
    let count = match env("DECODE_RANDOM") {
        Some(v) => v
            .parse::<usize>()
            .map_err(|e| format!("DECODE_RANDOM: {e}"))?,
        None => DEFAULT_RANDOM,
    };
    println!("render_samples: {count} random payloads per symbology, seed {seed} (DECODE_SEED)");
    let mut rng = StdRng::seed_from_u64(seed);
    let mut halved = 0;
    for s in Symbology::ALL {
        for i in 0..count {
            let (mut payload, mut expected, class) = random_payload(&mut rng, s);
            let matrix = loop {
                match encode(&payload, s, EcLevel::Medium) {
                    Ok(m) => break m,
                    Err(e) if e.reason.contains("too long") || e.reason.contains("fit") => {
                        if payload.chars().count() < 2 {
                            return Err(format!("{s} random #{i} ({class}): {e}"));
                        }
                        halved += 1;
                        let half = payload.chars().count() / 2;
                        payload = payload.chars().take(half).collect();
                        expected = payload.clone();
                    }
                    Err(e) => return Err(format!("{s} random #{i} ({class}): {e}")),
                }
            };
            let opts = RenderOptions {
                scale: 2 + (i as u32 % 2),
                ..RenderOptions::default()
            };
            let file = format!("{}_random_{i}.png", s.catima_name().to_lowercase());
            let png = to_png(&matrix, &opts).map_err(|e| format!("{s} random #{i}: {e}"))?;
            std::fs::write(out.join(&file), png).map_err(|e| format!("{file}: {e}"))?;
            entries.push(json!({
                "file": file,
                "symbology": s.catima_name(),
                "format": "png",
                "dark_mode": false,
                "payload": payload,
                "expected": expected,
                "what": format!("random {class}, {} characters", payload.chars().count()),
                "random": true,
                "scale": opts.scale,
                "modules": [matrix.width, matrix.height],
            }));
        }
    }
    println!("render_samples: {halved} random payloads refused as too long and halved");
    Ok(())
}
