//! Helpers shared by the integration tests: fixtures, their manifests, the
//! real binary, and file hashes.
#![allow(dead_code)]

pub mod expect;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde_json::Value;
use sha2::{Digest, Sha256};

pub fn fixtures_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures")
}

pub fn fixture(name: &str) -> PathBuf {
    fixtures_dir().join(name)
}

/// A fixture's `-dir` root: `store/`, or `node/store/` for a cluster node.
pub fn store_dir(name: &str) -> String {
    let base = fixture(name);
    let dir = if base.join("node/store").is_dir() {
        base.join("node/store")
    } else {
        base.join("store")
    };
    dir.display().to_string()
}

pub fn manifest(name: &str) -> Value {
    let path = fixture(name).join("MANIFEST.json");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

pub fn stanctl() -> assert_cmd::Command {
    let mut cmd = assert_cmd::Command::cargo_bin("stanctl").expect("stanctl binary");
    cmd.env_remove("NATS_STREAMING_ENCRYPTION_KEY");
    cmd
}

/// Run stanctl, expect `code`, parse stdout as JSON.
pub fn json_with_code(args: &[&str], code: i32) -> Value {
    let out = stanctl().args(args).output().expect("run stanctl");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        out.status.code(),
        Some(code),
        "stanctl {args:?}: exit {:?}, stderr:\n{stderr}",
        out.status.code()
    );
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("stanctl {args:?}: stdout is not JSON ({e}), stderr:\n{stderr}"))
}

/// The findings of a `check --format json` report with this code.
pub fn findings<'a>(report: &'a Value, code: &str) -> Vec<&'a Value> {
    report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|f| f["code"] == code)
        .collect()
}

pub fn json(args: &[&str]) -> Value {
    json_with_code(args, 0)
}

/// Run stanctl and parse each stdout line as JSON.
pub fn ndjson_with_code(args: &[&str], code: i32) -> Vec<Value> {
    let out = stanctl().args(args).output().expect("run stanctl");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        out.status.code(),
        Some(code),
        "stanctl {args:?}: stderr:\n{stderr}"
    );
    String::from_utf8(out.stdout)
        .expect("utf8 stdout")
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("bad JSON line {l:?}: {e}")))
        .collect()
}

/// Copy a directory tree (a fixture store into a scratch directory).
pub fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_tree(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

pub fn sha256_hex(data: &[u8]) -> String {
    hex::encode(Sha256::digest(data))
}

/// Every file under `root` with its size and SHA-256, plus directories.
pub fn hash_tree(root: &Path) -> BTreeMap<PathBuf, String> {
    let mut out = BTreeMap::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        out.insert(dir.clone(), "dir".to_string());
        for entry in std::fs::read_dir(&dir).expect("read_dir") {
            let entry = entry.expect("entry");
            let path = entry.path();
            if entry.file_type().expect("type").is_dir() {
                stack.push(path);
            } else {
                let data = std::fs::read(&path).expect("read");
                out.insert(path, format!("{} {}", data.len(), sha256_hex(&data)));
            }
        }
    }
    out
}

pub fn u64_of(v: &Value) -> u64 {
    v.as_u64().unwrap_or_else(|| panic!("not a u64: {v}"))
}

pub fn str_of(v: &Value) -> &str {
    v.as_str().unwrap_or("")
}

/// The ground truth of a fixture. A damaged-* fixture's MANIFEST.json
/// repeats its original's truth but with timestamps rounded through a
/// float (e.g. 1795570245580426804 → ...800), so its exact values come
/// from the manifest of the fixture it was derived from.
pub fn truth(name: &str) -> Value {
    let m = manifest(name);
    match m["damage"]["derived_from"].as_str() {
        Some(original) => manifest(original),
        None => m,
    }
}

/// An empty database made for one test on the servers that
/// scripts/test-databases.sh provides, dropped at the end.
pub struct TempDb {
    pub driver: &'static str,
    pub dsn: String,
    name: String,
    admin: String,
}

/// The admin DSN of a driver's test server, or `None` (with a note) when
/// the tests run without scripts/test-databases.sh. Under CI a missing
/// database is a failure, not a skip.
pub fn admin_dsn(driver: &str) -> Option<String> {
    let var = match driver {
        "postgres" => "STANCTL_TEST_PG_ADMIN",
        _ => "STANCTL_TEST_MYSQL_ADMIN",
    };
    match std::env::var(var) {
        Ok(v) => Some(v),
        Err(_) if std::env::var_os("CI").is_some() => {
            panic!("{var} is not set: run the tests through scripts/test-databases.sh")
        }
        Err(_) => {
            eprintln!(
                "note: {var} not set; skipping {driver} (run through scripts/test-databases.sh)"
            );
            None
        }
    }
}

