//! The `members` and `enrolment_keys` tables: enrolment, household codes, the member's profile
//! and consents, the card secret, and the till's scan of a rotating card code (the last accepted
//! TOTP counter is a member column).

use super::sessions::insert_session;
use super::{fmt_time, parse_time, Store};
use crate::credentials;
use crate::error::{ApiError, ApiResult};
use crate::model::*;
use chrono::{DateTime, Utc};
use loyalty_domain::card::new_secret;
use loyalty_domain::card::{
    hex_encode, validate_card_number, Refusal, TillPolicy, TillVerifier, TotpAlgorithm, TotpParams,
    PAYLOAD_PREFIX,
};
use rusqlite::{params, Connection, OptionalExtension, Transaction, TransactionBehavior};

/// How long an enrolment's Idempotency-Key names its member; an older key counts as unknown.
pub const ENROLMENT_KEY_TTL_HOURS: i64 = 24;

/// A member as the server keeps them.
#[derive(Clone)]
pub struct MemberRow {
    pub id: String,
    pub card_number: String,
    pub display_name: Option<String>,
    pub secret: Vec<u8>,
    pub algorithm: TotpAlgorithm,
    pub consents: Consents,
    pub last_scan_counter: Option<i64>,
}

/// The parameters of every member's TOTP except the hash: 8 digits, 30 s (core's defaults, what
/// Google Wallet's rotatingBarcode uses).
pub fn totp_params(algorithm: TotpAlgorithm) -> TotpParams {
    TotpParams {
        algorithm,
        ..TotpParams::default()
    }
}

fn algorithm_from_str(s: &str) -> TotpAlgorithm {
    match s {
        "SHA256" => TotpAlgorithm::Sha256,
        "SHA512" => TotpAlgorithm::Sha512,
        _ => TotpAlgorithm::Sha1,
    }
}

/// The Idempotency-Key of an enrolment. Only its SHA-256 is stored.
pub struct EnrolmentKey<'a> {
    pub key: &'a str,
    /// SHA-256 over method, path and canonical JSON body.
    pub request_hash: &'a str,
}

impl Store {
    /// Creates a member with a first session. With `key`: a key recorded for the same request
    /// within [`ENROLMENT_KEY_TTL_HOURS`] creates nothing and answers that member again, with a
    /// new session token and a new household code (the old code stops working); the same key
    /// with a different request is a conflict; an older key counts as unknown and is re-used
    /// for the new member. Returns the answer and whether it is such a repeat.
    pub fn enrol(
        &mut self,
        display_name: Option<String>,
        algorithm: TotpAlgorithm,
        key: Option<&EnrolmentKey<'_>>,
        now: DateTime<Utc>,
    ) -> ApiResult<(Enrolled, bool)> {
        let secret = new_secret(algorithm);
        let consents = Consents::default();
        let key_hash = key.map(|k| credentials::sha256_hex(k.key.as_bytes()));
        // Card numbers (10 random digits) and ids may collide; UNIQUE catches it, we draw again.
        for _ in 0..16 {
            let tx = self
                .conn
                .transaction_with_behavior(TransactionBehavior::Immediate)?;
            if let (Some(key), Some(key_hash)) = (key, &key_hash) {
                if let Some(repeat) = enrolment_repeat(&tx, key, key_hash, now)? {
                    tx.commit()?;
                    return Ok((repeat, true));
                }
            }
            let member_id = credentials::new_id("m_");
            let card_number = credentials::new_card_number();
            let household_code = credentials::new_household_code();
            let household = credentials::normalize_household_code(&household_code)
                .ok_or_else(|| ApiError::Internal("household code generation".into()))?;
            let token = credentials::new_token();
            let inserted = tx.execute(
                "INSERT INTO members (id, card_number, household_hash, display_name, totp_secret,
                     totp_algorithm, consent_marketing, consent_service, consent_safety, created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)
                 ON CONFLICT DO NOTHING",
                params![
                    member_id,
                    card_number,
                    credentials::sha256_hex(household.as_bytes()),
                    display_name,
                    secret,
                    algorithm.as_str(),
                    consents.marketing,
                    consents.service,
                    consents.safety,
                    fmt_time(now)
                ],
            )?;
            if inserted == 0 {
                continue;
            }
            let (refresh_token, expires_at) = insert_session(&tx, &token, &member_id, now)?;
            if let (Some(key), Some(key_hash)) = (key, &key_hash) {
                // An expired row of the same key is replaced: the key now names this member.
                tx.execute(
                    "INSERT INTO enrolment_keys (key_hash, member_id, request_hash, created_at)
                     VALUES (?1, ?2, ?3, ?4)
                     ON CONFLICT (key_hash) DO UPDATE SET member_id = excluded.member_id,
                         request_hash = excluded.request_hash, created_at = excluded.created_at",
                    params![key_hash, member_id, key.request_hash, fmt_time(now)],
                )?;
            }
            tx.commit()?;
            return Ok((
                Enrolled {
                    member_id,
                    card_number,
                    token,
                    household_code,
                    refresh_token,
                    expires_at,
                },
                false,
            ));
        }
        Err(ApiError::Internal(
            "no free card number after 16 draws".into(),
        ))
    }

    /// Replaces the member's household code with a new one (the old one stops working) and
    /// returns it.
    pub fn new_household_code(&mut self, member_id: &str) -> ApiResult<String> {
        rotate_household_code(&self.conn, member_id)
    }

    pub fn member(&self, member_id: &str) -> ApiResult<MemberRow> {
        member_where(&self.conn, "id", member_id)?
            .ok_or_else(|| ApiError::NotFound("no such member".into()))
    }

    pub fn me(&self, member_id: &str) -> ApiResult<Me> {
        let m = self.member(member_id)?;
        let push_tokens: i64 = self.conn.query_row(
            "SELECT count(*) FROM sessions WHERE member_id = ?1 AND push_token IS NOT NULL",
            [member_id],
            |r| r.get(0),
        )?;
        Ok(Me {
            member_id: m.id,
            card_number: m.card_number,
            display_name: m.display_name,
            consents: m.consents,
            push_tokens,
            company: self.company_of(member_id)?,
            membership: self.membership_of(member_id)?,
        })
    }

    pub fn set_consents(&mut self, member_id: &str, c: Consents) -> ApiResult<Consents> {
        write_consents(&self.conn, member_id, c)
    }

    /// Verifies a scanned rotating card code and consumes it (see [`verify_scan`]).
    pub fn till_scan(&mut self, payload: &str, now: DateTime<Utc>) -> ApiResult<ScanResult> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let member = verify_scan(&tx, payload, now)?;
        tx.commit()?;
        Ok(ScanResult {
            member_id: member.id,
            card_number: member.card_number,
        })
    }
}

