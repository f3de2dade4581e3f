//! Reading internally tagged enums (`{"type": "amount_off", "amount": ...}`) without serde's
//! buffering.
//!
//! serde's derive reads an internally tagged enum by first buffering the whole object into its
//! private `Content` tree (the tag may come last), then reading the variant from that tree: a
//! second deserializer for every type inside every variant, and the buffering machinery once per
//! enum and reader — ~120 KB of the mobile library for our eleven tagged enums (issue #14). Each
//! enum instead reads a flat *raw* struct — the tag as a field, every variant's fields optional —
//! straight from the JSON, and is built from it with `#[serde(try_from = "...")]`. The JSON is the
//! same in both directions (writing still uses the derived tagged form), unknown fields are
//! ignored as before, and a variant's missing field is the same "missing field `x`" error.

/// The value of a field the variant needs, or serde's "missing field" error.
pub(crate) fn required<T>(value: Option<T>, field: &'static str) -> Result<T, String> {
    value.ok_or_else(|| format!("missing field `{field}`"))
}

#[cfg(test)]
mod tests {
    use crate::invoice::InvoiceParty;
    use crate::list::ItemSource;
    use crate::money::Money;
    use crate::offers::{OfferKind, OfferTarget};
    use crate::reminders::{Feedback, Gate};
    use crate::survey::{SurveyAnswer, SurveyKind, SurveyText, VoteOption};
    use crate::wallet::{OutboxOperation, VoucherKind, VoucherState};
    use chrono::{TimeZone, Utc};
    use serde::de::DeserializeOwned;
    use serde::Serialize;
    use std::fmt::Debug;

    /// Written with the derived tagged form, read back through the raw struct: equal.
    fn round_trip<T: Serialize + DeserializeOwned + PartialEq + Debug>(values: &[T]) {
        for value in values {
            let json = serde_json::to_vec(value).unwrap();
            let back: T = serde_json::from_slice(&json).unwrap_or_else(|e| {
                panic!("{}: {e}", String::from_utf8_lossy(&json));
            });
            assert_eq!(&back, value);
        }
    }

    fn error_of<T: DeserializeOwned + Debug>(json: &str) -> String {
        serde_json::from_slice::<T>(json.as_bytes())
            .unwrap_err()
            .to_string()
    }

