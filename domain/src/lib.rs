//! Loyalty Domain: the loyalty rules of a retailer's customer app, pure. Every function takes data
//! and, where time matters, a `now`; it reads no clock, touches no disk or network and starts no
//! thread. No sled, tokio or reqwest here: storage, sync and the facade live in `loyalty-core`,
//! which re-exports these modules under the same names; the reference server depends on this
//! crate alone.
//!
//! Floors, from the bottom; a module imports only from the floors below it (checked against the
//! `use` lines when this crate was cut; no circles):
//!
//! ```text
//! check                              InputError and the shared validators
//! error                              -> check             (LoyaltyError, the public error apps see)
//! sort                               the one sort every floor uses (imports nothing)
//! crypto                             SHA, HMAC and Ed25519 on ring (imports nothing)
//! lang                               -> check             (Lang; names and texts in several languages)
//! gs1, money, points                 -> check, lang       (GTIN rule; money; the ledger rules)
//! wallet, receipts                   -> gs1, money, check, lang (receipts also: points' date helper)
//! render                             -> gs1, check
//! card                               -> render, wallet, check
//! reminders                          -> points, wallet, receipts, money, gs1, check
//! list                               -> reminders, receipts, gs1, check
//! claim                              -> card (Base16), reminders (its texts), money, check
//! offers                             -> receipts, reminders (its texts), money, gs1, check
//! formats                            -> card, render, check, lang
//! invoice                            -> receipts, money, check, lang, and reminders' Fluent loader
//!                                       for its labels
//! proof                              -> receipts, claim (key id, the signed code's shape), money, check,
//!                                       and reminders' texts
//! survey                             -> gs1, check, and reminders' texts
//! membership                         -> check, and reminders' texts
//! history                            -> receipts, and reminders' texts (the points history's lines)
//! ```
//!
//! Each module whose error reaches the apps (points, wallet, receipts, list, offers) also imports
//! `error`, to map its error into the public one beside where it is defined; `error` itself
//! imports only `check`, and the FFI's converters (`uniffi_support`) only `check`, `error` and
//! `lang`.
//!
//! Never: anything here -> `loyalty-core`. Bad input is an [`InputError`]
//! whose reason names the field and the rule and never repeats personal data; money is integer
//! minor units; points are integers.

pub mod card;
pub mod check;
pub mod claim;
pub mod clock;
pub mod crypto;
pub mod error;
pub mod formats;
pub mod gs1;
pub mod history;
pub mod invoice;
pub mod lang;
pub mod list;
pub mod membership;
pub mod money;
pub mod offers;
pub mod points;
pub mod proof;
pub mod receipts;
pub mod reminders;
pub mod render;
pub mod sort;
pub mod survey;
pub(crate) mod tagged;
#[cfg(feature = "uniffi")]
mod uniffi_support;
pub mod wallet;

pub use check::InputError;
pub use clock::{Clock, ManualClock, SystemClock};
pub use error::LoyaltyError;
pub use money::Money;
#[cfg(feature = "uniffi")]
pub use uniffi_support::{utc_from_system_time, DateTime};

#[cfg(feature = "uniffi")]
uniffi::setup_scaffolding!("loyalty_domain");
