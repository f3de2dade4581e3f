//! `demo`: a shopper's year, end to end, in a few seconds. The reference server runs in-process on
//! loopback with a clock the demo moves (shared by server and app, so 15 months of shopping
//! replay instantly and nothing sleeps); the app enrols over the real HTTP sync, the demo plays
//! the till and the retailer's back office over the server's till and admin endpoints, and
//! everything printed comes back from the core or the server.
//!
//! One file per act, in the order they run: `enrolment`, `shopping`, `sync` (content published,
//! then synced), `points`, `invoice` (a company invoice for the television's receipt), `wallet`
//! (with the offline redemption), `reminders`, `list` (the shopping list, and a receipt taking an
//! item off it), `surveys` (answered offline, counted by the back office), `membership` (the paid
//! Plus membership, known offline), `card` (last, so the code stays on the screen when the demo
//! ends). `script` is the scripted year (products, visits, vouchers, content), `words` how the demo
//! writes in nl, fr and en, `labels` its headings and labels in each, `till_client` the HTTP client
//! it plays the till and the back office with.

mod card;
mod enrolment;
mod invoice;
mod labels;
mod list;
mod membership;
mod points;
mod reminders;
mod script;
mod shopping;
mod surveys;
mod sync;
mod till_client;
mod wallet;
mod words;

use crate::app::{print_stdout, CliError, CliResult, Ctx, Output};
use clap::{Args, ValueEnum};
use loyalty_core::card::TotpAlgorithm;
use loyalty_core::{Clock, LoyaltyClient, ManualClock};
use loyalty_server::{start, ServerConfig};
use script::start_time;
use serde_json::{json, Value};
use std::io::IsTerminal;
use std::path::PathBuf;
use std::sync::Arc;
use till_client::TillApi;

#[derive(Args)]
pub struct DemoArgs {
    /// Language of the reminders, dates and amounts; by default the terminal's (LC_ALL,
    /// LC_MESSAGES, LANG: nl_BE.UTF-8 and nl_NL are Dutch, fr_BE and fr_FR French, the rest
    /// English).
    #[arg(long, value_enum)]
    pub lang: Option<Lang>,
}

#[derive(ValueEnum, Clone, Copy, PartialEq, Eq, Debug)]
pub enum Lang {
    Nl,
    Fr,
    En,
}

impl Lang {
    /// The language of the first POSIX locale variable that is set (as `setlocale` reads them).
    fn of_environment() -> Lang {
        let var = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
        let locale = var("LC_ALL")
            .or_else(|| var("LC_MESSAGES"))
            .or_else(|| var("LANG"));
        Lang::of_locale(locale.as_deref().unwrap_or(""))
    }

    /// `nl_BE.UTF-8`, `fr`, `fr-BE`, `en_GB@euro` ...: the language part.
    fn of_locale(locale: &str) -> Lang {
        let language = locale
            .split(['_', '-', '.', '@'])
            .next()
            .unwrap_or("")
            .to_ascii_lowercase();
        match language.as_str() {
            "nl" => Lang::Nl,
            "fr" => Lang::Fr,
            _ => Lang::En,
        }
    }

    /// The core's language for this one (names and texts the core picks).
    fn core(self) -> loyalty_core::reminders::Lang {
        loyalty_core::reminders::Lang::negotiate(self.code())
    }

    fn code(self) -> &'static str {
        match self {
            Lang::Nl => "nl",
            Lang::Fr => "fr",
            Lang::En => "en",
        }
    }
}

/// Prints as it goes (people), or stays quiet for `--json` (one document at the end).
pub(crate) struct Out {
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
    let result = Demo::enrol(
        &root,
        temporary,
        a.lang.unwrap_or_else(Lang::of_environment),
        &out,
        clock,
        shared,
        till,
        &base_url,
        &key,
    )
    .and_then(|demo| demo.rest());
    // The server stops in every case, the demo's data directory is left as it is.
    runtime.block_on(server.shutdown());
    let summary = result?;
    Ok(ctx.json.then(|| Output::new(summary, String::new())))
}

pub(crate) struct Demo<'a> {
    lang: Lang,
    out: &'a Out,
    clock: Arc<ManualClock>,
    client: LoyaltyClient,
    till: TillApi,
    card_number: String,
    member_id: String,
}

impl Demo<'_> {
    /// The acts after enrolment, in order; the `--json` summary gathers what each reports.
    fn rest(&self) -> CliResult<Value> {
        let shopped = self.shopping()?;
        self.publish_and_sync()?;
        let points = self.points()?;
        let invoice = self.invoice()?;
        let wallet = self.wallet()?;
        let reminders = self.reminders()?;
        let list = self.shopping_list()?;
        let surveys = self.surveys()?;
        let membership = self.membership()?;
        // The card last, so it stays on the screen when the demo ends, as the shopper's phone
        // shows it at the till.
        let card = self.card()?;
        self.out.line(labels::done(self.lang))?;
        let mut summary = serde_json::Map::new();
        summary.insert("member_id".into(), json!(self.member_id));
        summary.insert("card_number".into(), json!(self.card_number));
        for part in [
            shopped, points, invoice, card, wallet, reminders, list, surveys, membership,
        ] {
            if let Value::Object(fields) = part {
                summary.extend(fields);
            }
        }
        Ok(Value::Object(summary))
    }
}

#[cfg(test)]
mod tests {
    use super::Lang;

    #[test]
    fn the_language_follows_the_locale() {
        for (locale, lang) in [
            ("nl_BE.UTF-8", Lang::Nl),
            ("nl_NL", Lang::Nl),
            ("fr_BE.UTF-8", Lang::Fr),
            ("fr-FR", Lang::Fr),
            ("FR", Lang::Fr),
            ("en_GB@euro", Lang::En),
            ("de_DE.UTF-8", Lang::En),
            ("C", Lang::En),
            ("", Lang::En),
        ] {
            assert_eq!(Lang::of_locale(locale), lang, "{locale}");
        }
    }
}
