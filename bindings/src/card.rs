//! The card at the till through the bindings: rendering in the 13 symbologies, TOTP, the
//! member card, imported cards, verification at the till and signed voucher codes.

use crate::error::{invalid, LoyaltyError, Result};
use crate::types::{st, utc, Voucher, VoucherKind};
use loyalty_core as core;
use loyalty_core::card;
use loyalty_core::render;
use std::sync::{Arc, Mutex};
use std::time::SystemTime;

// ---------------------------------------------------------------------------------------------
// Rendering

/// The 13 symbologies Catima offers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum Symbology {
    Aztec,
    Code39,
    Code93,
    Code128,
    Codabar,
    DataMatrix,
    Ean8,
    Ean13,
    Itf,
    Pdf417,
    QrCode,
    UpcA,
    UpcE,
}

macro_rules! symbology_map {
    ($($v:ident),*) => {
        impl From<Symbology> for render::Symbology {
            fn from(s: Symbology) -> Self { match s { $(Symbology::$v => render::Symbology::$v),* } }
        }
        impl From<render::Symbology> for Symbology {
            fn from(s: render::Symbology) -> Self { match s { $(render::Symbology::$v => Symbology::$v),* } }
        }
    };
}
symbology_map!(
    Aztec, Code39, Code93, Code128, Codabar, DataMatrix, Ean8, Ean13, Itf, Pdf417, QrCode, UpcA,
    UpcE
);

/// Catima's name of a symbology ("QR_CODE", "EAN_13", ...).
#[uniffi::export]
pub fn symbology_catima_name(symbology: Symbology) -> String {
    render::Symbology::from(symbology).catima_name().to_string()
}

/// The symbology with this Catima name, or `null`.
#[uniffi::export]
pub fn symbology_from_catima_name(name: String) -> Option<Symbology> {
    render::Symbology::from_catima_name(&name).map(Into::into)
}

/// Error correction (QR; mapped for Aztec and PDF417; ignored by the others).
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum EcLevel {
    Low,
    Medium,
    Quartile,
    High,
}

impl From<EcLevel> for render::EcLevel {
    fn from(e: EcLevel) -> Self {
        match e {
            EcLevel::Low => Self::Low,
            EcLevel::Medium => Self::Medium,
            EcLevel::Quartile => Self::Quartile,
            EcLevel::High => Self::High,
        }
    }
}

/// A symbol's modules for native drawing: row-major, one byte per module, 1 = dark, no quiet
/// zone. Linear (1D) codes have `height` 1.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct BarcodeMatrix {
    pub symbology: Symbology,
    pub width: u32,
    pub height: u32,
    pub modules: Vec<u8>,
}

impl From<render::BarcodeMatrix> for BarcodeMatrix {
    fn from(m: render::BarcodeMatrix) -> Self {
        Self {
            symbology: m.symbology.into(),
            width: m.width,
            height: m.height,
            modules: m.modules.iter().map(|&d| u8::from(d)).collect(),
        }
    }
}

impl TryFrom<BarcodeMatrix> for render::BarcodeMatrix {
    type Error = LoyaltyError;

    fn try_from(m: BarcodeMatrix) -> Result<Self> {
        let expected = (m.width as usize).checked_mul(m.height as usize);
        if m.width == 0 || m.height == 0 || expected != Some(m.modules.len()) {
            return Err(invalid("matrix modules must number width × height"));
        }
        if m.modules.iter().any(|&b| b > 1) {
            return Err(invalid("matrix modules must be 0 or 1"));
        }
        Ok(Self {
            symbology: m.symbology.into(),
            width: m.width,
            height: m.height,
            modules: m.modules.iter().map(|&b| b == 1).collect(),
        })
    }
}

#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct RenderOptions {
    /// Quiet zone in modules; `null`: the symbology's standard minimum.
    pub quiet_zone: Option<u32>,
    /// Pixels (PNG) or user units (SVG) per module, >= 1.
    pub scale: u32,
    /// Light modules on a dark background.
    pub dark_mode: bool,
    /// Bar height of 1D codes, in modules.
    pub bar_height: u32,
}

