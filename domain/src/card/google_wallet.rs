//! Google Wallet `RotatingBarcode` (Google Wallet REST API v1): read and write its JSON, and
//! render its `valuePattern` exactly as the Wallet app does on the phone.
//!
//! ```json
//! {
//!   "type": "QR_CODE",
//!   "renderEncoding": "UTF_8",
//!   "valuePattern": "LC1:4000123:{totp_value_0}:{totp_timestamp_seconds}",
//!   "totpDetails": {
//!     "periodMillis": "30000",
//!     "algorithm": "TOTP_SHA1",
//!     "parameters": [{ "key": "3132…30", "valueLength": 8 }]
//!   },
//!   "alternateText": "…",
//!   "showCodeText": { "defaultValue": { "language": "en", "value": "…" } }
//! }
//! ```
//!
//! Rules, as Google documents them and as we decide where Google is silent:
//! - `type` is a Google `BarcodeType`. Legacy aliases (`qrCode`, `pdf417`, …) are read and
//!   normalised to the canonical name. Google supports only `QR_CODE` and `PDF_417` for rotating
//!   barcodes, so every other (valid) type is refused with that reason, on read and on write.
//! - `periodMillis` is an int64, which Google's JSON carries as a string: read as a string of
//!   digits or a number, written as a string. `valueLength` (int32) is likewise read from a number
//!   or a string (proto3 JSON mapping) and written as a number.
//! - `algorithm`: Google defines `TOTP_ALGORITHM_UNSPECIFIED` and `TOTP_SHA1`. We write `TOTP_SHA1`
//!   and refuse to export SHA-256/512 (Google Wallet could not generate those codes). On read,
//!   `TOTP_SHA1`, `TOTP_ALGORITHM_UNSPECIFIED` and an absent algorithm all mean SHA-1: it is the
//!   only algorithm Google defines and RFC 6238's default, so "unspecified" can mean nothing else.
//! - `key` is Base16 (either case on read, upper case on write) and must decode to
//!   16..=256 bytes; `valueLength` is 6..=10.
//! - `valuePattern` placeholders: `{totp_value_n}` (n indexes `parameters`),
//!   `{totp_timestamp_seconds}`, `{totp_timestamp_millis}`. Any other `{identifier}` is refused
//!   (a typo would otherwise end up verbatim in every barcode); braces that do not enclose an
//!   identifier are literal text.
//! - Unknown fields are ignored (`initialRotatingBarcodeValues` is input-only and for transit
//!   passes; we neither read nor write it). `totpDetails` is required: without it the barcode
//!   does not rotate.
//! - Errors name the field and the rule; they never repeat keys, card numbers or the pattern.

use super::pattern::{
    parse_pattern, render_value_pattern, value_pattern_for_card, GoogleTotpDetails,
    GoogleTotpParameter, MAX_TOTP_PARAMETERS,
};
use super::totp::{hex_decode, hex_encode, TotpAlgorithm, TotpParams, MAX_DIGITS, MIN_DIGITS};
use crate::check::InputError;
use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::Value;

/// Google's `BarcodeType` values (canonical names; legacy aliases are in [`google_barcode_type`]).
pub const GOOGLE_BARCODE_TYPES: [&str; 13] = [
    "BARCODE_TYPE_UNSPECIFIED",
    "AZTEC",
    "CODE_39",
    "CODE_128",
    "CODABAR",
    "DATA_MATRIX",
    "EAN_8",
    "EAN_13",
    "ITF_14",
    "PDF_417",
    "QR_CODE",
    "UPC_A",
    "TEXT_ONLY",
];

/// The barcode types Google Wallet supports for rotating barcodes.
pub const GOOGLE_ROTATING_BARCODE_TYPES: [&str; 2] = ["QR_CODE", "PDF_417"];

/// Google's deprecated legacy aliases and the canonical type each stands for.
const LEGACY_BARCODE_TYPES: [(&str, &str); 15] = [
    ("aztec", "AZTEC"),
    ("code39", "CODE_39"),
    ("code128", "CODE_128"),
    ("codabar", "CODABAR"),
    ("dataMatrix", "DATA_MATRIX"),
    ("ean8", "EAN_8"),
    ("ean13", "EAN_13"),
    ("EAN13", "EAN_13"),
    ("itf14", "ITF_14"),
    ("pdf417", "PDF_417"),
    ("PDF417", "PDF_417"),
    ("qrCode", "QR_CODE"),
    ("qrcode", "QR_CODE"),
    ("upcA", "UPC_A"),
    ("textOnly", "TEXT_ONLY"),
];

/// Google's `BarcodeRenderEncoding` values.
pub const GOOGLE_RENDER_ENCODINGS: [&str; 2] = ["RENDER_ENCODING_UNSPECIFIED", "UTF_8"];

