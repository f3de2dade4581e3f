//! Personal offers (issue #16 part 2): the retailer publishes offers, general or assigned to one
//! member; the shopper activates the opt-in ones in the app; when the till scans the card, the
//! activated offers that match the basket are applied by [`apply_offers`], a pure rule the
//! server runs at the till and the app can run to show what an offer will give.
//!
//! An [`Offer`] as the device sees it carries no member id: [`OfferScope::Personal`] only says
//! it was assigned to this member.
//!
//! # The till rule ([`apply_offers`])
//!
//! - An offer applies only inside its window: `valid_from <= now < valid_until`.
//! - An offer *qualifies* when the summed quantity of the basket lines it matches (the product's
//!   GTIN, or the category, compared exactly) reaches its `min_quantity`. An amount off needs the
//!   line's currency to be its own.
//! - Money discounts (amount off, percent off, free product), per matching line:
//!   - percent off: `ceil(line total × percent / 100)`: rounded up, in favour of the shopper;
//!   - amount off: the amount;
//!   - free product: `min(free quantity, line quantity) × unit price`;
//!
//!   each capped at the line total, in integer minor units (no floats).
//! - A percent off applies to every line it matches; an amount off and a free product are one
//!   coupon each and go to one line only.
//! - An item line gets at most one money discount. Candidates are handed out largest first
//!   (ties: the smaller offer id, then the earlier line); a candidate is taken when its line has
//!   no discount yet and, for a one-line offer, the offer was not given to another line. So each
//!   line gets the largest discount still free when its turn comes, and the result depends on
//!   neither the order of the offers nor anything but the data.
//! - Points multipliers: a line gets the largest multiplier among the qualifying multiplier
//!   offers that match it (ties: the smaller offer id), never several. The extra points are
//!   `ceil((multiplier − 1) × paid / 100)`, where `paid` is the line total less its money
//!   discount and one point is earned per full currency unit (the programme's base rate):
//!   rounded up, in favour of the shopper.
//! - A line with a free product is also listed in [`Applied::free_items`].
//!
//! Every function is total: bad input is an [`InputError`] (reasons name the field and the
//! rule, never the value), never a panic.

use crate::check::{non_empty, validate_id, InputError};
use crate::error::LoyaltyError;
use crate::gs1::validate_gtin;
use crate::money::Money;
use crate::receipts::{LineItem, ReceiptDiscount};
use crate::reminders::{l10n, Lang};
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use std::collections::{HashMap, HashSet};
use std::fmt;

/// Longest validity window of an offer, in days.
pub const MAX_OFFER_DAYS: i64 = 366;
/// Most activated offers [`apply_offers`] takes for one basket.
pub const MAX_OFFERS_PER_BASKET: usize = 1_000;
/// Most basket lines [`apply_offers`] takes (a receipt's limit).
pub const MAX_BASKET_LINES: usize = 2_000;
/// Largest amount off, in minor units.
pub const MAX_AMOUNT_OFF_MINOR: i64 = 1_000_000;

// The offer's title in each language the app speaks: defined with the receipts, which keep it.
pub use crate::receipts::OfferTitle;

/// What an offer is about: one product, or every product of a category.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", try_from = "raw::OfferTarget")]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
pub enum OfferTarget {
    /// A product by its GTIN.
    Product { gtin: String },
    /// The retailer's product category, exactly as on the receipt lines ("pet food").
    Category { category: String },
}

impl OfferTarget {
    pub fn matches(&self, line: &LineItem) -> bool {
        match self {
            OfferTarget::Product { gtin } => &line.gtin == gtin,
            OfferTarget::Category { category } => &line.category == category,
        }
    }

