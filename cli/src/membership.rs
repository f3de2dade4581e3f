//! `membership`: the premium membership the retailer recorded, as of the last sync.

use crate::app::{CliResult, Ctx, Output};
use serde_json::json;

pub fn run(ctx: &Ctx) -> CliResult<Output> {
    let client = ctx.client()?;
    let language = crate::sync::language();
    let Some(state) = client.membership().current(&language)? else {
        return Ok(Output::new(
            json!({"membership": null, "premium": false}),
            "no premium membership",
        ));
    };
    let m = &state.membership;
    let human = format!(
        "{}\n  plan {} ({} % points)  status {:?}  {} day(s) left{}",
        state.text,
        m.plan,
        m.points_percent,
        state.status,
        state.days_left,
        if m.auto_renews {
            "  renews by itself"
        } else {
            ""
        }
    );
    Ok(Output::new(
        json!({"membership": m, "status": state.status, "days_left": state.days_left,
               "premium": client.membership().is_premium()?, "text": state.text}),
        human,
    ))
}
