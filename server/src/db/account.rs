//! The member's own account as a whole: the export of everything the server holds for them
//! (`GET /v1/me/export`) and its erasure (`DELETE /v1/me`).
//!
//! What an erasure removes: the member row (card number, display name, card secret, household
//! code hash, consents), every session and push token, the ledger, vouchers and receipts, the
//! saved company details, the offers published for them alone and their offer activations and
//! uses (schema v8), their survey answers (schema v9: the survey results count them no more),
//! their premium membership record (schema v10), the change marks, enrolment keys, and every
//! stored idempotent answer of the member's own writes and of till writes that name them. What it keeps (schema v6): one `erasures` row with
//! anonymised totals (points earned, redeemed, the balance, counts of receipts and vouchers)
//! under a random id, for the retailer's accounting of the points liability; and the hash of
//! each erased session's bearer token, so a repeated request is answered "already erased"
//! (deletion is idempotent) while the token opens nothing else; and (schema v7) the invoices
//! issued to companies for the member's receipts, which the retailer must keep, without the
//! link to the member.

use super::{fmt_time, parse_time, Store};
use crate::credentials;
use crate::error::ApiResult;
use crate::model::*;
use chrono::{DateTime, Utc};
use rusqlite::{params, OptionalExtension, TransactionBehavior};

/// Format name and version of the export document.
pub const EXPORT_FORMAT: &str = "loyalty-core-export/1";

/// Reads a whole feed in one page.
const ALL: i64 = 1_000_000_000;

impl Store {
    /// Everything the server holds for `member_id`, as one document. Not included: the card's
    /// TOTP secret and the household code (credentials, not data about the shopper: a file
    /// that holds them would let anyone who reads it use the card), and session tokens.
    pub fn export_member(&self, member_id: &str, now: DateTime<Utc>) -> ApiResult<AccountExport> {
        let m = self.member(member_id)?;
        let created_at: String = self.conn.query_row(
            "SELECT created_at FROM members WHERE id = ?1",
            [member_id],
            |r| r.get(0),
        )?;
        let mut stmt = self.conn.prepare(
            "SELECT created_at, push_platform FROM sessions WHERE member_id = ?1 ORDER BY created_at",
        )?;
        let devices = stmt
            .query_map([member_id], |r| {
                Ok((r.get::<_, String>(0)?, r.get::<_, Option<String>>(1)?))
            })?
            .collect::<Result<Vec<_>, _>>()?
            .into_iter()
            .map(|(at, platform)| ExportedDevice {
                signed_in_at: parse_time(&at),
                push_platform: platform,
            })
            .collect();
        let start = Cursor {
            seq: 0,
            check: None,
        };
        Ok(AccountExport {
            format: EXPORT_FORMAT.into(),
            exported_at: now,
            member: ExportedMember {
                member_id: m.id,
                card_number: m.card_number,
                display_name: m.display_name,
                consents: m.consents,
                enrolled_at: parse_time(&created_at),
            },
            devices,
            ledger: self.ledger_page(member_id, &start, ALL)?.items,
            vouchers: self.vouchers_page(member_id, &start, ALL)?.items,
            receipts: self.receipts_page(member_id, &start, ALL)?.items,
            company: self.company_of(member_id)?,
            invoices: self.invoices_of(member_id)?,
            offers: super::offers::exported(&self.conn, member_id)?,
            survey_answers: super::surveys::exported(&self.conn, member_id)?,
            membership: self.membership_of(member_id)?,
        })
    }

    /// Erases `member_id` (see the module docs) in one transaction and returns when.
    pub fn erase_member(&mut self, member_id: &str, now: DateTime<Utc>) -> ApiResult<Erased> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let sum = |sql: &str| -> rusqlite::Result<i64> {
            tx.query_row(sql, [member_id], |r| r.get::<_, Option<i64>>(0))
                .map(|v| v.unwrap_or(0))
        };
        let earned = sum("SELECT sum(points) FROM ledger WHERE member_id = ?1 AND points > 0")?;
        let redeemed = -sum("SELECT sum(points) FROM ledger WHERE member_id = ?1 AND points < 0")?;
        let receipts = sum("SELECT count(*) FROM receipts WHERE member_id = ?1")?;
        let vouchers = sum("SELECT count(*) FROM vouchers WHERE member_id = ?1")?;
        let at = fmt_time(now);
        tx.execute(
            "INSERT INTO erasures (id, erased_at, points_earned, points_redeemed, points_balance,
                 receipts, vouchers) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            params![
                credentials::new_id("er_"),
                at,
                earned,
                redeemed,
                earned - redeemed,
                receipts,
                vouchers
            ],
        )?;
        tx.execute(
            "INSERT OR IGNORE INTO erased_tokens (token_hash, erased_at)
             SELECT token_hash, ?2 FROM sessions WHERE member_id = ?1",
            params![member_id, at],
        )?;
        tx.execute(
            "DELETE FROM idempotency WHERE scope = ?1 OR (scope = 'till' AND instr(body, ?2) > 0)",
            params![format!("member:{member_id}"), member_id],
        )?;
        for sql in [
            // The receipts this member claimed stay claimed (their points were given once), but
            // no longer say by whom.
            "UPDATE claimable_receipts SET claimed_by = NULL WHERE claimed_by = ?1",
            // Invoices are the retailer's accounting records (kept as the law requires) and name
            // a company, not the shopper: they stay, no longer linked to the member (schema v7).
            "UPDATE invoices SET member_id = NULL WHERE member_id = ?1",
            "DELETE FROM member_companies WHERE member_id = ?1",
            "DELETE FROM change_marks WHERE member_id = ?1",
            // Offers: the member's uses and activations, then the offers given to them alone.
            "DELETE FROM offer_redemptions WHERE member_id = ?1",
            "DELETE FROM offer_activations WHERE member_id = ?1",
            "DELETE FROM offers WHERE member_id = ?1",
            // Survey answers: the results count the answers of members who are still members.
            "DELETE FROM survey_answers WHERE member_id = ?1",
            // The premium membership record (schema v10).
            "DELETE FROM memberships WHERE member_id = ?1",
            "DELETE FROM enrolment_keys WHERE member_id = ?1",
            "DELETE FROM ledger WHERE member_id = ?1",
            "DELETE FROM vouchers WHERE member_id = ?1",
            "DELETE FROM receipts WHERE member_id = ?1",
            "DELETE FROM sessions WHERE member_id = ?1",
            "DELETE FROM members WHERE id = ?1",
        ] {
            tx.execute(sql, [member_id])?;
        }
        tx.commit()?;
        Ok(Erased {
            status: ErasureStatus::Erased,
            erased_at: now,
        })
    }

    /// When the account of the session whose bearer token is `token` was erased, if it was.
    pub fn erased_by_token(&self, token: &str) -> ApiResult<Option<Erased>> {
        let at: Option<String> = self
            .conn
            .query_row(
                "SELECT erased_at FROM erased_tokens WHERE token_hash = ?1",
                [credentials::sha256_hex(token.as_bytes())],
                |r| r.get(0),
            )
            .optional()?;
        Ok(at.and_then(|at| parse_time(&at)).map(|erased_at| Erased {
            status: ErasureStatus::AlreadyErased,
            erased_at,
        }))
    }
}
