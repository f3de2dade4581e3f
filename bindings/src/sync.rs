//! Sync with the retailer's server through the bindings: enrolment, household devices, sync
//! now (async: Kotlin `suspend`, Swift `async`), cancellation, and sync-state listeners.

use crate::card::MemberCard;
use crate::error::{LoyaltyError, Result};
use crate::types::{st, OutboxItem};
use loyalty_core as core;
use loyalty_core::claim;
use loyalty_core::offers;
use loyalty_core::store::InvoiceRefusal;
use loyalty_core::sync as engine;
use std::sync::{Arc, Mutex};
use std::time::SystemTime;

#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum SyncPhase {
    /// Fetching the member card's secret (first sync after enrolment).
    Card,
    /// Sending offline work: redemptions and point claims.
    Outbox,
    Ledger,
    Vouchers,
    Receipts,
    /// The content feeds: reminder rules, recipes, post-purchase content, recalls.
    Content,
}

/// Which kind of error ended the last sync (the variants of `LoyaltyError`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum SyncErrorKind {
    InvalidInput,
    NotFound,
    Conflict,
    Storage,
    DatabaseCorrupt,
    Closed,
    Network,
    Unauthorized,
    Internal,
}

#[derive(Debug, Clone, PartialEq, Eq, uniffi::Enum)]
pub enum SyncStatus {
    Idle,
    Syncing {
        phase: SyncPhase,
    },
    /// `Network`: wait and retry; `Unauthorized`: sign in again.
    Failed {
        kind: SyncErrorKind,
        reason: String,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct SyncState {
    pub status: SyncStatus,
    pub signed_in: bool,
    pub last_synced_at: Option<SystemTime>,
    /// Offline work waiting for the server.
    pub pending_outbox: u32,
    /// Of those, items the server keeps refusing.
    pub stuck_outbox: u32,
}

impl From<engine::SyncState> for SyncState {
    fn from(s: engine::SyncState) -> Self {
        Self {
            status: match s.status {
                engine::SyncStatus::Idle => SyncStatus::Idle,
                engine::SyncStatus::Syncing { phase } => SyncStatus::Syncing {
                    phase: match phase {
                        engine::SyncPhase::Card => SyncPhase::Card,
                        engine::SyncPhase::Outbox => SyncPhase::Outbox,
                        engine::SyncPhase::Ledger => SyncPhase::Ledger,
                        engine::SyncPhase::Vouchers => SyncPhase::Vouchers,
                        engine::SyncPhase::Receipts => SyncPhase::Receipts,
                        engine::SyncPhase::Content => SyncPhase::Content,
                    },
                },
                engine::SyncStatus::Failed { error } => {
                    let (kind, reason) = match error {
                        LoyaltyError::InvalidInput { reason } => {
                            (SyncErrorKind::InvalidInput, reason)
                        }
                        LoyaltyError::NotFound { reason } => (SyncErrorKind::NotFound, reason),
                        LoyaltyError::Conflict { reason } => (SyncErrorKind::Conflict, reason),
                        LoyaltyError::Storage { reason } => (SyncErrorKind::Storage, reason),
                        LoyaltyError::DatabaseCorrupt { reason } => {
                            (SyncErrorKind::DatabaseCorrupt, reason)
                        }
                        LoyaltyError::Closed { reason } => (SyncErrorKind::Closed, reason),
                        LoyaltyError::Network { reason } => (SyncErrorKind::Network, reason),
                        LoyaltyError::Unauthorized { reason } => {
                            (SyncErrorKind::Unauthorized, reason)
                        }
                        LoyaltyError::Internal { reason } => (SyncErrorKind::Internal, reason),
                    };
                    SyncStatus::Failed { kind, reason }
                }
            },
            signed_in: s.signed_in,
            last_synced_at: s.last_synced_at.map(st),
            pending_outbox: s.pending_outbox,
            stuck_outbox: s.stuck_outbox,
        }
    }
}

/// What one sync did.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct SyncReport {
    /// Stopped by `cancel()`: what was applied before stays applied.
    pub cancelled: bool,
    pub outbox_resolved: u32,
    pub outbox_failed: u32,
    pub ledger_applied: u32,
    pub vouchers_applied: u32,
    pub receipts_applied: u32,
    /// The member's offers added, changed (activated, used) or removed by the server's list.
    pub offers_updated: u32,
    /// Settings the server was told about: a consent change, this device's push token.
    pub settings_sent: u32,
    /// Settings taken from the server: a consent changed on another device or on the web.
    pub settings_received: u32,
    /// Content feeds (reminder rules, recipes, post-purchase content, recalls) updated.
    pub content_updated: u32,
    /// Content feed versions refused, each with the reason; the previous version stays in use.
    pub content_rejected: Vec<String>,
    /// HTTP requests made, retries included.
    pub requests: u64,
    /// What to tell the shopper (text: `syncNoticeText(notice, language)`), oldest first.
    pub notices: Vec<SyncNotice>,
    /// The server confirmed the account's erasure: this device's data and secrets are wiped
    /// (show `accountText(Deleted, language)` and go back to the start screen).
    pub account_deleted: bool,
}

/// A text the apps show around account deletion and export.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum AccountText {
    DeleteTitle,
    DeleteBody,
    DeleteConfirm,
    DeleteCancel,
    DeletePending,
    Deleted,
    ExportTitle,
    ExportBody,
}

