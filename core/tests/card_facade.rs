//! The card through the facade: enrolment into a secret store, rotating codes with an injected
//! clock, verification at the till, and the Google Wallet export computing the same codes.

use chrono::{Duration, TimeZone, Utc};
use loyalty_core::card::{TillPolicy, TillVerifier, TotpParams};
use loyalty_core::points::ProgrammeRules;
use loyalty_core::render::{EcLevel, RenderOptions, Symbology};
use loyalty_core::secrets::{MemorySecretStore, SecretStore};
use loyalty_core::{Clock, LoyaltyClient, LoyaltyError, ManualClock};
use std::sync::Arc;

const CARD: &str = "4006381333931";
const SECRET: &[u8] = b"12345678901234567890";

#[test]
fn enrol_show_and_verify_at_the_till() {
    let dir = tempfile::tempdir().unwrap();
    let clock = Arc::new(ManualClock::new(
        Utc.with_ymd_and_hms(2026, 3, 1, 9, 0, 0).unwrap(),
    ));
    let secrets = Arc::new(MemorySecretStore::default());
    let client = LoyaltyClient::open(
        dir.path(),
        ProgrammeRules::default(),
        clock.clone(),
        Some(secrets.clone()),
    )
    .unwrap();
    let card = client.card();
    card.enrol(CARD, SECRET, TotpParams::default()).unwrap();
    // The secret is in the secret store, not in the database files.
    assert!(secrets
        .get(loyalty_core::CARD_SECRET_KEY)
        .unwrap()
        .is_some());
    for entry in walk(dir.path()) {
        let bytes = std::fs::read(&entry).unwrap();
        assert!(
            !bytes.windows(SECRET.len()).any(|w| w == SECRET),
            "secret found in {entry:?}"
        );
    }

    let till_card = card
        .till_card(EcLevel::Medium, &RenderOptions::default())
        .unwrap();
    assert_eq!(till_card.matrix.symbology, Symbology::QrCode);
    assert!(till_card.svg.contains("<svg"));

    let mut till = TillVerifier::new(TillPolicy::default(), 100).unwrap();
    let now = clock.now();
    assert!(till
        .verify(&till_card.code.payload, CARD, SECRET, now)
        .is_ok());
    assert!(till
        .verify(&till_card.code.payload, CARD, SECRET, now)
        .is_err());

    clock.advance(Duration::seconds(31));
    let next = card.rotating_code().unwrap();
    assert_ne!(next.payload, till_card.code.payload);
    let google = loyalty_core::card::GoogleRotatingBarcode::from_json(
        &card.google_rotating_barcode().unwrap(),
    )
    .unwrap();
    assert_eq!(google.render(next.valid_from).unwrap(), next.payload);

    // The member card survives a restart; its secret comes back from the secret store.
    client.close().unwrap();
    let client =
        LoyaltyClient::open(dir.path(), ProgrammeRules::default(), clock, Some(secrets)).unwrap();
    assert_eq!(client.card().rotating_code().unwrap(), next);
    client.card().forget().unwrap();
    assert!(matches!(
        client.card().rotating_code(),
        Err(LoyaltyError::NotFound { .. })
    ));
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out
}

