//! Copy a store from any backend to any other: one pipeline over a
//! `StoreReader` and a `StoreWriter`, streaming, with a verification pass
//! that re-reads the target.

use std::collections::{BTreeMap, HashMap};

use bytes::Bytes;
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::crypto::{decrypt_payload, encrypt_payload, Cipher, MasterKey, NonceSequence};
use crate::error::{Result, StoreError};
use crate::model::{Limits, LimitsSource, MessageRange, Subscription};
use crate::store::{StoreReader, StoreWriter};

/// What happens to payloads on the way.
pub enum PayloadCrypto {
    /// Copied as stored (encrypted stays encrypted with the same key).
    Keep,
    /// Decrypted with the source key (`--to-plaintext`).
    Decrypt { source: MasterKey },
    /// Decrypted with the source key when there is one, then encrypted
    /// with the target key and cipher.
    Encrypt {
        source: Option<MasterKey>,
        target: MasterKey,
        cipher: Cipher,
    },
}

/// Which part of the source to copy.
#[derive(Debug, Clone, Default)]
pub struct Selection {
    /// Channel names or subject patterns (`*`, `>`); empty = all.
    pub channels: Vec<String>,
    pub from_seq: Option<u64>,
    pub since_ns: Option<i64>,
}

impl Selection {
    pub fn wants(&self, channel: &str) -> bool {
        patterns_select(&self.channels, channel)
    }
}

/// Whether channel names and subject patterns select `channel`; none
/// selects every channel.
pub fn patterns_select(patterns: &[String], channel: &str) -> bool {
    patterns.is_empty() || patterns.iter().any(|p| subject_matches(p, channel))
}

/// NATS subject matching: `*` one token, `>` the rest.
pub fn subject_matches(pattern: &str, subject: &str) -> bool {
    let mut subject_tokens = subject.split('.');
    for p in pattern.split('.') {
        match (p, subject_tokens.next()) {
            (">", Some(s)) => return !s.is_empty(),
            ("*", Some(_)) => {}
            (p, Some(s)) if p == s => {}
            _ => return false,
        }
    }
    subject_tokens.next().is_none()
}

/// What the target must hold beyond a plain copy.
#[derive(Debug, Clone, Default)]
pub struct Policy {
    /// Write an empty channel whose sequence the target cannot keep (a file
    /// store without the record of its last message): the server restarts
    /// its sequence at 1 (`--allow-sequence-reset`).
    pub allow_sequence_reset: bool,
    /// The server version the target is for (`--for-server-version`):
    /// what it cannot represent is refused, naming why.
    pub for_server: Option<crate::check::compat::Version>,
}

/// Receives progress; the CLI draws bars, tests ignore it.
pub trait Progress {
    fn channel_start(&mut self, _channel: &str, _msgs: u64) {}
    fn message(&mut self, _bytes: u64) {}
    fn channel_end(&mut self) {}
    /// Channels done at once (the JetStream export's `--parallel`): the
    /// same, for the channel on `lane`.
    fn lane_start(&mut self, _lane: usize, channel: &str, msgs: u64) {
        self.channel_start(channel, msgs);
    }
    fn lane_message(&mut self, _lane: usize, bytes: u64) {
        self.message(bytes);
    }
    fn lane_end(&mut self, _lane: usize) {
        self.channel_end();
    }
}

pub struct NoProgress;
impl Progress for NoProgress {}

#[derive(Debug, Clone, Default, Serialize)]
pub struct ChannelReport {
    pub name: String,
    pub msgs: u64,
    /// Payload bytes copied (as written to the target).
    pub payload_bytes: u64,
    pub first_seq: u64,
    pub last_seq: u64,
    pub subscriptions: usize,
    /// The limits written with the channel (SQL `Channels` row), and where
    /// they came from; absent for a file target, which keeps none.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub limits: Option<Limits>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub limits_from: Option<&'static str>,
    /// How the sequence of a channel left without messages was carried
    /// (absent when the channel has messages or the target keeps it).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub empty_sequence: Option<String>,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct MigrateReport {
    pub cluster_id: String,
    pub clients: usize,
    pub channels: Vec<ChannelReport>,
    pub msgs: u64,
    pub payload_bytes: u64,
    pub subscriptions: usize,
}

