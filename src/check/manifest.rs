//! `stanctl manifest`: a description of a store in the shape of the
//! fixtures' MANIFEST.json (channels with sequences and counts, optional
//! per-message hashes, subscriptions, clients), for `check --expect`.
//!
//! Field names are the fixtures' own, so a fixture's MANIFEST.json and a
//! written manifest are compared by the same rules ([`super::expect`]).

use std::cell::RefCell;
use std::io::Write;

use serde::ser::{Error as _, SerializeSeq};
use serde::{Deserialize, Serialize, Serializer};
use sha2::{Digest, Sha256};

use crate::error::{Result, StoreError};
use crate::model::{Message, MessageRange, Subscription};
use crate::store::StoreReader;

pub const FORMAT: &str = "stanctl-manifest/1";

/// `C` is how the channels are held: a list, or (when writing) a stream
/// that reads the store as it is serialized.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest<C = Vec<ChannelEntry>> {
    pub format: String,
    pub generated_by: String,
    pub store: StoreInfo,
    pub cluster_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub node_id: Option<String>,
    pub channels: C,
    pub subscriptions: Vec<SubscriptionEntry>,
    pub clients: Vec<ClientEntry>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoreInfo {
    #[serde(rename = "type")]
    pub kind: String,
    /// Clients and subscriptions live in a Raft log, not in this store.
    #[serde(default)]
    pub clustered: bool,
}

