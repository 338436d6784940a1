//! Clustered nodes: the Raft directory (`raft.log` and `snapshots/`) of a
//! NATS Streaming node, read-only (docs/FORMAT.md section 7).
//!
//! Clients and subscriptions of a clustered node exist only here. The
//! entry point is [`read_node`] (or [`read_node_with_store`] to use the
//! node's message store too), which rebuilds what a restarting node would:
//! the newest usable snapshot, then every log entry after it (7.7).
//!
//! Lower-level pieces are public for tools that want them:
//! [`entries::read_raft_log`] (BoltDB buckets and decoded entries),
//! [`snapshot::list_snapshots`] / [`snapshot::read_state`], and the
//! protobuf types in [`pb`].

pub mod bolt;
pub mod entries;
pub mod msgpack;
pub mod node_reader;
pub mod pb;
pub mod rebuild;
pub mod snapshot;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use prost::Message as _;
use serde::Serialize;

use crate::crypto::{decrypt_payload, decrypt_with_master, envelope_cipher, Cipher, MasterKey};
use crate::error::{Result, StoreError};
use crate::finding::{Code, Finding, Severity};
use crate::model::{check_channel_name, Client, MessageRange, Subscription};
use crate::proto::{text, MsgProto};
use crate::store::StoreReader;

pub use entries::{LogEntry, LogType, RaftServer};
pub use rebuild::SubOwner;

use entries::node_id_from_address;
use pb::{op_type, RaftOperation};
use rebuild::{ChanRec, Fsm};

/// How to read a node.
#[derive(Debug, Clone, Default)]
pub struct RaftOptions {
    /// The user encryption key (`encryption_key` / `-encryption_key`, or
    /// `NATS_STREAMING_ENCRYPTION_KEY`, which takes precedence in the
    /// server: the caller decides). The Raft log uses SHA-256 of it (7.4).
    pub encryption_key: Option<Vec<u8>>,
    /// Stop the replay at the last index proven committed (7.7.5) instead
    /// of applying every entry.
    pub strict_commit: bool,
}

/// The snapshot a node would restore.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SnapshotInfo {
    pub id: String,
    pub dir: PathBuf,
    pub index: u64,
    pub term: u64,
    pub configuration_index: u64,
    /// `state.bin` size in bytes.
    pub size: u64,
    pub clients: usize,
    pub channels: usize,
}

/// One channel of the rebuilt state.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ChannelLogInfo {
    pub name: String,
    /// Channel ID (7.2.5); 0 = none.
    pub id: u64,
    /// Lowest and highest message sequence in this incarnation's `Publish`
    /// entries still in the log (`None`: no such entry).
    pub first_seq: Option<u64>,
    pub last_seq: Option<u64>,
    pub publish_entries: u64,
    pub messages_in_log: u64,
    /// `First`/`Last` recorded for it in the restored snapshot.
    pub snapshot_first_seq: Option<u64>,
    pub snapshot_last_seq: Option<u64>,
    /// The message store's range, when a store was given and has it.
    pub store_first_seq: Option<u64>,
    pub store_last_seq: Option<u64>,
    /// Index of the entry that created this incarnation during the replay
    /// (it is not in the store or the `channels` bucket).
    pub created_by_entry: Option<u64>,
    /// The channel's next subscription ID after the rebuild.
    pub next_sub_id: u64,
}

/// What a restarting node would rebuild from its Raft directory.
#[derive(Debug, Clone, Default, Serialize)]
pub struct NodeState {
    pub raft_dir: PathBuf,
    /// The Raft group name: the directory name (= the cluster ID).
    pub cluster_id: String,
    /// The node ID (from the message store, the configuration or the
    /// default directory layout); empty when it cannot be told.
    pub node_id: String,
    /// Node IDs of the latest configuration (7.3.3).
    pub peers: Vec<String>,
    pub configuration: Vec<RaftServer>,
    /// First and last index / term of `logs` (the snapshot's when the log
    /// is empty).
    pub first_index: Option<u64>,
    pub last_index: u64,
    pub last_term: u64,
    /// `conf` bucket (Raft stable store).
    pub current_term: Option<u64>,
    pub last_vote_term: Option<u64>,
    pub last_vote_candidate: Option<String>,
    pub snapshot: Option<SnapshotInfo>,
    pub snapshot_index: Option<u64>,
    /// `C` of 7.7.5: entries up to here are proven committed.
    pub commit_lower_bound: u64,
    /// STAN operations other than `Publish` after `C` (possibly uncommitted).
    pub possibly_uncommitted_ops: u64,
    /// The replay covered the entries up to this index.
    pub applied_index: u64,
    /// Command entries whose data was encrypted.
    pub encrypted_entries: u64,
    pub page_size: u64,
    pub clients: Vec<Client>,
    /// Same conventions as the file store: durable queue groups as
    /// `"durable:group"`, shadows with an empty `client_id`, offline
    /// durables with their last owner and `is_closed`; `pending` sorted.
    pub subscriptions: Vec<Subscription>,
    /// Last owner of every offline durable and shadow.
    pub last_owners: Vec<SubOwner>,
    pub channels: Vec<ChannelLogInfo>,
    pub findings: Vec<Finding>,
}

