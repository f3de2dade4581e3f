//! The card shown at the till (rotating code + QR + SVG) against libqrencode, measured in the same
//! run.
//!
//! ```text
//! cargo bench -p loyalty-domain --bench card_vs_qrencode            # full run
//! cargo bench -p loyalty-domain --bench card_vs_qrencode -- --quick # smoke run, fewer repetitions
//! ```
//!
//! Needs Debian's `libqrencode-dev` (tests/setup.sh installs it); libqrencode is linked through
//! the `extern "C"` declarations below.
//!
//! The payload is the rotating code's text, `LC1:<13-digit card>:<8 digits>:<unix seconds>`
//! (37 bytes), with the 8 digits computed here by an inline RFC 6238 TOTP (HMAC-SHA1, 30 s steps;
//! checked against the RFC's test vector), for 64 consecutive time steps. Both sides get the same
//! 64 payloads at the same error-correction level.
//!
//! Comparisons (each prints `ratio ours/libqrencode = X.XXx`):
//! - (a) QR encoding alone, at every level: ours = `render::encode(payload, QrCode, level)` (the
//!   `qrcode` crate plus the conversion to a `BarcodeMatrix`); anchor = `QRcode_encodeString(
//!   payload, version 0 (smallest), level, QR_MODE_8, case-sensitive)`, which, like ours, picks
//!   numeric / alphanumeric / 8-bit segments itself. Both must produce the same version for every
//!   payload (checked; the run fails otherwise); the modules may differ only by the mask chosen.
//! - (b) the card for the till at level M: ours = TOTP + `encode` + `to_svg` (default options:
//!   quiet zone 4, 4 px per module); anchor = the same TOTP + `QRcode_encodeString` + a minimal SVG
//!   writer in this file (background rect, one path, one rectangle per horizontal run; ours also
//!   merges vertical repeats).
//! - the SVG writers alone, on the same matrices.
//!
//! Method: warm-up, then samples alternating between the two sides; each sample times a batch of
//! operations cycling through the 64 payloads (a fixed payload would let the branch predictor learn
//! the symbol and flatter both sides); the median (and min) per operation is reported. A breakdown
//! shows where our time goes, and the `qrcode` crate's own constructor is measured against
//! libqrencode too: its mask selection is why `render` runs the crate's steps only up to data
//! placement and selects the mask itself (see `render/qr.rs`).

use loyalty_domain::crypto::{hmac, HmacHash};
use loyalty_domain::render::{encode, to_svg, BarcodeMatrix, EcLevel, RenderOptions, Symbology};
use std::ffi::{c_char, c_int, CString};
use std::fmt::Write as _;
use std::hint::black_box;
use std::time::Instant;

// ---------------------------------------------------------------------------------------------
// libqrencode (qrencode.h, libqrencode 4)

#[repr(C)]
struct QRcode {
    version: c_int,
    width: c_int,
    /// One byte per module, row-major; bit 0 = dark.
    data: *mut u8,
}

const QR_MODE_8: c_int = 2;

#[link(name = "qrencode")]
extern "C" {
    fn QRcode_encodeString(
        string: *const c_char,
        version: c_int,
        level: c_int,
        hint: c_int,
        casesensitive: c_int,
    ) -> *mut QRcode;
    fn QRcode_free(qrcode: *mut QRcode);
    fn QRcode_APIVersionString() -> *const c_char;
}

/// QRecLevel: QR_ECLEVEL_L = 0, M, Q, H.
fn qrencode_level(ec: EcLevel) -> c_int {
    match ec {
        EcLevel::Low => 0,
        EcLevel::Medium => 1,
        EcLevel::Quartile => 2,
        EcLevel::High => 3,
    }
}

