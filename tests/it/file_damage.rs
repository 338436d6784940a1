//! Damaged and crashed stores: stanctl reads them the way the real server
//! did (each MANIFEST.json's `damage` section), warns, and exits 1 where
//! the server refused the store — never a panic.

use crate::common::*;

fn store(name: &str) -> String {
    fixture(name).join("store").display().to_string()
}

fn real_server_seqs(name: &str, run: usize) -> Vec<u64> {
    let m = manifest(name);
    m["damage"]["real_server_behaviour"][run]["reader_received_seqs"]
        .as_array()
        .expect("reader_received_seqs")
        .iter()
        .map(u64_of)
        .collect()
}

fn dump_seqs(out: &[u8]) -> Vec<u64> {
    String::from_utf8_lossy(out)
        .lines()
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).expect("json line");
            u64_of(&v["seq"])
        })
        .collect()
}

#[test]
fn truncated_tail_reads_what_truncation_would_keep() {
    let name = "damaged-truncated-tail-v0.23";
    let m = manifest(name);
    let dir = store(name);
    // The server refused to start (exit 1); with -file_truncate_bad_eof it
    // kept seqs 1..34. stanctl shows those, names the file and the offset
    // the server named ("truncate this file to this offset: 2741"), exit 1.
    let runs = m["damage"]["real_server_behaviour"]
        .as_array()
        .expect("runs");
    assert_eq!(runs[0]["exit"], 1);
    let kept = real_server_seqs(name, 1);
    let out = stanctl()
        .args([
            "--dir",
            &dir,
            "dump",
            "--channel",
            "orders.eu",
            "--format",
            "ndjson",
        ])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(dump_seqs(&out.stdout), kept);
    let stderr = String::from_utf8_lossy(&out.stderr);
    let offset = runs[0]["log_warnings_errors"]
        .as_array()
        .expect("log")
        .iter()
        .filter_map(|l| l.as_str()?.split("to this offset: ").nth(1))
        .next()
        .expect("offset in server log")
        .trim_end_matches('.')
        .to_string();
    assert!(stderr.contains("orders.eu/msgs.1.dat"), "{stderr}");
    assert!(stderr.contains(&format!("offset {offset}")), "{stderr}");
    assert!(stderr.contains("ok_up_to"), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");

    let ch = json_with_code(
        &[
            "--dir",
            &dir,
            "channels",
            "show",
            "orders.eu",
            "--format",
            "json",
        ],
        1,
    );
    let after = &runs[1]["channel_after_recovery"];
    assert_eq!(ch["first_seq"], after["first_seq"]);
    assert_eq!(ch["last_seq"], after["last_seq"]);
    assert_eq!(ch["msgs"], after["msgs"]);
}

#[test]
fn crc_flip_is_reported_for_its_message_only() {
    let name = "damaged-crc-flip-v0.23";
    let m = manifest(name);
    let details = &m["damage"]["details"];
    let seq = u64_of(&details["message_seq"]);
    let dir = store(name);
    // The server recovered 35 messages (it trusts the index) and failed
    // when it read seq 12.
    let after = &m["damage"]["real_server_behaviour"][0]["channel_after_recovery"];
    let ch = json(&[
        "--dir",
        &dir,
        "channels",
        "show",
        "orders.eu",
        "--format",
        "json",
    ]);
    assert_eq!(ch["msgs"], after["msgs"]);
    assert_eq!(ch["last_seq"], after["last_seq"]);

    let out = stanctl()
        .args([
            "--dir",
            &dir,
            "dump",
            "--channel",
            "orders.eu",
            "--format",
            "ndjson",
        ])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(1));
    let got = dump_seqs(&out.stdout);
    let all: Vec<u64> = (1..=u64_of(&after["last_seq"])).collect();
    let without: Vec<u64> = all.iter().copied().filter(|s| *s != seq).collect();
    assert_eq!(got, without, "every message but the damaged one");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains(&format!("seq {seq}")), "{stderr}");
    assert!(
        stderr.contains("expected crc to be 0x72c22422, got 0xff4ad9c0"),
        "{stderr}"
    );
    assert!(stderr.contains("msgs.1.dat"), "{stderr}");

    // With --file-crc=false, as the server with -file_crc=false, all 35.
    let out = stanctl()
        .args([
            "--dir",
            &dir,
            "--file_crc=false",
            "dump",
            "--channel",
            "orders.eu",
            "--format",
            "ndjson",
        ])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(dump_seqs(&out.stdout), real_server_seqs(name, 1));
}

#[test]
fn missing_index_is_rebuilt_in_memory_with_a_warning() {
    let name = "damaged-idx-deleted-v0.23";
    let dir = store(name);
    let out = stanctl()
        .args([
            "--dir",
            &dir,
            "dump",
            "--channel",
            "orders.eu",
            "--format",
            "ndjson",
        ])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(0), "the server started fine");
    assert_eq!(dump_seqs(&out.stdout), real_server_seqs(name, 0));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("msgs.1.idx") && stderr.contains("index file missing"),
        "{stderr}"
    );
    assert!(
        !fixture(name).join("store/orders.eu/msgs.1.idx").exists(),
        "no index written"
    );
}

