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
        .get(loyalty_core::client::CARD_SECRET_KEY)
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
