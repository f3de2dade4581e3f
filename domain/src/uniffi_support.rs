//! What the FFI needs from the domain, behind the `uniffi` feature: the converters for time, for
//! calendar dates and for names in other languages.
//! Records and enums derive their converters where they are defined
//! (`#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]`); `LocalizedText` crosses as a map
//! of language tag to text; `DateTime<Utc>` crosses as
//! `SystemTime` (Kotlin `java.time.Instant`, Swift `Date`), declared once here and borrowed by the
//! other crates with `uniffi::use_remote_type!(loyalty_domain::DateTime)`.

use crate::check::InputError;
use crate::error::LoyaltyError;
use crate::lang::LocalizedText;
use std::collections::HashMap;
use std::time::{SystemTime, UNIX_EPOCH};

/// The one time type records carry across the FFI.
pub type DateTime = chrono::DateTime<chrono::Utc>;

uniffi::custom_type!(DateTime, SystemTime, {
    remote,
    lower: |t| SystemTime::from(t),
    // The error is the public one, so a function returning `Result<_, LoyaltyError>` raises
    // `InvalidInput` for a time out of range (uniffi passes a failed lift on only as the
    // function's own error type; anything else would become an internal error).
    try_lift: |t| Ok(utc_from_system_time(t).map_err(LoyaltyError::from)?),
});

/// A calendar date, without a time of day or zone: it crosses the FFI as its ISO 8601 text,
/// `YYYY-MM-DD` (Kotlin and Swift see a `String`); text that is not such a date is `InvalidInput`.
pub type IsoDate = chrono::NaiveDate;

uniffi::custom_type!(IsoDate, String, {
    remote,
    lower: |d| d.format("%Y-%m-%d").to_string(),
    try_lift: |s| {
        Ok(IsoDate::parse_from_str(&s, "%Y-%m-%d")
            .map_err(|_| LoyaltyError::from(InputError::new("date must be YYYY-MM-DD")))?)
    },
});

// Names in other languages cross as a plain map from language tag to text (Kotlin
// `Map<String, String>`, Swift `[String: String]`); an empty map is the default where a record
// field says so.
uniffi::custom_type!(LocalizedText, HashMap<String, String>, {
    lower: |t| t.0.into_iter().collect(),
    try_lift: |m| Ok(LocalizedText(m.into_iter().collect())),
});

/// A foreign time as UTC, or an error when it is outside the representable range (never a panic).
pub fn utc_from_system_time(t: SystemTime) -> Result<DateTime, InputError> {
    let (secs, nanos) = match t.duration_since(UNIX_EPOCH) {
        Ok(d) => (i64::try_from(d.as_secs()).ok(), d.subsec_nanos()),
        Err(before) => {
            let d = before.duration();
            let secs = i64::try_from(d.as_secs()).ok().map(|s| -s);
            match (secs, d.subsec_nanos()) {
                (Some(s), 0) => (Some(s), 0),
                (Some(s), n) => (s.checked_sub(1), 1_000_000_000 - n),
                (None, _) => (None, 0),
            }
        }
    };
    secs.and_then(|s| DateTime::from_timestamp(s, nanos))
        .ok_or_else(|| InputError::new("time is outside the supported range"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn times_round_trip_and_out_of_range_is_an_error() {
        let t = UNIX_EPOCH + Duration::new(1_700_000_000, 123_456_789);
        assert_eq!(SystemTime::from(utc_from_system_time(t).unwrap()), t);
        let before = UNIX_EPOCH - Duration::new(10, 250_000_000);
        let u = utc_from_system_time(before).unwrap();
        assert_eq!(SystemTime::from(u), before);
        let far = UNIX_EPOCH + Duration::from_secs(u64::MAX / 2);
        assert!(utc_from_system_time(far).is_err());
    }

    #[test]
    fn dates_cross_as_iso_text_and_other_text_is_invalid_input() {
        use uniffi::{Lift, Lower};
        let lift = |text: &str| {
            let buf = <String as Lower<crate::UniFfiTag>>::lower(text.to_string());
            <IsoDate as Lift<crate::UniFfiTag>>::try_lift(buf)
        };
        let date = IsoDate::from_ymd_opt(2026, 2, 28).unwrap();
        let buf = <IsoDate as Lower<crate::UniFfiTag>>::lower(date);
        let text = <String as Lift<crate::UniFfiTag>>::try_lift(buf).unwrap();
        assert_eq!(text, "2026-02-28");
        assert_eq!(lift(&text).unwrap(), date);
        for bad in ["2026-02-30", "28/02/2026", "2026-2-28x", ""] {
            let err = lift(bad).unwrap_err();
            assert!(
                matches!(
                    err.downcast_ref::<LoyaltyError>(),
                    Some(LoyaltyError::InvalidInput { .. })
                ),
                "{bad}: {err}"
            );
        }
    }
}
