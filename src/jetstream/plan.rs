//! The plan: what each selected channel and subscription becomes in
//! JetStream. Built from the store alone, so `--dry-run` needs no server.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use crate::migrate::patterns_select;
use crate::model::{ChannelCounts, Limits, LimitsSource, Subscription};
use crate::store::StoreReader;

use super::error::{JetStreamError, Result};
use super::names::{self, Candidate};

/// JetStream's default duplicate window (2 minutes).
pub const DEFAULT_DUPLICATE_WINDOW_NS: i64 = 120_000_000_000;

/// Default start of a push consumer's deliver subject (then `<stream>.<consumer>`).
pub const DEFAULT_DELIVER_SUBJECT_PREFIX: &str = "_stan.deliver.";

/// How the consumers deliver.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Delivery {
    /// The application fetches (no deliver subject).
    #[default]
    Pull,
    /// The server sends to a deliver subject (and, for a queue group, to a
    /// deliver group).
    Push,
}

/// How the plan is made.
#[derive(Debug, Clone)]
pub struct PlanOptions {
    /// Channel names or subject patterns (`*`, `>`); empty = all.
    pub channels: Vec<String>,
    /// Only subscriptions of these client ids (durable queue groups: any
    /// member); empty = all.
    pub clients: Vec<String>,
    /// Prepended to every stream name the rule makes (not to overrides).
    pub stream_prefix: String,
    /// Prepended verbatim to every subject (e.g. `migrated.`).
    pub subject_prefix: String,
    /// Channel → stream name, replacing the rule.
    pub stream_names: BTreeMap<String, String>,
    pub replicas: usize,
    /// Make unlimited streams, whatever the channels' limits.
    pub no_limits: bool,
    /// Pull or push consumers.
    pub delivery: Delivery,
    /// Push consumers: deliver subject = this + stream + `.` + consumer.
    pub deliver_subject_prefix: String,
}

impl Default for PlanOptions {
    fn default() -> Self {
        PlanOptions {
            channels: Vec::new(),
            clients: Vec::new(),
            stream_prefix: String::new(),
            subject_prefix: String::new(),
            stream_names: BTreeMap::new(),
            replicas: 1,
            no_limits: false,
            delivery: Delivery::Pull,
            deliver_subject_prefix: DEFAULT_DELIVER_SUBJECT_PREFIX.into(),
        }
    }
}

impl PlanOptions {
    pub fn wants_channel(&self, channel: &str) -> bool {
        patterns_select(&self.channels, channel)
    }
}

