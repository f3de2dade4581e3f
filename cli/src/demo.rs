//! `demo`: a shopper's year, end to end, in a few seconds. The reference server runs in-process on
//! loopback with a clock the demo moves (shared by server and app, so 15 months of shopping
//! replay instantly and nothing sleeps); the app enrols over the real HTTP sync, the demo plays
//! the till and the retailer's back office over the server's till and admin endpoints, and
//! everything printed comes back from the core or the server.

use crate::app::{print_stdout, CliError, CliResult, Ctx, Output};
use crate::http::TillApi;
use crate::secrets::FileSecretStore;
use chrono::{DateTime, Datelike, Duration, TimeZone, Timelike, Utc};
use clap::{Args, ValueEnum};
use loyalty_core::card::TotpAlgorithm;
use loyalty_core::points::ProgrammeRules;
use loyalty_core::reminders::{Caps, Category, Consent, Context, QuietHours, Settings};
use loyalty_core::render::{self, EcLevel, RenderOptions};
use loyalty_core::secrets::SecretStore;
use loyalty_core::wallet::{VoucherKind, VoucherState};
use loyalty_core::{Clock, LoyaltyClient, ManualClock, Money};
use loyalty_server::{start, ServerConfig};
use serde_json::{json, Value};
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::sync::Arc;

#[derive(Args)]
pub struct DemoArgs {
    /// Language of the reminders, dates and amounts.
    #[arg(long, value_enum, default_value_t = Lang::En)]
    pub lang: Lang,
}

#[derive(ValueEnum, Clone, Copy, PartialEq, Eq, Debug)]
pub enum Lang {
    Nl,
    Fr,
    En,
}

impl Lang {
    fn code(self) -> &'static str {
        match self {
            Lang::Nl => "nl",
            Lang::Fr => "fr",
            Lang::En => "en",
        }
    }
}

/// Brussels in winter: the shopper's local time for the dates shown and the reminder context.
const LOCAL_OFFSET_MINUTES: i32 = 60;
const STORE: &str = "Brussels Centre";
const RECALLED_LOT: &str = "L2612-30";

fn utc(y: i32, mo: u32, d: u32, h: u32, mi: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, mo, d, h, mi, 0)
        .single()
        .unwrap_or_default()
}

/// A GTIN-13 from its 12-digit body (the check digit computed).
fn gtin(body: u64) -> String {
    let body = format!("{body:012}");
    let check = loyalty_core::receipts::gs1_check_digit(&body);
    format!("{body}{check}")
}

/// One product on the shelf.
#[derive(Clone, Copy)]
struct Product {
    gtin: u64,
    name: &'static str,
    category: &'static str,
    price_minor: i64,
    warranty_months: Option<u32>,
}

const DOG_FOOD: Product = Product {
    gtin: 541_000_000_001,
    name: "Dog food 12 kg",
    category: "Pet food",
    price_minor: 3899,
    warranty_months: None,
};
const ROAD_SALT: Product = Product {
    gtin: 541_000_000_010,
    name: "Road salt 10 kg",
    category: "Road salt",
    price_minor: 849,
    warranty_months: None,
};
const OYSTERS: Product = Product {
    gtin: 541_000_000_020,
    name: "Zeeland oysters, 12 pcs",
    category: "Seafood",
    price_minor: 1795,
    warranty_months: None,
};
const WINE: Product = Product {
    gtin: 541_000_000_030,
    name: "Crémant de Loire",
    category: "Wine",
    price_minor: 1299,
    warranty_months: None,
};
const TV: Product = Product {
    gtin: 541_000_000_060,
    name: "55\" 4K television",
    category: "TV",
    price_minor: 39900,
    warranty_months: Some(24),
};
const SPAGHETTI: Product = Product {
    gtin: 541_000_000_050,
    name: "Spaghetti 500 g",
    category: "Pasta",
    price_minor: 189,
    warranty_months: None,
};
const BASIL: Product = Product {
    gtin: 541_000_000_040,
    name: "Fresh basil",
    category: "Herbs",
    price_minor: 199,
    warranty_months: None,
};
const PINE_NUTS: Product = Product {
    gtin: 541_000_000_041,
    name: "Pine nuts 100 g",
    category: "Nuts",
    price_minor: 349,
    warranty_months: None,
};
const TOMATOES: Product = Product {
    gtin: 541_000_000_051,
    name: "Vine tomatoes 500 g",
    category: "Tomatoes",
    price_minor: 279,
    warranty_months: None,
};