/// Longest `RotatingBarcode` JSON text we parse.
pub const MAX_JSON_LEN: usize = 64 * 1024;
/// The canonical Google `BarcodeType` for `name` (a canonical name or a legacy alias), if any.
pub fn google_barcode_type(name: &str) -> Option<&'static str> {
    GOOGLE_BARCODE_TYPES
        .iter()
        .copied()
        .find(|t| *t == name)
        .or_else(|| {
            LEGACY_BARCODE_TYPES
                .iter()
                .find(|(alias, _)| *alias == name)
                .map(|(_, canonical)| *canonical)
        })
}

/// Checks that `name` is a Google `BarcodeType` usable for a rotating barcode and returns its
/// canonical name.
pub fn rotating_barcode_type(name: &str) -> Result<&'static str, InputError> {
    match google_barcode_type(name) {
        None => Err(InputError::new(
            "rotatingBarcode.type is not a Google Wallet barcode type",
        )),
        Some("BARCODE_TYPE_UNSPECIFIED") => Err(InputError::new(
            "rotatingBarcode.type must be set (QR_CODE or PDF_417)",
        )),
        Some(t) if GOOGLE_ROTATING_BARCODE_TYPES.contains(&t) => Ok(t),
        Some(t) => Err(InputError::new(format!(
            "rotatingBarcode.type {t} is not supported by Google Wallet for rotating barcodes (use QR_CODE or PDF_417)"
        ))),
    }
}

/// A string with its language (Google's `TranslatedString`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TranslatedString {
    /// BCP 47 language tag, e.g. "en-US".
    pub language: String,
    pub value: String,
}

/// Google's `LocalizedString` (the deprecated `kind` field is ignored).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct LocalizedString {
    pub default_value: Option<TranslatedString>,
    pub translated_values: Vec<TranslatedString>,
}

/// A Google Wallet `RotatingBarcode`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GoogleRotatingBarcode {
    /// Canonical Google `BarcodeType`: `QR_CODE` or `PDF_417`.
    pub barcode_type: String,
    /// Google `BarcodeRenderEncoding`, when set.
    pub render_encoding: Option<String>,
    pub value_pattern: String,
    pub totp_details: GoogleTotpDetails,
    /// Text shown under the barcode instead of Google's default.
    pub alternate_text: Option<String>,
    /// Text shown when the barcode is hidden behind a tap (Smart Tap passes).
    pub show_code_text: Option<LocalizedString>,
}

impl GoogleRotatingBarcode {
    /// Our card as a Google Wallet rotating QR code: the default pattern
    /// ([`value_pattern_for_card`]) with one TOTP parameter holding `secret`.
    /// `params.algorithm` must be SHA-1 to export it ([`Self::to_json`]).
    pub fn for_card(
        card_number: &str,
        secret: &[u8],
        params: &TotpParams,
    ) -> Result<Self, InputError> {
        let value_pattern = value_pattern_for_card(card_number)?;
        params.validate()?;
        let barcode = Self {
            barcode_type: "QR_CODE".into(),
            render_encoding: None,
            value_pattern,
            totp_details: GoogleTotpDetails {
                period_millis: params.period_millis,
                algorithm: params.algorithm,
                parameters: vec![GoogleTotpParameter {
                    key: secret.to_vec(),
                    value_length: params.digits,
                }],
            },
            alternate_text: None,
            show_code_text: None,
        };
        barcode.validate()?;
        Ok(barcode)
    }

    /// Everything but the algorithm restriction of the export.
    pub fn validate(&self) -> Result<(), InputError> {
        let canonical = rotating_barcode_type(&self.barcode_type)?;
        if canonical != self.barcode_type {
            return Err(InputError::new(format!(
                "rotatingBarcode.type must be the canonical name {canonical}"
            )));
        }
        if let Some(enc) = &self.render_encoding {
            if !GOOGLE_RENDER_ENCODINGS.contains(&enc.as_str()) {
                return Err(InputError::new(
                    "rotatingBarcode.renderEncoding must be RENDER_ENCODING_UNSPECIFIED or UTF_8",
                ));
            }
        }
        self.totp_details.validate()?;
        parse_pattern(&self.value_pattern, self.totp_details.parameters.len())?;
        Ok(())
    }

    /// The barcode value Google Wallet would show at `at`.
    pub fn render(&self, at: DateTime<Utc>) -> Result<String, InputError> {
        render_value_pattern(&self.value_pattern, &self.totp_details, at)
    }

    /// Parses a `RotatingBarcode` JSON object (at most [`MAX_JSON_LEN`] bytes).
    pub fn from_json(json: &str) -> Result<Self, InputError> {
        if json.len() > MAX_JSON_LEN {
            return Err(InputError::new(format!(
                "rotatingBarcode JSON is at most {MAX_JSON_LEN} bytes"
            )));
        }
        let value: Value = serde_json::from_slice(json.as_bytes()).map_err(|e| {
            InputError::new(format!(
                "rotatingBarcode is not valid JSON (line {}, column {})",
                e.line(),
                e.column()
            ))
        })?;
        Self::from_json_value(&value)
    }

