//! The sync account in the store (`meta`): the server and member this device syncs as (the
//! bearer token is in the app's secret store, never here), an enrolment whose answer may not
//! have arrived, and this device's push registration.

use super::{get, tx_get, tx_put, Store, StoreError, Tree};
use crate::wallet::{self};
use serde::{Deserialize, Serialize};

const KEY_ACCOUNT: &[u8] = b"sync_account";
const KEY_PENDING_ENROLMENT: &[u8] = b"sync_pending_enrolment";
const KEY_PUSH: &[u8] = b"sync_push_registration";
const KEY_PUSH_UNSENT: &[u8] = b"sync_push_registration_unsent";

/// Which push service a device token belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PushPlatform {
    /// Firebase Cloud Messaging.
    Android,
    /// Apple Push Notification service.
    Ios,
}

/// This device's push token, registered with the server by the sync. `Debug` hides the token.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PushRegistration {
    pub platform: PushPlatform,
    pub token: String,
}

impl std::fmt::Debug for PushRegistration {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PushRegistration")
            .field("platform", &self.platform)
            .field("token", &"<redacted>")
            .finish()
    }
}

/// Where this device syncs, and as whom (no secret: the token is in the secret store).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SyncAccount {
    pub base_url: String,
    pub member_id: String,
}

/// An enrolment that may have reached the server without its answer being stored here: the
/// Idempotency-Key it is sent with, kept from before the first attempt until the device is
/// signed in, so that every retry — within one attempt to enrol, or after the app was killed —
/// gets the member the first request created instead of a second one. Valid for one server and
/// one display name. `Debug` shows neither the key nor the name.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PendingEnrolment {
    pub base_url: String,
    pub key: String,
    pub display_name: Option<String>,
}

impl std::fmt::Debug for PendingEnrolment {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PendingEnrolment")
            .field("base_url", &self.base_url)
            .field("key", &"<redacted>")
            .field(
                "display_name",
                &self.display_name.as_ref().map(|_| "<redacted>"),
            )
            .finish()
    }
}

impl Store {
    pub fn sync_account(&self) -> Result<Option<SyncAccount>, StoreError> {
        self.with(|o| get(o.tree(Tree::Meta), KEY_ACCOUNT))
    }

    pub fn set_sync_account(&self, account: &SyncAccount) -> Result<(), StoreError> {
        let _w = self.writer();
        self.transact(&[Tree::Meta], |t| tx_put(&t[0], KEY_ACCOUNT, account))
    }

    /// Signs the device in: stores the account and forgets the pending enrolment, in one
    /// transaction (a crash leaves either both as they were, or the device signed in).
    ///
    /// A push token this device has is queued again: the server keeps one per session.
    pub fn sign_in(&self, account: &SyncAccount) -> Result<(), StoreError> {
        let _w = self.writer();
        self.transact(&[Tree::Meta], |t| {
            tx_put(&t[0], KEY_ACCOUNT, account)?;
            t[0].remove(KEY_PENDING_ENROLMENT)?;
            if let Some(push) = t[0].get(KEY_PUSH)? {
                t[0].insert(KEY_PUSH_UNSENT, &push)?;
            }
            Ok(())
        })
    }

    /// Keeps this device's push token and queues it for the server (unless it is the one
    /// already registered).
    pub fn set_push_registration(&self, push: &PushRegistration) -> Result<(), StoreError> {
        let _w = self.writer();
        self.transact(&[Tree::Meta], |t| {
            let current: Option<PushRegistration> = tx_get(&t[0], KEY_PUSH)?;
            let queued = t[0].get(KEY_PUSH_UNSENT)?.is_some();
            if current.as_ref() != Some(push) || queued {
                tx_put(&t[0], KEY_PUSH, push)?;
                tx_put(&t[0], KEY_PUSH_UNSENT, push)?;
            }
            Ok(())
        })
    }

    /// The push token the server has not been given yet.
    pub fn push_registration_unsent(&self) -> Result<Option<PushRegistration>, StoreError> {
        self.with(|o| get(o.tree(Tree::Meta), KEY_PUSH_UNSENT))
    }

    /// The server has `push`: unqueue it, unless another token was set meanwhile.
    pub fn push_registration_sent(&self, push: &PushRegistration) -> Result<(), StoreError> {
        let _w = self.writer();
        self.transact(&[Tree::Meta], |t| {
            let queued: Option<PushRegistration> = tx_get(&t[0], KEY_PUSH_UNSENT)?;
            if queued.as_ref() == Some(push) {
                t[0].remove(KEY_PUSH_UNSENT)?;
            }
            Ok(())
        })
    }

    /// The enrolment kept from an attempt that was not completed, if any.
    pub fn pending_enrolment(&self) -> Result<Option<PendingEnrolment>, StoreError> {
        self.with(|o| get(o.tree(Tree::Meta), KEY_PENDING_ENROLMENT))
    }

    /// The enrolment to send to `base_url` for `display_name`: the pending one when it is for
    /// the same server and name, else a new one with a fresh key (a UUID v4) that replaces it.
    /// Stored (and flushed) before it is returned, so the key outlives a crash of the app.
    pub fn begin_enrolment(
        &self,
        base_url: &str,
        display_name: Option<&str>,
    ) -> Result<PendingEnrolment, StoreError> {
        let _w = self.writer();
        if let Some(pending) = self.pending_enrolment()? {
            if pending.base_url == base_url && pending.display_name.as_deref() == display_name {
                return Ok(pending);
            }
        }
        let pending = PendingEnrolment {
            base_url: base_url.to_string(),
            key: wallet::new_idempotency_key(),
            display_name: display_name.map(str::to_string),
        };
        self.transact(&[Tree::Meta], |t| {
            tx_put(&t[0], KEY_PENDING_ENROLMENT, &pending)
        })?;
        Ok(pending)
    }
}
