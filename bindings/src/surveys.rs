//! Surveys and votes (`LoyaltyClient.surveys()`): the answer as this phone keeps it and the
//! records holding it (another shape than the store's: see ARCHITECTURE.md), and the `Surveys`
//! object.

use crate::error::Result;
use crate::types::st;
use loyalty_core as core;
use loyalty_core::reminders::Lang;
use loyalty_core::store;
use loyalty_core::survey;
use std::time::SystemTime;

// `Survey`, `SurveyKind`, `VoteOption`, `SurveyAnswer`, `SurveyRefusal`, `SurveyAudience` (the
// domain's `Audience`), `SurveyAnswerStatus` (the domain's `AnswerStatus`) and `SurveyText` (a
// type alias of `OfferTitle` in Kotlin and Swift) derive uniffi where they are defined
// (loyalty_domain::survey).
use survey::{AnswerStatus as SurveyAnswerStatus, Survey, SurveyAnswer, SurveyRefusal};

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
                survey: i.survey,
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
