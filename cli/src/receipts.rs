//! `receipts`: the shopper's digital receipts: list, show, add; claims, invoices and line
//! proofs.

use crate::app::{local_time, money, read_items, write_file, CliError, CliResult, Ctx, Output};
use clap::Subcommand;
use loyalty_core::card::parse_public_key_hex;
use loyalty_core::claim::ReceiptClaim;
use loyalty_core::invoice::InvoiceParty;
use loyalty_core::money::Money;
use loyalty_core::proof::verify_line_proof;
use loyalty_core::receipts::Receipt;
use loyalty_core::reminders::Lang;
use loyalty_core::render::{self, Symbology};
use loyalty_core::store::{InvoiceRefusal, InvoiceStatus, StoredInvoice};
use loyalty_core::ClaimScan;
use serde_json::json;
use std::path::PathBuf;

#[derive(Subcommand)]
pub enum ReceiptsCommand {
    /// Every receipt, newest first (as the points ledger), with its total.
    List,
    /// One receipt.
    Show { id: String },
    /// Add receipts from a JSON file (one receipt or a list).
    Add { file: PathBuf },
    /// Claim a receipt sold without the card: the text of the claim QR code the till showed or
    /// printed (`LCR1.…`). Verified offline with the retailer's key (`wallet set-key`), shown
    /// at once as pending and queued for the next sync. Exit code 6 when refused, with the
    /// reason (not_genuine, other_retailer, expired, already_claimed, ...).
    Claim { code: String },
    /// Receipts claimed by their code, newest first: pending, claimed or refused.
    Claims,
    /// The proof of one line of a receipt, for a warranty claim or a return: a QR code the
    /// store verifies offline with the retailer's key, showing that line (product, price,
    /// warranty, store, date) and nothing of the rest of the basket. Needs a receipt synced
    /// from the retailer (it carries the retailer's seal).
    Proof {
        receipt_id: String,
        /// The line, counted from 1 as `receipts show` lists them.
        line: u32,
    },
    /// Verify a receipt line proof as the store does, offline: with --key, or the retailer's
    /// key saved on this device (`wallet set-key`). Exit code 6 when refused, with the reason
    /// (malformed, other_retailer, not_genuine).
    VerifyProof {
        proof: String,
        /// The retailer's public key (Base16), as `GET /v1/voucher-key` gives it.
        #[arg(long, value_name = "HEX")]
        key: Option<String>,
    },
    /// Ask for a company invoice for one of your receipts: to the company in FILE.json
    /// (`name`, `street`, `city`, `postal_code`, `country`, `vat_id`; saved for next time) or
    /// the saved one. Checked offline (a bad VAT number exits 2, nothing queued), queued for
    /// the next sync and shown pending at once; already invoiced or pending exits 4.
    Invoice {
        receipt_id: String,
        /// The company to invoice (JSON file); without it, the saved company.
        #[arg(long, value_name = "FILE.json")]
        company: Option<PathBuf>,
        /// Language of the readable copy: nl, fr or en.
        #[arg(long, default_value = "nl", value_parser = ["nl", "fr", "en"])]
        lang: String,
    },
    /// A receipt's invoice as kept on this device: pending, issued (number and date; write the
    /// UBL and the HTML to files) or refused.
    InvoiceShow {
        receipt_id: String,
        /// Write the UBL document (Peppol BIS Billing 3.0) to this file.
        #[arg(long, value_name = "FILE")]
        ubl: Option<PathBuf>,
        /// Write the readable HTML copy to this file.
        #[arg(long, value_name = "FILE")]
        html: Option<PathBuf>,
    },
}

/// The company in a JSON file. A file that is not one is refused without repeating its
/// content (company details are personal data).
fn read_company(path: &std::path::Path) -> CliResult<InvoiceParty> {
    let text = crate::app::read_text(path)?;
    serde_json::from_str(&text).map_err(|_| {
        CliError::invalid(format!(
            "{}: not a company (a JSON object with name, street, city, postal_code, country and vat_id)",
            path.display()
        ))
    })
}