    /// Reads a `RotatingBarcode` from parsed JSON.
    pub fn from_json_value(value: &Value) -> Result<Self, InputError> {
        let obj = value
            .as_object()
            .ok_or_else(|| InputError::new("rotatingBarcode must be a JSON object"))?;
        let barcode_type = match obj.get("type") {
            None | Some(Value::Null) => {
                return Err(InputError::new("rotatingBarcode.type is required"))
            }
            Some(v) => rotating_barcode_type(str_field(v, "rotatingBarcode.type")?)?.to_string(),
        };
        let render_encoding = opt_str(obj.get("renderEncoding"), "rotatingBarcode.renderEncoding")?
            .map(|s| {
                if GOOGLE_RENDER_ENCODINGS.contains(&s) {
                    Ok(s.to_string())
                } else {
                    Err(InputError::new(
                        "rotatingBarcode.renderEncoding must be RENDER_ENCODING_UNSPECIFIED or UTF_8",
                    ))
                }
            })
            .transpose()?;
        let value_pattern = opt_str(obj.get("valuePattern"), "rotatingBarcode.valuePattern")?
            .ok_or_else(|| InputError::new("rotatingBarcode.valuePattern is required"))?
            .to_string();
        let totp_details = match obj.get("totpDetails") {
            None | Some(Value::Null) => {
                return Err(InputError::new("rotatingBarcode.totpDetails is required"))
            }
            Some(v) => read_totp_details(v)?,
        };
        let alternate_text =
            opt_str(obj.get("alternateText"), "rotatingBarcode.alternateText")?.map(str::to_string);
        let show_code_text = match obj.get("showCodeText") {
            None | Some(Value::Null) => None,
            Some(v) => Some(read_localized(v, "rotatingBarcode.showCodeText")?),
        };
        let barcode = Self {
            barcode_type,
            render_encoding,
            value_pattern,
            totp_details,
            alternate_text,
            show_code_text,
        };
        barcode.validate()?;
        Ok(barcode)
    }

    /// The JSON value Google expects. Refuses anything [`Self::validate`] refuses, and a
    /// non-SHA-1 algorithm (Google Wallet only generates SHA-1 codes).
    pub fn to_json_value(&self) -> Result<Value, InputError> {
        self.validate()?;
        if self.totp_details.algorithm != TotpAlgorithm::Sha1 {
            return Err(InputError::new(format!(
                "Google Wallet only supports SHA-1 TOTP codes; a {} card code cannot be exported to Google Wallet",
                self.totp_details.algorithm.as_str()
            )));
        }
        let out = JsonBarcode {
            barcode_type: &self.barcode_type,
            render_encoding: self.render_encoding.as_deref(),
            value_pattern: &self.value_pattern,
            totp_details: JsonTotpDetails {
                period_millis: self.totp_details.period_millis.to_string(),
                algorithm: "TOTP_SHA1",
                parameters: self
                    .totp_details
                    .parameters
                    .iter()
                    .map(|p| JsonTotpParameter {
                        key: hex_encode(&p.key),
                        value_length: p.value_length,
                    })
                    .collect(),
            },
            alternate_text: self.alternate_text.as_deref(),
            show_code_text: self.show_code_text.as_ref().map(|l| JsonLocalized {
                default_value: l.default_value.as_ref().map(JsonTranslated::from),
                translated_values: l
                    .translated_values
                    .iter()
                    .map(JsonTranslated::from)
                    .collect(),
            }),
        };
        serde_json::to_value(out)
            .map_err(|_| InputError::new("rotatingBarcode could not be written as JSON"))
    }

    /// The JSON text Google expects (compact). See [`Self::to_json_value`].
    pub fn to_json(&self) -> Result<String, InputError> {
        Ok(self.to_json_value()?.to_string())
    }
}

#[derive(Serialize)]
struct JsonBarcode<'a> {
    #[serde(rename = "type")]
    barcode_type: &'a str,
    #[serde(rename = "renderEncoding", skip_serializing_if = "Option::is_none")]
    render_encoding: Option<&'a str>,
    #[serde(rename = "valuePattern")]
    value_pattern: &'a str,
    #[serde(rename = "totpDetails")]
    totp_details: JsonTotpDetails,
    #[serde(rename = "alternateText", skip_serializing_if = "Option::is_none")]
    alternate_text: Option<&'a str>,
    #[serde(rename = "showCodeText", skip_serializing_if = "Option::is_none")]
    show_code_text: Option<JsonLocalized<'a>>,
}

