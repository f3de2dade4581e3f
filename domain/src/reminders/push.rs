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
//!
//! On iOS a background push (`content-available`) is throttled by the system and never reaches an
//! app the shopper force-quit, so a recall also goes out as a visible alert ([`recall_alert`]):
//! iOS shows it by itself, in the device's language, from the app's own strings, and the app
//! decides what it means when the shopper opens it or the app next runs.

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

/// The APNs alert keys of a recall alert: the app's `Localizable.strings` (en, nl, fr; iOS looks
/// them up in the device's language when it shows the alert, without running the app).
pub const RECALL_ALERT_TITLE_KEY: &str = "LOYALTY_RECALL_ALERT_TITLE";
/// See [`RECALL_ALERT_TITLE_KEY`].
pub const RECALL_ALERT_BODY_KEY: &str = "LOYALTY_RECALL_ALERT_BODY";
/// The userInfo key of the push message in every payload of ours (iOS `PushHandler.payloadKey`).
pub const PUSH_PAYLOAD_KEY: &str = "loyalty";
/// APNs refuses a payload larger than this (bytes, for an alert push).
pub const APNS_MAX_PAYLOAD_BYTES: usize = 4096;

/// The APNs payload of a recall as a visible alert, for the members whose receipts hold the
/// recalled product (the reference server's `POST /v1/admin/recall-alerts` names them).
///
/// iOS shows it even when the app was force-quit or background pushes are throttled: a generic
/// title and body by localisation key (no product name: the alert is localised on the device,
/// the notice's names are per language), `time-sensitive` (breaks through Focus with the
/// entitlement), in the safety thread. The push message itself rides under
/// [`PUSH_PAYLOAD_KEY`] when the payload stays within APNs' 4 KiB, so the app matches the lot
/// against its receipts as soon as the shopper opens the alert (`PushHandler.open(response:)`);
/// otherwise only the notice id and its deep link ride along and the app reads the notice from
/// the recall feed at its next sync. The deep link opens the app's recall screen.
pub fn recall_alert(notice: &RecallNotice) -> Value {
    let deep_link = notice
        .deep_link
        .clone()
        .unwrap_or_else(|| format!("loyalty://recall/{}", super::ids::enc(&notice.id)));
    let mut aps = Map::new();
    let mut alert = Map::new();
    alert.insert("title-loc-key".into(), RECALL_ALERT_TITLE_KEY.into());
    alert.insert("loc-key".into(), RECALL_ALERT_BODY_KEY.into());
    aps.insert("alert".into(), Value::Object(alert));
    aps.insert("sound".into(), "default".into());
    aps.insert("interruption-level".into(), "time-sensitive".into());
    aps.insert("relevance-score".into(), 1.0.into());
    aps.insert("thread-id".into(), "loyalty.safety.recall".into());
    aps.insert("category".into(), "loyalty.safety".into());
    let mut payload = Map::new();
    payload.insert("aps".into(), Value::Object(aps));
    payload.insert("loyalty.recall".into(), notice.id.clone().into());
    payload.insert("loyalty.deepLink".into(), deep_link.into());
    let small = Value::Object(payload.clone());
    payload.insert(
        PUSH_PAYLOAD_KEY.into(),
        Value::String(PushMessage::Recall(notice.clone()).to_json()),
    );
    let full = Value::Object(payload);
    if full.to_string().len() <= APNS_MAX_PAYLOAD_BYTES {
        full
    } else {
        small
    }
}
