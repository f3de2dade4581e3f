//! Draining the outbox: offline redemptions and point claims sent oldest first, each with its
//! idempotency key; the answers settle them.

use super::retry::Safety;
use super::session::{blocking, Session, Stop};
use super::wire::{self, RedemptionOutcomeWire};
use super::{Failure, SyncNotice, SyncNoticeKind, SyncReport};
use crate::api::error::ApiError;
use crate::log::{log_at, LogLevel};
use crate::store::ClaimVerdict;
use crate::wallet::{OutboxItem, OutboxOperation, RedemptionOutcome};
use reqwest::Method;

/// The server's answer to one outbox item.
enum Answer {
    Redemption {
        outcome: RedemptionOutcome,
        redeemed_at: Option<chrono::DateTime<chrono::Utc>>,
    },
    Claim(ClaimVerdict),
}

pub(super) async fn drain_outbox(
    session: &Session<'_>,
    report: &mut SyncReport,
) -> Result<(), Stop> {
    let ctx = session.ctx;
    let stuck_after = session.config.stuck_after;
    let items: Vec<OutboxItem> = blocking(ctx, |c| Ok(c.store.outbox()?)).await?;
    for item in items {
        if session.cancel.is_cancelled() {
            return Err(Stop::Cancelled);
        }
        let seq = item.seq;
        match send_item(session, &item).await {
            Ok(answer) => {
                let notice = blocking(ctx, move |c| {
                    let now = c.clock.now();
                    match (&item.operation, answer) {
                        (
                            OutboxOperation::RedeemVoucher { voucher_id },
                            Answer::Redemption {
                                outcome,
                                redeemed_at,
                            },
                        ) => {
                            let resolved = c.store.resolve_redemption(
                                seq,
                                voucher_id,
                                outcome,
                                redeemed_at,
                                now,
                            )?;
                            let kind = match outcome {
                                RedemptionOutcome::Accepted => None,
                                RedemptionOutcome::AlreadyRedeemed => {
                                    Some(SyncNoticeKind::VoucherUsedElsewhere)
                                }
                                RedemptionOutcome::Rejected => Some(SyncNoticeKind::VoucherRefused),
                            };
                            // Told once: when this answer resolved the item.
                            let notice = match kind.filter(|_| resolved) {
                                Some(kind) => {
                                    let title = c
                                        .store
                                        .voucher(voucher_id)?
                                        .map(|v| v.title)
                                        .unwrap_or_default();
                                    Some(SyncNotice {
                                        kind,
                                        voucher_id: voucher_id.clone(),
                                        voucher_title: title,
                                    })
                                }
                                None => None,
                            };
                            Ok(notice)
                        }
                        (OutboxOperation::ClaimPoints { .. }, Answer::Claim(verdict)) => {
                            c.store.resolve_claim(seq, &verdict)?;
                            Ok(None)
                        }
                        _ => Err(ApiError::Internal {
                            reason: "an answer does not match its outbox item".into(),
                        }),
                    }
                })
                .await?;
                if let Some(notice) = notice {
                    log_at!(
                        LogLevel::Info,
                        "sync",
                        "an offline redemption did not count: {:?}",
                        notice.kind
                    );
                    report.notices.push(notice);
                }
                report.outbox_resolved += 1;
            }
            Err(Failure::Rejected { .. }) => {
                // Refused as such: retrying within this sync would not help. Kept, reported as
                // stuck, tried again at the next sync; the rest of the outbox goes on.
                blocking(ctx, move |c| {
                    Ok(c.store.note_outbox_failure(seq, true, stuck_after)?)
                })
                .await?;
                report.outbox_failed += 1;
            }
            Err(f @ (Failure::Transient { .. } | Failure::TooLarge | Failure::Deadline)) => {
                // The server is unwell or unreachable: count the attempt and stop this sync.
                blocking(ctx, move |c| {
                    Ok(c.store.note_outbox_failure(seq, false, stuck_after)?)
                })
                .await?;
                return Err(f.into());
            }
            Err(f) => return Err(f.into()),
        }
    }
    Ok(())
}

/// Sends one outbox item with its idempotency key and returns the server's answer.
async fn send_item(session: &Session<'_>, item: &OutboxItem) -> Result<Answer, Failure> {
    let key = item.idempotency_key.as_str();
    match &item.operation {
        OutboxOperation::RedeemVoucher { voucher_id } => {
            let body = serde_json::json!({ "voucher_id": voucher_id });
            let req = session.request(
                Method::POST,
                "v1/redemptions",
                &[],
                Some(body),
                Some(key),
                Safety::Idempotent,
            );
            let answer = session
                .api()
                .call_checked(&req, |a: Option<wire::RedemptionAnswer>| a)
                .await?;
            Ok(Answer::Redemption {
                outcome: match answer.outcome {
                    RedemptionOutcomeWire::Accepted => RedemptionOutcome::Accepted,
                    RedemptionOutcomeWire::AlreadyRedeemed => RedemptionOutcome::AlreadyRedeemed,
                    RedemptionOutcomeWire::Rejected => RedemptionOutcome::Rejected,
                },
                redeemed_at: answer.redeemed_at,
            })
        }
        OutboxOperation::ClaimPoints {
            points,
            reference,
            earned_at,
            ..
        } => {
            // The same body at every attempt: the server hashes it with the key.
            let body = serde_json::json!({
                "points": points,
                "reference": reference,
                "earned_at": earned_at,
            });
            let req = session.request(
                Method::POST,
                "v1/claims",
                &[],
                Some(body),
                Some(key),
                Safety::Idempotent,
            );
            let verdict = session
                .api()
                .call_checked(&req, |a: Option<wire::ClaimAnswer>| {
                    Some(match a?.verdict()? {
                        Some(ledger_id) => ClaimVerdict::Confirmed { ledger_id },
                        None => ClaimVerdict::Rejected,
                    })
                })
                .await?;
            Ok(Answer::Claim(verdict))
        }
    }
}
