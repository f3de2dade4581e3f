//! Catima's CSV (v1 and v2) and zip backups: never a panic, bounded work, and what is accepted
//! writes back to a CSV that reads as the same cards.
#![no_main]

use libfuzzer_sys::fuzz_target;
use loyalty_domain::formats::catima;
use loyalty_fuzz::within_budget;

fuzz_target!(|data: &[u8]| {
    let Ok(parsed) = within_budget("catima::parse", || catima::parse(data)) else {
        return;
    };
    // Round trip: our export of what we accepted is a file we accept, with the same cards.
    let csv = catima::to_csv(&parsed.data);
    let again = catima::parse(csv.as_bytes()).expect("our own export parses");
    assert_eq!(
        again.data.cards, parsed.data.cards,
        "cards change in a round trip"
    );
    assert_eq!(
        again.data.groups, parsed.data.groups,
        "groups change in a round trip"
    );
});