/// The whole plan (the JSON of `--dry-run --format json`).
#[derive(Debug, Clone, Serialize)]
pub struct Plan {
    pub cluster_id: String,
    /// "file" or "sql/<driver>".
    pub source: String,
    pub naming_rule: &'static str,
    pub headers: [&'static str; 4],
    pub streams: Vec<StreamPlan>,
    pub totals: PlanTotals,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct PlanTotals {
    pub streams: usize,
    pub msgs: u64,
    pub consumers: usize,
    pub skipped_subscriptions: usize,
}

/// Where a stream's name came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum NameSource {
    /// The naming rule.
    Rule,
    /// The rule, with a hash suffix because another channel got the same name.
    RuleWithHash,
    /// `--stream-name CHANNEL=NAME`.
    Override,
}

/// One channel → one stream.
#[derive(Debug, Clone, Serialize)]
pub struct StreamPlan {
    pub channel: String,
    pub stream: String,
    pub name_source: NameSource,
    pub subject: String,
    /// The channel as the store holds it.
    #[serde(flatten)]
    pub counts: ChannelCounts,
    /// The stream's first sequence (on nats-server 2.10+), so that
    /// JetStream sequence = STAN sequence.
    pub stream_first_seq: u64,
    pub limits: StreamLimits,
    pub consumers: Vec<ConsumerPlan>,
    pub skipped: Vec<SkippedSubscription>,
    pub notes: Vec<String>,
}

/// The stream's limits, JetStream style: -1 (counts) or 0 (age) = unlimited.
#[derive(Debug, Clone, Serialize)]
pub struct StreamLimits {
    pub max_msgs: i64,
    pub max_bytes: i64,
    pub max_age_ns: i64,
    pub duplicate_window_ns: i64,
    pub replicas: usize,
    /// Where the STAN limits came from.
    pub source: LimitsSource,
    /// The STAN limits as found.
    pub stan: Limits,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ConsumerKind {
    /// A durable subscription of one client.
    Durable,
    /// A durable queue group: one consumer shared by its members.
    DurableQueue,
}

/// One STAN durable (or durable queue group) → one durable consumer.
#[derive(Debug, Clone, Serialize)]
pub struct ConsumerPlan {
    pub name: String,
    pub kind: ConsumerKind,
    pub delivery: Delivery,
    /// Push: where the server sends the messages.
    pub deliver_subject: Option<String>,
    /// Push, for a queue group: the queue group the members subscribe with.
    pub deliver_group: Option<String>,
    /// `client/durable` for a durable, the stored `durable:group` for a
    /// queue group.
    pub stan_key: String,
    pub durable_name: String,
    pub queue_group: Option<String>,
    /// Client ids of the subscription(s) (empty for a queue group kept
    /// with no member).
    pub clients: Vec<String>,
    pub subscription_ids: Vec<u64>,
    /// Closed durable, or queue group with no member connected.
    pub offline: bool,
    pub ack_wait_s: i64,
    /// Max in flight (summed over the members of a queue group).
    pub max_ack_pending: i64,
    /// Highest sequence sent (over the members of a queue group).
    pub last_sent: u64,
    /// Unacknowledged sequences (union over the members), ascending: they
    /// are redelivered first.
    pub pending: Vec<u64>,
    /// First sequence the application receives next.
    pub deliver_from_seq: u64,
    /// First sequence never sent: after the pending ones, delivery goes on
    /// from here.
    pub next_new_seq: u64,
}

/// A subscription that is not migrated, and why.
#[derive(Debug, Clone, Serialize)]
pub struct SkippedSubscription {
    pub id: u64,
    pub client_id: String,
    pub kind: &'static str,
    pub queue_group: String,
    pub reason: String,
}

/// The rule, in words (also in the plan JSON).
pub const NAMING_RULE: &str = "stream = stream prefix + channel with every character outside \
[A-Za-z0-9_-] replaced by '_' (a '_' + 8 hex digits of the SHA-256 of the channel is appended when \
two channels collide); subject = subject prefix + channel; consumer = durable name (client_durable \
when several clients use the same durable name on a channel; durable_group for a durable queue \
group), sanitized the same way";

/// Per-message overhead a JetStream file store adds to the payload,
/// generously: record header, hash, subject and our headers.
pub fn jetstream_msg_overhead(cluster_id: &str, channel: &str, subject: &str) -> u64 {
    (300 + cluster_id.len() + 2 * channel.len() + subject.len()) as u64
}

/// Build the plan from the store.
pub fn build_plan(store: &mut dyn StoreReader, opts: &PlanOptions) -> Result<Plan> {
    let cluster_id = store
        .server_info()?
        .map(|i| i.cluster_id)
        .unwrap_or_default();
    let all = store.channel_names()?;
    for (channel, name) in &opts.stream_names {
        let reason = if !all.contains(channel) {
            "there is no such channel"
        } else if !names::is_valid_name(name) {
            "not a valid stream name"
        } else {
            continue;
        };
        return Err(JetStreamError::StreamName {
            channel: channel.clone(),
            name: name.clone(),
            reason,
        });
    }
    if !opts.stream_prefix.is_empty() && !names::is_valid_name(&opts.stream_prefix) {
        return Err(JetStreamError::StreamPrefix(opts.stream_prefix.clone()));
    }
    // Names over every channel, so that they do not depend on the selection.
    let candidates: Vec<Candidate> = all
        .iter()
        .map(|c| match opts.stream_names.get(c) {
            Some(n) => Candidate {
                key: c.clone(),
                name: n.clone(),
                explicit: true,
            },
            None => Candidate {
                key: c.clone(),
                name: format!("{}{}", opts.stream_prefix, names::sanitize(c)),
                explicit: false,
            },
        })
        .collect();
    let stream_names = names::resolve(&candidates).map_err(JetStreamError::StreamNames)?;

    let mut streams = Vec::new();
    let mut totals = PlanTotals::default();
    for channel in all.iter().filter(|c| opts.wants_channel(c)) {
        let counts = store.channel_stats(channel)?.counts;
        let (mut limits, mut source) = store.channel_limits(channel)?;
        let mut notes = Vec::new();
        if opts.no_limits {
            if source != LimitsSource::Unknown {
                notes.push("the channel's limits are not carried over (--no-limits)".into());
            }
            limits = Limits::default();
            source = LimitsSource::Unknown;
        }
        let stream = stream_names
            .get(channel)
            .cloned()
            .unwrap_or_else(|| names::sanitize(channel));
        let name_source = if opts.stream_names.contains_key(channel) {
            NameSource::Override
        } else if stream == format!("{}{}", opts.stream_prefix, names::sanitize(channel)) {
            NameSource::Rule
        } else {
            NameSource::RuleWithHash
        };
        let subject = format!("{}{}", opts.subject_prefix, channel);
        if !names::is_valid_subject(&subject) {
            return Err(JetStreamError::Subject {
                channel: channel.clone(),
                subject,
            });
        }
        let stream_limits = stream_limits(
            &cluster_id,
            channel,
            &subject,
            &counts,
            limits,
            source,
            opts.replicas,
            &mut notes,
        );
        let subs = store.subscriptions(channel)?;
        let (consumers, skipped) = plan_consumers(channel, &stream, &subs, opts)?;
        let stream_first_seq = if counts.msgs > 0 {
            counts.first_seq
        } else {
            counts.last_seq + 1
        }
        .max(1);
        totals.streams += 1;
        totals.msgs += counts.msgs;
        totals.consumers += consumers.len();
        totals.skipped_subscriptions += skipped.len();
        streams.push(StreamPlan {
            channel: channel.clone(),
            stream,
            name_source,
            subject,
            counts,
            stream_first_seq,
            limits: stream_limits,
            consumers,
            skipped,
            notes,
        });
    }
    let subjects: BTreeSet<&str> = streams.iter().map(|s| s.subject.as_str()).collect();
    for sp in &streams {
        check_deliver_subjects(&sp.channel, &sp.consumers, &subjects)?;
    }
    Ok(Plan {
        cluster_id,
        source: store.backend().to_string(),
        naming_rule: NAMING_RULE,
        headers: [
            super::HDR_MSG_ID,
            super::HDR_CHANNEL,
            super::HDR_SEQUENCE,
            super::HDR_TIMESTAMP,
        ],
        streams,
        totals,
    })
}

/// A push consumer sending to a stream's subject would store what it
/// delivers (JetStream refuses it on its own stream as a cycle).
fn check_deliver_subjects(
    channel: &str,
    consumers: &[ConsumerPlan],
    stream_subjects: &BTreeSet<&str>,
) -> Result<()> {
    for cp in consumers {
        if let Some(d) = cp
            .deliver_subject
            .as_deref()
            .filter(|d| stream_subjects.contains(d))
        {
            return Err(JetStreamError::DeliverSubject {
                channel: channel.to_string(),
                consumer: cp.name.clone(),
                subject: d.to_string(),
                reason: "is the subject of a stream",
            });
        }
    }
    Ok(())
}

#[allow(clippy::too_many_arguments)]
fn stream_limits(
    cluster_id: &str,
    channel: &str,
    subject: &str,
    counts: &ChannelCounts,
    stan: Limits,
    source: LimitsSource,
    replicas: usize,
    notes: &mut Vec<String>,
) -> StreamLimits {
    let positive = |v: Option<i64>| v.filter(|&n| n > 0);
    let mut max_msgs = positive(stan.max_msgs).unwrap_or(-1);
    let mut max_bytes = positive(stan.max_bytes).unwrap_or(-1);
    let max_age_ns = positive(stan.max_age_ns).unwrap_or(0);
    if source == LimitsSource::Unknown && notes.is_empty() {
        notes.push(
            "limits unknown (a file store keeps none; give the server's configuration with -c): \
             the stream is unlimited"
                .into(),
        );
    }
    let msgs = i64::try_from(counts.msgs).unwrap_or(i64::MAX);
    if max_msgs > 0 && msgs > max_msgs {
        notes.push(format!(
            "max_msgs raised from {max_msgs} to {msgs}: the channel holds more than its limit"
        ));
        max_msgs = msgs;
    }
    let needed = counts.bytes.saturating_add(
        counts
            .msgs
            .saturating_mul(jetstream_msg_overhead(cluster_id, channel, subject)),
    );
    let needed = i64::try_from(needed).unwrap_or(i64::MAX);
    if max_bytes > 0 && needed > max_bytes {
        notes.push(format!(
            "max_bytes raised from {max_bytes} to {needed}: JetStream stores the headers too, \
             and no migrated message may be discarded"
        ));
        max_bytes = needed;
    }
    let mut duplicate_window_ns = DEFAULT_DUPLICATE_WINDOW_NS;
    if max_age_ns > 0 {
        notes.push(
            "max_age counts from the migration: JetStream ages messages by the time it stored them"
                .into(),
        );
        duplicate_window_ns = duplicate_window_ns.min(max_age_ns);
    }
    if let Some(n) = positive(stan.max_subs) {
        notes.push(format!(
            "max_subs {n} not carried over (JetStream limits consumers, not subscriptions)"
        ));
    }
    if let Some(n) = positive(stan.max_inactivity_ns) {
        notes.push(format!(
            "max_inactivity {n}ns not carried over (JetStream never deletes idle streams)"
        ));
    }
    StreamLimits {
        max_msgs,
        max_bytes,
        max_age_ns,
        duplicate_window_ns,
        replicas,
        source,
        stan,
    }
}

/// Key of a durable: `client/durable`, or the stored `durable:group`.
fn durable_key(s: &Subscription) -> String {
    if s.queue_group.is_empty() {
        format!("{}/{}", s.client_id, s.durable_name)
    } else {
        s.queue_group.clone()
    }
}

/// The durable and group names of a stored durable queue group
/// (`durable:group`; docs/FORMAT.md 2.8.4).
fn split_queue(stored: &str) -> (String, String) {
    match stored.split_once(':') {
        Some((d, g)) => (d.to_string(), g.to_string()),
        None => (String::new(), stored.to_string()),
    }
}

fn plan_consumers(
    channel: &str,
    stream: &str,
    subs: &[Subscription],
    opts: &PlanOptions,
) -> Result<(Vec<ConsumerPlan>, Vec<SkippedSubscription>)> {
    let mut skipped = Vec::new();
    // Group the durables: one entry per durable, one per queue group.
    let mut groups: BTreeMap<String, Vec<&Subscription>> = BTreeMap::new();
    for s in subs {
        if !s.is_durable {
            let kind = if s.queue_group.is_empty() {
                "plain"
            } else {
                "queue"
            };
            skipped.push(SkippedSubscription {
                id: s.id,
                client_id: s.client_id.clone(),
                kind,
                queue_group: s.queue_group.clone(),
                reason: "not durable: it ends with its connection".into(),
            });
            continue;
        }
        groups.entry(durable_key(s)).or_default().push(s);
    }
    // Names over every durable of the channel, whatever the client filter.
    let mut plain_names: BTreeMap<String, usize> = BTreeMap::new();
    for s in groups.values().filter_map(|m| m.first()) {
        if s.queue_group.is_empty() {
            *plain_names.entry(s.durable_name.clone()).or_default() += 1;
        }
    }
    let candidates: Vec<Candidate> = groups
        .iter()
        .filter_map(|(key, members)| Some((key, *members.first()?)))
        .map(|(key, s)| {
            let raw = if s.queue_group.is_empty() {
                if plain_names.get(&s.durable_name).copied().unwrap_or(0) > 1 {
                    format!("{}_{}", s.client_id, s.durable_name)
                } else {
                    s.durable_name.clone()
                }
            } else {
                let (d, g) = split_queue(&s.queue_group);
                format!("{d}_{g}")
            };
            Candidate {
                key: key.clone(),
                name: names::sanitize(&raw),
                explicit: false,
            }
        })
        .collect();
    let consumer_names =
        names::resolve(&candidates).map_err(|clash| JetStreamError::ConsumerNames {
            channel: channel.to_string(),
            clash,
        })?;

    let mut consumers = Vec::new();
    for (key, members) in &groups {
        let wanted = opts.clients.is_empty()
            || members
                .iter()
                .any(|m| opts.clients.iter().any(|c| c == &m.client_id));
        if !wanted {
            continue;
        }
        let Some(&first) = members.first() else {
            continue;
        };
        let queue = !first.queue_group.is_empty();
        let (durable_name, queue_group) = if queue {
            let (d, g) = split_queue(&first.queue_group);
            (d, Some(g))
        } else {
            (first.durable_name.clone(), None)
        };
        let last_sent = members.iter().map(|m| m.last_sent).max().unwrap_or(0);
        let pending: BTreeSet<u64> = members
            .iter()
            .flat_map(|m| m.pending.iter().copied())
            .collect();
        let pending: Vec<u64> = pending.into_iter().collect();
        let ack_wait_s = members
            .iter()
            .map(|m| i64::from(m.ack_wait_s))
            .max()
            .unwrap_or(30)
            .max(1);
        let max_ack_pending = members
            .iter()
            .map(|m| i64::from(m.max_in_flight.max(1)))
            .sum::<i64>()
            .max(1);
        let clients: Vec<String> = members
            .iter()
            .filter(|m| !m.client_id.is_empty())
            .map(|m| m.client_id.clone())
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        let offline = if queue {
            members.iter().all(|m| m.is_shadow() || m.is_closed)
        } else {
            first.is_closed
        };
        let next_new_seq = last_sent + 1;
        let deliver_from_seq = pending.first().copied().unwrap_or(next_new_seq);
        let name = consumer_names
            .get(key)
            .cloned()
            .unwrap_or_else(|| names::sanitize(key));
        let (deliver_subject, deliver_group) = match opts.delivery {
            Delivery::Pull => (None, None),
            Delivery::Push => {
                let subject = format!("{}{stream}.{name}", opts.deliver_subject_prefix);
                if !names::is_valid_subject(&subject) {
                    return Err(JetStreamError::DeliverSubject {
                        channel: channel.to_string(),
                        consumer: name,
                        subject,
                        reason: "is not a valid subject",
                    });
                }
                if let Some(g) = queue_group.as_ref().filter(|g| !names::is_valid_queue(g)) {
                    return Err(JetStreamError::DeliverGroup {
                        channel: channel.to_string(),
                        group: g.clone(),
                    });
                }
                (Some(subject), queue_group.clone())
            }
        };
        consumers.push(ConsumerPlan {
            name,
            delivery: opts.delivery,
            deliver_subject,
            deliver_group,
            kind: if queue {
                ConsumerKind::DurableQueue
            } else {
                ConsumerKind::Durable
            },
            stan_key: key.clone(),
            durable_name,
            queue_group,
            clients,
            subscription_ids: members.iter().map(|m| m.id).collect(),
            offline,
            ack_wait_s,
            max_ack_pending,
            last_sent,
            pending,
            deliver_from_seq,
            next_new_seq,
        });
    }
    Ok((consumers, skipped))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sub(id: u64, client: &str, durable: &str, group: &str) -> Subscription {
        Subscription {
            channel: "c".into(),
            id,
            client_id: client.into(),
            durable_name: durable.into(),
            queue_group: group.into(),
            max_in_flight: 3,
            ack_wait_s: 30,
            is_durable: !durable.is_empty() || group.contains(':'),
            ..Subscription::default()
        }
    }

    #[test]
    fn groups_and_names_consumers() {
        let mut a = sub(1, "a", "dur", "");
        a.last_sent = 10;
        a.pending = vec![4, 9];
        let b = sub(2, "b", "dur", "");
        let mut q1 = sub(3, "a", "", "qd:workers");
        q1.last_sent = 5;
        q1.pending = vec![2, 5];
        let mut q2 = sub(4, "b", "", "qd:workers");
        q2.last_sent = 8;
        q2.pending = vec![6, 7, 8];
        let plain = sub(5, "c", "", "");
        let (consumers, skipped) =
            plan_consumers("c", "s", &[a, b, q1, q2, plain], &PlanOptions::default())
                .expect("plan");
        assert_eq!(skipped.len(), 1);
        assert_eq!(skipped[0].id, 5);
        let names: Vec<&str> = consumers.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names, ["a_dur", "b_dur", "qd_workers"]);
        let q = &consumers[2];
        assert_eq!(q.kind, ConsumerKind::DurableQueue);
        assert_eq!(q.pending, [2, 5, 6, 7, 8]);
        assert_eq!(q.last_sent, 8);
        assert_eq!(q.max_ack_pending, 6);
        assert_eq!(q.deliver_from_seq, 2);
        assert_eq!(q.next_new_seq, 9);
        assert_eq!(consumers[0].deliver_from_seq, 4);
        assert_eq!(consumers[1].deliver_from_seq, 1);

        let opts = PlanOptions {
            clients: vec!["b".into()],
            ..PlanOptions::default()
        };
        let (consumers, _) = plan_consumers(
            "c",
            "s",
            &[sub(1, "a", "dur", ""), sub(2, "b", "dur", "")],
            &opts,
        )
        .expect("plan");
        assert_eq!(consumers.len(), 1);
        assert_eq!(consumers[0].name, "b_dur");
        assert_eq!(consumers[0].delivery, Delivery::Pull);
        assert_eq!(consumers[0].deliver_subject, None);
    }

