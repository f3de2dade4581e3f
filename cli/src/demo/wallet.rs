//! Act 6: the wallet's usable vouchers, and one redeemed offline then settled by a sync.

use super::labels::{self, RedeemField};
use super::words::{date_time, state_name, voucher_value};
use super::Demo;
use crate::app::{CliError, CliResult};
use loyalty_core::wallet::VoucherKind;
use serde_json::{json, Value};

impl Demo<'_> {
    /// Usable vouchers and the offline redemption; the summary's `usable_vouchers` and
    /// `redemption`.
    pub(super) fn wallet(&self) -> CliResult<Value> {
        let lang = self.lang;
        let out = self.out;
        let sync = self.client.sync();
        out.section(labels::wallet_section(lang))?;
        let usable = self.client.wallet().usable_now()?;
        let rows: Vec<[String; 3]> = usable
            .iter()
            .map(|v| {
                [
                    v.title_in(lang.core()).to_string(),
                    voucher_value(lang, &v.kind),
                    date_time(lang, v.valid_until),
                ]
            })
            .collect();
        let [voucher, value, valid_until] = labels::wallet_columns(lang);
        // At least 30 and 32 wide, wider when a title or a value in the language needs it.
        let width = |column: usize, heading: &str, least: usize| {
            rows.iter()
                .map(|r| r[column].chars().count())
                .chain([heading.chars().count()])
                .max()
                .map_or(least, |longest| least.max(longest + 1))
        };
        let (w0, w1) = (width(0, voucher, 30), width(1, value, 32));
        out.line(format!("  {voucher:<w0$} {value:<w1$} {valid_until}"))?;
        for [title, value, until] in &rows {
            out.line(format!("  {title:<w0$} {value:<w1$} {until}"))?;
        }

        let pick = usable
            .iter()
            .find(|v| matches!(v.kind, VoucherKind::AmountOff { .. }))
            .or(usable.first())
            .ok_or_else(|| CliError::other("the wallet has no usable voucher to redeem"))?;
        out.section(&labels::redeeming_section(lang, pick.title_in(lang.core())))?;
        let before = sync.requests_made();
        let redemption = self.client.wallet().begin_redemption(&pick.id)?;
        let during = sync.requests_made() - before;
        let shown = &redemption.voucher.code;
        out.line(labels::redeem_field(
            lang,
            RedeemField::CodeAtTill,
            format!(
                "{}…{}",
                &shown[..shown.len().min(24)],
                &shown[shown.len().saturating_sub(8)..]
            ),
        ))?;
        out.line(labels::redeem_field(
            lang,
            RedeemField::State,
            labels::redeeming_state(
                lang,
                labels::voucher_state(lang, &redemption.voucher.state),
                self.client.wallet().pending_redemptions()?.len(),
                during,
            ),
        ))?;
        let report2 = sync.sync_now_blocking()?;
        let after = self.client.wallet().get(&pick.id)?;
        out.line(labels::redeem_field(
            lang,
            RedeemField::AfterSync,
            labels::after_sync(
                lang,
                labels::voucher_state(lang, &after.state),
                u64::from(report2.outbox_resolved),
                u64::from(sync.state().pending_outbox),
            ),
        ))?;
        Ok(json!({
            "usable_vouchers": usable.iter().map(|v| json!({"id": v.id, "title": v.title})).collect::<Vec<_>>(),
            "redemption": {"voucher_id": pick.id, "network_requests_offline": during,
                           "state_after_sync": state_name(&after.state)},
        }))
    }
}
