//! `--verify`: every stream against its channel in the store — message
//! count, first/last sequence, and each message's payload and headers —
//! and every consumer's configuration (and position, when this run made it).

use std::time::Duration;

use async_nats::jetstream::consumer::{pull, AckPolicy, DeliverPolicy};
use futures::{StreamExt as _, TryStreamExt as _};
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::model::{Message, MessageRange};

use super::connect::{bounded, pull_through, within, Pulled, Server};
use super::consumers::{consumer_info, delivery_differs};
use super::error::{JetStreamError, Result};
use super::plan::{Plan, StreamPlan};
use super::publish::{msg_id, stan_seq_of, stream_info};
use super::readers::Readers;
use super::{
    header_value, ConsumerAction, MigrationReport, RunOptions, SeqMap, StreamReport, HDR_CHANNEL,
    HDR_MSG_ID, HDR_REPLY, HDR_SEQUENCE, HDR_TIMESTAMP,
};

/// Differences listed at most (all are counted).
const MAX_LISTED: usize = 100;

#[derive(Debug, Clone, Default, Serialize)]
pub struct StreamVerify {
    pub channel: String,
    pub stream: String,
    /// Messages of the channel from the stream's first STAN sequence on.
    pub source_msgs: u64,
    pub stream_msgs: u64,
    pub js_first_seq: u64,
    pub js_last_seq: u64,
    pub stan_first_seq: u64,
    pub stan_last_seq: u64,
    /// Every JetStream sequence equals the message's STAN sequence.
    pub seq_preserved: bool,
    pub messages_checked: u64,
    pub consumers_checked: usize,
    pub differences: usize,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct VerifyReport {
    pub ok: bool,
    pub streams: Vec<StreamVerify>,
    pub difference_count: usize,
    /// The first differences found.
    pub differences: Vec<String>,
}

impl VerifyReport {
    fn diff(&mut self, sv: &mut StreamVerify, what: String) {
        sv.differences += 1;
        self.difference_count += 1;
        if self.differences.len() < MAX_LISTED {
            self.differences.push(what);
        }
    }

