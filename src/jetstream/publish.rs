//! Streams and their messages.
//!
//! Messages are published asynchronously, at most
//! [`RunOptions::max_pending_acks`] awaiting their acknowledgement, each
//! with `Nats-Expected-Last-Sequence` set to the JetStream sequence of the
//! message before it. The server refuses any message that would not
//! directly follow its predecessor, so whatever happens to a run (killed,
//! disconnected, publish refused), a stream holds an exact prefix of its
//! channel. A rerun reads the STAN sequence of the stream's last message
//! and publishes from the next one: no duplicates, whatever the duplicate
//! window.

use std::collections::VecDeque;
use std::future::IntoFuture;
use std::time::Duration;

use async_nats::jetstream::context::PublishAckFuture;
use async_nats::jetstream::stream;
use async_nats::jetstream::ErrorCode;
use async_nats::HeaderMap;

use crate::migrate::Progress;
use crate::model::{Message, MessageRange};

use super::connect::{within, Server};
use super::error::{JetStreamError, Result};
use super::plan::{Plan, StreamPlan};
use super::readers::Readers;
use super::{
    header_name, header_value, RunOptions, SeqMap, StreamReport, HDR_CHANNEL,
    HDR_EXPECTED_LAST_SEQ, HDR_MSG_ID, HDR_REPLY, HDR_SEQUENCE, HDR_TIMESTAMP,
};

/// The `Nats-Msg-Id` of a STAN message.
pub fn msg_id(cluster_id: &str, channel: &str, seq: u64) -> String {
    format!("{cluster_id}:{channel}:{seq}")
}

/// The headers a migrated message carries (without the expected last
/// sequence, which only matters when publishing).
pub fn message_headers(cluster_id: &str, channel: &str, msg: &Message) -> HeaderMap {
    let mut h = HeaderMap::new();
    h.insert(
        header_name(HDR_MSG_ID),
        msg_id(cluster_id, channel, msg.seq).as_str(),
    );
    h.insert(header_name(HDR_CHANNEL), channel);
    h.insert(header_name(HDR_SEQUENCE), msg.seq.to_string().as_str());
    h.insert(
        header_name(HDR_TIMESTAMP),
        msg.timestamp.to_string().as_str(),
    );
    if !msg.reply.is_empty() {
        h.insert(header_name(HDR_REPLY), msg.reply.as_str());
    }
    h
}

/// Stream info, `None` when there is no such stream.
pub async fn stream_info(server: &Server, name: &str) -> Result<Option<stream::Info>> {
    let what = || format!("stream {name}");
    server
        .info_if_any(
            format!("STREAM.INFO.{name}"),
            ErrorCode::STREAM_NOT_FOUND,
            what,
        )
        .await
}

/// The configuration a new stream gets.
pub fn stream_config(plan: &Plan, sp: &StreamPlan, first_seq: bool) -> stream::Config {
    let l = &sp.limits;
    stream::Config {
        name: sp.stream.clone(),
        subjects: vec![sp.subject.clone()],
        description: Some(format!(
            "STAN channel {} of cluster {}, migrated by stanctl",
            sp.channel, plan.cluster_id
        )),
        max_messages: l.max_msgs,
        max_bytes: l.max_bytes,
        max_age: Duration::from_nanos(u64::try_from(l.max_age_ns).unwrap_or(0)),
        duplicate_window: Duration::from_nanos(u64::try_from(l.duplicate_window_ns).unwrap_or(0)),
        storage: stream::StorageType::File,
        num_replicas: l.replicas,
        discard: stream::DiscardPolicy::Old,
        first_sequence: (first_seq && sp.stream_first_seq > 1).then_some(sp.stream_first_seq),
        ..stream::Config::default()
    }
}

/// The STAN sequence carried by message `seq` of stream `sp.stream`,
/// checking it belongs to `sp.channel`.
pub async fn stan_seq_of(server: &Server, sp: &StreamPlan, seq: u64) -> Result<u64> {
    stan_seq_at(server, sp, seq).await.map_err(Stop::into_error)
}

