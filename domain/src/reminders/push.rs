//! Push payloads from the retailer's server. They are parsed into typed messages (a malformed
//! payload is an [`InputError`], never a panic) and pass through the same policy as local
//! reminders: consent, quiet hours, caps, no duplicates, feedback.
//!
//! Two types, both with `"version": 1`:
//!
//! ```json
//! {"version": 1, "type": "message", "id": "spring-sale-2026", "category": "marketing",
//!  "title": {"en": "Spring sale", "nl": "Lenteactie"}, "body": {"en": "...", "nl": "..."},
//!  "deep_link": "loyalty://offers", "send_at": "2026-03-20T09:00:00Z",
//!  "expires_at": "2026-03-27T00:00:00Z", "reason": {"en": "...", "nl": "..."}}
//!
//! {"version": 1, "type": "recall", "id": "R-2026-001", "gtins": ["..."], "lots": ["..."], ...}
//! ```
//!
//! A `message` is marketing or service (never safety); without `reason` a default explanation
//! for its category is used; without `expires_at` it is useful for 7 days. A `recall` carries a
//! [`RecallNotice`] (the same fields as in the catalogue) that is matched against the receipts on
//! the device: a shopper who did not buy the product gets nothing, and the server never learns
//! who did.

use super::catalogue::RecallNotice;
use super::vocab::{Category, LocalizedText};
use crate::check::InputError;
use crate::check::{validate_id, validate_link};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// The push format version this build reads.
pub const PUSH_VERSION: u32 = 1;

/// Payloads are small (a platform push carries at most 4 KiB); anything far larger is refused
/// before parsing.
const MAX_PUSH_BYTES: usize = 64 * 1024;

/// A message written by the retailer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PushNotice {
    pub id: String,
    pub category: Category,
    pub title: LocalizedText,
    pub body: LocalizedText,
    #[serde(default)]
    pub deep_link: Option<String>,
    /// "Why you got this"; a default per category otherwise.
    #[serde(default)]
    pub reason: Option<LocalizedText>,
    /// Not before this; at once otherwise.
    #[serde(default)]
    pub send_at: Option<DateTime<Utc>>,
    /// Not after this; 7 days after sending otherwise.
    #[serde(default)]
    pub expires_at: Option<DateTime<Utc>>,
}

impl PushNotice {
    pub fn validate(&self) -> Result<(), InputError> {
        validate_id("id", &self.id)?;
        if self.category == Category::Safety {
            return Err(InputError::new(
                "category: a push message is marketing or service; safety alerts come as recall notices",
            ));
        }
        self.title.validate("title", 200)?;
        self.body.validate("body", 2_000)?;
        if let Some(r) = &self.reason {
            r.validate("reason", 1_000)?;
        }
        if let Some(l) = &self.deep_link {
            validate_link("deep_link", l)?;
        }
        if let (Some(s), Some(e)) = (self.send_at, self.expires_at) {
            if e <= s {
                return Err(InputError::new("expires_at must be after send_at"));
            }
        }
        Ok(())
    }
}

/// A parsed, validated push payload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PushMessage {
    Message(PushNotice),
    Recall(RecallNotice),
}

impl PushMessage {
    /// The notification id it becomes (`push:<id>` or `recall:<id>`).
    pub fn notification_id(&self) -> String {
        match self {
            PushMessage::Message(m) => format!("push:{}", super::ids::enc(&m.id)),
            PushMessage::Recall(n) => format!("recall:{}", super::ids::enc(&n.id)),
        }
    }

    /// The wire form, as [`parse_push`] reads it.
    pub fn to_json(&self) -> String {
        let (ty, v) = match self {
            PushMessage::Message(m) => ("message", serde_json::to_value(m)),
            PushMessage::Recall(n) => ("recall", serde_json::to_value(n)),
        };
        let mut map = match v {
            Ok(Value::Object(m)) => m,
            _ => Map::new(),
        };
        map.insert("version".into(), Value::from(PUSH_VERSION));
        map.insert("type".into(), Value::String(ty.into()));
        Value::Object(map).to_string()
    }
}

/// Parses and validates a push payload. Errors say what is wrong: broken JSON (with line and
/// column), an unknown type or version, a missing or mistyped field, a rule broken.
pub fn parse_push(json: &str) -> Result<PushMessage, InputError> {
    if json.len() > MAX_PUSH_BYTES {
        return Err(InputError::new(format!(
            "push payload is larger than {MAX_PUSH_BYTES} bytes"
        )));
    }
    let mut map: Map<String, Value> = serde_json::from_slice(json.as_bytes())
        .map_err(|e| InputError::new(format!("push payload is not a JSON object: {e}")))?;
    let version = match map.remove("version") {
        Some(Value::Number(n)) => n.as_u64(),
        Some(_) => None,
        None => return Err(InputError::new("push payload: missing field `version`")),
    };
    match version {
        Some(v) if v == u64::from(PUSH_VERSION) => {}
        Some(v) => {
            return Err(InputError::new(format!(
                "push payload version {v} is not supported (this app reads version {PUSH_VERSION})"
            )))
        }
        None => {
            return Err(InputError::new(
                "push payload: version must be a positive integer",
            ))
        }
    }
    let ty = match map.remove("type") {
        Some(Value::String(s)) => s,
        Some(_) => return Err(InputError::new("push payload: type must be a string")),
        None => return Err(InputError::new("push payload: missing field `type`")),
    };
    let rest = Value::Object(map);
    let msg = match ty.as_str() {
        "message" => {
            let m: PushNotice = serde_json::from_value(rest)
                .map_err(|e| InputError::new(format!("push message: {e}")))?;
            m.validate()
                .map_err(|e| InputError::new(format!("push message: {e}")))?;
            PushMessage::Message(m)
        }
        "recall" => {
            let n: RecallNotice = serde_json::from_value(rest)
                .map_err(|e| InputError::new(format!("push recall: {e}")))?;
            n.validate()
                .map_err(|e| InputError::new(format!("push recall: {e}")))?;
            PushMessage::Recall(n)
        }
        other => {
            return Err(InputError::new(format!(
                "push payload: unknown type {other:?} (expected \"message\" or \"recall\")"
            )))
        }
    };
    Ok(msg)
}
