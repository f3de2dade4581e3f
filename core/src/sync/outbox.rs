//! Draining the outbox: offline redemptions, point and receipt claims, offer activations,
//! invoice requests and survey answers sent oldest first, up to
//! [`BATCH_ITEMS`] per `POST /v1/batch`, each with its own idempotency key and settled by its own
//! answer; an item that failed for a passing reason is retried alone, and a server without the
//! batch endpoint (404/405) gets one request per item.

use super::http::TransientKind;
use super::retry::Safety;
use super::session::{blocking, Session, Stop};
use super::wire::{self, RedemptionOutcomeWire};
use super::{Failure, SyncNotice, SyncNoticeKind, SyncReport};
use crate::log::{log_at, LogLevel};
use crate::store::{
    ClaimVerdict, InvoiceRefusal, InvoiceVerdict, OfferActivationVerdict, ReceiptClaimVerdict,
    RedemptionAnswered, SurveyVerdict,
};
use crate::wallet::{OutboxItem, OutboxOperation, RedemptionOutcome};
use loyalty_domain::LoyaltyError;
use reqwest::Method;

/// The server's answer to one outbox item.
enum Answer {
    Redemption {
        outcome: RedemptionOutcome,
        redeemed_at: Option<chrono::DateTime<chrono::Utc>>,
    },
    Claim(ClaimVerdict),
    ReceiptClaim(ReceiptClaimVerdict),
    OfferActivation(OfferActivationVerdict),
    Invoice(InvoiceVerdict),
    Survey(SurveyVerdict),
}

/// An invoice request the server refused as such (400 bad company, 404 not the member's
/// receipt, 409 invoiced to another company) settles as refused; `None` for other failures.
fn invoice_refused(item: &OutboxItem, status: u16) -> Option<Answer> {
    if !matches!(item.operation, OutboxOperation::RequestInvoice { .. }) {
        return None;
    }
    let refusal = match status {
        400 | 422 => InvoiceRefusal::InvalidCompany,
        404 => InvoiceRefusal::UnknownReceipt,
        409 => InvoiceRefusal::OtherCompany,
        _ => return None,
    };
    Some(Answer::Invoice(InvoiceVerdict::Refused(refusal)))
}

/// Items sent in one `POST /v1/batch` (the reference server takes up to 250: 1,000 queued
/// redemptions drain in 4 requests of ~60 KB each).
pub(super) const BATCH_ITEMS: usize = 250;

pub(super) async fn drain_outbox(
    session: &Session<'_>,
    report: &mut SyncReport,
) -> Result<(), Stop> {
    let ctx = session.ctx;
    let mut items: Vec<OutboxItem> = blocking(ctx, |c| Ok(c.store.outbox()?)).await?;
    // A request to delete the account goes first: once the server has erased it, what else
    // waits here is moot (it is wiped with the rest).
    if let Some(at) = items
        .iter()
        .position(|i| i.operation == OutboxOperation::DeleteAccount)
    {
        let deletion = items.remove(at);
        if delete_account(session, &deletion, report).await? {
            return Ok(());
        }
    }
    // Until a server without the batch endpoint says so (404/405): then one request per item.
    let mut batches = true;
    for chunk in items.chunks(BATCH_ITEMS) {
        if session.cancel.is_cancelled() {
            return Err(Stop::Cancelled);
        }
        let answers = if batches && chunk.len() > 1 {
            match send_batch(session, chunk).await {
                Ok(answers) => Some(answers),
                Err(Failure::Rejected { status, .. }) => {
                    // 404/405: an older server; another refusal of the batch as such: its
                    // items go one by one, so each gets its own answer.
                    if status == 404 || status == 405 {
                        log_at!(
                            LogLevel::Info,
                            "sync",
                            "the server has no batch endpoint (HTTP {status}): one request per item"
                        );
                        batches = false;
                    }
                    None
                }
                Err(f @ (Failure::Transient { .. } | Failure::TooLarge | Failure::Deadline)) => {
                    note_failures(session, chunk, false).await?;
                    return Err(f.into());
                }
                Err(f) => return Err(f.into()),
            }
        } else {
            None
        };
        match answers {
            Some(answers) => {
                // Answered items are settled together (one store transaction for the
                // redemptions); an item that failed for a passing reason is retried alone.
                let mut settled = Vec::new();
                let mut retry = Vec::new();
                let mut refused = Vec::new();
                for (item, answer) in chunk.iter().zip(answers) {
                    match answer {
                        Ok(a) => settled.push((item.clone(), a)),
                        Err(Failure::Rejected { .. }) => refused.push(item.clone()),
                        Err(_) => retry.push(item.clone()),
                    }
                }
                settle_all(session, settled, report).await?;
                if !refused.is_empty() {
                    note_failures(session, &refused, true).await?;
                    report.outbox_failed += refused.len() as u32;
                }
                for item in retry {
                    one_by_one(session, item, report).await?;
                }
            }
            None => {
                for item in chunk {
                    if session.cancel.is_cancelled() {
                        return Err(Stop::Cancelled);
                    }
                    one_by_one(session, item.clone(), report).await?;
                }
            }
        }
    }
    Ok(())
}

