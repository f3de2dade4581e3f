//! The demo's headings and labels in en, nl and fr: one function per label with its three texts.
//! A label with values takes them and writes the whole sentence in each language, so each keeps
//! its own word order. Dutch says "je", French "vous"; French puts a no-break space (U+00A0)
//! before ":", ";", "?" and "!" and inside « », as the project's French texts do. Money, dates,
//! voucher values and the names of voucher states and reminder categories are in `words`.

use super::Lang;

/// `one` or `other` by the count: English and Dutch say "1 item, 0 items", French "0 élément,
/// 1 élément, 2 éléments".
fn plural<'a>(lang: Lang, n: u64, one: &'a str, other: &'a str) -> &'a str {
    let singular = match lang {
        Lang::En | Lang::Nl => n == 1,
        Lang::Fr => n <= 1,
    };
    if singular {
        one
    } else {
        other
    }
}

/// A decimal with one digit, as the language writes it: 4.5, 4,5.
fn decimal(lang: Lang, x: f64) -> String {
    let s = format!("{x:.1}");
    match lang {
        Lang::En => s,
        Lang::Nl | Lang::Fr => s.replace('.', ","),
    }
}

// ---------------------------------------------------------------------------------------------
// The "label  value" rows: server, enrolment, points and card share one column.

#[derive(Clone, Copy)]
pub(super) enum Field {
    Listening,
    Data,
    VoucherKey,
    Clock,
    Member,
    Card,
    Household,
    Balance,
    Tier,
    Warranty,
    Proof,
    Code,
    Valid,
}

impl Field {
    const ALL: [Field; 13] = [
        Field::Listening,
        Field::Data,
        Field::VoucherKey,
        Field::Clock,
        Field::Member,
        Field::Card,
        Field::Household,
        Field::Balance,
        Field::Tier,
        Field::Warranty,
        Field::Proof,
        Field::Code,
        Field::Valid,
    ];

    fn text(self, lang: Lang) -> &'static str {
        let [en, nl, fr] = match self {
            Field::Listening => ["listening", "luistert op", "écoute sur"],
            Field::Data => ["data", "gegevens", "données"],
            Field::VoucherKey => ["voucher key", "bonsleutel", "clé des bons"],
            Field::Clock => ["clock", "klok", "horloge"],
            Field::Member => ["member", "lid", "membre"],
            Field::Card => ["card", "kaart", "carte"],
            Field::Household => ["household", "huishouden", "foyer"],
            Field::Balance => ["balance", "saldo", "solde"],
            Field::Tier => ["tier", "status", "statut"],
            Field::Warranty => ["warranty", "garantie", "garantie"],
            Field::Proof => ["proof", "bewijs", "preuve"],
            Field::Code => ["code", "code", "code"],
            Field::Valid => ["valid", "geldig", "valable"],
        };
        match lang {
            Lang::En => en,
            Lang::Nl => nl,
            Lang::Fr => fr,
        }
    }
}

/// "  label       value": the label padded to the language's longest field label and a space.
pub(super) fn field(lang: Lang, f: Field, value: impl std::fmt::Display) -> String {
    let width = Field::ALL
        .iter()
        .map(|f| f.text(lang).chars().count())
        .max()
        .unwrap_or(0)
        + 1;
    format!("  {:<width$}{value}", f.text(lang))
}

// ---------------------------------------------------------------------------------------------
// Title, server and enrolment

pub(super) fn title(lang: Lang) -> &'static str {
    match lang {
        Lang::En => "Loyalty Core demo: fifteen months of a shopper's life, replayed in seconds",
        Lang::Nl => "Loyalty Core-demo: vijftien maanden boodschappen, in een paar seconden afgespeeld",
        Lang::Fr => {
            "Démo Loyalty Core\u{a0}: quinze mois de courses d'un client, rejoués en quelques secondes"
        }
    }
}

pub(super) fn server_section(lang: Lang) -> &'static str {
    match lang {
        Lang::En => "Reference server (in-process)",
        Lang::Nl => "Referentieserver (in hetzelfde proces)",
        Lang::Fr => "Serveur de référence (dans le même processus)",
    }
}

/// After the data directory when the demo made a temporary one.
pub(super) fn data_temporary(lang: Lang) -> &'static str {
    match lang {
        Lang::En => "  (temporary: removed at the end; keep it with --data DIR)",
        Lang::Nl => "  (tijdelijk: wordt achteraf gewist; bewaren kan met --data DIR)",
        Lang::Fr => "  (temporaire\u{a0}: supprimé à la fin\u{a0}; gardez-le avec --data DIR)",
    }
}

pub(super) fn voucher_key(lang: Lang, key_start: &str) -> String {
    match lang {
        Lang::En => format!("{key_start}…  (Ed25519: tills check voucher codes offline)"),
        Lang::Nl => {
            format!(
                "{key_start}…  (Ed25519: kassa's controleren de codes van waardebonnen offline)"
            )
        }
        Lang::Fr => {
            format!("{key_start}…  (Ed25519\u{a0}: les caisses vérifient les codes des bons hors ligne)")
        }
    }
}

pub(super) fn clock(lang: Lang, starts: &str) -> String {
    match lang {
        Lang::En => format!("injected, shared by server and app; starts {starts}"),
        Lang::Nl => format!("geïnjecteerd, gedeeld door server en app; begint op {starts}"),
        Lang::Fr => {
            format!("injectée, partagée par le serveur et l'app\u{a0}; commence le {starts}")
        }
    }
}

