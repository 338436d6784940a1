//! Durable subscriptions → durable pull (or push) consumers, positioned
//! where STAN left them.
//!
//! A consumer starts at the first message the application must receive
//! next: its first unacknowledged message, or the first never sent. To make
//! JetStream's state match STAN's, stanctl then plays the application once:
//! it takes every message up to the subscription's last sent one (pulled,
//! or received on a push consumer's deliver subject), acks
//! those STAN had seen acknowledged, and NAKs the unacknowledged ones —
//! first with a 1 ns delay, which JetStream stores as "redelivery due now"
//! (so it survives a server restart), then plainly, which queues them for
//! immediate redelivery. The application then receives exactly what STAN
//! would have delivered: the unacknowledged messages (flagged as
//! redelivered), in order, then the ones never sent.
//!
//! A consumer is made with a description saying it is being positioned;
//! only when it is complete does it get its final description and
//! `max_ack_pending`. A rerun leaves complete consumers alone and remakes
//! incomplete ones.

use std::collections::{BTreeSet, VecDeque};
use std::time::Duration;

use async_nats::jetstream::consumer::{self, pull, AckPolicy, DeliverPolicy};
use async_nats::jetstream::stream::Stream;
use async_nats::jetstream::ErrorCode;
use async_nats::jetstream::{AckKind, Message};
use futures::StreamExt;
use serde_json::json;

use super::connect::{bounded, pull_through, within, Pulled, Server};
use super::error::{JetStreamError, Result};
use super::plan::{ConsumerKind, ConsumerPlan, Delivery, Plan, StreamPlan};
use super::{ConsumerAction, ConsumerReport, RunOptions, SeqMap};

/// Description of a consumer stanctl is still positioning.
pub const POSITIONING: &str = "stanctl: positioning from STAN (incomplete)";

/// Description of a complete consumer.
pub fn final_description(plan: &Plan, sp: &StreamPlan, cp: &ConsumerPlan) -> String {
    let kind = match cp.kind {
        ConsumerKind::Durable => "durable",
        ConsumerKind::DurableQueue => "durable queue group",
    };
    format!(
        "stanctl: STAN {kind} {} on channel {} of cluster {}",
        cp.stan_key, sp.channel, plan.cluster_id
    )
}

/// Consumer info, `None` when there is no such consumer.
pub async fn consumer_info(
    server: &Server,
    stream: &str,
    name: &str,
) -> Result<Option<consumer::Info>> {
    let subject = format!("CONSUMER.INFO.{stream}.{name}");
    let what = || format!("consumer {name} of stream {stream}");
    server
        .info_if_any(subject, ErrorCode::CONSUMER_NOT_FOUND, what)
        .await
}

/// Where a consumer goes, in JetStream sequences.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Position {
    pub deliver_from: u64,
    pub last_sent: u64,
    pub pending: Vec<u64>,
    pub missing: Vec<u64>,
}

/// Translate the STAN position of `cp` with `map`. `before_first` is the
/// JetStream sequence just before the stream's first migrated message.
pub fn position(cp: &ConsumerPlan, map: &SeqMap, before_first: u64) -> Position {
    let mut pending = Vec::new();
    let mut missing = Vec::new();
    for &s in &cp.pending {
        match map.js_of(s) {
            Some(j) => pending.push(j),
            None => missing.push(s),
        }
    }
    let last_sent = map.js_floor(cp.last_sent).unwrap_or(before_first);
    // Pending sequences are at most last sent; keep only those (a store
    // could say otherwise after damage).
    pending.retain(|&j| j <= last_sent);
    let deliver_from = pending.first().copied().unwrap_or(last_sent + 1);
    Position {
        deliver_from,
        last_sent,
        pending,
        missing,
    }
}

fn config(
    cp: &ConsumerPlan,
    deliver_from: u64,
    description: String,
    max_ack_pending: i64,
) -> consumer::Config {
    consumer::Config {
        durable_name: Some(cp.name.clone()),
        description: Some(description),
        deliver_subject: cp.deliver_subject.clone(),
        deliver_group: cp.deliver_group.clone(),
        deliver_policy: DeliverPolicy::ByStartSequence {
            start_sequence: deliver_from,
        },
        ack_policy: AckPolicy::Explicit,
        ack_wait: Duration::from_secs(u64::try_from(cp.ack_wait_s).unwrap_or(30)),
        max_ack_pending,
        ..consumer::Config::default()
    }
}

/// How a consumer delivers, in words: `pull`, `push to S`, `push to S, group G`.
pub fn delivery_text(subject: Option<&str>, group: Option<&str>) -> String {
    match (subject, group) {
        (None, _) => "pull".into(),
        (Some(s), None) => format!("push to {s}"),
        (Some(s), Some(g)) => format!("push to {s}, group {g}"),
    }
}

