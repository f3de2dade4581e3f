//! Texts in English, Dutch and French through Project Fluent (CLDR plural rules per language),
//! with the regional variants Belgian Dutch and Belgian French.
//!
//! The `.ftl` files live in `domain/locales/{en,nl,fr}/reminders.ftl` and are compiled in; a
//! regional variant's bundle is its base language's file overlaid with
//! `domain/locales/{nl-BE,fr-BE}/reminders.ftl`, which holds only the messages whose words differ
//! ("kasticket" for "kassabon"). Lookup falls back from the requested variant to its base
//! language, then to English, message by message; a message missing everywhere renders as its id
//! (never a panic). Bidi isolation marks are off: the texts go to the platform's notification
//! centre as they are.

use super::candidates::{Candidate, Forecast, Name, Text};
use super::plan::{ListOffer, PlannedNotification};
use super::time::{date_of_day, to_utc, Tz};
use super::vocab::{Category, Lang, Selector};
use chrono::Datelike;
use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource, FluentValue};
use std::sync::OnceLock;
use unic_langid::LanguageIdentifier;

pub(crate) const SOURCES: [(Lang, &str); 3] = [
    (Lang::En, include_str!("../../locales/en/reminders.ftl")),
    (Lang::Nl, include_str!("../../locales/nl/reminders.ftl")),
    (Lang::Fr, include_str!("../../locales/fr/reminders.ftl")),
];

/// The regional overlays: only the messages a variant words differently from its base language.
pub(crate) const OVERLAYS: [(Lang, &str); 2] = [
    (
        Lang::NlBe,
        include_str!("../../locales/nl-BE/reminders.ftl"),
    ),
    (
        Lang::FrBe,
        include_str!("../../locales/fr-BE/reminders.ftl"),
    ),
];

/// The Fluent bundles of every [`Lang`], with English as each message's fallback.
pub struct Localizer {
    bundles: Vec<(Lang, FluentBundle<FluentResource>)>,
    /// Problems found while loading the embedded files (tests require none).
    #[cfg_attr(not(test), allow(dead_code))]
    pub(crate) load_errors: Vec<String>,
}

#[cfg(test)]
pub(crate) fn build_from(sources: &[(Lang, &str)]) -> Localizer {
    build_with_overlays(sources, &[])
}

/// Bundles of `sources` (one per base language) and of each regional `overlays` entry: the
/// variant's base language's source with the overlay's messages replacing the base's.
pub(crate) fn build_with_overlays(
    sources: &[(Lang, &str)],
    overlays: &[(Lang, &str)],
) -> Localizer {
    let mut bundles = Vec::new();
    let mut load_errors = Vec::new();
    let mut parse = |lang: Lang, src: &str| match FluentResource::try_new(src.to_string()) {
        Ok(r) => r,
        Err((r, errs)) => {
            load_errors.extend(errs.iter().map(|e| format!("{}: {e:?}", lang.code())));
            r
        }
    };
    let mut layered = Vec::new();
    for &(lang, src) in sources {
        layered.push((lang, vec![parse(lang, src)]));
    }
    for &(variant, overlay) in overlays {
        let mut layers = Vec::new();
        if let Some(&(base, src)) = sources.iter().find(|(l, _)| *l == variant.language()) {
            layers.push(parse(base, src));
        }
        layers.push(parse(variant, overlay));
        layered.push((variant, layers));
    }
    for (lang, layers) in layered {
        let id: LanguageIdentifier = lang.code().parse().unwrap_or_default();
        let mut bundle = FluentBundle::new_concurrent(vec![id]);
        bundle.set_use_isolating(false);
        for (i, res) in layers.into_iter().enumerate() {
            if i == 0 {
                if let Err(errs) = bundle.add_resource(res) {
                    load_errors.extend(errs.iter().map(|e| format!("{}: {e}", lang.code())));
                }
            } else {
                // An overlay replaces the base's message of the same id.
                bundle.add_resource_overriding(res);
            }
        }
        bundles.push((lang, bundle));
    }
    Localizer {
        bundles,
        load_errors,
    }
}

/// The process-wide localizer, built on first use.
pub fn localizer() -> &'static Localizer {
    static L: OnceLock<Localizer> = OnceLock::new();
    L.get_or_init(|| build_with_overlays(&SOURCES, &OVERLAYS))
}

impl Localizer {
    fn bundle(&self, lang: Lang) -> Option<&FluentBundle<FluentResource>> {
        self.bundles
            .iter()
            .find(|(l, _)| *l == lang)
            .map(|(_, b)| b)
    }

