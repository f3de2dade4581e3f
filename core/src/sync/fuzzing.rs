//! The fuzzing hook: the decoding and the checks of every answer the client reads from the
//! server, reachable from `fuzz/fuzz_targets/sync_wire.rs`. Compiled only with `--cfg fuzzing`
//! (cargo-fuzz sets it); never part of the library.
//!
//! Each answer is decoded the way `http.rs` decodes a body (`serde_json::from_slice` into the
//! wire type) and then checked the way the sync phase that asked for it checks it. Nothing is
//! applied to a store. Round trips are asserted where the client also writes the value: the
//! consent it sends back (`PUT /v1/me/consents`) and the cursor it stores and sends back.

use super::content::own_list;
use super::feeds::{checked_page, Checked};
use super::http::error_code;
use super::wire::{self, Page};
use crate::reminders::{Consent, RuleSet};
use crate::store::ContentFeed;
use chrono::{DateTime, Utc};

/// Decodes `body` as every answer the client reads, with the checks it applies; `now` is the
/// device's clock. Returns how many readings accepted it (so nothing is optimised away).
/// Panics only on a broken round trip: every other outcome is an accepted or refused answer.
pub fn decode_answers(body: &[u8], now: DateTime<Utc>) -> usize {
    let mut accepted = 0;
    let mut count = |ok: bool| accepted += usize::from(ok);

    // The delta feeds, from the start and from a cursor (checked against what was sent).
    for sent in [None, Some("c1.5"), Some("c1.5.0123456789ab")] {
        let ledger = serde_json::from_slice::<Page<wire::LedgerItem>>(body).ok();
        count(page_ok(checked_page(ledger, sent, |i| i.check())));
        let vouchers = serde_json::from_slice::<Page<wire::VoucherItem>>(body).ok();
        count(page_ok(checked_page(vouchers, sent, |i| i.check(now))));
        let receipts = serde_json::from_slice::<Page<crate::receipts::Receipt>>(body).ok();
        count(page_ok(checked_page(receipts, sent, wire::check_receipt)));
    }

    // Enrolment, sign-in and renewal, the card secret.
    count(serde_json::from_slice::<wire::Enrolled>(body).is_ok_and(|e| e.ok()));
    if let Ok(s) = serde_json::from_slice::<wire::Session>(body) {
        count(s.ok());
        count(s.renews("m_0123456789abcdef"));
    }
    if let Ok(secret) = serde_json::from_slice::<wire::CardSecret>(body) {
        count(secret.checked().is_some());
    }

    // Settings: the member's consent, which the device also writes back.
    if let Ok(me) = serde_json::from_slice::<wire::Me>(body) {
        let json = serde_json::to_string(&me.consents).expect("a consent serialises");
        let back: Consent = serde_json::from_str(&json).expect("our own consent reads back");
        assert_eq!(back, me.consents, "consent round trip");
        // The membership as the settings phase takes it: kept only when it keeps the rules.
        count(me.membership.is_some_and(|m| m.validate().is_ok()));
    }

    // Content: the document, then its body as each feed reads it.
    if let Ok(doc) = serde_json::from_slice::<wire::ContentDoc>(body) {
        let text = doc.body.to_string();
        for feed in ContentFeed::ALL {
            count(match feed {
                ContentFeed::ReminderRules => RuleSet::from_json(&text).is_ok(),
                ContentFeed::Surveys => crate::survey::SurveyFeed::from_json(&text).is_ok(),
                _ => own_list(feed, &text).is_ok(),
            });
        }
    }

    // Outbox answers.
    count(serde_json::from_slice::<wire::RedemptionAnswer>(body).is_ok());
    if let Ok(answer) = serde_json::from_slice::<wire::ClaimAnswer>(body) {
        count(answer.verdict().is_some());
    }
    if let Ok(record) = serde_json::from_slice::<wire::SurveyAnswerRecord>(body) {
        let sent = record.answer.clone();
        let id = record.survey_id.clone();
        count(record.verdict(&id, &sent) == Some(crate::store::SurveyVerdict::Counted));
    }

    // Error bodies, `Retry-After` and cursors, as text.
    count(error_code(body).is_some());
    if let Ok(text) = std::str::from_utf8(body) {
        count(super::parse_retry_after(text, now).is_some());
        if let Some(n) = wire::cursor_position(text) {
            // What the device stores and sends back reads as the same position, and the
            // position is the number it carries.
            assert!(
                text.starts_with(&format!("c1.{n}")),
                "cursor {text:?} is not at {n}"
            );
            assert_eq!(wire::cursor_position(&text.to_string()), Some(n));
            count(true);
        }
    }
    accepted
}

fn page_ok<U>(checked: Option<Checked<U>>) -> bool {
    match checked {
        Some(Checked::Page(items, next, _)) => {
            // An accepted page's cursor is one the device may store.
            assert!(
                wire::cursor_position(&next).is_some(),
                "stored cursor {next:?}"
            );
            drop(items);
            true
        }
        Some(Checked::Rewound) => true,
        None => false,
    }
}
