//! The member's premium membership as the server last said (meta key `membership`): read
//! offline by the facade, which decides with its injected clock whether it is active.

use super::{get, tx_get, tx_put, Store, StoreError, Tree};
use crate::membership::Membership;

/// Meta key: the membership record from the last `GET /v1/me`.
pub(crate) const KEY_MEMBERSHIP: &[u8] = b"membership";

impl Store {
    pub fn membership(&self) -> Result<Option<Membership>, StoreError> {
        self.with(|o| get(o.tree(Tree::Meta), KEY_MEMBERSHIP))
    }

    /// Takes the server's record (`None`: no membership, or cancelled). Whether it changed.
    pub fn apply_server_membership(
        &self,
        membership: Option<&Membership>,
    ) -> Result<bool, StoreError> {
        let _w = self.writer();
        self.transact(&[Tree::Meta], |t| {
            let old = tx_get::<Membership>(&t[0], KEY_MEMBERSHIP)?;
            if old.as_ref() == membership {
                return Ok(false);
            }
            match membership {
                Some(m) => tx_put(&t[0], KEY_MEMBERSHIP, m)?,
                None => {
                    t[0].remove(KEY_MEMBERSHIP)?;
                }
            }
            Ok(true)
        })
    }
}
