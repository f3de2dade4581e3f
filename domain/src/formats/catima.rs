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
//!
//! Leniency follows Catima's `CatimaImporter`: it refuses a file for a bad `_id`, an empty store or
//! card id, an unknown barcode type or currency, and reads `validfrom`, `expiry`, `balance`,
//! `headercolor`, `starstatus`, `archive` and `lastused` leniently (its default when a value does
//! not parse); this does the same and adds a [`CatimaWarning`] per replaced value.
//!
//! Limits (typed errors): see [`MAX_CSV_BYTES`], [`MAX_CARDS`], [`MAX_GROUPS`],
//! [`MAX_ZIP_ENTRIES`], [`MAX_STORE_BYTES`], [`MAX_CARD_ID_BYTES`], [`MAX_NOTE_BYTES`],
//! [`MAX_GROUP_BYTES`] and [`CATIMA_ID_RANGE`]. No barcode is encoded while reading: whether one
//! can be drawn is decided by cheap checks, so the work is linear in the size of the file.
//! [`plan_import`] merges a file with the app's cards (never replacing a different card) and
//! [`export_data`] builds an export; both are linear in the number of cards.

use crate::card::ImportedCard;
use crate::render::{self, Symbology};
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

/// Largest file [`parse`] reads: a Catima `.zip` backup holds card photos besides `catima.csv`,
/// and those are the bulk of it (they are skipped, never decompressed).
pub const MAX_INPUT_BYTES: usize = 32 * 1024 * 1024;

/// Largest CSV text (bare, or `catima.csv` decompressed from a zip, counted while it is read, so a
/// zip bomb stops here). A real export is about 100–200 bytes a card: 5,000 cards are under 1 MiB;
/// 8 MiB leaves room for [`MAX_CARDS`] cards with long notes.
pub const MAX_CSV_BYTES: usize = 8 * 1024 * 1024;

/// Most cards in one file. Catima has no limit of its own; people carry tens to hundreds of cards,
/// and 20,000 is far above any real wallet while keeping an import well under a second.
pub const MAX_CARDS: usize = 20_000;

/// Most groups in one file (Catima's groups are a handful of user-made tabs).
pub const MAX_GROUPS: usize = 1_000;

/// Most entries in a zip backup: `catima.csv` and up to three images a card (icon, front, back).
pub const MAX_ZIP_ENTRIES: usize = 3 * MAX_CARDS + 16;

/// Longest `store` (bytes): what the app's [`ImportedCard`] holds.
pub const MAX_STORE_BYTES: usize = 200;

/// Longest `cardid` and `barcodeid` (bytes): what the app's [`ImportedCard`] holds, and above the
/// largest barcode any symbology carries (QR: 7,089 digits is the only one above, as digits).
pub const MAX_CARD_ID_BYTES: usize = 4096;

/// Longest note kept in a [`CatimaCard`] (bytes); the app's record keeps the first
/// [`IMPORTED_NOTE_MAX`].
pub const MAX_NOTE_BYTES: usize = 64 * 1024;

/// Longest group name (bytes).
pub const MAX_GROUP_BYTES: usize = 200;

/// Catima's card `_id` is a Java `int` (`Integer.parseInt` on import, an SQLite row id that
/// Catima reads with `getInt`): ids outside this range make a file Catima cannot read.
pub const CATIMA_ID_RANGE: std::ops::RangeInclusive<i64> = (i32::MIN as i64)..=(i32::MAX as i64);

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
    if bytes.len() > MAX_CSV_BYTES {
        return Err(too_large_csv());
    }
    parse_text_bytes(bytes)
}