/// The plan's delivery against an existing consumer's: `Some((found,
/// wanted))` when they differ.
pub fn delivery_differs(cp: &ConsumerPlan, c: &consumer::Config) -> Option<(String, String)> {
    let found = delivery_text(c.deliver_subject.as_deref(), c.deliver_group.as_deref());
    let wanted = delivery_text(cp.deliver_subject.as_deref(), cp.deliver_group.as_deref());
    (found != wanted).then_some((found, wanted))
}

/// Create and position the consumer of `cp` (or find it done).
pub async fn migrate_consumer(
    server: &Server,
    plan: &Plan,
    sp: &StreamPlan,
    cp: &ConsumerPlan,
    map: &SeqMap,
    stream_last_js: u64,
    opts: &RunOptions,
) -> Result<ConsumerReport> {
    let before_first = map.first_js().map(|f| f - 1).unwrap_or(stream_last_js);
    let pos = position(cp, map, before_first);
    let mut report = ConsumerReport {
        name: cp.name.clone(),
        stan_key: cp.stan_key.clone(),
        action: ConsumerAction::Created,
        deliver_subject: cp.deliver_subject.clone(),
        deliver_group: cp.deliver_group.clone(),
        deliver_from_js: pos.deliver_from,
        pending_js: pos.pending.clone(),
        next_new_js: pos.last_sent + 1,
        pending_missing: pos.missing.clone(),
    };
    let done = final_description(plan, sp, cp);
    if let Some(info) = consumer_info(server, &sp.stream, &cp.name).await? {
        let desc = info.config.description.clone().unwrap_or_default();
        if desc == done {
            if let Some((found, wanted)) = delivery_differs(cp, &info.config) {
                return Err(JetStreamError::ConsumerDelivery {
                    consumer: cp.name.clone(),
                    stream: sp.stream.clone(),
                    found,
                    wanted,
                });
            }
            report.action = ConsumerAction::Exists;
            return Ok(report);
        }
        if desc != POSITIONING {
            report.action = ConsumerAction::SkippedForeign;
            return Ok(report);
        }
        let deleted = server
            .api::<_, serde_json::Value>(
                format!("CONSUMER.DELETE.{}.{}", sp.stream, cp.name),
                &json!({}),
            )
            .await?;
        if let Err(error) = deleted {
            return Err(JetStreamError::Api {
                what: format!(
                    "deleting the incomplete consumer {} of stream {}",
                    cp.name, sp.stream
                ),
                error,
            });
        }
        report.action = ConsumerAction::Recreated;
    }
    let stream = within(
        server.timeout * 2,
        || format!("stream {}", sp.stream),
        server.js.get_stream_no_info(&sp.stream),
    )
    .await?;
    match cp.delivery {
        Delivery::Pull => position_pull(server, sp, cp, &pos, &stream, opts).await?,
        Delivery::Push => position_push(server, sp, cp, &pos, map, &stream, opts).await?,
    }
    // Check the state, then mark the consumer complete.
    let info = consumer_info(server, &sp.stream, &cp.name)
        .await?
        .ok_or_else(|| consumer_error(sp, cp, "disappeared while positioned".into()))?;
    if info.delivered.stream_sequence != pos.last_sent || info.num_ack_pending != pos.pending.len()
    {
        return Err(consumer_error(
            sp,
            cp,
            format!(
                "positioned at delivered {} with {} unacknowledged, expected {} and {} (a rerun makes it again)",
                info.delivered.stream_sequence,
                info.num_ack_pending,
                pos.last_sent,
                pos.pending.len()
            ),
        ));
    }
    within(
        server.timeout * 2,
        || format!("completing consumer {} on stream {}", cp.name, sp.stream),
        stream.create_consumer(config(cp, pos.deliver_from, done, cp.max_ack_pending)),
    )
    .await?;
    Ok(report)
}

/// Messages a positioning pull asks for at once.
const BATCH: u64 = 256;