#[test]
fn torn_kill9_tail_is_ignored_like_the_server() {
    // The .idx does not reference the partial 2.5 MB record: the server
    // trusted the index and ignored it (quirk Q3); so do we.
    let name = "file-torn-tail-kill9-v0.23";
    let m = manifest(name);
    let dir = store(name);
    let ch = json(&[
        "--dir",
        &dir,
        "channels",
        "show",
        "ingest.big",
        "--format",
        "json",
    ]);
    let want = m["real_server_recovery_check"]["channels"]
        .as_array()
        .expect("channels")
        .iter()
        .find(|c| c["name"] == "ingest.big")
        .expect("ingest.big")
        .clone();
    assert_eq!(ch["last_seq"], want["last_seq"]);
    assert_eq!(ch["msgs"], want["msgs"]);
}

#[test]
fn wrong_crc_polynomial_is_a_clear_error_not_a_panic() {
    let dir = store("file-basic-v0.23");
    let out = stanctl()
        .args([
            "--dir",
            &dir,
            "--file-crc-poly",
            "0x82F63B78",
            "channels",
            "ls",
            "--format",
            "json",
        ])
        .output()
        .expect("run");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_ne!(out.status.code(), Some(0), "{stderr}");
    assert!(
        stderr.contains("server.dat") && stderr.contains("crc"),
        "{stderr}"
    );
    // The fixture was written with IEEE: the CLI names the option that fits.
    assert!(stderr.contains("--file-crc-poly 0xEDB88320"), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
}

/// `check` with the wrong polynomial: the finding states the need as a
/// value (JSON `needs`) and names no option; the text printer adds it.
#[test]
fn check_with_wrong_crc_polynomial_needs_the_fitting_one() {
    let dir = store("file-basic-v0.23");
    let run = |extra: &[&str]| {
        stanctl()
            .args(["--dir", &dir, "--file-crc-poly", "0x82F63B78", "check"])
            .args(extra)
            .output()
            .expect("run")
    };
    let out = run(&["--format", "json"]);
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json report");
    let finding = report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .find(|f| f["code"] == "crc.polynomial")
        .expect("a crc.polynomial finding")
        .clone();
    assert_eq!(
        finding["needs"],
        serde_json::json!({ "crc_polynomial": stanctl::crc::IEEE })
    );
    for field in ["message", "server_behaviour"] {
        let text = finding[field].as_str().unwrap_or_default();
        assert!(!text.contains("--"), "{field}: {text}");
    }
    let out = run(&[]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("use --file-crc-poly 0xEDB88320 here"),
        "{stdout}"
    );
}

/// The library says which polynomial fits as a value, naming no option.
#[test]
fn wrong_crc_polynomial_is_a_typed_error_with_the_fitting_one() {
    use stanctl::filestore::{FileStore, FileStoreOptions};
    let opts = FileStoreOptions {
        crc_poly: 0x82F6_3B78,
        ..Default::default()
    };
    let dir = fixture("file-basic-v0.23").join("store");
    let Err(e) = FileStore::open(&dir, opts) else {
        panic!("opened with the wrong polynomial");
    };
    let text = e.to_string();
    match e {
        stanctl::StoreError::CrcPolynomial {
            suggested, offset, ..
        } => {
            assert_eq!(suggested, stanctl::crc::IEEE);
            assert_eq!(offset, 4);
        }
        other => panic!("{other:?}"),
    }
    assert!(
        text.contains("server.dat") && !text.contains("--"),
        "{text}"
    );
}

/// A message whose CRC does not match is a typed error naming the record
/// (export recognises it by its variant, not its text), with the
/// MANIFEST's sequence and the text the server prints.
#[test]
fn crc_flip_is_a_typed_bad_record_error() {
    use stanctl::filestore::problem::RecordProblem;
    use stanctl::filestore::walk::CrcMismatch;
    use stanctl::filestore::{FileStore, FileStoreOptions};
    use stanctl::model::MessageRange;
    let name = "damaged-crc-flip-v0.23";
    let seq = u64_of(&manifest(name)["damage"]["details"]["message_seq"]);
    let mut store =
        FileStore::open(&fixture(name).join("store"), FileStoreOptions::default()).expect("open");
    let mut errors = Vec::new();
    stanctl::StoreReader::walk(
        &mut store,
        "orders.eu",
        MessageRange::default(),
        stanctl::store::Visit::Messages(&mut |m| {
            if let Err(e) = m {
                errors.push(e);
            }
            Ok(())
        }),
    )
    .expect("walk");
    assert_eq!(errors.len(), 1, "{errors:?}");
    let text = errors[0].to_string();
    match &errors[0] {
        stanctl::StoreError::BadRecord {
            seq: got,
            problem:
                RecordProblem::Crc(CrcMismatch {
                    stored,
                    computed: actual,
                }),
            path,
            ..
        } => {
            assert_eq!(*got, seq);
            assert_eq!((*stored, *actual), (0x72c2_2422, 0xff4a_d9c0));
            assert!(path.ends_with("orders.eu/msgs.1.dat"), "{path:?}");
        }
        other => panic!("{other:?}"),
    }
    assert!(
        text.contains(&format!(
            "seq {seq}: corrupted data, expected crc to be 0x72c22422, got 0xff4ad9c0"
        )),
        "{text}"
    );
}

/// A directory one level above the store: the library says where the
/// store is, the CLI adds the option.
#[test]
fn not_a_store_names_the_store_nearby() {
    use stanctl::error::NearbyStore;
    use stanctl::filestore::FileStore;
    let above = fixture("file-basic-v0.23");
    let Err(e) = FileStore::open(&above, Default::default()) else {
        panic!("opened a directory without server.dat");
    };
    let text = e.to_string();
    match e {
        stanctl::StoreError::NotAStore {
            nearby: Some(NearbyStore::Below(dir)),
            ..
        } => assert_eq!(dir, above.join("store")),
        other => panic!("{other:?}"),
    }
    assert!(!text.contains("--"), "{text}");
}

#[test]
fn not_a_store_is_a_usage_error() {
    let tmp = tempfile::tempdir().expect("tmp");
    let out = stanctl()
        .args([
            "--dir",
            tmp.path().to_str().expect("path"),
            "channels",
            "ls",
        ])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no server.dat"));
}

/// `dump --format raw` takes a faster path (payloads found in place); it
/// must give the same bytes and the same damage handling.
#[test]
fn raw_dump_skips_only_the_damaged_message() {
    let name = "damaged-crc-flip-v0.23";
    let truth = truth(name);
    let seq_bad = u64_of(&manifest(name)["damage"]["details"]["message_seq"]);
    let channel = truth["channels"]
        .as_array()
        .expect("channels")
        .iter()
        .find(|c| c["name"] == "orders.eu")
        .expect("orders.eu");
    let want: Vec<u8> = channel["messages"]
        .as_array()
        .expect("messages")
        .iter()
        .filter(|m| u64_of(&m["seq"]) != seq_bad)
        .map(|m| payload_bytes(m).expect("orders.eu payloads are small"))
        .collect::<Vec<_>>()
        .concat();
    let out = stanctl()
        .args([
            "--dir",
            &store(name),
            "dump",
            "--channel",
            "orders.eu",
            "--format",
            "raw",
        ])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        out.stdout, want,
        "every payload but seq {seq_bad}, in order"
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(&format!("seq {seq_bad}")) && stderr.contains("crc"),
        "{stderr}"
    );
}

