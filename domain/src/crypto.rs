//! The domain's cryptography — SHA-1/256/512, HMAC and Ed25519 (RFC 8032) — on *ring*, which
//! the core links anyway for TLS (rustls' provider). One implementation instead of ring plus the
//! RustCrypto crates and curve25519-dalek: 148 KB less in the mobile library (issue #14).
//!
//! Ed25519 keeps the strict rules the codes were specified with (ed25519-dalek's
//! `verify_strict`, which the tests compare against): a public key must decode to a curve point
//! and must not be one of the eight small-order points (with such a key anyone could forge), and
//! *ring* refuses signatures whose scalar is not reduced or whose `R` is not the canonical
//! encoding of the recomputed point. *ring* does not expose point decoding, so the small piece of
//! field arithmetic needed to check a public key lives in [`field`] below.

use ring::digest;
use ring::hmac;
use ring::signature::{Ed25519KeyPair, KeyPair, UnparsedPublicKey, ED25519};
use std::fmt;

/// SHA-1 (RFC 3174), for the formats that specify it (PassKit manifests, RFC 6238 defaults).
pub fn sha1(data: &[u8]) -> [u8; 20] {
    let mut out = [0u8; 20];
    out.copy_from_slice(digest::digest(&digest::SHA1_FOR_LEGACY_USE_ONLY, data).as_ref());
    out
}

/// SHA-256 of `data`.
pub fn sha256(data: &[u8]) -> [u8; 32] {
    Sha256::new().chain(data).finalize()
}

/// SHA-256 over several pieces, fed one after the other.
pub struct Sha256(digest::Context);

impl Sha256 {
    pub fn new() -> Self {
        Self(digest::Context::new(&digest::SHA256))
    }

    pub fn update(&mut self, data: impl AsRef<[u8]>) {
        self.0.update(data.as_ref());
    }

    /// `update`, for chaining.
    pub fn chain(mut self, data: impl AsRef<[u8]>) -> Self {
        self.update(data);
        self
    }

    pub fn finalize(self) -> [u8; 32] {
        let mut out = [0u8; 32];
        out.copy_from_slice(self.0.finish().as_ref());
        out
    }
}

impl Default for Sha256 {
    fn default() -> Self {
        Self::new()
    }
}

/// The hash an HMAC runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HmacHash {
    Sha1,
    Sha256,
    Sha512,
}

/// HMAC (RFC 2104) of `message` under `key` (any length) with the given hash: 20, 32 or 64 bytes.
pub fn hmac(hash: HmacHash, key: &[u8], message: &[u8]) -> Vec<u8> {
    hmac_parts(hash, key, &[message])
}

/// HMAC over several pieces of message, fed one after the other.
pub fn hmac_parts(hash: HmacHash, key: &[u8], message: &[&[u8]]) -> Vec<u8> {
    let algorithm = match hash {
        HmacHash::Sha1 => hmac::HMAC_SHA1_FOR_LEGACY_USE_ONLY,
        HmacHash::Sha256 => hmac::HMAC_SHA256,
        HmacHash::Sha512 => hmac::HMAC_SHA512,
    };
    let mut context = hmac::Context::with_key(&hmac::Key::new(algorithm, key));
    for part in message {
        context.update(part);
    }
    context.sign().as_ref().to_vec()
}

/// HMAC-SHA256 over several pieces, as a fixed-size array.
pub fn hmac_sha256(key: &[u8], message: &[&[u8]]) -> [u8; 32] {
    let mut out = [0u8; 32];
    out.copy_from_slice(&hmac_parts(HmacHash::Sha256, key, message));
    out
}

/// An Ed25519 signing key (the retailer's; held by the server and the tests, never on a phone),
/// made from its 32-byte seed (RFC 8032 §5.1.5). Signatures are deterministic.
pub struct SigningKey {
    seed: [u8; 32],
    pair: Ed25519KeyPair,
}

impl SigningKey {
    pub fn from_bytes(seed: &[u8; 32]) -> Self {
        // `from_seed_unchecked` is infallible for a 32-byte seed (it only checks the length).
        let pair = Ed25519KeyPair::from_seed_unchecked(seed)
            .unwrap_or_else(|_| unreachable!("a 32-byte Ed25519 seed is always accepted"));
        Self { seed: *seed, pair }
    }

    /// The seed — a secret.
    pub fn to_bytes(&self) -> [u8; 32] {
        self.seed
    }