    /// Formats message `id`, with formatting errors reported to `errors`.
    pub(crate) fn format_checked(
        &self,
        lang: Lang,
        id: &str,
        args: Option<&FluentArgs>,
        errors: &mut Vec<String>,
    ) -> String {
        for l in [lang, lang.language(), Lang::En] {
            let Some(b) = self.bundle(l) else { continue };
            let Some(pattern) = b.get_message(id).and_then(|m| m.value()) else {
                continue;
            };
            let mut errs = Vec::new();
            let s = b.format_pattern(pattern, args, &mut errs).into_owned();
            errors.extend(errs.iter().map(|e| format!("{}/{id}: {e}", l.code())));
            return s;
        }
        errors.push(format!("{id}: no such message"));
        id.to_string()
    }

    /// Message `id` in `lang` (its base language's, then English, when `lang` lacks it; the id
    /// itself when none has it).
    pub fn format(&self, lang: Lang, id: &str, args: Option<&FluentArgs>) -> String {
        self.format_checked(lang, id, args, &mut Vec::new())
    }

    #[cfg(test)]
    pub(crate) fn has_message(&self, lang: Lang, id: &str) -> bool {
        self.bundle(lang).is_some_and(|b| b.has_message(id))
    }

    /// "30 December", "30 december", "30 décembre", "1er janvier"; with the year when it differs from
    /// `ref_day`'s.
    pub(crate) fn date(&self, lang: Lang, day: i64, ref_day: i64) -> String {
        let Some(d) = date_of_day(day) else {
            return String::new();
        };
        let mut args = FluentArgs::new();
        args.set("day", d.day());
        args.set(
            "month",
            self.format(lang, &format!("month-{}", d.month()), None),
        );
        let same_year = date_of_day(ref_day).is_some_and(|r| r.year() == d.year());
        if same_year {
            self.format(lang, "date-day-month", Some(&args))
        } else {
            args.set("year", d.year().to_string());
            self.format(lang, "date-day-month-year", Some(&args))
        }
    }
}

/// Tenths of a degree as text: "−3", "−2.5" (en), "−2,5" (nl, fr).
pub(crate) fn temperature(lang: Lang, tenths: i32) -> String {
    let sign = if tenths < 0 { "\u{2212}" } else { "" };
    let a = tenths.unsigned_abs();
    let sep = if lang.language() == Lang::En {
        '.'
    } else {
        ','
    };
    if a.is_multiple_of(10) {
        format!("{sign}{}", a / 10)
    } else {
        format!("{sign}{}{sep}{}", a / 10, a % 10)
    }
}

fn time_of_day(tz: Tz, t: i64) -> String {
    let m = tz.minute_of_day(t);
    format!("{:02}:{:02}", m / 60, m % 60)
}

fn name<'n>(n: &Name<'n>, lang: Lang) -> &'n str {
    n.get(lang)
}

struct Msg<'a> {
    id: &'a str,
    args: FluentArgs<'a>,
}

fn msg<'a>(id: &'a str, args: &[(&'a str, FluentValue<'a>)]) -> Msg<'a> {
    let mut a = FluentArgs::with_capacity(args.len());
    for (k, v) in args {
        a.set(*k, v.clone());
    }
    Msg { id, args: a }
}

fn s<'a>(v: &'a str) -> FluentValue<'a> {
    FluentValue::from(v)
}

fn owned<'a>(v: String) -> FluentValue<'a> {
    FluentValue::from(v)
}

fn n<'a>(v: i64) -> FluentValue<'a> {
    FluentValue::from(v)
}

fn evidence_msg(product: &str, bought: usize, shops: usize, every_days: i64) -> Msg<'_> {
    let count = |v: usize| n(i64::try_from(v).unwrap_or(i64::MAX));
    if every_days > 0 {
        msg(
            "usual-evidence",
            &[
                ("product", s(product)),
                ("bought", count(bought)),
                ("shops", count(shops)),
                ("interval", n(every_days)),
            ],
        )
    } else {
        msg(
            "usual-evidence-once",
            &[
                ("product", s(product)),
                ("bought", count(bought)),
                ("shops", count(shops)),
            ],
        )
    }
}

/// "You bought Milk on 9 of your last 10 shops, about every 7 days." (`every_days` 0: the item
/// was bought on one day only, no interval is stated).
pub(crate) fn usual_reason(
    lang: Lang,
    product: &str,
    bought: usize,
    shops: usize,
    every_days: i64,
) -> String {
    let m = evidence_msg(product, bought, shops, every_days);
    localizer().format(lang, m.id, Some(&m.args))
}