/// Issue #20.2 through the facade, on a real store: a Catima file whose `_id` is a stored card's
/// but which holds another card adds it under a new id; the same card is updated; nothing stored
/// is lost, and the result says what happened.
#[test]
fn catima_import_adds_updates_and_never_replaces() {
    use loyalty_core::formats::catima::ImportAction;
    let dir = tempfile::tempdir().unwrap();
    let clock = Arc::new(ManualClock::new(
        Utc.with_ymd_and_hms(2026, 3, 1, 9, 0, 0).unwrap(),
    ));
    let client = LoyaltyClient::open(dir.path(), ProgrammeRules::default(), clock, None).unwrap();
    let card = client.card();
    let first = card
        .import_catima(
            b"_id,store,cardid,barcodetype\n1,Bakery,111,CODE_128\n",
            &[],
        )
        .unwrap();
    assert_eq!((first.added, first.updated, first.unchanged), (1, 0, 0));
    let second = card
        .import_catima(
            b"_id,store,cardid,barcodetype\n1,Butcher,222,EAN_13\n2,Bakery,111,CODE_128\n",
            &[],
        )
        .unwrap();
    let actions: Vec<(ImportAction, &str)> = second
        .cards
        .iter()
        .map(|c| (c.action, c.card.id.as_str()))
        .collect();
    assert_eq!(
        actions,
        [
            (ImportAction::Added, "catima-3"),
            (ImportAction::Unchanged, "catima-1")
        ]
    );
    // The butcher's EAN-13 has 3 digits: kept, with a warning that it cannot be drawn.
    assert!(second
        .warnings
        .iter()
        .any(|w| w.line == 2 && w.message.contains("cannot be drawn")));
    drop(card);
    drop(client);
    // Reopened from disk: both cards are there.
    let clock = Arc::new(ManualClock::new(
        Utc.with_ymd_and_hms(2026, 3, 1, 9, 0, 0).unwrap(),
    ));
    let client = LoyaltyClient::open(dir.path(), ProgrammeRules::default(), clock, None).unwrap();
    let stored = client.card().imported().unwrap();
    let names: Vec<(&str, &str)> = stored
        .iter()
        .map(|c| (c.id.as_str(), c.store_name.as_str()))
        .collect();
    assert_eq!(names, [("catima-1", "Bakery"), ("catima-3", "Butcher")]);
    // A refused file stores nothing and names its line, not its values.
    let e = client
        .card()
        .import_catima(b"_id,store,cardid\n1,Secret Shop,\n", &[])
        .unwrap_err();
    match e {
        LoyaltyError::InvalidInput { reason } => {
            assert!(
                reason.contains("line 2") && !reason.contains("Secret"),
                "{reason}"
            )
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(client.card().imported().unwrap().len(), 2);
}

/// A voucher the retailer issued: its code signed with `key`.
fn issued_voucher(
    key: &loyalty_core::card::SigningKey,
    id: &str,
    from: chrono::DateTime<Utc>,
    days: i64,
) -> loyalty_core::wallet::Voucher {
    use loyalty_core::wallet::{Voucher, VoucherKind, VoucherState};
    let mut v = Voucher {
        titles: Default::default(),
        id: id.into(),
        kind: VoucherKind::AmountOff {
            amount: loyalty_core::Money::new(500, "EUR").unwrap(),
            min_spend: None,
        },
        title: "€5 off".into(),
        description: None,
        code: String::new(),
        valid_from: from,
        valid_until: from + Duration::days(days),
        state: VoucherState::Available,
        signature: None,
    };
    v.code = loyalty_core::card::sign_voucher(&v, key).unwrap();
    v
}

#[test]
fn the_card_and_chosen_vouchers_in_one_code_the_till_reads_in_one_scan() {
    use loyalty_core::card::{public_key_hex, ChosenVoucher, Refusal, SigningKey};
    let dir = tempfile::tempdir().unwrap();
    let start = Utc.with_ymd_and_hms(2026, 3, 1, 9, 0, 0).unwrap();
    let clock = Arc::new(ManualClock::new(start));
    let secrets = Arc::new(MemorySecretStore::default());
    let client = LoyaltyClient::open(
        dir.path(),
        ProgrammeRules::default(),
        clock.clone(),
        Some(secrets),
    )
    .unwrap();
    let key = SigningKey::from_bytes(&[7u8; 32]);
    let public = key.verifying_key().to_bytes();
    client
        .wallet()
        .set_retailer_key(&public_key_hex(&key.verifying_key()))
        .unwrap();
    let ids = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    let options = RenderOptions::default();
    // Without a card there is nothing to combine.
    assert!(matches!(
        client
            .card()
            .combined_till_card(&[], EcLevel::Medium, &options),
        Err(LoyaltyError::NotFound { .. })
    ));
    client
        .card()
        .enrol(CARD, SECRET, TotpParams::default())
        .unwrap();
    let wallet = client.wallet();
    wallet
        .add(issued_voucher(&key, "v-a", start - Duration::days(1), 30))
        .unwrap();
    wallet.add(issued_voucher(&key, "v-b", start, 1)).unwrap();
    wallet
        .add(issued_voucher(
            &key,
            "v-later",
            start + Duration::days(2),
            30,
        ))
        .unwrap();

    let combined = client
        .card()
        .combined_till_card(&ids(&["v-a", "v-b"]), EcLevel::Medium, &options)
        .unwrap();
    assert!(combined.payload.starts_with("LCC1 LC1:"));
    assert_eq!(combined.vouchers.len(), 2);
    assert_eq!(combined.redraw_at, combined.code.valid_until);
    assert_eq!(combined.matrix.symbology, Symbology::QrCode);
    assert!(combined.svg.contains("<svg"));
    // Showing it changes nothing on the phone: the till redeems, the wallet learns by sync.
    assert!(wallet.usable_now().unwrap().len() >= 2);
    assert!(client.sync().outbox().unwrap().is_empty());

    // The till: one scan, the card and both vouchers; the same code again is refused.
    let mut till = TillVerifier::new(TillPolicy::default(), 100).unwrap();
    let now = clock.now();
    let verdict = till
        .verify_combined(&combined.payload, CARD, SECRET, &public, now)
        .unwrap();
    let taken: Vec<&str> = verdict.taken().map(|v| v.id.as_str()).collect();
    assert_eq!(taken, ["v-a", "v-b"]);
    assert_eq!(
        till.verify_combined(&combined.payload, CARD, SECRET, &public, now),
        Err(Refusal::Replayed)
    );
    // A new code a period later with the same vouchers: the card passes, the vouchers were used.
    clock.advance(Duration::seconds(30));
    let again = client
        .card()
        .combined_till_card(&ids(&["v-b", "v-a"]), EcLevel::Low, &options)
        .unwrap();
    let verdict = till
        .verify_combined(&again.payload, CARD, SECRET, &public, clock.now())
        .unwrap();
    assert!(verdict
        .vouchers
        .iter()
        .all(|v| matches!(v, ChosenVoucher::AlreadyTaken(_))));

    // The voucher ending first sets when to draw again.
    clock.set(start + Duration::hours(23) + Duration::minutes(59) + Duration::seconds(45));
    let late = client
        .card()
        .combined_till_card(&ids(&["v-b"]), EcLevel::Medium, &options)
        .unwrap();
    assert_eq!(late.redraw_at, start + Duration::days(1));

    // What cannot be combined, with the wallet's reasons.
    let refused = |wanted: &[&str]| {
        client
            .card()
            .combined_till_card(&ids(wanted), EcLevel::Medium, &options)
            .unwrap_err()
    };
    assert!(matches!(
        refused(&["v-nope"]),
        LoyaltyError::NotFound { .. }
    ));
    assert!(matches!(refused(&[]), LoyaltyError::InvalidInput { .. }));
    assert!(matches!(
        refused(&["v-a", "v-a"]),
        LoyaltyError::InvalidInput { .. }
    ));
    let e = refused(&["v-later"]);
    assert!(e.to_string().contains("not valid yet"), "{e}");
    clock.set(start + Duration::days(1));
    let e = refused(&["v-b"]);
    assert!(e.to_string().contains("expired"), "{e}");
    wallet.begin_redemption("v-a").unwrap();
    let e = refused(&["v-a"]);
    assert!(e.to_string().contains("being redeemed"), "{e}");
    let many: Vec<String> = (0..5).map(|i| format!("v-m{i}")).collect();
    for id in &many {
        wallet.add(issued_voucher(&key, id, start, 30)).unwrap();
    }
    assert!(matches!(
        client
            .card()
            .combined_till_card(&many, EcLevel::Medium, &options)
            .unwrap_err(),
        LoyaltyError::InvalidInput { .. }
    ));
}
