//! `card`: the member card (enrol, show, render, Apple and Google Wallet exports).

use crate::app::{read_text, write_file, CliError, CliResult, Ctx, Output};
use crate::codes::{draw, TotpParamArgs};
use crate::{parse_hex, parse_symbology, DrawArgs, HexBytes};
use clap::{Args, Subcommand, ValueEnum};
use loyalty_core::card::{hex_encode, new_secret, GoogleRotatingBarcode, ImportedCard, TotpParams};
use loyalty_core::formats::google_loyalty_object::{
    loyalty_object, LoyaltyObjectInput, ObjectBarcode,
};
use loyalty_core::formats::pkpass::{
    PassBarcode, PassBarcodeFormat, PassField, Rgb, StoreCardPass,
};
use loyalty_core::render::{self, Symbology};
use loyalty_core::secrets::SecretStore;
use loyalty_core::LoyaltyClient;
use loyalty_core::CARD_SECRET_KEY;
use serde_json::json;
use std::path::{Path, PathBuf};
use std::process::Command;

#[derive(Subcommand)]
pub enum CardCommand {
    /// The member card and its code now.
    Show,
    /// Draw the member card's code (the rotating code; `--static` for the card number).
    Render(CardRenderArgs),
    /// Store the member card issued at enrolment (the secret goes to <data>/secrets.json).
    Enrol(EnrolArgs),
    /// Export the card as an Apple Wallet store card (.pkpass).
    ExportPkpass(PkpassArgs),
    /// Export the card as a Google Wallet loyaltyObject (JSON) with its rotatingBarcode.
    ExportGoogle(GoogleArgs),
    /// Remove the member card and its secret.
    Forget,
}

#[derive(Args)]
pub struct CardRenderArgs {
    /// The card number instead of the rotating code (for tills that cannot verify codes).
    #[arg(long = "static")]
    pub static_code: bool,
    /// Symbology (default QR_CODE).
    #[arg(long, value_parser = parse_symbology, default_value = "QR_CODE")]
    pub symbology: Symbology,
    /// A wallet voucher to show with the card in one QR code (repeat for up to 4; the till
    /// takes the card and each voucher in one scan).
    #[arg(long = "voucher", value_name = "ID", conflicts_with = "static_code")]
    pub vouchers: Vec<String>,
    #[command(flatten)]
    pub draw: DrawArgs,
}

#[derive(Args)]
pub struct EnrolArgs {
    /// The card number (1 to 32 letters, digits, '-').
    pub card_number: String,
    /// The secret the server issued, hex; without it a new one is generated and printed.
    #[arg(long, value_parser = parse_hex)]
    pub secret_hex: Option<HexBytes>,
    #[command(flatten)]
    pub params: TotpParamArgs,
}

#[derive(ValueEnum, Clone, Copy)]
pub enum AppleFormat {
    Qr,
    Pdf417,
    Aztec,
    Code128,
}

impl From<AppleFormat> for PassBarcodeFormat {
    fn from(f: AppleFormat) -> Self {
        match f {
            AppleFormat::Qr => PassBarcodeFormat::Qr,
            AppleFormat::Pdf417 => PassBarcodeFormat::Pdf417,
            AppleFormat::Aztec => PassBarcodeFormat::Aztec,
            AppleFormat::Code128 => PassBarcodeFormat::Code128,
        }
    }
}

