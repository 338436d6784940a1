//! A cluster node's Raft log is part of its store: `check` reports a torn
//! or garbled log, snapshot or meta.json with the file and offset, exit 1,
//! and never panics.

use std::path::{Path, PathBuf};

use crate::common::*;

fn node_copy(tmp: &Path) -> std::path::PathBuf {
    let node = tmp.join("node");
    let status = std::process::Command::new("cp")
        .arg("-r")
        .arg(fixture("cluster-3node-v0.23").join("node"))
        .arg(&node)
        .status()
        .expect("cp");
    assert!(status.success());
    let _ = std::process::Command::new("chmod")
        .arg("-R")
        .arg("u+w")
        .arg(&node)
        .status();
    node
}

fn check_json(store: &Path) -> (Option<i32>, serde_json::Value) {
    let out = stanctl()
        .args([
            "--dir",
            store.to_str().expect("p"),
            "check",
            "--format",
            "json",
        ])
        .output()
        .expect("run");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    (
        out.status.code(),
        serde_json::from_slice(&out.stdout).expect("json"),
    )
}

fn raft_findings(report: &serde_json::Value) -> Vec<(String, String)> {
    report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        // raft.log and the specific raft.* codes (raft.bolt, raft.snapshot, ...).
        .filter(|f| f["code"].as_str().is_some_and(|c| c.starts_with("raft.")))
        .map(|f| {
            (
                str_of(&f["severity"]).to_string(),
                format!("{} {}", str_of(&f["location"]), str_of(&f["message"])),
            )
        })
        .collect()
}

#[test]
fn intact_cluster_node_checks_clean() {
    let (code, report) = check_json(&fixture("cluster-3node-v0.23").join("node/store"));
    assert_eq!(code, Some(0), "{report:#}");
    assert!(raft_findings(&report).iter().all(|(sev, _)| sev != "error"));
}

#[test]
fn truncated_raft_log_is_an_error_naming_the_page() {
    let tmp = tempfile::tempdir().expect("tmp");
    let node = node_copy(tmp.path());
    let log = node.join("raft/stanctl-c3/raft.log");
    let f = std::fs::OpenOptions::new()
        .write(true)
        .open(&log)
        .expect("open");
    f.set_len(20_000).expect("truncate");
    let (code, report) = check_json(&node.join("store"));
    assert_eq!(code, Some(1));
    let found = raft_findings(&report);
    assert!(
        found.iter().any(|(sev, text)| sev == "error"
            && text.contains("raft.log")
            && text.contains("page")),
        "{found:?}"
    );
}

#[test]
fn garbage_snapshot_and_meta_are_reported() {
    for file in ["state.bin", "meta.json"] {
        let tmp = tempfile::tempdir().expect("tmp");
        let node = node_copy(tmp.path());
        let snaps = node.join("raft/stanctl-c3/snapshots");
        let snap = std::fs::read_dir(&snaps)
            .expect("snapshots")
            .next()
            .expect("one")
            .expect("entry")
            .path();
        std::fs::write(snap.join(file), b"garbage").expect("write");
        let (code, report) = check_json(&node.join("store"));
        assert_eq!(code, Some(1), "{file}: {report:#}");
        let found = raft_findings(&report);
        assert!(
            found.iter().any(|(_, text)| text.contains(file)),
            "{file}: {found:?}"
        );
    }
}

/// Raft findings carry a code for what they are about: a garbage
/// snapshot is raft.snapshot, not the generic raft.log.
#[test]
fn garbage_snapshot_has_the_snapshot_code() {
    let tmp = tempfile::tempdir().expect("tmp");
    let node = node_copy(tmp.path());
    let snaps = node.join("raft/stanctl-c3/snapshots");
    let snap = std::fs::read_dir(&snaps)
        .expect("snapshots")
        .next()
        .expect("one")
        .expect("entry")
        .path();
    std::fs::write(snap.join("meta.json"), b"garbage").expect("write");
    let (_, report) = check_json(&node.join("store"));
    let codes: Vec<&str> = report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|f| str_of(&f["message"]).starts_with("snapshot skipped"))
        .map(|f| str_of(&f["code"]))
        .collect();
    assert!(!codes.is_empty(), "{report:#}");
    assert!(codes.iter().all(|c| *c == "raft.snapshot"), "{codes:?}");
}

#[test]
fn bit_flips_in_the_raft_log_never_panic() {
    let tmp = tempfile::tempdir().expect("tmp");
    let node = node_copy(tmp.path());
    let log = node.join("raft/stanctl-c3/raft.log");
    let pristine = std::fs::read(&log).expect("read");
    let mut state = 0x9E37_79B9_7F4A_7C15u64;
    for _ in 0..20 {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        let mut bytes = pristine.clone();
        let at = (state % bytes.len() as u64) as usize;
        bytes[at] ^= 1 << (state % 8);
        std::fs::write(&log, &bytes).expect("write");
        let (code, _) = check_json(&node.join("store"));
        assert!(
            matches!(code, Some(0) | Some(1)),
            "flip at {at}: exit {code:?}"
        );
    }
}

