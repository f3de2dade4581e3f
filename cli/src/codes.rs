//! `render`, `totp`, `verify`, and the drawing every card command shares.

use crate::app::{print_stdout, write_file, CliError, CliResult, Ctx, Output};
use crate::{parse_hex, parse_symbology, Algorithm, DrawArgs, Format, HexBytes};
use chrono::{DateTime, TimeDelta, Utc};
use clap::Args;
use loyalty_core::card::{
    counter_at, parse_public_key_hex, totp as compute_totp, ChosenVoucher, CombinedVerdict,
    Refusal, TillPolicy, TillVerifier, TotpParams, Verdict, COMBINED_CODE_PREFIX,
};
use loyalty_core::render::{self, BarcodeMatrix, RenderOptions, Symbology};
use serde_json::json;

#[derive(Args)]
pub struct RenderArgs {
    /// The text to encode.
    pub payload: String,
    /// One of Catima's 13: AZTEC, CODE_39, CODE_93, CODE_128, CODABAR, DATA_MATRIX, EAN_8,
    /// EAN_13, ITF, PDF_417, QR_CODE, UPC_A, UPC_E.
    #[arg(long, value_parser = parse_symbology)]
    pub symbology: Symbology,
    #[command(flatten)]
    pub draw: DrawArgs,
}

/// TOTP parameters (defaults: SHA-1, 8 digits, 30 s: Google Wallet's and the core's).
#[derive(Args)]
pub struct TotpParamArgs {
    #[arg(long, default_value_t = 8)]
    pub digits: u32,
    #[arg(long, default_value_t = 30_000)]
    pub period_ms: u64,
    #[arg(long, value_enum, default_value_t = Algorithm::Sha1)]
    pub algorithm: Algorithm,
}

impl TotpParamArgs {
    pub fn params(&self) -> CliResult<TotpParams> {
        Ok(TotpParams::new(
            self.algorithm.into(),
            self.digits,
            self.period_ms,
        )?)
    }
}

/// The moment to compute for (default: now, or `--now`).
#[derive(Args)]
pub struct AtArgs {
    /// RFC 3339 time.
    #[arg(long, value_parser = crate::app::parse_time, conflicts_with = "unix")]
    pub at: Option<DateTime<Utc>>,
    /// Unix time in seconds.
    #[arg(long)]
    pub unix: Option<i64>,
}

impl AtArgs {
    pub fn time(&self, ctx: &Ctx) -> CliResult<DateTime<Utc>> {
        if let Some(t) = self.at {
            return Ok(t);
        }
        if let Some(s) = self.unix {
            return DateTime::from_timestamp(s, 0)
                .ok_or_else(|| CliError::invalid("--unix is out of range"));
        }
        Ok(ctx.now())
    }
}

#[derive(Args)]
pub struct TotpArgs {
    /// The shared secret, hex (at least 16 bytes).
    #[arg(long, value_parser = parse_hex)]
    pub secret_hex: HexBytes,
    #[command(flatten)]
    pub at: AtArgs,
    #[command(flatten)]
    pub params: TotpParamArgs,
}

#[derive(Args)]
pub struct VerifyArgs {
    /// The scanned text (`LC1:<card>:<code>:<seconds>`, or a combined code `LCC1 <card code>
    /// <voucher code>...` with --voucher-key).
    pub payload: String,
    /// The card number the till expects.
    #[arg(long)]
    pub card: String,
    /// The card's secret, hex.
    #[arg(long, value_parser = parse_hex)]
    pub secret_hex: HexBytes,
    /// Largest clock difference accepted, seconds (0 to 600).
    #[arg(long, default_value_t = 30)]
    pub max_skew_s: i64,
    /// Also accept the card's static code (its bare number, as on a printed card or a Catima or
    /// Apple Wallet export): for crediting points only, never for spending them.
    #[arg(long)]
    pub accept_static: bool,
    /// The retailer's voucher public key, hex: verifies a combined code's vouchers.
    #[arg(long)]
    pub voucher_key: Option<String>,
    #[command(flatten)]
    pub at: AtArgs,
    #[command(flatten)]
    pub params: TotpParamArgs,
}

pub fn options(d: &DrawArgs) -> RenderOptions {
    let mut o = RenderOptions::default();
    if let Some(s) = d.scale {
        o.scale = s;
    } else if d.format == Format::Text {
        o.scale = 1;
    }
    o.quiet_zone = d.quiet_zone;
    if let Some(h) = d.bar_height {
        o.bar_height = h;
    } else if d.format == Format::Text {
        o.bar_height = 8;
    }
    o.dark_mode = d.dark;
    o
}

fn format_name(f: Format) -> &'static str {
    match f {
        Format::Text => "text",
        Format::Svg => "svg",
        Format::Png => "png",
    }
}

