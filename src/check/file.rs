//! Integrity check of a file store (docs/FORMAT.md sections 1-2): every file's
//! version header, the framing and CRC of every record, index <-> data
//! agreement, sequence gaps, torn and zero-padded tails, orphan records,
//! unknown record types, stray files and a live lock holder.
//!
//! Each slice is also run through the server's own recovery decision
//! (2.8.2): is the index trusted, or would the server rebuild it from the
//! data file, and where would that scan stop? Findings say which.
//!
//! Nothing is written. Memory stays bounded: files are streamed, and no
//! payload larger than what is left in its file is ever allocated.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use prost::Message as _;

use super::compat::{Constraint, Verdict};
use super::{Code, Finding, Need, Severity, Stats};
use crate::crc::Crc32;
use crate::crypto::{likely_envelope, Cipher};
use crate::error::Result;
use crate::filestore::record::{
    CLIENT_ADD, CLIENT_DELETE, KNOWN_POLYS, SUB_ACK, SUB_DELETE, SUB_MSG, SUB_NEW, SUB_UPDATE,
};
use crate::filestore::replay::{ClientsReplay, ReplayedSub, SubsReplay};
use crate::filestore::slice::{index_file_name, slice_name, SliceName};
use crate::filestore::slice::{
    index_record_number, EntrySource, IndexEntry, IndexReader, ReadOptions, SliceFiles,
    SliceSummary, INDEX_RECORD_LEN,
};
use crate::filestore::walk::{
    recover_slice, seq_hint, walk_data_file, walk_typed_log, CrcMismatch, DataObserver, DataRecord,
    DecodedMsg, FrameCursor, IndexEvent, LogEnd, LogRecord, ScanEnd, SliceObserver,
};
use crate::proto::{self, ClientDelete, ClientInfo, SubState, SubStateDelete};

const HEADER: u64 = 8;
/// Findings listed per file before the rest are summarised.
const MAX_PER_FILE: usize = 25;
/// `server.dat` is one small record; anything bigger is damage.
const SERVER_DAT_MAX: u64 = 1 << 20;

const REFUSES: &str = "refuses to start";

/// How to check.
#[derive(Debug, Clone)]
pub struct FileCheckOptions {
    /// The server's `file_crc_poly`.
    pub crc_poly: u32,
    /// The server's `file_crc`: whether it verifies CRCs when reading.
    pub verify_crc: bool,
    /// Read and verify every message, not only what the server reads at
    /// start-up.
    pub deep: bool,
}

impl Default for FileCheckOptions {
    fn default() -> Self {
        FileCheckOptions {
            crc_poly: crate::crc::IEEE,
            verify_crc: true,
            deep: false,
        }
    }
}

/// What the check found.
#[derive(Debug, Clone, Default)]
pub struct FileCheck {
    pub findings: Vec<Finding>,
    /// Version constraints derived from what is on disk.
    pub constraints: Vec<Constraint>,
    pub notes: Vec<String>,
    pub stats: Stats,
    /// Cluster id from `server.dat`, if readable.
    pub cluster_id: Option<String>,
    /// What the server's recovery makes of each non-empty slice, by
    /// channel, in the server's order.
    pub slices: Vec<(String, SliceSummary)>,
}

/// Check the file store at `root`. Errors only when it cannot be opened at
/// all (not a directory, no `server.dat`).
pub fn check(root: &Path, opts: &FileCheckOptions) -> Result<FileCheck> {
    crate::filestore::ensure_store_root(root)?;
    let mut c = Checker {
        root: root.to_path_buf(),
        opts: opts.clone(),
        crc: Crc32::new(opts.crc_poly),
        out: FileCheck::default(),
        per_file: BTreeMap::new(),
        features: Features::default(),
        clients: BTreeSet::new(),
    };
    c.run()?;
    Ok(c.out)
}

// ------------------------------------------------------------------ helpers

/// `util.IsChannelNameValid(name, false)`, and no backslash or NUL
/// ([`crate::model::channel_name_problem`]).
pub fn channel_name_valid(name: &str) -> bool {
    crate::model::channel_name_problem(name).is_none()
}

fn le32(b: &[u8]) -> u32 {
    let mut w = [0u8; 4];
    w.copy_from_slice(&b[..4]);
    u32::from_le_bytes(w)
}

fn seqs_text(first: u64, last: u64) -> String {
    if first == last {
        format!("seq {first}")
    } else {
        format!("seqs {first}-{last}")
    }
}

/// A 32-byte index record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Entry {
    at: u64,
    seq: u64,
    offset: u64,
    timestamp: i64,
    size: u64,
}

impl Entry {
    /// The record read at byte `at` of the index file.
    fn new(at: u64, e: &IndexEntry) -> Entry {
        Entry {
            at,
            seq: e.seq,
            offset: e.offset,
            timestamp: e.timestamp,
            size: u64::from(e.size),
        }
    }
}

/// What the server does with a slice's index (2.8.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// The index is trusted; the data file is not scanned.
    Trusted,
    /// The data file is scanned and the index rebuilt.
    Scan,
}

#[derive(Default)]
struct Features {
    node_id: Option<String>,
    client_v010: bool,
    sub_closed: bool,
    sub_records_clustered: Option<String>,
    high_slice: Option<(i64, String)>,
    encrypted: Option<(Cipher, String)>,
    index_gap: Option<String>,
    zero_padding: Option<String>,
    no_server_info_with_channels: bool,
    legacy: bool,
    server_info_fields: Option<(bool, bool)>,
    /// The first store file that cannot be read: every server refuses.
    unreadable: Option<String>,
}

/// The server's view of one slice.
#[derive(Debug, Clone)]
struct SliceView {
    number: i64,
    rel: String,
    first: u64,
    last: u64,
    count: u64,
}

struct Checker {
    root: PathBuf,
    opts: FileCheckOptions,
    crc: Crc32,
    out: FileCheck,
    per_file: BTreeMap<String, usize>,
    features: Features,
    /// Clients recovered from clients.dat.
    clients: BTreeSet<String>,
}

impl Checker {
    fn push(&mut self, f: Finding) {
        let key = f.file.clone().unwrap_or_else(|| f.location.clone());
        let n = self.per_file.entry(key).or_insert(0);
        *n += 1;
        if *n <= MAX_PER_FILE {
            self.out.findings.push(f);
        }
    }

    /// `file.unreadable`: a file the server opens at start-up cannot be
    /// read, so no version starts on the store.
    fn unreadable(&mut self, rel: &str, e: &dyn std::fmt::Display) {
        self.features
            .unreadable
            .get_or_insert_with(|| rel.to_string());
        self.push(
            Finding::at_file(Severity::Error, Code::FileUnreadable, rel, None)
                .msg(format!("cannot read: {e}"))
                .expected("a readable file")
                .found(e.to_string())
                .server("fails to open it and refuses to start"),
        );
    }

    fn run(&mut self) -> Result<()> {
        // A directory at server.dat or clients.dat is among `files`, and
        // found unreadable by check_server_dat or check_clients.
        let crate::filestore::RootEntries {
            channels: dirs,
            others: files,
        } = crate::filestore::root_entries(&self.root)?;
        self.out.stats.channels = dirs.len() as u64;

        self.detect_legacy();
        if self.features.legacy {
            self.finish_constraints(!dirs.is_empty());
            return Ok(());
        }
        self.check_server_dat(!dirs.is_empty());
        self.check_clients();
        for name in &files {
            self.root_file(name);
        }
        for name in &dirs {
            self.check_channel(name);
        }
        self.finish_constraints(!dirs.is_empty());
        Ok(())
    }

    // ------------------------------------------------------------ root

    fn detect_legacy(&mut self) {
        // docs/FORMAT.md 2.14: text clients.dat, server.dat without CRC.
        let clients = self.root.join("clients.dat");
        let mut text = false;
        // Only a sniff: a clients.dat that cannot be opened or read is not
        // taken for legacy, and check_clients reports it (file.unreadable).
        if let Ok(mut src) = FrameCursor::open(&clients, false) {
            let mut b = [0u8; 6];
            if src.read_up_to(&mut b).unwrap_or(0) == 6 {
                text = le32(&b[0..4]) == 1 && (&b[4..6] == b"A " || &b[4..6] == b"D ");
            }
        }
        if text {
            self.features.legacy = true;
            self.push(
                Finding::at_file(
                    Severity::Error,
                    Code::StoreLegacyLayout,
                    "clients.dat",
                    Some(4),
                )
                .msg("legacy v0.1.0 layout: clients.dat holds text lines (\"A <id> <inbox>\")")
                .expected("typed records {type<<24|size, crc, ClientInfo} (v0.2.0+)")
                .found("text records of the v0.1.0 file store")
                .server(
                    "v0.2.0 and later cannot read it (no converter exists); only v0.1.0 opens it",
                ),
            );
        }
    }

