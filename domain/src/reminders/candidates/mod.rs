//! The candidates of a plan, one file per rule kind: each turns the shopper's receipts (through the
//! [`ReceiptIndex`]), wallet, tier and context into [`Candidate`]s, which the policy admits or
//! suppresses and l10n puts into words. This file holds what they share: the names, texts, links
//! and topics a candidate carries, the plan's context [`Cx`], and [`candidates`], which runs
//! every rule.

use crate::reminders::catalogue::{Content, RecallNotice, Recipe};
use crate::reminders::hash::FastMap;
use crate::reminders::ids::Enc;
use crate::reminders::index::ReceiptIndex;
use crate::reminders::plan::PlanInput;
use crate::reminders::push::PushNotice;
use crate::reminders::rules::{Rule, RuleSpec};
use crate::reminders::time::{days, hours, ts, DayStamp, Tz};
use crate::reminders::vocab::{Category, LocalizedText, ReminderKind, Selector};
use crate::wallet::Voucher;
use std::cell::{OnceCell, RefCell};

mod events;
mod in_store;
mod post_purchase;
mod pushes;
mod recall;
mod recipes;
mod replenishment;
mod seasonal;
mod tier;
mod voucher_expiry;

use events::event_invitation;
use in_store::in_store;
use post_purchase::post_purchase;
use pushes::pushes;
pub(crate) use recall::recall_match;
use recall::recalls;
use recipes::recipes;
use replenishment::replenishment;
pub(crate) use replenishment::{usual_items, Stats};
use seasonal::seasonal;
use tier::tier_progress;
use voucher_expiry::{membership_renewal, voucher_expiry};

pub(crate) use super::name::Name;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Forecast {
    Min(i32),
    Max(i32),
}

/// What a candidate's title, body and reason are made of.
#[derive(Debug, Clone)]
pub(crate) enum Text<'a> {
    Replenishment {
        product: Name<'a>,
        /// The product reminded of (the last one bought, for a group).
        gtin: &'a str,
        /// The rule's selection when it pools a group: any of it counts as buying it.
        pooled: Option<&'a Selector>,
        run_out_day: i64,
        every_days: i64,
        bought_in: usize,
        shops: usize,
        last_qty: i64,
        last_day: i64,
    },
    Seasonal {
        product: Name<'a>,
        last_year_day: i64,
        forecast: Option<Forecast>,
    },
    Recall {
        notice: &'a RecallNotice,
        bought_day: i64,
        store: Name<'a>,
        lot: Option<&'a str>,
        certain: bool,
    },
    Recipe {
        recipe: &'a Recipe,
        products: Vec<Name<'a>>,
        matched: usize,
        total: usize,
    },
    PostPurchase {
        content: &'a Content,
        product: Name<'a>,
        bought_day: i64,
    },
    VoucherExpiry {
        voucher: &'a Voucher,
        last_day: i64,
    },
    OfferExpiry {
        title: &'a str,
        last_day: i64,
    },
    EventVoucher {
        /// The event's name in the signed invitation, translated by the voucher's titles.
        name: Name<'a>,
        location: &'a str,
        starts_at: i64,
    },
    TierProgress {
        current: Name<'a>,
        next: Name<'a>,
        points: i64,
        qualifying: i64,
        since_day: i64,
    },
    Welcome {
        enrolled_day: i64,
    },
    SecondPurchase {
        first_day: i64,
    },
    WinBack {
        last_day: i64,
    },
    Survey {
        store: Name<'a>,
        day: i64,
    },
    MembershipRenewal {
        plan: &'a crate::membership::PlanName,
        last_day: i64,
    },
    Event {
        name: &'a LocalizedText,
        location: Option<&'a str>,
        starts_at: i64,
        tier: Option<&'a str>,
        receipts: usize,
        within_days: u32,
    },
    Push {
        notice: &'a PushNotice,
    },
    InStore {
        store: &'a str,
        entered_at: i64,
        list_items: u32,
        offers: &'a [String],
    },
}

