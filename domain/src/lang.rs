//! Languages and texts in several of them: the bottom floor every rule about names and texts
//! stands on (receipts, vouchers, tiers, offers, reminders). [`Lang`] is a language the app
//! speaks (with the Belgian variants); [`LocalizedText`] a text by language tag, for names the
//! retailer gives in its own language and translates where it can; [`Trilingual`] a text
//! required in each of nl, fr and en. Imports only `check`.

use crate::check::InputError;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// A language the shopper-facing texts exist in, with the regional variants whose words differ:
/// Belgian Dutch (Flemish: "kasticket", "portefeuille", "toestel") and Belgian French. A regional
/// variant's texts are its base language's with a small overlay of the messages that differ
/// (`domain/locales/nl-BE/*.ftl`); its content (product, voucher, plan names) is the base
/// language's, see [`Lang::language`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Lang {
    #[serde(rename = "en")]
    En,
    #[serde(rename = "nl")]
    Nl,
    #[serde(rename = "fr")]
    Fr,
    /// Dutch as written in Belgium (nl-BE).
    #[serde(rename = "nl-BE", alias = "nl_BE", alias = "nl_be")]
    NlBe,
    /// French as written in Belgium (fr-BE).
    #[serde(rename = "fr-BE", alias = "fr_BE", alias = "fr_be")]
    FrBe,
}

impl Lang {
    /// The three languages content exists in (names, titles, templates); a regional variant
    /// shares its base language's.
    pub const ALL: [Lang; 3] = [Lang::En, Lang::Nl, Lang::Fr];
    /// Every variant the texts can be rendered in: the base languages and the regional ones.
    pub const VARIANTS: [Lang; 5] = [Lang::En, Lang::Nl, Lang::NlBe, Lang::Fr, Lang::FrBe];

    /// The best supported variant for a BCP 47 tag or POSIX locale: "nl-BE", "nl_BE.UTF-8" →
    /// Belgian Dutch, "fr-BE" → Belgian French, "nl-NL"/"nl" → Dutch, "fr_CA" → French; English
    /// for anything else, including tags that do not parse.
    pub fn negotiate(tag: &str) -> Lang {
        // A POSIX locale's encoding and modifier ("nl_BE.UTF-8@euro") are not part of the tag.
        let tag = tag.split(['.', '@']).next().unwrap_or("").trim();
        let (primary, region) = match tag
            .replace('_', "-")
            .parse::<unic_langid::LanguageIdentifier>()
        {
            Ok(id) => (
                id.language.as_str().to_ascii_lowercase(),
                id.region.map(|r| r.as_str().to_ascii_uppercase()),
            ),
            Err(_) => {
                let mut parts = tag.split(['-', '_']);
                let primary = parts.next().unwrap_or("").trim().to_ascii_lowercase();
                let region = parts
                    .find(|p| p.len() == 2 && p.bytes().all(|b| b.is_ascii_alphabetic()))
                    .map(str::to_ascii_uppercase);
                (primary, region)
            }
        };
        let belgian = region.as_deref() == Some("BE");
        match (primary.as_str(), belgian) {
            ("nl", true) => Lang::NlBe,
            ("nl", false) => Lang::Nl,
            ("fr", true) => Lang::FrBe,
            ("fr", false) => Lang::Fr,
            _ => Lang::En,
        }
    }

    /// The base language: the one whose content (names, titles) a variant shows.
    pub fn language(self) -> Lang {
        match self {
            Lang::NlBe => Lang::Nl,
            Lang::FrBe => Lang::Fr,
            other => other,
        }
    }

    /// The BCP 47 tag: "en", "nl", "fr", "nl-BE", "fr-BE".
    pub fn code(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Nl => "nl",
            Lang::Fr => "fr",
            Lang::NlBe => "nl-BE",
            Lang::FrBe => "fr-BE",
        }
    }
}

/// Text in several languages, keyed by language tag (`{"en": "...", "nl": "...", "nl-BE": "..."}`).
/// Lookup: the requested variant's exact tag ("nl-BE", also written "nl_BE"), then its base
/// language ("nl"), then any key with that primary subtag (e.g. "nl-NL"), then English, then the
/// first entry in key order.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct LocalizedText(pub BTreeMap<String, String>);

impl LocalizedText {
    pub fn get(&self, lang: Lang) -> &str {
        self.find(lang)
            .or_else(|| self.0.get("en"))
            .or_else(|| self.0.values().next())
            .map(String::as_str)
            .unwrap_or("")
    }

