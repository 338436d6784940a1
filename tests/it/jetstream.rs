//! `stanctl migrate to-jetstream` against real nats-servers with JetStream,
//! checked against the fixtures' MANIFEST.json ground truth.
//!
//! The servers come from scripts/test-nats.sh: STANCTL_TEST_NATS_URL (a
//! current nats-server, which can start a stream at a given sequence),
//! STANCTL_TEST_NATS_OLD_URL (an older one, which cannot) and
//! STANCTL_TEST_NATS_BIN (the current binary, for the tests that run their
//! own servers: the restart test, and the three-node JetStream cluster of
//! the R3 tests, which kill a node or stanctl mid-export). Without them the tests say so and pass, except
//! under CI, where they fail.

use std::collections::{BTreeMap, BTreeSet};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use async_nats::jetstream::{self, consumer::pull, stream};
use futures::StreamExt;
use serde_json::Value;

use crate::common::expect::*;
use crate::common::*;
use stanctl::generate::{generate_store, GenOptions};
use stanctl::jetstream::{
    build_plan, verify_only, ConnectionOptions, Delivery, PlanOptions, RunOptions,
};
use stanctl::open::{StoreOptions, StoreSpec};

fn env_var(var: &str) -> Option<String> {
    match std::env::var(var) {
        Ok(v) if !v.is_empty() => Some(v),
        _ if std::env::var_os("CI").is_some() => {
            panic!("{var} is not set: run the tests through scripts/test-nats.sh")
        }
        _ => {
            eprintln!("note: {var} not set; skipping (run through scripts/test-nats.sh)");
            None
        }
    }
}

/// Stream and subject prefixes no other test (or run) uses.
fn unique(label: &str) -> (String, String) {
    static COUNTER: AtomicUsize = AtomicUsize::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    let tag = format!("{}{n}x{nanos:x}", std::process::id());
    let label = label.replace(|c: char| !c.is_ascii_alphanumeric(), "_");
    (format!("T{tag}_{label}_"), format!("t{tag}.{label}."))
}

