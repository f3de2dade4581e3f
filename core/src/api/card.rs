//! The card at the till: the member card's codes and imported cards.

use super::error::{ApiResult, LoyaltyError};
use crate::card::{self, ImportedCard, MemberCard, RotatingCode, TotpParams};
use crate::context::CARD_SECRET_KEY;
use crate::context::{secret_store_failed, Context};
use crate::formats::catima;
use crate::render::{self, BarcodeMatrix, EcLevel, RenderOptions, Symbology};
use crate::wallet::{self, Voucher, WalletError};
use chrono::{DateTime, Utc};
use std::sync::Arc;

/// The card at the till: the member card's static and rotating codes, and imported cards.
#[derive(Clone)]
pub struct CardApi {
    pub(super) ctx: Arc<Context>,
}

/// Everything the till screen draws: the current code, its module matrix and an SVG.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TillCard {
    pub code: RotatingCode,
    pub matrix: BarcodeMatrix,
    pub svg: String,
}

/// The card and the vouchers the shopper chose, in one code the till scans once
/// ([`card::combined`](crate::card::combined)).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CombinedTillCard {
    /// The rotating card code inside.
    pub code: RotatingCode,
    /// The text of the QR code: `LCC1 <card payload> <voucher code>...`.
    pub payload: String,
    /// The vouchers inside, in the order chosen.
    pub vouchers: Vec<Voucher>,
    /// When to draw it again: the card code rotates, or a voucher's window ends.
    pub redraw_at: DateTime<Utc>,
    pub matrix: BarcodeMatrix,
    pub svg: String,
}

impl CardApi {
    /// Stores the member card issued at enrolment: its secret in the secret store, the rest in
    /// the database. Replaces an earlier card.
    pub fn enrol(
        &self,
        card_number: &str,
        secret: &[u8],
        params: TotpParams,
    ) -> ApiResult<MemberCard> {
        self.ctx.keep_member_card(card_number, secret, params)
    }

    /// The member card, if one is enrolled.
    pub fn member_card(&self) -> ApiResult<Option<MemberCard>> {
        Ok(self.ctx.store.member_card()?)
    }

    /// The enrolled member card, or `NotFound`.
    fn enrolled_card(&self) -> ApiResult<MemberCard> {
        self.ctx.store.member_card()?.ok_or(LoyaltyError::NotFound {
            reason: "no member card is enrolled".into(),
        })
    }

    fn enrolled(&self) -> ApiResult<(MemberCard, Vec<u8>)> {
        let card = self.enrolled_card()?;
        let secret = self
            .ctx
            .card_secrets()?
            .get(CARD_SECRET_KEY)
            .map_err(secret_store_failed)?
            .ok_or(LoyaltyError::NotFound {
                reason: "the card secret is missing from secure storage: enrol the card again"
                    .into(),
            })?;
        Ok((card, secret))
    }

    /// The rotating code now: constant for one TOTP period, `valid_until` says when to redraw.
    pub fn rotating_code(&self) -> ApiResult<RotatingCode> {
        let (card, secret) = self.enrolled()?;
        Ok(card::rotating_code(
            &card.card_number,
            &secret,
            &card.params,
            self.ctx.now(),
        )?)
    }

    /// The card for the till in one call: the rotating code, its QR module matrix (for native
    /// drawing) and an SVG of it.
    pub fn till_card(&self, ec: EcLevel, options: &RenderOptions) -> ApiResult<TillCard> {
        let code = self.rotating_code()?;
        let matrix = render::encode(&code.payload, Symbology::QrCode, ec)?;
        let svg = render::to_svg(&matrix, options);
        Ok(TillCard { code, matrix, svg })
    }

    /// The card and up to four chosen vouchers in one QR code ([`CombinedTillCard`]): the till
    /// verifies the card code and each voucher's signature offline in one scan and takes each
    /// voucher once. Nothing changes on the phone: the voucher is redeemed by the till, and the
    /// wallet learns it at the next sync, as when a voucher's own code is scanned.
    ///
    /// Errors: a voucher id not in the wallet is `NotFound`; one that cannot be used now is
    /// refused with the wallet's reason (not yet valid, expired, redeemed, being redeemed,
    /// revoked); no voucher, more than four, the same one twice, a voucher without a till code,
    /// or more than fits in one QR code at `ec` are `InvalidInput`.
    pub fn combined_till_card(
        &self,
        voucher_ids: &[String],
        ec: EcLevel,
        options: &RenderOptions,
    ) -> ApiResult<CombinedTillCard> {
        let now = self.ctx.now();
        let mut vouchers = Vec::with_capacity(voucher_ids.len().min(card::MAX_COMBINED_VOUCHERS));
        for id in voucher_ids.iter().take(card::MAX_COMBINED_VOUCHERS + 1) {
            let v = self
                .ctx
                .store
                .voucher(id)?
                .ok_or(LoyaltyError::from(WalletError::NotFound))?;
            wallet::check_usable(&v, now)?;
            if !v.code.starts_with(card::VOUCHER_CODE_PREFIX) {
                return Err(LoyaltyError::InvalidInput {
                    reason: "this voucher has no till code the retailer signed: it cannot be combined with the card".into(),
                });
            }
            vouchers.push(v);
        }
        let code = self.rotating_code()?;
        let codes: Vec<&str> = vouchers.iter().map(|v| v.code.as_str()).collect();
        let payload = card::combine(&code.payload, &codes)?;
        let matrix = render::encode(&payload, Symbology::QrCode, ec)?;
        let svg = render::to_svg(&matrix, options);
        let redraw_at = vouchers
            .iter()
            .map(|v| v.valid_until)
            .fold(code.valid_until, DateTime::min);
        Ok(CombinedTillCard {
            code,
            payload,
            vouchers,
            redraw_at,
            matrix,
            svg,
        })
    }

