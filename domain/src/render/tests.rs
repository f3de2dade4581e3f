use super::*;
use rand::{Rng, SeedableRng};

fn enc(payload: &str, s: Symbology) -> BarcodeMatrix {
    encode(payload, s, EcLevel::Medium)
        .unwrap_or_else(|e| panic!("{s} should encode a valid payload: {e}"))
}

fn reason(payload: &str, s: Symbology) -> String {
    match encode(payload, s, EcLevel::Medium) {
        Ok(_) => panic!("{s} accepted an invalid payload"),
        Err(e) => {
            assert!(
                payload.len() < 4 || !e.reason.contains(payload),
                "reason must not quote the payload: {}",
                e.reason
            );
            e.reason
        }
    }
}

fn bits(m: &BarcodeMatrix) -> String {
    m.modules
        .iter()
        .map(|&d| if d { '1' } else { '0' })
        .collect()
}

/// Decodes a 1-bit grayscale PNG into (width, height, pixels with true = white).
fn decode_png(data: &[u8]) -> (u32, u32, Vec<bool>) {
    let decoder = ::png::Decoder::new(std::io::Cursor::new(data));
    let mut reader = decoder.read_info().expect("valid PNG");
    let info = reader.info();
    assert_eq!(info.color_type, ::png::ColorType::Grayscale);
    assert_eq!(info.bit_depth, ::png::BitDepth::One);
    let (w, h) = (info.width, info.height);
    let mut buf = vec![0; reader.output_buffer_size().expect("size")];
    reader.next_frame(&mut buf).expect("frame");
    let stride = (w as usize).div_ceil(8);
    let mut px = Vec::with_capacity((w * h) as usize);
    for y in 0..h as usize {
        for x in 0..w as usize {
            px.push(buf[y * stride + x / 8] & (0x80 >> (x % 8)) != 0);
        }
    }
    (w, h, px)
}

/// Parses our SVG back into a grid of `w` x `h` modules (true = covered by the path).
fn svg_grid(svg: &str) -> (u64, u64, Vec<bool>) {
    let vb = svg.split("viewBox=\"0 0 ").nth(1).expect("viewBox");
    let mut it = vb.split('"').next().unwrap().split(' ');
    let w: u64 = it.next().unwrap().parse().unwrap();
    let h: u64 = it.next().unwrap().parse().unwrap();
    let d = svg
        .split(" d=\"")
        .nth(1)
        .expect("path")
        .split('"')
        .next()
        .unwrap();
    let mut grid = vec![false; (w * h) as usize];
    for rect in d.split('z').filter(|r| !r.is_empty()) {
        // M{x},{y}h{w}v{h}h-{w}
        let rest = rect.strip_prefix('M').expect("M");
        let (xy, rest) = rest.split_once('h').unwrap();
        let (x, y) = xy.split_once(',').unwrap();
        let (rw, rest) = rest.split_once('v').unwrap();
        let (rh, back) = rest.split_once('h').unwrap();
        assert_eq!(back, format!("-{rw}"));
        let (x, y, rw, rh): (u64, u64, u64, u64) = (
            x.parse().unwrap(),
            y.parse().unwrap(),
            rw.parse().unwrap(),
            rh.parse().unwrap(),
        );
        for yy in y..y + rh {
            for xx in x..x + rw {
                let cell = &mut grid[(yy * w + xx) as usize];
                assert!(!*cell, "rectangles overlap at {xx},{yy}");
                *cell = true;
            }
        }
    }
    (w, h, grid)
}

// ---------------------------------------------------------------------------------------------
// Names

#[test]
fn catima_names_round_trip_and_are_case_sensitive() {
    let names: Vec<_> = Symbology::ALL.iter().map(|s| s.catima_name()).collect();
    assert_eq!(
        names,
        [
            "AZTEC",
            "CODE_39",
            "CODE_93",
            "CODE_128",
            "CODABAR",
            "DATA_MATRIX",
            "EAN_8",
            "EAN_13",
            "ITF",
            "PDF_417",
            "QR_CODE",
            "UPC_A",
            "UPC_E"
        ]
    );
    for s in Symbology::ALL {
        assert_eq!(Symbology::from_catima_name(s.catima_name()), Some(s));
        assert_eq!(
            Symbology::from_catima_name(&s.catima_name().to_lowercase()),
            None
        );
    }
    assert_eq!(Symbology::from_catima_name("QR"), None);
    let two_d: Vec<_> = Symbology::ALL
        .into_iter()
        .filter(|s| s.is_two_dimensional())
        .collect();
    assert_eq!(
        two_d,
        [
            Symbology::Aztec,
            Symbology::DataMatrix,
            Symbology::Pdf417,
            Symbology::QrCode
        ]
    );
}

// ---------------------------------------------------------------------------------------------
// Each symbology

#[test]
fn ean13_matches_the_zxing_reference_pattern_and_checks_its_digit() {
    // ZXing's EAN13WriterTestCase for 5901234123457, without its 9-module margins.
    let reference = "10100010110100111011001100100110111101001110101010110011011011001000010101110010011101000100101";
    let m = enc("5901234123457", Symbology::Ean13);
    assert_eq!((m.width, m.height), (95, 1));
    assert_eq!(bits(&m), reference);
    // 12 digits: the check digit is added, same symbol
    assert_eq!(enc("590123412345", Symbology::Ean13), m);
    assert_eq!(
        encoded_text("590123412345", Symbology::Ean13).unwrap(),
        "5901234123457"
    );
    assert!(reason("5901234123458", Symbology::Ean13).contains("check digit"));
    assert!(reason("59012341234A", Symbology::Ean13).contains("digits only"));
    assert!(reason("59012341234", Symbology::Ean13).contains("12 digits"));
    assert!(reason("59012341234570", Symbology::Ean13).contains("13 digits"));
    // non-ASCII digits are not digits here
    assert!(reason("٥٩٠١٢٣٤١٢٣٤٥", Symbology::Ean13).contains("digits only"));
}