/// The naming rule (README): characters outside [A-Za-z0-9_-] become '_'.
fn rule(channel: &str) -> String {
    channel
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// A message read back from a stream.
#[derive(Debug)]
struct Got {
    js: u64,
    subject: String,
    headers: BTreeMap<String, String>,
    payload: Vec<u8>,
    redelivered: bool,
}

impl Got {
    fn stan_seq(&self) -> u64 {
        self.headers
            .get("Nats-Streaming-Sequence")
            .and_then(|v| v.parse().ok())
            .unwrap_or_else(|| panic!("message {} has no STAN sequence", self.js))
    }
}

fn got_of(m: &jetstream::Message) -> Got {
    let info = m.info().expect("jetstream message");
    let headers = m
        .headers
        .as_ref()
        .map(|h| {
            h.iter()
                .map(|(k, v)| {
                    (
                        k.to_string(),
                        v.first()
                            .map(|x| x.as_str().to_string())
                            .unwrap_or_default(),
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    Got {
        js: info.stream_sequence,
        subject: m.subject.to_string(),
        headers,
        payload: m.payload.to_vec(),
        redelivered: info.delivered > 1,
    }
}

/// A client of one server, deleting the streams of its prefix at the end.
struct Nats {
    rt: tokio::runtime::Runtime,
    js: jetstream::Context,
    prefix: String,
}

impl Nats {
    fn connect(url: &str, prefix: &str) -> Nats {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime");
        let deadline = Instant::now() + Duration::from_secs(20);
        let client = loop {
            let attempt = rt.block_on(async {
                tokio::time::timeout(
                    Duration::from_secs(5),
                    async_nats::ConnectOptions::new()
                        .connection_timeout(Duration::from_secs(3))
                        .connect(url),
                )
                .await
            });
            match attempt {
                Ok(Ok(c)) => break c,
                _ if Instant::now() < deadline => std::thread::sleep(Duration::from_millis(200)),
                Ok(Err(e)) => panic!("connecting to {url}: {e}"),
                Err(_) => panic!("connecting to {url}: timed out"),
            }
        };
        let js = {
            let _runtime = rt.enter();
            jetstream::new(client)
        };
        Nats {
            rt,
            js,
            prefix: prefix.to_string(),
        }
    }

    fn block_on<F: std::future::Future>(&self, f: F) -> F::Output {
        self.rt
            .block_on(async { tokio::time::timeout(Duration::from_secs(120), f).await })
            .expect("a NATS operation timed out")
    }

    fn stream_info(&self, name: &str) -> Option<stream::Info> {
        self.block_on(async {
            let mut s = self.js.get_stream(name).await.ok()?;
            s.info().await.ok().cloned()
        })
    }

    fn consumer_info(&self, stream: &str, name: &str) -> Option<jetstream::consumer::Info> {
        self.block_on(async {
            let s = self.js.get_stream(stream).await.ok()?;
            s.consumer_info(name).await.ok()
        })
    }

    /// Every message of a stream, in order.
    fn stream_messages(&self, name: &str) -> Vec<Got> {
        let info = self
            .stream_info(name)
            .unwrap_or_else(|| panic!("stream {name} missing"));
        let total = info.state.messages as usize;
        self.block_on(async {
            let s = self.js.get_stream(name).await.expect("stream");
            let c = s
                .create_consumer(pull::Config {
                    ack_policy: jetstream::consumer::AckPolicy::None,
                    inactive_threshold: Duration::from_secs(30),
                    ..pull::Config::default()
                })
                .await
                .expect("reader consumer");
            let mut out = Vec::new();
            let mut empty = 0;
            while out.len() < total && empty < 10 {
                let mut batch = c
                    .batch()
                    .max_messages((total - out.len()).min(500))
                    .expires(Duration::from_secs(2))
                    .messages()
                    .await
                    .expect("batch");
                let before = out.len();
                while let Some(m) = batch.next().await {
                    match m {
                        Ok(m) => out.push(got_of(&m)),
                        // In a cluster, a new consumer answers 503 (no
                        // responders) until its leader is elected: pull again.
                        Err(e) => {
                            eprintln!("note: pulling from {name}: {e}; again");
                            tokio::time::sleep(Duration::from_millis(250)).await;
                            break;
                        }
                    }
                }
                if out.len() == before {
                    empty += 1;
                }
            }
            out
        })
    }

    /// Pull `n` messages from a durable consumer, acking each, then check
    /// that nothing else comes.
    fn pull(&self, stream: &str, consumer: &str, n: usize) -> (Vec<Got>, usize) {
        self.block_on(async {
            let s = self.js.get_stream(stream).await.expect("stream");
            let c: jetstream::consumer::PullConsumer =
                s.get_consumer(consumer).await.expect("consumer");
            let mut out = Vec::new();
            let deadline = Instant::now() + Duration::from_secs(30);
            while out.len() < n && Instant::now() < deadline {
                let mut batch = c
                    .batch()
                    .max_messages(n - out.len())
                    .expires(Duration::from_millis(1500))
                    .messages()
                    .await
                    .expect("batch");
                while let Some(m) = batch.next().await {
                    let m = m.expect("message");
                    out.push(got_of(&m));
                    m.double_ack().await.expect("ack");
                }
            }
            let mut extra = 0;
            // No wait: anything deliverable comes at once.
            let mut batch = c.fetch().max_messages(10).messages().await.expect("batch");
            while let Some(m) = batch.next().await {
                if m.is_ok() {
                    extra += 1;
                }
            }
            (out, extra)
        })
    }

    /// Receive `n` messages of a push consumer on its deliver subject (as
    /// a member of `group`, if given), acking each, then count what else
    /// comes within a second.
    fn receive_push(&self, subject: &str, group: Option<&str>, n: usize) -> (Vec<Got>, usize) {
        self.block_on(async {
            let client = self.js.client();
            let mut sub = match group {
                Some(g) => {
                    client
                        .queue_subscribe(subject.to_string(), g.to_string())
                        .await
                }
                None => client.subscribe(subject.to_string()).await,
            }
            .expect("subscribe");
            let mut out = Vec::new();
            let deadline = Instant::now() + Duration::from_secs(30);
            while out.len() < n {
                let left = deadline.saturating_duration_since(Instant::now());
                let Ok(Some(message)) = tokio::time::timeout(left, sub.next()).await else {
                    break;
                };
                let m = jetstream::Message {
                    message,
                    context: self.js.clone(),
                };
                out.push(got_of(&m));
                m.double_ack().await.expect("ack");
            }
            let mut extra = 0;
            while let Ok(Some(_)) = tokio::time::timeout(Duration::from_secs(1), sub.next()).await {
                extra += 1;
            }
            let _ = sub.unsubscribe().await;
            (out, extra)
        })
    }

    fn delete_prefix(&self) {
        self.block_on(async {
            let mut names = self.js.stream_names();
            let mut mine = Vec::new();
            while let Some(n) = names.next().await {
                match n {
                    Ok(n) if n.starts_with(&self.prefix) => mine.push(n),
                    Ok(_) => {}
                    Err(_) => break,
                }
            }
            for n in mine {
                let _ = self.js.delete_stream(&n).await;
            }
        });
    }
}

impl Drop for Nats {
    fn drop(&mut self) {
        if !self.prefix.is_empty() {
            let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| self.delete_prefix()));
        }
    }
}

/// Run `migrate to-jetstream` on fixture `name` as the server ran it.
fn migrate_fixture(name: &str, url: &str, sp: &str, subj: &str, extra: &[&str]) -> Value {
    migrate_store(&fixture_file_store(name), name, url, sp, subj, extra)
}

/// Run `migrate to-jetstream` on `store` (holding fixture `name`).
fn migrate_store(
    store: &Subject,
    name: &str,
    url: &str,
    sp: &str,
    subj: &str,
    extra: &[&str],
) -> Value {
    let mut args = store.args(&export_to(url, sp, subj));
    args.extend_from_slice(&["--verify", "--format", "json"]);
    args.extend_from_slice(extra);
    let report = json(&args);
    assert_eq!(report["verify"]["ok"], true, "{name}: verify: {report:#}");
    report
}

/// `migrate to-jetstream` into `url` with these stream and subject prefixes.
fn export_to<'a>(url: &'a str, sp: &'a str, subj: &'a str) -> [&'a str; 8] {
    [
        "migrate",
        "to-jetstream",
        "--server",
        url,
        "--stream-prefix",
        sp,
        "--subject-prefix",
        subj,
    ]
}

fn report_stream<'a>(report: &'a Value, channel: &str) -> &'a Value {
    report["streams"]
        .as_array()
        .expect("streams")
        .iter()
        .find(|s| s["channel"] == channel)
        .unwrap_or_else(|| panic!("no stream for channel {channel}"))
}

/// The durables of the manifest, grouped as stanctl groups them: the STAN
/// key (`client/durable`, or the stored `durable:group`) → members.
fn manifest_durables(m: &Value) -> BTreeMap<(String, String), Vec<&Value>> {
    let mut out: BTreeMap<(String, String), Vec<&Value>> = BTreeMap::new();
    for s in m["subscriptions"].as_array().expect("subscriptions") {
        if s["expected_in_store_at_shutdown"].as_bool() != Some(true)
            || s["is_durable"].as_bool() != Some(true)
        {
            continue;
        }
        let key = match s["queue_group_as_stored_by_server"].as_str() {
            Some(g) if s["is_queue"].as_bool() == Some(true) => g.to_string(),
            _ => format!("{}/{}", str_of(&s["client_id"]), str_of(&s["durable_name"])),
        };
        out.entry((str_of(&s["subject"]).to_string(), key))
            .or_default()
            .push(s);
    }
    out
}

/// STAN sequences a durable receives next, from the manifest: its
/// unacknowledged messages still in the channel, then the never sent ones.
fn expected_next(members: &[&Value], channel: &Value) -> (Vec<u64>, usize) {
    let in_view: BTreeSet<u64> = expected_messages(channel)
        .iter()
        .map(|m| u64_of(&m["seq"]))
        .collect();
    let pending: BTreeSet<u64> = members
        .iter()
        .flat_map(|s| {
            s["pending_unacked_seqs_at_shutdown"]
                .as_array()
                .expect("pending")
                .iter()
                .map(u64_of)
        })
        .filter(|s| in_view.contains(s))
        .collect();
    let last_sent = members
        .iter()
        .map(|s| u64_of(&s["last_received_seq"]))
        .max()
        .unwrap_or(0);
    let mut seqs: Vec<u64> = pending.iter().copied().collect();
    let redelivered = seqs.len();
    seqs.extend(in_view.iter().copied().filter(|&s| s > last_sent));
    (seqs, redelivered)
}

/// Stream contents against the manifest.
fn check_streams(nats: &Nats, name: &str, report: &Value, sp: &str, subj: &str, preserved: bool) {
    let m = truth(name);
    for w in m["channels"].as_array().expect("channels") {
        let channel = str_of(&w["name"]);
        let ctx = format!("{name}/{channel}");
        let rs = report_stream(report, channel);
        let stream = str_of(&rs["stream"]).to_string();
        assert_eq!(
            stream,
            format!("{sp}{}", rule(channel)),
            "{ctx}: stream name"
        );
        let want = expected_messages(w);
        // Without a settable first sequence, only a channel starting at 1
        // keeps its sequences.
        let first_is_1 = want.first().is_none_or(|f| u64_of(&f["seq"]) == 1);
        let identity = preserved || first_is_1;
        assert_eq!(rs["seq_preserved"], identity, "{ctx}: seq_preserved");
        let got = nats.stream_messages(&stream);
        assert_eq!(got.len(), want.len(), "{ctx}: message count");
        let info = nats.stream_info(&stream).expect("stream");
        assert_eq!(
            info.state.messages as usize,
            want.len(),
            "{ctx}: stream state"
        );
        for (i, (g, w)) in got.iter().zip(&want).enumerate() {
            let seq = u64_of(&w["seq"]);
            if identity {
                assert_eq!(g.js, seq, "{ctx}: JetStream seq = STAN seq");
            } else {
                assert_eq!(g.js, info.state.first_sequence + i as u64, "{ctx}: dense");
            }
            assert_eq!(
                g.subject,
                format!("{subj}{channel}"),
                "{ctx}#{seq}: subject"
            );
            assert_eq!(g.stan_seq(), seq, "{ctx}#{seq}: Nats-Streaming-Sequence");
            assert_eq!(
                g.headers
                    .get("Nats-Streaming-Timestamp")
                    .map(String::as_str),
                Some(w["timestamp_ns"].to_string().as_str()),
                "{ctx}#{seq}: Nats-Streaming-Timestamp"
            );
            assert_eq!(
                g.headers.get("Nats-Streaming-Channel").map(String::as_str),
                Some(channel),
                "{ctx}#{seq}: Nats-Streaming-Channel"
            );
            assert_eq!(
                g.headers.get("Nats-Msg-Id").cloned(),
                Some(format!("{}:{channel}:{seq}", str_of(&m["cluster_id"]))),
                "{ctx}#{seq}: Nats-Msg-Id"
            );
            assert_eq!(
                sha256_hex(&g.payload),
                str_of(&w["payload_sha256"]),
                "{ctx}#{seq}: payload"
            );
        }
    }
}

/// Consumers against the manifest: durable, configured, and delivering
/// exactly the pending messages then the unsent ones.
fn check_consumers(nats: &Nats, name: &str, report: &Value, preserved: bool) {
    check_consumers_as(nats, name, report, preserved, None);
}

/// As [`check_consumers`]; with `push_prefix`, push consumers whose deliver
/// subject is that + stream + `.` + consumer (and a STAN queue group's
/// deliver group its group name), received from there.
fn check_consumers_as(
    nats: &Nats,
    name: &str,
    report: &Value,
    preserved: bool,
    push_prefix: Option<&str>,
) {
    let m = truth(name);
    let durables = manifest_durables(&m);
    let consumers: usize = report["streams"]
        .as_array()
        .expect("streams")
        .iter()
        .map(|s| s["consumers"].as_array().map_or(0, Vec::len))
        .sum();
    assert_eq!(consumers, durables.len(), "{name}: consumer count");
    for ((channel, key), members) in &durables {
        let ctx = format!("{name}/{channel}/{key}");
        let rs = report_stream(report, channel);
        let stream = str_of(&rs["stream"]);
        let rc = rs["consumers"]
            .as_array()
            .expect("consumers")
            .iter()
            .find(|c| c["stan_key"] == key.as_str())
            .unwrap_or_else(|| panic!("{ctx}: not in the report"));
        let cname = str_of(&rc["name"]);
        let info = nats
            .consumer_info(stream, cname)
            .unwrap_or_else(|| panic!("{ctx}: consumer {cname} missing"));
        assert_eq!(
            info.config.durable_name.as_deref(),
            Some(cname),
            "{ctx}: durable"
        );
        let ack_wait = u64_of(&members[0]["ack_wait_sec"]);
        assert_eq!(
            info.config.ack_wait,
            Duration::from_secs(ack_wait),
            "{ctx}: ack wait"
        );
        let max_inflight: i64 = members
            .iter()
            .map(|s| s["max_inflight"].as_i64().expect("max_inflight"))
            .sum();
        assert_eq!(
            info.config.max_ack_pending, max_inflight,
            "{ctx}: max ack pending"
        );
        let group = members[0]["queue_group_as_stored_by_server"]
            .as_str()
            .filter(|_| members[0]["is_queue"] == true)
            .and_then(|g| g.split_once(':'))
            .map(|(_, g)| g.to_string());
        let deliver = push_prefix.map(|p| format!("{p}{stream}.{cname}"));
        assert_eq!(
            info.config.deliver_subject, deliver,
            "{ctx}: deliver subject"
        );
        let want_group = deliver.as_ref().and(group.clone());
        assert_eq!(
            info.config.deliver_group, want_group,
            "{ctx}: deliver group"
        );
        assert_eq!(
            (rc["deliver_subject"].as_str(), rc["deliver_group"].as_str()),
            (deliver.as_deref(), want_group.as_deref()),
            "{ctx}: reported delivery"
        );
        assert!(!info.push_bound, "{ctx}: nobody listens after the export");
        let w = m["channels"]
            .as_array()
            .expect("channels")
            .iter()
            .find(|c| c["name"] == channel.as_str())
            .expect("channel");
        let (want, redelivered) = expected_next(members, w);
        let (got, extra) = match &deliver {
            Some(subject) => nats.receive_push(subject, want_group.as_deref(), want.len()),
            None => nats.pull(stream, cname, want.len()),
        };
        let got_seqs: Vec<u64> = got.iter().map(Got::stan_seq).collect();
        assert_eq!(got_seqs, want, "{ctx}: what the application receives next");
        assert_eq!(extra, 0, "{ctx}: messages after the last one");
        for (i, g) in got.iter().enumerate() {
            assert_eq!(
                g.redelivered,
                i < redelivered,
                "{ctx}: redelivered flag of STAN seq {}",
                g.stan_seq()
            );
            if preserved || rs["seq_preserved"] == true {
                assert_eq!(g.js, g.stan_seq(), "{ctx}: JetStream seq = STAN seq");
            }
        }
    }
}

fn every_fixture_to_a_current_server(name: &str) {
    let Some(url) = env_var("STANCTL_TEST_NATS_URL") else {
        return;
    };
    let (sp, subj) = unique(name);
    let nats = Nats::connect(&url, &sp);
    let report = migrate_fixture(name, &url, &sp, &subj, &[]);
    assert_eq!(report["first_seq_supported"], true, "{name}");
    let m = truth(name);
    let msgs: u64 = m["channels"]
        .as_array()
        .expect("channels")
        .iter()
        .map(|c| expected_messages(c).len() as u64)
        .sum();
    assert_eq!(
        u64_of(&report["totals"]["published"]),
        msgs,
        "{name}: published"
    );
    check_streams(&nats, name, &report, &sp, &subj, true);
    check_consumers(&nats, name, &report, true);
    if name == "file-slices-v0.23" {
        // Limits from the configuration the server ran with.
        let limits = |ch: &str| {
            nats.stream_info(&format!("{sp}{}", rule(ch)))
                .expect("stream")
                .config
        };
        assert_eq!(limits("metrics.cpu").max_messages, 120);
        assert_eq!(limits("events.ttl").max_age, Duration::from_secs(10));
        assert!(limits("kv.sized").max_bytes >= 6000);
        // STAN's default limit, which a configuration file leaves as is.
        assert_eq!(limits("logs.app").max_messages, 1_000_000);
    }
}

with_untorn_standalone_stores!(per_fixture![every_fixture_to_a_current_server]);

fn older_server_records_the_sequence_mapping(name: &str) {
    let Some(url) = env_var("STANCTL_TEST_NATS_OLD_URL") else {
        return;
    };
    let old_is_current = std::env::var("STANCTL_TEST_NATS_OLD_IS_CURRENT").as_deref() == Ok("1");
    let extra: &[&str] = if old_is_current {
        eprintln!("note: no nats-server older than 2.10; testing the mapping with --no-first-seq");
        &["--no-first-seq"]
    } else {
        &[]
    };
    let (sp, subj) = unique(name);
    let nats = Nats::connect(&url, &sp);
    let report = migrate_fixture(name, &url, &sp, &subj, extra);
    assert_eq!(report["first_seq_supported"], false, "{name}");
    let m = truth(name);
    for w in m["channels"].as_array().expect("channels") {
        let channel = str_of(&w["name"]);
        let want = expected_messages(w);
        let first = u64_of(&want[0]["seq"]);
        let last = u64_of(&want[want.len() - 1]["seq"]);
        let rs = report_stream(&report, channel);
        assert_eq!(rs["seq_preserved"], first == 1, "{name}/{channel}");
        assert_eq!(
            rs["seq_mapping"],
            serde_json::json!([{"stan_first": first, "stan_last": last, "js_first": 1}]),
            "{name}/{channel}: mapping"
        );
    }
    check_streams(&nats, name, &report, &sp, &subj, false);
    check_consumers(&nats, name, &report, false);
}

per_fixture! { [older_server_records_the_sequence_mapping]
    file_slices_v0_23 => "file-slices-v0.23",
    file_basic_v0_23 => "file-basic-v0.23",
}

/// A nats-server this test runs, killed at the end.
struct OwnServer {
    child: Child,
    bin: String,
    port: u16,
    dir: PathBuf,
}

impl OwnServer {
    fn start(bin: &str, dir: &Path, port: u16) -> OwnServer {
        OwnServer::start_with(bin, dir, port, &[])
    }

    fn start_with(bin: &str, dir: &Path, port: u16, extra: &[&str]) -> OwnServer {
        let child = Command::new(bin)
            .args(["-a", "127.0.0.1", "-p", &port.to_string(), "-js", "-sd"])
            .arg(dir)
            .args(extra)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start nats-server");
        OwnServer {
            child,
            bin: bin.to_string(),
            port,
            dir: dir.to_path_buf(),
        }
    }

    fn url(&self) -> String {
        format!("nats://127.0.0.1:{}", self.port)
    }

    /// Stop it gracefully (SIGTERM) and start it again on its directory.
    fn restart(&mut self) {
        let pid = self.child.id() as libc::pid_t;
        // SAFETY: signalling our own child process.
        unsafe {
            libc::kill(pid, libc::SIGTERM);
        }
        let deadline = Instant::now() + Duration::from_secs(20);
        while self.child.try_wait().expect("wait").is_none() {
            assert!(Instant::now() < deadline, "nats-server did not stop");
            std::thread::sleep(Duration::from_millis(50));
        }
        *self = OwnServer::start(&self.bin, &self.dir, self.port);
    }
}

impl Drop for OwnServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("free port")
}