    fn root_file(&mut self, name: &str) {
        match name {
            "server.dat" | "clients.dat" => {}
            ".rootdir.lck" => {
                let path = self.root.join(name);
                match crate::safe_fs::lock_holder(&path) {
                    Some(pid) => self.push(
                        Finding::at_file(Severity::Warning, Code::StoreLocked, name, None)
                            .msg(format!(
                                "a live server (pid {pid}) holds the store lock: what it writes meanwhile may show up as partial records"
                            ))
                            .expected("no process holding the lock")
                            .found(format!("POSIX write lock held by pid {pid}"))
                            .server("a second fault-tolerant server waits for the lock; the running one keeps writing"),
                    ),
                    None => self.push(
                        Finding::at_file(Severity::Info, Code::StoreLockFile, name, None)
                            .msg("lock file of a fault-tolerance (FT) server; not held now")
                            .expected("-")
                            .found("unlocked .rootdir.lck")
                            .server("an FT server locks it at start-up"),
                    ),
                }
            }
            ".truncate.lck" => self.push(
                Finding::at_file(Severity::Info, Code::StoreTruncateLock, name, None)
                    .msg("a server was started with -file_truncate_bad_eof and not restarted without it since")
                    .expected("-")
                    .found(".truncate.lck")
                    .server("refuses -file_truncate_bad_eof while it exists; removes it on a start without the flag"),
            ),
            _ => {
                let temp = name
                    .strip_prefix("clients.dat")
                    .or_else(|| name.strip_prefix("subs"))
                    .is_some_and(|d| !d.is_empty() && d.bytes().all(|b| b.is_ascii_digit()));
                if temp {
                    self.push(
                        Finding::at_file(Severity::Warning, Code::StoreCompactionLeftover, name, None)
                            .msg("leftover temporary file of an interrupted compaction")
                            .expected("no temporary file (it is renamed over its target when compaction ends)")
                            .found(format!("{name}: a crash happened during compaction"))
                            .server("ignores it; it can be removed once the store checks out"),
                    );
                } else {
                    self.push(
                        Finding::at_file(Severity::Info, Code::StoreStrayFile, name, None)
                            .msg("file unknown to the store")
                            .expected("server.dat, clients.dat, lock files and channel directories")
                            .found(name.to_string())
                            .server("ignores regular files in the root"),
                    );
                }
            }
        }
    }

    /// Check `server.dat`; returns the ServerInfo when it is readable.
    /// Only a server.dat the server reads as holding no information (the
    /// header only, or a record header with no payload) counts as "no
    /// server information" for the compatibility verdict: one it cannot
    /// open or refuses (a directory, a bad CRC) is an error, not empty.
    fn check_server_dat(&mut self, has_channels: bool) -> Option<proto::ServerInfo> {
        let rel = "server.dat";
        let path = self.root.join(rel);
        let mut src = self.open_counted(rel, FrameCursor::open(&path, false))?;
        let len = src.len();
        if len == 4 {
            if has_channels {
                self.features.no_server_info_with_channels = true;
                self.push(
                    Finding::at_file(Severity::Warning, Code::ServerEmptyWithChannels, rel, Some(4))
                        .msg("no server information, but channel directories exist")
                        .expected("one ServerInfo record")
                        .found("the 4-byte header only")
                        .server("v0.25.0+: writes new server information and recovers the channels; before v0.25.0: starts empty and ignores them"),
                );
            } else {
                self.push(
                    Finding::at_file(Severity::Info, Code::ServerEmpty, rel, Some(4))
                        .msg("no server information: the store was never used")
                        .expected("-")
                        .found("header only")
                        .server("starts with an empty store"),
                );
            }
            return None;
        }
        if len > SERVER_DAT_MAX {
            self.push(
                Finding::at_file(Severity::Error, Code::ServerSize, rel, Some(4))
                    .msg(format!(
                        "server.dat is {len} bytes; it holds one small record"
                    ))
                    .expected("4 + 8 + size of one ServerInfo record")
                    .found(format!("{len} bytes"))
                    .server(format!("{REFUSES} (incorrect file size)")),
            );
            return None;
        }
        let mut buf = Vec::new();
        src.seek(0);
        if let Err(e) = src.read_vec(len).map(|b| buf = b) {
            self.unreadable(rel, &e);
            return None;
        }
        if buf.len() < 12 {
            self.push(
                Finding::at_file(Severity::Error, Code::RecordTorn, rel, Some(4))
                    .msg(format!(
                        "partial record header ({} of 8 bytes)",
                        buf.len() - 4
                    ))
                    .expected("an 8-byte record header")
                    .found(format!("{} bytes", buf.len() - 4))
                    .ok_up_to(4)
                    .server(format!("{REFUSES} (server file corrupted: unexpected EOF)")),
            );
            return None;
        }
        let size = u64::from(le32(&buf[4..8]));
        let stored = le32(&buf[8..12]);
        if size == 0 && stored == 0 {
            self.push(
                Finding::at_file(Severity::Error, Code::RecordZeroPadding, rel, Some(4))
                    .msg("zero-filled record header")
                    .expected("one ServerInfo record")
                    .found("zeros")
                    .server(format!(
                        "{REFUSES} (server file corrupted: end of file padded with zeros)"
                    )),
            );
            return None;
        }
        if len == 12 {
            // The server reads no information, as from the header only.
            self.features.no_server_info_with_channels = has_channels;
            self.push(
                Finding::at_file(Severity::Error, Code::RecordHeaderOnly, rel, Some(4))
                    .msg(format!("record header (size {size}) with no payload"))
                    .expected(format!("{size} payload bytes"))
                    .found("end of file")
                    .server("reads it as end of file: the store is treated as having no server information (quirk Q1)"),
            );
            return None;
        }
        if 12 + size != len {
            let (code, what) = if 12 + size > len {
                (Code::RecordTorn, "unexpected EOF")
            } else {
                (Code::ServerSize, "incorrect file size")
            };
            self.push(
                Finding::at_file(Severity::Error, code, rel, Some(4))
                    .msg(format!(
                        "server.dat is {len} bytes; its record needs {}",
                        12 + size
                    ))
                    .expected(format!("{} bytes (header + one record)", 12 + size))
                    .found(format!("{len} bytes"))
                    .length(len - 4)
                    .server(format!("{REFUSES} ({what})")),
            );
            return None;
        }
        let payload = &buf[12..];
        self.out.stats.records += 1;
        self.out.stats.crc_verified += 1;
        let actual = self.crc.checksum(payload);
        if actual != stored {
            let fits = KNOWN_POLYS.iter().find(|(poly, _)| {
                *poly != self.opts.crc_poly && Crc32::new(*poly).checksum(payload) == stored
            });
            match fits {
                Some((poly, name)) => {
                    self.push(
                        Finding::at_file(Severity::Error, Code::CrcPolynomial, rel, Some(4))
                            .msg(format!(
                                "CRCs were written with the {name} polynomial (0x{poly:08X}), not the configured 0x{:08X}; checking the rest with {name}",
                                self.opts.crc_poly
                            ))
                            .expected(format!("crc 0x{actual:08x} (polynomial 0x{:08X})", self.opts.crc_poly))
                            .found(format!("crc 0x{stored:08x}"))
                            .server(format!("{REFUSES} unless run with -file_crc_poly {poly}"))
                            .needs(Need::CrcPolynomial(*poly)),
                    );
                    self.crc = Crc32::new(*poly);
                }
                None => {
                    self.push(
                        Finding::at_file(Severity::Error, Code::RecordCrc, rel, Some(4))
                            .msg("ServerInfo record CRC mismatch")
                            .expected(format!("crc 0x{stored:08x} (stored)"))
                            .found(format!("crc 0x{actual:08x} (computed)"))
                            .length(len - 4)
                            .server(if self.opts.verify_crc {
                                format!("{REFUSES} (corrupted data)")
                            } else {
                                "does not verify it (file_crc=false) and uses what decodes"
                                    .to_string()
                            }),
                    );
                    return None;
                }
            }
        }
        match proto::ServerInfo::decode(payload) {
            Ok(info) => {
                let cluster = proto::text(&info.cluster_id);
                if cluster.is_empty() {
                    self.push(
                        Finding::at_file(Severity::Warning, Code::ServerNoClusterId, rel, Some(12))
                            .msg("ServerInfo has no cluster id")
                            .expected("a cluster id")
                            .found("empty")
                            .server("starts with its configured cluster id"),
                    );
                }
                if !info.node_id.is_empty() {
                    self.features.node_id = Some(proto::text(&info.node_id));
                }
                self.features.server_info_fields =
                    Some((!info.sub_close.is_empty(), !info.acks_subs.is_empty()));
                self.out.cluster_id = Some(cluster);
                Some(info)
            }
            Err(e) => {
                self.push(
                    Finding::at_file(Severity::Error, Code::RecordDecode, rel, Some(4))
                        .msg(format!("ServerInfo does not decode: {e}"))
                        .expected("a spb.ServerInfo protobuf")
                        .found(format!("{} undecodable bytes", payload.len()))
                        .server(REFUSES),
                );
                None
            }
        }
    }

