//! Clustered nodes: rebuild clients and subscriptions from real v0.23.2
//! Raft directories and compare with the fixtures' MANIFEST.json ground
//! truth (what the generator did and what the real servers reported,
//! including after a restart), never with our own earlier output.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use prost::Message as _;
use serde_json::Value;
use sha2::{Digest, Sha256};
use stanctl::crypto::{decrypt_with_master, MasterKey};
use stanctl::filestore::{FileStore, FileStoreOptions};
use stanctl::model::{Severity, Subscription};
use stanctl::raft::entries::read_raft_log;
use stanctl::raft::pb::{op_type, RaftOperation};
use stanctl::raft::{
    find_raft_dir, read_node, read_node_with_store, LogType, NodeState, RaftOptions,
};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures")
        .join(name)
}

fn manifest(name: &str) -> Value {
    let text = std::fs::read_to_string(fixture(name).join("MANIFEST.json")).unwrap();
    serde_json::from_str(&text).unwrap()
}

fn raft_dir(name: &str) -> PathBuf {
    let m = manifest(name);
    fixture(name)
        .join("node/raft")
        .join(m["cluster_id"].as_str().unwrap())
}

fn enc_key(m: &Value) -> Vec<u8> {
    m["store"]["encryption"]["key"]
        .as_str()
        .unwrap()
        .as_bytes()
        .to_vec()
}

fn opts_for(name: &str) -> RaftOptions {
    let m = manifest(name);
    let encrypted = m["store"]["encryption"]["enabled"].as_bool() == Some(true);
    RaftOptions {
        encryption_key: encrypted.then(|| enc_key(&m)),
        strict_commit: false,
    }
}

fn read_with_store(name: &str, opts: &RaftOptions) -> NodeState {
    let mut store = FileStore::open(
        &fixture(name).join("node/store"),
        FileStoreOptions::default(),
    )
    .unwrap();
    read_node_with_store(&raft_dir(name), opts, Some(&mut store)).unwrap()
}

fn s(v: &Value) -> String {
    v.as_str().unwrap_or("").to_string()
}

/// Clients: exactly the connected ones, with every recorded field.
fn check_clients(m: &Value, st: &NodeState) {
    let expected: BTreeMap<String, &Value> = m["clients"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["state_at_shutdown"] == "connected")
        .map(|c| (s(&c["id"]), c))
        .collect();
    let got: BTreeMap<String, _> = st.clients.iter().map(|c| (c.id.clone(), c)).collect();
    assert_eq!(
        got.keys().collect::<Vec<_>>(),
        expected.keys().collect::<Vec<_>>(),
        "client ids"
    );
    for (id, e) in &expected {
        let c = got[id];
        assert_eq!(c.hb_inbox, s(&e["hb_inbox"]), "{id} hb_inbox");
        assert_eq!(
            hex::encode(c.conn_id.as_deref().unwrap()),
            s(&e["conn_id_hex"]),
            "{id} conn_id"
        );
        assert_eq!(c.protocol, e["protocol_sent"].as_i64().map(|v| v as i32));
        assert_eq!(
            c.ping_interval,
            e["ping_interval_sent"].as_i64().map(|v| v as i32)
        );
        assert_eq!(
            c.ping_max_out,
            e["ping_max_out_sent"].as_i64().map(|v| v as i32)
        );
    }
    // The server's own view after a restart.
    let after: BTreeSet<(String, String)> = m["real_server_recovery_check"]["clientsz"]["clients"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (s(&c["id"]), s(&c["hb_inbox"])))
        .collect();
    let ours: BTreeSet<(String, String)> = st
        .clients
        .iter()
        .map(|c| (c.id.clone(), c.hb_inbox.clone()))
        .collect();
    assert_eq!(ours, after, "clients vs the restarted server");
}

/// The reported client of a subscription: offline durables carry their last
/// owner; shadows have an empty client ID and their owner in `last_owners`.
fn owner(st: &NodeState, sub: &Subscription) -> String {
    if sub.is_shadow() {
        st.last_owners
            .iter()
            .find(|o| o.channel == sub.channel && o.id == sub.id)
            .map(|o| o.last_owner.clone())
            .unwrap_or_default()
    } else {
        sub.client_id.clone()
    }
}

