//! `export parquet`: every fixture exported and read back through DuckDB
//! (the PyPI package, installed by scripts/test-duckdb.sh), compared with
//! the fixture's MANIFEST.json, never with stanctl's own reading.
//!
//! Run: scripts/test-duckdb.sh cargo test --test it parquet:: (add
//! scripts/test-databases.sh in front for the SQL fixtures).

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

use serde_json::Value;

use crate::common::expect::{
    check_client_rows, check_subscription_rows, expected_messages, fixture_file_store,
};
use crate::common::{fixture, hash_tree, manifest, stanctl, str_of, truth, u64_of};

/// Runs a query with DuckDB and prints the rows as JSON objects; BLOBs
/// become their length and SHA-256.
const DUCKDB_QUERY: &str = r#"
import duckdb, hashlib, json, sys
con = duckdb.connect()
cur = con.execute(sys.argv[1])
cols = [d[0] for d in cur.description]
def conv(v):
    if isinstance(v, (bytes, bytearray, memoryview)):
        b = bytes(v)
        return {"len": len(b), "sha256": hashlib.sha256(b).hexdigest()}
    if isinstance(v, list):
        return [conv(x) for x in v]
    if v is None or isinstance(v, (bool, int, float, str)):
        return v
    return str(v)
print(json.dumps([dict(zip(cols, map(conv, r))) for r in cur.fetchall()]))
"#;

/// The Python with DuckDB, or `None` (with a note) outside
/// scripts/test-duckdb.sh; under CI a missing DuckDB is a failure.
fn duckdb_python() -> Option<String> {
    match std::env::var("STANCTL_TEST_DUCKDB_PYTHON") {
        Ok(v) if !v.is_empty() => Some(v),
        _ if std::env::var_os("CI").is_some() => {
            panic!("STANCTL_TEST_DUCKDB_PYTHON is not set: run through scripts/test-duckdb.sh")
        }
        _ => {
            eprintln!("note: STANCTL_TEST_DUCKDB_PYTHON not set; skipping (run via scripts/test-duckdb.sh)");
            None
        }
    }
}