    /// An index entry `e` after `p`: gaps, time, offset chain (the walk
    /// reports order, see [`IndexEvent::OutOfOrder`]).
    fn index_continuity(&mut self, idx_rel: &str, p: &Entry, e: &Entry) {
        let at = e.at;
        if e.seq > p.seq.saturating_add(1) {
            self.features
                .index_gap
                .get_or_insert_with(|| idx_rel.to_string());
            self.push(
                    Finding::at_file(Severity::Warning, Code::IndexGap, idx_rel, Some(at))
                        .msg(format!("sequence gap: {} missing", seqs_text(p.seq + 1, e.seq - 1)))
                        .expected(format!("seq {}", p.seq + 1))
                        .found(format!("seq {}", e.seq))
                        .seq(Some(p.seq + 1))
                        .server("v0.16.2+ tolerate gaps; older servers assume none and may return the wrong message for a sequence"),
                );
        }
        if e.timestamp < p.timestamp {
            self.push(
                Finding::at_file(Severity::Info, Code::IndexTimestampOrder, idx_rel, Some(at))
                    .msg(format!("seq {}: timestamp goes back in time", e.seq))
                    .expected(format!(">= {}", p.timestamp))
                    .found(e.timestamp.to_string())
                    .seq(Some(e.seq))
                    .server("time-based lookups and age limits may skip messages"),
            );
        }
        if e.offset != p.offset.wrapping_add(HEADER).wrapping_add(p.size) {
            self.push(
                Finding::at_file(Severity::Warning, Code::IndexOffsetChain, idx_rel, Some(at))
                    .msg(format!(
                        "seq {} at offset {}, but seq {} ends at {} (quirk Q5?)",
                        e.seq,
                        e.offset,
                        p.seq,
                        p.offset.wrapping_add(HEADER).wrapping_add(p.size)
                    ))
                    .expected(format!(
                        "offset {}",
                        p.offset.wrapping_add(HEADER).wrapping_add(p.size)
                    ))
                    .found(format!("offset {}", e.offset))
                    .seq(Some(e.seq))
                    .server("reads each message at its indexed offset"),
            );
        }
    }

    /// A store file just opened (`opened`): counted in the stats and past
    /// its version word, or `None` with the finding that says why not.
    fn open_counted(&mut self, rel: &str, opened: io::Result<FrameCursor>) -> Option<FrameCursor> {
        let mut src = match opened {
            Ok(src) => src,
            Err(e) => {
                self.unreadable(rel, &e);
                return None;
            }
        };
        self.out.stats.files += 1;
        self.out.stats.bytes += src.len();
        self.version_ok(&mut src, rel).then_some(src)
    }

    /// The 4-byte version header; false (with a finding) when bad.
    fn version_ok(&mut self, src: &mut FrameCursor, rel: &str) -> bool {
        match src.version() {
            Err(e) => {
                self.unreadable(rel, &e);
                false
            }
            Ok(found) => self.version_finding(rel, found, src.len()),
        }
    }

    /// A finding when the version word `found` (`None`: a file of `len`
    /// bytes, shorter than the word) is not 1.
    fn version_finding(&mut self, rel: &str, found: Option<u32>, len: u64) -> bool {
        match found {
            None => {
                self.push(
                    Finding::at_file(Severity::Error, Code::FileVersion, rel, Some(0))
                        .msg(format!(
                            "file shorter than its 4-byte version header ({len} bytes)"
                        ))
                        .expected("u32 version 1")
                        .found(format!("{len} bytes"))
                        .server(format!("{REFUSES} (unable to verify file version)")),
                );
                false
            }
            Some(1) => true,
            Some(v) => {
                self.push(
                    Finding::at_file(Severity::Error, Code::FileVersion, rel, Some(0))
                        .msg(format!("unsupported file version {v}"))
                        .expected("1")
                        .found(v.to_string())
                        .server(format!("{REFUSES} (unsupported file version)")),
                );
                false
            }
        }
    }

    // ------------------------------------------------------------ record logs

    /// Report how a typed record log ended, when not cleanly. Returns true
    /// when the server would refuse to start.
    fn log_end(&mut self, rel: &str, walker: &mut FrameCursor, end: &LogEnd) -> bool {
        let len = walker.len();
        match *end {
            LogEnd::Zero { offset } => {
                self.features
                    .zero_padding
                    .get_or_insert_with(|| rel.to_string());
                let after = match walker.first_nonzero(offset) {
                    Ok(after) => after,
                    Err(e) => {
                        self.unreadable(rel, &e);
                        return true;
                    }
                };
                let (sev, msg) = match after {
                    Some(at) => (
                        Severity::Error,
                        format!("zero-filled record header, but non-zero bytes follow at offset {at}: records after the zeros are lost"),
                    ),
                    None => (Severity::Warning, "zero-filled tail (after a crash)".to_string()),
                };
                self.push(
                    Finding::at_file(sev, Code::RecordZeroPadding, rel, Some(offset))
                        .msg(msg)
                        .expected("a record header or end of file")
                        .found(format!("{} zero bytes", after.unwrap_or(len) - offset))
                        .length(len - offset)
                        .ok_up_to(offset)
                        .server("truncates the file here and continues"),
                );
                false
            }
            LogEnd::HeaderOnly { offset, size } => {
                self.push(header_only(rel, offset, size).server("treats it as end of file without truncating; the next record is appended after these 8 bytes and a later read fails there"));
                false
            }
            LogEnd::Torn {
                offset,
                needed,
                available,
                ..
            } => {
                let what = crate::filestore::walk::torn_text(needed, available);
                self.push(
                    Finding::at_file(Severity::Error, Code::RecordTorn, rel, Some(offset))
                        .msg(format!("{what}; ok_up_to={offset}"))
                        .expected(needed.map_or("an 8-byte header".to_string(), |n| format!("{n} bytes")))
                        .found(format!("{available} bytes before end of file"))
                        .length(len - offset)
                        .ok_up_to(offset)
                        .truncation(super::Truncation {
                            truncate_to: offset,
                            drops_bytes: len - offset,
                            drops_seqs: None,
                        })
                        .server(format!("{REFUSES} (unexpected EOF); with -file_truncate_bad_eof it truncates the file to {offset} and continues")),
                );
                true
            }
            LogEnd::Eof => false,
        }
    }

    fn check_clients(&mut self) {
        let rel = "clients.dat";
        let path = self.root.join(rel);
        // Only nothing at all is "missing": a dangling link or a file that
        // cannot be looked at is the file.unreadable walk_log reports.
        if matches!(crate::safe_fs::is_present(&path), Ok(false)) {
            self.push(
                Finding::at_file(Severity::Info, Code::ClientsMissing, rel, None)
                    .msg("clients.dat missing")
                    .expected("clients.dat")
                    .found("no file")
                    .server("creates it (no client is recovered)"),
            );
            return;
        }
        let mut clients = ClientsReplay::default();
        let records =
            self.walk_log(
                rel,
                "client record",
                |c, offset, rtype, size, payload| match rtype {
                    CLIENT_ADD => match ClientInfo::decode(payload) {
                        Ok(info) => {
                            c.check_canonical(rel, offset, rtype, "ClientInfo", &info, payload);
                            if info.protocol != 0 || !info.conn_id.is_empty() {
                                c.features.client_v010 = true;
                            }
                            clients.add(info);
                        }
                        Err(e) => c.decode_error(rel, offset, size, "ClientInfo", &e),
                    },
                    CLIENT_DELETE => match ClientDelete::decode(payload) {
                        Ok(del) => {
                            c.check_canonical(rel, offset, rtype, "ClientDelete", &del, payload);
                            clients.delete(&del);
                        }
                        Err(e) => c.decode_error(rel, offset, size, "ClientDelete", &e),
                    },
                    other => c.push(
                        Finding::at_file(
                            Severity::Error,
                            Code::RecordUnknownType,
                            rel,
                            Some(offset),
                        )
                        .msg(format!("invalid client record type {other}"))
                        .expected("type 1 (add) or 2 (delete)")
                        .found(format!("type {other}"))
                        .length(HEADER + size)
                        .server(format!("{REFUSES} (invalid client record type)")),
                    ),
                },
            );
        let Some(records) = records else {
            return;
        };
        if self.features.node_id.is_some() && records > 0 {
            self.push(
                Finding::at_file(Severity::Info, Code::ClientsClustered, rel, Some(4))
                    .msg(format!("{records} client records in a clustered store"))
                    .expected("header only (a clustered server keeps clients in its Raft log)")
                    .found(format!("{records} records"))
                    .server("recovers them, then relies on the Raft log"),
            );
        }
        self.clients = clients.finish().into_keys().collect();
    }

    /// Walk a typed record log (clients.dat, subs.dat): count the file,
    /// check its version, verify each record's CRC (`what` names the
    /// records in that finding) and hand each record that passes to
    /// `record` as (offset, type, size, payload); say how the log ends.
    /// The number of records, or `None` when the file cannot be opened or
    /// its version is bad (with a finding).
    fn walk_log(
        &mut self,
        rel: &str,
        what: &str,
        mut record: impl FnMut(&mut Self, u64, u8, u64, &[u8]),
    ) -> Option<u64> {
        let path = self.root.join(rel);
        let mut walker = self.open_counted(rel, FrameCursor::open(&path, true))?;
        let mut records = 0u64;
        let crc = self.crc.clone();
        let end = walk_typed_log(&mut walker, &crc, |r| {
            records += 1;
            if self.record_crc(rel, &r, what) {
                record(self, r.offset, r.rtype, r.size, r.payload);
            }
        });
        match end {
            Ok(end) => {
                self.log_end(rel, &mut walker, &end);
            }
            Err(e) => self.unreadable(rel, &e),
        }
        Some(records)
    }

    /// Verify a typed record's CRC; false (with a finding) on mismatch.
    fn record_crc(&mut self, rel: &str, r: &LogRecord, what: &str) -> bool {
        self.out.stats.records += 1;
        self.out.stats.crc_verified += 1;
        let Some(mismatch) = r.crc_mismatch else {
            return true;
        };
        let CrcMismatch {
            stored,
            computed: actual,
        } = mismatch;
        let (offset, size) = (r.offset, r.size);
        self.push(
            Finding::at_file(Severity::Error, Code::RecordCrc, rel, Some(offset))
                .msg(format!("{what}: {mismatch}"))
                .expected(format!("crc 0x{stored:08x} (stored in the header)"))
                .found(format!("crc 0x{actual:08x} (computed over the payload)"))
                .length(HEADER + size)
                .ok_up_to(offset)
                .server(if self.opts.verify_crc {
                    format!("{REFUSES} (corrupted data; -file_truncate_bad_eof does not repair it)")
                } else {
                    "does not verify it (file_crc=false) and uses what decodes".to_string()
                }),
        );
        false
    }

