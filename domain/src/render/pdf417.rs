//! PDF417 (ISO/IEC 15438): our high-level encoding (text, numeric and byte compaction, the UTF-8
//! ECI for non-ASCII text) and module layout; rxing only computes the Reed-Solomon codewords.
//!
//! Why not rxing's `PDF417` writer: its high-level encoder converts text to bytes through
//! rxing's `CharacterSet`, which links every character set of `encoding_rs` (Shift-JIS, GB18030,
//! Big5 and EUC-KR tables, ~140 KB) and a big-integer crate for numeric compaction into the
//! mobile library, for payloads that are ASCII or UTF-8 (issue #14). The encoding below follows
//! the same algorithm (ISO/IEC 15438 annex P as ZXing implements it, quirks included), so a
//! payload gives the same codewords and the same symbol as rxing's writer — the tests compare
//! both on every kind of input — and every symbol is read back by zxing-cpp and zbar in
//! tests/decode.

use super::validate::too_long;
use super::{BarcodeMatrix, EcLevel, Symbology, PDF417_ROW_HEIGHT as ROW_HEIGHT};
use crate::check::InputError;
use rxing::pdf417::encoder::pdf_417_error_correction;
use rxing::pdf417::pdf_417_common::{CODEWORD_TABLE, NUMBER_OF_CODEWORDS, SYMBOL_TABLE};

/// ISO/IEC 15438 limits of a PDF417 symbol: 3 to 90 rows, 1 to 30 data columns, and at most 928
/// codewords in all (data, length descriptor, padding and error correction).
const MAX_CODEWORDS: u32 = 928;
const ROWS: std::ops::RangeInclusive<u32> = 3..=90;
const MAX_COLS: u32 = 30;

const LATCH_TO_TEXT: u32 = 900;
const LATCH_TO_BYTE_PADDED: u32 = 901;
const LATCH_TO_NUMERIC: u32 = 902;
const SHIFT_TO_BYTE: u32 = 913;
const LATCH_TO_BYTE: u32 = 924;
const ECI_CHARSET: u32 = 927;
/// ECI 26: UTF-8.
const ECI_UTF8: u32 = 26;
const PAD: u32 = 900;

/// Text compaction's Mixed sub-mode, by value (0 = none).
const TEXT_MIXED_RAW: [u8; 30] = [
    b'0', b'1', b'2', b'3', b'4', b'5', b'6', b'7', b'8', b'9', b'&', b'\r', b'\t', b',', b':',
    b'#', b'-', b'.', b'$', b'/', b'+', b'%', b'*', b'=', b'^', 0, b' ', 0, 0, 0,
];
/// Text compaction's Punctuation sub-mode, by value (0 = none).
const TEXT_PUNCTUATION_RAW: [u8; 30] = [
    b';', b'<', b'>', b'@', b'[', b'\\', b']', b'_', b'`', b'~', b'!', b'\r', b'\t', b',', b':',
    b'\n', b'-', b'.', b'$', b'/', b'"', b'|', b'*', b'(', b')', b'?', b'{', b'}', b'\'', 0,
];

const fn by_char(raw: &[u8; 30]) -> [i8; 128] {
    let mut table = [-1i8; 128];
    let mut i = 0;
    while i < raw.len() {
        if raw[i] > 0 {
            table[raw[i] as usize] = i as i8;
        }
        i += 1;
    }
    table
}
const MIXED: [i8; 128] = by_char(&TEXT_MIXED_RAW);
const PUNCTUATION: [i8; 128] = by_char(&TEXT_PUNCTUATION_RAW);

/// The 17-module bar/space pattern of each codeword in each of the three clusters (rows cycle
/// through clusters 0, 3 and 6), made at compile time from the specification's symbol table
/// that rxing's decoder carries (each symbol's entry names its cluster and codeword).
const PATTERNS: [[u32; 929]; 3] = {
    let mut table = [[0u32; 929]; 3];
    let mut i = 0;
    while i < SYMBOL_TABLE.len() {
        let value = CODEWORD_TABLE[i] - 1;
        let cluster = (value / NUMBER_OF_CODEWORDS) as usize;
        let codeword = (value % NUMBER_OF_CODEWORDS) as usize;
        table[cluster][codeword] = SYMBOL_TABLE[i];
        i += 1;
    }
    table
};
const START_PATTERN: u32 = 0x1fea8;
const STOP_PATTERN: u32 = 0x3fa29;

