//! Aztec (ISO/IEC 24778): our encoder, a port of ZXing's `aztec.encoder` (Apache-2.0; rxing 0.9.3
//! carries the same algorithm): the high-level encoding (a search over the upper, lower, mixed,
//! digit and punctuation modes, their latches and shifts, the two-character punctuation codes and
//! binary shift), the choice of compact or full-range symbol and layer count, bit stuffing,
//! Reed-Solomon over GF(16) (mode message) and GF(64) / GF(256) / GF(1024) / GF(4096) (data words
//! of 6, 8, 10 or 12 bits by layer count), and the layout: data layers, mode message, bullseye with
//! its orientation marks and, in full-range symbols, the reference grid.
//!
//! Why not rxing's `aztec_encoder`: its high-level encoder writes the digits of the ECI through
//! rxing's `CharacterSet`, which links every character set of `encoding_rs` into the mobile library
//! (issue #14). The encoder below gives the same symbol, module for module, as rxing's for every
//! payload (the tests compare both), rxing's quirks included: `"` is not in its punctuation table
//! (rxing lists `'` twice), so a `"` goes in binary shift, which readers decode all the same.

use super::validate::too_long;
use super::{BarcodeMatrix, Symbology};
use crate::check::InputError;

const UPPER: usize = 0;
const LOWER: usize = 1;
const DIGIT: usize = 2;
const MIXED: usize = 3;
const PUNCT: usize = 4;

/// Latch from mode to mode: the bit count << 16, then the code bits.
const LATCH: [[u32; 5]; 5] = [
    [
        0,
        (5 << 16) + 28,
        (5 << 16) + 30,
        (5 << 16) + 29,
        (10 << 16) + (29 << 5) + 30,
    ],
    [
        (9 << 16) + (30 << 4) + 14,
        0,
        (5 << 16) + 30,
        (5 << 16) + 29,
        (10 << 16) + (29 << 5) + 30,
    ],
    [
        (4 << 16) + 14,
        (9 << 16) + (14 << 5) + 28,
        0,
        (9 << 16) + (14 << 5) + 29,
        (14 << 16) + (14 << 10) + (29 << 5) + 30,
    ],
    [
        (5 << 16) + 29,
        (5 << 16) + 28,
        (10 << 16) + (29 << 5) + 30,
        0,
        (5 << 16) + 30,
    ],
    [
        (5 << 16) + 31,
        (10 << 16) + (31 << 5) + 28,
        (10 << 16) + (31 << 5) + 30,
        (10 << 16) + (31 << 5) + 29,
        0,
    ],
];

/// Shift code from a mode (row) to a mode (column), -1 where there is none.
const SHIFT: [[i8; 5]; 5] = [
    [-1, -1, -1, -1, 0],
    [28, -1, -1, -1, 0],
    [15, -1, -1, -1, 0],
    [-1, -1, -1, -1, 0],
    [-1, -1, -1, -1, -1],
];

/// Mixed and punctuation characters by code (a NUL is no character; punctuation 2 to 5 are the
/// pairs "\r\n", ". ", ", ", ": "; code 7 is `"` in the standard, `'` in rxing, whose later `'`
/// at 12 wins).
const MIXED_CHARS: &[u8; 28] =
    b"\0 \x01\x02\x03\x04\x05\x06\x07\x08\t\n\x0b\x0c\r\x1b\x1c\x1d\x1e\x1f@\\^_`|~\x7f";
const PUNCT_CHARS: &[u8; 31] = b"\0\r\0\0\0\0!'#$%&'()*+,-./:;<=>?[]{}";