    /// The server writes canonical proto3 (docs/FORMAT.md 1.5): a payload that
    /// does not re-encode to the same bytes carries fields its record type
    /// does not have (a damaged type byte, or a foreign writer).
    fn check_canonical<M: prost::Message>(
        &mut self,
        rel: &str,
        offset: u64,
        rtype: u8,
        what: &str,
        decoded: &M,
        payload: &[u8],
    ) {
        if decoded.encoded_len() == payload.len() && decoded.encode_to_vec() == payload {
            return;
        }
        self.push(
            Finding::at_file(Severity::Warning, Code::RecordNotCanonical, rel, Some(offset))
                .msg(format!(
                    "record of type {rtype}: its {} payload bytes are not the encoding of a {what} ({} bytes re-encoded); a damaged type byte?",
                    payload.len(),
                    decoded.encoded_len()
                ))
                .expected(format!("a canonical {what}"))
                .found(format!("{} bytes, {} of them unknown to a {what}", payload.len(), payload.len().abs_diff(decoded.encoded_len())))
                .length(HEADER + payload.len() as u64)
                .server(format!("decodes it as a {what}, ignoring the unknown fields")),
        );
    }

    /// A message record's sequence and timestamp. Records are read in
    /// place when canonical (the server's own output); anything else goes
    /// through the full decoder, which judges it as the server would.
    /// What check notes of a decoded message: a non-canonical encoding,
    /// an encryption envelope.
    fn note_message(&mut self, rel: &str, offset: u64, msg: &DecodedMsg<'_>, payload: &[u8]) {
        if let DecodedMsg::Other(m) = msg {
            self.check_canonical(rel, offset, 0, "MsgProto", m.as_ref(), payload);
        }
        self.note_envelope(rel, msg.data());
    }

    /// The first payload that looks like an encryption envelope.
    fn note_envelope(&mut self, rel: &str, data: &[u8]) {
        if self.features.encrypted.is_some() {
            return;
        }
        if let Some(cipher) = likely_envelope(data) {
            self.features.encrypted = Some((cipher, rel.to_string()));
        }
    }

    fn decode_error(
        &mut self,
        rel: &str,
        offset: u64,
        size: u64,
        what: &str,
        e: &prost::DecodeError,
    ) {
        self.push(
            Finding::at_file(Severity::Error, Code::RecordDecode, rel, Some(offset))
                .msg(format!("{what} does not decode: {e}"))
                .expected(format!("a {what} protobuf"))
                .found(format!("{size} undecodable bytes"))
                .length(HEADER + size)
                .server(REFUSES),
        );
    }

    // ------------------------------------------------------------ channels

    fn check_channel(&mut self, name: &str) {
        let dir = self.root.join(name);
        let entries = match fs::read_dir(&dir) {
            Ok(e) => e,
            Err(e) => {
                self.unreadable(name, &e);
                return;
            }
        };
        let mut slices: Vec<(i64, String)> = Vec::new();
        let mut idx_files: BTreeSet<String> = BTreeSet::new();
        let mut has_subs = false;
        let mut others: Vec<(String, bool)> = Vec::new();
        for entry in entries {
            let entry = match entry {
                Ok(entry) => entry,
                Err(e) => {
                    self.unreadable(name, &e);
                    continue;
                }
            };
            let fname = entry.file_name().to_string_lossy().into_owned();
            let is_dir = match entry.file_type() {
                Ok(t) => t.is_dir(),
                Err(e) => {
                    self.unreadable(&format!("{name}/{fname}"), &e);
                    continue;
                }
            };
            // Whatever stands at subs.dat (a directory too) is read as it,
            // so what cannot be is file.unreadable, not missing.
            if fname == "subs.dat" {
                has_subs = true;
                continue;
            }
            if is_dir {
                others.push((fname, true));
                continue;
            }
            match slice_name(&fname) {
                SliceName::Other => {}
                SliceName::Number(n) => {
                    slices.push((n, fname));
                    continue;
                }
                SliceName::Invalid => {
                    self.push(
                        Finding::at_file(
                            Severity::Error,
                            Code::SliceBadName,
                            &format!("{name}/{fname}"),
                            None,
                        )
                        .msg("message file name is not msgs.<number>.dat")
                        .expected("msgs.<integer>.dat")
                        .found(fname.clone())
                        .server(format!("{REFUSES} (message log has an invalid name)")),
                    );
                    continue;
                }
            }
            if fname.starts_with("msgs.") && fname.ends_with(".idx") {
                idx_files.insert(fname);
                continue;
            }
            others.push((fname, false));
        }
        slices.sort();
        let valid_name = channel_name_valid(name);
        if !valid_name {
            self.push(
                Finding::at_file(Severity::Warning, Code::ChannelInvalidName, name, None)
                    .msg(format!("directory {name:?} is not a valid channel name"))
                    .expected("a channel name (no '/', no wildcards, no leading, trailing or double '.')")
                    .found(name.to_string())
                    .server("recovers every directory of the root as a channel and creates subs.dat in it; clients cannot use this one"),
            );
        }
        if slices.is_empty() && !has_subs {
            if others.is_empty() {
                self.push(
                    Finding::at_file(Severity::Info, Code::ChannelEmptyDir, name, None)
                        .msg("empty directory")
                        .expected("subs.dat and message slices")
                        .found("nothing")
                        .server("recovers it as an empty channel and creates subs.dat"),
                );
            } else {
                let sample: Vec<&str> = others.iter().take(3).map(|(n, _)| n.as_str()).collect();
                self.push(
                    Finding::at_file(Severity::Warning, Code::ChannelNotAChannel, name, None)
                        .msg(format!(
                            "directory holds no channel files but {} other entries ({})",
                            others.len(),
                            sample.join(", ")
                        ))
                        .expected("subs.dat and msgs.N.dat/idx")
                        .found(format!("{} unrelated entries", others.len()))
                        .server(format!("recovers it as a channel named {name:?} (every directory of the root is one) and creates subs.dat in it; move it out of the store root")),
                );
            }
            return;
        }
        for (other, is_dir) in &others {
            let rel = format!("{name}/{other}");
            let bak = other.ends_with(".bak") && other.starts_with("msgs.");
            self.push(
                Finding::at_file(
                    Severity::Info,
                    if bak {
                        Code::SliceArchived
                    } else {
                        Code::ChannelStrayFile
                    },
                    &rel,
                    None,
                )
                .msg(if bak {
                    "slice renamed for the archive script (slice_archive_script)".to_string()
                } else if *is_dir {
                    "sub-directory in a channel directory".to_string()
                } else {
                    "file unknown to the store".to_string()
                })
                .expected("subs.dat, msgs.N.dat, msgs.N.idx")
                .found(other.clone())
                .server("ignores it"),
            );
        }
        // Index files without their data file.
        let expected_idx: BTreeSet<String> =
            slices.iter().map(|(n, _)| index_file_name(*n)).collect();
        for idx in idx_files.difference(&expected_idx) {
            self.push(
                Finding::at_file(
                    Severity::Warning,
                    Code::SliceOrphanIndex,
                    &format!("{name}/{idx}"),
                    None,
                )
                .msg("index file without its data file")
                .expected(idx.replace(".idx", ".dat"))
                .found("no data file")
                .server("ignores it (slices are found by their .dat)"),
            );
        }
        let mut views: Vec<SliceView> = Vec::new();
        let mut seen_numbers: BTreeMap<i64, String> = BTreeMap::new();
        for (n, fname) in &slices {
            if let Some(prev) = seen_numbers.insert(*n, fname.clone()) {
                self.push(
                    Finding::at_file(
                        Severity::Warning,
                        Code::SliceDuplicateNumber,
                        &format!("{name}/{fname}"),
                        None,
                    )
                    .msg(format!(
                        "slice number {n} also used by {prev}; both use msgs.{n}.idx"
                    ))
                    .expected("one data file per slice number")
                    .found(format!("{prev} and {fname}"))
                    .server(
                        "recovers both against the same index file and counts both in the channel's totals; the second (in name order) replaces the first for reading",
                    ),
                );
            }
            if *n > 5 && self.features.high_slice.as_ref().is_none_or(|(m, _)| n > m) {
                self.features.high_slice = Some((*n, format!("{name}/{fname}")));
            }
            if let Some(view) = self.check_slice(name, *n, fname) {
                views.push(view);
            }
        }
        // Order and continuity across slices.
        for w in views.windows(2) {
            let (a, b) = (&w[0], &w[1]);
            if b.first <= a.last {
                self.push(
                    Finding::at_file(Severity::Warning, Code::SliceOverlap, &b.rel, None)
                        .msg(format!(
                            "slice {} starts at seq {} but slice {} ends at seq {}",
                            b.number, b.first, a.number, a.last
                        ))
                        .expected(format!("first seq > {}", a.last))
                        .found(format!("first seq {}", b.first))
                        .seq(Some(b.first))
                        .server("assumes lower slice numbers hold lower sequences: limits remove the wrong slice and lookups may find the wrong message"),
                );
            } else if b.first > a.last + 1 {
                self.push(
                    Finding::at_file(Severity::Warning, Code::SliceGap, &b.rel, None)
                        .msg(format!(
                            "sequence gap between slices: {} missing",
                            seqs_text(a.last + 1, b.first - 1)
                        ))
                        .expected(format!("first seq {}", a.last + 1))
                        .found(format!("first seq {}", b.first))
                        .seq(Some(a.last + 1))
                        .server("serves the channel with the hole (a deleted slice file?)"),
                );
            }
        }
        let last_seq = views.iter().map(|v| v.last).max().unwrap_or(0);
        let first_seq = views.iter().map(|v| v.first).min().unwrap_or(0);
        let count: u64 = views.iter().map(|v| v.count).sum();
        if has_subs {
            self.check_subs(name, first_seq, last_seq, count);
        } else {
            self.push(
                Finding::at_file(
                    Severity::Info,
                    Code::SubsMissing,
                    &format!("{name}/subs.dat"),
                    None,
                )
                .msg("subs.dat missing")
                .expected("subs.dat")
                .found("no file")
                .server("creates it (no subscription is recovered)"),
            );
        }
    }

