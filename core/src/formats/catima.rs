//! Catima's CSV export, read and written as Catima documents it.
//!
//! Sources: Catima's `docs/EXPORT_FORMAT.md` and `docs/CARD_FIELDS.md` (the current ones, with the
//! `barcodeencoding` column), its `CatimaExporter` / `CatimaImporter`, and its test file
//! `catima_v2.csv`. Catima writes with Apache Commons CSV's `CSVFormat.RFC4180`: CRLF after every
//! record, minimal quoting.
//!
//! Version 2 (Catima 2.0 and later) is one CSV text in three tables separated by blank lines:
//!
//! ```text
//! 2
//!
//! _id                                   <- groups: one group name per line
//! Food
//!
//! _id,store,note,validfrom,expiry,balance,balancetype,cardid,barcodeid,barcodetype,barcodeencoding,headercolor,starstatus,lastused,archive
//! 1,Grocer,"two-line
//! note",,1453633200000,50,EUR,1234,,EAN_13,ISO-8859-1,-11751600,1,1730493369,0
//!
//! cardId,groupId                        <- card-group links
//! 1,Food
//! ```
//!
//! Version 1 (before 2.0) is the cards table alone, with no version line and no groups. Columns are
//! matched by their header names, so older exports with fewer columns (and with the obsolete
//! `headertextcolor`) import too; unknown columns are reported and ignored. Catima 2.0+ backups are a
//! `.zip` holding `catima.csv` and card images: [`parse`] reads the CSV from such a zip (images are
//! not imported and are reported), and [`to_zip`] writes one.
//!
//! Field values, as `CARD_FIELDS.md` defines them and Catima writes them: `validfrom` and `expiry`
//! are Java `Date.getTime()` values (Unix milliseconds), `lastused` Unix seconds, `balance` a Java
//! `BigDecimal` text, `balancetype` an ISO 4217 code (empty: points), `barcodetype` a ZXing format
//! name, `barcodeencoding` a Java charset name (`ISO-8859-1` or `UTF-8` in Catima's editor),
//! `headercolor` an Android colour (a signed 32-bit ARGB int), `starstatus` and `archive` 0 or 1.
//! Every value is kept as read, so an export writes back what was imported.
//!
//! A malformed file is refused whole with the line it went wrong on ([`CatimaError`]); nothing is
//! returned, so a caller imports nothing. A link to a card that is not in the file is skipped with
//! a warning: Catima's own export example has one, and Catima ignores it in the same way.

use crate::card::ImportedCard;
use crate::render::{self, EcLevel, Symbology};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeSet, HashMap};
use std::fmt;
use std::io::{Read, Write};

/// The cards table's columns, in the order Catima's current exporter writes them.
pub const CARD_COLUMNS: [&str; 15] = [
    "_id",
    "store",
    "note",
    "validfrom",
    "expiry",
    "balance",
    "balancetype",
    "cardid",
    "barcodeid",
    "barcodetype",
    "barcodeencoding",
    "headercolor",
    "starstatus",
    "lastused",
    "archive",
];

/// Every `barcodetype` `CARD_FIELDS.md` allows: the 13 symbologies this core draws, and three
/// (MaxiCode, GS1 DataBar and DataBar Expanded) that are kept and exported but not drawn.
pub const BARCODE_TYPES: [&str; 16] = [
    "AZTEC",
    "CODABAR",
    "CODE_39",
    "CODE_93",
    "CODE_128",
    "DATA_MATRIX",
    "EAN_8",
    "EAN_13",
    "ITF",
    "MAXICODE",
    "PDF_417",
    "QR_CODE",
    "RSS_14",
    "RSS_EXPANDED",
    "UPC_A",
    "UPC_E",
];

/// Java's standard charsets (`StandardCharsets`' `.name()`), the values `barcodeencoding` takes.
pub const BARCODE_ENCODINGS: [&str; 6] = [
    "ISO-8859-1",
    "UTF-8",
    "US-ASCII",
    "UTF-16",
    "UTF-16BE",
    "UTF-16LE",
];

/// Largest input [`parse`] reads (a Catima export of thousands of cards is far smaller).
pub const MAX_INPUT_BYTES: usize = 32 * 1024 * 1024;

/// Prefix of the ids of cards imported from Catima: `catima-<_id>`.
pub const IMPORTED_ID_PREFIX: &str = "catima-";

/// Longest note an [`ImportedCard`] holds; longer Catima notes are cut there in the app's record
/// and kept whole in the [`CatimaCard`].
pub const IMPORTED_NOTE_MAX: usize = 10_000;

/// One card with every field of Catima's cards table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CatimaCard {
    /// `_id`: Catima's card number (an int in its database).
    pub id: i64,
    pub store: String,
    /// Empty when there is none; may span lines.
    pub note: String,
    /// `validfrom`, Unix milliseconds.
    pub valid_from: Option<i64>,
    /// `expiry`, Unix milliseconds.
    pub expiry: Option<i64>,
    /// `balance`, a Java `BigDecimal` text kept as written ("0", "12.50").
    pub balance: String,
    /// `balancetype`: an ISO 4217 currency code; `None`: points.
    pub balance_type: Option<String>,
    /// `cardid`: the card's id as printed on it.
    pub card_id: String,
    /// `barcodeid`: what the barcode encodes when it differs from `card_id`.
    pub barcode_id: Option<String>,
    /// `barcodetype`: one of [`BARCODE_TYPES`]; `None`: no barcode.
    pub barcode_type: Option<String>,
    /// `barcodeencoding`: one of [`BARCODE_ENCODINGS`]; `None`: not stated (Catima then uses
    /// ISO-8859-1).
    pub barcode_encoding: Option<String>,
    /// `headercolor`: Android ARGB colour.
    pub header_color: Option<i32>,
    /// `starstatus` 1.
    pub starred: bool,
    /// `lastused`, Unix seconds (0: never).
    pub last_used: i64,
    /// `archive` 1.
    pub archived: bool,
    /// The groups the card is in (from the card-group links), in file order.
    pub groups: Vec<String>,
}

