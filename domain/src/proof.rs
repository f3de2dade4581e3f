//! Signed receipts with selective disclosure: the retailer seals every receipt it delivers, and
//! the shopper shows a proof of one line (product, price, date, store) for a warranty claim or a
//! return — a QR the store verifies offline with the retailer's public key — without revealing
//! the rest of the basket.
//!
//! The seal (on the receipt, made by the server with the voucher and claim codes' Ed25519 key):
//!
//! ```text
//! salt_i   = HMAC-SHA256(seed, "LRS1 line" || u32be(i))[..16]     seed: 32 bytes, on the receipt
//! line_i   = JSON [i, gtin, name, quantity, unit price minor, currency, discount minor, warranty]
//! leaf_i   = SHA-256(0x00 || salt_i || line_i)
//! root     = the Merkle tree hash of RFC 9162 §2.1.1 over leaf_0 .. leaf_(n-1)
//!            (interior nodes SHA-256(0x01 || left || right))
//! signed   = "LRS1.<key id>." || base64url(JSON {"r": id, "s": store, "t": unix seconds,
//!            "n": lines, "m": base64url(root)})
//! ```
//!
//! The seed is derived from the retailer's secret and the receipt id, so the server stores
//! nothing new and answers the same seal every time. One line's salt reveals nothing of the other
//! lines' (HMAC), and without its salt a hidden line cannot be guessed from its leaf, even for a
//! product and price a verifier could enumerate.
//!
//! A line proof — the QR — is
//!
//! ```text
//! LRP1.<key id>.<base64url(payload)>.<base64url(signature)>
//! payload = JSON {"r","s","t","n", "i": line index, "l": line_i's fields as an object,
//!                 "z": base64url(salt_i), "p": base64url(the RFC 9162 inclusion path, 32 bytes each)}
//! ```
//!
//! The verifier recomputes the leaf from the disclosed line and its salt, the root from the
//! inclusion path (RFC 9162 §2.1.3.2), then the signed text, and checks the signature with
//! `verify_strict`. Total functions: any input gives a value or a typed refusal, never a panic.

use crate::check::InputError;
use crate::claim::{key_id, split_signed_code, SignedCode};
use crate::crypto::{self, hmac_sha256, Sha256, SigningKey};
use crate::money::Money;
pub use crate::receipts::ReceiptSeal;
use crate::receipts::{LineItem, Receipt};
use crate::reminders::{l10n, Lang};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::fmt;

/// The version tag of a receipt's signed header.
pub const SEAL_PREFIX: &str = "LRS1";
/// The version tag that starts every line proof.
pub const LINE_PROOF_PREFIX: &str = "LRP1";
/// Longest proof worth looking at: a 2,000-line receipt's proof with long texts stays under it.
pub const MAX_LINE_PROOF_LEN: usize = 3000;
/// Most lines a sealed receipt has (the receipt rule), hence at most 11 hashes in a path.
const MAX_LINES: usize = 2_000;
const MAX_PATH: usize = 11;

/// One receipt line as a proof discloses it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProvenLine {
    pub gtin: String,
    pub name: String,
    pub quantity: i64,
    pub unit_price: Money,
    /// What the member's offers took off this line at the till (0: none).
    pub discount_minor: i64,
    pub warranty_months: Option<u32>,
}

impl ProvenLine {
    /// What was paid for the line: quantity × unit price − discount.
    pub fn paid_minor(&self) -> i64 {
        self.quantity
            .saturating_mul(self.unit_price.amount_minor)
            .saturating_sub(self.discount_minor)
    }

    /// Last moment the warranty covers, if the item has one.
    pub fn warranty_until(&self, purchased_at: DateTime<Utc>) -> Option<DateTime<Utc>> {
        self.warranty_months
            .and_then(|m| purchased_at.checked_add_months(chrono::Months::new(m)))
    }
}

/// What a verified line proof vouches for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LineProof {
    pub receipt_id: String,
    pub store_name: String,
    pub purchased_at: DateTime<Utc>,
    /// Index of the line on the receipt.
    pub line_index: u32,
    /// How many lines the receipt has (the others stay hidden).
    pub line_count: u32,
    pub line: ProvenLine,
}

