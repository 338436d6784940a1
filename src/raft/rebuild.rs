//! Rebuilding clients and subscriptions as a restarting node does
//! (docs/FORMAT.md 7.7): restore a snapshot, then apply `RaftOperation`s the way
//! a follower's FSM does (`raftFSM.Apply`, `processSub`, `subStore.Remove`,
//! `recoverOneSub`, ... in the Go server). Leader-only side effects (timers,
//! redelivery, moving pending messages between queue members) are absent:
//! their results arrive as later `SendAndAck` entries.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use super::pb::{
    op_type, start_position, ConnectRequest, RaftOperation, RaftSnapshot, SubSentAndAck,
    SubscriptionRequest, UnsubscribeRequest,
};
use crate::finding::{Code, Finding, Severity};
use crate::model::{Client, Subscription};
use crate::proto::{text, ClientInfo, SubState};

/// Why the server fails to restore a snapshot (it then tries an older one).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RestoreError {
    #[error("client {0:?} appears twice (register fails with \"invalid client id\")")]
    DuplicateClient(String),
}

#[derive(Debug, Clone)]
struct SubRec {
    chan: usize,
    state: SubState,
    pending: BTreeSet<u64>,
    /// Client that owned it when it was detached (`savedClientID`).
    last_owner: Vec<u8>,
    /// Queue group it was indexed in (Go's `qstate`).
    group: Option<Vec<u8>>,
}

#[derive(Debug, Clone, Default)]
struct Group {
    members: Vec<usize>,
    shadow: Option<usize>,
    last_sent: u64,
}

/// A channel incarnation.
#[derive(Debug, Clone)]
pub(crate) struct ChanRec {
    pub name: Vec<u8>,
    pub id: u64,
    pub alive: bool,
    /// Message range used for start positions (the store's, or the
    /// snapshot's updated by later `Publish` entries).
    pub first: u64,
    pub last: u64,
    pub in_store: bool,
    pub snapshot_range: Option<(u64, u64)>,
    /// Index of the entry that created it during the replay.
    pub created_at: Option<u64>,
    /// `nextSubID` (7.7.1).
    pub next_sub_id: u64,
    /// `RaftSubStore.maxSubID`: highest ID created by `CreateSub` during
    /// this run (snapshot subscriptions are not counted); gives the ID of a
    /// pre-v0.14.0 `Subscribe` entry that carries none.
    max_sub_id: u64,
    psubs: Vec<usize>,
    durables: HashMap<Vec<u8>, usize>,
    groups: BTreeMap<Vec<u8>, Group>,
    by_ack: HashMap<Vec<u8>, usize>,
    by_inbox: HashMap<Vec<u8>, usize>,
}

#[derive(Debug, Clone)]
struct ClientRec {
    info: ClientInfo,
    subs: Vec<usize>,
}

/// The rebuilt state of the node.
#[derive(Debug, Clone)]
pub(crate) struct Fsm {
    clients: BTreeMap<Vec<u8>, ClientRec>,
    subs: Vec<SubRec>,
    pub chans: Vec<ChanRec>,
    by_name: HashMap<Vec<u8>, usize>,
    pub findings: Vec<Finding>,
    /// No message store was given: snapshot channels are created instead of
    /// being checked against the store, and ranges are approximated.
    no_store: bool,
    /// Prefix of finding locations (the `raft.log` path).
    location: String,
}

/// Who last owned an offline durable or a shadow queue subscription.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct SubOwner {
    pub channel: String,
    pub id: u64,
    pub queue_group: String,
    pub durable_name: String,
    pub last_owner: String,
}

/// What `Fsm::output` returns.
pub(crate) struct Output {
    pub clients: Vec<Client>,
    pub subscriptions: Vec<Subscription>,
    pub last_owners: Vec<SubOwner>,
}

fn swap_remove(list: &mut Vec<usize>, si: usize) -> bool {
    match list.iter().position(|x| *x == si) {
        Some(i) => {
            list.swap_remove(i);
            true
        }
        None => false,
    }
}

/// Go's `durableKey`: `clientID + "-" + subject + "-" + durableName`.
fn durable_key(client: &[u8], subject: &[u8], durable: &[u8]) -> Vec<u8> {
    let mut k = Vec::with_capacity(client.len() + subject.len() + durable.len() + 2);
    k.extend_from_slice(client);
    k.push(b'-');
    k.extend_from_slice(subject);
    k.push(b'-');
    k.extend_from_slice(durable);
    k
}

impl Fsm {
    pub fn new(location: String, no_store: bool) -> Fsm {
        Fsm {
            clients: BTreeMap::new(),
            subs: Vec::new(),
            chans: Vec::new(),
            by_name: HashMap::new(),
            findings: Vec::new(),
            no_store,
            location,
        }
    }

    fn note(
        &mut self,
        code: Code,
        severity: Severity,
        index: Option<u64>,
        message: String,
        server: &str,
    ) {
        let location = match index {
            Some(i) => format!("{} entry {i}", self.location),
            None => self.location.clone(),
        };
        self.findings.push(Finding::described(
            code, severity, location, message, server,
        ));
    }

    /// Adds a channel that exists before the snapshot/replay (step 1).
    pub fn add_channel(&mut self, name: &[u8], id: u64, first: u64, last: u64, in_store: bool) {
        let ci = self.chans.len();
        self.chans.push(ChanRec {
            name: name.to_vec(),
            id,
            alive: true,
            first,
            last,
            in_store,
            snapshot_range: None,
            created_at: None,
            next_sub_id: 1,
            max_sub_id: 0,
            psubs: Vec::new(),
            durables: HashMap::new(),
            groups: BTreeMap::new(),
            by_ack: HashMap::new(),
            by_inbox: HashMap::new(),
        });
        self.by_name.insert(name.to_vec(), ci);
    }