pub(super) fn enrolment_section(lang: Lang) -> &'static str {
    match lang {
        Lang::En => "Enrolment (the app, over the real HTTP sync)",
        Lang::Nl => "Inschrijving (de app, via de echte HTTP-synchronisatie)",
        Lang::Fr => "Inscription (l'app, par la vraie synchronisation HTTP)",
    }
}

pub(super) fn card(
    lang: Lang,
    number: &str,
    algorithm: &str,
    digits: impl std::fmt::Display,
    seconds: impl std::fmt::Display,
) -> String {
    match lang {
        Lang::En => format!(
            "{number}  (rotating code: TOTP {algorithm}, {digits} digits, every {seconds} s)"
        ),
        Lang::Nl => format!(
            "{number}  (wisselende code: TOTP {algorithm}, {digits} cijfers, elke {seconds} s)"
        ),
        Lang::Fr => format!(
            "{number}  (code tournant\u{a0}: TOTP {algorithm}, {digits} chiffres, toutes les {seconds} s)"
        ),
    }
}

/// Whether the code to add a second device of the household is in the secure store.
pub(super) fn household(lang: Lang, kept: bool) -> &'static str {
    match (lang, kept) {
        (Lang::En, true) => "a code to add a second device is in the secure store (kept)",
        (Lang::En, false) => "a code to add a second device is in the secure store (none)",
        (Lang::Nl, true) => {
            "de code om een tweede apparaat toe te voegen staat in de beveiligde opslag"
        }
        (Lang::Nl, false) => {
            "geen code om een tweede apparaat toe te voegen in de beveiligde opslag"
        }
        (Lang::Fr, true) => {
            "le code pour ajouter un deuxième appareil est conservé dans le stockage sécurisé"
        }
        (Lang::Fr, false) => {
            "aucun code pour ajouter un deuxième appareil dans le stockage sécurisé"
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Shopping

pub(super) fn shopping_section(lang: Lang) -> &'static str {
    match lang {
        Lang::En => "Shopping at the till (the server's till API)",
        Lang::Nl => "Boodschappen aan de kassa (de kassa-API van de server)",
        Lang::Fr => "Achats en caisse (l'API caisse du serveur)",
    }
}

/// The progress line while the visits replay.
pub(super) fn replaying(lang: Lang, months: i32, receipts: usize) -> String {
    let n = receipts as u64;
    match lang {
        Lang::En => format!(
            "  Replaying {months} months of shopping… {receipts} {}",
            plural(lang, n, "receipt", "receipts")
        ),
        Lang::Nl => format!(
            "  {months} maanden boodschappen afspelen… {receipts} {}",
            plural(lang, n, "kassabon", "kassabonnen")
        ),
        Lang::Fr => format!(
            "  Rejeu de {months} mois d'achats… {receipts} {}",
            plural(lang, n, "ticket de caisse", "tickets de caisse")
        ),
    }
}

pub(super) fn replayed(
    lang: Lang,
    months: i32,
    receipts: usize,
    spent: &str,
    points: &str,
) -> String {
    match lang {
        Lang::En => format!(
            "  Replayed {months} months of shopping: {receipts} receipts, {spent} spent, \
             {points} points earned"
        ),
        Lang::Nl => format!(
            "  {months} maanden boodschappen afgespeeld: {receipts} kassabonnen, {spent} \
             uitgegeven, {points} punten gespaard"
        ),
        Lang::Fr => format!(
            "  {months} mois d'achats rejoués\u{a0}: {receipts} tickets de caisse, {spent} \
             dépensés, {points} points gagnés"
        ),
    }
}

/// The receipts table's headings: when, what, total, points.
pub(super) fn receipt_columns(lang: Lang) -> [&'static str; 4] {
    match lang {
        Lang::En => ["when", "what", "total", "points"],
        Lang::Nl => ["wanneer", "wat", "totaal", "punten"],
        Lang::Fr => ["quand", "achats", "total", "points"],
    }
}

/// The dog food's line of the table: "16 × Dog food 12 kg (about every 4 weeks)".
pub(super) fn every_four_weeks(lang: Lang, count: usize, product: &str) -> String {
    match lang {
        Lang::En => format!("{count} × {product} (about every 4 weeks)"),
        Lang::Nl => format!("{count} × {product} (ca. om de 4 weken)"),
        Lang::Fr => format!("{count} × {product} (environ toutes les 4 semaines)"),
    }
}

pub(super) fn vouchers_issued(lang: Lang, date: &str) -> String {
    match lang {
        Lang::En => format!("  vouchers issued on {date} (admin API, signed by the server):"),
        Lang::Nl => {
            format!("  waardebonnen uitgegeven op {date} (admin-API, ondertekend door de server):")
        }
        Lang::Fr => {
            format!("  bons émis le {date} (API d'administration, signés par le serveur)\u{a0}:")
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Content and sync

pub(super) fn content_section(lang: Lang) -> &'static str {
    match lang {
        Lang::En => "Reminder content (published by the retailer)",
        Lang::Nl => "Inhoud van de herinneringen (gepubliceerd door de winkel)",
        Lang::Fr => "Contenu des rappels (publié par le magasin)",
    }
}

/// One published feed: its name (the API's), version and number of items.
pub(super) fn feed(lang: Lang, kind: &str, version: u64, count: usize) -> String {
    let n = count as u64;
    match lang {
        Lang::En => format!(
            "  {kind:<16} version {version:<3} {count} {}",
            plural(lang, n, "item", "items")
        ),
        Lang::Nl => format!(
            "  {kind:<16} versie {version:<3} {count} {}",
            plural(lang, n, "item", "items")
        ),
        Lang::Fr => format!(
            "  {kind:<16} version {version:<3} {count} {}",
            plural(lang, n, "élément", "éléments")
        ),
    }
}

pub(super) fn sync_section(lang: Lang) -> &'static str {
    match lang {
        Lang::En => "Sync",
        Lang::Nl => "Synchronisatie",
        Lang::Fr => "Synchronisation",
    }
}

pub(super) fn sync_applied(
    lang: Lang,
    ledger: u64,
    vouchers: u64,
    receipts: u64,
    feeds: u64,
    requests: u64,
) -> String {
    match lang {
        Lang::En => format!(
            "  {ledger} ledger entries, {vouchers} vouchers, {receipts} receipts and {feeds} \
             content feeds applied in {requests} HTTP requests"
        ),
        Lang::Nl => format!(
            "  {ledger} puntenboekingen, {vouchers} waardebonnen, {receipts} kassabonnen en \
             {feeds} inhoudsfeeds verwerkt in {requests} HTTP-verzoeken"
        ),
        Lang::Fr => format!(
            "  {ledger} écritures de points, {vouchers} bons, {receipts} tickets de caisse et \
             {feeds} flux de contenu appliqués en {requests} requêtes HTTP"
        ),
    }
}

pub(super) fn sync_refused(lang: Lang, what: &str) -> String {
    match lang {
        Lang::En => format!("  refused: {what}"),
        Lang::Nl => format!("  geweigerd: {what}"),
        Lang::Fr => format!("  refusé\u{a0}: {what}"),
    }
}

// ---------------------------------------------------------------------------------------------
// Points

pub(super) fn points_section(lang: Lang) -> &'static str {
    match lang {
        Lang::En => "Points",
        Lang::Nl => "Punten",
        Lang::Fr => "Points",
    }
}

pub(super) fn balance(lang: Lang, confirmed: &str, available: &str, pending: &str) -> String {
    match lang {
        Lang::En => format!("{confirmed} points ({available} available, {pending} pending)"),
        Lang::Nl => {
            format!("{confirmed} punten ({available} beschikbaar, {pending} in behandeling)")
        }
        Lang::Fr => format!("{confirmed} points ({available} disponibles, {pending} en attente)"),
    }
}

/// The tier, its qualifying points since the window's start, and the way to the next tier
/// (`next`: the points still needed and the next tier's name) or none (the highest tier).
pub(super) fn tier(
    lang: Lang,
    tier: &str,
    qualifying: &str,
    since: &str,
    next: Option<(&str, &str)>,
) -> String {
    match (lang, next) {
        (Lang::En, Some((points, next))) => format!(
            "{tier} ({qualifying} qualifying points since {since}, {points} points to {next})"
        ),
        (Lang::En, None) => {
            format!("{tier} ({qualifying} qualifying points since {since}, the highest tier)")
        }
        (Lang::Nl, Some((points, next))) => format!(
            "{tier} ({qualifying} punten die meetellen sinds {since}, nog {points} punten tot {next})"
        ),
        (Lang::Nl, None) => {
            format!("{tier} ({qualifying} punten die meetellen sinds {since}, de hoogste status)")
        }
        (Lang::Fr, Some((points, next))) => format!(
            "{tier} ({qualifying} points pris en compte depuis le {since}, encore {points} points \
             pour atteindre le statut {next})"
        ),
        (Lang::Fr, None) => format!(
            "{tier} ({qualifying} points pris en compte depuis le {since}, le statut le plus élevé)"
        ),
    }
}

pub(super) fn warranty(lang: Lang, product: &str, until: &str) -> String {
    match lang {
        Lang::En => format!("{product} until {until} (receipt kept as proof of purchase)"),
        Lang::Nl => format!("{product} tot {until} (kassabon bewaard als aankoopbewijs)"),
        Lang::Fr => {
            format!("{product} jusqu'au {until} (ticket de caisse conservé comme preuve d'achat)")
        }
    }
}

/// The proof of one receipt line as a QR code, and what the till read from it.
pub(super) struct Proof<'a> {
    /// 1-based.
    pub(super) line: usize,
    pub(super) lines: usize,
    pub(super) chars: usize,
    /// The product as the till's answer names it (the receipt as printed).
    pub(super) product: &'a str,
    pub(super) bought: &'a str,
    pub(super) paid: &'a str,
}

