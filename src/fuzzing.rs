//! Entry points for the fuzz targets (`fuzz/`) and for the replay of their
//! seed corpora in the normal test suite (`tests/it/fuzz_corpus.rs`). Each one
//! feeds bytes to one parser of data that comes from disk or a database,
//! the way the commands reach it. They only report "no panic, no hang":
//! errors are the expected answer to bad bytes.
//!
//! Parsers that read files get a private scratch directory per process
//! (under the system temp dir, removed by [`Scratch`] on drop).

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use prost::Message;

use crate::check::file::{check, FileCheckOptions};
use crate::crc::Crc32;
use crate::filestore::record::{Framing, Next, RecordReader};
use crate::filestore::ReadOptions;
use crate::filestore::{FileStore, FileStoreOptions};
use crate::model::MessageRange;
use crate::store::StoreReader;

/// Every fuzz target, by name: `fuzz/fuzz_targets/NAME.rs` and its seeds
/// in `fuzz/corpus/NAME/`.
pub const TARGETS: &[&str] = &[
    "record_framing",
    "stored_protobufs",
    "server_dat",
    "clients_replay",
    "subs_replay",
    "msgs_dat",
    "msgs_idx",
    "raft_log",
    "raft_entry",
    "snapshot",
    "config_file",
    "dsn",
    "encryption_envelope",
];

/// The store the file-store targets replace one file of.
fn template_store() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/file-basic-v0.23/store")
}

/// The channel of [`template_store`] they use.
const TEMPLATE_CHANNEL: &str = "orders.eu";

thread_local! {
    static SCRATCHES: RefCell<BTreeMap<String, Scratch>> = const { RefCell::new(BTreeMap::new()) };
}

/// Feed `data` to the target `target` (one of [`TARGETS`]). `false`: no
/// such target. A target's scratch directory is made on its first call in
/// this thread and reused.
pub fn run(target: &str, data: &[u8]) -> bool {
    if !TARGETS.contains(&target) {
        return false;
    }
    SCRATCHES.with(|cell| {
        let mut map = cell.borrow_mut();
        if !map.contains_key(target) {
            let Ok(scratch) = scratch_for(target) else {
                return;
            };
            map.insert(target.to_string(), scratch);
        }
        let Some(s) = map.get(target) else { return };
        let ch = TEMPLATE_CHANNEL;
        match target {
            "record_framing" => record_framing(s, data),
            "stored_protobufs" => stored_protobufs(data),
            "server_dat" => file_store_file(s, "server.dat", data),
            "clients_replay" => file_store_file(s, "clients.dat", data),
            "subs_replay" => file_store_file(s, &format!("{ch}/subs.dat"), data),
            "msgs_dat" => file_store_file(s, &format!("{ch}/msgs.1.dat"), data),
            "msgs_idx" => file_store_file(s, &format!("{ch}/msgs.1.idx"), data),
            "raft_log" => raft_log(s, data),
            "raft_entry" => raft_entry(data),
            "snapshot" => snapshot(s, data),
            "config_file" => config_file(data),
            "dsn" => dsn(data),
            _ => encryption_envelope(data),
        }
    });
    true
}

fn scratch_for(target: &str) -> std::io::Result<Scratch> {
    let file_store = matches!(
        target,
        "server_dat" | "clients_replay" | "subs_replay" | "msgs_dat" | "msgs_idx"
    );
    if !file_store {
        return Scratch::new();
    }
    let s = Scratch::with_store(&template_store(), TEMPLATE_CHANNEL)?;
    if target == "msgs_dat" {
        // Without its index the reader rebuilds the slice from the data file.
        remove_from_store(&s, &format!("{TEMPLATE_CHANNEL}/msgs.1.idx"));
    }
    Ok(s)
}

/// A private directory for the files a parser reads.
struct Scratch {
    dir: PathBuf,
}