    /// The live channel incarnations, by name.
    pub fn live_channels(&self) -> impl Iterator<Item = &ChanRec> {
        self.chans.iter().filter(|c| c.alive)
    }

    /// `lookupChannel`: by name, IDs 0 match anything.
    fn lookup_channel(&self, name: &[u8], id: u64) -> Option<usize> {
        let ci = *self.by_name.get(name)?;
        let c = &self.chans[ci];
        (id == 0 || c.id == 0 || c.id == id).then_some(ci)
    }

    /// `lookupOrCreateChannel`: `None` when the existing channel is a newer
    /// incarnation than `id` (the entry is ignored).
    fn lookup_or_create(&mut self, name: &[u8], id: u64, index: Option<u64>) -> Option<usize> {
        if let Some(&ci) = self.by_name.get(name) {
            let cid = self.chans[ci].id;
            if id == 0 || cid == 0 || cid == id {
                return Some(ci);
            }
            if cid > id {
                return None;
            }
            self.note(
                Code::RaftReplay,
                Severity::Info,
                index,
                format!(
                    "channel {:?} with ID {cid} replaced by a new incarnation with ID {id}",
                    text(name)
                ),
                "deletes the old channel (and its subscriptions) and creates the new one",
            );
            self.delete_channel(ci);
        }
        self.add_channel(name, id, 0, 0, false);
        let ci = self.chans.len() - 1;
        self.chans[ci].created_at = index;
        Some(ci)
    }

    fn delete_channel(&mut self, ci: usize) {
        self.chans[ci].alive = false;
        let name = self.chans[ci].name.clone();
        if self.by_name.get(&name) == Some(&ci) {
            self.by_name.remove(&name);
        }
    }

    fn sub_alive(&self, si: usize) -> bool {
        self.chans[self.subs[si].chan].alive
    }

    /// Restores a snapshot (7.7.3, `Restore`). An error means the server
    /// fails to restore this snapshot (it then tries an older one).
    pub fn restore_snapshot(&mut self, snap: &RaftSnapshot) -> Result<(), RestoreError> {
        for c in &snap.clients {
            if self.clients.contains_key(&c.id) {
                return Err(RestoreError::DuplicateClient(text(&c.id)));
            }
            self.clients.insert(
                c.id.clone(),
                ClientRec {
                    info: c.clone(),
                    subs: Vec::new(),
                },
            );
        }
        for cs in &snap.channels {
            // Why a snapshot channel is skipped, and what the server does.
            let found = match self.lookup_channel(&cs.channel, cs.channel_id) {
                Some(ci) => Ok(ci),
                None if self.no_store => self
                    .lookup_or_create(&cs.channel, cs.channel_id, None)
                    .ok_or(("is older than the node's channel of that name", "skips it")),
                None => Err((
                    "is not in the message store (or has another ID)",
                    "a restarting node ignores snapshot channels its store does not have",
                )),
            };
            let ci = match found {
                Ok(ci) => ci,
                Err((why, server)) => {
                    self.note(
                        Code::RaftSnapshot,
                        Severity::Info,
                        None,
                        format!(
                            "snapshot channel {:?} (ID {}) {why}; skipped",
                            text(&cs.channel),
                            cs.channel_id
                        ),
                        server,
                    );
                    continue;
                }
            };
            {
                let c = &mut self.chans[ci];
                c.snapshot_range = Some((cs.first, cs.last));
                if self.no_store {
                    c.first = cs.first;
                    c.last = cs.last;
                }
            }
            for ss in &cs.subscriptions {
                let state = ss.state.clone().unwrap_or_default();
                let id = state.id;
                self.recover_one_sub(ci, state, &ss.acks_pending);
                let c = &mut self.chans[ci];
                c.next_sub_id = c.next_sub_id.max(id.saturating_add(1));
            }
            let c = &mut self.chans[ci];
            c.next_sub_id = c.next_sub_id.max(cs.next_sub_id);
        }
        Ok(())
    }

    fn new_sub(&mut self, ci: usize, state: SubState, pending: BTreeSet<u64>) -> usize {
        self.subs.push(SubRec {
            chan: ci,
            state,
            pending,
            last_owner: Vec::new(),
            group: None,
        });
        self.subs.len() - 1
    }

    /// Makes a plain durable offline (`processOfflineSub`).
    fn make_offline(&mut self, ci: usize, si: usize) {
        let name = self.chans[ci].name.clone();
        let s = &mut self.subs[si];
        let key = durable_key(&s.state.client_id, &name, &s.state.durable_name);
        s.last_owner = std::mem::take(&mut s.state.client_id);
        self.chans[ci].durables.insert(key, si);
    }

