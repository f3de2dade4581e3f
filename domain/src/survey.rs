//! Surveys and votes (issue #12 part 4): the retailer publishes questions in the `surveys`
//! content feed — a satisfaction rating after the second purchase, a vote between products —
//! and the shopper answers once, in the app, offline too. Pure rules shared by the phone and
//! the server: the feed's shape, who may answer when, and whether an answer fits its question.
//!
//! The feed (`GET /v1/content/surveys`):
//!
//! ```json
//! {"surveys": [
//!   {"id": "visit-2027", "kind": {"type": "rating"},
//!    "question": {"nl": "…", "fr": "…", "en": "…"},
//!    "audience": "second_purchase",
//!    "opens_at": "2027-01-01T00:00:00Z", "closes_at": "2028-01-01T00:00:00Z"},
//!   {"id": "best-coffee", "kind": {"type": "vote", "options": [
//!      {"id": "arabica", "label": {"nl": "…", "fr": "…", "en": "…"}, "gtin": "5410000000019"},
//!      {"id": "espresso", "label": {"nl": "…", "fr": "…", "en": "…"}}]},
//!    "question": {…}, "audience": "everyone", "opens_at": "…", "closes_at": "…"}]}
//! ```
//!
//! An answer is `{"type": "rating", "stars": 1..=5}` or `{"type": "vote", "option": "<id>"}`.
//! One answer per member and survey: the first one counts. Answers are personal data: no
//! reason or log line here repeats one.

use crate::check::{validate_id, InputError};
use crate::gs1::validate_gtin;
use crate::reminders::{l10n, Lang};
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use std::fmt;

/// The content feed's kind.
pub const SURVEYS_FEED: &str = "surveys";
/// Most surveys one feed version holds.
pub const MAX_SURVEYS: usize = 100;
/// Options of a vote: at least 2, at most this many.
pub const MAX_VOTE_OPTIONS: usize = 12;
/// Longest window of a survey, in days.
pub const MAX_SURVEY_DAYS: i64 = 732;

crate::lang::trilingual_alias!(
    /// A text in each language the app speaks (all three required).
    SurveyText
);

/// One choice of a vote.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[serde(deny_unknown_fields)]
pub struct VoteOption {
    pub id: String,
    pub label: SurveyText,
    /// The product voted for, when the option is one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gtin: Option<String>,
}

/// What kind of answer a survey takes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[serde(
    tag = "type",
    rename_all = "snake_case",
    deny_unknown_fields,
    try_from = "raw::SurveyKind"
)]
pub enum SurveyKind {
    /// A satisfaction rating, 1 to 5 stars.
    Rating,
    /// A vote: one of the options.
    Vote { options: Vec<VoteOption> },
}

/// Who is asked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(
    feature = "uniffi",
    derive(uniffi::Enum),
    uniffi(name = "SurveyAudience")
)]
pub enum Audience {
    /// Every member.
    Everyone,
    /// Members with at least two purchases (the satisfaction survey after the second one; the
    /// survey reminder of the rule set points to it).
    SecondPurchase,
}

/// One question of the feed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[serde(deny_unknown_fields)]
pub struct Survey {
    pub id: String,
    pub kind: SurveyKind,
    pub question: SurveyText,
    pub audience: Audience,
    pub opens_at: DateTime<Utc>,
    pub closes_at: DateTime<Utc>,
}

/// Where an answer stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(
    feature = "uniffi",
    derive(uniffi::Enum),
    uniffi(name = "SurveyAnswerStatus")
)]
pub enum AnswerStatus {
    /// Queued in the outbox: the next sync sends it.
    Pending,
    /// The server counted it.
    Counted,
    /// The server refused it (see `refusal`).
    Refused,
}

/// The `surveys` content feed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SurveyFeed {
    pub surveys: Vec<Survey>,
}

/// A shopper's answer.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(
    tag = "type",
    rename_all = "snake_case",
    deny_unknown_fields,
    try_from = "raw::SurveyAnswer"
)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
pub enum SurveyAnswer {
    Rating { stars: u8 },
    Vote { option: String },
}

/// Why an answer is not taken, beyond a malformed one ([`InputError`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
pub enum SurveyRefusal {
    /// No such survey (any more) in the feed.
    Unknown,
    /// Not open yet.
    NotOpen,
    /// Closed.
    Closed,
    /// The survey asks members with two purchases; this member has fewer.
    NotEligible,
    /// This member already answered it (here, on another device, or another answer first).
    AlreadyAnswered,
}

impl SurveyRefusal {
    pub const ALL: [SurveyRefusal; 5] = [
        SurveyRefusal::Unknown,
        SurveyRefusal::NotOpen,
        SurveyRefusal::Closed,
        SurveyRefusal::NotEligible,
        SurveyRefusal::AlreadyAnswered,
    ];