    /// Check one slice; returns the server's view when it has messages.
    fn check_slice(&mut self, channel: &str, number: i64, fname: &str) -> Option<SliceView> {
        let dat_rel = format!("{channel}/{fname}");
        let idx_rel = format!("{channel}/msgs.{number}.idx");
        let dat_path = self.root.join(&dat_rel);
        let idx_path = self.root.join(&idx_rel);
        // A deep check verifies every CRC: have them computed ahead.
        let ahead_crc = self.opts.deep.then(|| self.crc.clone());
        let mut dat = self.open_counted(&dat_rel, FrameCursor::open_data(&dat_path, ahead_crc))?;
        let dat_len = dat.len();

        // ---- 1. the server's recovery of the slice, observed.
        let idx_len = match fs::metadata(&idx_path) {
            Ok(m) => {
                self.out.stats.files += 1;
                self.out.stats.bytes += m.len();
                m.len()
            }
            // Absent; or there and unreadable, which recover_slice below
            // finds too (it opens the index) and reports as file.unreadable.
            Err(_) => 0,
        };
        let files = SliceFiles {
            number,
            dat: dat_path.clone(),
            idx: idx_path.clone(),
        };
        let read = ReadOptions {
            crc: self.crc.clone(),
            verify_crc: self.opts.verify_crc,
        };
        let mut idx = IndexChecks {
            c: self,
            idx_rel: &idx_rel,
            dat_rel: &dat_rel,
            idx_len,
            dat_len,
            s: IndexSummary::default(),
        };
        let recovered = recover_slice(files, &read, &mut idx);
        let idx = idx.s;
        let state = match recovered {
            Ok(state) => state,
            Err(e) => {
                // Filed under the file that failed (the index or the data).
                let rel = match e.path().and_then(|p| p.strip_prefix(&self.root).ok()) {
                    Some(p) => p.to_string_lossy().into_owned(),
                    None => dat_rel.clone(),
                };
                self.unreadable(&rel, &e);
                return None;
            }
        };
        if idx.crc_errors > 1 {
            self.push(
                Finding::at_file(Severity::Warning, Code::IndexCrc, &idx_rel, None)
                    .msg(format!(
                        "{} index records with a CRC mismatch in all",
                        idx.crc_errors
                    ))
                    .expected("0")
                    .found(idx.crc_errors.to_string())
                    .server("rebuilds the index from the data file"),
            );
        }
        let mode = match state.as_ref().map(|s| s.source) {
            Some(EntrySource::Index { .. }) => Mode::Trusted,
            _ if idx.rebuilt => Mode::Scan,
            _ => Mode::Trusted,
        };

        // ---- 2. the data file, merged with the index entries.
        let last_indexed = idx.entries_last.map(|e| e.offset);
        let mut entries = match IndexStream::open(&idx_path, idx.usable) {
            Ok(entries) => entries,
            Err(e) => {
                self.unreadable(&idx_rel, &e);
                IndexStream::empty()
            }
        };
        let next = entries.next_entry();
        let crc = self.crc.clone();
        let mut data = DataChecks {
            deep: self.opts.deep,
            c: self,
            dat_rel: &dat_rel,
            dat_len,
            mode,
            last_indexed,
            entries,
            next,
            scan_done: false,
            orphans: None,
            unindexed_mid: 0,
            bad_offsets: Vec::new(),
        };
        dat.seek(4);
        let walked = walk_data_file(&mut dat, Some(&crc), &mut data);
        let DataChecks {
            mode,
            mut entries,
            mut next,
            orphans,
            unindexed_mid,
            mut bad_offsets,
            ..
        } = data;
        if let Err(e) = walked {
            self.unreadable(&dat_rel, &e);
        }
        // Entries the walk never reached.
        while let Some(e) = next {
            bad_offsets.push(e);
            next = entries.next_entry();
        }
        if let Some(e) = entries.error.take() {
            self.unreadable(&idx_rel, &e);
        }
        if !bad_offsets.is_empty() {
            let first = bad_offsets[0];
            let beyond = first.offset >= dat_len;
            self.push(
                Finding::at_file(Severity::Error, Code::IndexBadOffset, &idx_rel, Some(first.at))
                    .msg(format!(
                        "{} index entr{} point{} at no record of {dat_rel} (first: seq {} at offset {}{})",
                        bad_offsets.len(),
                        if bad_offsets.len() == 1 { "y" } else { "ies" },
                        if bad_offsets.len() == 1 { "s" } else { "" },
                        first.seq,
                        first.offset,
                        if beyond { ", beyond the end of the file" } else { ", not a record boundary" }
                    ))
                    .expected("the offset of a record header in the data file")
                    .found(format!("offset {} (data file {dat_len} bytes)", first.offset))
                    .seq(Some(first.seq))
                    .server(if mode == Mode::Trusted {
                        "starts with the index but fails to read these messages (quirk Q5 leaves such offsets)"
                    } else {
                        "ignores the index: it rebuilds it from the data file"
                    }),
            );
        }
        if unindexed_mid > 0 {
            self.push(
                Finding::at_file(Severity::Warning, Code::DataUnindexed, &dat_rel, None)
                    .msg(format!("{unindexed_mid} records in the middle of the data file have no index entry"))
                    .expected("one index entry per record")
                    .found(format!("{unindexed_mid} records skipped by the index"))
                    .server(if mode == Mode::Trusted { "never serves them" } else { "indexes them when it rebuilds the index" }),
            );
        }
        if let Some((count, first_off, first_seq, bytes)) = orphans {
            let next_seq = idx.last_seq.map_or(1, |s| s.saturating_add(1));
            self.push(
                Finding::at_file(Severity::Warning, Code::DataOrphanRecords, &dat_rel, Some(first_off))
                    .msg(format!(
                        "{count} orphan data record{} after the last index entry{} (quirk Q3)",
                        if count == 1 { "" } else { "s" },
                        first_seq.map_or(String::new(), |s| format!(", first seq {s}"))
                    ))
                    .expected(format!("no data after the last indexed record (seq {})", idx.last_seq.unwrap_or(0)))
                    .found(format!("{count} complete records, {bytes} bytes"))
                    .length(bytes)
                    .seq(first_seq)
                    .server(format!(
                        "trusts the index and ignores them; the next stored message gets seq {next_seq} again and is appended after them"
                    )),
            );
        }
        let state = state?;
        let (first, last, count) = (state.first.seq, state.last.seq, state.count);
        self.out.slices.push((channel.to_string(), state.summary()));
        Some(SliceView {
            number,
            rel: dat_rel,
            first,
            last,
            count,
        })
    }

    /// Compare a matched index entry with its record.
    fn compare_entry(&mut self, dat_rel: &str, e: &Entry, size: u64, msg: Option<&DecodedMsg<'_>>) {
        if e.size != size {
            self.push(
                Finding::at_file(Severity::Error, Code::IndexSizeMismatch, dat_rel, Some(e.offset))
                    .msg(format!("seq {}: record size {size} does not match the index size {}", e.seq, e.size))
                    .expected(format!("{} bytes (index)", e.size))
                    .found(format!("{size} bytes (record header)"))
                    .seq(Some(e.seq))
                    .server("fails to read this message (record size mismatch); for a slice's last message: rebuilds the index"),
            );
        }
        if let Some(m) = msg {
            if m.sequence() != e.seq {
                self.push(
                    Finding::at_file(Severity::Error, Code::IndexSeqMismatch, dat_rel, Some(e.offset))
                        .msg(format!("data record has sequence {}, index says {}", m.sequence(), e.seq))
                        .expected(format!("seq {}", e.seq))
                        .found(format!("seq {}", m.sequence()))
                        .seq(Some(e.seq))
                        .server("serves the record under the index's sequence; for a slice's last message: rebuilds the index"),
                );
            }
            if m.timestamp() != e.timestamp {
                self.push(
                    Finding::at_file(Severity::Warning, Code::IndexTimestampMismatch, dat_rel, Some(e.offset))
                        .msg(format!("seq {}: record timestamp {} differs from the index's {}", e.seq, m.timestamp(), e.timestamp))
                        .expected(format!("timestamp {}", e.timestamp))
                        .found(format!("timestamp {}", m.timestamp()))
                        .seq(Some(e.seq))
                        .server("uses the index timestamp for age limits and time lookups, the record's for delivery"),
                );
            }
        }
    }

    // ------------------------------------------------------------ subs.dat

