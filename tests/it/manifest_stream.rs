//! `stanctl manifest --messages` is written as the store is read, and
//! `check --expect` reads its file as a stream: the manifest's bytes are
//! those of serde_json's pretty printer for the same document (what the
//! in-memory implementation wrote), its messages are the fixtures' ground
//! truth, and a message list in any order gives the same report.

use std::path::Path;

use crate::common::*;
use serde_json::Value;
use stanctl::check::manifest::Manifest;

/// The store arguments of a fixture with a file store (its key if encrypted).
fn store_args(name: &str) -> Vec<String> {
    let mut args = vec!["--dir".to_string(), store_dir(name)];
    if let Some(key) = manifest(name)["store"]["encryption"]["key"].as_str() {
        args.extend(["--encryption-key".to_string(), key.to_string()]);
    }
    args
}

fn run(args: &[String], cmd: &[&str]) -> std::process::Output {
    stanctl()
        .args(args)
        .args(cmd)
        .output()
        .expect("run stanctl")
}

/// Sequence -> (payload_sha256, payload_len) of the messages a fixture's
/// server listed as in its view at shutdown.
fn truth_messages(channel: &Value) -> Vec<(u64, String, u64)> {
    channel["messages"]
        .as_array()
        .map(|list| {
            list.iter()
                .filter(|m| m["in_server_view_at_shutdown"] != Value::Bool(false))
                .filter_map(|m| {
                    Some((
                        m["seq"].as_u64()?,
                        m["payload_sha256"].as_str()?.to_lowercase(),
                        m["payload_len"].as_u64()?,
                    ))
                })
                .collect()
        })
        .unwrap_or_default()
}

fn manifest_bytes_and_messages_match(name: &str) {
    let args = store_args(name);
    let mut compared = 0;
    let out = run(&args, &["manifest", "--messages"]);
    if out.status.code() == Some(2) {
        // A store that cannot be read fails before any output.
        assert!(out.stdout.is_empty(), "{name}: partial output on failure");
        return;
    }
    let text = String::from_utf8(out.stdout).expect("utf8");
    let parsed: Manifest = serde_json::from_str(&text).expect("a manifest");
    let mut again = serde_json::to_string_pretty(&parsed).expect("serialize");
    again.push('\n');
    assert!(text == again, "{name}: not the pretty-printed document");

    // --output writes the same bytes.
    let tmp = tempfile::tempdir().expect("tmp");
    let file = tmp.path().join("m.json");
    let to_file = run(
        &args,
        &["manifest", "--messages", "-o", file.to_str().expect("utf8")],
    );
    assert_eq!(to_file.status.code(), out.status.code(), "{name}");
    assert_eq!(
        std::fs::read_to_string(&file).expect("read"),
        text,
        "{name}"
    );

    // The messages are the server's.
    let truth = manifest(name);
    for ch in &parsed.channels {
        let list = ch.messages.as_ref().expect("--messages lists them");
        let total: u64 = list.iter().map(|m| m.payload_len).sum();
        assert_eq!(ch.total_payload_bytes, Some(total), "{name}/{}", ch.name);
        let Some(want) = truth["channels"]
            .as_array()
            .and_then(|l| l.iter().find(|c| c["name"] == ch.name.as_str()))
        else {
            continue;
        };
        for (seq, sha, len) in truth_messages(want) {
            if let Some(m) = list.iter().find(|m| m.seq == seq) {
                assert_eq!(
                    (&m.payload_sha256, m.payload_len),
                    (&sha, len),
                    "{name}/{} seq {seq}",
                    ch.name
                );
                compared += 1;
            }
        }
    }
    assert!(compared > 0, "{name}: no message compared with the fixture");
}

// Every fixture holding a file store.
with_file_stores!(per_fixture![manifest_bytes_and_messages_match]);

fn write_json(dir: &Path, name: &str, v: &Value) -> String {
    let p = dir.join(name);
    std::fs::write(&p, serde_json::to_vec_pretty(v).expect("json")).expect("write");
    p.display().to_string()
}

#[test]
fn a_message_list_in_any_order_gives_the_same_report() {
    let name = "file-basic-v0.23";
    let args = store_args(name);
    let mut m = manifest(name);
    // Damage the expectation: one message gone, one hash changed.
    let ch = m["channels"]
        .as_array_mut()
        .expect("channels")
        .iter_mut()
        .find(|c| c["messages"].as_array().is_some_and(|l| l.len() > 5))
        .expect("a channel with messages");
    let list = ch["messages"].as_array_mut().expect("messages");
    list.remove(2);
    list[3]["payload_sha256"] = Value::String("00".repeat(32));
    let tmp = tempfile::tempdir().expect("tmp");
    let sorted = write_json(tmp.path(), "sorted.json", &m);
    for ch in m["channels"].as_array_mut().expect("channels") {
        if let Some(list) = ch["messages"].as_array_mut() {
            list.reverse();
        }
    }
    let reversed = write_json(tmp.path(), "reversed.json", &m);
    let report = |file: &str| {
        let out = run(&args, &["check", "--format", "json", "--expect", file]);
        let mut v: Value = serde_json::from_slice(&out.stdout).expect("json report");
        v["expect"]["file"] = Value::Null;
        v["expect"].clone()
    };
    let a = report(&sorted);
    let b = report(&reversed);
    let diffs = a["differences"].as_array().expect("differences");
    let paths: Vec<&str> = diffs.iter().filter_map(|d| d["path"].as_str()).collect();
    assert!(
        paths.iter().any(|p| p.ends_with("payload_sha256"))
            && paths.iter().any(|p| p.contains("messages[")),
        "{a:#}"
    );
    assert_eq!(a, b);
}

/// manifest's exit status follows the store's findings as --help says: 0
/// with warnings only (a deleted .idx: the real server started without a
/// word), 1 with errors (a torn tail: the real server refused to start),
/// and then the manifest is still written, holding what the server served
/// after its recovery (-file_truncate_bad_eof).
#[test]
fn manifest_exit_status_follows_the_findings_and_the_file_is_written() {
    let tmp = tempfile::tempdir().expect("tmp");
    for (name, code) in [
        ("damaged-idx-deleted-v0.23", 0),
        ("damaged-truncated-tail-v0.23", 1),
    ] {
        let m = manifest(name);
        let runs = m["damage"]["real_server_behaviour"]
            .as_array()
            .expect("runs");
        assert_eq!(runs[0]["started"] == false, code == 1, "{name}");
        let served = &runs
            .iter()
            .find(|r| r["started"] == true)
            .expect("a run that started")["channel_after_recovery"];
        let path = tmp.path().join(format!("{name}.json"));
        let out = run(
            &["--dir".to_string(), store_dir(name)],
            &["manifest", "-o", path.to_str().expect("path")],
        );
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(code), "{name}: {stderr}");
        assert!(
            stderr.contains(if code == 1 { "error:" } else { "warning:" }),
            "{name}: {stderr}"
        );
        let written: Value =
            serde_json::from_slice(&std::fs::read(&path).expect("manifest written")).expect("JSON");
        let ch = written["channels"]
            .as_array()
            .expect("channels")
            .iter()
            .find(|c| c["name"] == served["name"])
            .expect("the damaged channel");
        assert_eq!(ch["first_seq"], served["first_seq"], "{name}");
        assert_eq!(ch["last_seq"], served["last_seq"], "{name}");
        assert_eq!(ch["msg_count"], served["msgs"], "{name}");
    }
}