#[test]
fn ean8_upca_and_upce_check_digits() {
    let m = enc("9638507", Symbology::Ean8);
    assert_eq!((m.width, m.height), (67, 1));
    assert_eq!(
        encoded_text("9638507", Symbology::Ean8).unwrap(),
        "96385074"
    );
    assert_eq!(enc("96385074", Symbology::Ean8), m);
    assert!(reason("96385075", Symbology::Ean8).contains("check digit"));

    // UPC-A 036000291452: the classic example.
    let a = enc("03600029145", Symbology::UpcA);
    assert_eq!((a.width, a.height), (95, 1));
    assert_eq!(
        encoded_text("03600029145", Symbology::UpcA).unwrap(),
        "036000291452"
    );
    // same bars as EAN-13 with a leading 0
    assert_eq!(bits(&a), bits(&enc("0036000291452", Symbology::Ean13)));
    assert!(reason("036000291453", Symbology::UpcA).contains("check digit"));

    // UPC-E 04252614 expands to UPC-A 042100005264 (check digit 4).
    assert_eq!(validate::upce_to_upca("0425261"), "04210000526");
    assert_eq!(encoded_text("425261", Symbology::UpcE).unwrap(), "04252614");
    assert_eq!(
        encoded_text("0425261", Symbology::UpcE).unwrap(),
        "04252614"
    );
    assert_eq!(
        encoded_text("04252614", Symbology::UpcE).unwrap(),
        "04252614"
    );
    let e = enc("04252614", Symbology::UpcE);
    assert_eq!((e.width, e.height), (51, 1));
    assert!(reason("04252615", Symbology::UpcE).contains("check digit"));
    assert!(reason("2425261", Symbology::UpcE).contains("number system"));
    assert!(reason("42526", Symbology::UpcE).contains("6 digits"));
    // every last-digit rule of the zero suppression
    assert_eq!(validate::upce_to_upca("0123453"), "01230000045");
    assert_eq!(validate::upce_to_upca("0123454"), "01234000005");
    assert_eq!(validate::upce_to_upca("0123457"), "01234500007");
    assert_eq!(validate::upce_to_upca("1123450"), "11200000345");
}

#[test]
fn itf_needs_an_even_number_of_digits() {
    let m = enc("12345678", Symbology::Itf);
    // start (4) + 9 per digit + end (5)
    assert_eq!((m.width, m.height), (4 + 9 * 8 + 5, 1));
    assert!(reason("1234567", Symbology::Itf).contains("even"));
    assert!(reason("1234", Symbology::Itf).contains("6 to 80"));
    assert!(reason("12345A", Symbology::Itf).contains("digits only"));
    assert!(reason(&"1".repeat(82), Symbology::Itf).contains("6 to 80"));
}

#[test]
fn code39_code93_code128_charsets() {
    // Code 39: 13 modules per character + narrow gap, two '*' guards.
    let m = enc("CARD-42 $5.00", Symbology::Code39);
    assert_eq!(m.width, 24 + 1 + 13 * 13);
    assert!(reason("card", Symbology::Code39).contains("upper-case"));
    assert!(reason("A*B", Symbology::Code39).contains("upper-case"));
    assert!(reason(&"A".repeat(81), Symbology::Code39).contains("at most 80"));

    // Code 93: full ASCII through shift characters; 9 modules per symbol character.
    let m = enc("Abc-1", Symbology::Code93);
    let symbol_chars = 1 + 2 + 2 + 1 + 1;
    assert_eq!(m.width as usize, (symbol_chars + 4) * 9 + 1);
    assert!(reason("é", Symbology::Code93).contains("ASCII"));
    enc(&"A".repeat(80), Symbology::Code93);
    assert!(reason(&"a".repeat(41), Symbology::Code93).contains("too long"));

    // Code 128: ASCII only; every code starts with a bar and ends with the 2-module stop bar.
    let m = enc("LC1:Card\t#42", Symbology::Code128);
    assert!(m.modules[0] && m.modules[m.width as usize - 1]);
    assert!(reason("Café", Symbology::Code128).contains("ASCII"));
    assert!(reason(&"x".repeat(81), Symbology::Code128).contains("at most 80"));
}

#[test]
fn codabar_start_and_stop_characters() {
    let plain = enc("40156", Symbology::Codabar);
    // without guards, A...A is added: the same symbol as the guarded payload
    assert_eq!(plain, enc("A40156A", Symbology::Codabar));
    assert_ne!(plain, enc("B40156D", Symbology::Codabar));
    assert_eq!(
        encoded_text("40156", Symbology::Codabar).unwrap(),
        "A40156A"
    );
    assert_eq!(
        encoded_text("B40156D", Symbology::Codabar).unwrap(),
        "B40156D"
    );
    enc("-$:/.+0123456789", Symbology::Codabar);
    assert!(reason("A40156", Symbology::Codabar).contains("both ends"));
    assert!(reason("a40156a", Symbology::Codabar).contains("only digits"));
    assert!(reason("T40156N", Symbology::Codabar).contains("only digits"));
    assert!(reason("AB", Symbology::Codabar).contains("2 to 60"));
    assert!(reason("7", Symbology::Codabar).contains("2 to 60"));
    assert!(reason("C7D", Symbology::Codabar).contains("2 to 60"));
    enc("C12D", Symbology::Codabar);
    assert!(reason(&"1".repeat(61), Symbology::Codabar).contains("2 to 60"));
}

#[test]
fn linear_codes_start_and_end_with_a_bar() {
    let samples = [
        (Symbology::Code39, "ABC"),
        (Symbology::Code93, "abc"),
        (Symbology::Code128, "123456"),
        (Symbology::Codabar, "12"),
        (Symbology::Ean8, "1234567"),
        (Symbology::Ean13, "400638133393"),
        (Symbology::Itf, "123456"),
        (Symbology::UpcA, "03600029145"),
        (Symbology::UpcE, "0425261"),
    ];
    for (s, p) in samples {
        let m = enc(p, s);
        assert_eq!(m.height, 1, "{s}");
        assert_eq!(m.modules.len(), m.width as usize, "{s}");
        assert!(m.modules[0], "{s} starts with a space: margin not stripped");
        assert!(m.modules[m.width as usize - 1], "{s} ends with a space");
    }
}

fn finder_at(m: &BarcodeMatrix, x0: u32, y0: u32) -> bool {
    (0..7).all(|y| {
        (0..7).all(|x| {
            let ring = x == 0 || y == 0 || x == 6 || y == 6;
            let core = (2..=4).contains(&x) && (2..=4).contains(&y);
            m.get(x0 + x, y0 + y) == (ring || core)
        })
    })
}

