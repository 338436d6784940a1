//! `stats`: what a store or some of its channels hold, in one streaming
//! pass with bounded memory: messages per time bucket, payload size
//! percentiles, top subjects, reply use and subscription lag.

use std::collections::HashMap;

use serde::Serialize;

use crate::error::Result;
use crate::store::{StoreReader, Visit};

/// Payload sizes in a log-linear histogram (as HdrHistogram does): sizes
/// below 2048 bytes exactly, larger ones in 256 buckets per power of two,
/// so a percentile is never more than 1/256 above the true value. Memory
/// is fixed (at most 2048 + 53 × 256 counters).
#[derive(Debug, Default, Clone)]
pub struct SizeHistogram {
    counts: Vec<u64>,
    total: u64,
    max: u64,
}

const EXACT_BELOW: u64 = 2048;
const SUB_BITS: u32 = 8;

impl SizeHistogram {
    fn bucket(size: u64) -> usize {
        if size < EXACT_BELOW {
            return size as usize;
        }
        let octave = 63 - size.leading_zeros(); // >= 11
        let sub = (size >> (octave - SUB_BITS)) & ((1 << SUB_BITS) - 1);
        EXACT_BELOW as usize + ((octave - 11) as usize) * (1 << SUB_BITS) + sub as usize
    }

    /// The largest size bucket `index` holds.
    fn bucket_top(index: usize) -> u64 {
        if (index as u64) < EXACT_BELOW {
            return index as u64;
        }
        let rest = index - EXACT_BELOW as usize;
        let octave = (rest >> SUB_BITS) as u32 + 11;
        let sub = (rest & ((1 << SUB_BITS) - 1)) as u64;
        let width = 1u64 << (octave - SUB_BITS);
        (1u64 << octave) + sub * width + (width - 1)
    }

    pub fn add(&mut self, size: u64) {
        let b = Self::bucket(size);
        if self.counts.len() <= b {
            self.counts.resize(b + 1, 0);
        }
        self.counts[b] += 1;
        self.total += 1;
        self.max = self.max.max(size);
    }

    /// The nearest-rank `p` percentile (0 < p <= 100): exact below 2048
    /// bytes, else the top of its bucket (at most 1/256 above), never above
    /// the largest size seen. `None` without sizes.
    pub fn percentile(&self, p: f64) -> Option<u64> {
        if self.total == 0 {
            return None;
        }
        let rank = ((p / 100.0) * self.total as f64).ceil().max(1.0) as u64;
        let mut seen = 0;
        for (i, &c) in self.counts.iter().enumerate() {
            seen += c;
            if seen >= rank {
                return Some(Self::bucket_top(i).min(self.max));
            }
        }
        Some(self.max)
    }
}

/// The most frequent strings by the Space-Saving algorithm (Metwally et
/// al.): at most `capacity` counters; exact while there are no more
/// distinct strings than that, else each count is at most the smallest
/// count's error above the truth.
#[derive(Debug, Clone)]
pub struct TopCounter {
    capacity: usize,
    counts: HashMap<String, u64>,
    evicted: bool,
}

impl TopCounter {
    pub fn new(capacity: usize) -> Self {
        TopCounter {
            capacity,
            counts: HashMap::new(),
            evicted: false,
        }
    }

    pub fn add(&mut self, key: &str) {
        if let Some(c) = self.counts.get_mut(key) {
            *c += 1;
            return;
        }
        if self.counts.len() < self.capacity {
            self.counts.insert(key.to_string(), 1);
            return;
        }
        // Replace the smallest counter, inheriting its count.
        let smallest = self
            .counts
            .iter()
            .min_by(|a, b| a.1.cmp(b.1).then_with(|| b.0.cmp(a.0)))
            .map(|(k, &c)| (k.clone(), c));
        if let Some((k, c)) = smallest {
            self.counts.remove(&k);
            self.counts.insert(key.to_string(), c + 1);
            self.evicted = true;
        }
    }

    /// The `n` largest counts, largest first, ties by name.
    pub fn top(&self, n: usize) -> Vec<(String, u64)> {
        let mut all: Vec<(String, u64)> =
            self.counts.iter().map(|(k, &c)| (k.clone(), c)).collect();
        all.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        all.truncate(n);
        all
    }

