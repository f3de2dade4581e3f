//! `loyalty demo` (the whole story on an in-process server) and `loyalty sync` against a real
//! reference server started by the test (`loyalty server`), through the binary as a person or a
//! script runs it.

mod support;

use support::{fails, fails_json, ok, ok_json, run, run_in, Server, BIN};

use std::process::Command;

/// The block of lines of the terminal QR code: the rows drawn with block characters.
fn qr_rows(text: &str) -> usize {
    text.lines()
        .map(str::trim)
        .skip_while(|l| !l.starts_with('█'))
        .take_while(|l| !l.is_empty() && l.chars().all(|c| matches!(c, '█' | '▀' | '▄' | ' ')))
        .count()
}

/// The demo's English headings and labels: none may show in the Dutch or French demo. Words the
/// French text shares with the English ("Points", "code", "total", "points") are left out; so are
/// the names of voucher states and reminder categories and the voucher values (still English,
/// from `words`) and the ids of the feeds and rules (the API's).
const ENGLISH_LABELS: [&str; 64] = [
    "fifteen months of a shopper's life",
    "Reference server",
    "in-process",
    "listening",
    "temporary: removed",
    "voucher key",
    "tills check voucher codes",
    "injected, shared by server and app",
    "Enrolment",
    "real HTTP sync",
    "rotating code",
    "digits, every",
    "household",
    "second device",
    "secure store",
    "Shopping at the till",
    "till API",
    "Replayed",
    "months of shopping",
    "points earned",
    "when  ",
    "about every 4 weeks",
    "vouchers issued on",
    "signed by the server",
    "Reminder content",
    "published by the retailer",
    "ledger entries",
    "content feeds applied",
    "HTTP requests",
    "balance",
    "available,",
    "pending)",
    "qualifying points",
    "warranty",
    "receipt kept as proof of purchase",
    "the till says",
    "bought on",
    "Company invoice",
    "kept offline",
    "asked offline for receipt",
    "sent with the next sync",
    "readable copy",
    "Wallet",
    "usable now",
    "valid until",
    "Redeeming",
    "code at the till",
    "after sync",
    "outbox",
    "network requests",
    "Reminders planned for the coming weeks",
    "frost forecast tonight",
    "consent to all",
    "held back by the policy",
    "notifications to schedule",
    "Shopping list (kept",
    "your usual items",
    "added by hand",
    "on the list",
    "left the list by itself",
    "Surveys (answered",
    "counts only",
    "a purchase of 43.90",
    "Your card at the till",
];

/// Phrases of the demo's English sentences (surveys, membership, card, the end), checked in
/// Dutch and French alike.
const ENGLISH_SENTENCES: [&str; 8] = [
    "the app redraws it then",
    "Done: server and app",
    "nothing slept",
    "stars on average",
    "answer(s)",
    "sent in one batch",
    "Plus membership",
    "known offline",
];

/// The paragraph of the plan that starts with a line containing `title`.
fn reminder<'a>(text: &'a str, title: &str) -> &'a str {
    let start = text
        .find(title)
        .unwrap_or_else(|| panic!("no reminder {title:?} in:\n{text}"));
    let rest = &text[start..];
    &rest[..rest.find("\n\n").unwrap_or(rest.len())]
}