    /// `recoverOneSub` for a snapshot subscription.
    fn recover_one_sub(&mut self, ci: usize, state: SubState, pending: &[u64]) {
        let pending: BTreeSet<u64> = pending.iter().copied().collect();
        let si = self.new_sub(ci, state, pending);
        let durable_sub = !self.subs[si].state.durable_name.is_empty();
        if durable_sub {
            self.subs[si].state.is_durable = true;
            if self.subs[si].state.is_closed {
                self.make_offline(ci, si);
                return;
            }
        }
        let client_id = self.subs[si].state.client_id.clone();
        let added = match self.clients.get_mut(&client_id) {
            Some(c) => {
                c.subs.push(si);
                true
            }
            None => false,
        };
        let s = &self.subs[si].state;
        if !(added || s.is_durable) {
            return;
        }
        if !added && !s.q_group.is_empty() && s.is_durable && !s.client_id.is_empty() {
            let msg = format!(
                "snapshot has a durable queue member of group {:?} (sub {}) whose client {:?} is gone: not recovered",
                text(&s.q_group),
                s.id,
                text(&s.client_id)
            );
            self.note(
                Code::RaftSnapshot,
                Severity::Info,
                None,
                msg,
                "does not recover this ghost durable queue subscriber",
            );
            return;
        }
        if durable_sub && !added {
            self.make_offline(ci, si);
        } else {
            self.update_state(ci, si);
        }
    }

    /// `subStore.updateState`: indexes a subscription in its channel.
    fn update_state(&mut self, ci: usize, si: usize) {
        let (qgroup, client_empty, last_sent, ack, inbox, durable) = {
            let s = &self.subs[si].state;
            (
                s.q_group.clone(),
                s.client_id.is_empty(),
                s.last_sent,
                s.ack_inbox.clone(),
                s.inbox.clone(),
                s.durable_name.clone(),
            )
        };
        let name = self.chans[ci].name.clone();
        let c = &mut self.chans[ci];
        if !qgroup.is_empty() {
            let g = c.groups.entry(qgroup.clone()).or_default();
            if client_empty {
                if g.shadow.is_none() || last_sent > g.last_sent {
                    g.shadow = Some(si);
                }
            } else {
                c.by_ack.insert(ack, si);
                c.by_inbox.insert(inbox, si);
                g.members.push(si);
            }
            g.last_sent = g.last_sent.max(last_sent);
            self.subs[si].group = Some(qgroup);
        } else {
            c.by_ack.insert(ack, si);
            c.by_inbox.insert(inbox, si);
            c.psubs.push(si);
            if !durable.is_empty() {
                let key = durable_key(&self.subs[si].state.client_id, &name, &durable);
                c.durables.insert(key, si);
            }
        }
    }

    /// `subStore.Remove` as run by a follower (no pending transfer).
    fn remove(&mut self, ci: usize, si: usize, unsubscribe: bool) {
        let name = self.chans[ci].name.clone();
        let (client_id, dkey, ack, inbox, is_durable, group) = {
            let s = &self.subs[si];
            let dkey = (!s.state.durable_name.is_empty())
                .then(|| durable_key(&s.state.client_id, &name, &s.state.durable_name));
            (
                s.state.client_id.clone(),
                dkey,
                s.state.ack_inbox.clone(),
                s.state.inbox.clone(),
                s.state.is_durable,
                s.group.clone(),
            )
        };
        {
            let s = &mut self.subs[si];
            s.last_owner = client_id;
            s.state.client_id.clear();
        }
        let c = &mut self.chans[ci];
        c.by_ack.remove(&ack);
        c.by_inbox.remove(&inbox);
        if unsubscribe {
            if let Some(k) = dkey {
                c.durables.remove(&k);
            }
        }
        if let Some(gname) = group {
            let Some(g) = c.groups.get_mut(&gname) else {
                return;
            };
            swap_remove(&mut g.members, si);
            let storage_update = if g.members.is_empty() {
                if !is_durable || unsubscribe {
                    c.groups.remove(&gname);
                    false
                } else {
                    g.shadow = Some(si);
                    true
                }
            } else {
                self.subs[si].state.last_sent == g.last_sent
            };
            if storage_update {
                if let Some(g) = c.groups.get(&gname) {
                    let target = g.shadow.or_else(|| g.members.first().copied());
                    if let Some(t) = target {
                        self.subs[t].state.last_sent = g.last_sent;
                    }
                }
            }
        } else {
            swap_remove(&mut c.psubs, si);
            if is_durable && !unsubscribe {
                self.subs[si].state.is_closed = true;
            }
        }
    }

