//! Synthetic stores for benchmarks and tests, written with the project's
//! own file-store writer: several channels, many slices, durable
//! subscriptions with unacknowledged messages.

use std::path::Path;

use bytes::Bytes;

use crate::error::Result;
use crate::filestore::writer::{FileStoreWriter, FileWriterOptions, SliceLimits};
use crate::model::{
    ChannelCounts, ChannelStats, Client, Limits, Message, ServerInfo, Subscription,
};
use crate::store::StoreWriter;

#[derive(Debug, Clone)]
pub struct GenOptions {
    pub cluster_id: String,
    pub channels: usize,
    /// Messages per channel.
    pub msgs: u64,
    /// Payload size in bytes.
    pub size: usize,
    /// Durable subscriptions per channel.
    pub subs: usize,
    /// Text-like payloads (compressible) instead of random bytes.
    pub compressible: bool,
    pub slice_max_bytes: u64,
    pub seed: u64,
}

impl Default for GenOptions {
    fn default() -> Self {
        GenOptions {
            cluster_id: "stanctl-gen".into(),
            channels: 4,
            msgs: 10_000,
            size: 256,
            subs: 2,
            compressible: false,
            slice_max_bytes: 64 * 1024 * 1024,
            seed: 1,
        }
    }
}

/// xorshift64*: fast, deterministic, good enough for payloads (and the
/// unit tests' random inputs).
pub(crate) struct Rng(pub(crate) u64);

impl Rng {
    pub(crate) fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn fill(&mut self, buf: &mut [u8]) {
        for chunk in buf.chunks_mut(8) {
            let v = self.next().to_le_bytes();
            chunk.copy_from_slice(&v[..chunk.len()]);
        }
    }
}

/// Write a store at `dir` (which must not exist). Returns the number of
/// messages written.
pub fn generate_store(dir: &Path, opts: &GenOptions) -> Result<u64> {
    let mut writer: Box<dyn StoreWriter> = Box::new(FileStoreWriter::create(
        dir,
        FileWriterOptions {
            slices: SliceLimits {
                max_msgs: 0,
                max_bytes: opts.slice_max_bytes,
                max_age_ns: 0,
            },
            ..FileWriterOptions::default()
        },
    )?);
    let cid = &opts.cluster_id;
    writer.server_info(&ServerInfo {
        cluster_id: cid.clone(),
        node_id: None,
        discovery: format!("_STAN.discover.{cid}"),
        publish: format!("_STAN.pub.{cid}"),
        subscribe: format!("_STAN.sub.{cid}"),
        unsubscribe: format!("_STAN.unsub.{cid}"),
        close: format!("_STAN.close.{cid}"),
        sub_close: format!("_STAN.subclose.{cid}"),
        acks_subs: format!("_STAN.ack.{cid}"),
    })?;
    let client = Client {
        id: "gen-client".into(),
        hb_inbox: "_INBOX.gen.hb".into(),
        conn_id: Some(b"gen-conn".to_vec()),
        protocol: Some(1),
        ping_interval: Some(5),
        ping_max_out: Some(3),
    };
    writer.add_client(&client)?;
    let mut rng = Rng(opts.seed.max(1));
    let mut payload = vec![0u8; opts.size];
    let base_ts: i64 = 1_700_000_000_000_000_000;
    let mut total = 0;
    for c in 0..opts.channels {
        let name = format!("gen.channel.{c}");
        let stats = ChannelStats {
            name: name.clone(),
            counts: ChannelCounts {
                msgs: opts.msgs,
                first_seq: 1.min(opts.msgs),
                last_seq: opts.msgs,
                ..ChannelCounts::default()
            },
        };
        writer.begin_channel(&stats, &Limits::default())?;
        for seq in 1..=opts.msgs {
            if opts.compressible {
                for (i, b) in payload.iter_mut().enumerate() {
                    *b = b"abcdefghijklmnopqrstuvwxyz0123456789 "[(seq as usize + i) % 37];
                }
            } else {
                rng.fill(&mut payload);
            }
            writer.append_message(&Message {
                seq,
                timestamp: base_ts + (seq as i64) * 1_000_000,
                subject: name.clone(),
                reply: String::new(),
                data: Bytes::copy_from_slice(&payload),
            })?;
            total += 1;
        }
        for s in 0..opts.subs {
            let last_sent = opts.msgs.saturating_sub(s as u64 * 10);
            let pending: Vec<u64> = (last_sent.saturating_sub(4).max(1)..=last_sent).collect();
            writer.add_subscription(&Subscription {
                channel: name.clone(),
                id: s as u64 + 1,
                client_id: client.id.clone(),
                inbox: format!("_INBOX.gen.{c}.{s}"),
                ack_inbox: format!("_STAN.ack.gen.{c}.{s}"),
                durable_name: format!("dur-{s}"),
                queue_group: String::new(),
                max_in_flight: 1024,
                ack_wait_s: 30,
                last_sent,
                pending: if opts.msgs == 0 { Vec::new() } else { pending },
                is_durable: true,
                is_closed: false,
            })?;
        }
        writer.end_channel()?;
    }
    writer.finish()?;
    Ok(total)
}