#[test]
fn demo_in_english_tells_the_whole_story() {
    let out = ok(run(&["demo"]));
    // The server ran in-process, the app enrolled over HTTP, the shopping was replayed.
    assert!(out.contains("listening   http://127.0.0.1:"), "{out}");
    assert!(
        out.contains("Replayed 15 months of shopping: 20 receipts"),
        "{out}"
    );
    assert!(out.contains("16 × Dog food 12 kg"), "{out}");
    assert!(out.contains("lot L2612-30"), "{out}");
    assert!(
        out.contains("ledger entries, 3 vouchers, 20 receipts and 5 content feeds applied"),
        "{out}"
    );
    // The rotating card: a QR block of at least 21 modules (11 text rows at 2 modules a row)
    // and the code it encodes with its validity.
    assert!(qr_rows(&out) >= 11, "no QR block in:\n{out}");
    assert!(out.contains("code        LC1:"), "{out}");
    assert!(
        out.contains("(30 s; the app redraws it then, offline)"),
        "{out}"
    );
    // Balance and tier, computed by the core from the synced ledger.
    let balance = out
        .lines()
        .find(|l| l.trim_start().starts_with("balance "))
        .expect("a balance line");
    assert!(
        balance.contains("1,094 points (1,094 available, 0 pending)"),
        "{balance}"
    );
    assert!(out.contains("tier        Member ("), "{out}");
    assert!(out.contains("points to Silver)"), "{out}");
    // Wallet, then the offline redemption resolved by the sync.
    assert!(out.contains("€5 off your next shop"), "{out}");
    assert!(out.contains("€5.00 off from €25.00"), "{out}");
    assert!(out.contains("network requests: 0"), "{out}");
    assert!(out.contains("state             redeeming"), "{out}");
    assert!(
        out.contains("after sync        redeemed · 1 outbox item resolved · 0 waiting"),
        "{out}"
    );
    // The reminders with their reasons.
    let dog = reminder(&out, "Running low on Dog food 12 kg?");
    assert!(dog.contains("why: You bought Dog food 12 kg"), "{dog}");
    // The evidence (issue #11): shops with the item and its rhythm (the text wraps).
    assert!(
        dog.contains("on 7 of your last 10 shops, about every"),
        "{dog}"
    );
    assert!(dog.contains("28 days."), "{dog}");
    let recall = reminder(&out, "Product recall: Zeeland oysters [safety]");
    assert!(recall.contains("bring them back"), "{recall}");
    assert!(recall.contains("(lot L2612-30)"), "{recall}");
    let salt = reminder(&out, "Time for road salt again?");
    assert!(salt.contains("Frost is forecast"), "{salt}");
    assert!(salt.contains("12 November 2025"), "{salt}");
    assert!(out.contains("Serving your sparkling wine"), "{out}");
    assert!(out.contains("Setting up your new TV"), "{out}");
    assert!(out.contains("Recipe idea: Pasta with pesto"), "{out}");
    assert!(out.contains("Your voucher expires"), "{out}");
    assert!(out.contains("You are invited: Pre-sale evening"), "{out}");
    // The shopping list: usual items with why, the reminder's offer taken, the receipt synced
    // the next morning takes the dog food off; the candles typed by hand stay.
    let list = &out[out
        .find("Shopping list (kept on the phone")
        .expect("a list act")..];
    assert!(
        list.contains("your usual items, likeliest at the next shop first:"),
        "{list}"
    );
    assert!(list.contains("You bought Dog food 12 kg on"), "{list}");
    assert!(
        list.contains("\"Running low on Dog food 12 kg?\" → \"Add to shopping list\" → on the list: Dog food 12 kg"),
        "{list}"
    );
    assert!(
        list.contains("    [ ] Dog food 12 kg\n    [ ] Birthday candles"),
        "{list}"
    );
    assert!(
        list.contains("1 receipt synced; bought, so it left the list by itself: Dog food 12 kg\n    [ ] Birthday candles\n"),
        "{list}"
    );
}

