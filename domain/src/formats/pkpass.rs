//! The card as an Apple Wallet store card: a `.pkpass` bundle.
//!
//! A `.pkpass` is a zip of `pass.json` (here with a `storeCard` and `barcodes`), images (here
//! `icon.png`, `icon@2x.png`, `icon@3x.png`: a plain card in the pass colours), `manifest.json`
//! (every other file's SHA-1, hex) and `signature`: a detached PKCS #7 signature of
//! `manifest.json`, DER, made with the pass type certificate and carrying Apple's WWDR
//! intermediate. Apple Wallet only opens signed passes; the signature needs the retailer's
//! certificate and key, so it is made by the caller (the CLI runs `openssl smime`) and handed to
//! [`PassFiles::to_pkpass`]. Without one the bundle is complete but unsigned (for inspection and
//! tests).
//!
//! Apple Wallet draws four symbologies (QR, PDF417, Aztec, Code 128) and cannot rotate codes
//! without a pass web service, so a member card's pass carries the static code (the card number).

use crate::check::InputError;
use crate::render::Symbology;
use serde_json::{json, Map, Value};
use std::collections::BTreeMap;
use std::io::Write;

/// The barcode formats Apple Wallet draws.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PassBarcodeFormat {
    Qr,
    Pdf417,
    Aztec,
    Code128,
}

impl PassBarcodeFormat {
    /// `PKBarcodeFormat…`, as `pass.json` names it.
    pub fn apple_name(self) -> &'static str {
        match self {
            PassBarcodeFormat::Qr => "PKBarcodeFormatQR",
            PassBarcodeFormat::Pdf417 => "PKBarcodeFormatPDF417",
            PassBarcodeFormat::Aztec => "PKBarcodeFormatAztec",
            PassBarcodeFormat::Code128 => "PKBarcodeFormatCode128",
        }
    }

    /// The Apple format of a symbology, if Apple Wallet draws it.
    pub fn for_symbology(s: Symbology) -> Option<Self> {
        match s {
            Symbology::QrCode => Some(PassBarcodeFormat::Qr),
            Symbology::Pdf417 => Some(PassBarcodeFormat::Pdf417),
            Symbology::Aztec => Some(PassBarcodeFormat::Aztec),
            Symbology::Code128 => Some(PassBarcodeFormat::Code128),
            _ => None,
        }
    }

    pub fn symbology(self) -> Symbology {
        match self {
            PassBarcodeFormat::Qr => Symbology::QrCode,
            PassBarcodeFormat::Pdf417 => Symbology::Pdf417,
            PassBarcodeFormat::Aztec => Symbology::Aztec,
            PassBarcodeFormat::Code128 => Symbology::Code128,
        }
    }
}

/// An sRGB colour, written `rgb(r, g, b)` as `pass.json` expects.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rgb(pub u8, pub u8, pub u8);

impl Rgb {
    /// From an Android/Catima ARGB int (alpha ignored).
    pub fn from_argb(argb: i32) -> Self {
        let v = argb as u32;
        Rgb((v >> 16) as u8, (v >> 8) as u8, v as u8)
    }

    /// From `#rrggbb`.
    pub fn parse_hex(text: &str) -> Result<Self, InputError> {
        let hex = text.strip_prefix('#').unwrap_or(text);
        let bad = || InputError::new("a colour is written #rrggbb (six hex digits)");
        if hex.len() != 6 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(bad());
        }
        let byte = |i: usize| u8::from_str_radix(&hex[i..i + 2], 16).map_err(|_| bad());
        Ok(Rgb(byte(0)?, byte(2)?, byte(4)?))
    }

    pub fn css(self) -> String {
        format!("rgb({}, {}, {})", self.0, self.1, self.2)
    }

    /// Black or white, whichever reads better on this colour.
    pub fn contrasting(self) -> Rgb {
        let luma = 299 * u32::from(self.0) + 587 * u32::from(self.1) + 114 * u32::from(self.2);
        if luma > 150_000 {
            Rgb(0, 0, 0)
        } else {
            Rgb(255, 255, 255)
        }
    }
}

/// One field on the pass (`key` unique in the pass; `value` a string or a number).
#[derive(Debug, Clone, PartialEq)]
pub struct PassField {
    pub key: String,
    pub label: String,
    pub value: Value,
}

impl PassField {
    pub fn text(key: &str, label: &str, value: impl Into<String>) -> Self {
        PassField {
            key: key.into(),
            label: label.into(),
            value: Value::String(value.into()),
        }
    }

    pub fn number(key: &str, label: &str, value: i64) -> Self {
        PassField {
            key: key.into(),
            label: label.into(),
            value: Value::from(value),
        }
    }
}