    fn check_subs(&mut self, channel: &str, first_seq: u64, last_seq: u64, msgs: u64) {
        let rel = format!("{channel}/subs.dat");
        // id -> (state, pending, offset of its last state record)
        let mut subs = SubsReplay::default();
        let records = self.walk_log(
            &rel,
            "subscription record",
            |c, offset, rtype, size, payload| match rtype {
                SUB_NEW | SUB_UPDATE => match SubState::decode(payload) {
                    Ok(state) => {
                        c.check_canonical(&rel, offset, rtype, "SubState", &state, payload);
                        if state.is_closed {
                            c.features.sub_closed = true;
                        }
                        subs.state(rtype, state, offset);
                    }
                    Err(e) => c.decode_error(&rel, offset, size, "SubState", &e),
                },
                SUB_DELETE => match SubStateDelete::decode(payload) {
                    Ok(del) => {
                        c.check_canonical(&rel, offset, rtype, "SubStateDelete", &del, payload);
                        subs.delete(del.id);
                    }
                    Err(e) => c.decode_error(&rel, offset, size, "SubStateDelete", &e),
                },
                SUB_ACK | SUB_MSG => match proto::SubStateUpdate::decode(payload) {
                    Ok(u) => {
                        c.check_canonical(&rel, offset, rtype, "SubStateUpdate", &u, payload);
                        subs.sent_or_acked(rtype, &u);
                    }
                    Err(e) => c.decode_error(&rel, offset, size, "SubStateUpdate", &e),
                },
                other => c.push(
                    Finding::at_file(Severity::Error, Code::RecordUnknownType, &rel, Some(offset))
                        .msg(format!("unexpected record type {other}"))
                        .expected("type 1 (new), 2 (update), 3 (delete), 4 (ack) or 5 (sent)")
                        .found(format!("type {other}"))
                        .length(HEADER + size)
                        .server(format!("{REFUSES} (unexpected record type)")),
                ),
            },
        );
        let Some(records) = records else {
            return;
        };
        if let Some(node) = &self.features.node_id {
            if records > 0 {
                self.features
                    .sub_records_clustered
                    .get_or_insert_with(|| rel.clone());
                self.push(
                    Finding::at_file(Severity::Info, Code::SubsClustered, &rel, Some(4))
                        .msg(format!(
                            "{records} subscription records in a clustered store (node {node})"
                        ))
                        .expected("header only (v0.14.1+ keep subscriptions in the Raft log)")
                        .found(format!("{records} records"))
                        .server("uses them only to compute the next subscription id"),
                );
            }
            return;
        }
        for (id, ReplayedSub { state, pending, at }) in &subs.finish() {
            let client = proto::text(&state.client_id);
            let durable = state.is_durable || !state.durable_name.is_empty();
            let queue = !state.q_group.is_empty();
            let known = self.clients.contains(&client);
            if !durable && !known {
                self.push(
                    Finding::at_file(Severity::Info, Code::SubsNotRecovered, &rel, Some(*at))
                        .msg(format!(
                            "subscription {id}: its client {client:?} is not in clients.dat"
                        ))
                        .expected("the client of a non-durable subscription in clients.dat")
                        .found("no such client")
                        .server(
                            "skips it at start-up (its records stay until the next compaction)",
                        ),
                );
                continue;
            }
            if durable && queue && !client.is_empty() && !known && !state.is_closed {
                self.push(
                    Finding::at_file(Severity::Warning, Code::SubsGhostQueueMember, &rel, Some(*at))
                        .msg(format!("durable queue member {id} of client {client:?}, which is not in clients.dat"))
                        .expected("a connected client, or the shadow subscription (no client)")
                        .found(format!("client {client:?} unknown"))
                        .server("logs it as a ghost durable queue subscriber and deletes it from the store at start-up"),
                );
                continue;
            }
            if msgs > 0 || last_seq > 0 {
                if state.last_sent > last_seq {
                    self.push(
                        Finding::at_file(Severity::Warning, Code::SubsBeyondLast, &rel, Some(*at))
                            .msg(format!(
                                "subscription {id}: last sent {} is beyond the channel's last message {last_seq}",
                                state.last_sent
                            ))
                            .expected(format!("<= {last_seq}"))
                            .found(state.last_sent.to_string())
                            .server("keeps it; messages stored later with those sequences are not delivered to it"),
                    );
                }
                if let Some(&p) = pending.iter().next_back().filter(|&&p| p > last_seq) {
                    self.push(
                        Finding::at_file(Severity::Warning, Code::SubsPendingMissing, &rel, Some(*at))
                            .msg(format!("subscription {id}: pending seq {p} is not in the channel (last seq {last_seq})"))
                            .expected(format!("pending sequences within {first_seq}-{last_seq}"))
                            .found(format!("seq {p}"))
                            .server("cannot redeliver it"),
                    );
                }
            }
        }
    }

    // ------------------------------------------------------------ versions

    fn finish_constraints(&mut self, has_channels: bool) {
        let f = &self.features;
        let mut c: Vec<Constraint> = Vec::new();
        let mut notes: Vec<String> = Vec::new();
        if f.legacy {
            c.push(Constraint::since(
                "0.2.0",
                Verdict::Incompatible,
                "legacy v0.1.0 layout (text clients.dat, no CRC): no later server reads it",
            ));
            notes.push("written by v0.1.0".into());
            self.out.constraints = c;
            self.out.notes = notes;
            return;
        }
        c.push(Constraint::before(
            "0.2.0",
            Verdict::Incompatible,
            "v0.1.0 reads only its own legacy layout (no CRC framing, text clients.dat)",
        ));
        if let Some(file) = &f.unreadable {
            c.push(Constraint::all(
                Verdict::Incompatible,
                format!(
                    "{file} cannot be read: every server fails to open it and refuses to start"
                ),
            ));
        }
        if let Some((n, file)) = &f.high_slice {
            c.push(Constraint::before(
                "0.3.4",
                Verdict::Incompatible,
                format!("slice numbers above 5 ({file}): servers up to v0.3.0 open exactly msgs.1-5.dat and ignore the rest"),
            ));
            notes.push(format!(
                "slices numbered up to {n}: written by v0.3.4 or later"
            ));
        }
        if let Some(file) = &f.zero_padding {
            c.push(Constraint::before(
                "0.7.0",
                Verdict::Incompatible,
                format!("zero-filled tail in {file}: servers before v0.7.0 do not recognise zero padding"),
            ));
        }
        if f.sub_closed {
            c.push(Constraint::before(
                "0.6.0",
                Verdict::Caveats,
                "offline durables (SubState.IsClosed): servers before v0.6.0 ignore the flag",
            ));
        }
        if let Some(node) = &f.node_id {
            c.push(Constraint::before(
                "0.8.0-beta",
                Verdict::Caveats,
                format!("clustered store (node {node}): servers before v0.8.0-beta have no clustering and find no clients or subscriptions"),
            ));
            c.push(Constraint::since(
                "0.8.0-beta",
                Verdict::Caveats,
                format!("clustered store (node {node}): clients and subscriptions live in the Raft log; start the server clustered with that node id and its cluster_log_path"),
            ));
            notes.push(format!("written by a clustered server (node id {node})"));
        }
        if let Some(file) = &f.sub_records_clustered {
            notes.push(format!(
                "subscription records in a clustered store ({file}): written by v0.8.0-beta - v0.14.0"
            ));
        }
        if f.client_v010 {
            notes.push(
                "client records carry connection id and protocol: written by v0.10.0 or later"
                    .into(),
            );
        }
        if let Some((cipher, file)) = &f.encrypted {
            c.extend(super::compat::encrypted_payloads(
                cipher.name(),
                &format!(", e.g. {file}"),
            ));
            notes.push("encrypted payloads: written by v0.12.0 or later".into());
        }
        if let Some(file) = &f.index_gap {
            c.push(super::compat::sequence_gap(file));
        }
        if f.no_server_info_with_channels && has_channels {
            c.push(Constraint::before(
                "0.25.0",
                Verdict::Incompatible,
                "server.dat is empty but channels exist: servers before v0.25.0 start empty and ignore the channels",
            ));
            c.push(Constraint::since(
                "0.25.0",
                Verdict::Caveats,
                "server.dat is empty but channels exist: v0.25.0+ writes new server information and recovers them",
            ));
        }
        if let Some((sub_close, acks_subs)) = f.server_info_fields {
            if !sub_close || !acks_subs {
                notes.push(
                    "ServerInfo lacks SubClose/AcksSubs (written before v0.4.0): a newer server rewrites server.dat at start-up".into(),
                );
            }
        }
        self.out.constraints = c;
        self.out.notes = notes;
    }
}

/// What check keeps of the server's reading of an index.
#[derive(Debug, Default)]
struct IndexSummary {
    /// Entries the server reads (before any problem).
    usable: u64,
    last_seq: Option<u64>,
    /// The last usable entry (for the last-record check).
    entries_last: Option<Entry>,
    prev: Option<Entry>,
    /// Offset of the first problem in the index file.
    problem: Option<u64>,
    crc_errors: u64,
    /// The server rebuilds the index from the data file.
    rebuilt: bool,
}

/// Check's observer of the walk of one slice: a finding for each problem
/// of its index, order and continuity of the entries the server reads.
struct IndexChecks<'a> {
    c: &'a mut Checker,
    idx_rel: &'a str,
    dat_rel: &'a str,
    idx_len: u64,
    dat_len: u64,
    s: IndexSummary,
}