/// The channel an operation creates when it names an unknown one: a
/// publish's subject, a subscription's subject, a sent/ack's channel
/// (`lookupOrCreateChannel` in the server's Apply).
fn created_channel(op: &RaftOperation) -> Option<&[u8]> {
    match op.op_type {
        op_type::PUBLISH => op
            .publish_batch
            .as_ref()
            .and_then(|b| b.messages.first())
            .map(|m| m.subject.as_slice()),
        op_type::SUBSCRIBE => op
            .sub
            .as_ref()
            .and_then(|s| s.request.as_ref())
            .map(|r| r.subject.as_slice()),
        op_type::SEND_AND_ACK => op.sub_sent_ack.as_ref().map(|a| a.channel.as_slice()),
        _ => None,
    }
}

/// Rebuilds a node from its Raft directory alone (`<log_path>/<cluster_id>`,
/// holding `raft.log` and `snapshots/`). Without the message store the
/// channel set comes from the `channels` bucket and the snapshot, start
/// positions use the snapshot/log ranges and `commit_lower_bound` is the
/// snapshot index; see [`read_node_with_store`].
pub fn read_node(raft_dir: &Path, opts: &RaftOptions) -> Result<NodeState> {
    read_node_with_store(raft_dir, opts, None)
}

/// A decoded STAN operation of the log.
struct Op {
    index: u64,
    op: RaftOperation,
}