    /// Applies one decoded operation (7.7.4).
    pub fn apply(&mut self, index: u64, op: &RaftOperation) {
        match op.op_type {
            op_type::PUBLISH => {
                let Some(batch) = op.publish_batch.as_ref() else {
                    self.note(
                        Code::RaftOperationInvalid,
                        Severity::Error,
                        Some(index),
                        "Publish operation without a batch".into(),
                        "panics (nil batch)",
                    );
                    return;
                };
                let Some(first) = batch.messages.first() else {
                    return;
                };
                let Some(ci) = self.lookup_or_create(&first.subject, op.channel_id, Some(index))
                else {
                    return;
                };
                let c = &mut self.chans[ci];
                for m in &batch.messages {
                    if m.sequence > c.last {
                        c.last = m.sequence;
                        if c.first == 0 {
                            c.first = m.sequence;
                        }
                    }
                }
            }
            op_type::CONNECT => match op.client_connect.as_ref().and_then(|c| c.request.as_ref()) {
                Some(req) => {
                    let refresh = op.client_connect.as_ref().is_some_and(|c| c.refresh);
                    self.connect(req, refresh);
                }
                None => self.note(
                    Code::RaftOperationInvalid,
                    Severity::Error,
                    Some(index),
                    "Connect operation without a request".into(),
                    "panics (nil request)",
                ),
            },
            op_type::DISCONNECT => {
                let id = op
                    .client_disconnect
                    .as_ref()
                    .map(|d| d.client_id.clone())
                    .unwrap_or_default();
                self.close_client(&id);
            }
            op_type::SUBSCRIBE => {
                let Some((req, add)) = op
                    .sub
                    .as_ref()
                    .and_then(|s| s.request.as_ref().map(|r| (r, s)))
                else {
                    self.note(
                        Code::RaftOperationInvalid,
                        Severity::Error,
                        Some(index),
                        "Subscribe operation without a request".into(),
                        "panics (nil request)",
                    );
                    return;
                };
                let Some(ci) = self.lookup_or_create(&req.subject, op.channel_id, Some(index))
                else {
                    self.note(
                        Code::RaftReplay,
                        Severity::Info,
                        Some(index),
                        format!(
                            "subscription on channel {:?} with an older channel ID {} ignored",
                            text(&req.subject),
                            op.channel_id
                        ),
                        "ignores it (wrong channel ID)",
                    );
                    return;
                };
                self.process_sub(index, ci, req, &add.ack_inbox, add.id);
            }
            op_type::REMOVE_SUBSCRIPTION | op_type::CLOSE_SUBSCRIPTION => {
                if let Some(u) = op.unsub.as_ref() {
                    self.unsubscribe(u, op.op_type == op_type::CLOSE_SUBSCRIPTION);
                } else {
                    self.note(
                        Code::RaftOperationInvalid,
                        Severity::Error,
                        Some(index),
                        "unsubscribe operation without a request".into(),
                        "panics (nil request)",
                    );
                }
            }
            op_type::SEND_AND_ACK => {
                if let Some(ssa) = op.sub_sent_ack.as_ref() {
                    self.sent_and_ack(ssa);
                }
            }
            op_type::DELETE_CHANNEL => {
                if let Some(ci) = self.lookup_channel(&op.channel, op.channel_id) {
                    self.delete_channel(ci);
                }
            }
            other => self.note(
                Code::RaftOperationInvalid,
                Severity::Error,
                Some(index),
                format!("unknown RaftOperation type {other}"),
                "panics (\"unknown op type\")",
            ),
        }
    }

    fn connect(&mut self, req: &ConnectRequest, refresh: bool) {
        if refresh {
            self.close_client(&req.client_id);
        }
        if self.clients.contains_key(&req.client_id) {
            return;
        }
        self.clients.insert(
            req.client_id.clone(),
            ClientRec {
                info: ClientInfo {
                    id: req.client_id.clone(),
                    hb_inbox: req.heartbeat_inbox.clone(),
                    conn_id: req.conn_id.clone(),
                    protocol: req.protocol,
                    ping_interval: req.ping_interval,
                    ping_max_out: req.ping_max_out,
                },
                subs: Vec::new(),
            },
        );
    }

    /// `closeClient`: detach every subscription, then unregister.
    fn close_client(&mut self, client_id: &[u8]) {
        let Some(c) = self.clients.get(client_id) else {
            return;
        };
        let subs = c.subs.clone();
        for si in subs {
            if self.sub_alive(si) {
                let ci = self.subs[si].chan;
                self.remove(ci, si, false);
            }
        }
        self.clients.remove(client_id);
    }

    fn unsubscribe(&mut self, req: &UnsubscribeRequest, is_close: bool) {
        let Some(&ci) = self.by_name.get(&req.subject) else {
            return;
        };
        let c = &self.chans[ci];
        let Some(si) = c
            .by_ack
            .get(&req.inbox)
            .or_else(|| c.by_inbox.get(&req.inbox))
            .copied()
        else {
            return;
        };
        let Some(client) = self.clients.get_mut(&req.client_id) else {
            return;
        };
        if !swap_remove(&mut client.subs, si) {
            return;
        }
        self.remove(ci, si, !is_close);
    }

    fn sent_and_ack(&mut self, ssa: &SubSentAndAck) {
        let ci = match self.by_name.get(&ssa.channel) {
            Some(&ci) => ci,
            None => {
                self.add_channel(&ssa.channel, 0, 0, 0, false);
                self.chans.len() - 1
            }
        };
        let Some(&si) = self.chans[ci].by_ack.get(&ssa.ack_inbox) else {
            return;
        };
        let group = self.subs[si].group.clone();
        let mut top = 0;
        {
            let s = &mut self.subs[si];
            for &seq in &ssa.sent {
                s.state.last_sent = s.state.last_sent.max(seq);
                top = top.max(seq);
                s.pending.insert(seq);
            }
            for seq in &ssa.ack {
                s.pending.remove(seq);
            }
        }
        if let Some(g) = group.and_then(|g| self.chans[ci].groups.get_mut(&g)) {
            g.last_sent = g.last_sent.max(top);
        }
    }

    /// `setSubStartSequence` against the channel's current range.
    fn start_last_sent(&mut self, index: u64, ci: usize, req: &SubscriptionRequest) -> u64 {
        let (first, last) = (self.chans[ci].first, self.chans[ci].last);
        match req.start_position {
            start_position::NEW_ONLY => last,
            start_position::LAST_RECEIVED => last.saturating_sub(1),
            start_position::TIME_DELTA_START => {
                self.note(
                    Code::RaftReplay,
                    Severity::Warning,
                    Some(index),
                    "subscription with a time-delta start position (pre-v0.10.2 log): its start is approximated as \"new only\"".into(),
                    "evaluates the start against its own clock and final store at restart",
                );
                last
            }
            start_position::FIRST => first.saturating_sub(1),
            start_position::SEQUENCE_START => {
                let s = req.start_sequence;
                if s < first {
                    first - 1
                } else if s > last {
                    last
                } else {
                    s.saturating_sub(1)
                }
            }
            _ => 0,
        }
    }