enum Part<'a> {
    Msg(Msg<'a>),
    Raw(String),
    /// Two messages joined by a space.
    Join(Msg<'a>, Msg<'a>),
}

/// Renders an admitted candidate into a notification in `lang`.
pub(crate) fn render(
    c: &Candidate<'_>,
    lang: Lang,
    tz: Tz,
    base: &str,
) -> Option<PlannedNotification> {
    let l = localizer();
    let at_day = tz.day(c.at);
    let date = |day: i64| l.date(lang, day, at_day);
    let (title, body, reason): (Part, Part, Part) = match &c.text {
        Text::Replenishment {
            product,
            run_out_day,
            every_days,
            bought_in,
            shops,
            last_qty,
            last_day,
            ..
        } => {
            let p = name(product, lang);
            let left = run_out_day.saturating_sub(at_day).max(0);
            (
                Part::Msg(msg("replenishment-title", &[("product", s(p))])),
                Part::Msg(msg(
                    "replenishment-body",
                    &[("product", s(p)), ("days_left", n(left))],
                )),
                Part::Join(
                    evidence_msg(p, *bought_in, *shops, *every_days),
                    msg(
                        "replenishment-last",
                        &[("quantity", n(*last_qty)), ("date", owned(date(*last_day)))],
                    ),
                ),
            )
        }
        Text::Seasonal {
            product,
            last_year_day,
            forecast,
        } => {
            let p = name(product, lang);
            let body = match forecast {
                Some(Forecast::Min(t)) => msg(
                    if *t <= 0 {
                        "seasonal-body-frost"
                    } else {
                        "seasonal-body-cold"
                    },
                    &[("product", s(p)), ("temp", owned(temperature(lang, *t)))],
                ),
                Some(Forecast::Max(t)) => msg(
                    "seasonal-body-warm",
                    &[("product", s(p)), ("temp", owned(temperature(lang, *t)))],
                ),
                None => msg("seasonal-body", &[("product", s(p))]),
            };
            let why = msg(
                "seasonal-reason",
                &[("product", s(p)), ("date", owned(date(*last_year_day)))],
            );
            let reason = match forecast {
                Some(Forecast::Min(t)) => Part::Join(
                    why,
                    msg("forecast-min", &[("temp", owned(temperature(lang, *t)))]),
                ),
                Some(Forecast::Max(t)) => Part::Join(
                    why,
                    msg("forecast-max", &[("temp", owned(temperature(lang, *t)))]),
                ),
                None => Part::Msg(why),
            };
            (
                Part::Msg(msg("seasonal-title", &[("product", s(p))])),
                Part::Msg(body),
                reason,
            )
        }
        Text::Recall {
            notice,
            bought_day,
            store,
            lot,
            certain,
        } => {
            let p = notice.product.get(lang);
            let store = store.get(lang);
            let d = date(*bought_day);
            let body = if *certain {
                msg(
                    "recall-body",
                    &[
                        ("product", s(p)),
                        ("date", owned(d.clone())),
                        ("instructions", s(notice.instructions.get(lang))),
                    ],
                )
            } else {
                let mut lots: Vec<&str> = notice.lots.iter().map(String::as_str).take(5).collect();
                if notice.lots.len() > 5 {
                    lots.push("…");
                }
                msg(
                    "recall-body-possible",
                    &[
                        ("product", s(p)),
                        ("date", owned(d.clone())),
                        ("lots", owned(lots.join(", "))),
                        ("instructions", s(notice.instructions.get(lang))),
                    ],
                )
            };
            let reason = match (certain, lot) {
                (true, Some(lot)) if !notice.lots.is_empty() => msg(
                    "recall-reason-lot",
                    &[
                        ("product", s(p)),
                        ("lot", s(lot)),
                        ("store", s(store)),
                        ("date", owned(d)),
                    ],
                ),
                (true, _) => msg(
                    "recall-reason",
                    &[("product", s(p)), ("store", s(store)), ("date", owned(d))],
                ),
                (false, _) => msg(
                    "recall-reason-unknown-lot",
                    &[("product", s(p)), ("store", s(store)), ("date", owned(d))],
                ),
            };
            (
                Part::Msg(msg("recall-title", &[("product", s(p))])),
                Part::Msg(body),
                Part::Msg(reason),
            )
        }
        Text::Recipe {
            recipe,
            products,
            matched,
            total,
        } => {
            let counts = [("matched", n(*matched as i64)), ("total", n(*total as i64))];
            let body = match &recipe.body {
                Some(b) => Part::Raw(b.get(lang).to_string()),
                None => Part::Msg(msg("recipe-body", &counts)),
            };
            (
                Part::Msg(msg(
                    "recipe-title",
                    &[("recipe", s(recipe.title.get(lang)))],
                )),
                body,
                Part::Msg(msg(
                    "recipe-reason",
                    &[
                        (
                            "products",
                            owned(
                                products
                                    .iter()
                                    .map(|p| p.get(lang))
                                    .collect::<Vec<_>>()
                                    .join(", "),
                            ),
                        ),
                        counts[0].clone(),
                        counts[1].clone(),
                    ],
                )),
            )
        }
        Text::PostPurchase {
            content,
            product,
            bought_day,
        } => (
            Part::Raw(content.title.get(lang).to_string()),
            Part::Raw(content.body.get(lang).to_string()),
            Part::Msg(msg(
                "post-purchase-reason",
                &[
                    ("product", s(product.get(lang))),
                    ("date", owned(date(*bought_day))),
                ],
            )),
        ),
        Text::VoucherExpiry { voucher, last_day } => {
            let d = date(*last_day);
            (
                Part::Msg(msg(
                    "voucher-expiry-title",
                    &[("days", n(last_day.saturating_sub(at_day).max(0)))],
                )),
                Part::Msg(msg(
                    "voucher-expiry-body",
                    &[
                        ("voucher", s(voucher.title_in(lang))),
                        ("date", owned(d.clone())),
                    ],
                )),
                Part::Msg(msg(
                    "voucher-expiry-reason",
                    &[("voucher", s(voucher.title_in(lang))), ("date", owned(d))],
                )),
            )
        }
        Text::OfferExpiry { title, last_day } => {
            let d = date(*last_day);
            (
                Part::Msg(msg(
                    "offer-expiry-title",
                    &[("days", n(last_day.saturating_sub(at_day).max(0)))],
                )),
                Part::Msg(msg(
                    "offer-expiry-body",
                    &[("offer", s(title)), ("date", owned(d.clone()))],
                )),
                Part::Msg(msg(
                    "offer-expiry-reason",
                    &[("offer", s(title)), ("date", owned(d))],
                )),
            )
        }
        Text::EventVoucher {
            name: ev,
            location,
            starts_at,
        } => {
            let ev = ev.get(lang);
            let start_day = tz.day(*starts_at);
            (
                Part::Msg(msg("event-title", &[("event", s(ev))])),
                Part::Msg(msg(
                    "event-body",
                    &[
                        ("event", s(ev)),
                        ("date", owned(date(start_day))),
                        ("time", owned(time_of_day(tz, *starts_at))),
                        ("location", s(location)),
                        ("days", n(start_day.saturating_sub(at_day).max(0))),
                    ],
                )),
                Part::Msg(msg("event-voucher-reason", &[("event", s(ev))])),
            )
        }
        Text::Event {
            name: ev,
            location,
            starts_at,
            tier,
            receipts,
            within_days,
        } => {
            let ev = ev.get(lang);
            let start_day = tz.day(*starts_at);
            let mut body_args = vec![
                ("event", s(ev)),
                ("date", owned(date(start_day))),
                ("time", owned(time_of_day(tz, *starts_at))),
                ("days", n(start_day.saturating_sub(at_day).max(0))),
            ];
            let body_id = match location {
                Some(loc) => {
                    body_args.push(("location", s(loc)));
                    "event-body"
                }
                None => "event-body-no-location",
            };
            let counts = [
                ("count", n(*receipts as i64)),
                ("days", n(i64::from(*within_days))),
            ];
            let reason = match tier {
                Some(t) => msg(
                    "event-reason-tier",
                    &[("tier", s(t)), counts[0].clone(), counts[1].clone()],
                ),
                None => msg("event-reason", &counts),
            };
            (
                Part::Msg(msg("event-title", &[("event", s(ev))])),
                Part::Msg(msg(body_id, &body_args)),
                Part::Msg(reason),
            )
        }
        Text::TierProgress {
            current,
            next,
            points,
            qualifying,
            since_day,
        } => {
            let (current, next) = (current.get(lang), next.get(lang));
            (
                Part::Msg(msg(
                    "tier-progress-title",
                    &[("points", n(*points)), ("tier", s(next))],
                )),
                Part::Msg(msg(
                    "tier-progress-body",
                    &[
                        ("points", n(*points)),
                        ("tier", s(next)),
                        ("current", s(current)),
                    ],
                )),
                Part::Msg(msg(
                    "tier-progress-reason",
                    &[
                        ("qualifying", n(*qualifying)),
                        ("date", owned(date(*since_day))),
                        ("current", s(current)),
                    ],
                )),
            )
        }
        Text::Welcome { enrolled_day } => (
            Part::Msg(msg("welcome-title", &[])),
            Part::Msg(msg("welcome-body", &[])),
            Part::Msg(msg(
                "welcome-reason",
                &[("date", owned(date(*enrolled_day)))],
            )),
        ),
        Text::SecondPurchase { first_day } => (
            Part::Msg(msg("second-purchase-title", &[])),
            Part::Msg(msg(
                "second-purchase-body",
                &[("days", n(at_day.saturating_sub(*first_day).max(0)))],
            )),
            Part::Msg(msg(
                "second-purchase-reason",
                &[("date", owned(date(*first_day)))],
            )),
        ),
        Text::WinBack { last_day } => (
            Part::Msg(msg("win-back-title", &[])),
            Part::Msg(msg(
                "win-back-body",
                &[("days", n(at_day.saturating_sub(*last_day).max(0)))],
            )),
            Part::Msg(msg("win-back-reason", &[("date", owned(date(*last_day)))])),
        ),
        Text::Survey { store, day } => (
            Part::Msg(msg("survey-title", &[])),
            Part::Msg(msg(
                "survey-body",
                &[("store", s(store.get(lang))), ("date", owned(date(*day)))],
            )),
            Part::Msg(msg("survey-reason", &[("date", owned(date(*day)))])),
        ),
        Text::MembershipRenewal { plan, last_day } => {
            let d = date(*last_day);
            let plan = plan.get(lang);
            (
                Part::Msg(msg("membership-renewal-title", &[("plan", s(plan))])),
                Part::Msg(msg(
                    "membership-renewal-body",
                    &[("date", owned(d.clone()))],
                )),
                Part::Msg(msg(
                    "membership-renewal-reason",
                    &[("plan", s(plan)), ("date", owned(d))],
                )),
            )
        }
        Text::InStore {
            store,
            entered_at,
            list_items,
            offers,
        } => {
            let list = msg(
                "in-store-body-list",
                &[("items", n(i64::from(*list_items)))],
            );
            let offer = offers.first().map(|first| {
                msg(
                    "in-store-body-offers",
                    &[("count", n(offers.len() as i64)), ("first", s(first))],
                )
            });
            let body = match (list_items, offer) {
                (0, None) => Part::Msg(msg("in-store-body-card", &[])),
                (0, Some(offer)) => Part::Msg(offer),
                (_, None) => Part::Msg(list),
                (_, Some(offer)) => Part::Join(list, offer),
            };
            (
                Part::Msg(msg("in-store-title", &[("store", s(store))])),
                body,
                Part::Msg(msg(
                    "in-store-reason",
                    &[
                        ("store", s(store)),
                        ("time", owned(time_of_day(tz, *entered_at))),
                    ],
                )),
            )
        }
        Text::Push { notice } => {
            let reason = match &notice.reason {
                Some(r) => Part::Raw(r.get(lang).to_string()),
                None => Part::Msg(msg(
                    if notice.category == Category::Service {
                        "push-reason-service"
                    } else {
                        "push-reason-marketing"
                    },
                    &[],
                )),
            };
            (
                Part::Raw(notice.title.get(lang).to_string()),
                Part::Raw(notice.body.get(lang).to_string()),
                reason,
            )
        }
    };
    let text = |p: Part| match p {
        Part::Msg(m) => l.format(lang, m.id, Some(&m.args)),
        Part::Raw(s) => s,
        Part::Join(a, b) => format!(
            "{} {}",
            l.format(lang, a.id, Some(&a.args)),
            l.format(lang, b.id, Some(&b.args))
        ),
    };
    let list_offer = match &c.text {
        Text::Replenishment {
            product,
            gtin,
            pooled,
            ..
        } => Some(ListOffer {
            action: l.format(lang, "list-offer-action", None),
            name: name(product, lang).to_string(),
            gtin: gtin.to_string(),
            bought_with: match pooled {
                Some(sel) => (*sel).clone(),
                None => Selector {
                    gtins: vec![gtin.to_string()],
                    categories: Vec::new(),
                },
            },
        }),
        _ => None,
    };
    Some(PlannedNotification {
        id: c.id.clone(),
        at: to_utc(c.at)?,
        title: text(title),
        body: text(body),
        deep_link: c.link.build(base),
        category: c.category,
        kind: c.kind,
        rule_id: c.rule_id.to_string(),
        reason: text(reason),
        list_offer,
    })
}

