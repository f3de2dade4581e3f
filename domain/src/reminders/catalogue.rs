//! Server-supplied catalogues as versioned JSON: recall notices, recipes and post-purchase
//! content.
//!
//! ```json
//! {
//!   "version": 1,
//!   "recalls": [{
//!     "id": "R-2026-001", "gtins": ["5410000000013"], "lots": ["L2412-30"],
//!     "sold_from": "2025-12-27T00:00:00Z", "sold_until": "2026-01-02T23:59:59Z",
//!     "published_at": "2026-01-05T09:00:00Z",
//!     "product": {"en": "Zeeland oysters", "nl": "Zeeuwse oesters", "fr": "Huîtres de Zélande"},
//!     "instructions": {"en": "Do not eat them; bring them back for a refund.", "nl": "...", "fr": "..."},
//!     "urgent": false
//!   }],
//!   "recipes": [{
//!     "id": "pasta-pesto", "title": {"en": "Pasta with pesto"},
//!     "ingredients": [{"categories": ["pasta"]}, {"gtins": ["8001234567890"]}]
//!   }],
//!   "content": [{
//!     "id": "wine-serving", "products": {"categories": ["wine"]}, "delay_hours": 24,
//!     "valid_hours": 72, "title": {"en": "Serving your wine"}, "body": {"en": "..."}
//!   }]
//! }
//! ```

use super::vocab::{Category, LocalizedText, Selector};
use crate::check::InputError;
use crate::check::{validate_id, validate_link};
use crate::gs1::validate_gtin;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// The catalogue format version this build reads.
pub const CATALOGUE_VERSION: u32 = 1;

/// A product recall, matched on the device against the shopper's receipts: a line matches when
/// its GTIN is listed, it was bought within `[sold_from, sold_until]`, and its lot is listed
/// (or the notice lists no lots). A line without a lot, for a notice that lists lots, is
/// *possibly* affected: the shopper is alerted and asked to check the lot on the package.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RecallNotice {
    pub id: String,
    pub gtins: Vec<String>,
    /// Affected lots; empty: every lot.
    #[serde(default)]
    pub lots: Vec<String>,
    pub sold_from: DateTime<Utc>,
    pub sold_until: DateTime<Utc>,
    pub published_at: DateTime<Utc>,
    /// Stop alerting after this; default 90 days after publication.
    #[serde(default)]
    pub ends_at: Option<DateTime<Utc>>,
    pub product: LocalizedText,
    pub instructions: LocalizedText,
    /// A danger to health: shown at once, also during quiet hours.
    #[serde(default)]
    pub urgent: bool,
    #[serde(default)]
    pub deep_link: Option<String>,
}

impl RecallNotice {
    pub fn validate(&self) -> Result<(), InputError> {
        validate_id("id", &self.id)?;
        if self.gtins.is_empty() || self.gtins.len() > 100 {
            return Err(InputError::new("gtins lists 1 to 100 GTINs"));
        }
        for g in &self.gtins {
            validate_gtin(g).map_err(|e| InputError::new(format!("gtins: {g:?}: {e}")))?;
        }
        if self.lots.len() > 1_000
            || self
                .lots
                .iter()
                .any(|l| l.trim().is_empty() || l.len() > 64)
        {
            return Err(InputError::new(
                "lots lists at most 1000 lots of 1 to 64 bytes",
            ));
        }
        if self.sold_until < self.sold_from {
            return Err(InputError::new("sold_until must not be before sold_from"));
        }
        if self.ends_at.is_some_and(|e| e <= self.published_at) {
            return Err(InputError::new("ends_at must be after published_at"));
        }
        self.product.validate("product", 200)?;
        self.instructions.validate("instructions", 2_000)?;
        if let Some(l) = &self.deep_link {
            validate_link("deep_link", l)?;
        }
        Ok(())
    }

    /// Whether `lot` is one of the affected lots (trimmed, case-insensitive).
    pub fn lists_lot(&self, lot: &str) -> bool {
        let lot = lot.trim();
        self.lots.iter().any(|l| l.trim().eq_ignore_ascii_case(lot))
    }
}

/// A recipe; each ingredient is a selector of products that count as that ingredient.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Recipe {
    pub id: String,
    pub title: LocalizedText,
    /// Shown as the body; a default sentence about the overlap otherwise.
    #[serde(default)]
    pub body: Option<LocalizedText>,
    pub ingredients: Vec<Selector>,
    #[serde(default)]
    pub deep_link: Option<String>,
}