#[derive(Args)]
pub struct PkpassArgs {
    /// Where to write the .pkpass.
    #[arg(long)]
    pub out: PathBuf,
    /// Export this imported card (`cards list`) instead of the member card.
    #[arg(long)]
    pub imported: Option<String>,
    /// The pass type id registered with Apple.
    #[arg(long, default_value = "pass.dev.loyaltycore.card")]
    pub pass_type_id: String,
    /// The Apple developer team id.
    #[arg(long, default_value = "LOYALTYDEV")]
    pub team_id: String,
    #[arg(long, default_value = "Loyalty Core")]
    pub organization: String,
    #[arg(long, default_value = "Loyalty card")]
    pub description: String,
    /// Serial number (default: the card number).
    #[arg(long)]
    pub serial: Option<String>,
    /// Barcode format (default QR for the member card, the card's own for an imported one).
    #[arg(long, value_enum)]
    pub barcode: Option<AppleFormat>,
    /// Background colour #rrggbb.
    #[arg(long)]
    pub background: Option<String>,
    /// Pass type certificate (PEM): signs the pass with `openssl smime`.
    #[arg(long, requires = "key")]
    pub cert: Option<PathBuf>,
    /// Its private key (PEM).
    #[arg(long, requires = "cert")]
    pub key: Option<PathBuf>,
    /// Apple WWDR intermediate certificate (PEM), included in the signature.
    #[arg(long, requires = "cert")]
    pub wwdr: Option<PathBuf>,
    /// Name of an environment variable holding the key's passphrase.
    #[arg(long, requires = "key")]
    pub key_pass_env: Option<String>,
}

#[derive(Args)]
pub struct GoogleArgs {
    /// The issuer id Google assigned to the retailer.
    #[arg(long)]
    pub issuer_id: String,
    /// The loyaltyClass suffix.
    #[arg(long, default_value = "loyalty")]
    pub class_suffix: String,
    /// The object suffix (default: member-<card number>).
    #[arg(long)]
    pub object_suffix: Option<String>,
    /// The member's name, only if it should be on the pass.
    #[arg(long)]
    pub account_name: Option<String>,
    /// A fixed QR code of the card number instead of the rotating one.
    #[arg(long = "static")]
    pub static_code: bool,
    /// Write to this file instead of standard output.
    #[arg(long)]
    pub out: Option<PathBuf>,
}

pub fn run(ctx: &Ctx, c: CardCommand) -> CliResult<Option<Output>> {
    match c {
        CardCommand::Show => show(ctx).map(Some),
        CardCommand::Render(a) => render_card(ctx, a),
        CardCommand::Enrol(a) => enrol(ctx, a).map(Some),
        CardCommand::ExportPkpass(a) => export_pkpass(ctx, a).map(Some),
        CardCommand::ExportGoogle(a) => export_google(ctx, a).map(Some),
        CardCommand::Forget => {
            let client = ctx.client()?;
            client.card().forget()?;
            Ok(Some(Output::new(
                json!({"forgotten": true}),
                "member card and secret removed",
            )))
        }
    }
}

fn member_card(client: &LoyaltyClient) -> CliResult<loyalty_core::card::MemberCard> {
    client
        .card()
        .member_card()?
        .ok_or_else(|| CliError::not_found("no member card is enrolled (see `loyalty card enrol`)"))
}

fn show(ctx: &Ctx) -> CliResult<Output> {
    let client = ctx.client()?;
    let card = member_card(&client)?;
    let code = client.card().rotating_code()?;
    let matrix = render::encode(&code.payload, Symbology::QrCode, Default::default())?;
    let json = json!({
        "card_number": card.card_number,
        "enrolled_at": card.enrolled_at,
        "totp": card.params,
        "code": {
            "payload": code.payload,
            "counter": code.counter,
            "valid_from": code.valid_from,
            "valid_until": code.valid_until,
        },
    });
    let human = format!(
        "card {}  (code {}, valid until {})\n{}",
        card.card_number,
        code.payload,
        code.valid_until.to_rfc3339(),
        crate::terminal::code(&matrix)
    );
    Ok(Output::new(json, human))
}