/// The code of each ASCII character in each mode (0: not in that mode).
const CODES: [[u8; 128]; 5] = {
    let mut t = [[0u8; 128]; 5];
    t[UPPER][b' ' as usize] = 1;
    t[LOWER][b' ' as usize] = 1;
    t[DIGIT][b' ' as usize] = 1;
    let mut i = 0;
    while i < 26 {
        t[UPPER][b'A' as usize + i] = i as u8 + 2;
        t[LOWER][b'a' as usize + i] = i as u8 + 2;
        if i < 10 {
            t[DIGIT][b'0' as usize + i] = i as u8 + 2;
        }
        i += 1;
    }
    t[DIGIT][b',' as usize] = 12;
    t[DIGIT][b'.' as usize] = 13;
    let mut i = 0;
    while i < MIXED_CHARS.len() {
        t[MIXED][MIXED_CHARS[i] as usize] = i as u8;
        i += 1;
    }
    let mut i = 0;
    while i < PUNCT_CHARS.len() {
        if PUNCT_CHARS[i] > 0 {
            t[PUNCT][PUNCT_CHARS[i] as usize] = i as u8;
        }
        i += 1;
    }
    t
};

fn code(mode: usize, byte: u8) -> u32 {
    CODES[mode].get(byte as usize).map_or(0, |&c| u32::from(c))
}

/// Full-range layer counts whose symbols (67 x 67 and 131 x 131, where the outermost reference
/// grid line falls on the symbol's second module) zxing-cpp reads none of: 0 of 15 in
/// tests/decode, against every symbol of every other size. We use one layer more.
const UNREADABLE_LAYERS: [u32; 2] = [12, 27];

/// Encodes `text` with at least `percent` % of its bits, plus 11, as error correction:
/// the smallest symbol that holds it (see [`UNREADABLE_LAYERS`]); ECI 26 (UTF-8) in front of the
/// bytes when the text is not ASCII.
pub(super) fn encode(text: &str, percent: u32) -> Result<BarcodeMatrix, InputError> {
    encode_bytes(text.as_bytes(), !text.is_ascii(), percent)
}

fn encode_bytes(bytes: &[u8], eci: bool, percent: u32) -> Result<BarcodeMatrix, InputError> {
    if bytes.is_empty() {
        // `validate` refuses it first; a symbol needs a data word (ZXing fails on none)
        return Err(InputError::new(format!(
            "{} payload is empty",
            Symbology::Aztec
        )));
    }
    let bits = high_level(bytes, eci);
    let fail = || too_long(Symbology::Aztec);
    // compact 1 to 4 layers, then full range 4 to 32 (full 1 to 3 are no larger than compact)
    let sizes = (1..=4)
        .map(|l| (true, l))
        .chain((4..=32).map(|l| (false, l)));
    let (mut compact, mut layers, mut words) = fit(&bits, percent, sizes).ok_or_else(fail)?;
    if !compact && UNREADABLE_LAYERS.contains(&layers) {
        (compact, layers, words) =
            fit(&bits, percent, std::iter::once((false, layers + 1))).ok_or_else(fail)?;
    }
    Ok(draw(compact, layers, &words))
}

// ---------------------------------------------------------------------------------------------
// High-level encoding: for each prefix of the text, the set of best encodings (one state each)
// that could lead to it; tokens live in one arena, a state points at its last one.

#[derive(Clone, Copy)]
enum Token {
    Bits(u16, u8),
    /// Binary shift of `count` bytes from `start`.
    Binary(u32, u32),
}

#[derive(Clone, Copy)]
struct State {
    mode: usize,
    /// 1 + the arena index of the last token, 0 for none.
    token: u32,
    /// Bytes in the binary shift open at the end (0: none).
    bytes: u32,
    bits: u32,
}

fn binary_cost(bytes: u32) -> u32 {
    match bytes {
        0 => 0,
        1..=31 => 10,
        32..=62 => 20, // two B/S
        _ => 21,       // B/S with the extended length
    }
}

impl State {
    /// Whether `self` is at least as good as `other` for every continuation.
    fn covers(&self, other: &State) -> bool {
        let mut bits = self.bits + (LATCH[self.mode][other.mode] >> 16);
        if self.bytes < other.bytes {
            bits += binary_cost(other.bytes) - binary_cost(self.bytes);
        } else if self.bytes > other.bytes && other.bytes > 0 {
            bits += 10;
        }
        bits <= other.bits
    }
}