fn check_subscriptions(m: &Value, st: &NodeState) {
    let by_inbox: BTreeMap<(String, String), &Subscription> = st
        .subscriptions
        .iter()
        .map(|x| ((x.channel.clone(), x.inbox.clone()), x))
        .collect();
    assert_eq!(by_inbox.len(), st.subscriptions.len(), "inboxes are unique");
    for x in &st.subscriptions {
        assert!(x.pending.windows(2).all(|w| w[0] < w[1]), "pending sorted");
    }

    // 1. The generator's record: every expected subscription, right fields.
    let mut expected = 0;
    for e in m["subscriptions"].as_array().unwrap() {
        let key = (s(&e["subject"]), s(&e["inbox"]));
        let name = s(&e["name"]);
        let Some(sub) = by_inbox.get(&key) else {
            assert!(
                e["expected_in_store_at_shutdown"] != true,
                "missing subscription {name}"
            );
            continue;
        };
        assert_eq!(
            e["expected_in_store_at_shutdown"], true,
            "unexpected subscription {name}: {sub:?}"
        );
        expected += 1;
        assert_eq!(owner(st, sub), s(&e["client_id"]), "{name} client");
        assert_eq!(
            sub.max_in_flight as i64,
            e["max_inflight"].as_i64().unwrap(),
            "{name}"
        );
        assert_eq!(
            sub.ack_wait_s as i64,
            e["ack_wait_sec"].as_i64().unwrap(),
            "{name}"
        );
        assert!(
            sub.is_durable == (e["is_durable"] == true),
            "{name} is_durable"
        );
        if e["is_queue"] == true {
            let stored = e
                .get("queue_group_as_stored_by_server")
                .map(s)
                .unwrap_or_else(|| s(&e["queue_group"]));
            assert_eq!(sub.queue_group, stored, "{name} queue group");
            assert_eq!(sub.durable_name, "", "{name} durable name is in the group");
        } else {
            assert_eq!(sub.queue_group, "", "{name}");
            assert_eq!(sub.durable_name, s(&e["durable_name"]), "{name} durable");
        }
        let pending: Vec<u64> = e["pending_unacked_seqs_at_shutdown"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_u64().unwrap())
            .collect();
        assert_eq!(sub.pending, pending, "{name} pending");
        let offline = matches!(
            e["state_at_shutdown"].as_str(),
            Some("sub_closed") | Some("client_closed")
        );
        if e["is_queue"] == true {
            assert_eq!(sub.is_shadow(), offline, "{name} shadow");
        } else {
            assert_eq!(sub.is_closed, offline, "{name} offline durable");
        }
        if !offline && e["is_queue"] != true {
            assert_eq!(sub.ack_inbox, s(&e["ack_inbox"]), "{name} ack inbox");
        }
        if e["is_queue"] != true {
            // Queue members: last_sent is checked against the restarted
            // server below (the member quirk of fixtures/README.md).
            assert_eq!(
                sub.last_sent,
                e["last_received_seq"].as_u64().unwrap(),
                "{name} last_sent"
            );
        }
    }
    assert_eq!(
        expected,
        st.subscriptions.len(),
        "no unexpected subscription"
    );

    // 2. The restarted server's own view (channelsz: every subscription,
    //    offline ones included), compared field by field.
    let mut seen = 0;
    for ch in m["real_server_recovery_check"]["channelsz"]["channels"]
        .as_array()
        .unwrap()
    {
        let channel = s(&ch["name"]);
        for r in ch["subscriptions"].as_array().into_iter().flatten() {
            seen += 1;
            let sub = by_inbox
                .get(&(channel.clone(), s(&r["inbox"])))
                .unwrap_or_else(|| panic!("{channel} {} missing", r["inbox"]));
            let what = format!("{channel} {}", r["inbox"]);
            assert_eq!(
                sub.last_sent,
                r["last_sent"].as_u64().unwrap(),
                "{what} last_sent"
            );
            assert_eq!(
                sub.pending.len() as u64,
                r["pending_count"].as_u64().unwrap(),
                "{what} pending_count"
            );
            assert_eq!(sub.ack_inbox, s(&r["ack_inbox"]), "{what} ack_inbox");
            assert_eq!(owner(st, sub), s(&r["client_id"]), "{what} client");
            assert_eq!(sub.durable_name, s(&r["durable_name"]), "{what}");
            assert_eq!(sub.queue_group, s(&r["queue_name"]), "{what}");
            assert_eq!(sub.is_durable, r["is_durable"] == true, "{what}");
            assert_eq!(
                sub.is_closed || sub.is_shadow(),
                r["is_offline"] == true,
                "{what} offline"
            );
            assert_eq!(
                sub.max_in_flight as u64,
                r["max_inflight"].as_u64().unwrap()
            );
            assert_eq!(sub.ack_wait_s as u64, r["ack_wait"].as_u64().unwrap());
        }
    }
    assert_eq!(
        seen,
        st.subscriptions.len(),
        "same count as the restarted server"
    );

    // 3. clientsz: per client, the online subscriptions.
    for c in m["real_server_recovery_check"]["clientsz"]["clients"]
        .as_array()
        .unwrap()
    {
        let id = s(&c["id"]);
        let mut theirs = BTreeSet::new();
        if let Some(map) = c["subscriptions"].as_object() {
            for (channel, list) in map {
                for r in list.as_array().unwrap() {
                    theirs.insert((
                        channel.clone(),
                        s(&r["inbox"]),
                        r["last_sent"].as_u64().unwrap(),
                        r["pending_count"].as_u64().unwrap() as usize,
                    ));
                }
            }
        }
        let ours: BTreeSet<_> = st
            .subscriptions
            .iter()
            .filter(|x| x.client_id == id && !x.is_closed)
            .map(|x| {
                (
                    x.channel.clone(),
                    x.inbox.clone(),
                    x.last_sent,
                    x.pending.len(),
                )
            })
            .collect();
        assert_eq!(ours, theirs, "client {id} subscriptions");
    }
}