    /// `processSub` as applied by a follower.
    fn process_sub(
        &mut self,
        index: u64,
        ci: usize,
        req: &SubscriptionRequest,
        ack_inbox: &[u8],
        sub_id: u64,
    ) {
        let mut qgroup = req.q_group.clone();
        let mut durable = req.durable_name.clone();
        let mut is_durable = false;
        let mut set_start = true;
        let mut reuse: Option<usize> = None;
        if !qgroup.is_empty() {
            if !durable.is_empty() {
                if durable.contains(&b':') {
                    self.note(
                        Code::RaftReplay,
                        Severity::Info,
                        Some(index),
                        format!("durable queue name {:?} contains ':'", text(&durable)),
                        "rejects the subscription",
                    );
                    return;
                }
                is_durable = true;
                let mut g = durable.clone();
                g.push(b':');
                g.extend_from_slice(&qgroup);
                qgroup = g;
                durable.clear();
            }
            if let Some(g) = self.chans[ci].groups.get_mut(&qgroup) {
                if let Some(sh) = g.shadow.take() {
                    g.members.push(sh);
                    reuse = Some(sh);
                }
                set_start = false;
            }
        } else if !durable.is_empty() {
            let key = durable_key(&req.client_id, &self.chans[ci].name, &durable);
            if let Some(&si) = self.chans[ci].durables.get(&key) {
                if !self.subs[si].state.client_id.is_empty() {
                    // Duplicate durable registration: refused.
                    return;
                }
                set_start = false;
                reuse = Some(si);
            }
            is_durable = true;
        }

        if let Some(si) = reuse {
            {
                let s = &mut self.subs[si].state;
                s.ack_inbox = ack_inbox.to_vec();
                s.client_id = req.client_id.clone();
                s.inbox = req.inbox.clone();
                s.is_durable = true;
                s.max_in_flight = req.max_in_flight;
                s.ack_wait_in_secs = req.ack_wait_in_secs;
                s.is_closed = false;
            }
            match self.clients.get_mut(&req.client_id) {
                Some(c) => c.subs.push(si),
                None => {
                    self.note(
                        Code::RaftReplay,
                        Severity::Info,
                        Some(index),
                        format!(
                            "resumption of subscription {} by unknown client {:?}",
                            self.subs[si].state.id,
                            text(&req.client_id)
                        ),
                        "rejects it (unknown client) after partly updating the subscription",
                    );
                    self.remove(ci, si, false);
                    return;
                }
            }
            let c = &mut self.chans[ci];
            if !self.subs[si].state.durable_name.is_empty() {
                c.psubs.push(si);
            }
            c.by_ack.insert(ack_inbox.to_vec(), si);
            c.by_inbox.insert(req.inbox.clone(), si);
            return;
        }

        // A new subscription. 7.7.6: one the snapshot already contains.
        if let Some(&other) = self.chans[ci].by_ack.get(ack_inbox) {
            if sub_id != 0 && self.subs[other].state.id == sub_id {
                self.note(
                    Code::RaftReplay,
                    Severity::Warning,
                    Some(index),
                    format!(
                        "Subscribe for subscription {sub_id} on {:?} that already exists with the same ack inbox (snapshot taken after this entry): skipped",
                        text(&self.chans[ci].name)
                    ),
                    "creates a second subscription with the same ID and ack inbox",
                );
                return;
            }
        }
        if !self.clients.contains_key(&req.client_id) {
            // addSubscription fails; the undo path still drops the inbox
            // lookups (Remove of a never-added sub).
            let c = &mut self.chans[ci];
            c.by_ack.remove(ack_inbox);
            c.by_inbox.remove(&req.inbox);
            self.note(
                Code::RaftReplay,
                Severity::Info,
                Some(index),
                format!(
                    "subscription on {:?} for unknown client {:?} rejected",
                    text(&self.chans[ci].name),
                    text(&req.client_id)
                ),
                "rejects it (unknown client)",
            );
            return;
        }
        let last_sent = if set_start {
            self.start_last_sent(index, ci, req)
        } else {
            0
        };
        let id = if sub_id == 0 {
            self.chans[ci].max_sub_id.saturating_add(1)
        } else {
            sub_id
        };
        let state = SubState {
            id,
            client_id: req.client_id.clone(),
            q_group: qgroup,
            inbox: req.inbox.clone(),
            ack_inbox: ack_inbox.to_vec(),
            max_in_flight: req.max_in_flight,
            ack_wait_in_secs: req.ack_wait_in_secs,
            durable_name: durable,
            last_sent,
            is_durable,
            is_closed: false,
        };
        let si = self.new_sub(ci, state, BTreeSet::new());
        if let Some(c) = self.clients.get_mut(&req.client_id) {
            c.subs.push(si);
        }
        self.update_state(ci, si);
        let c = &mut self.chans[ci];
        c.max_sub_id = c.max_sub_id.max(id);
        if sub_id > 0 {
            c.next_sub_id = c.next_sub_id.max(sub_id.saturating_add(1));
        }
    }