fn consumers_survive_a_server_restart(name: &str) {
    let Some(bin) = env_var("STANCTL_TEST_NATS_BIN") else {
        return;
    };
    let tmp = tempfile::tempdir().expect("tmp");
    let mut server = OwnServer::start(&bin, tmp.path(), free_port());
    let url = server.url();
    let mut runs = Vec::new();
    {
        let _ready = Nats::connect(&url, "");
        let (sp, subj) = unique(name);
        // Unlimited streams: events.ttl keeps a 10 s max_age otherwise.
        let report = migrate_fixture(name, &url, &sp, &subj, &["--no-limits"]);
        runs.push((name, sp, subj, report, None));
        if name == "file-basic-v0.23" {
            // Push consumers too.
            let (sp, subj) = unique("push_restart");
            let deliver = format!("{subj}to.");
            let push = [
                "--consumer-kind",
                "push",
                "--deliver-subject-prefix",
                &deliver,
            ];
            let report = migrate_fixture(name, &url, &sp, &subj, &push);
            runs.push((name, sp, subj, report, Some(deliver)));
        }
    }
    server.restart();
    let nats = Nats::connect(&url, "");
    for (name, _, _, report, _) in &runs {
        for s in report["streams"].as_array().expect("streams") {
            for c in s["consumers"].as_array().expect("consumers") {
                let info = nats
                    .consumer_info(str_of(&s["stream"]), str_of(&c["name"]))
                    .unwrap_or_else(|| {
                        panic!("{name}: consumer {} lost in the restart", c["name"])
                    });
                assert_eq!(
                    info.config.durable_name.as_deref(),
                    Some(str_of(&c["name"])),
                    "{name}: durable after the restart"
                );
            }
        }
    }
    // JetStream re-queues the unacknowledged messages of a restored consumer
    // 0.5 to 1.5 s after it starts.
    std::thread::sleep(Duration::from_millis(2500));
    for (name, sp, subj, report, push) in &runs {
        check_streams(&nats, name, report, sp, subj, true);
        check_consumers_as(&nats, name, report, true, push.as_deref());
    }
}

with_untorn_standalone_stores!(per_fixture![consumers_survive_a_server_restart]);

#[test]
fn running_twice_changes_nothing() {
    let Some(url) = env_var("STANCTL_TEST_NATS_URL") else {
        return;
    };
    let name = "file-basic-v0.23";
    let (sp, subj) = unique("twice");
    let nats = Nats::connect(&url, &sp);
    let first = migrate_fixture(name, &url, &sp, &subj, &[]);
    let counts = |r: &Value| -> BTreeMap<String, u64> {
        r["streams"]
            .as_array()
            .expect("streams")
            .iter()
            .map(|s| {
                let stream = str_of(&s["stream"]).to_string();
                let n = nats.stream_info(&stream).expect("stream").state.messages;
                (stream, n)
            })
            .collect()
    };
    let before = counts(&first);
    let second = migrate_fixture(name, &url, &sp, &subj, &[]);
    assert_eq!(counts(&second), before, "message counts after a second run");
    assert_eq!(u64_of(&second["totals"]["published"]), 0);
    assert_eq!(
        second["totals"]["already_present"],
        first["totals"]["published"]
    );
    assert_eq!(u64_of(&second["totals"]["consumers_created"]), 0);
    assert_eq!(
        second["totals"]["consumers_existing"],
        first["totals"]["consumers_created"]
    );
    for s in second["streams"].as_array().expect("streams") {
        assert_eq!(s["resumed"], true);
        for c in s["consumers"].as_array().expect("consumers") {
            assert_eq!(c["action"], "exists");
        }
    }
}

/// `--consumer-kind push`: every durable becomes a push consumer with its
/// deliver subject (a queue group's with its group as deliver group), which
/// sends what a STAN client of that subscription would get next (MANIFEST);
/// a rerun changes nothing; a run asking for pull consumers, or for other
/// deliver subjects, is refused.
#[test]
fn push_consumers_deliver_what_stan_would_send_next() {
    let Some(url) = env_var("STANCTL_TEST_NATS_URL") else {
        return;
    };
    let name = "file-basic-v0.23";
    let (sp, subj) = unique("push");
    let deliver = format!("{subj}to.");
    let nats = Nats::connect(&url, &sp);
    let push = [
        "--consumer-kind",
        "push",
        "--deliver-subject-prefix",
        &deliver,
    ];
    let first = migrate_fixture(name, &url, &sp, &subj, &push);
    check_streams(&nats, name, &first, &sp, &subj, true);
    let states = |r: &Value| -> Vec<(String, u64, u64, usize, u64)> {
        let mut out = Vec::new();
        for s in r["streams"].as_array().expect("streams") {
            let stream = str_of(&s["stream"]);
            for c in s["consumers"].as_array().expect("consumers") {
                let i = nats
                    .consumer_info(stream, str_of(&c["name"]))
                    .expect("consumer");
                out.push((
                    i.name.clone(),
                    i.delivered.stream_sequence,
                    i.ack_floor.stream_sequence,
                    i.num_ack_pending,
                    i.num_pending,
                ));
            }
        }
        out
    };
    let before = states(&first);
    assert!(before.len() >= 4, "{before:?}");
    let second = migrate_fixture(name, &url, &sp, &subj, &push);
    assert_eq!(u64_of(&second["totals"]["published"]), 0);
    assert_eq!(u64_of(&second["totals"]["consumers_created"]), 0);
    assert_eq!(
        second["totals"]["consumers_existing"],
        first["totals"]["consumers_created"]
    );
    assert_eq!(states(&second), before, "consumers after a rerun");

    let store = fixture_file_store(name);
    let base = export_to(&url, &sp, &subj);
    let other = format!("{subj}elsewhere.");
    for (extra, found) in [
        (vec![], "not as pull"),
        (
            vec![
                "--consumer-kind",
                "push",
                "--deliver-subject-prefix",
                &other,
            ],
            "elsewhere",
        ),
    ] {
        let args = store.args(&joined(&base, &extra));
        let (code, _, stderr) = run_env(&args, &[]);
        assert_eq!(code, Some(2), "{extra:?}: stderr:\n{stderr}");
        assert!(
            stderr.contains(&format!("exists as push to {deliver}"))
                && stderr.contains(found)
                && stderr.contains("--consumer-kind"),
            "{extra:?}: {stderr}"
        );
    }
    assert_eq!(states(&first), before, "consumers after the refused runs");

    // --verify's consumer check: the plan's delivery against the server's.
    let verify = |delivery: Delivery, prefix: &str| {
        let spec = StoreSpec::resolve(StoreOptions {
            dir: Some(fixture(name).join("store")),
            ..StoreOptions::default()
        })
        .expect("store");
        let plan_opts = PlanOptions {
            stream_prefix: sp.clone(),
            subject_prefix: subj.clone(),
            delivery,
            deliver_subject_prefix: prefix.to_string(),
            ..PlanOptions::default()
        };
        let plan =
            build_plan(spec.open_reader().expect("open").as_mut(), &plan_opts).expect("plan");
        let open = || spec.open_reader();
        verify_only(
            &open,
            &plan,
            &ConnectionOptions::new(url.as_str()),
            &RunOptions::default(),
        )
        .expect("verify")
    };
    let same = verify(Delivery::Push, &deliver);
    assert!(same.ok, "{:?}", same.differences);
    for (delivery, prefix, expected) in [
        (Delivery::Pull, deliver.as_str(), "expected pull"),
        (Delivery::Push, other.as_str(), "elsewhere"),
    ] {
        let v = verify(delivery, prefix);
        assert_eq!(v.difference_count, before.len(), "{:?}", v.differences);
        assert!(
            v.differences
                .iter()
                .all(|d| d.contains(&format!(": push to {deliver}")) && d.contains(expected)),
            "{:?}",
            v.differences
        );
    }

    check_consumers_as(&nats, name, &first, true, Some(&deliver));
}