#[test]
fn qr_code_sizes_levels_and_finders() {
    let m = enc("HELLO WORLD", Symbology::QrCode);
    assert_eq!((m.width, m.height), (21, 21));
    let w = m.width;
    assert!(finder_at(&m, 0, 0) && finder_at(&m, w - 7, 0) && finder_at(&m, 0, w - 7));
    // higher levels need bigger symbols for the same payload
    let payload = "LC1:2760012345678:12345678:1767225600";
    let sizes: Vec<u32> = [
        EcLevel::Low,
        EcLevel::Medium,
        EcLevel::Quartile,
        EcLevel::High,
    ]
    .into_iter()
    .map(|ec| encode(payload, Symbology::QrCode, ec).unwrap().width)
    .collect();
    assert!(sizes.windows(2).all(|p| p[0] <= p[1]), "{sizes:?}");
    assert!(sizes[0] < sizes[3], "{sizes:?}");
    // UTF-8 text that the crate's segmentation would read as Kanji still encodes (byte mode)
    let m = enc("Prix: 12,50 € — Crème brûlée", Symbology::QrCode);
    assert!(finder_at(&m, 0, 0));
    // capacity: 2953 bytes at L (version 40), less at H
    let long = "x".repeat(2953);
    assert_eq!(
        encode(&long, Symbology::QrCode, EcLevel::Low)
            .unwrap()
            .width,
        177
    );
    let r = encode(&long, Symbology::QrCode, EcLevel::High)
        .unwrap_err()
        .reason;
    assert!(r.contains("does not fit"), "{r}");
    assert!(reason(&"1".repeat(7090), Symbology::QrCode).contains("too long"));
    assert!(reason("", Symbology::QrCode).contains("empty"));
}

#[test]
fn other_2d_codes_have_no_margin_and_refuse_too_long_payloads() {
    // Aztec: a compact 1-layer symbol is 15 x 15 with the bullseye centre dark.
    let m = enc("LC1", Symbology::Aztec);
    assert_eq!((m.width, m.height), (15, 15));
    assert!(m.get(7, 7));
    // Data Matrix: 10 x 10 for 6 digits; the L finder (left column, bottom row) is dark.
    let m = enc("123456", Symbology::DataMatrix);
    assert_eq!((m.width, m.height), (10, 10));
    assert!((0..10).all(|i| m.get(0, i) && m.get(i, 9)));
    // the clock track (top row) alternates, starting dark
    assert!((0..10).all(|x| m.get(x, 0) == (x % 2 == 0)));
    // PDF417: rows of (columns + 4) * 17 + 1 modules, each row PDF417_ROW_HEIGHT modules high,
    // the start pattern 11111111010101000 at the left of every row.
    let m = enc("LC1:2760012345678:12345678:1767225600", Symbology::Pdf417);
    assert_eq!((m.width - 1) % 17, 0);
    assert_eq!(m.height % PDF417_ROW_HEIGHT, 0);
    assert!(m.height / PDF417_ROW_HEIGHT >= 3);
    let start: Vec<bool> = "11111111010101000".chars().map(|c| c == '1').collect();
    for y in 0..m.height {
        let row = &m.modules[(y * m.width) as usize..][..17];
        assert_eq!(row, &start[..], "row {y}");
    }
    for s in [Symbology::Aztec, Symbology::DataMatrix, Symbology::Pdf417] {
        let r = encode(&"é".repeat(1500), s, EcLevel::High)
            .unwrap_err()
            .reason;
        assert!(
            r.contains("does not fit") || r.contains("too long"),
            "{s}: {r}"
        );
        assert!(reason(&"1".repeat(4000), s).contains("too long"));
        // UTF-8 payloads encode (with ECI)
        enc("Carte fidélité — Zoë", s);
    }
}

#[test]
fn reasons_never_quote_the_payload() {
    let cases = [
        (Symbology::Ean13, "4006381333932"),
        (Symbology::Ean13, "40063813339X1"),
        (Symbology::UpcA, "0360002914599"),
        (Symbology::UpcE, "9425261"),
        (Symbology::Itf, "1234567"),
        (Symbology::Code39, "secret-card-1234"),
        (Symbology::Code93, "cärd 1234"),
        (Symbology::Code128, "cärd 1234"),
        (Symbology::Codabar, "A1234567"),
    ];
    for (s, p) in cases {
        reason(p, s);
    }
}

// ---------------------------------------------------------------------------------------------
// Rendering

fn opts(quiet_zone: Option<u32>, scale: u32, dark_mode: bool, bar_height: u32) -> RenderOptions {
    RenderOptions {
        quiet_zone,
        scale,
        dark_mode,
        bar_height,
    }
}

#[test]
fn png_size_follows_quiet_zone_and_scale_exactly() {
    let m = enc("LC1:2760012345678", Symbology::QrCode);
    let w = m.width;
    for (qz, scale) in [(None, 1), (None, 3), (Some(0), 2), (Some(7), 5)] {
        let png = to_png(&m, &opts(qz, scale, false, 10)).unwrap();
        let (pw, ph, px) = decode_png(&png);
        let q = qz.unwrap_or(4);
        assert_eq!((pw, ph), ((w + 2 * q) * scale, (w + 2 * q) * scale));
        // every pixel is its module's colour
        for y in 0..ph {
            for x in 0..pw {
                let (mx, my) = ((x / scale) as i64 - q as i64, (y / scale) as i64 - q as i64);
                let dark = mx >= 0 && my >= 0 && m.get(mx as u32, my as u32);
                assert_eq!(px[(y * pw + x) as usize], !dark, "pixel {x},{y}");
            }
        }
    }
    assert!(to_png(&m, &opts(None, 0, false, 10)).is_err());
    assert!(to_png(&m, &opts(Some(u32::MAX), 1, false, 10)).is_err());
    assert!(to_png(&m, &opts(None, 100_000, false, 10)).is_err());
}

#[test]
fn png_dark_mode_inverts_every_pixel() {
    for (s, p) in [
        (Symbology::QrCode, "dark mode"),
        (Symbology::Ean13, "400638133393"),
        (Symbology::Pdf417, "dark mode"),
    ] {
        let m = enc(p, s);
        let (w1, h1, light) = decode_png(&to_png(&m, &opts(None, 2, false, 20)).unwrap());
        let (w2, h2, dark) = decode_png(&to_png(&m, &opts(None, 2, true, 20)).unwrap());
        assert_eq!((w1, h1), (w2, h2));
        assert!(light.iter().zip(&dark).all(|(a, b)| a != b), "{s}");
        // the quiet zone is white normally, black in dark mode
        assert!(light[0] && !dark[0], "{s}");
    }
}