    fn validate(&self) -> Result<(), InputError> {
        match self {
            OfferTarget::Product { gtin } => validate_gtin(gtin),
            OfferTarget::Category { category } => non_empty("offer category", category, 100),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", try_from = "raw::OfferKind")]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
pub enum OfferKind {
    /// A fixed amount off one matching line (a coupon: once per purchase).
    AmountOff { target: OfferTarget, amount: Money },
    /// A percentage (1–100) off every matching line.
    PercentOff { target: OfferTarget, percent: u32 },
    /// The points of every matching line multiplied (2 = double points).
    PointsMultiplier {
        target: OfferTarget,
        multiplier: u32,
    },
    /// `quantity` units of a product free (with `min_quantity`: "buy 2, get 1 free" is
    /// `min_quantity` 3, `quantity` 1).
    FreeProduct { gtin: String, quantity: u32 },
}

impl OfferKind {
    fn matches(&self, line: &LineItem) -> bool {
        match self {
            OfferKind::AmountOff { target, amount } => {
                target.matches(line) && line.unit_price.currency == amount.currency
            }
            OfferKind::PercentOff { target, .. } | OfferKind::PointsMultiplier { target, .. } => {
                target.matches(line)
            }
            OfferKind::FreeProduct { gtin, .. } => &line.gtin == gtin,
        }
    }
}

/// For whom the offer was published.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
pub enum OfferScope {
    /// Every member.
    General,
    /// Assigned to this member (the device never learns for whom else).
    Personal,
}

/// How an offer becomes usable at the till.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
pub enum OfferActivation {
    /// Usable as soon as it is published (the "time to spend it" reminder points at these).
    Automatic,
    /// The shopper activates it in the app first.
    OptIn,
}

/// How often an offer can be used.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
pub enum OfferLimit {
    /// Once per member.
    OncePerMember,
    /// Once per household: the devices and cards of one household share the use.
    OncePerHousehold,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct Offer {
    /// 1 to 64 of `A-Z a-z 0-9 . _ -`.
    pub id: String,
    pub title: OfferTitle,
    pub kind: OfferKind,
    /// Units of matching products the basket must hold (1 when absent).
    #[serde(default = "one")]
    pub min_quantity: u32,
    pub valid_from: DateTime<Utc>,
    pub valid_until: DateTime<Utc>,
    pub scope: OfferScope,
    pub activation: OfferActivation,
    pub limit: OfferLimit,
    /// Only for members whose premium membership is active (see [`crate::membership`]): the
    /// server lists it to them only, and the till applies it only while they are.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    #[cfg_attr(feature = "uniffi", uniffi(default = false))]
    pub premium_only: bool,
}

fn one() -> u32 {
    1
}

impl Offer {
    /// The rules every offer keeps; reasons name the field and the rule.
    pub fn validate(&self) -> Result<(), InputError> {
        validate_id("offer id", &self.id)?;
        self.title.validate("offer title", 200)?;
        match &self.kind {
            OfferKind::AmountOff { target, amount } => {
                target.validate()?;
                amount.validate()?;
                if !(1..=MAX_AMOUNT_OFF_MINOR).contains(&amount.amount_minor) {
                    return Err(InputError::new(
                        "offer amount must be between 1 and 1000000 minor units",
                    ));
                }
            }
            OfferKind::PercentOff { target, percent } => {
                target.validate()?;
                if !(1..=100).contains(percent) {
                    return Err(InputError::new("offer percent must be between 1 and 100"));
                }
            }
            OfferKind::PointsMultiplier { target, multiplier } => {
                target.validate()?;
                if !(2..=100).contains(multiplier) {
                    return Err(InputError::new(
                        "offer points multiplier must be between 2 and 100",
                    ));
                }
            }
            OfferKind::FreeProduct { gtin, quantity } => {
                validate_gtin(gtin)?;
                if !(1..=100).contains(quantity) {
                    return Err(InputError::new(
                        "offer free quantity must be between 1 and 100",
                    ));
                }
            }
        }
        if !(1..=1_000).contains(&self.min_quantity) {
            return Err(InputError::new(
                "offer min_quantity must be between 1 and 1000",
            ));
        }
        if self.valid_until <= self.valid_from {
            return Err(InputError::new(
                "offer valid_until must be after valid_from",
            ));
        }
        if self.valid_until - self.valid_from > Duration::days(MAX_OFFER_DAYS) {
            return Err(InputError::new("offer validity is at most 366 days"));
        }
        Ok(())
    }

    /// Inside its window at `now`.
    pub fn is_valid_at(&self, now: DateTime<Utc>) -> bool {
        self.valid_from <= now && now < self.valid_until
    }

    /// Whether the shopper may activate it at `now`: any time before it ends (also before it
    /// starts: shoppers plan ahead).
    pub fn check_activation(&self, now: DateTime<Utc>) -> Result<(), OfferRefusal> {
        if now >= self.valid_until {
            Err(OfferRefusal::Expired)
        } else {
            Ok(())
        }
    }
}

/// Where an offer stands for one member.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
pub enum OfferState {
    /// Opt-in, not activated yet: the till does not apply it.
    Available,
    /// Activated by the member, or automatic: the till applies it when it matches the basket.
    Activated,
    /// Used at the till as often as its limit allows.
    Used,
}

impl OfferState {
    pub const ALL: [OfferState; 3] = [
        OfferState::Available,
        OfferState::Activated,
        OfferState::Used,
    ];

    /// The state of `offer` for a member who activated it (`activated`) and used it (`used`).
    pub fn of(offer: &Offer, activated: bool, used: bool) -> Self {
        if used {
            OfferState::Used
        } else if activated || offer.activation == OfferActivation::Automatic {
            OfferState::Activated
        } else {
            OfferState::Available
        }
    }

    /// Stable snake_case name (the wire's).
    pub fn as_str(self) -> &'static str {
        match self {
            OfferState::Available => "available",
            OfferState::Activated => "activated",
            OfferState::Used => "used",
        }
    }

    /// The shopper's text in `lang` (nl, fr, en).
    pub fn text(self, lang: Lang) -> String {
        let id = match self {
            OfferState::Available => "offer-state-available",
            OfferState::Activated => "offer-state-activated",
            OfferState::Used => "offer-state-used",
        };
        l10n::localizer().format(lang, id, None)
    }
}

/// One of the member's offers and where it stands for them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct OfferItem {
    pub offer: Offer,
    /// Available (opt-in, not activated), activated (by the member, or automatic) or used.
    pub state: OfferState,
    /// When the member activated it (on this device while `pending`).
    #[serde(default)]
    pub activated_at: Option<DateTime<Utc>>,
    #[serde(default)]
    pub used_at: Option<DateTime<Utc>>,
    /// Activated on this device; the server has not answered yet.
    #[serde(default)]
    pub pending: bool,
}

/// Why an offer cannot be activated or used. [`OfferRefusal::reason`] is a fixed English
/// sentence free of personal data (logs, errors); [`OfferRefusal::text`] the shopper's text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
pub enum OfferRefusal {
    /// No offer has this id.
    Unknown,
    /// A personal offer assigned to someone else.
    NotYours,
    /// Its window has ended.
    Expired,
    /// Already used as often as its limit allows.
    AlreadyUsed,
}

/// Mapped once into the public error (the store's, runtime's and sync's errors are mapped in
/// loyalty-core's api/error.rs).
impl From<OfferRefusal> for LoyaltyError {
    /// No such offer: `NotFound`; ended, another member's, used up: `Conflict`. The reason is
    /// the refusal's fixed English sentence ([`OfferRefusal::text`] for the shopper).
    fn from(r: OfferRefusal) -> Self {
        let reason = r.reason().to_string();
        match r {
            OfferRefusal::Unknown => LoyaltyError::NotFound { reason },
            OfferRefusal::NotYours | OfferRefusal::Expired | OfferRefusal::AlreadyUsed => {
                LoyaltyError::Conflict { reason }
            }
        }
    }
}

impl OfferRefusal {
    pub const ALL: [OfferRefusal; 4] = [
        OfferRefusal::Unknown,
        OfferRefusal::NotYours,
        OfferRefusal::Expired,
        OfferRefusal::AlreadyUsed,
    ];

    /// Stable snake_case name (the wire's).
    pub fn as_str(self) -> &'static str {
        match self {
            OfferRefusal::Unknown => "unknown",
            OfferRefusal::NotYours => "not_yours",
            OfferRefusal::Expired => "expired",
            OfferRefusal::AlreadyUsed => "already_used",
        }
    }

    pub fn reason(self) -> &'static str {
        match self {
            OfferRefusal::Unknown => "no such offer",
            OfferRefusal::NotYours => "this personal offer belongs to another member",
            OfferRefusal::Expired => "the offer has ended",
            OfferRefusal::AlreadyUsed => "the offer was already used",
        }
    }

