//! Points: an append-only ledger, a materialised balance, expiry first-in-first-out, and tiers over
//! a rolling window. Pure functions over entries, rules and `now`; the store persists them.
//!
//! Amounts and kinds of ledger entries never change once written. Two facts may be recorded on an
//! entry later, each once: the server's verdict on a pending entry (confirmed or rejected) and the
//! sequence number of the entry that reversed it.

use crate::check::InputError;
use crate::error::LoyaltyError;
use crate::lang::{Lang, LocalizedText};
use chrono::{DateTime, Months, Utc};
use serde::{Deserialize, Serialize};
use std::collections::VecDeque;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
pub enum EntryKind {
    /// Points earned (a purchase, a bonus). Positive.
    Earn,
    /// Points spent (a voucher, a reward). Negative.
    Redeem,
    /// A manual correction by the retailer. Either sign.
    Adjust,
    /// Points that reached the end of their life. Negative.
    Expire,
    /// Undoes an earlier confirmed entry (a returned purchase). Opposite sign of that entry.
    Reverse,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
pub enum EntryStatus {
    /// Recorded on the device (e.g. offline), not yet confirmed by the server.
    Pending,
    /// Confirmed by the server (or created by it).
    Confirmed,
    /// The server refused a pending entry; it counts for nothing.
    Rejected,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct LedgerEntry {
    /// Position in the ledger, from 1, contiguous.
    pub seq: u64,
    pub kind: EntryKind,
    /// Signed amount: positive credits, negative debits.
    pub points: i64,
    pub status: EntryStatus,
    pub at: DateTime<Utc>,
    /// What the entry is about (receipt id, voucher id, server entry id).
    #[serde(default)]
    pub reference: Option<String>,
    /// Short human description ("Purchase", "Birthday bonus").
    #[serde(default)]
    pub description: Option<String>,
    /// For a `Reverse` entry: the entry it undoes.
    #[serde(default)]
    pub reverses: Option<u64>,
    /// Set on an entry once a `Reverse` entry undid it.
    #[serde(default)]
    pub reversed_by: Option<u64>,
}

/// A new entry as requested by a caller, before the ledger gives it a place.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewEntry {
    pub kind: EntryKind,
    pub points: i64,
    pub status: EntryStatus,
    pub reference: Option<String>,
    pub description: Option<String>,
    pub reverses: Option<u64>,
}

impl NewEntry {
    /// Points earned: `points` > 0.
    pub fn earn(points: i64, pending: bool) -> Self {
        Self::new(EntryKind::Earn, points, pending)
    }

    /// Points spent: `points` > 0 is the amount spent (recorded negative).
    pub fn redeem(points: i64, pending: bool) -> Self {
        Self::new(EntryKind::Redeem, points.saturating_neg(), pending)
    }

    /// A correction of either sign (not zero).
    pub fn adjust(points: i64) -> Self {
        Self::new(EntryKind::Adjust, points, false)
    }

    fn new(kind: EntryKind, points: i64, pending: bool) -> Self {
        Self {
            kind,
            points,
            status: if pending {
                EntryStatus::Pending
            } else {
                EntryStatus::Confirmed
            },
            reference: None,
            description: None,
            reverses: None,
        }
    }

    pub fn with_reference(mut self, reference: impl Into<String>) -> Self {
        self.reference = Some(reference.into());
        self
    }

    pub fn with_description(mut self, description: impl Into<String>) -> Self {
        self.description = Some(description.into());
        self
    }