fn no_errors(st: &NodeState) {
    let bad: Vec<_> = st
        .findings
        .iter()
        .filter(|f| f.severity >= Severity::Warning)
        .collect();
    assert!(bad.is_empty(), "unexpected findings: {bad:#?}");
}

#[test]
fn three_node_follower_with_store() {
    let name = "cluster-3node-v0.23";
    let m = manifest(name);
    let st = read_with_store(name, &opts_for(name));
    assert_eq!(st.node_id, s(&m["store"]["node_id"]));
    assert_eq!(st.node_id, "a");
    assert_eq!(st.cluster_id, "stanctl-c3");
    let mut peers = st.peers.clone();
    peers.sort();
    let mut expected: Vec<String> = m["server"]["argv_per_node"]
        .as_object()
        .unwrap()
        .keys()
        .cloned()
        .collect();
    expected.sort();
    assert_eq!(peers, expected);
    for srv in &st.configuration {
        assert_eq!(srv.address, format!("stanctl-c3.{}.stanctl-c3", srv.id));
    }
    assert_eq!(st.snapshot_index, Some(8620));
    assert_eq!(st.first_index, Some(6573));
    assert_eq!(st.last_index, 8651);
    assert_eq!(st.encrypted_entries, 0);
    assert!(st.commit_lower_bound >= 8620 && st.commit_lower_bound <= st.last_index);
    check_clients(&m, &st);
    check_subscriptions(&m, &st);
    no_errors(&st);

    // Channels: the store's, with their IDs and what the log still holds.
    let names: Vec<&str> = st.channels.iter().map(|c| c.name.as_str()).collect();
    let mut expected: Vec<String> = m["channels"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| s(&c["name"]))
        .collect();
    expected.sort();
    assert_eq!(names, expected);
    for c in m["channels"].as_array().unwrap() {
        let ours = st
            .channels
            .iter()
            .find(|x| x.name == s(&c["name"]))
            .unwrap();
        assert!(ours.id > 0, "{} has an ID", ours.name);
        assert_eq!(ours.store_first_seq, c["first_seq"].as_u64());
        assert_eq!(ours.store_last_seq, c["last_seq"].as_u64());
        // The log tail always reaches the channel's last message.
        assert_eq!(ours.last_seq, c["last_seq"].as_u64(), "{}", ours.name);
    }
    // tlm.raw: the log still has Publish entries below the store's first.
    let raw = st.channels.iter().find(|c| c.name == "tlm.raw").unwrap();
    assert!(raw.first_seq.unwrap() < raw.store_first_seq.unwrap());
}