/// The text in `language` (BCP 47: `nl-BE`, `fr`, `en`; anything else reads as English).
#[uniffi::export]
pub fn account_text(kind: AccountText, language: String) -> String {
    use engine::AccountText as T;
    match kind {
        AccountText::DeleteTitle => T::DeleteTitle,
        AccountText::DeleteBody => T::DeleteBody,
        AccountText::DeleteConfirm => T::DeleteConfirm,
        AccountText::DeleteCancel => T::DeleteCancel,
        AccountText::DeletePending => T::DeletePending,
        AccountText::Deleted => T::Deleted,
        AccountText::ExportTitle => T::ExportTitle,
        AccountText::ExportBody => T::ExportBody,
    }
    .text(&language)
}

/// What a [`SyncNotice`] tells the shopper.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum SyncNoticeKind {
    /// A voucher redeemed offline here had already been redeemed on another device of the
    /// household: this redemption did not count.
    VoucherUsedElsewhere,
    /// A voucher redeemed offline here was refused by the server (expired, withdrawn).
    VoucherRefused,
    /// A receipt claimed here by its claim code was claimed first by another member: no points
    /// here. For the three receipt kinds the notice's `voucherId` is the receipt id and
    /// `voucherTitle` the store.
    ReceiptAlreadyClaimed,
    /// A receipt claimed here reached the server after its claim deadline.
    ReceiptClaimExpired,
    /// A receipt claimed here is not known to the retailer's server.
    ReceiptClaimUnknown,
    /// An offer activated here reached the server after it ended: not activated. For the
    /// offer kinds the notice's `voucherId` is the offer id and `voucherTitle` its English
    /// title (show the title in the shopper's language from `offers()`).
    OfferActivationExpired,
    /// An offer activated here is not known to the retailer's server.
    OfferActivationUnknown,
    /// A personal offer activated here is another member's.
    OfferActivationNotYours,
    /// An offer activated here was used up already.
    OfferActivationAlreadyUsed,
    /// An invoice asked here: the receipt was already invoiced to another company. For the
    /// three invoice kinds `voucherId` is the receipt id and `voucherTitle` its store (empty
    /// when the device does not hold the receipt).
    InvoiceOtherCompany,
    /// An invoice asked here: the receipt is not one of the member's.
    InvoiceUnknownReceipt,
    /// An invoice asked here: the server did not accept the company details.
    InvoiceInvalidCompany,
}

/// Something to tell the shopper after a sync; never carries a voucher code.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct SyncNotice {
    pub kind: SyncNoticeKind,
    pub voucher_id: String,
    pub voucher_title: String,
}

impl From<engine::SyncNotice> for SyncNotice {
    fn from(n: engine::SyncNotice) -> Self {
        Self {
            kind: match n.kind {
                engine::SyncNoticeKind::VoucherUsedElsewhere => {
                    SyncNoticeKind::VoucherUsedElsewhere
                }
                engine::SyncNoticeKind::VoucherRefused => SyncNoticeKind::VoucherRefused,
                engine::SyncNoticeKind::ReceiptNotClaimed(r) => match r {
                    claim::ClaimRefusal::AlreadyClaimed => SyncNoticeKind::ReceiptAlreadyClaimed,
                    claim::ClaimRefusal::Expired => SyncNoticeKind::ReceiptClaimExpired,
                    _ => SyncNoticeKind::ReceiptClaimUnknown,
                },
                engine::SyncNoticeKind::OfferNotActivated(r) => match r {
                    offers::OfferRefusal::Expired => SyncNoticeKind::OfferActivationExpired,
                    offers::OfferRefusal::Unknown => SyncNoticeKind::OfferActivationUnknown,
                    offers::OfferRefusal::NotYours => SyncNoticeKind::OfferActivationNotYours,
                    offers::OfferRefusal::AlreadyUsed => SyncNoticeKind::OfferActivationAlreadyUsed,
                },
                engine::SyncNoticeKind::InvoiceRefused(r) => match r {
                    InvoiceRefusal::OtherCompany => SyncNoticeKind::InvoiceOtherCompany,
                    InvoiceRefusal::UnknownReceipt => SyncNoticeKind::InvoiceUnknownReceipt,
                    InvoiceRefusal::InvalidCompany => SyncNoticeKind::InvoiceInvalidCompany,
                },
            },
            voucher_id: n.voucher_id,
            voucher_title: n.voucher_title,
        }
    }
}