fn duckdb(python: &str, sql: &str) -> Vec<Value> {
    let out = Command::new(python)
        .args(["-c", DUCKDB_QUERY, sql])
        .output()
        .expect("run python");
    assert!(
        out.status.success(),
        "duckdb {sql}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let rows: Value = serde_json::from_slice(&out.stdout).expect("duckdb JSON");
    rows.as_array().expect("rows").clone()
}

/// SQL quoting of a path.
fn lit(path: &Path) -> String {
    format!("'{}'", path.display().to_string().replace('\'', "''"))
}

fn messages_glob(out: &Path) -> String {
    format!(
        "read_parquet({}, hive_partitioning = true, hive_types = {{'channel': VARCHAR}})",
        lit(&out.join("messages/**/*.parquet"))
    )
}

/// Store options of a fixture, or `None` when its database is not set up.
fn store_args(name: &str) -> Option<Vec<String>> {
    if let Some(rest) = name.strip_prefix("sql-") {
        let driver = if rest.starts_with("postgres") {
            "postgres"
        } else {
            "mysql"
        };
        let var = format!(
            "STANCTL_TEST_{}_{}",
            if driver == "postgres" { "PG" } else { "MYSQL" },
            name.to_uppercase()
                .replace(|c: char| !c.is_ascii_alphanumeric(), "_")
        );
        let dsn = match std::env::var(&var) {
            Ok(v) if !v.is_empty() => v,
            _ if std::env::var_os("CI").is_some() => {
                panic!("{var} is not set: run through scripts/test-databases.sh")
            }
            _ => {
                eprintln!("note: {var} not set; skipping {name}");
                return None;
            }
        };
        let mut args = vec![
            "--sql-driver".to_string(),
            driver.to_string(),
            "--sql-source".to_string(),
            dsn,
        ];
        args.extend(crate::common::expect::key_options(name));
        return Some(args);
    }
    Some(fixture_file_store(name).args)
}

/// Export with `extra` options into a fresh directory; returns the JSON
/// summary and the directory.
fn export(args: &[String], extra: &[&str]) -> (Value, tempfile::TempDir) {
    export_with_code(args, extra, 0)
}

/// As [`export`], expecting exit code `code`.
fn export_with_code(args: &[String], extra: &[&str], code: i32) -> (Value, tempfile::TempDir) {
    let tmp = tempfile::tempdir().expect("tempdir");
    let out = tmp.path().join("out");
    let mut cmd: Vec<String> = args.to_vec();
    cmd.extend(
        [
            "export",
            "parquet",
            "--to",
            &out.display().to_string(),
            "--format",
            "json",
        ]
        .map(String::from),
    );
    cmd.extend(extra.iter().map(|s| s.to_string()));
    let got = stanctl().args(&cmd).output().expect("run stanctl");
    assert_eq!(
        got.status.code(),
        Some(code),
        "stanctl {cmd:?}: {}",
        String::from_utf8_lossy(&got.stderr)
    );
    let summary = serde_json::from_slice(&got.stdout).expect("summary JSON");
    (summary, tmp)
}

/// Export fixture `name` and check through DuckDB that every message,
/// subscription, client and channel matches its manifest; the source is
/// unchanged.
fn check_fixture(name: &str) {
    let Some(python) = duckdb_python() else {
        return;
    };
    let Some(args) = store_args(name) else {
        return;
    };
    let m = truth(name);
    let source = fixture(name);
    let before = hash_tree(&source);
    let (summary, tmp) = export(&args, &["--verify"]);
    assert_eq!(hash_tree(&source), before, "{name}: the source changed");
    assert_eq!(
        summary["verify"]["ok"], true,
        "{name}: --verify: {summary:#}"
    );
    let out = tmp.path().join("out");
    // Nothing but the dataset was written beside it.
    let beside: Vec<_> = std::fs::read_dir(tmp.path())
        .expect("read tmp")
        .map(|e| e.expect("entry").file_name())
        .collect();
    assert_eq!(beside, vec![std::ffi::OsString::from("out")], "{name}");

    check_messages(&python, name, &m, &out);
    check_channels(&python, name, &m, &out);
    check_subscriptions(&python, name, &m, &out);
    check_clients(&python, name, &m, &out);
}

fn check_messages(python: &str, name: &str, m: &Value, out: &Path) {
    let rows = duckdb(
        python,
        &format!(
            "SELECT channel, seq, epoch_ns(timestamp) AS ts, subject, reply, payload, payload_size \
             FROM {} ORDER BY channel, seq",
            messages_glob(out)
        ),
    );
    let mut got: BTreeMap<String, Vec<&Value>> = BTreeMap::new();
    for r in &rows {
        got.entry(str_of(&r["channel"]).to_string())
            .or_default()
            .push(r);
    }
    let mut total = 0;
    for w in m["channels"].as_array().expect("channels") {
        let cname = str_of(&w["name"]);
        let want = expected_messages(w);
        let got = got.remove(cname).unwrap_or_default();
        let ctx = format!("{name}/{cname}");
        assert_eq!(got.len(), want.len(), "{ctx}: message count");
        total += want.len();
        for (g, w) in got.iter().zip(want) {
            let seq = u64_of(&w["seq"]);
            assert_eq!(u64_of(&g["seq"]), seq, "{ctx}: seq");
            assert_eq!(g["ts"], w["timestamp_ns"], "{ctx}#{seq}: timestamp");
            assert_eq!(g["subject"], w["subject"], "{ctx}#{seq}: subject");
            match w["reply"].as_str().filter(|r| !r.is_empty()) {
                Some(reply) => assert_eq!(g["reply"], reply, "{ctx}#{seq}: reply"),
                None => assert!(g["reply"].is_null(), "{ctx}#{seq}: reply should be null"),
            }
            assert_eq!(
                g["payload"]["sha256"], w["payload_sha256"],
                "{ctx}#{seq}: payload"
            );
            assert_eq!(g["payload"]["len"], w["payload_len"], "{ctx}#{seq}: length");
            assert_eq!(
                g["payload_size"], w["payload_len"],
                "{ctx}#{seq}: payload_size"
            );
        }
    }
    assert!(
        got.is_empty(),
        "{name}: channels not in the manifest: {got:?}"
    );
    assert_eq!(rows.len(), total, "{name}: rows");
}

fn check_channels(python: &str, name: &str, m: &Value, out: &Path) {
    let rows = duckdb(
        python,
        &format!(
            "SELECT name, first_seq, last_seq, msgs, exported_rows, \
             epoch_ns(first_timestamp) AS first_ts, epoch_ns(last_timestamp) AS last_ts \
             FROM read_parquet({}) ORDER BY name",
            lit(&out.join("channels.parquet"))
        ),
    );
    let want = m["channels"].as_array().expect("channels");
    assert_eq!(rows.len(), want.len(), "{name}: channels");
    for w in want {
        let cname = str_of(&w["name"]);
        let g = rows
            .iter()
            .find(|r| r["name"] == cname)
            .unwrap_or_else(|| panic!("{name}: channel {cname} missing"));
        let ctx = format!("{name}/{cname}");
        assert_eq!(g["first_seq"], w["first_seq"], "{ctx}: first_seq");
        assert_eq!(g["last_seq"], w["last_seq"], "{ctx}: last_seq");
        assert_eq!(g["msgs"], w["msg_count"], "{ctx}: msgs");
        assert_eq!(g["exported_rows"], w["msg_count"], "{ctx}: exported rows");
        let msgs = expected_messages(w);
        if let (Some(first), Some(last)) = (msgs.first(), msgs.last()) {
            assert_eq!(g["first_ts"], first["timestamp_ns"], "{ctx}: first time");
            assert_eq!(g["last_ts"], last["timestamp_ns"], "{ctx}: last time");
        }
    }
}

fn check_subscriptions(python: &str, name: &str, m: &Value, out: &Path) {
    let got = duckdb(
        python,
        &format!(
            "SELECT * FROM read_parquet({})",
            lit(&out.join("subscriptions.parquet"))
        ),
    );
    check_subscription_rows(name, m, &got, false);
}

fn check_clients(python: &str, name: &str, m: &Value, out: &Path) {
    // Shaped as `clients ls` prints them: conn_id as text and in hex.
    let got = duckdb(
        python,
        &format!(
            "SELECT id, hb_inbox, decode(conn_id) AS conn_id, lower(hex(conn_id)) AS conn_id_hex, \
             protocol, ping_interval, ping_max_out FROM read_parquet({})",
            lit(&out.join("clients.parquet"))
        ),
    );
    check_client_rows(name, m, &got);
}

#[test]
fn file_basic_v0_23() {
    check_fixture("file-basic-v0.23");
}

/// One test a fixture whose export must read back exactly as its manifest.
macro_rules! fixture_tests {
    ($($test:ident => $name:literal),* $(,)?) => {
        $(
            #[test]
            fn $test() {
                check_fixture($name);
            }
        )*
    };
}

fixture_tests! {
    file_nocrc_v0_23 => "file-nocrc-v0.23",
    file_encrypted_v0_23 => "file-encrypted-v0.23",
    file_slices_v0_23 => "file-slices-v0.23",
    file_basic_v0_9 => "file-basic-v0.9",
    file_kill9_v0_23 => "file-kill9-v0.23",
    file_torn_tail_kill9_v0_23 => "file-torn-tail-kill9-v0.23",
    cluster_3node_v0_23 => "cluster-3node-v0.23",
    cluster_encrypted_v0_23 => "cluster-encrypted-v0.23",
    sql_postgres_v0_23 => "sql-postgres-v0.23",
    sql_postgres_v0_9 => "sql-postgres-v0.9",
    sql_mysql_v0_23 => "sql-mysql-v0.23",
    sql_mysql_v0_9 => "sql-mysql-v0.9",
}

/// orders.eu of file-basic-v0.23 (seqs 1..35) exported in row groups of
/// five rows: the export's directory and the channel's file.
fn orders_eu_in_row_groups_of_five() -> (tempfile::TempDir, std::path::PathBuf) {
    let args = fixture_file_store("file-basic-v0.23").args;
    let (_, tmp) = export(&args, &["--channel", "orders.eu", "--row-group-rows", "5"]);
    let file = tmp
        .path()
        .join("out/messages/channel=orders.eu/part-00000.parquet");
    (tmp, file)
}

/// A `seq` range query on a file of many row groups reads only the row
/// groups whose min/max statistics overlap it (DuckDB's own profile says
/// how many it scanned), and the statistics are there for seq and time.
#[test]
fn seq_range_reads_only_matching_row_groups() {
    let Some(python) = duckdb_python() else {
        return;
    };
    let (tmp, file) = orders_eu_in_row_groups_of_five();
    let stats = duckdb(
        &python,
        &format!(
            "SELECT row_group_id, path_in_schema AS col, stats_min_value AS lo, stats_max_value AS hi \
             FROM parquet_metadata({}) WHERE path_in_schema IN ('seq', 'timestamp') ORDER BY row_group_id, col",
            lit(&file)
        ),
    );
    // orders.eu holds seqs 1..35: seven groups of five.
    assert_eq!(stats.len(), 14, "{stats:#?}");
    for (i, s) in stats.iter().filter(|s| s["col"] == "seq").enumerate() {
        assert_eq!(s["lo"], (i * 5 + 1).to_string(), "{s}");
        assert_eq!(s["hi"], (i * 5 + 5).to_string(), "{s}");
    }
    assert!(stats
        .iter()
        .all(|s| !s["lo"].is_null() && !s["hi"].is_null()));
    let profile = tmp.path().join("profile.json");
    let rows = duckdb(
        &python,
        &format!(
            "PRAGMA enable_profiling = 'json'; PRAGMA profiling_output = {}; \
             SELECT count(*) AS n FROM read_parquet({}) WHERE seq BETWEEN 12 AND 14",
            lit(&profile),
            lit(&file)
        ),
    );
    assert_eq!(rows[0]["n"], 3);
    let profile: Value =
        serde_json::from_slice(&std::fs::read(&profile).expect("profile")).expect("profile JSON");
    let query = &profile["query"];
    assert_eq!(query["total_row_groups_to_scan"], 7, "{query:#}");
    assert_eq!(query["total_row_groups_scanned"], 1, "{query:#}");
}

/// Payloads are written as DELTA_LENGTH_BYTE_ARRAY (lengths apart, bytes
/// back to back), as DuckDB's parquet_metadata reports them: with PLAIN's
/// length before every value, zstd ran its Huffman pass over random
/// payloads for nothing (issue 17's speed goal).
#[test]
fn payloads_are_written_without_length_prefixes() {
    let Some(python) = duckdb_python() else {
        return;
    };
    let (_tmp, file) = orders_eu_in_row_groups_of_five();
    let chunks = duckdb(
        &python,
        &format!(
            "SELECT row_group_id, encodings FROM parquet_metadata({}) \
             WHERE path_in_schema = 'payload' ORDER BY row_group_id",
            lit(&file)
        ),
    );
    assert_eq!(chunks.len(), 7, "{chunks:#?}");
    for c in &chunks {
        let encodings = c["encodings"].as_str().unwrap_or_default();
        assert!(encodings.contains("DELTA_LENGTH_BYTE_ARRAY"), "{c}");
        assert!(!encodings.contains("PLAIN"), "{c}");
    }
}

/// zstd is kept for payloads that compress and left out for payloads it
/// cannot shrink (random bytes: zstd would only copy them into raw blocks,
/// a fifth of the export's CPU, issue 17), unless there are too few
/// (under 64 KiB) to tell; all read back as stored (`--verify`) and DuckDB
/// reports each column chunk's codec.
#[test]
fn payloads_zstd_only_where_it_shrinks_them() {
    let tmp = tempfile::tempdir().expect("tempdir");
    for (msgs, compressible, codec) in [
        (3000, true, "ZSTD"),
        (3000, false, "UNCOMPRESSED"),
        (200, false, "ZSTD"),
    ] {
        let store = tmp.path().join(format!("store-{msgs}-{compressible}"));
        stanctl::generate::generate_store(
            &store,
            &stanctl::generate::GenOptions {
                channels: 1,
                msgs,
                size: 300,
                subs: 0,
                compressible,
                ..stanctl::generate::GenOptions::default()
            },
        )
        .expect("generate store");
        let args = vec!["--dir".to_string(), store.display().to_string()];
        let (summary, out) = export(&args, &["--verify", "--row-group-rows", "1000"]);
        assert_eq!(summary["verify"]["ok"], true, "{summary:#}");
        let Some(python) = duckdb_python() else {
            continue;
        };
        let file = out
            .path()
            .join("out/messages/channel=gen.channel.0/part-00000.parquet");
        let chunks = duckdb(
            &python,
            &format!(
                "SELECT row_group_id, path_in_schema AS col, compression FROM parquet_metadata({}) \
                 WHERE path_in_schema IN ('payload', 'seq') ORDER BY row_group_id, col",
                lit(&file)
            ),
        );
        assert_eq!(chunks.len() as u64, 2 * msgs.div_ceil(1000), "{chunks:#?}");
        for c in &chunks {
            let want = if c["col"] == "payload" { codec } else { "ZSTD" };
            assert_eq!(
                c["compression"], want,
                "{msgs} compressible {compressible}: {c}"
            );
        }
    }
}

/// A non-empty target is refused and left as it was; encrypted payloads
/// without a key are refused and nothing (not even a staging directory)
/// is left behind.
#[test]
fn non_empty_target_and_ciphertext_without_key_are_refused() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let out = tmp.path().join("out");
    std::fs::create_dir(&out).expect("mkdir");
    std::fs::write(out.join("keep.txt"), "x").expect("write");
    let basic = fixture("file-basic-v0.23").join("store");
    let got = stanctl()
        .args([
            "--dir",
            &basic.display().to_string(),
            "export",
            "parquet",
            "--to",
        ])
        .arg(&out)
        .output()
        .expect("run");
    assert_eq!(got.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&got.stderr).contains("not empty"));
    assert_eq!(std::fs::read(out.join("keep.txt")).expect("kept"), b"x");
    assert_eq!(std::fs::read_dir(&out).expect("dir").count(), 1);

    let encrypted = fixture("file-encrypted-v0.23").join("store");
    let out2 = tmp.path().join("out2");
    let got = stanctl()
        .args([
            "--dir",
            &encrypted.display().to_string(),
            "export",
            "parquet",
            "--to",
        ])
        .arg(&out2)
        .output()
        .expect("run");
    assert_eq!(got.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&got.stderr);
    assert!(
        stderr.contains("encrypted") && stderr.contains("--keep-encrypted"),
        "{stderr}"
    );
    let left: Vec<_> = std::fs::read_dir(tmp.path())
        .expect("tmp")
        .map(|e| e.expect("entry").file_name())
        .collect();
    assert_eq!(left, vec![std::ffi::OsString::from("out")]);
}