impl From<RenderOptions> for render::RenderOptions {
    fn from(o: RenderOptions) -> Self {
        Self {
            quiet_zone: o.quiet_zone,
            scale: o.scale,
            dark_mode: o.dark_mode,
            bar_height: o.bar_height,
        }
    }
}

/// Standard quiet zone, 4 px per module, light background, 1D bars 60 modules high.
#[uniffi::export]
pub fn default_render_options() -> RenderOptions {
    let o = render::RenderOptions::default();
    RenderOptions {
        quiet_zone: o.quiet_zone,
        scale: o.scale,
        dark_mode: o.dark_mode,
        bar_height: o.bar_height,
    }
}

/// Checks `payload` against the symbology's rules and encodes it.
#[uniffi::export]
pub fn encode_barcode(payload: String, symbology: Symbology, ec: EcLevel) -> Result<BarcodeMatrix> {
    Ok(render::encode(&payload, symbology.into(), ec.into())?.into())
}

/// A PNG of the matrix.
#[uniffi::export]
pub fn barcode_png(matrix: BarcodeMatrix, options: RenderOptions) -> Result<Vec<u8>> {
    Ok(render::to_png(&matrix.try_into()?, &options.into())?)
}

/// An SVG of the matrix.
#[uniffi::export]
pub fn barcode_svg(matrix: BarcodeMatrix, options: RenderOptions) -> Result<String> {
    Ok(render::to_svg(&matrix.try_into()?, &options.into()))
}

// ---------------------------------------------------------------------------------------------
// TOTP

#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum TotpAlgorithm {
    Sha1,
    Sha256,
    Sha512,
}

/// RFC 6238 parameters: HMAC algorithm, digits (6–10), period in milliseconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Record)]
pub struct TotpParams {
    pub algorithm: TotpAlgorithm,
    pub digits: u32,
    pub period_millis: u64,
}

impl From<TotpAlgorithm> for card::TotpAlgorithm {
    fn from(a: TotpAlgorithm) -> Self {
        match a {
            TotpAlgorithm::Sha1 => Self::Sha1,
            TotpAlgorithm::Sha256 => Self::Sha256,
            TotpAlgorithm::Sha512 => Self::Sha512,
        }
    }
}

impl From<TotpParams> for card::TotpParams {
    fn from(p: TotpParams) -> Self {
        Self {
            algorithm: p.algorithm.into(),
            digits: p.digits,
            period_millis: p.period_millis,
        }
    }
}

impl From<card::TotpParams> for TotpParams {
    fn from(p: card::TotpParams) -> Self {
        Self {
            algorithm: match p.algorithm {
                card::TotpAlgorithm::Sha1 => TotpAlgorithm::Sha1,
                card::TotpAlgorithm::Sha256 => TotpAlgorithm::Sha256,
                card::TotpAlgorithm::Sha512 => TotpAlgorithm::Sha512,
            },
            digits: p.digits,
            period_millis: p.period_millis,
        }
    }
}

/// SHA-1, 8 digits, 30 seconds.
#[uniffi::export]
pub fn default_totp_params() -> TotpParams {
    card::TotpParams::default().into()
}

/// The TOTP value for `secret` at `at` (RFC 6238).
#[uniffi::export]
pub fn totp_code(secret: Vec<u8>, params: TotpParams, at: SystemTime) -> Result<String> {
    let params: card::TotpParams = params.into();
    params.validate()?;
    card::validate_secret(&secret)?;
    Ok(card::totp(&secret, &params, utc(at)?)?)
}

/// A new random secret of the algorithm's recommended length.
#[uniffi::export]
pub fn new_totp_secret(algorithm: TotpAlgorithm) -> Vec<u8> {
    card::new_secret(algorithm.into())
}

/// The current value of a Google Wallet `rotatingBarcode` (its JSON) at `at`: what Google Wallet
/// would show, for checking a pass against the app.
#[uniffi::export]
pub fn google_rotating_barcode_value(json: String, at: SystemTime) -> Result<String> {
    let barcode = card::GoogleRotatingBarcode::from_json(&json)?;
    Ok(barcode.render(utc(at)?)?)
}

// ---------------------------------------------------------------------------------------------
// Secrets

