//! Surveys and votes (`LoyaltyClient.surveys()`): the records that cross in another shape than
//! the domain's (see ARCHITECTURE.md) and the `Surveys` object.

use crate::error::Result;
use crate::types::st;
use loyalty_core as core;
use loyalty_core::reminders::Lang;
use loyalty_core::store;
use loyalty_core::survey;
use std::time::SystemTime;

// `SurveyAnswer`, `SurveyRefusal`, `SurveyAudience` (the domain's `Audience`) and
// `SurveyAnswerStatus` (the domain's `AnswerStatus`) derive uniffi where they are defined
// (loyalty_domain::survey).
pub use survey::{
    AnswerStatus as SurveyAnswerStatus, Audience as SurveyAudience, SurveyAnswer, SurveyRefusal,
};

/// A text in each language the app speaks.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct SurveyText {
    pub nl: String,
    pub fr: String,
    pub en: String,
}

impl From<survey::SurveyText> for SurveyText {
    fn from(t: survey::SurveyText) -> Self {
        Self {
            nl: t.nl,
            fr: t.fr,
            en: t.en,
        }
    }
}

/// One choice of a vote.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct VoteOption {
    pub id: String,
    pub label: SurveyText,
    /// The product voted for, when the option is one.
    pub gtin: Option<String>,
}

/// What kind of answer a survey takes.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Enum)]
pub enum SurveyKind {
    /// A satisfaction rating, 1 to 5 stars.
    Rating,
    /// A vote: one of the options.
    Vote { options: Vec<VoteOption> },
}

/// A question of the retailer's `surveys` feed.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct Survey {
    pub id: String,
    pub kind: SurveyKind,
    pub question: SurveyText,
    pub audience: SurveyAudience,
    pub opens_at: SystemTime,
    pub closes_at: SystemTime,
}

impl From<survey::Survey> for Survey {
    fn from(s: survey::Survey) -> Self {
        Self {
            id: s.id,
            kind: match s.kind {
                survey::SurveyKind::Rating => SurveyKind::Rating,
                survey::SurveyKind::Vote { options } => SurveyKind::Vote {
                    options: options
                        .into_iter()
                        .map(|o| VoteOption {
                            id: o.id,
                            label: o.label.into(),
                            gtin: o.gtin,
                        })
                        .collect(),
                },
            },
            question: s.question.into(),
            audience: s.audience,
            opens_at: st(s.opens_at),
            closes_at: st(s.closes_at),
        }
    }
}

/// An answer as this phone keeps it.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct GivenSurveyAnswer {
    pub survey_id: String,
    pub answer: SurveyAnswer,
    pub answered_at: SystemTime,
    pub status: SurveyAnswerStatus,
    pub refusal: Option<SurveyRefusal>,
}

impl From<store::StoredSurveyAnswer> for GivenSurveyAnswer {
    fn from(a: store::StoredSurveyAnswer) -> Self {
        Self {
            survey_id: a.survey_id,
            answer: a.answer,
            answered_at: st(a.answered_at),
            status: a.status,
            refusal: a.refusal,
        }
    }
}

/// A survey to show, with the answer given on this phone.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct SurveyItem {
    pub survey: Survey,
    pub answer: Option<GivenSurveyAnswer>,
}

/// What answering did.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Enum)]
pub enum SurveyAnswered {
    /// Checked offline and queued: show it answered; the next sync sends it.
    Queued { answer: GivenSurveyAnswer },
    /// Refused offline, with the reason.
    Refused { refusal: SurveyRefusal },
}

/// The shopper's text for a refused answer in `language` (BCP 47: `nl-BE`, `fr`, `en`;
/// anything else reads as English).
#[uniffi::export]
pub fn survey_refusal_text(refusal: SurveyRefusal, language: String) -> String {
    refusal.text(Lang::negotiate(&language))
}

/// Surveys and votes of the retailer's `surveys` feed, answered once, offline too.
#[derive(uniffi::Object)]
pub struct Surveys {
    pub(crate) api: core::SurveysApi,
}

#[uniffi::export]
impl Surveys {
    /// The surveys to show: open now and asking this member, and those answered here while
    /// still in the feed, each with the answer given on this phone.
    pub fn list(&self) -> Result<Vec<SurveyItem>> {
        Ok(self
            .api
            .list()?
            .into_iter()
            .map(|i| SurveyItem {
                survey: i.survey.into(),
                answer: i.answer.map(Into::into),
            })
            .collect())
    }

    /// Answers a survey: checked offline (an answer that does not fit the question is
    /// `InvalidInput`), refused with a reason, or queued and shown answered at once. Once per
    /// survey; the survey reminder ends with the answer to the survey after the second
    /// purchase.
    pub fn answer(&self, survey_id: String, answer: SurveyAnswer) -> Result<SurveyAnswered> {
        Ok(match self.api.answer(&survey_id, answer)? {
            core::SurveyAnswered::Queued(a) => SurveyAnswered::Queued { answer: a.into() },
            core::SurveyAnswered::Refused(r) => SurveyAnswered::Refused { refusal: r },
        })
    }

    /// Every answer given on this phone: pending, counted or refused.
    pub fn answers(&self) -> Result<Vec<GivenSurveyAnswer>> {
        Ok(self.api.answers()?.into_iter().map(Into::into).collect())
    }
}