pub(super) fn proof(lang: Lang, p: &Proof) -> String {
    let Proof {
        line,
        lines,
        chars,
        product,
        bought,
        paid,
    } = *p;
    let others = lines > 1;
    match lang {
        Lang::En => {
            format!(
            "line {line} of {lines} as a QR code ({chars} characters{}): the till says {product} \
             bought on {bought}, paid {paid}",
            if others { ", the other lines hidden" } else { "" }
        )
        }
        Lang::Nl => format!(
            "regel {line} van {lines} als QR-code ({chars} tekens{}): de kassa bevestigt \
             {product}, gekocht op {bought}, {paid} betaald",
            if others {
                ", de andere regels verborgen"
            } else {
                ""
            }
        ),
        Lang::Fr => format!(
            "ligne {line} sur {lines} en code QR ({chars} caractères{})\u{a0}: la caisse lit \
             {product}, date d'achat {bought}, montant payé {paid}",
            if others {
                ", les autres lignes masquées"
            } else {
                ""
            }
        ),
    }
}

// ---------------------------------------------------------------------------------------------
// Company invoice

pub(super) fn invoice_section(lang: Lang) -> &'static str {
    match lang {
        Lang::En => "Company invoice (Peppol BIS Billing 3.0, kept offline)",
        Lang::Nl => "Factuur op bedrijfsnaam (Peppol BIS Billing 3.0, offline bewaard)",
        Lang::Fr => "Facture au nom de l'entreprise (Peppol BIS Billing 3.0, conservée hors ligne)",
    }
}