#[test]
fn three_node_follower_without_store() {
    let name = "cluster-3node-v0.23";
    let m = manifest(name);
    let st = read_node(&raft_dir(name), &opts_for(name)).unwrap();
    // The node ID of a 3-node follower is not in its Raft directory.
    assert_eq!(st.node_id, "");
    assert_eq!(st.peers.len(), 3);
    assert_eq!(st.commit_lower_bound, 8620);
    check_clients(&m, &st);
    check_subscriptions(&m, &st);
    // Same result as with the store.
    let with = read_with_store(name, &opts_for(name));
    assert_eq!(st.subscriptions, with.subscriptions);
    assert_eq!(st.clients, with.clients);
}

#[test]
fn three_node_strict_commit_stops_at_the_proven_index() {
    let name = "cluster-3node-v0.23";
    let opts = RaftOptions {
        strict_commit: true,
        ..opts_for(name)
    };
    let strict = read_with_store(name, &opts);
    let full = read_with_store(name, &opts_for(name));
    assert_eq!(strict.commit_lower_bound, full.commit_lower_bound);
    assert_eq!(strict.applied_index, strict.commit_lower_bound);
    if full.possibly_uncommitted_ops > 0 {
        assert!(strict
            .findings
            .iter()
            .any(|f| f.message.contains("NOT applied")));
    }
    // Without a store nothing after the snapshot is proven: strict mode
    // gives exactly the snapshot's state (k3-temp was still connected then).
    let snap_only = read_node(&raft_dir(name), &opts).unwrap();
    assert_eq!(snap_only.applied_index, 8620);
    assert!(snap_only.clients.iter().any(|c| c.id == "k3-temp"));
}

#[test]
fn encrypted_single_node() {
    let name = "cluster-encrypted-v0.23";
    let m = manifest(name);
    let st = read_with_store(name, &opts_for(name));
    assert_eq!(st.node_id, "n1");
    assert_eq!(st.peers, vec!["n1"]);
    assert_eq!(st.snapshot, None);
    assert_eq!(st.first_index, Some(1));
    assert!(st.encrypted_entries > 0);
    check_clients(&m, &st);
    check_subscriptions(&m, &st);
    no_errors(&st);

    // Without the store too: a single-node configuration names the node.
    let alone = read_node(&raft_dir(name), &opts_for(name)).unwrap();
    assert_eq!(alone.node_id, "n1");
    assert_eq!(alone.subscriptions, st.subscriptions);
}

#[test]
fn encrypted_node_big_entry_spans_overflow_pages() {
    let name = "cluster-encrypted-v0.23";
    let m = manifest(name);
    let big: Vec<(String, u64, String)> = m["channels"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|c| {
            c["messages"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|x| x["payload_len"].as_u64().unwrap() > 8192)
                .map(move |x| {
                    (
                        s(&c["name"]),
                        x["seq"].as_u64().unwrap(),
                        s(&x["payload_sha256"]),
                    )
                })
        })
        .collect();
    assert_eq!(big.len(), 1, "the 40000-byte message");
    let log = read_raft_log(&raft_dir(name).join("raft.log")).unwrap();
    assert!(log.findings.is_empty(), "{:?}", log.findings);
    assert!(log
        .entries
        .iter()
        .any(|e| e.data.len() > 2 * log.page_size as usize));
    let key = MasterKey::from_user_key(&enc_key(&m));
    let mut found = false;
    for e in log
        .entries
        .iter()
        .filter(|e| e.log_type == LogType::Command)
    {
        let plain = decrypt_with_master(&key, &e.data).unwrap();
        let op = RaftOperation::decode(plain.as_slice()).unwrap();
        if op.op_type != op_type::PUBLISH {
            continue;
        }
        for msg in &op.publish_batch.unwrap().messages {
            if msg.sequence == big[0].1 && msg.subject == big[0].0.as_bytes() {
                assert_eq!(hex::encode(Sha256::digest(&msg.data)), big[0].2);
                found = true;
            }
        }
    }
    assert!(found);
}

