//! What each record of a channel's `subs.dat` does to the subscriptions the
//! server recovers (`recoverSubscriptions` in the server's file store): the
//! one replay the reader, `check` and salvage share. Each decodes the
//! records and handles damage its own way.

use std::collections::{BTreeMap, BTreeSet};

use super::record::{SUB_MSG, SUB_UPDATE};
use crate::proto::{SubState, SubStateUpdate};

/// A subscription as the replay leaves it.
pub struct ReplayedSub {
    pub state: SubState,
    /// Sequences sent and not acknowledged.
    pub pending: BTreeSet<u64>,
    /// Offset of its last new or update record.
    pub at: u64,
}

/// The subscriptions of one `subs.dat`, by id, record after record.
#[derive(Default)]
pub struct SubsReplay {
    subs: BTreeMap<u64, ReplayedSub>,
}

impl SubsReplay {
    /// A subscription state (a `SUB_NEW` or `SUB_UPDATE` record at
    /// `offset`): an update of a known subscription keeps its pending
    /// sequences; anything else starts it afresh.
    pub fn state(&mut self, rtype: u8, state: SubState, offset: u64) {
        match self.subs.get_mut(&state.id) {
            Some(sub) if rtype == SUB_UPDATE => {
                sub.state = state;
                sub.at = offset;
            }
            _ => {
                let sub = ReplayedSub {
                    state,
                    pending: BTreeSet::new(),
                    at: offset,
                };
                self.subs.insert(sub.state.id, sub);
            }
        }
    }

    /// A `SUB_DELETE` record.
    pub fn delete(&mut self, id: u64) {
        self.subs.remove(&id);
    }

    /// A message sent (`SUB_MSG`) or acknowledged (`SUB_ACK`) to a
    /// subscription; ignored for an unknown one.
    pub fn sent_or_acked(&mut self, rtype: u8, update: &SubStateUpdate) {
        if let Some(sub) = self.subs.get_mut(&update.id) {
            if rtype == SUB_MSG {
                sub.pending.insert(update.seqno);
                sub.state.last_sent = sub.state.last_sent.max(update.seqno);
            } else {
                sub.pending.remove(&update.seqno);
            }
        }
    }

    /// The subscriptions left, by id.
    pub fn finish(self) -> BTreeMap<u64, ReplayedSub> {
        self.subs
    }
}