/// Encodes `text` as a PDF417 symbol at error-correction level 2 to 5 (from `ec`).
pub(super) fn encode(text: &str, ec: EcLevel) -> Result<BarcodeMatrix, InputError> {
    let too_long = || too_long(Symbology::Pdf417);
    if text.is_empty() {
        return Err(InputError::new("PDF417 payload is empty"));
    }
    let level = match ec {
        EcLevel::Low => 2,
        EcLevel::Medium => 3,
        EcLevel::Quartile => 4,
        EcLevel::High => 5,
    };
    let source = high_level(text);
    let ec_count = 2u32 << level;
    let (cols, rows) = dimensions(source.len() as u32, ec_count).ok_or_else(too_long)?;
    // ISO/IEC 15438 4.9.2: symbol length descriptor, data, pad codewords
    let pad = (cols * rows - ec_count).saturating_sub(source.len() as u32 + 1);
    let length = source.len() as u32 + pad + 1;
    let mut data: String = std::iter::once(length)
        .chain(source.iter().copied())
        .chain(std::iter::repeat_n(PAD, pad as usize))
        .map(|cw| char::from_u32(cw).unwrap_or('\0'))
        .collect();
    let correction =
        pdf_417_error_correction::generateErrorCorrection(&data, level).map_err(|_| too_long())?;
    data.push_str(&correction);
    let codewords: Vec<usize> = data.chars().map(|c| c as usize).collect();
    if codewords.len() != (cols * rows) as usize || codewords.iter().any(|&c| c >= 929) {
        return Err(too_long());
    }
    Ok(layout(&codewords, cols, rows, level))
}

/// The modules of the symbol: per row the start pattern, the left row indicator, the data
/// columns, the right row indicator and the stop pattern (ISO/IEC 15438 5.3), each row repeated
/// [`ROW_HEIGHT`] times.
fn layout(codewords: &[usize], cols: u32, rows: u32, level: u32) -> BarcodeMatrix {
    let width = 17 * (cols + 4) + 1;
    let mut modules = Vec::with_capacity((width * rows * ROW_HEIGHT) as usize);
    let mut row = Vec::with_capacity(width as usize);
    let push = |row: &mut Vec<bool>, pattern: u32, len: u32| {
        row.extend((0..len).rev().map(|bit| (pattern >> bit) & 1 == 1));
    };
    for (y, data) in codewords.chunks(cols as usize).enumerate() {
        let y = y as u32;
        let cluster = (y % 3) as usize;
        let base = 30 * (y / 3);
        let (left, right) = match cluster {
            0 => (base + (rows - 1) / 3, base + cols - 1),
            1 => (base + level * 3 + (rows - 1) % 3, base + (rows - 1) / 3),
            _ => (base + cols - 1, base + level * 3 + (rows - 1) % 3),
        };
        row.clear();
        push(&mut row, START_PATTERN, 17);
        push(&mut row, PATTERNS[cluster][left as usize], 17);
        for &cw in data {
            push(&mut row, PATTERNS[cluster][cw], 17);
        }
        push(&mut row, PATTERNS[cluster][right as usize], 17);
        push(&mut row, STOP_PATTERN, 18);
        for _ in 0..ROW_HEIGHT {
            modules.extend_from_slice(&row);
        }
    }
    BarcodeMatrix {
        symbology: Symbology::Pdf417,
        width,
        height: rows * ROW_HEIGHT,
        modules,
    }
}

