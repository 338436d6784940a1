//! Export a STAN store to NATS JetStream, offline: the STAN server is not
//! needed, the store is read directly (any backend, through
//! [`StoreReader`]).
//!
//! * Each selected channel becomes a stream ([`plan`], [`names`]) whose
//!   messages keep their STAN sequence as JetStream sequence where the
//!   server lets a stream start at a given sequence (nats-server 2.10+);
//!   elsewhere the mapping is recorded in the report ([`publish`]).
//! * Every message carries [`HDR_MSG_ID`], [`HDR_CHANNEL`],
//!   [`HDR_SEQUENCE`] and [`HDR_TIMESTAMP`], and is published with
//!   `Nats-Expected-Last-Sequence`, so a stream is always an exact prefix of
//!   its channel: a rerun reads the STAN sequence of the stream's last
//!   message and goes on from the next one.
//! * Durable subscriptions become durable pull consumers positioned where
//!   STAN left them ([`consumers`]).
//! * [`verify`] compares the streams with the store.

pub mod connect;
pub mod consumers;
pub mod error;
pub mod names;
pub mod plan;
pub mod publish;
pub mod readers;
pub mod verify;

use std::cell::RefCell;
use std::time::Duration;

use futures::{StreamExt as _, TryStreamExt as _};

use serde::Serialize;

use crate::migrate::Progress;

pub use connect::{ConnectionOptions, NatsContext};
pub use error::JetStreamError;
use error::Result;
pub use plan::{
    build_plan, ConsumerKind, ConsumerPlan, Delivery, Plan, PlanOptions, StreamPlan,
    DEFAULT_DELIVER_SUBJECT_PREFIX,
};
pub use readers::OpenStore;
use readers::Readers;
pub use verify::VerifyReport;

/// `<cluster id>:<channel>:<sequence>`: makes a republish inside the
/// stream's duplicate window a no-op.
pub const HDR_MSG_ID: &str = "Nats-Msg-Id";
/// The STAN channel name.
pub const HDR_CHANNEL: &str = "Nats-Streaming-Channel";
/// The STAN sequence, decimal.
pub const HDR_SEQUENCE: &str = "Nats-Streaming-Sequence";
/// The STAN timestamp, nanoseconds since the Unix epoch, decimal.
pub const HDR_TIMESTAMP: &str = "Nats-Streaming-Timestamp";
/// The STAN reply subject, when the message had one.
pub const HDR_REPLY: &str = "Nats-Streaming-Reply";
/// Sent with every publish: the server refuses a message that would not
/// directly follow the previous one.
pub const HDR_EXPECTED_LAST_SEQ: &str = "Nats-Expected-Last-Sequence";

/// A header name as async-nats stores it after parsing a message (its
/// standard names, such as `Nats-Msg-Id`, are kept apart from custom ones:
/// a lookup must use the same form).
pub fn header_name(name: &str) -> async_nats::header::HeaderName {
    use async_nats::header::IntoHeaderName;
    name.parse().unwrap_or_else(|_| name.into_header_name())
}

/// The value of header `name` in `headers`.
pub fn header_value(headers: &async_nats::HeaderMap, name: &str) -> Option<String> {
    headers
        .get(header_name(name))
        .map(|v| v.as_str().to_string())
}

fn runtime() -> Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(JetStreamError::Runtime)
}

/// How a migration runs.
#[derive(Debug, Clone)]
pub struct RunOptions {
    /// Publishes awaiting their acknowledgement at most.
    pub max_pending_acks: usize,
    /// Create consumers for durable subscriptions.
    pub consumers: bool,
    /// Use the stream first sequence where the server supports it.
    pub use_first_seq: bool,
    /// Compare every stream with the store afterwards.
    pub verify: bool,
    /// Bound of every request and acknowledgement wait.
    pub timeout: Duration,
    /// Channels migrated at once (one store reader each).
    pub parallel: usize,
}

/// The default of [`RunOptions::parallel`]: the core count, at most 16.
pub fn default_parallel() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get().min(16))
}

impl Default for RunOptions {
    fn default() -> Self {
        RunOptions {
            max_pending_acks: 256,
            consumers: true,
            use_first_seq: true,
            verify: false,
            timeout: Duration::from_secs(10),
            parallel: default_parallel(),
        }
    }
}

