//! A cluster node as a whole: messages from its file store, clients and
//! subscriptions from its Raft log and snapshot (docs/FORMAT.md 2.11, 7.7).

use super::NodeState;
use crate::error::Result;
use crate::model::{Client, ClusterInfo, Finding, Subscription};
use crate::store::{ReaderLayer, StoreReader};

pub struct NodeReader {
    store: Box<dyn StoreReader>,
    node: NodeState,
}

impl NodeReader {
    pub fn new(store: Box<dyn StoreReader>, node: NodeState) -> Self {
        NodeReader { store, node }
    }
}

impl ReaderLayer for NodeReader {
    fn inner(&self) -> &dyn StoreReader {
        self.store.as_ref()
    }

    fn inner_mut(&mut self) -> &mut dyn StoreReader {
        self.store.as_mut()
    }

    fn clients(&mut self) -> Result<Vec<Client>> {
        Ok(self.node.clients.clone())
    }

    fn subscriptions(&mut self, channel: &str) -> Result<Vec<Subscription>> {
        let mut subs: Vec<Subscription> = self
            .node
            .subscriptions
            .iter()
            .filter(|s| s.channel == channel)
            .cloned()
            .collect();
        subs.sort_by_key(|s| s.id);
        Ok(subs)
    }

    fn findings(&self) -> Vec<Finding> {
        let mut all = self.store.findings();
        all.extend(self.node.findings.iter().cloned());
        all
    }

    fn cluster(&self) -> Option<ClusterInfo> {
        Some(ClusterInfo {
            raft_dir: self.node.raft_dir.display().to_string(),
            node_id: self.node.node_id.clone(),
            peers: self.node.peers.clone(),
            last_index: self.node.last_index,
            last_term: self.node.last_term,
            snapshot_index: self.node.snapshot_index,
            commit_lower_bound: self.node.commit_lower_bound,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::MessageRange;
    use crate::store::Visit;
    use crate::test_util::StubReader;

    #[test]
    fn the_borrowed_message_walk_is_the_stores() {
        // A store with only the borrowed walk: its `messages` fails, so a
        // wrapper that falls back to the default walk shows up.
        let fast_only = StubReader {
            messages: None,
            walk_works: true,
            expired_tail: None,
        };
        let mut node = NodeReader::new(Box::new(fast_only), NodeState::default());
        let walked = StoreReader::walk(
            &mut node,
            "c",
            MessageRange::default(),
            Visit::Messages(&mut |_| Ok(())),
        );
        assert!(walked.is_ok(), "{walked:?}");
    }
}