/// Why a scanned line proof is refused. [`ProofRefusal::reason`] is a fixed English sentence
/// free of personal data; [`ProofRefusal::text`] the text for the person at the till.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
pub enum ProofRefusal {
    /// Not a line proof (shape, version, Base64, or content this version does not understand).
    Malformed,
    /// Signed with another key than the retailer's.
    OtherRetailer,
    /// Names the retailer's key but does not verify: forged, or a line, price or date altered.
    NotGenuine,
}

impl ProofRefusal {
    pub const ALL: [ProofRefusal; 3] = [
        ProofRefusal::Malformed,
        ProofRefusal::OtherRetailer,
        ProofRefusal::NotGenuine,
    ];

    /// Stable snake_case name (the wire's and the CLI's).
    pub fn as_str(self) -> &'static str {
        match self {
            ProofRefusal::Malformed => "malformed",
            ProofRefusal::OtherRetailer => "other_retailer",
            ProofRefusal::NotGenuine => "not_genuine",
        }
    }

    /// A fixed English sentence for logs and errors (no personal data).
    pub fn reason(self) -> &'static str {
        match self {
            ProofRefusal::Malformed => "the scanned code is not a receipt line proof",
            ProofRefusal::OtherRetailer => "the receipt line proof is from another retailer",
            ProofRefusal::NotGenuine => {
                "the receipt line proof is not genuine: the retailer's signature does not match"
            }
        }
    }

    /// The text in `lang` (nl, fr, en).
    pub fn text(self, lang: Lang) -> String {
        let id = match self {
            ProofRefusal::Malformed => "proof-refused-malformed",
            ProofRefusal::OtherRetailer => "proof-refused-other-retailer",
            ProofRefusal::NotGenuine => "proof-refused-not-genuine",
        };
        l10n::localizer().format(lang, id, None)
    }
}

impl fmt::Display for ProofRefusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.reason())
    }
}

impl std::error::Error for ProofRefusal {}

/// The signed header's fields, in canonical order.
#[derive(Serialize)]
struct Header<'a> {
    r: &'a str,
    s: &'a str,
    t: i64,
    n: u32,
    m: String,
}

/// A disclosed line inside a proof, short keys to keep the QR small.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct WireLine {
    g: String,
    d: String,
    q: i64,
    u: i64,
    c: String,
    x: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    w: Option<u32>,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Payload {
    r: String,
    s: String,
    t: i64,
    n: u32,
    i: u32,
    l: WireLine,
    z: String,
    p: String,
}

/// The seed a receipt's line salts derive from: HMAC-SHA256 under a key derived (SHA-256, own
/// label) from the retailer's signing key, over the receipt id. Deterministic: the server
/// answers the same seal for the same receipt without storing it.
fn salt_seed(signing_key: &SigningKey, receipt_id: &str) -> [u8; 32] {
    let mut k = Sha256::new();
    k.update(b"loyalty receipt line salts v1\0");
    k.update(signing_key.to_bytes());
    hmac_sha256(&k.finalize(), &[receipt_id.as_bytes()])
}

fn line_salt(seed: &[u8; 32], index: u32) -> [u8; 16] {
    let full = hmac_sha256(seed, &[b"LRS1 line", &index.to_be_bytes()]);
    let mut salt = [0u8; 16];
    salt.copy_from_slice(&full[..16]);
    salt
}

fn disclosed(receipt: &Receipt, index: usize, line: &LineItem) -> ProvenLine {
    let discount_minor = receipt
        .discounts
        .iter()
        .find(|d| d.line as usize == index)
        .map_or(0, |d| d.amount_minor);
    ProvenLine {
        gtin: line.gtin.clone(),
        name: line.name.clone(),
        quantity: line.quantity,
        unit_price: line.unit_price.clone(),
        discount_minor,
        warranty_months: line.warranty_months,
    }
}