pub(super) fn invoice_asked(lang: Lang, receipt: &str) -> String {
    match lang {
        Lang::En => {
            format!("  asked offline for receipt {receipt}: pending, sent with the next sync")
        }
        Lang::Nl => format!(
            "  offline aangevraagd voor kassabon {receipt}: wacht, gaat mee met de volgende \
             synchronisatie"
        ),
        Lang::Fr => format!(
            "  demandée hors ligne pour le ticket de caisse {receipt}\u{a0}: en attente, envoyée \
             à la prochaine synchronisation"
        ),
    }
}

pub(super) fn invoice_issued(
    lang: Lang,
    number: &str,
    date: &str,
    ubl_bytes: usize,
    copy_bytes: usize,
) -> String {
    match lang {
        Lang::En => format!(
            "  issued: invoice {number} of {date}, UBL 2.1 ({ubl_bytes} bytes) and a readable \
             copy ({copy_bytes} bytes)"
        ),
        Lang::Nl => format!(
            "  opgemaakt: factuur {number} van {date}, UBL 2.1 ({ubl_bytes} bytes) en een \
             leesbare kopie ({copy_bytes} bytes)"
        ),
        Lang::Fr => format!(
            "  émise\u{a0}: facture {number} du {date}, UBL 2.1 ({ubl_bytes} octets) et une copie \
             lisible ({copy_bytes} octets)"
        ),
    }
}

// ---------------------------------------------------------------------------------------------
// Wallet and the offline redemption

pub(super) fn wallet_section(lang: Lang) -> &'static str {
    match lang {
        Lang::En => "Wallet: usable now",
        Lang::Nl => "Portemonnee: nu te gebruiken",
        Lang::Fr => "Portefeuille\u{a0}: bons utilisables maintenant",
    }
}

/// The wallet table's headings: voucher, value, valid until.
pub(super) fn wallet_columns(lang: Lang) -> [&'static str; 3] {
    match lang {
        Lang::En => ["voucher", "value", "valid until"],
        Lang::Nl => ["waardebon", "waarde", "geldig tot"],
        Lang::Fr => ["bon", "valeur", "valable jusqu'au"],
    }
}

pub(super) fn redeeming_section(lang: Lang, voucher: &str) -> String {
    match lang {
        Lang::En => format!("Redeeming \"{voucher}\" offline"),
        Lang::Nl => format!("„{voucher}” offline inwisselen"),
        Lang::Fr => format!("Utilisation hors ligne de «\u{a0}{voucher}\u{a0}»"),
    }
}

#[derive(Clone, Copy)]
pub(super) enum RedeemField {
    CodeAtTill,
    State,
    AfterSync,
}

impl RedeemField {
    const ALL: [RedeemField; 3] = [
        RedeemField::CodeAtTill,
        RedeemField::State,
        RedeemField::AfterSync,
    ];

    fn text(self, lang: Lang) -> &'static str {
        let [en, nl, fr] = match self {
            RedeemField::CodeAtTill => ["code at the till", "code aan de kassa", "code en caisse"],
            RedeemField::State => ["state", "status", "état"],
            RedeemField::AfterSync => ["after sync", "na synchronisatie", "après synchronisation"],
        };
        match lang {
            Lang::En => en,
            Lang::Nl => nl,
            Lang::Fr => fr,
        }
    }
}

/// A row of the redemption: the label padded to the language's longest one and two spaces.
pub(super) fn redeem_field(lang: Lang, f: RedeemField, value: impl std::fmt::Display) -> String {
    let width = RedeemField::ALL
        .iter()
        .map(|f| f.text(lang).chars().count())
        .max()
        .unwrap_or(0)
        + 2;
    format!("  {:<width$}{value}", f.text(lang))
}

/// The voucher's state while it waits to be settled, the outbox and the requests made meanwhile.
pub(super) fn redeeming_state(lang: Lang, state: &str, waiting: usize, requests: u64) -> String {
    match lang {
        Lang::En => format!("{state}  · outbox: {waiting} waiting · network requests: {requests}"),
        Lang::Nl => format!("{state}  · wachtrij: {waiting} wachtend · netwerkverzoeken: {requests}"),
        Lang::Fr => format!(
            "{state}  · file d'envoi\u{a0}: {waiting} en attente · requêtes réseau\u{a0}: {requests}"
        ),
    }
}

