//! `raft.log`: the BoltDB buckets the server writes (docs/FORMAT.md 7.2.5) and
//! the msgpack-encoded hashicorp/raft `Log` entries in them (7.3).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Serialize;

use super::bolt::BoltDb;
use super::msgpack::{self, Value};
use crate::error::{Result, StoreError};
use crate::finding::{Code, Finding, Severity};
use crate::proto::text;

/// hashicorp/raft `LogType`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum LogType {
    Command,
    Noop,
    AddPeerDeprecated,
    RemovePeerDeprecated,
    Barrier,
    Configuration,
    Unknown(u64),
}

impl LogType {
    pub fn from_u64(v: u64) -> LogType {
        match v {
            0 => LogType::Command,
            1 => LogType::Noop,
            2 => LogType::AddPeerDeprecated,
            3 => LogType::RemovePeerDeprecated,
            4 => LogType::Barrier,
            5 => LogType::Configuration,
            n => LogType::Unknown(n),
        }
    }
}

/// The leader's wall clock when it appended an entry (7.3.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct AppendedAt {
    pub unix_secs: i64,
    pub nanos: u32,
}

impl AppendedAt {
    /// Nanoseconds since the Unix epoch, saturating.
    pub fn unix_nanos(&self) -> i64 {
        self.unix_secs
            .saturating_mul(1_000_000_000)
            .saturating_add(i64::from(self.nanos))
    }
}

/// One decoded Raft log entry. `data` is as stored (still encrypted when
/// 7.4 applies).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogEntry {
    pub index: u64,
    pub term: u64,
    pub log_type: LogType,
    pub data: Vec<u8>,
    pub appended_at: Option<AppendedAt>,
    /// File offset of the entry's key in raft.log (0 when not read from a
    /// file).
    pub offset: u64,
}

/// Seconds between 0001-01-01 and 1970-01-01 (Go's absolute epoch).
const GO_ABS_TO_UNIX: i64 = 62_135_596_800;

fn be(b: &[u8]) -> u64 {
    b.iter().fold(0u64, |a, x| (a << 8) | u64::from(*x))
}

