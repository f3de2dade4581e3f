//! The card at the till through the bindings: rendering in the 13 symbologies, TOTP, the
//! member card, imported cards, verification at the till and signed voucher codes.

use crate::error::{invalid, LoyaltyError, Result};
use crate::types::{st, utc, Voucher, VoucherKind};
use loyalty_core as core;
use loyalty_core::card;
use loyalty_core::render;
use std::sync::{Arc, Mutex};
use std::time::SystemTime;

// Symbology, EcLevel, RenderOptions, TotpAlgorithm, TotpParams, MemberCard, RotatingCode,
// ImportedCard, Refusal and VoucherRefusal derive uniffi where they are defined
// (loyalty_domain::render and ::card).
pub use loyalty_core::card::{
    ImportedCard, MemberCard, Refusal, RotatingCode, TotpAlgorithm, TotpParams, VoucherRefusal,
};
pub use loyalty_core::render::{EcLevel, RenderOptions, Symbology};

// ---------------------------------------------------------------------------------------------
// Rendering

/// Catima's name of a symbology ("QR_CODE", "EAN_13", ...).
#[uniffi::export]
pub fn symbology_catima_name(symbology: Symbology) -> String {
    symbology.catima_name().to_string()
}

/// The symbology with this Catima name, or `null`.
#[uniffi::export]
pub fn symbology_from_catima_name(name: String) -> Option<Symbology> {
    render::Symbology::from_catima_name(&name)
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
            symbology: m.symbology,
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
            symbology: m.symbology,
            width: m.width,
            height: m.height,
            modules: m.modules.iter().map(|&b| b == 1).collect(),
        })
    }
}

/// Standard quiet zone, 4 px per module, light background, 1D bars 60 modules high.
#[uniffi::export]
pub fn default_render_options() -> RenderOptions {
    RenderOptions::default()
}

/// Checks `payload` against the symbology's rules and encodes it.
#[uniffi::export]
pub fn encode_barcode(payload: String, symbology: Symbology, ec: EcLevel) -> Result<BarcodeMatrix> {
    Ok(render::encode(&payload, symbology, ec)?.into())
}

/// A PNG of the matrix.
#[uniffi::export]
pub fn barcode_png(matrix: BarcodeMatrix, options: RenderOptions) -> Result<Vec<u8>> {
    Ok(render::to_png(&matrix.try_into()?, &options)?)
}

/// An SVG of the matrix.
#[uniffi::export]
pub fn barcode_svg(matrix: BarcodeMatrix, options: RenderOptions) -> Result<String> {
    Ok(render::to_svg(&matrix.try_into()?, &options))
}

// ---------------------------------------------------------------------------------------------
// TOTP

/// SHA-1, 8 digits, 30 seconds.
#[uniffi::export]
pub fn default_totp_params() -> TotpParams {
    card::TotpParams::default()
}

/// The TOTP value for `secret` at `at` (RFC 6238).
#[uniffi::export]
pub fn totp_code(secret: Vec<u8>, params: TotpParams, at: SystemTime) -> Result<String> {
    let params: card::TotpParams = params;
    params.validate()?;
    card::validate_secret(&secret)?;
    Ok(card::totp(&secret, &params, utc(at)?)?)
}

/// A new random secret of the algorithm's recommended length.
#[uniffi::export]
pub fn new_totp_secret(algorithm: TotpAlgorithm) -> Vec<u8> {
    card::new_secret(algorithm)
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
        self.api.enrol(&card_number, &secret, params)
    }

    pub fn member_card(&self) -> Result<Option<MemberCard>> {
        self.api.member_card()
    }

    /// The rotating code now.
    pub fn rotating_code(&self) -> Result<RotatingCode> {
        self.api.rotating_code()
    }

    /// The rotating code with its QR matrix and SVG.
    pub fn till_card(&self, ec: EcLevel, options: RenderOptions) -> Result<TillCard> {
        let c = self.api.till_card(ec, &options)?;
        Ok(TillCard {
            code: c.code,
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
        let c = self.api.combined_till_card(&voucher_ids, ec, &options)?;
        Ok(CombinedTillCard {
            code: c.code,
            payload: c.payload,
            vouchers: c.vouchers.into_iter().collect(),
            redraw_at: st(c.redraw_at),
            matrix: c.matrix.into(),
            svg: c.svg,
        })
    }

    /// The card number in a symbology, for tills that cannot verify rotating codes.
    pub fn static_code(&self, symbology: Symbology, ec: EcLevel) -> Result<BarcodeMatrix> {
        Ok(self.api.static_code(symbology, ec)?.into())
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
        self.api.add_imported(card)
    }

    pub fn imported(&self) -> Result<Vec<ImportedCard>> {
        Ok(self.api.imported()?.into_iter().collect())
    }

    pub fn remove_imported(&self, id: String) -> Result<bool> {
        self.api.remove_imported(&id)
    }

    /// An imported card's barcode in its own symbology.
    pub fn imported_code(&self, id: String, ec: EcLevel) -> Result<BarcodeMatrix> {
        Ok(self.api.imported_code(&id, ec)?.into())
    }
}

// ---------------------------------------------------------------------------------------------
// At the till

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
            params,
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
                    refusal: r,
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
                    refusal: r,
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
            refusal: r,
            reason: r.reason().to_string(),
        },
    })
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
            card::ChosenVoucher::Refused(r) => Self::Refused { refusal: r, reason },
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
