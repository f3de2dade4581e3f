//! A file-backed [`SecretStore`] for the developer tool: `secrets.json` in the data directory,
//! readable and writable by the owner only (mode 0600 on Unix), secrets as hex.
//!
//! This is for the terminal tool and tests. The apps keep the card secret in the platform
//! keystore (Android Keystore, iOS Keychain) through their own `SecretStore`; a plain file is no
//! place for it on a phone.

use loyalty_core::card::{hex_decode, hex_encode};
use loyalty_core::secrets::{SecretStore, SecretStoreError};
use std::collections::BTreeMap;
use std::io::Write;
use std::path::PathBuf;
use std::sync::Mutex;

pub struct FileSecretStore {
    path: PathBuf,
    lock: Mutex<()>,
}

fn fail(reason: &str) -> SecretStoreError {
    SecretStoreError {
        reason: reason.into(),
    }
}

impl FileSecretStore {
    pub fn new(path: PathBuf) -> Self {
        FileSecretStore {
            path,
            lock: Mutex::new(()),
        }
    }

    fn load(&self) -> Result<BTreeMap<String, String>, SecretStoreError> {
        match std::fs::read(&self.path) {
            Ok(bytes) => serde_json::from_slice(&bytes)
                .map_err(|_| fail("the secrets file of the data directory is damaged")),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(BTreeMap::new()),
            Err(_) => Err(fail(
                "the secrets file of the data directory cannot be read",
            )),
        }
    }

    fn save(&self, map: &BTreeMap<String, String>) -> Result<(), SecretStoreError> {
        let dir = self
            .path
            .parent()
            .ok_or_else(|| fail("the secrets file has no directory"))?;
        std::fs::create_dir_all(dir).map_err(|_| fail("cannot create the data directory"))?;
        let data = serde_json::to_vec_pretty(map).map_err(|_| fail("cannot encode secrets"))?;
        let cannot = |_| fail("cannot write the secrets file");
        // NamedTempFile is created with mode 0600 on Unix; the rename keeps it.
        let mut tmp = tempfile::NamedTempFile::new_in(dir).map_err(cannot)?;
        tmp.write_all(&data).map_err(cannot)?;
        tmp.as_file().sync_all().map_err(cannot)?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            tmp.as_file()
                .set_permissions(std::fs::Permissions::from_mode(0o600))
                .map_err(cannot)?;
        }
        tmp.persist(&self.path).map_err(|e| cannot(e.error))?;
        Ok(())
    }

    fn guard(&self) -> std::sync::MutexGuard<'_, ()> {
        self.lock.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl SecretStore for FileSecretStore {
    fn get(&self, key: &str) -> Result<Option<Vec<u8>>, SecretStoreError> {
        let _g = self.guard();
        match self.load()?.get(key) {
            None => Ok(None),
            Some(hex) => hex_decode(hex)
                .map(Some)
                .map_err(|_| fail("the secrets file of the data directory is damaged")),
        }
    }

    fn put(&self, key: &str, value: &[u8]) -> Result<(), SecretStoreError> {
        let _g = self.guard();
        let mut map = self.load()?;
        map.insert(key.to_string(), hex_encode(value));
        self.save(&map)
    }

    fn delete(&self, key: &str) -> Result<(), SecretStoreError> {
        let _g = self.guard();
        let mut map = self.load()?;
        if map.remove(key).is_some() {
            self.save(&map)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stores_secrets_owner_only() {
        let dir = tempfile::tempdir().unwrap();
        let store = FileSecretStore::new(dir.path().join("secrets.json"));
        assert_eq!(store.get("k").unwrap(), None);
        store.put("k", &[1, 2, 255]).unwrap();
        assert_eq!(store.get("k").unwrap(), Some(vec![1, 2, 255]));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(dir.path().join("secrets.json"))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        store.delete("k").unwrap();
        assert_eq!(store.get("k").unwrap(), None);
        std::fs::write(dir.path().join("secrets.json"), b"{").unwrap();
        assert!(store.get("k").is_err());
    }
}