fn leaf_hash(index: u32, salt: &[u8; 16], line: &ProvenLine) -> [u8; 32] {
    // A JSON array of strings and integers: serde_json writes it one way only.
    let bytes = serde_json::to_vec(&(
        index,
        &line.gtin,
        &line.name,
        line.quantity,
        line.unit_price.amount_minor,
        &line.unit_price.currency,
        line.discount_minor,
        line.warranty_months,
    ))
    .unwrap_or_default();
    let mut h = Sha256::new();
    h.update([0u8]);
    h.update(salt);
    h.update(bytes);
    h.finalize()
}

fn node_hash(left: &[u8; 32], right: &[u8; 32]) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update([1u8]);
    h.update(left);
    h.update(right);
    h.finalize()
}

/// Largest power of two smaller than `n` (n ≥ 2).
fn split(n: usize) -> usize {
    let mut k = 1;
    while k * 2 < n {
        k *= 2;
    }
    k
}

/// MTH of RFC 9162 §2.1.1 over leaf hashes (non-empty).
fn tree_hash(leaves: &[[u8; 32]]) -> [u8; 32] {
    if leaves.len() == 1 {
        return leaves[0];
    }
    let k = split(leaves.len());
    node_hash(&tree_hash(&leaves[..k]), &tree_hash(&leaves[k..]))
}

/// PATH(m, D[n]) of RFC 9162 §2.1.3.1.
fn inclusion_path(m: usize, leaves: &[[u8; 32]], out: &mut Vec<[u8; 32]>) {
    if leaves.len() <= 1 {
        return;
    }
    let k = split(leaves.len());
    if m < k {
        inclusion_path(m, &leaves[..k], out);
        out.push(tree_hash(&leaves[k..]));
    } else {
        inclusion_path(m - k, &leaves[k..], out);
        out.push(tree_hash(&leaves[..k]));
    }
}

/// The root an inclusion path leads to (RFC 9162 §2.1.3.2), or `None` when the path does not
/// fit the tree size.
fn root_from_path(index: u32, size: u32, leaf: [u8; 32], path: &[[u8; 32]]) -> Option<[u8; 32]> {
    if index >= size {
        return None;
    }
    let (mut f, mut s) = (index, size - 1);
    let mut r = leaf;
    for p in path {
        if s == 0 {
            return None;
        }
        if f & 1 == 1 || f == s {
            r = node_hash(p, &r);
            while f & 1 == 0 && f != 0 {
                f >>= 1;
                s >>= 1;
            }
        } else {
            r = node_hash(&r, p);
        }
        f >>= 1;
        s >>= 1;
    }
    (s == 0).then_some(r)
}

fn leaves(receipt: &Receipt, seed: &[u8; 32]) -> Vec<[u8; 32]> {
    receipt
        .lines
        .iter()
        .enumerate()
        .map(|(i, line)| {
            let i = i as u32;
            leaf_hash(
                i,
                &line_salt(seed, i),
                &disclosed(receipt, i as usize, line),
            )
        })
        .collect()
}

fn signed_header(
    kid: &str,
    receipt_id: &str,
    store_name: &str,
    purchased_at: i64,
    lines: u32,
    root: &[u8; 32],
) -> String {
    let header = Header {
        r: receipt_id,
        s: store_name,
        t: purchased_at,
        n: lines,
        m: URL_SAFE_NO_PAD.encode(root),
    };
    let json = serde_json::to_vec(&header).unwrap_or_default();
    format!("{SEAL_PREFIX}.{kid}.{}", URL_SAFE_NO_PAD.encode(json))
}

/// Seals `receipt` with the retailer's key (the server does, for every receipt it delivers).
/// Refuses a receipt that breaks the receipt rules. The time is sealed to the second.
pub fn seal_receipt(
    receipt: &Receipt,
    signing_key: &SigningKey,
) -> Result<ReceiptSeal, InputError> {
    let mut unsealed = receipt.clone();
    unsealed.seal = None;
    unsealed.validate()?;
    let seed = salt_seed(signing_key, &receipt.id);
    let root = tree_hash(&leaves(receipt, &seed));
    let kid = key_id(&signing_key.verifying_key().to_bytes());
    let header = signed_header(
        &kid,
        &receipt.id,
        &receipt.store_name,
        receipt.purchased_at.timestamp(),
        receipt.lines.len() as u32,
        &root,
    );
    let signature = signing_key.sign(header.as_bytes());
    Ok(ReceiptSeal {
        key_id: kid,
        salt_seed: URL_SAFE_NO_PAD.encode(seed),
        signature: URL_SAFE_NO_PAD.encode(signature),
    })
}