/// libqrencode's symbol as (version, width, modules row-major with true = dark).
fn qrencode(payload: &CString, ec: EcLevel) -> (i32, u32, Vec<bool>) {
    // SAFETY: a NUL-terminated string; the returned symbol is read, then freed once.
    unsafe {
        let code = QRcode_encodeString(payload.as_ptr(), 0, qrencode_level(ec), QR_MODE_8, 1);
        assert!(!code.is_null(), "QRcode_encodeString failed");
        let width = (*code).width as u32;
        let data = std::slice::from_raw_parts((*code).data, (width * width) as usize);
        let modules = data.iter().map(|b| b & 1 == 1).collect();
        let version = (*code).version;
        QRcode_free(code);
        (version, width, modules)
    }
}

/// What the anchor's timed loop does: encode, keep the width (the data is read by the SVG writer
/// in (b)), free.
fn qrencode_width(payload: &CString, ec: EcLevel) -> u32 {
    // SAFETY: as in `qrencode`.
    unsafe {
        let code = QRcode_encodeString(payload.as_ptr(), 0, qrencode_level(ec), QR_MODE_8, 1);
        assert!(!code.is_null(), "QRcode_encodeString failed");
        let width = black_box((*code).width as u32);
        black_box(*(*code).data);
        QRcode_free(code);
        width
    }
}

/// The anchor's card: encode, then the minimal SVG writer straight from libqrencode's bytes.
fn qrencode_card(payload: &CString, ec: EcLevel) -> String {
    // SAFETY: as in `qrencode`.
    unsafe {
        let code = QRcode_encodeString(payload.as_ptr(), 0, qrencode_level(ec), QR_MODE_8, 1);
        assert!(!code.is_null(), "QRcode_encodeString failed");
        let width = (*code).width as u32;
        let data = std::slice::from_raw_parts((*code).data, (width * width) as usize);
        let svg = minimal_svg(width, |x, y| data[(y * width + x) as usize] & 1 == 1, 4, 4);
        QRcode_free(code);
        svg
    }
}

/// A minimal SVG writer: background, one path, one rectangle per horizontal run of dark modules.
fn minimal_svg(width: u32, dark: impl Fn(u32, u32) -> bool, quiet: u32, scale: u32) -> String {
    let size = width + 2 * quiet;
    let mut svg = String::with_capacity(256 + (width * width) as usize * 3);
    let _ = write!(
        svg,
        r##"<svg xmlns="http://www.w3.org/2000/svg" version="1.1" width="{}" height="{}" viewBox="0 0 {size} {size}" shape-rendering="crispEdges"><rect width="100%" height="100%" fill="#fff"/><path fill="#000" d=""##,
        size * scale,
        size * scale
    );
    for y in 0..width {
        let mut x = 0;
        while x < width {
            if dark(x, y) {
                let start = x;
                while x < width && dark(x, y) {
                    x += 1;
                }
                let w = x - start;
                let _ = write!(svg, "M{},{}h{w}v1h-{w}z", start + quiet, y + quiet);
            } else {
                x += 1;
            }
        }
    }
    svg.push_str("\"/></svg>\n");
    svg
}

// ---------------------------------------------------------------------------------------------
// The rotating code's payload

/// RFC 6238 TOTP with HMAC-SHA1 (RFC 4226 dynamic truncation), `digits` digits.
fn totp(secret: &[u8], unix_seconds: u64, period: u64, digits: u32) -> String {
    let counter = unix_seconds / period;
    let hash = hmac(HmacHash::Sha1, secret, &counter.to_be_bytes());
    let offset = (hash[19] & 0x0f) as usize;
    let code = u32::from_be_bytes([
        hash[offset] & 0x7f,
        hash[offset + 1],
        hash[offset + 2],
        hash[offset + 3],
    ]);
    format!(
        "{:0width$}",
        code % 10u32.pow(digits),
        width = digits as usize
    )
}

const SECRET: &[u8] = b"12345678901234567890"; // RFC 6238's SHA-1 test secret
const CARD: &str = "2760012345671";
const T0: u64 = 1_767_225_600; // 2026-01-01T00:00:00Z
const STEP: u64 = 30;

fn payload_at(unix_seconds: u64) -> String {
    let step_start = unix_seconds / STEP * STEP;
    format!(
        "LC1:{CARD}:{}:{step_start}",
        totp(SECRET, unix_seconds, STEP, 8)
    )
}