/// A till purchase in the replay: when, and what (product, quantity, lot).
struct Visit {
    at: DateTime<Utc>,
    lines: Vec<(Product, i64, Option<&'static str>)>,
}

/// The shopper's 15 months: dog food every ~4 weeks, road salt last November before the first
/// frost, a TV after Christmas, wine before New Year's Eve, oysters (the recalled lot) and the
/// ingredients of a pasta on 30 December.
fn shopping() -> Vec<Visit> {
    let mut visits = Vec::new();
    let gaps = [28, 27, 29, 28, 26, 30, 28];
    // Backwards from the last bag, bought early December: it runs out early January.
    let mut at = utc(2026, 12, 6, 9, 40);
    let mut i = 0;
    while at >= start_time() {
        visits.push(Visit {
            at,
            lines: vec![(DOG_FOOD, 1, None)],
        });
        at -= Duration::days(gaps[i % gaps.len()]);
        i += 1;
    }
    visits.push(Visit {
        at: utc(2025, 11, 12, 8, 15),
        lines: vec![(ROAD_SALT, 2, None)],
    });
    visits.push(Visit {
        at: utc(2026, 12, 28, 14, 5),
        lines: vec![(TV, 1, None)],
    });
    visits.push(Visit {
        at: utc(2026, 12, 29, 16, 20),
        lines: vec![(WINE, 2, None)],
    });
    visits.push(Visit {
        at: utc(2026, 12, 30, 9, 10),
        lines: vec![
            (OYSTERS, 2, Some(RECALLED_LOT)),
            (SPAGHETTI, 1, None),
            (BASIL, 1, None),
            (PINE_NUTS, 1, None),
            (TOMATOES, 1, None),
        ],
    });
    visits.sort_by_key(|v| v.at);
    visits
}

fn start_time() -> DateTime<Utc> {
    utc(2025, 10, 1, 9, 0)
}
fn vouchers_issued_at() -> DateTime<Utc> {
    utc(2026, 12, 20, 10, 0)
}
/// "Now" at the end of the replay: the evening of 30 December 2026.
fn demo_now() -> DateTime<Utc> {
    utc(2026, 12, 30, 17, 30)
}

/// The vouchers the retailer issues (admin API): one to redeem, one about to expire, an
/// invitation to the members' pre-sale evening.
fn vouchers() -> Vec<Value> {
    vec![
        json!({
            "kind": {"type": "amount_off", "amount": {"amount_minor": 500, "currency": "EUR"},
                     "min_spend": {"amount_minor": 2500, "currency": "EUR"}},
            "title": "€5 off your next shop",
            "description": "From €25. Thank you for a year with us.",
            "valid_until": "2027-01-31T22:59:59Z"
        }),
        json!({
            "kind": {"type": "percent_off", "percent": 10,
                     "max_discount": {"amount_minor": 1000, "currency": "EUR"}},
            "title": "10% off pet food",
            "valid_until": "2027-01-03T22:59:59Z"
        }),
        json!({
            // Short names: the signed code must stay within the 512 bytes the app accepts.
            "kind": {"type": "event_invitation", "event_name": "Pre-sale evening",
                     "location": STORE, "starts_at": "2027-01-07T17:00:00Z",
                     "ends_at": "2027-01-07T20:00:00Z"},
            "title": "Members' pre-sale evening",
            "valid_until": "2027-01-07T20:00:00Z"
        }),
    ]
}

/// The reminder rules feed (`reminder-rules`).
fn rules_feed() -> Value {
    json!({"version": 1, "rules": [
        {"id": "dog-food", "kind": "replenishment", "products": {"categories": ["pet food"]},
         "lead_days": 3},
        {"id": "road-salt", "kind": "seasonal", "products": {"categories": ["road salt"]},
         "season": {"from": "10-15", "to": "02-28"},
         "label": {"en": "road salt", "nl": "strooizout", "fr": "sel de déneigement"},
         "gates": [{"type": "forecast_min_temp_at_most", "c_tenths": 0}]},
        {"id": "recipes", "kind": "recipes", "max_suggestions": 2},
        {"id": "after-sale", "kind": "post_purchase"},
        {"id": "voucher-expiry", "kind": "voucher_expiry", "days_before": [7, 1]},
        {"id": "tier", "kind": "tier_progress", "max_points_to_next": 500},
        {"id": "events", "kind": "event_invitation", "days_before": 1},
        {"id": "welcome", "kind": "welcome"},
        {"id": "second-purchase", "kind": "second_purchase", "after_days": 14},
        {"id": "win-back", "kind": "win_back", "inactive_days": 60},
        {"id": "survey", "kind": "survey", "delay_hours": 48}
    ]})
}

/// The catalogue feeds: `recipes`, `post-purchase` and `recalls` (one catalogue document each).
fn catalogue_feeds(now: DateTime<Utc>) -> Vec<(&'static str, Value)> {
    vec![
        (
            "recipes",
            json!({"version": 1, "recipes": [
                {"id": "pesto-pasta",
                 "title": {"en": "Pasta with pesto", "nl": "Pasta met pesto", "fr": "Pâtes au pesto"},
                 "ingredients": [{"categories": ["pasta"]}, {"categories": ["herbs"]},
                                 {"categories": ["nuts"]}]},
                {"id": "tomato-pasta",
                 "title": {"en": "Tomato pasta", "nl": "Pasta met tomaat", "fr": "Pâtes à la tomate"},
                 "body": {"en": "Ready in 15 minutes.", "nl": "Klaar in 15 minuten.",
                          "fr": "Prêtes en 15 minutes."},
                 "ingredients": [{"categories": ["pasta"]}, {"categories": ["tomatoes"]}]}
            ]}),
        ),
        (
            "post-purchase",
            json!({"version": 1, "content": [
                {"id": "wine-serving", "products": {"categories": ["wine"]},
                 "delay_hours": 24, "valid_hours": 72,
                 "title": {"en": "Serving your sparkling wine", "nl": "Je schuimwijn serveren",
                           "fr": "Servir votre crémant"},
                 "body": {"en": "Chill it to 6–8 °C and open it at an angle.",
                          "nl": "Koel hem tot 6–8 °C en open de fles schuin.",
                          "fr": "Servez-le entre 6 et 8 °C et ouvrez la bouteille inclinée."}},
                {"id": "tv-setup", "products": {"categories": ["tv"]},
                 "delay_hours": 24, "valid_hours": 168, "category": "service",
                 "title": {"en": "Setting up your new TV", "nl": "Je nieuwe tv instellen",
                           "fr": "Installer votre nouveau téléviseur"},
                 "body": {"en": "Run the channel search, then switch the picture to Filmmaker mode.",
                          "nl": "Zoek eerst de zenders, zet het beeld daarna op Filmmaker-modus.",
                          "fr": "Lancez la recherche des chaînes, puis passez l'image en mode Filmmaker."}}
            ]}),
        ),
        (
            "recalls",
            json!({"version": 1, "recalls": [
                {"id": "R-2026-014", "gtins": [gtin(OYSTERS.gtin)], "lots": [RECALLED_LOT],
                 "sold_from": "2026-12-27T00:00:00Z", "sold_until": "2026-12-31T23:00:00Z",
                 "published_at": (now - Duration::minutes(30)).to_rfc3339(),
                 "product": {"en": "Zeeland oysters", "nl": "Zeeuwse oesters",
                             "fr": "Huîtres de Zélande"},
                 "instructions": {"en": "Do not eat them; bring them back for a refund.",
                                  "nl": "Eet ze niet op; breng ze terug voor terugbetaling.",
                                  "fr": "Ne les consommez pas ; rapportez-les pour un remboursement."},
                 "urgent": true}
            ]}),
        ),
    ]
}

/// Prints as it goes (people), or stays quiet for `--json` (one document at the end).
struct Out {
    quiet: bool,
    progress: bool,
}

impl Out {
    fn line(&self, text: impl AsRef<str>) -> CliResult<()> {
        if self.quiet {
            return Ok(());
        }
        print_stdout(format!("{}\n", text.as_ref()).as_bytes())
    }