pub(super) fn after_sync(lang: Lang, state: &str, resolved: u64, waiting: u64) -> String {
    match lang {
        Lang::En => format!(
            "{state} · {resolved} outbox {} resolved · {waiting} waiting",
            plural(lang, resolved, "item", "items")
        ),
        Lang::Nl => format!(
            "{state} · {resolved} {} uit de wachtrij afgehandeld · {waiting} wachtend",
            plural(lang, resolved, "item", "items")
        ),
        Lang::Fr => format!(
            "{state} · {resolved} {} · {waiting} en attente",
            plural(
                lang,
                resolved,
                "élément de la file traité",
                "éléments de la file traités"
            )
        ),
    }
}

// ---------------------------------------------------------------------------------------------
// Reminders

pub(super) fn reminders_section(lang: Lang, code: &str) -> String {
    match lang {
        Lang::En => format!("Reminders planned for the coming weeks (language: {code})"),
        Lang::Nl => format!("Herinneringen gepland voor de komende weken (taal: {code})"),
        Lang::Fr => format!("Rappels prévus pour les semaines à venir (langue\u{a0}: {code})"),
    }
}

/// The context the plan is made in: now, the forecast, quiet hours and consent.
pub(super) fn reminder_context(lang: Lang, now: &str) -> String {
    match lang {
        Lang::En => format!(
            "  context: {now}, frost forecast tonight (−3 °C); quiet hours 22:00–08:00; \
             consent to all"
        ),
        Lang::Nl => format!(
            "  context: {now}, vannacht vorst voorspeld (−3 °C); stille uren 22:00–08:00; \
             toestemming voor alles"
        ),
        Lang::Fr => format!(
            "  contexte\u{a0}: {now}, gel annoncé cette nuit (−3 °C)\u{a0}; heures de silence \
             22:00–08:00\u{a0}; tout est autorisé"
        ),
    }
}

/// Before a reminder's reason. Its spaces do not break (the reason is wrapped on spaces).
pub(super) fn why(lang: Lang) -> &'static str {
    match lang {
        Lang::En => "why:",
        Lang::Nl => "waarom:",
        Lang::Fr => "pourquoi\u{a0}:",
    }
}

/// A reminder's consent category, as the tag after its title.
pub(super) fn category(lang: Lang, c: loyalty_core::reminders::Category) -> &'static str {
    use loyalty_core::reminders::Category;
    match (lang, c) {
        (Lang::En, Category::Safety) => "safety",
        (Lang::En, Category::Service) => "service",
        (Lang::En, Category::Marketing) => "marketing",
        (Lang::Nl, Category::Safety) => "veiligheid",
        (Lang::Nl, Category::Service) => "service",
        (Lang::Nl, Category::Marketing) => "aanbiedingen",
        (Lang::Fr, Category::Safety) => "sécurité",
        (Lang::Fr, Category::Service) => "service",
        (Lang::Fr, Category::Marketing) => "offres",
    }
}

/// A voucher's state, in a table cell.
pub(super) fn voucher_state(lang: Lang, s: &loyalty_core::wallet::VoucherState) -> &'static str {
    use loyalty_core::wallet::VoucherState as S;
    match (lang, s) {
        (Lang::En, S::Available) => "available",
        (Lang::En, S::Redeeming { .. }) => "redeeming (waiting for the server)",
        (Lang::En, S::Redeemed { .. }) => "redeemed",
        (Lang::En, S::Expired) => "expired",
        (Lang::En, S::Revoked) => "revoked",
        (Lang::Nl, S::Available) => "beschikbaar",
        (Lang::Nl, S::Redeeming { .. }) => "wordt ingewisseld (wacht op de server)",
        (Lang::Nl, S::Redeemed { .. }) => "ingewisseld",
        (Lang::Nl, S::Expired) => "verlopen",
        (Lang::Nl, S::Revoked) => "ingetrokken",
        (Lang::Fr, S::Available) => "disponible",
        (Lang::Fr, S::Redeeming { .. }) => "en cours d'utilisation (en attente du serveur)",
        (Lang::Fr, S::Redeemed { .. }) => "utilisé",
        (Lang::Fr, S::Expired) => "expiré",
        (Lang::Fr, S::Revoked) => "retiré",
    }
}

/// Why the policy held a reminder back.
pub(super) fn held_back_because(
    lang: Lang,
    why: loyalty_core::reminders::SuppressReason,
) -> &'static str {
    use loyalty_core::reminders::SuppressReason as R;
    match (lang, why) {
        (Lang::En, R::NoConsent) => "no consent",
        (Lang::En, R::Dismissed) => "dismissed",
        (Lang::En, R::RuleMuted) => "muted",
        (Lang::En, R::AlreadyDelivered) => "already shown",
        (Lang::En, R::TooSoon) => "shown recently",
        (Lang::En, R::Duplicate) => "duplicate",
        (Lang::En, R::Stale) => "too late",
        (Lang::En, R::Capped) => "capped",
        (Lang::En, R::BeyondHorizon) => "later",
        (Lang::Nl, R::NoConsent) => "geen toestemming",
        (Lang::Nl, R::Dismissed) => "weggeklikt",
        (Lang::Nl, R::RuleMuted) => "uitgezet",
        (Lang::Nl, R::AlreadyDelivered) => "al getoond",
        (Lang::Nl, R::TooSoon) => "onlangs getoond",
        (Lang::Nl, R::Duplicate) => "dubbel",
        (Lang::Nl, R::Stale) => "te laat",
        (Lang::Nl, R::Capped) => "maximum bereikt",
        (Lang::Nl, R::BeyondHorizon) => "later",
        (Lang::Fr, R::NoConsent) => "sans consentement",
        (Lang::Fr, R::Dismissed) => "écarté",
        (Lang::Fr, R::RuleMuted) => "désactivé",
        (Lang::Fr, R::AlreadyDelivered) => "déjà affiché",
        (Lang::Fr, R::TooSoon) => "affiché récemment",
        (Lang::Fr, R::Duplicate) => "en double",
        (Lang::Fr, R::Stale) => "trop tard",
        (Lang::Fr, R::Capped) => "plafond atteint",
        (Lang::Fr, R::BeyondHorizon) => "plus tard",
    }
}

