//! Surveys and votes (issue #12 part 4): the questions of the `surveys` content feed that ask
//! this member, answered once, offline too.

use super::error::ApiResult;
use crate::context::Context;
use crate::log::{log_at, LogLevel};
use crate::store::{ContentFeed, ReminderKey, StoreError, StoredFeed, StoredSurveyAnswer};
use crate::survey::{Survey, SurveyAnswer, SurveyFeed, SurveyRefusal};
use std::sync::Arc;

/// Surveys and votes.
#[derive(Clone)]
pub struct SurveysApi {
    pub(super) ctx: Arc<Context>,
}

/// A survey as the app shows it: the question, and this member's answer when given here.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SurveyItem {
    pub survey: Survey,
    pub answer: Option<StoredSurveyAnswer>,
}

/// What answering did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SurveyAnswered {
    /// Checked offline and queued: shown as answered at once; the next sync sends it.
    Queued(StoredSurveyAnswer),
    /// Refused offline, with the reason ([`SurveyRefusal::text`] for the shopper).
    Refused(SurveyRefusal),
}

impl SurveysApi {
    /// The feed as last synced (empty before the first one).
    fn feed(&self) -> ApiResult<SurveyFeed> {
        let stored = self
            .ctx
            .store
            .reminder_value::<StoredFeed>(ReminderKey::Feed(ContentFeed::Surveys))?;
        // Stored only once valid; a version this app no longer reads counts as none.
        Ok(stored
            .and_then(|f| SurveyFeed::from_json(&f.body).ok())
            .unwrap_or_default())
    }

    /// The surveys to show: open now and asking this member (after the second purchase, or
    /// everyone), and any answered on this device while still in the feed; each with the
    /// answer given here. In the feed's order.
    pub fn list(&self) -> ApiResult<Vec<SurveyItem>> {
        let now = self.ctx.now();
        let purchases = self.ctx.store.receipt_count()?;
        let answers = self.ctx.store.survey_answers()?;
        Ok(self
            .feed()?
            .surveys
            .into_iter()
            .filter_map(|survey| {
                let answer = answers.iter().find(|a| a.survey_id == survey.id).cloned();
                (answer.is_some() || (survey.is_open(now) && survey.asks(purchases)))
                    .then_some(SurveyItem { survey, answer })
            })
            .collect())
    }

    /// Answers survey `survey_id`: checked offline against the synced feed (the answer fits the
    /// question: `InvalidInput` naming the rule, never the answer), then refused with a reason
    /// (unknown, not open yet, closed, not asked to this member, already answered here) or
    /// queued with its own idempotency key and shown answered at once. The next sync sends it;
    /// the server counts the first answer per member (another device's different answer makes
    /// this one `already_answered`). Answers never reach a log.
    pub fn answer(&self, survey_id: &str, answer: SurveyAnswer) -> ApiResult<SurveyAnswered> {
        crate::check::validate_id("survey id", survey_id)?;
        let refused = |r: SurveyRefusal| {
            log_at!(
                LogLevel::Info,
                "surveys",
                "a survey answer was refused: {}",
                r.as_str()
            );
            Ok(SurveyAnswered::Refused(r))
        };
        let feed = self.feed()?;
        let Some(survey) = feed.get(survey_id) else {
            return refused(SurveyRefusal::Unknown);
        };
        let purchases = self.ctx.store.receipt_count()?;
        let now = self.ctx.now();
        match survey.admit(&answer, purchases, now) {
            Ok(()) => {}
            Err(Err(input)) => return Err(input.into()),
            Err(Ok(r)) => return refused(r),
        }
        match self
            .ctx
            .store
            .begin_survey_answer(survey_id, &answer, survey.audience, now)
        {
            Ok((record, _)) => {
                log_at!(LogLevel::Info, "surveys", "a survey answer was queued");
                Ok(SurveyAnswered::Queued(record))
            }
            Err(StoreError::Conflict(_)) => refused(SurveyRefusal::AlreadyAnswered),
            Err(e) => Err(e.into()),
        }
    }

    /// Every answer given on this device: pending, counted or refused.
    pub fn answers(&self) -> ApiResult<Vec<StoredSurveyAnswer>> {
        Ok(self.ctx.store.survey_answers()?)
    }
}