/// Gives the member a new household code (stored as its SHA-256; the old code stops working)
/// and returns it. A code already taken by another member (2^-80) is drawn again.
fn rotate_household_code(conn: &Connection, member_id: &str) -> ApiResult<String> {
    for _ in 0..16 {
        let code = credentials::new_household_code();
        let household = credentials::normalize_household_code(&code)
            .ok_or_else(|| ApiError::Internal("household code generation".into()))?;
        let changed = conn.execute(
            "UPDATE OR IGNORE members SET household_hash = ?2 WHERE id = ?1",
            params![member_id, credentials::sha256_hex(household.as_bytes())],
        )?;
        if changed == 1 {
            return Ok(code);
        }
        if member_where(conn, "id", member_id)?.is_none() {
            return Err(ApiError::NotFound("no such member".into()));
        }
    }
    Err(ApiError::Internal(
        "no free household code after 16 draws".into(),
    ))
}

/// The answer to an enrolment whose key is already recorded (see [`Store::enrol`]): `None` when
/// the key is unknown or expired.
fn enrolment_repeat(
    tx: &Transaction<'_>,
    key: &EnrolmentKey<'_>,
    key_hash: &str,
    now: DateTime<Utc>,
) -> ApiResult<Option<Enrolled>> {
    let row: Option<(String, String, String)> = tx
        .query_row(
            "SELECT member_id, request_hash, created_at FROM enrolment_keys WHERE key_hash = ?1",
            [key_hash],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .optional()?;
    let Some((member_id, request_hash, created_at)) = row else {
        return Ok(None);
    };
    let created_at = parse_time(&created_at)
        .ok_or_else(|| ApiError::Internal("stored time could not be read".into()))?;
    if now - created_at >= chrono::Duration::hours(ENROLMENT_KEY_TTL_HOURS) {
        return Ok(None);
    }
    if request_hash != key.request_hash {
        return Err(ApiError::Conflict(
            "this Idempotency-Key was already used for a different request".into(),
        ));
    }
    let member = member_where(tx, "id", &member_id)?
        .ok_or_else(|| ApiError::Internal("an enrolment key names no member".into()))?;
    let token = credentials::new_token();
    let (refresh_token, expires_at) = insert_session(tx, &token, &member.id, now)?;
    let household_code = rotate_household_code(tx, &member.id)?;
    Ok(Some(Enrolled {
        member_id: member.id,
        card_number: member.card_number,
        token,
        household_code,
        refresh_token,
        expires_at,
    }))
}

fn member_where(conn: &Connection, column: &str, value: &str) -> ApiResult<Option<MemberRow>> {
    // `column` is one of two literals chosen by this module, never input.
    let sql = format!(
        "SELECT id, card_number, display_name, totp_secret, totp_algorithm, consent_marketing,
                consent_service, consent_safety, last_scan_counter
         FROM members WHERE {column} = ?1"
    );
    Ok(conn
        .query_row(&sql, [value], |r| {
            Ok(MemberRow {
                id: r.get(0)?,
                card_number: r.get(1)?,
                display_name: r.get(2)?,
                secret: r.get(3)?,
                algorithm: algorithm_from_str(&r.get::<_, String>(4)?),
                consents: Consents {
                    marketing: r.get(5)?,
                    service: r.get(6)?,
                    safety: r.get(7)?,
                },
                last_scan_counter: r.get(8)?,
            })
        })
        .optional()?)
}

fn refusal_code(r: Refusal) -> &'static str {
    match r {
        Refusal::Malformed => "malformed",
        Refusal::NotRotating => "not_rotating",
        Refusal::WrongMember => "wrong_member",
        Refusal::Expired => "expired",
        Refusal::FromTheFuture => "from_the_future",
        Refusal::Forged => "forged",
        Refusal::Replayed => "replayed",
        Refusal::Unverifiable => "unverifiable",
    }
}

