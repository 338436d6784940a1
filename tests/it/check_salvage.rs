//! `stanctl salvage --to-dir NEW` on the damaged fixtures: the new store
//! checks clean, holds everything that was recoverable (compared with the
//! fixture's ground truth), and the report names what was dropped.

use std::path::Path;

use crate::common::*;
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
    let notes: Vec<&str> = r["notes"].as_array().unwrap().iter().map(str_of).collect();
    assert!(
        notes
            .iter()
            .any(|n| n.contains("Raft log") && n.contains("none were copied")),
        "{notes:?}"
    );
    // The messages are still copied.
    for c in m["channels"].as_array().unwrap() {
        let ch = channel(&r, str_of(&c["name"]));
        assert_eq!(ch["kept_messages"], c["msg_count"], "{}", c["name"]);
    }
}

// ---- The damage operators reported upstream (fixtures derived by
// scripts/derive-damaged-fixtures.py; the real v0.23.2 server's behaviour on
// each is in its MANIFEST's damage.real_server_behaviour). ----

/// The first run of the real server that started: the default flags, or
/// `--file_truncate_bad_eof` where the server refused without it.
fn server_run(m: &Value) -> &Value {
    m["damage"]["real_server_behaviour"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["started"] == true)
        .expect("the server started in one of the recorded runs")
}

/// Channels whose configured limits make the server's view depend on when
/// it ran (max_age) or on limits salvage does not apply.
fn has_limits(m: &Value, channel: &str) -> bool {
    m["channels"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == channel)
        .map(|c| {
            c["configured_limits"]
                .as_object()
                .is_some_and(|l| !l.is_empty())
        })
        .unwrap_or(false)
}

/// `check` on the damaged store: its exit code follows the server (refuses
/// to start: error, exit 1) and the finding names the file (and, where the
/// server logs one, the same byte offset).
fn check_verdict(name: &str, exit: i32, code: &str, file: &str, offset: Option<u64>) -> Value {
    let m = manifest(name);
    let runs = m["damage"]["real_server_behaviour"].as_array().unwrap();
    let refused = runs[0]["started"] == false;
    assert_eq!(refused, exit == 1 && code.starts_with("record."), "{name}");
    let r = json_with_code(&["--dir", &store(name), "check", "--format", "json"], exit);
    let f = findings(&r, code);
    assert_eq!(f.len(), 1, "{name}: {code} in {r:#}");
    assert_eq!(f[0]["file"], file, "{name}");
    if let Some(offset) = offset {
        assert_eq!(u64_of(&f[0]["offset"]), offset, "{name}");
        if refused {
            // The server says where it would truncate: the same offset.
            let says = format!("truncate this file to this offset: {offset}.");
            assert!(
                runs[0]["log_warnings_errors"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .any(|l| str_of(l).ends_with(&says)),
                "{name}: server log does not say {says}"
            );
        }
    }
    r
}

/// Salvage of the damaged store, then the salvaged store read back: every
/// channel the server served has the server's first/last sequence, message
/// count (plus any record salvage recovered that the server ignores) and
/// subscription count, and the clients are the server's. The salvaged
/// store checks without errors.
fn salvage_agrees_with_server(name: &str, exit: i32) -> Value {
    let m = manifest(name);
    let run = server_run(&m);
    let tmp = tempfile::tempdir().unwrap();
    let to = tmp.path().join("new");
    let before = hash_tree(&fixture(name));
    let report = salvage(&store(name), &to, exit);
    assert_eq!(before, hash_tree(&fixture(name)), "source changed");
    let to_s = to.to_str().unwrap();
    let ours = json(&["--dir", to_s, "channels", "ls", "--format", "json"]);
    let mut compared = 0;
    for served in run["channelsz"].as_array().unwrap() {
        let ch = str_of(&served["name"]);
        if has_limits(&m, ch) {
            continue;
        }
        let got = ours
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["name"] == ch)
            .unwrap_or_else(|| panic!("{name}: salvaged store lacks {ch}"));
        let extra = u64_of(&channel(&report, ch)["recovered_unindexed"]);
        assert_eq!(got["first_seq"], served["first_seq"], "{name} {ch}");
        assert_eq!(
            u64_of(&got["last_seq"]),
            u64_of(&served["last_seq"]) + extra,
            "{name} {ch}"
        );
        assert_eq!(
            u64_of(&got["msgs"]),
            u64_of(&served["msgs"]) + extra,
            "{name} {ch}"
        );
        assert_eq!(got["subscriptions"], served["subs_count"], "{name} {ch}");
        compared += 1;
    }
    assert!(compared > 0, "{name}: no channel compared");
    let clients = json(&["--dir", to_s, "clients", "ls", "--format", "json"]);
    let mut ids: Vec<&str> = clients
        .as_array()
        .unwrap()
        .iter()
        .map(|c| str_of(&c["id"]))
        .collect();
    ids.sort();
    let served: Vec<&str> = run["clientsz"]
        .as_array()
        .unwrap()
        .iter()
        .map(str_of)
        .collect();
    assert_eq!(ids, served, "{name}: clients");
    let r = json(&["--dir", to_s, "check", "--format", "json"]);
    assert_eq!(r["counts"]["error"], 0, "{name}: salvaged store: {r:#}");
    report
}

