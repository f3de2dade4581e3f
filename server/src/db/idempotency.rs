//! The `idempotency` table: a write's answer kept under its Idempotency-Key, and the one write
//! path every idempotent request goes through.

use super::{fmt_time, Store};
use crate::error::{ApiError, ApiResult};
use chrono::{DateTime, Utc};
use rusqlite::{params, OptionalExtension, Transaction, TransactionBehavior};

/// Who may replay a write: one scope per member, one for the till, one for the admin.
pub struct Idempotency<'a> {
    pub scope: &'a str,
    pub key: &'a str,
    /// SHA-256 over method, path and canonical JSON body.
    pub request_hash: &'a str,
}

/// A write's answer: stored on first execution, returned as is on a replay.
#[derive(Debug, Clone)]
pub struct Answer {
    pub status: u16,
    pub body: String,
    pub replayed: bool,
}

pub(crate) fn answer<T: serde::Serialize>(status: u16, value: &T) -> ApiResult<(u16, String)> {
    serde_json::to_string(value)
        .map(|body| (status, body))
        .map_err(|_| ApiError::Internal("response could not be encoded".into()))
}

impl Store {
    /// Runs `op` in one immediate transaction. With an idempotency record: a stored answer for
    /// the same key is returned as is (same request) or refused with 409 (different request);
    /// otherwise `op`'s successful answer is stored in the same transaction. Errors are not
    /// stored: nothing was written, and the key may be used again.
    pub fn write<F>(
        &mut self,
        idem: Option<&Idempotency<'_>>,
        now: DateTime<Utc>,
        op: F,
    ) -> ApiResult<Answer>
    where
        F: FnOnce(&Transaction<'_>) -> ApiResult<(u16, String)>,
    {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        if let Some(idem) = idem {
            let stored: Option<(String, i64, String)> = tx
                .query_row(
                    "SELECT request_hash, status, body FROM idempotency WHERE scope = ?1 AND key = ?2",
                    params![idem.scope, idem.key],
                    |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
                )
                .optional()?;
            if let Some((hash, status, body)) = stored {
                if hash != idem.request_hash {
                    return Err(ApiError::Conflict(
                        "this Idempotency-Key was already used for a different request".into(),
                    ));
                }
                return Ok(Answer {
                    status: u16::try_from(status).unwrap_or(500),
                    body,
                    replayed: true,
                });
            }
        }
        let (status, body) = op(&tx)?;
        if let Some(idem) = idem {
            tx.execute(
                "INSERT INTO idempotency (scope, key, request_hash, status, body, created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![
                    idem.scope,
                    idem.key,
                    idem.request_hash,
                    i64::from(status),
                    body,
                    fmt_time(now)
                ],
            )?;
        }
        tx.commit()?;
        Ok(Answer {
            status,
            body,
            replayed: false,
        })
    }
}

/// The write of one batch item, in the batch's transaction at the batch's `now`.
pub type BatchOp<'a> =
    Box<dyn FnOnce(&Transaction<'_>, DateTime<Utc>) -> ApiResult<(u16, String)> + Send + 'a>;

/// One item of a batch write: its idempotency record (as the single-item endpoint would keep it)
/// and the write itself.
pub struct BatchItem<'a> {
    pub key: Option<String>,
    pub request_hash: String,
    pub op: BatchOp<'a>,
}

/// One item's answer in a batch: a stored or fresh answer, or its own error (nothing written).
pub type BatchAnswer = Result<Answer, ApiError>;

impl Store {
    /// Runs a batch of writes in one immediate transaction (one commit, one sync), each item
    /// under its own savepoint and with its own idempotency record in `scope`, exactly as
    /// [`Store::write`] would keep it: a replay of an item (in a batch or alone) gets its first
    /// answer. An item that fails is rolled back alone and answered with its error; the others
    /// still commit. A storage failure (`Internal`, `Unavailable`) fails the whole batch, nothing written.
    pub fn write_batch(
        &mut self,
        scope: &str,
        items: Vec<BatchItem<'_>>,
        now: DateTime<Utc>,
    ) -> ApiResult<Vec<BatchAnswer>> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let mut answers = Vec::with_capacity(items.len());
        for item in items {
            let answer = batch_item(&tx, scope, item, now);
            if let Err(e @ (ApiError::Internal(_) | ApiError::Unavailable { .. })) = &answer {
                return Err(e.clone());
            }
            answers.push(answer);
        }
        tx.commit()?;
        Ok(answers)
    }
}

fn batch_item(
    tx: &Transaction<'_>,
    scope: &str,
    item: BatchItem<'_>,
    now: DateTime<Utc>,
) -> BatchAnswer {
    if let Some(key) = item.key.as_deref() {
        let stored: Option<(String, i64, String)> = tx
            .query_row(
                "SELECT request_hash, status, body FROM idempotency WHERE scope = ?1 AND key = ?2",
                params![scope, key],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .optional()?;
        if let Some((hash, status, body)) = stored {
            if hash != item.request_hash {
                return Err(ApiError::Conflict(
                    "this Idempotency-Key was already used for a different request".into(),
                ));
            }
            return Ok(Answer {
                status: u16::try_from(status).unwrap_or(500),
                body,
                replayed: true,
            });
        }
    }
    tx.execute_batch("SAVEPOINT batch_item")?;
    let written = (item.op)(tx, now).and_then(|(status, body)| {
        if let Some(key) = item.key.as_deref() {
            tx.execute(
                "INSERT INTO idempotency (scope, key, request_hash, status, body, created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![
                    scope,
                    key,
                    item.request_hash,
                    i64::from(status),
                    body,
                    fmt_time(now)
                ],
            )?;
        }
        Ok((status, body))
    });
    match written {
        Ok((status, body)) => {
            tx.execute_batch("RELEASE batch_item")?;
            Ok(Answer {
                status,
                body,
                replayed: false,
            })
        }
        Err(e) => {
            tx.execute_batch("ROLLBACK TO batch_item; RELEASE batch_item")?;
            Err(e)
        }
    }
}