/// Copy `src` into `dst` and make the target visible. On any error the
/// writer is dropped unfinished, so no valid-looking target remains.
pub fn migrate(
    src: &mut dyn StoreReader,
    mut dst: Box<dyn StoreWriter>,
    selection: &Selection,
    crypto: &PayloadCrypto,
    policy: &Policy,
    progress: &mut dyn Progress,
) -> Result<MigrateReport> {
    // Unknown is never 0: a copy without them would be a store whose
    // clients and durables are silently gone.
    if let Some(why) = src.membership_unknown() {
        return Err(StoreError::Invalid(format!(
            "refusing to migrate: the clients and subscriptions of the source are unknown ({why}); \
             the target would hold none of them (durables would restart from scratch)"
        )));
    }
    let mut info = src.server_info()?.ok_or_else(|| {
        StoreError::Invalid("the source holds no server information: nothing to migrate".into())
    })?;
    // The target is a standalone store: a cluster node's clients and
    // subscriptions (from its Raft log) are written into it, and a node id
    // would make the server look for a Raft log it does not have.
    info.node_id = None;
    dst.server_info(&info)?;
    let mut report = MigrateReport {
        cluster_id: info.cluster_id.clone(),
        ..MigrateReport::default()
    };
    for client in src.clients()? {
        dst.add_client(&client)?;
        report.clients += 1;
    }
    let range = MessageRange {
        from_seq: selection.from_seq,
        since_ns: selection.since_ns,
        ..MessageRange::default()
    };
    for name in src.channel_names()? {
        if !selection.wants(&name) {
            continue;
        }
        let stats = src.channel_stats(&name)?;
        let (limits, source) = src.channel_limits(&name)?;
        let (limits, limits_from) = limits_to_write(limits, source);
        dst.begin_channel(&stats, &limits)?;
        progress.channel_start(&name, stats.counts.msgs);
        let mut channel = ChannelReport {
            name: name.clone(),
            first_seq: stats.counts.first_seq,
            last_seq: stats.counts.last_seq,
            limits: dst.keeps_limits().then_some(limits),
            limits_from: dst.keeps_limits().then_some(limits_from),
            ..ChannelReport::default()
        };
        let mut transform = ChannelCrypto::new(crypto, &name, stats.counts.last_seq)?;
        let mut previous: Option<u64> = None;
        for msg in src.messages(&name, range)? {
            let mut msg = msg?;
            if let Some(version) = &policy.for_server {
                match previous {
                    Some(prev) if msg.seq > prev + 1 => refuse_gap(version, &name, prev, msg.seq)?,
                    None if matches!(crypto, PayloadCrypto::Keep) => {
                        refuse_envelope(version, &name, msg.seq, &msg.data)?
                    }
                    _ => {}
                }
            }
            previous = Some(msg.seq);
            msg.data = transform.apply(&name, msg.seq, msg.data)?;
            dst.append_message(&msg)?;
            channel.msgs += 1;
            channel.payload_bytes += msg.data.len() as u64;
            progress.message(msg.data.len() as u64);
        }
        if stats.counts.msgs == 0 && stats.counts.last_seq > 0 && !dst.keeps_empty_sequence() {
            channel.empty_sequence = Some(keep_empty_sequence(
                src,
                dst.as_mut(),
                &name,
                stats.counts.last_seq,
                &mut transform,
                policy,
            )?);
        }
        for sub in src.subscriptions(&name)? {
            dst.add_subscription(&sub)?;
            channel.subscriptions += 1;
        }
        dst.end_channel()?;
        progress.channel_end();
        report.msgs += channel.msgs;
        report.payload_bytes += channel.payload_bytes;
        report.subscriptions += channel.subscriptions;
        report.channels.push(channel);
    }
    dst.finish()?;
    Ok(report)
}