#[derive(Serialize)]
struct JsonTotpDetails {
    #[serde(rename = "periodMillis")]
    period_millis: String,
    algorithm: &'static str,
    parameters: Vec<JsonTotpParameter>,
}

#[derive(Serialize)]
struct JsonTotpParameter {
    key: String,
    #[serde(rename = "valueLength")]
    value_length: u32,
}

#[derive(Serialize)]
struct JsonLocalized<'a> {
    #[serde(rename = "defaultValue", skip_serializing_if = "Option::is_none")]
    default_value: Option<JsonTranslated<'a>>,
    #[serde(rename = "translatedValues", skip_serializing_if = "Vec::is_empty")]
    translated_values: Vec<JsonTranslated<'a>>,
}

#[derive(Serialize)]
struct JsonTranslated<'a> {
    language: &'a str,
    value: &'a str,
}

impl<'a> From<&'a TranslatedString> for JsonTranslated<'a> {
    fn from(t: &'a TranslatedString) -> Self {
        Self {
            language: &t.language,
            value: &t.value,
        }
    }
}

fn str_field<'v>(v: &'v Value, field: &str) -> Result<&'v str, InputError> {
    v.as_str()
        .ok_or_else(|| InputError::new(format!("{field} must be a string")))
}

fn opt_str<'v>(v: Option<&'v Value>, field: &str) -> Result<Option<&'v str>, InputError> {
    match v {
        None | Some(Value::Null) => Ok(None),
        Some(v) => str_field(v, field).map(Some),
    }
}

/// An unsigned integer given as a JSON number or a string of decimal digits (proto3 JSON).
fn read_unsigned(v: &Value, field: &str) -> Result<u64, InputError> {
    let negative = || InputError::new(format!("{field} must be positive"));
    let wrong = || {
        InputError::new(format!(
            "{field} must be a whole number (a JSON number or a string of digits)"
        ))
    };
    match v {
        Value::Number(n) => {
            if let Some(u) = n.as_u64() {
                Ok(u)
            } else if n.as_i64().is_some() || n.as_f64().is_some_and(|f| f < 0.0) {
                Err(negative())
            } else {
                Err(wrong())
            }
        }
        Value::String(s) => {
            if let Some(rest) = s.strip_prefix('-') {
                if !rest.is_empty() && rest.bytes().all(|b| b.is_ascii_digit()) {
                    return Err(negative());
                }
            }
            if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
                return Err(wrong());
            }
            s.parse::<u64>()
                .map_err(|_| InputError::new(format!("{field} is too large")))
        }
        _ => Err(wrong()),
    }
}

fn read_totp_details(v: &Value) -> Result<GoogleTotpDetails, InputError> {
    let obj = v
        .as_object()
        .ok_or_else(|| InputError::new("rotatingBarcode.totpDetails must be a JSON object"))?;
    let period_millis = match obj.get("periodMillis") {
        None | Some(Value::Null) => {
            return Err(InputError::new("totpDetails.periodMillis is required"))
        }
        Some(v) => read_unsigned(v, "totpDetails.periodMillis")?,
    };
    let algorithm = match opt_str(obj.get("algorithm"), "totpDetails.algorithm")? {
        None | Some("TOTP_SHA1") | Some("TOTP_ALGORITHM_UNSPECIFIED") => TotpAlgorithm::Sha1,
        Some(_) => return Err(InputError::new(
            "totpDetails.algorithm must be TOTP_SHA1 (the only algorithm Google Wallet defines)",
        )),
    };
    let list = match obj.get("parameters") {
        None | Some(Value::Null) => {
            return Err(InputError::new("totpDetails.parameters is required"))
        }
        Some(Value::Array(a)) => a,
        Some(_) => {
            return Err(InputError::new(
                "totpDetails.parameters must be a JSON array",
            ))
        }
    };
    if list.len() > MAX_TOTP_PARAMETERS {
        return Err(InputError::new(format!(
            "totpDetails.parameters has at most {MAX_TOTP_PARAMETERS} entries"
        )));
    }
    let mut parameters = Vec::with_capacity(list.len());
    for (i, p) in list.iter().enumerate() {
        let field = format!("totpDetails.parameters[{i}]");
        let obj = p
            .as_object()
            .ok_or_else(|| InputError::new(format!("{field} must be a JSON object")))?;
        let key_field = format!("{field}.key");
        let key_text = opt_str(obj.get("key"), &key_field)?
            .ok_or_else(|| InputError::new(format!("{key_field} is required")))?;
        let key = hex_decode(key_text)
            .map_err(|e| InputError::new(format!("{key_field} is not Base16: {}", e.reason)))?;
        let len_field = format!("{field}.valueLength");
        let value_length = match obj.get("valueLength") {
            None | Some(Value::Null) => {
                return Err(InputError::new(format!("{len_field} is required")))
            }
            Some(v) => read_unsigned(v, &len_field)?,
        };
        let value_length = u32::try_from(value_length)
            .ok()
            .filter(|d| (MIN_DIGITS..=MAX_DIGITS).contains(d))
            .ok_or_else(|| {
                InputError::new(format!(
                    "{len_field} must be between {MIN_DIGITS} and {MAX_DIGITS}"
                ))
            })?;
        parameters.push(GoogleTotpParameter { key, value_length });
    }
    let details = GoogleTotpDetails {
        period_millis,
        algorithm,
        parameters,
    };
    details.validate()?;
    Ok(details)
}

