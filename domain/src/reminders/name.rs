//! How a product, store or tier is named in a text: a rule's localized label, or a name from
//! the receipts or the programme with the translations they carry.

use super::vocab::{Lang, LocalizedText};

#[derive(Debug, Clone, Copy)]
pub(crate) enum Name<'a> {
    /// A name with no translation: shown as is in every language.
    Plain(&'a str),
    /// A rule's label: the requested language, else English, else any.
    Localized(&'a LocalizedText),
    /// A name in the retailer's language and its translations: the requested language, else
    /// the retailer's name.
    Translated(&'a str, &'a LocalizedText),
}

impl<'a> Name<'a> {
    /// The same name (compared by what it shows in English, the programme's default).
    pub(crate) fn same(&self, other: &Name<'_>) -> bool {
        self.get(Lang::En) == other.get(Lang::En)
    }

    pub(crate) fn get(&self, lang: Lang) -> &'a str {
        match *self {
            Name::Plain(s) => s,
            Name::Localized(t) => t.get(lang),
            Name::Translated(s, t) => t.get_or(lang, s),
        }
    }
}
