//! `surveys`: the retailer's surveys and votes: list, answer (offline, once).

use crate::app::{local_time, CliError, CliResult, Ctx, Output};
use clap::{ArgGroup, Args, Subcommand};
use loyalty_core::reminders::Lang;
use loyalty_core::store::AnswerStatus;
use loyalty_core::survey::{SurveyAnswer, SurveyKind};
use loyalty_core::{SurveyAnswered, SurveyItem};
use serde_json::json;

#[derive(Subcommand)]
pub enum SurveysCommand {
    /// The surveys open now that ask you (the one after your second purchase, votes for
    /// everyone), and those you answered, with your answer's state.
    List,
    /// Answer a survey: --stars for a rating, --vote for a vote. Checked offline, shown
    /// answered at once and sent with the next sync; once per survey. Exit code 6 when
    /// refused, with the reason (closed, not_eligible, already_answered, ...); 2 when the
    /// answer does not fit the question.
    Answer(AnswerArgs),
}

#[derive(Args)]
#[command(group(ArgGroup::new("answer").required(true).args(["stars", "vote"])))]
pub struct AnswerArgs {
    pub survey_id: String,
    /// A rating, 1 to 5 stars.
    #[arg(long)]
    pub stars: Option<u8>,
    /// The id of the option voted for (as `surveys list` shows it).
    #[arg(long, value_name = "OPTION")]
    pub vote: Option<String>,
}

fn item_text(i: &SurveyItem, lang: Lang) -> String {
    let s = &i.survey;
    let mut out = format!(
        "{}  {}  (until {})",
        s.id,
        s.question.get(lang),
        local_time(s.closes_at)
    );
    match &s.kind {
        SurveyKind::Rating => out.push_str("\n  answer with --stars 1..5"),
        SurveyKind::Vote { options } => {
            for o in options {
                out.push_str(&format!("\n  --vote {}  {}", o.id, o.label.get(lang)));
            }
        }
    }
    if let Some(a) = &i.answer {
        let state = match a.status {
            AnswerStatus::Pending => "answered: sent with the next sync".to_string(),
            AnswerStatus::Counted => "answered: counted".to_string(),
            AnswerStatus::Refused => format!(
                "not counted: {}",
                a.refusal.map(|r| r.text(lang)).unwrap_or_default()
            ),
        };
        out.push_str(&format!("\n  {state}"));
    }
    out
}

pub fn run(ctx: &Ctx, c: SurveysCommand) -> CliResult<Output> {
    let client = ctx.client()?;
    let surveys = client.surveys();
    let lang = Lang::negotiate(&crate::sync::language());
    match c {
        SurveysCommand::List => {
            let all = surveys.list()?;
            let human = if all.is_empty() {
                "no surveys for you right now".to_string()
            } else {
                all.iter()
                    .map(|i| item_text(i, lang))
                    .collect::<Vec<_>>()
                    .join("\n")
            };
            let json = json!(all
                .iter()
                .map(|i| json!({"survey": i.survey, "answer": i.answer}))
                .collect::<Vec<_>>());
            Ok(Output::new(json, human))
        }
        SurveysCommand::Answer(a) => {
            let answer = match (a.stars, a.vote) {
                (Some(stars), None) => SurveyAnswer::Rating { stars },
                (None, Some(option)) => SurveyAnswer::Vote { option },
                _ => return Err(CliError::invalid("give --stars or --vote, not both")),
            };
            match surveys.answer(&a.survey_id, answer)? {
                SurveyAnswered::Queued(given) => Ok(Output::new(
                    json!(given),
                    format!("{}  answered: sent with the next sync", given.survey_id),
                )),
                SurveyAnswered::Refused(refusal) => crate::app::refused(
                    ctx,
                    &json!({"queued": false, "refusal": refusal.as_str(),
                            "reason": refusal.reason(), "text": refusal.text(lang)}),
                    format!("refused ({}): {}", refusal.as_str(), refusal.text(lang)),
                ),
            }
        }
    }
}