/// The rules the policy (consent, quiet hours, caps) held back, with why.
pub(super) fn held_back(lang: Lang, list: &str) -> String {
    match lang {
        Lang::En => format!("held back by the policy: {list}"),
        Lang::Nl => format!("tegengehouden door de meldingsregels: {list}"),
        Lang::Fr => format!("retenus par les règles de notification\u{a0}: {list}"),
    }
}

pub(super) fn to_schedule(lang: Lang, count: usize, again_at: &str) -> String {
    let n = count as u64;
    match lang {
        Lang::En => format!(
            "\n  {count} {} to schedule; plan again at {again_at}",
            plural(lang, n, "notification", "notifications")
        ),
        Lang::Nl => format!(
            "\n  {count} {} in te plannen; opnieuw plannen op {again_at}",
            plural(lang, n, "melding", "meldingen")
        ),
        Lang::Fr => format!(
            "\n  {count} {} à programmer\u{a0}; nouvelle planification le {again_at}",
            plural(lang, n, "notification", "notifications")
        ),
    }
}

// ---------------------------------------------------------------------------------------------
// Shopping list

pub(super) fn list_section(lang: Lang) -> &'static str {
    match lang {
        Lang::En => "Shopping list (kept on the phone, offline)",
        Lang::Nl => "Boodschappenlijst (offline bewaard op je telefoon)",
        Lang::Fr => "Liste de courses (conservée hors ligne sur votre téléphone)",
    }
}

pub(super) fn usual_items(lang: Lang) -> &'static str {
    match lang {
        Lang::En => "  your usual items, likeliest at the next shop first:",
        Lang::Nl => {
            "  wat je gewoonlijk koopt, bovenaan wat je de volgende keer het eerst nodig hebt:"
        }
        Lang::Fr => {
            "  vos achats habituels, en tête ceux que vous rachèterez le plus probablement\u{a0}:"
        }
    }
}

/// The reminder's offer taken: its title, the button's text, the item put on the list.
pub(super) fn offer_taken(lang: Lang, reminder: &str, action: &str, item: &str) -> String {
    match lang {
        Lang::En => format!("\n  \"{reminder}\" → \"{action}\" → on the list: {item}"),
        Lang::Nl => format!("\n  „{reminder}” → „{action}” → op de lijst: {item}"),
        Lang::Fr => format!(
            "\n  «\u{a0}{reminder}\u{a0}» → «\u{a0}{action}\u{a0}» → sur la liste\u{a0}: {item}"
        ),
    }
}

pub(super) fn added_by_hand(lang: Lang, item: &str, quantity: u32) -> String {
    match lang {
        Lang::En => format!("  added by hand: {item} ({quantity})"),
        Lang::Nl => format!("  zelf toegevoegd: {item} ({quantity})"),
        Lang::Fr => format!("  ajout manuel\u{a0}: {item} ({quantity})"),
    }
}

/// The next shop: when, the product bought, the receipts synced, and what left the list.
pub(super) fn left_the_list(
    lang: Lang,
    at: &str,
    product: &str,
    receipts: u64,
    left: &str,
) -> String {
    match lang {
        Lang::En => format!(
            "\n  {at}: {product} at the till, {receipts} {} synced; bought, so it left the list \
             by itself: {left}",
            plural(lang, receipts, "receipt", "receipts")
        ),
        Lang::Nl => format!(
            "\n  {at}: {product} aan de kassa, {receipts} {} gesynchroniseerd; gekocht, dus \
             vanzelf van de lijst gehaald: {left}",
            plural(lang, receipts, "kassabon", "kassabonnen")
        ),
        Lang::Fr => format!(
            "\n  {at}\u{a0}: {product} en caisse, {receipts} {}\u{a0}; article acheté, donc retiré \
             de la liste automatiquement\u{a0}: {left}",
            plural(
                lang,
                receipts,
                "ticket de caisse synchronisé",
                "tickets de caisse synchronisés"
            )
        ),
    }
}

// ---------------------------------------------------------------------------------------------
// Surveys

pub(super) fn surveys_section(lang: Lang) -> &'static str {
    match lang {
        Lang::En => "Surveys (answered offline, once)",
        Lang::Nl => "Enquêtes (offline beantwoord, één keer)",
        Lang::Fr => "Sondages (réponse hors ligne, une seule fois)",
    }
}

pub(super) fn survey_not_taken(lang: Lang, question: &str, reason: &str) -> String {
    match lang {
        Lang::En => format!("  {question}  not taken: {reason}"),
        Lang::Nl => format!("  {question}  niet verwerkt: {reason}"),
        Lang::Fr => format!("  {question}  non pris en compte\u{a0}: {reason}"),
    }
}