impl Scratch {
    /// A new empty directory, unique to this process and call.
    fn new() -> std::io::Result<Scratch> {
        use std::sync::atomic::{AtomicU64, Ordering};
        static NEXT: AtomicU64 = AtomicU64::new(0);
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let dir = std::env::temp_dir().join(format!("stanctl-fuzz-{}-{n}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir)?;
        Ok(Scratch { dir })
    }

    fn path(&self) -> &Path {
        &self.dir
    }

    /// A copy of the file store `template` (its server.dat, clients.dat and
    /// the channel `channel`), so that one file of it can be replaced.
    fn with_store(template: &Path, channel: &str) -> std::io::Result<Scratch> {
        let s = Scratch::new()?;
        for f in ["server.dat", "clients.dat"] {
            fs::copy(template.join(f), s.dir.join(f))?;
        }
        let to = s.dir.join(channel);
        fs::create_dir_all(&to)?;
        for e in fs::read_dir(template.join(channel))? {
            let e = e?;
            fs::copy(e.path(), to.join(e.file_name()))?;
        }
        Ok(s)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.dir);
    }
}

/// The record framing (docs/FORMAT.md 1.2), typed and untyped, with and without
/// CRC verification: `data` is a whole file.
fn record_framing(scratch: &Scratch, data: &[u8]) {
    let path = scratch.path().join("records.dat");
    if fs::write(&path, data).is_err() {
        return;
    }
    for (framing, verify_crc) in [
        (Framing::Typed, true),
        (Framing::Untyped, true),
        (Framing::Untyped, false),
    ] {
        let read = ReadOptions {
            crc: Crc32::default(),
            verify_crc,
        };
        let Ok(mut r) = RecordReader::open(&path, framing, &read) else {
            continue;
        };
        // Each step consumes at least one byte or ends: bounded by the length.
        for _ in 0..=data.len() {
            match r.next_record() {
                Ok(Next::Record { .. }) | Ok(Next::CrcMismatch { .. }) => {}
                _ => break,
            }
        }
    }
}

/// Every protobuf the stores persist, decoded from `data`.
fn stored_protobufs(data: &[u8]) {
    use crate::proto::*;
    use crate::raft::pb::*;
    let _ = MsgProto::decode(data);
    let _ = ServerInfo::decode(data);
    let _ = ClientInfo::decode(data);
    let _ = ClientDelete::decode(data);
    let _ = SubState::decode(data);
    let _ = SubStateDelete::decode(data);
    let _ = SubStateUpdate::decode(data);
    let _ = RaftOperation::decode(data);
    let _ = RaftSnapshot::decode(data);
    let _ = crate::proto::MsgView::canonical(data);
}

/// Replace `rel` (a path inside the scratch store) with `data`, then read
/// the store as `info`, `dump`, `clients`, `subs` and `check --deep` do.
fn file_store_file(scratch: &Scratch, rel: &str, data: &[u8]) {
    let path = scratch.path().join(rel);
    if fs::write(&path, data).is_err() {
        return;
    }
    read_file_store(scratch.path());
}

/// Remove `rel` from the scratch store (e.g. an index, to make the reader
/// rebuild it from the data file).
fn remove_from_store(scratch: &Scratch, rel: &str) {
    let _ = fs::remove_file(scratch.path().join(rel));
}

fn read_file_store(root: &Path) {
    if let Ok(mut store) = FileStore::open(root, FileStoreOptions::default()) {
        let _ = store.server_info();
        let _ = store.clients();
        if let Ok(names) = store.channel_names() {
            for name in names {
                let _ = store.channel_stats(&name);
                let _ = store.subscriptions(&name);
                if let Ok(iter) = store.messages(&name, MessageRange::default()) {
                    // A bounded walk: a store of N bytes holds fewer than N messages.
                    for m in iter.take(1 << 16) {
                        if m.is_err() {
                            break;
                        }
                    }
                }
            }
        }
    }
    let opts = FileCheckOptions {
        deep: true,
        ..FileCheckOptions::default()
    };
    let _ = check(root, &opts);
}

/// A Raft log (BoltDB file) at `<scratch>/raft/raft.log`, read as the
/// commands read a cluster node's log: pages, buckets, msgpack entries and
/// the STAN operations they carry.
fn raft_log(scratch: &Scratch, data: &[u8]) {
    let dir = scratch.path().join("raft");
    if fs::create_dir_all(&dir).is_err() || fs::write(dir.join("raft.log"), data).is_err() {
        return;
    }
    let _ = crate::raft::entries::read_raft_log(&dir.join("raft.log"));
    let _ = crate::raft::read_node(&dir, &crate::raft::RaftOptions::default());
}

/// One msgpack-encoded Raft log entry, its configuration and peers.
fn raft_entry(data: &[u8]) {
    let _ = crate::raft::msgpack::decode(data);
    if let Ok(e) = crate::raft::entries::decode_entry(data) {
        let _ = crate::raft::entries::decode_configuration(&e.data);
    }
    let _ = crate::raft::entries::decode_configuration(data);
    let _ = crate::raft::entries::decode_peers(data);
}

/// A snapshot: `data` as `meta.json`, and as `state.bin` under a meta.json
/// whose CRC matches (so the decoding past the CRC check is reached).
fn snapshot(scratch: &Scratch, data: &[u8]) {
    use crate::raft::snapshot::*;
    let _ = parse_meta(data);
    let dir = scratch.path().join("snap");
    if fs::create_dir_all(&dir).is_err() || fs::write(dir.join("state.bin"), data).is_err() {
        return;
    }
    let meta = SnapshotMeta {
        version: 1,
        id: "1-1-1".into(),
        index: 1,
        term: 1,
        peers: Vec::new(),
        configuration: Vec::new(),
        configuration_index: 1,
        size: data.len() as i64,
        crc: crc64_ecma(data).to_be_bytes().to_vec(),
    };
    let snap = SnapshotDir {
        dir,
        name: "1-1-1".into(),
        meta,
    };
    let _ = read_state(&snap);
}

/// A server configuration file.
fn config_file(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let _ = crate::config::parse_config(&text, Path::new("fuzz.conf"));
}

/// A SQL source (DSN) for every driver, and its redaction.
fn dsn(data: &[u8]) {
    use crate::sqlstore::{dsn::Dsn, SqlDriver};
    let source = String::from_utf8_lossy(data);
    for driver in [SqlDriver::Postgres, SqlDriver::Mysql, SqlDriver::Sqlite] {
        if let Ok(d) = Dsn::parse(driver, &source) {
            let _ = d.redacted();
        }
        let _ = crate::sqlstore::dsn::redact_raw(driver, &source);
    }
}

/// An encrypted payload (the encryption envelope, 3.5) under the key of
/// file-encrypted-v0.23 (so its payloads, the seeds, decrypt), as a channel
/// payload and as a Raft entry.
fn encryption_envelope(data: &[u8]) {
    use crate::crypto::*;
    let master = MasterKey::from_user_key(b"stanctl-fixture-key-AES-0001");
    let _ = likely_envelope(data);
    let _ = envelope_cipher(data);
    let _ = decrypt_payload(&master.channel_key("orders.eu"), data);
    let _ = decrypt_with_master(&master, data);
}