/// Sends one item alone (with the retry policy) and settles it by its answer.
async fn one_by_one(
    session: &Session<'_>,
    item: OutboxItem,
    report: &mut SyncReport,
) -> Result<(), Stop> {
    match send_item(session, &item).await {
        Ok(answer) => settle_all(session, vec![(item, answer)], report).await,
        Err(Failure::Rejected { .. }) => {
            // Refused as such: retrying within this sync would not help. Kept, reported as
            // stuck, tried again at the next sync; the rest of the outbox goes on.
            note_failures(session, std::slice::from_ref(&item), true).await?;
            report.outbox_failed += 1;
            Ok(())
        }
        Err(f @ (Failure::Transient { .. } | Failure::TooLarge | Failure::Deadline)) => {
            // The server is unwell or unreachable: count the attempt and stop this sync.
            note_failures(session, std::slice::from_ref(&item), false).await?;
            Err(f.into())
        }
        Err(f) => Err(f.into()),
    }
}

/// Sends the request to delete the account (`DELETE /v1/me`) and, once the server confirms
/// (now, or by an earlier request whose answer was lost), wipes the device. Returns whether it
/// did; a refusal leaves the request waiting (reported as stuck).
async fn delete_account(
    session: &Session<'_>,
    item: &OutboxItem,
    report: &mut SyncReport,
) -> Result<bool, Stop> {
    let req = session.request(
        Method::DELETE,
        "v1/me",
        &[],
        None,
        Some(item.idempotency_key.as_str()),
        Safety::Idempotent,
    );
    let answer = session
        .api()
        .call_checked(&req, |a: Option<wire::Erased>| {
            a.filter(wire::Erased::is_erased)
        })
        .await;
    match answer {
        Ok(_) => {
            blocking(session.ctx, |c| c.erase_device(&super::ACCOUNT_SECRET_KEYS)).await?;
            log_at!(
                LogLevel::Info,
                "sync",
                "the account was erased; the device is wiped"
            );
            report.outbox_resolved += 1;
            report.account_deleted = true;
            Ok(true)
        }
        Err(Failure::Rejected { .. }) => {
            note_failures(session, std::slice::from_ref(item), true).await?;
            report.outbox_failed += 1;
            Ok(false)
        }
        Err(f @ (Failure::Transient { .. } | Failure::TooLarge | Failure::Deadline)) => {
            note_failures(session, std::slice::from_ref(item), false).await?;
            Err(f.into())
        }
        Err(f) => Err(f.into()),
    }
}

/// Counts a failed attempt at each item (`permanent`: refused as such).
async fn note_failures(
    session: &Session<'_>,
    items: &[OutboxItem],
    permanent: bool,
) -> Result<(), Stop> {
    let stuck_after = session.config.stuck_after;
    let seqs: Vec<u64> = items.iter().map(|i| i.seq).collect();
    blocking(session.ctx, move |c| {
        for seq in seqs {
            c.store.note_outbox_failure(seq, permanent, stuck_after)?;
        }
        Ok(())
    })
    .await?;
    Ok(())
}