pub(super) fn answers_sent(lang: Lang, counted: u64) -> String {
    match lang {
        Lang::En => {
            format!("  sent in one batch with the next sync: {counted} answer(s) counted")
        }
        Lang::Nl => format!(
            "  samen verstuurd bij de volgende synchronisatie: {counted} {} geteld",
            plural(lang, counted, "antwoord", "antwoorden")
        ),
        Lang::Fr => format!(
            "  envoyées ensemble à la prochaine synchronisation\u{a0}: {counted} {}",
            plural(lang, counted, "réponse comptée", "réponses comptées")
        ),
    }
}

/// What the back office sees of one survey: the number of answers and the average rating.
pub(super) fn survey_counts(lang: Lang, survey: &str, answers: u64, stars: Option<f64>) -> String {
    match lang {
        Lang::En => format!(
            "  the retailer sees counts only: {survey}: {answers} answer(s){}",
            stars
                .map(|a| format!(", {} stars on average", decimal(lang, a)))
                .unwrap_or_default()
        ),
        Lang::Nl => format!(
            "  de winkel ziet alleen aantallen: {survey}: {answers} {}{}",
            plural(lang, answers, "antwoord", "antwoorden"),
            stars
                .map(|a| format!(", gemiddeld {} sterren", decimal(lang, a)))
                .unwrap_or_default()
        ),
        Lang::Fr => format!(
            "  le magasin ne voit que des totaux\u{a0}: {survey}\u{a0}: {answers} {}{}",
            plural(lang, answers, "réponse", "réponses"),
            stars
                .map(|a| format!(", {} étoiles en moyenne", decimal(lang, a)))
                .unwrap_or_default()
        ),
    }
}

// ---------------------------------------------------------------------------------------------
// Membership, card, the end

pub(super) fn membership_section(lang: Lang) -> &'static str {
    match lang {
        Lang::En => "Plus membership (recorded by the retailer, known offline)",
        Lang::Nl => "Plus-lidmaatschap (geregistreerd door de winkel, ook offline bekend)",
        Lang::Fr => "Abonnement Plus (enregistré par le magasin, connu hors ligne)",
    }
}

/// What the demo's purchase of 43.90 earns with the membership, against 43 without.
pub(super) fn membership_earns(lang: Lang, points: i64) -> String {
    match lang {
        Lang::En => format!("  a purchase of 43.90 now earns {points} points instead of 43"),
        Lang::Nl => {
            format!("  een aankoop van € 43,90 levert nu {points} punten op in plaats van 43")
        }
        Lang::Fr => {
            format!("  un achat de 43,90 € rapporte désormais {points} points au lieu de 43")
        }
    }
}

pub(super) fn card_section(lang: Lang) -> &'static str {
    match lang {
        Lang::En => "Your card at the till",
        Lang::Nl => "Je kaart aan de kassa",
        Lang::Fr => "Votre carte en caisse",
    }
}

/// How long the code on the screen is valid.
pub(super) fn code_valid(lang: Lang, from: &str, until: &str, seconds: i64) -> String {
    match lang {
        Lang::En => {
            format!("{from} – {until} ({seconds} s; the app redraws it then, offline)")
        }
        Lang::Nl => {
            format!("{from} – {until} ({seconds} s; daarna toont de app offline een nieuwe)")
        }
        Lang::Fr => format!(
            "{from} – {until} ({seconds} s\u{a0}; ensuite l'app en affiche un nouveau, hors ligne)"
        ),
    }
}

