//! Act 6: the wallet's usable vouchers, and one redeemed offline then settled by a sync.

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
        out.section("Wallet: usable now")?;
        let usable = self.client.wallet().usable_now()?;
        out.line(format!(
            "  {:<30} {:<32} {}",
            "voucher", "value", "valid until"
        ))?;
        for v in &usable {
            out.line(format!(
                "  {:<30} {:<32} {}",
                v.title_in(lang.core()),
                voucher_value(lang, &v.kind),
                date_time(lang, v.valid_until)
            ))?;
        }

        let pick = usable
            .iter()
            .find(|v| matches!(v.kind, VoucherKind::AmountOff { .. }))
            .or(usable.first())
            .ok_or_else(|| CliError::other("the wallet has no usable voucher to redeem"))?;
        out.section(&format!(
            "Redeeming \"{}\" offline",
            pick.title_in(lang.core())
        ))?;
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
        Ok(json!({
            "usable_vouchers": usable.iter().map(|v| json!({"id": v.id, "title": v.title})).collect::<Vec<_>>(),
            "redemption": {"voucher_id": pick.id, "network_requests_offline": during,
                           "state_after_sync": state_name(&after.state)},
        }))
    }
}