    /// The static code (the card number) in a symbology, for tills that cannot verify
    /// rotating codes.
    pub fn static_code(&self, symbology: Symbology, ec: EcLevel) -> ApiResult<BarcodeMatrix> {
        let card = self.enrolled_card()?;
        Ok(render::encode(
            &card::static_code(&card.card_number)?,
            symbology,
            ec,
        )?)
    }

    /// The member card as a Google Wallet `rotatingBarcode` (JSON), for the retailer's pass.
    pub fn google_rotating_barcode(&self) -> ApiResult<String> {
        let (card, secret) = self.enrolled()?;
        Ok(
            card::GoogleRotatingBarcode::for_card(&card.card_number, &secret, &card.params)?
                .to_json()?,
        )
    }

    /// Removes the member card and its secret.
    pub fn forget(&self) -> ApiResult<()> {
        self.ctx.store.remove_member_card()?;
        if let Some(secrets) = &self.ctx.secrets {
            secrets
                .delete(CARD_SECRET_KEY)
                .map_err(secret_store_failed)?;
        }
        Ok(())
    }

    /// Adds a third-party card or replaces the one with the same id.
    pub fn add_imported(&self, card: ImportedCard) -> ApiResult<ImportedCard> {
        self.ctx.store.put_imported_card(&card)?;
        Ok(card)
    }

    /// Adds or replaces several third-party cards in one write (all or none).
    pub fn add_imported_cards(&self, cards: &[ImportedCard]) -> ApiResult<()> {
        Ok(self.ctx.store.put_imported_cards(cards)?)
    }

    /// What importing a Catima export (CSV or `.zip` backup) would do next to the stored cards
    /// and the Catima `records` the caller keeps for them (see [`catima::plan_import`]); stores
    /// nothing.
    pub fn plan_catima_import(
        &self,
        bytes: &[u8],
        records: &[catima::CatimaCard],
    ) -> ApiResult<catima::ImportPlan> {
        let parsed = catima::parse(bytes).map_err(catima_invalid)?;
        let stored = self.ctx.store.imported_cards()?;
        catima::plan_import(parsed, &stored, records).map_err(catima_invalid)
    }

    /// Imports a Catima export: the same cards as stored ones are updated, other cards added
    /// (never replacing a stored card), in one write. Returns what it did, card by card; the
    /// caller keeps the plan's `record`s if it keeps Catima's full records.
    pub fn import_catima(
        &self,
        bytes: &[u8],
        records: &[catima::CatimaCard],
    ) -> ApiResult<catima::ImportPlan> {
        let plan = self.plan_catima_import(bytes, records)?;
        self.ctx.store.put_imported_cards(&plan.changed_cards())?;
        Ok(plan)
    }

    /// Imported cards, by id.
    pub fn imported(&self) -> ApiResult<Vec<ImportedCard>> {
        Ok(self.ctx.store.imported_cards()?)
    }

    /// Removes an imported card; `false` when there was none with this id.
    pub fn remove_imported(&self, id: &str) -> ApiResult<bool> {
        Ok(self.ctx.store.remove_imported_card(id)?)
    }

    /// An imported card's barcode in its own symbology.
    pub fn imported_code(&self, id: &str, ec: EcLevel) -> ApiResult<BarcodeMatrix> {
        let card = self
            .ctx
            .store
            .imported_card(id)?
            .ok_or(LoyaltyError::NotFound {
                reason: "imported card not found".into(),
            })?;
        let symbology = card.symbology.ok_or(LoyaltyError::InvalidInput {
            reason: "this card has no barcode".into(),
        })?;
        Ok(render::encode(card.barcode_text(), symbology, ec)?)
    }
}
/// A Catima file refused: its line and rule (never a field's value) as invalid input.
fn catima_invalid(e: catima::CatimaError) -> LoyaltyError {
    LoyaltyError::InvalidInput {
        reason: e.to_string(),
    }
}