    /// The state: clients sorted by ID; per channel (by name) online plain
    /// subscriptions, offline durables, queue members and shadows, in the
    /// file store's conventions (offline durable: last owner as client,
    /// `is_closed`; shadow: empty client), sorted by (channel, id).
    pub fn output(&self) -> Output {
        let clients = self
            .clients
            .values()
            .map(|c| Client::from(c.info.clone()))
            .collect();
        let mut subscriptions = Vec::new();
        let mut last_owners = Vec::new();
        let mut live: Vec<&ChanRec> = self.live_channels().collect();
        live.sort_by(|a, b| a.name.cmp(&b.name));
        for c in live {
            let channel = text(&c.name);
            let mut seen = BTreeSet::new();
            let mut emit = |si: usize, offline: bool| {
                if !seen.insert(si) {
                    return;
                }
                let rec = &self.subs[si];
                let mut s = Subscription::from_state(&channel, &rec.state);
                s.pending = rec.pending.iter().copied().collect();
                if offline {
                    if s.queue_group.is_empty() {
                        s.client_id = text(&rec.last_owner);
                        s.is_closed = true;
                        s.is_durable = true;
                    } else {
                        s.client_id.clear();
                    }
                    last_owners.push(SubOwner {
                        channel: channel.clone(),
                        id: s.id,
                        queue_group: s.queue_group.clone(),
                        durable_name: s.durable_name.clone(),
                        last_owner: text(&rec.last_owner),
                    });
                }
                subscriptions.push(s);
            };
            for &si in &c.psubs {
                emit(si, false);
            }
            let mut offline: Vec<usize> = c
                .durables
                .values()
                .copied()
                .filter(|&si| self.subs[si].state.client_id.is_empty())
                .collect();
            offline.sort_unstable();
            for si in offline {
                emit(si, true);
            }
            for g in c.groups.values() {
                for &si in &g.members {
                    emit(si, false);
                }
                if let Some(sh) = g.shadow {
                    emit(sh, true);
                }
            }
        }
        subscriptions.sort_by(|a, b| {
            (&a.channel, a.id, &a.queue_group, &a.client_id).cmp(&(
                &b.channel,
                b.id,
                &b.queue_group,
                &b.client_id,
            ))
        });
        last_owners.sort_by(|a, b| (&a.channel, a.id).cmp(&(&b.channel, b.id)));
        Output {
            clients,
            subscriptions,
            last_owners,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::pb::{
        AddClient, AddSubscription, ChannelSnapshot, CloseRequest, SubscriptionSnapshot,
    };
    use super::*;

    /// A node with channel "ch" (seqs 1-10) and client `id` connected.
    fn channel_with_client(id: &str) -> Fsm {
        let mut f = Fsm::new("t".into(), true);
        f.add_channel(b"ch", 0, 1, 10, false);
        connect(&mut f, id);
        f
    }

    fn connect(f: &mut Fsm, id: &str) {
        f.apply(
            1,
            &RaftOperation {
                op_type: op_type::CONNECT,
                client_connect: Some(AddClient {
                    request: Some(ConnectRequest {
                        client_id: id.into(),
                        heartbeat_inbox: format!("hb.{id}").into_bytes(),
                        protocol: 1,
                        ..Default::default()
                    }),
                    refresh: false,
                }),
                ..Default::default()
            },
        );
    }

    fn subscribe(f: &mut Fsm, client: &str, q: &str, durable: &str, ack: &str, id: u64) {
        f.apply(
            2,
            &RaftOperation {
                op_type: op_type::SUBSCRIBE,
                sub: Some(AddSubscription {
                    request: Some(SubscriptionRequest {
                        client_id: client.into(),
                        subject: b"ch".to_vec(),
                        q_group: q.into(),
                        inbox: format!("in.{ack}").into_bytes(),
                        max_in_flight: 10,
                        ack_wait_in_secs: 30,
                        durable_name: durable.into(),
                        start_position: start_position::SEQUENCE_START,
                        start_sequence: 1,
                        ..Default::default()
                    }),
                    ack_inbox: ack.into(),
                    id,
                }),
                ..Default::default()
            },
        );
    }

    fn sent(f: &mut Fsm, ack: &str, sent: &[u64], acked: &[u64]) {
        f.apply(
            3,
            &RaftOperation {
                op_type: op_type::SEND_AND_ACK,
                sub_sent_ack: Some(SubSentAndAck {
                    channel: b"ch".to_vec(),
                    ack_inbox: ack.into(),
                    sent: sent.to_vec(),
                    ack: acked.to_vec(),
                }),
                ..Default::default()
            },
        );
    }

    fn disconnect(f: &mut Fsm, id: &str) {
        f.apply(
            4,
            &RaftOperation {
                op_type: op_type::DISCONNECT,
                client_disconnect: Some(CloseRequest {
                    client_id: id.into(),
                }),
                ..Default::default()
            },
        );
    }

    #[test]
    fn durable_queue_group_leaves_a_shadow_and_is_rejoined() {
        let mut f = channel_with_client("a");
        connect(&mut f, "b");
        subscribe(&mut f, "a", "g", "d", "ack1", 1);
        subscribe(&mut f, "b", "g", "d", "ack2", 2);
        sent(&mut f, "ack1", &[1, 2], &[1]);
        sent(&mut f, "ack2", &[3], &[]);
        disconnect(&mut f, "a");
        let out = f.output();
        assert_eq!(out.subscriptions.len(), 1);
        assert_eq!(out.subscriptions[0].client_id, "b");
        assert_eq!(out.subscriptions[0].last_sent, 3);
        disconnect(&mut f, "b");
        let out = f.output();
        assert_eq!(out.subscriptions.len(), 1);
        let sh = &out.subscriptions[0];
        assert!(sh.is_shadow());
        assert_eq!(sh.queue_group, "d:g");
        assert_eq!(sh.last_sent, 3);
        assert_eq!(sh.pending, vec![3]);
        assert_eq!(out.last_owners[0].last_owner, "b");
        // Rejoin reuses the shadow (same ID, pending kept).
        connect(&mut f, "c");
        subscribe(&mut f, "c", "g", "d", "ack3", 9);
        let out = f.output();
        assert_eq!(out.subscriptions.len(), 1);
        assert_eq!(out.subscriptions[0].id, 2);
        assert_eq!(out.subscriptions[0].client_id, "c");
        assert_eq!(out.subscriptions[0].ack_inbox, "ack3");
        assert_eq!(out.subscriptions[0].pending, vec![3]);
    }

    #[test]
    fn durable_goes_offline_and_resumes() {
        let mut f = channel_with_client("a");
        subscribe(&mut f, "a", "", "dur", "ack1", 1);
        subscribe(&mut f, "a", "", "", "ack2", 2);
        sent(&mut f, "ack1", &[1, 2, 3], &[2]);
        disconnect(&mut f, "a");
        let out = f.output();
        assert_eq!(out.subscriptions.len(), 1);
        let d = &out.subscriptions[0];
        assert!(d.is_closed && d.is_durable);
        assert_eq!(d.client_id, "a");
        assert_eq!(d.pending, vec![1, 3]);
        connect(&mut f, "a");
        subscribe(&mut f, "a", "", "dur", "ack9", 7);
        let out = f.output();
        assert_eq!(out.subscriptions.len(), 1);
        let d = &out.subscriptions[0];
        assert_eq!((d.id, d.is_closed, d.last_sent), (1, false, 3));
        assert_eq!(d.ack_inbox, "ack9");
        // Duplicate registration is refused.
        subscribe(&mut f, "a", "", "dur", "ack10", 8);
        assert_eq!(f.output().subscriptions.len(), 1);
    }

    fn unsub(f: &mut Fsm, client: &str, ack: &str, close: bool) {
        f.apply(
            5,
            &RaftOperation {
                op_type: if close {
                    op_type::CLOSE_SUBSCRIPTION
                } else {
                    op_type::REMOVE_SUBSCRIPTION
                },
                unsub: Some(UnsubscribeRequest {
                    client_id: client.into(),
                    subject: b"ch".to_vec(),
                    inbox: ack.into(),
                    durable_name: Vec::new(),
                }),
                ..Default::default()
            },
        );
    }

    #[test]
    fn leaving_queue_member_hands_last_sent_to_the_first_member() {
        let mut f = Fsm::new("t".into(), true);
        f.add_channel(b"ch", 0, 1, 100, false);
        for c in ["a", "b", "c"] {
            connect(&mut f, c);
        }
        subscribe(&mut f, "a", "g", "", "ack1", 1);
        subscribe(&mut f, "b", "g", "", "ack2", 2);
        subscribe(&mut f, "c", "g", "", "ack3", 3);
        sent(&mut f, "ack1", &[1], &[1]);
        sent(&mut f, "ack2", &[2], &[2]);
        sent(&mut f, "ack3", &[3], &[3]);
        // Members [a, b, c]; c holds the group's last_sent. Its Close()
        // swaps nothing (last) and raises members[0] (a) to 3.
        unsub(&mut f, "c", "ack3", true);
        let out = f.output();
        let ls: Vec<(String, u64)> = out
            .subscriptions
            .iter()
            .map(|s| (s.client_id.clone(), s.last_sent))
            .collect();
        assert_eq!(ls, vec![("a".into(), 3), ("b".into(), 2)]);
        // Unsubscribing a member not attached to that client does nothing.
        unsub(&mut f, "b", "ack1", false);
        assert_eq!(f.output().subscriptions.len(), 2);
        // A non-durable group disappears with its last member.
        unsub(&mut f, "a", "ack1", false);
        unsub(&mut f, "b", "ack2", false);
        assert!(f.output().subscriptions.is_empty());
    }

    #[test]
    fn unsubscribed_durable_is_gone_closed_one_stays() {
        let mut f = channel_with_client("a");
        subscribe(&mut f, "a", "", "d1", "ack1", 1);
        subscribe(&mut f, "a", "", "d2", "ack2", 2);
        unsub(&mut f, "a", "ack1", false);
        unsub(&mut f, "a", "ack2", true);
        let out = f.output();
        assert_eq!(out.subscriptions.len(), 1);
        assert_eq!(out.subscriptions[0].durable_name, "d2");
        assert!(out.subscriptions[0].is_closed);
        // Start position: SequenceStart 1 on a channel whose first is 1.
        assert_eq!(out.subscriptions[0].last_sent, 0);
    }

    #[test]
    fn channel_ids_select_the_incarnation() {
        let mut f = Fsm::new("t".into(), true);
        f.add_channel(b"ch", 10, 1, 5, false);
        connect(&mut f, "a");
        // An entry of an older incarnation is ignored.
        let mut op = RaftOperation {
            op_type: op_type::SUBSCRIBE,
            channel_id: 7,
            sub: Some(AddSubscription {
                request: Some(SubscriptionRequest {
                    client_id: b"a".to_vec(),
                    subject: b"ch".to_vec(),
                    inbox: b"in".to_vec(),
                    start_position: start_position::SEQUENCE_START,
                    start_sequence: 3,
                    ..Default::default()
                }),
                ack_inbox: b"ack".to_vec(),
                id: 1,
            }),
            ..Default::default()
        };
        f.apply(10, &op);
        assert!(f.output().subscriptions.is_empty());
        // The matching one applies, with lastSent = startSequence - 1.
        op.channel_id = 10;
        f.apply(11, &op);
        assert_eq!(f.output().subscriptions[0].last_sent, 2);
        // A newer incarnation replaces the channel and drops its subs.
        op.channel_id = 20;
        op.sub.as_mut().unwrap().ack_inbox = b"ack2".to_vec();
        f.apply(12, &op);
        let out = f.output();
        assert_eq!(out.subscriptions.len(), 1);
        assert_eq!(out.subscriptions[0].ack_inbox, "ack2");
        // Empty new incarnation: SequenceStart past the end gives last = 0.
        assert_eq!(out.subscriptions[0].last_sent, 0);
        let live: Vec<u64> = f.live_channels().map(|c| c.id).collect();
        assert_eq!(live, vec![20]);
        f.apply(
            13,
            &RaftOperation {
                op_type: op_type::DELETE_CHANNEL,
                channel: b"ch".to_vec(),
                channel_id: 20,
                ..Default::default()
            },
        );
        assert!(f.output().subscriptions.is_empty());
        assert_eq!(f.live_channels().count(), 0);
    }

    fn snap_sub(
        id: u64,
        client: &str,
        q: &str,
        durable: &str,
        closed: bool,
        last: u64,
    ) -> SubscriptionSnapshot {
        SubscriptionSnapshot {
            state: Some(SubState {
                id,
                client_id: client.into(),
                q_group: q.into(),
                inbox: format!("in{id}").into_bytes(),
                ack_inbox: format!("ack{id}").into_bytes(),
                max_in_flight: 5,
                ack_wait_in_secs: 30,
                durable_name: durable.into(),
                last_sent: last,
                is_durable: !durable.is_empty() || q.contains(':'),
                is_closed: closed,
            }),
            acks_pending: vec![last, 1],
        }
    }

    #[test]
    fn snapshot_restore() {
        let snap = RaftSnapshot {
            clients: vec![ClientInfo {
                id: b"a".to_vec(),
                hb_inbox: b"hb".to_vec(),
                ..Default::default()
            }],
            channels: vec![
                ChannelSnapshot {
                    channel: b"ch".to_vec(),
                    first: 1,
                    last: 50,
                    subscriptions: vec![
                        snap_sub(1, "a", "", "", false, 10),
                        snap_sub(2, "gone", "", "", false, 10),
                        snap_sub(3, "gone", "", "dur", true, 11),
                        snap_sub(4, "gone", "", "old", false, 12),
                        snap_sub(5, "gone", "d:g", "", false, 13),
                        snap_sub(6, "", "d:g", "", false, 14),
                        snap_sub(7, "a", "q", "", false, 15),
                    ],
                    next_sub_id: 20,
                    channel_id: 3,
                },
                ChannelSnapshot {
                    channel: b"other".to_vec(),
                    channel_id: 9,
                    ..Default::default()
                },
            ],
            padding: vec![0; 100],
        };
        // With a store holding only "ch" (ID 3): "other" is skipped.
        let mut f = Fsm::new("t".into(), false);
        f.add_channel(b"ch", 3, 1, 60, true);
        f.restore_snapshot(&snap).unwrap();
        let out = f.output();
        let ids: Vec<u64> = out.subscriptions.iter().map(|s| s.id).collect();
        // 2: plain sub of a gone client dropped; 5: ghost durable queue
        // member dropped; 4: old-style offline durable kept.
        assert_eq!(ids, vec![1, 3, 4, 6, 7]);
        let by_id = |id: u64| out.subscriptions.iter().find(|s| s.id == id).unwrap();
        assert!(by_id(3).is_closed && by_id(4).is_closed);
        assert_eq!(by_id(4).client_id, "gone");
        assert!(by_id(6).is_shadow());
        assert_eq!(by_id(1).pending, vec![1, 10]);
        assert_eq!(f.live_channels().count(), 1);
        assert!(f.findings.iter().any(|x| x.message.contains("\"other\"")));
        assert_eq!(f.live_channels().next().unwrap().next_sub_id, 20);
        // Without a store the snapshot's channels are created.
        let mut g = Fsm::new("t".into(), true);
        g.restore_snapshot(&snap).unwrap();
        assert_eq!(g.live_channels().count(), 2);
        // A client twice: the restore fails (register error).
        let mut dup = snap.clone();
        dup.clients.push(dup.clients[0].clone());
        assert!(matches!(
            Fsm::new("t".into(), true).restore_snapshot(&dup),
            Err(RestoreError::DuplicateClient(_))
        ));
    }

    #[test]
    fn subscribe_already_in_the_snapshot_is_skipped() {
        let snap = RaftSnapshot {
            clients: vec![ClientInfo {
                id: b"a".to_vec(),
                ..Default::default()
            }],
            channels: vec![ChannelSnapshot {
                channel: b"ch".to_vec(),
                last: 5,
                first: 1,
                subscriptions: vec![snap_sub(1, "a", "", "", false, 5)],
                ..Default::default()
            }],
            padding: Vec::new(),
        };
        let mut f = Fsm::new("t".into(), true);
        f.restore_snapshot(&snap).unwrap();
        subscribe(&mut f, "a", "", "", "ack1", 1);
        assert_eq!(f.output().subscriptions.len(), 1);
        assert!(f.findings.iter().any(|x| x.severity == Severity::Warning));
        // A pre-v0.14 entry (ID 0) gets the store counter's next ID: the
        // snapshot's subscriptions are not counted (RaftSubStore).
        subscribe(&mut f, "a", "", "", "ack9", 0);
        let ids: Vec<u64> = f.output().subscriptions.iter().map(|s| s.id).collect();
        assert_eq!(ids, vec![1, 1]);
    }
}