    #[test]
    fn push_consumers_get_a_deliver_subject_and_group() {
        let opts = PlanOptions {
            delivery: Delivery::Push,
            ..PlanOptions::default()
        };
        let subs = [sub(1, "a", "dur", ""), sub(2, "b", "", "qd:work ers")];
        let err = plan_consumers("c", "orders_eu", &subs, &opts).expect_err("bad group");
        assert!(err.to_string().contains("\"work ers\""), "{err}");
        let subs = [sub(1, "a", "dur", ""), sub(2, "b", "", "qd:workers")];
        let (consumers, _) = plan_consumers("c", "orders_eu", &subs, &opts).expect("plan");
        let got: Vec<(Option<&str>, Option<&str>)> = consumers
            .iter()
            .map(|c| (c.deliver_subject.as_deref(), c.deliver_group.as_deref()))
            .collect();
        assert_eq!(
            got,
            [
                (Some("_stan.deliver.orders_eu.dur"), None),
                (Some("_stan.deliver.orders_eu.qd_workers"), Some("workers")),
            ]
        );
        let opts = PlanOptions {
            deliver_subject_prefix: "bad..".into(),
            ..opts
        };
        let err = plan_consumers("c", "orders_eu", &subs, &opts).expect_err("bad subject");
        assert!(err.to_string().contains("bad..orders_eu.dur"), "{err}");
        let opts = PlanOptions {
            deliver_subject_prefix: "in.".into(),
            ..opts
        };
        let (consumers, _) = plan_consumers("c", "s", &subs, &opts).expect("plan");
        let ok = BTreeSet::from(["in.s", "c"]);
        assert!(check_deliver_subjects("c", &consumers, &ok).is_ok());
        let cycle = BTreeSet::from(["c", "in.s.qd_workers"]);
        let err = check_deliver_subjects("c", &consumers, &cycle).expect_err("cycle");
        assert!(
            err.to_string()
                .contains("\"in.s.qd_workers\" of consumer qd_workers is the subject of a stream"),
            "{err}"
        );
    }
}
