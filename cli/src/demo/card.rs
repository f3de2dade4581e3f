//! The last act: the member card as the till sees it: the rotating code drawn in the terminal, left
//! on the screen when the demo ends.

use super::labels::{self, Field};
use super::words::time;
use super::Demo;
use crate::app::CliResult;
use loyalty_core::render::{EcLevel, RenderOptions};
use serde_json::{json, Value};

impl Demo<'_> {
    /// Draws the rotating code; the summary's `code`.
    pub(super) fn card(&self) -> CliResult<Value> {
        let lang = self.lang;
        let out = self.out;
        out.section(labels::card_section(lang))?;
        let till_card = self
            .client
            .card()
            .till_card(EcLevel::Medium, &RenderOptions::default())?;
        // Dark on light on any terminal theme (see terminal.rs); nothing when --json is quiet.
        let text = crate::terminal::code(&till_card.matrix);
        for l in text.lines() {
            out.line(format!("  {l}"))?;
        }
        let code = &till_card.code;
        out.line(labels::field(lang, Field::Code, &code.payload))?;
        out.line(labels::field(
            lang,
            Field::Valid,
            labels::code_valid(
                lang,
                &time(lang, code.valid_from),
                &time(lang, code.valid_until),
                (code.valid_until - code.valid_from).num_seconds(),
            ),
        ))?;
        Ok(json!({"code": {"payload": code.payload, "valid_until": code.valid_until}}))
    }
}