/// [`read_node`] with the node's message store (7.7.2, 7.7.5, 7.8): the
/// store gives the channel set and ranges, the node ID, and proves which
/// entries are committed.
pub fn read_node_with_store(
    raft_dir: &Path,
    opts: &RaftOptions,
    mut store: Option<&mut dyn StoreReader>,
) -> Result<NodeState> {
    let log_path = raft_dir.join("raft.log");
    if !crate::safe_fs::check_regular_if_present(&log_path)? {
        return Err(StoreError::io(
            &log_path,
            std::io::Error::new(
                std::io::ErrorKind::NotFound,
                "no raft.log: not a NATS Streaming Raft directory (<log_path>/<cluster_id>)",
            ),
        ));
    }
    let location = log_path.display().to_string();
    let cluster_id = raft_dir
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let log = entries::read_raft_log(&log_path)?;
    let mut findings = log.findings.clone();
    let key = opts
        .encryption_key
        .as_ref()
        .map(|k| MasterKey::from_user_key(k));

    // Decrypt and decode every command entry.
    let mut ops: Vec<Op> = Vec::new();
    let mut encrypted = 0u64;
    let mut decrypted_ok = false;
    for e in &log.entries {
        if e.log_type != LogType::Command {
            continue;
        }
        let at = format!("{location} entry {}", e.index);
        let plain = match (e.data.first().copied().and_then(Cipher::from_code), &key) {
            (Some(cipher), None) => {
                return Err(StoreError::NeedsKey {
                    location: at,
                    message: format!("the Raft log is encrypted ({cipher}, encryption at rest): an encryption key is needed (the server's encryption_key or NATS_STREAMING_ENCRYPTION_KEY)"),
                });
            }
            (Some(cipher), Some(k)) => {
                encrypted += 1;
                match decrypt_with_master(k, &e.data) {
                    Ok(p) => {
                        decrypted_ok = true;
                        p
                    }
                    Err(err) if !decrypted_ok => {
                        return Err(StoreError::Invalid(format!(
                            "{at}: cannot decrypt the encrypted Raft log ({cipher}): {err}; is the encryption key right?"
                        )));
                    }
                    Err(err) => {
                        findings.push(Finding::described(
                            Code::RaftEntry,
                            Severity::Error,
                            at,
                            format!("entry does not decrypt: {err}"),
                            "stops: the node cannot read its log",
                        ));
                        continue;
                    }
                }
            }
            (None, _) => e.data.clone(),
        };
        match RaftOperation::decode(plain.as_slice()) {
            Ok(op) => {
                if let Some(name) = created_channel(&op) {
                    check_channel_name(&text(name), format!("{at} at offset {}", e.offset))?;
                }
                ops.push(Op { index: e.index, op })
            }
            Err(err) => findings.push(Finding::described(
                Code::RaftEntry,
                Severity::Warning,
                at,
                format!("RaftOperation does not decode: {err}"),
                "skips it (Apply returns an error)",
            )),
        }
    }

    // The message store, if given.
    let mut store_ranges: BTreeMap<Vec<u8>, (u64, u64)> = BTreeMap::new();
    let mut node_id = String::new();
    if let Some(st) = store.as_deref_mut() {
        if let Some(info) = st.server_info()? {
            if !info.cluster_id.is_empty() && info.cluster_id != cluster_id {
                findings.push(Finding::described(
                    Code::RaftStoreMismatch,
                    Severity::Warning,
                    raft_dir.display().to_string(),
                    format!(
                        "the Raft directory is named {cluster_id:?} but the store's cluster ID is {:?}",
                        info.cluster_id
                    ),
                    "uses <log_path>/<cluster_id>: this directory belongs to another cluster",
                ));
            }
            match info.node_id {
                Some(n) => node_id = n,
                None => findings.push(Finding::described(
                    Code::RaftStoreMismatch,
                    Severity::Warning,
                    "server.dat".into(),
                    "the message store has no node ID: not a clustered node's store".into(),
                    "cannot start clustered with this store",
                )),
            }
        }
        for name in st.channel_names()? {
            let counts = st.channel_stats(&name)?.counts;
            store_ranges.insert(name.into_bytes(), (counts.first_seq, counts.last_seq));
        }
    }
    let have_store = store.is_some();

    // Names that become channels (and directories of a file target) are
    // refused as the file and SQL readers refuse them (D1).
    for name in log.channel_ids.keys() {
        check_channel_name(&text(name), format!("{location} channels bucket"))?;
    }

    // Step 1: channels.
    let mut base = Fsm::new(location.clone(), !have_store);
    if have_store {
        for (name, (first, last)) in &store_ranges {
            let id = log.channel_ids.get(name).copied().unwrap_or(0);
            if id == 0 && !log.channel_ids.is_empty() {
                findings.push(Finding::described(
                    Code::RaftStoreMismatch,
                    Severity::Info,
                    location.clone(),
                    format!(
                        "store channel {:?} has no ID in the channels bucket",
                        text(name)
                    ),
                    "treats it as ID 0 (matches any ID)",
                ));
            }
            base.add_channel(name, id, *first, *last, true);
        }
        for name in log.channel_ids.keys() {
            if !store_ranges.contains_key(name) {
                findings.push(Finding::described(
                    Code::RaftStoreMismatch,
                    Severity::Warning,
                    location.clone(),
                    format!(
                        "channels bucket has {:?} but the message store has no such channel (interrupted deletion?)",
                        text(name)
                    ),
                    "does not recover the channel",
                ));
            }
        }
    } else {
        for (name, id) in &log.channel_ids {
            base.add_channel(name, *id, 0, 0, false);
        }
    }

    // Step 2: snapshot.
    let snaps = snapshot::list_snapshots(&raft_dir.join("snapshots"), &mut findings)?;
    let mut chosen: Option<(Fsm, SnapshotInfo, snapshot::SnapshotDir)> = None;
    for s in &snaps {
        let state = match snapshot::read_state(s) {
            Ok(st) => st,
            Err(e) => {
                findings.push(Finding::described(
                    Code::RaftSnapshot,
                    Severity::Warning,
                    s.dir.display().to_string(),
                    format!("snapshot {} not usable: {e}", s.name),
                    "tries the next older snapshot",
                ));
                continue;
            }
        };
        if let Some(st) = &state {
            for c in &st.channels {
                check_channel_name(&text(&c.channel), s.dir.join("state.bin").display())?;
            }
        }
        let mut fsm = base.clone();
        if let Some(st) = &state {
            if let Err(e) = fsm.restore_snapshot(st) {
                findings.push(Finding::described(
                    Code::RaftSnapshot,
                    Severity::Warning,
                    s.dir.display().to_string(),
                    format!("snapshot {} does not restore: {e}", s.name),
                    "tries the next older snapshot",
                ));
                continue;
            }
        }
        let size = std::fs::metadata(s.dir.join("state.bin"))
            .map(|m| m.len())
            .unwrap_or(0);
        let info = SnapshotInfo {
            id: s.meta.id.clone(),
            dir: s.dir.clone(),
            index: s.meta.index,
            term: s.meta.term,
            configuration_index: s.meta.configuration_index,
            size,
            clients: state.as_ref().map_or(0, |x| x.clients.len()),
            channels: state.as_ref().map_or(0, |x| x.channels.len()),
        };
        chosen = Some((fsm, info, s.clone()));
        break;
    }
    if chosen.is_none() && !snaps.is_empty() {
        findings.push(Finding::described(
            Code::RaftSnapshot,
            Severity::Error,
            raft_dir.join("snapshots").display().to_string(),
            "no snapshot could be restored: state rebuilt from the log alone".into(),
            "fails to start (\"failed to load any existing snapshots\")",
        ));
    }
    let snap_index = chosen.as_ref().map_or(0, |c| c.1.index);
    let (mut fsm, snapshot_info, snapshot_dir) = match chosen {
        Some((f, i, d)) => (f, Some(i), Some(d)),
        None => (base, None, None),
    };

    // Log coverage (7.7.3).
    let first_index = log.entries.first().map(|e| e.index);
    if let Some(fi) = first_index {
        if fi > snap_index.saturating_add(1) {
            findings.push(Finding::described(
                Code::RaftGap,
                Severity::Error,
                location.clone(),
                format!(
                    "the log starts at index {fi} but the snapshot covers only up to {snap_index}: entries {}..{} are missing; the state is approximate",
                    snap_index.saturating_add(1),
                    fi - 1
                ),
                "fails to start (\"log not found\")",
            ));
        }
    }
    let mut prev: Option<u64> = None;
    for e in &log.entries {
        if let Some(p) = prev {
            if e.index != p + 1 && e.index > snap_index {
                findings.push(Finding::described(
                    Code::RaftGap,
                    Severity::Error,
                    format!("{location} entry {}", e.index),
                    format!(
                        "entries {}..{} are missing from the log",
                        p + 1,
                        e.index - 1
                    ),
                    "fails when it reaches the missing entry (\"log not found\")",
                ));
            }
        }
        prev = Some(e.index);
    }

    // Commit bound (7.7.5).
    let mut commit = snap_index;
    if let Some(st) = store {
        let proven = proven_committed(st, &fsm, &ops, key.as_ref(), &location, &mut findings);
        commit = commit.max(proven);
    }

    // Step 3: replay.
    let mut uncommitted = 0u64;
    for o in &ops {
        if o.index <= snap_index {
            continue;
        }
        if o.index > commit && o.op.op_type != op_type::PUBLISH {
            uncommitted += 1;
        }
        if opts.strict_commit && o.index > commit {
            continue;
        }
        fsm.apply(o.index, &o.op);
    }
    let last_entry = log.entries.last();
    let (last_index, last_term) = match (last_entry, &snapshot_info) {
        (Some(e), _) => (e.index, e.term),
        (None, Some(s)) => (s.index, s.term),
        (None, None) => (0, 0),
    };
    let applied = if opts.strict_commit {
        last_index.min(commit).max(snap_index)
    } else {
        last_index.max(snap_index)
    };
    if uncommitted > 0 {
        findings.push(Finding::described(
            Code::RaftUncommitted,
            if opts.strict_commit {
                Severity::Warning
            } else {
                Severity::Info
            },
            location.clone(),
            format!(
                "{uncommitted} client/subscription operation(s) after index {commit} (the last one proven committed{}) may be uncommitted; {}",
                if have_store { "" } else { ": no message store was given" },
                if opts.strict_commit {
                    "they were NOT applied (strict mode)"
                } else {
                    "they were applied, as the node itself would if it became leader"
                }
            ),
            "applies them if committed, or drops them if another node's log wins",
        ));
    }

    // Configuration: the snapshot's, then configuration entries after it.
    let mut configuration: Vec<RaftServer> = Vec::new();
    if let Some(d) = &snapshot_dir {
        configuration = d.meta.configuration.clone();
        if configuration.is_empty() {
            configuration = d
                .meta
                .peers
                .iter()
                .map(|a| RaftServer {
                    id: node_id_from_address(a, &cluster_id).unwrap_or_else(|| a.clone()),
                    address: a.clone(),
                    suffrage: 0,
                })
                .collect();
        }
    }
    for e in &log.entries {
        if e.log_type == LogType::Configuration && e.index > snap_index {
            match entries::decode_configuration(&e.data) {
                Ok(c) => configuration = c,
                Err(err) => findings.push(Finding::described(
                    Code::RaftEntry,
                    Severity::Error,
                    format!("{location} entry {}", e.index),
                    format!("configuration entry does not decode: {err}"),
                    "fails to start",
                )),
            }
        }
    }
    let peers = configuration.iter().map(|s| s.id.clone()).collect();

    if node_id.is_empty() {
        node_id = guess_node_id(raft_dir, &cluster_id, &configuration);
        if node_id.is_empty() {
            findings.push(Finding::described(
                Code::RaftLog,
                Severity::Info,
                raft_dir.display().to_string(),
                "the node ID cannot be told from the Raft directory alone (give the message store: its server.dat has it)".into(),
                "takes it from the store and the configuration",
            ));
        }
    }

    // Channels and 7.8 checks.
    let channels = channel_infos(&fsm, &ops, &store_ranges);
    for c in &channels {
        if let (Some(l), Some(lmax)) = (c.store_last_seq, c.last_seq) {
            if lmax > l {
                findings.push(Finding::described(
                    Code::RaftStoreMismatch,
                    Severity::Warning,
                    location.clone(),
                    format!(
                        "channel {:?}: the log has messages up to sequence {lmax} but the store ends at {l}: not (yet) applied",
                        c.name
                    ),
                    "stores them at restart if they are committed (uncommitted tail, or stopped between append and apply)",
                ));
            }
        }
    }

    findings.append(&mut fsm.findings);
    let out = fsm.output();
    Ok(NodeState {
        raft_dir: raft_dir.to_path_buf(),
        cluster_id,
        node_id,
        peers,
        configuration,
        first_index,
        last_index,
        last_term,
        current_term: log.current_term,
        last_vote_term: log.last_vote_term,
        last_vote_candidate: log.last_vote_candidate.clone(),
        snapshot_index: snapshot_info.as_ref().map(|s| s.index),
        snapshot: snapshot_info,
        commit_lower_bound: commit,
        possibly_uncommitted_ops: uncommitted,
        applied_index: applied,
        encrypted_entries: encrypted,
        page_size: log.page_size,
        clients: out.clients,
        subscriptions: out.subscriptions,
        last_owners: out.last_owners,
        channels,
        findings,
    })
}