#[cfg(test)]
mod variant_tests {
    use super::*;

    fn invoice(lang: Lang, id: &str) -> String {
        crate::invoice::html::labels().format(lang, id, None)
    }

    #[test]
    fn belgian_dutch_says_kasticket_and_dutch_says_kassabon() {
        let l = localizer();
        assert!(l.load_errors.is_empty(), "{:?}", l.load_errors);
        assert_eq!(invoice(Lang::Nl, "invoice-receipt"), "Kassabon");
        assert_eq!(invoice(Lang::NlBe, "invoice-receipt"), "Kasticket");
        let mut args = FluentArgs::new();
        for k in ["product", "store", "date"] {
            args.set(k, "x");
        }
        let nl = l.format(Lang::Nl, "recall-reason-unknown-lot", Some(&args));
        let be = l.format(Lang::NlBe, "recall-reason-unknown-lot", Some(&args));
        assert!(nl.contains("kassabon") && !nl.contains("kasticket"), "{nl}");
        assert!(be.contains("kasticket") && !be.contains("kassabon"), "{be}");
        let welcome = |lang| l.format(lang, "welcome-body", None);
        assert!(welcome(Lang::Nl).contains("portemonnee"));
        assert!(welcome(Lang::NlBe).contains("portefeuille"));
        // Messages without a Flemish override are the Dutch ones, plurals included.
        let mut days = FluentArgs::new();
        days.set("days", 1);
        assert_eq!(
            l.format(Lang::NlBe, "voucher-expiry-title", Some(&days)),
            "Je waardebon verloopt morgen"
        );
        assert_eq!(
            l.format(Lang::NlBe, "win-back-title", None),
            l.format(Lang::Nl, "win-back-title", None)
        );
    }