/// Pull every message up to the last sent one: ack what STAN had acked,
/// hold the rest, then NAK those.
async fn position_pull(
    server: &Server,
    sp: &StreamPlan,
    cp: &ConsumerPlan,
    pos: &Position,
    stream: &Stream<()>,
    opts: &RunOptions,
) -> Result<()> {
    let positioning_max = i64::try_from(pos.pending.len() as u64 + BATCH + 1).unwrap_or(i64::MAX);
    let creating = || format!("creating consumer {} on stream {}", cp.name, sp.stream);
    let cfg = config(cp, pos.deliver_from, POSITIONING.into(), positioning_max);
    let cfg = <pull::Config as consumer::FromConsumer>::try_from_consumer_config(cfg)
        .map_err(|e| JetStreamError::client(creating(), &*e))?;
    let consumer = within(server.timeout * 2, creating, stream.create_consumer(cfg)).await?;

    // Play the application once: ack what STAN had acked, hold the rest.
    let pending: BTreeSet<u64> = pos.pending.iter().copied().collect();
    let mut held = Vec::new();
    let mut deferred_ack = None;
    let pulling = || format!("pulling from consumer {} of stream {}", cp.name, sp.stream);
    let pulled = pull_through(
        &consumer,
        pos.deliver_from - 1,
        pos.last_sent,
        BATCH,
        opts.timeout * 2,
        &pulling,
        async |m, seq| {
            beyond_last_sent(sp, cp, pos, seq)?;
            if pending.contains(&seq) {
                held.push(m);
            } else if let Some(prev) = deferred_ack.replace(m) {
                ack(cp, &prev, AckKind::Ack, opts, false).await?;
            }
            Ok(())
        },
    )
    .await?;
    if let Pulled::Stalled { after } = pulled {
        return Err(consumer_error(
            sp,
            cp,
            format!(
                "no message after stream seq {after} (expected up to {})",
                pos.last_sent
            ),
        ));
    }
    release(cp, &held, deferred_ack.as_slice(), opts).await
}

/// NAK the `held` messages — first with a 1 ns delay, which JetStream
/// stores as "redelivery due now" (surviving a restart), then plainly, which
/// queues them in order — then ack the `acked` ones; the server confirms
/// the last of all.
async fn release(
    cp: &ConsumerPlan,
    held: &[Message],
    acked: &[Message],
    opts: &RunOptions,
) -> Result<()> {
    for m in held {
        ack(
            cp,
            m,
            AckKind::Nak(Some(Duration::from_nanos(1))),
            opts,
            false,
        )
        .await?;
    }
    let naks = held.iter().map(|m| (m, AckKind::Nak(None)));
    let acks = acked.iter().map(|m| (m, AckKind::Ack));
    let all: Vec<_> = naks.chain(acks).collect();
    let n = all.len();
    for (i, (m, kind)) in all.into_iter().enumerate() {
        ack(cp, m, kind, opts, i + 1 == n).await?;
    }
    Ok(())
}

/// The stream sequence of `m`, a message taken while positioning: `None`
/// for a held one redelivered after its ack wait; an error beyond the last
/// sent one.
fn taken_seq(
    sp: &StreamPlan,
    cp: &ConsumerPlan,
    pos: &Position,
    last_seen: u64,
    m: &Message,
    what: &dyn Fn() -> String,
) -> Result<Option<u64>> {
    let seq = m
        .info()
        .map_err(|e| JetStreamError::client(what(), &*e))?
        .stream_sequence;
    if seq <= last_seen {
        return Ok(None);
    }
    beyond_last_sent(sp, cp, pos, seq)?;
    Ok(Some(seq))
}

/// Positioning must never take a message STAN had not sent.
fn beyond_last_sent(sp: &StreamPlan, cp: &ConsumerPlan, pos: &Position, seq: u64) -> Result<()> {
    if seq > pos.last_sent {
        return Err(consumer_error(
            sp,
            cp,
            format!(
                "delivered stream seq {seq}, beyond the last sent {}",
                pos.last_sent
            ),
        ));
    }
    Ok(())
}

