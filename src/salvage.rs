//! `stanctl salvage --to-dir NEW`: copy everything recoverable from a
//! (damaged) file store into a new, clean one, never in place.
//!
//! Every data file is scanned record by record, independently of its
//! index: a record is kept when its framing, CRC and protobuf check out.
//! After a bad record the scan resynchronises on the next index entry that
//! points at a valid record, else on the next offset where a valid record
//! starts (bounded search), so records after a damaged one survive; torn
//! tails are cut. Records the server would ignore after the last index
//! entry (quirk Q3) are kept: they were written and usually acknowledged.
//! Indexes are rebuilt by the writer. Subscriptions and clients are
//! replayed record by record, skipping damaged records.
//!
//! The report lists what was kept and what was dropped: sequence ranges
//! and byte ranges per file.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use prost::Message as _;
use serde::Serialize;

use crate::check::file::channel_name_valid;
use crate::crc::Crc32;
use crate::error::{Result, StoreError};
use crate::filestore::record::{
    CLIENT_ADD, CLIENT_DELETE, FILE_VERSION, SUB_ACK, SUB_DELETE, SUB_MSG, SUB_NEW, SUB_UPDATE,
};
use crate::filestore::replay::{ClientsReplay, ReplayedSub, SubsReplay};
use crate::filestore::slice::{index_file_name, slice_name, IndexReader, SliceName};
use crate::filestore::walk::{
    step_data, walk_data_file, walk_typed_log, DataObserver, DataRecord, DecodedMsg, FrameCursor,
    LogEnd,
};
use crate::filestore::writer::{FileStoreWriter, FileWriterOptions};
use crate::model::{
    ChannelCounts, ChannelStats, Client, Limits, Message, ServerInfo, Subscription,
};
use crate::proto::{self, ClientDelete, ClientInfo, SubState, SubStateDelete, SubStateUpdate};
use crate::store::StoreWriter;

/// Bytes searched for the next valid record after a bad one.
const RESYNC_WINDOW: u64 = 64 << 20;

#[derive(Debug, Clone)]
pub struct SalvageOptions {
    pub crc_poly: u32,
    pub writer: FileWriterOptions,
}

impl Default for SalvageOptions {
    fn default() -> Self {
        SalvageOptions {
            crc_poly: crate::crc::IEEE,
            writer: FileWriterOptions::default(),
        }
    }
}

/// A byte range that was not copied.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DroppedBytes {
    pub file: String,
    pub from: u64,
    /// Exclusive.
    pub to: u64,
    pub reason: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ChannelReport {
    pub name: String,
    pub kept_messages: u64,
    /// Kept sequences as ranges.
    pub kept: Vec<(u64, u64)>,
    /// Sequences known to have existed (index entries, gaps) that could not
    /// be recovered.
    pub dropped_seqs: Vec<(u64, u64)>,
    /// Records kept that the server ignored (after the last index entry).
    pub recovered_unindexed: u64,
    pub subscriptions: u64,
    pub dropped_subscription_records: u64,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct SalvageReport {
    pub source: String,
    pub target: String,
    pub cluster_id: String,
    pub clients: u64,
    pub channels: Vec<ChannelReport>,
    pub dropped_bytes: Vec<DroppedBytes>,
    /// A clustered node's clients and subscriptions live in its Raft log,
    /// which salvage does not read: none were copied.
    pub raft_state_not_copied: bool,
    /// Source files there that could not be read (a note says why): what
    /// they hold is not copied.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub unreadable_files: Vec<String>,
    pub notes: Vec<String>,
}

impl SalvageReport {
    /// `rel` is there but cannot be read: skipped, and said so.
    fn unreadable(&mut self, rel: &str, e: &io::Error) {
        self.unreadable_files.push(rel.to_string());
        self.notes.push(format!("{rel}: unreadable ({e}), skipped"));
    }
}

/// Where a message's record is.
#[derive(Debug, Clone)]
struct Loc {
    file: usize,
    offset: u64,
}

/// The message of a record salvage keeps: framing, CRC and protobuf check
/// out, with a non-empty payload and a sequence.
fn kept<'a>(r: &DataRecord<'a>) -> Option<DecodedMsg<'a>> {
    let payload = r.payload.as_ref()?;
    if r.size == 0 || payload.crc_mismatch(r.stored_crc).is_some() {
        return None;
    }
    payload.msg().ok().filter(|m| m.sequence() > 0)
}