fn render_card(ctx: &Ctx, a: CardRenderArgs) -> CliResult<Option<Output>> {
    let client = ctx.client()?;
    let card = member_card(&client)?;
    if !a.vouchers.is_empty() {
        if a.symbology != Symbology::QrCode {
            return Err(CliError::invalid(
                "a card with vouchers is shown as a QR code only",
            ));
        }
        let c = client.card().combined_till_card(
            &a.vouchers,
            a.draw.ec.into(),
            &crate::codes::options(&a.draw),
        )?;
        let titles: Vec<&str> = c.vouchers.iter().map(|v| v.title.as_str()).collect();
        let label = format!(
            "card with {} voucher(s): {}  (redraw at {})",
            c.vouchers.len(),
            titles.join(", "),
            c.redraw_at.to_rfc3339()
        );
        return draw(&c.matrix, &c.payload, &a.draw, Some(&label), ctx);
    }
    let (payload, label) = if a.static_code {
        let p = loyalty_core::card::static_code(&card.card_number)?;
        (p.clone(), format!("card {p} (static)"))
    } else {
        let code = client.card().rotating_code()?;
        let label = format!(
            "{}  (valid until {})",
            code.payload,
            code.valid_until.to_rfc3339()
        );
        (code.payload, label)
    };
    let matrix = render::encode(&payload, a.symbology, a.draw.ec.into())?;
    draw(&matrix, &payload, &a.draw, Some(&label), ctx)
}

fn enrol(ctx: &Ctx, a: EnrolArgs) -> CliResult<Output> {
    let params: TotpParams = a.params.params()?;
    let generated = a.secret_hex.is_none();
    let secret = a
        .secret_hex
        .map(|h| h.0)
        .unwrap_or_else(|| new_secret(params.algorithm));
    let client = ctx.client()?;
    let card = client.card().enrol(&a.card_number, &secret, params)?;
    let mut json = json!({
        "card_number": card.card_number,
        "enrolled_at": card.enrolled_at,
        "totp": card.params,
        "secret_generated": generated,
    });
    let mut human = format!("enrolled card {}", card.card_number);
    if generated {
        // Only a generated secret is shown: the tool's user needs it for `verify`.
        json["secret_hex"] = json!(hex_encode(&secret));
        human.push_str(&format!(
            "\nnew secret (hex, keep it for `loyalty verify`): {}",
            hex_encode(&secret)
        ));
    }
    Ok(Output::new(json, human))
}

fn color(text: Option<&str>, argb: Option<i32>, default: Rgb) -> CliResult<Rgb> {
    match (text, argb) {
        (Some(t), _) => Ok(Rgb::parse_hex(t)?),
        (None, Some(c)) => Ok(Rgb::from_argb(c)),
        (None, None) => Ok(default),
    }
}

fn imported_card(client: &LoyaltyClient, id: &str) -> CliResult<ImportedCard> {
    client
        .card()
        .imported()?
        .into_iter()
        .find(|c| c.id == id)
        .ok_or_else(|| {
            CliError::not_found(format!("no imported card {id} (see `loyalty cards list`)"))
        })
}