/// A whole Catima export: the groups table and the cards with their groups.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CatimaData {
    /// Group names in file order.
    pub groups: Vec<String>,
    pub cards: Vec<CatimaCard>,
}

/// Something [`parse`] accepted but did not carry over, with its line (0: the whole file).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CatimaWarning {
    pub line: usize,
    pub message: String,
}

impl fmt::Display for CatimaWarning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.line > 0 {
            write!(f, "line {}: {}", self.line, self.message)
        } else {
            f.write_str(&self.message)
        }
    }
}

/// What [`parse`] read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Parsed {
    /// 1 or 2.
    pub version: u32,
    pub data: CatimaData,
    pub warnings: Vec<CatimaWarning>,
    /// The line each card of `data.cards` starts on (of the CSV text), for the caller's own
    /// checks.
    pub card_lines: Vec<usize>,
}

/// Why a file was refused: the line (1-based, of the CSV text) and the rule it broke. Line 0:
/// the file as a whole (not UTF-8, not a Catima zip, empty).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct CatimaError {
    pub line: usize,
    pub reason: String,
}

impl fmt::Display for CatimaError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.line > 0 {
            write!(f, "line {}: {}", self.line, self.reason)
        } else {
            f.write_str(&self.reason)
        }
    }
}

fn err(line: usize, reason: impl Into<String>) -> CatimaError {
    CatimaError {
        line,
        reason: reason.into(),
    }
}

impl CatimaCard {
    /// The symbology to draw the barcode in, if it is one of the 13 this core draws.
    pub fn symbology(&self) -> Option<Symbology> {
        self.barcode_type
            .as_deref()
            .and_then(Symbology::from_catima_name)
    }

    /// The id of the [`ImportedCard`] made from this card.
    pub fn imported_id(&self) -> String {
        format!("{IMPORTED_ID_PREFIX}{}", self.id)
    }

    /// What the app stores of this card: store, numbers, symbology, note (cut at
    /// [`IMPORTED_NOTE_MAX`] bytes) and colour. Everything else stays in the `CatimaCard`.
    pub fn to_imported(&self) -> ImportedCard {
        let note = (!self.note.is_empty()).then(|| cut_at(&self.note, IMPORTED_NOTE_MAX));
        ImportedCard {
            id: self.imported_id(),
            store_name: self.store.clone(),
            card_id: self.card_id.clone(),
            barcode_value: self.barcode_id.clone(),
            symbology: self.symbology(),
            note,
            header_color: self.header_color,
        }
    }

    /// A Catima card for a card the app has, with Catima's defaults for what the app does not
    /// know (balance 0 points, never used, not starred, not archived, no groups).
    pub fn from_imported(card: &ImportedCard, id: i64) -> Self {
        CatimaCard {
            id,
            store: card.store_name.clone(),
            note: card.note.clone().unwrap_or_default(),
            valid_from: None,
            expiry: None,
            balance: "0".into(),
            balance_type: None,
            card_id: card.card_id.clone(),
            barcode_id: card.barcode_value.clone(),
            barcode_type: card.symbology.map(|s| s.catima_name().to_string()),
            barcode_encoding: None,
            header_color: card.header_color,
            starred: false,
            last_used: 0,
            archived: false,
            groups: Vec::new(),
        }
    }

    /// Brings the fields the app stores up to date from `card` (the rest is kept).
    pub fn update_from_imported(&mut self, card: &ImportedCard) {
        self.store = card.store_name.clone();
        self.card_id = card.card_id.clone();
        self.barcode_id = card.barcode_value.clone();
        if let Some(s) = card.symbology {
            self.barcode_type = Some(s.catima_name().to_string());
        } else if self.symbology().is_some() {
            self.barcode_type = None;
        }
        let stored_note = card.note.clone().unwrap_or_default();
        if cut_at(&self.note, IMPORTED_NOTE_MAX) != stored_note {
            self.note = stored_note;
        }
        self.header_color = card.header_color;
    }
}