#[test]
fn demo_in_dutch_and_french() {
    let nl = ok(run(&["demo", "--lang", "nl"]));
    // The catalogue's Dutch names, on the receipts, in the reminders and on the list.
    let dog = reminder(&nl, "Bijna op: Hondenbrokken 12 kg?");
    assert!(dog.contains("waarom: Je hebt Hondenbrokken 12 kg"), "{dog}");
    assert!(nl.contains("16 × Hondenbrokken 12 kg"), "{nl}");
    assert!(nl.contains("garantie    4K-televisie 55\""), "{nl}");
    // The headings and labels in Dutch, the tier by the programme's Dutch names.
    assert!(
        nl.contains("saldo       1.094 punten (1.094 beschikbaar, 0 in behandeling)"),
        "{nl}"
    );
    assert!(
        nl.contains("status      Lid (964 punten die meetellen sinds"),
        "{nl}"
    );
    assert!(nl.contains("nog 36 punten tot Zilver)"), "{nl}");
    assert!(
        nl.contains("20 kassabonnen, € 1.111,86 uitgegeven, 1.094 punten gespaard"),
        "{nl}"
    );
    assert!(nl.contains("(ca. om de 4 weken)"), "{nl}");
    assert!(nl.contains("\nPortemonnee: nu te gebruiken\n"), "{nl}");
    assert!(
        nl.contains("„€ 5 korting op je volgende aankoop” offline inwisselen"),
        "{nl}"
    );
    assert!(nl.contains("kassabon bewaard als aankoopbewijs"), "{nl}");
    assert!(
        nl.contains("\nBoodschappenlijst (offline bewaard op je telefoon)\n"),
        "{nl}"
    );
    assert!(nl.contains("\nKlaar: server en app"), "{nl}");
    assert!(nl.contains("€ 5 korting op je volgende aankoop"), "{nl}");
    // (The till's answer to the line proof quotes the receipt as printed.)
    for english in [
        "Dog food",
        "Road salt",
        "Zeeland oysters",
        "Pre-sale",
        "5 off your",
    ] {
        assert!(
            !nl.contains(english),
            "{english:?} in the Dutch demo:\n{nl}"
        );
    }
    let recall = reminder(&nl, "Terugroepactie: Zeeuwse oesters [veiligheid]");
    assert!(nl.contains("na synchronisatie  ingewisseld"), "{nl}");
    assert!(nl.contains("(maximum bereikt)"), "{nl}");
    assert!(recall.contains("lot L2612-30"), "{recall}");
    assert!(nl.contains("€ 5,00 korting vanaf € 25,00"), "{nl}");
    assert!(nl.contains("wo 30 december 2026"), "{nl}");
    assert!(nl.contains("Weer tijd voor strooizout?"), "{nl}");
    assert!(
        nl.contains("→ „Op boodschappenlijst zetten” → op de lijst: Hondenbrokken 12 kg"),
        "{nl}"
    );
    assert!(nl.contains("Je hebt Hondenbrokken 12 kg bij"), "{nl}");
    assert!(
        nl.contains(
            "Hondenbrokken 12 kg aan de kassa, 1 kassabon gesynchroniseerd; gekocht, dus vanzelf \
             van de lijst gehaald: Hondenbrokken 12 kg\n    [ ] Verjaardagskaarsjes"
        ),
        "{nl}"
    );
    assert!(qr_rows(&nl) >= 11);
    for english in ENGLISH_LABELS.iter().chain(&ENGLISH_SENTENCES) {
        assert!(
            !nl.contains(english),
            "{english:?} in the Dutch demo:\n{nl}"
        );
    }
    // Dutch says "je", never "u".
    for formal in [" u ", " uw "] {
        assert!(!nl.contains(formal), "{formal:?} in the Dutch demo:\n{nl}");
    }
    // Without --lang the demo speaks the terminal's language.
    let by_locale = support::loyalty()
        .env("LC_ALL", "nl_BE.UTF-8")
        .arg("demo")
        .output()
        .unwrap();
    assert!(
        ok(by_locale).contains("Weer tijd voor strooizout?"),
        "LC_ALL=nl_BE.UTF-8 gives the Dutch demo"
    );

    let fr = ok(run(&["demo", "--lang", "fr"]));
    let recall = reminder(&fr, "Rappel de produit\u{a0}: Huîtres de Zélande");
    assert!(
        recall.contains("pourquoi\u{a0}: Vous avez acheté"),
        "{recall}"
    );
    assert!(fr.contains("mer. 30 décembre 2026"), "{fr}");
    assert!(fr.contains("5,00 € de remise dès 25,00 €"), "{fr}");
    assert!(
        fr.contains("après synchronisation  utilisé · 1 élément"),
        "{fr}"
    );
    assert!(fr.contains("Huîtres de Zélande [sécurité]"), "{fr}");
    assert!(
        fr.contains(
            "→ «\u{a0}Ajouter à la liste de courses\u{a0}» → sur la liste\u{a0}: Croquettes"
        ),
        "{fr}"
    );
    // The headings and labels in French, the tier by the programme's French names.
    assert!(
        fr.contains("statut       Membre (964 points pris en compte depuis le"),
        "{fr}"
    );
    assert!(
        fr.contains("encore 36 points pour atteindre le statut Argent)"),
        "{fr}"
    );
    assert!(
        fr.contains("solde        1\u{202f}094 points (1\u{202f}094 disponibles"),
        "{fr}"
    );
    assert!(
        fr.contains("garantie     Téléviseur 4K 55\" jusqu'au"),
        "{fr}"
    );
    assert!(
        fr.contains("ticket de caisse conservé comme preuve d'achat"),
        "{fr}"
    );
    assert!(
        fr.contains("\nPortefeuille\u{a0}: bons utilisables maintenant\n"),
        "{fr}"
    );
    assert!(
        fr.contains("20 tickets de caisse, 1\u{202f}111,86 € dépensés, 1\u{202f}094 points gagnés"),
        "{fr}"
    );
    assert!(
        fr.contains("\nListe de courses (conservée hors ligne"),
        "{fr}"
    );
    assert!(fr.contains("\nTerminé\u{a0}: le serveur et l'app"), "{fr}");
    for english in ENGLISH_LABELS.iter().chain(&ENGLISH_SENTENCES) {
        assert!(
            !fr.contains(english),
            "{english:?} in the French demo:\n{fr}"
        );
    }
    // French typography: a no-break space before ":", ";", "?" and "!", never a plain one.
    for plain in [" :", " ;", " ?", " !"] {
        assert!(!fr.contains(plain), "{plain:?} in the French demo:\n{fr}");
    }
    assert!(fr.contains("[ ] Bougies d'anniversaire"), "{fr}");
    assert!(fr.contains("Croquettes pour chien 12 kg"), "{fr}");
    assert!(fr.contains("Soirée de prévente pour les membres"), "{fr}");
    for english in [
        "Dog food",
        "Road salt",
        "Zeeland oysters",
        "Pre-sale",
        "5 off your",
    ] {
        assert!(
            !fr.contains(english),
            "{english:?} in the French demo:\n{fr}"
        );
    }
}

