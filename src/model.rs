//! Backend-neutral view of a STAN store: what the server would recover,
//! whatever the backend it came from.

use bytes::Bytes;
use serde::Serialize;

pub use crate::finding::{Finding, Severity};

/// The server's identity record (`server.dat` / `ServerInfo` table).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ServerInfo {
    pub cluster_id: String,
    /// Clustering node id; `None` for a standalone store.
    pub node_id: Option<String>,
    pub discovery: String,
    pub publish: String,
    pub subscribe: String,
    pub unsubscribe: String,
    pub close: String,
    pub sub_close: String,
    pub acks_subs: String,
}

/// Per-channel limits. `None` means "not known" (the file store does not
/// persist limits; they come from the server configuration). `Some(0)` means
/// unlimited.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Limits {
    pub max_msgs: Option<i64>,
    pub max_bytes: Option<i64>,
    pub max_age_ns: Option<i64>,
    pub max_subs: Option<i64>,
    pub max_inactivity_ns: Option<i64>,
}

/// Where the limits shown for a channel came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LimitsSource {
    /// From the server configuration given with `-c`.
    Config,
    /// Persisted by the store itself (SQL `Channels` columns).
    Store,
    /// Nothing known: the server's limits at its next start decide.
    Unknown,
}

/// One channel's name with its counts and ranges.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ChannelStats {
    pub name: String,
    #[serde(flatten)]
    pub counts: ChannelCounts,
}

/// Counts and ranges of one channel, as the server would recover them.
/// Flattened into every JSON that shows a channel's counts, so their
/// names and order are defined here only.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct ChannelCounts {
    pub msgs: u64,
    /// The store's own size accounting, as the server's monitoring reports
    /// it (file store: payload + 8-byte record header + 32-byte index
    /// record per message; SQL: size of the marshaled MsgProto).
    pub bytes: u64,
    /// 0 when the channel has no messages (and never had, as far as the
    /// store remembers). `first_seq == last_seq + 1` when all expired.
    pub first_seq: u64,
    pub last_seq: u64,
    pub first_timestamp: Option<i64>,
    pub last_timestamp: Option<i64>,
}

/// One stored message.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Message {
    pub seq: u64,
    pub timestamp: i64,
    pub subject: String,
    pub reply: String,
    /// Payload as stored (may be an encryption envelope, see `crypto`).
    pub data: Bytes,
}

/// A message borrowed from where it was read, as
/// [`crate::store::StoreReader::walk`] hands it out. Subject
/// and reply are the stored bytes; [`crate::proto::text`] makes the
/// `String`s a [`Message`] holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MessageRef<'a> {
    pub seq: u64,
    pub timestamp: i64,
    pub subject: &'a [u8],
    pub reply: &'a [u8],
    pub data: &'a [u8],
}

impl<'a> From<&'a Message> for MessageRef<'a> {
    fn from(m: &'a Message) -> Self {
        MessageRef {
            seq: m.seq,
            timestamp: m.timestamp,
            subject: m.subject.as_bytes(),
            reply: m.reply.as_bytes(),
            data: &m.data,
        }
    }
}

/// A client as recorded by the store. Fields older servers did not record
/// (before v0.10.0) are `None`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Client {
    pub id: String,
    pub hb_inbox: String,
    pub conn_id: Option<Vec<u8>>,
    pub protocol: Option<i32>,
    pub ping_interval: Option<i32>,
    pub ping_max_out: Option<i32>,
}

/// A subscription after replay of its records: the last state written
/// plus last sent and the set of unacknowledged sequences.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Subscription {
    pub channel: String,
    pub id: u64,
    pub client_id: String,
    pub inbox: String,
    pub ack_inbox: String,
    pub durable_name: String,
    /// As stored: `"<durable>:<group>"` for durable queue subscriptions.
    pub queue_group: String,
    pub max_in_flight: i32,
    pub ack_wait_s: i32,
    pub last_sent: u64,
    /// Unacknowledged sequences, ascending.
    pub pending: Vec<u64>,
    pub is_durable: bool,
    pub is_closed: bool,
}

impl Subscription {
    /// A durable queue group kept while none of its members is connected.
    pub fn is_shadow(&self) -> bool {
        self.is_durable && !self.queue_group.is_empty() && self.client_id.is_empty()
    }
}

/// Which messages to read from a channel. All bounds are inclusive.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct MessageRange {
    pub from_seq: Option<u64>,
    pub to_seq: Option<u64>,
    /// Nanoseconds since the Unix epoch.
    pub since_ns: Option<i64>,
    pub until_ns: Option<i64>,
}

impl MessageRange {
    pub fn contains_seq(&self, seq: u64) -> bool {
        self.from_seq.is_none_or(|f| seq >= f) && self.to_seq.is_none_or(|t| seq <= t)
    }

    pub fn contains_timestamp(&self, ts: i64) -> bool {
        self.since_ns.is_none_or(|s| ts >= s) && self.until_ns.is_none_or(|u| ts <= u)
    }
}

/// A clustered node's Raft state, for `info` (docs/FORMAT.md section 7).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ClusterInfo {
    pub raft_dir: String,
    pub node_id: String,
    pub peers: Vec<String>,
    pub last_index: u64,
    pub last_term: u64,
    pub snapshot_index: Option<u64>,
    /// Entries up to here are known to be committed; later ones may not be.
    pub commit_lower_bound: u64,
}

/// Why `name` cannot be a channel name, or `None` when it can: the server's
/// `util.IsChannelNameValid(name, false)` (a subject without wildcards: not
/// empty, no leading, trailing or double `.`, no `*` or `>`, no `/`), and,
/// because a file store turns the name into a directory, no `\` or NUL.
/// A name that passes can never lead outside a store's root.
pub fn channel_name_problem(name: &str) -> Option<&'static str> {
    let b = name.as_bytes();
    if b.is_empty() {
        return Some("it is empty");
    }
    if b[0] == b'.' {
        return Some("it starts with '.'");
    }
    for (i, &c) in b.iter().enumerate() {
        match c {
            b'/' | b'\\' => return Some("it holds a path separator"),
            0 => return Some("it holds a NUL byte"),
            b'*' | b'>' => return Some("it holds a wildcard"),
            b'.' if i == b.len() - 1 || b[i + 1] == b'.' => return Some("it has an empty token"),
            _ => {}
        }
    }
    None
}

/// Refuses a channel name read from (or about to be written to) a store;
/// `location` names the file, or the table and row, it came from.
pub fn check_channel_name(name: &str, location: impl std::fmt::Display) -> crate::Result<()> {
    match channel_name_problem(name) {
        None => Ok(()),
        Some(why) => Err(crate::StoreError::Invalid(format!(
            "{location}: channel name {name:?} is not a valid subject ({why}); refusing it"
        ))),
    }
}

#[cfg(test)]
mod channel_name_tests {
    use super::channel_name_problem;

    #[test]
    fn server_rules_and_path_safety() {
        for good in ["orders.eu", "a", "a.b.c", "foo-bar_1", "ünï.cøde"] {
            assert_eq!(channel_name_problem(good), None, "{good}");
        }
        for bad in [
            "",
            ".",
            "..",
            "../../PWNED",
            "a/b",
            "a\\b",
            "a\0b",
            ".x",
            "x.",
            "a..b",
            "a.*",
            "a.>",
            "fo*",
        ] {
            assert!(channel_name_problem(bad).is_some(), "{bad:?}");
        }
    }
}