fn export_pkpass(ctx: &Ctx, a: PkpassArgs) -> CliResult<Output> {
    let client = ctx.client()?;
    let default_bg = Rgb(0x1b, 0x4d, 0x3e);
    let pass = match &a.imported {
        Some(id) => {
            let card = imported_card(&client, id)?;
            let format = match (a.barcode, card.symbology) {
                (Some(f), _) => f.into(),
                (None, Some(s)) => PassBarcodeFormat::for_symbology(s).ok_or_else(|| {
                    CliError::invalid(format!(
                        "Apple Wallet draws only QR, PDF417, Aztec and Code 128 codes, not {}: choose one with --barcode",
                        s.catima_name()
                    ))
                })?,
                (None, None) => {
                    return Err(CliError::invalid(
                        "this card has no barcode: choose one with --barcode",
                    ))
                }
            };
            let message = card.barcode_text().to_string();
            render::encode(&message, format.symbology(), Default::default())?;
            let bg = color(a.background.as_deref(), card.header_color, default_bg)?;
            let mut back = vec![];
            if let Some(n) = &card.note {
                back.push(PassField::text("note", "Note", n.clone()));
            }
            StoreCardPass {
                pass_type_identifier: a.pass_type_id.clone(),
                serial_number: a.serial.clone().unwrap_or_else(|| safe_serial(&card.id)),
                team_identifier: a.team_id.clone(),
                organization_name: card.store_name.clone(),
                description: format!("{} card", card.store_name),
                logo_text: Some(card.store_name.clone()),
                background_color: bg,
                foreground_color: bg.contrasting(),
                label_color: bg.contrasting(),
                header_fields: vec![],
                primary_fields: vec![PassField::text("store", "Store", card.store_name.clone())],
                secondary_fields: vec![PassField::text(
                    "number",
                    "Card number",
                    card.card_id.clone(),
                )],
                auxiliary_fields: vec![],
                back_fields: back,
                barcode: PassBarcode::new(format, &message, Some(card.card_id.clone())),
            }
        }
        None => {
            let card = member_card(&client)?;
            let balance = client.points().balance()?;
            let tier = client.points().tier()?;
            let format: PassBarcodeFormat = a.barcode.unwrap_or(AppleFormat::Qr).into();
            let message = loyalty_core::card::static_code(&card.card_number)?;
            render::encode(&message, format.symbology(), Default::default())?;
            let bg = color(a.background.as_deref(), None, default_bg)?;
            StoreCardPass {
                pass_type_identifier: a.pass_type_id.clone(),
                serial_number: a.serial.clone().unwrap_or_else(|| safe_serial(&card.card_number)),
                team_identifier: a.team_id.clone(),
                organization_name: a.organization.clone(),
                description: a.description.clone(),
                logo_text: Some(a.organization.clone()),
                background_color: bg,
                foreground_color: bg.contrasting(),
                label_color: bg.contrasting(),
                header_fields: vec![PassField::text("tier", "Tier", tier.tier.clone())],
                primary_fields: vec![PassField::number("points", "Points", balance.available())],
                secondary_fields: vec![PassField::text("member", "Member number", card.card_number.clone())],
                auxiliary_fields: vec![],
                back_fields: vec![PassField::text(
                    "about",
                    "About this pass",
                    "Shows your card number. The app shows a code that changes every few seconds; tills that check it accept this pass's code as the static card number.",
                )],
                barcode: PassBarcode::new(format, &message, Some(card.card_number.clone())),
            }
        }
    };
    let files = pass.files()?;
    let signature = match (&a.cert, &a.key) {
        (Some(cert), Some(key)) => Some(sign_manifest(
            &files.manifest_json(),
            cert,
            key,
            a.wwdr.as_deref(),
            a.key_pass_env.as_deref(),
        )?),
        _ => None,
    };
    let bytes = files.to_pkpass(signature.as_deref())?;
    write_file(&a.out, &bytes)?;
    let signed = signature.is_some();
    let mut names: Vec<String> = files.files.keys().cloned().collect();
    names.push("manifest.json".into());
    if signed {
        names.push("signature".into());
    }
    let json = json!({
        "out": a.out.display().to_string(),
        "signed": signed,
        "files": names,
        "serial_number": pass.serial_number,
        "barcode": {"format": pass.barcode.format.apple_name(), "message": pass.barcode.message},
        "bytes": bytes.len(),
    });
    let human = if signed {
        format!("wrote {} (signed)", a.out.display())
    } else {
        format!(
            "wrote {} (unsigned: Apple Wallet opens only signed passes; sign with --cert and --key)",
            a.out.display()
        )
    };
    Ok(Output::new(json, human))
}

/// A serial number from an id: the characters pass.json allows, others as '-'.
fn safe_serial(id: &str) -> String {
    id.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '.' || c == '-' || c == '_' {
                c
            } else {
                '-'
            }
        })
        .collect()
}