/// The (columns, rows) of the PDF417 symbol for `data` source codewords and `ec` error-correction
/// codewords: the shape closest to ZXing's preferred aspect ratio (ISO/IEC 15438 annex Q row
/// count), restricted to symbols of at most [`MAX_CODEWORDS`].
pub(super) fn dimensions(data: u32, ec: u32) -> Option<(u32, u32)> {
    if data + 1 + ec > MAX_CODEWORDS {
        return None;
    }
    let ratio = |cols: u32, rows: u32| {
        // ZXing's module width 0.357 mm, row height 2 mm, preferred ratio 3
        ((f64::from(17 * cols + 69) * 0.357) / (f64::from(rows) * 2.0) - 3.0).abs()
    };
    let mut best: Option<(u32, u32)> = None;
    for cols in 1..=MAX_COLS {
        // ISO/IEC 15438 annex Q
        let mut rows = (data + 1 + ec) / cols + 1;
        if cols * rows >= data + 1 + ec + cols {
            rows -= 1;
        }
        if rows < *ROWS.start() {
            break;
        }
        if rows > *ROWS.end() || cols * rows > MAX_CODEWORDS {
            continue;
        }
        // like ZXing: a later shape wins ties
        if best.is_none_or(|(c, r)| ratio(cols, rows) <= ratio(c, r)) {
            best = Some((cols, rows));
        }
    }
    best
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    Text,
    Byte,
    Numeric,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum SubMode {
    Alpha,
    Lower,
    Mixed,
    Punctuation,
}

/// The source codewords of `text` (ISO/IEC 15438 annex P, "auto" compaction): runs of 13 or
/// more digits in numeric compaction, runs of 5 or more text characters in text compaction, the
/// rest in byte compaction (a single byte by a shift from text), after the UTF-8 ECI when the
/// text is not ASCII.
pub(super) fn high_level(text: &str) -> Vec<u32> {
    let chars: Vec<char> = text.chars().collect();
    let len = chars.len();
    let mut out = Vec::with_capacity(len);
    if !text.is_ascii() {
        out.extend([ECI_CHARSET, ECI_UTF8]);
    }
    let mut mode = Mode::Text; // the default mode at the start of a symbol
    let mut sub = SubMode::Alpha;
    let mut p = 0;
    while p < len {
        let n = digit_run(&chars, p);
        if n >= 13 {
            out.push(LATCH_TO_NUMERIC);
            mode = Mode::Numeric;
            sub = SubMode::Alpha;
            numeric(&chars[p..p + n], &mut out);
            p += n;
            continue;
        }
        let t = text_run(&chars, p);
        if t >= 5 || n == len {
            if mode != Mode::Text {
                out.push(LATCH_TO_TEXT);
                mode = Mode::Text;
                sub = SubMode::Alpha;
            }
            sub = text_compaction(&chars, p, t, sub, &mut out);
            p += t;
            continue;
        }
        let b = binary_run(&chars, p).max(1);
        let segment: String = chars[p..p + b].iter().collect();
        let bytes = segment.as_bytes();
        if bytes.len() == 1 && mode == Mode::Text {
            // a shift for one byte, instead of a latch
            bytes_compaction(bytes, Mode::Text, &mut out);
        } else {
            bytes_compaction(bytes, mode, &mut out);
            mode = Mode::Byte;
            sub = SubMode::Alpha;
        }
        p += b;
    }
    out
}

fn is_text(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | ' '..='~')
}

fn in_table(table: &[i8; 128], c: char) -> Option<u32> {
    table.get(c as usize).and_then(|&v| u32::try_from(v).ok())
}

fn digit_run(chars: &[char], from: usize) -> usize {
    chars[from..]
        .iter()
        .take_while(|c| c.is_ascii_digit())
        .count()
}

/// Characters from `from` that text compaction takes: text characters, up to a run of 13
/// digits (which numeric compaction takes).
fn text_run(chars: &[char], from: usize) -> usize {
    let mut i = from;
    while i < chars.len() {
        let digits = chars[i..]
            .iter()
            .take(13)
            .take_while(|c| c.is_ascii_digit())
            .count();
        if digits >= 13 {
            return i - from;
        }
        if digits > 0 {
            i += digits;
            continue;
        }
        if !is_text(chars[i]) {
            break;
        }
        i += 1;
    }
    i - from
}

/// Characters from `from` that byte compaction takes: up to a run of 13 digits.
fn binary_run(chars: &[char], from: usize) -> usize {
    (from..chars.len())
        .find(|&i| digit_run(&chars[..chars.len().min(i + 13)], i) >= 13)
        .unwrap_or(chars.len())
        - from
}

