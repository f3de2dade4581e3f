//! The `sessions` table: a device's bearer token and refresh token (stored as SHA-256), their
//! lifetimes, sign-in with the household code, and the device's push token.

use super::{fmt_time, parse_time, Store};
use crate::credentials;
use crate::error::ApiResult;
use crate::model::*;
use chrono::{DateTime, Utc};
use rusqlite::{params, OptionalExtension, Transaction, TransactionBehavior};

/// Lifetime of a bearer token.
pub const SESSION_TOKEN_DAYS: i64 = 30;

/// A session not renewed for this long ends (its refresh token stops working): a device left
/// unused for two years signs in again with the household code.
pub const SESSION_REFRESH_DAYS: i64 = 730;

impl Store {
    /// A new session (device) for the member of `household` (a normalised household code).
    pub fn sign_in(
        &mut self,
        household: &str,
        now: DateTime<Utc>,
    ) -> ApiResult<Option<SessionCreated>> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let member: Option<(String, String)> = tx
            .query_row(
                "SELECT id, card_number FROM members WHERE household_hash = ?1",
                [credentials::sha256_hex(household.as_bytes())],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?;
        let Some((member_id, card_number)) = member else {
            return Ok(None);
        };
        let token = credentials::new_token();
        let (refresh_token, expires_at) = insert_session(&tx, &token, &member_id, now)?;
        tx.commit()?;
        Ok(Some(SessionCreated {
            member_id,
            card_number,
            token,
            refresh_token,
            expires_at,
        }))
    }

    /// Renews the session of `refresh_token` (still valid at `now`): a new bearer token and a
    /// new refresh token, both old ones stop working. `None`: unknown, used already, or ended.
    pub fn refresh_session(
        &mut self,
        refresh_token: &str,
        now: DateTime<Utc>,
    ) -> ApiResult<Option<SessionCreated>> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let row: Option<(String, String, String, Option<String>)> = tx
            .query_row(
                "SELECT s.token_hash, s.member_id, m.card_number, s.refresh_expires_at
                 FROM sessions s JOIN members m ON m.id = s.member_id
                 WHERE s.refresh_hash = ?1",
                [credentials::sha256_hex(refresh_token.as_bytes())],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
            )
            .optional()?;
        let Some((old_hash, member_id, card_number, refresh_expires)) = row else {
            return Ok(None);
        };
        let alive = refresh_expires
            .as_deref()
            .and_then(parse_time)
            .is_some_and(|t| t > now);
        if !alive {
            tx.execute("DELETE FROM sessions WHERE token_hash = ?1", [&old_hash])?;
            tx.commit()?;
            return Ok(None);
        }
        let token = credentials::new_token();
        let refresh = credentials::new_token();
        let expires_at = now + chrono::Duration::days(SESSION_TOKEN_DAYS);
        tx.execute(
            "UPDATE sessions SET token_hash = ?1, expires_at = ?2, refresh_hash = ?3,
                 refresh_expires_at = ?4
             WHERE token_hash = ?5",
            params![
                credentials::sha256_hex(token.as_bytes()),
                fmt_time(expires_at),
                credentials::sha256_hex(refresh.as_bytes()),
                fmt_time(now + chrono::Duration::days(SESSION_REFRESH_DAYS)),
                old_hash
            ],
        )?;
        tx.commit()?;
        Ok(Some(SessionCreated {
            member_id,
            card_number,
            token,
            refresh_token: refresh,
            expires_at,
        }))
    }

    /// The member a bearer token belongs to.
    /// An expired token is refused (its session renews with its refresh token); a session from
    /// before expiries existed gets one now.
    pub fn authenticate(&self, token: &str, now: DateTime<Utc>) -> ApiResult<Option<String>> {
        let hash = credentials::sha256_hex(token.as_bytes());
        let row: Option<(String, Option<String>)> = self
            .conn
            .query_row(
                "SELECT member_id, expires_at FROM sessions WHERE token_hash = ?1",
                [&hash],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?;
        let Some((member_id, expires_at)) = row else {
            return Ok(None);
        };
        match expires_at {
            Some(t) => {
                let live = parse_time(&t).is_some_and(|t| t > now);
                Ok(live.then_some(member_id))
            }
            None => {
                self.conn.execute(
                    "UPDATE sessions SET expires_at = ?1, refresh_expires_at = ?2
                     WHERE token_hash = ?3",
                    params![
                        fmt_time(now + chrono::Duration::days(SESSION_TOKEN_DAYS)),
                        fmt_time(now + chrono::Duration::days(SESSION_REFRESH_DAYS)),
                        hash
                    ],
                )?;
                Ok(Some(member_id))
            }
        }
    }

    pub fn sign_out(&mut self, token: &str) -> ApiResult<()> {
        self.conn.execute(
            "DELETE FROM sessions WHERE token_hash = ?1",
            [credentials::sha256_hex(token.as_bytes())],
        )?;
        Ok(())
    }

    /// Registers this session's (device's) push token; a token registered by another session
    /// before (the phone changed hands, or signed in again) moves to this one.
    pub fn set_push_token(
        &mut self,
        session_token: &str,
        platform: Platform,
        push_token: &str,
    ) -> ApiResult<()> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        register_push_token(&tx, session_token, platform, push_token)?;
        tx.commit()?;
        Ok(())
    }
}

/// [`Store::set_push_token`] inside a caller's transaction (a batch write).
pub fn register_push_token(
    tx: &Transaction<'_>,
    session_token: &str,
    platform: Platform,
    push_token: &str,
) -> ApiResult<()> {
    let hash = credentials::sha256_hex(session_token.as_bytes());
    tx.execute(
        "UPDATE sessions SET push_platform = NULL, push_token = NULL
         WHERE push_platform = ?1 AND push_token = ?2 AND token_hash <> ?3",
        params![platform.as_str(), push_token, hash],
    )?;
    tx.execute(
        "UPDATE sessions SET push_platform = ?1, push_token = ?2 WHERE token_hash = ?3",
        params![platform.as_str(), push_token, hash],
    )?;
    Ok(())
}

/// A new session: returns its refresh token and when the bearer token expires.
pub(super) fn insert_session(
    tx: &Transaction<'_>,
    token: &str,
    member_id: &str,
    now: DateTime<Utc>,
) -> rusqlite::Result<(String, DateTime<Utc>)> {
    let refresh = credentials::new_token();
    let expires = now + chrono::Duration::days(SESSION_TOKEN_DAYS);
    tx.execute(
        "INSERT INTO sessions (token_hash, member_id, created_at, expires_at, refresh_hash,
             refresh_expires_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![
            credentials::sha256_hex(token.as_bytes()),
            member_id,
            fmt_time(now),
            fmt_time(expires),
            credentials::sha256_hex(refresh.as_bytes()),
            fmt_time(now + chrono::Duration::days(SESSION_REFRESH_DAYS)),
        ],
    )?;
    Ok((refresh, expires))
}