    fn section(&self, title: &str) -> CliResult<()> {
        self.line(format!("\n{title}\n{}", "─".repeat(title.chars().count())))
    }

    /// A progress line redrawn in place on a terminal.
    fn progress(&self, text: &str) -> CliResult<()> {
        if self.quiet || !self.progress {
            return Ok(());
        }
        print_stdout(format!("\r{text}\x1b[K").as_bytes())
    }

    fn end_progress(&self, text: &str) -> CliResult<()> {
        if self.quiet {
            return Ok(());
        }
        if self.progress {
            print_stdout(format!("\r{text}\x1b[K\n").as_bytes())
        } else {
            self.line(text)
        }
    }
}

pub fn run(ctx: &Ctx, data: Option<PathBuf>, a: DemoArgs) -> CliResult<Option<Output>> {
    // A fresh directory of the demo's own: a temporary one, or `--data` (empty or new).
    let tmp;
    let temporary = data.is_none();
    let root: PathBuf = match data {
        Some(dir) => {
            if dir.exists()
                && std::fs::read_dir(&dir)
                    .map_err(|e| CliError::storage(format!("cannot read {}: {e}", dir.display())))?
                    .next()
                    .is_some()
            {
                return Err(CliError::invalid(format!(
                    "{} is not empty: the demo needs a new or empty directory",
                    dir.display()
                )));
            }
            std::fs::create_dir_all(&dir)
                .map_err(|e| CliError::storage(format!("cannot create {}: {e}", dir.display())))?;
            dir
        }
        None => {
            tmp = tempfile::Builder::new()
                .prefix("loyalty-demo-")
                .tempdir()
                .map_err(|e| {
                    CliError::storage(format!("cannot create a temporary directory: {e}"))
                })?;
            tmp.path().to_path_buf()
        }
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| CliError::other(format!("cannot start the runtime: {e}")))?;
    let out = Out {
        quiet: ctx.json,
        progress: std::io::stdout().is_terminal(),
    };
    let clock = Arc::new(ManualClock::new(start_time()));
    let shared: Arc<dyn Clock> = clock.clone();
    let mut config = ServerConfig::new(root.join("server"));
    config.now = shared.clone();
    config.totp_algorithm = TotpAlgorithm::Sha1;
    let server = runtime
        .block_on(start(config))
        .map_err(|e| CliError::other(format!("the demo server: {e}")))?;
    let till = TillApi::new(server.addr, server.till_token());
    let base_url = server.base_url();
    let key = server.public_key_hex().to_string();
    let result = Demo::shopper(
        &root, temporary, a.lang, &out, clock, shared, till, &base_url, &key,
    );
    // The server stops in every case, the demo's data directory is left as it is.
    runtime.block_on(server.shutdown());
    let summary = result?;
    Ok(ctx.json.then(|| Output::new(summary, String::new())))
}

struct Demo<'a> {
    lang: Lang,
    out: &'a Out,
    clock: Arc<ManualClock>,
    client: LoyaltyClient,
    till: TillApi,
    card_number: String,
    member_id: String,
}