    /// The shopper's text in `lang` (nl, fr, en).
    pub fn text(self, lang: Lang) -> String {
        let id = match self {
            OfferRefusal::Unknown => "offer-refused-unknown",
            OfferRefusal::NotYours => "offer-refused-not-yours",
            OfferRefusal::Expired => "offer-refused-expired",
            OfferRefusal::AlreadyUsed => "offer-refused-already-used",
        };
        l10n::localizer().format(lang, id, None)
    }
}

impl fmt::Display for OfferRefusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.reason())
    }
}

impl std::error::Error for OfferRefusal {}

/// A money discount on one basket line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LineDiscount {
    /// Index of the line in the basket.
    pub line: usize,
    pub offer_id: String,
    /// In the line's currency's minor units; 1 ..= the line total.
    pub amount_minor: i64,
}

/// Extra points on one basket line from a points multiplier.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LinePoints {
    pub line: usize,
    pub offer_id: String,
    pub multiplier: u32,
    pub extra_points: i64,
}

/// Units given free on one basket line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FreeItem {
    pub line: usize,
    pub offer_id: String,
    pub gtin: String,
    pub quantity: i64,
}

/// What [`apply_offers`] gives a basket; every list is sorted by line.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Applied {
    pub discounts: Vec<LineDiscount>,
    pub extra_points: Vec<LinePoints>,
    pub free_items: Vec<FreeItem>,
}

impl Applied {
    pub fn total_discount_minor(&self) -> i64 {
        self.discounts.iter().map(|d| d.amount_minor).sum()
    }

    pub fn total_extra_points(&self) -> i64 {
        self.extra_points.iter().map(|p| p.extra_points).sum()
    }

    /// The ids of the offers used, sorted, each once.
    pub fn used_offers(&self) -> Vec<&str> {
        let mut ids: Vec<&str> = self
            .discounts
            .iter()
            .map(|d| d.offer_id.as_str())
            .chain(self.extra_points.iter().map(|p| p.offer_id.as_str()))
            .collect();
        crate::sort::sort(&mut ids);
        ids.dedup();
        ids
    }

