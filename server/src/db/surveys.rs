//! The `survey_answers` table (schema v9): the members' answers to the questions of the
//! `surveys` content feed (issue #12 part 4), one per member and survey — the first one counts —
//! and the retailer's aggregate results, which never name a member. The rules (who may answer
//! when, whether an answer fits its question) are the domain's `loyalty_domain::survey`.
//!
//! An answer is personal data: no error reason or log line here repeats one.

use super::idempotency::answer;
use super::members::require_member;
use super::{decode_err, fmt_time, parse_time, Store};
use crate::error::{ApiError, ApiResult};
use crate::model::{SurveyAnswerRecord, SurveyResults};
use chrono::{DateTime, Utc};
use loyalty_domain::survey::{SurveyAnswer, SurveyFeed, SurveyKind, SurveyRefusal, SURVEYS_FEED};
use rusqlite::{params, Connection, OptionalExtension, Row, Transaction};
use std::collections::BTreeMap;

/// A refusal as the API answers it: `422 refused` with the refusal's name and fixed sentence.
pub fn refused(r: SurveyRefusal) -> ApiError {
    ApiError::Refused {
        reason: r.reason().into(),
        refusal: r.as_str(),
    }
}

/// The current version of the `surveys` feed; an empty feed when none is published. The feed
/// was validated when it was published (`db::content::check_content`), so it is read as is.
fn current_feed(conn: &Connection) -> ApiResult<SurveyFeed> {
    let body: Option<String> = conn
        .query_row(
            "SELECT body FROM content WHERE kind = ?1",
            [SURVEYS_FEED],
            |r| r.get(0),
        )
        .optional()?;
    match body {
        None => Ok(SurveyFeed::default()),
        Some(b) => serde_json::from_str(&b).map_err(decode_err("surveys feed")),
    }
}

fn record(r: &Row<'_>) -> rusqlite::Result<(String, String, String)> {
    Ok((r.get(0)?, r.get(1)?, r.get(2)?))
}

fn read_record((survey_id, body, at): (String, String, String)) -> ApiResult<SurveyAnswerRecord> {
    Ok(SurveyAnswerRecord {
        survey_id,
        answer: serde_json::from_str(&body).map_err(decode_err("survey answer"))?,
        answered_at: parse_time(&at)
            .ok_or_else(|| ApiError::Internal("stored time could not be read".into()))?,
    })
}

/// The member's answer to `survey_id`, if they answered it.
fn stored_answer(
    conn: &Connection,
    member_id: &str,
    survey_id: &str,
) -> ApiResult<Option<SurveyAnswerRecord>> {
    conn.query_row(
        "SELECT survey_id, answer, answered_at FROM survey_answers
         WHERE member_id = ?1 AND survey_id = ?2",
        params![member_id, survey_id],
        record,
    )
    .optional()?
    .map(read_record)
    .transpose()
}

/// For the account export: every answer of the member, oldest first.
pub(super) fn exported(conn: &Connection, member_id: &str) -> ApiResult<Vec<SurveyAnswerRecord>> {
    let mut stmt = conn.prepare_cached(
        "SELECT survey_id, answer, answered_at FROM survey_answers WHERE member_id = ?1
         ORDER BY answered_at, survey_id",
    )?;
    let rows = stmt
        .query_map([member_id], record)?
        .collect::<Result<Vec<_>, _>>()?;
    rows.into_iter().map(read_record).collect()
}

/// `POST /v1/surveys/{survey_id}/answer` (and the batch item `survey_answer`): stores the
/// member's answer to a survey of the current feed (201). The same answer again — another
/// device of the household, another key — gets the stored record (200); a different one is
/// refused `already_answered` (the first counts, nothing changes). Then, in this order: a survey
/// not in the current feed is `unknown`; an answer that does not fit the question is `400`; not
/// open yet, closed, and a member with fewer than two receipts for a `second_purchase` survey
/// are refused `not_open`, `closed`, `not_eligible`.
pub fn answer_survey(
    tx: &Transaction<'_>,
    member_id: &str,
    survey_id: &str,
    given: &SurveyAnswer,
    now: DateTime<Utc>,
) -> ApiResult<(u16, String)> {
    require_member(tx, member_id)?;
    let existing = stored_answer(tx, member_id, survey_id)?;
    if let Some(first) = &existing {
        if first.answer == *given {
            return answer(200, first);
        }
    }
    let feed = current_feed(tx)?;
    let Some(survey) = feed.get(survey_id) else {
        return Err(refused(if existing.is_some() {
            SurveyRefusal::AlreadyAnswered
        } else {
            SurveyRefusal::Unknown
        }));
    };
    survey.check_answer(given)?;
    if existing.is_some() {
        return Err(refused(SurveyRefusal::AlreadyAnswered));
    }
    let purchases: i64 = tx.query_row(
        "SELECT count(*) FROM receipts WHERE member_id = ?1",
        [member_id],
        |r| r.get(0),
    )?;
    survey
        .admit(given, usize::try_from(purchases).unwrap_or(0), now)
        .map_err(|e| match e {
            Ok(refusal) => refused(refusal),
            Err(input) => input.into(),
        })?;
    let body = serde_json::to_string(given)
        .map_err(|_| ApiError::Internal("survey answer could not be encoded".into()))?;
    tx.execute(
        "INSERT INTO survey_answers (member_id, survey_id, answer, answered_at)
         VALUES (?1, ?2, ?3, ?4)",
        params![member_id, survey_id, body, fmt_time(now)],
    )?;
    answer(
        201,
        &SurveyAnswerRecord {
            survey_id: survey_id.to_string(),
            answer: given.clone(),
            answered_at: now,
        },
    )
}

impl Store {
    /// The counts of `survey_id`'s answers: `None` when the survey is neither in the current
    /// feed nor answered by anyone.
    pub fn survey_results(&self, survey_id: &str) -> ApiResult<Option<SurveyResults>> {
        let feed = current_feed(&self.conn)?;
        let survey = feed.get(survey_id);
        let mut stmt = self
            .conn
            .prepare_cached("SELECT answer FROM survey_answers WHERE survey_id = ?1")?;
        let bodies = stmt
            .query_map([survey_id], |r| r.get::<_, String>(0))?
            .collect::<Result<Vec<_>, _>>()?;
        if survey.is_none() && bodies.is_empty() {
            return Ok(None);
        }
        let mut ratings: BTreeMap<String, u64> = (1..=5).map(|s| (s.to_string(), 0)).collect();
        let mut votes: BTreeMap<String, u64> = BTreeMap::new();
        if let Some(SurveyKind::Vote { options }) = survey.map(|s| &s.kind) {
            votes.extend(options.iter().map(|o| (o.id.clone(), 0)));
        }
        let (mut rated, mut stars_sum) = (0u64, 0u64);
        for body in &bodies {
            let given: SurveyAnswer =
                serde_json::from_str(body).map_err(decode_err("survey answer"))?;
            match given {
                SurveyAnswer::Rating { stars } => {
                    *ratings.entry(stars.to_string()).or_insert(0) += 1;
                    rated += 1;
                    stars_sum += u64::from(stars);
                }
                SurveyAnswer::Vote { option } => *votes.entry(option).or_insert(0) += 1,
            }
        }
        // Counts of a survey are far below 2^53: exact in an f64.
        let average_stars =
            (rated > 0).then(|| (stars_sum as f64 / rated as f64 * 100.0).round() / 100.0);
        Ok(Some(SurveyResults {
            survey_id: survey_id.to_string(),
            answers: bodies.len() as u64,
            ratings,
            average_stars,
            votes,
        }))
    }
}