impl TempDb {
    pub fn create(driver: &'static str, label: &str) -> Option<TempDb> {
        let admin = admin_dsn(driver)?;
        let name = format!(
            "stanctl_t_{}_{}_{}",
            label.replace(|c: char| !c.is_ascii_alphanumeric(), "_"),
            std::process::id(),
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.subsec_nanos())
                .unwrap_or(0)
        );
        let dsn = match driver {
            "postgres" => {
                let mut client =
                    postgres::Client::connect(&admin, postgres::NoTls).expect("pg admin");
                client
                    .batch_execute(&format!("CREATE DATABASE {name}"))
                    .expect("create db");
                let kept: Vec<&str> = admin
                    .split_whitespace()
                    .filter(|p| !p.starts_with("dbname="))
                    .collect();
                format!("{} dbname={name}", kept.join(" "))
            }
            _ => {
                let url = mysql_url(&admin);
                let mut conn = mysql::Conn::new(mysql::Opts::from_url(&url).expect("url"))
                    .expect("mysql admin");
                use mysql::prelude::Queryable;
                conn.query_drop(format!("CREATE DATABASE {name}"))
                    .expect("create db");
                format!("{}{name}", admin.trim_end_matches('/').to_string() + "/")
            }
        };
        Some(TempDb {
            driver,
            dsn,
            name,
            admin,
        })
    }
}

/// `user[:pass]@tcp(host:port)/db` → `mysql://user[:pass]@host:port/db`.
pub fn mysql_url(go_dsn: &str) -> String {
    let (user, rest) = go_dsn.split_once('@').unwrap_or(("root", go_dsn));
    let rest = rest.trim_start_matches("tcp(");
    let (addr, db) = rest.split_once(")/").unwrap_or((rest, ""));
    format!("mysql://{user}@{addr}/{db}")
}

impl Drop for TempDb {
    fn drop(&mut self) {
        let sql = format!("DROP DATABASE IF EXISTS {}", self.name);
        match self.driver {
            "postgres" => {
                if let Ok(mut c) = postgres::Client::connect(&self.admin, postgres::NoTls) {
                    let _ = c.batch_execute(&format!(
                        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{}'",
                        self.name
                    ));
                    let _ = c.batch_execute(&sql);
                }
            }
            _ => {
                if let Ok(opts) = mysql::Opts::from_url(&mysql_url(&self.admin)) {
                    if let Ok(mut c) = mysql::Conn::new(opts) {
                        use mysql::prelude::Queryable;
                        let _ = c.query_drop(sql);
                    }
                }
            }
        }
    }
}

/// A manifest message's payload bytes when the manifest carries them
/// (`payload_b64`, for payloads up to 256 bytes; empty ones have none).
pub fn payload_bytes(m: &Value) -> Option<Vec<u8>> {
    use base64::Engine as _;
    match m["payload_b64"].as_str() {
        Some(b64) => base64::engine::general_purpose::STANDARD.decode(b64).ok(),
        None if m["payload_len"].as_u64() == Some(0) => Some(Vec::new()),
        None => None,
    }
}

/// A dumped message as the tests compare it: channel, seq, timestamp and
/// the SHA-256 of its payload.
pub type DumpedMessage = (String, u64, i64, String);

/// The messages of `dump --format ndjson|json` objects, payloads decoded.
pub fn dumped_messages(objects: &[Value]) -> Vec<DumpedMessage> {
    use base64::Engine as _;
    objects
        .iter()
        .map(|o| {
            let payload = str_of(&o["payload"]);
            let data = match str_of(&o["encoding"]) {
                "utf8" => payload.as_bytes().to_vec(),
                "base64" => base64::engine::general_purpose::STANDARD
                    .decode(payload)
                    .expect("base64 payload"),
                other => panic!("encoding {other}"),
            };
            (
                str_of(&o["channel"]).to_string(),
                u64_of(&o["seq"]),
                o["timestamp"].as_i64().expect("timestamp"),
                sha256_hex(&data),
            )
        })
        .collect()
}

/// What a multi-channel dump of `channels` must print, from the fixture's
/// MANIFEST.json: merged by (timestamp, channel name, seq), or channel
/// after channel by name when not `merged`.
pub fn manifest_dump(fixture: &str, channels: &[&str], merged: bool) -> Vec<DumpedMessage> {
    let m = truth(fixture);
    let mut names: Vec<&str> = channels.to_vec();
    names.sort_unstable();
    let mut all = Vec::new();
    for name in names {
        let channel = m["channels"]
            .as_array()
            .expect("channels")
            .iter()
            .find(|c| c["name"] == name)
            .unwrap_or_else(|| panic!("{fixture}: no channel {name} in the manifest"));
        for msg in channel["messages"].as_array().expect("messages") {
            all.push((
                name.to_string(),
                u64_of(&msg["seq"]),
                msg["timestamp_ns"].as_i64().expect("timestamp_ns"),
                str_of(&msg["payload_sha256"]).to_string(),
            ));
        }
    }
    if merged {
        all.sort_by(|a, b| (a.2, &a.0, a.1).cmp(&(b.2, &b.0, b.1)));
    }
    all
}

