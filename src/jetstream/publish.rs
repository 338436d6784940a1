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

use anyhow::{bail, Context as _};
use async_nats::jetstream::context::PublishAckFuture;
use async_nats::jetstream::stream;
use async_nats::jetstream::ErrorCode;
use async_nats::HeaderMap;
use serde_json::json;

use crate::migrate::Progress;
use crate::model::{Message, MessageRange};
use crate::store::StoreReader;

use super::connect::{bounded, Server};
use super::plan::{Plan, StreamPlan};
use super::{
    header_name, header_value, BlockingMessages, RunOptions, SeqMap, StreamReport, HDR_CHANNEL,
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
pub async fn stream_info(server: &Server, name: &str) -> anyhow::Result<Option<stream::Info>> {
    match server
        .api::<_, stream::Info>(format!("STREAM.INFO.{name}"), &json!({}))
        .await?
    {
        Ok(info) => Ok(Some(info)),
        Err(e) if e.error_code() == ErrorCode::STREAM_NOT_FOUND => Ok(None),
        Err(e) => bail!("stream {name}: {e}"),
    }
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
pub async fn stan_seq_of(server: &Server, sp: &StreamPlan, seq: u64) -> anyhow::Result<u64> {
    let stream = bounded(server.timeout * 2, server.js.get_stream_no_info(&sp.stream))
        .await?
        .with_context(|| format!("stream {}", sp.stream))?;
    let msg = bounded(server.timeout * 2, stream.get_raw_message(seq))
        .await?
        .with_context(|| format!("stream {}: reading message {seq}", sp.stream))?;
    let channel = header_value(&msg.headers, HDR_CHANNEL);
    if channel.as_deref() != Some(sp.channel.as_str()) {
        bail!(
            "stream {} already holds messages that are not from STAN channel {:?} (message {seq} has {HDR_CHANNEL} {:?}); \
             choose another stream name (--stream-name, --stream-prefix)",
            sp.stream,
            sp.channel,
            channel.unwrap_or_default()
        );
    }
    header_value(&msg.headers, HDR_SEQUENCE)
        .and_then(|v| v.parse::<u64>().ok())
        .with_context(|| {
            format!(
                "stream {}: message {seq} has no valid {HDR_SEQUENCE} header",
                sp.stream
            )
        })
}

struct InFlight {
    stan: u64,
    js: u64,
    ack: PublishAckFuture,
}

async fn settle(sp: &StreamPlan, f: InFlight, timeout: Duration) -> anyhow::Result<()> {
    let ack = bounded(timeout * 3, f.ack.into_future())
        .await
        .with_context(|| {
            format!(
                "channel {:?} seq {}: no acknowledgement from the server",
                sp.channel, f.stan
            )
        })?
        .map_err(|e| {
            anyhow::anyhow!(
                "channel {:?} seq {} → stream {} seq {}: {e} (a rerun resumes after the last stored message)",
                sp.channel,
                f.stan,
                sp.stream,
                f.js
            )
        })?;
    if ack.sequence != f.js {
        bail!(
            "channel {:?} seq {}: stored as stream {} seq {} instead of {} (is something else publishing to {}?)",
            sp.channel,
            f.stan,
            sp.stream,
            ack.sequence,
            f.js,
            sp.subject
        );
    }
    Ok(())
}

/// Create (or find) the stream of `sp` and publish the messages it lacks.
pub async fn migrate_stream(
    server: &Server,
    store: &mut dyn StoreReader,
    plan: &Plan,
    sp: &StreamPlan,
    opts: &RunOptions,
    first_seq_supported: bool,
    progress: &mut dyn Progress,
) -> anyhow::Result<(StreamReport, SeqMap)> {
    let mut notes = Vec::new();
    let (info, created) = match stream_info(server, &sp.stream).await? {
        Some(info) => {
            if !info.config.subjects.iter().any(|s| s == &sp.subject) {
                bail!(
                    "stream {} exists with subjects {:?}, not {:?}; choose another stream name (--stream-name, --stream-prefix)",
                    sp.stream,
                    info.config.subjects,
                    sp.subject
                );
            }
            (info, false)
        }
        None => {
            let cfg = stream_config(plan, sp, first_seq_supported);
            let info = server
                .api::<_, stream::Info>(format!("STREAM.CREATE.{}", sp.stream), &cfg)
                .await?
                .map_err(|e| anyhow::anyhow!("creating stream {}: {e}", sp.stream))?;
            (info, true)
        }
    };
    let state = &info.state;
    // The STAN sequences of the stream's first and last messages.
    let resume = if state.messages > 0 {
        let first = stan_seq_of(server, sp, state.first_sequence).await?;
        let last = stan_seq_of(server, sp, state.last_sequence).await?;
        Some((first, last))
    } else {
        None
    };
    let range = MessageRange {
        from_seq: resume.map(|(first, _)| first),
        ..MessageRange::default()
    };
    let mut js_next = match resume {
        Some(_) => state.first_sequence,
        None => state.last_sequence + 1,
    };
    if created && resume.is_none() && sp.msgs > 0 && js_next != sp.first_seq {
        notes.push(format!(
            "JetStream sequences differ from STAN's ({}): the server cannot start a stream at a given sequence (nats-server 2.10+ can)",
            if first_seq_supported { "first sequence refused" } else { "server too old" }
        ));
    }
    let mut map = SeqMap::default();
    let mut published = 0u64;
    let mut already = 0u64;
    let mut payload_bytes = 0u64;
    let mut matched_last = resume.is_none();
    let mut window: VecDeque<InFlight> = VecDeque::new();
    let limit = opts.max_pending_acks.max(1);
    progress.channel_start(&sp.channel, sp.msgs);
    {
        let mut source = BlockingMessages::open(store, &sp.channel, range)?;
        while let Some(item) = source.next_message() {
            let msg = item?;
            let len = msg.data.len() as u64;
            if let Some((first, last)) = resume {
                if msg.seq <= last {
                    if map.ranges.is_empty() && msg.seq != first {
                        bail!(
                            "stream {} starts with STAN seq {first}, but the channel's next message from there is seq {}: \
                             the source is not the one migrated before",
                            sp.stream,
                            msg.seq
                        );
                    }
                    map.push(msg.seq, js_next);
                    if msg.seq == last {
                        if js_next != state.last_sequence {
                            bail!(
                                "stream {} holds {} messages up to STAN seq {last}, the channel {} up to there: \
                                 the source is not the one migrated before",
                                sp.stream,
                                state.last_sequence + 1 - state.first_sequence,
                                js_next + 1 - state.first_sequence
                            );
                        }
                        matched_last = true;
                    }
                    js_next += 1;
                    already += 1;
                    progress.message(len);
                    continue;
                }
                if !matched_last {
                    bail!(
                        "the channel {:?} has no message {last}, the last one in stream {}: the source is not the one migrated before",
                        sp.channel,
                        sp.stream
                    );
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
            let ack = bounded(
                opts.timeout * 3,
                server
                    .js
                    .publish_with_headers(sp.subject.clone(), headers, msg.data.clone()),
            )
            .await?
            .with_context(|| format!("publishing channel {:?} seq {}", sp.channel, msg.seq))?;
            window.push_back(InFlight {
                stan: msg.seq,
                js: js_next,
                ack,
            });
            map.push(msg.seq, js_next);
            js_next += 1;
            published += 1;
            payload_bytes += len;
            progress.message(len);
            while window.len() >= limit {
                if let Some(f) = window.pop_front() {
                    settle(sp, f, opts.timeout).await?;
                }
            }
        }
    }
    while let Some(f) = window.pop_front() {
        settle(sp, f, opts.timeout).await?;
    }
    progress.channel_end();
    if !matched_last {
        bail!(
            "the channel {:?} ends before the last message of stream {}: the source is not the one migrated before",
            sp.channel,
            sp.stream
        );
    }
    let after = stream_info(server, &sp.stream)
        .await?
        .with_context(|| format!("stream {} disappeared", sp.stream))?;
    let seq_preserved = map.is_identity();
    if !seq_preserved && resume.is_some() && !created {
        notes.push("JetStream sequences differ from STAN's: see seq_mapping".into());
    }
    let report = StreamReport {
        channel: sp.channel.clone(),
        stream: sp.stream.clone(),
        subject: sp.subject.clone(),
        created,
        resumed: resume.is_some(),
        published,
        already_present: already,
        payload_bytes,
        js_msgs: after.state.messages,
        js_first_seq: after.state.first_sequence,
        js_last_seq: after.state.last_sequence,
        seq_preserved,
        seq_mapping: map.ranges.clone(),
        consumers: Vec::new(),
        skipped_subscriptions: sp.skipped.len(),
        notes,
    };
    Ok((report, map))
}
