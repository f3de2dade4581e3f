//! Act 9: the retailer's survey after the second purchase and a vote, answered on the phone
//! offline, sent with the next sync, and counted by the back office (counts only).

use super::labels;
use super::Demo;
use crate::app::{CliError, CliResult};
use loyalty_core::reminders::Lang;
use loyalty_core::survey::{SurveyAnswer, SurveyKind};
use loyalty_core::SurveyAnswered;
use serde_json::{json, Value};

impl Demo<'_> {
    /// The summary's `surveys`.
    pub(super) fn surveys(&self) -> CliResult<Value> {
        let demo_lang = self.lang;
        let lang = Lang::negotiate(self.lang.code());
        let out = self.out;
        out.section(labels::surveys_section(demo_lang))?;
        let surveys = self.client.surveys();
        let mut answered = Vec::new();
        for item in surveys.list()? {
            let s = &item.survey;
            let answer = match &s.kind {
                SurveyKind::Rating => SurveyAnswer::Rating { stars: 5 },
                SurveyKind::Vote { options } => SurveyAnswer::Vote {
                    option: options
                        .last()
                        .map(|o| o.id.clone())
                        .ok_or_else(|| CliError::other("a vote without options"))?,
                },
            };
            let shown = match (&s.kind, &answer) {
                (SurveyKind::Vote { options }, SurveyAnswer::Vote { option }) => options
                    .iter()
                    .find(|o| &o.id == option)
                    .map(|o| o.label.get(lang).to_string())
                    .unwrap_or_default(),
                (_, SurveyAnswer::Rating { stars }) => "★".repeat(usize::from(*stars)),
                _ => String::new(),
            };
            match surveys.answer(&s.id, answer)? {
                SurveyAnswered::Queued(_) => {
                    out.line(format!("  {}  {shown}", s.question.get(lang)))?;
                    answered.push(s.id.clone());
                }
                SurveyAnswered::Refused(r) => out.line(labels::survey_not_taken(
                    demo_lang,
                    s.question.get(lang),
                    &r.text(lang),
                ))?,
            }
        }
        let report = self.client.sync().sync_now_blocking()?;
        out.line(labels::answers_sent(
            demo_lang,
            u64::from(report.outbox_resolved),
        ))?;
        let mut results = serde_json::Map::new();
        for id in &answered {
            let r = self.till.call(
                "GET",
                &format!("/v1/admin/surveys/{id}/results"),
                None,
                None,
            )?;
            out.line(labels::survey_counts(
                demo_lang,
                id,
                r["answers"].as_u64().unwrap_or_default(),
                r["average_stars"].as_f64(),
            ))?;
            results.insert(id.clone(), r);
        }
        Ok(json!({"surveys": {"answered": answered, "results": results}}))
    }
}
