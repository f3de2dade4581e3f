//! What the server draws at random and how it keeps secrets: bearer tokens, identifiers,
//! household codes and card numbers; SHA-256 (tokens, household codes and request bodies are
//! stored as hashes, never in the clear) and a constant-time comparison.

use loyalty_domain::crypto::sha256;

/// Lower-case Base16 of `bytes`.
pub fn hex_lower(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(char::from(DIGITS[usize::from(b >> 4)]));
        s.push(char::from(DIGITS[usize::from(b & 0x0f)]));
    }
    s
}

/// SHA-256 of `data` as lower-case Base16 (how tokens, household codes and request bodies are
/// stored: never in the clear).
pub fn sha256_hex(data: &[u8]) -> String {
    hex_lower(&sha256(data))
}

/// A bearer token: 256 random bits as 64 lower-case hex characters.
pub fn new_token() -> String {
    hex_lower(&rand::random::<[u8; 32]>())
}

/// An identifier `<prefix><16 hex characters>` (64 random bits).
pub fn new_id(prefix: &str) -> String {
    format!("{prefix}{}", hex_lower(&rand::random::<[u8; 8]>()))
}

/// Crockford's Base32 alphabet (no I, L, O, U): easy to read aloud and to type.
const CROCKFORD: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
/// Characters of a household code, without the dashes (16 × 5 bits = 80 bits).
pub const HOUSEHOLD_CODE_LEN: usize = 16;

/// A household code such as `7KQ2-M9XD-A4TR-0BCE`: 80 random bits in Crockford Base32.
pub fn new_household_code() -> String {
    let bytes: [u8; HOUSEHOLD_CODE_LEN] = rand::random();
    let chars: Vec<char> = bytes
        .iter()
        .map(|b| char::from(CROCKFORD[usize::from(b & 0x1f)]))
        .collect();
    chars
        .chunks(4)
        .map(|c| c.iter().collect::<String>())
        .collect::<Vec<_>>()
        .join("-")
}

/// The canonical form of a typed household code: upper case, without dashes and spaces, with the
/// Crockford look-alikes (O → 0, I and L → 1) mapped. `None` when it cannot be a household code.
pub fn normalize_household_code(typed: &str) -> Option<String> {
    let mut out = String::with_capacity(HOUSEHOLD_CODE_LEN);
    for c in typed.chars() {
        let c = match c.to_ascii_uppercase() {
            '-' | ' ' => continue,
            'O' => '0',
            'I' | 'L' => '1',
            c => c,
        };
        if !c.is_ascii() || !CROCKFORD.contains(&(c as u8)) {
            return None;
        }
        out.push(c);
        if out.len() > HOUSEHOLD_CODE_LEN {
            return None;
        }
    }
    (out.len() == HOUSEHOLD_CODE_LEN).then_some(out)
}

/// A 13-digit card number with a valid EAN-13 check digit, in the GS1 prefix 29 (numbers for
/// restricted, in-company circulation, as loyalty cards use).
pub fn new_card_number() -> String {
    let mut digits = String::from("29");
    for _ in 0..10 {
        digits.push(char::from(b'0' + rand::random_range(0..10u8)));
    }
    let check = ean_check_digit(&digits);
    digits.push(char::from(b'0' + check));
    digits
}

/// The GS1 check digit of `body` (decimal digits): weights 3, 1, 3, ... from the right.
pub fn ean_check_digit(body: &str) -> u8 {
    let sum: u32 = body
        .bytes()
        .rev()
        .enumerate()
        .map(|(i, b)| {
            let d = u32::from(b - b'0');
            if i % 2 == 0 {
                d * 3
            } else {
                d
            }
        })
        .sum();
    ((10 - sum % 10) % 10) as u8
}

/// Equality whose duration does not depend on where the inputs differ.
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;
    use loyalty_domain::receipts::validate_gtin;

    #[test]
    fn card_numbers_are_valid_ean13() {
        for _ in 0..200 {
            let n = new_card_number();
            assert_eq!(n.len(), 13);
            assert!(n.starts_with("29"));
            validate_gtin(&n).unwrap();
        }
        assert_eq!(ean_check_digit("400638133393"), 1);
    }

    #[test]
    fn household_codes_normalise() {
        let code = new_household_code();
        assert_eq!(code.len(), 19);
        let canonical = normalize_household_code(&code).unwrap();
        assert_eq!(canonical.len(), 16);
        assert_eq!(
            normalize_household_code(&code.to_lowercase().replace('-', " ")),
            Some(canonical.clone())
        );
        assert_eq!(
            normalize_household_code("oooo-iiii-llll-0000"),
            Some("0000111111110000".into())
        );
        assert_eq!(normalize_household_code("ABCD"), None);
        assert_eq!(normalize_household_code("ABCD-EFGH-JKMN-PQRS-T"), None);
        assert_eq!(normalize_household_code("ABCD-EFGH-JKMN-PQRU"), None);
        assert_eq!(normalize_household_code("ABCD-EFGH-JKMN-PQRé"), None);
    }

    #[test]
    fn tokens_and_hashes() {
        let t = new_token();
        assert_eq!(t.len(), 64);
        assert_ne!(t, new_token());
        assert_eq!(
            sha256_hex(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert!(constant_time_eq(b"abc", b"abc"));
        assert!(!constant_time_eq(b"abc", b"abd"));
        assert!(!constant_time_eq(b"abc", b"ab"));
    }
}