    /// The sign and size rules of each kind.
    pub fn validate(&self) -> Result<(), InputError> {
        const MAX: i64 = 1_000_000_000;
        if self.points == 0 {
            return Err(InputError::new("points must not be zero"));
        }
        // unsigned_abs: i64::MIN has no positive counterpart (`abs` would overflow).
        if self.points.unsigned_abs() > MAX.unsigned_abs() {
            return Err(InputError::new(
                "points must be at most 1000000000 per entry",
            ));
        }
        let ok = match self.kind {
            EntryKind::Earn => self.points > 0,
            EntryKind::Redeem | EntryKind::Expire => self.points < 0,
            EntryKind::Adjust | EntryKind::Reverse => true,
        };
        if !ok {
            return Err(InputError::new(match self.kind {
                EntryKind::Earn => "points earned must be positive",
                _ => "points spent or expired must be positive",
            }));
        }
        if self.status == EntryStatus::Rejected {
            return Err(InputError::new(
                "a new entry is pending or confirmed, not rejected",
            ));
        }
        for text in [&self.reference, &self.description].into_iter().flatten() {
            if text.len() > 256 {
                return Err(InputError::new(
                    "reference and description are at most 256 bytes",
                ));
            }
        }
        Ok(())
    }
}

#[derive(Debug, thiserror::Error)]
pub enum PointsError {
    #[error("{0}")]
    Invalid(#[from] InputError),
    #[error("ledger entry not found")]
    EntryNotFound,
    #[error("not enough points: {available} available, {needed} needed")]
    Insufficient { available: i64, needed: i64 },
    #[error("this ledger entry was already reversed")]
    AlreadyReversed,
    #[error("only confirmed earn, redeem and adjust entries can be reversed")]
    NotReversible,
    #[error("this ledger entry is not pending")]
    NotPending,
    #[error("these points were already claimed or credited")]
    AlreadyClaimed,
    #[error("materialised balance disagrees with the ledger")]
    Inconsistent { stored: Balance, computed: Balance },
}

/// Mapped once into the public error (the store's, runtime's and sync's errors are mapped in
/// loyalty-core's api/error.rs).
impl From<PointsError> for LoyaltyError {
    fn from(e: PointsError) -> Self {
        let reason = e.to_string();
        match e {
            PointsError::Invalid(i) => i.into(),
            PointsError::EntryNotFound => LoyaltyError::NotFound { reason },
            PointsError::Insufficient { .. }
            | PointsError::AlreadyReversed
            | PointsError::NotReversible
            | PointsError::NotPending
            | PointsError::AlreadyClaimed => LoyaltyError::Conflict { reason },
            PointsError::Inconsistent { .. } => LoyaltyError::DatabaseCorrupt { reason },
        }
    }
}

/// The materialised balance, kept in step with the ledger in the same transaction.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Balance {
    /// Sum of confirmed entries.
    pub confirmed: i64,
    /// Sum of pending credits (earned offline, awaiting the server), >= 0.
    pub pending_credit: i64,
    /// Sum of pending debits (spent offline, awaiting the server), <= 0.
    pub pending_debit: i64,
    /// Number of entries in the ledger.
    pub entries: u64,
}

impl Balance {
    /// What the shopper can spend now: confirmed points less what is already being spent.
    pub fn available(&self) -> i64 {
        self.confirmed + self.pending_debit
    }

    /// Confirmed plus everything pending: what the balance will be once the server agrees.
    pub fn projected(&self) -> i64 {
        self.confirmed + self.pending_credit + self.pending_debit
    }

    /// Account for one entry's amount under a status (+1 to add, -1 to remove).
    pub fn apply(&mut self, points: i64, status: EntryStatus, sign: i64) {
        let p = points * sign;
        match status {
            EntryStatus::Confirmed => self.confirmed += p,
            EntryStatus::Pending if points > 0 => self.pending_credit += p,
            EntryStatus::Pending => self.pending_debit += p,
            EntryStatus::Rejected => {}
        }
    }

    /// Recompute from the ledger.
    pub fn from_entries<'a>(entries: impl IntoIterator<Item = &'a LedgerEntry>) -> Self {
        let mut b = Balance::default();
        for e in entries {
            b.apply(e.points, e.status, 1);
            b.entries += 1;
        }
        b
    }
}

/// Checks that a debit of `points` (> 0) fits in what is available.
pub fn check_spend(balance: &Balance, points: i64) -> Result<(), PointsError> {
    if balance.available() < points {
        Err(PointsError::Insufficient {
            available: balance.available().max(0),
            needed: points,
        })
    } else {
        Ok(())
    }
}