    #[test]
    fn belgian_french_falls_back_to_french() {
        let l = localizer();
        for id in ["welcome-body", "claim-refused-unknown", "month-8"] {
            assert_eq!(l.format(Lang::FrBe, id, None), l.format(Lang::Fr, id, None));
        }
        assert_eq!(l.date(Lang::FrBe, 20_454, 20_454), "1er janvier");
        assert_eq!(
            invoice(Lang::FrBe, "invoice-total-gross"),
            invoice(Lang::Fr, "invoice-total-gross")
        );
        // A variant without a bundle of its own (a localizer built from the base files only)
        // still reads as its base language, not English.
        let base_only = build_from(&SOURCES);
        assert_eq!(
            base_only.format(Lang::FrBe, "welcome-title", None),
            l.format(Lang::Fr, "welcome-title", None)
        );
    }

    #[test]
    fn overlays_only_override_existing_messages() {
        let ids = |src: &str| -> Vec<String> {
            src.lines()
                .filter(|line| !line.starts_with([' ', '#']))
                .filter_map(|line| line.split_once(" =").map(|(id, _)| id.to_string()))
                .collect()
        };
        for (overlays, sources) in [
            (&OVERLAYS, &SOURCES),
            (
                &crate::invoice::html::OVERLAYS,
                &crate::invoice::html::SOURCES,
            ),
        ] {
            for (variant, overlay) in overlays.iter() {
                let base = sources
                    .iter()
                    .find(|(l, _)| *l == variant.language())
                    .expect("base language")
                    .1;
                let base_ids = ids(base);
                for id in ids(overlay) {
                    assert!(
                        base_ids.contains(&id),
                        "{}: {id} is not in the base",
                        variant.code()
                    );
                }
            }
        }
    }