/// A deep link, formatted only for the notifications that make it into the plan.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Link<'a> {
    /// A complete link from a rule, catalogue entry or push message.
    Custom(&'a str),
    /// The rule set's base, a section and optionally an id: `loyalty://product/5410000000019`.
    Base(&'static str, Option<&'a str>),
}

impl Link<'_> {
    pub(crate) fn build(&self, base: &str) -> String {
        match self {
            Link::Custom(l) => (*l).to_string(),
            Link::Base(section, None) => format!("{base}{section}"),
            Link::Base(section, Some(id)) => format!("{base}{section}/{}", Enc(id)),
        }
    }
}

/// What a candidate is about, for "one notification per thing".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Topic<'a> {
    /// A product, by GTIN id in the index.
    Product(u32),
    Recipe(&'a str),
    Content(&'a str),
}

#[derive(Debug, Clone)]
pub(crate) struct Candidate<'a> {
    /// `rule : subject : period`; the part before the last ':' is the series.
    pub id: String,
    pub rule_id: &'a str,
    pub kind: ReminderKind,
    pub category: Category,
    pub priority: i32,
    /// Likelihood (per mille) that the reminder is useful: a prediction's own, 1000 for the
    /// candidates of rules that state facts. Caps admit the likeliest first.
    pub score: u32,
    pub at: i64,
    pub stale_at: i64,
    /// Urgent safety notices are shown during quiet hours too.
    pub quiet_exempt: bool,
    /// The same series is not shown again within this many seconds (0: no limit).
    pub repeat_gap: i64,
    /// Another candidate about the same thing (same product, recipe or content) is a duplicate.
    pub topic: Option<Topic<'a>>,
    pub link: Link<'a>,
    pub text: Text<'a>,
}

impl Candidate<'_> {
    pub(crate) fn series(&self) -> &str {
        self.id.rsplit_once(':').map(|(s, _)| s).unwrap_or(&self.id)
    }
}

pub(crate) struct Cx<'a> {
    pub input: PlanInput<'a>,
    pub index: &'a ReceiptIndex,
    pub now: i64,
    pub tz: Tz,
    /// Candidates due after this are left to a later plan.
    pub horizon_end: i64,
    /// Catalogue selectors resolved once per plan (shared by all rules that read them).
    pub recipe_lists: OnceCell<Vec<Vec<Vec<&'a [u32]>>>>,
    /// Per (GTIN id, history length): the product's repurchase statistics.
    pub predictions: RefCell<FastMap<(u32, u32), Option<Stats>>>,
    /// The shopper's shop days up to now.
    pub shops: OnceCell<Vec<i64>>,
    pub content_lists: OnceCell<Vec<Vec<&'a [u32]>>>,
}

