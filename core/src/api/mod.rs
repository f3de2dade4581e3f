//! The public facade: one [`LoyaltyClient`] opened on a data directory with an injected clock,
//! and its sub-APIs, one file each: [`PointsApi`], [`WalletApi`], [`ReceiptsApi`], [`CardApi`],
//! [`RemindersApi`], [`ListApi`], [`OffersApi`], [`MembershipApi`], [`SurveysApi`], [`SyncApi`]. Each method validates, calls the store, the domain or the sync,
//! and maps the error: every error is an [`LoyaltyError`] ([`error`] holds the one map).

mod card;
pub mod error;
mod list;
mod membership;
mod offers;
mod points;
mod receipts;
mod reminders;
mod surveys;
mod sync;
mod wallet;

pub use crate::context::{CARD_SECRET_KEY, ERASING_FILE_NAME};
pub use card::{CardApi, CombinedTillCard, TillCard};
pub use error::{ApiResult, LoyaltyError};
pub use list::{ListApi, MAX_USUAL};
pub use membership::{MembershipApi, MembershipState};
pub use offers::OffersApi;
pub use points::PointsApi;
pub use receipts::{ClaimScan, ReceiptsApi, WarrantyItem};
pub use reminders::RemindersApi;
pub use surveys::{SurveyAnswered, SurveyItem, SurveysApi};
pub use sync::SyncApi;
pub use wallet::{Redemption, WalletApi};

use crate::clock::Clock;
use crate::context::Context;
use crate::points::ProgrammeRules;
use crate::runtime::TaskHandle;
use crate::secrets::SecretStore;
use crate::store::{Store, StoreError, Topic};
use crate::sync::SyncService;
use std::path::Path;
use std::sync::Arc;

/// The loyalty core of one shopper on one device.
#[derive(Clone)]
pub struct LoyaltyClient {
    ctx: Arc<Context>,
    sync: Arc<SyncService>,
}

impl std::fmt::Debug for LoyaltyClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LoyaltyClient").finish_non_exhaustive()
    }
}

impl LoyaltyClient {
    /// Opens (or creates) the shopper's data in `data_dir`. `secrets` holds the card secret
    /// (the platform keystore); without one, card enrolment is refused.
    pub fn open(
        data_dir: impl AsRef<Path>,
        rules: ProgrammeRules,
        clock: Arc<dyn Clock>,
        secrets: Option<Arc<dyn SecretStore>>,
    ) -> ApiResult<Self> {
        rules.validate()?;
        // The server erased the account and the app was killed before the wipe ended: end it.
        crate::context::finish_erasure(
            data_dir.as_ref(),
            secrets.as_deref(),
            &crate::sync::ACCOUNT_SECRET_KEYS,
        )?;
        let store = Store::open(data_dir.as_ref())?;
        Ok(Self {
            ctx: Arc::new(Context::new(store, rules, clock, secrets)),
            sync: Arc::new(SyncService::new()),
        })
    }

    pub fn reminders(&self) -> RemindersApi {
        RemindersApi {
            ctx: self.ctx.clone(),
        }
    }

    /// The shopping list: usual items, the shopper's own items, checked off, bought.
    pub fn list(&self) -> ListApi {
        ListApi {
            ctx: self.ctx.clone(),
        }
    }

    pub fn card(&self) -> CardApi {
        CardApi {
            ctx: self.ctx.clone(),
        }
    }

    pub fn points(&self) -> PointsApi {
        PointsApi {
            ctx: self.ctx.clone(),
        }
    }

    pub fn wallet(&self) -> WalletApi {
        WalletApi {
            ctx: self.ctx.clone(),
        }
    }

    /// The member's offers: list, activate (offline), preview on a basket.
    pub fn offers(&self) -> OffersApi {
        OffersApi {
            ctx: self.ctx.clone(),
        }
    }

    /// The premium membership the retailer recorded: status, renewal, benefits (offline).
    pub fn membership(&self) -> MembershipApi {
        MembershipApi {
            ctx: self.ctx.clone(),
        }
    }

    /// Surveys and votes of the `surveys` feed: list, answer (offline, once).
    pub fn surveys(&self) -> SurveysApi {
        SurveysApi {
            ctx: self.ctx.clone(),
        }
    }

    pub fn receipts(&self) -> ReceiptsApi {
        ReceiptsApi {
            ctx: self.ctx.clone(),
        }
    }

    /// Sync with the retailer's server: enrolment, `sync_now`, cancel, state listeners.
    pub fn sync(&self) -> SyncApi {
        SyncApi {
            ctx: self.ctx.clone(),
            service: self.sync.clone(),
        }
    }

    pub fn rules(&self) -> &ProgrammeRules {
        &self.ctx.rules
    }

    /// Writes everything to disk now (call when the app goes to the background).
    pub fn flush(&self) -> ApiResult<()> {
        Ok(self.ctx.store.flush()?)
    }

    /// Cancels syncs in flight, flushes and closes the database; every later call returns
    /// [`LoyaltyError::Closed`].
    pub fn close(&self) -> ApiResult<()> {
        self.sync.cancel_all();
        Ok(self.ctx.store.close()?)
    }

    /// The underlying store, for the cross-crate tests that inspect the database while the
    /// client is open (sync_e2e, support). Apps and tools read through the sub-APIs; the cli
    /// and the crash tests no longer call it; the tests that still do are the last users.
    #[doc(hidden)]
    pub fn store(&self) -> &Store {
        &self.ctx.store
    }
}

/// Runs a value listener on the client's runtime (see [`crate::watch`]).
fn watch<T>(
    ctx: &Arc<Context>,
    topic: Topic,
    read: impl Fn(&Context) -> Result<T, StoreError> + Send + Sync + 'static,
    listener: Box<dyn Fn(T) + Send + Sync>,
) -> ApiResult<TaskHandle>
where
    T: PartialEq + Clone + Send + 'static,
{
    let runtime = ctx.runtime.handle()?;
    Ok(crate::watch::spawn(ctx, &runtime, topic, read, listener)?)
}