/// #440: subs.dat extended with zeros. v0.23.2 truncates the zero tail and
/// starts (v0.5.0 failed with "unexpected record type: 0").
#[test]
fn upstream_440_subs_zero_tail() {
    let name = "damaged-subs-zero-tail-v0.23";
    check_verdict(
        name,
        0,
        "record.zero_padding",
        "orders.eu/subs.dat",
        Some(1282),
    );
    let r = salvage_agrees_with_server(name, 0);
    assert!(r["dropped_bytes"].as_array().unwrap().is_empty(), "{r:#}");
}

/// #1199: clients.dat ends inside a record (disk full). The server refuses
/// to start; with --file_truncate_bad_eof it drops the torn delete record,
/// so the client it deleted comes back: salvage keeps the same four.
#[test]
fn upstream_1199_clients_full_disk() {
    let name = "damaged-clients-full-disk-v0.23";
    check_verdict(name, 1, "record.torn", "clients.dat", Some(412));
    let r = salvage_agrees_with_server(name, 1);
    assert_eq!(r["dropped_bytes"][0]["file"], "clients.dat");
    assert_eq!(u64_of(&r["dropped_bytes"][0]["from"]), 412);
}

/// #557: unexpected EOF in a message file after a crash with file sync off.
/// The server refuses to start; truncated, it serves seqs 1-32.
#[test]
fn upstream_557_msgs_unexpected_eof() {
    let name = "damaged-msgs-unexpected-eof-v0.23";
    check_verdict(name, 1, "record.torn", "orders.eu/msgs.1.dat", Some(2572));
    let r = salvage_agrees_with_server(name, 1);
    assert_eq!(channel(&r, "orders.eu")["dropped_seqs"], json!([[33, 35]]));
}

/// An .idx longer than its .dat: the server logs the mismatch, rebuilds the
/// index from the data file and serves seqs 1-32.
#[test]
fn upstream_idx_longer_than_dat() {
    let name = "damaged-idx-longer-v0.23";
    let c = check_verdict(
        name,
        1,
        "index.bad_offset",
        "orders.eu/msgs.1.idx",
        Some(1028),
    );
    assert_eq!(u64_of(&findings(&c, "index.bad_offset")[0]["seq"]), 33);
    let r = salvage_agrees_with_server(name, 1);
    assert_eq!(channel(&r, "orders.eu")["dropped_seqs"], json!([[33, 35]]));
}

/// An .idx shorter than its .dat: the server trusts the index and serves
/// 1-32; salvage keeps those and recovers the three records after them.
#[test]
fn upstream_idx_shorter_than_dat() {
    let name = "damaged-idx-shorter-v0.23";
    check_verdict(
        name,
        0,
        "data.orphan_records",
        "orders.eu/msgs.1.dat",
        Some(2572),
    );
    let r = salvage_agrees_with_server(name, 0);
    assert_eq!(channel(&r, "orders.eu")["recovered_unindexed"], 3);
}

/// A slice whose .dat is gone while its .idx stays: the server finds slices
/// by their .dat, ignores the index and serves the other two slices.
#[test]
fn upstream_dat_missing_idx_stays() {
    let name = "damaged-dat-missing-v0.23";
    check_verdict(name, 0, "slice.orphan_index", "logs.app/msgs.2.idx", None);
    let r = salvage_agrees_with_server(name, 1);
    let ch = channel(&r, "logs.app");
    assert_eq!(ch["kept"], json!([[1, 50], [101, 130]]));
    assert_eq!(ch["dropped_seqs"], json!([[51, 100]]));
}

// ---- Slice numbers as the server reads them (strconv.ParseInt). ----

/// A copy of orders.eu's slice under another name the server reads as a
/// slice number. The real server starts, counts both copies in channelsz
/// (70 messages for seqs 1-35) and serves each sequence once. The reader
/// reports the server's totals and dumps each sequence once, in order,
/// with a warning naming the shadowed copy; check starts no refusal; salvage
/// keeps seqs 1-35 once, losing nothing.
fn slice_name_case(name: &str, copy: &str) -> Value {
    let m = manifest(name);
    let run = &m["damage"]["real_server_behaviour"][0];
    assert_eq!(run["started"], true, "{name}");
    let served = run["channelsz"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "orders.eu")
        .unwrap();
    let src = store(name);
    let ours = json(&["--dir", &src, "channels", "ls", "--format", "json"]);
    let ch = ours
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "orders.eu")
        .unwrap();
    for k in ["first_seq", "last_seq", "msgs"] {
        assert_eq!(ch[k], served[k], "{name}: {k}");
    }
    let out = stanctl()
        .args([
            "--dir",
            &src,
            "dump",
            "--channel",
            "orders.eu",
            "--format",
            "ndjson",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{name}");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(&format!("orders.eu/{copy}: slice")) && stderr.contains("shadowed"),
        "{name}: {stderr}"
    );
    let seqs: Vec<u64> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| u64_of(&serde_json::from_str::<Value>(l).unwrap()["seq"]))
        .collect();
    let first = u64_of(&served["first_seq"]);
    let last = u64_of(&served["last_seq"]);
    assert_eq!(seqs, (first..=last).collect::<Vec<_>>(), "{name}");
    let out = stanctl()
        .args(["--dir", &src, "check", "--format", "json"])
        .output()
        .unwrap();
    let c: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(findings(&c, "slice.bad_name").is_empty(), "{name}: {c:#}");
    let tmp = tempfile::tempdir().unwrap();
    let to = tmp.path().join("new");
    let r = salvage(&src, &to, 0);
    assert_eq!(channel(&r, "orders.eu")["kept"], json!([[first, last]]));
    c
}