async fn stan_seq_at(server: &Server, sp: &StreamPlan, seq: u64) -> Result<u64, Stop> {
    let stream = within(
        server.timeout * 2,
        || format!("stream {}", sp.stream),
        server.js.get_stream_no_info(&sp.stream),
    )
    .await
    .or_retry()?;
    let msg = within(
        server.timeout * 2,
        || format!("stream {}: reading message {seq}", sp.stream),
        stream.get_raw_message(seq),
    )
    .await
    .or_retry()?;
    let channel = header_value(&msg.headers, HDR_CHANNEL);
    if channel.as_deref() != Some(sp.channel.as_str()) {
        return Err(Stop::Fatal(JetStreamError::ForeignStream {
            stream: sp.stream.clone(),
            message: format!(
                "already holds messages that are not from STAN channel {:?} (message {seq} has {HDR_CHANNEL} {:?})",
                sp.channel,
                channel.unwrap_or_default()
            ),
        }));
    }
    let stan = header_value(&msg.headers, HDR_SEQUENCE)
        .and_then(|v| v.parse::<u64>().ok())
        .ok_or_else(|| JetStreamError::ForeignStream {
            stream: sp.stream.clone(),
            message: format!("holds message {seq} without a valid {HDR_SEQUENCE} header"),
        })?;
    Ok(stan)
}

struct InFlight {
    stan: u64,
    js: u64,
    len: u64,
    ack: PublishAckFuture,
}

/// Why an attempt at a stream stopped.
enum Stop {
    /// The server did not take a message (no answer, a refused publish,
    /// a leader lost in a cluster): the stream still holds an exact prefix,
    /// the next attempt resumes after its last message.
    Retry(JetStreamError),
    /// Another attempt would fail the same way (the source, or the stream
    /// holding something else).
    Fatal(JetStreamError),
}

impl Stop {
    fn into_error(self) -> JetStreamError {
        match self {
            Stop::Retry(e) | Stop::Fatal(e) => e,
        }
    }
}

impl From<JetStreamError> for Stop {
    fn from(e: JetStreamError) -> Self {
        Stop::Fatal(e)
    }
}

trait OrRetry<T> {
    fn or_retry(self) -> Result<T, Stop>;
}

impl<T> OrRetry<T> for Result<T> {
    fn or_retry(self) -> Result<T, Stop> {
        self.map_err(Stop::Retry)
    }
}

/// What the attempts at one stream did in all.
#[derive(Default)]
struct StreamRun {
    attempts: u32,
    created: bool,
    /// The stream's STAN range before this run (first attempt).
    before: Option<(u64, u64)>,
    published: u64,
    already: u64,
    payload_bytes: u64,
    /// Highest STAN sequence the server acknowledged (acks settle in order).
    acked_up_to: u64,
    /// Highest STAN sequence counted in the progress.
    reported_up_to: u64,
    notes: Vec<String>,
}

impl StreamRun {
    /// A message found in the stream: counted once, as present before the
    /// run or as stored by an earlier attempt whose acknowledgement was lost.
    fn found(&mut self, seq: u64, len: u64, progress: &mut dyn Progress) {
        if self.attempts == 0 {
            self.already += 1;
        } else if seq > self.acked_up_to && self.before.is_none_or(|(_, last)| seq > last) {
            self.published += 1;
            self.payload_bytes += len;
            self.acked_up_to = seq;
        }
        self.count(seq, len, progress);
    }

    fn count(&mut self, seq: u64, len: u64, progress: &mut dyn Progress) {
        if seq > self.reported_up_to {
            self.reported_up_to = seq;
            progress.message(len);
        }
    }
}

async fn settle(
    sp: &StreamPlan,
    f: InFlight,
    timeout: Duration,
    run: &mut StreamRun,
) -> Result<(), Stop> {
    let ack = within(
        timeout * 3,
        || {
            format!(
                "channel {:?} seq {} → stream {} seq {}",
                sp.channel, f.stan, sp.stream, f.js
            )
        },
        f.ack.into_future(),
    )
    .await
    .or_retry()?;
    if ack.sequence != f.js {
        return Err(Stop::Fatal(JetStreamError::Interleaved {
            channel: sp.channel.clone(),
            stan: f.stan,
            stream: sp.stream.clone(),
            got: ack.sequence,
            expected: f.js,
            subject: sp.subject.clone(),
        }));
    }
    run.published += 1;
    run.payload_bytes += f.len;
    run.acked_up_to = f.stan;
    Ok(())
}

