//! Every exported call that takes a number — an integer, a time, a duration, a count, a number
//! of days, a limit, a quantity or an amount of money, also as a field of a record passed in —
//! called with the extremes (0, 1, the type's maximum and minimum, negatives where signed, times
//! that chrono cannot represent or that overflow when days or months are added to them), through
//! the bindings' own functions against a real store in a temporary directory.
//!
//! Each call must return a typed error or a sane result, never panic: a panic that crosses the
//! FFI boundary is a crash of the app (Kotlin/Swift see an exception at best). Panics are caught
//! and collected, so one run names every call that panics.

use crate::*;
use chrono::{DateTime, Utc};
use std::collections::HashMap;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Calls that panicked, by name and value.
#[derive(Default)]
struct Sweep {
    panics: Mutex<Vec<String>>,
}

impl Sweep {
    /// Runs `f`; a panic is recorded (and `None` returned) instead of unwinding into the test.
    fn call<T>(&self, what: impl Into<String>, f: impl FnOnce() -> T) -> Option<T> {
        let what = what.into();
        match catch_unwind(AssertUnwindSafe(f)) {
            Ok(v) => Some(v),
            Err(e) => {
                let msg = e
                    .downcast_ref::<String>()
                    .cloned()
                    .or_else(|| e.downcast_ref::<&str>().map(|s| s.to_string()))
                    .unwrap_or_default();
                self.panics
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .push(format!("{what}: {msg}"));
                None
            }
        }
    }

    /// Runs `f` and checks it did not panic and answered `Ok` (checked by `ok`) or a typed
    /// refusal of the input (`InvalidInput`, or the state-conflict errors named in `also`).
    fn check<T>(
        &self,
        what: impl Into<String>,
        f: impl FnOnce() -> Result<T, LoyaltyError>,
        ok: impl FnOnce(&T) -> bool,
    ) -> Option<T> {
        let what = what.into();
        match self.call(what.clone(), f)? {
            Ok(v) => {
                assert!(ok(&v), "{what}: not a sane result");
                Some(v)
            }
            Err(LoyaltyError::InvalidInput { reason })
            | Err(LoyaltyError::Conflict { reason })
            | Err(LoyaltyError::NotFound { reason }) => {
                assert!(!reason.is_empty(), "{what}: an error without a reason");
                None
            }
            Err(e) => panic!("{what}: an unexpected kind of error: {e:?}"),
        }
    }

    fn assert_none(&self) {
        let panics = self.panics.lock().unwrap_or_else(|e| e.into_inner());
        assert!(
            panics.is_empty(),
            "{} exported call(s) panicked:\n{}",
            panics.len(),
            panics.join("\n")
        );
    }
}

const U32S: [u32; 4] = [0, 1, 1_000_000, u32::MAX];
const U64S: [u64; 4] = [0, 1, 1 << 53, u64::MAX];
const I64S: [i64; 7] = [i64::MIN, i64::MIN + 1, -1, 0, 1, 1 << 53, i64::MAX];
const I32S: [i32; 5] = [i32::MIN, -1, 0, 1, i32::MAX];

/// chrono's first and last representable instants, as the app's `SystemTime`.
fn chrono_min() -> SystemTime {
    SystemTime::from(chrono::DateTime::<chrono::Utc>::MIN_UTC)
}

fn chrono_max() -> SystemTime {
    SystemTime::from(chrono::DateTime::<chrono::Utc>::MAX_UTC)
}

/// 2026-03-01T09:00:00Z.
fn t0() -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(1_772_355_600)
}