    #[test]
    fn tags_select_the_variant() {
        for (tag, want) in [
            ("nl-BE", Lang::NlBe),
            ("nl_BE.UTF-8", Lang::NlBe),
            ("nl-be", Lang::NlBe),
            ("nl-Latn-BE", Lang::NlBe),
            ("nl", Lang::Nl),
            ("nl-NL", Lang::Nl),
            ("fr-BE", Lang::FrBe),
            ("fr_BE@euro", Lang::FrBe),
            ("fr-FR", Lang::Fr),
            ("fr_CA", Lang::Fr),
            ("en-BE", Lang::En),
            ("de-BE", Lang::En),
            ("", Lang::En),
        ] {
            assert_eq!(Lang::negotiate(tag), want, "{tag}");
        }
        assert_eq!(Lang::NlBe.language(), Lang::Nl);
        assert_eq!(Lang::FrBe.code(), "fr-BE");
        assert_eq!(serde_json::to_string(&Lang::NlBe).unwrap(), "\"nl-BE\"");
        assert_eq!(
            serde_json::from_str::<Lang>("\"fr_BE\"").unwrap(),
            Lang::FrBe
        );
        // Content keyed by language: the exact variant, then the base language.
        let text = crate::reminders::LocalizedText(
            [("nl", "kassabon"), ("nl-BE", "kasticket"), ("fr", "ticket")]
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .into(),
        );
        assert_eq!(text.get(Lang::NlBe), "kasticket");
        assert_eq!(text.get(Lang::Nl), "kassabon");
        assert_eq!(text.get(Lang::FrBe), "ticket");
        // No English: the first entry in key order.
        assert_eq!(text.get(Lang::En), "ticket");
    }
}