    /// Stable snake_case name (the wire's `refusal`, the CLI's).
    pub fn as_str(self) -> &'static str {
        match self {
            SurveyRefusal::Unknown => "unknown",
            SurveyRefusal::NotOpen => "not_open",
            SurveyRefusal::Closed => "closed",
            SurveyRefusal::NotEligible => "not_eligible",
            SurveyRefusal::AlreadyAnswered => "already_answered",
        }
    }

    pub fn from_wire(s: &str) -> Option<SurveyRefusal> {
        Self::ALL.into_iter().find(|r| r.as_str() == s)
    }

    /// A fixed English sentence for logs and errors (no personal data, never the answer).
    pub fn reason(self) -> &'static str {
        match self {
            SurveyRefusal::Unknown => "no such survey",
            SurveyRefusal::NotOpen => "the survey is not open yet",
            SurveyRefusal::Closed => "the survey is closed",
            SurveyRefusal::NotEligible => "the survey asks members after their second purchase",
            SurveyRefusal::AlreadyAnswered => "the survey was already answered",
        }
    }

    /// The shopper's text in `lang`.
    pub fn text(self, lang: Lang) -> String {
        let id = match self {
            SurveyRefusal::Unknown => "survey-refused-unknown",
            SurveyRefusal::NotOpen => "survey-refused-not-open",
            SurveyRefusal::Closed => "survey-refused-closed",
            SurveyRefusal::NotEligible => "survey-refused-not-eligible",
            SurveyRefusal::AlreadyAnswered => "survey-refused-already-answered",
        };
        l10n::localizer().format(lang, id, None)
    }
}

impl fmt::Display for SurveyRefusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.reason())
    }
}

impl std::error::Error for SurveyRefusal {}

impl SurveyFeed {
    /// Parses and validates a feed body: every survey valid, ids unique.
    pub fn from_json(body: &str) -> Result<SurveyFeed, InputError> {
        let feed: SurveyFeed = serde_json::from_slice(body.as_bytes()).map_err(|e| {
            // serde's message names fields and types, never values of ours worth hiding (the
            // feed is the retailer's published content).
            InputError::new(format!("the surveys feed is not valid: {e}"))
        })?;
        feed.validate()?;
        Ok(feed)
    }

    pub fn validate(&self) -> Result<(), InputError> {
        if self.surveys.len() > MAX_SURVEYS {
            return Err(InputError::new(format!(
                "the surveys feed holds at most {MAX_SURVEYS} surveys"
            )));
        }
        let mut ids = std::collections::HashSet::new();
        for s in &self.surveys {
            s.validate()?;
            if !ids.insert(s.id.as_str()) {
                return Err(InputError::new("survey ids are unique in the feed"));
            }
        }
        Ok(())
    }

    pub fn get(&self, id: &str) -> Option<&Survey> {
        self.surveys.iter().find(|s| s.id == id)
    }
}

impl Survey {
    pub fn validate(&self) -> Result<(), InputError> {
        validate_id("survey id", &self.id)?;
        self.question.validate("survey question", 300)?;
        if self.closes_at <= self.opens_at {
            return Err(InputError::new("a survey closes after it opens"));
        }
        if self.closes_at - self.opens_at > Duration::days(MAX_SURVEY_DAYS) {
            return Err(InputError::new(format!(
                "a survey is open for at most {MAX_SURVEY_DAYS} days"
            )));
        }
        if let SurveyKind::Vote { options } = &self.kind {
            if !(2..=MAX_VOTE_OPTIONS).contains(&options.len()) {
                return Err(InputError::new(format!(
                    "a vote has 2 to {MAX_VOTE_OPTIONS} options"
                )));
            }
            let mut ids = std::collections::HashSet::new();
            for o in options {
                validate_id("vote option id", &o.id)?;
                o.label.validate("vote option label", 120)?;
                if let Some(g) = &o.gtin {
                    validate_gtin(g)?;
                }
                if !ids.insert(o.id.as_str()) {
                    return Err(InputError::new("a vote's option ids are unique"));
                }
            }
        }
        Ok(())
    }

    /// Open at `now`: `opens_at <= now < closes_at`.
    pub fn is_open(&self, now: DateTime<Utc>) -> bool {
        self.opens_at <= now && now < self.closes_at
    }

    /// Whether a member with `purchases` receipts is asked.
    pub fn asks(&self, purchases: usize) -> bool {
        match self.audience {
            Audience::Everyone => true,
            Audience::SecondPurchase => purchases >= 2,
        }
    }