/// Text compaction of `count` characters from `start` (ISO/IEC 15438 5.4.2), from sub-mode
/// `sub`; returns the sub-mode it ends in.
fn text_compaction(
    chars: &[char],
    start: usize,
    count: usize,
    mut sub: SubMode,
    out: &mut Vec<u32>,
) -> SubMode {
    let upper = |c: char| c == ' ' || c.is_ascii_uppercase();
    let lower = |c: char| c == ' ' || c.is_ascii_lowercase();
    let mixed = |c: char| in_table(&MIXED, c);
    let punct = |c: char| in_table(&PUNCTUATION, c);
    let mut values: Vec<u32> = Vec::with_capacity(count * 2);
    let mut idx = 0;
    while idx < count {
        let c = chars[start + idx];
        match sub {
            SubMode::Alpha => {
                if upper(c) {
                    values.push(if c == ' ' { 26 } else { c as u32 - 'A' as u32 });
                } else if lower(c) {
                    sub = SubMode::Lower;
                    values.push(27); // latch to lower
                    continue;
                } else if mixed(c).is_some() {
                    sub = SubMode::Mixed;
                    values.push(28); // latch to mixed
                    continue;
                } else {
                    values.extend([29, punct(c).unwrap_or(0)]); // shift to punctuation
                }
            }
            SubMode::Lower => {
                if lower(c) {
                    values.push(if c == ' ' { 26 } else { c as u32 - 'a' as u32 });
                } else if upper(c) {
                    values.extend([27, c as u32 - 'A' as u32]); // shift to alpha
                } else if mixed(c).is_some() {
                    sub = SubMode::Mixed;
                    values.push(28);
                    continue;
                } else {
                    values.extend([29, punct(c).unwrap_or(0)]);
                }
            }
            SubMode::Mixed => {
                if let Some(v) = mixed(c) {
                    values.push(v);
                } else if upper(c) {
                    sub = SubMode::Alpha;
                    values.push(28); // latch to alpha
                    continue;
                } else if lower(c) {
                    sub = SubMode::Lower;
                    values.push(27);
                    continue;
                } else {
                    // ZXing compares the absolute position with the count here; kept so the
                    // codewords stay those of ZXing and rxing
                    if start + idx + 1 < count
                        && chars
                            .get(start + idx + 1)
                            .is_some_and(|&n| punct(n).is_some())
                    {
                        sub = SubMode::Punctuation;
                        values.push(25); // latch to punctuation
                        continue;
                    }
                    values.extend([29, punct(c).unwrap_or(0)]);
                }
            }
            SubMode::Punctuation => {
                if let Some(v) = punct(c) {
                    values.push(v);
                } else {
                    sub = SubMode::Alpha;
                    values.push(29); // latch to alpha
                    continue;
                }
            }
        }
        idx += 1;
    }
    if values.len() % 2 == 1 {
        values.push(29); // pad the last pair
    }
    out.extend(values.chunks(2).map(|pair| pair[0] * 30 + pair[1]));
    sub
}

/// Byte compaction (ISO/IEC 15438 5.4.3): six bytes as five base-900 codewords, the rest one
/// codeword each; a single byte from text compaction by shift.
fn bytes_compaction(bytes: &[u8], from: Mode, out: &mut Vec<u32>) {
    out.push(if bytes.len() == 1 && from == Mode::Text {
        SHIFT_TO_BYTE
    } else if bytes.len().is_multiple_of(6) {
        LATCH_TO_BYTE
    } else {
        LATCH_TO_BYTE_PADDED
    });
    let mut sixes = bytes.chunks_exact(6);
    for six in &mut sixes {
        let mut t = six.iter().fold(0u64, |t, &b| (t << 8) | u64::from(b));
        let mut five = [0u32; 5];
        for cw in five.iter_mut().rev() {
            *cw = (t % 900) as u32;
            t /= 900;
        }
        out.extend(five);
    }
    out.extend(sixes.remainder().iter().map(|&b| u32::from(b)));
}