struct Encoder<'a> {
    text: &'a [u8],
    arena: Vec<(u32, Token)>,
}

impl Encoder<'_> {
    fn push(&mut self, s: &mut State, token: Token) {
        self.arena.push((s.token, token));
        s.token = self.arena.len() as u32;
    }

    fn add(&mut self, s: &mut State, value: u32, count: u32) {
        self.push(s, Token::Bits(value as u16, count as u8));
        s.bits += count;
    }

    fn latch_and_append(&mut self, mut s: State, mode: usize, value: u32) -> State {
        if mode != s.mode {
            let latch = LATCH[s.mode][mode];
            self.add(&mut s, latch & 0xffff, latch >> 16);
        }
        s.mode = mode;
        self.add(&mut s, value, if mode == DIGIT { 4 } else { 5 });
        s
    }

    fn shift_and_append(&mut self, mut s: State, mode: usize, value: u32) -> State {
        let (shift, count) = (
            SHIFT[s.mode][mode] as u32,
            if s.mode == DIGIT { 4 } else { 5 },
        );
        self.add(&mut s, shift, count);
        self.add(&mut s, value, 5);
        s
    }

    fn add_binary(&mut self, mut s: State, index: usize) -> State {
        if s.mode == PUNCT || s.mode == DIGIT {
            let latch = LATCH[s.mode][UPPER];
            self.add(&mut s, latch & 0xffff, latch >> 16);
            s.mode = UPPER;
        }
        s.bits += match s.bytes {
            0 | 31 => 18,
            62 => 9,
            _ => 8,
        };
        s.bytes += 1;
        if s.bytes == 2047 + 31 {
            s = self.end_binary(s, index + 1);
        }
        s
    }

    fn end_binary(&mut self, mut s: State, index: usize) -> State {
        if s.bytes > 0 {
            let token = Token::Binary(index as u32 - s.bytes, s.bytes);
            self.push(&mut s, token);
            s.bytes = 0;
        }
        s
    }

    fn next_char(&mut self, s: State, index: usize, out: &mut Vec<State>) {
        let byte = self.text[index];
        let in_current = code(s.mode, byte) > 0;
        let plain = self.end_binary(s, index);
        for (mode, &shift) in SHIFT[s.mode].iter().enumerate() {
            let c = code(mode, byte);
            if c == 0 {
                continue;
            }
            if !in_current || mode == s.mode || mode == DIGIT {
                out.push(self.latch_and_append(plain, mode, c));
            }
            if !in_current && shift >= 0 {
                out.push(self.shift_and_append(plain, mode, c));
            }
        }
        if s.bytes > 0 || !in_current {
            out.push(self.add_binary(s, index));
        }
    }

    fn next_pair(&mut self, s: State, index: usize, pair: u32, out: &mut Vec<State>) {
        let plain = self.end_binary(s, index);
        out.push(self.latch_and_append(plain, PUNCT, pair));
        if s.mode != PUNCT {
            out.push(self.shift_and_append(plain, PUNCT, pair));
        }
        if pair == 3 || pair == 4 {
            // ". " and ", " as period or comma and space in digit mode
            let digit = self.latch_and_append(plain, DIGIT, 16 - pair);
            out.push(self.latch_and_append(digit, DIGIT, 1));
        }
        if s.bytes > 0 {
            let one = self.add_binary(s, index);
            out.push(self.add_binary(one, index + 1));
        }
    }
}

/// Drops the states another covers (in order: an earlier state wins a tie).
fn simplify(states: Vec<State>) -> Vec<State> {
    let mut kept: Vec<State> = Vec::with_capacity(states.len());
    for s in states {
        if kept.iter().any(|k| k.covers(&s)) {
            continue;
        }
        kept.retain(|k| !s.covers(k));
        kept.push(s);
    }
    kept
}