    /// The discount on line `line` (0 when none).
    pub fn discount_on(&self, line: usize) -> i64 {
        self.discounts
            .iter()
            .find(|d| d.line == line)
            .map_or(0, |d| d.amount_minor)
    }

    /// The discounts as the receipt keeps them, each with its offer's title (`offers` as given
    /// to [`apply_offers`]), in line order.
    pub fn receipt_discounts(&self, offers: &[Offer]) -> Result<Vec<ReceiptDiscount>, InputError> {
        self.discounts
            .iter()
            .map(|d| {
                let offer = offers
                    .iter()
                    .find(|o| o.id == d.offer_id)
                    .ok_or_else(|| InputError::new("a discount names an offer not given"))?;
                Ok(ReceiptDiscount {
                    line: u32::try_from(d.line)
                        .map_err(|_| InputError::new("a discount's line is out of range"))?,
                    offer_id: d.offer_id.clone(),
                    title: offer.title.clone(),
                    amount_minor: d.amount_minor,
                })
            })
            .collect()
    }
}

/// `ceil(a × b / c)` for non-negative a, b and positive c, saturating into i64.
fn ceil_mul_div(a: i64, b: i64, c: i64) -> i64 {
    let n = i128::from(a) * i128::from(b);
    let c = i128::from(c);
    i64::try_from((n + c - 1) / c).unwrap_or(i64::MAX)
}

/// Applies the `offers` the member may use (activated, or automatic) to a basket at `now`: see
/// the module documentation for the rule. Lines must be valid receipt lines
/// ([`LineItem::validate`]); offers must be valid ([`Offer::validate`]) with distinct ids.
pub fn apply_offers(
    lines: &[LineItem],
    offers: &[Offer],
    now: DateTime<Utc>,
) -> Result<Applied, InputError> {
    if lines.len() > MAX_BASKET_LINES {
        return Err(InputError::new("a basket has at most 2000 lines"));
    }
    if offers.len() > MAX_OFFERS_PER_BASKET {
        return Err(InputError::new("at most 1000 offers apply to one basket"));
    }
    let mut seen = HashSet::with_capacity(offers.len());
    for offer in offers {
        if !seen.insert(offer.id.as_str()) {
            return Err(InputError::new("offer ids must be distinct"));
        }
        offer.validate()?;
    }
    for line in lines {
        line.validate()?;
    }

    // Offers in their window whose matching quantity reaches their minimum.
    let mut matching: Vec<(&Offer, Vec<usize>)> = Vec::new();
    for offer in offers.iter().filter(|o| o.is_valid_at(now)) {
        let hits: Vec<usize> = (0..lines.len())
            .filter(|&i| offer.kind.matches(&lines[i]))
            .collect();
        let quantity: i64 = hits.iter().map(|&i| lines[i].quantity).sum();
        if !hits.is_empty() && quantity >= i64::from(offer.min_quantity) {
            matching.push((offer, hits));
        }
    }

    // Money discounts: candidates largest first, then the offer id, then the line.
    struct Candidate<'a> {
        amount: i64,
        offer: &'a Offer,
        line: usize,
        one_line: bool,
        free: i64,
    }
    let mut candidates: Vec<Candidate<'_>> = Vec::new();
    for (offer, hits) in &matching {
        for &i in hits {
            let line = &lines[i];
            let total = line.line_total();
            let (amount, one_line, free) = match &offer.kind {
                OfferKind::PercentOff { percent, .. } => {
                    (ceil_mul_div(total, i64::from(*percent), 100), false, 0)
                }
                OfferKind::AmountOff { amount, .. } => (amount.amount_minor, true, 0),
                OfferKind::FreeProduct { quantity, .. } => {
                    let free = i64::from(*quantity).min(line.quantity);
                    (
                        free.saturating_mul(line.unit_price.amount_minor),
                        true,
                        free,
                    )
                }
                OfferKind::PointsMultiplier { .. } => continue,
            };
            let amount = amount.min(total);
            if amount > 0 {
                candidates.push(Candidate {
                    amount,
                    offer,
                    line: i,
                    one_line,
                    free,
                });
            }
        }
    }
    crate::sort::sort_by(&mut candidates, |a, b| {
        b.amount
            .cmp(&a.amount)
            .then_with(|| a.offer.id.cmp(&b.offer.id))
            .then_with(|| a.line.cmp(&b.line))
    });
    let mut taken_line = vec![false; lines.len()];
    let mut taken_offer: HashSet<&str> = HashSet::new();
    let mut applied = Applied::default();
    for c in candidates {
        if taken_line[c.line] || (c.one_line && taken_offer.contains(c.offer.id.as_str())) {
            continue;
        }
        taken_line[c.line] = true;
        if c.one_line {
            taken_offer.insert(c.offer.id.as_str());
        }
        applied.discounts.push(LineDiscount {
            line: c.line,
            offer_id: c.offer.id.clone(),
            amount_minor: c.amount,
        });
        if let OfferKind::FreeProduct { gtin, .. } = &c.offer.kind {
            applied.free_items.push(FreeItem {
                line: c.line,
                offer_id: c.offer.id.clone(),
                gtin: gtin.clone(),
                quantity: c.free,
            });
        }
    }
    crate::sort::sort_by_key(&mut applied.discounts, |d| d.line);
    crate::sort::sort_by_key(&mut applied.free_items, |f| f.line);

    // Points: the largest multiplier per line (ties: the smaller offer id).
    let mut best: HashMap<usize, (u32, &Offer)> = HashMap::new();
    for (offer, hits) in &matching {
        let OfferKind::PointsMultiplier { multiplier, .. } = offer.kind else {
            continue;
        };
        for &i in hits {
            let better = match best.get(&i) {
                None => true,
                Some((m, o)) => multiplier > *m || (multiplier == *m && offer.id < o.id),
            };
            if better {
                best.insert(i, (multiplier, offer));
            }
        }
    }
    let mut points: Vec<LinePoints> = best
        .into_iter()
        .filter_map(|(i, (multiplier, offer))| {
            let paid = lines[i].line_total() - applied.discount_on(i);
            let extra = ceil_mul_div(paid, i64::from(multiplier) - 1, 100);
            (extra > 0).then(|| LinePoints {
                line: i,
                offer_id: offer.id.clone(),
                multiplier,
                extra_points: extra,
            })
        })
        .collect();
    crate::sort::sort_by_key(&mut points, |p| p.line);
    applied.extra_points = points;
    Ok(applied)
}

