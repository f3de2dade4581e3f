//! Shared code of the cross-crate end-to-end tests.

pub mod crash;
pub mod eval;
#[cfg(unix)]
pub mod powercut;