/// An index record with a bad CRC inside the index (not its last one): the
/// server reads every index record at start-up, rejects the index on that
/// CRC error and rebuilds it from the data file (`recoverOneMsgFile`), so
/// every message is served. The reader does the same, with a warning; it
/// used to trust the index from its first and last records and then fail
/// on that record.
#[test]
fn bad_crc_inside_the_index_rebuilds_it_from_the_data_file() {
    let tmp = tempfile::tempdir().expect("tmp");
    let dir = tmp.path().join("store");
    copy_tree(&fixture("file-basic-v0.23").join("store"), &dir);
    let idx = dir.join("orders.eu/msgs.1.idx");
    let mut bytes = std::fs::read(&idx).expect("index");
    // The 10th record's timestamp: its CRC no longer matches.
    bytes[4 + 9 * 32 + 16] ^= 0x01;
    std::fs::write(&idx, &bytes).expect("write");
    let m = manifest("file-basic-v0.23");
    let channel = m["channels"]
        .as_array()
        .expect("channels")
        .iter()
        .find(|c| c["name"] == "orders.eu")
        .expect("orders.eu");
    let published: Vec<u64> = channel["messages"]
        .as_array()
        .expect("messages")
        .iter()
        .map(|msg| u64_of(&msg["seq"]))
        .collect();
    let d = dir.display().to_string();
    let out = stanctl()
        .args([
            "--dir",
            &d,
            "dump",
            "--channel",
            "orders.eu",
            "--format",
            "ndjson",
        ])
        .output()
        .expect("run");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert_eq!(dump_seqs(&out.stdout), published);
    assert!(
        stderr.contains("msgs.1.idx at offset 292") && stderr.contains("index record CRC mismatch"),
        "{stderr}"
    );
    assert_eq!(
        std::fs::read(&idx).expect("index"),
        bytes,
        "source untouched"
    );
}
