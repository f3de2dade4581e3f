//! Act 1: the reference server starts in-process, and the app enrols over the real HTTP sync.

use super::labels::{self, Field};
use super::till_client::TillApi;
use super::words::date_time;
use super::{Demo, Lang, Out};
use crate::app::{CliError, CliResult};
use crate::secrets::FileSecretStore;
use loyalty_core::card::TotpAlgorithm;
use loyalty_core::points::ProgrammeRules;
use loyalty_core::secrets::SecretStore;
use loyalty_core::{Clock, LoyaltyClient, ManualClock};
use std::path::Path;
use std::sync::Arc;

impl<'a> Demo<'a> {
    /// Opens the shopper's app on the demo's directory and enrols it; the demo goes on from there.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn enrol(
        root: &Path,
        temporary: bool,
        lang: Lang,
        out: &'a Out,
        clock: Arc<ManualClock>,
        shared: Arc<dyn Clock>,
        till: TillApi,
        base_url: &str,
        public_key: &str,
    ) -> CliResult<Demo<'a>> {
        let title = labels::title(lang);
        out.line(title)?;
        out.line("═".repeat(title.chars().count()))?;
        out.section(labels::server_section(lang))?;
        out.line(labels::field(lang, Field::Listening, base_url))?;
        out.line(labels::field(
            lang,
            Field::Data,
            format!(
                "{}{}",
                root.display(),
                if temporary {
                    labels::data_temporary(lang)
                } else {
                    ""
                }
            ),
        ))?;
        out.line(labels::field(
            lang,
            Field::VoucherKey,
            labels::voucher_key(lang, &public_key[..public_key.len().min(16)]),
        ))?;
        out.line(labels::field(
            lang,
            Field::Clock,
            labels::clock(lang, &date_time(lang, clock.now())),
        ))?;

        let app_dir = root.join("shopper");
        std::fs::create_dir_all(&app_dir)
            .map_err(|e| CliError::storage(format!("cannot create {}: {e}", app_dir.display())))?;
        let secrets: Arc<dyn SecretStore> =
            Arc::new(FileSecretStore::new(app_dir.join(crate::app::SECRETS_FILE)));
        let client =
            LoyaltyClient::open(&app_dir, ProgrammeRules::default(), shared, Some(secrets))?;
        let sync = client.sync();
        out.section(labels::enrolment_section(lang))?;
        let enrolment = sync
            .runtime_handle()?
            .block_on(sync.enrol(base_url.to_string(), Some("Sam".into())))?;
        let card = enrolment
            .card
            .clone()
            .or(client.card().member_card()?)
            .ok_or_else(|| CliError::other("enrolment left no member card on the device"))?;
        out.line(labels::field(lang, Field::Member, &enrolment.member_id))?;
        out.line(labels::field(
            lang,
            Field::Card,
            labels::card(
                lang,
                &card.card_number,
                match card.params.algorithm {
                    TotpAlgorithm::Sha1 => "SHA-1",
                    TotpAlgorithm::Sha256 => "SHA-256",
                    TotpAlgorithm::Sha512 => "SHA-512",
                },
                card.params.digits,
                card.params.period_millis / 1000,
            ),
        ))?;
        out.line(labels::field(
            lang,
            Field::Household,
            labels::household(lang, sync.household_code()?.is_some()),
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
        Ok(demo)
    }
}