/// The notice's text for the shopper in `language` (BCP 47: `nl-BE`, `fr`, `en`; anything else
/// reads as English).
#[uniffi::export]
pub fn sync_notice_text(notice: SyncNotice, language: String) -> String {
    engine::SyncNotice {
        kind: match notice.kind {
            SyncNoticeKind::VoucherUsedElsewhere => engine::SyncNoticeKind::VoucherUsedElsewhere,
            SyncNoticeKind::VoucherRefused => engine::SyncNoticeKind::VoucherRefused,
            SyncNoticeKind::ReceiptAlreadyClaimed => {
                engine::SyncNoticeKind::ReceiptNotClaimed(claim::ClaimRefusal::AlreadyClaimed)
            }
            SyncNoticeKind::ReceiptClaimExpired => {
                engine::SyncNoticeKind::ReceiptNotClaimed(claim::ClaimRefusal::Expired)
            }
            SyncNoticeKind::ReceiptClaimUnknown => {
                engine::SyncNoticeKind::ReceiptNotClaimed(claim::ClaimRefusal::Unknown)
            }
            SyncNoticeKind::OfferActivationExpired => {
                engine::SyncNoticeKind::OfferNotActivated(offers::OfferRefusal::Expired)
            }
            SyncNoticeKind::OfferActivationUnknown => {
                engine::SyncNoticeKind::OfferNotActivated(offers::OfferRefusal::Unknown)
            }
            SyncNoticeKind::OfferActivationNotYours => {
                engine::SyncNoticeKind::OfferNotActivated(offers::OfferRefusal::NotYours)
            }
            SyncNoticeKind::OfferActivationAlreadyUsed => {
                engine::SyncNoticeKind::OfferNotActivated(offers::OfferRefusal::AlreadyUsed)
            }
            SyncNoticeKind::InvoiceOtherCompany => {
                engine::SyncNoticeKind::InvoiceRefused(InvoiceRefusal::OtherCompany)
            }
            SyncNoticeKind::InvoiceUnknownReceipt => {
                engine::SyncNoticeKind::InvoiceRefused(InvoiceRefusal::UnknownReceipt)
            }
            SyncNoticeKind::InvoiceInvalidCompany => {
                engine::SyncNoticeKind::InvoiceRefused(InvoiceRefusal::InvalidCompany)
            }
        },
        voucher_id: notice.voucher_id,
        voucher_title: notice.voucher_title,
    }
    .text(&language)
}

impl From<engine::SyncReport> for SyncReport {
    fn from(r: engine::SyncReport) -> Self {
        Self {
            cancelled: r.cancelled,
            outbox_resolved: r.outbox_resolved,
            outbox_failed: r.outbox_failed,
            ledger_applied: r.ledger_applied,
            vouchers_applied: r.vouchers_applied,
            receipts_applied: r.receipts_applied,
            offers_updated: r.offers_updated,
            settings_sent: r.settings_sent,
            settings_received: r.settings_received,
            content_updated: r.content_updated,
            content_rejected: r.content_rejected,
            requests: r.requests,
            notices: r.notices.into_iter().map(Into::into).collect(),
            account_deleted: r.account_deleted,
        }
    }
}

/// The result of enrolling or joining a household.
#[derive(Clone, PartialEq, Eq, uniffi::Record)]
pub struct Enrolment {
    pub member_id: String,
    /// Adds another device to this membership; show it only on request. `null` after joining.
    pub household_code: Option<String>,
    /// The member card, enrolled with its secret (`null` until a sync could fetch it).
    pub card: Option<MemberCard>,
}

impl std::fmt::Debug for Enrolment {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Enrolment").finish_non_exhaustive()
    }
}

impl From<engine::Enrolment> for Enrolment {
    fn from(e: engine::Enrolment) -> Self {
        Self {
            member_id: e.member_id,
            household_code: e.household_code,
            card: e.card,
        }
    }
}

/// Which push service a device token belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum PushPlatform {
    /// Firebase Cloud Messaging.
    Android,
    /// Apple Push Notification service (the device token as hex).
    Ios,
}

impl From<PushPlatform> for engine::PushPlatform {
    fn from(p: PushPlatform) -> Self {
        match p {
            PushPlatform::Android => Self::Android,
            PushPlatform::Ios => Self::Ios,
        }
    }
}