/// The tagged enums above as read from JSON (see [`crate::tagged`]).
mod raw {
    use crate::money::Money;
    use crate::tagged::required;
    use serde::Deserialize;

    #[derive(Deserialize)]
    #[serde(rename_all = "snake_case")]
    enum TargetTag {
        Product,
        Category,
    }

    #[derive(Deserialize)]
    pub(super) struct OfferTarget {
        #[serde(rename = "type")]
        tag: TargetTag,
        gtin: Option<String>,
        category: Option<String>,
    }

    impl TryFrom<OfferTarget> for super::OfferTarget {
        type Error = String;
        fn try_from(r: OfferTarget) -> Result<Self, String> {
            Ok(match r.tag {
                TargetTag::Product => Self::Product {
                    gtin: required(r.gtin, "gtin")?,
                },
                TargetTag::Category => Self::Category {
                    category: required(r.category, "category")?,
                },
            })
        }
    }

    #[derive(Deserialize)]
    #[serde(rename_all = "snake_case")]
    enum KindTag {
        AmountOff,
        PercentOff,
        PointsMultiplier,
        FreeProduct,
    }

    #[derive(Deserialize)]
    pub(super) struct OfferKind {
        #[serde(rename = "type")]
        tag: KindTag,
        target: Option<super::OfferTarget>,
        amount: Option<Money>,
        percent: Option<u32>,
        multiplier: Option<u32>,
        gtin: Option<String>,
        quantity: Option<u32>,
    }