/// Why a Raft log value (entry, configuration, peers) does not decode.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    #[error(transparent)]
    Msgpack(#[from] msgpack::DecodeError),
    #[error("entry is not a msgpack map")]
    NotAMap,
    #[error("AppendedAt has unexpected type {0}")]
    TimeType(String),
    #[error("AppendedAt of {0} bytes is not a known time encoding")]
    TimeLength(usize),
    #[error("AppendedAt has {0} nanoseconds")]
    TimeNanos(u32),
    #[error("no {0} field")]
    MissingField(&'static str),
    #[error("{key} is not {expected}: {found}")]
    FieldType {
        key: &'static str,
        expected: &'static str,
        found: String,
    },
    #[error("{0} is not an array")]
    NotAnArray(&'static str),
    #[error("Suffrage is {0}")]
    Suffrage(String),
    #[error("peer address is not a string")]
    PeerNotString,
}

/// Decodes go-msgpack's time encodings (7.3.2).
pub fn decode_time(v: &Value) -> std::result::Result<Option<AppendedAt>, DecodeError> {
    let raw = match v {
        Value::Nil => return Ok(None),
        Value::Bytes(b) => b.as_slice(),
        // The msgpack timestamp extension, should a codec ever use it.
        Value::Ext(-1, b) => b.as_slice(),
        other => return Err(DecodeError::TimeType(format!("{other:?}"))),
    };
    let t = match raw.len() {
        0 => return Ok(None),
        4 => AppendedAt {
            unix_secs: be(raw) as i64,
            nanos: 0,
        },
        8 => {
            let v = be(raw);
            AppendedAt {
                unix_secs: (v & 0x3_FFFF_FFFF) as i64,
                nanos: (v >> 34) as u32,
            }
        }
        12 => AppendedAt {
            nanos: be(&raw[..4]) as u32,
            unix_secs: be(&raw[4..]) as i64,
        },
        // Go time.MarshalBinary: version, i64 seconds since year 1, i32
        // nanoseconds, i16 zone offset (+ i8 seconds for version 2).
        15 | 16 if raw[0] == 1 || raw[0] == 2 => AppendedAt {
            unix_secs: (be(&raw[1..9]) as i64).wrapping_sub(GO_ABS_TO_UNIX),
            nanos: be(&raw[9..13]) as u32,
        },
        n => return Err(DecodeError::TimeLength(n)),
    };
    if t.nanos >= 1_000_000_000 {
        return Err(DecodeError::TimeNanos(t.nanos));
    }
    Ok(Some(t))
}

fn field_u64(map: &Value, key: &'static str) -> std::result::Result<u64, DecodeError> {
    match map.get(key) {
        Some(Value::Uint(v)) => Ok(*v),
        Some(other) => Err(DecodeError::FieldType {
            key,
            expected: "an unsigned integer",
            found: format!("{other:?}"),
        }),
        None => Err(DecodeError::MissingField(key)),
    }
}

fn field_bytes(map: &Value, key: &'static str) -> std::result::Result<Vec<u8>, DecodeError> {
    match map.get(key) {
        None | Some(Value::Nil) => Ok(Vec::new()),
        Some(Value::Bytes(b)) => Ok(b.clone()),
        Some(other) => Err(DecodeError::FieldType {
            key,
            expected: "a byte string",
            found: format!("{other:?}"),
        }),
    }
}

/// Decodes one `logs` value (7.3.1). Fields are found by name; unknown
/// keys are ignored.
pub fn decode_entry(buf: &[u8]) -> std::result::Result<LogEntry, DecodeError> {
    let v = msgpack::decode(buf)?;
    if !matches!(v, Value::Map(_)) {
        return Err(DecodeError::NotAMap);
    }
    let appended_at = match v.get("AppendedAt") {
        Some(t) => decode_time(t)?,
        None => None,
    };
    Ok(LogEntry {
        index: field_u64(&v, "Index")?,
        term: field_u64(&v, "Term")?,
        log_type: LogType::from_u64(field_u64(&v, "Type")?),
        data: field_bytes(&v, "Data")?,
        appended_at,
        offset: 0,
    })
}

/// A member of a Raft configuration.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RaftServer {
    /// The node ID.
    pub id: String,
    /// The Raft address, `<cluster_id>.<node_id>.<cluster_id>`.
    pub address: String,
    /// 0 Voter, 1 Nonvoter, 2 Staging.
    pub suffrage: u64,
}

impl RaftServer {
    pub fn suffrage_name(&self) -> &'static str {
        match self.suffrage {
            0 => "voter",
            1 => "nonvoter",
            2 => "staging",
            _ => "unknown",
        }
    }
}

fn servers_from(list: &Value) -> std::result::Result<Vec<RaftServer>, DecodeError> {
    let Value::Array(items) = list else {
        return Err(DecodeError::NotAnArray("Servers"));
    };
    items
        .iter()
        .map(|s| {
            Ok(RaftServer {
                id: text(&field_bytes(s, "ID")?),
                address: text(&field_bytes(s, "Address")?),
                suffrage: match s.get("Suffrage") {
                    None | Some(Value::Nil) => 0,
                    Some(Value::Uint(v)) => *v,
                    Some(other) => return Err(DecodeError::Suffrage(format!("{other:?}"))),
                },
            })
        })
        .collect()
}

/// Decodes the `Data` of a `LogConfiguration` entry.
pub fn decode_configuration(data: &[u8]) -> std::result::Result<Vec<RaftServer>, DecodeError> {
    let v = msgpack::decode(data)?;
    match v.get("Servers") {
        Some(Value::Nil) | None => Ok(Vec::new()),
        Some(list) => servers_from(list),
    }
}