    pub fn verifying_key(&self) -> VerifyingKey {
        let mut public = [0u8; 32];
        public.copy_from_slice(self.pair.public_key().as_ref());
        VerifyingKey(public)
    }

    /// The 64-byte signature of `message`.
    pub fn sign(&self, message: &[u8]) -> [u8; 64] {
        let mut out = [0u8; 64];
        out.copy_from_slice(self.pair.sign(message).as_ref());
        out
    }
}

impl Clone for SigningKey {
    fn clone(&self) -> Self {
        Self::from_bytes(&self.seed)
    }
}

impl fmt::Debug for SigningKey {
    /// The public half only: the seed never reaches a log.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SigningKey")
            .field("public", &self.verifying_key())
            .finish()
    }
}

/// An Ed25519 public key (32 bytes, RFC 8032 §5.1.2 encoding).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct VerifyingKey([u8; 32]);

impl VerifyingKey {
    /// The key, when the bytes decode to a curve point that is not of small order (see
    /// [`check_public_key`]).
    pub fn from_bytes(bytes: &[u8; 32]) -> Result<Self, PublicKeyError> {
        check_public_key(bytes).map(|()| Self(*bytes))
    }

    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }

    pub fn to_bytes(&self) -> [u8; 32] {
        self.0
    }
}

/// Why 32 bytes are not a usable Ed25519 public key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PublicKeyError {
    /// No curve point has this encoding.
    NotAPoint,
    /// One of the eight points of small order (the identity among them): anyone could forge
    /// signatures that such a key "verifies".
    SmallOrder,
}

/// Checks that `bytes` encode a point of the Ed25519 curve (RFC 8032 §5.1.3, with the
/// y-coordinate taken modulo p as ed25519-dalek does) that is not of small order.
pub fn check_public_key(bytes: &[u8; 32]) -> Result<(), PublicKeyError> {
    let curve = CurveY::of(bytes);
    // x² = u / v must have a square root (v = d y² + 1 is never 0: d is not a square), and u / v
    // is a square exactly when u v is (they differ by the square v²)
    if !curve.u.mul(&curve.v).is_square() {
        return Err(PublicKeyError::NotAPoint);
    }
    if curve.is_small_order() {
        return Err(PublicKeyError::SmallOrder);
    }
    Ok(())
}

/// Verifies an Ed25519 signature strictly: a small-order key verifies nothing, and *ring*
/// refuses a key that is not a curve point, a non-reduced scalar and a non-canonical `R`. The
/// small-order test costs a few field multiplications (the full [`check_public_key`] adds an
/// exponentiation, ~20 µs, which the parsers of a public key pay once).
pub fn verify(public_key: &[u8; 32], message: &[u8], signature: &[u8; 64]) -> bool {
    !CurveY::of(public_key).is_small_order()
        && UnparsedPublicKey::new(&ED25519, public_key)
            .verify(message, signature)
            .is_ok()
}

/// A point encoding's y and the two sides of x² = u / v it implies (RFC 8032 §5.1.3).
struct CurveY {
    y: field::Fe,
    y2: field::Fe,
    u: field::Fe,
    v: field::Fe,
}

impl CurveY {
    fn of(bytes: &[u8; 32]) -> Self {
        static D: std::sync::OnceLock<field::Fe> = std::sync::OnceLock::new();
        let d = D.get_or_init(field::Fe::d);
        let y = field::Fe::from_bytes(bytes);
        let y2 = y.square();
        Self {
            y,
            y2,
            u: y2.sub(&field::Fe::ONE),
            v: d.mul(&y2).add(&field::Fe::ONE),
        }
    }

    /// The small-order points: the identity and the point of order 2 (y = ±1, so u = 0), those of
    /// order 4 (y = 0) and those of order 8, whose double has y = 0: doubling on -x² + y² =
    /// 1 + d x² y² gives y₂ = (y² + x²) / (2 + x² - y²), so x² = -y², i.e. y² v + u = 0.
    fn is_small_order(&self) -> bool {
        self.y.is_zero() || self.u.is_zero() || self.y2.mul(&self.v).add(&self.u).is_zero()
    }
}

/// Arithmetic in GF(2^255 - 19), just enough to decode a point: five 51-bit limbs, products in
/// u128. Not constant time — it only ever sees public keys.
mod field {
    const MASK: u64 = (1 << 51) - 1;

