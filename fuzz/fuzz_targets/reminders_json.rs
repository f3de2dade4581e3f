//! The reminder rules, the catalogue and push payloads, as the server sends them: never a panic;
//! what is accepted writes back to JSON that reads as the same value.
#![no_main]

use libfuzzer_sys::fuzz_target;
use loyalty_domain::reminders::{parse_push, Catalogue, RuleSet};
use loyalty_fuzz::within_budget;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(rules) = within_budget("RuleSet::from_json", || RuleSet::from_json(text)) {
        let again = RuleSet::from_json(&rules.to_json()).expect("our own rules read back");
        assert_eq!(again, rules);
    }
    if let Ok(catalogue) = within_budget("Catalogue::from_json", || Catalogue::from_json(text)) {
        let again = Catalogue::from_json(&catalogue.to_json()).expect("our catalogue reads back");
        assert_eq!(again, catalogue);
    }
    if let Ok(push) = within_budget("parse_push", || parse_push(text)) {
        let again = parse_push(&push.to_json()).expect("our own push reads back");
        assert_eq!(again, push);
    }
});