/// Whether the seal on `receipt` is the retailer's over exactly this receipt (the phone checks
/// before it offers proofs; a receipt without a seal is [`ProofRefusal::Malformed`]).
pub fn verify_seal(receipt: &Receipt, public_key: &[u8; 32]) -> Result<(), ProofRefusal> {
    let seal = receipt.seal.as_ref().ok_or(ProofRefusal::Malformed)?;
    let (Some(seed), Some(sig)) = (seal.seed(), seal.signature_bytes()) else {
        return Err(ProofRefusal::Malformed);
    };
    if !seal.key_id.eq_ignore_ascii_case(&key_id(public_key)) {
        return Err(ProofRefusal::OtherRetailer);
    }
    if receipt.lines.is_empty() || receipt.lines.len() > MAX_LINES {
        return Err(ProofRefusal::Malformed);
    }
    let root = tree_hash(&leaves(receipt, &seed));
    let header = signed_header(
        &key_id(public_key),
        &receipt.id,
        &receipt.store_name,
        receipt.purchased_at.timestamp(),
        receipt.lines.len() as u32,
        &root,
    );
    if crypto::verify(public_key, header.as_bytes(), &sig) {
        Ok(())
    } else {
        Err(ProofRefusal::NotGenuine)
    }
}

/// The proof of line `index` of a sealed receipt: the text of the QR to show at the till.
pub fn line_proof(receipt: &Receipt, index: u32) -> Result<String, InputError> {
    let seal = receipt
        .seal
        .as_ref()
        .ok_or_else(|| InputError::new("this receipt carries no retailer seal to prove a line"))?;
    seal.validate()?;
    let (Some(seed), Some(_)) = (seal.seed(), seal.signature_bytes()) else {
        return Err(InputError::new("the receipt's seal is damaged"));
    };
    let Some(line) = receipt.lines.get(index as usize) else {
        return Err(InputError::new("the receipt has no line with this number"));
    };
    let all = leaves(receipt, &seed);
    let mut path = Vec::with_capacity(MAX_PATH);
    inclusion_path(index as usize, &all, &mut path);
    let shown = disclosed(receipt, index as usize, line);
    let payload = Payload {
        r: receipt.id.clone(),
        s: receipt.store_name.clone(),
        t: receipt.purchased_at.timestamp(),
        n: receipt.lines.len() as u32,
        i: index,
        l: WireLine {
            g: shown.gtin,
            d: shown.name,
            q: shown.quantity,
            u: shown.unit_price.amount_minor,
            c: shown.unit_price.currency,
            x: shown.discount_minor,
            w: shown.warranty_months,
        },
        z: URL_SAFE_NO_PAD.encode(line_salt(&seed, index)),
        p: URL_SAFE_NO_PAD.encode(path.concat()),
    };
    let json = serde_json::to_vec(&payload)
        .map_err(|_| InputError::new("the line proof could not be encoded"))?;
    Ok(format!(
        "{LINE_PROOF_PREFIX}.{}.{}.{}",
        seal.key_id.to_ascii_uppercase(),
        URL_SAFE_NO_PAD.encode(json),
        seal.signature
    ))
}