/// Settles answered items: the redemptions in one store transaction, each claim in its own.
async fn settle_all(
    session: &Session<'_>,
    answered: Vec<(OutboxItem, Answer)>,
    report: &mut SyncReport,
) -> Result<(), Stop> {
    if answered.is_empty() {
        return Ok(());
    }
    let count = answered.len() as u32;
    let notices = blocking(session.ctx, move |c| {
        let now = c.clock.now();
        let mut redemptions = Vec::new();
        let mut receipt_notices = Vec::new();
        for (item, answer) in answered {
            match (item.operation, answer) {
                (
                    OutboxOperation::RedeemVoucher { voucher_id },
                    Answer::Redemption {
                        outcome,
                        redeemed_at,
                    },
                ) => redemptions.push(RedemptionAnswered {
                    item_seq: item.seq,
                    voucher_id,
                    outcome,
                    redeemed_at,
                }),
                (OutboxOperation::ClaimPoints { .. }, Answer::Claim(verdict)) => {
                    c.store.resolve_claim(item.seq, &verdict)?;
                }
                (OutboxOperation::ClaimReceipt { .. }, Answer::ReceiptClaim(verdict)) => {
                    let resolved = c.store.resolve_receipt_claim(item.seq, &verdict)?;
                    if let (Some(claim), ReceiptClaimVerdict::Refused(r)) = (resolved, &verdict) {
                        // Told once: when this answer resolved the item.
                        receipt_notices.push(SyncNotice {
                            kind: SyncNoticeKind::ReceiptNotClaimed(*r),
                            voucher_id: claim.receipt_id,
                            voucher_title: claim.store_name,
                        });
                    }
                }
                (OutboxOperation::ActivateOffer { .. }, Answer::OfferActivation(verdict)) => {
                    let resolved = c.store.resolve_offer_activation(item.seq, &verdict)?;
                    if let (Some(offer), OfferActivationVerdict::Refused(r)) = (resolved, &verdict)
                    {
                        // Told once: when this answer resolved the item.
                        receipt_notices.push(SyncNotice {
                            kind: SyncNoticeKind::OfferNotActivated(*r),
                            voucher_id: offer.offer.id,
                            voucher_title: offer.offer.title.en,
                        });
                    }
                }
                (OutboxOperation::RequestInvoice { .. }, Answer::Invoice(verdict)) => {
                    let resolved = c.store.resolve_invoice(item.seq, &verdict)?;
                    if let (Some(invoice), InvoiceVerdict::Refused(r)) = (resolved, &verdict) {
                        // Told once: when this answer resolved the item. Named by the store
                        // of its receipt when the device has it, never by the company.
                        let store_name = c
                            .store
                            .receipt(&invoice.receipt_id)?
                            .map(|r| r.store_name)
                            .unwrap_or_default();
                        receipt_notices.push(SyncNotice {
                            kind: SyncNoticeKind::InvoiceRefused(*r),
                            voucher_id: invoice.receipt_id,
                            voucher_title: store_name,
                        });
                    }
                }
                (OutboxOperation::AnswerSurvey { .. }, Answer::Survey(verdict)) => {
                    // Shown by the surveys API (counted, or refused with its reason); never
                    // logged with the answer.
                    c.store.resolve_survey_answer(item.seq, &verdict)?;
                }
                _ => {
                    return Err(LoyaltyError::Internal {
                        reason: "an answer does not match its outbox item".into(),
                    })
                }
            }
        }
        let resolved = c.store.resolve_redemptions(&redemptions, now)?;
        let mut notices = receipt_notices;
        for (a, resolved) in redemptions.iter().zip(resolved) {
            let kind = match a.outcome {
                RedemptionOutcome::Accepted => None,
                RedemptionOutcome::AlreadyRedeemed => Some(SyncNoticeKind::VoucherUsedElsewhere),
                RedemptionOutcome::Rejected => Some(SyncNoticeKind::VoucherRefused),
            };
            // Told once: when this answer resolved the item.
            if let Some(kind) = kind.filter(|_| resolved) {
                let title = c
                    .store
                    .voucher(&a.voucher_id)?
                    .map(|v| v.title)
                    .unwrap_or_default();
                notices.push(SyncNotice {
                    kind,
                    voucher_id: a.voucher_id.clone(),
                    voucher_title: title,
                });
            }
        }
        Ok(notices)
    })
    .await?;
    for notice in notices {
        log_at!(
            LogLevel::Info,
            "sync",
            "offline work did not count: {:?}",
            notice.kind
        );
        report.notices.push(notice);
    }
    report.outbox_resolved += count;
    Ok(())
}