pub(super) fn done(lang: Lang) -> &'static str {
    match lang {
        Lang::En => "\nDone: server and app ran on one injected clock; nothing slept.",
        Lang::Nl => {
            "\nKlaar: server en app liepen op één geïnjecteerde klok; er werd nergens echt gewacht."
        }
        Lang::Fr => {
            "\nTerminé\u{a0}: le serveur et l'app ont partagé une horloge injectée\u{a0}; aucune \
             attente réelle."
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every label in `lang`, by name, its values filled with samples.
    fn all(lang: Lang) -> Vec<(String, String)> {
        let mut v: Vec<(String, String)> = Field::ALL
            .iter()
            .enumerate()
            .map(|(i, f)| (format!("field {i}"), f.text(lang).to_string()))
            .collect();
        v.extend(
            RedeemField::ALL
                .iter()
                .enumerate()
                .map(|(i, f)| (format!("redeem field {i}"), f.text(lang).to_string())),
        );
        let proof_sample = Proof {
            line: 1,
            lines: 3,
            chars: 377,
            product: "P",
            bought: "D",
            paid: "M",
        };
        let texts = [
            ("title", title(lang).to_string()),
            ("server", server_section(lang).to_string()),
            ("temporary", data_temporary(lang).to_string()),
            ("voucher key", voucher_key(lang, "AB12")),
            ("clock", clock(lang, "D")),
            ("enrolment", enrolment_section(lang).to_string()),
            ("card", card(lang, "123", "SHA-1", 8, 30)),
            ("household kept", household(lang, true).to_string()),
            ("household none", household(lang, false).to_string()),
            ("shopping", shopping_section(lang).to_string()),
            ("replaying", replaying(lang, 15, 3)),
            ("replayed", replayed(lang, 15, 20, "M", "9")),
            ("receipt columns", receipt_columns(lang).join(" ")),
            ("every four weeks", every_four_weeks(lang, 16, "P")),
            ("vouchers issued", vouchers_issued(lang, "D")),
            ("content", content_section(lang).to_string()),
            ("feed", feed(lang, "recipes", 1, 2)),
            ("sync", sync_section(lang).to_string()),
            ("applied", sync_applied(lang, 1, 2, 3, 4, 5)),
            ("refused", sync_refused(lang, "x")),
            ("points", points_section(lang).to_string()),
            ("balance", balance(lang, "1", "1", "0")),
            ("tier next", tier(lang, "T", "9", "D", Some(("3", "N")))),
            ("tier highest", tier(lang, "T", "9", "D", None)),
            ("warranty", warranty(lang, "P", "D")),
            ("proof", proof(lang, &proof_sample)),
            ("invoice", invoice_section(lang).to_string()),
            ("invoice asked", invoice_asked(lang, "r_1")),
            ("invoice issued", invoice_issued(lang, "N", "D", 1, 2)),
            ("wallet", wallet_section(lang).to_string()),
            ("wallet columns", wallet_columns(lang).join(" ")),
            ("redeeming", redeeming_section(lang, "V")),
            ("redeeming state", redeeming_state(lang, "s", 1, 0)),
            ("after sync", after_sync(lang, "s", 1, 0)),
            ("reminders", reminders_section(lang, "xx")),
            ("context", reminder_context(lang, "D")),
            ("why", why(lang).to_string()),
            ("held back", held_back(lang, "x")),
            ("to schedule", to_schedule(lang, 10, "D")),
            ("list", list_section(lang).to_string()),
            ("usual", usual_items(lang).to_string()),
            ("offer taken", offer_taken(lang, "R", "A", "I")),
            ("added by hand", added_by_hand(lang, "I", 2)),
            ("left the list", left_the_list(lang, "D", "P", 1, "I")),
            ("surveys", surveys_section(lang).to_string()),
            ("not taken", survey_not_taken(lang, "Q", "R")),
            ("answers sent", answers_sent(lang, 2)),
            ("survey counts", survey_counts(lang, "S", 1, Some(4.5))),
            ("membership", membership_section(lang).to_string()),
            ("membership earns", membership_earns(lang, 86)),
            ("your card", card_section(lang).to_string()),
            ("code valid", code_valid(lang, "09:30:00", "09:30:30", 30)),
            ("done", done(lang).to_string()),
        ];
        v.extend(texts.into_iter().map(|(k, t)| (k.to_string(), t)));
        v
    }

    #[test]
    fn dutch_and_french_have_their_own_text_for_every_label() {
        let en = all(Lang::En);
        // Words French shares with English.
        let same_in_french = ["points", "field 11"];
        for (lang, same) in [
            (Lang::Nl, &["field 11"][..]),
            (Lang::Fr, &same_in_french[..]),
        ] {
            for ((name, theirs), (_, english)) in all(lang).iter().zip(&en) {
                if !same.contains(&name.as_str()) {
                    assert_ne!(theirs, english, "{name} in {lang:?}");
                }
            }
        }
    }

    #[test]
    fn french_typography_and_dutch_register() {
        for (name, text) in all(Lang::Fr) {
            for plain in [" :", " ;", " ?", " !", "« ", " »"] {
                assert!(!text.contains(plain), "{plain:?} in {name}: {text}");
            }
        }
        for (name, text) in all(Lang::Nl) {
            let words: Vec<&str> = text.split(|c: char| !c.is_alphabetic()).collect();
            for formal in ["u", "uw", "U", "Uw"] {
                assert!(!words.contains(&formal), "{formal:?} in {name}: {text}");
            }
        }
    }

    #[test]
    fn the_columns_fit_the_longest_label_and_english_keeps_its_layout() {
        assert_eq!(field(Lang::En, Field::Listening, "x"), "  listening   x");
        assert_eq!(field(Lang::En, Field::VoucherKey, "x"), "  voucher key x");
        assert_eq!(
            redeem_field(Lang::En, RedeemField::State, "x"),
            format!("  state{}x", " ".repeat(13))
        );
        for lang in [Lang::En, Lang::Nl, Lang::Fr] {
            let starts: Vec<usize> = Field::ALL
                .iter()
                .map(|f| field(lang, *f, "|").chars().position(|c| c == '|').unwrap())
                .collect();
            assert!(
                starts.windows(2).all(|w| w[0] == w[1]),
                "{lang:?}: {starts:?}"
            );
            for f in Field::ALL {
                // At least one space between the label and its value.
                assert!(field(lang, f, "|").contains(" |"), "{lang:?}");
            }
        }
    }

    #[test]
    fn plurals_and_decimals_follow_the_language() {
        assert_eq!(
            after_sync(Lang::En, "s", 2, 0),
            "s · 2 outbox items resolved · 0 waiting"
        );
        assert_eq!(
            after_sync(Lang::Fr, "s", 0, 0),
            "s · 0 élément de la file traité · 0 en attente"
        );
        assert_eq!(
            answers_sent(Lang::Nl, 1),
            "  samen verstuurd bij de volgende synchronisatie: 1 antwoord geteld"
        );
        assert!(survey_counts(Lang::Fr, "s", 2, Some(4.5))
            .ends_with("2 réponses, 4,5 étoiles en moyenne"));
        assert!(survey_counts(Lang::En, "s", 2, Some(4.5))
            .ends_with("2 answer(s), 4.5 stars on average"));
    }
}
