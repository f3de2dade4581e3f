//! What every part of one client stands on: the store, the injected clock, the app's secret
//! store, the programme rules and the one runtime. The facade ([`crate::LoyaltyClient`]) and the
//! sync both take a `&Context`; neither reaches the other through it.

use crate::card::{self, MemberCard, TotpParams};
use crate::clock::Clock;
use crate::points::ProgrammeRules;
use crate::reminders::ReceiptIndex;
use crate::runtime::Runtime;
use crate::secrets::{SecretStore, SecretStoreError};
use crate::store::{Store, StoreError};
use chrono::{DateTime, Utc};
use loyalty_domain::error::{ApiResult, LoyaltyError};
use std::path::Path;
use std::sync::{Arc, Mutex};

/// Where the member card's TOTP secret lives in the app's secret store.
pub const CARD_SECRET_KEY: &str = "loyalty-core.card.totp-secret";

/// Written in the data directory once the server has confirmed that the account is erased, and
/// removed when the device is wiped: a client opened while it is there finishes the wipe first
/// (the app was killed in between).
pub const ERASING_FILE_NAME: &str = "loyalty-core.erasing";

pub(crate) struct Context {
    pub(crate) store: Store,
    pub(crate) clock: Arc<dyn Clock>,
    pub(crate) rules: ProgrammeRules,
    pub(crate) secrets: Option<Arc<dyn SecretStore>>,
    /// The client's one runtime (created lazily at first use).
    pub(crate) runtime: Runtime,
    /// The receipts indexed for the reminder engine: built at the first plan, then kept up to
    /// date as receipts are added, and dropped when a sync changes them, so a new plan does not
    /// re-read the whole history.
    pub(crate) reminder_index: Mutex<Option<ReceiptIndex>>,
}

impl Context {
    pub(crate) fn new(
        store: Store,
        rules: ProgrammeRules,
        clock: Arc<dyn Clock>,
        secrets: Option<Arc<dyn SecretStore>>,
    ) -> Self {
        Self {
            store,
            clock,
            rules,
            secrets,
            runtime: Runtime::new(),
            reminder_index: Mutex::new(None),
        }
    }

    pub(crate) fn now(&self) -> DateTime<Utc> {
        self.clock.now()
    }

    /// Runs `f` with the receipts indexed for the reminder engine, building the index from the
    /// store first when there is none. Holding the index's lock while a receipt is stored (see
    /// the receipts API and the sync) keeps a reader from seeing the new receipt in the store
    /// but not yet in the index.
    pub(crate) fn with_reminder_index<T>(
        &self,
        f: impl FnOnce(&ReceiptIndex) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let mut index = self
            .reminder_index
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        let index = match index.as_mut() {
            Some(index) => index,
            None => index.insert(ReceiptIndex::from_receipts(&self.store.receipts()?)),
        };
        f(index)
    }

    /// Stores a member card: its secret in the secret store, the rest in the database. Replaces
    /// an earlier card. Used by the card API (a card issued at enrolment) and by the sync (the
    /// card fetched after signing in).
    pub(crate) fn keep_member_card(
        &self,
        card_number: &str,
        secret: &[u8],
        params: TotpParams,
    ) -> ApiResult<MemberCard> {
        let card = MemberCard {
            card_number: card_number.to_string(),
            params,
            enrolled_at: self.now(),
        };
        card.validate()?;
        card::validate_secret(secret)?;
        self.card_secrets()?
            .put(CARD_SECRET_KEY, secret)
            .map_err(secret_store_failed)?;
        self.store.set_member_card(&card)?;
        Ok(card)
    }

    /// The secret store, which the member card needs.
    pub(crate) fn card_secrets(&self) -> ApiResult<&Arc<dyn SecretStore>> {
        self.secrets
            .as_ref()
            .ok_or_else(|| LoyaltyError::InvalidInput {
                reason: "no secure storage was given to the client: the card secret needs one"
                    .into(),
            })
    }
}

impl Context {
    /// Wipes the device after the server confirmed the account's erasure: the database (a new,
    /// empty one takes its place) and the secrets under `secret_keys`. The marker file goes first
    /// and last, so a kill in between is finished at the next open ([`finish_erasure`]).
    pub(crate) fn erase_device(&self, secret_keys: &[&str]) -> ApiResult<()> {
        let dir = self.store.data_dir().to_path_buf();
        write_marker(&dir)?;
        self.store.erase()?;
        *self
            .reminder_index
            .lock()
            .unwrap_or_else(|e| e.into_inner()) = None;
        delete_secrets(self.secrets.as_deref(), secret_keys)?;
        remove_marker(&dir)
    }
}

/// At open, before the store: finishes a wipe that a kill interrupted (the marker is there).
/// Returns whether there was one.
pub(crate) fn finish_erasure(
    data_dir: &Path,
    secrets: Option<&dyn SecretStore>,
    secret_keys: &[&str],
) -> ApiResult<bool> {
    if !data_dir.join(ERASING_FILE_NAME).exists() {
        return Ok(false);
    }
    Store::remove_files(data_dir)?;
    delete_secrets(secrets, secret_keys)?;
    remove_marker(data_dir)?;
    Ok(true)
}

fn delete_secrets(secrets: Option<&dyn SecretStore>, keys: &[&str]) -> ApiResult<()> {
    if let Some(store) = secrets {
        for key in keys {
            store.delete(key).map_err(secret_store_failed)?;
        }
    }
    Ok(())
}

fn erasure_io(e: std::io::Error) -> LoyaltyError {
    LoyaltyError::Storage {
        reason: format!("cannot record the account's erasure: {}", e.kind()),
    }
}

fn write_marker(dir: &Path) -> ApiResult<()> {
    use std::io::Write;
    let mut f = std::fs::File::create(dir.join(ERASING_FILE_NAME)).map_err(erasure_io)?;
    f.write_all(b"the server erased this account; the device is wiped at the next open\n")
        .and_then(|_| f.sync_all())
        .map_err(erasure_io)?;
    sync_dir(dir);
    Ok(())
}

fn remove_marker(dir: &Path) -> ApiResult<()> {
    match std::fs::remove_file(dir.join(ERASING_FILE_NAME)) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(erasure_io(e)),
        _ => {
            sync_dir(dir);
            Ok(())
        }
    }
}

fn sync_dir(dir: &Path) {
    if let Ok(d) = std::fs::File::open(dir) {
        let _ = d.sync_all();
    }
}

pub(crate) fn secret_store_failed(_: SecretStoreError) -> LoyaltyError {
    // The app's own reason may name its keystore entries; keep it out of the error.
    LoyaltyError::Storage {
        reason: "secure storage failed".into(),
    }
}