/// The bits of `text` in Aztec's first-level encoding, FLG(n) ECI 26 first when `eci`.
fn high_level(text: &[u8], eci: bool) -> Vec<bool> {
    let mut enc = Encoder {
        text,
        arena: Vec::with_capacity(text.len() * 8),
    };
    let mut start = State {
        mode: UPPER,
        token: 0,
        bytes: 0,
        bits: 0,
    };
    if eci {
        // P/S FLG(n), 2 digits: "2" "6"
        start = enc.shift_and_append(start, PUNCT, 0);
        enc.add(&mut start, 2, 3);
        enc.add(&mut start, 2 + 2, 4);
        enc.add(&mut start, 6 + 2, 4);
    }
    let mut states = vec![start];
    let mut i = 0;
    while i < text.len() {
        let pair = match (text[i], text.get(i + 1)) {
            (b'\r', Some(b'\n')) => 2,
            (b'.', Some(b' ')) => 3,
            (b',', Some(b' ')) => 4,
            (b':', Some(b' ')) => 5,
            _ => 0,
        };
        let mut next = Vec::with_capacity(states.len() * 4);
        for s in states {
            if pair > 0 {
                enc.next_pair(s, i, pair, &mut next);
            } else {
                enc.next_char(s, i, &mut next);
            }
        }
        states = simplify(next);
        i += if pair > 0 { 2 } else { 1 };
    }
    let Some(&best) = states.iter().min_by_key(|s| s.bits) else {
        return Vec::new();
    };
    let best = enc.end_binary(best, text.len());
    let mut tokens = Vec::new();
    let mut at = best.token as usize;
    while let Some(&(previous, token)) = at.checked_sub(1).and_then(|i| enc.arena.get(i)) {
        tokens.push(token);
        at = previous as usize;
    }
    let mut bits = Vec::with_capacity(best.bits as usize);
    let mut append = |value: u32, count: u32| {
        bits.extend((0..count).rev().map(|bit| (value >> bit) & 1 == 1));
    };
    for token in tokens.into_iter().rev() {
        match token {
            Token::Bits(value, count) => append(u32::from(value), u32::from(count)),
            Token::Binary(start, count) => {
                for i in 0..count {
                    if i == 0 || (i == 31 && count <= 62) {
                        append(31, 5); // B/S
                        if count > 62 {
                            append(count - 31, 16);
                        } else if i == 0 {
                            append(count.min(31), 5);
                        } else {
                            append(count - 31, 5);
                        }
                    }
                    let byte = text.get((start + i) as usize).copied().unwrap_or(0);
                    append(u32::from(byte), 8);
                }
            }
        }
    }
    bits
}

// ---------------------------------------------------------------------------------------------
// Symbol

/// Data bits a symbol of `layers` holds.
fn capacity(compact: bool, layers: u32) -> u32 {
    (if compact { 88 } else { 112 } + 16 * layers) * layers
}

fn word_size(layers: u32) -> u32 {
    match layers {
        0..=2 => 6,
        3..=8 => 8,
        9..=22 => 10,
        _ => 12,
    }
}

/// The bits as words of `word` bits, the last padded with 1s. Where a word's first `word - 1` bits
/// are all 1s (all 0s) its last bit is a stuffed 0 (1), and the bit it would have held starts the
/// next word.
fn stuff(bits: &[bool], word: u32) -> Vec<u16> {
    let (n, word) = (bits.len(), word as usize);
    let mask = (1u16 << word) - 2;
    let mut out = Vec::with_capacity(n / word + 2);
    let mut i = 0;
    while i < n {
        let mut value = 0u16;
        for j in 0..word {
            if bits.get(i + j).is_none_or(|&b| b) {
                value |= 1 << (word - 1 - j);
            }
        }
        if value & mask == mask {
            out.push(value & mask);
            i += word - 1;
        } else if value & mask == 0 {
            out.push(value | 1);
            i += word - 1;
        } else {
            out.push(value);
            i += word;
        }
    }
    out
}