// ---------------------------------------------------------------------------------------------
// Timing

struct Config {
    warmup_ms: u128,
    samples: usize,
    batch: usize,
}

struct Stats {
    median_ns: f64,
    min_ns: f64,
}

impl Stats {
    fn from(mut per_op: Vec<f64>) -> Stats {
        per_op.sort_by(f64::total_cmp);
        Stats {
            median_ns: per_op[per_op.len() / 2],
            min_ns: per_op[0],
        }
    }
}

fn fmt_us(ns: f64) -> String {
    format!("{:.2} µs", ns / 1000.0)
}

/// Warm-up, then `samples` samples alternating between `ours` and `anchor`, each timing `batch`
/// calls (argument: the call's index, used to cycle through the inputs).
fn compare(
    cfg: &Config,
    mut ours: impl FnMut(usize),
    mut anchor: impl FnMut(usize),
) -> (Stats, Stats) {
    let start = Instant::now();
    let mut i = 0;
    while start.elapsed().as_millis() < cfg.warmup_ms {
        ours(i);
        anchor(i);
        i += 1;
    }
    let (mut a, mut b) = (Vec::new(), Vec::new());
    let mut k = 0;
    for s in 0..cfg.samples {
        // alternate which side goes first
        let time = |f: &mut dyn FnMut(usize), out: &mut Vec<f64>| {
            let t = Instant::now();
            for j in 0..cfg.batch {
                f(k + j);
            }
            out.push(t.elapsed().as_nanos() as f64 / cfg.batch as f64);
        };
        if s % 2 == 0 {
            time(&mut ours, &mut a);
            time(&mut anchor, &mut b);
        } else {
            time(&mut anchor, &mut b);
            time(&mut ours, &mut a);
        }
        k += cfg.batch;
    }
    (Stats::from(a), Stats::from(b))
}

fn time_one(cfg: &Config, mut f: impl FnMut(usize)) -> Stats {
    let start = Instant::now();
    let mut i = 0;
    while start.elapsed().as_millis() < cfg.warmup_ms / 2 {
        f(i);
        i += 1;
    }
    let mut v = Vec::new();
    for s in 0..cfg.samples {
        let t = Instant::now();
        for j in 0..cfg.batch {
            f(s * cfg.batch + j);
        }
        v.push(t.elapsed().as_nanos() as f64 / cfg.batch as f64);
    }
    Stats::from(v)
}

fn report(what: &str, ours: &Stats, anchor: &Stats) {
    report_as(what, ("ours", "libqrencode"), ours, anchor);
}

fn report_as(what: &str, (a, b): (&str, &str), ours: &Stats, anchor: &Stats) {
    println!(
        "{what}\n    {a:<13} median {:>10}  (min {})\n    {b:<13} median {:>10}  (min {})\n    ratio {a}/{b} = {:.2}x",
        fmt_us(ours.median_ns),
        fmt_us(ours.min_ns),
        fmt_us(anchor.median_ns),
        fmt_us(anchor.min_ns),
        ours.median_ns / anchor.median_ns
    );
}

fn level_name(ec: EcLevel) -> &'static str {
    match ec {
        EcLevel::Low => "L",
        EcLevel::Medium => "M",
        EcLevel::Quartile => "Q",
        EcLevel::High => "H",
    }
}

fn qr_level(ec: EcLevel) -> qrcode::EcLevel {
    match ec {
        EcLevel::Low => qrcode::EcLevel::L,
        EcLevel::Medium => qrcode::EcLevel::M,
        EcLevel::Quartile => qrcode::EcLevel::Q,
        EcLevel::High => qrcode::EcLevel::H,
    }
}