#[test]
fn demo_json_and_its_data_directory() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("demo");
    let v = ok_json(
        Command::new(BIN)
            .args(["demo", "--json", "--data"])
            .arg(&data)
            .env_remove("LOYALTY_DATA")
            .output()
            .unwrap(),
    );
    assert_eq!(v["receipts"], 20);
    assert_eq!(v["balance"]["confirmed"], 1094);
    // A company invoice for the television, issued at the sync as a Peppol document.
    assert_eq!(v["invoice"]["status"], "issued");
    assert_eq!(v["invoice"]["peppol"], true);
    // The Plus membership, synced: active for a year, double points.
    assert_eq!(v["membership"]["status"], "active");
    assert_eq!(v["membership"]["days_left"], 365);
    assert_eq!(v["membership"]["points_for_43"], 86);
    // Both surveys answered offline and counted by the back office.
    assert_eq!(
        v["surveys"]["answered"],
        serde_json::json!(["visit-2026", "coffee-vote"])
    );
    assert_eq!(v["surveys"]["results"]["visit-2026"]["ratings"]["5"], 1);
    assert_eq!(
        v["surveys"]["results"]["coffee-vote"]["votes"]["espresso"],
        1
    );
    // The television's warranty line, proved on the phone and verified by the till.
    assert_eq!(v["warranty_proof"]["verified_by_till"], true);
    assert!(v["warranty_proof"]["length"].as_u64().unwrap() < 700);
    assert_eq!(v["redemption"]["network_requests_offline"], 0);
    assert_eq!(v["redemption"]["state_after_sync"], "redeemed");
    let kinds: Vec<&str> = v["reminders"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["kind"].as_str().unwrap())
        .collect();
    for k in [
        "Recall",
        "Replenishment",
        "Seasonal",
        "PostPurchase",
        "Recipe",
    ] {
        assert!(kinds.contains(&k), "{k} in {kinds:?}");
    }
    let list = &v["shopping_list"];
    assert_eq!(list["added_from_reminder"], "Dog food 12 kg");
    assert_eq!(
        list["left_with_the_receipt"],
        serde_json::json!(["Dog food 12 kg"])
    );
    assert_eq!(list["items"], serde_json::json!(["Birthday candles"]));
    assert!(list["usual"][0]["reason"]
        .as_str()
        .unwrap()
        .starts_with("You bought"));
    // The server's and the shopper's data stay in --data.
    assert!(data.join("server").join(loyalty_server::DB_FILE).is_file());
    assert!(data.join("shopper").join("secrets.json").is_file());
    // A directory that is not empty is refused (nothing overwritten).
    let e = fails(
        Command::new(BIN)
            .args(["demo", "--data"])
            .arg(&data)
            .env_remove("LOYALTY_DATA")
            .output()
            .unwrap(),
        2,
    );
    assert!(e.contains("not empty"), "{e}");
}