fn guess_node_id(raft_dir: &Path, cluster_id: &str, configuration: &[RaftServer]) -> String {
    if let [only] = configuration {
        return only.id.clone();
    }
    // Default log_path: <cwd>/<cluster_id>/<node_id>, so the Raft directory
    // is <cwd>/<cluster_id>/<node_id>/<cluster_id>.
    let parent = raft_dir.parent();
    let node = parent
        .and_then(|p| p.file_name())
        .map(|n| n.to_string_lossy().into_owned());
    let grand = parent
        .and_then(|p| p.parent())
        .and_then(|p| p.file_name())
        .map(|n| n.to_string_lossy().into_owned());
    match (node, grand) {
        (Some(n), Some(g))
            if g == cluster_id
                && (configuration.is_empty() || configuration.iter().any(|s| s.id == n)) =>
        {
            n
        }
        _ => String::new(),
    }
}

/// Per-channel log statistics for the live channels.
fn channel_infos(
    fsm: &Fsm,
    ops: &[Op],
    store_ranges: &BTreeMap<Vec<u8>, (u64, u64)>,
) -> Vec<ChannelLogInfo> {
    let mut out: Vec<ChannelLogInfo> = Vec::new();
    for c in fsm.live_channels() {
        let mut info = ChannelLogInfo {
            name: text(&c.name),
            id: c.id,
            snapshot_first_seq: c.snapshot_range.map(|r| r.0),
            snapshot_last_seq: c.snapshot_range.map(|r| r.1),
            store_first_seq: store_ranges.get(&c.name).map(|r| r.0),
            store_last_seq: store_ranges.get(&c.name).map(|r| r.1),
            created_by_entry: c.created_at,
            next_sub_id: c.next_sub_id,
            ..Default::default()
        };
        for o in ops {
            let Some(published) = published_to(o, c) else {
                continue;
            };
            info.publish_entries += 1;
            for m in published {
                info.messages_in_log += 1;
                info.first_seq = Some(info.first_seq.map_or(m.sequence, |f| f.min(m.sequence)));
                info.last_seq = Some(info.last_seq.map_or(m.sequence, |l| l.max(m.sequence)));
            }
        }
        out.push(info);
    }
    out.sort_by(|a, b| a.name.cmp(&b.name));
    out
}

