//! uniffi facade of Loyalty Core.
uniffi::setup_scaffolding!();

/// Version of the Loyalty Core library, for diagnostics screens.
#[uniffi::export]
pub fn loyalty_core_version() -> String {
    env!("CARGO_PKG_VERSION").to_string()
}