    /// The text in `lang` (as [`LocalizedText::get`] finds it, without the English and
    /// first-entry fallbacks), else `default`: for names the retailer gives in its own language
    /// and translates where it can.
    pub fn get_or<'a>(&'a self, lang: Lang, default: &'a str) -> &'a str {
        self.find(lang).map(String::as_str).unwrap_or(default)
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// From `(language tag, text)` pairs.
    pub fn of(pairs: &[(&str, &str)]) -> Self {
        LocalizedText(
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        )
    }

    /// The requested variant's exact tag ("nl-BE", also written "nl_BE"), then its base
    /// language ("nl"), then any key with that primary subtag (e.g. "nl-NL").
    fn find(&self, lang: Lang) -> Option<&String> {
        let same_tag = |k: &str, tag: &str| {
            k.len() == tag.len()
                && k.bytes()
                    .zip(tag.bytes())
                    .all(|(a, b)| a.eq_ignore_ascii_case(&b) || (a == b'_' && b == b'-'))
        };
        let base = lang.language().code();
        self.0
            .iter()
            .find(|(k, _)| same_tag(k, lang.code()))
            .map(|(_, v)| v)
            .or_else(|| self.0.get(base))
            .or_else(|| {
                self.0
                    .iter()
                    .find(|(k, _)| {
                        k.split(['-', '_'])
                            .next()
                            .is_some_and(|p| p.eq_ignore_ascii_case(base))
                    })
                    .map(|(_, v)| v)
            })
    }

    /// Checks translations that may be absent (the single name beside them is the default):
    /// none is fine; each present one as [`LocalizedText::validate`] does.
    pub fn validate_translations(&self, field: &str, max: usize) -> Result<(), InputError> {
        if self.0.is_empty() {
            return Ok(());
        }
        if self.0.len() > 16 {
            return Err(InputError::new(format!(
                "{field} has at most 16 translations"
            )));
        }
        self.validate(field, max)?;
        if self.0.values().any(|v| v.chars().any(char::is_control)) {
            return Err(InputError::new(format!(
                "{field} must not contain control characters"
            )));
        }
        Ok(())
    }

    pub(crate) fn validate(&self, field: &str, max: usize) -> Result<(), InputError> {
        if self.0.is_empty() {
            return Err(InputError::new(format!(
                "{field} needs a text in at least one language"
            )));
        }
        for (k, v) in &self.0 {
            let key_ok = (2..=16).contains(&k.len())
                && k.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
            if !key_ok {
                return Err(InputError::new(format!(
                    "{field}: {k:?} is not a language tag"
                )));
            }
            if v.trim().is_empty() {
                return Err(InputError::new(format!("{field} ({k}) must not be empty")));
            }
            if v.len() > max {
                return Err(InputError::new(format!(
                    "{field} ({k}) is at most {max} bytes"
                )));
            }
        }
        Ok(())
    }
}

/// A text in each of the app's three languages, all required: an offer's title (the receipt
/// keeps it), a paid plan's name, a survey's question and options.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
// Apps know it by its first use: an offer's title.
#[cfg_attr(
    feature = "uniffi",
    derive(uniffi::Record),
    uniffi(name = "OfferTitle")
)]
pub struct Trilingual {
    pub nl: String,
    pub fr: String,
    pub en: String,
}

impl Trilingual {
    pub fn get(&self, lang: Lang) -> &str {
        match lang.language() {
            Lang::Nl | Lang::NlBe => &self.nl,
            Lang::Fr | Lang::FrBe => &self.fr,
            Lang::En => &self.en,
        }
    }

    /// Each language 1 to `max` characters, not blank, without control characters.
    pub fn validate(&self, field: &str, max: usize) -> Result<(), InputError> {
        for (lang, text) in [("nl", &self.nl), ("fr", &self.fr), ("en", &self.en)] {
            let len = text.chars().count();
            if text.trim().is_empty() || len > max || text.chars().any(char::is_control) {
                return Err(InputError::new(format!(
                    "{field} ({lang}) must be 1 to {max} characters without control characters"
                )));
            }
        }
        Ok(())
    }
}

/// Declares `$name`, a [`Trilingual`] under the name of its use (a survey's text, a plan's name).
/// It reads as the `Trilingual` it holds (`Deref`) and is the same JSON (`serde(transparent)`).
/// Across the FFI one Rust type has one name, and apps know a `Trilingual` as `OfferTitle`: this
/// type crosses as that record, and the apps see `$name` as a type alias of it (Kotlin and Swift
/// `typealias`), so `SurveyText(nl = .., fr = .., en = ..)` still builds one.
macro_rules! trilingual_alias {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub $crate::lang::Trilingual);

        impl std::ops::Deref for $name {
            type Target = $crate::lang::Trilingual;
            fn deref(&self) -> &Self::Target {
                &self.0
            }
        }

        impl std::ops::DerefMut for $name {
            fn deref_mut(&mut self) -> &mut Self::Target {
                &mut self.0
            }
        }

        #[cfg(feature = "uniffi")]
        uniffi::custom_type!($name, $crate::lang::Trilingual, {
            lower: |t| t.0,
            try_lift: |t| Ok($name(t)),
        });
    };
}
pub(crate) use trilingual_alias;