/// Whether a record salvage keeps starts at `offset`. A read error is an
/// error, not damage.
fn valid_at(cur: &mut FrameCursor, offset: u64, crc: &Crc32) -> io::Result<bool> {
    cur.seek(offset);
    Ok(step_data(cur, Some(crc), true)?.is_ok_and(|r| kept(&r).is_some()))
}

/// The next offset in `(from, from + window]` where a valid record starts.
/// Candidates are pre-filtered on the MsgProto's first byte.
fn resync(cur: &mut FrameCursor, from: u64, crc: &Crc32) -> io::Result<Option<u64>> {
    let end = cur.len().min(from.saturating_add(RESYNC_WINDOW));
    let mut chunk_start = from + 1;
    let chunk = 1 << 20;
    while chunk_start + 9 <= end {
        cur.seek(chunk_start);
        let buf = cur.read_vec((chunk + 9).min(end - chunk_start))?;
        for i in 0..buf.len().saturating_sub(8) {
            // header (8 bytes) then payload starting with 0x08 (field 1).
            if buf[i + 8] != 0x08 {
                continue;
            }
            let at = chunk_start + i as u64;
            if valid_at(cur, at, crc)? {
                return Ok(Some(at));
            }
        }
        chunk_start += chunk;
    }
    Ok(None)
}

/// A data file read through the walk's framing cursor, for the copy.
struct Data {
    cur: FrameCursor,
}

impl Data {
    fn open(path: &Path) -> io::Result<Data> {
        Ok(Data {
            cur: FrameCursor::open(path, false)?,
        })
    }

    /// The message of a record salvage keeps at `offset`. A read error is
    /// an error, not damage.
    fn message_at(&mut self, offset: u64, crc: &Crc32) -> io::Result<Option<Message>> {
        self.cur.seek(offset);
        let Ok(r) = step_data(&mut self.cur, Some(crc), true)? else {
            return Ok(None);
        };
        Ok(kept(&r).map(|m| Message {
            seq: m.sequence(),
            timestamp: m.timestamp(),
            subject: proto::text(m.subject()),
            reply: proto::text(m.reply()),
            data: bytes::Bytes::copy_from_slice(m.data()),
        }))
    }
}

/// Salvage's forward scan of one data file, as an observer of the data
/// walk: every valid record is noted; after damage (a bad record, or where
/// the framing ends before end of file) the scan goes on at the next
/// index entry that points at a valid record, else at the next offset
/// where one starts, and the bytes skipped are reported.
struct Scan<'a> {
    crc: &'a Crc32,
    rel: &'a str,
    file: usize,
    hints: &'a BTreeSet<u64>,
    last_indexed: Option<u64>,
    locs: &'a mut BTreeMap<u64, Loc>,
    known: &'a mut BTreeSet<u64>,
    /// Sequence of the valid record at each offset of this file.
    seq_at: BTreeMap<u64, u64>,
    recovered_unindexed: u64,
    dropped_bytes: &'a mut Vec<DroppedBytes>,
    /// A failed read while resynchronising: it ends the walk.
    error: Option<io::Error>,
}

impl Scan<'_> {
    /// Damage at `pos`: the next valid record to go on from, if any.
    fn damage(&mut self, pos: u64, cur: &mut FrameCursor) -> Option<u64> {
        match self.next_valid(pos, cur) {
            Ok(next) => next,
            Err(e) => {
                self.error = Some(e);
                None
            }
        }
    }

    fn next_valid(&mut self, pos: u64, cur: &mut FrameCursor) -> io::Result<Option<u64>> {
        let mut next = None;
        for &h in self.hints.range(pos + 1..) {
            if valid_at(cur, h, self.crc)? {
                next = Some(h);
                break;
            }
        }
        if next.is_none() {
            next = resync(cur, pos, self.crc)?;
        }
        let trailing_zeros = next.is_none() && cur.first_nonzero(pos)?.is_none();
        if !trailing_zeros {
            self.dropped_bytes.push(DroppedBytes {
                file: self.rel.to_string(),
                from: pos,
                to: next.unwrap_or(cur.len()),
                reason: if next.is_some() {
                    "damaged record(s); resynchronised on the next valid record".into()
                } else {
                    "damaged or torn tail".into()
                },
            });
        }
        Ok(next)
    }
}