    impl TryFrom<OfferKind> for super::OfferKind {
        type Error = String;
        fn try_from(r: OfferKind) -> Result<Self, String> {
            Ok(match r.tag {
                KindTag::AmountOff => Self::AmountOff {
                    target: required(r.target, "target")?,
                    amount: required(r.amount, "amount")?,
                },
                KindTag::PercentOff => Self::PercentOff {
                    target: required(r.target, "target")?,
                    percent: required(r.percent, "percent")?,
                },
                KindTag::PointsMultiplier => Self::PointsMultiplier {
                    target: required(r.target, "target")?,
                    multiplier: required(r.multiplier, "multiplier")?,
                },
                KindTag::FreeProduct => Self::FreeProduct {
                    gtin: required(r.gtin, "gtin")?,
                    quantity: required(r.quantity, "quantity")?,
                },
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn t0() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 3, 1, 9, 0, 0).unwrap()
    }

    fn line(gtin: &str, qty: i64, cents: i64, cat: &str) -> LineItem {
        LineItem {
            names: Default::default(),
            gtin: gtin.into(),
            name: "Item".into(),
            quantity: qty,
            unit_price: Money::new(cents, "EUR").unwrap(),
            category: cat.into(),
            lot: None,
            warranty_months: None,
        }
    }

    fn offer(id: &str, kind: OfferKind) -> Offer {
        Offer {
            id: id.into(),
            title: OfferTitle {
                nl: "Aanbieding".into(),
                fr: "Offre".into(),
                en: "Offer".into(),
            },
            kind,
            min_quantity: 1,
            valid_from: t0() - Duration::days(1),
            valid_until: t0() + Duration::days(7),
            scope: OfferScope::General,
            activation: OfferActivation::OptIn,
            limit: OfferLimit::OncePerMember,
            premium_only: false,
        }
    }

    fn product(gtin: &str) -> OfferTarget {
        OfferTarget::Product { gtin: gtin.into() }
    }

    fn category(c: &str) -> OfferTarget {
        OfferTarget::Category { category: c.into() }
    }

    const COFFEE: &str = "4006381333931";
    const BREAD: &str = "96385074";
    const WINE: &str = "036000291452";

    #[test]
    fn percent_off_rounds_up_for_the_shopper_and_points_multiply_the_paid_amount() {
        let basket = [line(COFFEE, 3, 333, "coffee"), line(WINE, 1, 899, "wine")];
        let offers = [
            offer(
                "pct",
                OfferKind::PercentOff {
                    target: product(COFFEE),
                    percent: 15,
                },
            ),
            offer(
                "x3",
                OfferKind::PointsMultiplier {
                    target: category("coffee"),
                    multiplier: 3,
                },
            ),
        ];
        let a = apply_offers(&basket, &offers, t0()).unwrap();
        // 999 × 15 % = 149.85 → 150.
        assert_eq!(
            a.discounts,
            vec![LineDiscount {
                line: 0,
                offer_id: "pct".into(),
                amount_minor: 150
            }]
        );
        // Paid 849: (3 − 1) × 849 / 100 = 16.98 → 17 extra points.
        assert_eq!(a.extra_points.len(), 1);
        assert_eq!(a.extra_points[0].extra_points, 17);
        assert_eq!(a.total_extra_points(), 17);
        assert_eq!(a.used_offers(), vec!["pct", "x3"]);
    }

    #[test]
    fn a_line_gets_one_money_discount_the_largest_and_a_coupon_one_line() {
        let basket = [
            line(COFFEE, 1, 500, "coffee"),
            line(BREAD, 1, 250, "bakery"),
            line(WINE, 2, 900, "wine"),
        ];
        let offers = [
            offer(
                "a-2eur",
                OfferKind::AmountOff {
                    target: product(COFFEE),
                    amount: Money::new(200, "EUR").unwrap(),
                },
            ),
            offer(
                "b-50pct",
                OfferKind::PercentOff {
                    target: product(COFFEE),
                    percent: 50,
                },
            ),
            // One coupon, two matching lines: it goes to one, the one where it is largest.
            offer(
                "c-3eur-any",
                OfferKind::AmountOff {
                    target: category("wine"),
                    amount: Money::new(300, "EUR").unwrap(),
                },
            ),
            // Never more than the line.
            offer(
                "d-10eur-bread",
                OfferKind::AmountOff {
                    target: product(BREAD),
                    amount: Money::new(1_000, "EUR").unwrap(),
                },
            ),
        ];
        let a = apply_offers(&basket, &offers, t0()).unwrap();
        assert_eq!(a.discount_on(0), 250, "50 % beats 2 EUR on the coffee");
        assert_eq!(a.discounts[0].offer_id, "b-50pct");
        assert_eq!(a.discount_on(1), 250, "capped at the line total");
        assert_eq!(a.discount_on(2), 300);
        assert_eq!(a.discounts.len(), 3);
    }

    #[test]
    fn free_product_and_min_quantity() {
        let basket = [line(BREAD, 2, 180, "bakery")];
        let mut buy3 = offer(
            "free",
            OfferKind::FreeProduct {
                gtin: BREAD.into(),
                quantity: 1,
            },
        );
        buy3.min_quantity = 3;
        let a = apply_offers(&basket, std::slice::from_ref(&buy3), t0()).unwrap();
        assert_eq!(a, Applied::default(), "two loaves do not reach three");
        let basket = [line(BREAD, 2, 180, "bakery"), line(BREAD, 1, 180, "bakery")];
        let a = apply_offers(&basket, &[buy3], t0()).unwrap();
        assert_eq!(a.total_discount_minor(), 180);
        assert_eq!(a.free_items.len(), 1);
        assert_eq!(a.free_items[0].quantity, 1);
        assert_eq!(
            a.free_items[0].line, 0,
            "equal candidates: the earlier line"
        );
    }

    #[test]
    fn offers_outside_their_window_or_in_another_currency_never_apply() {
        let basket = [line(COFFEE, 1, 500, "coffee")];
        let o = offer(
            "pct",
            OfferKind::PercentOff {
                target: product(COFFEE),
                percent: 10,
            },
        );
        let offers = std::slice::from_ref(&o);
        assert!(apply_offers(&basket, offers, o.valid_until)
            .unwrap()
            .discounts
            .is_empty());
        assert!(
            apply_offers(&basket, offers, o.valid_from - Duration::seconds(1))
                .unwrap()
                .discounts
                .is_empty()
        );
        assert_eq!(
            apply_offers(&basket, offers, o.valid_from)
                .unwrap()
                .total_discount_minor(),
            50
        );
        let usd = offer(
            "usd",
            OfferKind::AmountOff {
                target: product(COFFEE),
                amount: Money::new(100, "USD").unwrap(),
            },
        );
        assert!(apply_offers(&basket, &[usd], t0())
            .unwrap()
            .discounts
            .is_empty());
    }

    #[test]
    fn bad_offers_and_baskets_are_refused_with_the_field_named() {
        let good = offer(
            "ok",
            OfferKind::PercentOff {
                target: product(COFFEE),
                percent: 10,
            },
        );
        good.validate().unwrap();
        type Breaker = Box<dyn Fn(&mut Offer)>;
        let cases: Vec<(Breaker, &str)> = vec![
            (Box::new(|o| o.id = "bad id!".into()), "offer id"),
            (Box::new(|o| o.title.fr = " ".into()), "offer title (fr)"),
            (
                Box::new(|o| o.title.nl = "a\u{7}".into()),
                "offer title (nl)",
            ),
            (
                Box::new(|o| {
                    o.kind = OfferKind::PercentOff {
                        target: product(COFFEE),
                        percent: 101,
                    }
                }),
                "percent",
            ),
            (
                Box::new(|o| {
                    o.kind = OfferKind::AmountOff {
                        target: product(COFFEE),
                        amount: Money {
                            amount_minor: 0,
                            currency: "EUR".into(),
                        },
                    }
                }),
                "amount",
            ),
            (
                Box::new(|o| {
                    o.kind = OfferKind::PointsMultiplier {
                        target: category(""),
                        multiplier: 2,
                    }
                }),
                "category",
            ),
            (
                Box::new(|o| {
                    o.kind = OfferKind::PointsMultiplier {
                        target: product(COFFEE),
                        multiplier: 1,
                    }
                }),
                "multiplier",
            ),
            (
                Box::new(|o| {
                    o.kind = OfferKind::FreeProduct {
                        gtin: "4006381333932".into(),
                        quantity: 1,
                    }
                }),
                "GTIN",
            ),
            (Box::new(|o| o.min_quantity = 0), "min_quantity"),
            (Box::new(|o| o.valid_until = o.valid_from), "valid_until"),
            (
                Box::new(|o| o.valid_until = o.valid_from + Duration::days(400)),
                "366 days",
            ),
        ];
        for (break_it, field) in cases {
            let mut o = good.clone();
            break_it(&mut o);
            let e = o.validate().unwrap_err();
            assert!(e.reason.contains(field), "{field}: {}", e.reason);
            assert!(!e.reason.contains("bad id!"), "no input value in reasons");
            assert!(apply_offers(&[line(COFFEE, 1, 100, "c")], &[o], t0()).is_err());
        }
        let twice = [good.clone(), good.clone()];
        assert!(apply_offers(&[], &twice, t0()).is_err());
        assert!(apply_offers(&[line(COFFEE, 0, 100, "c")], &[good], t0()).is_err());
    }

    #[test]
    fn activation_refuses_ended_offers_only() {
        let o = offer(
            "x",
            OfferKind::PercentOff {
                target: product(COFFEE),
                percent: 10,
            },
        );
        assert_eq!(o.check_activation(o.valid_from - Duration::days(3)), Ok(()));
        assert_eq!(
            o.check_activation(o.valid_until),
            Err(OfferRefusal::Expired)
        );
    }

    #[test]
    fn every_refusal_and_state_has_a_text_in_each_language() {
        let texts = OfferRefusal::ALL
            .iter()
            .map(|r| (format!("{r:?}"), Lang::ALL.map(|l| r.text(l))))
            .chain(
                OfferState::ALL
                    .iter()
                    .map(|s| (format!("{s:?}"), Lang::ALL.map(|l| s.text(l)))),
            );
        for (what, in_each) in texts {
            let mut seen = HashSet::new();
            for t in in_each {
                assert!(!t.is_empty() && !t.starts_with("offer-"), "{what}: {t}");
                assert!(seen.insert(t), "{what} repeats another language");
            }
        }
        assert_eq!(OfferState::Used.text(Lang::Nl), "Gebruikt");
    }

    #[test]
    fn the_state_follows_activation_use_and_the_kind_of_activation() {
        let mut o = offer(
            "x",
            OfferKind::PercentOff {
                target: product(COFFEE),
                percent: 10,
            },
        );
        assert_eq!(OfferState::of(&o, false, false), OfferState::Available);
        assert_eq!(OfferState::of(&o, true, false), OfferState::Activated);
        assert_eq!(OfferState::of(&o, true, true), OfferState::Used);
        o.activation = OfferActivation::Automatic;
        assert_eq!(OfferState::of(&o, false, false), OfferState::Activated);
        assert_eq!(
            serde_json::to_string(&OfferState::Available).unwrap(),
            "\"available\""
        );
    }

    // ---- property-style checks over generated baskets --------------------------------------

    /// A small deterministic generator (xorshift64*), so failures reproduce.
    struct Rng(u64);
    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 >> 12;
            self.0 ^= self.0 << 25;
            self.0 ^= self.0 >> 27;
            self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
        }
        fn below(&mut self, n: u64) -> u64 {
            self.next() % n
        }
    }