/// One `#[test]` per check and fixture, so a failure names its fixture and
/// does not hide the others: `per_fixture! { [a, b] x_v1 => "x-v1", ... }`
/// makes `mod a { #[test] fn x_v1() { a("x-v1") } ... }` and the same for
/// `b`; each check is a `fn(&str)` of the calling module.
macro_rules! per_fixture {
    ([] $($fixtures:tt)*) => {};
    ([$check:ident $(, $more:ident)* $(,)?] $($test:ident => $fixture:literal),* $(,)?) => {
        mod $check {
            $(
                #[test]
                fn $test() {
                    super::$check($fixture);
                }
            )*
        }
        per_fixture! { [$($more),*] $($test => $fixture),* }
    };
}

/// Calls `$macro! { $checks NAME => "fixture", ... }` with every fixture
/// holding a file store (`store/` or `node/store/`);
/// `file_store_list_is_complete` holds it to fixtures/.
macro_rules! with_file_stores {
    ($macro:ident ! $checks:tt) => {
        $macro! { $checks
            cluster_3node_v0_23 => "cluster-3node-v0.23",
            cluster_encrypted_v0_23 => "cluster-encrypted-v0.23",
            damaged_clients_full_disk_v0_23 => "damaged-clients-full-disk-v0.23",
            damaged_crc_flip_v0_23 => "damaged-crc-flip-v0.23",
            damaged_dat_missing_v0_23 => "damaged-dat-missing-v0.23",
            damaged_idx_deleted_v0_23 => "damaged-idx-deleted-v0.23",
            damaged_idx_longer_v0_23 => "damaged-idx-longer-v0.23",
            damaged_idx_shorter_v0_23 => "damaged-idx-shorter-v0.23",
            damaged_msgs_unexpected_eof_v0_23 => "damaged-msgs-unexpected-eof-v0.23",
            damaged_slice_leading_zero_v0_23 => "damaged-slice-leading-zero-v0.23",
            damaged_slice_negative_v0_23 => "damaged-slice-negative-v0.23",
            damaged_subs_zero_tail_v0_23 => "damaged-subs-zero-tail-v0.23",
            damaged_truncated_tail_v0_23 => "damaged-truncated-tail-v0.23",
            deleted_channels_file_v0_23 => "deleted-channels-file-v0.23",
            file_basic_v0_23 => "file-basic-v0.23",
            file_basic_v0_4 => "file-basic-v0.4",
            file_basic_v0_6 => "file-basic-v0.6",
            file_basic_v0_8 => "file-basic-v0.8",
            file_basic_v0_9 => "file-basic-v0.9",
            file_encrypted_v0_23 => "file-encrypted-v0.23",
            file_kill9_v0_23 => "file-kill9-v0.23",
            file_nocrc_v0_23 => "file-nocrc-v0.23",
            file_slices_v0_23 => "file-slices-v0.23",
            file_torn_tail_kill9_v0_23 => "file-torn-tail-kill9-v0.23",
        }
    };
}

/// Calls `$macro! { $checks NAME => "fixture", ... }` with every fixture
/// whose content, as the server recovered it, is whole and readable in
/// full (with its key if encrypted).
macro_rules! with_whole_stores {
    ($macro:ident ! $checks:tt) => {
        with_untorn_standalone_stores! { $macro ! $checks
            file_torn_tail_kill9_v0_23 => "file-torn-tail-kill9-v0.23",
            cluster_3node_v0_23 => "cluster-3node-v0.23",
            cluster_encrypted_v0_23 => "cluster-encrypted-v0.23",
        }
    };
}

/// Calls `$macro! { $checks NAME => "fixture", ..., $more }` with every
/// whole fixture of a standalone server whose last record is whole too
/// (`with_whole_stores` but the torn tail and the cluster nodes).
macro_rules! with_untorn_standalone_stores {
    ($macro:ident ! $checks:tt $($more:tt)*) => {
        $macro! { $checks
            file_basic_v0_23 => "file-basic-v0.23",
            file_basic_v0_9 => "file-basic-v0.9",
            file_nocrc_v0_23 => "file-nocrc-v0.23",
            file_encrypted_v0_23 => "file-encrypted-v0.23",
            file_slices_v0_23 => "file-slices-v0.23",
            file_kill9_v0_23 => "file-kill9-v0.23",
            $($more)*
        }
    };
}

/// The fixture names of a `with_file_stores!` call, as an array.
macro_rules! fixture_names {
    ($checks:tt $($test:ident => $fixture:literal),* $(,)?) => {
        [$($fixture),*]
    };
}

/// Fixtures whose root holds a file store, by name, sorted.
pub fn file_store_fixture_names() -> Vec<String> {
    let mut out: Vec<String> = std::fs::read_dir(fixtures_dir())
        .expect("fixtures")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.join("store").is_dir() || p.join("node/store").is_dir())
        .map(|p| p.file_name().expect("name").to_string_lossy().into_owned())
        .collect();
    out.sort();
    out
}

#[test]
fn file_store_list_is_complete() {
    let listed: Vec<String> = with_file_stores!(fixture_names![])
        .iter()
        .map(|s| s.to_string())
        .collect();
    assert_eq!(listed, file_store_fixture_names());
}