    #[derive(Clone, Copy, Debug)]
    pub struct Fe([u64; 5]);

    impl Fe {
        pub const ONE: Fe = Fe([1, 0, 0, 0, 0]);

        /// The little-endian number in `bytes` with the top bit ignored (it is x's sign).
        pub fn from_bytes(bytes: &[u8; 32]) -> Fe {
            let word = |i: usize| {
                let mut w = [0u8; 8];
                w.copy_from_slice(&bytes[i * 8..i * 8 + 8]);
                u64::from_le_bytes(w)
            };
            let (w0, w1, w2, w3) = (word(0), word(1), word(2), word(3));
            Fe([
                w0 & MASK,
                ((w0 >> 51) | (w1 << 13)) & MASK,
                ((w1 >> 38) | (w2 << 26)) & MASK,
                ((w2 >> 25) | (w3 << 39)) & MASK,
                (w3 >> 12) & MASK,
            ])
        }

        /// d = -121665 / 121666 (RFC 8032 §5.1).
        pub fn d() -> Fe {
            Fe::small(121665).neg().mul(&Fe::small(121666).invert())
        }

        fn small(n: u64) -> Fe {
            Fe([n, 0, 0, 0, 0])
        }

        fn carry(mut l: [u128; 5]) -> Fe {
            for _ in 0..2 {
                for i in 0..4 {
                    l[i + 1] += l[i] >> 51;
                    l[i] &= MASK as u128;
                }
                l[0] += (l[4] >> 51) * 19;
                l[4] &= MASK as u128;
            }
            Fe(l.map(|x| x as u64))
        }

        pub fn add(&self, o: &Fe) -> Fe {
            let (a, b) = (self.0, o.0);
            Fe::carry(std::array::from_fn(|i| (a[i] + b[i]) as u128))
        }

        /// self - o, computed as self + 2p - o so no limb goes negative.
        pub fn sub(&self, o: &Fe) -> Fe {
            const TWO_P: [u64; 5] = [2 * ((1 << 51) - 19), 2 * MASK, 2 * MASK, 2 * MASK, 2 * MASK];
            let o = Fe::carry(o.0.map(u128::from)).0; // limbs below 2^52, so below 2p's
            let a = self.0;
            Fe::carry(std::array::from_fn(|i| {
                (a[i] as u128 + TWO_P[i] as u128) - o[i] as u128
            }))
        }

        fn neg(&self) -> Fe {
            Fe([0; 5]).sub(self)
        }

        pub fn mul(&self, o: &Fe) -> Fe {
            let a = self.0.map(u128::from);
            let b = o.0.map(u128::from);
            let b19: [u128; 5] = std::array::from_fn(|i| b[i] * 19);
            Fe::carry([
                a[0] * b[0] + a[1] * b19[4] + a[2] * b19[3] + a[3] * b19[2] + a[4] * b19[1],
                a[0] * b[1] + a[1] * b[0] + a[2] * b19[4] + a[3] * b19[3] + a[4] * b19[2],
                a[0] * b[2] + a[1] * b[1] + a[2] * b[0] + a[3] * b19[4] + a[4] * b19[3],
                a[0] * b[3] + a[1] * b[2] + a[2] * b[1] + a[3] * b[0] + a[4] * b19[4],
                a[0] * b[4] + a[1] * b[3] + a[2] * b[2] + a[3] * b[1] + a[4] * b[0],
            ])
        }

        pub fn square(&self) -> Fe {
            self.mul(self)
        }

        /// self^e, e a little-endian 256-bit number.
        fn pow(&self, e: &[u8; 32]) -> Fe {
            let mut result = Fe::ONE;
            for byte in e.iter().rev() {
                for bit in (0..8).rev() {
                    result = result.square();
                    if (byte >> bit) & 1 == 1 {
                        result = result.mul(self);
                    }
                }
            }
            result
        }

        /// 1/self (0 for 0): self^(p-2), p - 2 = 2^255 - 21.
        pub fn invert(&self) -> Fe {
            let mut e = [0xffu8; 32];
            e[0] = 0xeb;
            e[31] = 0x7f;
            self.pow(&e)
        }

