//! Slices larger than the read-ahead threshold (4 MiB), where a worker
//! thread reads the data file ahead and computes CRCs. The fixtures are all
//! smaller, so these stores are generated; what stanctl reports is compared
//! with the data file's bytes parsed here, and with damage placed here.

use std::fs;
use std::path::{Path, PathBuf};

use crate::common::*;
use prost::Message as _;
use serde_json::Value;
use stanctl::generate::{generate_store, GenOptions};
use stanctl::proto::MsgProto;

const CHANNEL: &str = "gen.channel.0";

/// One channel in one 12 MB slice, payloads of 300 random bytes.
fn store(dir: &Path) -> PathBuf {
    let root = dir.join("store");
    generate_store(
        &root,
        &GenOptions {
            channels: 1,
            msgs: 40_000,
            size: 300,
            subs: 1,
            slice_max_bytes: 1 << 30,
            ..GenOptions::default()
        },
    )
    .expect("generate");
    root
}

/// A record of the data file as read here: offset, whole record length,
/// and the decoded message.
struct Record {
    offset: u64,
    len: u64,
    msg: MsgProto,
}

fn records(dat: &Path) -> Vec<Record> {
    let bytes = fs::read(dat).expect("read data file");
    let mut at = 4usize;
    let mut out = Vec::new();
    while at + 8 <= bytes.len() {
        let size = u32::from_le_bytes(bytes[at..at + 4].try_into().unwrap()) as usize;
        let payload = &bytes[at + 8..at + 8 + size];
        out.push(Record {
            offset: at as u64,
            len: 8 + size as u64,
            msg: MsgProto::decode(payload).expect("message"),
        });
        at += 8 + size;
    }
    assert_eq!(at, bytes.len(), "the data file ends on a record");
    out
}

fn data_file(root: &Path) -> PathBuf {
    root.join(CHANNEL).join("msgs.1.dat")
}

fn check(root: &Path, deep: bool, code: i32) -> Value {
    let dir = root.display().to_string();
    let mut args = vec!["--dir", &dir, "check", "--format", "json"];
    if deep {
        args.push("--deep");
    }
    json_with_code(&args, code)
}

fn dump(root: &Path, format: &str) -> std::process::Output {
    stanctl()
        .args([
            "--dir",
            root.to_str().unwrap(),
            "dump",
            "--channel",
            CHANNEL,
        ])
        .args(["--format", format])
        .output()
        .expect("run")
}

#[test]
fn raw_dump_of_a_large_slice_is_every_payload_in_order() {
    let tmp = tempfile::tempdir().unwrap();
    let root = store(tmp.path());
    let dat = data_file(&root);
    assert!(fs::metadata(&dat).unwrap().len() > 8 << 20, "large enough");
    let expected: Vec<u8> = records(&dat)
        .iter()
        .flat_map(|r| r.msg.data.to_vec())
        .collect();
    let out = dump(&root, "raw");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        out.stdout == expected,
        "raw dump differs from the data file"
    );
    let report = check(&root, true, 0);
    assert_eq!(report["stats"]["messages_decoded"], 40_000, "{report:#}");
}

#[test]
fn a_flipped_byte_deep_in_a_large_slice_is_found_where_it_is() {
    let tmp = tempfile::tempdir().unwrap();
    let root = store(tmp.path());
    let dat = data_file(&root);
    let all = records(&dat);
    // A payload byte well past the first chunks the worker reads.
    let victim = &all[all.len() * 3 / 5];
    let flipped = victim.offset + victim.len - 10;
    let mut bytes = fs::read(&dat).unwrap();
    bytes[flipped as usize] ^= 0x20;
    fs::write(&dat, bytes).unwrap();

    // The default check reads only the last record, as the server does.
    assert!(findings(&check(&root, false, 0), "record.crc").is_empty());
    let report = check(&root, true, 1);
    let crc = findings(&report, "record.crc");
    assert_eq!(crc.len(), 1, "{report:#}");
    assert_eq!(crc[0]["offset"], victim.offset);
    assert_eq!(crc[0]["seq"], victim.msg.sequence);

    // dump delivers everything before it, then fails on it.
    let out = dump(&root, "ndjson");
    assert_eq!(out.status.code(), Some(1));
    let seqs: Vec<u64> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| u64_of(&serde_json::from_str::<Value>(l).unwrap()["seq"]))
        .collect();
    let before: Vec<u64> = all
        .iter()
        .take_while(|r| r.offset < victim.offset)
        .map(|r| r.msg.sequence)
        .collect();
    assert_eq!(seqs[..before.len()], before[..]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("corrupted data"), "{stderr}");
    assert!(stderr.contains(&victim.offset.to_string()), "{stderr}");
}

#[test]
fn zeros_in_the_middle_of_a_large_slice_are_reported_at_their_offset() {
    let tmp = tempfile::tempdir().unwrap();
    let root = store(tmp.path());
    let dat = data_file(&root);
    let all = records(&dat);
    let first = &all[all.len() / 2];
    let last = &all[all.len() / 2 + 3];
    let mut bytes = fs::read(&dat).unwrap();
    bytes[first.offset as usize..(last.offset + last.len) as usize].fill(0);
    fs::write(&dat, bytes).unwrap();
    let report = check(&root, true, 1);
    let zeros = findings(&report, "record.zero_padding");
    assert_eq!(zeros.len(), 1, "{report:#}");
    assert_eq!(zeros[0]["offset"], first.offset);
    assert_eq!(zeros[0]["length"], last.offset + last.len - first.offset);
    // The records after the zeros are still read (resynchronised on the
    // index) and verified: no CRC finding.
    assert!(findings(&report, "record.crc").is_empty(), "{report:#}");
}