/// Receives sync-state changes: the current state first, then each change. Called on a sync
/// thread with no lock held; return promptly.
#[uniffi::export(with_foreign)]
pub trait SyncStateListener: Send + Sync {
    fn on_state(&self, state: SyncState);
}

/// Keeps a listener registered until `cancel()` or until it is closed / garbage-collected.
#[derive(uniffi::Object)]
pub struct ListenerHandle {
    inner: Mutex<Option<core::TaskHandle>>,
}

impl ListenerHandle {
    pub(crate) fn wrap(handle: core::TaskHandle) -> Arc<Self> {
        Arc::new(Self {
            inner: Mutex::new(Some(handle)),
        })
    }
}

#[uniffi::export]
impl ListenerHandle {
    pub fn cancel(&self) {
        let handle = self.inner.lock().unwrap_or_else(|e| e.into_inner()).take();
        drop(handle);
    }
}

/// Sync with the retailer's server.
#[derive(uniffi::Object)]
pub struct SyncService {
    pub(crate) api: core::SyncApi,
}

#[uniffi::export]
impl SyncService {
    /// Enrols a new member at `base_url` (https, or http on loopback), stores the token in the
    /// secret store and enrols the member card.
    pub async fn enrol(&self, base_url: String, display_name: Option<String>) -> Result<Enrolment> {
        Ok(self.api.enrol(base_url, display_name).await?.into())
    }

    /// Adds this device to an existing membership with the household code of another device.
    pub async fn join_household(
        &self,
        base_url: String,
        household_code: String,
    ) -> Result<Enrolment> {
        Ok(self
            .api
            .join_household(base_url, household_code)
            .await?
            .into())
    }

    /// Sends offline work and pulls the ledger, vouchers and receipts.
    pub async fn sync_now(&self) -> Result<SyncReport> {
        Ok(self.api.sync_now().await?.into())
    }

    /// Signs this device out (the server forgets its token).
    pub async fn sign_out(&self) -> Result<()> {
        self.api.sign_out().await
    }

    /// Asks the server to delete the account and erase the shopper's data. Works offline: the
    /// request is kept in the outbox and sent first by the next sync; the device's data and
    /// secrets are wiped only once the server confirms (`SyncReport.accountDeleted`). Returns
    /// when the request was made (the waiting one's time when asked again).
    pub fn request_account_deletion(&self) -> Result<SystemTime> {
        Ok(st(self.api.request_account_deletion()?))
    }

    /// When the waiting request to delete the account was made, if one waits for a sync.
    pub fn account_deletion_requested_at(&self) -> Result<Option<SystemTime>> {
        Ok(self.api.account_deletion_requested_at()?.map(st))
    }

    /// Everything the server holds for the member, as one JSON document (online only).
    pub async fn export_account(&self) -> Result<String> {
        self.api.export_account().await
    }

    /// Stops a sync in flight promptly; what was applied stays applied.
    pub fn cancel(&self) {
        self.api.cancel()
    }

    pub fn state(&self) -> SyncState {
        self.api.state().into()
    }

    /// Registers a listener; keep the handle as long as it should be called.
    pub fn add_listener(
        &self,
        listener: Arc<dyn SyncStateListener>,
    ) -> Result<Arc<ListenerHandle>> {
        let handle = self
            .api
            .add_listener(Box::new(move |state| listener.on_state(state.into())))?;
        Ok(ListenerHandle::wrap(handle))
    }

    pub fn is_signed_in(&self) -> Result<bool> {
        self.api.is_signed_in()
    }

    /// Whom HTTPS trusts: exactly these certificates (DER) when any is given, the platform's
    /// default when empty (the OS trust store; the bundled Mozilla roots on Android). The Android
    /// facade hands the system's store (`AndroidCAStore`) at open. Returns how many are usable
    /// trust anchors; `InvalidInput` when certificates were given and none is.
    pub fn set_trust_anchors(&self, certificates: Vec<Vec<u8>>) -> Result<u32> {
        self.api.set_trust_anchors(certificates)
    }

    /// This device's push token; call whenever the platform gives a new one. The next sync
    /// registers it with the server (and again after each sign-in). Never logged.
    pub fn set_push_token(&self, platform: PushPlatform, token: String) -> Result<()> {
        self.api.set_push_token(platform.into(), &token)
    }

    /// The code that adds another device to this membership.
    pub fn household_code(&self) -> Result<Option<String>> {
        self.api.household_code()
    }

    /// Offline work waiting for the server (redemptions and point claims), oldest first.
    pub fn outbox(&self) -> Result<Vec<OutboxItem>> {
        Ok(self.api.outbox()?.into_iter().map(Into::into).collect())
    }
}

pub(crate) fn service(client: &core::LoyaltyClient) -> Arc<SyncService> {
    Arc::new(SyncService { api: client.sync() })
}