fn invoice_line(i: &StoredInvoice) -> String {
    let state = match i.status {
        InvoiceStatus::Pending => "pending: asked at the next sync".to_string(),
        InvoiceStatus::Issued => format!(
            "issued: invoice {} of {}",
            i.number.as_deref().unwrap_or_default(),
            i.issue_date.map(|d| d.to_string()).unwrap_or_default()
        ),
        InvoiceStatus::Refused => format!(
            "refused: {}",
            match i.refusal {
                Some(InvoiceRefusal::OtherCompany) => "already invoiced to another company",
                Some(InvoiceRefusal::UnknownReceipt) => "not one of your receipts",
                Some(InvoiceRefusal::InvalidCompany) | None =>
                    "the company details were not accepted",
            }
        ),
    };
    format!("{}  {}  {}", i.receipt_id, i.buyer.name, state)
}

fn claim_line(c: &ReceiptClaim, lang: Lang) -> String {
    format!(
        "{}  {}  {}  {}  {} point(s)  {:?}: {}",
        c.receipt_id,
        local_time(c.purchased_at),
        c.store_name,
        money(&c.total),
        c.points,
        c.status,
        c.text(lang)
    )
}

fn receipt_line(r: &Receipt) -> String {
    format!(
        "{}  {}  {}  {}  {} line(s)",
        r.id,
        local_time(r.purchased_at),
        r.store_name,
        money(&r.total()),
        r.lines.len()
    )
}