impl Demo<'_> {
    #[allow(clippy::too_many_arguments)]
    fn shopper(
        root: &Path,
        temporary: bool,
        lang: Lang,
        out: &Out,
        clock: Arc<ManualClock>,
        shared: Arc<dyn Clock>,
        till: TillApi,
        base_url: &str,
        public_key: &str,
    ) -> CliResult<Value> {
        out.line("Loyalty Core demo: fifteen months of a shopper's life, replayed in seconds")?;
        out.line("══════════════════════════════════════════════════════════════════════════")?;
        out.section("Reference server (in-process)")?;
        out.line(format!("  listening   {base_url}"))?;
        out.line(format!(
            "  data        {}{}",
            root.display(),
            if temporary {
                "  (temporary: removed at the end; keep it with --data DIR)"
            } else {
                ""
            }
        ))?;
        out.line(format!(
            "  voucher key {}…  (Ed25519: tills check voucher codes offline)",
            &public_key[..public_key.len().min(16)]
        ))?;
        out.line(format!(
            "  clock       injected, shared by server and app; starts {}",
            date_time(lang, clock.now())
        ))?;

        let app_dir = root.join("shopper");
        std::fs::create_dir_all(&app_dir)
            .map_err(|e| CliError::storage(format!("cannot create {}: {e}", app_dir.display())))?;
        let secrets: Arc<dyn SecretStore> =
            Arc::new(FileSecretStore::new(app_dir.join(crate::app::SECRETS_FILE)));
        let client =
            LoyaltyClient::open(&app_dir, ProgrammeRules::default(), shared, Some(secrets))?;
        let sync = client.sync();
        out.section("Enrolment (the app, over the real HTTP sync)")?;
        let enrolment = sync
            .runtime_handle()?
            .block_on(sync.enrol(base_url.to_string(), Some("Sam".into())))?;
        let card = enrolment
            .card
            .clone()
            .or(client.card().member_card()?)
            .ok_or_else(|| CliError::other("enrolment left no member card on the device"))?;
        out.line(format!("  member      {}", enrolment.member_id))?;
        out.line(format!(
            "  card        {}  (rotating code: TOTP {}, {} digits, every {} s)",
            card.card_number,
            match card.params.algorithm {
                TotpAlgorithm::Sha1 => "SHA-1",
                TotpAlgorithm::Sha256 => "SHA-256",
                TotpAlgorithm::Sha512 => "SHA-512",
            },
            card.params.digits,
            card.params.period_millis / 1000
        ))?;
        out.line(format!(
            "  household   a code to add a second device is in the secure store ({})",
            if sync.household_code()?.is_some() {
                "kept"
            } else {
                "none"
            }
        ))?;
        let demo = Demo {
            lang,
            out,
            clock,
            client,
            till,
            card_number: card.card_number.clone(),
            member_id: enrolment.member_id.clone(),
        };
        demo.rest()
    }

    fn rest(&self) -> CliResult<Value> {
        let lang = self.lang;
        let out = self.out;
        // ---- shopping --------------------------------------------------------------------
        out.section("Shopping at the till (the server's till API)")?;
        let visits = shopping();
        let first = visits.first().map(|v| v.at).unwrap_or_else(start_time);
        let last = visits.last().map(|v| v.at).unwrap_or_else(demo_now);
        let months =
            (last.year() - first.year()) * 12 + last.month() as i32 - first.month() as i32 + 1;
        let mut points_earned = 0i64;
        let mut dog_points = 0i64;
        let mut spent = 0i64;
        let mut receipts = 0usize;
        let mut issued: Vec<Value> = Vec::new();
        let mut notable = Vec::new();
        let mut vouchers_done = false;
        for (n, v) in visits.iter().enumerate() {
            if !vouchers_done && v.at >= vouchers_issued_at() {
                issued = self.issue_vouchers()?;
                vouchers_done = true;
            }
            self.clock.set(v.at);
            let lines: Vec<Value> = v
                .lines
                .iter()
                .map(|(p, qty, lot)| {
                    json!({
                        "gtin": gtin(p.gtin), "name": p.name, "quantity": qty,
                        "unit_price": {"amount_minor": p.price_minor, "currency": "EUR"},
                        "category": p.category, "lot": lot, "warranty_months": p.warranty_months,
                    })
                })
                .collect();
            let result = self.till.call(
                "POST",
                "/v1/till/purchases",
                Some(
                    &json!({"card": self.card_number, "store_name": STORE, "lines": lines,
                             "return_window_days": 30}),
                ),
                Some(&format!("demo-purchase-{n}")),
            )?;
            let earned = result["points_earned"].as_i64().unwrap_or(0);
            let total: i64 = v.lines.iter().map(|(p, q, _)| p.price_minor * q).sum();
            points_earned += earned;
            if v.lines.iter().all(|(p, _, _)| p.gtin == DOG_FOOD.gtin) {
                dog_points += earned;
            }
            spent += total;
            receipts += 1;
            if v.lines.iter().any(|(p, _, _)| p.gtin != DOG_FOOD.gtin) {
                let what = v
                    .lines
                    .iter()
                    .map(|(p, q, lot)| {
                        let mut s = if *q > 1 {
                            format!("{q} × {}", p.name)
                        } else {
                            p.name.to_string()
                        };
                        if let Some(l) = lot {
                            s.push_str(&format!(" (lot {l})"));
                        }
                        s
                    })
                    .collect::<Vec<_>>()
                    .join(", ");
                notable.push((v.at, what, total, earned));
            }
            self.out.progress(&format!(
                "  Replaying {months} months of shopping… {receipts} receipts"
            ))?;
        }
        if !vouchers_done {
            issued = self.issue_vouchers()?;
        }
        let dog = visits
            .iter()
            .filter(|v| v.lines.iter().any(|(p, _, _)| p.gtin == DOG_FOOD.gtin))
            .collect::<Vec<_>>();
        out.end_progress(&format!(
            "  Replayed {months} months of shopping: {receipts} receipts, {} spent, {} points earned",
            money(lang, spent),
            number(lang, points_earned)
        ))?;
        let row = |when: &str, what: &str, total: &str, points: &str| -> CliResult<()> {
            let wrapped = wrap(what, 46);
            for (i, part) in wrapped.iter().enumerate() {
                if i == 0 {
                    out.line(format!("  {when:<25} {part:<46} {total:>10} {points:>7}"))?;
                } else {
                    out.line(format!("  {:<25} {part}", ""))?;
                }
            }
            Ok(())
        };
        row("when", "what", "total", "points")?;
        if let (Some(f), Some(l)) = (dog.first(), dog.last()) {
            row(
                &format!("{} – {}", short_date(lang, f.at), short_date(lang, l.at)),
                &format!("{} × {} (about every 4 weeks)", dog.len(), DOG_FOOD.name),
                &money(lang, DOG_FOOD.price_minor * dog.len() as i64),
                &format!("+{dog_points}"),
            )?;
        }
        for (at, what, total, earned) in &notable {
            row(
                &short_date_time(lang, *at),
                what,
                &money(lang, *total),
                &format!("+{earned}"),
            )?;
        }
        out.line(format!(
            "  vouchers issued on {} (admin API, signed by the server):",
            date(lang, vouchers_issued_at())
        ))?;
        for v in &issued {
            out.line(format!("    · {}", v["title"].as_str().unwrap_or_default()))?;
        }

        // ---- content ---------------------------------------------------------------------
        self.clock.set(demo_now());
        let now = demo_now();
        out.section("Reminder content (published by the retailer)")?;
        let mut published = vec![("reminder-rules", rules_feed())];
        published.extend(catalogue_feeds(now));
        for (kind, body) in &published {
            let put = self.till.call(
                "PUT",
                &format!("/v1/admin/content/{kind}"),
                Some(body),
                None,
            )?;
            let count = ["rules", "recipes", "content", "recalls"]
                .iter()
                .filter_map(|k| body[k].as_array())
                .map(Vec::len)
                .sum::<usize>();
            out.line(format!(
                "  {:<16} version {:<3} {count} item{}",
                kind,
                put["version"].as_u64().unwrap_or(0),
                if count == 1 { "" } else { "s" }
            ))?;
        }

        // ---- sync ------------------------------------------------------------------------
        out.section("Sync")?;
        let sync = self.client.sync();
        let report = sync.sync_now_blocking()?;
        out.line(format!(
            "  {} ledger entries, {} vouchers, {} receipts and {} content feeds applied in {} HTTP requests",
            report.ledger_applied,
            report.vouchers_applied,
            report.receipts_applied,
            report.content_updated,
            report.requests
        ))?;
        for refused in &report.content_rejected {
            out.line(format!("  refused: {refused}"))?;
        }

        // ---- card ------------------------------------------------------------------------
        out.section("Your card at the till")?;
        let till_card = self
            .client
            .card()
            .till_card(EcLevel::Medium, &RenderOptions::default())?;
        let text = render::to_text(
            &till_card.matrix,
            &RenderOptions {
                scale: 1,
                ..RenderOptions::default()
            },
        );
        for l in text.lines() {
            out.line(format!("  {l}"))?;
        }
        let code = &till_card.code;
        out.line(format!("  code        {}", code.payload))?;
        out.line(format!(
            "  valid       {} – {} ({} s; the app redraws it then, offline)",
            time(lang, code.valid_from),
            time(lang, code.valid_until),
            (code.valid_until - code.valid_from).num_seconds()
        ))?;

        // ---- points ----------------------------------------------------------------------
        out.section("Points")?;
        let balance = self.client.points().balance()?;
        let tier = self.client.points().tier()?;
        out.line(format!(
            "  balance     {} points ({} available, {} pending)",
            number(lang, balance.confirmed),
            number(lang, balance.available()),
            number(lang, balance.pending_credit + balance.pending_debit)
        ))?;
        let next = match (&tier.next_tier, tier.points_to_next_tier) {
            (Some(t), Some(p)) => format!(", {} points to {t}", number(lang, p)),
            _ => ", the highest tier".to_string(),
        };
        out.line(format!(
            "  tier        {} ({} qualifying points since {}{next})",
            tier.tier,
            number(lang, tier.qualifying_points),
            date(lang, tier.window_start)
        ))?;
        for w in self.client.receipts().active_warranties()? {
            out.line(format!(
                "  warranty    {} until {} (receipt kept as proof of purchase)",
                w.name,
                date(lang, w.warranty_until)
            ))?;
        }

        // ---- wallet ----------------------------------------------------------------------
        out.section("Wallet: usable now")?;
        let usable = self.client.wallet().usable_now()?;
        out.line(format!(
            "  {:<30} {:<32} {}",
            "voucher", "value", "valid until"
        ))?;
        for v in &usable {
            out.line(format!(
                "  {:<30} {:<32} {}",
                v.title,
                voucher_value(lang, &v.kind),
                date_time(lang, v.valid_until)
            ))?;
        }

        // ---- offline redemption ----------------------------------------------------------
        let pick = usable
            .iter()
            .find(|v| matches!(v.kind, VoucherKind::AmountOff { .. }))
            .or(usable.first())
            .ok_or_else(|| CliError::other("the wallet has no usable voucher to redeem"))?;
        out.section(&format!("Redeeming \"{}\" offline", pick.title))?;
        let before = sync.requests_made();
        let redemption = self.client.wallet().begin_redemption(&pick.id)?;
        let during = sync.requests_made() - before;
        let shown = &redemption.voucher.code;
        out.line(format!(
            "  code at the till  {}…{}",
            &shown[..shown.len().min(24)],
            &shown[shown.len().saturating_sub(8)..]
        ))?;
        out.line(format!(
            "  state             {}  · outbox: {} waiting · network requests: {during}",
            state_name(&redemption.voucher.state),
            self.client.wallet().pending_redemptions()?.len()
        ))?;
        let report2 = sync.sync_now_blocking()?;
        let after = self.client.wallet().get(&pick.id)?;
        out.line(format!(
            "  after sync        {} · {} outbox item resolved · {} waiting",
            state_name(&after.state),
            report2.outbox_resolved,
            sync.state().pending_outbox
        ))?;

        // ---- reminders -------------------------------------------------------------------
        out.section(&format!(
            "Reminders planned for the coming weeks (language: {})",
            lang.code()
        ))?;
        let reminders = self.client.reminders();
        reminders.set_settings(Settings {
            language: lang.code().into(),
            consent: Consent {
                marketing: true,
                service: true,
                safety: true,
            },
            quiet_hours: Some(QuietHours {
                start_minute: 22 * 60,
                end_minute: 8 * 60,
            }),
            caps: Caps::default(),
            horizon_days: 30,
        })?;
        reminders.set_context(Context {
            local_utc_offset_minutes: LOCAL_OFFSET_MINUTES,
            forecast_min_temp_c_tenths: Some(-30),
            ..Context::default()
        })?;
        out.line(format!(
            "  context: {}, frost forecast tonight (−3 °C); quiet hours 22:00–08:00; consent to all",
            date_time(lang, now)
        ))?;
        let plan = reminders.plan()?;
        for n in &plan.items {
            out.line(String::new())?;
            out.line(format!(
                "  {:<28} {} [{}]",
                date_time(lang, n.at),
                n.title,
                category_name(n.category)
            ))?;
            for l in wrap(&n.body, 72) {
                out.line(format!("  {:<28} {l}", ""))?;
            }
            let why = match lang {
                Lang::En => "why:",
                Lang::Nl => "waarom:",
                Lang::Fr => "pourquoi :",
            };
            let pad = " ".repeat(why.chars().count() + 1);
            for (i, l) in wrap(&format!("{why} {}", n.reason), 72).iter().enumerate() {
                let l = if i == 0 {
                    l.clone()
                } else {
                    format!("{pad}{l}")
                };
                out.line(format!("  {:<28} {l}", ""))?;
            }
        }
        if !plan.suppressed.is_empty() {
            let list = plan
                .suppressed
                .iter()
                .map(|s| format!("{} ({})", s.rule_id, snake(&format!("{:?}", s.why))))
                .collect::<Vec<_>>()
                .join(", ");
            out.line(String::new())?;
            for (i, l) in wrap(&format!("held back by the policy: {list}"), 100)
                .iter()
                .enumerate()
            {
                out.line(format!("  {}{l}", if i == 0 { "" } else { "  " }))?;
            }
        }
        out.line(format!(
            "\n  {} notifications to schedule; plan again at {}",
            plan.items.len(),
            date_time(lang, plan.recompute_at)
        ))?;
        out.line("\nDone: server and app ran on one injected clock; nothing slept.")?;

        Ok(json!({
            "member_id": self.member_id,
            "card_number": self.card_number,
            "receipts": receipts,
            "points_earned": points_earned,
            "balance": {"confirmed": balance.confirmed, "available": balance.available()},
            "tier": {"tier": tier.tier, "next_tier": tier.next_tier,
                     "points_to_next_tier": tier.points_to_next_tier},
            "code": {"payload": code.payload, "valid_until": code.valid_until},
            "usable_vouchers": usable.iter().map(|v| json!({"id": v.id, "title": v.title})).collect::<Vec<_>>(),
            "redemption": {"voucher_id": pick.id, "network_requests_offline": during,
                           "state_after_sync": state_name(&after.state)},
            "reminders": plan.items.iter().map(|n| json!({
                "id": n.id, "at": n.at, "title": n.title, "body": n.body, "reason": n.reason,
                "kind": format!("{:?}", n.kind), "category": category_name(n.category),
            })).collect::<Vec<_>>(),
        }))
    }

    fn issue_vouchers(&self) -> CliResult<Vec<Value>> {
        self.clock.set(vouchers_issued_at());
        vouchers()
            .iter()
            .enumerate()
            .map(|(i, body)| {
                self.till.call(
                    "POST",
                    &format!("/v1/admin/members/{}/vouchers", self.member_id),
                    Some(body),
                    Some(&format!("demo-voucher-{i}")),
                )
            })
            .collect()
    }
}