/// A channel name in the Raft log that is not a valid subject (D1's rule:
/// no '/', '\', NUL, '..', wildcards) is refused, naming raft.log, the
/// entry and its byte offset; nothing is created outside a migration's
/// target. The crafted copy renames one channel in place ("shop.orders" ->
/// "../../PWNED", same length: the B+tree and the protobuf stay intact).
#[test]
fn invalid_channel_name_in_the_raft_log_is_refused_with_entry_and_offset() {
    let tmp = tempfile::tempdir().expect("tmp");
    let node = node_copy(tmp.path());
    let log = node.join("raft/stanctl-c3/raft.log");
    let mut bytes = std::fs::read(&log).expect("read raft.log");
    let at = bytes
        .windows(11)
        .position(|w| w == b"shop.orders")
        .expect("a channel name in the log");
    bytes[at..at + 11].copy_from_slice(b"../../PWNED");
    std::fs::write(&log, &bytes).expect("write raft.log");
    let store = node.join("store");
    let out = stanctl()
        .args(["--dir", store.to_str().expect("p"), "subs", "ls"])
        .output()
        .expect("run");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    let said = stderr
        .lines()
        .find(|l| l.contains("\"../../PWNED\" is not a valid subject"))
        .unwrap_or_else(|| panic!("{stderr}"));
    assert!(said.contains("raft.log entry "), "{said}");
    // The offset named is where the entry's key is, before the name.
    let offset: usize = said
        .split(" at offset ")
        .nth(1)
        .and_then(|r| r.split(':').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no offset in {said}"));
    assert!(offset < at && at - offset < 4096, "{offset} vs {at}");
    let target = tmp.path().join("out/new");
    let out = migrate_file_to_file(&store, &target);
    // migrate refuses a source whose clients and subscriptions it cannot
    // read (exit 2, 3f5f905), naming the entry that made them unreadable.
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("raft.log entry ")
            && stderr.contains("\"../../PWNED\" is not a valid subject"),
        "{stderr}"
    );
    assert!(!target.exists(), "{target:?}");
    let found = named_like(tmp.path(), "PWNED");
    assert!(found.is_empty(), "{found:?}");
}

/// Issue 14: the same rule for a Raft snapshot (not a log entry): a
/// `state.bin` naming the channel "../../PWNED" (same length as the
/// "shop.orders" it replaces, CRC in meta.json made to match, so the
/// snapshot is used rather than skipped) makes `migrate` refuse the source
/// naming the snapshot's state.bin, and nothing is created: no target, no
/// PWNED anywhere, the node copy unchanged.
#[test]
fn invalid_channel_name_in_a_raft_snapshot_is_refused_naming_the_snapshot() {
    use base64::Engine;
    let tmp = tempfile::tempdir().expect("tmp");
    let node = node_copy(tmp.path());
    let snaps = node.join("raft/stanctl-c3/snapshots");
    let snap = std::fs::read_dir(&snaps)
        .expect("snapshots")
        .next()
        .expect("a snapshot")
        .expect("entry")
        .path();
    let state = snap.join("state.bin");
    let mut bytes = std::fs::read(&state).expect("read state.bin");
    let at = bytes
        .windows(11)
        .position(|w| w == b"shop.orders")
        .expect("a channel name in the snapshot");
    bytes[at..at + 11].copy_from_slice(b"../../PWNED");
    std::fs::write(&state, &bytes).expect("write state.bin");
    let meta_path = snap.join("meta.json");
    let mut meta: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&meta_path).expect("meta")).expect("json");
    let crc = stanctl::raft::snapshot::crc64_ecma(&bytes).to_be_bytes();
    meta["CRC"] = base64::engine::general_purpose::STANDARD.encode(crc).into();
    std::fs::write(&meta_path, serde_json::to_vec(&meta).expect("json")).expect("write meta");
    // The log itself names only valid channels: the snapshot is the culprit.
    let log = std::fs::read(node.join("raft/stanctl-c3/raft.log")).expect("raft.log");
    assert!(!log.windows(5).any(|w| w == b"PWNED"));
    let before = hash_tree(&node);

    let store = node.join("store");
    let target = tmp.path().join("out/new");
    let out = migrate_file_to_file(&store, &target);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    let said = stderr
        .lines()
        .find(|l| l.contains("\"../../PWNED\" is not a valid subject"))
        .unwrap_or_else(|| panic!("{stderr}"));
    assert!(
        said.contains(&state.display().to_string()),
        "names {}: {said}",
        state.display()
    );
    assert!(!said.contains("raft.log entry"), "{said}");
    assert!(!target.exists(), "{target:?}");
    assert!(
        !tmp.path().join("out").exists()
            || std::fs::read_dir(tmp.path().join("out"))
                .expect("out")
                .next()
                .is_none(),
        "something written beside the target"
    );
    let found = named_like(tmp.path(), "PWNED");
    assert!(found.is_empty(), "{found:?}");
    assert_eq!(hash_tree(&node), before, "the source node changed");
}

/// `stanctl --dir STORE migrate file-to-file --to-dir TARGET`.
fn migrate_file_to_file(store: &Path, target: &Path) -> std::process::Output {
    stanctl()
        .arg("--dir")
        .arg(store)
        .args(["migrate", "file-to-file", "--to-dir"])
        .arg(target)
        .output()
        .expect("run")
}

/// Every path under `root` whose file name contains `needle`.
fn named_like(root: &Path, needle: &str) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let mut dirs = vec![root.to_path_buf()];
    while let Some(d) = dirs.pop() {
        for e in std::fs::read_dir(&d).expect("dir") {
            let p = e.expect("entry").path();
            if p.file_name()
                .is_some_and(|n| n.to_string_lossy().contains(needle))
            {
                found.push(p.clone());
            }
            if p.is_dir() {
                dirs.push(p);
            }
        }
    }
    found
}