/// Every shopper-facing Fluent message of the core (reminders, notices, refusals, invoice
/// labels) rendered in every variant with realistic arguments, and the dates the core writes.
/// Always checks that each renders without a Fluent error; with `COPY_TEXTS_OUT` set, also
/// writes them as JSON lines for the copy checks (tests/copy/run.sh: LanguageTool, the glossary,
/// CLDR dates).
#[cfg(test)]
mod copy_dump {
    use super::*;
    use crate::reminders::time::day_of_date;
    use chrono::NaiveDate;
    use serde_json::json;

    /// Realistic text arguments in the variant's base language.
    fn words(lang: Lang) -> [(&'static str, &'static str); 17] {
        match lang.language() {
            Lang::Nl => [
                ("product", "halfvolle melk"),
                ("products", "bloem, eieren"),
                (
                    "instructions",
                    "Breng het product terug naar de winkel; je krijgt je geld terug.",
                ),
                ("lots", "L2417, L2418"),
                ("lot", "L2417"),
                ("store", "de winkel in Leuven"),
                ("recipe", "pannenkoeken"),
                ("voucher", "5 euro korting op je volgende aankoop"),
                ("offer", "20 % korting op koffie"),
                ("tier", "Goud"),
                ("current", "Zilver"),
                ("event", "Proefavond in de wijnkelder"),
                ("location", "de winkel in Leuven"),
                ("first", "20 % korting op koffie"),
                ("reason", "De aanbieding is al afgelopen."),
                ("plan", "Plus"),
                ("title", "20 % korting op koffie"),
            ],
            Lang::Fr => [
                ("product", "Lait demi-écrémé"),
                ("products", "farine, œufs"),
                (
                    "instructions",
                    "Rapportez le produit au magasin : il vous sera remboursé.",
                ),
                ("lots", "L2417, L2418"),
                ("lot", "L2417"),
                ("store", "notre magasin de Namur"),
                ("recipe", "crêpes"),
                ("voucher", "5 euros de remise sur votre prochain achat"),
                ("offer", "20 % de remise sur le café"),
                ("tier", "Or"),
                ("current", "Argent"),
                ("event", "Soirée dégustation"),
                ("location", "notre magasin de Namur"),
                ("first", "20 % de remise sur le café"),
                ("reason", "L’offre a déjà pris fin."),
                ("plan", "Plus"),
                ("title", "20 % de remise sur le café"),
            ],
            _ => [
                ("product", "semi-skimmed milk"),
                ("products", "flour, eggs"),
                (
                    "instructions",
                    "Return the product to the shop for a full refund.",
                ),
                ("lots", "L2417, L2418"),
                ("lot", "L2417"),
                ("store", "our Leuven shop"),
                ("recipe", "pancakes"),
                ("voucher", "£5 off your next shop"),
                ("offer", "20% off coffee"),
                ("tier", "Gold"),
                ("current", "Silver"),
                ("event", "Wine tasting evening"),
                ("location", "our Leuven shop"),
                ("first", "20% off coffee"),
                ("reason", "The offer has already ended."),
                ("plan", "Plus"),
                ("title", "20% off coffee"),
            ],
        }
    }