fn snake(debug_name: &str) -> String {
    let mut s = String::new();
    for (i, c) in debug_name.chars().enumerate() {
        if c.is_uppercase() && i > 0 {
            s.push(' ');
        }
        s.push(c.to_ascii_lowercase());
    }
    s
}

fn category_name(c: Category) -> &'static str {
    match c {
        Category::Marketing => "marketing",
        Category::Service => "service",
        Category::Safety => "safety",
    }
}

fn state_name(s: &VoucherState) -> String {
    match s {
        VoucherState::Available => "available".into(),
        VoucherState::Redeeming { .. } => "redeeming (waiting for the server)".into(),
        VoucherState::Redeemed { .. } => "redeemed".into(),
        VoucherState::Expired => "expired".into(),
        #[allow(unreachable_patterns)]
        other => snake(&format!("{other:?}")),
    }
}

fn voucher_value(lang: Lang, k: &VoucherKind) -> String {
    match k {
        VoucherKind::AmountOff { amount, min_spend } => match min_spend {
            Some(m) => format!("{} off from {}", money_of(lang, amount), money_of(lang, m)),
            None => format!("{} off", money_of(lang, amount)),
        },
        VoucherKind::PercentOff {
            percent,
            max_discount,
        } => match max_discount {
            Some(m) => format!("{percent}% off (at most {})", money_of(lang, m)),
            None => format!("{percent}% off"),
        },
        VoucherKind::FreeProduct { product_name, .. } => format!("free {product_name}"),
        VoucherKind::PointsMultiplier { multiplier } => format!("{multiplier}× points"),
        VoucherKind::EventInvitation { starts_at, .. } => {
            format!("invitation, {}", short_date_time(lang, *starts_at))
        }
    }
}