fn read_translated(v: &Value, field: &str) -> Result<TranslatedString, InputError> {
    let obj = v
        .as_object()
        .ok_or_else(|| InputError::new(format!("{field} must be a JSON object")))?;
    let get = |name: &str| -> Result<String, InputError> {
        opt_str(obj.get(name), &format!("{field}.{name}"))?
            .map(str::to_string)
            .ok_or_else(|| InputError::new(format!("{field}.{name} is required")))
    };
    Ok(TranslatedString {
        language: get("language")?,
        value: get("value")?,
    })
}

fn read_localized(v: &Value, field: &str) -> Result<LocalizedString, InputError> {
    let obj = v
        .as_object()
        .ok_or_else(|| InputError::new(format!("{field} must be a JSON object")))?;
    let default_value = match obj.get("defaultValue") {
        None | Some(Value::Null) => None,
        Some(v) => Some(read_translated(v, &format!("{field}.defaultValue"))?),
    };
    let translated_values = match obj.get("translatedValues") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(items)) => items
            .iter()
            .enumerate()
            .map(|(i, t)| read_translated(t, &format!("{field}.translatedValues[{i}]")))
            .collect::<Result<_, _>>()?,
        Some(_) => {
            return Err(InputError::new(format!(
                "{field}.translatedValues must be a JSON array"
            )))
        }
    };
    Ok(LocalizedString {
        default_value,
        translated_values,
    })
}

#[cfg(test)]
mod tests {
    use super::super::pattern::MAX_VALUE_PATTERN_LEN;
    use super::*;
    use serde_json::json;

    const SECRET: &[u8] = b"12345678901234567890";
    const SECRET_HEX: &str = "3132333435363738393031323334353637383930";

    fn t(s: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(s, 0).unwrap()
    }

    fn sample_json() -> Value {
        json!({
            "type": "QR_CODE",
            "renderEncoding": "UTF_8",
            "valuePattern": "LC1:4000123:{totp_value_0}:{totp_timestamp_seconds}",
            "totpDetails": {
                "periodMillis": "30000",
                "algorithm": "TOTP_SHA1",
                "parameters": [{"key": SECRET_HEX, "valueLength": 8}]
            },
            "alternateText": "4000 123",
            "showCodeText": {
                "defaultValue": {"language": "en", "value": "Show code"},
                "translatedValues": [{"language": "nl", "value": "Toon code"}]
            }
        })
    }

    fn err(v: Value) -> String {
        GoogleRotatingBarcode::from_json_value(&v)
            .unwrap_err()
            .reason
    }

    fn with(mut v: Value, path: &[&str], new: Value) -> Value {
        let mut cur = &mut v;
        for p in &path[..path.len() - 1] {
            cur = match p.parse::<usize>() {
                Ok(i) => &mut cur[i],
                Err(_) => &mut cur[*p],
            };
        }
        let last = path[path.len() - 1];
        match last.parse::<usize>() {
            Ok(i) => cur[i] = new,
            Err(_) => cur[last] = new,
        }
        v
    }

    fn without(mut v: Value, path: &[&str]) -> Value {
        let mut cur = &mut v;
        for p in &path[..path.len() - 1] {
            cur = match p.parse::<usize>() {
                Ok(i) => &mut cur[i],
                Err(_) => &mut cur[*p],
            };
        }
        cur.as_object_mut().unwrap().remove(path[path.len() - 1]);
        v
    }

    #[test]
    fn reads_the_documented_shape() {
        let b = GoogleRotatingBarcode::from_json(&sample_json().to_string()).unwrap();
        assert_eq!(b.barcode_type, "QR_CODE");
        assert_eq!(b.render_encoding.as_deref(), Some("UTF_8"));
        assert_eq!(b.totp_details.period_millis, 30_000);
        assert_eq!(b.totp_details.algorithm, TotpAlgorithm::Sha1);
        assert_eq!(b.totp_details.parameters[0].key, SECRET);
        assert_eq!(b.totp_details.parameters[0].value_length, 8);
        assert_eq!(b.alternate_text.as_deref(), Some("4000 123"));
        let sct = b.show_code_text.as_ref().unwrap();
        assert_eq!(sct.default_value.as_ref().unwrap().value, "Show code");
        assert_eq!(sct.translated_values[0].language, "nl");
        // RFC 6238 vector through the pattern.
        assert_eq!(b.render(t(59)).unwrap(), "LC1:4000123:94287082:59");
    }

