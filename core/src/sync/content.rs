//! Content feeds from the server: the reminder rules, recipes, post-purchase content and recall
//! notices (`GET /v1/content/{kind}`), applied to the reminder data on the device.
//!
//! - `reminder-rules` is a rule set ([`RuleSet`] JSON) and replaces the rules.
//! - `surveys` is a [`crate::survey::SurveyFeed`], kept as it came once it validates.
//! - `recipes`, `post-purchase` and `recalls` are catalogues ([`Catalogue`] JSON) carrying only
//!   their own list (`recipes`, `content`, `recalls`); the catalogue on the device is the three
//!   merged, so a new version of one feed keeps the other two.
//!
//! A version is applied only whole and valid, together with what it makes of the rules or the
//! catalogue (one transaction); a version that does not validate is refused with the reason and
//! the previous one stays in use.

use crate::reminders::{Catalogue, RuleSet};
use crate::store::{ContentFeed, ReminderKey, Store, StoreError, StoredFeed};
use serde_json::Value;

/// Applies `version` of `feed` (its body as JSON text): `Ok(Err(reason))` when the body is
/// refused, and then nothing changed.
pub(super) fn apply(
    store: &Store,
    feed: ContentFeed,
    version: u64,
    body: &str,
) -> Result<Result<(), String>, StoreError> {
    if feed == ContentFeed::Surveys {
        // Kept as it came, once it validates; the surveys API reads it.
        if let Err(e) = crate::survey::SurveyFeed::from_json(body) {
            return Ok(Err(e.reason));
        }
        let stored = StoredFeed {
            version,
            body: body.to_string(),
        };
        store.set_reminder_value(ReminderKey::Feed(feed), &stored)?;
        return Ok(Ok(()));
    }
    let derived = match feed {
        ContentFeed::ReminderRules => match RuleSet::from_json(body) {
            Ok(_) => (ReminderKey::Rules, body.to_string()),
            Err(e) => return Ok(Err(e.to_string())),
        },
        _ => {
            let own = match own_list(feed, body) {
                Ok(c) => c,
                Err(reason) => return Ok(Err(reason)),
            };
            let mut merged = Catalogue::default();
            for other in [
                ContentFeed::Recipes,
                ContentFeed::PostPurchase,
                ContentFeed::Recalls,
            ] {
                let part = if other == feed {
                    own.clone()
                } else {
                    // Stored versions were valid when applied; one this app no longer reads
                    // contributes nothing rather than blocking the others.
                    match store.reminder_value::<StoredFeed>(ReminderKey::Feed(other))? {
                        Some(stored) => own_list(other, &stored.body).unwrap_or_default(),
                        None => Catalogue::default(),
                    }
                };
                merged.recipes.extend(part.recipes);
                merged.content.extend(part.content);
                merged.recalls.extend(part.recalls);
            }
            let json =
                serde_json::to_string(&merged).map_err(|e| StoreError::Encode(e.to_string()))?;
            (ReminderKey::Catalogue, json)
        }
    };
    let stored = StoredFeed {
        version,
        body: body.to_string(),
    };
    let stored = serde_json::to_value(&stored).map_err(|e| StoreError::Encode(e.to_string()))?;
    store.set_reminder_values(&[
        (ReminderKey::Feed(feed), stored),
        (derived.0, Value::String(derived.1)),
    ])?;
    Ok(Ok(()))
}

/// A catalogue feed's body, validated, that carries only the feed's own list.
pub(super) fn own_list(feed: ContentFeed, body: &str) -> Result<Catalogue, String> {
    let c = Catalogue::from_json(body).map_err(|e| e.to_string())?;
    let (own, others) = match feed {
        ContentFeed::Recipes => ("recipes", c.content.len() + c.recalls.len()),
        ContentFeed::PostPurchase => ("content", c.recipes.len() + c.recalls.len()),
        ContentFeed::Recalls => ("recalls", c.recipes.len() + c.content.len()),
        ContentFeed::ReminderRules | ContentFeed::Surveys => ("rules", usize::MAX),
    };
    if others > 0 {
        return Err(format!(
            "the {} feed carries only `{own}` entries",
            feed.name()
        ));
    }
    Ok(c)
}