/// The first of `sizes` (compact?, layers) that holds `bits` with the error correction wanted,
/// and its stuffed data words.
fn fit(
    bits: &[bool],
    percent: u32,
    sizes: impl Iterator<Item = (bool, u32)>,
) -> Option<(bool, u32, Vec<u16>)> {
    let ec_bits = bits.len() as u32 * percent / 100 + 11;
    let mut stuffed: Option<(u32, Vec<u16>)> = None;
    for (compact, layers) in sizes {
        let total = capacity(compact, layers);
        if bits.len() as u32 + ec_bits > total {
            continue;
        }
        let word = word_size(layers);
        if stuffed.as_ref().is_none_or(|(w, _)| *w != word) {
            stuffed = Some((word, stuff(bits, word)));
        }
        let words = stuffed.as_ref().map_or(0, |(_, s)| s.len() as u32);
        if compact && words > 64 {
            continue; // a compact symbol holds at most 64 data words
        }
        if words * word + ec_bits <= total - total % word {
            return stuffed.map(|(_, s)| (compact, layers, s));
        }
    }
    None
}

/// Appends Reed-Solomon check words to `words` up to `total` words of `word` bits (GF(2^word),
/// generator roots a^1..a^n).
fn reed_solomon(words: &mut Vec<u16>, total: usize, word: u32) {
    let poly = match word {
        4 => 0x13,
        6 => 0x43,
        8 => 0x12d,
        10 => 0x409,
        _ => 0x1069,
    };
    let size = 1usize << word;
    let (mut exp, mut log) = (vec![0u16; size], vec![0u16; size]);
    let mut x = 1usize;
    for (i, e) in exp.iter_mut().enumerate().take(size - 1) {
        *e = x as u16;
        log[x] = i as u16;
        x <<= 1;
        if x >= size {
            x ^= poly;
        }
    }
    let mul = |a: u16, b: u16| match (a, b) {
        (0, _) | (_, 0) => 0,
        _ => exp[(usize::from(log[a as usize]) + usize::from(log[b as usize])) % (size - 1)],
    };
    let ec = total.saturating_sub(words.len());
    // generator, highest power first
    let mut generator = vec![1u16];
    for i in 1..=ec {
        let root = exp[i % (size - 1)];
        let mut next = generator.clone();
        next.push(0);
        for (j, &c) in generator.iter().enumerate() {
            next[j + 1] ^= mul(c, root);
        }
        generator = next;
    }
    let mut remainder = vec![0u16; ec];
    for &w in words.iter() {
        let Some(&first) = remainder.first() else {
            break;
        };
        let factor = w ^ first;
        remainder.rotate_left(1);
        if let Some(l) = remainder.last_mut() {
            *l = 0;
        }
        for (r, &g) in remainder.iter_mut().zip(generator.iter().skip(1)) {
            *r ^= mul(g, factor);
        }
    }
    words.extend(remainder);
}

/// `words` of `word` bits with their check words, `total_bits` in all (zero bits first where
/// the words do not fill it).
fn check_bits(mut words: Vec<u16>, total_bits: u32, word: u32) -> Vec<bool> {
    reed_solomon(&mut words, (total_bits / word) as usize, word);
    let mut bits = vec![false; (total_bits % word) as usize];
    for w in words {
        bits.extend((0..word).rev().map(|bit| (w >> bit) & 1 == 1));
    }
    bits
}

/// The mode message: layers - 1 and data words - 1 in 2 + 6 bits (compact) or 5 + 11 bits, as
/// 4-bit words with their check words (28 or 40 bits).
fn mode_message(compact: bool, layers: u32, words: u32) -> Vec<bool> {
    let (bits, total, size_bits) = if compact { (8, 28, 6) } else { (16, 40, 11) };
    let m = (layers.saturating_sub(1) << size_bits) | words.saturating_sub(1);
    let nibbles = (0..bits / 4)
        .rev()
        .map(|i| ((m >> (4 * i)) & 15) as u16)
        .collect();
    check_bits(nibbles, total, 4)
}