/// Receive every message up to the last sent one on the deliver subject
/// (as the application would: with its queue group, if any), ack what STAN
/// had acked and hold the rest; then stop listening, wait until the server
/// sees no one listening, and NAK the held ones, which it then keeps for the
/// application.
///
/// A push consumer sends as long as fewer than `max_ack_pending` messages
/// are unacknowledged, so nothing beyond the last sent one may be sent: with
/// `total` messages to take and a limit `m` while positioning, at most
/// `total - m` acks go out before all `total` have come.
async fn position_push(
    server: &Server,
    sp: &StreamPlan,
    cp: &ConsumerPlan,
    pos: &Position,
    map: &SeqMap,
    stream: &Stream<()>,
    opts: &RunOptions,
) -> Result<()> {
    let total = map.js_count(pos.deliver_from, pos.last_sent);
    let pending_n = pos.pending.len() as u64;
    // At least 1: 0 would mean no limit.
    let m = total.min(pending_n + BATCH).max(1);
    let acks_allowed = total.saturating_sub(m);
    let receiving = || {
        format!(
            "receiving from push consumer {} of stream {}",
            cp.name, sp.stream
        )
    };
    let client = &server.client;
    let mut sub = match (&cp.deliver_subject, total) {
        (_, 0) | (None, _) => None,
        (Some(subject), _) => Some(match &cp.deliver_group {
            Some(g) => {
                within(
                    server.timeout,
                    receiving,
                    client.queue_subscribe(subject.clone(), g.clone()),
                )
                .await?
            }
            None => within(server.timeout, receiving, client.subscribe(subject.clone())).await?,
        }),
    };
    let creating = || format!("creating consumer {} on stream {}", cp.name, sp.stream);
    let cfg = config(
        cp,
        pos.deliver_from,
        POSITIONING.into(),
        i64::try_from(m).unwrap_or(i64::MAX),
    );
    within(server.timeout * 2, creating, stream.create_consumer(cfg)).await?;

    let pending: BTreeSet<u64> = pos.pending.iter().copied().collect();
    let mut held = Vec::new();
    let mut to_ack = VecDeque::new();
    let mut acks_sent = 0u64;
    let mut received = 0u64;
    let mut last_seen = pos.deliver_from - 1;
    if let Some(sub) = sub.as_mut() {
        while received < total {
            let Some(msg) = bounded(opts.timeout * 2, receiving, sub.next()).await? else {
                return Err(consumer_error(
                    sp,
                    cp,
                    "the deliver subscription ended".into(),
                ));
            };
            let m = Message {
                message: msg,
                context: server.js.clone(),
            };
            let Some(seq) = taken_seq(sp, cp, pos, last_seen, &m, &receiving)? else {
                continue;
            };
            received += 1;
            last_seen = seq;
            if pending.contains(&seq) {
                held.push(m);
            } else {
                to_ack.push_back(m);
            }
            while acks_sent < acks_allowed {
                let Some(a) = to_ack.pop_front() else { break };
                ack(cp, &a, AckKind::Ack, opts, false).await?;
                acks_sent += 1;
            }
        }
    }
    if let Some(sub) = sub {
        within(server.timeout, receiving, async move {
            let mut sub = sub;
            sub.unsubscribe().await
        })
        .await?;
        within(server.timeout, receiving, client.flush()).await?;
        // The server learns of the lost interest on its own time.
        let deadline = tokio::time::Instant::now() + server.timeout;
        loop {
            let info = consumer_info(server, &sp.stream, &cp.name).await?;
            if !info.as_ref().is_some_and(|i| i.push_bound) {
                break;
            }
            if tokio::time::Instant::now() >= deadline {
                return Err(consumer_error(
                    sp,
                    cp,
                    "still has a listener on its deliver subject (is an application running?)"
                        .into(),
                ));
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
    // Nobody listens now: what is NAKed stays queued for the application.
    release(cp, &held, to_ack.make_contiguous(), opts).await
}

fn consumer_error(sp: &StreamPlan, cp: &ConsumerPlan, message: String) -> JetStreamError {
    JetStreamError::Consumer {
        consumer: cp.name.clone(),
        stream: sp.stream.clone(),
        message,
    }
}

/// Acknowledge `m`; `confirmed` waits for the server to confirm (the last
/// one, so that the state read next includes every acknowledgement).
async fn ack(
    cp: &ConsumerPlan,
    m: &Message,
    kind: AckKind,
    opts: &RunOptions,
    confirmed: bool,
) -> Result<()> {
    let what = || format!("consumer {}: acknowledging", cp.name);
    if confirmed {
        within(opts.timeout * 2, what, m.double_ack_with(kind)).await
    } else {
        within(opts.timeout * 2, what, m.ack_with(kind)).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions() {
        let cp = ConsumerPlan {
            name: "d".into(),
            kind: ConsumerKind::Durable,
            delivery: Delivery::Pull,
            deliver_subject: None,
            deliver_group: None,
            stan_key: "c/d".into(),
            durable_name: "d".into(),
            queue_group: None,
            clients: vec!["c".into()],
            subscription_ids: vec![1],
            offline: false,
            ack_wait_s: 30,
            max_ack_pending: 10,
            last_sent: 15,
            pending: vec![2, 4, 6, 7],
            deliver_from_seq: 2,
            next_new_seq: 16,
        };
        // Identity from 3 on (1 and 2 expired in STAN).
        let mut map = SeqMap::default();
        for s in 3..=20 {
            map.push(s, s);
        }
        let p = position(&cp, &map, 2);
        assert_eq!(p.pending, [4, 6, 7]);
        assert_eq!(p.missing, [2]);
        assert_eq!(p.deliver_from, 4);
        assert_eq!(p.last_sent, 15);
        // Shifted: STAN 3.. → JS 1..
        let mut map = SeqMap::default();
        for s in 3..=20 {
            map.push(s, s - 2);
        }
        let p = position(&cp, &map, 0);
        assert_eq!(p.pending, [2, 4, 5]);
        assert_eq!(p.deliver_from, 2);
        assert_eq!(p.last_sent, 13);
        // Nothing sent yet.
        let cp0 = ConsumerPlan {
            last_sent: 0,
            pending: vec![],
            ..cp
        };
        let p = position(&cp0, &map, 0);
        assert_eq!(p.deliver_from, 1);
        assert_eq!(p.last_sent, 0);
    }
}