/// `M` is how the messages are held: a list, or a stream of the store.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChannelEntry<M = Vec<MessageEntry>> {
    pub name: String,
    pub first_seq: u64,
    pub last_seq: u64,
    pub msg_count: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub total_payload_bytes: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub messages: Option<M>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MessageEntry {
    pub seq: u64,
    pub timestamp_ns: i64,
    pub subject: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub reply: String,
    pub payload_len: u64,
    pub payload_sha256: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SubscriptionEntry {
    pub client_id: String,
    pub subject: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub durable_name: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub queue_group: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub queue_group_as_stored_by_server: String,
    pub inbox: String,
    pub ack_inbox: String,
    pub max_inflight: i32,
    pub ack_wait_sec: i32,
    pub is_durable: bool,
    pub is_queue: bool,
    /// `active`, `sub_closed` (offline durable whose client is still
    /// there) or `client_closed` (offline durable or shadow queue group).
    pub state_at_shutdown: String,
    pub expected_in_store_at_shutdown: bool,
    pub last_received_seq: u64,
    pub pending_unacked_seqs_at_shutdown: Vec<u64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClientEntry {
    pub id: String,
    pub hb_inbox: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub conn_id_hex: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub conn_id_ascii: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub protocol_sent: Option<i32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ping_interval_sent: Option<i32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ping_max_out_sent: Option<i32>,
    pub state_at_shutdown: String,
}

#[derive(Debug, Clone, Copy, Default)]
pub struct ManifestOptions {
    /// Include every message with its hash.
    pub messages: bool,
}

pub fn sha256_hex(data: &[u8]) -> String {
    hex::encode(Sha256::digest(data))
}

/// `(durable name, group)` of a stored subscription, as the client named
/// them: the server stores a durable queue group as `durable:group`.
pub fn client_view(sub: &Subscription) -> (String, String) {
    if sub.is_durable && !sub.queue_group.is_empty() {
        if let Some((d, g)) = sub.queue_group.split_once(':') {
            return (d.to_string(), g.to_string());
        }
    }
    (sub.durable_name.clone(), sub.queue_group.clone())
}

impl<C> Manifest<C> {
    fn with_channels<D>(self, channels: D) -> Manifest<D> {
        Manifest {
            format: self.format,
            generated_by: self.generated_by,
            store: self.store,
            cluster_id: self.cluster_id,
            node_id: self.node_id,
            channels,
            subscriptions: self.subscriptions,
            clients: self.clients,
        }
    }
}

/// `ch` with `messages` in place of its marker.
fn with_messages<N>(ch: ChannelEntry<()>, messages: N) -> ChannelEntry<N> {
    ChannelEntry {
        name: ch.name,
        first_seq: ch.first_seq,
        last_seq: ch.last_seq,
        msg_count: ch.msg_count,
        total_payload_bytes: ch.total_payload_bytes,
        messages: ch.messages.map(|()| messages),
    }
}

fn message_entry(m: Message) -> MessageEntry {
    MessageEntry {
        seq: m.seq,
        timestamp_ns: m.timestamp,
        payload_len: m.data.len() as u64,
        payload_sha256: sha256_hex(&m.data),
        subject: m.subject,
        reply: m.reply,
    }
}

/// Everything of the manifest but the messages: channels (with their
/// payload totals, which come before the message list, so with
/// `messages` every channel is read once here), subscriptions, clients.
/// A store that cannot be read fails here, before anything is written.
pub fn prepare(
    store: &mut dyn StoreReader,
    opts: ManifestOptions,
) -> Result<Manifest<Vec<ChannelEntry<()>>>> {
    let info = store.server_info()?.unwrap_or_default();
    let clustered = info.node_id.is_some();
    let mut channels = Vec::new();
    let mut subscriptions = Vec::new();
    let clients = if clustered {
        Vec::new()
    } else {
        store.clients()?
    };
    let client_ids: std::collections::BTreeSet<&str> =
        clients.iter().map(|c| c.id.as_str()).collect();
    for name in store.channel_names()? {
        let stats = store.channel_stats(&name)?;
        let mut entry = ChannelEntry {
            name: name.clone(),
            first_seq: stats.counts.first_seq,
            last_seq: stats.counts.last_seq,
            msg_count: stats.counts.msgs,
            total_payload_bytes: None,
            messages: None,
        };
        if opts.messages {
            let mut total = 0u64;
            for m in store.messages(&name, MessageRange::default())? {
                total += m?.data.len() as u64;
            }
            entry.total_payload_bytes = Some(total);
            entry.messages = Some(());
        }
        channels.push(entry);
        if !clustered {
            for sub in store.subscriptions(&name)? {
                let (durable_name, queue_group) = client_view(&sub);
                let is_queue = !sub.queue_group.is_empty();
                let state = if sub.is_shadow() {
                    "client_closed"
                } else if sub.is_closed {
                    if client_ids.contains(sub.client_id.as_str()) {
                        "sub_closed"
                    } else {
                        "client_closed"
                    }
                } else {
                    "active"
                };
                subscriptions.push(SubscriptionEntry {
                    client_id: sub.client_id.clone(),
                    subject: name.clone(),
                    durable_name,
                    queue_group,
                    queue_group_as_stored_by_server: if sub.is_durable && is_queue {
                        sub.queue_group.clone()
                    } else {
                        String::new()
                    },
                    inbox: sub.inbox.clone(),
                    ack_inbox: sub.ack_inbox.clone(),
                    max_inflight: sub.max_in_flight,
                    ack_wait_sec: sub.ack_wait_s,
                    is_durable: sub.is_durable,
                    is_queue,
                    state_at_shutdown: state.to_string(),
                    expected_in_store_at_shutdown: true,
                    last_received_seq: sub.last_sent,
                    pending_unacked_seqs_at_shutdown: sub.pending.clone(),
                });
            }
        }
    }
    let clients = clients
        .into_iter()
        .map(|c| ClientEntry {
            conn_id_hex: c.conn_id.as_ref().map(hex::encode),
            conn_id_ascii: c
                .conn_id
                .as_ref()
                .map(|b| String::from_utf8_lossy(b).into_owned()),
            protocol_sent: c.protocol,
            ping_interval_sent: c.ping_interval,
            ping_max_out_sent: c.ping_max_out,
            id: c.id,
            hb_inbox: c.hb_inbox,
            state_at_shutdown: "connected".into(),
        })
        .collect();
    Ok(Manifest {
        format: FORMAT.to_string(),
        generated_by: format!("stanctl {}", env!("CARGO_PKG_VERSION")),
        store: StoreInfo {
            kind: store.backend().to_string(),
            clustered,
        },
        cluster_id: info.cluster_id,
        node_id: info.node_id,
        channels,
        subscriptions,
        clients,
    })
}

/// Writes the manifest `prepare` described to `out`, reading the messages
/// as it goes: the bytes of `serde_json::to_writer_pretty` of [`build`]'s
/// manifest, in constant memory.
pub fn write(
    store: &mut dyn StoreReader,
    mut plan: Manifest<Vec<ChannelEntry<()>>>,
    out: &mut dyn Write,
) -> std::result::Result<(), WriteError> {
    let streamed = StreamedChannels {
        store: RefCell::new(store),
        channels: std::mem::take(&mut plan.channels),
        error: RefCell::new(None),
    };
    let manifest = plan.with_channels(&streamed);
    let written = serde_json::to_writer_pretty(&mut *out, &manifest);
    if let Some(e) = streamed.error.into_inner() {
        return Err(WriteError::Store(e));
    }
    written.map_err(|e| WriteError::Output(e.into()))?;
    out.write_all(b"\n").map_err(WriteError::Output)
}

/// Why [`write`] stopped: the store, or the output (kept whole, so that a
/// closed pipe is recognised).
#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The OS error is in the message only (not also a `source()`).
    #[error("writing the manifest: {0}")]
    Output(std::io::Error),
}

/// The channels of a manifest being written; each channel's messages are
/// read from the store while it is serialized.
struct StreamedChannels<'a> {
    store: RefCell<&'a mut dyn StoreReader>,
    channels: Vec<ChannelEntry<()>>,
    /// The store's error, kept whole (serde only carries text).
    error: RefCell<Option<StoreError>>,
}

/// The messages of one channel, read as they are serialized.
struct StreamedMessages<'s, 'a> {
    owner: &'s StreamedChannels<'a>,
    channel: &'s str,
}

impl Serialize for StreamedChannels<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        let mut seq = s.serialize_seq(Some(self.channels.len()))?;
        for ch in &self.channels {
            let messages = StreamedMessages {
                owner: self,
                channel: &ch.name,
            };
            seq.serialize_element(&with_messages(ch.clone(), messages))?;
        }
        seq.end()
    }
}

impl Serialize for StreamedMessages<'_, '_> {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        let fail = |e: StoreError| {
            let text = e.to_string();
            *self.owner.error.borrow_mut() = Some(e);
            S::Error::custom(text)
        };
        let mut store = self.owner.store.borrow_mut();
        let messages = store
            .messages(self.channel, MessageRange::default())
            .map_err(fail)?;
        let mut seq = s.serialize_seq(None)?;
        for m in messages {
            seq.serialize_element(&message_entry(m.map_err(fail)?))?;
        }
        seq.end()
    }
}