/// `--split-size` cuts a channel's file inside a batch: every part's data
/// (its column chunks, as DuckDB's parquet_metadata reports them) ends
/// within one message (plus page headers) of the split size, parts follow
/// each other in sequence order, and the dataset still reads back as the
/// manifest. Before, parts were cut only between 4 MiB batches: one part
/// per channel here.
#[test]
fn split_size_cuts_parts_within_one_message() {
    let Some(python) = duckdb_python() else {
        return;
    };
    let name = "file-basic-v0.23";
    let m = truth(name);
    let args = fixture_file_store(name).args;
    const SPLIT: u64 = 1024;
    let (summary, tmp) = export(&args, &["--split-size", "1K", "--verify"]);
    assert_eq!(summary["verify"]["ok"], true, "{summary:#}");
    let out = tmp.path().join("out");
    check_messages(&python, name, &m, &out);
    let parts = duckdb(
        &python,
        &format!(
            "SELECT file_name AS file, sum(total_compressed_size) AS data, \
             count(DISTINCT row_group_id) AS groups \
             FROM parquet_metadata({}) GROUP BY file_name ORDER BY file_name",
            lit(&out.join("messages/*/*.parquet"))
        ),
    );
    let seqs = duckdb(
        &python,
        &format!(
            "SELECT filename AS file, min(seq) AS lo, max(seq) AS hi \
             FROM read_parquet({}, filename = true) GROUP BY filename ORDER BY filename",
            lit(&out.join("messages/*/*.parquet"))
        ),
    );
    assert_eq!(parts.len(), seqs.len());
    let mut per_channel: BTreeMap<String, Vec<(u64, u64)>> = BTreeMap::new();
    for (part, range) in parts.iter().zip(&seqs) {
        let file = str_of(&part["file"]);
        assert_eq!(file, str_of(&range["file"]));
        let channel = file
            .rsplit('/')
            .nth(1)
            .and_then(|d| d.strip_prefix("channel="))
            .expect("channel directory");
        let largest = m["channels"]
            .as_array()
            .expect("channels")
            .iter()
            .find(|c| c["name"] == channel)
            .map(|c| {
                expected_messages(c)
                    .iter()
                    .map(|w| {
                        u64_of(&w["payload_len"])
                            + str_of(&w["subject"]).len() as u64
                            + w["reply"].as_str().map_or(0, |r| r.len() as u64)
                            + 24
                    })
                    .max()
                    .unwrap_or(0)
            })
            .expect("channel in the manifest");
        let data = u64_of(&part["data"]);
        assert!(
            data <= SPLIT + largest + 1024,
            "{file}: {data} bytes of data, split {SPLIT}, largest message {largest}"
        );
        per_channel
            .entry(channel.to_string())
            .or_default()
            .push((u64_of(&range["lo"]), u64_of(&range["hi"])));
    }
    for (channel, ranges) in &per_channel {
        for pair in ranges.windows(2) {
            assert!(
                pair[0].1 < pair[1].0,
                "{channel}: parts out of order {ranges:?}"
            );
        }
    }
    assert!(
        per_channel["orders.eu"].len() >= 2 && per_channel["bin.data"].len() >= 2,
        "{per_channel:?}"
    );
}