/// A push consumer sends as long as fewer than max ack pending messages
/// are unacknowledged: positioning one far behind (2 unacked messages, then
/// 1,498 to take, 500 more in the stream after the last sent one) must not
/// let the server send past the last sent one. A durable and a durable queue
/// group (two members) in a store written here.
#[test]
fn push_positioning_stops_at_the_last_sent_message() {
    use stanctl::filestore::writer::{FileStoreWriter, FileWriterOptions};
    use stanctl::model::{
        ChannelCounts, ChannelStats, Client, Limits, Message, ServerInfo, Subscription,
    };
    use stanctl::store::StoreWriter;
    let Some(url) = env_var("STANCTL_TEST_NATS_URL") else {
        return;
    };
    let tmp = tempfile::tempdir().expect("tmp");
    let src = tmp.path().join("store");
    let mut w = FileStoreWriter::create(&src, FileWriterOptions::default()).expect("writer");
    let inbox = |what: &str| format!("_STAN.{what}.wide");
    w.server_info(&ServerInfo {
        cluster_id: "wide".into(),
        node_id: None,
        discovery: inbox("discover"),
        publish: inbox("pub"),
        subscribe: inbox("sub"),
        unsubscribe: inbox("unsub"),
        close: inbox("close"),
        sub_close: inbox("subclose"),
        acks_subs: inbox("ack"),
    })
    .expect("server info");
    w.add_client(&Client {
        id: "app".into(),
        hb_inbox: "_INBOX.app".into(),
        conn_id: None,
        protocol: None,
        ping_interval: None,
        ping_max_out: None,
    })
    .expect("client");
    let stats = ChannelStats {
        name: "wide".into(),
        counts: ChannelCounts {
            msgs: 2000,
            first_seq: 1,
            last_seq: 2000,
            ..ChannelCounts::default()
        },
    };
    w.begin_channel(&stats, &Limits::default())
        .expect("channel");
    for seq in 1..=2000u64 {
        w.append_message(&Message {
            seq,
            timestamp: 1_700_000_000_000_000_000 + seq as i64,
            subject: "wide".into(),
            reply: String::new(),
            data: bytes::Bytes::from(format!("m{seq}")),
        })
        .expect("message");
    }
    let sub =
        |id: u64, durable: &str, group: &str, last_sent: u64, pending: Vec<u64>| Subscription {
            channel: "wide".into(),
            id,
            client_id: "app".into(),
            inbox: format!("_INBOX.app.{id}"),
            ack_inbox: format!("_STAN.ack.app.{id}"),
            durable_name: durable.into(),
            queue_group: group.into(),
            max_in_flight: 40,
            ack_wait_s: 30,
            last_sent,
            pending,
            is_durable: true,
            is_closed: false,
        };
    for s in [
        sub(1, "far", "", 1500, vec![3, 700]),
        sub(2, "", "far:grp", 900, vec![10]),
        sub(3, "", "far:grp", 1300, vec![1200]),
    ] {
        w.add_subscription(&s).expect("subscription");
    }
    w.end_channel().expect("end");
    Box::new(w).finish().expect("finish");

    let (sp, subj) = unique("pushfar");
    let deliver = format!("{subj}to.");
    let nats = Nats::connect(&url, &sp);
    let dir = src.to_str().expect("path");
    let args = joined(
        &joined(&["--dir", dir], &export_to(&url, &sp, &subj)),
        &[
            "--consumer-kind",
            "push",
            "--deliver-subject-prefix",
            &deliver,
            "--verify",
            "--format",
            "json",
        ],
    );
    let report = json(&args);
    assert_eq!(report["verify"]["ok"], true, "{report:#}");
    let stream = format!("{sp}wide");
    for (consumer, group, want) in [
        (
            "far",
            None,
            [vec![3, 700], (1501..=2000).collect()].concat(),
        ),
        (
            "far_grp",
            Some("grp"),
            [vec![10, 1200], (1301..=2000).collect()].concat(),
        ),
    ] {
        let info = nats.consumer_info(&stream, consumer).expect("consumer");
        assert_eq!(
            info.config.max_ack_pending,
            if group.is_some() { 80 } else { 40 }
        );
        assert_eq!(info.delivered.stream_sequence + 1, want[2], "{consumer}");
        assert_eq!(info.num_ack_pending, 2, "{consumer}");
        let subject = format!("{deliver}{stream}.{consumer}");
        let (got, extra) = nats.receive_push(&subject, group, want.len());
        let seqs: Vec<u64> = got.iter().map(Got::stan_seq).collect();
        assert_eq!(seqs, want, "{consumer}");
        assert_eq!(extra, 0, "{consumer}");
        let redelivered: Vec<bool> = got.iter().map(|g| g.redelivered).collect();
        assert_eq!(redelivered[..3], [true, true, false], "{consumer}");
    }
}

#[test]
fn killed_halfway_then_rerun_completes_without_duplicates() {
    let Some(url) = env_var("STANCTL_TEST_NATS_URL") else {
        return;
    };
    let tmp = tempfile::tempdir().expect("tmp");
    let src = tmp.path().join("store");
    let total = 100_000;
    generate_store(
        &src,
        &GenOptions {
            channels: 1,
            msgs: total,
            size: 64,
            subs: 1,
            ..GenOptions::default()
        },
    )
    .expect("generate");
    let (sp, subj) = unique("kill");
    let nats = Nats::connect(&url, &sp);
    let stream = format!("{sp}gen_channel_0");
    let dir = src.to_str().expect("path");
    let args = joined(
        &["--dir", dir],
        &joined(&export_to(&url, &sp, &subj), &["--quiet"]),
    );
    let mut child = Command::new(assert_cmd::cargo::cargo_bin("stanctl"))
        .args(&args)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn");
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        if child.try_wait().expect("wait").is_some() {
            panic!("the migration finished before it could be killed: make the store bigger");
        }
        let n = nats.stream_info(&stream).map_or(0, |i| i.state.messages);
        if n >= 2_000 {
            break;
        }
        assert!(Instant::now() < deadline, "the migration did not start");
        std::thread::sleep(Duration::from_millis(20));
    }
    child.kill().expect("SIGKILL");
    let _ = child.wait();
    std::thread::sleep(Duration::from_millis(300));
    let partial = nats.stream_info(&stream).expect("stream").state.messages;
    assert!(
        partial < total,
        "the migration finished before it was killed: make the store bigger"
    );

    let mut rerun: Vec<&str> = args.to_vec();
    rerun.pop();
    rerun.extend(["--verify", "--format", "json"]);
    let report = json(&rerun);
    assert_eq!(
        report["verify"]["ok"], true,
        "verify after the rerun: {report:#}"
    );
    let rs = &report["streams"][0];
    assert_eq!(rs["resumed"], true);
    assert_eq!(u64_of(&rs["already_present"]), partial);
    assert_eq!(u64_of(&rs["published"]), total - partial);
    let info = nats.stream_info(&stream).expect("stream");
    assert_eq!(info.state.messages, total, "no duplicates, nothing missing");
    assert_eq!(info.state.first_sequence, 1);
    assert_eq!(info.state.last_sequence, total);
    let got = nats.stream_messages(&stream);
    let seqs: Vec<u64> = got.iter().map(Got::stan_seq).collect();
    assert_eq!(seqs, (1..=total).collect::<Vec<_>>(), "STAN sequences");
    assert!(got.iter().all(|g| g.js == g.stan_seq()));
}

#[test]
fn dry_run_prints_the_plan() {
    let dir = fixture("file-basic-v0.23").join("store");
    let dir = dir.to_str().expect("path");
    let plan = json(&[
        "--dir",
        dir,
        "migrate",
        "to-jetstream",
        "--dry-run",
        "--format",
        "json",
        "--stream-prefix",
        "P_",
        "--subject-prefix",
        "new.",
        "--stream-name",
        "payments=PAY",
    ]);
    assert_eq!(plan["cluster_id"], "stanctl-basic");
    let streams = plan["streams"].as_array().expect("streams");
    let by_channel: BTreeMap<&str, &Value> =
        streams.iter().map(|s| (str_of(&s["channel"]), s)).collect();
    assert_eq!(by_channel["orders.eu"]["stream"], "P_orders_eu");
    assert_eq!(by_channel["orders.eu"]["name_source"], "rule");
    assert_eq!(by_channel["orders.eu"]["subject"], "new.orders.eu");
    assert_eq!(by_channel["payments"]["stream"], "PAY");
    assert_eq!(by_channel["payments"]["name_source"], "override");
    assert_eq!(by_channel["orders.eu"]["stream_first_seq"], 1);
    assert_eq!(by_channel["orders.eu"]["limits"]["max_msgs"], -1);

    let m = truth("file-basic-v0.23");
    for ((channel, key), members) in manifest_durables(&m) {
        let s = by_channel[channel.as_str()];
        let c = s["consumers"]
            .as_array()
            .expect("consumers")
            .iter()
            .find(|c| c["stan_key"] == key.as_str())
            .unwrap_or_else(|| panic!("{channel}/{key}: not planned"));
        let queue = members[0]["is_queue"].as_bool() == Some(true);
        let durable = str_of(&members[0]["durable_name"]);
        let want_name = if queue {
            rule(&format!("{durable}_{}", str_of(&members[0]["queue_group"])))
        } else {
            rule(durable)
        };
        assert_eq!(c["name"], want_name.as_str(), "{channel}/{key}");
        assert_eq!(
            c["kind"],
            if queue { "durable_queue" } else { "durable" },
            "{channel}/{key}"
        );
        let (want, redelivered) = expected_next(&members, by_channel_manifest(&m, &channel));
        let pending: Vec<u64> = c["pending"]
            .as_array()
            .expect("pending")
            .iter()
            .map(u64_of)
            .collect();
        assert_eq!(pending, want[..redelivered], "{channel}/{key}: pending");
        if let Some(next) = want.get(redelivered) {
            assert_eq!(u64_of(&c["next_new_seq"]), *next, "{channel}/{key}: next");
        }
    }
    // Non-durable subscriptions are listed, not migrated.
    let skipped: usize = streams
        .iter()
        .map(|s| s["skipped"].as_array().map_or(0, Vec::len))
        .sum();
    let plain = m["subscriptions"]
        .as_array()
        .expect("subs")
        .iter()
        .filter(|s| {
            s["expected_in_store_at_shutdown"].as_bool() == Some(true)
                && s["is_durable"].as_bool() != Some(true)
        })
        .count();
    assert_eq!(skipped, plain);
    assert_eq!(
        u64_of(&plan["totals"]["skipped_subscriptions"]),
        plain as u64
    );

    // Names that would collide are refused when both are explicit.
    let out = stanctl()
        .args([
            "--dir",
            dir,
            "migrate",
            "to-jetstream",
            "--dry-run",
            "--stream-name",
            "payments=X",
            "--stream-name",
            "orders.eu=X",
        ])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2));
}

fn by_channel_manifest<'a>(m: &'a Value, channel: &str) -> &'a Value {
    m["channels"]
        .as_array()
        .expect("channels")
        .iter()
        .find(|c| c["name"] == channel)
        .expect("channel")
}

#[test]
fn encrypted_store_needs_its_key() {
    let name = "file-encrypted-v0.23";
    let dir = fixture(name).join("store");
    let out = stanctl()
        .args([
            "--dir",
            dir.to_str().expect("path"),
            "migrate",
            "to-jetstream",
            "--dry-run",
        ])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("look encrypted"));
    let mut args = vec![
        "--dir".to_string(),
        dir.display().to_string(),
        "migrate".into(),
        "to-jetstream".into(),
        "--dry-run".into(),
        "--format".into(),
        "json".into(),
    ];
    args.extend(key_options(name));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let plan = json(&args);
    assert_eq!(u64_of(&plan["totals"]["msgs"]), 108);
}

