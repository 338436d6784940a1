//! hashicorp/raft file snapshots (docs/FORMAT.md 7.6): `meta.json`, the CRC-64
//! of `state.bin`, and the STAN `RaftSnapshot` payload.

use std::fs;
use std::path::{Path, PathBuf};

use base64::Engine as _;
use prost::Message as _;
use serde::{Deserialize, Serialize};

use super::entries::{decode_peers, DecodeError, RaftServer};
use super::pb::RaftSnapshot;
use crate::error::{Result, StoreError};
use crate::finding::{Code, Finding, Severity};

/// CRC-64/XZ (Go `hash/crc64` with the ECMA table).
pub fn crc64_ecma(data: &[u8]) -> u64 {
    const POLY: u64 = 0xC96C_5795_D787_0F42;
    static TABLE: std::sync::OnceLock<[u64; 256]> = std::sync::OnceLock::new();
    let table = TABLE.get_or_init(|| {
        let mut t = [0u64; 256];
        for (i, slot) in t.iter_mut().enumerate() {
            let mut c = i as u64;
            for _ in 0..8 {
                c = if c & 1 == 1 { (c >> 1) ^ POLY } else { c >> 1 };
            }
            *slot = c;
        }
        t
    });
    let mut crc = !0u64;
    for b in data {
        crc = table[((crc ^ u64::from(*b)) & 0xff) as usize] ^ (crc >> 8);
    }
    !crc
}

#[derive(Deserialize)]
struct ServerJson {
    #[serde(rename = "Suffrage", default)]
    suffrage: u64,
    #[serde(rename = "ID", default)]
    id: String,
    #[serde(rename = "Address", default)]
    address: String,
}

#[derive(Deserialize)]
struct ConfigurationJson {
    #[serde(rename = "Servers", default)]
    servers: Option<Vec<ServerJson>>,
}

#[derive(Deserialize)]
struct MetaJson {
    #[serde(rename = "Version", default)]
    version: i64,
    #[serde(rename = "ID", default)]
    id: String,
    #[serde(rename = "Index", default)]
    index: u64,
    #[serde(rename = "Term", default)]
    term: u64,
    #[serde(rename = "Peers", default)]
    peers: Option<String>,
    #[serde(rename = "Configuration", default)]
    configuration: Option<ConfigurationJson>,
    #[serde(rename = "ConfigurationIndex", default)]
    configuration_index: u64,
    #[serde(rename = "Size", default)]
    size: i64,
    #[serde(rename = "CRC", default)]
    crc: Option<String>,
}

/// A snapshot's `meta.json` (7.6.1).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SnapshotMeta {
    pub version: i64,
    pub id: String,
    pub index: u64,
    pub term: u64,
    /// Raft addresses from the deprecated `Peers` field.
    pub peers: Vec<String>,
    pub configuration: Vec<RaftServer>,
    pub configuration_index: u64,
    pub size: i64,
    /// CRC-64 of `state.bin` as stored (8 bytes, big-endian).
    #[serde(skip)]
    pub crc: Vec<u8>,
}

/// Why a snapshot's `meta.json` cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum MetaError {
    #[error("invalid JSON: {0}")]
    Json(serde_json::Error),
    #[error("empty file")]
    Empty,
    #[error("{field} is not base64: {error}")]
    Base64 {
        field: &'static str,
        error: base64::DecodeError,
    },
    #[error("Peers: {0}")]
    Peers(DecodeError),
}

/// Parses `meta.json`.
pub fn parse_meta(bytes: &[u8]) -> std::result::Result<SnapshotMeta, MetaError> {
    // Go's json.Decoder reads the first value; trailing data is ignored.
    let mut stream = serde_json::Deserializer::from_slice(bytes).into_iter::<MetaJson>();
    let m = match stream.next() {
        Some(Ok(m)) => m,
        Some(Err(e)) => return Err(MetaError::Json(e)),
        None => return Err(MetaError::Empty),
    };
    let b64 = base64::engine::general_purpose::STANDARD;
    let crc = match &m.crc {
        Some(s) => b64.decode(s).map_err(|error| MetaError::Base64 {
            field: "CRC",
            error,
        })?,
        None => Vec::new(),
    };
    let peers = match &m.peers {
        Some(s) => {
            let raw = b64.decode(s).map_err(|error| MetaError::Base64 {
                field: "Peers",
                error,
            })?;
            decode_peers(&raw).map_err(MetaError::Peers)?
        }
        None => Vec::new(),
    };
    let configuration = m
        .configuration
        .and_then(|c| c.servers)
        .unwrap_or_default()
        .into_iter()
        .map(|s| RaftServer {
            id: s.id,
            address: s.address,
            suffrage: s.suffrage,
        })
        .collect();
    Ok(SnapshotMeta {
        version: m.version,
        id: m.id,
        index: m.index,
        term: m.term,
        peers,
        configuration,
        configuration_index: m.configuration_index,
        size: m.size,
        crc,
    })
}

/// A snapshot directory whose `meta.json` is usable.
#[derive(Debug, Clone)]
pub struct SnapshotDir {
    pub dir: PathBuf,
    pub name: String,
    pub meta: SnapshotMeta,
}