fn cut_at(text: &str, max: usize) -> String {
    if text.len() <= max {
        return text.to_string();
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    text[..end].to_string()
}

// ---------------------------------------------------------------------------------------------
// Reading

/// Reads a Catima export: a Catima `.zip` backup (its `catima.csv`) or the CSV text itself,
/// version 2 or 1. All or nothing: an error names the first line that breaks the format.
pub fn parse(bytes: &[u8]) -> Result<Parsed, CatimaError> {
    if bytes.len() > MAX_INPUT_BYTES {
        return Err(err(
            0,
            format!(
                "the file is larger than {} MiB",
                MAX_INPUT_BYTES / 1024 / 1024
            ),
        ));
    }
    if bytes.starts_with(b"PK\x03\x04") {
        let (csv, mut warnings) = csv_from_zip(bytes)?;
        let mut parsed = parse_text_bytes(&csv)?;
        warnings.append(&mut parsed.warnings);
        parsed.warnings = warnings;
        return Ok(parsed);
    }
    parse_text_bytes(bytes)
}

fn parse_text_bytes(bytes: &[u8]) -> Result<Parsed, CatimaError> {
    let text = match std::str::from_utf8(bytes) {
        Ok(t) => t,
        Err(e) => {
            let line = 1 + bytes[..e.valid_up_to()]
                .iter()
                .filter(|&&b| b == b'\n')
                .count();
            return Err(err(line, "the text is not UTF-8"));
        }
    };
    parse_csv(text)
}

fn csv_from_zip(bytes: &[u8]) -> Result<(Vec<u8>, Vec<CatimaWarning>), CatimaError> {
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes)).map_err(|_| {
        err(
            0,
            "the file starts like a zip archive but is not a readable one",
        )
    })?;
    let mut csv = None;
    let mut images = 0usize;
    let mut others = Vec::new();
    for i in 0..archive.len() {
        let mut entry = archive
            .by_index(i)
            .map_err(|_| err(0, "an entry of the zip archive cannot be read"))?;
        if entry.encrypted() {
            return Err(err(
                0,
                "the Catima backup is password-protected: export it again without a password",
            ));
        }
        let full = entry
            .name()
            .map_err(|_| err(0, "a file name in the zip archive cannot be read"))?
            .to_string();
        let name = full.rsplit('/').next().unwrap_or("").to_string();
        if name == "catima.csv" {
            if csv.is_some() {
                return Err(err(0, "the zip archive holds more than one catima.csv"));
            }
            let mut data = Vec::new();
            (&mut entry)
                .take(MAX_INPUT_BYTES as u64 + 1)
                .read_to_end(&mut data)
                .map_err(|_| {
                    err(
                        0,
                        "catima.csv in the zip archive cannot be read (password-protected or damaged)",
                    )
                })?;
            if data.len() > MAX_INPUT_BYTES {
                return Err(err(0, "catima.csv in the zip archive is too large"));
            }
            csv = Some(data);
        } else if name.ends_with(".png") {
            images += 1;
        } else if !entry.is_dir() {
            others.push(name);
        }
    }
    let csv = csv.ok_or_else(|| {
        err(
            0,
            "the zip archive holds no catima.csv: not a Catima backup",
        )
    })?;
    let mut warnings = Vec::new();
    if images > 0 {
        warnings.push(CatimaWarning {
            line: 0,
            message: format!("{images} card image(s) in the backup were not imported"),
        });
    }
    for name in others {
        warnings.push(CatimaWarning {
            line: 0,
            message: format!("unexpected file in the backup ignored: {name}"),
        });
    }
    Ok((csv, warnings))
}

/// One CSV record with the line it starts on; `None` fields: a blank line.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Record {
    line: usize,
    fields: Option<Vec<String>>,
}

/// RFC 4180 records. A blank line (outside quotes) is a record of its own: in Catima's format it
/// separates the tables, which is why this is not the `csv` crate (it skips blank lines, and with
/// them the table boundaries). Quoted fields may hold commas, quotes (`""`) and line breaks; a
/// quote inside an unquoted field, text after a closing quote and an unclosed quote are errors.
fn records(text: &str) -> Result<Vec<Record>, CatimaError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut out = Vec::new();
    let mut chars = text.chars().peekable();
    let mut line = 1usize;
    // At the start of a record.
    while chars.peek().is_some() {
        let start = line;
        // A blank line.
        match chars.peek() {
            Some('\n') => {
                chars.next();
                line += 1;
                out.push(Record {
                    line: start,
                    fields: None,
                });
                continue;
            }
            Some('\r') => {
                chars.next();
                if chars.peek() == Some(&'\n') {
                    chars.next();
                }
                line += 1;
                out.push(Record {
                    line: start,
                    fields: None,
                });
                continue;
            }
            _ => {}
        }
        let mut fields = Vec::new();
        loop {
            let mut field = String::new();
            if chars.peek() == Some(&'"') {
                chars.next();
                let quote_line = line;
                loop {
                    match chars.next() {
                        None => {
                            return Err(err(
                                quote_line,
                                "a quoted field is never closed (a missing \")",
                            ))
                        }
                        Some('"') => {
                            if chars.peek() == Some(&'"') {
                                chars.next();
                                field.push('"');
                            } else {
                                break;
                            }
                        }
                        Some(c) => {
                            // A line ends at LF, or at a CR not followed by LF.
                            if c == '\n' || (c == '\r' && chars.peek() != Some(&'\n')) {
                                line += 1;
                            }
                            field.push(c);
                        }
                    }
                }
                match chars.peek() {
                    None | Some(',') | Some('\n') | Some('\r') => {}
                    Some(_) => {
                        return Err(err(line, "text after the closing quote of a quoted field"))
                    }
                }
            } else {
                while let Some(&c) = chars.peek() {
                    if c == ',' || c == '\n' || c == '\r' {
                        break;
                    }
                    if c == '"' {
                        return Err(err(
                            line,
                            "a quote inside an unquoted field (quote the field and double the quote)",
                        ));
                    }
                    field.push(c);
                    chars.next();
                }
            }
            fields.push(field);
            match chars.next() {
                Some(',') => continue,
                Some('\n') => {
                    line += 1;
                    break;
                }
                Some('\r') => {
                    if chars.peek() == Some(&'\n') {
                        chars.next();
                    }
                    line += 1;
                    break;
                }
                None => break,
                Some(_) => unreachable!("fields end at a comma, a line break or the end"),
            }
        }
        out.push(Record {
            line: start,
            fields: Some(fields),
        });
    }
    Ok(out)
}

