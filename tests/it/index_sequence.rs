//! Issue 14 D5: an index record whose CRC is valid but whose sequence is
//! wrong (u64::MAX, 0, a duplicate of the previous one). The real server
//! (v0.23.2 `recoverOneMsgFile`) trusts the index at start-up, checking
//! only its last entry against the data file; `readMsgIndex` then finds
//! another sequence at seq 11's position, backtracks, and reports seq 11
//! missing although `msgs.1.dat` holds it. stanctl must not serve that
//! silently: every reader fails naming the index file and the record's
//! offset, and migrate names the source, not its temporary target.

use std::path::{Path, PathBuf};

use crate::common::*;
use stanctl::crc::Crc32;

const CHANNEL: &str = "orders.eu";
/// Entry #11 (seq 11) of orders.eu's index: 4-byte header + 10 records.
const ENTRY_11: u64 = 4 + 10 * 32;

/// A copy of file-basic-v0.23 whose orders.eu entry #11 says `seq`
/// (or, with `None`, repeats entry #10), with a valid CRC.
fn store_with_entry_11(seq: Option<u64>) -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("store");
    copy_tree(&fixture("file-basic-v0.23").join("store"), &dir);
    let idx = dir.join(CHANNEL).join("msgs.1.idx");
    let mut bytes = std::fs::read(&idx).unwrap();
    let at = ENTRY_11 as usize;
    let mut entry = [0u8; 32];
    match seq {
        Some(seq) => {
            entry.copy_from_slice(&bytes[at..at + 32]);
            entry[0..8].copy_from_slice(&seq.to_le_bytes());
            let crc = Crc32::default().checksum(&entry[0..28]);
            entry[28..32].copy_from_slice(&crc.to_le_bytes());
        }
        None => entry.copy_from_slice(&bytes[at - 32..at]),
    }
    bytes[at..at + 32].copy_from_slice(&entry);
    std::fs::write(&idx, bytes).unwrap();
    (tmp, dir)
}

fn assert_names_entry_11(stderr: &str, store: &Path) {
    let idx = format!("{CHANNEL}/msgs.1.idx");
    assert!(stderr.contains(&idx), "{stderr}");
    assert!(stderr.contains(&format!("offset {ENTRY_11}")), "{stderr}");
    assert!(stderr.contains("index record has sequence"), "{stderr}");
    assert!(!stderr.contains("stanctl-partial"), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(stderr.contains(&store.display().to_string()), "{stderr}");
}

#[test]
fn wrong_sequences_in_a_crc_valid_index_fail_dump_and_migrate_naming_the_record() {
    for seq in [Some(u64::MAX), Some(0), None] {
        let (tmp, dir) = store_with_entry_11(seq);
        let before = hash_tree(&dir);
        let store = dir.display().to_string();
        let dump = stanctl()
            .args(["--dir", &store, "dump", "--channel", CHANNEL])
            .args(["--format", "ndjson"])
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&dump.stderr);
        assert_ne!(dump.status.code(), Some(0), "{seq:?}: {stderr}");
        assert_names_entry_11(&stderr, &dir);
        // What the server serves: every message but the hidden seq 11,
        // which is reported, never dropped silently.
        let seqs: Vec<u64> = String::from_utf8_lossy(&dump.stdout)
            .lines()
            .map(|l| u64_of(&serde_json::from_str::<serde_json::Value>(l).unwrap()["seq"]))
            .collect();
        let served: Vec<u64> = (1..=35).filter(|&s| s != 11).collect();
        assert_eq!(seqs, served, "{seq:?}");

        // Commands that read only the index (as the server's start-up
        // does) count what it claims, and say it is out of order.
        for args in [
            &["channels", "show", CHANNEL][..],
            &["channels", "ls"],
            &["info"],
        ] {
            let out = stanctl()
                .args(["--dir", &store])
                .args(args)
                .output()
                .unwrap();
            let stderr = String::from_utf8_lossy(&out.stderr);
            assert_eq!(out.status.code(), Some(1), "{seq:?} {args:?}: {stderr}");
            assert!(
                stderr.contains(&format!("{CHANNEL}/msgs.1.idx")),
                "{stderr}"
            );
            assert!(stderr.contains("sequences must ascend"), "{stderr}");
        }

        let target = tmp.path().join("migrated");
        let db = tmp.path().join("migrated.db");
        for (command, option, to) in [
            ("file-to-file", "--to-dir", &target),
            ("file-to-sql", "--to-sql-source", &db),
        ] {
            let out = stanctl()
                .args(["--dir", &store, "migrate", command, option])
                .arg(to)
                .output()
                .unwrap();
            let stderr = String::from_utf8_lossy(&out.stderr);
            assert_ne!(out.status.code(), Some(0), "{seq:?} {command}: {stderr}");
            assert_names_entry_11(&stderr, &dir);
        }
        assert!(!target.join(CHANNEL).exists(), "{seq:?}: a partial store");
        assert_eq!(hash_tree(&dir), before, "{seq:?}: source changed");
    }
}