/// A failure of the app's secret store.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, uniffi::Error)]
pub enum SecretStoreError {
    #[error("secure storage failed: {reason}")]
    Failed { reason: String },
}

impl From<uniffi::UnexpectedUniFFICallbackError> for SecretStoreError {
    fn from(e: uniffi::UnexpectedUniFFICallbackError) -> Self {
        Self::Failed { reason: e.reason }
    }
}

/// Secure storage for secrets (the card's TOTP seed), backed by the Android Keystore or the iOS
/// Keychain. Called on the caller's thread; must not call back into Loyalty Core.
#[uniffi::export(with_foreign)]
pub trait SecretStore: Send + Sync {
    fn get(&self, key: String) -> std::result::Result<Option<Vec<u8>>, SecretStoreError>;
    fn put(&self, key: String, value: Vec<u8>) -> std::result::Result<(), SecretStoreError>;
    fn delete(&self, key: String) -> std::result::Result<(), SecretStoreError>;
}

pub(crate) struct ForeignSecrets(pub Arc<dyn SecretStore>);

fn store_error(e: SecretStoreError) -> core::secrets::SecretStoreError {
    let SecretStoreError::Failed { reason } = e;
    core::secrets::SecretStoreError { reason }
}

impl core::secrets::SecretStore for ForeignSecrets {
    fn get(
        &self,
        key: &str,
    ) -> std::result::Result<Option<Vec<u8>>, core::secrets::SecretStoreError> {
        self.0.get(key.to_string()).map_err(store_error)
    }

    fn put(
        &self,
        key: &str,
        value: &[u8],
    ) -> std::result::Result<(), core::secrets::SecretStoreError> {
        self.0
            .put(key.to_string(), value.to_vec())
            .map_err(store_error)
    }

    fn delete(&self, key: &str) -> std::result::Result<(), core::secrets::SecretStoreError> {
        self.0.delete(key.to_string()).map_err(store_error)
    }
}

// ---------------------------------------------------------------------------------------------
// The member card and imported cards

#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct MemberCard {
    pub card_number: String,
    pub params: TotpParams,
    pub enrolled_at: SystemTime,
}

impl From<card::MemberCard> for MemberCard {
    fn from(c: card::MemberCard) -> Self {
        Self {
            card_number: c.card_number,
            params: c.params.into(),
            enrolled_at: st(c.enrolled_at),
        }
    }
}

/// The code to show now; redraw at `valid_until`.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct RotatingCode {
    pub payload: String,
    pub counter: u64,
    pub valid_from: SystemTime,
    pub valid_until: SystemTime,
}

impl From<card::RotatingCode> for RotatingCode {
    fn from(c: card::RotatingCode) -> Self {
        Self {
            payload: c.payload,
            counter: c.counter,
            valid_from: st(c.valid_from),
            valid_until: st(c.valid_until),
        }
    }
}

/// Everything the till screen draws.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct TillCard {
    pub code: RotatingCode,
    pub matrix: BarcodeMatrix,
    pub svg: String,
}

/// The card and the chosen vouchers in one code the till scans once; redraw at `redraw_at`.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct CombinedTillCard {
    pub code: RotatingCode,
    /// The text of the QR code: `LCC1 <card payload> <voucher code>...`.
    pub payload: String,
    pub vouchers: Vec<Voucher>,
    pub redraw_at: SystemTime,
    pub matrix: BarcodeMatrix,
    pub svg: String,
}

/// A third-party card kept beside the retailer's.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct ImportedCard {
    pub id: String,
    pub store_name: String,
    pub card_id: String,
    pub barcode_value: Option<String>,
    pub symbology: Option<Symbology>,
    pub note: Option<String>,
    pub header_color: Option<i32>,
}

impl From<card::ImportedCard> for ImportedCard {
    fn from(c: card::ImportedCard) -> Self {
        Self {
            id: c.id,
            store_name: c.store_name,
            card_id: c.card_id,
            barcode_value: c.barcode_value,
            symbology: c.symbology.map(Into::into),
            note: c.note,
            header_color: c.header_color,
        }
    }
}