#[test]
fn encrypted_node_without_or_with_a_wrong_key() {
    let dir = raft_dir("cluster-encrypted-v0.23");
    let err = read_node(&dir, &RaftOptions::default())
        .unwrap_err()
        .to_string();
    assert!(err.contains("encrypt"), "{err}");
    assert!(err.contains("key"), "{err}");
    assert!(err.contains("raft.log"), "{err}");
    let wrong = RaftOptions {
        encryption_key: Some(b"not the key".to_vec()),
        strict_commit: false,
    };
    let err = read_node(&dir, &wrong).unwrap_err().to_string();
    assert!(err.contains("decrypt"), "{err}");
    assert!(err.contains("key"), "{err}");
}

#[test]
fn raft_dir_lookup() {
    let node = fixture("cluster-3node-v0.23").join("node");
    let want = node.join("raft/stanctl-c3");
    let store = node.join("store");
    assert_eq!(
        find_raft_dir(&store, "stanctl-c3", Some(&node.join("raft"))),
        Some(want.clone())
    );
    assert_eq!(
        find_raft_dir(&store, "stanctl-c3", Some(&want)),
        Some(want.clone())
    );
    assert_eq!(find_raft_dir(&store, "stanctl-c3", None), Some(want));
    assert_eq!(
        find_raft_dir(&store, "other", Some(&node.join("raft"))),
        None
    );

    // The server's default: <cwd>/<cluster_id>/<node_id>/<cluster_id>,
    // the node ID coming from the store's server.dat.
    let tmp = tempfile::tempdir().unwrap();
    let st = tmp.path().join("store");
    std::fs::create_dir_all(&st).unwrap();
    std::fs::copy(store.join("server.dat"), st.join("server.dat")).unwrap();
    std::fs::copy(store.join("clients.dat"), st.join("clients.dat")).unwrap();
    for n in ["a", "b"] {
        let d = tmp.path().join("stanctl-c3").join(n).join("stanctl-c3");
        std::fs::create_dir_all(&d).unwrap();
        std::fs::write(d.join("raft.log"), b"x").unwrap();
    }
    assert_eq!(
        find_raft_dir(&st, "stanctl-c3", None),
        Some(tmp.path().join("stanctl-c3/a/stanctl-c3"))
    );
}

// ---------------------------------------------------------------------
// Robustness: damaged copies never panic or hang.

fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let p = e.path();
        if p.is_dir() {
            copy_tree(&p, &to.join(e.file_name()));
        } else {
            std::fs::copy(&p, to.join(e.file_name())).unwrap();
        }
    }
}

/// Reads a damaged directory; must finish quickly and never panic.
fn read_damaged(dir: &Path, opts: &RaftOptions) -> Result<NodeState, String> {
    let start = Instant::now();
    let r = std::panic::catch_unwind(|| read_node(dir, opts));
    assert!(start.elapsed() < Duration::from_secs(20), "too slow");
    match r {
        Ok(Ok(st)) => Ok(st),
        Ok(Err(e)) => Err(e.to_string()),
        Err(_) => panic!("panicked on {}", dir.display()),
    }
}

fn damaged_copy(fixture_name: &str) -> (tempfile::TempDir, PathBuf, Vec<u8>) {
    let tmp = tempfile::tempdir().unwrap();
    let src = raft_dir(fixture_name);
    let dir = tmp.path().join(src.file_name().unwrap());
    copy_tree(&src, &dir);
    let bytes = std::fs::read(dir.join("raft.log")).unwrap();
    (tmp, dir, bytes)
}

fn has_problem(r: &Result<NodeState, String>) -> bool {
    match r {
        Err(_) => true,
        Ok(st) => st.findings.iter().any(|f| f.severity >= Severity::Warning),
    }
}