// ---- Damaged stores: what the real server serves ----

/// The sequences of each channel in the dataset, in order, with their
/// rows, through DuckDB.
fn exported_rows(python: &str, out: &Path) -> BTreeMap<String, Vec<Value>> {
    let rows = duckdb(
        python,
        &format!(
            "SELECT channel, seq, epoch_ns(timestamp) AS ts, payload FROM {} ORDER BY channel, seq",
            messages_glob(out)
        ),
    );
    let mut got: BTreeMap<String, Vec<Value>> = BTreeMap::new();
    for r in rows {
        got.entry(str_of(&r["channel"]).to_string())
            .or_default()
            .push(r);
    }
    got
}

/// Export a damaged fixture and compare each channel with what the real
/// server served in the first recorded run that started (MANIFEST.json
/// `damage.real_server_behaviour`): its first and last sequence and each
/// sequence once (the server's msgs counts a shadowed slice twice), the
/// exact sequences its reader received where recorded, and for channels
/// with configured limits (the server expired by the clock) the manifest's
/// view at shutdown. Every row's payload and time are the manifest's. The
/// exit code is 1 when the server refused to start without a repair flag,
/// else 0; the source is unchanged.
fn check_damaged(name: &str) {
    let Some(python) = duckdb_python() else {
        return;
    };
    let m = manifest(name);
    // Exact timestamps: the original fixture's manifest (see `truth`).
    let published = truth(name);
    let runs = m["damage"]["real_server_behaviour"]
        .as_array()
        .expect("runs");
    let refused = runs[0]["started"] == false;
    let run = runs
        .iter()
        .find(|r| r["started"] == true)
        .expect("a run that started");
    let source = fixture(name);
    let before = hash_tree(&source);
    let args = fixture_file_store(name).args;
    let (summary, tmp) = export_with_code(&args, &[], i32::from(refused));
    assert_eq!(hash_tree(&source), before, "{name}: the source changed");
    let got = exported_rows(&python, &tmp.path().join("out"));
    let mut served: BTreeMap<String, Value> = BTreeMap::new();
    for c in run["channelsz"].as_array().into_iter().flatten() {
        served.insert(str_of(&c["name"]).to_string(), c.clone());
    }
    if run["channel_after_recovery"].is_object() {
        let c = &run["channel_after_recovery"];
        served.insert(str_of(&c["name"]).to_string(), c.clone());
    }
    let mut compared = 0;
    for w in published["channels"].as_array().expect("channels") {
        let cname = str_of(&w["name"]);
        let ctx = format!("{name}/{cname}");
        let rows = got.get(cname).cloned().unwrap_or_default();
        let seqs: Vec<u64> = rows.iter().map(|r| u64_of(&r["seq"])).collect();
        let limited = w["configured_limits"]
            .as_object()
            .is_some_and(|l| !l.is_empty());
        match served.get(cname) {
            Some(s) if !limited => {
                let (first, last) = (u64_of(&s["first_seq"]), u64_of(&s["last_seq"]));
                let msgs = u64_of(&s["msgs"]).min((last + 1).saturating_sub(first));
                assert_eq!(seqs.len() as u64, msgs, "{ctx}: rows {seqs:?} served {s}");
                if msgs > 0 {
                    assert_eq!(seqs.first(), Some(&first), "{ctx}: first seq");
                    assert_eq!(seqs.last(), Some(&last), "{ctx}: last seq");
                }
                assert!(seqs.windows(2).all(|p| p[0] < p[1]), "{ctx}: {seqs:?}");
                if run["channel_after_recovery"]["name"] == cname {
                    let received: Vec<u64> = run["reader_received_seqs"]
                        .as_array()
                        .expect("reader_received_seqs")
                        .iter()
                        .map(u64_of)
                        .collect();
                    assert_eq!(seqs, received, "{ctx}: what the server's reader received");
                }
                compared += 1;
            }
            _ => {
                let want: Vec<u64> = expected_messages(w)
                    .iter()
                    .map(|x| u64_of(&x["seq"]))
                    .collect();
                assert_eq!(seqs, want, "{ctx}: the manifest's view");
            }
        }
        let by_seq: BTreeMap<u64, &Value> = w["messages"]
            .as_array()
            .expect("messages")
            .iter()
            .map(|x| (u64_of(&x["seq"]), x))
            .collect();
        for r in &rows {
            let seq = u64_of(&r["seq"]);
            let x = by_seq
                .get(&seq)
                .unwrap_or_else(|| panic!("{ctx}: seq {seq} not published"));
            assert_eq!(
                r["payload"]["sha256"], x["payload_sha256"],
                "{ctx}#{seq}: payload"
            );
            assert_eq!(r["ts"], x["timestamp_ns"], "{ctx}#{seq}: timestamp");
        }
    }
    assert!(
        compared > 0,
        "{name}: no channel compared with the server: {summary:#}"
    );
}

