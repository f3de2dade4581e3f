//! The `content` table: the published content feeds, one current version per kind. The
//! `surveys` feed is checked before it is published (members answer its questions here); the
//! other feeds are stored as sent.

use super::{decode_err, fmt_time, Store};
use crate::error::{ApiError, ApiResult};
use crate::model::*;
use chrono::{DateTime, Utc};
use loyalty_domain::survey::{SurveyFeed, SURVEYS_FEED};
use rusqlite::{params, OptionalExtension, TransactionBehavior};

/// Checks a feed body before it is published: a `surveys` body must be a valid
/// `SurveyFeed` (400 with the rule it breaks); other kinds take any JSON.
pub fn check_content(kind: &str, body: &serde_json::Value) -> ApiResult<()> {
    if kind == SURVEYS_FEED {
        let text = serde_json::to_string(body)
            .map_err(|_| ApiError::Internal("content could not be encoded".into()))?;
        SurveyFeed::from_json(&text)?;
    }
    Ok(())
}

impl Store {
    pub fn content(&self, kind: &str) -> ApiResult<Content> {
        let row: Option<(i64, String)> = self
            .conn
            .query_row(
                "SELECT version, body FROM content WHERE kind = ?1",
                [kind],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?;
        Ok(match row {
            Some((version, body)) => Content {
                kind: kind.into(),
                version,
                body: serde_json::from_str(&body).map_err(decode_err("content"))?,
            },
            None => Content {
                kind: kind.into(),
                version: 0,
                body: serde_json::Value::Null,
            },
        })
    }

    /// Publishes `body` as the next version of `kind`; the same body as the current version
    /// publishes nothing (PUT is idempotent), nor does a body [`check_content`] refuses.
    pub fn publish_content(
        &mut self,
        kind: &str,
        body: &serde_json::Value,
        now: DateTime<Utc>,
    ) -> ApiResult<Content> {
        check_content(kind, body)?;
        let text = serde_json::to_string(body)
            .map_err(|_| ApiError::Internal("content could not be encoded".into()))?;
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let current: Option<(i64, String)> = tx
            .query_row(
                "SELECT version, body FROM content WHERE kind = ?1",
                [kind],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?;
        let version = match current {
            Some((v, old)) if old == text => v,
            Some((v, _)) => v + 1,
            None => 1,
        };
        tx.execute(
            "INSERT INTO content (kind, version, body, published_at) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (kind) DO UPDATE SET version = excluded.version, body = excluded.body,
                 published_at = CASE WHEN content.version = excluded.version
                                     THEN content.published_at ELSE excluded.published_at END",
            params![kind, version, text, fmt_time(now)],
        )?;
        tx.commit()?;
        Ok(Content {
            kind: kind.into(),
            version,
            body: body.clone(),
        })
    }
}