/// Verifies a scanned line proof with the retailer's public key, offline.
///
/// In order: shape → [`ProofRefusal::Malformed`]; key id → [`ProofRefusal::OtherRetailer`];
/// leaf, path, root and signature → [`ProofRefusal::NotGenuine`]; the disclosed line's content
/// (GTIN check digit, quantity, prices, discount) → Malformed. A proof does not expire: a
/// warranty lasts years; whether a line was already returned is the store's ledger to judge.
pub fn verify_line_proof(text: &str, public_key: &[u8; 32]) -> Result<LineProof, ProofRefusal> {
    let text = text.trim_matches(|c: char| c.is_ascii_whitespace());
    if text.len() > MAX_LINE_PROOF_LEN || !text.is_ascii() {
        return Err(ProofRefusal::Malformed);
    }
    let SignedCode {
        kid,
        payload,
        signature,
        ..
    } = split_signed_code(text, LINE_PROOF_PREFIX).ok_or(ProofRefusal::Malformed)?;
    let p: Payload = serde_json::from_slice(&payload).map_err(|_| ProofRefusal::Malformed)?;
    let salt: [u8; 16] = URL_SAFE_NO_PAD
        .decode(&p.z)
        .ok()
        .and_then(|b| b.try_into().ok())
        .ok_or(ProofRefusal::Malformed)?;
    let path_bytes = URL_SAFE_NO_PAD
        .decode(&p.p)
        .map_err(|_| ProofRefusal::Malformed)?;
    if path_bytes.len() % 32 != 0 || path_bytes.len() / 32 > MAX_PATH {
        return Err(ProofRefusal::Malformed);
    }
    let path: Vec<[u8; 32]> = path_bytes
        .chunks_exact(32)
        .map(|c| {
            let mut h = [0u8; 32];
            h.copy_from_slice(c);
            h
        })
        .collect();
    if p.n == 0 || p.n as usize > MAX_LINES || p.i >= p.n {
        return Err(ProofRefusal::Malformed);
    }
    let purchased_at = DateTime::<Utc>::from_timestamp(p.t, 0).ok_or(ProofRefusal::Malformed)?;
    if !kid.eq_ignore_ascii_case(&key_id(public_key)) {
        return Err(ProofRefusal::OtherRetailer);
    }
    let line = ProvenLine {
        gtin: p.l.g,
        name: p.l.d,
        quantity: p.l.q,
        unit_price: Money {
            amount_minor: p.l.u,
            currency: p.l.c,
        },
        discount_minor: p.l.x,
        warranty_months: p.l.w,
    };
    let root = root_from_path(p.i, p.n, leaf_hash(p.i, &salt, &line), &path)
        .ok_or(ProofRefusal::NotGenuine)?;
    let header = signed_header(&key_id(public_key), &p.r, &p.s, p.t, p.n, &root);
    if !crypto::verify(public_key, header.as_bytes(), &signature) {
        return Err(ProofRefusal::NotGenuine);
    }
    // Signed by the retailer, so well-formed unless its key signed nonsense: checked anyway.
    let as_item = LineItem {
        names: Default::default(),
        gtin: line.gtin.clone(),
        name: line.name.clone(),
        quantity: line.quantity,
        unit_price: line.unit_price.clone(),
        category: "-".into(),
        lot: None,
        warranty_months: line.warranty_months,
    };
    if as_item.validate().is_err()
        || crate::check::non_empty("receipt id", &p.r, 128).is_err()
        || crate::check::non_empty("store name", &p.s, 200).is_err()
        || !(0..=as_item.line_total()).contains(&line.discount_minor)
    {
        return Err(ProofRefusal::Malformed);
    }
    Ok(LineProof {
        receipt_id: p.r,
        store_name: p.s,
        purchased_at,
        line_index: p.i,
        line_count: p.n,
        line,
    })
}