/// The entry that reverses `original`, or why it cannot be reversed.
pub fn reversal_of(original: &LedgerEntry) -> Result<NewEntry, PointsError> {
    if original.reversed_by.is_some() {
        return Err(PointsError::AlreadyReversed);
    }
    let reversible = matches!(
        original.kind,
        EntryKind::Earn | EntryKind::Redeem | EntryKind::Adjust
    );
    if !reversible || original.status != EntryStatus::Confirmed {
        return Err(PointsError::NotReversible);
    }
    Ok(NewEntry {
        kind: EntryKind::Reverse,
        points: -original.points,
        status: EntryStatus::Confirmed,
        reference: original.reference.clone(),
        description: Some("Reversal".into()),
        reverses: Some(original.seq),
    })
}

// ---------------------------------------------------------------------------------------------
// Programme rules

/// A tier: reached when the qualifying points in the rolling window are at least `min_points`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct TierRule {
    /// The tier's name in the programme's own language.
    pub name: String,
    pub min_points: i64,
    /// The name in other languages, by language tag ("Goud", "Or").
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    #[serde(default, skip_serializing_if = "LocalizedText::is_empty")]
    pub names: LocalizedText,
}

impl TierRule {
    /// The tier's name for a shopper who reads `lang`.
    pub fn name_in(&self, lang: Lang) -> &str {
        self.names.get_or(lang, &self.name)
    }
}

/// The programme's rules: configuration, loaded from JSON, not code.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct ProgrammeRules {
    /// Points expire this many months after they were earned, oldest first. `None`: never.
    #[serde(default)]
    pub points_expiry_months: Option<u32>,
    /// Length of the rolling window over which tier qualification is counted.
    pub tier_window_months: u32,
    /// Tiers in ascending order of `min_points`; the first one is the entry tier.
    pub tiers: Vec<TierRule>,
    /// Days after purchase within which a receipt's items can be returned, unless the receipt says
    /// otherwise.
    pub return_window_days: u32,
}

impl Default for ProgrammeRules {
    fn default() -> Self {
        Self {
            points_expiry_months: Some(24),
            tier_window_months: 12,
            tiers: vec![
                TierRule {
                    name: "Member".into(),
                    names: LocalizedText::of(&[("nl", "Lid"), ("fr", "Membre"), ("en", "Member")]),
                    min_points: 0,
                },
                TierRule {
                    name: "Silver".into(),
                    names: LocalizedText::of(&[
                        ("nl", "Zilver"),
                        ("fr", "Argent"),
                        ("en", "Silver"),
                    ]),
                    min_points: 1_000,
                },
                TierRule {
                    name: "Gold".into(),
                    names: LocalizedText::of(&[("nl", "Goud"), ("fr", "Or"), ("en", "Gold")]),
                    min_points: 5_000,
                },
            ],
            return_window_days: 30,
        }
    }
}

impl ProgrammeRules {
    /// Parses and validates rules from their JSON form.
    pub fn from_json(json: &str) -> Result<Self, InputError> {
        let rules: Self = serde_json::from_slice(json.as_bytes())
            .map_err(|e| InputError::new(format!("programme rules are not valid JSON: {e}")))?;
        rules.validate()?;
        Ok(rules)
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).expect("rules serialise")
    }

    pub fn validate(&self) -> Result<(), InputError> {
        if self.tiers.is_empty() {
            return Err(InputError::new("programme rules need at least one tier"));
        }
        if self.tiers[0].min_points != 0 {
            return Err(InputError::new("the first tier must start at 0 points"));
        }
        for pair in self.tiers.windows(2) {
            if pair[1].min_points <= pair[0].min_points {
                return Err(InputError::new(
                    "tiers must be in strictly ascending order of min_points",
                ));
            }
        }
        if self.tiers.iter().any(|t| t.name.trim().is_empty()) {
            return Err(InputError::new("every tier needs a name"));
        }
        for t in &self.tiers {
            t.names.validate_translations("tier name", 100)?;
        }
        if self.tier_window_months == 0 || self.tier_window_months > 120 {
            return Err(InputError::new(
                "tier_window_months must be between 1 and 120",
            ));
        }
        if matches!(self.points_expiry_months, Some(m) if m == 0 || m > 240) {
            return Err(InputError::new(
                "points_expiry_months must be between 1 and 240",
            ));
        }
        if self.return_window_days > 3650 {
            return Err(InputError::new("return_window_days must be at most 3650"));
        }
        Ok(())
    }
}