impl<'a> Cx<'a> {
    /// The rule's own link, or the default one.
    fn rule_link(&self, rule: &'a Rule, section: &'static str, id: Option<&'a str>) -> Link<'a> {
        match &rule.deep_link {
            Some(l) => Link::Custom(l),
            None => Link::Base(section, id),
        }
    }

    /// `send_at` on local `day`.
    fn on_day(&self, rule: &Rule, day: i64) -> i64 {
        self.tz.at(day, i64::from(rule.send_at.minute_of_day))
    }

    /// A candidate of `rule`, unless it is already stale or not due within the horizon.
    #[allow(clippy::too_many_arguments)]
    fn push(
        &self,
        out: &mut Vec<Candidate<'a>>,
        rule: &'a Rule,
        subject: &str,
        period: &dyn std::fmt::Display,
        at: i64,
        stale_at: i64,
        text: Text<'a>,
        link: Link<'a>,
    ) -> Option<usize> {
        if stale_at <= self.now || at > self.horizon_end {
            return None;
        }
        out.push(Candidate {
            id: format!("{}:{}:{}", rule.id, Enc(subject), period),
            rule_id: &rule.id,
            kind: rule.kind(),
            category: rule.category(),
            priority: rule.priority,
            score: 1000,
            at,
            stale_at,
            quiet_exempt: false,
            repeat_gap: 0,
            topic: None,
            link,
            text,
        });
        Some(out.len() - 1)
    }
}

/// Every candidate from every enabled rule, recall notice and push message.
pub(crate) fn candidates<'a>(cx: &Cx<'a>) -> Vec<Candidate<'a>> {
    let mut out = Vec::new();
    for rule in &cx.input.rules.rules {
        if !rule.enabled {
            continue;
        }
        match &rule.spec {
            RuleSpec::Replenishment(r) => replenishment(cx, rule, r, &mut out),
            RuleSpec::Seasonal(r) => seasonal(cx, rule, r, &mut out),
            RuleSpec::Recipes(r) => recipes(cx, rule, r, &mut out),
            RuleSpec::PostPurchase(r) => post_purchase(cx, rule, r, &mut out),
            RuleSpec::VoucherExpiry(r) => voucher_expiry(cx, rule, r, &mut out),
            RuleSpec::TierProgress(r) => tier_progress(cx, rule, r, &mut out),
            RuleSpec::Welcome(r) => {
                if let Some(enrolled) = cx.input.enrolled_at.map(ts) {
                    let at = enrolled.saturating_add(hours(r.delay_hours));
                    let stale = enrolled.saturating_add(days(r.valid_days));
                    let day = cx.tz.day(enrolled);
                    cx.push(
                        &mut out,
                        rule,
                        "member",
                        &DayStamp(day),
                        at,
                        stale,
                        Text::Welcome { enrolled_day: day },
                        cx.rule_link(rule, "home", None),
                    );
                }
            }
            RuleSpec::SecondPurchase(r) => {
                let receipts = cx.index.receipts_upto(cx.now);
                if let [only] = receipts {
                    let rec = cx.index.receipt(*only);
                    let first_day = cx.tz.day(rec.at);
                    let at = cx.on_day(rule, first_day.saturating_add(i64::from(r.after_days)));
                    cx.push(
                        &mut out,
                        rule,
                        "first",
                        &Enc(&rec.id),
                        at,
                        at.saturating_add(days(r.valid_days)),
                        Text::SecondPurchase { first_day },
                        cx.rule_link(rule, "offers", None),
                    );
                }
            }
            RuleSpec::WinBack(r) => {
                if let Some(&last) = cx.index.receipts_upto(cx.now).last() {
                    let rec = cx.index.receipt(last);
                    let last_day = cx.tz.day(rec.at);
                    let at = cx.on_day(rule, last_day.saturating_add(i64::from(r.inactive_days)));
                    cx.push(
                        &mut out,
                        rule,
                        "last",
                        &Enc(&rec.id),
                        at,
                        at.saturating_add(days(r.valid_days)),
                        Text::WinBack { last_day },
                        cx.rule_link(rule, "offers", None),
                    );
                }
            }
            RuleSpec::Survey(r) => {
                if cx.input.survey_answered {
                    // Answered: nothing left to ask.
                    continue;
                }
                if let Some(&second) = cx.index.receipts_upto(cx.now).get(1) {
                    let rec = cx.index.receipt(second);
                    let at = rec.at.saturating_add(hours(r.delay_hours));
                    let link = cx.rule_link(rule, "survey", Some(&rec.id));
                    cx.push(
                        &mut out,
                        rule,
                        "second",
                        &Enc(&rec.id),
                        at,
                        at.saturating_add(days(r.valid_days)),
                        Text::Survey {
                            store: cx.index.named(rec.store),
                            day: cx.tz.day(rec.at),
                        },
                        link,
                    );
                }
            }
            RuleSpec::MembershipRenewal(r) => membership_renewal(cx, rule, r, &mut out),
            RuleSpec::EventInvitation(r) => event_invitation(cx, rule, r, &mut out),
            RuleSpec::InStore(r) => in_store(cx, rule, r, &mut out),
        }
    }
    recalls(cx, &mut out);
    pushes(cx, &mut out);
    out
}

fn lists_of<'a>(index: &'a ReceiptIndex, sel: &super::vocab::Selector) -> Vec<&'a [u32]> {
    index.lists(&index.resolve(sel))
}

fn name_for<'a>(rule: &'a Rule, index: &'a ReceiptIndex, line: u32) -> Name<'a> {
    match &rule.label {
        Some(l) => Name::Localized(l),
        None => index.name(index.line(line)),
    }
}
