//! What each record of `clients.dat` does to the clients the server recovers
//! (`recoverClients`), and each record of a channel's `subs.dat` to its
//! subscriptions (`recoverSubscriptions`, both in the server's file store):
//! the one replay the reader, `check` and salvage share. Each decodes the
//! records and handles damage its own way.

use std::collections::{BTreeMap, BTreeSet};

use super::record::{SUB_MSG, SUB_UPDATE};
use crate::model::Client;
use crate::proto::{self, ClientDelete, ClientInfo, SubState, SubStateUpdate};

/// The clients of `clients.dat`, by id, record after record.
#[derive(Default)]
pub struct ClientsReplay {
    clients: BTreeMap<String, Client>,
}

impl ClientsReplay {
    /// A `CLIENT_ADD` record: a client added again replaces the earlier one.
    pub fn add(&mut self, info: ClientInfo) {
        let client = Client::from(info);
        self.clients.insert(client.id.clone(), client);
    }

    /// A `CLIENT_DELETE` record; ignored for an unknown client.
    pub fn delete(&mut self, del: &ClientDelete) {
        self.clients.remove(&proto::text(&del.id));
    }

    /// The clients left, by id.
    pub fn finish(self) -> BTreeMap<String, Client> {
        self.clients
    }
}

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

#[cfg(test)]
mod tests {
    use super::*;

    fn info(id: &str, inbox: &str) -> ClientInfo {
        ClientInfo {
            id: id.as_bytes().to_vec(),
            hb_inbox: inbox.as_bytes().to_vec(),
            ..Default::default()
        }
    }

    fn del(id: &str) -> ClientDelete {
        ClientDelete {
            id: id.as_bytes().to_vec(),
        }
    }

    /// Added again replaces, a delete removes, a delete of an unknown client
    /// changes nothing, and a client deleted then added is back.
    #[test]
    fn clients_replay() {
        let mut r = ClientsReplay::default();
        r.add(info("a", "in.1"));
        r.add(info("b", "in.2"));
        r.add(info("a", "in.3"));
        r.delete(&del("b"));
        r.delete(&del("nobody"));
        r.add(info("c", "in.4"));
        r.delete(&del("c"));
        r.add(info("c", "in.5"));
        let clients = r.finish();
        let seen: Vec<(&str, &str)> = clients
            .values()
            .map(|c| (c.id.as_str(), c.hb_inbox.as_str()))
            .collect();
        assert_eq!(seen, [("a", "in.3"), ("c", "in.5")]);
    }
}