/// Reads Catima's CSV text (version 2, or version 1).
pub fn parse_csv(text: &str) -> Result<Parsed, CatimaError> {
    let recs = records(text)?;
    let first = recs
        .iter()
        .position(|r| r.fields.is_some())
        .ok_or_else(|| err(0, "the file is empty"))?;
    if first > 0 {
        return Err(err(1, "the file starts with a blank line"));
    }
    let head = recs[0].fields.as_ref().expect("checked above");
    let version =
        if head.len() == 1 && !head[0].is_empty() && head[0].bytes().all(|b| b.is_ascii_digit()) {
            Some(head[0].parse::<u32>().unwrap_or(u32::MAX))
        } else {
            None
        };
    let mut warnings = Vec::new();
    match version {
        None | Some(1) => {
            // Catima reads a first line "1" as version 1 too; the table follows it.
            let start = usize::from(version.is_some());
            let (cards, card_lines, end) = parse_cards_table(&recs, start, &mut warnings)?;
            trailing_blank_only(&recs, end)?;
            Ok(Parsed {
                version: 1,
                data: CatimaData {
                    groups: Vec::new(),
                    cards,
                },
                warnings,
                card_lines,
            })
        }
        Some(2) => parse_v2(&recs, warnings),
        Some(v) => Err(err(
            1,
            format!("Catima export version {v} is not supported (this reads versions 1 and 2)"),
        )),
    }
}

fn trailing_blank_only(recs: &[Record], from: usize) -> Result<(), CatimaError> {
    match recs[from..].iter().find(|r| r.fields.is_some()) {
        Some(r) => Err(err(
            r.line,
            "unexpected data after the end of the cards table",
        )),
        None => Ok(()),
    }
}

/// Index of the next blank record at or after `from` (or the end).
fn table_end(recs: &[Record], from: usize) -> usize {
    recs[from..]
        .iter()
        .position(|r| r.fields.is_none())
        .map_or(recs.len(), |p| from + p)
}

fn expect_blank(recs: &[Record], at: usize, what: &str) -> Result<(), CatimaError> {
    match recs.get(at) {
        Some(r) if r.fields.is_none() => Ok(()),
        Some(r) => Err(err(r.line, format!("expected a blank line {what}"))),
        None => Err(err(
            recs.last().map_or(1, |r| r.line + 1),
            format!("the file ends early: expected a blank line {what}"),
        )),
    }
}

fn parse_v2(recs: &[Record], mut warnings: Vec<CatimaWarning>) -> Result<Parsed, CatimaError> {
    expect_blank(recs, 1, "after the version line")?;
    // Groups.
    let header = recs.get(2).ok_or_else(|| {
        err(
            recs[1].line + 1,
            "the file ends early: expected the groups table",
        )
    })?;
    let fields = header.fields.as_ref().ok_or_else(|| {
        err(
            header.line,
            "expected the groups header `_id`, found a blank line",
        )
    })?;
    if fields.len() != 1 || fields[0] != "_id" {
        return Err(err(header.line, "expected the groups header `_id`"));
    }
    let end = table_end(recs, 3);
    let mut groups: Vec<String> = Vec::new();
    let mut group_lines: HashMap<String, usize> = HashMap::new();
    for r in &recs[3..end] {
        let f = r.fields.as_ref().expect("table rows are not blank");
        if f.len() != 1 {
            return Err(err(
                r.line,
                format!("a group row has one field, this one has {}", f.len()),
            ));
        }
        let name = f[0].clone();
        if name.trim().is_empty() {
            return Err(err(r.line, "a group name must not be empty"));
        }
        if let Some(first) = group_lines.get(&name) {
            return Err(err(
                r.line,
                format!("group {name:?} is listed twice (first on line {first})"),
            ));
        }
        group_lines.insert(name.clone(), r.line);
        groups.push(name);
    }
    expect_blank(recs, end, "after the groups table")?;
    // Cards.
    let (mut cards, card_lines, end) = parse_cards_table(recs, end + 1, &mut warnings)?;
    // Links (Catima always writes the header; a file without the table has no links).
    let link_start = match recs[end..].iter().position(|r| r.fields.is_some()) {
        Some(1) => end + 1,
        Some(p) => {
            return Err(err(
                recs[end + p].line,
                "expected exactly one blank line before the card-group links table",
            ))
        }
        None => recs.len(),
    };
    if link_start < recs.len() {
        let header = &recs[link_start];
        let f = header.fields.as_ref().expect("found above");
        let card_col = f.iter().position(|c| c == "cardId");
        let group_col = f.iter().position(|c| c == "groupId");
        let (Some(card_col), Some(group_col), 2) = (card_col, group_col, f.len()) else {
            return Err(err(
                header.line,
                "expected the card-group links header `cardId,groupId`",
            ));
        };
        let end = table_end(recs, link_start + 1);
        let index: HashMap<i64, usize> = cards.iter().enumerate().map(|(i, c)| (c.id, i)).collect();
        for r in &recs[link_start + 1..end] {
            let f = r.fields.as_ref().expect("table rows are not blank");
            if f.len() != 2 {
                return Err(err(
                    r.line,
                    format!("a link row has 2 fields, this one has {}", f.len()),
                ));
            }
            let card_id: i64 = parse_int(&f[card_col])
                .ok_or_else(|| err(r.line, "cardId must be a whole number"))?;
            let group = &f[group_col];
            if !group_lines.contains_key(group) {
                return Err(err(
                    r.line,
                    format!("group {group:?} is not in the groups table"),
                ));
            }
            match index.get(&card_id) {
                Some(&i) => {
                    if !cards[i].groups.contains(group) {
                        cards[i].groups.push(group.clone());
                    }
                }
                None => warnings.push(CatimaWarning {
                    line: r.line,
                    message: format!(
                        "link of card {card_id} to group {group:?} skipped: no card {card_id} in the file"
                    ),
                }),
            }
        }
        trailing_after_tables(recs, end)?;
    }
    Ok(Parsed {
        version: 2,
        data: CatimaData { groups, cards },
        warnings,
        card_lines,
    })
}