/// The barcode on the pass.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PassBarcode {
    pub format: PassBarcodeFormat,
    pub message: String,
    /// IANA charset name Wallet encodes `message` with: `iso-8859-1` (Apple's usual value; chosen
    /// when the message fits) or `utf-8`.
    pub message_encoding: String,
    /// Text under the barcode.
    pub alt_text: Option<String>,
}

impl PassBarcode {
    /// A barcode with the encoding the message needs (ISO-8859-1 when it fits, else UTF-8).
    pub fn new(format: PassBarcodeFormat, message: &str, alt_text: Option<String>) -> Self {
        let latin1 = message.chars().all(|c| (c as u32) < 0x100);
        PassBarcode {
            format,
            message: message.into(),
            message_encoding: if latin1 { "iso-8859-1" } else { "utf-8" }.into(),
            alt_text,
        }
    }
}

/// Everything a store card pass shows.
#[derive(Debug, Clone, PartialEq)]
pub struct StoreCardPass {
    /// The pass type id registered with Apple (`pass.com.example.loyalty`).
    pub pass_type_identifier: String,
    /// Unique within the pass type.
    pub serial_number: String,
    /// The Apple developer team id.
    pub team_identifier: String,
    pub organization_name: String,
    /// For accessibility (VoiceOver); required by Apple.
    pub description: String,
    pub logo_text: Option<String>,
    pub background_color: Rgb,
    pub foreground_color: Rgb,
    pub label_color: Rgb,
    pub header_fields: Vec<PassField>,
    pub primary_fields: Vec<PassField>,
    pub secondary_fields: Vec<PassField>,
    pub auxiliary_fields: Vec<PassField>,
    pub back_fields: Vec<PassField>,
    pub barcode: PassBarcode,
}

fn identifier(field: &str, value: &str) -> Result<(), InputError> {
    if value.is_empty() || value.len() > 256 {
        return Err(InputError::new(format!(
            "{field} must be 1 to 256 characters"
        )));
    }
    if !value
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-' || b == b'_')
    {
        return Err(InputError::new(format!(
            "{field} may only contain letters, digits, '.', '-' and '_'"
        )));
    }
    Ok(())
}

fn text(field: &str, value: &str, max: usize) -> Result<(), InputError> {
    if value.trim().is_empty() || value.len() > max {
        return Err(InputError::new(format!("{field} must be 1 to {max} bytes")));
    }
    Ok(())
}

impl StoreCardPass {
    pub fn validate(&self) -> Result<(), InputError> {
        identifier("passTypeIdentifier", &self.pass_type_identifier)?;
        identifier("serialNumber", &self.serial_number)?;
        identifier("teamIdentifier", &self.team_identifier)?;
        text("organizationName", &self.organization_name, 256)?;
        text("description", &self.description, 1024)?;
        if let Some(l) = &self.logo_text {
            text("logoText", l, 256)?;
        }
        text("the barcode message", &self.barcode.message, 2048)?;
        if !["iso-8859-1", "utf-8"].contains(&self.barcode.message_encoding.as_str()) {
            return Err(InputError::new(
                "the barcode messageEncoding must be iso-8859-1 or utf-8",
            ));
        }
        if self.barcode.message_encoding == "iso-8859-1"
            && self.barcode.message.chars().any(|c| (c as u32) >= 0x100)
        {
            return Err(InputError::new(
                "the barcode message does not fit ISO-8859-1: use utf-8",
            ));
        }
        let mut keys = std::collections::BTreeSet::new();
        for f in self.all_fields() {
            text("a field key", &f.key, 128)?;
            if !keys.insert(f.key.as_str()) {
                return Err(InputError::new("field keys must be unique in a pass"));
            }
            if !(f.value.is_string() || f.value.is_number()) {
                return Err(InputError::new("a field value is a string or a number"));
            }
        }
        if self.header_fields.len() > 3
            || self.primary_fields.len() > 1
            || self.secondary_fields.len() + self.auxiliary_fields.len() > 4
        {
            return Err(InputError::new(
                "a store card shows at most 3 header fields, 1 primary field and 4 secondary and auxiliary fields",
            ));
        }
        Ok(())
    }

    fn all_fields(&self) -> impl Iterator<Item = &PassField> {
        self.header_fields
            .iter()
            .chain(&self.primary_fields)
            .chain(&self.secondary_fields)
            .chain(&self.auxiliary_fields)
            .chain(&self.back_fields)
    }