/// Times at and past the edges: the epoch, chrono's ends (where adding a day or a month
/// overflows) and past them (not representable at all).
fn times() -> Vec<(&'static str, SystemTime)> {
    let mut v = vec![
        ("epoch", UNIX_EPOCH),
        ("t0", t0()),
        ("chrono min", chrono_min()),
        ("chrono max", chrono_max()),
        (
            "before 1 CE",
            UNIX_EPOCH - Duration::from_secs(62_200_000_000),
        ),
    ];
    if let Some(t) = chrono_max().checked_add(Duration::from_secs(86_400)) {
        v.push(("past chrono max", t));
    }
    if let Some(t) = chrono_min().checked_sub(Duration::from_secs(86_400)) {
        v.push(("before chrono min", t));
    }
    if let Some(t) = UNIX_EPOCH.checked_add(Duration::from_secs(i64::MAX as u64)) {
        v.push(("i64::MAX seconds", t));
    }
    v
}

/// The times of [`times`] that a record the domain defines can hold. The others cannot cross the
/// FFI inside a record: the one `DateTime` converter refuses them with `InvalidInput` when the
/// record is lifted (`times_records_cannot_hold_are_refused`, and the Kotlin tests through the
/// real scaffolding).
fn record_times() -> Vec<(&'static str, DateTime<Utc>)> {
    times()
        .into_iter()
        .filter_map(|(name, t)| Some((name, loyalty_domain::utc_from_system_time(t).ok()?)))
        .collect()
}

fn utc(t: SystemTime) -> DateTime<Utc> {
    loyalty_domain::utc_from_system_time(t).expect("a time chrono represents")
}

#[test]
fn times_records_cannot_hold_are_refused() {
    let refused: Vec<&str> = times()
        .into_iter()
        .filter_map(|(name, t)| match loyalty_domain::utc_from_system_time(t) {
            Ok(_) => None,
            Err(e) => {
                assert!(matches!(
                    LoyaltyError::from(e),
                    LoyaltyError::InvalidInput { .. }
                ));
                Some(name)
            }
        })
        .collect();
    assert!(refused.contains(&"past chrono max"), "{refused:?}");
    assert!(refused.contains(&"before chrono min"), "{refused:?}");
    assert_eq!(record_times().len() + refused.len(), times().len());
}

struct FixedClock(Mutex<SystemTime>);

impl Clock for FixedClock {
    fn now(&self) -> SystemTime {
        *self.0.lock().unwrap()
    }
}

#[derive(Default)]
struct MemorySecrets(Mutex<HashMap<String, Vec<u8>>>);

impl SecretStore for MemorySecrets {
    fn get(&self, key: String) -> Result<Option<Vec<u8>>, SecretStoreError> {
        Ok(self.0.lock().unwrap().get(&key).cloned())
    }
    fn put(&self, key: String, value: Vec<u8>) -> Result<(), SecretStoreError> {
        self.0.lock().unwrap().insert(key, value);
        Ok(())
    }
    fn delete(&self, key: String) -> Result<(), SecretStoreError> {
        self.0.lock().unwrap().remove(&key);
        Ok(())
    }
}

fn open(dir: &std::path::Path, at: SystemTime) -> (Arc<LoyaltyClient>, Arc<FixedClock>) {
    let clock = Arc::new(FixedClock(Mutex::new(at)));
    let client = LoyaltyClient::open(
        dir.to_string_lossy().into_owned(),
        default_programme_rules(),
        Some(clock.clone()),
        Some(Arc::new(MemorySecrets::default())),
    )
    .expect("the client opens");
    (client, clock)
}

fn eur(amount_minor: i64) -> Money {
    Money {
        amount_minor,
        currency: "EUR".into(),
    }
}

fn receipt(id: &str, quantity: i64, unit_minor: i64, at: DateTime<Utc>) -> Receipt {
    Receipt {
        store_names: Default::default(),
        id: id.into(),
        store_name: "Brussel Centrum".into(),
        purchased_at: at,
        lines: vec![LineItem {
            names: Default::default(),
            gtin: "5400000000003".into(),
            name: "Koffie".into(),
            quantity,
            unit_price: eur(unit_minor),
            category: "coffee".into(),
            lot: None,
            warranty_months: Some(24),
        }],
        source: ReceiptSource::Till,
        return_window_days: None,
        discounts: Vec::new(),
        seal: None,
    }
}