/// The SQL fixtures (real servers' PostgreSQL and MariaDB stores, loaded by
/// scripts/test-databases.sh) migrate the same way.
fn sql_fixtures_to_a_current_server(name: &str) {
    let Some(url) = env_var("STANCTL_TEST_NATS_URL") else {
        return;
    };
    let (driver, var) = match name {
        "sql-postgres-v0.23" => ("postgres", "STANCTL_TEST_PG_SQL_POSTGRES_V0_23"),
        "sql-mysql-v0.23" => ("mysql", "STANCTL_TEST_MYSQL_SQL_MYSQL_V0_23"),
        "sql-postgres-v0.9" => ("postgres", "STANCTL_TEST_PG_SQL_POSTGRES_V0_9"),
        "sql-mysql-v0.9" => ("mysql", "STANCTL_TEST_MYSQL_SQL_MYSQL_V0_9"),
        other => panic!("no SQL fixture {other:?}"),
    };
    let Some(dsn) = env_var(var) else {
        return;
    };
    let store = sql_store(driver, &dsn, vec![], true);
    let (sp, subj) = unique(name);
    let nats = Nats::connect(&url, &sp);
    let report = migrate_store(&store, name, &url, &sp, &subj, &[]);
    check_streams(&nats, name, &report, &sp, &subj, true);
    check_consumers(&nats, name, &report, true);
}

per_fixture! { [sql_fixtures_to_a_current_server]
    sql_postgres_v0_23 => "sql-postgres-v0.23",
    sql_mysql_v0_23 => "sql-mysql-v0.23",
    sql_postgres_v0_9 => "sql-postgres-v0.9",
    sql_mysql_v0_9 => "sql-mysql-v0.9",
}

/// A run killed while positioning a consumer leaves it marked incomplete:
/// the rerun makes it again. Consumers stanctl did not make are left alone.
#[test]
fn rerun_remakes_incomplete_consumers() {
    let Some(url) = env_var("STANCTL_TEST_NATS_URL") else {
        return;
    };
    let name = "file-basic-v0.23";
    let (sp, subj) = unique("incomplete");
    let nats = Nats::connect(&url, &sp);
    let first = migrate_fixture(name, &url, &sp, &subj, &["--no-consumers"]);
    assert_eq!(u64_of(&first["totals"]["consumers_created"]), 0);
    let eu = format!("{sp}orders_eu");
    let pay = format!("{sp}payments");
    nats.block_on(async {
        let make = |stream: String, durable: &'static str, description: &'static str| {
            let js = nats.js.clone();
            async move {
                let s = js.get_stream(&stream).await.expect("stream");
                s.create_consumer(pull::Config {
                    durable_name: Some(durable.to_string()),
                    description: Some(description.to_string()),
                    ack_policy: jetstream::consumer::AckPolicy::Explicit,
                    ..pull::Config::default()
                })
                .await
                .expect("consumer");
            }
        };
        // As a killed run leaves it, at the wrong position...
        make(
            eu.clone(),
            "dur-orders",
            "stanctl: positioning from STAN (incomplete)",
        )
        .await;
        // ...and one of somebody else's.
        make(pay.clone(), "pay-dur", "the application's own").await;
    });
    let second = migrate_fixture(name, &url, &sp, &subj, &[]);
    let action = |channel: &str, consumer: &str| {
        report_stream(&second, channel)["consumers"]
            .as_array()
            .expect("consumers")
            .iter()
            .find(|c| c["name"] == consumer)
            .map(|c| c["action"].clone())
            .unwrap_or_else(|| panic!("{consumer} not in the report"))
    };
    assert_eq!(action("orders.eu", "dur-orders"), "recreated");
    assert_eq!(action("payments", "pay-dur"), "skipped_foreign");
    assert_eq!(action("orders.us", "qdur_workers"), "created");
    let info = nats.consumer_info(&pay, "pay-dur").expect("pay-dur");
    assert_eq!(
        info.config.description.as_deref(),
        Some("the application's own")
    );
    let m = truth(name);
    let durables = manifest_durables(&m);
    let members = &durables[&("orders.eu".to_string(), "worker-a/dur-orders".to_string())];
    let channel = by_channel_manifest(&m, "orders.eu");
    let (want, _) = expected_next(members, channel);
    let (got, extra) = nats.pull(&eu, "dur-orders", want.len());
    let got: Vec<u64> = got.iter().map(Got::stan_seq).collect();
    assert_eq!(got, want);
    assert_eq!(extra, 0);
}

/// User and password, and token, as the `nats` CLI takes them.
#[test]
fn authenticates() {
    let Some(bin) = env_var("STANCTL_TEST_NATS_BIN") else {
        return;
    };
    let dir = fixture("file-kill9-v0.23").join("store");
    let dir = dir.to_str().expect("path");
    for (server_args, good, bad) in [
        (
            &["--user", "mig", "--pass", "s3cret"][..],
            &["--user", "mig", "--password", "s3cret"][..],
            &["--user", "mig", "--password", "wrong"][..],
        ),
        (
            &["--auth", "t0ken"][..],
            &["--token", "t0ken"][..],
            &["--token", "nope"][..],
        ),
    ] {
        let tmp = tempfile::tempdir().expect("tmp");
        let server = OwnServer::start_with(&bin, tmp.path(), free_port(), server_args);
        let url = server.url();
        let wait = Instant::now() + Duration::from_secs(20);
        while std::net::TcpStream::connect(("127.0.0.1", server.port)).is_err() {
            assert!(Instant::now() < wait, "nats-server did not start");
            std::thread::sleep(Duration::from_millis(50));
        }
        let base = export_args(dir, &["--server", &url]);
        let mut args = base.to_vec();
        args.extend_from_slice(good);
        let report = json(&args);
        assert_eq!(report["verify"]["ok"], true);
        assert_eq!(u64_of(&report["totals"]["published"]), 23);
        let mut args = base.to_vec();
        args.extend_from_slice(bad);
        let out = stanctl().args(&args).output().expect("run");
        assert_eq!(
            out.status.code(),
            Some(2),
            "{server_args:?}: bad credentials"
        );
    }
}

/// A three-node JetStream cluster on loopback: routes between the nodes,
/// a store directory each. Nodes are killed (SIGKILL) and started again on
/// their directory; all are killed at the end.
struct Cluster {
    bin: String,
    _dir: tempfile::TempDir,
    nodes: Vec<ClusterNode>,
}

struct ClusterNode {
    name: String,
    port: u16,
    conf: PathBuf,
    child: Option<Child>,
}

impl Cluster {
    fn start(bin: &str) -> Cluster {
        let dir = tempfile::tempdir().expect("tmp");
        let ports: Vec<(u16, u16)> = (0..3).map(|_| (free_port(), free_port())).collect();
        let routes: Vec<String> = ports
            .iter()
            .map(|(_, r)| format!("nats-route://127.0.0.1:{r}"))
            .collect();
        let nodes = ports
            .iter()
            .enumerate()
            .map(|(i, (port, route))| {
                let name = format!("n{i}");
                let store = dir.path().join(&name);
                std::fs::create_dir_all(&store).expect("node dir");
                let conf = dir.path().join(format!("{name}.conf"));
                std::fs::write(
                    &conf,
                    format!(
                        "server_name: {name}\nlisten: 127.0.0.1:{port}\n\
                         jetstream {{ store_dir: {:?} }}\n\
                         cluster {{ name: stanctl-test, listen: 127.0.0.1:{route}, routes: [{}] }}\n",
                        store.display().to_string(),
                        routes.join(", ")
                    ),
                )
                .expect("node conf");
                ClusterNode {
                    name,
                    port: *port,
                    conf,
                    child: None,
                }
            })
            .collect();
        let mut cluster = Cluster {
            bin: bin.to_string(),
            _dir: dir,
            nodes,
        };
        for i in 0..3 {
            cluster.start_node(i);
        }
        cluster.wait_ready();
        cluster
    }

    fn start_node(&mut self, i: usize) {
        let node = &mut self.nodes[i];
        assert!(node.child.is_none(), "{} is running", node.name);
        let log = node.conf.with_extension("log");
        let child = Command::new(&self.bin)
            .arg("-c")
            .arg(&node.conf)
            .arg("-l")
            .arg(&log)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start nats-server");
        node.child = Some(child);
    }

    fn kill_node(&mut self, i: usize) {
        if let Some(mut child) = self.nodes[i].child.take() {
            child.kill().expect("SIGKILL");
            let _ = child.wait();
        }
    }

    fn index_of(&self, name: &str) -> usize {
        self.nodes
            .iter()
            .position(|n| n.name == name)
            .unwrap_or_else(|| panic!("no node {name}"))
    }

    /// Every node's URL, for --server.
    fn urls(&self) -> String {
        self.nodes
            .iter()
            .map(|n| format!("nats://127.0.0.1:{}", n.port))
            .collect::<Vec<_>>()
            .join(",")
    }

    /// The URL of a running node.
    fn url_of_running(&self) -> String {
        let n = self
            .nodes
            .iter()
            .find(|n| n.child.is_some())
            .expect("a running node");
        format!("nats://127.0.0.1:{}", n.port)
    }

    /// Wait until a meta leader is elected and an R3 stream can be placed.
    fn wait_ready(&self) {
        let nats = Nats::connect(&self.url_of_running(), "");
        let probe = format!("PROBE{}", std::process::id());
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let made = nats.block_on(async {
                nats.js
                    .create_stream(stream::Config {
                        name: probe.clone(),
                        subjects: vec![format!("probe.{probe}")],
                        num_replicas: 3,
                        ..stream::Config::default()
                    })
                    .await
                    .is_ok()
            });
            if made {
                let _ = nats.block_on(nats.js.delete_stream(&probe));
                return;
            }
            assert!(
                Instant::now() < deadline,
                "the cluster elected no meta leader within 60 s"
            );
            std::thread::sleep(Duration::from_millis(250));
        }
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        for i in 0..self.nodes.len() {
            self.kill_node(i);
        }
    }
}

/// Wait until every stream of `report` (and its consumers) has a leader
/// and two replicas, all current and online.
fn wait_replicated(nats: &Nats, report: &Value) {
    let deadline = Instant::now() + Duration::from_secs(60);
    for s in report["streams"].as_array().expect("streams") {
        let stream = str_of(&s["stream"]);
        let all_current = |c: Option<&jetstream::stream::ClusterInfo>| {
            c.is_some_and(|c| {
                c.leader.is_some()
                    && c.replicas.len() == 2
                    && c.replicas.iter().all(|p| p.current && !p.offline)
            })
        };
        loop {
            let info = nats.stream_info(stream).expect("stream");
            assert_eq!(info.config.num_replicas, 3, "{stream}: replicas");
            let consumers_ok = s["consumers"]
                .as_array()
                .expect("consumers")
                .iter()
                .all(|c| {
                    nats.consumer_info(stream, str_of(&c["name"]))
                        .is_some_and(|i| all_current(i.cluster.as_ref()))
                });
            if all_current(info.cluster.as_ref()) && consumers_ok {
                break;
            }
            assert!(
                Instant::now() < deadline,
                "{stream}: not current on all three peers within 60 s: {:?}",
                info.cluster
            );
            std::thread::sleep(Duration::from_millis(250));
        }
    }
}