    /// Whether `answer` fits this question (kind, stars 1–5, a known option): an
    /// [`InputError`] naming the rule, never the answer.
    pub fn check_answer(&self, answer: &SurveyAnswer) -> Result<(), InputError> {
        match (&self.kind, answer) {
            (SurveyKind::Rating, SurveyAnswer::Rating { stars }) => {
                if !(1..=5).contains(stars) {
                    return Err(InputError::new("a rating is 1 to 5 stars"));
                }
            }
            (SurveyKind::Vote { options }, SurveyAnswer::Vote { option }) => {
                if !options.iter().any(|o| &o.id == option) {
                    return Err(InputError::new(
                        "the vote names an option the survey has not",
                    ));
                }
            }
            (SurveyKind::Rating, _) => {
                return Err(InputError::new("this survey takes a rating"));
            }
            (SurveyKind::Vote { .. }, _) => {
                return Err(InputError::new("this survey takes a vote"));
            }
        }
        Ok(())
    }

    /// Whether a member with `purchases` receipts may answer at `now` with `answer`: a
    /// malformed answer is `Err(Err(InputError))`, a refusal `Err(Ok(refusal))`.
    pub fn admit(
        &self,
        answer: &SurveyAnswer,
        purchases: usize,
        now: DateTime<Utc>,
    ) -> Result<(), Result<SurveyRefusal, InputError>> {
        self.check_answer(answer).map_err(Err)?;
        if now < self.opens_at {
            return Err(Ok(SurveyRefusal::NotOpen));
        }
        if now >= self.closes_at {
            return Err(Ok(SurveyRefusal::Closed));
        }
        if !self.asks(purchases) {
            return Err(Ok(SurveyRefusal::NotEligible));
        }
        Ok(())
    }
}

/// The tagged enums above as read from JSON (see [`crate::tagged`]); like the derived reader,
/// a field the variant does not have is refused.
mod raw {
    use crate::tagged::required;
    use serde::Deserialize;

    fn absent<T>(value: &Option<T>, field: &str) -> Result<(), String> {
        match value {
            Some(_) => Err(format!("unknown field `{field}`")),
            None => Ok(()),
        }
    }

    #[derive(Deserialize)]
    #[serde(rename_all = "snake_case")]
    enum Tag {
        Rating,
        Vote,
    }

    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    pub(super) struct SurveyKind {
        #[serde(rename = "type")]
        tag: Tag,
        options: Option<Vec<super::VoteOption>>,
    }

    impl TryFrom<SurveyKind> for super::SurveyKind {
        type Error = String;
        fn try_from(r: SurveyKind) -> Result<Self, String> {
            Ok(match r.tag {
                Tag::Rating => {
                    absent(&r.options, "options")?;
                    Self::Rating
                }
                Tag::Vote => Self::Vote {
                    options: required(r.options, "options")?,
                },
            })
        }
    }

    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    pub(super) struct SurveyAnswer {
        #[serde(rename = "type")]
        tag: Tag,
        stars: Option<u8>,
        option: Option<String>,
    }