/// Numeric compaction (ISO/IEC 15438 5.4.4): groups of up to 44 digits, each read with a leading
/// 1 as a decimal number and written in base 900.
fn numeric(digits: &[char], out: &mut Vec<u32>) {
    for group in digits.chunks(44) {
        // the decimal number "1" + group, as digits, divided by 900 until it is zero
        let mut number: Vec<u32> = std::iter::once(1)
            .chain(group.iter().map(|&c| c as u32 - '0' as u32))
            .collect();
        let mut base900 = Vec::new();
        while !number.is_empty() {
            let mut remainder = 0u32;
            let mut quotient = Vec::with_capacity(number.len());
            for &d in &number {
                let value = remainder * 10 + d;
                let q = value / 900;
                remainder = value % 900;
                if !(quotient.is_empty() && q == 0) {
                    quotient.push(q);
                }
            }
            base900.push(remainder);
            number = quotient;
        }
        out.extend(base900.iter().rev());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rxing::pdf417::encoder::{pdf_417_high_level_encoder, Compaction, PDF417};

    /// rxing's codewords for `text` (its high-level encoder, the oracle these tests compare with).
    fn rxing_codewords(text: &str) -> Vec<u32> {
        let encoding = (!text.is_ascii()).then_some(rxing::common::CharacterSet::UTF8);
        pdf_417_high_level_encoder::encodeHighLevel(text, Compaction::AUTO, encoding, false)
            .unwrap()
            .chars()
            .map(|c| c as u32)
            .collect()
    }

    /// rxing's whole symbol for `text` with our dimensions, top row first, one module row per row.
    fn rxing_rows(text: &str, level: u32, cols: u32, rows: u32) -> Vec<Vec<bool>> {
        let mut writer = PDF417::new();
        writer.setDimensions(cols, cols, rows, rows);
        writer.setCompaction(Compaction::AUTO);
        writer.setEncoding((!text.is_ascii()).then_some(rxing::common::CharacterSet::UTF8));
        writer.generateBarcodeLogic(text, level).unwrap();
        let matrix = writer.getBarcodeMatrix().as_ref().unwrap().getMatrix();
        matrix
            .iter()
            .rev()
            .map(|row| row.iter().map(|&b| b == 1).collect())
            .collect()
    }

    fn samples() -> Vec<String> {
        let mut v: Vec<String> = [
            "LC1:2760012345678:12345678:1767225600",
            "A",
            "1",
            "12",
            "1234567890123",
            "12345678901234567890123456789012345678901234567890123456789",
            "Hello, World!",
            "hello WORLD hello",
            "lower UPPER 123 ;<>@[\\]_`~!\"|()?{}' mixed #$%&*+,-./:=^",
            "a;b",
            "1;;2",
            "x\ty\r\nz",
            "\u{1}\u{2}binary\u{7f}",
            "\u{7f}",
            "ab\u{7f}cd",
            "é",
            "café crème 12345678901234 brûlée",
            "Zeeuwse oesters — 6 stuks",
            "日本語のテキスト",
            "VCH1.eyJpZCI6InZvdWNoZXItMSJ9.c2lnbmF0dXJlLXNpZ25hdHVyZQ",
            "0000000000000000000000000000000000000000000000000000000000000000001",
            "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        // every printable ASCII character alone, between letters and between digits
        for c in ' '..='~' {
            v.push(format!("{c}"));
            v.push(format!("ab{c}cd"));
            v.push(format!("12{c}{c}34"));
        }
        // six-byte groups and their remainders in byte compaction
        for n in 1..14 {
            v.push("ÿ".repeat(n));
        }
        v
    }

    #[test]
    fn codewords_are_those_of_rxings_encoder() {
        for text in samples() {
            assert_eq!(high_level(&text), rxing_codewords(&text), "{text:?}");
        }
    }

    #[test]
    fn symbols_are_those_of_rxings_writer() {
        for text in samples() {
            for (ec, level) in [
                (EcLevel::Low, 2),
                (EcLevel::Medium, 3),
                (EcLevel::Quartile, 4),
                (EcLevel::High, 5),
            ] {
                let ours = encode(&text, ec).unwrap();
                let cols = (ours.width - 1) / 17 - 4;
                let rows = ours.height / ROW_HEIGHT;
                let theirs = rxing_rows(&text, level, cols, rows);
                assert_eq!(theirs.len(), rows as usize, "{text:?}");
                for (y, row) in theirs.iter().enumerate() {
                    let start = y * (ROW_HEIGHT * ours.width) as usize;
                    assert_eq!(
                        &ours.modules[start..start + ours.width as usize],
                        row.as_slice(),
                        "{text:?}, level {level}, row {y}"
                    );
                }
            }
        }
    }

    #[test]
    fn numeric_groups_are_base_900() {
        // "1" + 44 nines and the 45th digit in a group of its own
        let mut out = Vec::new();
        numeric(&['0', '0', '1'], &mut out);
        assert_eq!(out, [1001 / 900, 1001 % 900]);
        let digits: Vec<char> = "9".repeat(45).chars().collect();
        let mut out = Vec::new();
        numeric(&digits, &mut out);
        assert_eq!(
            out.len(),
            15 + 1,
            "44 digits make 15 codewords, 1 more digit 1"
        );
        assert_eq!(out[15], 19, "\"19\" is 19");
    }
}