/// STAN sequences `stan_first..=stan_last` are JetStream sequences from
/// `js_first` on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct SeqRange {
    pub stan_first: u64,
    pub stan_last: u64,
    pub js_first: u64,
}

/// STAN → JetStream sequences of one stream.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct SeqMap {
    pub ranges: Vec<SeqRange>,
}

impl SeqMap {
    /// Record that STAN `stan` is JetStream `js` (called in ascending order).
    pub fn push(&mut self, stan: u64, js: u64) {
        if let Some(last) = self.ranges.last_mut() {
            if stan == last.stan_last + 1 && js == last.js_first + (stan - last.stan_first) {
                last.stan_last = stan;
                return;
            }
        }
        self.ranges.push(SeqRange {
            stan_first: stan,
            stan_last: stan,
            js_first: js,
        });
    }

    /// The JetStream sequence of STAN `stan`, if it was migrated.
    pub fn js_of(&self, stan: u64) -> Option<u64> {
        let i = self.ranges.partition_point(|r| r.stan_first <= stan);
        let r = self.ranges.get(i.checked_sub(1)?)?;
        (stan <= r.stan_last).then(|| r.js_first + (stan - r.stan_first))
    }

    /// The JetStream sequence of the highest migrated STAN sequence at or
    /// below `stan`.
    pub fn js_floor(&self, stan: u64) -> Option<u64> {
        let i = self.ranges.partition_point(|r| r.stan_first <= stan);
        let r = self.ranges.get(i.checked_sub(1)?)?;
        Some(r.js_first + (stan.min(r.stan_last) - r.stan_first))
    }

    /// Whether every JetStream sequence equals its STAN sequence.
    pub fn is_identity(&self) -> bool {
        self.ranges.iter().all(|r| r.js_first == r.stan_first)
    }

    /// How many migrated messages have a JetStream sequence in `from..=to`.
    pub fn js_count(&self, from: u64, to: u64) -> u64 {
        self.ranges
            .iter()
            .map(|r| {
                let last = r.js_first + (r.stan_last - r.stan_first);
                let (a, b) = (from.max(r.js_first), to.min(last));
                if a <= b {
                    b - a + 1
                } else {
                    0
                }
            })
            .sum()
    }

    pub fn first_js(&self) -> Option<u64> {
        self.ranges.first().map(|r| r.js_first)
    }
}

/// What happened to one consumer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ConsumerAction {
    Created,
    /// A previous run stopped while positioning it: deleted and made again.
    Recreated,
    /// Made by a previous run: left as it is.
    Exists,
    /// A consumer of that name exists that stanctl did not make: untouched.
    SkippedForeign,
}