// ---------------------------------------------------------------------------------------------
// Expiry

/// Points from one earning that will expire (or have expired) at `expires_at`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct ExpiringPoints {
    /// The earning entry these points came from.
    pub lot_seq: u64,
    pub points: i64,
    pub expires_at: DateTime<Utc>,
}

/// The expiry lots of a ledger read one entry at a time, oldest first, so the whole ledger need
/// not be in memory: what is left of each confirmed credit after every debit has taken from the
/// oldest credits first. Debits include pending ones (already spent on the device). A reversal
/// takes from the credit it reverses before anything else. Nothing is kept when the programme's
/// points do not expire.
#[derive(Debug, Clone)]
pub struct ExpiryLots {
    months: Option<u32>,
    lots: VecDeque<ExpiringPoints>,
}

impl ExpiryLots {
    pub fn new(rules: &ProgrammeRules) -> Self {
        ExpiryLots {
            months: rules.points_expiry_months,
            lots: VecDeque::new(),
        }
    }

    /// The next entry of the ledger (in sequence order).
    pub fn add(&mut self, e: &LedgerEntry) {
        let Some(months) = self.months else {
            return;
        };
        let counts = match e.status {
            EntryStatus::Confirmed => true,
            EntryStatus::Pending => e.points < 0,
            EntryStatus::Rejected => false,
        };
        if !counts {
            return;
        }
        if e.points > 0 {
            // A credit (an earning, a positive adjustment, the reversal of a debit) is a lot that
            // lives `months` from its own date.
            let expires_at =
                e.at.checked_add_months(Months::new(months))
                    .unwrap_or(DateTime::<Utc>::MAX_UTC);
            self.lots.push_back(ExpiringPoints {
                lot_seq: e.seq,
                points: e.points,
                expires_at,
            });
            return;
        }
        let mut owed = -e.points;
        if let Some(target) = e.reverses {
            if let Some(lot) = self.lots.iter_mut().find(|l| l.lot_seq == target) {
                let take = owed.min(lot.points);
                lot.points -= take;
                owed -= take;
            }
        }
        while owed > 0 {
            let Some(front) = self.lots.front_mut() else {
                break;
            };
            let take = owed.min(front.points);
            front.points -= take;
            owed -= take;
            if front.points == 0 {
                self.lots.pop_front();
            }
        }
    }

    fn remaining(self) -> impl Iterator<Item = ExpiringPoints> {
        self.lots.into_iter().filter(|l| l.points > 0)
    }

    /// The expiry entries due at `now` (see [`due_expiries`]).
    pub fn due(self, now: DateTime<Utc>) -> Vec<NewEntry> {
        self.remaining()
            .filter(|lot| lot.expires_at <= now)
            .map(|lot| NewEntry {
                kind: EntryKind::Expire,
                points: -lot.points,
                status: EntryStatus::Confirmed,
                reference: Some(format!("lot:{}", lot.lot_seq)),
                description: Some("Points expired".into()),
                reverses: None,
            })
            .collect()
    }

    /// Points that expire after `now` and no later than `now + days` (see [`expiring_within`]).
    pub fn expiring_within(self, now: DateTime<Utc>, days: u32) -> Vec<ExpiringPoints> {
        // Past chrono's range (about 262,000 years) the window simply has no end.
        let until = add_days_saturating(now, days);
        self.remaining()
            .filter(|lot| lot.expires_at > now && lot.expires_at <= until)
            .collect()
    }
}

fn lots_of(entries: &[LedgerEntry], rules: &ProgrammeRules) -> ExpiryLots {
    let mut lots = ExpiryLots::new(rules);
    for e in entries {
        lots.add(e);
    }
    lots
}

