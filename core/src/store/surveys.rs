//! The shopper's answers to surveys and votes (issue #12 part 4), by survey id (tree
//! `survey_answers`): queued offline (pending) with its outbox item in one transaction, then
//! counted or refused by the server's answer. One answer per survey: a second is refused here,
//! before anything is queued.

use super::schema::KEY_OUTBOX_NEXT;
use super::{abort, get, tx_get, tx_get_u64, tx_put, values, Store, StoreError, Tree};
pub use crate::survey::AnswerStatus;
use crate::survey::{Audience, SurveyAnswer, SurveyRefusal};
use crate::wallet::{self, OutboxItem, OutboxOperation};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// An answer as the device keeps it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredSurveyAnswer {
    pub survey_id: String,
    pub answer: SurveyAnswer,
    /// Who the survey asked when it was answered (the survey reminder ends with the answer to
    /// the one after the second purchase).
    pub audience: Audience,
    pub answered_at: DateTime<Utc>,
    pub status: AnswerStatus,
    #[serde(default)]
    pub refusal: Option<SurveyRefusal>,
}

/// The server's answer to a survey answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SurveyVerdict {
    /// Counted (now, or earlier from this member's other device with the same answer).
    Counted,
    Refused(SurveyRefusal),
}

impl Store {
    /// Queues `answer` to survey `survey_id` (checked by the caller against the feed): its
    /// record and outbox item in one transaction. Already answered here (pending or counted):
    /// `Err(Ok(AlreadyAnswered))` and nothing queued; an answer the server refused as
    /// not open or not eligible may be given again.
    pub fn begin_survey_answer(
        &self,
        survey_id: &str,
        answer: &SurveyAnswer,
        audience: Audience,
        now: DateTime<Utc>,
    ) -> Result<(StoredSurveyAnswer, OutboxItem), StoreError> {
        crate::check::validate_id("survey id", survey_id)?;
        let key = wallet::new_idempotency_key();
        let _w = self.writer();
        self.transact(&[Tree::Meta, Tree::Outbox, Tree::SurveyAnswers], |t| {
            let (meta, outbox, answers) = (&t[0], &t[1], &t[2]);
            if let Some(old) = tx_get::<StoredSurveyAnswer>(answers, survey_id.as_bytes())? {
                let again = old.status == AnswerStatus::Refused
                    && matches!(
                        old.refusal,
                        Some(SurveyRefusal::NotOpen | SurveyRefusal::NotEligible)
                    );
                if !again {
                    return abort(StoreError::Conflict(
                        SurveyRefusal::AlreadyAnswered.reason().into(),
                    ));
                }
            }
            let record = StoredSurveyAnswer {
                survey_id: survey_id.to_string(),
                answer: answer.clone(),
                audience,
                answered_at: now,
                status: AnswerStatus::Pending,
                refusal: None,
            };
            let seq = tx_get_u64(meta, KEY_OUTBOX_NEXT)?.max(1);
            let item = OutboxItem {
                seq,
                idempotency_key: key.clone(),
                operation: OutboxOperation::AnswerSurvey {
                    survey_id: survey_id.to_string(),
                    answer: answer.clone(),
                },
                created_at: now,
                attempts: 0,
            };
            tx_put(outbox, &seq.to_be_bytes(), &item)?;
            meta.insert(KEY_OUTBOX_NEXT, &(seq + 1).to_be_bytes())?;
            tx_put(answers, survey_id.as_bytes(), &record)?;
            Ok((record, item))
        })
    }

    /// The server answered: the record settles and the outbox item goes, in one transaction.
    /// `None` when the item was already resolved.
    pub fn resolve_survey_answer(
        &self,
        item_seq: u64,
        verdict: &SurveyVerdict,
    ) -> Result<Option<StoredSurveyAnswer>, StoreError> {
        let _w = self.writer();
        self.transact(&[Tree::Outbox, Tree::SurveyAnswers], |t| {
            let (outbox, answers) = (&t[0], &t[1]);
            let Some(item) = tx_get::<OutboxItem>(outbox, &item_seq.to_be_bytes())? else {
                return Ok(None);
            };
            outbox.remove(&item_seq.to_be_bytes())?;
            let OutboxOperation::AnswerSurvey { survey_id, answer } = item.operation else {
                return abort(StoreError::Corrupt(
                    "an outbox item is not the survey answer it was sent as".into(),
                ));
            };
            let mut record = tx_get::<StoredSurveyAnswer>(answers, survey_id.as_bytes())?
                .unwrap_or(StoredSurveyAnswer {
                    survey_id: survey_id.clone(),
                    answer,
                    audience: Audience::Everyone,
                    answered_at: item.created_at,
                    status: AnswerStatus::Pending,
                    refusal: None,
                });
            match verdict {
                SurveyVerdict::Counted => {
                    record.status = AnswerStatus::Counted;
                    record.refusal = None;
                }
                SurveyVerdict::Refused(r) => {
                    record.status = AnswerStatus::Refused;
                    record.refusal = Some(*r);
                }
            }
            tx_put(answers, survey_id.as_bytes(), &record)?;
            Ok(Some(record))
        })
    }

    pub fn survey_answer(&self, survey_id: &str) -> Result<Option<StoredSurveyAnswer>, StoreError> {
        self.with(|o| get(o.tree(Tree::SurveyAnswers), survey_id.as_bytes()))
    }

    /// Every answer given on this device, by survey id.
    pub fn survey_answers(&self) -> Result<Vec<StoredSurveyAnswer>, StoreError> {
        self.with(|o| values(o.tree(Tree::SurveyAnswers).iter()))
    }
}