#[derive(Debug, Clone, Serialize)]
pub struct ConsumerReport {
    pub name: String,
    pub stan_key: String,
    pub action: ConsumerAction,
    /// Push consumers: where they send, and the queue group to use.
    pub deliver_subject: Option<String>,
    pub deliver_group: Option<String>,
    /// JetStream sequences, as positioned.
    pub deliver_from_js: u64,
    pub pending_js: Vec<u64>,
    pub next_new_js: u64,
    /// STAN pending sequences no longer in the stream (expired in STAN).
    pub pending_missing: Vec<u64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct StreamReport {
    pub channel: String,
    pub stream: String,
    pub subject: String,
    pub created: bool,
    /// The stream already held messages of this channel.
    pub resumed: bool,
    pub published: u64,
    pub already_present: u64,
    pub payload_bytes: u64,
    pub js_msgs: u64,
    pub js_first_seq: u64,
    pub js_last_seq: u64,
    /// JetStream sequence = STAN sequence for every message.
    pub seq_preserved: bool,
    pub seq_mapping: Vec<SeqRange>,
    pub consumers: Vec<ConsumerReport>,
    pub skipped_subscriptions: usize,
    pub notes: Vec<String>,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct ReportTotals {
    pub streams: usize,
    pub published: u64,
    pub already_present: u64,
    pub payload_bytes: u64,
    pub consumers_created: usize,
    pub consumers_existing: usize,
    pub consumers_skipped: usize,
    pub skipped_subscriptions: usize,
}

/// The outcome of a migration (the JSON of `migrate to-jetstream`).
#[derive(Debug, Clone, Serialize)]
pub struct MigrationReport {
    pub server: String,
    pub server_version: String,
    pub first_seq_supported: bool,
    pub cluster_id: String,
    pub streams: Vec<StreamReport>,
    pub totals: ReportTotals,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub verify: Option<VerifyReport>,
}

/// Whether a nats-server version (`2.10.4`, `v2.11.0-RC.1`) is at least
/// `major.minor`.
pub fn version_at_least(version: &str, major: u64, minor: u64) -> bool {
    let v = version.trim_start_matches('v');
    let mut parts = v.split(|c: char| !c.is_ascii_digit());
    let ma = parts
        .next()
        .and_then(|p| p.parse::<u64>().ok())
        .unwrap_or(0);
    let mi = parts
        .next()
        .and_then(|p| p.parse::<u64>().ok())
        .unwrap_or(0);
    (ma, mi) >= (major, minor)
}

/// Run the plan against a server: streams, messages, consumers, and the
/// verification when asked. One connection to the server carries every
/// request; the store is read by [`RunOptions::parallel`] reader threads,
/// each with its own reader made by `open` (for a SQL store, one database
/// connection each), which must return plaintext payloads (wrap an
/// encrypted store in a `DecryptingReader`).
pub fn migrate(
    open: OpenStore<'_>,
    plan: &Plan,
    conn: &ConnectionOptions,
    opts: &RunOptions,
    progress: &mut dyn Progress,
) -> Result<MigrationReport> {
    let rt = runtime()?;
    std::thread::scope(|scope| {
        let readers = Readers::start(scope, open, opts.parallel);
        let report = rt.block_on(migrate_async(&readers, plan, conn, opts, progress));
        // The reader threads end once the requests are closed.
        drop(readers);
        report
    })
}

/// The progress of the channels migrated at once: each reports on its own
/// lane (its index in the plan).
struct Lane<'a, 'p> {
    lane: usize,
    shared: &'a RefCell<&'p mut dyn Progress>,
}

impl Progress for Lane<'_, '_> {
    fn channel_start(&mut self, channel: &str, msgs: u64) {
        self.shared
            .borrow_mut()
            .lane_start(self.lane, channel, msgs);
    }
    fn message(&mut self, bytes: u64) {
        self.shared.borrow_mut().lane_message(self.lane, bytes);
    }
    fn channel_end(&mut self) {
        self.shared.borrow_mut().lane_end(self.lane);
    }
}

async fn migrate_async(
    readers: &Readers,
    plan: &Plan,
    conn: &ConnectionOptions,
    opts: &RunOptions,
    progress: &mut dyn Progress,
) -> Result<MigrationReport> {
    let server = connect::connect(conn).await?;
    let version = server.client.server_info().version;
    let first_seq_supported = opts.use_first_seq && version_at_least(&version, 2, 10);
    let mut report = MigrationReport {
        server: connect::redact_url(&conn.server),
        server_version: version,
        first_seq_supported,
        cluster_id: plan.cluster_id.clone(),
        streams: Vec::new(),
        totals: ReportTotals::default(),
        verify: None,
    };
    let target = publish::Target {
        server: &server,
        plan,
        opts,
        first_seq_supported,
    };
    let shared = RefCell::new(progress);
    // Up to `parallel` channels at once, each one ordered publisher; the
    // results in plan order; the first error stops the others.
    let done: Vec<(StreamReport, SeqMap)> = futures::stream::iter(plan.streams.iter().enumerate())
        .map(|(lane, sp)| {
            let shared = &shared;
            let server = &server;
            async move {
                let mut progress = Lane { lane, shared };
                let (mut sr, map) =
                    publish::migrate_stream(target, sp, readers, &mut progress).await?;
                if opts.consumers {
                    for cp in &sp.consumers {
                        let cr = consumer_with_retries(
                            server,
                            plan,
                            (sp, cp),
                            &map,
                            sr.js_last_seq,
                            opts,
                            &mut sr.notes,
                        )
                        .await?;
                        sr.consumers.push(cr);
                    }
                }
                Ok::<_, JetStreamError>((sr, map))
            }
        })
        .buffered(opts.parallel.max(1))
        .try_collect()
        .await?;
    let mut maps = Vec::with_capacity(done.len());
    for (sr, map) in done {
        let t = &mut report.totals;
        t.streams += 1;
        t.published += sr.published;
        t.already_present += sr.already_present;
        t.payload_bytes += sr.payload_bytes;
        t.skipped_subscriptions += sr.skipped_subscriptions;
        for c in &sr.consumers {
            match c.action {
                ConsumerAction::Created | ConsumerAction::Recreated => t.consumers_created += 1,
                ConsumerAction::Exists => t.consumers_existing += 1,
                ConsumerAction::SkippedForeign => t.consumers_skipped += 1,
            }
        }
        report.streams.push(sr);
        maps.push(map);
    }
    if opts.verify {
        let done = Some((&report, maps.as_slice()));
        report.verify = Some(verify::verify(&server, readers, plan, done, opts).await?);
    }
    let _ = connect::bounded(opts.timeout, String::new, server.client.flush()).await;
    Ok(report)
}

/// Attempts at a consumer at most. A consumer left incomplete by a failed
/// attempt (a cluster electing a new leader, a request without answer) is
/// made again by the next one.
const CONSUMER_ATTEMPTS: u32 = 6;

async fn consumer_with_retries(
    server: &connect::Server,
    plan: &Plan,
    (sp, cp): (&StreamPlan, &ConsumerPlan),
    map: &SeqMap,
    stream_last_js: u64,
    opts: &RunOptions,
    notes: &mut Vec<String>,
) -> Result<ConsumerReport> {
    let mut attempt = 1;
    loop {
        match consumers::migrate_consumer(server, plan, sp, cp, map, stream_last_js, opts).await {
            Ok(mut report) => {
                if attempt > 1 && report.action == ConsumerAction::Created {
                    report.action = ConsumerAction::Recreated;
                }
                return Ok(report);
            }
            // Another run's choice, not a passing failure.
            Err(e @ JetStreamError::ConsumerDelivery { .. }) => return Err(e),
            Err(e) if attempt < CONSUMER_ATTEMPTS => {
                notes.push(format!(
                    "consumer {}: attempt {attempt} stopped ({e}); made again",
                    cp.name
                ));
                attempt += 1;
                tokio::time::sleep(publish::retry_pause(attempt)).await;
            }
            Err(e) => {
                return Err(JetStreamError::GaveUp {
                    what: format!("consumer {} of stream {}", cp.name, sp.stream),
                    attempts: CONSUMER_ATTEMPTS,
                    rerun: "makes it again",
                    last: Box::new(e),
                })
            }
        }
    }
}

/// Compare the streams of `plan` on the server with the store, without
/// migrating anything (readers as for [`migrate`]).
pub fn verify_only(
    open: OpenStore<'_>,
    plan: &Plan,
    conn: &ConnectionOptions,
    opts: &RunOptions,
) -> Result<VerifyReport> {
    let rt = runtime()?;
    std::thread::scope(|scope| {
        let readers = Readers::start(scope, open, opts.parallel);
        let report = rt.block_on(async {
            let server = connect::connect(conn).await?;
            verify::verify(&server, &readers, plan, None, opts).await
        });
        drop(readers);
        report
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seq_map() {
        let mut m = SeqMap::default();
        for (s, j) in [(5, 1), (6, 2), (7, 3), (9, 4), (10, 5)] {
            m.push(s, j);
        }
        assert_eq!(m.ranges.len(), 2);
        assert_eq!(m.js_of(5), Some(1));
        assert_eq!(m.js_of(7), Some(3));
        assert_eq!(m.js_of(8), None);
        assert_eq!(m.js_of(10), Some(5));
        assert_eq!(m.js_of(4), None);
        assert_eq!(m.js_floor(4), None);
        assert_eq!(m.js_floor(8), Some(3));
        assert_eq!(m.js_floor(99), Some(5));
        assert!(!m.is_identity());
        assert_eq!(m.js_count(1, 5), 5);
        assert_eq!(m.js_count(2, 4), 3);
        assert_eq!(m.js_count(6, 9), 0);
        assert_eq!(m.js_count(3, 2), 0);
        let mut id = SeqMap::default();
        id.push(3, 3);
        id.push(4, 4);
        assert!(id.is_identity());
        assert_eq!(id.ranges.len(), 1);
    }

    #[test]
    fn versions() {
        assert!(version_at_least("2.10.0", 2, 10));
        assert!(version_at_least("v2.11.3-RC.1", 2, 10));
        assert!(!version_at_least("2.9.10", 2, 10));
        assert!(version_at_least("3.0.0", 2, 10));
    }
}
