//! Every answer the sync client reads from the server (pages of the three delta feeds,
//! enrolment, sign-in and renewal, the card secret, the member's settings, content documents,
//! outbox answers, error bodies, `Retry-After`, cursors), decoded and checked as the client does
//! through `loyalty_core::sync::fuzzing` (compiled only under cargo-fuzz): never a panic, within
//! the time budget, and the consent and cursors the client writes back read as the same value.
#![no_main]

use chrono::{TimeZone, Utc};
use libfuzzer_sys::fuzz_target;
use loyalty_core::sync::fuzzing::decode_answers;
use loyalty_fuzz::within_budget;

fuzz_target!(|data: &[u8]| {
    for now in [
        Utc.with_ymd_and_hms(2026, 3, 1, 9, 0, 0).unwrap(),
        chrono::DateTime::<Utc>::MAX_UTC,
        chrono::DateTime::<Utc>::MIN_UTC,
    ] {
        within_budget("sync wire answers", || decode_answers(data, now));
    }
});