/// Attempts at a stream at most: the server not taking a message (a
/// cluster electing a new leader after losing a node) makes another
/// attempt, resuming after the stream's last message, after a pause.
const MAX_ATTEMPTS: u32 = 8;

/// The pause before attempt `n` + 1: 0.5 s, 1 s, 2 s, then 4 s.
pub(crate) fn retry_pause(n: u32) -> Duration {
    Duration::from_millis(250 << n.clamp(1, 4))
}

/// What a stream is migrated with and to.
#[derive(Clone, Copy)]
pub struct Target<'a> {
    pub server: &'a Server,
    pub plan: &'a Plan,
    pub opts: &'a RunOptions,
    /// The server can start a stream at a given sequence.
    pub first_seq_supported: bool,
}

/// Create (or find) the stream of `sp` and publish the messages it lacks.
pub async fn migrate_stream(
    t: Target<'_>,
    sp: &StreamPlan,
    readers: &Readers,
    progress: &mut dyn Progress,
) -> Result<(StreamReport, SeqMap)> {
    let server = t.server;
    let mut run = StreamRun::default();
    progress.channel_start(&sp.channel, sp.counts.msgs);
    let map = loop {
        match attempt(t, sp, readers, &mut run, progress).await {
            Ok(map) => break map,
            Err(Stop::Retry(e)) if run.attempts + 1 < MAX_ATTEMPTS => {
                run.attempts += 1;
                run.notes.push(format!(
                    "attempt {} stopped ({e}); resumed after the stream's last message",
                    run.attempts
                ));
                tokio::time::sleep(retry_pause(run.attempts)).await;
            }
            Err(Stop::Retry(e)) => {
                return Err(JetStreamError::GaveUp {
                    what: format!("stream {}", sp.stream),
                    attempts: MAX_ATTEMPTS,
                    rerun: "resumes after the last stored message",
                    last: Box::new(e),
                })
            }
            Err(Stop::Fatal(e)) => return Err(e),
        }
    };
    progress.channel_end();
    let after =
        stream_info(server, &sp.stream)
            .await?
            .ok_or_else(|| JetStreamError::ForeignStream {
                stream: sp.stream.clone(),
                message: "disappeared during the export".into(),
            })?;
    let seq_preserved = map.is_identity();
    if !seq_preserved && run.before.is_some() && !run.created {
        run.notes
            .push("JetStream sequences differ from STAN's: see seq_mapping".into());
    }
    let report = StreamReport {
        channel: sp.channel.clone(),
        stream: sp.stream.clone(),
        subject: sp.subject.clone(),
        created: run.created,
        resumed: run.before.is_some(),
        published: run.published,
        already_present: run.already,
        payload_bytes: run.payload_bytes,
        js_msgs: after.state.messages,
        js_first_seq: after.state.first_sequence,
        js_last_seq: after.state.last_sequence,
        seq_preserved,
        seq_mapping: map.ranges.clone(),
        consumers: Vec::new(),
        skipped_subscriptions: sp.skipped.len(),
        notes: run.notes,
    };
    Ok((report, map))
}