/// check names each trusted index record whose sequence does not ascend,
/// at its own offset, with the sequence it follows (the rule the walk
/// applies for the reader too), and nothing else as out of order.
#[test]
fn check_names_each_record_out_of_order() {
    let idx = format!("{CHANNEL}/msgs.1.idx");
    for (seq, at, message) in [
        // u64::MAX is in order after seq 10; seq 12 after it is not.
        (
            Some(u64::MAX),
            ENTRY_11 + 32,
            "sequence 12 after 18446744073709551615",
        ),
        (Some(0), ENTRY_11, "sequence 0 after 10"),
        (None, ENTRY_11, "sequence 10 after 10"),
    ] {
        let (_tmp, dir) = store_with_entry_11(seq);
        let report = json_with_code(
            &[
                "--dir",
                &dir.display().to_string(),
                "check",
                "--format",
                "json",
            ],
            1,
        );
        let order = findings(&report, "index.order");
        assert_eq!(order.len(), 1, "{seq:?}: {order:?}");
        assert_eq!(order[0]["file"], idx.as_str(), "{seq:?}");
        assert_eq!(u64_of(&order[0]["offset"]), at, "{seq:?}");
        assert_eq!(order[0]["message"], message, "{seq:?}");
        assert_eq!(order[0]["severity"], "error", "{seq:?}");
    }
}

#[test]
fn an_untouched_index_still_reads_every_message() {
    // Control for the test above: the same copy without the edit.
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("store");
    copy_tree(&fixture("file-basic-v0.23").join("store"), &dir);
    let out = stanctl()
        .args(["--dir", &dir.display().to_string(), "dump"])
        .args(["--channel", CHANNEL, "--format", "ndjson"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let m = manifest("file-basic-v0.23");
    let channel = m["channels"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == CHANNEL)
        .unwrap();
    let printed = String::from_utf8_lossy(&out.stdout).lines().count() as u64;
    assert_eq!(printed, u64_of(&channel["msg_count"]));
}

/// salvage rebuilds from the data file: a wrong index entry is not a lost
/// message. It keeps all 35 messages of orders.eu (as published, per the
/// fixture's MANIFEST.json), reports no dropped sequence (it used to say
/// `dropped_seqs [[18446744073709551615, ...]]`), and a note names the
/// index, the entry's claim and the sequence the record really holds.
#[test]
fn salvage_keeps_every_message_and_names_the_wrong_index_entry() {
    let m = manifest("file-basic-v0.23");
    let channel = m["channels"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == CHANNEL)
        .unwrap();
    let published: Vec<(u64, String)> = channel["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| (u64_of(&x["seq"]), str_of(&x["payload_sha256"]).to_string()))
        .collect();
    for seq in [Some(u64::MAX), Some(0), None] {
        let (tmp, dir) = store_with_entry_11(seq);
        let target = tmp.path().join("salvaged");
        let out = stanctl()
            .args(["--dir", &dir.display().to_string(), "salvage", "--to-dir"])
            .arg(&target)
            .args(["--format", "json"])
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(0), "{seq:?}: {stderr}");
        let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        let ch = report["channels"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["name"] == CHANNEL)
            .unwrap();
        assert_eq!(ch["kept"], serde_json::json!([[1, 35]]), "{seq:?}");
        assert_eq!(ch["dropped_seqs"], serde_json::json!([]), "{seq:?}");
        let notes = report["notes"].to_string();
        if let Some(claimed) = seq {
            assert!(
                notes.contains(&format!(
                    "{CHANNEL}/msgs.1.idx: an index entry says seq {claimed}"
                )) && notes.contains("which holds seq 11"),
                "{seq:?}: {notes}"
            );
        }
        let dump = stanctl()
            .args([
                "--dir",
                &target.display().to_string(),
                "dump",
                "--channel",
                CHANNEL,
            ])
            .args(["--format", "ndjson", "--payload", "base64"])
            .output()
            .unwrap();
        assert_eq!(dump.status.code(), Some(0), "{seq:?}");
        let objects: Vec<serde_json::Value> = String::from_utf8_lossy(&dump.stdout)
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        let got: Vec<(u64, String)> = dumped_messages(&objects)
            .into_iter()
            .map(|(_, seq, _, sha)| (seq, sha))
            .collect();
        assert_eq!(got, published, "{seq:?}");
    }
}
