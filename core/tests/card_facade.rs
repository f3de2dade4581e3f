//! The card through the facade: enrolment into a secret store, rotating codes with an injected
//! clock, verification at the till, and the Google Wallet export computing the same codes.

use chrono::{Duration, TimeZone, Utc};
use loyalty_core::card::{TillPolicy, TillVerifier, TotpParams};
use loyalty_core::points::ProgrammeRules;
use loyalty_core::render::{EcLevel, RenderOptions, Symbology};
use loyalty_core::secrets::{MemorySecretStore, SecretStore};
use loyalty_core::{ApiError, Clock, LoyaltyClient, ManualClock};
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
        Err(ApiError::NotFound { .. })
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
        ApiError::InvalidInput { reason } => {
            assert!(
                reason.contains("line 2") && !reason.contains("Secret"),
                "{reason}"
            )
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(client.card().imported().unwrap().len(), 2);
}