impl DataObserver for Scan<'_> {
    fn record(&mut self, r: &DataRecord<'_>) -> bool {
        let Some(msg) = kept(r) else {
            return false;
        };
        let (pos, seq) = (r.offset, msg.sequence());
        if let std::collections::btree_map::Entry::Vacant(v) = self.locs.entry(seq) {
            let indexed = self.hints.contains(&pos);
            if !indexed && self.last_indexed.is_some_and(|l| pos > l) {
                self.recovered_unindexed += 1;
            }
            v.insert(Loc {
                file: self.file,
                offset: pos,
            });
        }
        self.known.insert(seq);
        self.seq_at.insert(pos, seq);
        true
    }

    fn resume_after(&mut self, offset: u64, cur: &mut FrameCursor) -> Option<u64> {
        self.damage(offset, cur)
    }

    fn end(&mut self, end: &LogEnd, cur: &mut FrameCursor) -> Option<u64> {
        match end {
            LogEnd::Eof => None,
            _ => self.damage(end.offset(cur.len()), cur),
        }
    }
}

fn ranges(seqs: impl IntoIterator<Item = u64>) -> Vec<(u64, u64)> {
    let mut out: Vec<(u64, u64)> = Vec::new();
    for s in seqs {
        match out.last_mut() {
            Some(last) if last.1.checked_add(1) == Some(s) => last.1 = s,
            _ => out.push((s, s)),
        }
    }
    out
}

/// Index entries of a slice whose own CRC checks out: (seq, offset); none
/// when there is no index. Errors: the index is there and cannot be read.
fn index_entries(path: &Path, crc: &Crc32) -> io::Result<Vec<(u64, u64)>> {
    let mut out = Vec::new();
    let Some(mut idx) = IndexReader::open_if_present(path)? else {
        return Ok(out);
    };
    while let Ok(record) = idx.next_record()? {
        if !record.is_zero() && record.crc_mismatch(crc).is_none() {
            let entry = record.entry();
            out.push((entry.seq, entry.offset));
        }
    }
    Ok(out)
}

/// Each typed record of a log whose CRC checks out (offset, type,
/// payload), in order, skipping damaged ones (noted in `dropped`).
/// Returns how many were skipped (none when there is no file), or the
/// error that stopped the reading: the file is there but cannot be opened,
/// or a read failed (the records before it were handed over).
fn for_each_typed_record(
    path: &Path,
    rel: &str,
    crc: &Crc32,
    dropped: &mut Vec<DroppedBytes>,
    mut record: impl FnMut(u64, u8, &[u8]),
) -> io::Result<u64> {
    let mut log = match FrameCursor::open(path, true) {
        Ok(log) => log,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(0),
        Err(e) => return Err(e),
    };
    let len = log.len();
    let mut bad = 0u64;
    let mut drop = |from: u64, to: u64, reason: &str| {
        dropped.push(DroppedBytes {
            file: rel.to_string(),
            from,
            to,
            reason: reason.into(),
        });
        bad += 1;
    };
    log.seek(4);
    let end = walk_typed_log(&mut log, crc, |r| match r.crc_mismatch {
        None => record(r.offset, r.rtype, r.payload),
        Some(_) => drop(r.offset, r.offset + 8 + r.size, "CRC mismatch"),
    })?;
    match end {
        LogEnd::Eof => {}
        LogEnd::Torn {
            offset,
            needed: None,
            ..
        } => drop(offset, len, "torn record header"),
        LogEnd::Torn { offset, .. } | LogEnd::HeaderOnly { offset, .. } => {
            drop(offset, len, "torn record")
        }
        LogEnd::Zero { offset } => {
            if log.first_nonzero(offset)?.is_some() {
                drop(offset, len, "zero padding followed by data");
            }
        }
    }
    Ok(bad)
}