/// Decodes a snapshot's deprecated `Peers` (msgpack array of addresses).
pub fn decode_peers(data: &[u8]) -> std::result::Result<Vec<String>, DecodeError> {
    if data.is_empty() {
        return Ok(Vec::new());
    }
    match msgpack::decode(data)? {
        Value::Array(items) => items
            .iter()
            .map(|i| i.as_bytes().map(text).ok_or(DecodeError::PeerNotString))
            .collect(),
        Value::Nil => Ok(Vec::new()),
        _ => Err(DecodeError::NotAnArray("Peers")),
    }
}

/// Derives the node ID from a Raft address `<cid>.<node>.<cid>`.
pub fn node_id_from_address(address: &str, cluster_id: &str) -> Option<String> {
    let rest = address.strip_prefix(cluster_id)?.strip_prefix('.')?;
    let node = rest.strip_suffix(cluster_id)?.strip_suffix('.')?;
    (!node.is_empty()).then(|| node.to_string())
}

/// Everything read from `raft.log`.
#[derive(Debug, Clone)]
pub struct RaftLogFile {
    pub path: PathBuf,
    pub page_size: u64,
    /// Transaction id of the meta that was used.
    pub txid: u64,
    pub current_term: Option<u64>,
    pub last_vote_term: Option<u64>,
    pub last_vote_candidate: Option<String>,
    /// `channels` bucket: channel name -> ID (v0.17.0+).
    pub channel_ids: BTreeMap<Vec<u8>, u64>,
    /// Entries in index order (undecodable ones are left out, see findings).
    pub entries: Vec<LogEntry>,
    pub findings: Vec<Finding>,
}

/// Reads `raft.log` read-only. With a damaged newest commit, falls back to
/// the previous one (7.2.6) and says so in the findings.
pub fn read_raft_log(path: &Path) -> Result<RaftLogFile> {
    let mut db = BoltDb::open(path)?;
    let mut notes: Vec<Finding> = db
        .meta_notes
        .iter()
        .map(|n| {
            Finding::described(
                Code::RaftBolt,
                Severity::Warning,
                path.display().to_string(),
                n.clone(),
                "bolt uses the other meta page",
            )
        })
        .collect();
    match read_with(&db) {
        Ok(mut out) => {
            notes.append(&mut out.findings);
            out.findings = notes;
            Ok(out)
        }
        Err(first_err @ StoreError::Corrupt { .. }) => {
            let newest = db.meta().txid;
            if !db.use_other_meta() {
                return Err(first_err);
            }
            match read_with(&db) {
                Ok(mut out) => {
                    notes.push(Finding::described(
                        Code::RaftBolt,
                        Severity::Error,
                        path.display().to_string(),
                        format!(
                            "the newest commit (txid {newest}) is unreadable ({first_err}); read the previous commit (txid {}) instead: the newest entries may be missing",
                            db.meta().txid
                        ),
                        "bolt uses the newest meta and the server may fail or panic reading it",
                    ));
                    notes.append(&mut out.findings);
                    out.findings = notes;
                    Ok(out)
                }
                Err(_) => Err(first_err),
            }
        }
        Err(e) => Err(e),
    }
}

fn be_u64(v: &[u8]) -> Option<u64> {
    (v.len() == 8).then(|| be(v))
}