/// The body of one item as its single-item endpoint takes it (the same at every attempt: the
/// server hashes it with the key), and that endpoint's path.
fn item_body(item: &OutboxItem) -> (&'static str, String, serde_json::Value) {
    match &item.operation {
        OutboxOperation::RedeemVoucher { voucher_id } => (
            "redemption",
            "v1/redemptions".into(),
            serde_json::json!({ "voucher_id": voucher_id }),
        ),
        OutboxOperation::ClaimPoints {
            points,
            reference,
            earned_at,
            ..
        } => (
            "claim",
            "v1/claims".into(),
            serde_json::json!({
                "points": points,
                "reference": reference,
                "earned_at": earned_at,
            }),
        ),
        OutboxOperation::ClaimReceipt { claim_code, .. } => (
            "receipt_claim",
            "v1/receipt-claims".into(),
            serde_json::json!({ "claim_code": claim_code }),
        ),
        OutboxOperation::ActivateOffer { offer_id } => (
            "offer_activation",
            // Checked when queued (`A-Z a-z 0-9 . _ -`): safe in a path as is.
            format!("v1/offers/{offer_id}/activation"),
            serde_json::json!({ "offer_id": offer_id }),
        ),
        // The same body alone and in a batch (the batch needs the receipt id in it; the single
        // endpoint takes it from the path and hashes it the same way).
        OutboxOperation::RequestInvoice {
            receipt_id,
            company,
            lang,
        } => (
            "invoice",
            format!("v1/receipts/{}/invoice", path_segment(receipt_id)),
            serde_json::json!({
                "receipt_id": receipt_id,
                "company": company,
                "lang": lang,
            }),
        ),
        // The same body alone and in a batch (the batch needs the survey id in it).
        OutboxOperation::AnswerSurvey { survey_id, answer } => (
            "survey_answer",
            // Checked when queued (`A-Z a-z 0-9 . _ -`): safe in a path as is.
            format!("v1/surveys/{survey_id}/answer"),
            serde_json::json!({ "survey_id": survey_id, "answer": answer }),
        ),
        // Never batched: sent by `delete_account` (drain_outbox takes it out first).
        OutboxOperation::DeleteAccount => ("delete_account", "v1/me".into(), serde_json::json!({})),
    }
}