impl From<ImportedCard> for card::ImportedCard {
    fn from(c: ImportedCard) -> Self {
        Self {
            id: c.id,
            store_name: c.store_name,
            card_id: c.card_id,
            barcode_value: c.barcode_value,
            symbology: c.symbology.map(Into::into),
            note: c.note,
            header_color: c.header_color,
        }
    }
}

/// The card: member card codes and imported cards.
#[derive(uniffi::Object)]
pub struct Card {
    pub(crate) api: core::CardApi,
}

#[uniffi::export]
impl Card {
    /// Stores the card issued at enrolment (secret into the app's secret store).
    pub fn enrol(
        &self,
        card_number: String,
        secret: Vec<u8>,
        params: TotpParams,
    ) -> Result<MemberCard> {
        Ok(self.api.enrol(&card_number, &secret, params.into())?.into())
    }

    pub fn member_card(&self) -> Result<Option<MemberCard>> {
        Ok(self.api.member_card()?.map(Into::into))
    }

    /// The rotating code now.
    pub fn rotating_code(&self) -> Result<RotatingCode> {
        Ok(self.api.rotating_code()?.into())
    }

    /// The rotating code with its QR matrix and SVG.
    pub fn till_card(&self, ec: EcLevel, options: RenderOptions) -> Result<TillCard> {
        let c = self.api.till_card(ec.into(), &options.into())?;
        Ok(TillCard {
            code: c.code.into(),
            matrix: c.matrix.into(),
            svg: c.svg,
        })
    }

    /// The card and up to four chosen vouchers (wallet ids) in one QR code, with its matrix and
    /// SVG. Showing it changes nothing on the phone: the till redeems the vouchers and the
    /// wallet learns it at the next sync. Unusable vouchers are refused with the wallet's reason.
    pub fn combined_till_card(
        &self,
        voucher_ids: Vec<String>,
        ec: EcLevel,
        options: RenderOptions,
    ) -> Result<CombinedTillCard> {
        let c = self
            .api
            .combined_till_card(&voucher_ids, ec.into(), &options.into())?;
        Ok(CombinedTillCard {
            code: c.code.into(),
            payload: c.payload,
            vouchers: c.vouchers.into_iter().collect(),
            redraw_at: st(c.redraw_at),
            matrix: c.matrix.into(),
            svg: c.svg,
        })
    }

    /// The card number in a symbology, for tills that cannot verify rotating codes.
    pub fn static_code(&self, symbology: Symbology, ec: EcLevel) -> Result<BarcodeMatrix> {
        Ok(self.api.static_code(symbology.into(), ec.into())?.into())
    }

    /// The card as a Google Wallet `rotatingBarcode` JSON object.
    pub fn google_rotating_barcode(&self) -> Result<String> {
        self.api.google_rotating_barcode()
    }

    /// Removes the member card and its secret.
    pub fn forget(&self) -> Result<()> {
        self.api.forget()
    }

    pub fn add_imported(&self, card: ImportedCard) -> Result<ImportedCard> {
        Ok(self.api.add_imported(card.into())?.into())
    }

    pub fn imported(&self) -> Result<Vec<ImportedCard>> {
        Ok(self.api.imported()?.into_iter().map(Into::into).collect())
    }

    pub fn remove_imported(&self, id: String) -> Result<bool> {
        self.api.remove_imported(&id)
    }

    /// An imported card's barcode in its own symbology.
    pub fn imported_code(&self, id: String, ec: EcLevel) -> Result<BarcodeMatrix> {
        Ok(self.api.imported_code(&id, ec.into())?.into())
    }
}

// ---------------------------------------------------------------------------------------------
// At the till

#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum Refusal {
    Malformed,
    NotRotating,
    WrongMember,
    Expired,
    FromTheFuture,
    Forged,
    Replayed,
    Unverifiable,
}

impl From<card::Refusal> for Refusal {
    fn from(r: card::Refusal) -> Self {
        match r {
            card::Refusal::Malformed => Self::Malformed,
            card::Refusal::NotRotating => Self::NotRotating,
            card::Refusal::WrongMember => Self::WrongMember,
            card::Refusal::Expired => Self::Expired,
            card::Refusal::FromTheFuture => Self::FromTheFuture,
            card::Refusal::Forged => Self::Forged,
            card::Refusal::Replayed => Self::Replayed,
            card::Refusal::Unverifiable => Self::Unverifiable,
        }
    }
}