    #[test]
    fn round_trips() {
        let b = GoogleRotatingBarcode::from_json_value(&sample_json()).unwrap();
        let written = b.to_json().unwrap();
        let back = GoogleRotatingBarcode::from_json(&written).unwrap();
        assert_eq!(back, b);
        let v: Value = serde_json::from_str(&written).unwrap();
        assert_eq!(v, sample_json(), "writes exactly Google's shape");
        assert_eq!(v["totpDetails"]["periodMillis"], json!("30000"));
        assert_eq!(v["totpDetails"]["parameters"][0]["valueLength"], json!(8));

        let card =
            GoogleRotatingBarcode::for_card("ABC-9", SECRET, &TotpParams::default()).unwrap();
        let back = GoogleRotatingBarcode::from_json(&card.to_json().unwrap()).unwrap();
        assert_eq!(back, card);
        let v = card.to_json_value().unwrap();
        assert_eq!(
            v,
            json!({
                "type": "QR_CODE",
                "valuePattern": "LC1:ABC-9:{totp_value_0}:{totp_timestamp_seconds}",
                "totpDetails": {
                    "periodMillis": "30000",
                    "algorithm": "TOTP_SHA1",
                    "parameters": [{"key": SECRET_HEX, "valueLength": 8}]
                }
            })
        );
    }

    #[test]
    fn lenient_where_google_is() {
        // int64 as a number, int32 as a string, lower-case hex, legacy type alias,
        // unspecified or absent algorithm, unknown fields.
        let v = json!({
            "type": "qrCode",
            "valuePattern": "{totp_value_0}",
            "totpDetails": {
                "periodMillis": 30000,
                "algorithm": "TOTP_ALGORITHM_UNSPECIFIED",
                "parameters": [{"key": SECRET_HEX.to_lowercase(), "valueLength": "6"}]
            },
            "initialRotatingBarcodeValues": {"values": ["x"]},
            "kind": "walletobjects#rotatingBarcode"
        });
        let b = GoogleRotatingBarcode::from_json_value(&v).unwrap();
        assert_eq!(b.barcode_type, "QR_CODE");
        assert_eq!(b.totp_details.algorithm, TotpAlgorithm::Sha1);
        assert_eq!(b.totp_details.parameters[0].value_length, 6);
        assert_eq!(b.render(t(59)).unwrap(), "287082");
        let v = without(v, &["totpDetails", "algorithm"]);
        assert!(GoogleRotatingBarcode::from_json_value(&v).is_ok());
        let v = with(v, &["type"], json!("PDF417"));
        assert_eq!(
            GoogleRotatingBarcode::from_json_value(&v)
                .unwrap()
                .barcode_type,
            "PDF_417"
        );
    }

    #[test]
    fn barcode_types_follow_googles_list() {
        assert_eq!(google_barcode_type("AZTEC"), Some("AZTEC"));
        assert_eq!(google_barcode_type("ean13"), Some("EAN_13"));
        assert_eq!(google_barcode_type("EAN13"), Some("EAN_13"));
        assert_eq!(google_barcode_type("QR"), None);
        assert_eq!(google_barcode_type("qr_code"), None);
        assert_eq!(rotating_barcode_type("PDF_417").unwrap(), "PDF_417");
        for t in GOOGLE_BARCODE_TYPES {
            let ok = rotating_barcode_type(t).is_ok();
            assert_eq!(ok, GOOGLE_ROTATING_BARCODE_TYPES.contains(&t), "{t}");
        }
        assert!(err(with(sample_json(), &["type"], json!("AZTEC"))).contains("not supported"));
        assert!(err(with(sample_json(), &["type"], json!("aztec"))).contains("not supported"));
        assert!(err(with(
            sample_json(),
            &["type"],
            json!("BARCODE_TYPE_UNSPECIFIED")
        ))
        .contains("must be set"));
        assert!(err(with(sample_json(), &["type"], json!("QR"))).contains("not a Google"));
        assert!(err(with(sample_json(), &["type"], json!(1))).contains("must be a string"));
        assert!(err(without(sample_json(), &["type"])).contains("required"));
        // A hand-built barcode must use the canonical name.
        let mut b = GoogleRotatingBarcode::from_json_value(&sample_json()).unwrap();
        b.barcode_type = "qrcode".into();
        assert!(b.to_json().unwrap_err().reason.contains("canonical"));
    }