fn read_with(db: &BoltDb) -> Result<RaftLogFile> {
    let path = db.path().to_path_buf();
    let loc = |page: u64, offset: u64| format!("{} page {page} at offset {offset}", path.display());
    let root = db.root();
    let mut out = RaftLogFile {
        path: path.clone(),
        page_size: db.page_size(),
        txid: db.meta().txid,
        current_term: None,
        last_vote_term: None,
        last_vote_candidate: None,
        channel_ids: BTreeMap::new(),
        entries: Vec::new(),
        findings: Vec::new(),
    };
    let Some(logs) = db.bucket(&root, b"logs")? else {
        return Err(StoreError::corrupt(
            &path,
            db.meta().root.saturating_mul(db.page_size()),
            "no \"logs\" bucket: not a Raft log store",
        ));
    };
    if let Some(conf) = db.bucket(&root, b"conf")? {
        let mut findings = Vec::new();
        db.for_each(&conf, &mut |item| {
            match item.key {
                b"CurrentTerm" | b"LastVoteTerm" => match be_u64(item.value) {
                    Some(v) if item.key == b"CurrentTerm" => out.current_term = Some(v),
                    Some(v) => out.last_vote_term = Some(v),
                    None => findings.push(Finding::described(
                        Code::RaftBolt,
                        Severity::Warning,
                        loc(item.page, item.offset),
                        format!(
                            "conf {} has {} bytes (expected 8)",
                            text(item.key),
                            item.value.len()
                        ),
                        "raft fails to start",
                    )),
                },
                b"LastVoteCand" => out.last_vote_candidate = Some(text(item.value)),
                _ => {}
            }
            Ok(true)
        })?;
        out.findings.append(&mut findings);
    }
    if let Some(chans) = db.bucket(&root, b"channels")? {
        let mut findings = Vec::new();
        let mut ids = BTreeMap::new();
        db.for_each(&chans, &mut |item| {
            match be_u64(item.value) {
                Some(id) if !item.is_bucket => {
                    ids.insert(item.key.to_vec(), id);
                }
                _ => findings.push(Finding::described(
                    Code::RaftBolt,
                    Severity::Warning,
                    loc(item.page, item.offset),
                    format!(
                        "channels bucket: value of {:?} is not an 8-byte channel ID",
                        text(item.key)
                    ),
                    "the server reads it as a corrupt ID",
                )),
            }
            Ok(true)
        })?;
        out.channel_ids = ids;
        out.findings.append(&mut findings);
    }
    let mut entries = Vec::new();
    let mut findings = Vec::new();
    let mut prev_key: Option<u64> = None;
    db.for_each(&logs, &mut |item| {
        let location = loc(item.page, item.offset);
        let Some(key) = be_u64(item.key).filter(|_| !item.is_bucket) else {
            findings.push(Finding::described(
                Code::RaftBolt,
                Severity::Error,
                location,
                format!(
                    "logs bucket element with a {}-byte key{} (expected an 8-byte index)",
                    item.key.len(),
                    if item.is_bucket {
                        " holding a bucket"
                    } else {
                        ""
                    }
                ),
                "not a valid Raft log entry",
            ));
            return Ok(true);
        };
        if let Some(p) = prev_key {
            if key <= p {
                return Err(StoreError::corrupt(
                    db.path(),
                    item.offset,
                    format!(
                        "logs bucket keys out of order: index {key} after {p} (damaged B+tree)"
                    ),
                ));
            }
        }
        prev_key = Some(key);
        match decode_entry(item.value) {
            Ok(mut e) => {
                e.offset = item.offset;
                if e.index != key {
                    findings.push(Finding::described(
                        Code::RaftEntry,
                        Severity::Error,
                        location,
                        format!("entry stored under index {key} says Index {}", e.index),
                        "raft uses the stored Index",
                    ));
                }
                entries.push(e);
            }
            Err(msg) => findings.push(Finding::described(
                Code::RaftEntry,
                Severity::Error,
                location,
                format!(
                    "Raft log entry {key} ({} bytes) does not decode: {msg}",
                    item.value.len()
                ),
                "the server fails when it has to read this entry",
            )),
        }
        Ok(true)
    })?;
    out.entries = entries;
    out.findings.append(&mut findings);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_util::hex;

    fn mp_str(s: &str) -> Vec<u8> {
        let mut v = vec![0xa0 | s.len() as u8];
        v.extend_from_slice(s.as_bytes());
        v
    }

    /// docs/FORMAT.md 7.10, index 1: bootstrap configuration.
    #[test]
    fn configuration_entry() {
        let mut conf = vec![0x81];
        conf.extend(mp_str("Servers"));
        conf.extend([0x91, 0x83]);
        conf.extend(mp_str("Address"));
        conf.extend(mp_str("tclb.n.tclb"));
        conf.extend(mp_str("ID"));
        conf.extend(mp_str("n"));
        conf.extend(mp_str("Suffrage"));
        conf.push(0x00);
        assert_eq!(conf.len(), 0x2e);
        let mut e = vec![0x86];
        e.extend(mp_str("AppendedAt"));
        e.push(0xc0);
        e.extend(mp_str("Data"));
        e.extend([0xda, 0x00, 0x2e]);
        e.extend(&conf);
        e.extend(mp_str("Extensions"));
        e.push(0xc0);
        e.extend(mp_str("Index"));
        e.push(0x01);
        e.extend(mp_str("Term"));
        e.push(0x01);
        e.extend(mp_str("Type"));
        e.push(0x05);
        let entry = decode_entry(&e).unwrap();
        assert_eq!(entry.index, 1);
        assert_eq!(entry.term, 1);
        assert_eq!(entry.log_type, LogType::Configuration);
        assert_eq!(entry.appended_at, None);
        let servers = decode_configuration(&entry.data).unwrap();
        assert_eq!(
            servers,
            vec![RaftServer {
                id: "n".into(),
                address: "tclb.n.tclb".into(),
                suffrage: 0
            }]
        );
        assert_eq!(
            node_id_from_address("tclb.n.tclb", "tclb").as_deref(),
            Some("n")
        );
    }

    /// docs/FORMAT.md 7.10, index 2: leader no-op with AppendedAt.
    #[test]
    fn noop_entry() {
        let e = decode_entry(&hex("86aa417070656e6465644174a84c1585ec6b0642d0a444617461c0aa457874656e73696f6e73c0a5496e64657802a45465726d02a45479706501")).unwrap();
        assert_eq!(e.index, 2);
        assert_eq!(e.term, 2);
        assert_eq!(e.log_type, LogType::Noop);
        assert!(e.data.is_empty());
        assert_eq!(
            e.appended_at,
            Some(AppendedAt {
                unix_secs: 1795572432,
                nanos: 319119739
            })
        );
    }

    /// docs/FORMAT.md 7.10, index 8340: Disconnect of w2.
    #[test]
    fn command_entry() {
        let e = decode_entry(&hex("86aa417070656e6465644174a80c9a4a586b064393a444617461a8080742040a027732aa457874656e73696f6e73c0a5496e646578cd2094a45465726d02a45479706500")).unwrap();
        assert_eq!(e.index, 8340);
        assert_eq!(e.term, 2);
        assert_eq!(e.log_type, LogType::Command);
        assert_eq!(e.data, hex("080742040a027732"));
    }

    #[test]
    fn time_encodings() {
        let t4 = decode_time(&Value::Bytes(vec![0, 0, 0, 10]))
            .unwrap()
            .unwrap();
        assert_eq!((t4.unix_secs, t4.nanos), (10, 0));
        let mut b12 = vec![0, 0, 0, 5];
        b12.extend((-3i64).to_be_bytes());
        let t12 = decode_time(&Value::Bytes(b12)).unwrap().unwrap();
        assert_eq!((t12.unix_secs, t12.nanos), (-3, 5));
        // Go MarshalBinary of 1970-01-01T00:00:01.000000002Z.
        let mut b15 = vec![1];
        b15.extend((GO_ABS_TO_UNIX + 1).to_be_bytes());
        b15.extend(2i32.to_be_bytes());
        b15.extend((-1i16).to_be_bytes());
        let t15 = decode_time(&Value::Bytes(b15)).unwrap().unwrap();
        assert_eq!((t15.unix_secs, t15.nanos), (1, 2));
        assert_eq!(
            decode_time(&Value::Bytes(vec![1, 2, 3])),
            Err(DecodeError::TimeLength(3))
        );
        assert_eq!(decode_time(&Value::Nil).unwrap(), None);
    }

    #[test]
    fn snapshot_peers() {
        let peers = hex("93a9 74636c2e612e74636c a9 74636c2e622e74636c a9 74636c2e632e74636c");
        assert_eq!(
            decode_peers(&peers).unwrap(),
            vec!["tcl.a.tcl", "tcl.b.tcl", "tcl.c.tcl"]
        );
    }
}