fn truncated_logs_give_errors_naming_the_file(name: &str) {
    let opts = opts_for(name);
    let (_tmp, dir, bytes) = damaged_copy(name);
    let log = dir.join("raft.log");
    let len = bytes.len();
    for cut in [
        0,
        1,
        79,
        4096,
        8192,
        3 * 4096 + 7,
        len / 2,
        len - 4096,
        len - 1,
    ] {
        std::fs::write(&log, &bytes[..cut]).unwrap();
        let r = read_damaged(&dir, &opts);
        if let Err(e) = &r {
            assert!(e.contains("raft.log"), "cut {cut}: {e}");
        }
        if cut < len - 4096 {
            assert!(has_problem(&r), "{name} cut at {cut} not reported");
        }
    }
    // Cut inside the pages a tree needs: an error names page and offset.
    std::fs::write(&log, &bytes[..3 * 4096]).unwrap();
    let e = read_damaged(&dir, &opts).unwrap_err();
    assert!(e.contains("page") && e.contains("offset"), "{e}");
}

per_fixture! { [truncated_logs_give_errors_naming_the_file]
    cluster_3node_v0_23 => "cluster-3node-v0.23",
    cluster_encrypted_v0_23 => "cluster-encrypted-v0.23",
}

#[test]
fn meta_pages() {
    let name = "cluster-3node-v0.23";
    let opts = opts_for(name);
    let (_tmp, dir, bytes) = damaged_copy(name);
    let log = dir.join("raft.log");
    // Both metas gone: unreadable, said clearly.
    let mut b = bytes.clone();
    b[16..80].fill(0);
    b[4096 + 16..4096 + 80].fill(0);
    std::fs::write(&log, &b).unwrap();
    let e = read_damaged(&dir, &opts).unwrap_err();
    assert!(e.contains("meta"), "{e}");
    // One meta damaged: bolt uses the other one; reported.
    for page in [0usize, 1] {
        let mut b = bytes.clone();
        b[page * 4096 + 60] ^= 0xff;
        std::fs::write(&log, &b).unwrap();
        let r = read_damaged(&dir, &opts);
        assert!(has_problem(&r), "meta {page} damage not reported");
    }
}

fn bit_flips_never_panic(name: &str) {
    let opts = opts_for(name);
    let (_tmp, dir, bytes) = damaged_copy(name);
    let log = dir.join("raft.log");
    let mut rng: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = || {
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        rng
    };
    let mut reported = 0;
    let rounds = 120;
    for round in 0..rounds {
        let mut b = bytes.clone();
        // Mostly page headers and element arrays, where damage matters.
        let pages = b.len() / 4096;
        let page = (next() as usize) % pages;
        let off = if round % 2 == 0 {
            page * 4096 + (next() as usize) % 64
        } else {
            (next() as usize) % b.len()
        };
        b[off] ^= 1 << (next() % 8);
        std::fs::write(&log, &b).unwrap();
        if has_problem(&read_damaged(&dir, &opts)) {
            reported += 1;
        }
    }
    // Flips in free or stale pages are harmless; most are not.
    assert!(reported > 0, "{name}: no flip was reported");
}

per_fixture! { [bit_flips_never_panic]
    cluster_3node_v0_23 => "cluster-3node-v0.23",
    cluster_encrypted_v0_23 => "cluster-encrypted-v0.23",
}

#[test]
fn damaged_snapshot_is_skipped_and_reported() {
    let name = "cluster-3node-v0.23";
    let (_tmp, dir, _) = damaged_copy(name);
    let snap = std::fs::read_dir(dir.join("snapshots"))
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    let state = snap.join("state.bin");
    let mut b = std::fs::read(&state).unwrap();
    b[10] ^= 0x40;
    std::fs::write(&state, &b).unwrap();
    let st = read_damaged(&dir, &opts_for(name)).unwrap();
    assert_eq!(st.snapshot, None);
    let msgs: Vec<&str> = st.findings.iter().map(|f| f.message.as_str()).collect();
    assert!(msgs.iter().any(|m| m.contains("CRC mismatch")), "{msgs:?}");
    // Without the snapshot the log (6573..) does not reach back to index 1.
    assert!(st
        .findings
        .iter()
        .any(|f| f.severity == Severity::Error && f.message.contains("missing")));
    // A broken meta.json: skipped the same way.
    std::fs::write(snap.join("meta.json"), b"{not json").unwrap();
    let st = read_damaged(&dir, &opts_for(name)).unwrap();
    assert_eq!(st.snapshot, None);
    assert!(st
        .findings
        .iter()
        .any(|f| f.message.contains("snapshot skipped")));
}
