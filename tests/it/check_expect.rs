//! `stanctl check --expect` and `stanctl manifest` against the real
//! fixtures: each fixture's own MANIFEST.json passes on its store, a
//! manifest with one value changed fails with exactly that difference, and
//! a manifest written by stanctl round-trips.

use std::path::PathBuf;

use crate::common::*;
use serde_json::{json, Value};

/// A fixture's store and the options its server ran with (as in
/// tests/it/file_store.rs): the config file and "now" = its shutdown, the
/// encryption key.
struct Case {
    args: Vec<String>,
    _config: Option<tempfile::NamedTempFile>,
}

fn case(name: &str) -> Case {
    let m = truth(name);
    let base = fixture(name);
    let store = if base.join("node/store").is_dir() {
        base.join("node/store")
    } else {
        base.join("store")
    };
    let mut args = vec!["--dir".to_string(), store.display().to_string()];
    let mut config = None;
    if let Some(conf) = m["server"]["config_file_contents"].as_str() {
        let file = tempfile::NamedTempFile::new().unwrap();
        std::fs::write(file.path(), conf).unwrap();
        args.push("-c".into());
        args.push(file.path().display().to_string());
        args.push("--now".into());
        args.push(str_of(&m["server_monitor_at_shutdown"]["serverz"]["now"]).to_string());
        config = Some(file);
    }
    if let Some(key) = m["store"]["encryption"]["key"].as_str() {
        args.push("--encryption-key".into());
        args.push(key.to_string());
    }
    Case {
        args,
        _config: config,
    }
}

impl Case {
    fn run(&self, cmd: &[&str], code: i32) -> Value {
        let mut args: Vec<&str> = self.args.iter().map(String::as_str).collect();
        args.extend_from_slice(cmd);
        json_with_code(&args, code)
    }

    fn expect(&self, file: &str, code: i32) -> Value {
        let r = self.run(&["check", "--format", "json", "--expect", file], code);
        r["expect"].clone()
    }
}

fn write_json(dir: &tempfile::TempDir, name: &str, v: &Value) -> String {
    let path: PathBuf = dir.path().join(name);
    std::fs::write(&path, serde_json::to_vec_pretty(v).unwrap()).unwrap();
    path.display().to_string()
}

fn differences(e: &Value) -> &Vec<Value> {
    e["differences"].as_array().expect("differences")
}

fn own_manifest_passes(name: &str) {
    let c = case(name);
    let file = fixture(name).join("MANIFEST.json").display().to_string();
    let e = c.expect(&file, 0);
    assert!(differences(&e).is_empty(), "{name}: {e:#}");
    let m = manifest(name);
    let channels = m["channels"].as_array().unwrap().len() as u64;
    assert_eq!(u64_of(&e["compared"]["channels"]), channels, "{name}");
    assert!(u64_of(&e["compared"]["messages"]) > 0, "{name}");
    if name.starts_with("cluster-") {
        assert!(e["skipped"].to_string().contains("Raft log"), "{name}");
    } else {
        assert!(u64_of(&e["compared"]["subscriptions"]) > 0, "{name}");
        assert!(u64_of(&e["compared"]["clients"]) > 0, "{name}");
    }
}

// Each intact fixture passes against its own manifest.
with_whole_stores!(per_fixture![own_manifest_passes]);

#[test]
fn damaged_stores_differ_exactly_where_damaged() {
    // Same data as file-basic: the original manifest passes.
    let c = case("damaged-idx-deleted-v0.23");
    let truth_file = fixture("file-basic-v0.23").join("MANIFEST.json");
    let e = c.expect(truth_file.to_str().unwrap(), 0); // the missing index is a warning
    assert!(differences(&e).is_empty(), "{e:#}");

    // The truncated tail lost seq 35 of orders.eu, nothing else.
    let c = case("damaged-truncated-tail-v0.23");
    let e = c.expect(truth_file.to_str().unwrap(), 1);
    let paths: Vec<&str> = differences(&e).iter().map(|d| str_of(&d["path"])).collect();
    assert_eq!(
        paths,
        vec![
            "channels[orders.eu].last_seq",
            "channels[orders.eu].msg_count",
            "channels[orders.eu].messages[35]",
            "channels[orders.eu].total_payload_bytes",
        ],
        "{e:#}"
    );
}