fn trailing_after_tables(recs: &[Record], from: usize) -> Result<(), CatimaError> {
    match recs[from..].iter().find(|r| r.fields.is_some()) {
        Some(r) => Err(err(
            r.line,
            "unexpected data after the card-group links table (a version 2 export has three tables)",
        )),
        None => Ok(()),
    }
}

fn parse_int(text: &str) -> Option<i64> {
    if text.is_empty() || text.starts_with('+') {
        return None;
    }
    text.parse().ok()
}

/// A Java `BigDecimal` string: sign, digits with an optional fraction, optional exponent.
fn is_big_decimal(text: &str) -> bool {
    let s = text.strip_prefix(['+', '-']).unwrap_or(text);
    let (mantissa, exponent) = match s.find(['e', 'E']) {
        Some(i) => (&s[..i], Some(&s[i + 1..])),
        None => (s, None),
    };
    let (int, frac) = match mantissa.split_once('.') {
        Some((i, f)) => (i, Some(f)),
        None => (mantissa, None),
    };
    let digits = |t: &str| t.bytes().all(|b| b.is_ascii_digit());
    let mantissa_ok = digits(int)
        && frac.is_none_or(digits)
        && (!int.is_empty() || frac.is_some_and(|f| !f.is_empty()));
    let exponent_ok = exponent.is_none_or(|e| {
        let e = e.strip_prefix(['+', '-']).unwrap_or(e);
        !e.is_empty() && digits(e) && e.len() <= 9
    });
    mantissa_ok && exponent_ok
}

/// Parses a cards table whose header is `recs[start]`; returns the cards, their lines and the
/// index of the record after the table.
fn parse_cards_table(
    recs: &[Record],
    start: usize,
    warnings: &mut Vec<CatimaWarning>,
) -> Result<(Vec<CatimaCard>, Vec<usize>, usize), CatimaError> {
    let header = recs.get(start).ok_or_else(|| {
        err(
            recs.last().map_or(1, |r| r.line + 1),
            "the file ends early: expected the cards table",
        )
    })?;
    let names = header.fields.as_ref().ok_or_else(|| {
        err(
            header.line,
            "expected the cards header (`_id,store,...`), found a blank line",
        )
    })?;
    let mut col: HashMap<&str, usize> = HashMap::new();
    for (i, name) in names.iter().enumerate() {
        if col.insert(name.as_str(), i).is_some() {
            return Err(err(header.line, format!("column {name:?} appears twice")));
        }
    }
    for required in ["_id", "store", "cardid"] {
        if !col.contains_key(required) {
            return Err(err(
                header.line,
                format!("the cards header has no `{required}` column"),
            ));
        }
    }
    let unknown: Vec<&str> = names
        .iter()
        .map(String::as_str)
        .filter(|n| !CARD_COLUMNS.contains(n))
        .collect();
    if !unknown.is_empty() {
        warnings.push(CatimaWarning {
            line: header.line,
            message: format!("column(s) not carried over: {}", unknown.join(", ")),
        });
    }
    let end = table_end(recs, start + 1);
    let mut cards = Vec::new();
    let mut lines = Vec::new();
    let mut seen: HashMap<i64, usize> = HashMap::new();
    for r in &recs[start + 1..end] {
        let f = r.fields.as_ref().expect("table rows are not blank");
        if f.len() != names.len() {
            return Err(err(
                r.line,
                format!(
                    "{} field(s), but the header on line {} has {}",
                    f.len(),
                    header.line,
                    names.len()
                ),
            ));
        }
        let get = |name: &str| col.get(name).map(|&i| f[i].as_str());
        let line = r.line;
        let int = |name: &str| -> Result<Option<i64>, CatimaError> {
            match get(name) {
                None | Some("") => Ok(None),
                Some(v) => parse_int(v)
                    .map(Some)
                    .ok_or_else(|| err(line, format!("{name} must be a whole number"))),
            }
        };
        let flag = |name: &str| -> Result<bool, CatimaError> {
            match get(name) {
                None | Some("") | Some("0") => Ok(false),
                Some("1") => Ok(true),
                Some(_) => Err(err(line, format!("{name} must be 0 or 1"))),
            }
        };
        let id = int("_id")?.ok_or_else(|| err(line, "_id must not be empty"))?;
        if let Some(first) = seen.insert(id, line) {
            return Err(err(
                line,
                format!("card _id {id} appears twice (first on line {first})"),
            ));
        }
        let store = get("store").unwrap_or_default().to_string();
        if store.trim().is_empty() {
            return Err(err(line, "store must not be empty"));
        }
        let card_id = get("cardid").unwrap_or_default().to_string();
        if card_id.is_empty() {
            return Err(err(line, "cardid must not be empty"));
        }
        let balance = match get("balance") {
            None | Some("") => "0".to_string(),
            Some(b) if is_big_decimal(b) => b.to_string(),
            Some(_) => return Err(err(line, "balance must be a decimal number")),
        };
        let balance_type = match get("balancetype") {
            None | Some("") => None,
            Some(c) if c.len() == 3 && c.bytes().all(|b| b.is_ascii_uppercase()) => {
                Some(c.to_string())
            }
            Some(_) => return Err(err(
                line,
                "balancetype must be an ISO 4217 currency code (three capital letters) or empty",
            )),
        };
        let barcode_type = match get("barcodetype") {
            None | Some("") => None,
            Some(t) if BARCODE_TYPES.contains(&t) => Some(t.to_string()),
            Some(t) => {
                return Err(err(
                    line,
                    format!(
                        "unknown barcodetype {t:?} (one of {})",
                        BARCODE_TYPES.join(", ")
                    ),
                ))
            }
        };
        let barcode_encoding = match get("barcodeencoding") {
            None | Some("") => None,
            Some(e) if BARCODE_ENCODINGS.iter().any(|k| k.eq_ignore_ascii_case(e)) => {
                Some(e.to_string())
            }
            Some(e) => {
                return Err(err(
                    line,
                    format!(
                        "unknown barcodeencoding {e:?} (one of {})",
                        BARCODE_ENCODINGS.join(", ")
                    ),
                ))
            }
        };
        let header_color = match int("headercolor")? {
            None => None,
            Some(c) => Some(i32::try_from(c).map_err(|_| {
                err(
                    line,
                    "headercolor must be an Android colour (a signed 32-bit number)",
                )
            })?),
        };
        let barcode_id = get("barcodeid")
            .filter(|v| !v.is_empty())
            .map(str::to_string);
        let card = CatimaCard {
            id,
            store,
            note: get("note").unwrap_or_default().to_string(),
            valid_from: int("validfrom")?,
            expiry: int("expiry")?,
            balance,
            balance_type,
            card_id,
            barcode_id,
            barcode_type,
            barcode_encoding,
            header_color,
            starred: flag("starstatus")?,
            last_used: int("lastused")?.unwrap_or(0),
            archived: flag("archive")?,
            groups: Vec::new(),
        };
        if let Some(w) = drawing_warning(&card) {
            warnings.push(CatimaWarning { line, message: w });
        }
        cards.push(card);
        lines.push(line);
    }
    Ok((cards, lines, end))
}

