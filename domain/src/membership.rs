//! Premium membership (issue #12 part 3): a paid plan (an annual fee, as Amazon Prime or Tesco
//! Clubcard Plus) recorded by the retailer's server — the payment itself is the platform's
//! in-app purchase or the till, out of scope — and known offline on the phone. Pure rules shared
//! by both: when the membership is active (to the instant), what its benefits give (a points
//! multiplier; offers only premium members get), and when to remind of its renewal.
//!
//! A membership is active from `started_at` (inclusive) to `ends_at` (exclusive): at `ends_at`
//! its benefits stop, on the phone and at the till alike, whatever the clock reads next.

use crate::check::{validate_id, InputError};
use crate::reminders::{l10n, Lang};
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

/// Longest term one membership record covers, in days (a yearly plan, with margin).
pub const MAX_TERM_DAYS: i64 = 800;
/// Largest points multiplier, in percent (10x).
pub const MAX_POINTS_PERCENT: u32 = 1_000;

crate::lang::trilingual_alias!(
    /// The plan's name in each language the app speaks.
    PlanName
);

/// A member's paid membership, as the server records it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(
    feature = "uniffi",
    derive(uniffi::Record),
    uniffi(name = "MembershipRecord")
)]
#[serde(deny_unknown_fields)]
pub struct Membership {
    /// The plan's id (`plus`, `premium-yearly`).
    pub plan: String,
    pub name: PlanName,
    pub started_at: DateTime<Utc>,
    /// The instant the benefits stop (exclusive).
    pub ends_at: DateTime<Utc>,
    /// Renews by itself at `ends_at` (the platform's subscription); else it lapses.
    pub auto_renews: bool,
    /// Points earned on a purchase while active, in percent of the programme's (100: as
    /// everyone, 200: double). 100 to 1000.
    pub points_percent: u32,
}

/// Where a membership stands at an instant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
pub enum MembershipStatus {
    /// Paid for a term that has not started yet.
    Upcoming,
    Active,
    /// The term ended (and was not renewed, or the renewal is not known yet).
    Expired,
}

impl Membership {
    /// The rules every record keeps; reasons name the field and the rule.
    pub fn validate(&self) -> Result<(), InputError> {
        validate_id("membership plan", &self.plan)?;
        self.name.validate("membership plan name", 60)?;
        if self.ends_at <= self.started_at {
            return Err(InputError::new("a membership ends after it starts"));
        }
        if self.ends_at - self.started_at > Duration::days(MAX_TERM_DAYS) {
            return Err(InputError::new(format!(
                "a membership term is at most {MAX_TERM_DAYS} days"
            )));
        }
        if !(100..=MAX_POINTS_PERCENT).contains(&self.points_percent) {
            return Err(InputError::new(
                "a membership's points multiplier is 100 to 1000 percent",
            ));
        }
        Ok(())
    }

    pub fn status(&self, now: DateTime<Utc>) -> MembershipStatus {
        if now < self.started_at {
            MembershipStatus::Upcoming
        } else if now < self.ends_at {
            MembershipStatus::Active
        } else {
            MembershipStatus::Expired
        }
    }

    /// Active at `now`: `started_at <= now < ends_at`.
    pub fn is_active(&self, now: DateTime<Utc>) -> bool {
        self.status(now) == MembershipStatus::Active
    }

    /// The points a purchase at `at` earns with this membership, from the programme's `base`
    /// points: `ceil(base × percent / 100)` while active (rounded in the member's favour),
    /// `base` otherwise. Never less than `base`; saturating.
    pub fn points(&self, base: i64, at: DateTime<Utc>) -> i64 {
        if base <= 0 || !self.is_active(at) {
            return base;
        }
        let scaled = i128::from(base) * i128::from(self.points_percent);
        let points = (scaled + 99) / 100;
        i64::try_from(points).unwrap_or(i64::MAX).max(base)
    }

    /// Whole days from `now` to the end, rounded up (0 once ended).
    pub fn days_left(&self, now: DateTime<Utc>) -> i64 {
        if now >= self.ends_at {
            return 0;
        }
        let secs = (self.ends_at - now).num_seconds();
        (secs + 86_399) / 86_400
    }
}

/// The points a purchase at `at` earns for a member with `membership` (if any).
pub fn points_with(membership: Option<&Membership>, base: i64, at: DateTime<Utc>) -> i64 {
    membership.map_or(base, |m| m.points(base, at))
}

/// Whether the holder of `membership` gets premium-only offers at `now`.
pub fn premium_at(membership: Option<&Membership>, now: DateTime<Utc>) -> bool {
    membership.is_some_and(|m| m.is_active(now))
}

/// [`status_text`] with the date written in `lang` ("10 January", "10 januari 2028") on the
/// phone's local calendar (`local_utc_offset_minutes`, as the reminders' context holds it).
pub fn status_line(
    m: &Membership,
    now: DateTime<Utc>,
    lang: Lang,
    local_utc_offset_minutes: i32,
) -> String {
    let offset = i64::from(local_utc_offset_minutes) * 60;
    let day = |t: DateTime<Utc>| t.timestamp().saturating_add(offset).div_euclid(86_400);
    let when = match m.status(now) {
        MembershipStatus::Upcoming => m.started_at,
        // The last day covered, for "until"; the day it renews or ended on otherwise.
        MembershipStatus::Active if !m.auto_renews => m.ends_at - Duration::seconds(1),
        _ => m.ends_at,
    };
    let date = l10n::localizer().date(lang, day(when), day(now));
    status_text(m, now, lang, &date)
}