fn refused(r: Refusal) -> ApiError {
    ApiError::Refused {
        reason: r.reason().into(),
        refusal: refusal_code(r),
    }
}

/// Verifies a scanned rotating payload `LC1:<card>:<totp>:<seconds>` with core's
/// [`TillVerifier`] and the card's secret, then consumes it.
///
/// Replay protection is in the database, not in the verifier's memory: the highest accepted TOTP
/// counter of each member is stored (`members.last_scan_counter`), a code at or below it is
/// [`Refusal::Replayed`], and the new counter is written in the caller's transaction. So a code is
/// accepted once across all requests, concurrent ones and restarts included, and a refused
/// purchase (rolled back) does not burn the code. An unknown card is
/// [`Refusal::Unverifiable`]: the server has no secret for it.
pub fn verify_scan(
    tx: &Transaction<'_>,
    payload: &str,
    now: DateTime<Utc>,
) -> ApiResult<MemberRow> {
    let trimmed = payload.trim_matches(|c: char| c.is_ascii_whitespace());
    let mut parts = trimmed.split(':');
    let (card, bare) = match (parts.next(), parts.next()) {
        (Some(PAYLOAD_PREFIX), Some(card)) if validate_card_number(card).is_ok() => {
            (Some(card), false)
        }
        // A bare card number: a member's static code is refused as such (not_rotating).
        (Some(number), None) if validate_card_number(number).is_ok() => (Some(number), true),
        _ => (None, false),
    };
    let member = match card {
        Some(card) => member_where(tx, "card_number", card)?,
        None => None,
    };
    if bare && member.is_none() {
        // Nobody's number: the till cannot tell it from any other word.
        return Err(refused(Refusal::Malformed));
    }
    let algorithm = member.as_ref().map_or(TotpAlgorithm::Sha1, |m| m.algorithm);
    let mut verifier = TillVerifier::new(TillPolicy::for_params(totp_params(algorithm)), 1)?;
    let (expected, secret): (&str, &[u8]) = match (&member, card) {
        (Some(m), _) => (&m.card_number, &m.secret),
        (None, card) => (card.unwrap_or(""), &[]),
    };
    let accepted = verifier
        .verify(payload, expected, secret, now)
        .map_err(refused)?;
    let member = member.ok_or_else(|| refused(Refusal::Unverifiable))?;
    let counter = i64::try_from(accepted.counter).map_err(|_| refused(Refusal::Malformed))?;
    if member.last_scan_counter.is_some_and(|last| counter <= last) {
        return Err(refused(Refusal::Replayed));
    }
    tx.execute(
        "UPDATE members SET last_scan_counter = ?2 WHERE id = ?1",
        params![member.id, counter],
    )?;
    Ok(member)
}

/// Resolves the `card` of a till purchase: a card number (the static code) or a rotating
/// payload, which is verified and consumed like a scan.
pub fn resolve_card(tx: &Transaction<'_>, card: &str, now: DateTime<Utc>) -> ApiResult<MemberRow> {
    let trimmed = card.trim_matches(|c: char| c.is_ascii_whitespace());
    if validate_card_number(trimmed).is_ok() {
        return member_where(tx, "card_number", trimmed)?
            .ok_or_else(|| ApiError::NotFound("no member has this card number".into()));
    }
    verify_scan(tx, trimmed, now)
}

pub(super) fn require_member(tx: &Transaction<'_>, member_id: &str) -> ApiResult<()> {
    member_where(tx, "id", member_id)?
        .map(|_| ())
        .ok_or_else(|| ApiError::NotFound("no such member".into()))
}

/// The card secret as the app receives it.
pub fn card_secret(m: &MemberRow) -> CardSecret {
    let params = totp_params(m.algorithm);
    CardSecret {
        card_number: m.card_number.clone(),
        secret_hex: hex_encode(&m.secret),
        totp: TotpInfo {
            algorithm: m.algorithm.as_str().into(),
            digits: params.digits,
            period_millis: params.period_millis,
        },
    }
}

/// Replaces the member's consents (also inside a batch write's transaction).
pub fn write_consents(
    conn: &rusqlite::Connection,
    member_id: &str,
    c: Consents,
) -> ApiResult<Consents> {
    conn.execute(
        "UPDATE members SET consent_marketing = ?2, consent_service = ?3, consent_safety = ?4
         WHERE id = ?1",
        params![member_id, c.marketing, c.service, c.safety],
    )?;
    Ok(c)
}