/// Content keyed to what was bought: how to serve the wine, set-up tips for the TV.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Content {
    pub id: String,
    pub products: Selector,
    /// Sent this long after the purchase (0–720, default 24).
    #[serde(default = "default_delay_hours")]
    pub delay_hours: u32,
    /// Useful for this long after that (1–2160, default 72); later it is dropped.
    #[serde(default = "default_valid_hours")]
    pub valid_hours: u32,
    pub title: LocalizedText,
    pub body: LocalizedText,
    #[serde(default)]
    pub deep_link: Option<String>,
    /// Not sent again for a new purchase within this many days (0–3650, default 365).
    #[serde(default = "default_repeat_days")]
    pub repeat_after_days: u32,
    /// "service" (default) or "marketing".
    #[serde(default)]
    pub category: Option<Category>,
}

fn default_delay_hours() -> u32 {
    24
}
fn default_valid_hours() -> u32 {
    72
}
fn default_repeat_days() -> u32 {
    365
}

/// Recall notices, recipes and content, as the server sends them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Catalogue {
    pub version: u32,
    #[serde(default)]
    pub recalls: Vec<RecallNotice>,
    #[serde(default)]
    pub recipes: Vec<Recipe>,
    #[serde(default)]
    pub content: Vec<Content>,
}

impl Default for Catalogue {
    fn default() -> Self {
        Self {
            version: CATALOGUE_VERSION,
            recalls: Vec::new(),
            recipes: Vec::new(),
            content: Vec::new(),
        }
    }
}

impl Catalogue {
    /// Parses and validates a catalogue; errors give the JSON line and column, or the entry
    /// (`recipes[2] ("pasta-pesto"): ingredients: ...`).
    pub fn from_json(json: &str) -> Result<Self, InputError> {
        let c: Catalogue = serde_json::from_slice(json.as_bytes())
            .map_err(|e| InputError::new(format!("catalogue is not valid: {e}")))?;
        c.validate()?;
        Ok(c)
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_default()
    }

    pub fn validate(&self) -> Result<(), InputError> {
        if self.version == 0 || self.version > CATALOGUE_VERSION {
            return Err(InputError::new(format!(
                "catalogue version {} is not supported (this app reads version {CATALOGUE_VERSION}); update the app",
                self.version
            )));
        }
        if self.recalls.len() > 10_000 || self.recipes.len() > 10_000 || self.content.len() > 10_000
        {
            return Err(InputError::new(
                "a catalogue has at most 10000 entries of each kind",
            ));
        }
        let at = |list: &str, i: usize, id: &str, e: InputError| {
            InputError::new(format!("{list}[{i}] ({id:?}): {e}"))
        };
        let mut ids = std::collections::HashSet::new();
        for (i, n) in self.recalls.iter().enumerate() {
            n.validate().map_err(|e| at("recalls", i, &n.id, e))?;
            if !ids.insert(("r", n.id.as_str())) {
                return Err(at("recalls", i, &n.id, InputError::new("id is used twice")));
            }
        }
        for (i, r) in self.recipes.iter().enumerate() {
            let check = || -> Result<(), InputError> {
                validate_id("id", &r.id)?;
                r.title.validate("title", 200)?;
                if let Some(b) = &r.body {
                    b.validate("body", 1_000)?;
                }
                if r.ingredients.is_empty() || r.ingredients.len() > 50 {
                    return Err(InputError::new("ingredients lists 1 to 50 selectors"));
                }
                for (j, s) in r.ingredients.iter().enumerate() {
                    s.validate(&format!("ingredients[{j}]"))?;
                }
                if let Some(l) = &r.deep_link {
                    validate_link("deep_link", l)?;
                }
                Ok(())
            };
            check().map_err(|e| at("recipes", i, &r.id, e))?;
            if !ids.insert(("p", r.id.as_str())) {
                return Err(at("recipes", i, &r.id, InputError::new("id is used twice")));
            }
        }
        for (i, c) in self.content.iter().enumerate() {
            let check = || -> Result<(), InputError> {
                validate_id("id", &c.id)?;
                c.products.validate("products")?;
                c.title.validate("title", 200)?;
                c.body.validate("body", 2_000)?;
                if c.delay_hours > 720 {
                    return Err(InputError::new("delay_hours must be between 0 and 720"));
                }
                if !(1..=2_160).contains(&c.valid_hours) {
                    return Err(InputError::new("valid_hours must be between 1 and 2160"));
                }
                if c.repeat_after_days > 3_650 {
                    return Err(InputError::new(
                        "repeat_after_days must be between 0 and 3650",
                    ));
                }
                if c.category == Some(Category::Safety) {
                    return Err(InputError::new(
                        "category: content is marketing or service, never safety",
                    ));
                }
                if let Some(l) = &c.deep_link {
                    validate_link("deep_link", l)?;
                }
                Ok(())
            };
            check().map_err(|e| at("content", i, &c.id, e))?;
            if !ids.insert(("c", c.id.as_str())) {
                return Err(at("content", i, &c.id, InputError::new("id is used twice")));
            }
        }
        Ok(())
    }
}