/// The messages of `o` when it is a `Publish` to channel `c`: the batch's
/// first subject names the channel, and its channel ID, when both are
/// known, must agree.
fn published_to<'o>(o: &'o Op, c: &ChanRec) -> Option<&'o [MsgProto]> {
    if o.op.op_type != op_type::PUBLISH {
        return None;
    }
    let batch = o.op.publish_batch.as_ref()?;
    let first = batch.messages.first()?;
    let same_id = o.op.channel_id == 0 || c.id == 0 || o.op.channel_id == c.id;
    (first.subject == c.name && same_id).then_some(batch.messages.as_slice())
}

/// How many candidate entries per channel are compared with the store.
const COMMIT_PROBES: usize = 8;

/// The highest index of a `Publish` entry whose message the store holds
/// identically (7.7.5); 0 if none.
fn proven_committed(
    store: &mut dyn StoreReader,
    fsm: &Fsm,
    ops: &[Op],
    key: Option<&MasterKey>,
    location: &str,
    findings: &mut Vec<Finding>,
) -> u64 {
    let mut best = 0u64;
    for c in fsm.live_channels().filter(|c| c.in_store) {
        let name = text(&c.name);
        let (first, last) = (c.first, c.last);
        let mut tried = 0;
        for o in ops.iter().rev() {
            if o.index <= best || tried >= COMMIT_PROBES {
                break;
            }
            let Some(published) = published_to(o, c) else {
                continue;
            };
            let Some(m) = published
                .iter()
                .filter(|m| m.sequence >= first && m.sequence <= last)
                .max_by_key(|m| m.sequence)
            else {
                continue;
            };
            tried += 1;
            let range = MessageRange {
                from_seq: Some(m.sequence),
                to_seq: Some(m.sequence),
                ..Default::default()
            };
            let stored = match store.messages(&name, range) {
                Ok(mut it) => it.next(),
                Err(_) => None,
            };
            let stored = match stored {
                Some(Ok(s)) if s.seq == m.sequence => s,
                _ => continue,
            };
            match same_message(&name, m, &stored, key) {
                Some(true) => {
                    best = best.max(o.index);
                    break;
                }
                Some(false) => findings.push(Finding::described(
                    Code::RaftStoreMismatch,
                    Severity::Error,
                    format!("{location} entry {}", o.index),
                    format!(
                        "channel {name:?} sequence {}: the log's message differs from the store's (divergence: a deposed leader's entry, or damage)",
                        m.sequence
                    ),
                    "serves the store's message",
                )),
                None => {}
            }
        }
    }
    best
}