    #[test]
    fn malformed_json_is_an_input_error() {
        for text in ["", "{", "[1,2]", "null", "\"QR_CODE\"", "{\"type\":}", "42"] {
            assert!(GoogleRotatingBarcode::from_json(text).is_err(), "{text:?}");
        }
        let huge = format!("{{\"alternateText\": \"{}\"}}", "x".repeat(MAX_JSON_LEN));
        assert!(GoogleRotatingBarcode::from_json(&huge)
            .unwrap_err()
            .reason
            .contains("at most"));
        let e = GoogleRotatingBarcode::from_json("{\"valuePattern\": \"abc").unwrap_err();
        assert!(e.reason.contains("not valid JSON"), "{}", e.reason);
        assert!(!e.reason.contains("abc"));
    }

    #[test]
    fn wrong_types_and_missing_fields() {
        let s = sample_json();
        let cases: Vec<(Value, &str)> = vec![
            (
                with(s.clone(), &["valuePattern"], json!(5)),
                "valuePattern must be a string",
            ),
            (
                without(s.clone(), &["valuePattern"]),
                "valuePattern is required",
            ),
            (
                with(s.clone(), &["renderEncoding"], json!("UTF_16")),
                "renderEncoding",
            ),
            (
                with(s.clone(), &["renderEncoding"], json!(true)),
                "renderEncoding must be a string",
            ),
            (
                without(s.clone(), &["totpDetails"]),
                "totpDetails is required",
            ),
            (
                with(s.clone(), &["totpDetails"], json!([])),
                "totpDetails must be a JSON object",
            ),
            (
                without(s.clone(), &["totpDetails", "periodMillis"]),
                "periodMillis is required",
            ),
            (
                with(s.clone(), &["totpDetails", "periodMillis"], json!(true)),
                "whole number",
            ),
            (
                with(s.clone(), &["totpDetails", "periodMillis"], json!("30s")),
                "whole number",
            ),
            (
                with(s.clone(), &["totpDetails", "periodMillis"], json!("")),
                "whole number",
            ),
            (
                with(s.clone(), &["totpDetails", "periodMillis"], json!(30000.5)),
                "whole number",
            ),
            (
                with(s.clone(), &["totpDetails", "periodMillis"], json!("-30000")),
                "positive",
            ),
            (
                with(s.clone(), &["totpDetails", "periodMillis"], json!(-30000)),
                "positive",
            ),
            (
                with(s.clone(), &["totpDetails", "periodMillis"], json!("0")),
                "periodMillis",
            ),
            (
                with(s.clone(), &["totpDetails", "periodMillis"], json!(999)),
                "periodMillis",
            ),
            (
                with(
                    s.clone(),
                    &["totpDetails", "periodMillis"],
                    json!("99999999999999999999999"),
                ),
                "too large",
            ),
            (
                with(
                    s.clone(),
                    &["totpDetails", "algorithm"],
                    json!("TOTP_SHA256"),
                ),
                "TOTP_SHA1",
            ),
            (
                with(s.clone(), &["totpDetails", "algorithm"], json!(1)),
                "algorithm must be a string",
            ),
            (
                without(s.clone(), &["totpDetails", "parameters"]),
                "parameters is required",
            ),
            (
                with(s.clone(), &["totpDetails", "parameters"], json!({})),
                "must be a JSON array",
            ),
            (
                with(s.clone(), &["totpDetails", "parameters"], json!([])),
                "at least one",
            ),
            (
                with(s.clone(), &["totpDetails", "parameters", "0"], json!("k")),
                "JSON object",
            ),
            (
                without(s.clone(), &["totpDetails", "parameters", "0", "key"]),
                "key is required",
            ),
            (
                with(
                    s.clone(),
                    &["totpDetails", "parameters", "0", "key"],
                    json!(7),
                ),
                "key must be a string",
            ),
            (
                with(
                    s.clone(),
                    &["totpDetails", "parameters", "0", "key"],
                    json!("31323"),
                ),
                "even number",
            ),
            (
                with(
                    s.clone(),
                    &["totpDetails", "parameters", "0", "key"],
                    json!("3132333435363738393031323334353637383Z"),
                ),
                "not Base16",
            ),
            (
                with(
                    s.clone(),
                    &["totpDetails", "parameters", "0", "key"],
                    json!("31323334"),
                ),
                "at least 16",
            ),
            (
                without(
                    s.clone(),
                    &["totpDetails", "parameters", "0", "valueLength"],
                ),
                "valueLength is required",
            ),
            (
                with(
                    s.clone(),
                    &["totpDetails", "parameters", "0", "valueLength"],
                    json!(5),
                ),
                "between 6 and 10",
            ),
            (
                with(
                    s.clone(),
                    &["totpDetails", "parameters", "0", "valueLength"],
                    json!(11),
                ),
                "between 6 and 10",
            ),
            (
                with(
                    s.clone(),
                    &["totpDetails", "parameters", "0", "valueLength"],
                    json!(0),
                ),
                "between 6 and 10",
            ),
            (
                with(
                    s.clone(),
                    &["totpDetails", "parameters", "0", "valueLength"],
                    json!(-8),
                ),
                "positive",
            ),
            (
                with(
                    s.clone(),
                    &["totpDetails", "parameters", "0", "valueLength"],
                    json!(4294967304u64),
                ),
                "between 6 and 10",
            ),
            (
                with(
                    s.clone(),
                    &["totpDetails", "parameters", "0", "valueLength"],
                    json!([8]),
                ),
                "whole number",
            ),
            (
                with(s.clone(), &["alternateText"], json!(["x"])),
                "alternateText must be a string",
            ),
            (
                with(s.clone(), &["showCodeText"], json!("x")),
                "showCodeText must be a JSON object",
            ),
            (
                with(
                    s.clone(),
                    &["showCodeText", "defaultValue"],
                    json!({"language": "en"}),
                ),
                "value is required",
            ),
            (
                with(s.clone(), &["showCodeText", "translatedValues"], json!({})),
                "must be a JSON array",
            ),
            (
                with(
                    s.clone(),
                    &["showCodeText", "translatedValues"],
                    json!([{"value": 1, "language": "x"}]),
                ),
                "must be a string",
            ),
        ];
        for (v, expected) in cases {
            let reason = err(v.clone());
            assert!(
                reason.contains(expected),
                "{reason:?} should mention {expected:?} for {v}"
            );
            assert!(!reason.contains(SECRET_HEX), "no secret in {reason:?}");
            assert!(!reason.contains("4000123"), "no card number in {reason:?}");
        }
    }