/// The modules of the symbol: data layers, mode message, bullseye, orientation marks and, in
/// full-range symbols, the reference grid.
fn draw(compact: bool, layers: u32, data: &[u16]) -> BarcodeMatrix {
    let word = word_size(layers);
    let count = data.len() as u32;
    let message = check_bits(data.to_vec(), capacity(compact, layers), word);
    let mode = mode_message(compact, layers, count);

    let base = if compact { 11 } else { 14 } + layers * 4; // without the reference grid
    let (size, map): (u32, Vec<u32>) = if compact {
        (base, (0..base).collect())
    } else {
        let size = base + 1 + 2 * ((base / 2 - 1) / 15);
        let (half, center) = (base / 2, size / 2);
        let mut map = vec![0; base as usize];
        for i in 0..half {
            let offset = i + i / 15;
            map[(half - i - 1) as usize] = center - offset - 1;
            map[(half + i) as usize] = center + offset + 1;
        }
        (size, map)
    };
    let mut modules = vec![false; (size * size) as usize];
    let mut set = |x: u32, y: u32| {
        if let Some(m) = modules.get_mut((y * size + x) as usize) {
            *m = true;
        }
    };
    let bit = |bits: &[bool], i: usize| bits.get(i).copied().unwrap_or(false);
    let at = |i: usize| map.get(i).copied().unwrap_or(0);
    let last = base as usize - 1;

    let mut row_offset = 0;
    for i in 0..layers as usize {
        let row_size = (layers as usize - i) * 4 + if compact { 9 } else { 12 };
        for j in 0..row_size {
            for k in 0..2 {
                let o = row_offset + j * 2 + k;
                if bit(&message, o) {
                    set(at(i * 2 + k), at(i * 2 + j));
                }
                if bit(&message, o + row_size * 2) {
                    set(at(i * 2 + j), at(last - i * 2 - k));
                }
                if bit(&message, o + row_size * 4) {
                    set(at(last - i * 2 - k), at(last - i * 2 - j));
                }
                if bit(&message, o + row_size * 6) {
                    set(at(last - i * 2 - j), at(i * 2 + k));
                }
            }
        }
        row_offset += row_size * 8;
    }

    let center = size / 2;
    let (side, ring) = if compact { (7, 5) } else { (10, 7) };
    for i in 0..side {
        let offset = if compact {
            center - 3 + i
        } else {
            center - 5 + i + i / 5
        };
        let i = i as usize;
        let side = side as usize;
        if bit(&mode, i) {
            set(offset, center - ring);
        }
        if bit(&mode, i + side) {
            set(center + ring, offset);
        }
        if bit(&mode, 3 * side - 1 - i) {
            set(offset, center + ring);
        }
        if bit(&mode, 4 * side - 1 - i) {
            set(center - ring, offset);
        }
    }

    // bullseye rings and orientation marks
    for i in (0..ring).step_by(2) {
        for j in center - i..=center + i {
            set(j, center - i);
            set(j, center + i);
            set(center - i, j);
            set(center + i, j);
        }
    }
    let (lo, hi) = (center - ring, center + ring);
    for (x, y) in [
        (lo, lo),
        (lo + 1, lo),
        (lo, lo + 1),
        (hi, lo),
        (hi, lo + 1),
        (hi, hi - 1),
    ] {
        set(x, y);
    }

    if !compact {
        // reference grid: every 16th row and column from the centre, dotted
        for j in (0..)
            .step_by(16)
            .take(((base / 2 - 1) as usize).div_ceil(15))
        {
            for k in ((center & 1)..size).step_by(2) {
                set(center - j, k);
                set(center + j, k);
                set(k, center - j);
                set(k, center + j);
            }
        }
    }

    BarcodeMatrix {
        symbology: Symbology::Aztec,
        width: size,
        height: size,
        modules,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rxing::aztec::encoder::{aztec_encoder, HighLevelEncoder};
    use rxing::common::CharacterSet;

    /// rxing's symbol for `text` (the encoder we replaced, the oracle here): its modules row by
    /// row, the width, and whether the layer rule bumped it; None where rxing refuses the text.
    fn rxing_symbol(text: &str, percent: u32) -> Option<(Vec<bool>, u32, bool)> {
        let encode = |layers: i32| {
            if text.is_ascii() {
                aztec_encoder::encode_bytes(text.as_bytes(), percent, layers)
            } else {
                aztec_encoder::encode_bytes_with_charset(
                    text.as_bytes(),
                    percent,
                    layers,
                    CharacterSet::UTF8,
                )
            }
            .ok()
        };
        let mut code = encode(0)?;
        let bumped = !code.isCompact() && UNREADABLE_LAYERS.contains(&code.getLayers());
        if bumped {
            code = encode(code.getLayers() as i32 + 1)?;
        }
        let m = code.getMatrix();
        let modules = (0..m.getHeight())
            .flat_map(|y| (0..m.getWidth()).map(move |x| (x, y)))
            .map(|(x, y)| m.get(x, y))
            .collect();
        Some((modules, m.getWidth(), bumped))
    }

    /// Compares our symbol with rxing's; returns whether rxing's was bumped a layer.
    fn same_as_rxing(text: &str, percent: u32) -> bool {
        let ours = encode(text, percent).ok();
        let theirs = rxing_symbol(text, percent);
        match (&ours, &theirs) {
            (None, None) => false,
            (Some(ours), Some((modules, width, bumped))) => {
                assert_eq!(ours.width, *width, "{text:?} at {percent} %");
                assert!(ours.modules == *modules, "{text:?} at {percent} %");
                *bumped
            }
            _ => panic!(
                "{text:?} at {percent} %: ours {:?}, rxing's {:?}",
                ours.map(|m| m.width),
                theirs.map(|t| t.1)
            ),
        }
    }

    const PERCENTS: [u32; 4] = [23, 33, 50, 66];

    /// A deterministic text of `n` characters drawn from `alphabet` (a small LCG).
    fn text_of(alphabet: &[&str], n: usize, seed: u64) -> String {
        let mut x = seed;
        let mut s = String::new();
        while s.chars().count() < n {
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            s.push_str(alphabet[(x >> 33) as usize % alphabet.len()]);
        }
        s.chars().take(n).collect()
    }

    const CARD: &[&str] = &[
        "A", "Z", "b", "q", "1", "9", "0", "5", " ", "-", "/", ":", ".",
    ];
    const PUNCTUATED: &[&str] = &[
        ". ", ", ", ": ", "\r\n", "A", "b", "7", "!", "\"", "'", "@", "\\", "|", "~", "\t", "\x7f",
        "\x01", "{", "}", "?", "\r", " ", ".", ",",
    ];
    const DIGITS: &[&str] = &["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"];
    const UNICODE: &[&str] = &["é", "€", "日", "a", "B", "3", " ", "ß", "😀", ". "];

    #[test]
    fn short_symbols_are_those_of_rxings_encoder() {
        let fixed = [
            "",
            "A",
            "LC1:2760012345678:12345678:1767225600",
            "Hello, World!",
            "hello WORLD hello. Bye: now, then\r\n",
            "lower UPPER 123 ;<>@[\\]_`~!\"|()?{}' mixed #$%&*+,-./:=^",
            "\u{1}\u{2}binary\u{7f}\0",
            "café crème 12345678901234 brûlée",
            "日本語のテキスト",
            "VCH1.eyJpZCI6InZvdWNoZXItMSJ9.c2lnbmF0dXJlLXNpZ25hdHVyZQ",
        ];
        for text in fixed {
            for percent in PERCENTS {
                same_as_rxing(text, percent);
            }
        }
        for c in (0u8..128).map(char::from) {
            for text in [
                format!("{c}"),
                format!("ab{c}cd"),
                format!("12{c}{c}34"),
                format!("A{c} "),
            ] {
                same_as_rxing(&text, 23);
            }
        }
        for n in 0..200 {
            for (i, alphabet) in [CARD, PUNCTUATED, DIGITS, UNICODE].iter().enumerate() {
                let text = text_of(alphabet, n, (n * 4 + i) as u64);
                same_as_rxing(&text, PERCENTS[(n + i) % 4]);
            }
        }
    }

    #[test]
    fn long_symbols_and_the_layer_bump_are_those_of_rxing() {
        let mut bumped = 0;
        for (i, alphabet) in [CARD, PUNCTUATED, DIGITS, UNICODE].iter().enumerate() {
            let longest = if *alphabet == DIGITS { 3900 } else { 2000 };
            for n in (200..longest).step_by(23 + i) {
                let text = text_of(alphabet, n, n as u64);
                bumped += usize::from(same_as_rxing(&text, PERCENTS[(n / 23 + i) % 4]));
            }
        }
        // binary shifts longer than 62 and than 2047 + 31 bytes
        for n in [40, 70, 1100] {
            same_as_rxing(&"é".repeat(n), 23);
        }
        same_as_rxing(&"é".repeat(2100), 23); // too long for both
        assert!(bumped > 0, "no sample reached 12 or 27 layers");
    }

    #[test]
    fn every_symbol_size_and_both_layer_bumps_match_rxing() {
        // grow a card-like text until the largest symbol: each size met at each level, and the
        // lengths around each step from one size to the next
        for percent in PERCENTS {
            let (mut widths, mut bumped) = (Vec::new(), Vec::new());
            let mut n = 1;
            while let Ok(m) = encode(&text_of(CARD, n, 7), percent) {
                if widths.last() != Some(&m.width) {
                    widths.push(m.width);
                    for k in n.saturating_sub(2).max(1)..n + 2 {
                        let text = text_of(CARD, k, 7);
                        if same_as_rxing(&text, percent) {
                            bumped.extend(encode(&text, percent).map(|m| m.width));
                        }
                    }
                }
                n += 1 + n / 64;
            }
            same_as_rxing(&text_of(CARD, n, 7), percent);
            assert!(widths.contains(&151), "{percent} %: {widths:?}");
            assert!(
                !widths.contains(&67) && !widths.contains(&131),
                "{widths:?}"
            );
            // 12 layers (67 x 67) made 13 (71 x 71), 27 (131 x 131) made 28 (135 x 135)
            assert!(
                bumped.contains(&71) && bumped.contains(&135),
                "{percent} %: {bumped:?}"
            );
        }
    }

    #[test]
    fn first_level_bits_are_those_of_rxings_encoder() {
        for n in 0..400 {
            for alphabet in [CARD, PUNCTUATED, UNICODE] {
                let text = text_of(alphabet, n, n as u64 + 99);
                let bits = HighLevelEncoder::new(text.as_bytes().to_vec())
                    .encode()
                    .unwrap();
                let theirs: Vec<bool> = (0..bits.get_size()).map(|i| bits.get(i)).collect();
                assert_eq!(high_level(text.as_bytes(), false), theirs, "{text:?}");
                // FLG(n) ECI 26 in front, the rest the same
                // P/S, FLG(n), 2 digits, "2", "6"
                let prefix = "00000".to_owned() + "00000" + "010" + "0100" + "1000";
                let mut with_eci: Vec<bool> = prefix.bytes().map(|b| b == b'1').collect();
                with_eci.extend(theirs);
                assert_eq!(high_level(text.as_bytes(), true), with_eci, "{text:?}");
            }
        }
    }

    #[test]
    fn mode_message_and_check_words_are_those_of_rxing() {
        for (compact, layers, words) in [
            (true, 1, 1),
            (true, 4, 64),
            (false, 5, 100),
            (false, 32, 1437),
        ] {
            let theirs = aztec_encoder::generateModeMessage(compact, layers, words).unwrap();
            let theirs: Vec<bool> = (0..theirs.get_size()).map(|i| theirs.get(i)).collect();
            let ours = mode_message(compact, layers, words);
            assert_eq!(ours, theirs, "{compact} {layers} {words}");
        }
    }
}