    /// Plural cases: ("one", 1 of everything), ("other", several), ("zero", today / no days).
    const COUNTS: [(&str, [(&str, i64); 10]); 3] = [
        (
            "one",
            [
                ("days_left", 1),
                ("days", 1),
                ("points", 1),
                ("qualifying", 1),
                ("count", 1),
                ("items", 1),
                ("quantity", 1),
                ("interval", 1),
                ("bought", 1),
                ("shops", 1),
            ],
        ),
        (
            "other",
            [
                ("days_left", 4),
                ("days", 4),
                ("points", 150),
                ("qualifying", 320),
                ("count", 3),
                ("items", 5),
                ("quantity", 2),
                ("interval", 7),
                ("bought", 9),
                ("shops", 10),
            ],
        ),
        (
            "zero",
            [
                ("days_left", 0),
                ("days", 0),
                ("points", 150),
                ("qualifying", 320),
                ("count", 3),
                ("items", 5),
                ("quantity", 2),
                ("interval", 7),
                ("bought", 9),
                ("shops", 10),
            ],
        ),
    ];

    fn ids(src: &str) -> Vec<&str> {
        src.lines()
            .filter(|line| !line.starts_with([' ', '#']))
            .filter_map(|line| line.split_once(" =").map(|(id, _)| id))
            .filter(|id| !id.is_empty())
            .collect()
    }

    #[test]
    fn every_text_renders_in_every_variant() {
        let day = |y, m, d| day_of_date(NaiveDate::from_ymd_opt(y, m, d).expect("date"));
        let today = day(2026, 6, 15);
        let mut lines = Vec::new();
        let mut errors = Vec::new();
        for (file, sources, l) in [
            ("reminders", &SOURCES, localizer()),
            (
                "invoice",
                &crate::invoice::html::SOURCES,
                crate::invoice::html::labels(),
            ),
        ] {
            let en = sources[0].1;
            for lang in Lang::VARIANTS {
                for id in ids(en) {
                    // The date parts are checked below, as whole dates against CLDR.
                    if id.starts_with("month-") || id.starts_with("date-") {
                        continue;
                    }
                    let mut seen = Vec::new();
                    // The message's own source in English: a "[0]" variant means 0 is a value
                    // it is rendered with ("today"); elsewhere 0 does not occur.
                    let zero = en
                        .split("\n\n")
                        .flat_map(|block| block.split("\n").collect::<Vec<_>>())
                        .skip_while(|line| !line.starts_with(&format!("{id} =")))
                        .take_while(|line| {
                            line.starts_with(&format!("{id} =")) || line.starts_with(' ')
                        })
                        .any(|line| line.contains("[0]"));
                    for (case, counts) in COUNTS {
                        if case == "zero" && !zero {
                            continue;
                        }
                        let mut args = FluentArgs::new();
                        for (k, v) in words(lang) {
                            args.set(k, v);
                        }
                        for (k, v) in counts {
                            args.set(k, v);
                        }
                        if id.starts_with("event-reason") {
                            // The rule's window: 30 days.
                            args.set("days", 30);
                        }
                        args.set("matched", 2);
                        args.set("total", 3);
                        // The reminders write dates in words, the invoice as dd/mm/yyyy.
                        args.set(
                            "date",
                            match file {
                                "invoice" => crate::invoice::html::date(
                                    NaiveDate::from_ymd_opt(2026, 3, 14).expect("date"),
                                ),
                                _ => localizer().date(lang, day(2026, 3, 14), today),
                            },
                        );
                        args.set("temp", temperature(lang, -25));
                        args.set("time", "18:30");
                        args.set("receipt", "R-2026-000142");
                        let text = l.format_checked(lang, id, Some(&args), &mut errors);
                        assert!(!text.is_empty() && text != id, "{}/{id}", lang.code());
                        if !seen.contains(&text) {
                            lines.push(json!({"kind": "text", "source": format!("fluent:{file}"),
                                "lang": lang.code(), "id": id, "case": case, "text": text}));
                            seen.push(text);
                        }
                    }
                }
            }
        }
        assert!(errors.is_empty(), "{errors:?}");
        // Dates: the 1st and the 14th of every month, in and out of the reference year.
        let l = localizer();
        for lang in Lang::VARIANTS {
            for month in 1..=12 {
                for d in [1, 14] {
                    let at = day(2026, month, d);
                    for (style, reference) in
                        [("day-month", at), ("day-month-year", day(2027, 1, 1))]
                    {
                        lines.push(json!({"kind": "date", "source": "reminders::l10n::date",
                            "lang": lang.code(), "iso": format!("2026-{month:02}-{d:02}"),
                            "style": style, "text": l.date(lang, at, reference)}));
                    }
                }
            }
        }
        assert!(lines.len() > 5 * 150, "{}", lines.len());
        if let Ok(path) = std::env::var("COPY_TEXTS_OUT") {
            let body: String = lines.iter().map(|v| format!("{v}\n")).collect();
            std::fs::write(&path, body).expect("write COPY_TEXTS_OUT");
        }
    }
}