/// Why a card's barcode cannot be drawn here, if it cannot (the card is still imported).
fn drawing_warning(card: &CatimaCard) -> Option<String> {
    let t = card.barcode_type.as_deref()?;
    let Some(symbology) = card.symbology() else {
        return Some(format!(
            "card {}: {t} barcodes are kept but cannot be drawn here",
            card.id
        ));
    };
    let value = card.barcode_id.as_deref().unwrap_or(&card.card_id);
    render::encode(value, symbology, EcLevel::Medium)
        .err()
        .map(|e| format!("card {}: its barcode cannot be drawn: {e}", card.id))
}

// ---------------------------------------------------------------------------------------------
// Writing

/// Writes a field as Apache Commons CSV's `QuoteMode.MINIMAL` does (what Catima writes): quoted
/// when it holds a comma, quote, CR or LF, ends in a space or control character, starts with a
/// character up to `#`, or — as the first field of a record — is empty or starts with anything but
/// an ASCII letter or digit.
fn write_field(out: &mut String, value: &str, first: bool) {
    let quote = match value.chars().next() {
        None => first,
        Some(c) => {
            (first && !c.is_ascii_alphanumeric())
                || c <= '#'
                || value.contains([',', '"', '\r', '\n'])
                || value.chars().last().is_some_and(|l| l <= ' ')
        }
    };
    if quote {
        out.push('"');
        out.push_str(&value.replace('"', "\"\""));
        out.push('"');
    } else {
        out.push_str(value);
    }
}

fn write_record<S: AsRef<str>>(out: &mut String, fields: &[S]) {
    for (i, f) in fields.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        write_field(out, f.as_ref(), i == 0);
    }
    out.push_str("\r\n");
}

fn opt<T: ToString>(v: &Option<T>) -> String {
    v.as_ref().map(ToString::to_string).unwrap_or_default()
}

/// Catima's version 2 CSV text of `data` (what `catima.csv` holds), byte for byte as Catima's
/// exporter lays it out: CRLF line ends, minimal quoting, every current column.
pub fn to_csv(data: &CatimaData) -> String {
    let mut out = String::new();
    write_record(&mut out, &["2"]);
    out.push_str("\r\n");
    write_record(&mut out, &["_id"]);
    for g in &data.groups {
        write_record(&mut out, &[g]);
    }
    out.push_str("\r\n");
    write_record(&mut out, &CARD_COLUMNS);
    for c in &data.cards {
        write_record(
            &mut out,
            &[
                c.id.to_string(),
                c.store.clone(),
                c.note.clone(),
                opt(&c.valid_from),
                opt(&c.expiry),
                c.balance.clone(),
                opt(&c.balance_type),
                c.card_id.clone(),
                opt(&c.barcode_id),
                opt(&c.barcode_type),
                opt(&c.barcode_encoding),
                opt(&c.header_color),
                u8::from(c.starred).to_string(),
                c.last_used.to_string(),
                u8::from(c.archived).to_string(),
            ],
        );
    }
    out.push_str("\r\n");
    write_record(&mut out, &["cardId", "groupId"]);
    for c in &data.cards {
        for g in &c.groups {
            write_record(&mut out, &[c.id.to_string(), g.clone()]);
        }
    }
    out
}

/// A Catima 2.0+ backup: a zip with `catima.csv` (no images).
pub fn to_zip(data: &CatimaData) -> Result<Vec<u8>, CatimaError> {
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .last_modified_time(zip::DateTime::default());
    let fail = |_| err(0, "the zip archive could not be written");
    zip.start_file("catima.csv", options).map_err(fail)?;
    zip.write_all(to_csv(data).as_bytes())
        .map_err(|_| err(0, "the zip archive could not be written"))?;
    Ok(zip.finish().map_err(fail)?.into_inner())
}