/// Copy what is recoverable from `root` into `target` (which must not
/// exist or be empty, and must not be inside `root`).
pub fn salvage(root: &Path, target: &Path, opts: &SalvageOptions) -> Result<SalvageReport> {
    // A directory inside the source would be read as a channel.
    crate::safe_fs::ensure_apart(root, target)?;
    let crc = Crc32::new(opts.crc_poly);
    let mut report = SalvageReport {
        source: root.display().to_string(),
        target: target.display().to_string(),
        ..SalvageReport::default()
    };
    // Server information.
    let server_path = root.join("server.dat");
    let server_bytes = crate::safe_fs::read_regular(&server_path)?;
    let info = server_bytes
        .get(12..)
        .and_then(|p| proto::ServerInfo::decode(p).ok())
        .map(ServerInfo::from)
        .ok_or_else(|| {
            StoreError::corrupt(&server_path, 4, "server.dat holds no readable ServerInfo: nothing to salvage the store identity from")
        })?;
    if server_bytes.len() >= 12 {
        let stored = u32::from_le_bytes([
            server_bytes[8],
            server_bytes[9],
            server_bytes[10],
            server_bytes[11],
        ]);
        if crc.checksum(&server_bytes[12..]) != stored {
            report
                .notes
                .push("server.dat CRC mismatch: its record decoded anyway and was kept".into());
        }
    }
    report.cluster_id = info.cluster_id.clone();
    let clustered = info.node_id.is_some();
    if clustered {
        report.raft_state_not_copied = true;
        report.notes.push(format!(
            "clustered node {:?}: its clients and subscriptions live in the Raft log, which salvage does not read; none were copied (`stanctl clients` and `stanctl subs` read them from the Raft log)",
            info.node_id.as_deref().unwrap_or_default()
        ));
    }
    let mut writer: Box<dyn StoreWriter> =
        Box::new(FileStoreWriter::create(target, opts.writer.clone())?);
    writer.server_info(&info)?;

    // Clients.
    let mut clients = ClientsReplay::default();
    let notes = &mut report.notes;
    let bad = for_each_typed_record(
        &root.join("clients.dat"),
        "clients.dat",
        &crc,
        &mut report.dropped_bytes,
        |_, rtype, payload| match rtype {
            CLIENT_ADD => match ClientInfo::decode(payload) {
                Ok(info) => clients.add(info),
                Err(_) => {
                    notes.push("clients.dat: an undecodable client record was skipped".into())
                }
            },
            CLIENT_DELETE => match ClientDelete::decode(payload) {
                Ok(del) => clients.delete(&del),
                Err(_) => {
                    notes.push("clients.dat: an undecodable delete record was skipped".into())
                }
            },
            other => notes.push(format!(
                "clients.dat: record of unknown type {other} skipped"
            )),
        },
    )
    .unwrap_or_else(|e| {
        report.unreadable("clients.dat", &e);
        0
    });
    if bad > 0 {
        report
            .notes
            .push(format!("clients.dat: {bad} damaged records skipped"));
    }
    let clients = clients.finish();
    for c in clients.values() {
        writer.add_client(c)?;
    }
    report.clients = clients.len() as u64;

    // Channels.
    // A directory at clients.dat is not one: it is in unreadable_files.
    for name in crate::filestore::root_entries(root)?.channels {
        if !channel_name_valid(&name) {
            report
                .notes
                .push(format!("{name}: not a valid channel name, not copied"));
            continue;
        }
        let ch = salvage_channel(
            root,
            &name,
            &crc,
            &clients,
            clustered,
            &mut report,
            writer.as_mut(),
        )?;
        report.channels.push(ch);
    }
    writer.finish()?;
    Ok(report)
}