/// Draws `matrix` as `draw` asks: to `--out`, or to standard output for text and SVG.
/// `label`: a line shown above a code printed for people.
pub fn draw(
    matrix: &BarcodeMatrix,
    payload: &str,
    draw: &DrawArgs,
    label: Option<&str>,
    ctx: &Ctx,
) -> CliResult<Option<Output>> {
    let opts = options(draw);
    let bytes = match draw.format {
        Format::Text => render::to_text(matrix, &opts).into_bytes(),
        Format::Svg => render::to_svg(matrix, &opts).into_bytes(),
        Format::Png => render::to_png(matrix, &opts)?,
    };
    let mut info = json!({
        "symbology": matrix.symbology.catima_name(),
        "format": format_name(draw.format),
        "payload": payload,
        "modules": {"width": matrix.width, "height": matrix.height},
        "bytes": bytes.len(),
    });
    match draw.out.as_deref() {
        Some(p) if p.as_os_str() == "-" => {
            print_stdout(&bytes)?;
            Ok(None)
        }
        Some(p) => {
            write_file(p, &bytes)?;
            info["out"] = json!(p.display().to_string());
            let human = format!(
                "wrote {} ({} {}, {} bytes)",
                p.display(),
                matrix.symbology.catima_name(),
                format_name(draw.format),
                bytes.len()
            );
            Ok(Some(Output::new(info, human)))
        }
        None if draw.format == Format::Png => Err(CliError::invalid(
            "--format png needs --out FILE (or --out - for standard output)",
        )),
        None => {
            let content = String::from_utf8(bytes).unwrap_or_default();
            info["content"] = json!(content);
            let human = match label {
                Some(l) if !ctx.json => format!("{l}\n{content}"),
                _ => content,
            };
            Ok(Some(Output::new(info, human)))
        }
    }
}

pub fn render(ctx: &Ctx, a: RenderArgs) -> CliResult<Option<Output>> {
    let matrix = render::encode(&a.payload, a.symbology, a.draw.ec.into())?;
    draw(&matrix, &a.payload, &a.draw, None, ctx)
}

pub fn totp(ctx: &Ctx, a: TotpArgs) -> CliResult<Output> {
    let params = a.params.params()?;
    let at = a.at.time(ctx)?;
    let code = compute_totp(&a.secret_hex.0, &params, at)?;
    let counter = counter_at(&params, at)?;
    let start = params.step_start(counter);
    let end = start.map(|s| s + params.period());
    let json = json!({
        "code": code,
        "counter": counter,
        "at": at,
        "valid_from": start,
        "valid_until": end,
        "algorithm": params.algorithm.as_str(),
        "digits": params.digits,
        "period_ms": params.period_millis,
    });
    let human = format!(
        "{code}  (step {counter}, valid until {})",
        end.map(|e| e.to_rfc3339()).unwrap_or_default()
    );
    Ok(Output::new(json, human))
}

pub fn verify(ctx: &Ctx, a: VerifyArgs) -> CliResult<Output> {
    let params = a.params.params()?;
    let at = a.at.time(ctx)?;
    let mut policy = TillPolicy::for_params(params);
    policy.max_skew = TimeDelta::try_seconds(a.max_skew_s)
        .ok_or_else(|| CliError::invalid("--max-skew-s is out of range"))?;
    policy.accept_static = a.accept_static;
    let mut till = TillVerifier::new(policy, 16)?;
    if let Some(key) = &a.voucher_key {
        let key = parse_public_key_hex(key)?;
        return match till.verify_combined(&a.payload, &a.card, &a.secret_hex.0, &key, at) {
            Ok(v) => Ok(combined_output(&v)),
            Err(refusal) => refused(ctx, refusal),
        };
    }
    if a.payload.starts_with(COMBINED_CODE_PREFIX) {
        return Err(CliError::invalid(
            "a combined code (card and vouchers) needs --voucher-key to verify its vouchers",
        ));
    }
    match till.check(&a.payload, &a.card, &a.secret_hex.0, at) {
        Ok(Verdict::Rotating(ok)) => Ok(Output::new(
            json!({"accepted": true, "kind": "rotating", "counter": ok.counter, "generated_at": ok.generated_at}),
            format!(
                "accepted (step {}, generated {})",
                ok.counter,
                ok.generated_at.to_rfc3339()
            ),
        )),
        Ok(Verdict::Static) => Ok(Output::new(
            json!({"accepted": true, "kind": "static"}),
            "accepted: the card's static code (credits points; not proof that the phone is here)",
        )),
        Err(refusal) => refused(ctx, refusal),
    }
}

/// A refused card code: the verdict as the JSON output, exit 6.
fn refused<T>(ctx: &Ctx, refusal: Refusal) -> CliResult<T> {
    crate::app::refused(
        ctx,
        &json!({"accepted": false, "refusal": format!("{refusal:?}"), "reason": refusal.reason()}),
        format!("refused: {}", refusal.reason()),
    )
}

/// The card accepted; one line per voucher: taken, already taken, or refused with the reason.
fn combined_output(v: &CombinedVerdict) -> Output {
    let vouchers: Vec<serde_json::Value> = v
        .vouchers
        .iter()
        .map(|c| match c {
            ChosenVoucher::Taken(t) => json!({"verdict": "taken", "voucher_id": t.id, "title": t.title, "kind": t.kind, "valid_until": t.valid_until}),
            ChosenVoucher::AlreadyTaken(t) => json!({"verdict": "already_taken", "voucher_id": t.id, "reason": c.reason()}),
            ChosenVoucher::Refused(r) => json!({"verdict": "refused", "refusal": format!("{r:?}"), "reason": r.reason()}),
        })
        .collect();
    let mut human = format!(
        "accepted (step {}, generated {})",
        v.card.counter,
        v.card.generated_at.to_rfc3339()
    );
    for c in &v.vouchers {
        match c {
            ChosenVoucher::Taken(t) => {
                human.push_str(&format!("\n  voucher {}: {}", t.id, t.title))
            }
            ChosenVoucher::AlreadyTaken(t) => {
                human.push_str(&format!("\n  voucher {}: not again ({})", t.id, c.reason()))
            }
            ChosenVoucher::Refused(r) => {
                human.push_str(&format!("\n  voucher refused: {}", r.reason()))
            }
        }
    }
    Output::new(
        json!({"accepted": true, "kind": "rotating", "counter": v.card.counter,
               "generated_at": v.card.generated_at, "vouchers": vouchers}),
        human,
    )
}