fn money_of(lang: Lang, m: &Money) -> String {
    if m.currency == "EUR" {
        money(lang, m.amount_minor)
    } else {
        format!(
            "{} {}.{:02}",
            m.currency,
            m.amount_minor / 100,
            m.amount_minor.rem_euclid(100)
        )
    }
}

/// Euros from cents as the language writes them: €12.34, € 12,34, 12,34 €.
pub fn money(lang: Lang, minor: i64) -> String {
    let sign = if minor < 0 { "-" } else { "" };
    let (units, cents) = (minor.abs() / 100, minor.abs() % 100);
    let grouped = number(lang, units);
    match lang {
        Lang::En => format!("{sign}€{grouped}.{cents:02}"),
        Lang::Nl => format!("{sign}€ {grouped},{cents:02}"),
        Lang::Fr => format!("{sign}{grouped},{cents:02} €"),
    }
}

/// An integer with the language's thousands separator.
fn number(lang: Lang, n: i64) -> String {
    let sep = match lang {
        Lang::En => ',',
        Lang::Nl => '.',
        Lang::Fr => '\u{202f}',
    };
    let g = group(n.abs(), sep);
    if n < 0 {
        format!("-{g}")
    } else {
        g
    }
}

fn group(n: i64, sep: char) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(sep);
        }
        out.push(c);
    }
    out
}