    /// The `pass.json` value.
    pub fn pass_json(&self) -> Value {
        let fields = |list: &[PassField]| -> Value {
            Value::Array(
                list.iter()
                    .map(|f| json!({"key": f.key, "label": f.label, "value": f.value}))
                    .collect(),
            )
        };
        let mut barcode = Map::new();
        barcode.insert("format".into(), self.barcode.format.apple_name().into());
        barcode.insert("message".into(), self.barcode.message.clone().into());
        barcode.insert(
            "messageEncoding".into(),
            self.barcode.message_encoding.clone().into(),
        );
        if let Some(alt) = &self.barcode.alt_text {
            barcode.insert("altText".into(), alt.clone().into());
        }
        let mut pass = json!({
            "formatVersion": 1,
            "passTypeIdentifier": self.pass_type_identifier,
            "serialNumber": self.serial_number,
            "teamIdentifier": self.team_identifier,
            "organizationName": self.organization_name,
            "description": self.description,
            "backgroundColor": self.background_color.css(),
            "foregroundColor": self.foreground_color.css(),
            "labelColor": self.label_color.css(),
            "storeCard": {
                "headerFields": fields(&self.header_fields),
                "primaryFields": fields(&self.primary_fields),
                "secondaryFields": fields(&self.secondary_fields),
                "auxiliaryFields": fields(&self.auxiliary_fields),
                "backFields": fields(&self.back_fields),
            },
            // `barcodes` (iOS 9+); the deprecated single `barcode` key is not written.
            "barcodes": [Value::Object(barcode)],
        });
        if let Some(logo) = &self.logo_text {
            pass["logoText"] = logo.clone().into();
        }
        pass
    }

    /// The bundle's files before signing: `pass.json` and the icons.
    pub fn files(&self) -> Result<PassFiles, InputError> {
        self.validate()?;
        let pass = serde_json::to_vec_pretty(&self.pass_json())
            .map_err(|_| InputError::new("pass.json could not be written"))?;
        let mut files = BTreeMap::new();
        files.insert("pass.json".to_string(), pass);
        for (name, side) in [("icon.png", 29), ("icon@2x.png", 58), ("icon@3x.png", 87)] {
            files.insert(
                name.to_string(),
                icon_png(side, self.background_color, self.foreground_color)?,
            );
        }
        Ok(PassFiles { files })
    }
}

/// A plain icon: the background colour with a card outline in the foreground colour.
fn icon_png(side: u32, bg: Rgb, fg: Rgb) -> Result<Vec<u8>, InputError> {
    let mut data = Vec::with_capacity((side * side * 3) as usize);
    let inset = side / 6;
    let stroke = (side / 14).max(1);
    for y in 0..side {
        for x in 0..side {
            let inside = x >= inset && x < side - inset && y >= inset * 2 && y < side - inset * 2;
            let border = inside
                && (x < inset + stroke
                    || x >= side - inset - stroke
                    || y < inset * 2 + stroke
                    || y >= side - inset * 2 - stroke);
            let c = if border { fg } else { bg };
            data.extend_from_slice(&[c.0, c.1, c.2]);
        }
    }
    let mut out = Vec::new();
    let fail = |_| InputError::new("the pass icon could not be drawn");
    let mut encoder = png::Encoder::new(&mut out, side, side);
    encoder.set_color(png::ColorType::Rgb);
    encoder.set_depth(png::BitDepth::Eight);
    let mut writer = encoder.write_header().map_err(fail)?;
    writer.write_image_data(&data).map_err(fail)?;
    writer.finish().map_err(fail)?;
    Ok(out)
}

/// The files of a pass, by name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PassFiles {
    pub files: BTreeMap<String, Vec<u8>>,
}