pub fn run(ctx: &Ctx, c: ReceiptsCommand) -> CliResult<Output> {
    let client = ctx.client()?;
    let r = client.receipts();
    match c {
        ReceiptsCommand::List => {
            let mut all = r.all()?;
            // Newest first, as the ledger; the same time by id, for a stable order.
            all.sort_by(|a, b| {
                b.purchased_at
                    .cmp(&a.purchased_at)
                    .then_with(|| b.id.cmp(&a.id))
            });
            let human = if all.is_empty() {
                "no receipts".to_string()
            } else {
                all.iter().map(receipt_line).collect::<Vec<_>>().join("\n")
            };
            Ok(Output::new(json!(all), human))
        }
        ReceiptsCommand::Show { id } => {
            let rec = r.get(&id)?;
            let until = r.return_until(&id)?;
            let lang = Lang::negotiate(&crate::sync::language());
            let mut human = receipt_line(&rec);
            for (i, l) in rec.lines.iter().enumerate() {
                human.push_str(&format!(
                    "\n  {} x {}  {}  ({})",
                    l.quantity,
                    l.name,
                    money(&l.unit_price),
                    l.gtin
                ));
                for d in rec.discounts.iter().filter(|d| d.line as usize == i) {
                    let off = Money {
                        amount_minor: -d.amount_minor,
                        currency: l.unit_price.currency.clone(),
                    };
                    human.push_str(&format!("\n      {}  {}", d.title.get(lang), money(&off)));
                }
            }
            if !rec.discounts.is_empty() {
                human.push_str(&format!("\nsubtotal {}", money(&rec.subtotal())));
            }
            human.push_str(&format!("\ntotal {}", money(&rec.total())));
            human.push_str(&format!("\nreturns until {}", local_time(until)));
            let mut json = json!(rec);
            json["return_until"] = json!(until);
            Ok(Output::new(json, human))
        }
        ReceiptsCommand::Claim { code } => {
            let lang = Lang::negotiate(&crate::sync::language());
            match r.claim(&code)? {
                ClaimScan::Queued { claim: c } => Ok(Output::new(json!(c), claim_line(&c, lang))),
                ClaimScan::Refused { refusal } => crate::app::refused(
                    ctx,
                    &json!({"queued": false, "refusal": refusal.as_str(),
                            "reason": refusal.reason(), "text": refusal.text(lang)}),
                    format!("refused ({}): {}", refusal.as_str(), refusal.text(lang)),
                ),
            }
        }
        ReceiptsCommand::Claims => {
            let lang = Lang::negotiate(&crate::sync::language());
            let all = r.claims()?;
            let human = if all.is_empty() {
                "no claimed receipts".to_string()
            } else {
                all.iter()
                    .map(|c| claim_line(c, lang))
                    .collect::<Vec<_>>()
                    .join("\n")
            };
            Ok(Output::new(json!(all), human))
        }
        ReceiptsCommand::Proof { receipt_id, line } => {
            let index = line
                .checked_sub(1)
                .ok_or_else(|| CliError::invalid("lines are counted from 1"))?;
            let rec = r.get(&receipt_id)?;
            let proof = r.line_proof(&receipt_id, index)?;
            let item = &rec.lines[index as usize];
            let matrix = render::encode(&proof, Symbology::QrCode, Default::default())?;
            let human = format!(
                "proof of line {line} of {}: {} x {}  paid {}\n{proof}\n{}",
                rec.lines.len(),
                item.quantity,
                item.name,
                money(&Money {
                    amount_minor: rec.line_paid_minor(index as usize),
                    currency: item.unit_price.currency.clone(),
                }),
                crate::terminal::code(&matrix)
            );
            Ok(Output::new(
                json!({"receipt_id": receipt_id, "line": line, "proof": proof}),
                human,
            ))
        }
        ReceiptsCommand::VerifyProof { proof, key } => {
            let key = match key.or(client.wallet().retailer_key()?) {
                Some(k) => parse_public_key_hex(&k)?,
                None => {
                    return Err(CliError::invalid(
                        "no retailer key: pass --key or save it with `wallet set-key`",
                    ))
                }
            };
            let lang = Lang::negotiate(&crate::sync::language());
            match verify_line_proof(&proof, &key) {
                Ok(p) => {
                    let paid = Money {
                        amount_minor: p.line.paid_minor(),
                        currency: p.line.unit_price.currency.clone(),
                    };
                    let warranty = p.line.warranty_until(p.purchased_at);
                    let mut human = format!(
                        "genuine: line {} of {} of receipt {}, {} at {}\n  {} x {}  ({})  paid {}",
                        p.line_index + 1,
                        p.line_count,
                        p.receipt_id,
                        local_time(p.purchased_at),
                        p.store_name,
                        p.line.quantity,
                        p.line.name,
                        p.line.gtin,
                        money(&paid)
                    );
                    if let Some(w) = warranty {
                        human.push_str(&format!("\n  warranty until {}", local_time(w)));
                    }
                    let mut out = json!(p);
                    out["genuine"] = json!(true);
                    out["paid_minor"] = json!(p.line.paid_minor());
                    out["warranty_until"] = json!(warranty);
                    Ok(Output::new(out, human))
                }
                Err(refusal) => crate::app::refused(
                    ctx,
                    &json!({"genuine": false, "refusal": refusal.as_str(),
                            "reason": refusal.reason(), "text": refusal.text(lang)}),
                    format!("refused ({}): {}", refusal.as_str(), refusal.text(lang)),
                ),
            }
        }
        ReceiptsCommand::Invoice {
            receipt_id,
            company,
            lang,
        } => {
            let company = company.as_deref().map(read_company).transpose()?;
            let pending = r.request_invoice(&receipt_id, company, &lang)?;
            let human = invoice_line(&pending);
            Ok(Output::new(json!(pending), human))
        }
        ReceiptsCommand::InvoiceShow {
            receipt_id,
            ubl,
            html,
        } => {
            let invoice = r.invoice(&receipt_id)?.ok_or_else(|| {
                CliError::not_found("no invoice was asked for this receipt".to_string())
            })?;
            let mut human = invoice_line(&invoice);
            for (path, doc, what) in [(&ubl, &invoice.ubl, "UBL"), (&html, &invoice.html, "HTML")] {
                let Some(path) = path else { continue };
                let Some(doc) = doc else {
                    return Err(CliError::not_found(format!(
                        "the invoice is not issued yet: no {what} to write"
                    )));
                };
                write_file(path, doc.as_bytes())?;
                human.push_str(&format!("\n{what} written to {}", path.display()));
            }
            Ok(Output::new(json!(invoice), human))
        }
        ReceiptsCommand::Add { file: path } => {
            let receipts: Vec<Receipt> = read_items(&path, "receipt")?;
            let mut added = 0;
            let mut already = 0;
            for rec in receipts {
                if r.add(rec)? {
                    added += 1;
                } else {
                    already += 1;
                }
            }
            Ok(Output::new(
                json!({"added": added, "already_stored": already}),
                format!("{added} receipt(s) added, {already} already stored"),
            ))
        }
    }
}