/// A receipt id as one URL path segment: unreserved characters as they are, the rest
/// percent-encoded.
fn path_segment(id: &str) -> String {
    let mut out = String::with_capacity(id.len());
    for b in id.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Decodes a 200 answer to `item` (the single endpoint's body); `None` when it is not one.
fn decode_answer(item: &OutboxItem, body: serde_json::Value) -> Option<Answer> {
    match &item.operation {
        OutboxOperation::RedeemVoucher { .. } => {
            let a: wire::RedemptionAnswer = serde_json::from_value(body).ok()?;
            Some(redemption_answer(a))
        }
        OutboxOperation::ClaimPoints { .. } => {
            claim_verdict(serde_json::from_value(body).ok()?).map(Answer::Claim)
        }
        OutboxOperation::ClaimReceipt { .. } => {
            let a: wire::ReceiptClaimAnswer = serde_json::from_value(body).ok()?;
            a.verdict().map(Answer::ReceiptClaim)
        }
        OutboxOperation::ActivateOffer { offer_id } => {
            let a: wire::OfferActivationAnswer = serde_json::from_value(body).ok()?;
            a.verdict(offer_id).map(Answer::OfferActivation)
        }
        OutboxOperation::RequestInvoice { receipt_id, .. } => {
            let a: wire::IssuedInvoice = serde_json::from_value(body).ok()?;
            a.verdict(receipt_id).map(Answer::Invoice)
        }
        OutboxOperation::AnswerSurvey { survey_id, answer } => {
            let a: wire::SurveyAnswerRecord = serde_json::from_value(body).ok()?;
            a.verdict(survey_id, answer).map(Answer::Survey)
        }
        OutboxOperation::DeleteAccount => None,
    }
}

fn redemption_answer(a: wire::RedemptionAnswer) -> Answer {
    Answer::Redemption {
        outcome: match a.outcome {
            RedemptionOutcomeWire::Accepted => RedemptionOutcome::Accepted,
            RedemptionOutcomeWire::AlreadyRedeemed => RedemptionOutcome::AlreadyRedeemed,
            RedemptionOutcomeWire::Rejected => RedemptionOutcome::Rejected,
        },
        redeemed_at: a.redeemed_at,
    }
}

fn claim_verdict(a: wire::ClaimAnswer) -> Option<ClaimVerdict> {
    Some(match a.verdict()? {
        Some(ledger_id) => ClaimVerdict::Confirmed { ledger_id },
        None => ClaimVerdict::Rejected,
    })
}

/// Sends `items` in one `POST /v1/batch`; one result per item, in order: its answer, or how it
/// failed (`Rejected` for a 4xx refusal of the item, `Transient` for one worth retrying alone).
async fn send_batch(
    session: &Session<'_>,
    items: &[OutboxItem],
) -> Result<Vec<Result<Answer, Failure>>, Failure> {
    let body = serde_json::json!({
        "items": items
            .iter()
            .map(|item| {
                let (kind, _, body) = item_body(item);
                serde_json::json!({
                    "kind": kind,
                    "idempotency_key": item.idempotency_key,
                    "body": body,
                })
            })
            .collect::<Vec<_>>(),
    });
    let req = session.request(
        Method::POST,
        "v1/batch",
        &[],
        Some(body),
        None,
        // Every item carries its own key: a repeated batch gets the first answers.
        Safety::Idempotent,
    );
    let n = items.len();
    let results = session
        .api()
        .call_checked(&req, |a: Option<wire::BatchAnswer>| {
            let a = a?;
            // One answer per item, in order, each naming its item's key.
            (a.results.len() == n
                && a.results
                    .iter()
                    .zip(items)
                    .all(|(r, i)| r.idempotency_key.as_deref() == Some(&i.idempotency_key)))
            .then_some(a.results)
        })
        .await?;
    Ok(items
        .iter()
        .zip(results)
        .map(|(item, r)| match r.status {
            200 | 201 => decode_answer(item, r.body).ok_or(Failure::Transient {
                kind: TransientKind::Malformed,
                retry_after: None,
            }),
            401 => Err(Failure::Unauthorized),
            429 | 500..=599 => Err(Failure::Transient {
                kind: TransientKind::ServerError,
                retry_after: None,
            }),
            status => match (
                &item.operation,
                wire::offer_refusal(status, r.body["refusal"].as_str()),
            ) {
                // The server refused the activation: settled as refused, not retried.
                (OutboxOperation::ActivateOffer { .. }, Some(refusal)) => Ok(
                    Answer::OfferActivation(OfferActivationVerdict::Refused(refusal)),
                ),
                (OutboxOperation::AnswerSurvey { .. }, _)
                    if wire::survey_refusal(status, r.body["refusal"].as_str()).is_some() =>
                {
                    let refusal = wire::survey_refusal(status, r.body["refusal"].as_str())
                        .unwrap_or(crate::survey::SurveyRefusal::Unknown);
                    Ok(Answer::Survey(SurveyVerdict::Refused(refusal)))
                }
                _ => invoice_refused(item, status).ok_or(Failure::Rejected {
                    status,
                    code: None,
                    refusal: None,
                }),
            },
        })
        .collect())
}

/// Sends one outbox item with its idempotency key and returns the server's answer.
async fn send_item(session: &Session<'_>, item: &OutboxItem) -> Result<Answer, Failure> {
    let key = item.idempotency_key.as_str();
    let (_, path, body) = item_body(item);
    let (path, body) = match &item.operation {
        // The offer is named in the path; the body is empty.
        OutboxOperation::ActivateOffer { .. } => (path, serde_json::json!({})),
        _ => (path, body),
    };
    let req = session.request(
        Method::POST,
        &path,
        &[],
        Some(body),
        Some(key),
        Safety::Idempotent,
    );
    match &item.operation {
        OutboxOperation::RedeemVoucher { .. } => {
            session
                .api()
                .call_checked(&req, |a: Option<wire::RedemptionAnswer>| {
                    a.map(redemption_answer)
                })
                .await
        }
        OutboxOperation::ClaimPoints { .. } => {
            session
                .api()
                .call_checked(&req, |a: Option<wire::ClaimAnswer>| {
                    claim_verdict(a?).map(Answer::Claim)
                })
                .await
        }
        OutboxOperation::ClaimReceipt { .. } => {
            session
                .api()
                .call_checked(&req, |a: Option<wire::ReceiptClaimAnswer>| {
                    a?.verdict().map(Answer::ReceiptClaim)
                })
                .await
        }
        OutboxOperation::ActivateOffer { offer_id } => {
            let answer = session
                .api()
                .call_checked(&req, |a: Option<wire::OfferActivationAnswer>| {
                    a?.verdict(offer_id).map(Answer::OfferActivation)
                })
                .await;
            match answer {
                Err(Failure::Rejected {
                    status, refusal, ..
                }) if wire::offer_refusal(status, refusal.as_deref()).is_some() => {
                    // The server refused the activation: settled as refused, not retried.
                    let refusal = wire::offer_refusal(status, refusal.as_deref())
                        .unwrap_or(crate::offers::OfferRefusal::Unknown);
                    Ok(Answer::OfferActivation(OfferActivationVerdict::Refused(
                        refusal,
                    )))
                }
                other => other,
            }
        }
        OutboxOperation::RequestInvoice { receipt_id, .. } => {
            let answer = session
                .api()
                .call_checked(&req, |a: Option<wire::IssuedInvoice>| {
                    a?.verdict(receipt_id).map(Answer::Invoice)
                })
                .await;
            match answer {
                // The server refused the request as such: settled as refused, not retried.
                Err(Failure::Rejected {
                    status,
                    code,
                    refusal,
                }) => invoice_refused(item, status).ok_or(Failure::Rejected {
                    status,
                    code,
                    refusal,
                }),
                other => other,
            }
        }
        OutboxOperation::AnswerSurvey { survey_id, answer } => {
            let answer = session
                .api()
                .call_checked(&req, |a: Option<wire::SurveyAnswerRecord>| {
                    a?.verdict(survey_id, answer).map(Answer::Survey)
                })
                .await;
            match answer {
                // Refused as such (closed, not eligible, answered first elsewhere): settled
                // as refused, not retried.
                Err(Failure::Rejected {
                    status, refusal, ..
                }) if wire::survey_refusal(status, refusal.as_deref()).is_some() => {
                    let refusal = wire::survey_refusal(status, refusal.as_deref())
                        .unwrap_or(crate::survey::SurveyRefusal::Unknown);
                    Ok(Answer::Survey(SurveyVerdict::Refused(refusal)))
                }
                other => other,
            }
        }
        OutboxOperation::DeleteAccount => Err(Failure::Rejected {
            status: 400,
            code: None,
            refusal: None,
        }),
    }
}