/// The expiry entries due at `now`: one per earning whose points are past their life and not spent.
/// Running it again after those entries are written yields nothing.
pub fn due_expiries(
    entries: &[LedgerEntry],
    rules: &ProgrammeRules,
    now: DateTime<Utc>,
) -> Vec<NewEntry> {
    lots_of(entries, rules).due(now)
}

/// `at + days`, or the latest time chrono can hold when that lies beyond it (never a panic,
/// whatever the argument).
pub fn add_days_saturating(at: DateTime<Utc>, days: u32) -> DateTime<Utc> {
    at.checked_add_signed(chrono::Duration::days(i64::from(days)))
        .unwrap_or(DateTime::<Utc>::MAX_UTC)
}

/// Points that expire after `now` and no later than `now + days`, oldest first.
pub fn expiring_within(
    entries: &[LedgerEntry],
    rules: &ProgrammeRules,
    now: DateTime<Utc>,
    days: u32,
) -> Vec<ExpiringPoints> {
    lots_of(entries, rules).expiring_within(now, days)
}

// ---------------------------------------------------------------------------------------------
// Tiers

#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct TierStatus {
    pub tier: String,
    /// Points earned (confirmed, not reversed) within the rolling window.
    pub qualifying_points: i64,
    pub window_start: DateTime<Utc>,
    pub next_tier: Option<String>,
    /// Points still needed to reach `next_tier`.
    pub points_to_next_tier: Option<i64>,
    /// `tier` in other languages (the tier rule's `names`).
    pub tier_names: LocalizedText,
    /// `next_tier` in other languages.
    pub next_tier_names: LocalizedText,
}

/// The points that count for the tier, from a ledger read one entry at a time: confirmed
/// earnings not reversed, in the rolling window ending at `now`.
#[derive(Debug, Clone)]
pub struct TierProgress {
    window_start: DateTime<Utc>,
    now: DateTime<Utc>,
    qualifying: i64,
}

impl TierProgress {
    pub fn new(rules: &ProgrammeRules, now: DateTime<Utc>) -> Self {
        TierProgress {
            window_start: now
                .checked_sub_months(Months::new(rules.tier_window_months))
                .unwrap_or(DateTime::<Utc>::MIN_UTC),
            now,
            qualifying: 0,
        }
    }

    pub fn add(&mut self, e: &LedgerEntry) {
        if e.kind == EntryKind::Earn
            && e.status == EntryStatus::Confirmed
            && e.reversed_by.is_none()
            && e.at > self.window_start
            && e.at <= self.now
        {
            self.qualifying = self.qualifying.saturating_add(e.points);
        }
    }

    /// The tier these points reach under `rules`.
    pub fn status(self, rules: &ProgrammeRules) -> TierStatus {
        let qualifying = self.qualifying;
        let idx = rules
            .tiers
            .iter()
            .rposition(|t| qualifying >= t.min_points)
            .unwrap_or(0);
        let next = rules.tiers.get(idx + 1);
        TierStatus {
            tier: rules.tiers[idx].name.clone(),
            tier_names: rules.tiers[idx].names.clone(),
            qualifying_points: qualifying,
            window_start: self.window_start,
            next_tier: next.map(|t| t.name.clone()),
            next_tier_names: next.map(|t| t.names.clone()).unwrap_or_default(),
            points_to_next_tier: next.map(|t| t.min_points - qualifying),
        }
    }
}

