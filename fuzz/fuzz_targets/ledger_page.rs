//! A stored ledger page (the store's compact binary format, `core/src/store/ledger_pages.rs`)
//! read as the store reads it after a damaged disk or a bug: never a panic, within the time
//! budget, and whatever reads as entries is written back and read again as the same entries.
#![no_main]

use libfuzzer_sys::fuzz_target;
use loyalty_core::store::fuzzing::ledger_page;
use loyalty_fuzz::within_budget;

fuzz_target!(|data: &[u8]| {
    within_budget("ledger page", || ledger_page(data));
});