fn voucher(kind: VoucherKind, from: DateTime<Utc>, until: DateTime<Utc>) -> Voucher {
    Voucher {
        titles: Default::default(),
        id: "v_1".into(),
        kind,
        title: "5 euro korting".into(),
        description: None,
        code: "LCV1".into(),
        valid_from: from,
        valid_until: until,
        state: VoucherState::Available,
        signature: None,
    }
}

fn kinds() -> Vec<VoucherKind> {
    let mut v = Vec::new();
    for a in I64S {
        v.push(VoucherKind::AmountOff {
            amount: eur(a),
            min_spend: Some(eur(a)),
        });
    }
    for p in U32S {
        v.push(VoucherKind::PercentOff {
            percent: p,
            max_discount: None,
        });
    }
    for m in U32S {
        v.push(VoucherKind::PointsMultiplier { multiplier: m });
    }
    for (_, t) in record_times() {
        v.push(VoucherKind::EventInvitation {
            event_name: "Avondverkoop".into(),
            location: "Gent".into(),
            starts_at: t,
            ends_at: t,
        });
    }
    v
}

#[test]
fn free_functions_survive_extreme_numbers() {
    let s = Sweep::default();
    // Rendering: matrix sizes and options.
    let qr = encode_barcode(
        "LC1:2900000000002".into(),
        Symbology::QrCode,
        EcLevel::Medium,
    )
    .expect("a QR code");
    for scale in U32S {
        for quiet in [None, Some(0), Some(1), Some(u32::MAX)] {
            for bar_height in U32S {
                let options = RenderOptions {
                    quiet_zone: quiet,
                    scale,
                    dark_mode: false,
                    bar_height,
                };
                let what = format!("scale {scale}, quiet zone {quiet:?}, bar height {bar_height}");
                s.check(
                    format!("barcodePng({what})"),
                    || barcode_png(qr.clone(), options.clone()),
                    |png| png.starts_with(b"\x89PNG"),
                );
                s.check(
                    format!("barcodeSvg({what})"),
                    || barcode_svg(qr.clone(), options.clone()),
                    |svg| svg.starts_with("<svg") || svg.starts_with("<?xml"),
                );
            }
        }
    }
    for (w, h) in [
        (0, 0),
        (1, 0),
        (u32::MAX, 1),
        (u32::MAX, u32::MAX),
        (1, u32::MAX),
    ] {
        let matrix = BarcodeMatrix {
            symbology: Symbology::QrCode,
            width: w,
            height: h,
            modules: vec![1],
        };
        s.check(
            format!("barcodePng({w}×{h})"),
            || barcode_png(matrix.clone(), default_render_options()),
            |_| false,
        );
        s.check(
            format!("barcodeSvg({w}×{h})"),
            || barcode_svg(matrix.clone(), default_render_options()),
            |_| false,
        );
    }

    // TOTP: digits, periods, times.
    let secret = new_totp_secret(TotpAlgorithm::Sha1);
    for digits in U32S {
        for period_millis in U64S {
            let params = TotpParams {
                algorithm: TotpAlgorithm::Sha1,
                digits,
                period_millis,
            };
            for (name, at) in times() {
                s.check(
                    format!("totpCode(digits {digits}, period {period_millis} ms, at {name})"),
                    || totp_code(secret.clone(), params, at),
                    |code| code.len() == digits as usize,
                );
            }
        }
    }
    let google = r#"{"type":"QR_CODE","renderEncoding":"UTF_8","valuePattern":"LC1:2900000000002:{totp_value_0}:{totp_timestamp_seconds}","totpDetails":{"periodMillis":"30000","algorithm":"TOTP_SHA1","parameters":[{"key":"3132333435363738393031323334353637383930","valueLength":8}]}}"#;
    for (name, at) in times() {
        s.check(
            format!("googleRotatingBarcodeValue(at {name})"),
            || google_rotating_barcode_value(google.into(), at),
            |v| v.starts_with("LC1:"),
        );
    }
    for period in [
        "0",
        "1",
        "18446744073709551615",
        "9223372036854775807",
        "-1",
    ] {
        let json = google.replace("\"30000\"", &format!("\"{period}\""));
        s.check(
            format!("googleRotatingBarcodeValue(periodMillis {period})"),
            || google_rotating_barcode_value(json.clone(), t0()),
            |v| v.starts_with("LC1:"),
        );
    }

    // Receipts: quantities and prices whose product overflows, windows, times.
    for q in I64S {
        for p in I64S {
            s.check(
                format!("receiptTotal(quantity {q}, unit price {p})"),
                || receipt_total(receipt("r_1", q, p, utc(t0()))),
                |total| Some(total.amount_minor) == q.checked_mul(p),
            );
        }
    }
    for days in [None, Some(0), Some(1), Some(u32::MAX)] {
        for months in [None, Some(0), Some(u32::MAX)] {
            for (name, at) in record_times() {
                let mut r = receipt("r_1", 1, 250, at);
                r.return_window_days = days;
                r.lines[0].warranty_months = months;
                s.check(
                    format!("receiptTotal(window {days:?} d, warranty {months:?} mo, at {name})"),
                    || receipt_total(r.clone()),
                    |total| total.amount_minor == 250,
                );
            }
        }
    }

    // Programme rules.
    for months in [None, Some(0), Some(1), Some(u32::MAX)] {
        for window in U32S {
            for days in U32S {
                for min in I64S {
                    let mut rules = default_programme_rules();
                    rules.points_expiry_months = months;
                    rules.tier_window_months = window;
                    rules.return_window_days = days;
                    rules.tiers[1].min_points = min;
                    let what =
                        format!("expiry {months:?}, window {window}, returns {days}, tier {min}");
                    if let Some(json) = s.check(
                        format!("programmeRulesToJson({what})"),
                        || programme_rules_to_json(rules.clone()),
                        |j| j.starts_with('{'),
                    ) {
                        s.check(
                            format!("programmeRulesFromJson({what})"),
                            || programme_rules_from_json(json),
                            |back| *back == rules,
                        );
                    }
                }
            }
        }
    }

    // Voucher codes: every kind's numbers, windows, times.
    let keys = new_voucher_key_pair();
    for kind in kinds() {
        for (from_name, from) in record_times() {
            for (until_name, until) in record_times() {
                let v = voucher(kind.clone(), from, until);
                let what = format!("{kind:?}, {from_name} to {until_name}");
                if let Some(code) = s.check(
                    format!("signVoucherCode({what})"),
                    || sign_voucher_code(v, keys.signing_key_hex.clone()),
                    |c| c.starts_with("LCV1."),
                ) {
                    for (name, now) in times() {
                        s.check(
                            format!("verifyVoucherCode({what}, now {name})"),
                            || verify_voucher_code(code.clone(), keys.public_key_hex.clone(), now),
                            |_| true,
                        );
                    }
                }
            }
        }
    }

    // The till: skews, ages, capacities, times.
    for skew in U32S {
        for age in U32S {
            for capacity in U32S {
                let what = format!("skew {skew} s, age {age} s, capacity {capacity}");
                let Some(till) = s.check(
                    format!("TillVerifier({what})"),
                    || TillVerifier::new(default_totp_params(), skew, age, capacity),
                    |_| true,
                ) else {
                    continue;
                };
                for (name, now) in times() {
                    s.check(
                        format!("TillVerifier.verify({what}, now {name})"),
                        || {
                            till.verify(
                                "LC1:2900000000002:12345678:1772355600".into(),
                                "2900000000002".into(),
                                secret.clone(),
                                now,
                            )
                        },
                        |_| true,
                    );
                }
            }
        }
    }
    s.assert_none();
}