#[test]
fn png_1d_bar_height_and_standard_quiet_zones() {
    let m = enc("400638133393", Symbology::Ean13);
    let (w, h, px) = decode_png(&to_png(&m, &opts(None, 3, false, 50)).unwrap());
    // EAN-13: 11 modules left, 7 right, no margin above or below
    assert_eq!((w, h), ((11 + 95 + 7) * 3, 50 * 3));
    // every pixel row is the same
    let first = &px[..w as usize];
    assert!(px.chunks(w as usize).all(|row| row == first));
    assert!(first[..33].iter().all(|&white| white) && !first[33]);
    let (_, h2, _) = decode_png(&to_png(&m, &opts(None, 3, false, 1)).unwrap());
    assert_eq!(h2, 3);
    assert!(to_png(&m, &opts(None, 3, false, 0)).is_err());
    // Some(q) is used on both sides
    let (w3, _, _) = decode_png(&to_png(&m, &opts(Some(2), 1, false, 5)).unwrap());
    assert_eq!(w3, 2 + 95 + 2);
    for (s, p, left, right) in [
        (Symbology::Ean8, "1234567", 7, 7),
        (Symbology::UpcA, "03600029145", 9, 9),
        (Symbology::UpcE, "425261", 9, 7),
        (Symbology::Code128, "ABC", 10, 10),
    ] {
        let qz = quiet_zone_for(s, None);
        assert_eq!(
            (qz.left, qz.right, qz.top, qz.bottom),
            (left, right, 0, 0),
            "{s}"
        );
        let m = enc(p, s);
        let (w, _, _) = decode_png(&to_png(&m, &opts(None, 1, false, 5)).unwrap());
        assert_eq!(w, left + m.width + right, "{s}");
    }
    let qz = quiet_zone_for(Symbology::DataMatrix, None);
    assert_eq!((qz.left, qz.right, qz.top, qz.bottom), (1, 1, 1, 1));
}