    #[test]
    fn every_variant_reads_back_what_was_written() {
        let t = Utc.with_ymd_and_hms(2026, 12, 7, 9, 30, 0).unwrap();
        let eur = |m| Money::new(m, "EUR").unwrap();
        round_trip(&[
            VoucherKind::AmountOff {
                amount: eur(500),
                min_spend: Some(eur(2500)),
            },
            VoucherKind::AmountOff {
                amount: eur(500),
                min_spend: None,
            },
            VoucherKind::PercentOff {
                percent: 10,
                max_discount: Some(eur(1000)),
            },
            VoucherKind::FreeProduct {
                gtin: "5400000000003".into(),
                product_name: "Koffie".into(),
            },
            VoucherKind::PointsMultiplier { multiplier: 2 },
            VoucherKind::EventInvitation {
                event_name: "Avant-première".into(),
                location: "Namur".into(),
                starts_at: t,
                ends_at: t,
            },
        ]);
        round_trip(&[
            VoucherState::Available,
            VoucherState::Redeeming {
                idempotency_key: "k".into(),
                since: t,
            },
            VoucherState::Redeemed { at: t },
            VoucherState::Expired,
            VoucherState::Revoked,
        ]);
        let answer = SurveyAnswer::Vote {
            option: "espresso".into(),
        };
        round_trip(&[
            OutboxOperation::RedeemVoucher {
                voucher_id: "v".into(),
            },
            OutboxOperation::ClaimPoints {
                entry_seq: 7,
                points: -3,
                reference: "r".into(),
                earned_at: t,
            },
            OutboxOperation::ClaimReceipt {
                receipt_id: "r".into(),
                claim_code: "c".into(),
                entry_seq: None,
            },
            OutboxOperation::RequestInvoice {
                receipt_id: "r".into(),
                company: Box::new(InvoiceParty {
                    name: "Bakkerij Peeters".into(),
                    street: "Kerkstraat 1".into(),
                    city: "Gent".into(),
                    postal_code: "9000".into(),
                    country: "BE".into(),
                    vat_id: "BE0123456749".into(),
                }),
                lang: "nl".into(),
            },
            OutboxOperation::DeleteAccount,
            OutboxOperation::ActivateOffer {
                offer_id: "o".into(),
            },
            OutboxOperation::AnswerSurvey {
                survey_id: "s".into(),
                answer: answer.clone(),
            },
        ]);
        let product = OfferTarget::Product {
            gtin: "5400000000003".into(),
        };
        round_trip(&[
            product.clone(),
            OfferTarget::Category {
                category: "pet food".into(),
            },
        ]);
        round_trip(&[
            OfferKind::AmountOff {
                target: product.clone(),
                amount: eur(100),
            },
            OfferKind::PercentOff {
                target: product.clone(),
                percent: 25,
            },
            OfferKind::PointsMultiplier {
                target: product,
                multiplier: 3,
            },
            OfferKind::FreeProduct {
                gtin: "5400000000003".into(),
                quantity: 1,
            },
        ]);
        round_trip(&[
            ItemSource::Hand,
            ItemSource::Usual,
            ItemSource::Reminder {
                notification_id: "n".into(),
            },
        ]);
        let text = SurveyText(crate::lang::Trilingual {
            nl: "Koffie".into(),
            fr: "Café".into(),
            en: "Coffee".into(),
        });
        round_trip(&[
            SurveyKind::Rating,
            SurveyKind::Vote {
                options: vec![VoteOption {
                    id: "espresso".into(),
                    label: text,
                    gtin: None,
                }],
            },
        ]);
        round_trip(&[SurveyAnswer::Rating { stars: 4 }, answer]);
        round_trip(&[
            Gate::ForecastMinTempAtMost { c_tenths: 0 },
            Gate::ForecastMaxTempAtLeast { c_tenths: 250 },
            Gate::SignalAtLeast {
                signal: "s".into(),
                value: 1,
            },
            Gate::SignalAtMost {
                signal: "s".into(),
                value: -1,
            },
        ]);
        round_trip(&[
            Feedback::Dismissed { id: "n".into() },
            Feedback::Snoozed {
                id: "n".into(),
                until: t,
            },
            Feedback::MutedRule {
                rule_id: "r".into(),
            },
        ]);
    }

    #[test]
    fn refusals_read_as_the_derived_reader_gave_them() {
        // a variant's missing field, an unknown tag, no tag
        assert!(error_of::<VoucherState>(r#"{"state":"redeemed"}"#).contains("missing field `at`"));
        assert!(error_of::<VoucherKind>(r#"{"type":"cash_back"}"#).contains("unknown variant"));
        assert!(
            error_of::<OfferTarget>(r#"{"gtin":"5400000000003"}"#).contains("missing field `type`")
        );
        // the tag anywhere in the object; unknown fields ignored where the enum allowed them
        assert_eq!(
            serde_json::from_slice::<Feedback>(br#"{"id":"n","extra":1,"action":"dismissed"}"#)
                .unwrap(),
            Feedback::Dismissed { id: "n".into() }
        );
        // the survey enums refuse fields they do not have, also another variant's
        assert!(
            error_of::<SurveyAnswer>(r#"{"type":"rating","stars":4,"x":1}"#)
                .contains("unknown field")
        );
        assert!(
            error_of::<SurveyAnswer>(r#"{"type":"rating","stars":4,"option":"a"}"#)
                .contains("unknown field `option`")
        );
        assert!(error_of::<SurveyKind>(r#"{"type":"rating","options":[]}"#)
            .contains("unknown field `options`"));
    }
}