#[test]
fn client_methods_survive_extreme_numbers() {
    let s = Sweep::default();
    let dir = tempfile::tempdir().unwrap();
    let (client, clock) = open(dir.path(), t0());

    // Programme rules at the extremes: refused or taken, never a panic.
    for months in [Some(0), Some(u32::MAX)] {
        for window in [0, u32::MAX] {
            for days in [0, u32::MAX] {
                let mut rules = default_programme_rules();
                rules.points_expiry_months = months;
                rules.tier_window_months = window;
                rules.return_window_days = days;
                let sub = tempfile::tempdir().unwrap();
                let what = format!("expiry {months:?}, window {window}, returns {days}");
                if let Some(c) = s.check(
                    format!("LoyaltyClient.open({what})"),
                    || {
                        LoyaltyClient::open(
                            sub.path().to_string_lossy().into_owned(),
                            rules.clone(),
                            None,
                            None,
                        )
                    },
                    |_| true,
                ) {
                    let points = c.points();
                    s.check(
                        format!("earn under {what}"),
                        || points.earn(100, None, None, false),
                        |_| true,
                    );
                    s.check(format!("tier under {what}"), || points.tier(), |_| true);
                    for d in U32S {
                        s.check(
                            format!("expiringWithin({d}) under {what}"),
                            || points.expiring_within(d),
                            |_| true,
                        );
                    }
                    s.check(
                        format!("expireDue under {what}"),
                        || points.expire_due(),
                        |_| true,
                    );
                    let receipts = c.receipts();
                    s.check(
                        format!("receipts.add under {what}"),
                        || receipts.add(receipt("r_rules", 1, 250, utc(t0()))),
                        |_| true,
                    );
                    s.check(
                        format!("openForReturn under {what}"),
                        || receipts.open_for_return(),
                        |_| true,
                    );
                    s.check(
                        format!("returnUntil under {what}"),
                        || receipts.return_until("r_rules".into()),
                        |_| true,
                    );
                    c.shutdown().unwrap();
                }
            }
        }
    }

    // Points: amounts, sequence numbers, limits, days.
    let points = client.points();
    for p in I64S {
        s.check(
            format!("earn({p})"),
            || points.earn(p, None, None, false),
            |e| e.points == p,
        );
        s.check(
            format!("earn({p}, pending)"),
            || points.earn(p, None, None, true),
            |e| e.points == p,
        );
        s.check(
            format!("redeem({p})"),
            || points.redeem(p, None, None, false),
            |e| Some(e.points) == p.checked_neg(),
        );
        s.check(
            format!("adjust({p})"),
            || points.adjust(p, None),
            |e| e.points == p,
        );
        s.check(
            format!("earnOffline({p})"),
            || points.earn_offline(p, format!("r_{p}"), None),
            |e| e.points == p,
        );
        let balance = s.check("balance", || points.balance(), |_| true);
        if let Some(b) = balance {
            s.check("verify", || points.verify(), |v| *v == b);
        }
    }
    for seq in U64S {
        s.check(
            format!("entry({seq})"),
            || points.entry(seq),
            |e| e.seq == seq,
        );
        s.check(format!("reverse({seq})"), || points.reverse(seq), |_| true);
        s.check(
            format!("settle({seq}, true)"),
            || points.settle(seq, true),
            |_| true,
        );
        s.check(
            format!("settle({seq}, false)"),
            || points.settle(seq, false),
            |_| true,
        );
    }
    for limit in U32S {
        s.check(
            format!("recent({limit})"),
            || points.recent(limit),
            |r| r.len() <= limit as usize,
        );
    }
    for days in U32S {
        s.check(
            format!("points.expiringWithin({days})"),
            || points.expiring_within(days),
            |lots| {
                lots.iter()
                    .all(|l| l.points > 0 && SystemTime::from(l.expires_at) > t0())
                    && lots.windows(2).all(|w| w[0].expires_at <= w[1].expires_at)
            },
        );
    }

    // Wallet: every kind's numbers and windows; days.
    let wallet = client.wallet();
    let keys = new_voucher_key_pair();
    wallet
        .set_retailer_key(keys.public_key_hex.clone())
        .unwrap();
    for (i, kind) in kinds().into_iter().enumerate() {
        for (from_name, from) in record_times() {
            for (until_name, until) in record_times() {
                let mut v = voucher(kind.clone(), from, until);
                v.id = format!("v_{i}");
                let what = format!("{kind:?}, {from_name} to {until_name}");
                if let Some(Ok(code)) = s.call(format!("sign {what}"), || {
                    sign_voucher_code(v.clone(), keys.signing_key_hex.clone())
                }) {
                    v.code = code;
                }
                s.check(
                    format!("wallet.add({what})"),
                    || wallet.add(v.clone()),
                    |_| true,
                );
                // The states that carry a time, at the same extremes.
                for state in [
                    VoucherState::Redeemed { at: from },
                    VoucherState::Redeeming {
                        idempotency_key: "0b6b1a52-1d7e-4c55-9b1f-3c1de3a2c8f1".into(),
                        since: until,
                    },
                ] {
                    let mut v = v.clone();
                    v.state = state;
                    s.check(
                        format!("wallet.add({what}, {:?})", v.state),
                        || wallet.add(v),
                        |_| true,
                    );
                }
            }
        }
    }
    for days in U32S {
        let until = t0().checked_add(Duration::from_secs(86_400 * u64::from(days)));
        s.check(
            format!("wallet.expiringWithin({days})"),
            || wallet.expiring_within(days),
            |vs| {
                vs.iter().all(|v| {
                    let valid_until = SystemTime::from(v.valid_until);
                    v.state == VoucherState::Available
                        && valid_until > t0()
                        && until.is_none_or(|u| valid_until <= u)
                })
            },
        );
    }
    s.check(
        "usableNow",
        || wallet.usable_now(),
        |vs| {
            vs.iter().all(|v| {
                v.state == VoucherState::Available
                    && SystemTime::from(v.valid_from) <= t0()
                    && t0() < SystemTime::from(v.valid_until)
            })
        },
    );
    s.check("wallet.all", || wallet.all(), |_| true);

    // Receipts: quantities, prices, windows, warranties, times.
    let receipts = client.receipts();
    let mut n = 0;
    for q in I64S {
        for p in [i64::MIN, -1, 0, 1, i64::MAX] {
            n += 1;
            s.check(
                format!("receipts.add(quantity {q}, unit price {p})"),
                || receipts.add(receipt(&format!("r_q{n}"), q, p, utc(t0()))),
                |_| true,
            );
        }
    }
    for days in [None, Some(0), Some(1), Some(u32::MAX)] {
        for months in [None, Some(0), Some(1), Some(u32::MAX)] {
            for (name, at) in record_times() {
                n += 1;
                let mut r = receipt(&format!("r_w{n}"), 1, 250, at);
                r.return_window_days = days;
                r.lines[0].warranty_months = months;
                let what = format!("window {days:?} d, warranty {months:?} mo, at {name}");
                if s.check(
                    format!("receipts.add({what})"),
                    || receipts.add(r),
                    |_| true,
                ) == Some(true)
                {
                    s.check(
                        format!("returnUntil({what})"),
                        || receipts.return_until(format!("r_w{n}")),
                        |_| true,
                    );
                }
            }
        }
    }
    for (from_name, from) in times() {
        for (to_name, to) in times() {
            s.check(
                format!("between({from_name}, {to_name})"),
                || receipts.between(from, to),
                |rs| {
                    rs.iter()
                        .map(|r| SystemTime::from(r.purchased_at))
                        .all(|at| from <= at && at < to)
                },
            );
        }
    }
    s.check("openForReturn", || receipts.open_for_return(), |_| true);
    s.check(
        "activeWarranties",
        || receipts.active_warranties(),
        |_| true,
    );

    // The card: TOTP parameters, render options, imported cards' colours.
    let card = client.card();
    let secret = new_totp_secret(TotpAlgorithm::Sha1);
    for digits in U32S {
        for period_millis in U64S {
            let params = TotpParams {
                algorithm: TotpAlgorithm::Sha1,
                digits,
                period_millis,
            };
            s.check(
                format!("card.enrol(digits {digits}, period {period_millis} ms)"),
                || card.enrol("2900000000002".into(), secret.clone(), params),
                |c| c.params == params,
            );
            s.check(
                format!("rotatingCode(digits {digits}, period {period_millis} ms)"),
                || card.rotating_code(),
                |c| c.payload.starts_with("LC1:"),
            );
        }
    }
    card.enrol(
        "2900000000002".into(),
        secret.clone(),
        default_totp_params(),
    )
    .unwrap();
    for scale in U32S {
        for quiet in [None, Some(0), Some(u32::MAX)] {
            for bar_height in [0, u32::MAX] {
                let options = RenderOptions {
                    quiet_zone: quiet,
                    scale,
                    dark_mode: true,
                    bar_height,
                };
                s.check(
                    format!(
                        "tillCard(scale {scale}, quiet zone {quiet:?}, bar height {bar_height})"
                    ),
                    || card.till_card(EcLevel::High, options),
                    |c| c.code.payload.starts_with("LC1:"),
                );
            }
        }
    }
    for color in I32S {
        s.check(
            format!("addImported(header colour {color})"),
            || {
                card.add_imported(ImportedCard {
                    id: format!("c_{color}"),
                    store_name: "Bakkerij".into(),
                    card_id: "12345678".into(),
                    barcode_value: None,
                    symbology: Some(Symbology::Code128),
                    note: None,
                    header_color: Some(color),
                })
            },
            |c| c.header_color == Some(color),
        );
    }

    // Reminders: settings, context, snoozes and deliveries at every time.
    let reminders = client.reminders();
    let base = reminders.settings().unwrap();
    for minute in [0u16, 1, 1439, 1440, u16::MAX] {
        for cap in [None, Some(0), Some(1), Some(u32::MAX)] {
            for horizon in U32S {
                let mut settings = base.clone();
                settings.quiet_hours = Some(QuietHours {
                    start_minute: minute,
                    end_minute: minute,
                });
                settings.caps.total = CapLimit {
                    per_day: cap,
                    per_week: cap,
                };
                settings.caps.marketing = settings.caps.total;
                settings.caps.service = settings.caps.total;
                settings.horizon_days = horizon;
                let what = format!("quiet {minute}, caps {cap:?}, horizon {horizon}");
                if s.check(
                    format!("setSettings({what})"),
                    || reminders.set_settings(settings),
                    |_| true,
                )
                .is_some()
                {
                    s.check(format!("plan({what})"), || reminders.plan(), |_| true);
                }
            }
        }
    }
    reminders.set_settings(base).unwrap();
    for offset in I32S {
        for temp in [None, Some(i32::MIN), Some(0), Some(i32::MAX)] {
            for signal in [i64::MIN, 0, i64::MAX] {
                let context = ReminderContext {
                    local_utc_offset_minutes: offset,
                    forecast_min_temp_c_tenths: temp,
                    forecast_max_temp_c_tenths: temp,
                    signals: HashMap::from([("rain".to_string(), signal)]),
                };
                let what = format!("offset {offset}, temperature {temp:?}, signal {signal}");
                if s.check(
                    format!("setContext({what})"),
                    || reminders.set_context(context),
                    |_| true,
                )
                .is_some()
                {
                    s.check(format!("plan({what})"), || reminders.plan(), |_| true);
                }
            }
        }
    }
    reminders
        .set_context(ReminderContext {
            local_utc_offset_minutes: 60,
            forecast_min_temp_c_tenths: None,
            forecast_max_temp_c_tenths: None,
            signals: HashMap::new(),
        })
        .unwrap();
    for (name, at) in times() {
        s.check(
            format!("snooze(until {name})"),
            || reminders.snooze("n_1".into(), at),
            |_| true,
        );
        s.check(
            format!("markDelivered(at {name})"),
            || {
                reminders.mark_delivered(PlannedNotification {
                    id: "n_1".into(),
                    at,
                    title: "Koffie".into(),
                    body: "Bijna op?".into(),
                    deep_link: "loyalty://receipts".into(),
                    category: NotificationCategory::Marketing,
                    kind: ReminderKind::Replenishment,
                    rule_id: "replenish".into(),
                    reason: "Je koopt dit elke week.".into(),
                    list_offer: None,
                })
            },
            |_| true,
        );
        s.check(format!("plan after {name}"), || reminders.plan(), |_| true);
    }

    // Everything that reads the clock, with the clock at each extreme: the app's clock is an input
    // too (a device set to year 262143, or to before the epoch).
    for (name, at) in times() {
        *clock.0.lock().unwrap() = at;
        s.check(format!("balance at {name}"), || points.balance(), |_| true);
        s.check(
            format!("earn at {name}"),
            || points.earn(10, None, None, false),
            |_| true,
        );
        s.check(
            format!("earnOffline at {name}"),
            || points.earn_offline(10, format!("r_clock_{name}"), None),
            |_| true,
        );
        s.check(
            format!("tier at {name}"),
            || points.tier(),
            |t| !t.tier.is_empty(),
        );
        s.check(
            format!("expireDue at {name}"),
            || points.expire_due(),
            |_| true,
        );
        for days in [0, u32::MAX] {
            s.check(
                format!("points.expiringWithin({days}) at {name}"),
                || points.expiring_within(days),
                |_| true,
            );
            s.check(
                format!("wallet.expiringWithin({days}) at {name}"),
                || wallet.expiring_within(days),
                |_| true,
            );
        }
        // A clock outside chrono's range reads as the system clock (see `Clock`).
        let representable = chrono_min() <= at && at <= chrono_max();
        s.check(
            format!("usableNow at {name}"),
            || wallet.usable_now(),
            |vs| {
                !representable
                    || vs.iter().all(|v| {
                        SystemTime::from(v.valid_from) <= at && at < SystemTime::from(v.valid_until)
                    })
            },
        );
        s.check(format!("wallet.all at {name}"), || wallet.all(), |_| true);
        s.check(
            format!("beginRedemption at {name}"),
            || wallet.begin_redemption("v_0".into()),
            |_| true,
        );
        s.check(
            format!("openForReturn at {name}"),
            || receipts.open_for_return(),
            |_| true,
        );
        s.check(
            format!("activeWarranties at {name}"),
            || receipts.active_warranties(),
            |_| true,
        );
        s.check(
            format!("receipts.add at {name}"),
            || receipts.add(receipt(&format!("r_clock_{name}"), 1, 100, utc(t0()))),
            |_| true,
        );
        s.check(
            format!("rotatingCode at {name}"),
            || card.rotating_code(),
            |_| true,
        );
        s.check(
            format!("tillCard at {name}"),
            || card.till_card(EcLevel::Medium, default_render_options()),
            |_| true,
        );
        s.check(format!("plan at {name}"), || reminders.plan(), |_| true);
        s.check(
            format!("snooze at {name}"),
            || reminders.snooze("n_2".into(), t0()),
            |_| true,
        );
        s.check(
            format!("receivePush at {name}"),
            || {
                reminders.receive_push(
                    r#"{"id":"p_1","category":"service","title":"Hallo","body":"Welkom","deep_link":"loyalty://home"}"#
                        .into(),
                )
            },
            |_| true,
        );
    }
    client.shutdown().unwrap();
    s.assert_none();
}