/// Lower-case hex SHA-1 of `data`, as `manifest.json` lists it.
pub fn sha1_hex(data: &[u8]) -> String {
    crate::crypto::sha1(data)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

impl PassFiles {
    /// `manifest.json`: every file's SHA-1 (what the signature signs).
    pub fn manifest_json(&self) -> Vec<u8> {
        let manifest: BTreeMap<&str, String> = self
            .files
            .iter()
            .map(|(name, data)| (name.as_str(), sha1_hex(data)))
            .collect();
        serde_json::to_vec_pretty(&manifest).unwrap_or_default()
    }

    /// The `.pkpass` zip: the files, `manifest.json` and, when given, `signature` (the DER
    /// PKCS #7 detached signature of exactly [`Self::manifest_json`]'s bytes).
    pub fn to_pkpass(&self, signature: Option<&[u8]>) -> Result<Vec<u8>, InputError> {
        let fail = |_| InputError::new("the .pkpass archive could not be written");
        let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        let options = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated)
            .last_modified_time(zip::DateTime::default());
        let manifest = self.manifest_json();
        let extra: Vec<(&str, &[u8])> = std::iter::once(("manifest.json", manifest.as_slice()))
            .chain(signature.map(|s| ("signature", s)))
            .collect();
        for (name, data) in self
            .files
            .iter()
            .map(|(n, d)| (n.as_str(), d.as_slice()))
            .chain(extra)
        {
            zip.start_file(name, options).map_err(fail)?;
            zip.write_all(data)
                .map_err(|_| InputError::new("the .pkpass archive could not be written"))?;
        }
        Ok(zip.finish().map_err(fail)?.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    fn pass() -> StoreCardPass {
        StoreCardPass {
            pass_type_identifier: "pass.dev.loyaltycore.card".into(),
            serial_number: "LC-1234".into(),
            team_identifier: "ABCDE12345".into(),
            organization_name: "Loyalty Core".into(),
            description: "Loyalty card".into(),
            logo_text: Some("Loyalty Core".into()),
            background_color: Rgb::from_argb(-16_776_961),
            foreground_color: Rgb(255, 255, 255),
            label_color: Rgb(200, 200, 255),
            header_fields: vec![PassField::text("tier", "Tier", "Gold")],
            primary_fields: vec![PassField::number("points", "Points", 1234)],
            secondary_fields: vec![PassField::text("member", "Member", "1234")],
            auxiliary_fields: vec![],
            back_fields: vec![PassField::text("about", "About", "Scan at the till.")],
            barcode: PassBarcode::new(PassBarcodeFormat::Qr, "1234", Some("1234".into())),
        }
    }

    #[test]
    fn pass_json_is_a_store_card_with_barcodes() {
        let p = pass();
        let j = p.pass_json();
        assert_eq!(j["formatVersion"], 1);
        assert_eq!(j["backgroundColor"], "rgb(0, 0, 255)");
        assert_eq!(j["storeCard"]["primaryFields"][0]["value"], 1234);
        assert_eq!(j["barcodes"][0]["format"], "PKBarcodeFormatQR");
        assert_eq!(j["barcodes"][0]["messageEncoding"], "iso-8859-1");
        assert!(j.get("barcode").is_none());
        let mut code128 = pass();
        code128.barcode = PassBarcode::new(PassBarcodeFormat::Code128, "Käse", None);
        let j = code128.pass_json();
        assert_eq!(j["barcodes"][0]["format"], "PKBarcodeFormatCode128");
        assert_eq!(j["barcodes"][0]["messageEncoding"], "iso-8859-1");
        assert_eq!(
            PassBarcode::new(PassBarcodeFormat::Qr, "€5", None).message_encoding,
            "utf-8"
        );
    }

    #[test]
    fn manifest_lists_every_file_and_the_zip_holds_them() {
        let files = pass().files().unwrap();
        let manifest: BTreeMap<String, String> =
            serde_json::from_slice(&files.manifest_json()).unwrap();
        assert_eq!(
            manifest.keys().collect::<Vec<_>>(),
            ["icon.png", "icon@2x.png", "icon@3x.png", "pass.json"]
        );
        assert_eq!(manifest["pass.json"], sha1_hex(&files.files["pass.json"]));
        assert_eq!(sha1_hex(b"abc"), "a9993e364706816aba3e25717850c26c9cd0d89d");
        let bytes = files.to_pkpass(Some(b"sig")).unwrap();
        let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
        let mut names: Vec<String> = zip.file_names().map(|n| n.unwrap().to_string()).collect();
        crate::sort::sort(&mut names);
        assert_eq!(
            names,
            [
                "icon.png",
                "icon@2x.png",
                "icon@3x.png",
                "manifest.json",
                "pass.json",
                "signature"
            ]
        );
        let mut m = Vec::new();
        zip.by_name("manifest.json")
            .unwrap()
            .read_to_end(&mut m)
            .unwrap();
        assert_eq!(m, files.manifest_json());
    }

    #[test]
    fn bad_passes_are_refused() {
        let mut p = pass();
        p.team_identifier = "has space".into();
        assert!(p.validate().is_err());
        let mut p = pass();
        p.secondary_fields
            .push(PassField::text("tier", "Again", "x"));
        assert!(p.validate().unwrap_err().reason.contains("unique"));
        let mut p = pass();
        p.barcode.message_encoding = "iso-8859-1".into();
        p.barcode.message = "€".into();
        assert!(p.validate().is_err());
        assert!(Rgb::parse_hex("#12345").is_err());
        assert_eq!(Rgb::parse_hex("#0a0B0c").unwrap(), Rgb(10, 11, 12));
        assert_eq!(Rgb(250, 250, 250).contrasting(), Rgb(0, 0, 0));
    }
}