    pub fn exact(&self) -> bool {
        !self.evicted
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct TimeBucket {
    pub start_ns: i64,
    pub msgs: u64,
}

#[derive(Debug, Clone, Serialize)]
pub struct SizePercentiles {
    pub p50: Option<u64>,
    pub p90: Option<u64>,
    pub p99: Option<u64>,
    pub max: Option<u64>,
    /// How they are computed.
    pub method: &'static str,
}

#[derive(Debug, Clone, Serialize)]
pub struct SubjectCount {
    pub subject: String,
    pub msgs: u64,
}

#[derive(Debug, Clone, Serialize)]
pub struct SubscriptionLag {
    pub channel: String,
    pub id: u64,
    pub client_id: String,
    pub durable_name: String,
    pub queue_group: String,
    pub last_sent: u64,
    /// The channel's last sequence minus the subscription's last sent.
    pub lag: u64,
    /// Sent and not acknowledged.
    pub unacked: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct Stats {
    pub channels: Vec<String>,
    pub msgs: u64,
    pub payload_bytes: u64,
    pub first_timestamp: Option<i64>,
    pub last_timestamp: Option<i64>,
    pub bucket_width_ns: i64,
    pub buckets: Vec<TimeBucket>,
    pub payload_size: SizePercentiles,
    pub top_subjects: Vec<SubjectCount>,
    /// Whether `top_subjects` counts are exact (no more distinct subjects
    /// than the counters kept).
    pub top_subjects_exact: bool,
    pub msgs_with_reply: u64,
    /// Largest lag first.
    pub subscriptions: Vec<SubscriptionLag>,
    /// Messages that could not be read (not counted above).
    pub unreadable: u64,
}

/// Counters kept for the top subjects.
const SUBJECT_COUNTERS: usize = 1024;

/// Stats of `channels` (names the store has), `buckets` time buckets over
/// their first to last timestamp. Streams every message once.
pub fn compute(store: &mut dyn StoreReader, channels: &[String], buckets: usize) -> Result<Stats> {
    let buckets = buckets.max(1);
    let mut first: Option<i64> = None;
    let mut last: Option<i64> = None;
    let mut subscriptions = Vec::new();
    for name in channels {
        let s = store.channel_stats(name)?.counts;
        if s.msgs > 0 {
            first = match (first, s.first_timestamp) {
                (Some(a), Some(b)) => Some(a.min(b)),
                (a, b) => a.or(b),
            };
            last = match (last, s.last_timestamp) {
                (Some(a), Some(b)) => Some(a.max(b)),
                (a, b) => a.or(b),
            };
        }
        for sub in store.subscriptions(name)? {
            subscriptions.push(SubscriptionLag {
                channel: name.clone(),
                id: sub.id,
                lag: s.last_seq.saturating_sub(sub.last_sent),
                client_id: sub.client_id,
                durable_name: sub.durable_name,
                queue_group: sub.queue_group,
                last_sent: sub.last_sent,
                unacked: sub.pending.len(),
            });
        }
    }
    subscriptions.sort_by(|a, b| b.lag.cmp(&a.lag).then_with(|| a.channel.cmp(&b.channel)));
    let start = first.unwrap_or(0);
    let span = i128::from(last.unwrap_or(start)) - i128::from(start) + 1;
    let width = i64::try_from((span + buckets as i128 - 1) / buckets as i128)
        .unwrap_or(i64::MAX)
        .max(1);
    let mut counts = vec![0u64; buckets];
    let mut sizes = SizeHistogram::default();
    let mut subjects = TopCounter::new(SUBJECT_COUNTERS);
    let (mut msgs, mut bytes, mut replies, mut unreadable) = (0u64, 0u64, 0u64, 0u64);
    for name in channels {
        store.walk(
            name,
            Default::default(),
            Visit::Messages(&mut |item| {
                let Ok(m) = item else {
                    unreadable += 1;
                    return Ok(());
                };
                let offset = (i128::from(m.timestamp) - i128::from(start)) / i128::from(width);
                let b = offset.clamp(0, buckets as i128 - 1) as usize;
                counts[b] += 1;
                msgs += 1;
                bytes += m.data.len() as u64;
                sizes.add(m.data.len() as u64);
                subjects.add(&String::from_utf8_lossy(m.subject));
                if !m.reply.is_empty() {
                    replies += 1;
                }
                Ok(())
            }),
        )?;
    }
    Ok(Stats {
        channels: channels.to_vec(),
        msgs,
        payload_bytes: bytes,
        first_timestamp: first,
        last_timestamp: last,
        bucket_width_ns: width,
        buckets: counts
            .into_iter()
            .enumerate()
            .map(|(i, msgs)| TimeBucket {
                start_ns: start.saturating_add(width.saturating_mul(i as i64)),
                msgs,
            })
            .collect(),
        payload_size: SizePercentiles {
            p50: sizes.percentile(50.0),
            p90: sizes.percentile(90.0),
            p99: sizes.percentile(99.0),
            max: sizes.percentile(100.0),
            method: "nearest rank over a log-linear histogram: exact below 2048 bytes, at most 1/256 above the true size beyond",
        },
        top_subjects_exact: subjects.exact(),
        top_subjects: subjects
            .top(10)
            .into_iter()
            .map(|(subject, msgs)| SubjectCount { subject, msgs })
            .collect(),
        msgs_with_reply: replies,
        subscriptions,
        unreadable,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn histogram_percentiles_within_a_bucket() {
        let mut h = SizeHistogram::default();
        let sizes: Vec<u64> = (0..5000u64).map(|i| i * i % 100_000).collect();
        for &s in &sizes {
            h.add(s);
        }
        let mut sorted = sizes.clone();
        sorted.sort_unstable();
        for p in [1.0, 50.0, 90.0, 99.0, 100.0] {
            let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
            let exact = sorted[rank - 1];
            let got = h.percentile(p).unwrap();
            assert!(
                got >= exact && got - exact <= exact / 256,
                "p{p}: {got} vs {exact}"
            );
        }
        for i in [0, 5, 2047, 2048, 4095, 4096, 1 << 40] {
            let b = SizeHistogram::bucket(i);
            assert!(SizeHistogram::bucket_top(b) >= i, "{i}");
            assert_eq!(
                SizeHistogram::bucket(SizeHistogram::bucket_top(b)),
                b,
                "{i}"
            );
        }
    }

    #[test]
    fn top_counter_exact_then_bounded() {
        let mut t = TopCounter::new(3);
        for k in ["a", "b", "a", "c", "a", "b"] {
            t.add(k);
        }
        assert_eq!(t.top(2), vec![("a".into(), 3), ("b".into(), 2)]);
        assert!(t.exact());
        t.add("d");
        assert!(!t.exact());
        assert_eq!(t.counts.len(), 3);
    }
}