/// The limits a server would record for the channel (SQL `Channels`):
/// those the source knows (its `-c` config or its own rows), else the
/// server's defaults, which it writes when it creates a channel without a
/// config. Limits of 0 would never trim anything a later config sets.
fn limits_to_write(limits: Limits, source: LimitsSource) -> (Limits, &'static str) {
    match source {
        LimitsSource::Config => (limits, "the -c configuration"),
        LimitsSource::Store => (limits, "the source store's Channels row"),
        LimitsSource::Unknown => (
            crate::config::StoreLimits::default().global_effective(),
            "the server's defaults (no -c given)",
        ),
    }
}

/// A gap the target's server version cannot serve right (the rule is
/// check's, in one place).
fn refuse_gap(
    version: &crate::check::compat::Version,
    name: &str,
    prev: u64,
    next: u64,
) -> Result<()> {
    use crate::check::compat::{reasons_against, sequence_gap};
    let place = format!(
        "channel {name:?} (seq {} to {} missing)",
        prev + 1,
        next - 1
    );
    refuse_for(
        version,
        reasons_against(&[sequence_gap(&place)], version),
        "such a store cannot be written for it",
    )
}

/// Payloads copied as stored that look encrypted, for a version without
/// encryption (it would deliver the envelope as the payload).
fn refuse_envelope(
    version: &crate::check::compat::Version,
    name: &str,
    seq: u64,
    data: &[u8],
) -> Result<()> {
    use crate::check::compat::{encrypted_payloads, reasons_against};
    let Some(cipher) = crate::crypto::likely_envelope(data) else {
        return Ok(());
    };
    let place = format!(", channel {name:?} seq {seq}");
    refuse_for(
        version,
        reasons_against(&encrypted_payloads(cipher.name(), &place), version),
        "give the source key so they are written in plaintext",
    )
}

/// The error for a target `version` that the `reasons` found (check's
/// reasons against it); none: go on.
fn refuse_for(
    version: &crate::check::compat::Version,
    reasons: Vec<String>,
    remedy: &'static str,
) -> Result<()> {
    if reasons.is_empty() {
        return Ok(());
    }
    Err(StoreError::NotForServer {
        version: version.to_string(),
        reasons: reasons.join("; "),
        remedy,
    })
}

/// A channel whose messages were all removed by limits keeps its sequence
/// in a file store only through records: as the server, which never deletes
/// its last slice's records, write the record of the last sequence. The
/// server recovers it and removes it again by the same limits, so it goes
/// on at last + 1. Without that record, refuse unless a reset is allowed.
fn keep_empty_sequence(
    src: &mut dyn StoreReader,
    dst: &mut dyn StoreWriter,
    name: &str,
    last_seq: u64,
    transform: &mut ChannelCrypto,
    policy: &Policy,
) -> Result<String> {
    match src.expired_tail(name)? {
        Some(mut tail) if tail.seq == last_seq => {
            tail.data = transform.apply(name, tail.seq, tail.data)?;
            dst.append_message(&tail)?;
            Ok(format!(
                "kept the expired record of seq {last_seq}: the server removes it again by the \
                 same limits and continues at {}",
                last_seq + 1
            ))
        }
        _ if policy.allow_sequence_reset => Ok(format!(
            "written empty: the server restarts the sequence at 1, not {}",
            last_seq + 1
        )),
        _ => Err(StoreError::SequenceReset {
            channel: name.to_string(),
            last_seq,
        }),
    }
}

/// The payload transformation of one channel, with its own nonces.
enum ChannelCrypto {
    Keep,
    Decrypt(crate::crypto::ChannelKey),
    Encrypt {
        source: Option<crate::crypto::ChannelKey>,
        target: crate::crypto::ChannelKey,
        cipher: Cipher,
        nonces: NonceSequence,
    },
}

impl ChannelCrypto {
    fn new(crypto: &PayloadCrypto, channel: &str, last_seq: u64) -> Result<Self> {
        Ok(match crypto {
            PayloadCrypto::Keep => ChannelCrypto::Keep,
            PayloadCrypto::Decrypt { source } => {
                ChannelCrypto::Decrypt(source.channel_key(channel))
            }
            PayloadCrypto::Encrypt {
                source,
                target,
                cipher,
            } => ChannelCrypto::Encrypt {
                source: source.as_ref().map(|k| k.channel_key(channel)),
                target: target.channel_key(channel),
                cipher: *cipher,
                nonces: NonceSequence::for_channel(last_seq)
                    .map_err(|e| StoreError::Invalid(e.to_string()))?,
            },
        })
    }