impl SliceObserver for IndexChecks<'_> {
    fn index_event(&mut self, _files: &SliceFiles, event: &IndexEvent) {
        let idx_rel = self.idx_rel;
        match event {
            IndexEvent::Missing => {
                // The server rebuilds a missing index from the data file
                // and starts without a word (damaged-idx-deleted MANIFEST):
                // a warning, as the damage to that data file has its own.
                let severity = if self.dat_len > 4 {
                    Severity::Warning
                } else {
                    Severity::Info
                };
                self.c.push(
                    Finding::at_file(severity, Code::IndexMissing, idx_rel, None)
                        .msg("index file missing")
                        .expected(format!("{idx_rel} with one 32-byte record per message"))
                        .found("no file")
                        .server("rebuilds it from the data file at start-up"),
                );
            }
            IndexEvent::BadHeader { found } => {
                self.c.version_finding(idx_rel, *found, self.idx_len);
            }
            IndexEvent::Partial { at, got } => {
                if self.s.problem.is_none() {
                    self.c.push(
                        Finding::at_file(Severity::Warning, Code::IndexPartial, idx_rel, Some(*at))
                            .msg(format!("partial index record ({got} of 32 bytes)"))
                            .expected("32 bytes")
                            .found(format!("{got} bytes"))
                            .length(*got)
                            .server("discards the index and rebuilds it from the data file"),
                    );
                    self.s.problem = Some(*at);
                }
            }
            IndexEvent::Zero { at, more_at } => {
                if self.s.problem.is_none() {
                    self.c
                        .features
                        .zero_padding
                        .get_or_insert_with(|| idx_rel.to_string());
                    self.c.push(
                        Finding::at_file(
                            if more_at.is_some() { Severity::Error } else { Severity::Warning },
                            Code::IndexZeroPadding,
                            idx_rel,
                            Some(*at),
                        )
                        .msg(match more_at {
                            Some(o) => format!("zero-filled index record, followed by more index data at offset {o}"),
                            None => "zero-filled index tail (after a crash)".to_string(),
                        })
                        .expected("an index record or end of file")
                        .found("32 zero bytes")
                        .length(self.idx_len - at)
                        .ok_up_to(*at)
                        .server("truncates the index file here; what follows is lost (messages after it become orphan data records)"),
                    );
                    self.s.problem = Some(*at);
                }
            }
            IndexEvent::Empty => {
                if self.dat_len > 4 {
                    self.c.push(
                        Finding::at_file(Severity::Info, Code::IndexEmpty, idx_rel, Some(4))
                            .msg("index file has no record while the data file has data")
                            .expected("one record per message")
                            .found("header only")
                            .server("scans the data file and rebuilds the index; truncations during that scan are applied to the index file (quirk Q2)"),
                    );
                }
            }
            IndexEvent::OutOfOrder {
                at,
                entry,
                previous,
            } => {
                self.c.push(
                    Finding::at_file(Severity::Error, Code::IndexOrder, idx_rel, Some(*at))
                        .msg(format!("sequence {} after {previous}", entry.seq))
                        .expected(format!("seq > {previous}"))
                        .found(format!("seq {}", entry.seq))
                        .seq(Some(entry.seq))
                        .server("serves the wrong messages for these sequences"),
                );
            }
            IndexEvent::LastMismatch { entry, problem } => {
                self.c.push(
                    Finding::at_file(Severity::Warning, Code::IndexLastMismatch, self.dat_rel, Some(entry.offset))
                        .msg(format!(
                            "last index entry (seq {}) does not match the data file: {problem}",
                            entry.seq
                        ))
                        .expected(format!("a {}-byte record of seq {} with a valid CRC", entry.size, entry.seq))
                        .found(problem.to_string())
                        .seq(Some(entry.seq))
                        .server("discards the index and rebuilds it from the data file (v0.10.0+; older servers trust it)"),
                );
            }
        }
    }

    fn index_record(
        &mut self,
        _files: &SliceFiles,
        at: u64,
        entry: &IndexEntry,
        crc: Option<(u32, u32)>,
        trusted: bool,
    ) {
        let idx_rel = self.idx_rel;
        let verify = self.c.opts.verify_crc;
        self.c.out.stats.index_records += 1;
        if let Some((stored, actual)) = crc {
            self.s.crc_errors += 1;
            if self.s.problem.is_none() {
                self.c.push(
                    Finding::at_file(
                        if verify {
                            Severity::Warning
                        } else {
                            Severity::Error
                        },
                        Code::IndexCrc,
                        idx_rel,
                        Some(at),
                    )
                    .msg(format!(
                        "index record CRC mismatch (entry {})",
                        index_record_number(at)
                    ))
                    .expected(format!("crc 0x{stored:08x} (stored)"))
                    .found(format!("crc 0x{actual:08x} (computed)"))
                    .length(INDEX_RECORD_LEN)
                    .server(if verify {
                        "discards the index and rebuilds it from the data file"
                    } else {
                        "does not verify index CRCs (file_crc=false): trusts this damaged entry"
                    }),
                );
                self.s.problem = Some(at);
            }
        }
        if !trusted {
            return;
        }
        let e = Entry::new(at, entry);
        if let Some(p) = self.s.prev {
            self.c.index_continuity(idx_rel, &p, &e);
        } else if e.offset != 4 {
            self.c.push(
                Finding::at_file(Severity::Warning, Code::IndexOffsetChain, idx_rel, Some(at))
                    .msg(format!(
                        "first entry (seq {}) at offset {}",
                        e.seq, e.offset
                    ))
                    .expected("offset 4 (first record after the version header)")
                    .found(format!("offset {}", e.offset))
                    .seq(Some(e.seq))
                    .server("reads each message at its indexed offset"),
            );
        }
        self.s.prev = Some(e);
        self.s.usable += 1;
        self.s.last_seq = Some(e.seq);
        self.s.entries_last = Some(e);
    }

    fn last_checked(&mut self, _files: &SliceFiles, _entry: &IndexEntry) {
        self.c.out.stats.crc_verified += 1;
    }

    fn scan_end(&mut self, _files: &SliceFiles, _end: &ScanEnd) {
        self.s.rebuilt = true;
    }
}

/// Check's observer of the walk of one data file: each record against the
/// index entry at its offset (the two merged in offset order), and a finding
/// for each damage.
struct DataChecks<'a> {
    c: &'a mut Checker,
    dat_rel: &'a str,
    dat_len: u64,
    mode: Mode,
    deep: bool,
    /// Offset of the last entry the server reads.
    last_indexed: Option<u64>,
    entries: IndexStream,
    /// The next index entry not yet met by the walk.
    next: Option<Entry>,
    /// The rebuild scan has stopped: the server reads no further.
    scan_done: bool,
    /// Records after the last index entry: (count, first offset, first seq,
    /// bytes).
    orphans: Option<(u64, u64, Option<u64>, u64)>,
    unindexed_mid: u64,
    /// Entries that point at no record.
    bad_offsets: Vec<Entry>,
}

impl DataChecks<'_> {
    fn past_index(&self, offset: u64) -> bool {
        self.last_indexed.is_none_or(|l| offset > l)
    }
}

