//! `dump --follow` on a live file store: a test writer appends records in
//! the server's format (FORMAT.md 1.1, 2.1: `{u32 size, u32 crc}` then a
//! MsgProto) to a copy of a fixture while stanctl follows, tears one record
//! across two writes, and rolls over to a new slice; stanctl prints the
//! fixture's last 10 messages (MANIFEST.json), then exactly what was
//! appended, and ends cleanly on SIGTERM.

use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use prost::Message as _;
use serde_json::Value;
use stanctl::crc::{Crc32, IEEE};
use stanctl::proto::MsgProto;

use crate::common::*;

/// One record of a msgs.N.dat as the server writes it.
fn record(seq: u64, timestamp: i64, data: &[u8]) -> Vec<u8> {
    let payload = MsgProto {
        sequence: seq,
        subject: b"orders.eu".to_vec(),
        data: data.to_vec().into(),
        timestamp,
        ..MsgProto::default()
    }
    .encode_to_vec();
    let mut out = Vec::new();
    out.extend_from_slice(&(payload.len() as u32).to_le_bytes());
    out.extend_from_slice(&Crc32::new(IEEE).checksum(&payload).to_le_bytes());
    out.extend_from_slice(&payload);
    out
}

fn append(path: &std::path::Path, bytes: &[u8]) {
    let mut f = std::fs::OpenOptions::new()
        .append(true)
        .create(true)
        .open(path)
        .expect("open for append");
    f.write_all(bytes).expect("append");
    f.sync_all().expect("sync");
}

#[test]
fn follow_prints_what_the_writer_appends() {
    let tmp = tempfile::tempdir().expect("tmp");
    let root = tmp.path().join("store");
    copy_tree(&fixture("file-basic-v0.23").join("store"), &root);
    let mut child = Command::new(env!("CARGO_BIN_EXE_stanctl"))
        .args(["--dir", root.to_str().unwrap()])
        .args([
            "dump",
            "--channel",
            "orders.eu",
            "--follow",
            "--format",
            "ndjson",
        ])
        // Only a guard against a hung test: SIGTERM ends it below.
        .args(["--follow-timeout", "60s"])
        .env_remove("NATS_STREAMING_ENCRYPTION_KEY")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn stanctl");
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = mpsc::channel::<Value>();
    let reader = std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            let line = line.expect("line");
            let v: Value = serde_json::from_str(&line).expect("JSON line");
            if tx.send(v).is_err() {
                break;
            }
        }
    });
    let next = || rx.recv_timeout(Duration::from_secs(60)).expect("a line");

    // The tail of the channel as the manifest has it.
    let first: Vec<Value> = (0..10).map(|_| next()).collect();
    assert_eq!(
        dumped_messages(&first),
        manifest_dump("file-basic-v0.23", &["orders.eu"], false)[25..].to_vec()
    );

    let dir = root.join("orders.eu");
    let base = first[9]["timestamp"].as_i64().unwrap();
    let payload = |seq: u64| format!("appended|{seq}|{}", "x".repeat(seq as usize)).into_bytes();
    let mut appended = Vec::new();
    for seq in 36..=40u64 {
        let bytes = record(seq, base + seq as i64, &payload(seq));
        if seq == 38 {
            // A record torn at the live tail: stanctl waits for the rest.
            let (head, tail) = bytes.split_at(bytes.len() / 2);
            append(&dir.join("msgs.1.dat"), head);
            std::thread::sleep(Duration::from_millis(400));
            append(&dir.join("msgs.1.dat"), tail);
        } else {
            append(&dir.join("msgs.1.dat"), &bytes);
        }
        appended.push(seq);
    }
    // Roll over: a new slice with its version header, then records.
    append(&dir.join("msgs.2.dat"), &1u32.to_le_bytes());
    for seq in 41..=45u64 {
        append(
            &dir.join("msgs.2.dat"),
            &record(seq, base + seq as i64, &payload(seq)),
        );
        appended.push(seq);
    }
    let followed: Vec<Value> = appended.iter().map(|_| next()).collect();
    let want: Vec<DumpedMessage> = appended
        .iter()
        .map(|&seq| {
            (
                "orders.eu".to_string(),
                seq,
                base + seq as i64,
                sha256_hex(&payload(seq)),
            )
        })
        .collect();
    assert_eq!(dumped_messages(&followed), want);

    // SIGTERM ends it cleanly: exit 0, nothing more printed.
    let pid = child.id() as i32;
    assert_eq!(unsafe { libc::kill(pid, libc::SIGTERM) }, 0);
    let out = child.wait_with_output().expect("wait");
    reader.join().unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(rx.try_recv().is_err(), "printed more than was appended");
}

/// `--follow-timeout` ends a follow with nothing new; a SQL store or
/// several channels are refused.
#[test]
fn follow_timeout_and_refusals() {
    let dir = store_dir("file-basic-v0.23");
    let out = stanctl()
        .args(["--dir", &dir, "dump", "--channel", "payments", "--follow"])
        .args([
            "--follow-timeout",
            "300ms",
            "--last",
            "2",
            "--format",
            "ndjson",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let lines: Vec<Value> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(
        dumped_messages(&lines),
        manifest_dump("file-basic-v0.23", &["payments"], false)[22..].to_vec()
    );
    let out = stanctl()
        .args(["--dir", &dir, "dump", "--channel", "orders.*", "--follow"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--follow takes one channel"));
}