#[test]
fn sync_enrol_now_status_join_and_offline_claims() {
    let server = Server::start();
    let phone = tempfile::tempdir().unwrap();
    let url = server.url.as_str();

    let status = ok(run_in(phone.path(), &["sync", "status"]));
    assert!(status.contains("signed in    no"), "{status}");

    let enrolled = ok_json(run_in(
        phone.path(),
        &["--json", "sync", "--server", url, "enrol", "--name", "Sam"],
    ));
    let member = enrolled["member_id"].as_str().unwrap().to_string();
    let card = enrolled["card_number"].as_str().unwrap().to_string();
    let household = enrolled["household_code"].as_str().unwrap().to_string();
    // The card came with its secret: the rotating code draws.
    let shown = ok(run_in(phone.path(), &["card", "show"]));
    assert!(shown.contains(&card), "{shown}");

    // Enrolling twice is refused in one line.
    let e = fails(run_in(phone.path(), &["sync", "--server", url, "enrol"]), 4);
    assert!(e.len() < 300, "{e}");

    let now = ok(run_in(phone.path(), &["sync", "now"]));
    assert!(now.starts_with("synced\n"), "{now}");
    assert!(now.contains("requests"), "{now}");
    let report = ok_json(run_in(phone.path(), &["--json", "sync", "now"]));
    assert_eq!(report["cancelled"], false);
    assert!(report["requests"].as_u64().unwrap() >= 1, "{report}");

    // Points earned offline wait in the outbox until the next sync.
    let earned = ok(run_in(
        phone.path(),
        &["points", "earn-offline", "12", "--receipt", "r-till-1"],
    ));
    assert!(earned.contains("12 pending"), "{earned}");
    let status = ok(run_in(phone.path(), &["sync", "status"]));
    assert!(
        status.contains(&format!("signed in    yes, member {member} at {url}")),
        "{status}"
    );
    assert!(status.contains("outbox       1 waiting"), "{status}");
    assert!(status.contains("claim_points"), "{status}");
    assert!(status.contains("12 points for r-till-1"), "{status}");
    let state = ok_json(run_in(phone.path(), &["--json", "sync", "status"]));
    assert_eq!(state["pending_outbox"], 1);
    assert_eq!(state["signed_in"], true);
    assert!(state["last_synced_at"].is_string());
    // The server answers the claim (unknown receipt: refused or resolved, never lost).
    let after = ok_json(run_in(phone.path(), &["--json", "sync", "now"]));
    assert_eq!(
        after["outbox_resolved"].as_u64().unwrap() + after["outbox_failed"].as_u64().unwrap(),
        1,
        "{after}"
    );

    // A second device joins the household with the code.
    let tablet = tempfile::tempdir().unwrap();
    let joined = ok_json(run_in(
        tablet.path(),
        &["--json", "sync", "--server", url, "join", &household],
    ));
    assert_eq!(joined["member_id"].as_str(), Some(member.as_str()));
    ok(run_in(tablet.path(), &["sync", "now"]));
}