macro_rules! damaged_tests {
    ($($test:ident => $name:literal),* $(,)?) => {
        $(
            #[test]
            fn $test() {
                check_damaged($name);
            }
        )*
    };
}

damaged_tests! {
    damaged_clients_full_disk => "damaged-clients-full-disk-v0.23",
    damaged_dat_missing => "damaged-dat-missing-v0.23",
    damaged_idx_deleted => "damaged-idx-deleted-v0.23",
    damaged_idx_longer => "damaged-idx-longer-v0.23",
    damaged_idx_shorter => "damaged-idx-shorter-v0.23",
    damaged_msgs_unexpected_eof => "damaged-msgs-unexpected-eof-v0.23",
    damaged_slice_leading_zero => "damaged-slice-leading-zero-v0.23",
    damaged_slice_negative => "damaged-slice-negative-v0.23",
    damaged_subs_zero_tail => "damaged-subs-zero-tail-v0.23",
    damaged_truncated_tail => "damaged-truncated-tail-v0.23",
}

/// A message whose CRC does not match: the server fails on it when asked
/// (its reader got seqs 1..11 and no more). An export is an archive, so it
/// refuses, as migrate does, naming the file, offset and sequence, and
/// leaves nothing; with --file_crc=false it exports what the server with
/// -file_crc=false served (every sequence).
#[test]
fn damaged_crc_flip_is_refused_or_exported_as_the_server_without_crc() {
    let Some(python) = duckdb_python() else {
        return;
    };
    let name = "damaged-crc-flip-v0.23";
    let m = manifest(name);
    let details = &m["damage"]["details"];
    let runs = m["damage"]["real_server_behaviour"]
        .as_array()
        .expect("runs");
    let args = fixture_file_store(name).args;
    let tmp = tempfile::tempdir().expect("tempdir");
    let out = tmp.path().join("out");
    let got = stanctl()
        .args(&args)
        .args(["export", "parquet", "--to"])
        .arg(&out)
        .output()
        .expect("run");
    assert_eq!(got.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&got.stderr);
    let seq = u64_of(&details["message_seq"]);
    assert!(
        stderr.contains(str_of(&details["file"]).trim_start_matches("store/"))
            && stderr.contains("at offset")
            && stderr.contains(&format!("seq {seq}"))
            && stderr.contains("--file_crc=false"),
        "{stderr}"
    );
    assert_eq!(std::fs::read_dir(tmp.path()).expect("tmp").count(), 0);

    let without_crc = runs
        .iter()
        .find(|r| r["extra_flags"].to_string().contains("--file_crc=false"))
        .expect("a run with -file_crc=false");
    let mut args = args.clone();
    args.push("--file_crc=false".into());
    let (_, tmp) = export(&args, &["--channel", "orders.eu"]);
    let got = exported_rows(&python, &tmp.path().join("out"));
    let seqs: Vec<u64> = got["orders.eu"].iter().map(|r| u64_of(&r["seq"])).collect();
    let received: Vec<u64> = without_crc["reader_received_seqs"]
        .as_array()
        .expect("reader_received_seqs")
        .iter()
        .map(u64_of)
        .collect();
    assert_eq!(seqs, received);
}