fn too_large_csv() -> CatimaError {
    err(
        0,
        format!(
            "the Catima CSV text is larger than {} MiB (a real export of thousands of cards is under 1 MiB)",
            MAX_CSV_BYTES / 1024 / 1024
        ),
    )
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
    if archive.len() > MAX_ZIP_ENTRIES {
        return Err(err(
            0,
            format!("the zip archive holds more than {MAX_ZIP_ENTRIES} files: not a Catima backup"),
        ));
    }
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
            // Counted while decompressing: a small zip cannot make this read more.
            (&mut entry)
                .take(MAX_CSV_BYTES as u64 + 1)
                .read_to_end(&mut data)
                .map_err(|_| {
                    err(
                        0,
                        "catima.csv in the zip archive cannot be read (password-protected or damaged)",
                    )
                })?;
            if data.len() > MAX_CSV_BYTES {
                return Err(too_large_csv());
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
    // Every delimiter is ASCII, so the text is scanned as bytes and fields are cut as slices
    // (a UTF-8 sequence never contains an ASCII byte): one pass, no per-character work.
    let b = text.as_bytes();
    let n = b.len();
    let mut out = Vec::new();
    let mut i = 0usize;
    let mut line = 1usize;
    // Skips the line break at `i` (LF, CRLF or a lone CR), if any; true when there was one.
    let line_break = |i: &mut usize, line: &mut usize| -> bool {
        match b.get(*i) {
            Some(b'\n') => {
                *i += 1;
                *line += 1;
                true
            }
            Some(b'\r') => {
                *i += 1;
                if b.get(*i) == Some(&b'\n') {
                    *i += 1;
                }
                *line += 1;
                true
            }
            _ => false,
        }
    };
    while i < n {
        let start = line;
        if line_break(&mut i, &mut line) {
            out.push(Record {
                line: start,
                fields: None,
            });
            continue;
        }
        let mut fields = Vec::new();
        loop {
            if b.get(i) == Some(&b'"') {
                i += 1;
                let quote_line = line;
                let mut field = String::new();
                let mut from = i;
                loop {
                    let Some(&c) = b.get(i) else {
                        return Err(err(
                            quote_line,
                            "a quoted field is never closed (a missing \")",
                        ));
                    };
                    match c {
                        b'"' => {
                            field.push_str(&text[from..i]);
                            if b.get(i + 1) == Some(&b'"') {
                                field.push('"');
                                i += 2;
                                from = i;
                            } else {
                                i += 1;
                                break;
                            }
                        }
                        // A line ends at LF, or at a CR not followed by LF.
                        b'\n' => {
                            line += 1;
                            i += 1;
                        }
                        b'\r' => {
                            if b.get(i + 1) != Some(&b'\n') {
                                line += 1;
                            }
                            i += 1;
                        }
                        _ => i += 1,
                    }
                }
                match b.get(i) {
                    None | Some(b',') | Some(b'\n') | Some(b'\r') => {}
                    Some(_) => {
                        return Err(err(line, "text after the closing quote of a quoted field"))
                    }
                }
                fields.push(field);
            } else {
                let from = i;
                while let Some(&c) = b.get(i) {
                    if c == b',' || c == b'\n' || c == b'\r' {
                        break;
                    }
                    if c == b'"' {
                        return Err(err(
                            line,
                            "a quote inside an unquoted field (quote the field and double the quote)",
                        ));
                    }
                    i += 1;
                }
                fields.push(text[from..i].to_string());
            }
            if b.get(i) == Some(&b',') {
                i += 1;
                continue;
            }
            line_break(&mut i, &mut line);
            break;
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
        if name.len() > MAX_GROUP_BYTES {
            return Err(err(
                r.line,
                format!("a group name is at most {MAX_GROUP_BYTES} bytes"),
            ));
        }
        if groups.len() == MAX_GROUPS {
            return Err(err(
                r.line,
                format!("more than {MAX_GROUPS} groups in one file"),
            ));
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
    if end - (start + 1) > MAX_CARDS {
        return Err(err(
            recs[start + 1 + MAX_CARDS].line,
            format!("more than {MAX_CARDS} cards in one file"),
        ));
    }
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
        // Catima's importer (CatimaImporter.importLoyaltyCard) refuses a file for a bad `_id`,
        // an empty store or card id, an unknown barcode type or currency; every other field it
        // reads leniently, with a default in place of a value it cannot read. So does this, and
        // says which value it replaced.
        let mut tolerated = |name: &str, default: &str| {
            warnings.push(CatimaWarning {
                line,
                message: format!(
                    "{name} is not a value Catima's format allows; imported as {default}, as Catima does"
                ),
            });
        };
        let lenient_int = |name: &str, tolerated: &mut dyn FnMut(&str, &str)| -> Option<i64> {
            match get(name) {
                None | Some("") => None,
                Some(v) => {
                    let n = parse_int(v);
                    if n.is_none() {
                        tolerated(name, "empty");
                    }
                    n
                }
            }
        };
        // 0 or 1; Catima reads anything else (`2`, `text`) as 0.
        let lenient_flag = |name: &str, tolerated: &mut dyn FnMut(&str, &str)| -> bool {
            match get(name) {
                None | Some("") | Some("0") => false,
                Some("1") => true,
                Some(_) => {
                    tolerated(name, "0");
                    false
                }
            }
        };
        let id = match get("_id").map(parse_int) {
            Some(Some(id)) if CATIMA_ID_RANGE.contains(&id) => id,
            Some(Some(_)) => {
                return Err(err(
                    line,
                    "_id is outside Catima's range (a 32-bit whole number, at most 2147483647)",
                ))
            }
            _ => return Err(err(line, "_id must be a whole number")),
        };
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
        if store.len() > MAX_STORE_BYTES {
            return Err(err(
                line,
                format!("store is longer than {MAX_STORE_BYTES} bytes"),
            ));
        }
        let card_id = get("cardid").unwrap_or_default().to_string();
        if card_id.is_empty() {
            return Err(err(line, "cardid must not be empty"));
        }
        let barcode_id = get("barcodeid")
            .filter(|v| !v.is_empty())
            .map(str::to_string);
        if card_id.len() > MAX_CARD_ID_BYTES
            || barcode_id
                .as_ref()
                .is_some_and(|b| b.len() > MAX_CARD_ID_BYTES)
        {
            return Err(err(
                line,
                format!("cardid and barcodeid are at most {MAX_CARD_ID_BYTES} bytes"),
            ));
        }
        let note = get("note").unwrap_or_default().to_string();
        if note.len() > MAX_NOTE_BYTES {
            return Err(err(
                line,
                format!("note is longer than {} KiB", MAX_NOTE_BYTES / 1024),
            ));
        }
        let balance = match get("balance") {
            None | Some("") => "0".to_string(),
            Some(b) if is_big_decimal(b) => b.to_string(),
            Some(_) => {
                tolerated("balance", "0");
                "0".to_string()
            }
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
            Some(_) => {
                return Err(err(
                    line,
                    format!("unknown barcodetype (one of {})", BARCODE_TYPES.join(", ")),
                ))
            }
        };
        // Catima's importer does not read this column: an unknown charset is dropped, not fatal.
        let barcode_encoding = match get("barcodeencoding") {
            None | Some("") => None,
            Some(e) if BARCODE_ENCODINGS.iter().any(|k| k.eq_ignore_ascii_case(e)) => {
                Some(e.to_string())
            }
            Some(_) => {
                tolerated("barcodeencoding", "empty");
                None
            }
        };
        let header_color = match lenient_int("headercolor", &mut tolerated) {
            None => None,
            Some(c) => match i32::try_from(c) {
                Ok(c) => Some(c),
                Err(_) => {
                    tolerated("headercolor", "empty");
                    None
                }
            },
        };
        let card = CatimaCard {
            id,
            store,
            note,
            valid_from: lenient_int("validfrom", &mut tolerated),
            expiry: lenient_int("expiry", &mut tolerated),
            balance,
            balance_type,
            card_id,
            barcode_id,
            barcode_type,
            barcode_encoding,
            header_color,
            starred: lenient_flag("starstatus", &mut tolerated),
            last_used: lenient_int("lastused", &mut tolerated).unwrap_or(0),
            archived: lenient_flag("archive", &mut tolerated),
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
///
/// Cheap checks only, no encoding (an Aztec or Data Matrix encode of a long value costs tens of
/// milliseconds): the symbology's character set and length rules
/// ([`render::encoded_text`]), then for the 2D symbologies an upper bound of the largest symbol's
/// capacity for the payload's class of characters ([`capacity_bound`]). A value past a bound
/// cannot be drawn whatever the encoder does; one within may still be refused when it is drawn,
/// with a typed error then.
fn drawing_warning(card: &CatimaCard) -> Option<String> {
    let t = card.barcode_type.as_deref()?;
    let Some(symbology) = card.symbology() else {
        return Some(format!(
            "card {}: {t} barcodes are kept but cannot be drawn here",
            card.id
        ));
    };
    let value = card.barcode_id.as_deref().unwrap_or(&card.card_id);
    if let Err(e) = render::encoded_text(value, symbology) {
        return Some(format!(
            "card {}: its barcode cannot be drawn: {e}",
            card.id
        ));
    }
    match capacity_bound(value, symbology) {
        Some(max) if value.len() > max => Some(format!(
            "card {}: its barcode cannot be drawn: {symbology} holds at most {max} such characters",
            card.id
        )),
        _ => None,
    }
}

/// The most bytes of `value`'s kind the largest symbol of a 2D `symbology` can hold, in the
/// densest mode that kind allows (ISO/IEC 18004 table 7 at level M for QR; ISO/IEC 24778 at 23 %
/// for Aztec; ISO/IEC 15438 text/byte compaction for PDF417; ISO/IEC 16022 144×144 for Data
/// Matrix). Digits are bounded by [`render::encoded_text`] already. `None`: no bound here (1D
/// codes have exact rules in `encoded_text`).
fn capacity_bound(value: &str, symbology: Symbology) -> Option<usize> {
    let qr_alnum = |b: u8| matches!(b, b'0'..=b'9' | b'A'..=b'Z' | b' ' | b'$' | b'%' | b'*' | b'+' | b'-' | b'.' | b'/' | b':');
    let class = if value.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    } else if value.bytes().all(qr_alnum) {
        0
    } else if value.bytes().all(|b| (0x20..0x7f).contains(&b)) {
        1
    } else {
        2
    };
    // [upper-case and digits, printable ASCII, anything else as UTF-8 bytes]
    let bounds: [usize; 3] = match symbology {
        Symbology::QrCode => [3391, 2331, 2331],
        Symbology::Aztec => [3067, 3067, 1914],
        Symbology::Pdf417 => [1850, 1850, 1108],
        Symbology::DataMatrix => [2335, 2335, 1556],
        _ => return None,
    };
    Some(bounds[class])
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

// ---------------------------------------------------------------------------------------------
// Importing into the app, exporting from it

/// What an import did with one card of the file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ImportAction {
    /// A card the app did not have.
    Added,
    /// The same card as a stored one (see [`same_card`]), brought up to date.
    Updated,
    /// The same card as a stored one, with nothing new.
    Unchanged,
}

/// One card of the file and where it goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlannedCard {
    /// The line of the file the card starts on.
    pub line: usize,
    /// Its `_id` in the file.
    pub file_id: i64,
    pub action: ImportAction,
    /// The app's record of it: a new card's id is `catima-<_id>`, or a fresh `catima-<n>` when
    /// another card already has that id; an updated card keeps the stored card's id.
    pub card: ImportedCard,
    /// Catima's full record, its `id` the number in `card.id`; `None` when the stored card it
    /// updates has an id of the app's own (not `catima-<n>`).
    pub record: Option<CatimaCard>,
}

/// What importing a file does: per card, and in total.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportPlan {
    pub version: u32,
    pub groups: Vec<String>,
    pub cards: Vec<PlannedCard>,
    pub warnings: Vec<CatimaWarning>,
    pub added: usize,
    pub updated: usize,
    pub unchanged: usize,
}

impl ImportPlan {
    /// The cards to write: the added and the updated ones (an unchanged card is left as stored).
    pub fn changed_cards(&self) -> Vec<ImportedCard> {
        self.cards
            .iter()
            .filter(|c| c.action != ImportAction::Unchanged)
            .map(|c| c.card.clone())
            .collect()
    }

    /// What the import did, in the shopper's language.
    pub fn summary(&self, lang: crate::lang::Lang) -> String {
        use crate::lang::Lang;
        let (a, u, n) = (self.added, self.updated, self.unchanged);
        let w = self.warnings.len();
        // CLDR plural rules: "one" is 1 in English and Dutch, 0 and 1 in French.
        let pick = |count: usize, one: &'static str, other: &'static str| {
            let singular = match lang.language() {
                Lang::Fr | Lang::FrBe => count <= 1,
                _ => count == 1,
            };
            if singular {
                one
            } else {
                other
            }
        };
        match lang.language() {
            Lang::Nl | Lang::NlBe => format!(
                "{a} toegevoegd, {u} bijgewerkt, {n} ongewijzigd, {w} {}",
                pick(w, "waarschuwing", "waarschuwingen")
            ),
            Lang::Fr | Lang::FrBe => format!(
                "{a} {}, {u} {}, {n} {}, {w} {}",
                pick(a, "carte ajoutée", "cartes ajoutées"),
                pick(u, "mise à jour", "mises à jour"),
                pick(n, "inchangée", "inchangées"),
                pick(w, "avertissement", "avertissements")
            ),
            Lang::En => format!(
                "{a} added, {u} updated, {n} unchanged, {w} {}",
                pick(w, "warning", "warnings")
            ),
        }
    }
}

/// Whether two cards are the same card as a shopper sees it: the same store (ignoring case and
/// surrounding spaces), the same card number and the same barcode type. Catima itself matches
/// nothing: it inserts every card of a file under the file's `_id`. Matching like this makes
/// importing the same export twice change nothing, and a different card never replaces one.
pub fn same_card(a: &ImportedCard, b: &ImportedCard) -> bool {
    card_key(a) == card_key(b)
}

fn card_key(c: &ImportedCard) -> (String, &str, Option<Symbology>) {
    (
        c.store_name.trim().to_lowercase(),
        c.card_id.as_str(),
        c.symbology,
    )
}

/// The Catima number of an app card id `catima-<n>`, when it is one in Catima's range.
pub fn catima_number(id: &str) -> Option<i64> {
    let n = id.strip_prefix(IMPORTED_ID_PREFIX)?;
    if n.is_empty() || n.starts_with(['+', '-']) || (n.len() > 1 && n.starts_with('0')) {
        return None;
    }
    n.parse::<i64>()
        .ok()
        .filter(|n| CATIMA_ID_RANGE.contains(n))
}

/// Hands out Catima numbers no card uses: above the highest in use, then (past Catima's range)
/// the lowest free ones.
struct FreeIds {
    taken: std::collections::HashSet<i64>,
    next: i64,
    wrapped: bool,
}

impl FreeIds {
    fn new(taken: std::collections::HashSet<i64>) -> Self {
        let next = taken.iter().copied().max().unwrap_or(0).max(0) + 1;
        FreeIds {
            taken,
            next,
            wrapped: false,
        }
    }

    fn take(&mut self) -> Result<i64, CatimaError> {
        loop {
            if self.next > *CATIMA_ID_RANGE.end() {
                if self.wrapped {
                    return Err(err(0, "no free Catima card number is left"));
                }
                self.wrapped = true;
                self.next = 1;
            }
            let n = self.next;
            self.next += 1;
            if self.taken.insert(n) {
                return Ok(n);
            }
        }
    }
}

/// Decides, without storing anything, what importing `parsed` does next to the app's `stored`
/// cards and the Catima `records` kept for them: a card the same as a stored one ([`same_card`];
/// first the one with the file's id, then any other) updates it, or is unchanged; any other card
/// is added, under a fresh id when its `catima-<_id>` is taken. No stored card is replaced by a
/// different one. Every card is checked against the app's rules; an error names the line.
/// Linear in the number of cards.
pub fn plan_import(
    parsed: Parsed,
    stored: &[ImportedCard],
    records: &[CatimaCard],
) -> Result<ImportPlan, CatimaError> {
    let by_id: HashMap<&str, &ImportedCard> = stored.iter().map(|c| (c.id.as_str(), c)).collect();
    let mut by_key: HashMap<(String, &str, Option<Symbology>), Vec<&str>> = HashMap::new();
    for c in stored {
        by_key.entry(card_key(c)).or_default().push(c.id.as_str());
    }
    let record_of: HashMap<i64, &CatimaCard> = records.iter().map(|r| (r.id, r)).collect();
    let mut taken: std::collections::HashSet<i64> = stored
        .iter()
        .filter_map(|c| catima_number(&c.id))
        .chain(records.iter().map(|r| r.id))
        .collect();
    taken.extend(parsed.data.cards.iter().map(|c| c.id));
    let mut free = FreeIds::new(taken);
    let mut claimed: std::collections::HashSet<String> = std::collections::HashSet::new();
    let mut plan = ImportPlan {
        version: parsed.version,
        groups: parsed.data.groups,
        cards: Vec::with_capacity(parsed.data.cards.len()),
        warnings: parsed.warnings,
        added: 0,
        updated: 0,
        unchanged: 0,
    };
    for (file_card, line) in parsed.data.cards.into_iter().zip(parsed.card_lines) {
        let incoming = file_card.to_imported();
        incoming.validate().map_err(|e| err(line, e.reason))?;
        let own_id = incoming.id.clone();
        let matched: Option<&ImportedCard> = by_id
            .get(own_id.as_str())
            .filter(|s| !claimed.contains(&s.id) && same_card(s, &incoming))
            .copied()
            .or_else(|| {
                by_key
                    .get(&card_key(&incoming))?
                    .iter()
                    .find(|id| !claimed.contains(**id))
                    .and_then(|id| by_id.get(id).copied())
            });
        let planned = match matched {
            Some(old) => {
                claimed.insert(old.id.clone());
                let card = ImportedCard {
                    id: old.id.clone(),
                    ..incoming
                };
                let record = catima_number(&old.id).map(|n| CatimaCard {
                    id: n,
                    ..file_card.clone()
                });
                // Catima's fields the app does not hold (balance, dates, groups...) count only
                // when the caller keeps them.
                let same_record = match &record {
                    None => true,
                    Some(new) => record_of.get(&new.id).is_none_or(|kept| *kept == new),
                };
                let action = if card == *old && same_record {
                    ImportAction::Unchanged
                } else {
                    ImportAction::Updated
                };
                if old.id != own_id {
                    plan.warnings.push(CatimaWarning {
                        line,
                        message: format!(
                            "card {}: the same card is stored as {}; that card is {}",
                            file_card.id,
                            old.id,
                            if action == ImportAction::Unchanged {
                                "unchanged"
                            } else {
                                "updated"
                            }
                        ),
                    });
                }
                PlannedCard {
                    line,
                    file_id: file_card.id,
                    action,
                    card,
                    record,
                }
            }
            None => {
                let taken_here = by_id.contains_key(own_id.as_str())
                    || claimed.contains(&own_id)
                    || record_of.contains_key(&file_card.id);
                let n = if taken_here {
                    let n = free.take().map_err(|e| err(line, e.reason))?;
                    plan.warnings.push(CatimaWarning {
                        line,
                        message: format!(
                            "card {}: another card is stored as {own_id}; this one is added as {IMPORTED_ID_PREFIX}{n}",
                            file_card.id
                        ),
                    });
                    n
                } else {
                    file_card.id
                };
                let record = CatimaCard {
                    id: n,
                    ..file_card.clone()
                };
                let card = ImportedCard {
                    id: record.imported_id(),
                    ..incoming
                };
                claimed.insert(card.id.clone());
                PlannedCard {
                    line,
                    file_id: file_card.id,
                    action: ImportAction::Added,
                    card,
                    record: Some(record),
                }
            }
        };
        match planned.action {
            ImportAction::Added => plan.added += 1,
            ImportAction::Updated => plan.updated += 1,
            ImportAction::Unchanged => plan.unchanged += 1,
        }
        plan.cards.push(planned);
    }
    Ok(plan)
}

/// The Catima export of the app's `stored` cards, with the full `records` kept for them (the
/// app's fields win where they differ) and `groups`. A card without a record, or whose number is
/// outside Catima's range, gets a free number. Returns the data and the next free number (for a
/// card the caller adds). Linear in the number of cards.
pub fn export_data(
    stored: &[ImportedCard],
    records: &[CatimaCard],
    groups: &[String],
) -> Result<(CatimaData, i64), CatimaError> {
    let record_of: HashMap<i64, &CatimaCard> = records.iter().map(|r| (r.id, r)).collect();
    let mut cards: Vec<CatimaCard> = Vec::with_capacity(stored.len() + 1);
    let mut fresh: Vec<&ImportedCard> = Vec::new();
    for card in stored {
        match catima_number(&card.id).and_then(|n| record_of.get(&n)) {
            Some(r) => {
                let mut r = (*r).clone();
                r.update_from_imported(card);
                cards.push(r);
            }
            None => fresh.push(card),
        }
    }
    let mut free = FreeIds::new(cards.iter().map(|c| c.id).collect());
    for card in fresh {
        cards.push(CatimaCard::from_imported(card, free.take()?));
    }
    let next = free.take()?;
    crate::sort::sort_by_key(&mut cards, |c| c.id);
    let known: BTreeSet<&str> = groups.iter().map(String::as_str).collect();
    for c in &mut cards {
        c.groups.retain(|g| known.contains(g.as_str()));
    }
    Ok((
        CatimaData {
            groups: groups.to_vec(),
            cards,
        },
        next,
    ))
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
                "2\n\n_id\n\n_id,store,cardid,balance\n1,S,1,1,5\n",
                6,
                "field(s)",
            ),
            ("2\n\n_id\n\n_id,store,cardid\n1,S,1\n1,T,2\n", 7, "twice"),
            (
                "2\n\n_id\n\n_id,store,cardid\n2147483648,S,1\n",
                6,
                "Catima's range",
            ),
            (
                "2\n\n_id\n\n_id,store,cardid,balancetype\n1,S,1,euro\n",
                6,
                "balancetype",
            ),
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

    fn fixture(name: &str) -> Vec<u8> {
        let path = format!(
            "{}/tests/fixtures/catima/{name}",
            env!("CARGO_MANIFEST_DIR")
        );
        std::fs::read(path).unwrap()
    }

    #[test]
    fn catimas_own_test_files_import_as_catima_imports_them() {
        for name in [
            "catima_v1_invalid_starred_field.csv",
            "catima_v1_invalid_starred_field_2.csv",
        ] {
            let p = parse(&fixture(name)).unwrap_or_else(|e| panic!("{name}: {e}"));
            let c = &p.data.cards[0];
            assert!(!c.starred, "{name}");
            assert_eq!((c.card_id.as_str(), c.header_color), ("12345", Some(1)));
            let w: Vec<_> = p
                .warnings
                .iter()
                .map(|w| (w.line, w.message.as_str()))
                .collect();
            assert!(
                w.iter()
                    .any(|(l, m)| *l == 2 && m.starts_with("starstatus")),
                "{name}: {w:?}"
            );
        }
        for name in [
            "catima_v1_no_starred_field.csv",
            "catima_v1_empty_colors.csv",
        ] {
            let p = parse(&fixture(name)).unwrap();
            assert!(!p.data.cards[0].starred && p.data.cards[0].store == "store");
        }
        assert_eq!(
            parse(&fixture("catima_v1_empty_colors.csv"))
                .unwrap()
                .data
                .cards[0]
                .header_color,
            None
        );
        // Catima refuses this one too (barcode type `type`).
        let e = parse(&fixture("catima_v1_invalid_colors.csv")).unwrap_err();
        assert_eq!(e.line, 2);
        assert!(e.reason.contains("barcodetype"), "{e}");
        let p = parse(&fixture("catima_v2.csv")).unwrap();
        assert_eq!(p.version, 2);
        assert_eq!(p.data.cards.len(), 8);
        let grocery = p.data.cards.iter().find(|c| c.id == 3).unwrap();
        assert_eq!(
            grocery.note,
            "Multiline note about grocery store\n\nwith blank line"
        );
        assert_eq!(grocery.groups, ["Food"]);
        let shoe = p.data.cards.iter().find(|c| c.id == 6).unwrap();
        assert_eq!(
            (shoe.balance.as_str(), shoe.barcode_id.as_deref()),
            ("12.50", Some("-5317"))
        );
    }

    #[test]
    fn fields_catima_reads_leniently_get_its_defaults_and_a_warning() {
        let text = "_id,store,cardid,validfrom,expiry,balance,headercolor,starstatus,lastused,archive,barcodeencoding\n\
                    1,S,1,soon,later,ten,4294967295,2,yesterday,yes,EBCDIC\n";
        let p = parse_csv(text).unwrap();
        let c = &p.data.cards[0];
        assert_eq!(
            (c.valid_from, c.expiry, c.balance.as_str(), c.header_color),
            (None, None, "0", None)
        );
        assert_eq!((c.starred, c.last_used, c.archived), (false, 0, false));
        assert_eq!(c.barcode_encoding, None);
        let fields: Vec<&str> = p
            .warnings
            .iter()
            .map(|w| w.message.split(' ').next().unwrap())
            .collect();
        assert_eq!(
            fields,
            [
                "balance",
                "barcodeencoding",
                "headercolor",
                "validfrom",
                "expiry",
                "starstatus",
                "lastused",
                "archive"
            ]
        );
        assert!(p.warnings.iter().all(|w| w.line == 2));
        // No value of the file in a warning.
        assert!(p
            .warnings
            .iter()
            .all(|w| !w.message.contains("soon") && !w.message.contains("EBCDIC")));
        // What was kept writes back as a file that reads without warnings.
        assert!(parse_csv(&to_csv(&p.data)).unwrap().warnings.is_empty());
    }

    #[test]
    fn limits_are_typed_errors() {
        let mut text = String::from("_id,store,cardid\n");
        for i in 0..=MAX_CARDS {
            text.push_str(&format!("{i},S,{i}\n"));
        }
        let e = parse_csv(&text).unwrap_err();
        assert_eq!(e.line, MAX_CARDS + 2, "{e}");
        assert!(e.reason.contains("more than 20000 cards"), "{e}");
        let long = format!(
            "_id,store,cardid\n1,S,{}\n",
            "7".repeat(MAX_CARD_ID_BYTES + 1)
        );
        assert!(parse_csv(&long)
            .unwrap_err()
            .reason
            .contains("at most 4096"));
        let big = vec![b'a'; MAX_CSV_BYTES + 1];
        assert!(parse(&big)
            .unwrap_err()
            .reason
            .contains("larger than 8 MiB"));
        let groups: String = (0..=MAX_GROUPS).map(|i| format!("g{i}\n")).collect();
        let e = parse_csv(&format!("2\n\n_id\n{groups}\n_id,store,cardid\n")).unwrap_err();
        assert!(e.reason.contains("more than 1000 groups"), "{e}");
    }

    /// A zip whose `catima.csv` inflates past the limit is refused while it is read: a 64 MiB
    /// entry (about 64 KiB compressed) stops after 8 MiB.
    #[test]
    fn a_zip_bomb_stops_at_the_csv_limit() {
        let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        let options = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated);
        zip.start_file("catima.csv", options).unwrap();
        let block = vec![b'1'; 1024 * 1024];
        for _ in 0..64 {
            zip.write_all(&block).unwrap();
        }
        let bytes = zip.finish().unwrap().into_inner();
        assert!(bytes.len() < 200 * 1024, "{}", bytes.len());
        let e = parse(&bytes).unwrap_err();
        assert!(e.reason.contains("larger than 8 MiB"), "{e}");
    }

    /// Issue #19/#20: 1,500 Aztec cards with 2,000-character card ids in a small zip took ~30 s
    /// (a full Aztec encode per card, only to decide on a warning); a 2,670-digit PDF417 card
    /// panicked inside the encoder. Now the checks encode nothing.
    #[test]
    fn long_two_dimensional_cards_are_checked_without_encoding() {
        let id: String = (0..2000)
            .map(|i| (b'A' + (i * 7 % 26) as u8) as char)
            .collect();
        let mut text = String::from("2\r\n\r\n_id\r\n\r\n_id,store,cardid,barcodetype\r\n");
        for i in 1..=1500 {
            text.push_str(&format!("{i},S,{id},AZTEC\r\n"));
        }
        text.push_str("\r\ncardId,groupId\r\n");
        let zip = {
            let mut z = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
            z.start_file("catima.csv", zip::write::SimpleFileOptions::default())
                .unwrap();
            z.write_all(text.as_bytes()).unwrap();
            z.finish().unwrap().into_inner()
        };
        // (Measured, not asserted: ~0.3 s in the unoptimised test build, against ~20 s when every
        // card was encoded.)
        let p = parse(&zip).unwrap();
        assert_eq!(p.data.cards.len(), 1500);
        assert!(p.warnings.is_empty(), "{:?}", &p.warnings[..1]);
        let pdf = format!(
            "_id,store,cardid,barcodetype\n1,S,{},PDF_417\n",
            "1".repeat(2670)
        );
        assert_eq!(parse_csv(&pdf).unwrap().data.cards.len(), 1);
        // Past the largest symbol's capacity for its characters: imported, with a warning.
        let over = format!(
            "_id,store,cardid,barcodetype\n1,S,{},DATA_MATRIX\n2,S,{},QR_CODE\n3,S,abc,EAN_13\n",
            "x".repeat(2400),
            "é".repeat(1200)
        );
        let p = parse_csv(&over).unwrap();
        let lines: Vec<usize> = p.warnings.iter().map(|w| w.line).collect();
        assert_eq!(lines, [2, 3, 4], "{:?}", p.warnings);
        assert!(p
            .warnings
            .iter()
            .all(|w| w.message.contains("cannot be drawn")));
    }

    fn stored(id: &str, store: &str, number: &str) -> ImportedCard {
        ImportedCard {
            id: id.into(),
            store_name: store.into(),
            card_id: number.into(),
            barcode_value: None,
            symbology: Some(Symbology::Code128),
            note: None,
            header_color: None,
        }
    }

    fn file(rows: &str) -> Parsed {
        parse_csv(&format!("_id,store,cardid,barcodetype,balance\n{rows}")).unwrap()
    }

    #[test]
    fn an_import_never_replaces_a_different_card() {
        let first = file("1,Bakery,111,CODE_128,0\n");
        let plan = plan_import(first, &[], &[]).unwrap();
        assert_eq!((plan.added, plan.updated, plan.unchanged), (1, 0, 0));
        let kept: Vec<ImportedCard> = plan.cards.iter().map(|c| c.card.clone()).collect();
        let records: Vec<CatimaCard> = plan.cards.iter().filter_map(|c| c.record.clone()).collect();
        assert_eq!(kept[0].id, "catima-1");

        // Another phone's export: its _id 1 is a different card, its _id 7 the bakery card.
        let second = file("1,Butcher,222,CODE_128,0\n7, bakery ,111,CODE_128,5\n");
        let plan = plan_import(second, &kept, &records).unwrap();
        assert_eq!((plan.added, plan.updated, plan.unchanged), (1, 1, 0));
        let butcher = &plan.cards[0];
        assert_eq!(butcher.action, ImportAction::Added);
        assert_eq!(butcher.card.id, "catima-8", "the next number after 1 and 7");
        assert_eq!(butcher.record.as_ref().unwrap().id, 8);
        let bakery = &plan.cards[1];
        assert_eq!(bakery.action, ImportAction::Updated);
        assert_eq!(bakery.card.id, "catima-1");
        assert_eq!(bakery.record.as_ref().unwrap().balance, "5");
        assert_eq!(plan.warnings.len(), 2, "{:?}", plan.warnings);
        assert!(plan
            .warnings
            .iter()
            .all(|w| !w.message.contains("Butcher") && !w.message.contains("222")));

        // The same file again changes nothing.
        let kept: Vec<ImportedCard> = plan.cards.iter().map(|c| c.card.clone()).collect();
        let records: Vec<CatimaCard> = plan.cards.iter().filter_map(|c| c.record.clone()).collect();
        let again = plan_import(
            file("1,Butcher,222,CODE_128,0\n7, bakery ,111,CODE_128,5\n"),
            &kept,
            &records,
        )
        .unwrap();
        assert_eq!((again.added, again.updated, again.unchanged), (0, 0, 2));
        assert_eq!(again.cards[0].card.id, "catima-8");
        assert!(again.changed_cards().is_empty(), "nothing to write");
        let written: Vec<String> = plan.changed_cards().into_iter().map(|c| c.id).collect();
        assert_eq!(
            written,
            ["catima-8", "catima-1"],
            "the added and the updated card"
        );

        // A stored card of the app's own (not from Catima) is matched too, and kept by its id.
        let own = stored("app-1", "Florist", "333");
        let plan = plan_import(
            file("1,Florist,333,CODE_128,0\n"),
            std::slice::from_ref(&own),
            &[],
        )
        .unwrap();
        assert_eq!(plan.unchanged, 1);
        assert_eq!(
            (
                plan.cards[0].card.id.as_str(),
                plan.cards[0].record.is_none()
            ),
            ("app-1", true)
        );
        // Same number, other store or other barcode type: another card.
        let plan = plan_import(
            file("1,Baker,333,CODE_128,0\n2,Florist,333,QR_CODE,0\n"),
            &[own],
            &[],
        )
        .unwrap();
        assert_eq!(plan.added, 2);
    }

    #[test]
    fn export_numbers_fit_catima_and_take_linear_time() {
        // A record kept from before with a number Catima cannot read.
        let mut bad = CatimaCard::from_imported(&stored("x", "S", "1"), 5_000_000_000);
        bad.balance = "3".into();
        let cards: Vec<ImportedCard> = (1..=16_000)
            .map(|i| stored(&format!("catima-{i}"), "Shop", &i.to_string()))
            .chain([
                stored("catima-5000000000", "S", "9"),
                stored("own", "S", "10"),
            ])
            .collect();
        let records: Vec<CatimaCard> = (1..=16_000)
            .map(|i| CatimaCard::from_imported(&cards[i - 1], i as i64))
            .chain([bad])
            .collect();
        // (Measured, not asserted: quadratic, the export took ~35 s here; linear, well under a
        // second.)
        let (data, next) = export_data(&cards, &records, &[]).unwrap();
        validate(&data).unwrap();
        let text = to_csv(&data);
        assert_eq!(data.cards.len(), 16_002);
        assert!(data.cards.iter().all(|c| CATIMA_ID_RANGE.contains(&c.id)));
        assert_eq!(data.cards.last().unwrap().id, 16_002);
        assert_eq!(next, 16_003);
        assert_eq!(parse_csv(&text).unwrap().data, data);
        // At the top of Catima's range, free numbers are found below.
        let top = stored(&format!("catima-{}", i32::MAX), "S", "1");
        let rec = CatimaCard::from_imported(&top, i32::MAX as i64);
        let (data, next) = export_data(&[top, stored("own", "S", "2")], &[rec], &[]).unwrap();
        assert_eq!(
            data.cards.iter().map(|c| c.id).collect::<Vec<_>>(),
            [1, i32::MAX as i64]
        );
        assert_eq!(next, 2);
    }

    #[test]
    fn summaries_in_three_languages() {
        use crate::lang::Lang;
        let plan = plan_import(file("1,Bakery,111,CODE_128,0\n"), &[], &[]).unwrap();
        assert_eq!(
            plan.summary(Lang::En),
            "1 added, 0 updated, 0 unchanged, 0 warnings"
        );
        assert!(plan
            .summary(Lang::Nl)
            .starts_with("1 toegevoegd, 0 bijgewerkt"));
        assert_eq!(
            plan.summary(Lang::Fr),
            "1 carte ajoutée, 0 mise à jour, 0 inchangée, 0 avertissement"
        );
        assert_eq!(
            plan.summary(Lang::NlBe),
            "1 toegevoegd, 0 bijgewerkt, 0 ongewijzigd, 0 waarschuwingen"
        );
        // Plurals as CLDR counts them: two cards in French, one warning in Dutch.
        let two = plan_import(
            file("1,Bakery,111,CODE_128,0\n2,Butcher,222,CODE_128,0\n"),
            &[],
            &[],
        )
        .unwrap();
        assert!(two.summary(Lang::Fr).starts_with("2 cartes ajoutées,"));
        assert!(two.summary(Lang::En).starts_with("2 added,"));
    }
}