/// A real server's store exported to an R3 cluster: every stream and
/// consumer on all three nodes, as the manifest says.
#[test]
fn fixture_to_a_three_node_cluster() {
    let Some(bin) = env_var("STANCTL_TEST_NATS_BIN") else {
        return;
    };
    let cluster = Cluster::start(&bin);
    let name = "file-basic-v0.23";
    let (sp, subj) = unique("r3");
    let nats = Nats::connect(&cluster.url_of_running(), &sp);
    let report = migrate_fixture(
        name,
        &cluster.urls(),
        &sp,
        &subj,
        &["--replicas", "3", "--no-limits"],
    );
    wait_replicated(&nats, &report);
    check_streams(&nats, name, &report, &sp, &subj, true);
    check_consumers(&nats, name, &report, true);

    // Push consumers, R3: stanctl listens on one node, the consumer's
    // leader may be on another.
    let (sp, subj) = unique("r3push");
    let nats = Nats::connect(&cluster.url_of_running(), &sp);
    let deliver = format!("{subj}to.");
    let report = migrate_fixture(
        name,
        &cluster.urls(),
        &sp,
        &subj,
        &[
            "--replicas",
            "3",
            "--no-limits",
            "--consumer-kind",
            "push",
            "--deliver-subject-prefix",
            &deliver,
        ],
    );
    wait_replicated(&nats, &report);
    check_consumers_as(&nats, name, &report, true, Some(&deliver));
}

/// A store made by the generator, whose durables are known: subscription
/// `s` of each channel sent up to `msgs - 10 s`, its last five unacked.
struct Generated {
    _tmp: tempfile::TempDir,
    dir: String,
    channels: usize,
    msgs: u64,
    subs: usize,
}

impl Generated {
    fn new(channels: usize, msgs: u64, subs: usize) -> Generated {
        let tmp = tempfile::tempdir().expect("tmp");
        let src = tmp.path().join("store");
        generate_store(
            &src,
            &GenOptions {
                channels,
                msgs,
                size: 64,
                subs,
                ..GenOptions::default()
            },
        )
        .expect("generate");
        let dir = src.to_str().expect("path").to_string();
        Generated {
            _tmp: tmp,
            dir,
            channels,
            msgs,
            subs,
        }
    }

    /// Every stream holds STAN sequences 1..=msgs at the same JetStream
    /// sequences, once each; every consumer delivers its pending messages
    /// then the unsent ones, and nothing else.
    fn check(&self, nats: &Nats, sp: &str) {
        for c in 0..self.channels {
            let stream = format!("{sp}gen_channel_{c}");
            let info = nats.stream_info(&stream).expect("stream");
            assert_eq!(info.state.messages, self.msgs, "{stream}: messages");
            assert_eq!(info.state.first_sequence, 1, "{stream}: first");
            assert_eq!(info.state.last_sequence, self.msgs, "{stream}: last");
            let got = nats.stream_messages(&stream);
            let seqs: Vec<u64> = got.iter().map(Got::stan_seq).collect();
            assert_eq!(
                seqs,
                (1..=self.msgs).collect::<Vec<_>>(),
                "{stream}: STAN seqs"
            );
            assert!(got.iter().all(|g| g.js == g.stan_seq()), "{stream}: seqs");
            for s in 0..self.subs {
                let last_sent = self.msgs - 10 * s as u64;
                let mut want: Vec<u64> = (last_sent - 4..=last_sent).collect();
                want.extend(last_sent + 1..=self.msgs);
                let name = format!("dur-{s}");
                let info = nats.consumer_info(&stream, &name).expect("consumer");
                assert_eq!(info.delivered.stream_sequence, last_sent, "{stream}/{name}");
                assert_eq!(info.num_ack_pending, 5, "{stream}/{name}: unacked");
                let (got, extra) = nats.pull(&stream, &name, want.len());
                let got: Vec<u64> = got.iter().map(Got::stan_seq).collect();
                assert_eq!(got, want, "{stream}/{name}: delivered next");
                assert_eq!(extra, 0, "{stream}/{name}: more than expected");
            }
        }
    }
}

/// Export args for a generated store to `url` (several URLs allowed), R3.
fn gen_args<'a>(g: &'a Generated, url: &'a str, sp: &'a str, subj: &'a str) -> Vec<&'a str> {
    vec![
        "--dir",
        &g.dir,
        "migrate",
        "to-jetstream",
        "--server",
        url,
        "--stream-prefix",
        sp,
        "--subject-prefix",
        subj,
        "--replicas",
        "3",
        "--timeout",
        "2s",
        "--format",
        "json",
    ]
}

/// Wait for `child`; its status, stdout and stderr.
fn wait_output(child: Child, limit: Duration) -> (Option<i32>, String, String) {
    let pid = child.id();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(child.wait_with_output());
    });
    let out = rx
        .recv_timeout(limit)
        .unwrap_or_else(|_| panic!("stanctl (pid {pid}) still running after {limit:?}"))
        .expect("wait");
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// SIGKILL the leader of a stream while it is being written: the export
/// goes on (the cluster keeps its quorum) or fails saying why; reruns with
/// the node down and after it is back leave every message once, at its
/// STAN sequence, and every consumer where STAN left it.
#[test]
fn node_killed_mid_export_then_reruns_complete() {
    let Some(bin) = env_var("STANCTL_TEST_NATS_BIN") else {
        return;
    };
    let g = Generated::new(3, 30_000, 2);
    let mut cluster = Cluster::start(&bin);
    let urls = cluster.urls();
    let (sp, subj) = unique("nodekill");
    let nats = Nats::connect(&cluster.url_of_running(), &sp);
    let args = gen_args(&g, &urls, &sp, &subj);
    let child = Command::new(assert_cmd::cargo::cargo_bin("stanctl"))
        .args(&args)
        .arg("--verify")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    // The leader of the first stream, once it holds a few thousand messages.
    let stream = format!("{sp}gen_channel_0");
    let deadline = Instant::now() + Duration::from_secs(120);
    let leader = loop {
        let info = nats.stream_info(&stream);
        if let Some(info) = info.filter(|i| i.state.messages >= 3_000) {
            if let Some(leader) = info.cluster.and_then(|c| c.leader) {
                break leader;
            }
        }
        assert!(Instant::now() < deadline, "the export did not start");
        std::thread::sleep(Duration::from_millis(20));
    };
    let killed = cluster.index_of(&leader);
    cluster.kill_node(killed);
    let (code, stdout, stderr) = wait_output(child, Duration::from_secs(300));
    assert!(!stderr.contains("panicked"), "stanctl panicked:\n{stderr}");
    match code {
        Some(0) => {
            let report: Value = serde_json::from_str(&stdout).expect("JSON report");
            assert_eq!(report["verify"]["ok"], true, "{report:#}");
            let notes: Vec<&Value> = report["streams"]
                .as_array()
                .expect("streams")
                .iter()
                .flat_map(|s| s["notes"].as_array().into_iter().flatten())
                .collect();
            eprintln!("note: the export went on after {leader} was killed: {notes:?}");
        }
        Some(1) | Some(2) => {
            assert!(
                stderr.contains("stanctl:"),
                "the failed export says why:\n{stderr}"
            );
            eprintln!("note: the export stopped after {leader} was killed:\n{stderr}");
        }
        other => panic!("stanctl exited with {other:?}:\n{stderr}"),
    }

    // A node down: the two others hold the quorum.
    let nats = Nats::connect(&cluster.url_of_running(), &sp);
    let mut rerun = args.clone();
    rerun.push("--verify");
    let down = json(&rerun);
    assert_eq!(down["verify"]["ok"], true, "rerun, node down: {down:#}");
    let present = |r: &Value| -> u64 {
        u64_of(&r["totals"]["published"]) + u64_of(&r["totals"]["already_present"])
    };
    assert_eq!(
        present(&down),
        3 * g.msgs,
        "rerun, node down: every message"
    );

    // The node back: it catches up; a last run finds everything there.
    cluster.start_node(killed);
    wait_replicated(&nats, &down);
    let back = json(&rerun);
    assert_eq!(back["verify"]["ok"], true, "rerun, node back: {back:#}");
    assert_eq!(u64_of(&back["totals"]["published"]), 0, "rerun, node back");
    assert_eq!(u64_of(&back["totals"]["already_present"]), 3 * g.msgs);
    wait_replicated(&nats, &back);
    g.check(&nats, &sp);
}

/// stanctl killed (SIGKILL) at several points of an export to the
/// cluster: a rerun completes it exactly.
#[test]
fn stanctl_killed_at_random_points_against_the_cluster() {
    let Some(bin) = env_var("STANCTL_TEST_NATS_BIN") else {
        return;
    };
    let g = Generated::new(2, 20_000, 2);
    let cluster = Cluster::start(&bin);
    let urls = cluster.urls();
    let (sp, subj) = unique("clikill");
    let nats = Nats::connect(&cluster.url_of_running(), &sp);
    let args = gen_args(&g, &urls, &sp, &subj);
    // Pseudo-random delays, printed so a failure can be replayed.
    let mut seed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos() as u64)
        .unwrap_or(1)
        | 1;
    let mut kills = 0;
    let total = g.channels as u64 * g.msgs;
    for round in 0..4 {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        let mut child = Command::new(assert_cmd::cargo::cargo_bin("stanctl"))
            .args(&args)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn");
        if round == 0 {
            // The first run is killed while it publishes, once the streams
            // hold a random count of messages (in the first half): a fast
            // machine finished the whole export before any fixed delay.
            let target = 1 + seed % (total / 2);
            let deadline = Instant::now() + Duration::from_secs(120);
            while child.try_wait().expect("wait").is_none() {
                let held: u64 = (0..g.channels)
                    .filter_map(|c| nats.stream_info(&format!("{sp}gen_channel_{c}")))
                    .map(|info| info.state.messages)
                    .sum();
                if held >= target || Instant::now() > deadline {
                    child.kill().expect("SIGKILL");
                    kills += u32::from(held >= target);
                    eprintln!("round 0: killed at {held} of {total} messages");
                    break;
                }
                std::thread::sleep(Duration::from_millis(5));
            }
            let _ = child.wait();
            continue;
        }
        let delay = Duration::from_millis(300 + seed % 2500);
        std::thread::sleep(delay);
        if child.try_wait().expect("wait").is_none() {
            child.kill().expect("SIGKILL");
            kills += 1;
        }
        let _ = child.wait();
        eprintln!("round {round}: killed after {delay:?}");
    }
    assert!(kills > 0, "every run finished before it could be killed");
    let mut rerun = args.clone();
    rerun.push("--verify");
    let report = json(&rerun);
    assert_eq!(report["verify"]["ok"], true, "{report:#}");
    wait_replicated(&nats, &report);
    g.check(&nats, &sp);
}