#[test]
fn sync_errors_are_one_line() {
    let dir = tempfile::tempdir().unwrap();
    // Not signed in: exit 8, and under --json the error is a JSON document too.
    let e = fails(run_in(dir.path(), &["sync", "now"]), 8);
    assert!(e.contains("not signed in") || e.contains("enrol"), "{e}");
    let doc = fails_json(run_in(dir.path(), &["--json", "sync", "now"]), 8);
    assert_eq!(doc["error"]["kind"], "unauthorized");
    // No server listening: a network failure has its own exit code (7), and loses nothing.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", closed.local_addr().unwrap());
    drop(closed);
    let e = fails(run_in(dir.path(), &["sync", "--server", &url, "enrol"]), 7);
    assert!(e.contains("cannot be reached"), "{e}");
    let doc = fails_json(
        run_in(dir.path(), &["sync", "--server", &url, "enrol", "--json"]),
        7,
    );
    assert_eq!(doc["error"]["kind"], "network");
    // A usage error under --json, before the command line is even understood.
    let doc = fails_json(run_in(dir.path(), &["--json", "sync", "--nope"]), 2);
    assert_eq!(doc["error"]["kind"], "invalid");
    // Not a URL; plain http off loopback.
    fails(
        run_in(dir.path(), &["sync", "--server", "not a url", "enrol"]),
        2,
    );
    fails(
        run_in(
            dir.path(),
            &["sync", "--server", "http://example.com", "enrol"],
        ),
        2,
    );
    // No server given.
    let e = fails(run_in(dir.path(), &["sync", "enrol"]), 2);
    assert!(e.contains("--server"), "{e}");
    // Nothing was enrolled by the failures.
    let s = ok(run_in(dir.path(), &["sync", "status"]));
    assert!(s.contains("signed in    no"), "{s}");
}

#[test]
fn account_export_then_delete_with_confirmation() {
    let server = Server::start();
    let phone = tempfile::tempdir().unwrap();
    let url = server.url.as_str();
    let enrolled = ok_json(run_in(
        phone.path(),
        &["--json", "sync", "--server", url, "enrol", "--name", "Sam"],
    ));
    let member = enrolled["member_id"].as_str().unwrap().to_string();

    let export = ok_json(run_in(phone.path(), &["--json", "account", "export"]));
    assert_eq!(export["format"], "loyalty-core-export/1");
    assert_eq!(export["member"]["member_id"], member.as_str());
    let file = phone.path().join("export.json");
    let written = ok_json(run_in(
        phone.path(),
        &[
            "--json",
            "account",
            "export",
            "--out",
            file.to_str().unwrap(),
        ],
    ));
    assert_eq!(written["receipts"], 0);
    let saved: serde_json::Value = serde_json::from_slice(&std::fs::read(&file).unwrap()).unwrap();
    assert_eq!(saved["member"]["member_id"], member.as_str());

    // Without --yes nothing happens: the confirmation text, exit 2.
    let e = fails(run_in(phone.path(), &["account", "delete"]), 2);
    assert!(e.contains("--yes"), "{e}");
    assert_eq!(
        ok_json(run_in(phone.path(), &["--json", "sync", "status"]))["signed_in"],
        true
    );
    let deleted = ok_json(run_in(
        phone.path(),
        &["--json", "account", "delete", "--yes"],
    ));
    assert_eq!(deleted["deleted"], true, "{deleted}");
    assert!(deleted["text"]["nl"]
        .as_str()
        .unwrap()
        .contains("verwijderd"));
    let status = ok_json(run_in(phone.path(), &["--json", "sync", "status"]));
    assert_eq!(status["signed_in"], false, "{status}");
    // Exit 8: not signed in (unauthorized), as every command that needs the account.
    let e = fails(run_in(phone.path(), &["account", "export"]), 8);
    assert!(e.contains("not signed in"), "{e}");
}