    const GTINS: [&str; 4] = [COFFEE, BREAD, WINE, "10614141000415"];
    const CATS: [&str; 3] = ["coffee", "bakery", "wine"];

    fn gen_basket(r: &mut Rng) -> Vec<LineItem> {
        (0..1 + r.below(12))
            .map(|_| {
                line(
                    GTINS[r.below(4) as usize],
                    1 + r.below(6) as i64,
                    r.below(5_000) as i64,
                    CATS[r.below(3) as usize],
                )
            })
            .collect()
    }

    fn gen_offers(r: &mut Rng) -> Vec<Offer> {
        (0..r.below(10))
            .map(|n| {
                let target = if r.below(2) == 0 {
                    product(GTINS[r.below(4) as usize])
                } else {
                    category(CATS[r.below(3) as usize])
                };
                let kind = match r.below(4) {
                    0 => OfferKind::AmountOff {
                        target,
                        amount: Money::new(1 + r.below(3_000) as i64, "EUR").unwrap(),
                    },
                    1 => OfferKind::PercentOff {
                        target,
                        percent: 1 + r.below(100) as u32,
                    },
                    2 => OfferKind::PointsMultiplier {
                        target,
                        multiplier: 2 + r.below(9) as u32,
                    },
                    _ => OfferKind::FreeProduct {
                        gtin: GTINS[r.below(4) as usize].into(),
                        quantity: 1 + r.below(2) as u32,
                    },
                };
                let mut o = offer(&format!("o{n}"), kind);
                o.min_quantity = 1 + r.below(3) as u32;
                o.valid_from = t0() - Duration::days(r.below(3) as i64) + Duration::hours(12);
                o.valid_until = o.valid_from + Duration::days(1 + r.below(3) as i64);
                o
            })
            .collect()
    }