    fn apply(&mut self, channel: &str, seq: u64, data: Bytes) -> Result<Bytes> {
        let fail = |e: crate::crypto::CryptoError| StoreError::Decrypt {
            channel: channel.to_string(),
            seq,
            message: e.to_string(),
        };
        Ok(match self {
            ChannelCrypto::Keep => data,
            ChannelCrypto::Decrypt(key) => Bytes::from(decrypt_payload(key, &data).map_err(fail)?),
            ChannelCrypto::Encrypt {
                source,
                target,
                cipher,
                nonces,
                ..
            } => {
                let plain = match source {
                    Some(key) => decrypt_payload(key, &data).map_err(fail)?,
                    None => data.to_vec(),
                };
                Bytes::from(encrypt_payload(target, *cipher, nonces, &plain).map_err(fail)?)
            }
        })
    }
}

/// One difference between source and target.
#[derive(Debug, Clone, Serialize)]
pub struct Difference {
    pub what: String,
    pub source: String,
    pub target: String,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct VerifyChannel {
    pub name: String,
    pub source_msgs: u64,
    pub target_msgs: u64,
    pub source_subscriptions: usize,
    pub target_subscriptions: usize,
    pub differences: usize,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct VerifyReport {
    pub ok: bool,
    pub channels: Vec<VerifyChannel>,
    pub clients_source: usize,
    pub clients_target: usize,
    /// The first differences found (at most 100).
    pub differences: Vec<Difference>,
    pub difference_count: usize,
}

impl VerifyReport {
    fn differ(&mut self, what: String, source: impl ToString, target: impl ToString) {
        self.difference_count += 1;
        if self.differences.len() < 100 {
            self.differences.push(Difference {
                what,
                source: source.to_string(),
                target: target.to_string(),
            });
        }
    }
}

/// What must survive a migration of one subscription: everything but the
/// id, which a SQL target renumbers.
fn sub_key(s: &Subscription) -> (String, String, String) {
    (
        s.inbox.clone(),
        s.durable_name.clone(),
        s.queue_group.clone(),
    )
}

fn sub_state(s: &Subscription) -> String {
    format!(
        "client={:?} ack_inbox={:?} max_in_flight={} ack_wait={} last_sent={} pending={:?} durable={} closed={}",
        s.client_id,
        s.ack_inbox,
        s.max_in_flight,
        s.ack_wait_s,
        s.last_sent,
        s.pending,
        s.is_durable,
        s.is_closed
    )
}

/// Re-read the target and compare every message (seq, timestamp, subject,
/// reply, payload hash), subscription and client with the source. Both
/// readers should present plaintext (or both the same ciphertext).
pub fn verify(
    src: &mut dyn StoreReader,
    dst: &mut dyn StoreReader,
    selection: &Selection,
) -> Result<VerifyReport> {
    let mut report = VerifyReport::default();
    let src_info = src.server_info()?;
    let dst_info = dst.server_info()?;
    let src_cluster = src_info.map(|i| i.cluster_id).unwrap_or_default();
    let dst_cluster = dst_info.map(|i| i.cluster_id).unwrap_or_default();
    if src_cluster != dst_cluster {
        report.differ("cluster id".into(), &src_cluster, &dst_cluster);
    }
    let mut clients: BTreeMap<String, [Option<String>; 2]> = BTreeMap::new();
    let (src_clients, dst_clients) = (src.clients()?, dst.clients()?);
    report.clients_source = src_clients.len();
    report.clients_target = dst_clients.len();
    for (side, list) in [src_clients, dst_clients].into_iter().enumerate() {
        for c in list {
            clients.entry(c.id.clone()).or_default()[side] = Some(format!("{c:?}"));
        }
    }
    for (id, [a, b]) in clients {
        if a != b {
            report.differ(
                format!("client {id:?}"),
                a.unwrap_or_default(),
                b.unwrap_or_default(),
            );
        }
    }
    let range = MessageRange {
        from_seq: selection.from_seq,
        since_ns: selection.since_ns,
        ..MessageRange::default()
    };
    let src_names: Vec<String> = src
        .channel_names()?
        .into_iter()
        .filter(|n| selection.wants(n))
        .collect();
    let dst_names = dst.channel_names()?;
    for name in &dst_names {
        if !src_names.contains(name) {
            report.differ(format!("channel {name:?}"), "absent", "present");
        }
    }
    for name in &src_names {
        let mut ch = VerifyChannel {
            name: name.clone(),
            ..VerifyChannel::default()
        };
        let before = report.difference_count;
        if !dst_names.contains(name) {
            report.differ(format!("channel {name:?}"), "present", "absent");
            report.channels.push(ch);
            continue;
        }
        let (s, d) = (
            src.channel_stats(name)?.counts,
            dst.channel_stats(name)?.counts,
        );
        if (s.first_seq, s.last_seq) != (d.first_seq, d.last_seq)
            && selection.from_seq.is_none()
            && selection.since_ns.is_none()
        {
            report.differ(
                format!("channel {name:?} first/last seq"),
                format!("{}..{}", s.first_seq, s.last_seq),
                format!("{}..{}", d.first_seq, d.last_seq),
            );
        }
        let mut src_iter = src.messages(name, range)?;
        let mut dst_iter = dst.messages(name, range)?;
        loop {
            let (a, b) = (src_iter.next().transpose()?, dst_iter.next().transpose()?);
            match (a, b) {
                (None, None) => break,
                (Some(a), None) => {
                    ch.source_msgs += 1;
                    report.differ(format!("{name} seq {}", a.seq), "present", "missing");
                }
                (None, Some(b)) => {
                    ch.target_msgs += 1;
                    report.differ(format!("{name} seq {}", b.seq), "missing", "present");
                }
                (Some(a), Some(b)) => {
                    ch.source_msgs += 1;
                    ch.target_msgs += 1;
                    let digest = |m: &crate::model::Message| {
                        format!(
                            "seq={} ts={} subject={:?} reply={:?} sha256={}",
                            m.seq,
                            m.timestamp,
                            m.subject,
                            m.reply,
                            hex::encode(Sha256::digest(&m.data))
                        )
                    };
                    let (da, db) = (digest(&a), digest(&b));
                    if da != db {
                        report.differ(format!("{name} seq {}", a.seq), da, db);
                    }
                }
            }
        }
        drop(src_iter);
        drop(dst_iter);
        let src_subs: HashMap<_, _> = src
            .subscriptions(name)?
            .into_iter()
            .map(|s| (sub_key(&s), s))
            .collect();
        let dst_subs: HashMap<_, _> = dst
            .subscriptions(name)?
            .into_iter()
            .map(|s| (sub_key(&s), s))
            .collect();
        ch.source_subscriptions = src_subs.len();
        ch.target_subscriptions = dst_subs.len();
        for (key, s) in &src_subs {
            match dst_subs.get(key) {
                None => report.differ(format!("{name} subscription {key:?}"), "present", "missing"),
                Some(d) if sub_state(s) != sub_state(d) => report.differ(
                    format!("{name} subscription {key:?}"),
                    sub_state(s),
                    sub_state(d),
                ),
                Some(_) => {}
            }
        }
        for key in dst_subs.keys() {
            if !src_subs.contains_key(key) {
                report.differ(format!("{name} subscription {key:?}"), "missing", "present");
            }
        }
        ch.differences = report.difference_count - before;
        report.channels.push(ch);
    }
    report.ok = report.difference_count == 0;
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::subject_matches;

    #[test]
    fn subjects() {
        assert!(subject_matches("orders.*", "orders.eu"));
        assert!(subject_matches("orders.>", "orders.eu.x"));
        assert!(!subject_matches("orders.*", "orders.eu.x"));
        assert!(subject_matches("payments", "payments"));
        assert!(!subject_matches("payments", "payments.x"));
        assert!(!subject_matches(">", ""));
    }
}