        /// Euler's criterion: self^((p-1)/2) is 1 for a non-zero square, 0 for 0; (p-1)/2 =
        /// 2^254 - 10.
        pub fn is_square(&self) -> bool {
            let mut e = [0xffu8; 32];
            e[0] = 0xf6;
            e[31] = 0x3f;
            let r = self.pow(&e);
            self.is_zero() || r.equals(&Fe::ONE)
        }

        /// The canonical value (below p) as limbs.
        fn reduced(&self) -> [u64; 5] {
            let mut l = Fe::carry(self.0.map(u128::from)).0;
            // now below 2^255 + small; subtract p once if the value is at least p
            let ge_p = l[0] >= (1 << 51) - 19 && l[1..].iter().all(|&x| x == MASK);
            if ge_p {
                l[0] -= (1 << 51) - 19;
                for x in &mut l[1..] {
                    *x = 0;
                }
            }
            l
        }

        pub fn equals(&self, o: &Fe) -> bool {
            self.reduced() == o.reduced()
        }

        pub fn is_zero(&self) -> bool {
            self.reduced() == [0; 5]
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex(bytes: &[u8]) -> String {
        bytes.iter().map(|b| format!("{b:02x}")).collect()
    }

    fn from_hex(text: &str) -> Vec<u8> {
        (0..text.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&text[i..i + 2], 16).unwrap())
            .collect()
    }

    /// RFC 8032 §7.1, test 2 (one-byte message).
    #[test]
    fn rfc8032_test_vector() {
        let seed: [u8; 32] =
            from_hex("4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb")
                .try_into()
                .unwrap();
        let key = SigningKey::from_bytes(&seed);
        assert_eq!(
            hex(key.verifying_key().as_bytes()),
            "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c"
        );
        let sig = key.sign(&[0x72]);
        assert_eq!(
            hex(&sig),
            "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da\
             085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00"
        );
        assert!(verify(key.verifying_key().as_bytes(), &[0x72], &sig));
        assert!(!verify(key.verifying_key().as_bytes(), &[0x73], &sig));
    }

    /// Signing and verifying agree with ed25519-dalek, an independent implementation, both ways.
    #[test]
    fn signatures_agree_with_ed25519_dalek() {
        use ed25519_dalek::{Signer, Verifier};
        for i in 0u8..32 {
            let seed = [i.wrapping_mul(37).wrapping_add(1); 32];
            let ours = SigningKey::from_bytes(&seed);
            let theirs = ed25519_dalek::SigningKey::from_bytes(&seed);
            assert_eq!(
                ours.verifying_key().to_bytes(),
                theirs.verifying_key().to_bytes()
            );
            let message = vec![i; i as usize * 7];
            let sig = ours.sign(&message);
            assert_eq!(sig, theirs.sign(&message).to_bytes());
            assert!(verify(ours.verifying_key().as_bytes(), &message, &sig));
            assert!(theirs
                .verifying_key()
                .verify(&message, &ed25519_dalek::Signature::from_bytes(&sig))
                .is_ok());
            let mut bad = sig;
            bad[i as usize % 64] ^= 1;
            assert!(!verify(ours.verifying_key().as_bytes(), &message, &bad));
        }
    }