    impl TryFrom<SurveyAnswer> for super::SurveyAnswer {
        type Error = String;
        fn try_from(r: SurveyAnswer) -> Result<Self, String> {
            Ok(match r.tag {
                Tag::Rating => {
                    absent(&r.option, "option")?;
                    Self::Rating {
                        stars: required(r.stars, "stars")?,
                    }
                }
                Tag::Vote => {
                    absent(&r.stars, "stars")?;
                    Self::Vote {
                        option: required(r.option, "option")?,
                    }
                }
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn t(y: i32, m: u32, d: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, m, d, 0, 0, 0).unwrap()
    }

    fn text(s: &str) -> SurveyText {
        SurveyText(crate::lang::Trilingual {
            nl: format!("{s} (nl)"),
            fr: format!("{s} (fr)"),
            en: format!("{s} (en)"),
        })
    }

    fn feed() -> SurveyFeed {
        SurveyFeed {
            surveys: vec![
                Survey {
                    id: "visit".into(),
                    kind: SurveyKind::Rating,
                    question: text("How did we do?"),
                    audience: Audience::SecondPurchase,
                    opens_at: t(2027, 1, 1),
                    closes_at: t(2028, 1, 1),
                },
                Survey {
                    id: "coffee".into(),
                    kind: SurveyKind::Vote {
                        options: vec![
                            VoteOption {
                                id: "arabica".into(),
                                label: text("Arabica"),
                                gtin: Some("5410000000019".into()),
                            },
                            VoteOption {
                                id: "espresso".into(),
                                label: text("Espresso"),
                                gtin: None,
                            },
                        ],
                    },
                    question: text("Which coffee?"),
                    audience: Audience::Everyone,
                    opens_at: t(2027, 1, 1),
                    closes_at: t(2027, 2, 1),
                },
            ],
        }
    }

    #[test]
    fn the_feed_round_trips_through_json_and_validates() {
        let f = feed();
        let json = serde_json::to_string(&f).unwrap();
        assert_eq!(SurveyFeed::from_json(&json).unwrap(), f);
        assert!(json.contains(r#""kind":{"type":"rating"}"#), "{json}");
        assert!(json.contains(r#""audience":"second_purchase""#), "{json}");
    }

    #[test]
    fn bad_feeds_are_refused_with_the_rule() {
        let bad = |edit: &dyn Fn(&mut SurveyFeed)| {
            let mut f = feed();
            edit(&mut f);
            f.validate().unwrap_err().reason
        };
        assert!(bad(&|f| f.surveys[1].id = "visit".into()).contains("unique"));
        assert!(bad(&|f| f.surveys[0].id = "a b".into()).contains("survey id"));
        assert!(bad(&|f| f.surveys[0].question.fr = " ".into()).contains("(fr)"));
        assert!(bad(&|f| f.surveys[0].closes_at = t(2026, 1, 1)).contains("closes after"));
        assert!(bad(&|f| f.surveys[0].closes_at = t(2030, 1, 1)).contains("at most"));
        assert!(bad(&|f| {
            if let SurveyKind::Vote { options } = &mut f.surveys[1].kind {
                options.truncate(1);
            }
        })
        .contains("2 to"));
        assert!(bad(&|f| {
            if let SurveyKind::Vote { options } = &mut f.surveys[1].kind {
                options[0].gtin = Some("5410000000018".into());
            }
        })
        .contains("check digit"));
        assert!(SurveyFeed::from_json("{\"surveys\": [{\"id\": 1}]}").is_err());
        assert!(SurveyFeed::from_json("{\"surveys\": [], \"x\": 1}").is_err());
        assert!(SurveyFeed::from_json("[]").is_err());
        assert_eq!(
            SurveyFeed::from_json("{\"surveys\": []}")
                .unwrap()
                .surveys
                .len(),
            0
        );
    }

    #[test]
    fn who_may_answer_when_and_with_what() {
        let f = feed();
        let (visit, coffee) = (&f.surveys[0], &f.surveys[1]);
        let now = t(2027, 1, 15);
        let four = SurveyAnswer::Rating { stars: 4 };
        assert_eq!(visit.admit(&four, 2, now), Ok(()));
        assert_eq!(
            visit.admit(&four, 1, now),
            Err(Ok(SurveyRefusal::NotEligible))
        );
        assert_eq!(
            visit.admit(&four, 2, t(2026, 12, 31)),
            Err(Ok(SurveyRefusal::NotOpen))
        );
        // Closed at the instant it closes.
        assert_eq!(
            visit.admit(&four, 2, t(2028, 1, 1)),
            Err(Ok(SurveyRefusal::Closed))
        );
        assert!(visit.is_open(t(2028, 1, 1) - Duration::nanoseconds(1)));
        for stars in [0u8, 6, 255] {
            assert!(matches!(
                visit.admit(&SurveyAnswer::Rating { stars }, 2, now),
                Err(Err(_))
            ));
        }
        let vote = SurveyAnswer::Vote {
            option: "espresso".into(),
        };
        assert_eq!(coffee.admit(&vote, 0, now), Ok(()));
        assert!(matches!(coffee.admit(&four, 0, now), Err(Err(_))));
        assert!(matches!(visit.admit(&vote, 2, now), Err(Err(_))));
        let unknown = SurveyAnswer::Vote {
            option: "decaf".into(),
        };
        let e = coffee.check_answer(&unknown).unwrap_err();
        assert!(!e.reason.contains("decaf"), "the answer is not repeated");
        // Answers on the wire.
        assert_eq!(
            serde_json::to_string(&four).unwrap(),
            r#"{"type":"rating","stars":4}"#
        );
        assert_eq!(
            serde_json::from_str::<SurveyAnswer>(r#"{"type":"vote","option":"espresso"}"#).unwrap(),
            vote
        );
        assert!(
            serde_json::from_str::<SurveyAnswer>(r#"{"type":"rating","stars":4,"x":1}"#).is_err()
        );
    }

    #[test]
    fn every_refusal_has_a_text_in_each_language() {
        for r in SurveyRefusal::ALL {
            assert_eq!(SurveyRefusal::from_wire(r.as_str()), Some(r));
            let texts: Vec<String> = [Lang::Nl, Lang::Fr, Lang::En]
                .into_iter()
                .map(|l| r.text(l))
                .collect();
            for t in &texts {
                assert!(!t.is_empty() && !t.contains("survey-refused"), "{t}");
            }
            assert_ne!(texts[0], texts[2]);
            assert_ne!(texts[1], texts[2]);
        }
    }
}