/// The shopper's tier at `now` from confirmed earnings in the rolling window.
pub fn tier_status(
    entries: &[LedgerEntry],
    rules: &ProgrammeRules,
    now: DateTime<Utc>,
) -> TierStatus {
    let mut progress = TierProgress::new(rules, now);
    for e in entries {
        progress.add(e);
    }
    progress.status(rules)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(y: i32, m: u32, d: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, m, d, 12, 0, 0).unwrap()
    }

    fn entry(seq: u64, kind: EntryKind, points: i64, when: DateTime<Utc>) -> LedgerEntry {
        LedgerEntry {
            seq,
            kind,
            points,
            status: EntryStatus::Confirmed,
            at: when,
            reference: None,
            description: None,
            reverses: None,
            reversed_by: None,
        }
    }

    fn rules(expiry: Option<u32>) -> ProgrammeRules {
        ProgrammeRules {
            points_expiry_months: expiry,
            ..ProgrammeRules::default()
        }
    }

    #[test]
    fn sign_rules_per_kind() {
        assert!(NewEntry::earn(10, false).validate().is_ok());
        assert!(NewEntry::earn(-10, false).validate().is_err());
        assert!(NewEntry::earn(0, false).validate().is_err());
        assert!(NewEntry::redeem(10, false).validate().is_ok());
        assert!(NewEntry::redeem(-10, false).validate().is_err());
        assert!(NewEntry::adjust(-5).validate().is_ok());
        assert!(NewEntry::adjust(2_000_000_000).validate().is_err());
        // The extremes: refused, never an overflow (`abs` of i64::MIN panicked).
        for p in [
            i64::MIN,
            i64::MIN + 1,
            i64::MAX,
            -1_000_000_001,
            1_000_000_001,
        ] {
            assert!(NewEntry::adjust(p).validate().is_err(), "{p}");
        }
        assert!(NewEntry::adjust(-1_000_000_000).validate().is_ok());
    }

    #[test]
    fn balance_separates_pending_from_confirmed() {
        let mut e1 = entry(1, EntryKind::Earn, 100, at(2026, 1, 1));
        let mut e2 = entry(2, EntryKind::Earn, 40, at(2026, 1, 2));
        e2.status = EntryStatus::Pending;
        let mut e3 = entry(3, EntryKind::Redeem, -30, at(2026, 1, 3));
        e3.status = EntryStatus::Pending;
        let b = Balance::from_entries([&e1, &e2, &e3]);
        assert_eq!(b.confirmed, 100);
        assert_eq!(b.pending_credit, 40);
        assert_eq!(b.pending_debit, -30);
        assert_eq!(b.available(), 70);
        assert_eq!(b.projected(), 110);
        e1.status = EntryStatus::Rejected;
        assert_eq!(Balance::from_entries([&e1]).confirmed, 0);
        assert!(check_spend(&b, 70).is_ok());
        assert!(matches!(
            check_spend(&b, 71),
            Err(PointsError::Insufficient {
                available: 70,
                needed: 71
            })
        ));
    }

    #[test]
    fn expiry_takes_oldest_points_first_and_is_idempotent() {
        let r = rules(Some(12));
        let mut entries = vec![
            entry(1, EntryKind::Earn, 100, at(2025, 1, 10)),
            entry(2, EntryKind::Earn, 50, at(2025, 6, 1)),
            // Spending 120 empties the January lot and takes 20 from June's.
            entry(3, EntryKind::Redeem, -120, at(2025, 7, 1)),
        ];
        // Before anything is a year old: nothing due.
        assert!(due_expiries(&entries, &r, at(2026, 1, 9)).is_empty());
        // January's points are all spent, so nothing expires in January 2026 either.
        assert!(due_expiries(&entries, &r, at(2026, 2, 1)).is_empty());
        // June's remaining 30 expire on 1 June 2026.
        let due = due_expiries(&entries, &r, at(2026, 6, 1));
        assert_eq!(due.len(), 1);
        assert_eq!(due[0].points, -30);
        assert_eq!(due[0].kind, EntryKind::Expire);
        let mut exp = entry(4, EntryKind::Expire, -30, at(2026, 6, 1));
        exp.reference = due[0].reference.clone();
        entries.push(exp);
        assert!(due_expiries(&entries, &r, at(2027, 1, 1)).is_empty());
        assert_eq!(Balance::from_entries(&entries).confirmed, 0);
    }

    #[test]
    fn expiring_soon_lists_lots_in_the_window() {
        let r = rules(Some(12));
        let entries = vec![
            entry(1, EntryKind::Earn, 100, at(2025, 1, 10)),
            entry(2, EntryKind::Earn, 50, at(2025, 3, 1)),
        ];
        let soon = expiring_within(&entries, &r, at(2025, 12, 20), 30);
        assert_eq!(soon.len(), 1);
        assert_eq!(soon[0].points, 100);
        assert_eq!(soon[0].expires_at, at(2026, 1, 10));
        assert!(expiring_within(&entries, &rules(None), at(2025, 12, 20), 30).is_empty());
    }

    #[test]
    fn reversal_takes_from_its_own_lot() {
        let r = rules(Some(12));
        let mut e1 = entry(1, EntryKind::Earn, 100, at(2025, 1, 1));
        let e2 = entry(2, EntryKind::Earn, 60, at(2025, 2, 1));
        let rev = reversal_of(&e2).unwrap();
        assert_eq!(rev.points, -60);
        let mut e3 = entry(3, EntryKind::Reverse, -60, at(2025, 2, 5));
        e3.reverses = Some(2);
        e1.reversed_by = None;
        let entries = vec![e1, e2, e3];
        // The reversal emptied lot 2, so lot 1 still has its 100 when it expires.
        let due = due_expiries(&entries, &r, at(2026, 3, 1));
        assert_eq!(due.len(), 1);
        assert_eq!(due[0].points, -100);
    }

    #[test]
    fn reversal_rules() {
        let mut e = entry(1, EntryKind::Earn, 100, at(2025, 1, 1));
        e.reversed_by = Some(5);
        assert!(matches!(reversal_of(&e), Err(PointsError::AlreadyReversed)));
        let x = entry(2, EntryKind::Expire, -10, at(2025, 1, 1));
        assert!(matches!(reversal_of(&x), Err(PointsError::NotReversible)));
        let mut p = entry(3, EntryKind::Earn, 10, at(2025, 1, 1));
        p.status = EntryStatus::Pending;
        assert!(matches!(reversal_of(&p), Err(PointsError::NotReversible)));
    }

    #[test]
    fn tiers_over_a_rolling_window() {
        let r = ProgrammeRules::default();
        let entries = vec![
            entry(1, EntryKind::Earn, 4_000, at(2025, 1, 15)),
            entry(2, EntryKind::Earn, 800, at(2025, 6, 1)),
            entry(3, EntryKind::Redeem, -500, at(2025, 7, 1)),
        ];
        let s = tier_status(&entries, &r, at(2025, 12, 1));
        // Spending does not lower qualification.
        assert_eq!(s.qualifying_points, 4_800);
        assert_eq!(s.tier, "Silver");
        assert_eq!(s.next_tier.as_deref(), Some("Gold"));
        assert_eq!(s.points_to_next_tier, Some(200));
        // In February 2026 the January 2025 earning has left the 12-month window.
        let s = tier_status(&entries, &r, at(2026, 2, 1));
        assert_eq!(s.qualifying_points, 800);
        assert_eq!(s.tier, "Member");
        assert_eq!(s.points_to_next_tier, Some(200));
        let gold = vec![entry(1, EntryKind::Earn, 9_000, at(2025, 1, 15))];
        let s = tier_status(&gold, &r, at(2025, 2, 1));
        assert_eq!(s.tier, "Gold");
        assert_eq!(s.next_tier, None);
        assert_eq!(s.points_to_next_tier, None);
    }

    #[test]
    fn rules_are_validated_configuration() {
        let json = ProgrammeRules::default().to_json();
        assert_eq!(
            ProgrammeRules::from_json(&json).unwrap(),
            ProgrammeRules::default()
        );
        assert!(ProgrammeRules::from_json("{").is_err());
        let mut bad = ProgrammeRules::default();
        bad.tiers.swap(1, 2);
        assert!(bad.validate().is_err());
        let mut bad = ProgrammeRules::default();
        bad.tiers[0].min_points = 5;
        assert!(bad.validate().is_err());
        assert!(ProgrammeRules::from_json(r#"{"tier_window_months":12,"tiers":[{"name":"A","min_points":0}],"return_window_days":14,"bogus":1}"#).is_err());
        let ok = ProgrammeRules::from_json(
            r#"{"tier_window_months":12,"tiers":[{"name":"A","min_points":0}],"return_window_days":14}"#,
        )
        .unwrap();
        assert_eq!(ok.points_expiry_months, None);
    }
}