/// The shopper's line about the membership in `lang`: active until / renews on, upcoming, or
/// ended; `date` as written for the shopper.
pub fn status_text(m: &Membership, now: DateTime<Utc>, lang: Lang, date: &str) -> String {
    let id = match (m.status(now), m.auto_renews) {
        (MembershipStatus::Upcoming, _) => "membership-upcoming",
        (MembershipStatus::Active, true) => "membership-renews",
        (MembershipStatus::Active, false) => "membership-ends",
        (MembershipStatus::Expired, _) => "membership-ended",
    };
    let mut args = fluent_bundle::FluentArgs::new();
    args.set("plan", m.name.get(lang).to_string());
    args.set("date", date.to_string());
    l10n::localizer().format(lang, id, Some(&args))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn t(y: i32, m: u32, d: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, m, d, 0, 0, 0).unwrap()
    }

    fn plus() -> Membership {
        Membership {
            plan: "plus".into(),
            name: PlanName(crate::lang::Trilingual {
                nl: "Plus".into(),
                fr: "Plus".into(),
                en: "Plus".into(),
            }),
            started_at: t(2027, 1, 1),
            ends_at: t(2028, 1, 1),
            auto_renews: false,
            points_percent: 150,
        }
    }

    #[test]
    fn the_benefits_stop_at_the_instant_the_term_ends() {
        let m = plus();
        assert_eq!(m.validate(), Ok(()));
        let end = m.ends_at;
        let just_before = end - Duration::nanoseconds(1);
        assert_eq!(m.status(t(2026, 12, 31)), MembershipStatus::Upcoming);
        assert_eq!(m.status(t(2027, 1, 1)), MembershipStatus::Active);
        assert_eq!(m.status(just_before), MembershipStatus::Active);
        assert_eq!(m.status(end), MembershipStatus::Expired);
        // 43 points: 64.5, rounded up for the member; as everyone once ended or before.
        assert_eq!(m.points(43, just_before), 65);
        assert_eq!(m.points(43, end), 43);
        assert_eq!(m.points(43, t(2026, 6, 1)), 43);
        assert_eq!(m.points(0, just_before), 0);
        assert_eq!(m.points(-5, just_before), -5);
        assert_eq!(m.points(i64::MAX, just_before), i64::MAX);
        assert!(premium_at(Some(&m), just_before));
        assert!(!premium_at(Some(&m), end));
        assert!(!premium_at(None, just_before));
        assert_eq!(points_with(None, 43, just_before), 43);
        assert_eq!(m.days_left(end - Duration::hours(1)), 1);
        assert_eq!(m.days_left(end - Duration::days(14)), 14);
        assert_eq!(m.days_left(end), 0);
    }

    #[test]
    fn bad_records_are_refused_with_the_rule() {
        let bad = |edit: &dyn Fn(&mut Membership)| {
            let mut m = plus();
            edit(&mut m);
            m.validate().unwrap_err().reason
        };
        assert!(bad(&|m| m.plan = "a b".into()).contains("plan"));
        assert!(bad(&|m| m.name.fr = String::new()).contains("(fr)"));
        assert!(bad(&|m| m.ends_at = m.started_at).contains("ends after"));
        assert!(bad(&|m| m.ends_at = t(2030, 1, 1)).contains("at most"));
        assert!(bad(&|m| m.points_percent = 99).contains("100 to 1000"));
        assert!(bad(&|m| m.points_percent = 1001).contains("100 to 1000"));
    }

    #[test]
    fn the_status_line_writes_the_date_for_the_shopper() {
        let m = plus();
        // It ends at midnight UTC, 01:00 in Brussels: the last day covered is 1 January there,
        // 31 December in UTC.
        let line = status_line(&m, t(2027, 6, 1), Lang::En, 60);
        assert!(line.contains("1 January 2028"), "{line}");
        assert!(status_line(&m, t(2027, 6, 1), Lang::En, 0).contains("31 December"));
        assert!(status_line(&m, t(2027, 6, 1), Lang::Nl, 0).contains("31 december"));
        assert!(status_line(&m, t(2027, 6, 1), Lang::Fr, 0).contains("31 décembre"));
        let ended = status_line(&m, t(2028, 2, 1), Lang::En, 60);
        assert!(
            ended.contains("ended") && ended.contains("1 January"),
            "{ended}"
        );
    }

    #[test]
    fn the_status_reads_in_each_language() {
        let mut m = plus();
        let now = t(2027, 6, 1);
        let texts: Vec<String> = [Lang::Nl, Lang::Fr, Lang::En]
            .into_iter()
            .map(|l| status_text(&m, now, l, "1/1/2028"))
            .collect();
        for t in &texts {
            assert!(t.contains("Plus") && t.contains("1/1/2028"), "{t}");
        }
        assert_ne!(texts[0], texts[2]);
        m.auto_renews = true;
        assert_ne!(status_text(&m, now, Lang::En, "x"), texts[2]);
        for at in [t(2026, 1, 1), t(2029, 1, 1)] {
            for l in [Lang::Nl, Lang::Fr, Lang::En] {
                let text = status_text(&m, at, l, "d");
                assert!(!text.is_empty() && !text.contains("membership-"), "{text}");
            }
        }
    }
}