/// Compares a log message with the store's copy; `None` when it cannot be
/// told (encrypted store data and no key).
fn same_message(
    channel: &str,
    log: &MsgProto,
    stored: &crate::model::Message,
    key: Option<&MasterKey>,
) -> Option<bool> {
    if log.sequence != stored.seq
        || log.timestamp != stored.timestamp
        || log.subject != stored.subject.as_bytes()
        || log.reply != stored.reply.as_bytes()
    {
        return Some(false);
    }
    if log.data[..] == stored.data[..] {
        return Some(true);
    }
    if envelope_cipher(&stored.data).is_some() {
        return match key {
            Some(k) => match decrypt_payload(&k.channel_key(channel), &stored.data) {
                Ok(plain) => Some(plain[..] == log.data[..]),
                Err(_) => Some(false),
            },
            None => None,
        };
    }
    Some(false)
}

/// Where the server keeps a node's Raft directory (7.1): with `log_path`
/// (`cluster.log_path` / `-cluster_log_path`) it is `<log_path>/<cluster_id>`
/// (also accepted: `log_path` naming that directory itself). Without it the
/// default is `<server cwd>/<cluster_id>/<node_id>/<cluster_id>`; the
/// server's working directory is unknown, so the store root's parent, the
/// store root and the current directory are tried, with the node ID from
/// the store's `server.dat` (or the only node directory found), and finally
/// a `raft/<cluster_id>` sibling of the store. Returns a directory that
/// holds `raft.log`.
pub fn find_raft_dir(
    store_root: &Path,
    cluster_id: &str,
    log_path: Option<&Path>,
) -> Option<PathBuf> {
    // Present at all: a raft.log that is a dangling link is found here
    // and refused when opened, not taken for a missing log.
    let has_log = |p: &Path| crate::safe_fs::is_present(&p.join("raft.log")).unwrap_or(false);
    if let Some(lp) = log_path {
        return [lp.join(cluster_id), lp.to_path_buf()]
            .into_iter()
            .find(|c| has_log(c));
    }
    let node_id = crate::filestore::FileStore::open(store_root, Default::default())
        .ok()
        .and_then(|mut fs| fs.server_info().ok().flatten())
        .and_then(|i| i.node_id);
    let mut bases: Vec<PathBuf> = Vec::new();
    if let Some(p) = store_root.parent() {
        bases.push(p.to_path_buf());
    }
    bases.push(store_root.to_path_buf());
    if let Ok(cwd) = std::env::current_dir() {
        bases.push(cwd);
    }
    for base in &bases {
        let top = base.join(cluster_id);
        if let Some(n) = &node_id {
            let c = top.join(n).join(cluster_id);
            if has_log(&c) {
                return Some(c);
            }
        }
        if let Ok(rd) = std::fs::read_dir(&top) {
            let found: BTreeSet<PathBuf> = rd
                .filter_map(|e| e.ok())
                .map(|e| e.path().join(cluster_id))
                .filter(|c| has_log(c))
                .collect();
            if found.len() == 1 {
                return found.into_iter().next();
            }
        }
    }
    let sibling = store_root.parent()?.join("raft").join(cluster_id);
    has_log(&sibling).then_some(sibling)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_util::hex;

    /// docs/FORMAT.md 7.10: encrypted `Publish` (key `mykey`, AES) of index 5.
    #[test]
    fn encrypted_publish_test_vector() {
        let data = hex(
            "01 26c9b1aa0000000000000002 8a34929105149da7ca13400888dff6c89df55d715da366526f277237bb547489cdea8d3f2ae76da0891301b8b73afe41f65c",
        );
        assert_eq!(data.len(), 63);
        assert_eq!(Cipher::from_code(data[0]), Some(Cipher::Aes));
        let key = MasterKey::from_user_key(b"mykey");
        let plain = decrypt_with_master(&key, &data).unwrap();
        assert_eq!(
            plain,
            hex("121e0a1c0801120463682e612208782d63682e612d3028d3c7a794d9f3c9f5185004")
        );
        let op = RaftOperation::decode(plain.as_slice()).unwrap();
        assert_eq!(op.op_type, op_type::PUBLISH);
        assert_eq!(op.channel_id, 4);
        assert!(decrypt_with_master(&MasterKey::from_user_key(b"other"), &data).is_err());
    }

    #[test]
    fn node_id_guess() {
        let three: Vec<RaftServer> = ["a", "b", "c"]
            .iter()
            .map(|n| RaftServer {
                id: n.to_string(),
                address: format!("cl.{n}.cl"),
                suffrage: 0,
            })
            .collect();
        assert_eq!(guess_node_id(Path::new("/x/cl/b/cl"), "cl", &three), "b");
        assert_eq!(guess_node_id(Path::new("/x/cl/z/cl"), "cl", &three), "");
        assert_eq!(guess_node_id(Path::new("/x/raft/cl"), "cl", &three), "");
        assert_eq!(
            guess_node_id(Path::new("/x/raft/cl"), "cl", &three[..1]),
            "a"
        );
    }
}