    #[test]
    fn value_pattern_placeholders() {
        let s = sample_json();
        let pattern = |p: &str| with(s.clone(), &["valuePattern"], json!(p));
        for bad in [
            "{totp_value}",
            "{totp_value_}",
            "{totp_value_x}",
            "{totp_value_01}",
            "{totp_timestamp}",
            "{TOTP_VALUE_0}",
            "{card}",
            "LC1:{4000123}",
        ] {
            let reason = err(pattern(bad));
            assert!(reason.contains("unknown placeholder"), "{bad}: {reason}");
            assert!(!reason.contains("4000123"));
        }
        for out_of_range in ["{totp_value_1}", "{totp_value_99999999999999999999999}"] {
            assert!(
                err(pattern(out_of_range)).contains("beyond"),
                "{out_of_range}"
            );
        }
        assert!(err(pattern("")).contains("empty"));
        assert!(err(pattern(&"x".repeat(MAX_VALUE_PATTERN_LEN + 1))).contains("at most"));

        // Braces that do not enclose an identifier are literal text.
        let b = GoogleRotatingBarcode::from_json_value(&pattern(
            "{\"v\":\"{totp_value_0}\",\"t\":{totp_timestamp_millis}} { } {} }{",
        ))
        .unwrap();
        assert_eq!(
            b.render(t(59)).unwrap(),
            "{\"v\":\"94287082\",\"t\":59000} { } {} }{"
        );
    }

    #[test]
    fn export_refuses_algorithms_google_cannot_generate() {
        let p = TotpParams::new(TotpAlgorithm::Sha256, 8, 30_000).unwrap();
        let b = GoogleRotatingBarcode::for_card("A1", &[9; 32], &p).unwrap();
        let e = b.to_json().unwrap_err();
        assert!(e.reason.contains("only supports SHA-1"), "{}", e.reason);
        assert!(b.render(t(59)).is_ok(), "still renders for our own use");
        let p = TotpParams::new(TotpAlgorithm::Sha512, 8, 30_000).unwrap();
        assert!(GoogleRotatingBarcode::for_card("A1", &[9; 64], &p)
            .unwrap()
            .to_json()
            .is_err());
    }

    #[test]
    fn for_card_validates_its_input() {
        let p = TotpParams::default();
        assert!(GoogleRotatingBarcode::for_card("", SECRET, &p).is_err());
        assert!(GoogleRotatingBarcode::for_card("a{b}", SECRET, &p).is_err());
        assert!(GoogleRotatingBarcode::for_card("A", b"short", &p).is_err());
        let bad = TotpParams {
            period_millis: 10,
            ..p
        };
        assert!(GoogleRotatingBarcode::for_card("A", SECRET, &bad).is_err());
    }

    #[test]
    fn debug_never_prints_the_key() {
        let b = GoogleRotatingBarcode::from_json_value(&sample_json()).unwrap();
        let dbg = format!("{b:?}");
        assert!(dbg.contains("<20 secret bytes>"), "{dbg}");
        assert!(!dbg.contains("49, 50, 51"), "{dbg}");
        assert!(!dbg.contains(SECRET_HEX));
    }
}
