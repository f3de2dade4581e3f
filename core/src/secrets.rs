//! Secrets (the card's TOTP seed, later tokens) live behind [`SecretStore`], which the app backs
//! with the platform keystore (Android Keystore, iOS Keychain). The database never holds them.

use std::collections::HashMap;
use std::sync::Mutex;

/// Why the secret store failed. Reasons are the app's own words and must not contain secrets.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("secure storage failed: {reason}")]
pub struct SecretStoreError {
    pub reason: String,
}

/// Storage for secrets, implemented by the app on the platform keystore.
///
/// Called on the thread that calls into the core: an implementation must not call back into
/// Loyalty Core, and should return promptly.
pub trait SecretStore: Send + Sync {
    fn get(&self, key: &str) -> Result<Option<Vec<u8>>, SecretStoreError>;
    fn put(&self, key: &str, value: &[u8]) -> Result<(), SecretStoreError>;
    fn delete(&self, key: &str) -> Result<(), SecretStoreError>;
}

/// Secrets in memory only: for tests and tools; they are gone when the process ends.
#[derive(Debug, Default)]
pub struct MemorySecretStore {
    values: Mutex<HashMap<String, Vec<u8>>>,
}

impl MemorySecretStore {
    fn map(&self) -> std::sync::MutexGuard<'_, HashMap<String, Vec<u8>>> {
        self.values.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl SecretStore for MemorySecretStore {
    fn get(&self, key: &str) -> Result<Option<Vec<u8>>, SecretStoreError> {
        Ok(self.map().get(key).cloned())
    }

    fn put(&self, key: &str, value: &[u8]) -> Result<(), SecretStoreError> {
        self.map().insert(key.to_string(), value.to_vec());
        Ok(())
    }

    fn delete(&self, key: &str) -> Result<(), SecretStoreError> {
        self.map().remove(key);
        Ok(())
    }
}