/// The key id a proof names, for a till that holds several retailers' keys (Base16, 16
/// characters), or `None` when the text is not shaped like a proof.
pub fn proof_key_id(text: &str) -> Option<String> {
    let mut parts = text.trim().split('.');
    (parts.next() == Some(LINE_PROOF_PREFIX))
        .then(|| parts.next())
        .flatten()
        .filter(|k| k.len() == 16 && k.bytes().all(|b| b.is_ascii_hexdigit()))
        .map(str::to_ascii_uppercase)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::receipts::OfferTitle;
    use crate::receipts::{ReceiptDiscount, ReceiptSource};

    fn key() -> SigningKey {
        SigningKey::from_bytes(&[7u8; 32])
    }
    fn pk() -> [u8; 32] {
        key().verifying_key().to_bytes()
    }
    fn line(gtin: &str, name: &str, q: i64, cents: i64, warranty: Option<u32>) -> LineItem {
        LineItem {
            names: Default::default(),
            gtin: gtin.into(),
            name: name.into(),
            quantity: q,
            unit_price: Money {
                amount_minor: cents,
                currency: "EUR".into(),
            },
            category: "electronics".into(),
            lot: None,
            warranty_months: warranty,
        }
    }
    fn receipt(lines: usize) -> Receipt {
        let gtins = [
            "5410000000019",
            "5410000000026",
            "5410000000033",
            "96385074",
        ];
        Receipt {
            store_names: Default::default(),
            id: "R-2026-000123".into(),
            store_name: "Gent Zuid".into(),
            purchased_at: DateTime::from_timestamp(1_780_000_000, 0).unwrap(),
            lines: (0..lines)
                .map(|i| {
                    line(
                        gtins[i % gtins.len()],
                        &format!("Article {i}"),
                        1 + (i as i64 % 3),
                        199 + i as i64,
                        (i % 2 == 0).then_some(24),
                    )
                })
                .collect(),
            source: ReceiptSource::Server,
            return_window_days: None,
            discounts: vec![],
            seal: None,
        }
    }
    fn sealed(lines: usize) -> Receipt {
        let mut r = receipt(lines);
        r.seal = Some(seal_receipt(&r, &key()).unwrap());
        r
    }

    #[test]
    fn every_line_of_every_tree_shape_proves_and_shows_only_itself() {
        for n in [1, 2, 3, 4, 5, 7, 8, 9, 16, 31, 100] {
            let r = sealed(n);
            assert_eq!(r.validate(), Ok(()));
            assert_eq!(verify_seal(&r, &pk()), Ok(()));
            for i in 0..n {
                let code = line_proof(&r, i as u32).unwrap();
                let proof = verify_line_proof(&code, &pk()).unwrap();
                assert_eq!(proof.receipt_id, r.id);
                assert_eq!(proof.store_name, r.store_name);
                assert_eq!(proof.purchased_at, r.purchased_at);
                assert_eq!((proof.line_index, proof.line_count), (i as u32, n as u32));
                assert_eq!(proof.line.name, r.lines[i].name);
                assert_eq!(proof.line.gtin, r.lines[i].gtin);
                assert_eq!(proof.line.paid_minor(), r.lines[i].line_total());
                // The other lines' names are nowhere in the code, not even encoded.
                let json = URL_SAFE_NO_PAD
                    .decode(code.split('.').nth(2).unwrap())
                    .unwrap();
                let json = String::from_utf8(json).unwrap();
                for (j, other) in r.lines.iter().enumerate() {
                    if j != i && other.name != r.lines[i].name {
                        assert!(
                            !json.contains(&format!("\"{}\"", other.name)),
                            "{n} lines, line {i} shows {j}"
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn the_seal_is_deterministic_and_a_proof_of_the_largest_receipt_stays_compact() {
        let r = receipt(2_000);
        assert_eq!(seal_receipt(&r, &key()), seal_receipt(&r, &key()));
        let mut r = r;
        r.seal = Some(seal_receipt(&r, &key()).unwrap());
        let code = line_proof(&r, 1_999).unwrap();
        assert!(code.len() < 1_200, "{}", code.len());
        assert!(verify_line_proof(&code, &pk()).is_ok());
        let other = SigningKey::from_bytes(&[8u8; 32]);
        assert_ne!(
            seal_receipt(&r, &other).unwrap().salt_seed,
            r.seal.as_ref().unwrap().salt_seed
        );
    }

    #[test]
    fn a_discounted_line_proves_what_was_paid() {
        let mut r = receipt(3);
        r.discounts = vec![ReceiptDiscount {
            line: 1,
            offer_id: "off_1".into(),
            title: OfferTitle {
                nl: "Korting".into(),
                fr: "Remise".into(),
                en: "Discount".into(),
            },
            amount_minor: 100,
        }];
        r.seal = Some(seal_receipt(&r, &key()).unwrap());
        let proof = verify_line_proof(&line_proof(&r, 1).unwrap(), &pk()).unwrap();
        assert_eq!(proof.line.discount_minor, 100);
        assert_eq!(proof.line.paid_minor(), r.line_paid_minor(1));
    }

    /// Re-signs nothing: edits the payload of a genuine proof and re-encodes it.
    fn tamper(code: &str, edit: impl Fn(&mut serde_json::Value)) -> String {
        let parts: Vec<&str> = code.split('.').collect();
        let mut v: serde_json::Value =
            serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[2]).unwrap()).unwrap();
        edit(&mut v);
        let payload = URL_SAFE_NO_PAD.encode(serde_json::to_vec(&v).unwrap());
        format!("{}.{}.{payload}.{}", parts[0], parts[1], parts[3])
    }

    #[test]
    fn altered_forged_and_other_retailer_proofs_are_refused() {
        let r = sealed(9);
        let code = line_proof(&r, 4).unwrap();
        use serde_json::json;
        for (what, edit) in [
            (
                "price",
                Box::new(|v: &mut serde_json::Value| v["l"]["u"] = json!(1))
                    as Box<dyn Fn(&mut serde_json::Value)>,
            ),
            (
                "name",
                Box::new(|v: &mut serde_json::Value| v["l"]["d"] = json!("TV 85\"")),
            ),
            (
                "quantity",
                Box::new(|v: &mut serde_json::Value| v["l"]["q"] = json!(3)),
            ),
            (
                "warranty",
                Box::new(|v: &mut serde_json::Value| v["l"]["w"] = json!(60)),
            ),
            (
                "discount",
                Box::new(|v: &mut serde_json::Value| v["l"]["x"] = json!(5)),
            ),
            (
                "date",
                Box::new(|v: &mut serde_json::Value| v["t"] = json!(1_790_000_000)),
            ),
            (
                "store",
                Box::new(|v: &mut serde_json::Value| v["s"] = json!("Brugge")),
            ),
            (
                "receipt",
                Box::new(|v: &mut serde_json::Value| v["r"] = json!("R-1")),
            ),
            (
                "index",
                Box::new(|v: &mut serde_json::Value| v["i"] = json!(5)),
            ),
            (
                "size",
                Box::new(|v: &mut serde_json::Value| v["n"] = json!(10)),
            ),
            (
                "salt",
                Box::new(|v: &mut serde_json::Value| v["z"] = json!("AAAAAAAAAAAAAAAAAAAAAA")),
            ),
            (
                "path",
                Box::new(|v: &mut serde_json::Value| {
                    let mut p = URL_SAFE_NO_PAD.decode(v["p"].as_str().unwrap()).unwrap();
                    p.rotate_left(32);
                    v["p"] = json!(URL_SAFE_NO_PAD.encode(p));
                }),
            ),
        ] {
            let altered = tamper(&code, edit);
            assert_ne!(altered, code, "{what}");
            assert_eq!(
                verify_line_proof(&altered, &pk()),
                Err(ProofRefusal::NotGenuine),
                "{what}"
            );
        }
        // Another line's content with this line's salt and path.
        let other = line_proof(&r, 5).unwrap();
        let swapped = tamper(&code, |v| {
            let o: serde_json::Value = serde_json::from_slice(
                &URL_SAFE_NO_PAD
                    .decode(other.split('.').nth(2).unwrap())
                    .unwrap(),
            )
            .unwrap();
            v["l"] = o["l"].clone();
        });
        assert_eq!(
            verify_line_proof(&swapped, &pk()),
            Err(ProofRefusal::NotGenuine)
        );
        // Signed by another key that claims the retailer's id; and another retailer's proof.
        let forger = SigningKey::from_bytes(&[9u8; 32]);
        let mut forged = receipt(9);
        forged.seal = Some(seal_receipt(&forged, &forger).unwrap());
        let forged_code = line_proof(&forged, 4).unwrap();
        assert_eq!(
            verify_line_proof(&forged_code, &pk()),
            Err(ProofRefusal::OtherRetailer)
        );
        let kid = key_id(&pk());
        let parts: Vec<&str> = forged_code.split('.').collect();
        let claimed = format!("{}.{kid}.{}.{}", parts[0], parts[2], parts[3]);
        assert_eq!(
            verify_line_proof(&claimed, &pk()),
            Err(ProofRefusal::NotGenuine)
        );
        // A seal over other content does not verify on the phone either.
        let mut edited = r.clone();
        edited.lines[0].unit_price.amount_minor += 1;
        assert_eq!(verify_seal(&edited, &pk()), Err(ProofRefusal::NotGenuine));
        assert_eq!(
            verify_seal(&receipt(2), &pk()),
            Err(ProofRefusal::Malformed)
        );
    }

    #[test]
    fn garbage_is_malformed_and_never_panics() {
        let r = sealed(5);
        let code = line_proof(&r, 2).unwrap();
        let mut inputs: Vec<String> = vec![
            "".into(),
            "LRP1".into(),
            "LRP1...".into(),
            "LCR1.0123456789ABCDEF.e30.AA".into(),
            code.replace("LRP1", "LRP2"),
            format!("{code}.x"),
            code[..code.len() - 3].to_string(),
            "é".repeat(10),
            "A".repeat(MAX_LINE_PROOF_LEN + 1),
            tamper(&code, |v| v["extra"] = serde_json::json!(1)),
            tamper(&code, |v| v["p"] = serde_json::json!("AAAA")),
            tamper(&code, |v| v["i"] = serde_json::json!(9)),
            tamper(&code, |v| v["n"] = serde_json::json!(0)),
            tamper(&code, |v| v["t"] = serde_json::json!(i64::MAX)),
        ];
        for cut in (0..code.len()).step_by(7) {
            inputs.push(code[..cut].to_string());
        }
        for input in &inputs {
            assert!(verify_line_proof(input, &pk()).is_err(), "{input}");
        }
        for input in &inputs[..9] {
            assert_eq!(
                verify_line_proof(input, &pk()),
                Err(ProofRefusal::Malformed),
                "{input}"
            );
        }
        // Proving on a receipt without a seal, or a line it has not, is a clear input error.
        assert!(line_proof(&receipt(3), 0).is_err());
        assert!(line_proof(&r, 5).is_err());
        assert_eq!(proof_key_id(&code), Some(key_id(&pk())));
        assert_eq!(proof_key_id("nonsense"), None);
    }

    #[test]
    fn every_refusal_has_a_text_in_each_language() {
        for refusal in ProofRefusal::ALL {
            let texts: Vec<String> = [Lang::Nl, Lang::Fr, Lang::En]
                .into_iter()
                .map(|l| refusal.text(l))
                .collect();
            for t in &texts {
                assert!(!t.is_empty() && !t.contains("proof-refused"), "{t}");
            }
            assert_ne!(texts[0], texts[2]);
            assert_ne!(texts[1], texts[2]);
        }
    }

    #[test]
    fn the_tree_matches_rfc_9162_for_small_sizes() {
        // Independent reference: the root of [a, b, c] is H(1|H(1|a|b)|c).
        let l: Vec<[u8; 32]> = (0..3u8).map(|b| [b; 32]).collect();
        assert_eq!(tree_hash(&l), node_hash(&node_hash(&l[0], &l[1]), &l[2]));
        let mut path = vec![];
        inclusion_path(2, &l, &mut path);
        assert_eq!(path, vec![node_hash(&l[0], &l[1])]);
        assert_eq!(root_from_path(2, 3, l[2], &path), Some(tree_hash(&l)));
        assert_eq!(root_from_path(3, 3, l[2], &path), None);
        assert_eq!(root_from_path(0, 1, l[0], &[]), Some(l[0]));
        assert_eq!(root_from_path(0, 1, l[0], &path), None);
    }
}