    /// Add the report of one more stream.
    fn merge(&mut self, part: VerifyReport) {
        self.streams.extend(part.streams);
        self.difference_count += part.difference_count;
        let room = MAX_LISTED.saturating_sub(self.differences.len());
        self.differences
            .extend(part.differences.into_iter().take(room));
    }
}

fn sha(data: &[u8]) -> String {
    hex::encode(Sha256::digest(data))
}

/// Verify the streams of `plan`, [`RunOptions::parallel`] at once, each
/// read beside its channel from `readers`. After a migration (`done`: its
/// report and sequence maps, in plan order) the positions of the consumers
/// it made are checked too; otherwise the consumers' configurations only.
pub async fn verify(
    server: &Server,
    readers: &Readers,
    plan: &Plan,
    done: Option<(&MigrationReport, &[SeqMap])>,
    opts: &RunOptions,
) -> Result<VerifyReport> {
    let parts: Vec<VerifyReport> = futures::stream::iter(plan.streams.iter().enumerate())
        .map(|(i, sp)| async move {
            let sr = done.and_then(|(report, _)| report.streams.get(i));
            let map = done.and_then(|(_, maps)| maps.get(i));
            let mut part = VerifyReport::default();
            let sv = verify_stream(server, readers, plan, sp, sr, map, opts, &mut part).await?;
            part.streams.push(sv);
            Ok::<_, JetStreamError>(part)
        })
        .buffered(opts.parallel.max(1))
        .try_collect()
        .await?;
    let mut out = VerifyReport::default();
    for part in parts {
        out.merge(part);
    }
    out.ok = out.difference_count == 0;
    Ok(out)
}

#[allow(clippy::too_many_arguments)]
async fn verify_stream(
    server: &Server,
    readers: &Readers,
    plan: &Plan,
    sp: &StreamPlan,
    sr: Option<&StreamReport>,
    map: Option<&SeqMap>,
    opts: &RunOptions,
    out: &mut VerifyReport,
) -> Result<StreamVerify> {
    let mut sv = StreamVerify {
        channel: sp.channel.clone(),
        stream: sp.stream.clone(),
        seq_preserved: true,
        ..StreamVerify::default()
    };
    let Some(info) = stream_info(server, &sp.stream).await? else {
        out.diff(&mut sv, format!("stream {}: missing", sp.stream));
        return Ok(sv);
    };
    let state = &info.state;
    sv.stream_msgs = state.messages;
    sv.js_first_seq = state.first_sequence;
    sv.js_last_seq = state.last_sequence;
    let stan_first = if state.messages > 0 {
        stan_seq_of(server, sp, state.first_sequence).await?
    } else {
        0
    };
    sv.stan_first_seq = stan_first;

    // Read the stream with an ephemeral consumer, alongside the channel.
    let range = MessageRange {
        from_seq: (stan_first > 0).then_some(stan_first),
        ..MessageRange::default()
    };
    let mut source = readers.messages(&sp.channel, range)?;
    let mut expected_js = state.first_sequence;
    if state.messages > 0 {
        let reading = || format!("reading stream {}", sp.stream);
        let stream = within(
            server.timeout * 2,
            reading,
            server.js.get_stream_no_info(&sp.stream),
        )
        .await?;
        let reader = within(
            server.timeout * 2,
            reading,
            stream.create_consumer(pull::Config {
                deliver_policy: DeliverPolicy::All,
                ack_policy: AckPolicy::None,
                inactive_threshold: Duration::from_secs(60),
                description: Some("stanctl verify".into()),
                ..pull::Config::default()
            }),
        )
        .await?;
        let pulled = pull_through(
            &reader,
            state.first_sequence - 1,
            state.last_sequence,
            1000,
            opts.timeout * 2,
            &reading,
            async |m, js| {
                sv.messages_checked += 1;
                let src = match source.next_message().await {
                    Some(r) => Some(r?),
                    None => None,
                };
                compare(
                    plan,
                    sp,
                    &m,
                    js,
                    expected_js,
                    src.as_ref(),
                    map,
                    &mut sv,
                    out,
                );
                expected_js = js + 1;
                Ok(())
            },
        )
        .await?;
        if let Pulled::Stalled { after } = pulled {
            out.diff(
                &mut sv,
                format!(
                    "stream {}: could not read past seq {after} (last {})",
                    sp.stream, state.last_sequence
                ),
            );
        }
        let _ = bounded(
            server.timeout * 2,
            reading,
            stream.delete_consumer(&reader.cached_info().name),
        )
        .await;
    }
    sv.source_msgs = sv.messages_checked;
    let mut extra = 0u64;
    while let Some(item) = source.next_message().await {
        let msg = item?;
        extra += 1;
        if extra == 1 {
            out.diff(
                &mut sv,
                format!(
                    "stream {}: channel {:?} seq {} and later are not in the stream",
                    sp.stream, sp.channel, msg.seq
                ),
            );
        }
    }
    sv.source_msgs += extra;
    drop(source);
    if sv.stream_msgs != sv.messages_checked {
        let what = format!(
            "stream {}: {} messages, {} read",
            sp.stream, sv.stream_msgs, sv.messages_checked
        );
        out.diff(&mut sv, what);
    }

    for cp in &sp.consumers {
        let Some(cr) = sr.and_then(|r| r.consumers.iter().find(|c| c.name == cp.name)) else {
            if sr.is_some() {
                continue; // consumers not migrated in this run
            }
            check_consumer_config(server, sp, cp, &mut sv, out).await?;
            continue;
        };
        if cr.action == ConsumerAction::SkippedForeign {
            continue;
        }
        let Some(info) = check_consumer_config(server, sp, cp, &mut sv, out).await? else {
            continue;
        };
        if matches!(
            cr.action,
            ConsumerAction::Created | ConsumerAction::Recreated
        ) {
            let next_js = cr.next_new_js;
            if info.delivered.stream_sequence + 1 != next_js {
                out.diff(
                    &mut sv,
                    format!(
                        "consumer {}: delivered up to {}, expected {}",
                        cp.name,
                        info.delivered.stream_sequence,
                        next_js - 1
                    ),
                );
            }
            if info.num_ack_pending != cr.pending_js.len() {
                out.diff(
                    &mut sv,
                    format!(
                        "consumer {}: {} unacknowledged, expected {}",
                        cp.name,
                        info.num_ack_pending,
                        cr.pending_js.len()
                    ),
                );
            }
        }
    }
    Ok(sv)
}

async fn check_consumer_config(
    server: &Server,
    sp: &StreamPlan,
    cp: &super::ConsumerPlan,
    sv: &mut StreamVerify,
    out: &mut VerifyReport,
) -> Result<Option<async_nats::jetstream::consumer::Info>> {
    sv.consumers_checked += 1;
    let Some(info) = consumer_info(server, &sp.stream, &cp.name).await? else {
        out.diff(
            sv,
            format!("consumer {} of stream {}: missing", cp.name, sp.stream),
        );
        return Ok(None);
    };
    let c = &info.config;
    if c.durable_name.as_deref() != Some(cp.name.as_str()) {
        out.diff(
            sv,
            format!("consumer {}: not durable ({:?})", cp.name, c.durable_name),
        );
    }
    if c.ack_wait != Duration::from_secs(u64::try_from(cp.ack_wait_s).unwrap_or(0)) {
        out.diff(
            sv,
            format!(
                "consumer {}: ack wait {:?}, expected {}s",
                cp.name, c.ack_wait, cp.ack_wait_s
            ),
        );
    }
    if let Some((found, wanted)) = delivery_differs(cp, c) {
        out.diff(
            sv,
            format!("consumer {}: {found}, expected {wanted}", cp.name),
        );
    }
    if c.max_ack_pending != cp.max_ack_pending {
        out.diff(
            sv,
            format!(
                "consumer {}: max ack pending {}, expected {}",
                cp.name, c.max_ack_pending, cp.max_ack_pending
            ),
        );
    }
    Ok(Some(info))
}

#[allow(clippy::too_many_arguments)]
fn compare(
    plan: &Plan,
    sp: &StreamPlan,
    m: &async_nats::jetstream::Message,
    js: u64,
    expected_js: u64,
    src: Option<&Message>,
    map: Option<&SeqMap>,
    sv: &mut StreamVerify,
    out: &mut VerifyReport,
) {
    let at = format!("stream {} seq {js}", sp.stream);
    let Some(src) = src else {
        out.diff(sv, format!("{at}: not in the channel (extra message)"));
        return;
    };
    sv.stan_last_seq = src.seq;
    if js != src.seq {
        sv.seq_preserved = false;
    }
    if js != expected_js {
        out.diff(sv, format!("{at}: expected seq {expected_js} (gap)"));
    }
    if let Some(j) = map.and_then(|mp| mp.js_of(src.seq)) {
        if j != js {
            out.diff(sv, format!("{at}: STAN seq {} was mapped to {j}", src.seq));
        }
    }
    if m.subject.as_str() != sp.subject {
        out.diff(sv, format!("{at}: subject {:?}", m.subject.as_str()));
    }
    if m.payload != src.data {
        out.diff(
            sv,
            format!(
                "{at}: payload sha256 {} ({} bytes), STAN seq {} has {} ({} bytes)",
                sha(&m.payload),
                m.payload.len(),
                src.seq,
                sha(&src.data),
                src.data.len()
            ),
        );
    }
    let header = |name: &str| m.headers.as_ref().and_then(|h| header_value(h, name));
    let want = [
        (
            HDR_MSG_ID,
            Some(msg_id(&plan.cluster_id, &sp.channel, src.seq)),
        ),
        (HDR_CHANNEL, Some(sp.channel.clone())),
        (HDR_SEQUENCE, Some(src.seq.to_string())),
        (HDR_TIMESTAMP, Some(src.timestamp.to_string())),
        (
            HDR_REPLY,
            (!src.reply.is_empty()).then(|| src.reply.clone()),
        ),
    ];
    for (name, value) in want {
        let got = header(name);
        if got != value {
            out.diff(
                sv,
                format!("{at}: header {name} {got:?}, expected {value:?}"),
            );
        }
    }
}