/// Change one value of the fixture's own manifest; exactly that difference.
#[test]
fn one_changed_value_is_one_precise_difference() {
    let name = "file-basic-v0.23";
    let c = case(name);
    let tmp = tempfile::tempdir().unwrap();
    let base = manifest(name);
    let find_channel = |m: &mut Value, ch: &str| -> usize {
        m["channels"]
            .as_array()
            .unwrap()
            .iter()
            .position(|c| c["name"] == ch)
            .unwrap()
    };

    let mut m = base.clone();
    let i = find_channel(&mut m, "orders.eu");
    m["channels"][i]["last_seq"] = json!(36);
    let e = c.expect(&write_json(&tmp, "a.json", &m), 1);
    let d = differences(&e);
    assert_eq!(d.len(), 1, "{e:#}");
    assert_eq!(d[0]["path"], "channels[orders.eu].last_seq");
    assert_eq!(d[0]["expected"], 36);
    assert_eq!(d[0]["found"], 35);

    let mut m = base.clone();
    let i = find_channel(&mut m, "payments");
    m["channels"][i]["messages"][6]["payload_sha256"] = json!("00".repeat(32));
    let seq = u64_of(&m["channels"][i]["messages"][6]["seq"]);
    let e = c.expect(&write_json(&tmp, "b.json", &m), 1);
    let d = differences(&e);
    assert_eq!(d.len(), 1, "{e:#}");
    assert_eq!(
        d[0]["path"],
        format!("channels[payments].messages[{seq}].payload_sha256")
    );

    let mut m = base.clone();
    let sub = m["subscriptions"]
        .as_array()
        .unwrap()
        .iter()
        .position(|s| s["name"] == "durable-pending")
        .unwrap();
    m["subscriptions"][sub]["pending_unacked_seqs_at_shutdown"] = json!([4, 6, 7]);
    let inbox = str_of(&m["subscriptions"][sub]["inbox"]).to_string();
    let e = c.expect(&write_json(&tmp, "c.json", &m), 1);
    let d = differences(&e);
    assert_eq!(d.len(), 1, "{e:#}");
    assert_eq!(
        d[0]["path"],
        format!("subscriptions[orders.eu/{inbox}].pending_unacked_seqs_at_shutdown")
    );

    let mut m = base.clone();
    let cl = m["clients"]
        .as_array()
        .unwrap()
        .iter()
        .position(|c| c["id"] == "worker-a")
        .unwrap();
    m["clients"][cl]["hb_inbox"] = json!("_INBOX.changed");
    let e = c.expect(&write_json(&tmp, "d.json", &m), 1);
    let d = differences(&e);
    assert_eq!(d.len(), 1, "{e:#}");
    assert_eq!(d[0]["path"], "clients[worker-a].hb_inbox");
    assert_eq!(d[0]["expected"], "_INBOX.changed");

    // A client the store does not have; a timestamp off by one ns.
    let mut m = base.clone();
    m["clients"]
        .as_array_mut()
        .unwrap()
        .push(json!({"id": "ghost", "hb_inbox": "x", "state_at_shutdown": "connected"}));
    let i = find_channel(&mut m, "audit.log");
    let ts = m["channels"][i]["messages"][0]["timestamp_ns"]
        .as_i64()
        .unwrap();
    m["channels"][i]["messages"][0]["timestamp_ns"] = json!(ts + 1);
    let e = c.expect(&write_json(&tmp, "e.json", &m), 1);
    let paths: Vec<&str> = differences(&e).iter().map(|d| str_of(&d["path"])).collect();
    assert_eq!(
        paths,
        vec![
            "channels[audit.log].messages[1].timestamp_ns",
            "clients[ghost]"
        ],
        "{e:#}"
    );
}

fn written_manifest_round_trips(name: &str) {
    let tmp = tempfile::tempdir().unwrap();
    let c = case(name);
    let out = tmp.path().join(format!("{name}.json"));
    let mut args: Vec<&str> = c.args.iter().map(String::as_str).collect();
    args.extend_from_slice(&["manifest", "--messages", "-o", out.to_str().unwrap()]);
    let run = stanctl().args(&args).output().unwrap();
    assert_eq!(run.status.code(), Some(0), "{name}");
    let written: Value = serde_json::from_slice(&std::fs::read(&out).unwrap()).unwrap();
    assert_eq!(written["format"], "stanctl-manifest/1");
    // The written manifest agrees with the fixture's ground truth.
    let truth = manifest(name);
    for (w, t) in written["channels"]
        .as_array()
        .unwrap()
        .iter()
        .zip(sorted_channels(&truth))
    {
        assert_eq!(w["name"], t["name"]);
        assert_eq!(w["first_seq"], t["first_seq"], "{name}");
        assert_eq!(w["last_seq"], t["last_seq"], "{name}");
        assert_eq!(w["msg_count"], t["msg_count"], "{name}");
        assert_eq!(w["total_payload_bytes"], t["total_payload_bytes"], "{name}");
    }
    let e = c.expect(out.to_str().unwrap(), 0);
    assert!(differences(&e).is_empty(), "{name}: {e:#}");
    // And the fixture's manifest passes against the store the written one describes.
    let mut changed = written.clone();
    changed["channels"][0]["messages"][0]["subject"] = json!("other.subject");
    let e = c.expect(&write_json(&tmp, "changed.json", &changed), 1);
    let d = differences(&e);
    assert_eq!(d.len(), 1, "{name}: {e:#}");
    assert!(str_of(&d[0]["path"]).ends_with(".subject"), "{d:?}");
}

// A manifest written by stanctl round-trips through check --expect.
per_fixture! { [written_manifest_round_trips]
    file_basic_v0_23 => "file-basic-v0.23",
    file_slices_v0_23 => "file-slices-v0.23",
    cluster_3node_v0_23 => "cluster-3node-v0.23",
}

fn sorted_channels(m: &Value) -> Vec<Value> {
    let mut v = m["channels"].as_array().unwrap().clone();
    v.sort_by(|a, b| str_of(&a["name"]).cmp(str_of(&b["name"])));
    v
}

#[test]
fn encrypted_payloads_without_key_are_skipped_not_failed() {
    let name = "file-encrypted-v0.23";
    let dir = fixture(name).join("store").display().to_string();
    let file = fixture(name).join("MANIFEST.json").display().to_string();
    let r = json_with_code(
        &[
            "--dir", &dir, "check", "--format", "json", "--expect", &file,
        ],
        0,
    );
    assert!(differences(&r["expect"]).is_empty());
    assert!(r["expect"]["skipped"].to_string().contains("encrypted"));
}

#[test]
fn unreadable_expect_file_is_a_usage_error() {
    let dir = fixture("file-basic-v0.23")
        .join("store")
        .display()
        .to_string();
    let out = stanctl()
        .args(["--dir", &dir, "check", "--expect", "/nonexistent.json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}