    /// The public-key check says what ed25519-dalek's decoding and `is_weak` say, on 4,000
    /// pseudo-random encodings (about half are not points), every small-order encoding and the
    /// non-canonical ones just above p.
    #[test]
    fn key_checks_agree_with_ed25519_dalek() {
        let dalek = |bytes: &[u8; 32]| match ed25519_dalek::VerifyingKey::from_bytes(bytes) {
            Err(_) => Err(PublicKeyError::NotAPoint),
            Ok(k) if k.is_weak() => Err(PublicKeyError::SmallOrder),
            Ok(_) => Ok(()),
        };
        let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
        let mut seen = [0usize; 3];
        let mut candidates: Vec<[u8; 32]> = (0..4000)
            .map(|_| {
                let mut b = [0u8; 32];
                for chunk in b.chunks_mut(8) {
                    x ^= x << 13;
                    x ^= x >> 7;
                    x ^= x << 17;
                    chunk.copy_from_slice(&x.to_le_bytes());
                }
                b
            })
            .collect();
        // small y values, -1 .. -20 mod p and the encodings of p + k (non-canonical), both signs
        for k in 0u8..20 {
            for sign in [0u8, 0x80] {
                let mut small = [0u8; 32];
                small[0] = k;
                small[31] |= sign;
                candidates.push(small);
                let mut minus = [0xffu8; 32];
                minus[0] = 0xec - k;
                minus[31] = 0x7f | sign;
                candidates.push(minus);
                // p + k for k < 19 (p's low byte is 0xed; the encodings up to 2^255 - 1)
                if let Some(low) = 0xedu8.checked_add(k) {
                    let mut above_p = [0xffu8; 32];
                    above_p[0] = low;
                    above_p[31] = 0x7f | sign;
                    candidates.push(above_p);
                }
            }
        }
        // the order-8 points (libsodium's blocklist) and their negatives
        for h in [
            "26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05",
            "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a",
            "26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc85",
            "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa",
        ] {
            candidates.push(from_hex(h).try_into().unwrap());
        }
        for bytes in &candidates {
            let ours = check_public_key(bytes);
            assert_eq!(ours, dalek(bytes), "key {}", hex(bytes));
            if ours != Err(PublicKeyError::NotAPoint) {
                // what `verify` tests alone says the same for every point
                assert_eq!(
                    CurveY::of(bytes).is_small_order(),
                    ours == Err(PublicKeyError::SmallOrder),
                    "key {}",
                    hex(bytes)
                );
            }
            seen[match ours {
                Ok(()) => 0,
                Err(PublicKeyError::NotAPoint) => 1,
                Err(PublicKeyError::SmallOrder) => 2,
            }] += 1;
        }
        assert!(seen.iter().all(|&n| n > 0), "every verdict met: {seen:?}");
    }

    /// A weak key is refused even with a signature *ring* alone would accept.
    #[test]
    fn a_small_order_key_verifies_nothing() {
        let identity = {
            let mut b = [0u8; 32];
            b[0] = 1;
            b
        };
        // S = 0 and R = identity: [S]B = R + [k]A holds for A = identity and any message
        let mut sig = [0u8; 64];
        sig[0] = 1;
        assert!(UnparsedPublicKey::new(&ED25519, &identity)
            .verify(b"anything", &sig)
            .is_ok());
        assert!(!verify(&identity, b"anything", &sig));
    }

    /// A key that is no curve point verifies nothing (ring decodes it and refuses).
    #[test]
    fn a_key_that_is_not_a_point_verifies_nothing() {
        let key = SigningKey::from_bytes(&[5; 32]);
        let sig = key.sign(b"m");
        let mut not_a_point = [0u8; 32];
        not_a_point[0] = (2u8..=255)
            .find(|&b| {
                let mut k = [0u8; 32];
                k[0] = b;
                check_public_key(&k) == Err(PublicKeyError::NotAPoint)
            })
            .unwrap();
        assert!(!verify(&not_a_point, b"m", &sig));
        assert!(verify(key.verifying_key().as_bytes(), b"m", &sig));
    }

    #[test]
    fn digests_and_macs_match_their_rfc_vectors() {
        assert_eq!(
            hex(&sha1(b"abc")),
            "a9993e364706816aba3e25717850c26c9cd0d89d"
        );
        assert_eq!(
            hex(&sha256(b"abc")),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert_eq!(
            Sha256::new().chain(b"a").chain(b"bc").finalize(),
            sha256(b"abc")
        );
        // RFC 4231 test case 2
        let message: &[u8] = b"what do ya want for nothing?";
        assert_eq!(
            hex(&hmac(HmacHash::Sha256, b"Jefe", message)),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
        assert_eq!(
            hmac_sha256(b"Jefe", &[b"what do ya ", b"want for nothing?"]).to_vec(),
            hmac(HmacHash::Sha256, b"Jefe", message)
        );
        assert_eq!(
            hex(&hmac(HmacHash::Sha512, b"Jefe", message)),
            "164b7a7bfcf819e2e395fbe73b56e0a387bd64222e831fd610270cd7ea250554\
             9758bf75c05a994a6d034f65f8f0e6fdcaeab1a34d4a6b4b636e070a38bce737"
        );
        // RFC 2202 test case 2
        assert_eq!(
            hex(&hmac(HmacHash::Sha1, b"Jefe", message)),
            "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79"
        );
    }

    #[test]
    fn the_debug_text_never_shows_the_seed() {
        let key = SigningKey::from_bytes(&[0xAB; 32]);
        let text = format!("{key:?}");
        assert!(!text.to_lowercase().contains(&"ab".repeat(8)), "{text}");
    }
}