impl DataObserver for DataChecks<'_> {
    fn wants_payload(&mut self, offset: u64) -> bool {
        self.deep
            || self.mode == Mode::Scan
            || Some(offset) == self.last_indexed
            || self.past_index(offset)
    }

    fn record(&mut self, r: &DataRecord<'_>) -> bool {
        let (offset, size, stored_crc) = (r.offset, r.size, r.stored_crc);
        let dat_rel = self.dat_rel;
        let mode = self.mode;
        let past_index = self.past_index(offset);
        self.c.out.stats.records += 1;
        while let Some(e) = self.next.filter(|e| e.offset < offset) {
            self.bad_offsets.push(e);
            self.next = self.entries.next_entry();
        }
        let matched = self.next.filter(|e| e.offset == offset);
        if matched.is_some() {
            self.next = self.entries.next_entry();
        }
        let mut crc_ok = None;
        let msg = r.payload.as_ref().map(|p| p.msg());
        let mut decoded = None;
        let mut undecodable = None;
        if let (Some(p), Some(msg)) = (&r.payload, &msg) {
            self.c.out.stats.crc_verified += 1;
            // The walk is always given the CRC: every payload has its
            // computed CRC.
            let mismatch = p.crc_mismatch(stored_crc);
            crc_ok = Some(mismatch.is_none());
            if let Some(mismatch) = mismatch {
                let actual = mismatch.computed;
                let seq = matched.map(|e| e.seq).or_else(|| seq_hint(p.bytes));
                let server = if mode == Mode::Trusted && past_index {
                    "ignores it: the record is not in the trusted index".to_string()
                } else if mode == Mode::Scan && !self.scan_done && self.c.opts.verify_crc {
                    format!("{REFUSES}: the index rebuild stops on this CRC error (-file_truncate_bad_eof does not repair it)")
                } else if self.c.opts.verify_crc {
                    "starts (it reads only the last record of a slice), then fails to deliver this message: corrupted data on lookup".to_string()
                } else {
                    "does not verify CRCs (file_crc=false): delivers the corrupted payload"
                        .to_string()
                };
                self.c.push(
                    Finding::at_file(Severity::Error, Code::RecordCrc, dat_rel, Some(offset))
                        .msg(format!(
                            "message record{}: {mismatch}",
                            seq.map_or(String::new(), |s| format!(" (seq {s})"))
                        ))
                        .expected(format!("crc 0x{stored_crc:08x} (stored in the header)"))
                        .found(format!("crc 0x{actual:08x} (computed over the payload)"))
                        .length(HEADER + size)
                        .seq(seq)
                        .ok_up_to(offset)
                        .server(server),
                );
            }
            self.c.out.stats.messages_decoded += 1;
            match msg {
                Ok(msg) => {
                    self.c.note_message(dat_rel, offset, msg, p.bytes);
                    decoded = Some(msg);
                }
                Err(e) => undecodable = Some(e),
            }
        }
        if let Some(e) = undecodable {
            if crc_ok == Some(true) {
                self.c.push(
                    Finding::at_file(Severity::Error, Code::RecordDecode, dat_rel, Some(offset))
                        .msg(format!("message record does not decode: {e}"))
                        .expected("a pb.MsgProto")
                        .found(format!("{size} undecodable bytes"))
                        .length(HEADER + size)
                        .seq(matched.map(|e| e.seq))
                        .server(if mode == Mode::Scan && !self.scan_done {
                            REFUSES
                        } else {
                            "fails to deliver this message"
                        }),
                );
            }
        }
        match matched {
            Some(e) => self.c.compare_entry(dat_rel, &e, size, decoded),
            None if self.next.is_some() => self.unindexed_mid += 1,
            None if mode == Mode::Trusted => {
                let seq = decoded.map(|m| m.sequence());
                let o = self.orphans.get_or_insert((0, offset, seq, 0));
                o.0 += 1;
                o.3 += HEADER + size;
            }
            None => {}
        }
        if mode == Mode::Scan && !self.scan_done {
            let crc_fails = self.c.opts.verify_crc && crc_ok == Some(false);
            if crc_fails || undecodable.is_some() {
                self.scan_done = true;
            }
        }
        true
    }

    fn end(&mut self, end: &LogEnd, dat: &mut FrameCursor) -> Option<u64> {
        let dat_rel = self.dat_rel;
        let dat_len = self.dat_len;
        match *end {
            LogEnd::Eof => None,
            LogEnd::Zero { offset } => {
                self.c
                    .features
                    .zero_padding
                    .get_or_insert_with(|| dat_rel.to_string());
                let after = match dat.first_nonzero(offset) {
                    Ok(after) => after,
                    // Unknown past the zeros: said so, not taken as zeros.
                    Err(e) => {
                        self.c.unreadable(dat_rel, &e);
                        return None;
                    }
                };
                let later = self.next.filter(|e| e.offset > offset);
                let scanning = self.mode == Mode::Scan && !self.scan_done;
                let (sev, msg, server) = match (after, scanning) {
                    (None, true) => (
                        Severity::Warning,
                        "zero-filled tail (after a crash)".to_string(),
                        "truncates the data file here and continues".to_string(),
                    ),
                    (None, false) => (
                        Severity::Warning,
                        "zero-filled tail after the last indexed message".to_string(),
                        "ignores it while the index is trusted and appends after the zeros (quirk Q4); an index rebuild truncates the file here".to_string(),
                    ),
                    (Some(at), true) => (
                        Severity::Error,
                        format!("zero-filled bytes followed by more data at offset {at}"),
                        "truncates the data file here while rebuilding the index: the records after the zeros are lost".to_string(),
                    ),
                    (Some(at), false) => (
                        Severity::Warning,
                        format!("zero-filled bytes inside the data file, more records follow at offset {at} (quirk Q4)"),
                        "reads the indexed records; an index rebuild would truncate the file here and lose everything after it".to_string(),
                    ),
                };
                self.c.push(
                    Finding::at_file(sev, Code::RecordZeroPadding, dat_rel, Some(offset))
                        .msg(msg)
                        .expected("a record header or end of file")
                        .found(format!("{} zero bytes", after.unwrap_or(dat_len) - offset))
                        .length(after.unwrap_or(dat_len) - offset)
                        .ok_up_to(offset)
                        .server(server),
                );
                if scanning {
                    self.scan_done = true;
                }
                // Resynchronise on the next index entry, if any.
                later.map(|e| e.offset)
            }
            LogEnd::HeaderOnly { offset, size } => {
                self.c.push(header_only(dat_rel, offset, size).server("treats it as end of file without truncating; the next message is appended after these 8 bytes and a later index rebuild fails there"));
                None
            }
            LogEnd::Torn {
                offset,
                needed,
                available,
                seq_hint: hint,
            } => {
                // Index entries at or after this offset: those sequences are
                // in the damaged part.
                let mut dropped: Option<(u64, u64)> = None;
                let mut beyond = self.next;
                while let Some(e) = beyond {
                    if e.offset >= offset {
                        dropped = Some(match dropped {
                            None => (e.seq, e.seq),
                            Some((a, b)) => (a.min(e.seq), b.max(e.seq)),
                        });
                    }
                    beyond = self.entries.next_entry();
                }
                self.next = None;
                let dropped = dropped.or(hint.map(|s| (s, s)));
                let what = crate::filestore::walk::torn_text(needed, available);
                let indexed = self.last_indexed.is_some_and(|l| offset <= l);
                let scanning = self.mode == Mode::Scan && !self.scan_done;
                let truncation = super::Truncation {
                    truncate_to: offset,
                    drops_bytes: dat_len - offset,
                    drops_seqs: dropped,
                };
                let lost = match dropped {
                    Some((a, b)) => format!(", dropping {}", seqs_text(a, b)),
                    None => String::new(),
                };
                let f = Finding::at_file(
                    if scanning || indexed {
                        Severity::Error
                    } else {
                        Severity::Warning
                    },
                    Code::RecordTorn,
                    dat_rel,
                    Some(offset),
                )
                .msg(format!("{what}; ok_up_to={offset}"))
                .expected(needed.map_or("an 8-byte header".to_string(), |n| format!("{n} bytes")))
                .found(format!("{available} bytes before end of file"))
                .length(dat_len - offset)
                .seq(dropped.map(|d| d.0))
                .ok_up_to(offset)
                .truncation(truncation);
                let f = if scanning {
                    f.server(format!(
                        "{REFUSES} (unexpected EOF); with -file_truncate_bad_eof it truncates the file to {offset} and continues{lost}"
                    ))
                } else if indexed {
                    f.server("starts with the index, but cannot read the indexed messages in the torn part")
                } else {
                    f.server(format!(
                        "ignores it while the index is trusted (the record is not indexed), appends new messages after it; an index rebuild stops here: unexpected EOF, -file_truncate_bad_eof would truncate to {offset}"
                    ))
                };
                self.c.push(f);
                None
            }
        }
    }
}

/// A record header with no payload at end of file (`rel`, any record
/// file), without what the server does about it.
fn header_only(rel: &str, offset: u64, size: u64) -> Finding {
    Finding::at_file(Severity::Warning, Code::RecordHeaderOnly, rel, Some(offset))
        .msg(format!(
            "record header (size {size}) with no payload at end of file (quirk Q1)"
        ))
        .expected(format!("{size} payload bytes"))
        .found("end of file")
        .length(HEADER)
        .ok_up_to(offset)
}

/// Streams the first `limit` records of an index file.
struct IndexStream {
    src: Option<IndexReader>,
    left: u64,
    /// The read error that ended the stream, for the caller to report.
    error: Option<io::Error>,
}

impl IndexStream {
    /// An absent index is an empty stream; one that is there and cannot
    /// be opened is an error.
    fn open(path: &Path, limit: u64) -> io::Result<IndexStream> {
        Ok(IndexStream {
            src: IndexReader::open_if_present(path)?,
            left: limit,
            error: None,
        })
    }

    fn empty() -> IndexStream {
        IndexStream {
            src: None,
            left: 0,
            error: None,
        }
    }

    /// The next entry; `None` at the end (where the index ends or a zero
    /// record starts), or after a read error (kept in `error`).
    fn next_entry(&mut self) -> Option<Entry> {
        let src = self.src.as_mut()?;
        if self.left == 0 {
            return None;
        }
        let record = match src.next_record() {
            Ok(Ok(record)) => record,
            Ok(Err(_)) => return None,
            Err(e) => {
                self.error = Some(e);
                self.src = None;
                return None;
            }
        };
        if record.is_zero() {
            return None;
        }
        self.left -= 1;
        Some(Entry::new(record.at, &record.entry()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn channel_names() {
        assert!(channel_name_valid("orders.eu"));
        assert!(!channel_name_valid(".x"));
        assert!(!channel_name_valid("x."));
        assert!(!channel_name_valid("a..b"));
        assert!(!channel_name_valid("a.*"));
        assert!(!channel_name_valid(""));
    }

    /// An index that is there and cannot be opened or read is an error,
    /// not an index without entries.
    #[test]
    fn index_stream_errors_are_kept() {
        let tmp = tempfile::tempdir().unwrap();
        let absent = IndexStream::open(&tmp.path().join("msgs.1.idx"), 5).unwrap();
        assert!(absent.src.is_none() && absent.error.is_none());
        assert!(IndexStream::open(tmp.path(), 5).is_err());
        // A directory opened as a file: its length is known (not 0, with
        // an entry in it), reads fail.
        std::fs::write(tmp.path().join("x"), b"x").unwrap();
        let dir = std::fs::File::open(tmp.path()).unwrap();
        let mut s = IndexStream {
            src: Some(IndexReader::from_file(dir).unwrap()),
            left: 5,
            error: None,
        };
        assert!(s.next_entry().is_none());
        let e = s.error.take().expect("the read error is kept");
        assert_eq!(e.raw_os_error(), Some(libc::EISDIR), "{e}");
    }
}