/// Channels exported at once (--parallel 4, 6 channels): every stream
/// still holds its channel exactly, at the STAN sequences, consumers where
/// STAN left them.
#[test]
fn parallel_channels_each_stay_exact() {
    let Some(url) = env_var("STANCTL_TEST_NATS_URL") else {
        return;
    };
    let g = Generated::new(6, 3_000, 2);
    let (sp, subj) = unique("parallel");
    let nats = Nats::connect(&url, &sp);
    let mut args = gen_args(&g, &url, &sp, &subj);
    let r3 = args
        .iter()
        .position(|a| *a == "--replicas")
        .expect("replicas");
    args.drain(r3..r3 + 2);
    args.extend(["--parallel", "4", "--verify"]);
    let report = json(&args);
    assert_eq!(report["verify"]["ok"], true, "{report:#}");
    assert_eq!(u64_of(&report["totals"]["published"]), 6 * g.msgs);
    assert_eq!(u64_of(&report["totals"]["consumers_created"]), 12);
    let channels: Vec<&str> = report["streams"]
        .as_array()
        .expect("streams")
        .iter()
        .map(|s| str_of(&s["channel"]))
        .collect();
    let want: Vec<String> = (0..6).map(|c| format!("gen.channel.{c}")).collect();
    assert_eq!(channels, want, "streams reported in plan order");
    g.check(&nats, &sp);

    // A message lost from one stream: the streams verified in parallel
    // report it on that stream only, the others clean, in plan order.
    let damaged = format!("{sp}gen_channel_3");
    nats.block_on(async {
        let stream = nats.js.get_stream(&damaged).await.expect("stream");
        stream.delete_message(100).await.expect("delete");
    });
    let report = json_with_code(&args, 1);
    let verify = &report["verify"];
    assert_eq!(verify["ok"], false, "{verify:#}");
    let per_stream: Vec<(&str, u64)> = verify["streams"]
        .as_array()
        .expect("streams")
        .iter()
        .map(|s| (str_of(&s["stream"]), u64_of(&s["differences"])))
        .collect();
    let names: Vec<String> = (0..6).map(|c| format!("{sp}gen_channel_{c}")).collect();
    assert_eq!(
        per_stream
            .iter()
            .map(|(n, _)| n.to_string())
            .collect::<Vec<_>>(),
        names
    );
    for (name, differences) in &per_stream {
        assert_eq!(*differences > 0, *name == damaged, "{verify:#}");
    }
    assert_eq!(
        u64_of(&verify["difference_count"]),
        per_stream.iter().map(|(_, d)| d).sum::<u64>()
    );
    let listed = verify["differences"].as_array().expect("differences");
    assert!(
        listed.iter().all(|d| str_of(d).contains(&damaged)),
        "{verify:#}"
    );
}