/// The till's answer to a scanned card code.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Enum)]
pub enum TillVerdict {
    Accepted {
        counter: u64,
        generated_at: SystemTime,
    },
    /// `reason` is a sentence for the cashier, free of personal data.
    Refused { refusal: Refusal, reason: String },
}

/// Verifies rotating card codes at the till, offline, with replay protection.
#[derive(uniffi::Object)]
pub struct TillVerifier {
    inner: Mutex<card::TillVerifier>,
}

#[uniffi::export]
impl TillVerifier {
    /// `max_skew_seconds`: tolerated clock difference; `max_age_seconds`: how long after its step
    /// a code stays acceptable; `capacity`: cards remembered for replay protection.
    #[uniffi::constructor]
    pub fn new(
        params: TotpParams,
        max_skew_seconds: u32,
        max_age_seconds: u32,
        capacity: u32,
    ) -> Result<Arc<Self>> {
        let policy = card::TillPolicy {
            params: params.into(),
            max_skew: chrono::TimeDelta::seconds(i64::from(max_skew_seconds)),
            max_age: chrono::TimeDelta::seconds(i64::from(max_age_seconds)),
            // The till object verifies rotating codes; a static number proves nothing.
            accept_static: false,
        };
        Ok(Arc::new(Self {
            inner: Mutex::new(card::TillVerifier::new(policy, capacity as usize)?),
        }))
    }

    /// Accepts or refuses `scanned` for the card `card_number` with its `secret`, at `now`.
    pub fn verify(
        &self,
        scanned: String,
        card_number: String,
        secret: Vec<u8>,
        now: SystemTime,
    ) -> Result<TillVerdict> {
        let now = utc(now)?;
        let mut verifier = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        Ok(
            match verifier.verify(&scanned, &card_number, &secret, now) {
                Ok(a) => TillVerdict::Accepted {
                    counter: a.counter,
                    generated_at: st(a.generated_at),
                },
                Err(r) => TillVerdict::Refused {
                    refusal: r.into(),
                    reason: r.reason().to_string(),
                },
            },
        )
    }

    /// Verifies a combined code (card + chosen vouchers, or a plain card code) in one scan: the
    /// card with its `secret`, each voucher with the retailer's public key; each voucher is taken
    /// once by this till until its window ends.
    pub fn verify_combined(
        &self,
        scanned: String,
        card_number: String,
        secret: Vec<u8>,
        voucher_public_key_hex: String,
        now: SystemTime,
    ) -> Result<CombinedTillVerdict> {
        let key = card::parse_public_key_hex(&voucher_public_key_hex)?;
        let now = utc(now)?;
        let mut verifier = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        Ok(
            match verifier.verify_combined(&scanned, &card_number, &secret, &key, now) {
                Ok(v) => CombinedTillVerdict::Accepted {
                    counter: v.card.counter,
                    generated_at: st(v.card.generated_at),
                    vouchers: v.vouchers.into_iter().map(Into::into).collect(),
                },
                Err(r) => CombinedTillVerdict::Refused {
                    refusal: r.into(),
                    reason: r.reason().to_string(),
                },
            },
        )
    }

    /// Forgets that voucher `voucher_id` was taken (the cashier voided the sale); whether it
    /// was remembered.
    pub fn release_voucher(&self, voucher_id: String) -> bool {
        self.inner
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .release_voucher(&voucher_id)
    }
}

// ---------------------------------------------------------------------------------------------
// Signed voucher codes

#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct VoucherKeyPair {
    /// Keep on the retailer's server only.
    pub signing_key_hex: String,
    /// Given to tills and apps to verify.
    pub public_key_hex: String,
}

/// A new Ed25519 key pair for signing vouchers (the retailer's server side).
#[uniffi::export]
pub fn new_voucher_key_pair() -> VoucherKeyPair {
    let key = card::new_signing_key();
    VoucherKeyPair {
        signing_key_hex: card::signing_key_hex(&key),
        public_key_hex: card::public_key_hex(&key.verifying_key()),
    }
}

