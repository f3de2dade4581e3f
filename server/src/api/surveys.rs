//! Surveys and votes (issue #12 part 4): a member answers a question of the `surveys` content
//! feed (`POST /v1/surveys/{survey_id}/answer`, also a batch item `survey_answer`), and the
//! back office reads the counts (`GET /v1/admin/surveys/{survey_id}/results`). Answers are
//! personal data: no reason or log line repeats one, and the results never name a member.

use super::request::{idempotency_key, idempotent_write, json, member_auth, parse_body, till_auth};
use super::Shared;
use crate::db;
use crate::error::{ApiError, ApiResult};
use crate::model::*;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, Method, StatusCode};
use axum::response::Response;
use loyalty_domain::check::validate_id;
use loyalty_domain::survey::SurveyAnswer;

/// The answer endpoint's path template: part of every answer's request fingerprint, so the same
/// key with the same body replays alone and in a batch.
pub(super) const SURVEY_ANSWER_PATH: &str = "/v1/surveys/{survey_id}/answer";

/// An answer as checked, the same for the endpoint and a batch item.
pub(super) struct CheckedSurveyAnswer {
    pub survey_id: String,
    pub answer: SurveyAnswer,
    pub request_hash: String,
}

/// Checks an answer whose body is `value`: the survey id is one a feed can hold. Whether the
/// answer fits the question is checked against the current feed when it is written.
pub(super) fn check_survey_answer(
    req: SurveyAnswerRequest,
    value: &serde_json::Value,
) -> ApiResult<CheckedSurveyAnswer> {
    validate_id("survey_id", &req.survey_id)?;
    Ok(CheckedSurveyAnswer {
        request_hash: request_hash(&Method::POST, SURVEY_ANSWER_PATH, value),
        survey_id: req.survey_id,
        answer: req.answer,
    })
}

/// POST /v1/surveys/{survey_id}/answer (Idempotency-Key required).
pub(super) async fn answer_survey(
    State(state): State<Shared>,
    Path(survey_id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Response> {
    let (member, _) = member_auth(&state, &headers).await?;
    let key = idempotency_key(&headers, true)?.unwrap_or_default();
    validate_id("survey_id", &survey_id)?;
    let (req, value) = parse_body::<SurveyAnswerRequest>(&body)?;
    if req.survey_id != survey_id {
        return Err(ApiError::invalid(
            "the body's survey_id must be the path's survey id",
        ));
    }
    let c = check_survey_answer(req, &value)?;
    let scope = format!("member:{member}");
    let response = idempotent_write(
        &state,
        scope,
        Some(key),
        c.request_hash,
        move |tx, now, _| db::surveys::answer_survey(tx, &member, &c.survey_id, &c.answer, now),
    )
    .await?;
    Ok(super::invoices::no_store(response))
}

/// GET /v1/admin/surveys/{survey_id}/results: the counts (404 for a survey neither in the
/// current feed nor answered).
pub(super) async fn survey_results(
    State(state): State<Shared>,
    Path(survey_id): Path<String>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    till_auth(&state, &headers)?;
    validate_id("survey_id", &survey_id)?;
    let found = state
        .db(move |s, _, _| s.survey_results(&survey_id))
        .await?;
    let results = found.ok_or_else(|| ApiError::NotFound("no such survey".into()))?;
    Ok(json(StatusCode::OK, &results))
}