/// A nats-server this test runs with `conf` (authorization, TLS), once it
/// accepts connections.
fn server_with_conf(bin: &str, dir: &Path, conf: &str) -> OwnServer {
    let path = dir.join("server.conf");
    let log = dir.join("server.log");
    std::fs::write(&path, conf).expect("server conf");
    let store = dir.join("js");
    std::fs::create_dir_all(&store).expect("store dir");
    let server = OwnServer::start_with(
        bin,
        &store,
        free_port(),
        &[
            "-c",
            path.to_str().expect("path"),
            "-l",
            log.to_str().expect("path"),
        ],
    );
    let wait = Instant::now() + Duration::from_secs(20);
    while std::net::TcpStream::connect(("127.0.0.1", server.port)).is_err() {
        if Instant::now() > wait {
            // What the server thinks of its configuration.
            let check = Command::new(bin)
                .arg("-c")
                .arg(&path)
                .arg("-t")
                .output()
                .expect("nats-server -t");
            panic!(
                "nats-server did not start: {}{}\n{}",
                String::from_utf8_lossy(&check.stdout),
                String::from_utf8_lossy(&check.stderr),
                std::fs::read_to_string(&log).unwrap_or_default()
            );
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    server
}

/// A verified export of the file store in `dir`, in JSON, with `extra`.
fn export_args<'a>(dir: &'a str, extra: &[&'a str]) -> Vec<&'a str> {
    let base = [
        "--dir",
        dir,
        "migrate",
        "to-jetstream",
        "--timeout",
        "3s",
        "--format",
        "json",
        "--verify",
    ];
    joined(&base, extra)
}

/// `a` then `b`.
fn joined<'a>(a: &[&'a str], b: &[&'a str]) -> Vec<&'a str> {
    a.iter().chain(b).copied().collect()
}

/// Run stanctl with `env` (and no NATS_* variables from the caller); exit
/// code, stdout, stderr.
fn run_env(args: &[&str], env: &[(&str, &str)]) -> (Option<i32>, String, String) {
    let mut cmd = stanctl();
    for var in [
        "NATS_URL",
        "NATS_CONTEXT",
        "NATS_CREDS",
        "NATS_NKEY",
        "XDG_CONFIG_HOME",
    ] {
        cmd.env_remove(var);
    }
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.args(args).output().expect("run");
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// The export of file-kill9-v0.23 (23 messages) succeeded and verified.
fn assert_exported(what: &str, (code, stdout, stderr): &(Option<i32>, String, String)) {
    assert_eq!(*code, Some(0), "{what}: stderr:\n{stderr}");
    let report: Value = serde_json::from_str(stdout).expect("JSON report");
    assert_eq!(report["verify"]["ok"], true, "{what}");
    assert_eq!(
        u64_of(&report["totals"]["published"]) + u64_of(&report["totals"]["already_present"]),
        23,
        "{what}"
    );
}

/// An NKey user (the nkeys crate makes it; the server knows its public
/// key): --nkey, NATS_NKEY, and natscli contexts (--context, NATS_CONTEXT,
/// the one selected in context.txt) carrying the URL and the seed. The seed
/// never appears in any output.
#[test]
fn connects_as_an_nkey_user_and_with_nats_contexts() {
    let Some(bin) = env_var("STANCTL_TEST_NATS_BIN") else {
        return;
    };
    let tmp = tempfile::tempdir().expect("tmp");
    let user = nkeys::KeyPair::new_user();
    let seed = user.seed().expect("seed");
    let seed_file = tmp.path().join("user.nk");
    std::fs::write(&seed_file, format!("{seed}\n")).expect("seed file");
    let server = server_with_conf(
        &bin,
        tmp.path(),
        &format!(
            "authorization {{ users = [ {{ nkey: {} }} ] }}\n",
            user.public_key()
        ),
    );
    let url = server.url();
    let seed_path = seed_file.to_str().expect("path");
    let dir = fixture("file-kill9-v0.23").join("store");
    let dir = dir.to_str().expect("path");
    let base = export_args(dir, &[]);
    let mut outputs = Vec::new();
    let r = run_env(
        &joined(&base, &["--server", &url, "--nkey", seed_path]),
        &[],
    );
    assert_exported("--nkey", &r);
    outputs.push(r);
    let r = run_env(
        &joined(&base, &["--server", &url]),
        &[("NATS_NKEY", seed_path)],
    );
    assert_exported("NATS_NKEY", &r);
    outputs.push(r);
    // Without the key, or with another one: refused.
    let r = run_env(&joined(&base, &["--server", &url]), &[]);
    assert_eq!(r.0, Some(2), "no key: {}", r.2);
    outputs.push(r);
    let other = tmp.path().join("other.nk");
    std::fs::write(
        &other,
        nkeys::KeyPair::new_user().seed().expect("seed") + "\n",
    )
    .expect("other seed");
    let r = run_env(
        &joined(
            &base,
            &["--server", &url, "--nkey", other.to_str().expect("path")],
        ),
        &[],
    );
    assert_eq!(r.0, Some(2), "another key: {}", r.2);
    outputs.push(r);

    // natscli contexts.
    let config = tmp.path().join("config");
    let contexts = config.join("nats").join("context");
    std::fs::create_dir_all(&contexts).expect("context dir");
    std::fs::write(
        contexts.join("mig.json"),
        serde_json::json!({
            "description": "stanctl test",
            "url": url,
            "nkey": seed_path,
            "jetstream_domain": "",
        })
        .to_string(),
    )
    .expect("context");
    let xdg = config.to_str().expect("path");
    let env = [("XDG_CONFIG_HOME", xdg)];
    let r = run_env(&joined(&base, &["--context", "mig"]), &env);
    assert_exported("--context", &r);
    outputs.push(r);
    let r = run_env(
        &joined(&base, &[]),
        &[("XDG_CONFIG_HOME", xdg), ("NATS_CONTEXT", "mig")],
    );
    assert_exported("NATS_CONTEXT", &r);
    outputs.push(r);
    // No context selected, no --server: says what is missing.
    let r = run_env(&joined(&base, &[]), &env);
    assert_eq!(r.0, Some(2));
    assert!(r.2.contains("--server URL is needed"), "{}", r.2);
    outputs.push(r);
    std::fs::write(config.join("nats").join("context.txt"), "mig\n").expect("select");
    let r = run_env(&joined(&base, &[]), &env);
    assert_exported("selected context", &r);
    outputs.push(r);
    // Options override the context: another key is refused.
    let r = run_env(
        &joined(&base, &["--nkey", other.to_str().expect("path")]),
        &env,
    );
    assert_eq!(r.0, Some(2), "--nkey over the context: {}", r.2);
    outputs.push(r);
    let r = run_env(&joined(&base, &["--context", "missing"]), &env);
    assert_eq!(r.0, Some(2));
    assert!(r.2.contains("missing.json"), "{}", r.2);
    outputs.push(r);

    let seed_body = &seed[2..];
    for (_, stdout, stderr) in &outputs {
        for text in [stdout, stderr] {
            assert!(!text.contains(&seed), "the seed was printed:\n{text}");
            assert!(!text.contains(seed_body), "part of the seed was printed");
        }
    }
}

/// TLS with certificates this test makes (rcgen): a CA, the server's
/// certificate for 127.0.0.1, and a client certificate the server
/// requires (verify: true).
#[test]
fn connects_with_tls_and_a_client_certificate() {
    let Some(bin) = env_var("STANCTL_TEST_NATS_BIN") else {
        return;
    };
    let tmp = tempfile::tempdir().expect("tmp");
    let write = |name: &str, text: String| -> String {
        let p = tmp.path().join(name);
        std::fs::write(&p, text).expect("write pem");
        p.to_str().expect("path").to_string()
    };
    let ca_key = rcgen::KeyPair::generate().expect("key");
    let mut ca_params = rcgen::CertificateParams::new(Vec::<String>::new()).expect("params");
    ca_params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    ca_params
        .distinguished_name
        .push(rcgen::DnType::CommonName, "stanctl test CA");
    let ca = ca_params.self_signed(&ca_key).expect("CA");
    let leaf = |names: Vec<String>| {
        let key = rcgen::KeyPair::generate().expect("key");
        let cert = rcgen::CertificateParams::new(names)
            .expect("params")
            .signed_by(&key, &ca, &ca_key)
            .expect("sign");
        (cert.pem(), key.serialize_pem())
    };
    let (server_cert, server_key) = leaf(vec!["127.0.0.1".into(), "localhost".into()]);
    let (client_cert, client_key) = leaf(vec!["stanctl-client".into()]);
    let ca_pem = write("ca.pem", ca.pem());
    let server_cert = write("server.pem", server_cert);
    let server_key = write("server-key.pem", server_key);
    let client_cert = write("client.pem", client_cert);
    let client_key = write("client-key.pem", client_key);
    // Another CA: the server's certificate does not verify with it.
    let other_key = rcgen::KeyPair::generate().expect("key");
    let mut other = rcgen::CertificateParams::new(Vec::<String>::new()).expect("params");
    other.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    let other_ca = write(
        "other-ca.pem",
        other.self_signed(&other_key).expect("CA").pem(),
    );
    let server = server_with_conf(
        &bin,
        tmp.path(),
        &format!(
            "tls {{ cert_file: {server_cert:?}, key_file: {server_key:?}, ca_file: {ca_pem:?}, verify: true, timeout: 5 }}\n"
        ),
    );
    let url = format!("tls://127.0.0.1:{}", server.port);
    let dir = fixture("file-kill9-v0.23").join("store");
    let dir = dir.to_str().expect("path");
    let base = export_args(dir, &["--server", &url]);
    let client = [
        "--tls-cert",
        client_cert.as_str(),
        "--tls-key",
        client_key.as_str(),
    ];
    let mut good = vec!["--tls-ca", ca_pem.as_str()];
    good.extend_from_slice(&client);
    assert_exported("TLS", &run_env(&joined(&base, &good), &[]));
    // Without the client certificate the server refuses.
    let r = run_env(&joined(&base, &["--tls-ca", &ca_pem]), &[]);
    assert_eq!(r.0, Some(2), "no client certificate: {}", r.2);
    // A CA that did not sign the server's certificate: refused.
    let mut bad = vec!["--tls-ca", other_ca.as_str()];
    bad.extend_from_slice(&client);
    let r = run_env(&joined(&base, &bad), &[]);
    assert_eq!(r.0, Some(2), "wrong CA: {}", r.2);
    // The same through a natscli context.
    let contexts = tmp.path().join("config").join("nats").join("context");
    std::fs::create_dir_all(&contexts).expect("context dir");
    std::fs::write(
        contexts.join("tls.json"),
        serde_json::json!({
            "url": url, "ca": ca_pem, "cert": client_cert, "key": client_key,
        })
        .to_string(),
    )
    .expect("context");
    let xdg = tmp.path().join("config");
    let r = run_env(
        &[
            "--dir",
            dir,
            "migrate",
            "to-jetstream",
            "--context",
            "tls",
            "--format",
            "json",
            "--verify",
        ],
        &[("XDG_CONFIG_HOME", xdg.to_str().expect("path"))],
    );
    assert_exported("TLS context", &r);
}

/// A NATS JWT (header, claims, ed25519 signature by `signer`), as nsc
/// writes them.
fn nats_jwt(signer: &nkeys::KeyPair, subject: &str, name: &str, nats: Value) -> String {
    use base64::Engine as _;
    let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let header = b64.encode(r#"{"typ":"JWT","alg":"ed25519-nkey"}"#);
    let iat = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock")
        .as_secs();
    let claims = serde_json::json!({
        "jti": format!("{}{iat}", name.to_uppercase()),
        "iat": iat,
        "iss": signer.public_key(),
        "name": name,
        "sub": subject,
        "nats": nats,
    });
    let body = format!("{header}.{}", b64.encode(claims.to_string()));
    let sig = signer.sign(body.as_bytes()).expect("sign");
    format!("{body}.{}", b64.encode(sig))
}

/// A credentials file (user JWT and NKey seed) against a server in
/// operator mode with the account's JWT preloaded; the seed and the JWT
/// never appear in any output, and NATS_CREDS works as --creds.
#[test]
fn connects_with_a_credentials_file() {
    let Some(bin) = env_var("STANCTL_TEST_NATS_BIN") else {
        return;
    };
    let tmp = tempfile::tempdir().expect("tmp");
    let operator = nkeys::KeyPair::new_operator();
    let account = nkeys::KeyPair::new_account();
    let user = nkeys::KeyPair::new_user();
    let op_jwt = nats_jwt(
        &operator,
        &operator.public_key(),
        "op",
        serde_json::json!({"type": "operator", "version": 2}),
    );
    let unlimited = serde_json::json!({
        "subs": -1, "data": -1, "payload": -1, "imports": -1, "exports": -1,
        "wildcards": true, "conn": -1, "leaf": -1,
        "mem_storage": -1, "disk_storage": -1, "streams": -1, "consumer": -1,
    });
    let acc_jwt = nats_jwt(
        &operator,
        &account.public_key(),
        "acc",
        serde_json::json!({"limits": unlimited, "type": "account", "version": 2}),
    );
    // JetStream needs a system account.
    let system = nkeys::KeyPair::new_account();
    let sys_jwt = nats_jwt(
        &operator,
        &system.public_key(),
        "SYS",
        serde_json::json!({"limits": {"subs": -1, "data": -1, "payload": -1, "imports": -1,
                           "exports": -1, "wildcards": true, "conn": -1, "leaf": -1},
                           "type": "account", "version": 2}),
    );
    let user_jwt = nats_jwt(
        &account,
        &user.public_key(),
        "mig",
        serde_json::json!({"pub": {}, "sub": {}, "subs": -1, "data": -1, "payload": -1,
                           "type": "user", "version": 2}),
    );
    let seed = user.seed().expect("seed");
    let creds = tmp.path().join("mig.creds");
    std::fs::write(
        &creds,
        format!(
            "-----BEGIN NATS USER JWT-----\n{user_jwt}\n------END NATS USER JWT------\n\n\
             -----BEGIN USER NKEY SEED-----\n{seed}\n------END USER NKEY SEED------\n"
        ),
    )
    .expect("creds");
    let server = server_with_conf(
        &bin,
        tmp.path(),
        &format!(
            "operator: {op_jwt:?}\nsystem_account: {sys}\nresolver: MEMORY\n\
             resolver_preload: {{ {acc}: {acc_jwt:?}, {sys}: {sys_jwt:?} }}\n",
            acc = account.public_key(),
            sys = system.public_key()
        ),
    );
    let url = server.url();
    let dir = fixture("file-kill9-v0.23").join("store");
    let dir = dir.to_str().expect("path");
    let creds = creds.to_str().expect("path");
    let base = export_args(dir, &["--server", &url]);
    let mut outputs = Vec::new();
    let r = run_env(&joined(&base, &["--creds", creds]), &[]);
    assert_exported("--creds", &r);
    outputs.push(r);
    let r = run_env(&base, &[("NATS_CREDS", creds)]);
    assert_exported("NATS_CREDS", &r);
    outputs.push(r);
    let r = run_env(&base, &[]);
    assert_eq!(r.0, Some(2), "no credentials: {}", r.2);
    outputs.push(r);
    for (_, stdout, stderr) in &outputs {
        for text in [stdout, stderr] {
            assert!(!text.contains(&seed[2..]), "the seed was printed");
            assert!(!text.contains(&user_jwt), "the JWT was printed");
        }
    }
}

/// A server that speaks enough NATS to connect, then never answers a
/// request: the timeout is printed with each of its causes once (async-nats
/// puts the cause in its message and returns it again as the source).
#[test]
fn a_silent_server_times_out_with_each_cause_said_once() {
    use std::io::{BufRead, BufReader, Write};
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    std::thread::spawn(move || {
        // Every connection attempt: INFO, then PONG to each PING only.
        for conn in listener.incoming() {
            let Ok(mut conn) = conn else { return };
            std::thread::spawn(move || {
                let info = r#"INFO {"server_id":"silent","server_name":"silent","version":"2.10.0","proto":1,"headers":true,"max_payload":1048576}"#;
                if write!(conn, "{info}\r\n").is_err() {
                    return;
                }
                let Ok(read) = conn.try_clone() else { return };
                for line in BufReader::new(read).lines() {
                    let Ok(line) = line else { return };
                    if line.starts_with("PING") && conn.write_all(b"PONG\r\n").is_err() {
                        return;
                    }
                }
            });
        }
    });
    let dir = fixture("file-kill9-v0.23").join("store");
    let url = format!("nats://127.0.0.1:{port}");
    let started = Instant::now();
    let (code, _, stderr) = run_env(
        &[
            "--dir",
            dir.to_str().expect("path"),
            "migrate",
            "to-jetstream",
            "--server",
            &url,
            "--timeout",
            "1s",
        ],
        &[],
    );
    assert_ne!(code, Some(0), "{stderr}");
    assert!(started.elapsed() < Duration::from_secs(30), "{stderr}");
    let line = stderr
        .lines()
        .find(|l| l.contains("timed out"))
        .unwrap_or_else(|| panic!("no timeout in:\n{stderr}"));
    assert_eq!(
        line.trim(),
        "stanctl: error: JetStream request INFO: request timed out: deadline has elapsed",
        "{stderr}"
    );
}

/// Many channels export without memory per channel beyond their plan and
/// report lines (issue #16: 10,000 channels): the peak resident set of
/// stanctl (VmHWM of the child, see manifest_memory) grows by less than
/// 16 kB per channel from 200 to 1,000 channels (measured: about 5 kB). One
/// channel's read-ahead (4 chunks of 512 messages) or publish window kept
/// after its export would be well over that.
#[test]
fn many_channels_export_in_flat_memory() {
    let Some(url) = env_var("STANCTL_TEST_NATS_URL") else {
        return;
    };
    let peak_mb = |channels: usize| {
        let tmp = tempfile::tempdir().expect("tmp");
        let src = tmp.path().join("store");
        let gen = GenOptions {
            channels,
            msgs: 4,
            size: 64,
            subs: 1,
            ..GenOptions::default()
        };
        generate_store(&src, &gen).expect("generate");
        let (sp, subj) = unique(&format!("many{channels}"));
        let _cleanup = Nats::connect(&url, &sp);
        let out = crate::manifest_memory::run_measured(&[
            "--dir",
            src.to_str().expect("path"),
            "migrate",
            "to-jetstream",
            "--server",
            &url,
            "--stream-prefix",
            &sp,
            "--subject-prefix",
            &subj,
            "--parallel",
            "4",
            "--format",
            "json",
            "--timeout",
            "20s",
        ]);
        assert!(out.success, "{channels} channels: {}", out.stderr);
        let report: Value = serde_json::from_slice(&out.stdout).expect("report");
        assert_eq!(u64_of(&report["totals"]["streams"]), channels as u64);
        assert_eq!(u64_of(&report["totals"]["published"]), 4 * channels as u64);
        assert_eq!(
            u64_of(&report["totals"]["consumers_created"]),
            channels as u64
        );
        out.peak_mb
    };
    let few = peak_mb(200);
    let many = peak_mb(1_000);
    eprintln!("peak RSS: 200 channels {few} MB, 1,000 channels {many} MB");
    let per_channel_kb = (many - few).max(0) * 1024 / 800;
    assert!(
        per_channel_kb < 16,
        "1,000 channels peaked at {many} MB, 200 at {few} MB: {per_channel_kb} kB per channel"
    );
}
