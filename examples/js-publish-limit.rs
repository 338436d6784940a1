//! The JetStream publish limit for `scripts/bench.sh`: a bare async
//! publisher of the messages `migrate to-jetstream` sends for a generated
//! store (same payload size, same headers: Nats-Msg-Id, the STAN channel,
//! sequence and timestamp, Nats-Expected-Last-Sequence; same window of
//! unacknowledged publishes, channels at once), without reading any store.
//! `js-publish-limit URL CHANNELS MSGS SIZE WINDOW REPLICAS PREFIX`
//! (streams PREFIX0.., subjects PREFIX.0..; made, then left for the caller).

use std::collections::VecDeque;
use std::time::Duration;

use anyhow::{bail, Context};
use async_nats::jetstream::{self, stream};
use async_nats::HeaderMap;
use bytes::Bytes;
use futures::StreamExt;

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [url, channels, msgs, size, window, replicas, prefix] = args.as_slice() else {
        bail!("usage: js-publish-limit URL CHANNELS MSGS SIZE WINDOW REPLICAS PREFIX");
    };
    let channels: usize = channels.parse()?;
    let msgs: u64 = msgs.parse()?;
    let size: usize = size.parse()?;
    let window: usize = window.parse()?;
    let replicas: usize = replicas.parse()?;
    // As stanctl: two runtime workers.
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    rt.block_on(async {
        let client = async_nats::connect(url.as_str())
            .await
            .with_context(|| format!("connecting to {url}"))?;
        let js = jetstream::new(client.clone());
        // A cluster may still be electing its leader: try for 60 s.
        for c in 0..channels {
            let config = stream::Config {
                name: format!("{prefix}{c}"),
                subjects: vec![format!("{prefix}.{c}")],
                num_replicas: replicas,
                ..stream::Config::default()
            };
            let mut tries = 0;
            while let Err(e) = js.create_stream(config.clone()).await {
                tries += 1;
                if tries > 240 {
                    bail!("creating stream {}: {e}", config.name);
                }
                tokio::time::sleep(Duration::from_millis(250)).await;
            }
        }
        let payload = Bytes::from((0..size).map(|i| (i * 31 % 251) as u8).collect::<Vec<_>>());
        let parallel = std::thread::available_parallelism().map_or(1, |n| n.get().min(16));
        futures::stream::iter(0..channels)
            .map(|c| {
                let js = js.clone();
                let payload = payload.clone();
                async move {
                    let subject = format!("{prefix}.{c}");
                    let channel = format!("gen.channel.{c}");
                    let mut pending = VecDeque::new();
                    for seq in 1..=msgs {
                        let mut h = HeaderMap::new();
                        h.insert("Nats-Msg-Id", format!("bench:{channel}:{seq}").as_str());
                        h.insert("Nats-Streaming-Channel", channel.as_str());
                        h.insert("Nats-Streaming-Sequence", seq.to_string().as_str());
                        h.insert(
                            "Nats-Streaming-Timestamp",
                            (seq * 1_000_000).to_string().as_str(),
                        );
                        if seq > 1 {
                            h.insert(
                                "Nats-Expected-Last-Sequence",
                                (seq - 1).to_string().as_str(),
                            );
                        }
                        let ack = js
                            .publish_with_headers(subject.clone(), h, payload.clone())
                            .await?;
                        pending.push_back(ack);
                        if pending.len() >= window {
                            if let Some(a) = pending.pop_front() {
                                a.await?;
                            }
                        }
                    }
                    while let Some(a) = pending.pop_front() {
                        a.await?;
                    }
                    anyhow::Ok(())
                }
            })
            .buffer_unordered(parallel)
            .collect::<Vec<_>>()
            .await
            .into_iter()
            .collect::<anyhow::Result<Vec<()>>>()?;
        client.flush().await?;
        Ok(())
    })
}