#[test]
fn slice_number_with_a_leading_zero_is_the_same_slice() {
    let c = slice_name_case("damaged-slice-leading-zero-v0.23", "msgs.01.dat");
    assert_eq!(findings(&c, "slice.duplicate_number").len(), 1, "{c:#}");
}

#[test]
fn negative_slice_number_is_a_slice() {
    let c = slice_name_case("damaged-slice-negative-v0.23", "msgs.-1.dat");
    assert_eq!(findings(&c, "slice.overlap").len(), 1, "{c:#}");
}

/// A store file that is there but cannot be read (here a dangling link) is
/// skipped and said so, with exit 1: a clients.dat or subs.dat like it was
/// read as absent, exit 0, and its clients or subscriptions were lost
/// without a word. An unreadable index (read as absent before) only loses
/// its hints: the messages of its data file are all kept.
#[test]
fn unreadable_files_are_named_and_exit_1() {
    let whole = {
        let tmp = tempfile::tempdir().unwrap();
        let src = fixture("file-basic-v0.23").join("store");
        salvage(src.to_str().unwrap(), &tmp.path().join("new"), 0)
    };
    for rel in [
        "clients.dat",
        "orders.eu/subs.dat",
        "orders.eu/msgs.1.dat",
        "orders.eu/msgs.1.idx",
    ] {
        let tmp = tempfile::tempdir().unwrap();
        let src = tmp.path().join("store");
        copy_tree(&fixture("file-basic-v0.23").join("store"), &src);
        let path = src.join(rel);
        std::fs::remove_file(&path).unwrap();
        std::os::unix::fs::symlink(path.with_file_name("gone"), &path).unwrap();
        let r = salvage(src.to_str().unwrap(), &tmp.path().join("new"), 1);
        assert_eq!(r["unreadable_files"], json!([rel]), "{r:#}");
        let note = format!("{rel}: unreadable (");
        assert!(
            r["notes"]
                .as_array()
                .unwrap()
                .iter()
                .any(|n| str_of(n).starts_with(&note) && str_of(n).contains("leads nowhere")),
            "{r:#}"
        );
        if rel.ends_with(".idx") {
            assert_eq!(r["channels"], whole["channels"], "{r:#}");
        }
    }
}

/// A directory at clients.dat is an unreadable file, never a channel:
/// salvage copied it as one and failed with "File exists" (exit 2) when it
/// came to write it over the new store's clients.dat. At server.dat it is
/// the store's identity that cannot be read: a clear error naming it.
#[test]
fn a_directory_at_clients_dat_or_server_dat_is_not_a_channel() {
    for filled in [false, true] {
        let tmp = tempfile::tempdir().unwrap();
        let src = tmp.path().join("store");
        copy_tree(&fixture("file-basic-v0.23").join("store"), &src);
        let clients = src.join("clients.dat");
        std::fs::remove_file(&clients).unwrap();
        if filled {
            copy_tree(&src.join("payments"), &clients);
        } else {
            std::fs::create_dir(&clients).unwrap();
        }
        let new = tmp.path().join("new");
        let r = salvage(src.to_str().unwrap(), &new, 1);
        assert_eq!(r["unreadable_files"], json!(["clients.dat"]), "{r:#}");
        let names: Vec<&str> = r["channels"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| str_of(&c["name"]))
            .collect();
        assert_eq!(
            names,
            [
                "audit.log",
                "bin.data",
                "orders.eu",
                "orders.us",
                "payments"
            ],
            "{r:#}"
        );
        assert!(new.join("clients.dat").is_file(), "{r:#}");
    }

    let tmp = tempfile::tempdir().unwrap();
    let src = tmp.path().join("store");
    copy_tree(&fixture("file-basic-v0.23").join("store"), &src);
    std::fs::remove_file(src.join("server.dat")).unwrap();
    std::fs::create_dir(src.join("server.dat")).unwrap();
    let new = tmp.path().join("new");
    stanctl()
        .args(["--dir", src.to_str().unwrap(), "salvage", "--to-dir"])
        .arg(&new)
        .assert()
        .code(2)
        .stderr(predicates::str::contains(format!(
            "{}: is a directory, not a regular file",
            src.join("server.dat").display()
        )));
    assert!(!new.exists());
}
