//! `stanctl salvage --to-dir NEW` on the damaged fixtures: the new store
//! checks clean, holds everything that was recoverable (compared with the
//! fixture's ground truth), and the report names what was dropped.

mod common;

use std::path::Path;

use common::*;
use serde_json::{json, Value};

fn store(name: &str) -> String {
    fixture(name).join("store").display().to_string()
}

fn salvage(src: &str, to: &Path, code: i32) -> Value {
    json_with_code(
        &[
            "--dir",
            src,
            "salvage",
            "--to-dir",
            to.to_str().unwrap(),
            "--format",
            "json",
        ],
        code,
    )
}

fn channel<'a>(report: &'a Value, name: &str) -> &'a Value {
    report["channels"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == name)
        .unwrap_or_else(|| panic!("channel {name}"))
}

/// `check --deep --expect` of the salvaged store against the original's
/// ground truth: the differences' paths.
fn differences_with_truth(dir: &Path, truth_of: &str) -> Vec<String> {
    let file = fixture(truth_of).join("MANIFEST.json");
    let out = stanctl()
        .args([
            "--dir",
            dir.to_str().unwrap(),
            "check",
            "--deep",
            "--format",
            "json",
            "--expect",
            file.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    let r: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(r["counts"]["error"], 0, "salvaged store has errors: {r:#}");
    r["expect"]["differences"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| str_of(&d["path"]).to_string())
        .collect()
}

#[test]
fn truncated_tail_keeps_everything_before_the_torn_record() {
    let tmp = tempfile::tempdir().unwrap();
    let to = tmp.path().join("new");
    let r = salvage(&store("damaged-truncated-tail-v0.23"), &to, 1);
    let ch = channel(&r, "orders.eu");
    assert_eq!(ch["kept"], json!([[1, 34]]));
    assert_eq!(ch["dropped_seqs"], json!([[35, 35]]));
    let dropped = r["dropped_bytes"].as_array().unwrap();
    assert_eq!(dropped.len(), 1, "{r:#}");
    assert_eq!(dropped[0]["file"], "orders.eu/msgs.1.dat");
    assert_eq!(dropped[0]["from"], 2741);
    assert_eq!(dropped[0]["to"], 2819);
    assert_eq!(
        differences_with_truth(&to, "file-basic-v0.23"),
        vec![
            "channels[orders.eu].last_seq",
            "channels[orders.eu].msg_count",
            "channels[orders.eu].messages[35]",
            "channels[orders.eu].total_payload_bytes",
        ]
    );
}

#[test]
fn crc_flip_keeps_the_records_after_the_bad_one() {
    let tmp = tempfile::tempdir().unwrap();
    let to = tmp.path().join("new");
    let m = manifest("damaged-crc-flip-v0.23");
    let seq = u64_of(&m["damage"]["details"]["message_seq"]);
    let r = salvage(&store("damaged-crc-flip-v0.23"), &to, 1);
    let ch = channel(&r, "orders.eu");
    assert_eq!(ch["kept"], json!([[1, seq - 1], [seq + 1, 35]]));
    assert_eq!(ch["dropped_seqs"], json!([[seq, seq]]));
    let dropped = &r["dropped_bytes"][0];
    let flipped = u64_of(&m["damage"]["details"]["offset"]);
    assert!(u64_of(&dropped["from"]) <= flipped && flipped < u64_of(&dropped["to"]));
    let diffs = differences_with_truth(&to, "file-basic-v0.23");
    assert!(
        diffs.contains(&format!("channels[orders.eu].messages[{seq}]")),
        "{diffs:?}"
    );
    assert!(
        diffs.iter().all(|d| d.starts_with("channels[orders.eu]")),
        "{diffs:?}"
    );
}

#[test]
fn deleted_index_loses_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let to = tmp.path().join("new");
    let r = salvage(&store("damaged-idx-deleted-v0.23"), &to, 0);
    assert!(r["dropped_bytes"].as_array().unwrap().is_empty());
    assert_eq!(u64_of(&r["clients"]), 3);
    assert!(differences_with_truth(&to, "file-basic-v0.23").is_empty());
}

#[test]
fn torn_unindexed_tail_is_cut() {
    let tmp = tempfile::tempdir().unwrap();
    let to = tmp.path().join("new");
    let name = "file-torn-tail-kill9-v0.23";
    let r = salvage(&store(name), &to, 1);
    assert_eq!(r["dropped_bytes"][0]["file"], "ingest.big/msgs.1.dat");
    assert!(differences_with_truth(&to, name).is_empty());
}

#[test]
fn orphan_records_after_the_index_are_recovered() {
    let tmp = tempfile::tempdir().unwrap();
    let src = tmp.path().join("src");
    let out = std::process::Command::new("cp")
        .args(["-r", &store("file-basic-v0.23"), src.to_str().unwrap()])
        .status()
        .unwrap();
    assert!(out.success());
    let idx = src.join("orders.eu/msgs.1.idx");
    let len = std::fs::metadata(&idx).unwrap().len();
    std::fs::OpenOptions::new()
        .write(true)
        .open(&idx)
        .unwrap()
        .set_len(len - 32)
        .unwrap();
    let to = tmp.path().join("new");
    let r = salvage(src.to_str().unwrap(), &to, 0);
    let ch = channel(&r, "orders.eu");
    assert_eq!(ch["recovered_unindexed"], 1);
    assert_eq!(ch["kept"], json!([[1, 35]]));
    assert!(differences_with_truth(&to, "file-basic-v0.23").is_empty());
}

#[test]
fn never_in_place() {
    let tmp = tempfile::tempdir().unwrap();
    let src = store("file-basic-v0.23");
    // Inside the source: refused (it would become a channel).
    let inside = Path::new(&src).join("salvaged");
    let out = stanctl()
        .args([
            "--dir",
            &src,
            "salvage",
            "--to-dir",
            inside.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(!inside.exists());
    // A non-empty target: refused.
    std::fs::write(tmp.path().join("x"), b"x").unwrap();
    let out = stanctl()
        .args([
            "--dir",
            &src,
            "salvage",
            "--to-dir",
            tmp.path().to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}

/// A cluster node keeps its clients and subscriptions in the Raft log, not
/// in clients.dat/subs.dat: salvage copies none of them and must say so with
/// exit 1 instead of a clean exit with 0 clients.
#[test]
fn cluster_node_says_its_raft_state_is_not_copied() {
    let name = "cluster-3node-v0.23";
    let m = manifest(name);
    let connected = m["clients"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["state_at_shutdown"] == "connected")
        .count();
    assert!(connected > 0, "the node had clients at shutdown");
    let tmp = tempfile::tempdir().unwrap();
    let to = tmp.path().join("new");
    let src = fixture(name).join("node/store").display().to_string();
    let r = salvage(&src, &to, 1);
    assert_eq!(r["raft_state_not_copied"], true, "{r:#}");
    assert_eq!(u64_of(&r["clients"]), 0);
    let notes: Vec<&str> = r["notes"]
        .as_array()
        .unwrap()
        .iter()
        .map(str_of)
        .collect();
    assert!(
        notes.iter().any(|n| n.contains("Raft log") && n.contains("none were copied")),
        "{notes:?}"
    );
    // The messages are still copied.
    for c in m["channels"].as_array().unwrap() {
        let ch = channel(&r, str_of(&c["name"]));
        assert_eq!(ch["kept_messages"], c["msg_count"], "{}", c["name"]);
    }
}