/// One pass over the channel: find (or create) the stream, skip what it
/// holds, publish the rest.
async fn attempt(
    t: Target<'_>,
    sp: &StreamPlan,
    readers: &Readers,
    run: &mut StreamRun,
    progress: &mut dyn Progress,
) -> Result<SeqMap, Stop> {
    let Target {
        server,
        plan,
        opts,
        first_seq_supported,
    } = t;
    let info = match stream_info(server, &sp.stream).await.or_retry()? {
        Some(info) => {
            if !info.config.subjects.iter().any(|s| s == &sp.subject) {
                return Err(Stop::Fatal(JetStreamError::ForeignStream {
                    stream: sp.stream.clone(),
                    message: format!(
                        "exists with subjects {:?}, not {:?}",
                        info.config.subjects, sp.subject
                    ),
                }));
            }
            info
        }
        None => {
            let cfg = stream_config(plan, sp, first_seq_supported);
            let info = server
                .api::<_, stream::Info>(format!("STREAM.CREATE.{}", sp.stream), &cfg)
                .await
                .or_retry()?
                .map_err(|error| {
                    Stop::Retry(JetStreamError::Api {
                        what: format!("creating stream {}", sp.stream),
                        error,
                    })
                })?;
            run.created = true;
            info
        }
    };
    let state = &info.state;
    // The STAN sequences of the stream's first and last messages.
    let resume = if state.messages > 0 {
        let first = stan_seq_at(server, sp, state.first_sequence).await?;
        let last = stan_seq_at(server, sp, state.last_sequence).await?;
        Some((first, last))
    } else {
        None
    };
    if run.attempts == 0 {
        run.before = resume;
    }
    let range = MessageRange {
        from_seq: resume.map(|(first, _)| first),
        ..MessageRange::default()
    };
    let mut js_next = match resume {
        Some(_) => state.first_sequence,
        None => state.last_sequence + 1,
    };
    if run.attempts == 0
        && run.created
        && resume.is_none()
        && sp.counts.msgs > 0
        && js_next != sp.counts.first_seq
    {
        run.notes.push(format!(
            "JetStream sequences differ from STAN's ({}): the server cannot start a stream at a given sequence (nats-server 2.10+ can)",
            if first_seq_supported { "first sequence refused" } else { "server too old" }
        ));
    }
    let mut map = SeqMap::default();
    let mut matched_last = resume.is_none();
    let mut window: VecDeque<InFlight> = VecDeque::new();
    let limit = opts.max_pending_acks.max(1);
    {
        let mut source = readers.messages(&sp.channel, range)?;
        while let Some(item) = source.next_message().await {
            let msg = item?;
            let len = msg.data.len() as u64;
            if let Some((first, last)) = resume {
                if msg.seq <= last {
                    if map.ranges.is_empty() && msg.seq != first {
                        return Err(Stop::Fatal(JetStreamError::SourceMismatch {
                            stream: sp.stream.clone(),
                            message: format!(
                                "starts with STAN seq {first}, but the channel's next message from there is seq {}",
                                msg.seq
                            ),
                        }));
                    }
                    map.push(msg.seq, js_next);
                    if msg.seq == last {
                        if js_next != state.last_sequence {
                            return Err(Stop::Fatal(JetStreamError::SourceMismatch {
                                stream: sp.stream.clone(),
                                message: format!(
                                    "holds {} messages up to STAN seq {last}, the channel {} up to there",
                                    state.last_sequence + 1 - state.first_sequence,
                                    js_next + 1 - state.first_sequence
                                ),
                            }));
                        }
                        matched_last = true;
                    }
                    js_next += 1;
                    run.found(msg.seq, len, progress);
                    continue;
                }
                if !matched_last {
                    return Err(Stop::Fatal(JetStreamError::SourceMismatch {
                        stream: sp.stream.clone(),
                        message: format!(
                            "its last message is STAN seq {last}, which the channel {:?} does not have",
                            sp.channel
                        ),
                    }));
                }
            }
            let mut headers = message_headers(&plan.cluster_id, &sp.channel, &msg);
            let expected_last = js_next - 1;
            if expected_last > 0 {
                headers.insert(
                    header_name(HDR_EXPECTED_LAST_SEQ),
                    expected_last.to_string().as_str(),
                );
            }
            let ack = within(
                opts.timeout * 3,
                || format!("publishing channel {:?} seq {}", sp.channel, msg.seq),
                server
                    .js
                    .publish_with_headers(sp.subject.clone(), headers, msg.data.clone()),
            )
            .await
            .or_retry()?;
            window.push_back(InFlight {
                stan: msg.seq,
                js: js_next,
                len,
                ack,
            });
            map.push(msg.seq, js_next);
            js_next += 1;
            run.count(msg.seq, len, progress);
            while window.len() >= limit {
                if let Some(f) = window.pop_front() {
                    settle(sp, f, opts.timeout, run).await?;
                }
            }
        }
    }
    while let Some(f) = window.pop_front() {
        settle(sp, f, opts.timeout, run).await?;
    }
    if !matched_last {
        return Err(Stop::Fatal(JetStreamError::SourceMismatch {
            stream: sp.stream.clone(),
            message: format!(
                "the channel {:?} ends before the stream's last message",
                sp.channel
            ),
        }));
    }
    Ok(map)
}