fn local(t: DateTime<Utc>) -> DateTime<Utc> {
    t + Duration::minutes(i64::from(LOCAL_OFFSET_MINUTES))
}

const MONTHS: [[&str; 12]; 3] = [
    [
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ],
    [
        "januari",
        "februari",
        "maart",
        "april",
        "mei",
        "juni",
        "juli",
        "augustus",
        "september",
        "oktober",
        "november",
        "december",
    ],
    [
        "janvier",
        "février",
        "mars",
        "avril",
        "mai",
        "juin",
        "juillet",
        "août",
        "septembre",
        "octobre",
        "novembre",
        "décembre",
    ],
];
const WEEKDAYS: [[&str; 7]; 3] = [
    ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"],
    ["ma", "di", "wo", "do", "vr", "za", "zo"],
    ["lun.", "mar.", "mer.", "jeu.", "ven.", "sam.", "dim."],
];

fn lang_index(lang: Lang) -> usize {
    match lang {
        Lang::En => 0,
        Lang::Nl => 1,
        Lang::Fr => 2,
    }
}

/// "Wed 30 December 2026" (local time).
pub fn date(lang: Lang, t: DateTime<Utc>) -> String {
    let l = local(t);
    let i = lang_index(lang);
    format!(
        "{} {} {} {}",
        WEEKDAYS[i][l.weekday().num_days_from_monday() as usize],
        l.day(),
        MONTHS[i][l.month0() as usize],
        l.year()
    )
}