/// The detached PKCS #7 signature (DER) of `manifest` by `openssl smime`, as Apple documents.
fn sign_manifest(
    manifest: &[u8],
    cert: &Path,
    key: &Path,
    wwdr: Option<&Path>,
    pass_env: Option<&str>,
) -> CliResult<Vec<u8>> {
    for p in [Some(cert), Some(key), wwdr].into_iter().flatten() {
        read_text(p)?;
    }
    let dir = tempfile::tempdir()
        .map_err(|e| CliError::storage(format!("cannot create a temporary directory: {e}")))?;
    let manifest_path = dir.path().join("manifest.json");
    let signature_path = dir.path().join("signature");
    std::fs::write(&manifest_path, manifest)
        .map_err(|e| CliError::storage(format!("cannot write a temporary file: {e}")))?;
    let mut cmd = Command::new("openssl");
    cmd.arg("smime")
        .arg("-binary")
        .arg("-sign")
        .arg("-signer")
        .arg(cert)
        .arg("-inkey")
        .arg(key)
        .arg("-in")
        .arg(&manifest_path)
        .arg("-out")
        .arg(&signature_path)
        .arg("-outform")
        .arg("DER");
    if let Some(w) = wwdr {
        cmd.arg("-certfile").arg(w);
    }
    if let Some(var) = pass_env {
        cmd.arg("-passin").arg(format!("env:{var}"));
    } else {
        // Never wait for a passphrase on the terminal.
        cmd.arg("-passin").arg("pass:");
    }
    cmd.stdin(std::process::Stdio::null());
    let out = cmd.output().map_err(|e| {
        if e.kind() == std::io::ErrorKind::NotFound {
            CliError::other(
                "openssl is not installed: it signs the pass (install openssl, or export unsigned)",
            )
        } else {
            CliError::other(format!("cannot run openssl: {e}"))
        }
    })?;
    if !out.status.success() {
        let stderr = String::from_utf8_lossy(&out.stderr);
        let first = stderr
            .lines()
            .find(|l| !l.trim().is_empty())
            .unwrap_or("no reason given");
        return Err(CliError::invalid(format!(
            "openssl refused the certificate or key: {first}"
        )));
    }
    std::fs::read(&signature_path)
        .map_err(|e| CliError::other(format!("openssl wrote no signature: {e}")))
}

fn export_google(ctx: &Ctx, a: GoogleArgs) -> CliResult<Output> {
    let client = ctx.client()?;
    let card = member_card(&client)?;
    let balance = client.points().balance()?;
    let tier = client.points().tier()?;
    let barcode = if a.static_code {
        ObjectBarcode::Static {
            barcode_type: "QR_CODE".into(),
            value: loyalty_core::card::static_code(&card.card_number)?,
            alternate_text: Some(card.card_number.clone()),
        }
    } else {
        let secret = ctx
            .secrets()
            .get(CARD_SECRET_KEY)
            .map_err(|_| {
                CliError::storage("the secrets file of the data directory cannot be read")
            })?
            .ok_or_else(|| {
                CliError::not_found("the card secret is missing: enrol the card again")
            })?;
        ObjectBarcode::Rotating(GoogleRotatingBarcode::for_card(
            &card.card_number,
            &secret,
            &card.params,
        )?)
    };
    let input = LoyaltyObjectInput {
        issuer_id: a.issuer_id,
        class_suffix: a.class_suffix,
        object_suffix: a
            .object_suffix
            .unwrap_or_else(|| format!("member-{}", safe_serial(&card.card_number))),
        account_id: card.card_number.clone(),
        account_name: a.account_name,
        points: Some(balance.available()),
        points_label: "Points".into(),
        tier: Some(tier.tier),
        barcode,
    };
    let object = loyalty_object(&input)?;
    let text = format!(
        "{}\n",
        serde_json::to_string_pretty(&object).unwrap_or_default()
    );
    match a.out {
        Some(p) => {
            write_file(&p, text.as_bytes())?;
            Ok(Output::new(
                json!({"out": p.display().to_string(), "id": object["id"]}),
                format!("wrote {}", p.display()),
            ))
        }
        None => Ok(Output::new(object, text)),
    }
}
