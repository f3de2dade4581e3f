//! Shared code of the cross-crate end-to-end tests.

pub mod crash;
#[cfg(unix)]
pub mod powercut;