fn main() {
    let quick = std::env::args().any(|a| a == "--quick");
    let cfg = if quick {
        Config {
            warmup_ms: 200,
            samples: 15,
            batch: 32,
        }
    } else {
        Config {
            warmup_ms: 1000,
            samples: 101,
            batch: 64,
        }
    };

    // RFC 6238 Appendix B, SHA-1, T = 59 s: 94287082.
    assert_eq!(totp(SECRET, 59, 30, 8), "94287082", "TOTP self-check");
    assert_eq!(
        totp(SECRET, 1_111_111_109, 30, 8),
        "07081804",
        "TOTP self-check"
    );

    let times: Vec<u64> = (0..64).map(|i| T0 + i * STEP).collect();
    let payloads: Vec<String> = times.iter().map(|&t| payload_at(t)).collect();
    let cpayloads: Vec<CString> = payloads
        .iter()
        .map(|p| CString::new(p.as_str()).expect("no NUL"))
        .collect();
    let n = payloads.len();
    // SAFETY: libqrencode returns a static NUL-terminated string.
    let lib_version = unsafe { std::ffi::CStr::from_ptr(QRcode_APIVersionString()) }
        .to_string_lossy()
        .into_owned();

    println!("card_vs_qrencode: the till's QR card against libqrencode {lib_version}");
    println!(
        "  payload: \"{}\" ({} bytes): TOTP computed inline (RFC 6238, HMAC-SHA1, 8 digits, 30 s), {n} consecutive time steps",
        payloads[0],
        payloads[0].len()
    );
    println!(
        "  method: {} ms warm-up, {} samples of {} operations, sides alternating; median (min) per operation{}",
        cfg.warmup_ms,
        cfg.samples,
        cfg.batch,
        if quick { " [--quick]" } else { "" }
    );

    let levels = [
        EcLevel::Low,
        EcLevel::Medium,
        EcLevel::Quartile,
        EcLevel::High,
    ];

    // Same version for every payload and level; how often the modules are identical.
    println!("\nsymbol check (ours vs libqrencode, same payloads):");
    for ec in levels {
        let mut identical = 0;
        let mut version = 0;
        for (p, c) in payloads.iter().zip(&cpayloads) {
            let ours = encode(p, Symbology::QrCode, ec).expect("encodes");
            let (v, w, modules) = qrencode(c, ec);
            assert_eq!(
                ours.width,
                w,
                "level {}: ours is {}x{}, libqrencode version {v} is {w}x{w}",
                level_name(ec),
                ours.width,
                ours.width
            );
            version = v;
            identical += usize::from(ours.modules == modules);
        }
        println!(
            "  level {}: same version for {n}/{n} payloads (version {version}, {size}x{size} modules); identical modules (same segments and mask) {identical}/{n}",
            level_name(ec),
            size = 17 + 4 * version,
        );
    }

    println!("\n(a) QR encoding alone: render::encode(QR) vs QRcode_encodeString");
    let mut ratios = Vec::new();
    for ec in levels {
        let (ours, anchor) = compare(
            &cfg,
            |i| {
                black_box(encode(black_box(&payloads[i % n]), Symbology::QrCode, ec).unwrap());
            },
            |i| {
                black_box(qrencode_width(black_box(&cpayloads[i % n]), ec));
            },
        );
        report(&format!("  level {}", level_name(ec)), &ours, &anchor);
        ratios.push(ours.median_ns / anchor.median_ns);
    }

    let opts = RenderOptions::default();
    println!(
        "\n(b) the card for the till at level M (TOTP + QR + SVG, quiet zone 4, 4 px per module)"
    );
    let (ours, anchor) = compare(
        &cfg,
        |i| {
            let p = payload_at(times[i % n]);
            let m = encode(&p, Symbology::QrCode, EcLevel::Medium).unwrap();
            black_box(to_svg(&m, &opts));
        },
        |i| {
            let p = CString::new(payload_at(times[i % n])).expect("no NUL");
            black_box(qrencode_card(&p, EcLevel::Medium));
        },
    );
    report(
        "  ours = TOTP + render::encode + render::to_svg; anchor = TOTP + QRcode_encodeString + minimal SVG writer (this file)",
        &ours,
        &anchor,
    );
    let card_ratio = ours.median_ns / anchor.median_ns;

    // The pieces, to explain the ratios.
    let matrices: Vec<BarcodeMatrix> = payloads
        .iter()
        .map(|p| encode(p, Symbology::QrCode, EcLevel::Medium).unwrap())
        .collect();
    let (svg_ours, svg_anchor) = compare(
        &cfg,
        |i| {
            black_box(to_svg(&matrices[i % n], &opts));
        },
        |i| {
            let m = &matrices[i % n];
            black_box(minimal_svg(m.width, |x, y| m.get(x, y), 4, 4));
        },
    );
    println!("\nSVG writers alone (same matrices, level M):");
    report_as(
        "  ours = render::to_svg (runs merged across rows); anchor = the minimal writer",
        ("ours", "minimal"),
        &svg_ours,
        &svg_anchor,
    );
    let svg_len = to_svg(&matrices[0], &opts).len();
    let min_len = minimal_svg(matrices[0].width, |x, y| matrices[0].get(x, y), 4, 4).len();
    println!("    output size for the first payload: ours {svg_len} bytes, minimal writer {min_len} bytes");
    let t_totp = time_one(&cfg, |i| {
        black_box(payload_at(black_box(times[i % n])));
    });
    println!(
        "  TOTP + payload string alone: median {}",
        fmt_us(t_totp.median_ns)
    );

    println!("\nwhere the time goes, level M:");
    let level = qr_level(EcLevel::Medium);
    let t_encode = time_one(&cfg, |i| {
        black_box(
            encode(
                black_box(&payloads[i % n]),
                Symbology::QrCode,
                EcLevel::Medium,
            )
            .unwrap(),
        );
    });
    // The qrcode crate's steps up to data placement, which render::encode runs as they are.
    let placed = |i: usize| {
        let bits = qrcode::bits::encode_auto(payloads[i % n].as_bytes(), level).unwrap();
        let version = bits.version();
        let data = bits.into_bytes();
        let (cw, ecw) = qrcode::ec::construct_codewords(&data, version, level).unwrap();
        let mut c = qrcode::canvas::Canvas::new(version, level);
        c.draw_all_functional_patterns();
        c.draw_data(&cw, &ecw);
        c
    };
    let t_placed = time_one(&cfg, |i| {
        black_box(placed(i));
    });
    let canvases: Vec<qrcode::canvas::Canvas> = (0..n).map(placed).collect();
    let t_crate_mask = time_one(&cfg, |i| {
        black_box(canvases[i % n].apply_best_mask());
    });
    println!(
        "  render::encode(QR) in all                                        {:>10}",
        fmt_us(t_encode.median_ns)
    );
    println!(
        "    qrcode crate: segmentation, Reed-Solomon, patterns, data        {:>10}",
        fmt_us(t_placed.median_ns)
    );
    println!(
        "    ours: 8 masks applied + scored on a byte grid, BarcodeMatrix     {:>10}  (the rest)",
        fmt_us(t_encode.median_ns - t_placed.median_ns)
    );
    println!(
        "  the crate's own mask selection (Canvas::apply_best_mask), for comparison {:>10}",
        fmt_us(t_crate_mask.median_ns)
    );
    let (crate_alone, anchor) = compare(
        &cfg,
        |i| {
            black_box(
                qrcode::QrCode::with_error_correction_level(payloads[i % n].as_bytes(), level)
                    .unwrap(),
            );
        },
        |i| {
            black_box(qrencode_width(
                black_box(&cpayloads[i % n]),
                EcLevel::Medium,
            ));
        },
    );
    report_as(
        "  the qrcode crate's own QrCode::with_error_correction_level (not used by render) vs libqrencode, level M",
        ("qrcode", "libqrencode"),
        &crate_alone,
        &anchor,
    );
    let crate_ratio = crate_alone.median_ns / anchor.median_ns;

    println!("\nsummary:");
    for (ec, r) in levels.iter().zip(&ratios) {
        println!(
            "  (a) encode, level {}: ratio ours/libqrencode = {r:.2}x",
            level_name(*ec)
        );
    }
    println!("  (b) card for the till, level M: ratio ours/libqrencode = {card_ratio:.2}x");
    println!(
        "  (for reference) the qrcode crate's own constructor, level M: ratio qrcode/libqrencode = {crate_ratio:.2}x"
    );
}