/// Signs a voucher into a code the till verifies offline (`LCV1.<payload>.<signature>`).
#[uniffi::export]
pub fn sign_voucher_code(voucher: Voucher, signing_key_hex: String) -> Result<String> {
    let key = card::parse_signing_key_hex(&signing_key_hex)?;
    Ok(card::sign_voucher(&voucher, &key)?)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum VoucherRefusal {
    Malformed,
    BadSignature,
    NotYetValid,
    Expired,
}

#[derive(Debug, Clone, PartialEq, Eq, uniffi::Enum)]
pub enum VoucherVerdict {
    Valid {
        voucher_id: String,
        kind: VoucherKind,
        title: String,
        valid_from: SystemTime,
        valid_until: SystemTime,
    },
    Refused {
        refusal: VoucherRefusal,
        reason: String,
    },
}

/// Verifies a scanned voucher code with the retailer's public key, offline.
#[uniffi::export]
pub fn verify_voucher_code(
    code: String,
    public_key_hex: String,
    now: SystemTime,
) -> Result<VoucherVerdict> {
    let key = card::parse_public_key_hex(&public_key_hex)?;
    Ok(match card::verify_voucher_code(&code, &key, utc(now)?) {
        Ok(v) => VoucherVerdict::Valid {
            voucher_id: v.id,
            kind: v.kind,
            title: v.title,
            valid_from: st(v.valid_from),
            valid_until: st(v.valid_until),
        },
        Err(r) => VoucherVerdict::Refused {
            refusal: r.into(),
            reason: r.reason().to_string(),
        },
    })
}

impl From<card::VoucherRefusal> for VoucherRefusal {
    fn from(r: card::VoucherRefusal) -> Self {
        match r {
            card::VoucherRefusal::Malformed => Self::Malformed,
            card::VoucherRefusal::BadSignature => Self::BadSignature,
            card::VoucherRefusal::NotYetValid => Self::NotYetValid,
            card::VoucherRefusal::Expired => Self::Expired,
        }
    }
}

/// The till's verdict on one voucher of a combined code; `reason` is a sentence for the cashier.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Enum)]
pub enum ChosenVoucherVerdict {
    /// Genuine, valid now and new to this till: apply it.
    Taken {
        voucher_id: String,
        kind: VoucherKind,
        title: String,
        valid_until: SystemTime,
    },
    /// Genuine and valid, but this till already took it: not applied again.
    AlreadyTaken { voucher_id: String, reason: String },
    Refused {
        refusal: VoucherRefusal,
        reason: String,
    },
}

impl From<card::ChosenVoucher> for ChosenVoucherVerdict {
    fn from(c: card::ChosenVoucher) -> Self {
        let reason = c.reason().to_string();
        match c {
            card::ChosenVoucher::Taken(v) => Self::Taken {
                voucher_id: v.id,
                kind: v.kind,
                title: v.title,
                valid_until: st(v.valid_until),
            },
            card::ChosenVoucher::AlreadyTaken(v) => Self::AlreadyTaken {
                voucher_id: v.id,
                reason,
            },
            card::ChosenVoucher::Refused(r) => Self::Refused {
                refusal: r.into(),
                reason,
            },
        }
    }
}

/// The till's answer to a scanned combined code (card + chosen vouchers) or a plain card code.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Enum)]
pub enum CombinedTillVerdict {
    /// The card code was accepted; one verdict per voucher, in the code's order.
    Accepted {
        counter: u64,
        generated_at: SystemTime,
        vouchers: Vec<ChosenVoucherVerdict>,
    },
    /// The card code was refused, so no voucher was taken.
    Refused { refusal: Refusal, reason: String },
}

/// The card number a scanned card code or combined code names, for the till to look up the
/// card's secret before verifying; `None` for any other text.
#[uniffi::export]
pub fn scanned_card_number(scanned: String) -> Option<String> {
    card::CombinedCode::parse(&scanned)
        .ok()?
        .card_number()
        .filter(|n| card::validate_card_number(n).is_ok())
        .map(str::to_string)
}