/// "30 Dec 2026" (local time), for compact columns.
fn short_date(lang: Lang, t: DateTime<Utc>) -> String {
    let l = local(t);
    let month: String = MONTHS[lang_index(lang)][l.month0() as usize]
        .chars()
        .take(3)
        .collect();
    format!("{} {month} {}", l.day(), l.year())
}

fn short_date_time(lang: Lang, t: DateTime<Utc>) -> String {
    let l = local(t);
    format!("{} {:02}:{:02}", short_date(lang, t), l.hour(), l.minute())
}

/// Words in lines of at most `width` characters (a longer word gets a line of its own).
fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    let mut current = String::new();
    for word in text.split(' ') {
        let len = current.chars().count();
        if len > 0 && len + 1 + word.chars().count() > width {
            lines.push(std::mem::take(&mut current));
        }
        if !current.is_empty() {
            current.push(' ');
        }
        current.push_str(word);
    }
    lines.push(current);
    lines
}

fn time(_lang: Lang, t: DateTime<Utc>) -> String {
    let l = local(t);
    format!("{:02}:{:02}:{:02}", l.hour(), l.minute(), l.second())
}

/// "Wed 30 December 2026, 18:30" (local time).
pub fn date_time(lang: Lang, t: DateTime<Utc>) -> String {
    let l = local(t);
    format!("{}, {:02}:{:02}", date(lang, t), l.hour(), l.minute())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn money_and_dates_read_as_each_language_writes_them() {
        assert_eq!(money(Lang::En, 123_456), "€1,234.56");
        assert_eq!(money(Lang::Nl, 1234), "€ 12,34");
        assert_eq!(money(Lang::Fr, 5), "0,05 €");
        let t = utc(2026, 12, 30, 17, 30);
        assert_eq!(date_time(Lang::En, t), "Wed 30 December 2026, 18:30");
        assert_eq!(date(Lang::Nl, t), "wo 30 december 2026");
        assert_eq!(date(Lang::Fr, t), "mer. 30 décembre 2026");
    }

    #[test]
    fn the_gtins_are_valid() {
        for p in [
            DOG_FOOD, ROAD_SALT, OYSTERS, WINE, TV, SPAGHETTI, BASIL, PINE_NUTS, TOMATOES,
        ] {
            assert!(loyalty_core::receipts::validate_gtin(&gtin(p.gtin)).is_ok());
        }
    }
}