/// Checks `data` can be written and read back as it is: unique card ids and group names, every
/// card's groups listed, non-empty store and card id, valid field values.
pub fn validate(data: &CatimaData) -> Result<(), CatimaError> {
    let groups: BTreeSet<&str> = data.groups.iter().map(String::as_str).collect();
    if groups.len() != data.groups.len() {
        return Err(err(0, "a group is listed twice"));
    }
    if data.groups.iter().any(|g| g.trim().is_empty()) {
        return Err(err(0, "a group name is empty"));
    }
    let mut ids = BTreeSet::new();
    for c in &data.cards {
        if !ids.insert(c.id) {
            return Err(err(0, format!("card _id {} appears twice", c.id)));
        }
        if let Some(g) = c.groups.iter().find(|g| !groups.contains(g.as_str())) {
            return Err(err(
                0,
                format!("card {} is in group {g:?}, which is not listed", c.id),
            ));
        }
    }
    // The text round trip checks every field rule in one place.
    let back = parse_csv(&to_csv(data))?;
    if back.data != *data {
        return Err(err(
            0,
            "a card has a value Catima's format cannot carry as it is",
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Catima's `docs/EXPORT_FORMAT.md` example, as documented (LF line ends, a link to card 8,
    /// which is not in the file).
    const DOC_EXAMPLE: &str = "2\n\n_id\nHealth\nFood\nFashion\n\n_id,store,note,validfrom,expiry,balance,balancetype,cardid,barcodeid,barcodetype,barcodeencoding,headercolor,starstatus,lastused,archive\n1,Clothing Store,Note about store,,,0,,qw,,,,-45147,1,1730493938,0\n2,Department Store,,,,0,,A,,,,-1499549,0,1730493491,0\n3,Grocery Store,,,1453633200000,50,,dhd,,,,-11751600,0,1730493369,0\n4,Pharmacy,,,,0,,dhshsvshs,,,,-16766866,0,1684347330,1\n5,Restaurant,Note about restaurant here,,,0,,98765432,,CODE_128,UTF-8,-10902850,0,1730493357,0\n6,Shoe Store,,,,0,,zhxbx,,AZTEC,ISO-8859-1,-6543440,0,1684347744,0\n\ncardId,groupId\n8,Fashion\n3,Food\n4,Health\n5,Food\n6,Fashion\n";

    #[test]
    fn reads_the_documented_example() {
        let p = parse(DOC_EXAMPLE.as_bytes()).unwrap();
        assert_eq!(p.version, 2);
        assert_eq!(p.data.groups, ["Health", "Food", "Fashion"]);
        assert_eq!(p.data.cards.len(), 6);
        let grocery = &p.data.cards[2];
        assert_eq!(grocery.expiry, Some(1_453_633_200_000));
        assert_eq!(grocery.balance, "50");
        assert_eq!(grocery.groups, ["Food"]);
        assert_eq!(grocery.header_color, Some(-11_751_600));
        let pharmacy = &p.data.cards[3];
        assert!(pharmacy.archived);
        assert_eq!(pharmacy.groups, ["Health"]);
        assert!(p.data.cards[0].starred);
        assert_eq!(p.data.cards[4].barcode_encoding.as_deref(), Some("UTF-8"));
        assert_eq!(p.data.cards[4].symbology(), Some(Symbology::Code128));
        // The link to card 8 is skipped and reported on its line.
        assert_eq!(p.warnings.len(), 1, "{:?}", p.warnings);
        assert_eq!(p.warnings[0].line, 17);
    }

    #[test]
    fn writes_what_it_reads_and_reads_what_it_writes() {
        let p = parse(DOC_EXAMPLE.as_bytes()).unwrap();
        let text = to_csv(&p.data);
        assert!(text.starts_with("2\r\n\r\n\"_id\"\r\nHealth\r\n"), "{text}");
        let back = parse_csv(&text).unwrap();
        assert_eq!(back.data, p.data);
        assert!(back.warnings.is_empty());
        assert_eq!(to_csv(&back.data), text);
        validate(&p.data).unwrap();
    }

    #[test]
    fn quoting_follows_commons_csv_minimal() {
        let mut s = String::new();
        write_record(
            &mut s,
            &[
                "1",
                "a,b",
                "say \"hi\"",
                "two\nlines",
                "",
                "#tag",
                "end ",
                "-5",
            ],
        );
        assert_eq!(
            s,
            "1,\"a,b\",\"say \"\"hi\"\"\",\"two\nlines\",,\"#tag\",\"end \",-5\r\n"
        );
        let mut s = String::new();
        write_record(&mut s, &["Über", "x"]);
        assert_eq!(s, "\"Über\",x\r\n");
        let mut s = String::new();
        write_record(&mut s, &[""]);
        assert_eq!(s, "\"\"\r\n");
    }

    #[test]
    fn multi_line_notes_with_blank_lines_stay_in_their_field() {
        let text = "2\r\n\r\n_id\r\n\r\n_id,store,note,cardid\r\n1,Grocer,\"first\r\n\r\nthird, with \"\"quotes\"\"\",42\r\n2,Baker,,43\r\n\r\ncardId,groupId\r\n";
        let p = parse_csv(text).unwrap();
        assert_eq!(p.data.cards[0].note, "first\r\n\r\nthird, with \"quotes\"");
        assert_eq!(p.data.cards[1].card_id, "43");
        // An error after a multi-line field names the right line.
        let bad = text.replace("2,Baker,,43", "2,Baker,,43,extra");
        let e = parse_csv(&bad).unwrap_err();
        assert_eq!(e.line, 9, "{e}");
    }

    #[test]
    fn version_1_is_the_cards_table_alone() {
        let p = parse_csv(
            "_id,store,note,cardid,barcodetype,headercolor,headertextcolor,starstatus\n1,store,note,12345,AZTEC,1,1,1\n",
        )
        .unwrap();
        assert_eq!(p.version, 1);
        let c = &p.data.cards[0];
        assert_eq!(
            (c.id, c.store.as_str(), c.card_id.as_str()),
            (1, "store", "12345")
        );
        assert_eq!(c.header_color, Some(1));
        assert!(c.starred);
        assert_eq!(c.balance, "0");
        assert!(p
            .warnings
            .iter()
            .any(|w| w.message.contains("headertextcolor")));
    }

    #[test]
    fn malformed_files_name_their_line() {
        let cases: &[(&str, usize, &str)] = &[
            ("", 0, "empty"),
            ("3\n\n_id\n", 1, "version 3"),
            ("2\n_id\n", 2, "blank line"),
            (
                "2\n\n_id\nA\n\n_id,store,cardid\n1,S,\"open\n",
                7,
                "never closed",
            ),
            (
                "2\n\n_id\n\n_id,store,cardid\n1,S,x\"y\n",
                6,
                "quote inside",
            ),
            ("2\n\n_id\n\n_id,store,cardid\n1,S\n", 6, "field(s)"),
            ("2\n\n_id\n\n_id,store,cardid\nx,S,1\n", 6, "_id must be"),
            ("2\n\n_id\n\n_id,store,cardid\n1,,1\n", 6, "store must"),
            (
                "2\n\n_id\n\n_id,store,cardid,barcodetype\n1,S,1,QR\n",
                6,
                "barcodetype",
            ),
            (
                "2\n\n_id\n\n_id,store,cardid,headercolor\n1,S,1,4294967295\n",
                6,
                "headercolor",
            ),
            (
                "2\n\n_id\n\n_id,store,cardid,starstatus\n1,S,1,2\n",
                6,
                "starstatus",
            ),
            (
                "2\n\n_id\n\n_id,store,cardid,balance\n1,S,1,1,5\n",
                6,
                "field(s)",
            ),
            (
                "2\n\n_id\n\n_id,store,cardid,balance\n1,S,1,ten\n",
                6,
                "balance",
            ),
            ("2\n\n_id\n\n_id,store,cardid\n1,S,1\n1,T,2\n", 7, "twice"),
            ("2\n\n_id\nA\nA\n", 5, "twice"),
            (
                "2\n\n_id\n\n_id,store,cardid\n1,S,1\n\ncardId,groupId\n1,Nope\n",
                9,
                "not in the groups",
            ),
            ("2\n\n_id\n\n_id,store\n1,S\n", 5, "cardid"),
            (
                "2\n\n_id\n\n_id,store,cardid\n1,S,1\n\ncardId,groupId\n\nmore\n",
                10,
                "unexpected data",
            ),
            (
                "_id,store,cardid\n1,S,\"a\"b\n",
                2,
                "after the closing quote",
            ),
        ];
        for (text, line, needle) in cases {
            let e = parse_csv(text).unwrap_err();
            assert_eq!(e.line, *line, "{text:?}: {e}");
            assert!(e.to_string().contains(needle), "{text:?}: {e}");
        }
        let e = parse(b"2\n\n_id\n\xff\n").unwrap_err();
        assert_eq!(e.line, 4);
    }

    #[test]
    fn zip_backups_round_trip() {
        let p = parse(DOC_EXAMPLE.as_bytes()).unwrap();
        let zip = to_zip(&p.data).unwrap();
        let back = parse(&zip).unwrap();
        assert_eq!(back.data, p.data);
        let e = parse(b"PK\x03\x04garbage").unwrap_err();
        assert!(e.to_string().contains("zip"), "{e}");
    }

    #[test]
    fn imported_cards_keep_what_the_app_shows() {
        let p = parse(DOC_EXAMPLE.as_bytes()).unwrap();
        let c = &p.data.cards[4];
        let imported = c.to_imported();
        assert_eq!(imported.id, "catima-5");
        assert_eq!(imported.symbology, Some(Symbology::Code128));
        assert_eq!(imported.note.as_deref(), Some("Note about restaurant here"));
        imported.validate().unwrap();
        let mut again = c.clone();
        again.update_from_imported(&imported);
        assert_eq!(&again, c);
        let long = CatimaCard {
            note: "é".repeat(6000),
            ..c.clone()
        };
        let cut = long.to_imported().note.unwrap();
        assert!(cut.len() <= IMPORTED_NOTE_MAX && long.note.starts_with(&cut));
        let fresh = CatimaCard::from_imported(&imported, 9);
        assert_eq!(fresh.card_id, c.card_id);
        assert_eq!(fresh.barcode_type.as_deref(), Some("CODE_128"));
    }

    #[test]
    fn big_decimals() {
        for ok in ["0", "12.50", "-3", "+4", ".5", "5.", "1E+3", "2.5e-7"] {
            assert!(is_big_decimal(ok), "{ok}");
        }
        for bad in ["", ".", "1,5", "e5", "1e", "ten", "1.2.3", "--1"] {
            assert!(!is_big_decimal(bad), "{bad}");
        }
    }
}