#[test]
fn svg_path_covers_exactly_the_dark_modules() {
    let cases = [
        (Symbology::QrCode, "LC1:2760012345678:12345678:1767225600"),
        (Symbology::Pdf417, "LC1:2760012345678:12345678:1767225600"),
        (Symbology::DataMatrix, "2760012345678"),
        (Symbology::Aztec, "2760012345678"),
        (Symbology::Code128, "2760012345678"),
        (Symbology::Ean13, "276001234567"),
    ];
    for (s, p) in cases {
        let m = enc(p, s);
        for (qz, scale, bar) in [(None, 1, 40), (Some(3), 5, 7)] {
            let o = opts(qz, scale, false, bar);
            let svg = to_svg(&m, &o);
            let (w, h, grid) = svg_grid(&svg);
            let layout = layout::Layout::new(&m, &o);
            assert_eq!((w, h), (layout.width, layout.height), "{s}");
            assert!(svg.contains(&format!(
                r#"width="{}" height="{}""#,
                w * u64::from(scale),
                h * u64::from(scale)
            )));
            assert!(svg.contains(r#"shape-rendering="crispEdges""#));
            for y in 0..h {
                for x in 0..w {
                    assert_eq!(grid[(y * w + x) as usize], layout.dark(x, y), "{s} {x},{y}");
                }
            }
        }
        // compact: far fewer rectangles than dark modules
        let svg = to_svg(&m, &RenderOptions::default());
        let rects = svg.matches('z').count();
        let dark = m.modules.iter().filter(|&&d| d).count();
        assert!(
            rects * 2 < dark || !s.is_two_dimensional(),
            "{s}: {rects} rects"
        );
    }
    // 1D: one rectangle per bar
    let m = enc("276001234567", Symbology::Ean13);
    let bars = bits(&m).split('0').filter(|r| !r.is_empty()).count();
    assert_eq!(
        to_svg(&m, &RenderOptions::default()).matches('z').count(),
        bars
    );
}

#[test]
fn svg_dark_mode_swaps_colours_and_scale_zero_draws_as_one() {
    let m = enc("LC1", Symbology::QrCode);
    let light = to_svg(&m, &RenderOptions::default());
    let dark = to_svg(
        &m,
        &RenderOptions {
            dark_mode: true,
            ..RenderOptions::default()
        },
    );
    assert!(light.contains(r##"<rect width="100%" height="100%" fill="#fff"/><path fill="#000""##));
    assert!(dark.contains(r##"<rect width="100%" height="100%" fill="#000"/><path fill="#fff""##));
    let zero = to_svg(&m, &opts(None, 0, false, 10));
    assert!(zero.contains(r#"width="29" height="29" viewBox="0 0 29 29""#));
}

#[test]
fn the_largest_quiet_zone_and_scale_do_not_overflow() {
    let m = enc("LC1", Symbology::QrCode);
    let huge = opts(Some(u32::MAX), u32::MAX, false, u32::MAX);
    // Before: the side in pixels was multiplied in u64 and overflowed (a panic in debug).
    assert!(to_png(&m, &huge).is_err());
    let side = (2 * u128::from(u32::MAX) + 21) * u128::from(u32::MAX);
    let modules = 2 * u64::from(u32::MAX) + 21;
    assert!(to_svg(&m, &huge).contains(&format!(
        r#"width="{side}" height="{side}" viewBox="0 0 {modules} {modules}""#
    )));
}

#[test]
fn text_uses_half_blocks_two_rows_per_line() {
    let m = enc("LC1", Symbology::QrCode);
    let t = to_text(&m, &opts(None, 1, false, 10));
    let lines: Vec<&str> = t.lines().collect();
    // 29 pixel rows -> 15 lines of 29 characters
    assert_eq!(lines.len(), 15);
    assert!(lines.iter().all(|l| l.chars().count() == 29));
    // first two rows are quiet zone: light, drawn as full blocks
    assert_eq!(lines[0], "█".repeat(29));
    // line 2 = pixel rows 4 (finder's dark top edge) and 5 (dark left edge, then light ring)
    assert_eq!(lines[2].chars().nth(4), Some(' '));
    assert_eq!(lines[2].chars().nth(5), Some('▄'));
    // the last line holds pixel row 28 (quiet zone) over nothing
    assert_eq!(lines[14], "▀".repeat(29));
    // dark mode: exact inverse glyphs (except the half row below the image)
    let d = to_text(&m, &opts(None, 1, true, 10));
    let dl: Vec<&str> = d.lines().collect();
    assert_eq!(dl[0], " ".repeat(29));
    for (a, b) in lines[..14].iter().zip(&dl[..14]) {
        for (ca, cb) in a.chars().zip(b.chars()) {
            let inverse = match ca {
                '█' => ' ',
                ' ' => '█',
                '▀' => '▄',
                _ => '▀',
            };
            assert_eq!(cb, inverse);
        }
    }
    // scale 2 doubles both directions; 1D bars get bar_height rows
    let t2 = to_text(&m, &opts(None, 2, false, 10));
    assert_eq!(t2.lines().count(), 29);
    assert!(t2.lines().all(|l| l.chars().count() == 58));
    let e = enc("400638133393", Symbology::Ean13);
    let te = to_text(&e, &opts(None, 1, false, 6));
    assert_eq!(te.lines().count(), 3);
    assert!(te.lines().all(|l| l.chars().count() == 113));
    // huge options are clamped
    let big = to_text(&m, &opts(Some(u32::MAX), u32::MAX, false, u32::MAX));
    assert!(big.len() < 10_000_000);
}

// ---------------------------------------------------------------------------------------------
// Robustness

fn random_payload(rng: &mut rand::rngs::StdRng) -> String {
    const POOLS: [&str; 5] = [
        "0123456789",
        "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ-. $/+%",
        "0123456789-$:/.+ABCDabcdTN*E",
        "abcdefghijklmnopqrstuvwxyz!\"#&'()*,;<=>?@[\\]^_`{|}~\t\n\0\x7f",
        "éüß€漢字😀\u{f1}\u{f4}\u{200b}\u{feff}",
    ];
    let len = match rng.random_range(0..10) {
        0 => 0,
        1 => rng.random_range(80..200),
        _ => rng.random_range(1..20),
    };
    let mix = rng.random_range(0..3) == 0;
    let pool: Vec<char> = if mix {
        POOLS.concat().chars().collect()
    } else {
        POOLS[rng.random_range(0..POOLS.len())].chars().collect()
    };
    (0..len)
        .map(|_| pool[rng.random_range(0..pool.len())])
        .collect()
}

#[test]
fn random_payloads_never_panic() {
    let mut rng = rand::rngs::StdRng::seed_from_u64(0x10CA1);
    let levels = [
        EcLevel::Low,
        EcLevel::Medium,
        EcLevel::Quartile,
        EcLevel::High,
    ];
    let mut ok = 0;
    for i in 0..400 {
        let payload = random_payload(&mut rng);
        for s in Symbology::ALL {
            match encode(&payload, s, levels[i % 4]) {
                Ok(m) => {
                    ok += 1;
                    assert_eq!(m.symbology, s);
                    assert_eq!(m.modules.len(), (m.width * m.height) as usize);
                    assert!(m.modules.iter().any(|&d| d));
                    if i % 16 == 0 {
                        let o = opts(Some(i as u32 % 5), 1, i % 32 == 0, 3);
                        to_png(&m, &o).unwrap();
                        assert!(to_svg(&m, &o).ends_with("</svg>\n"));
                        assert!(!to_text(&m, &o).is_empty());
                    }
                }
                Err(e) => assert!(e.reason.starts_with(s.catima_name()), "{}", e.reason),
            }
        }
    }
    // the generator must reach both outcomes
    assert!(ok > 400, "only {ok} payloads encoded");
}

#[test]
fn hand_built_matrices_render_without_panicking() {
    let broken = BarcodeMatrix {
        symbology: Symbology::QrCode,
        width: 5,
        height: 5,
        modules: vec![true; 3],
    };
    let o = RenderOptions::default();
    assert!(to_png(&broken, &o)
        .unwrap_err()
        .reason
        .contains("inconsistent"));
    // drawn as an empty matrix: quiet zone only
    assert!(to_svg(&broken, &o).contains(r#"viewBox="0 0 8 8""#));
    // 8 modules x scale 4 = 32 pixel rows = 16 lines
    assert_eq!(to_text(&broken, &o).lines().count(), 16);
    let huge = BarcodeMatrix {
        symbology: Symbology::Code128,
        width: u32::MAX,
        height: 1,
        modules: vec![true; 10],
    };
    assert!(to_png(&huge, &o).is_err());
    assert!(to_svg(&huge, &o).len() < 1000);
    assert!(to_text(&huge, &o).len() < 1000);
    let empty = BarcodeMatrix {
        symbology: Symbology::Code128,
        width: 0,
        height: 0,
        modules: vec![],
    };
    assert!(to_png(&empty, &o).is_err());
    assert!(to_svg(&empty, &o).contains("viewBox"));
    to_text(&empty, &o);
}

#[test]
fn data_matrix_capacity_edges_do_not_panic() {
    // Around the largest symbol (144 x 144, 1558 data codewords) in every encodation.
    let mut cases = Vec::new();
    for n in [1550, 1555, 1556, 1557, 1558, 1559, 1560, 1600] {
        cases.push("a".repeat(n));
        cases.push("\u{7f}".repeat(n));
        cases.push("é".repeat(n / 2));
    }
    for n in [2300, 2335, 2336, 2400] {
        cases.push("ABC".repeat(n / 3));
    }
    for n in [3110, 3116, 3117, 3118] {
        cases.push("1".repeat(n));
    }
    // around the capacity, in every kind of character
    for unit in ["é", "a", "A", "aé1", "Zz9.", "€", "12345é"] {
        for target in [1500, 1520, 1557, 1558, 1559] {
            let mut t = String::new();
            while encoders::data_matrix_codewords(&t).len() < target {
                t.push_str(unit);
            }
            cases.push(t);
        }
    }
    for text in &cases {
        match encode(text, Symbology::DataMatrix, EcLevel::Medium) {
            Ok(m) => {
                assert_eq!(m.width, m.height);
                assert!(m.width <= 144);
            }
            Err(e) => assert!(e.reason.contains("too long"), "{}", e.reason),
        }
    }
    // the documented limit: 1558 ASCII codewords, the 144 x 144 symbol's capacity
    assert_eq!(enc(&"a".repeat(1558), Symbology::DataMatrix).width, 144);
    assert_eq!(enc(&"1".repeat(3116), Symbology::DataMatrix).width, 144);
    // 2 (ECI) + 389 x 2 x 2 (upper shift per UTF-8 byte) = 1558
    assert_eq!(enc(&"é".repeat(389), Symbology::DataMatrix).width, 144);
    let r = encode(&"a".repeat(1559), Symbology::DataMatrix, EcLevel::Medium).unwrap_err();
    assert!(r.reason.contains("at most 1558 codewords"), "{}", r.reason);
    assert!(encode(&"é".repeat(390), Symbology::DataMatrix, EcLevel::Medium).is_err());
}

#[test]
fn capacity_edges_of_qr_aztec_and_pdf417_do_not_panic() {
    // (symbology, unit, units around the largest symbol's capacity at EcLevel::Low)
    let cases = [
        (Symbology::QrCode, "1", 7089),
        (Symbology::QrCode, "A", 4296),
        (Symbology::QrCode, "a", 2953),
        (Symbology::QrCode, "é", 1476),
        (Symbology::Aztec, "1", 3832),
        (Symbology::Aztec, "A", 3067),
        (Symbology::Aztec, "a", 3067),
        (Symbology::Aztec, "é", 957),
        (Symbology::Pdf417, "1", 2710),
        (Symbology::Pdf417, "A", 1850),
        (Symbology::Pdf417, "\u{7f}", 1108),
        (Symbology::Pdf417, "é", 554),
    ];
    for (s, unit, cap) in cases {
        let (mut ok, mut refused) = (0, 0);
        for n in (cap - cap / 4..cap + 30).step_by(cap / 40 + 1) {
            for ec in [EcLevel::Low, EcLevel::High] {
                match encode(&unit.repeat(n), s, ec) {
                    Ok(m) => {
                        assert_eq!(m.modules.len(), (m.width * m.height) as usize);
                        ok += 1;
                    }
                    Err(e) => {
                        assert!(
                            e.reason.contains("does not fit") || e.reason.contains("too long"),
                            "{}",
                            e.reason
                        );
                        refused += 1;
                    }
                }
            }
        }
        assert!(
            ok > 0 && refused > 0,
            "{s} {unit:?}: {ok} ok, {refused} refused"
        );
    }
}

#[test]
fn qr_mask_selection_matches_the_qrcode_crate() {
    // Our faster mask selection must choose the crate's mask: every module must equal the crate's.
    let mut rng = rand::rngs::StdRng::seed_from_u64(18004);
    let levels = [
        EcLevel::Low,
        EcLevel::Medium,
        EcLevel::Quartile,
        EcLevel::High,
    ];
    let alphabet: Vec<char> = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:abcxyz#&é€漢"
        .chars()
        .collect();
    let mut versions = std::collections::BTreeSet::new();
    for i in 0..120 {
        let len = match i % 4 {
            0 => rng.random_range(1..40),
            1 => rng.random_range(40..300),
            2 => rng.random_range(300..1200),
            _ => rng.random_range(1..12),
        };
        let text: String = (0..len)
            .map(|_| alphabet[rng.random_range(0..alphabet.len())])
            .collect();
        let ec = levels[i % 4];
        let Ok(ours) = encode(&text, Symbology::QrCode, ec) else {
            continue;
        };
        let bits = qr::bits(&text, ec).expect("encodable");
        let crate_code = qrcode::QrCode::with_bits(bits, qr::level(ec)).expect("same bits");
        let theirs: Vec<bool> = crate_code
            .to_colors()
            .into_iter()
            .map(|c| c == qrcode::Color::Dark)
            .collect();
        assert_eq!(ours.width as usize, crate_code.width());
        assert!(
            ours.modules == theirs,
            "payload {i}: a different mask was chosen"
        );
        if text.is_ascii() {
            // the ASCII path is exactly the crate's own constructor
            let direct = qrcode::QrCode::with_error_correction_level(&text, qr::level(ec)).unwrap();
            assert_eq!(direct.to_colors(), crate_code.to_colors());
        }
        versions.insert(ours.width);
    }
    assert!(
        versions.len() > 15,
        "too few versions covered: {versions:?}"
    );
    assert!(
        versions.iter().any(|&w| w >= 45),
        "no version 7+ (version info) covered"
    );
}

#[test]
fn qr_penalty_rules() {
    // N1: a run of 7 light modules costs 3 + 2; N3: finder-like pattern next to the edge.
    let w = 7;
    let mut m = vec![0u8; w * w];
    // row 0: #.###.# (finder-like, edge on the left and right -> 40, once horizontally)
    m[..7].copy_from_slice(&[1, 0, 1, 1, 1, 0, 1]);
    let p = qr::penalty(&m, w, &mut Vec::new());
    // N1: rows 1-6 are 7 light (6 x 5 = 30); columns 0, 2, 3, 4, 6 end in 6 light (5 x 4 = 20);
    // columns 1 and 5 are 7 light (2 x 5 = 10). N2: the 6 all-light rows hold 5 x 6 light 2x2
    // blocks (30 x 3 = 90); none straddles rows 0-1. N3: one match (40), less 720 for the absent
    // finder patterns, floored at 0. N4: 5 dark of 49 -> 5 * 200 / 49 = 20 -> |20 - 100| = 80.
    assert_eq!(p, 30 + 20 + 10 + 90 + 80);
}

#[test]
fn qr_masks_and_format_information_match_the_crate() {
    // Every mask of every level, on symbols with and without version information.
    for (text, ec) in [
        ("LC1", EcLevel::Low),
        ("LC1:2760012345671:48213907:1767225600", EcLevel::Medium),
        (&"x".repeat(200)[..], EcLevel::Quartile),
        (&"9".repeat(900)[..], EcLevel::High),
    ] {
        let level = qr::level(ec);
        let bits = qr::bits(text, ec).unwrap();
        let version = bits.version();
        let data = bits.into_bytes();
        let (cw, ecw) = qrcode::ec::construct_codewords(&data, version, level).unwrap();
        let mut canvas = qrcode::canvas::Canvas::new(version, level);
        canvas.draw_all_functional_patterns();
        canvas.draw_data(&cw, &ecw);
        let unmasked = qr::Unmasked::from_canvas(&canvas, version.width());
        let mut ours = Vec::new();
        for (number, &pattern) in qr::MASKS.iter().enumerate() {
            unmasked.apply(number, level, &mut ours);
            let mut theirs = canvas.clone();
            theirs.apply_mask(pattern);
            let theirs: Vec<u8> = theirs
                .into_colors()
                .into_iter()
                .map(|c| u8::from(c == qrcode::Color::Dark))
                .collect();
            assert!(ours == theirs, "{text:.10}: mask {number} differs");
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Data Matrix read back (issue #20 item 1) and PDF417 limits (item 9)

/// Data regions per side of a square Data Matrix symbol of `size` modules (ISO/IEC 16022 table 7).
fn dm_regions(size: u32) -> u32 {
    match size {
        0..=26 => 1,
        27..=52 => 2,
        53..=104 => 4,
        _ => 6,
    }
}

/// Reads the codewords back from a Data Matrix symbol: strips the finder and clock patterns and
/// inverts rxing's module placement (found by placing one bit at a time).
fn dm_codewords(m: &BarcodeMatrix, total: usize) -> Vec<u8> {
    use rxing::datamatrix::encoder::DefaultPlacement;
    let regions = dm_regions(m.width);
    let region = (m.width - 2 * regions) / regions;
    let data = region * regions;
    let module = |col: u32, row: u32| {
        m.get(
            col / region * (region + 2) + col % region + 1,
            row / region * (region + 2) + row % region + 1,
        )
    };
    let place = |codewords: Vec<u8>| {
        let mut p = DefaultPlacement::new(
            codewords.into_iter().map(char::from).collect(),
            data as usize,
            data as usize,
        );
        p.place().unwrap();
        p
    };
    // the fixed corner modules of sizes whose data area is not filled exactly
    let base = place(vec![0; total]);
    let mut out = vec![0u8; total];
    for (i, cw) in out.iter_mut().enumerate() {
        for bit in 0..8 {
            let mut one = vec![0u8; total];
            one[i] = 1 << bit;
            let p = place(one);
            let pos = (0..data)
                .flat_map(|r| (0..data).map(move |c| (c, r)))
                .find(|&(c, r)| {
                    p.getBit(c as usize, r as usize) && !base.getBit(c as usize, r as usize)
                });
            if let Some((c, r)) = pos {
                if module(c, r) {
                    *cw |= 1 << bit;
                }
            }
        }
    }
    out
}

/// Decodes ASCII-encodation data codewords (the only encodation the encoder may emit): the bytes
/// up to the first pad codeword. Any other codeword (a latch to C40, Text, X12, EDIFACT or
/// Base 256) is an error.
fn dm_ascii_decode(codewords: &[u8]) -> Result<Vec<u8>, String> {
    let mut out = Vec::new();
    let mut it = codewords.iter().copied();
    while let Some(c) = it.next() {
        match c {
            1..=128 => out.push(c - 1),
            129 => break,
            130..=229 => out.extend_from_slice(format!("{:02}", c - 130).as_bytes()),
            235 => out.push(it.next().ok_or("upper shift at the end")? + 127),
            241 if out.is_empty() => {
                if it.next() != Some(27) {
                    return Err("ECI other than 26 (UTF-8)".into());
                }
            }
            other => return Err(format!("codeword {other} is not ASCII encodation")),
        }
    }
    Ok(out)
}

#[test]
fn data_matrix_symbols_read_back_as_their_payload() {
    // Issue #20: these read back with stray characters when rxing chose C40 / Text.
    let payloads = [
        "DM-BARCODE-VALUE",
        "MTAZYMYC/R",
        "XQ/RD/7RH5VOZKIT",
        "J-PUDK.1M9LKK1W0U-DRHZR-3 TTQ",
        "2760012345671",
        "LC1:2760012345671:48213907:1767225600",
        "Carte fidélité – Zoë 😀 €12,50",
        "a1b22c333d4444\u{0}\u{7f}ÿ",
        // 2 x 2 data regions (32 x 32 and up)
        "ABCDEFGHIJKLMNOPQRSTUVWXYZ-./ 0123456789abcdefghijklmnopqrstuvwxyz",
    ];
    // (symbol size, data codewords, error codewords) of the square symbols up to 52 x 52
    let sizes = [
        (10, 3, 5),
        (12, 5, 7),
        (14, 8, 10),
        (16, 12, 12),
        (18, 18, 14),
        (20, 22, 18),
        (22, 30, 20),
        (24, 36, 24),
        (26, 44, 28),
        (32, 62, 36),
        (36, 86, 42),
        (40, 114, 48),
        (44, 144, 56),
        (48, 174, 68),
        (52, 204, 84),
    ];
    for payload in payloads {
        let m = enc(payload, Symbology::DataMatrix);
        let cw = encoders::data_matrix_codewords(payload);
        let &(size, data, ec) = sizes
            .iter()
            .find(|&&(_, data, _)| data >= cw.len())
            .expect("a symbol up to 52 x 52");
        assert_eq!(
            (m.width, m.height),
            (size, size),
            "{payload:?}: smallest symbol"
        );
        let read = dm_codewords(&m, data + ec);
        assert_eq!(read[..cw.len()], cw[..], "{payload:?}");
        let decoded = dm_ascii_decode(&read[..data]).unwrap_or_else(|e| panic!("{payload:?}: {e}"));
        assert_eq!(decoded, payload.as_bytes(), "{payload:?}");
    }
}

#[test]
fn data_matrix_finder_and_clock_patterns_in_every_square_size() {
    let mut sizes = std::collections::BTreeSet::new();
    for n in (1..60).chain((60..=1558).step_by(7)).chain([1558]) {
        let m = enc(&"a".repeat(n), Symbology::DataMatrix);
        if !sizes.insert(m.width) {
            continue;
        }
        let regions = dm_regions(m.width);
        let step = m.width / regions;
        for i in 0..m.width {
            for r in 0..regions {
                let (lo, hi) = (r * step, r * step + step - 1);
                assert!(m.get(lo, i), "{}: left finder", m.width);
                assert!(m.get(i, hi), "{}: bottom finder", m.width);
                assert_eq!(m.get(i, lo), i % 2 == 0, "{}: top clock", m.width);
                assert_eq!(m.get(hi, i), i % 2 == 1, "{}: right clock", m.width);
            }
        }
    }
    assert_eq!(
        sizes.len(),
        24,
        "every square size from 10 to 144: {sizes:?}"
    );
}

/// (columns, rows) of a PDF417 matrix: 17 modules per codeword, 69 for the start, stop and row
/// indicator patterns.
fn pdf417_shape(m: &BarcodeMatrix) -> (u32, u32) {
    ((m.width - 69) / 17, m.height / PDF417_ROW_HEIGHT)
}

#[test]
fn pdf417_long_payloads_stay_within_iso_limits() {
    // Issue #20 item 9: panicked in rxing (index 941 of 929) with more than 30 rows.
    let r = encode(&"1".repeat(2670), Symbology::Pdf417, EcLevel::Medium);
    match r {
        Ok(m) => {
            let (cols, rows) = pdf417_shape(&m);
            assert!(cols * rows <= 928 && (3..=90).contains(&rows) && cols <= 30);
        }
        Err(e) => assert!(e.reason.contains("does not fit"), "{}", e.reason),
    }
    for level in [
        EcLevel::Low,
        EcLevel::Medium,
        EcLevel::Quartile,
        EcLevel::High,
    ] {
        for unit in ["1", "A", "a", "é", "a1-./"] {
            let mut ok = 0;
            for n in (1..3000usize).step_by(37) {
                let text = unit.repeat(n.div_ceil(unit.len()));
                match encode(&text, Symbology::Pdf417, level) {
                    Ok(m) => {
                        let (cols, rows) = pdf417_shape(&m);
                        assert_eq!(69 + 17 * cols, m.width);
                        assert!(
                            cols * rows <= 928
                                && (3..=90).contains(&rows)
                                && (1..=30).contains(&cols),
                            "{unit:?} x {n}: {cols} x {rows}"
                        );
                        ok += 1;
                    }
                    Err(e) => assert!(
                        e.reason.contains("does not fit") || e.reason.contains("too long"),
                        "{}",
                        e.reason
                    ),
                }
            }
            assert!(ok > 0, "{unit:?} {level:?}");
        }
    }
    // the dimension choice itself
    assert_eq!(pdf417::dimensions(928 - 16, 16), None);
    let (c, r) = pdf417::dimensions(911, 16).unwrap();
    assert!(c * r == 928, "{c} x {r}");
    for data in 1..=920 {
        for ec in [4, 8, 16, 32, 64] {
            if let Some((c, r)) = pdf417::dimensions(data, ec) {
                assert!(c * r >= data + 1 + ec && c * r <= 928 && (3..=90).contains(&r));
            }
        }
    }
}

/// A payload of `len` characters from one character class.
fn class_payload(rng: &mut rand::rngs::StdRng, class: &str, len: usize) -> String {
    let pool: Vec<char> = match class {
        "digits" => "0123456789".chars().collect(),
        "upper" => "ABCDEFGHIJKLMNOPQRSTUVWXYZ".chars().collect(),
        "upper-punct" => "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-./ $+%"
            .chars()
            .collect(),
        "mixed" => "ABCxyz0123456789abcdefghijklmnopqrstuvwxyz"
            .chars()
            .collect(),
        "punct" => "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~ ".chars().collect(),
        "latin1" => "àéèçëïôùÿßÀÉ€ 12ab".chars().collect(),
        "bytes" => (0u32..=255).filter_map(char::from_u32).collect(),
        _ => "漢字😀🛒Ωж\u{200b}\u{feff}a1".chars().collect(),
    };
    (0..len)
        .map(|_| pool[rng.random_range(0..pool.len())])
        .collect()
}

#[test]
fn every_length_and_class_up_to_and_past_capacity_is_ok_or_a_typed_error() {
    let mut rng = rand::rngs::StdRng::seed_from_u64(0x20_0009);
    let classes = [
        "digits",
        "upper",
        "upper-punct",
        "mixed",
        "punct",
        "latin1",
        "bytes",
        "unicode",
    ];
    // (symbology, longest length tried): past the byte limit of validate::max_bytes for 2D codes,
    // past the 1D length limits
    let plan = [
        (Symbology::QrCode, 7200),
        (Symbology::Aztec, 3900),
        (Symbology::DataMatrix, 3200),
        (Symbology::Pdf417, 2800),
        (Symbology::Code39, 90),
        (Symbology::Code93, 90),
        (Symbology::Code128, 90),
        (Symbology::Codabar, 70),
        (Symbology::Itf, 90),
        (Symbology::Ean8, 10),
        (Symbology::Ean13, 15),
        (Symbology::UpcA, 14),
        (Symbology::UpcE, 10),
    ];
    let levels = [
        EcLevel::Low,
        EcLevel::Medium,
        EcLevel::Quartile,
        EcLevel::High,
    ];
    for (s, max) in plan {
        let (mut ok, mut refused) = (0, 0);
        // every length for short payloads, then steps that still hit every region of the range
        let mut lengths: Vec<usize> = (1..=max.min(120))
            .chain((121..=max).step_by(max / 60 + 1))
            .chain([max])
            .collect();
        if s.is_two_dimensional() {
            // the last 10 % below the byte limit, densely: the largest symbols
            let cap = validate::max_bytes(s);
            // (every 3rd length for PDF417, where rxing panicked on a band of lengths)
            let step = if s == Symbology::Pdf417 {
                3
            } else {
                cap / 300 + 1
            };
            lengths.extend((cap - cap / 10..=cap + 2).step_by(step));
        }
        for (i, &len) in lengths.iter().enumerate() {
            let digits_only = !s.is_two_dimensional()
                && !matches!(
                    s,
                    Symbology::Code39 | Symbology::Code93 | Symbology::Code128
                );
            let class = if digits_only && i % 8 != 7 {
                "digits"
            } else {
                classes[i % classes.len()]
            };
            // and digits at every length: the densest class reaches the largest symbols
            for class in [class, "digits"] {
                let payload = class_payload(&mut rng, class, len);
                let result = std::panic::catch_unwind(|| encode(&payload, s, levels[i % 4]));
                match result.unwrap_or_else(|_| panic!("{s} panicked on {class} x {len}")) {
                    Ok(m) => {
                        assert_eq!(m.modules.len(), (m.width * m.height) as usize);
                        ok += 1;
                    }
                    Err(e) => {
                        assert!(e.reason.starts_with(s.catima_name()), "{}", e.reason);
                        assert!(!e.reason.contains("encoder failed"), "{s}: {}", e.reason);
                        refused += 1;
                    }
                }
            }
        }
        assert!(ok > 0 && refused > 0, "{s}: {ok} ok, {refused} refused");
    }
}

#[test]
fn aztec_avoids_the_layer_counts_decoders_cannot_read() {
    // 67 x 67 (12 layers) and 131 x 131 (27 layers): zxing-cpp read none of rxing's symbols.
    let mut sizes = std::collections::BTreeSet::new();
    for unit in ["KJGBFFZNQBJQKZFLXIID", "1234567890", "Ab1-./xyZ"] {
        for n in (250..1400).step_by(9) {
            let text: String = unit.chars().cycle().take(n).collect();
            for ec in [EcLevel::Low, EcLevel::Medium] {
                if let Ok(m) = encode(&text, Symbology::Aztec, ec) {
                    sizes.insert(m.width);
                }
            }
        }
    }
    assert!(!sizes.contains(&67) && !sizes.contains(&131), "{sizes:?}");
    assert!(sizes.contains(&61) && sizes.contains(&71) && sizes.contains(&135));
}