/// Lists the usable snapshots of `snapshots/`, newest first, as raft's
/// `getSnapshots` does: directories not ending in `.tmp` whose `meta.json`
/// parses and whose version is 0 or 1, sorted by (Term, Index, ID)
/// descending. Skipped entries are reported in `findings`.
pub fn list_snapshots(snap_dir: &Path, findings: &mut Vec<Finding>) -> Result<Vec<SnapshotDir>> {
    let rd = match fs::read_dir(snap_dir) {
        Ok(rd) => rd,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(StoreError::io(snap_dir, e)),
    };
    let mut out = Vec::new();
    for entry in rd {
        let entry = entry.map_err(|e| StoreError::io(snap_dir, e))?;
        let path = entry.path();
        if !entry.file_type().map(|t| t.is_dir()).unwrap_or(false) {
            continue;
        }
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.ends_with(".tmp") {
            findings.push(Finding::described(
                Code::RaftSnapshot,
                Severity::Info,
                path.display().to_string(),
                "unfinished snapshot (.tmp) ignored".into(),
                "ignores it (raft logs \"found temporary snapshot\")",
            ));
            continue;
        }
        let meta_path = path.join("meta.json");
        // raft skips a snapshot whose meta.json it cannot use.
        let skipped = |why: String| {
            Finding::described(
                Code::RaftSnapshot,
                Severity::Warning,
                meta_path.display().to_string(),
                format!("snapshot skipped: {why}"),
                "skips this snapshot",
            )
        };
        let bytes = match crate::safe_fs::read_regular(&meta_path) {
            Ok(b) => b,
            Err(e) => {
                findings.push(skipped(format!("meta.json unreadable: {e}")));
                continue;
            }
        };
        let meta = match parse_meta(&bytes) {
            Ok(m) => m,
            Err(e) => {
                findings.push(skipped(e.to_string()));
                continue;
            }
        };
        if !(0..=1).contains(&meta.version) {
            findings.push(skipped(format!("unsupported version {}", meta.version)));
            continue;
        }
        out.push(SnapshotDir {
            dir: path,
            name,
            meta,
        });
    }
    out.sort_by(|a, b| {
        (b.meta.term, b.meta.index, &b.meta.id).cmp(&(a.meta.term, a.meta.index, &a.meta.id))
    });
    Ok(out)
}

/// Opens `state.bin` like raft's `Open` (CRC check) and decodes it like the
/// server's `Restore`. `Ok(None)`: a 0-byte file ("no state").
pub fn read_state(snap: &SnapshotDir) -> Result<Option<RaftSnapshot>> {
    let path = snap.dir.join("state.bin");
    let bytes = crate::safe_fs::read_regular(&path)?;
    let crc = crc64_ecma(&bytes).to_be_bytes();
    if snap.meta.crc != crc {
        return Err(StoreError::corrupt(
            &path,
            0,
            format!(
                "CRC mismatch: meta.json has {} but state.bin ({} bytes) hashes to {}",
                hex::encode(&snap.meta.crc),
                bytes.len(),
                hex::encode(crc)
            ),
        ));
    }
    if bytes.is_empty() {
        return Ok(None);
    }
    if bytes.len() < 4 {
        return Err(StoreError::corrupt(
            &path,
            0,
            format!("{} bytes: too short for the 4-byte length", bytes.len()),
        ));
    }
    let n = u32::from_le_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]) as usize;
    let body = bytes.get(4..4usize.saturating_add(n)).ok_or_else(|| {
        StoreError::corrupt(
            &path,
            0,
            format!(
                "length prefix says {n} bytes but only {} follow",
                bytes.len() - 4
            ),
        )
    })?;
    RaftSnapshot::decode(body)
        .map(Some)
        .map_err(|e| StoreError::corrupt(&path, 4, format!("error decoding snapshot record: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crc64_check_value() {
        assert_eq!(crc64_ecma(b"123456789"), 0x995D_C9BB_DF19_39FA);
        assert_eq!(crc64_ecma(b""), 0);
    }

    /// docs/FORMAT.md 7.10 `meta.json`.
    #[test]
    fn meta_test_vector() {
        let json = br#"{"Version":1,"ID":"2-8334-1795572596196","Index":8334,"Term":2,"Peers":"k6l0Y2wuYS50Y2ypdGNsLmIudGNsqXRjbC5jLnRjbA==","Configuration":{"Servers":[{"Suffrage":0,"ID":"a","Address":"tcl.a.tcl"},{"Suffrage":0,"ID":"b","Address":"tcl.b.tcl"},{"Suffrage":0,"ID":"c","Address":"tcl.c.tcl"}]},"ConfigurationIndex":1,"Size":1807,"CRC":"AUvjvamEp4M="}
"#;
        let m = parse_meta(json).unwrap();
        assert_eq!(m.version, 1);
        assert_eq!(m.id, "2-8334-1795572596196");
        assert_eq!((m.index, m.term), (8334, 2));
        assert_eq!(m.peers, vec!["tcl.a.tcl", "tcl.b.tcl", "tcl.c.tcl"]);
        assert_eq!(m.configuration.len(), 3);
        assert_eq!(m.configuration[1].id, "b");
        assert_eq!(m.configuration[1].address, "tcl.b.tcl");
        assert_eq!(m.configuration_index, 1);
        assert_eq!(m.size, 1807);
        assert_eq!(m.crc, vec![0x01, 0x4b, 0xe3, 0xbd, 0xa9, 0x84, 0xa7, 0x83]);
        assert!(parse_meta(b"{").is_err());
        assert!(parse_meta(b"").is_err());
    }
}