    #[test]
    fn generated_baskets_keep_the_rules() {
        let mut r = Rng(0x9E37_79B9_7F4A_7C15);
        for round in 0..3_000 {
            let basket = gen_basket(&mut r);
            let offers = gen_offers(&mut r);
            let now = t0() + Duration::hours(r.below(48) as i64);
            let a = apply_offers(&basket, &offers, now).unwrap();

            // Discount ≤ line total, at most one per line, positive.
            let mut lines_seen = HashSet::new();
            for d in &a.discounts {
                assert!(lines_seen.insert(d.line), "round {round}: two discounts");
                assert!(d.amount_minor > 0 && d.amount_minor <= basket[d.line].line_total());
            }
            let total: i64 = basket.iter().map(LineItem::line_total).sum();
            assert!(a.total_discount_minor() <= total);
            // Only offers in their window, matching the line.
            for id in a.used_offers() {
                let o = offers.iter().find(|o| o.id == id).unwrap();
                assert!(o.is_valid_at(now), "round {round}: {id} out of its window");
            }
            for d in &a.discounts {
                let o = offers.iter().find(|o| o.id == d.offer_id).unwrap();
                assert!(o.kind.matches(&basket[d.line]));
                // A one-line coupon is used on one line only.
                if !matches!(o.kind, OfferKind::PercentOff { .. }) {
                    let uses = a.discounts.iter().filter(|x| x.offer_id == o.id).count();
                    assert_eq!(uses, 1);
                }
            }
            for p in &a.extra_points {
                assert!(p.extra_points > 0 && p.multiplier >= 2);
            }
            // Deterministic, and independent of the offers' order.
            assert_eq!(apply_offers(&basket, &offers, now).unwrap(), a);
            let mut shuffled = offers.clone();
            for i in (1..shuffled.len()).rev() {
                shuffled.swap(i, r.below(i as u64 + 1) as usize);
            }
            assert_eq!(
                apply_offers(&basket, &shuffled, now).unwrap(),
                a,
                "round {round}: order of offers changed the result"
            );
            // No offers: nothing.
            assert_eq!(apply_offers(&basket, &[], now).unwrap(), Applied::default());
        }
    }

    #[test]
    fn extreme_prices_do_not_overflow() {
        let basket = [line(COFFEE, 1_000_000, 1_000_000_000, "coffee")];
        let offers = [
            offer(
                "p",
                OfferKind::PercentOff {
                    target: product(COFFEE),
                    percent: 99,
                },
            ),
            offer(
                "m",
                OfferKind::PointsMultiplier {
                    target: product(COFFEE),
                    multiplier: 100,
                },
            ),
        ];
        let a = apply_offers(&basket, &offers, t0()).unwrap();
        assert!(a.total_discount_minor() <= basket[0].line_total());
        assert!(a.total_extra_points() > 0);
    }
}