fn salvage_channel(
    root: &Path,
    name: &str,
    crc: &Crc32,
    clients: &BTreeMap<String, Client>,
    clustered: bool,
    report: &mut SalvageReport,
    writer: &mut dyn StoreWriter,
) -> Result<ChannelReport> {
    let dir = root.join(name);
    let mut slices: Vec<(i64, String)> = Vec::new();
    for entry in fs::read_dir(&dir).map_err(|e| StoreError::io(&dir, e))? {
        let entry = entry.map_err(|e| StoreError::io(&dir, e))?;
        let f = entry.file_name().to_string_lossy().into_owned();
        if let SliceName::Number(n) = slice_name(&f) {
            slices.push((n, f));
        }
    }
    slices.sort();
    let mut out = ChannelReport {
        name: name.to_string(),
        ..ChannelReport::default()
    };
    // Data files kept by path: reopened one at a time for the copy, so an
    // open cursor's chunk is held for one file only.
    let mut files: Vec<(String, PathBuf)> = Vec::new();
    let mut locs: BTreeMap<u64, Loc> = BTreeMap::new();
    let mut known: BTreeSet<u64> = BTreeSet::new();
    for (n, fname) in &slices {
        let rel = format!("{name}/{fname}");
        let path = dir.join(fname);
        let mut data = match Data::open(&path) {
            Ok(d) => d,
            Err(e) => {
                report.unreadable(&rel, &e);
                continue;
            }
        };
        // The index only gives hints: an unreadable one is said so, and
        // the data file is salvaged without them.
        let idx_name = index_file_name(*n);
        let entries = match index_entries(&dir.join(&idx_name), crc) {
            Ok(entries) => entries,
            Err(e) => {
                report.unreadable(&format!("{name}/{idx_name}"), &e);
                Vec::new()
            }
        };
        let last_indexed = entries.iter().map(|e| e.1).max();
        let hints: BTreeSet<u64> = entries.iter().map(|e| e.1).collect();
        let version_ok = matches!(data.cur.version(), Ok(Some(FILE_VERSION)));
        if !version_ok {
            report.notes.push(format!(
                "{rel}: bad version header; records searched anyway"
            ));
        }
        let mut scan = Scan {
            crc,
            rel: &rel,
            file: files.len(),
            hints: &hints,
            last_indexed,
            locs: &mut locs,
            known: &mut known,
            seq_at: BTreeMap::new(),
            recovered_unindexed: 0,
            dropped_bytes: &mut report.dropped_bytes,
            error: None,
        };
        data.cur.seek(4);
        let walked = walk_data_file(&mut data.cur, Some(crc), &mut scan);
        let io_err = |e| StoreError::io(&path, e);
        walked.map_err(io_err)?;
        if let Some(e) = scan.error.take() {
            return Err(io_err(e));
        }
        let Scan {
            seq_at,
            recovered_unindexed,
            ..
        } = scan;
        out.recovered_unindexed += recovered_unindexed;
        // An index entry is a sequence that existed, unless the record it
        // points at holds another sequence: then the entry is wrong (a CRC-
        // valid index record with a bad sequence), not a lost message.
        for &(seq, offset) in &entries {
            match seq_at.get(&offset) {
                Some(&actual) if actual != seq => report.notes.push(format!(
                    "{name}/{}: an index entry says seq {seq} for the record at offset \
                     {offset} of {fname}, which holds seq {actual}: the entry is wrong, ignored",
                    index_file_name(*n)
                )),
                _ => {
                    known.insert(seq);
                }
            }
        }
        files.push((rel, path));
    }
    // Interior gaps count as lost too.
    if let (Some(&lo), Some(&hi)) = (known.iter().next(), known.iter().next_back()) {
        if hi - lo < 100_000_000 {
            known.extend(lo..=hi);
        }
    }
    let kept: Vec<u64> = locs.keys().copied().collect();
    out.kept = ranges(kept.iter().copied());
    out.dropped_seqs = ranges(known.iter().copied().filter(|s| !locs.contains_key(s)));
    let (first, last) = (
        kept.first().copied().unwrap_or(0),
        kept.last().copied().unwrap_or(0),
    );
    writer.begin_channel(
        &ChannelStats {
            name: name.to_string(),
            counts: ChannelCounts {
                first_seq: first,
                last_seq: last,
                msgs: kept.len() as u64,
                ..ChannelCounts::default()
            },
        },
        &Limits::default(),
    )?;
    let mut open: Option<(usize, Data)> = None;
    for (seq, loc) in &locs {
        let Some((rel, path)) = files.get(loc.file) else {
            continue;
        };
        if open.as_ref().is_none_or(|(i, _)| *i != loc.file) {
            match Data::open(path) {
                Ok(d) => open = Some((loc.file, d)),
                Err(e) => {
                    report.notes.push(format!(
                        "{rel}: seq {seq} unreadable while salvaging ({e}); skipped"
                    ));
                    continue;
                }
            }
        }
        let Some((_, data)) = open.as_mut() else {
            continue;
        };
        let msg = match data.message_at(loc.offset, crc) {
            Ok(Some(msg)) => msg,
            Ok(None) => {
                report
                    .notes
                    .push(format!("{rel}: seq {seq} changed while salvaging; skipped"));
                continue;
            }
            Err(e) => {
                report.notes.push(format!(
                    "{rel}: seq {seq} unreadable while salvaging ({e}); skipped"
                ));
                continue;
            }
        };
        writer.append_message(&msg)?;
        out.kept_messages += 1;
    }
    // Subscriptions, as the server would recover them.
    let subs_rel = format!("{name}/subs.dat");
    let mut subs = SubsReplay::default();
    let mut undecodable = 0u64;
    let bad = for_each_typed_record(
        &dir.join("subs.dat"),
        &subs_rel,
        crc,
        &mut report.dropped_bytes,
        |offset, rtype, payload| match rtype {
            SUB_NEW | SUB_UPDATE => {
                if let Ok(s) = SubState::decode(payload) {
                    subs.state(rtype, s, offset);
                } else {
                    undecodable += 1;
                }
            }
            SUB_DELETE => {
                if let Ok(d) = SubStateDelete::decode(payload) {
                    subs.delete(d.id);
                } else {
                    undecodable += 1;
                }
            }
            SUB_ACK | SUB_MSG => {
                if let Ok(u) = SubStateUpdate::decode(payload) {
                    subs.sent_or_acked(rtype, &u);
                } else {
                    undecodable += 1;
                }
            }
            _ => undecodable += 1,
        },
    )
    .unwrap_or_else(|e| {
        report.unreadable(&subs_rel, &e);
        0
    });
    out.dropped_subscription_records = bad + undecodable;
    if !clustered {
        for ReplayedSub { state, pending, .. } in subs.finish().into_values() {
            let mut sub = Subscription::from_state(name, &state);
            sub.pending = pending.into_iter().collect();
            let known_client = clients.contains_key(&sub.client_id);
            let skipped = if !sub.is_durable {
                !known_client
            } else {
                !sub.queue_group.is_empty()
                    && !sub.client_id.is_empty()
                    && !known_client
                    && !sub.is_closed
            };
            if skipped {
                report.notes.push(format!(
                    "{subs_rel}: subscription {} not copied: the server would not recover it (client {:?} unknown)",
                    sub.id, sub.client_id
                ));
                continue;
            }
            writer.add_subscription(&sub)?;
            out.subscriptions += 1;
        }
    }
    writer.end_channel()?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A read error in a data file or an index is an error, not damage,
    /// zeros or an absent index.
    #[test]
    fn read_errors_are_errors() {
        let tmp = tempfile::tempdir().unwrap();
        let crc = Crc32::default();
        assert_eq!(
            index_entries(&tmp.path().join("msgs.1.idx"), &crc).unwrap(),
            vec![]
        );
        assert!(index_entries(tmp.path(), &crc).is_err());
        // A directory opened as a file: its length is known (not 0, with
        // an entry in it), reads fail.
        std::fs::write(tmp.path().join("x"), b"x").unwrap();
        let unreadable = || Data {
            cur: FrameCursor::from_file(std::fs::File::open(tmp.path()).unwrap(), false).unwrap(),
        };
        assert!(!unreadable().cur.is_empty());
        assert!(unreadable().message_at(0, &crc).is_err());
        assert!(valid_at(&mut unreadable().cur, 0, &crc).is_err());
        assert!(unreadable().cur.first_nonzero(0).is_err());
    }
}
