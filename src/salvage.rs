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
//!
//! Memory does not grow with the messages: what is kept is held as runs of
//! consecutive sequences stored back to back (one per slice in a healthy
//! store), the index is streamed beside the data scan, and the copy reads
//! each run again from its first record.

use std::collections::BTreeMap;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::rc::Rc;

use prost::Message as _;
use serde::Serialize;

use crate::check::file::channel_name_valid;
use crate::crc::Crc32;
use crate::error::{Result, StoreError};
use crate::filestore::record::{
    CLIENT_ADD, CLIENT_DELETE, FILE_VERSION, HEADER_LEN, SUB_ACK, SUB_DELETE, SUB_MSG, SUB_NEW,
    SUB_UPDATE,
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

/// Consecutive sequences kept from records stored back to back in one
/// data file: `offset` is where the first starts, `end` where the last ends.
#[derive(Debug, Clone)]
struct Run {
    last: u64,
    file: usize,
    offset: u64,
    end: u64,
}

/// The records salvage keeps of one channel, as runs (by first sequence):
/// memory grows with the damage and the slices, not with the messages
/// (a store holds hundreds of GB). The first valid record of a sequence
/// wins, in slice order, then offset order.
#[derive(Debug, Default)]
struct KeptRuns {
    runs: BTreeMap<u64, Run>,
}

impl KeptRuns {
    fn contains(&self, seq: u64) -> bool {
        self.runs
            .range(..=seq)
            .next_back()
            .is_some_and(|(_, run)| run.last >= seq)
    }

    /// Keeps `seq`, stored at `offset..end` of `file`, unless a record
    /// kept earlier has it; whether it was kept.
    fn keep(&mut self, seq: u64, file: usize, offset: u64, end: u64) -> bool {
        if self.contains(seq) {
            return false;
        }
        if let Some((_, run)) = self.runs.range_mut(..seq).next_back() {
            if run.file == file && run.end == offset && run.last.checked_add(1) == Some(seq) {
                run.last = seq;
                run.end = end;
                return true;
            }
        }
        let run = Run {
            last: seq,
            file,
            offset,
            end,
        };
        self.runs.insert(seq, run);
        true
    }

    fn count(&self) -> u64 {
        self.runs
            .iter()
            .map(|(first, run)| run.last - first + 1)
            .sum()
    }

    fn first(&self) -> Option<u64> {
        self.runs.keys().next().copied()
    }

    fn last(&self) -> Option<u64> {
        self.runs.values().next_back().map(|run| run.last)
    }

    /// The kept sequences as ranges (adjacent runs joined).
    fn ranges(&self) -> Vec<(u64, u64)> {
        let mut out: Vec<(u64, u64)> = Vec::new();
        for (&first, run) in &self.runs {
            match out.last_mut() {
                Some(prev) if prev.1.checked_add(1) == Some(first) => prev.1 = run.last,
                _ => out.push((first, run.last)),
            }
        }
        out
    }

    /// The sequences of `lo..=hi` not kept, as ranges.
    fn missing_within(&self, lo: u64, hi: u64) -> Vec<(u64, u64)> {
        let mut out = Vec::new();
        // The lowest sequence not yet accounted for; `None` past u64::MAX.
        let mut next = Some(lo);
        for (first, last) in self.ranges() {
            let Some(from) = next.filter(|&n| n <= hi) else {
                break;
            };
            if first > from {
                out.push((from, (first - 1).min(hi)));
            }
            if last >= from {
                next = last.checked_add(1);
            }
        }
        if let Some(from) = next.filter(|&n| n <= hi) {
            out.push((from, hi));
        }
        out
    }
}

/// A CRC-valid entry of a slice's index: the record at `offset` holds
/// `seq`; `ordinal` is its place among the valid entries, in index order.
#[derive(Debug, Clone, Copy)]
struct IndexHint {
    ordinal: usize,
    seq: u64,
    offset: u64,
}

/// The valid entries of a slice's index in offset order, one at a time:
/// read from the file when its offsets ascend (as the server writes them),
/// else sorted in memory (a damaged index, bounded by its size).
enum IndexHints {
    None,
    File { index: IndexReader, ordinal: usize },
    Sorted { hints: Rc<[IndexHint]>, next: usize },
}

impl IndexHints {
    fn next(&mut self, crc: &Crc32) -> io::Result<Option<IndexHint>> {
        match self {
            IndexHints::None => Ok(None),
            IndexHints::Sorted { hints, next } => {
                let hint = hints.get(*next).copied();
                *next += 1;
                Ok(hint)
            }
            IndexHints::File { index, ordinal } => {
                while let Ok(record) = index.next_record()? {
                    if !record.is_zero() && record.crc_mismatch(crc).is_none() {
                        let entry = record.entry();
                        let hint = IndexHint {
                            ordinal: *ordinal,
                            seq: entry.seq,
                            offset: entry.offset,
                        };
                        *ordinal += 1;
                        return Ok(Some(hint));
                    }
                }
                Ok(None)
            }
        }
    }
}

/// [`IndexHints`] that can look one entry ahead.
struct HintCursor {
    hints: IndexHints,
    ahead: Option<IndexHint>,
}

impl HintCursor {
    fn new(hints: IndexHints) -> HintCursor {
        HintCursor { hints, ahead: None }
    }

    fn next(&mut self, crc: &Crc32) -> io::Result<Option<IndexHint>> {
        match self.ahead.take() {
            Some(hint) => Ok(Some(hint)),
            None => self.hints.next(crc),
        }
    }

    /// The next entry if it points at or before `offset`.
    fn next_up_to(&mut self, offset: u64, crc: &Crc32) -> io::Result<Option<IndexHint>> {
        if self.ahead.is_none() {
            self.ahead = self.hints.next(crc)?;
        }
        Ok(self.ahead.take_if(|hint| hint.offset <= offset))
    }
}

/// A slice's index as salvage uses it: two cursors over its valid entries
/// in offset order (one to resynchronise on after damage, one to compare
/// each entry with the record it points at) and the last offset it names.
/// An absent index has no entries. Errors: the index is there and cannot
/// be read.
fn index_hints(path: &Path, crc: &Crc32) -> io::Result<(HintCursor, HintCursor, Option<u64>)> {
    let open = || -> io::Result<IndexHints> {
        Ok(match IndexReader::open_if_present(path)? {
            Some(index) => IndexHints::File { index, ordinal: 0 },
            None => IndexHints::None,
        })
    };
    // A first pass: do the offsets ascend, and the last one.
    let mut all = open()?;
    let (mut last, mut ascending) = (None::<u64>, true);
    while let Some(hint) = all.next(crc)? {
        ascending &= last.is_none_or(|l| hint.offset > l);
        last = last.max(Some(hint.offset));
    }
    if ascending {
        return Ok((HintCursor::new(open()?), HintCursor::new(open()?), last));
    }
    let mut all = open()?;
    let mut sorted = Vec::new();
    while let Some(hint) = all.next(crc)? {
        sorted.push(hint);
    }
    sorted.sort_by_key(|hint| hint.offset);
    let hints: Rc<[IndexHint]> = sorted.into();
    let sorted = |hints| HintCursor::new(IndexHints::Sorted { hints, next: 0 });
    Ok((sorted(Rc::clone(&hints)), sorted(hints), last))
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

    /// The message of the record at the cursor, if salvage keeps it. A
    /// read error is an error, not damage.
    fn next_message(&mut self, crc: &Crc32) -> io::Result<Option<Message>> {
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
    data_path: &'a Path,
    idx_path: &'a Path,
    file: usize,
    /// The index entries to resynchronise on after damage.
    hints: HintCursor,
    /// The index entries not yet compared with the records they point at.
    entries: HintCursor,
    last_indexed: Option<u64>,
    kept: &'a mut KeptRuns,
    /// The sequences of index entries: they existed.
    indexed: &'a mut SeqSpan,
    /// Index entries that name another sequence than their record holds:
    /// (ordinal, seq of the entry, offset, seq of the record).
    wrong_entries: Vec<(usize, u64, u64, u64)>,
    recovered_unindexed: u64,
    dropped_bytes: &'a mut Vec<DroppedBytes>,
    /// A failed read, of the data file or its index: it ends the walk.
    error: Option<StoreError>,
}

/// The lowest and the highest of some sequences.
#[derive(Debug, Default, Clone, Copy)]
struct SeqSpan(Option<(u64, u64)>);

impl SeqSpan {
    fn add(&mut self, seq: u64) {
        self.0 = Some(match self.0 {
            Some((lo, hi)) => (lo.min(seq), hi.max(seq)),
            None => (seq, seq),
        });
    }
}

impl Scan<'_> {
    /// Damage at `pos`: the next valid record to go on from, if any.
    fn damage(&mut self, pos: u64, cur: &mut FrameCursor) -> Option<u64> {
        if self.error.is_some() {
            return None;
        }
        match self.next_valid(pos, cur) {
            Ok(next) => next,
            Err(e) => {
                self.error = Some(e);
                None
            }
        }
    }

    fn next_valid(&mut self, pos: u64, cur: &mut FrameCursor) -> Result<Option<u64>> {
        let data_err = |e| StoreError::io(self.data_path, e);
        let idx_err = |e| StoreError::io(self.idx_path, e);
        // The walk only goes forward: entries at or before `pos`, and the
        // invalid ones after it, are of no use to a later resync either.
        let mut next = None;
        while let Some(hint) = self.hints.next(self.crc).map_err(idx_err)? {
            if hint.offset > pos && valid_at(cur, hint.offset, self.crc).map_err(data_err)? {
                next = Some(hint.offset);
                break;
            }
        }
        if next.is_none() {
            next = resync(cur, pos, self.crc).map_err(data_err)?;
        }
        let trailing_zeros = next.is_none() && cur.first_nonzero(pos).map_err(data_err)?.is_none();
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

    /// The index entries up to `offset`, where a valid record holding
    /// `seq` starts (`None`: to the end). An entry is a sequence that
    /// existed, unless the record it points at holds another sequence:
    /// then the entry is wrong (a CRC-valid index record with a bad
    /// sequence), not a lost message.
    fn compare_entries(&mut self, offset: u64, seq: Option<u64>) -> Result<()> {
        let idx_err = |e| StoreError::io(self.idx_path, e);
        while let Some(entry) = self.entries.next_up_to(offset, self.crc).map_err(idx_err)? {
            match seq {
                Some(actual) if entry.offset == offset && actual != entry.seq => self
                    .wrong_entries
                    .push((entry.ordinal, entry.seq, offset, actual)),
                _ => self.indexed.add(entry.seq),
            }
        }
        Ok(())
    }
}

impl DataObserver for Scan<'_> {
    fn record(&mut self, r: &DataRecord<'_>) -> bool {
        let Some(msg) = kept(r) else {
            return false;
        };
        let (pos, seq) = (r.offset, msg.sequence());
        let end = pos + HEADER_LEN + r.size;
        // Past the last index entry no entry points at a record.
        if self.kept.keep(seq, self.file, pos, end) && self.last_indexed.is_some_and(|l| pos > l) {
            self.recovered_unindexed += 1;
        }
        if let Err(e) = self.compare_entries(pos, Some(seq)) {
            self.error = Some(e);
            return false;
        }
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
    let mut kept = KeptRuns::default();
    let mut indexed = SeqSpan::default();
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
        let idx_path = dir.join(&idx_name);
        let (hints, entries, last_indexed) = match index_hints(&idx_path, crc) {
            Ok(hints) => hints,
            Err(e) => {
                report.unreadable(&format!("{name}/{idx_name}"), &e);
                let none = || HintCursor::new(IndexHints::None);
                (none(), none(), None)
            }
        };
        let version_ok = matches!(data.cur.version(), Ok(Some(FILE_VERSION)));
        if !version_ok {
            report.notes.push(format!(
                "{rel}: bad version header; records searched anyway"
            ));
        }
        let mut scan = Scan {
            crc,
            rel: &rel,
            data_path: &path,
            idx_path: &idx_path,
            file: files.len(),
            hints,
            entries,
            last_indexed,
            kept: &mut kept,
            indexed: &mut indexed,
            wrong_entries: Vec::new(),
            recovered_unindexed: 0,
            dropped_bytes: &mut report.dropped_bytes,
            error: None,
        };
        data.cur.seek(4);
        let walked = walk_data_file(&mut data.cur, Some(crc), &mut scan);
        walked.map_err(|e| StoreError::io(&path, e))?;
        if let Some(e) = scan.error.take() {
            return Err(e);
        }
        // The entries that point past the last valid record.
        scan.compare_entries(u64::MAX, None)?;
        out.recovered_unindexed += scan.recovered_unindexed;
        let mut wrong = std::mem::take(&mut scan.wrong_entries);
        wrong.sort_by_key(|w| w.0);
        for (_, seq, offset, actual) in wrong {
            report.notes.push(format!(
                "{name}/{idx_name}: an index entry says seq {seq} for the record at offset \
                 {offset} of {fname}, which holds seq {actual}: the entry is wrong, ignored"
            ));
        }
        files.push((rel, path));
    }
    out.kept = kept.ranges();
    // Sequences known to have existed: the kept ones, the index entries,
    // and the interior gaps between them.
    let mut known = indexed;
    if let (Some(first), Some(last)) = (kept.first(), kept.last()) {
        known.add(first);
        known.add(last);
    }
    if let SeqSpan(Some((lo, hi))) = known {
        out.dropped_seqs = kept.missing_within(lo, hi);
    }
    writer.begin_channel(
        &ChannelStats {
            name: name.to_string(),
            counts: ChannelCounts {
                first_seq: kept.first().unwrap_or(0),
                last_seq: kept.last().unwrap_or(0),
                msgs: kept.count(),
                ..ChannelCounts::default()
            },
        },
        &Limits::default(),
    )?;
    let mut open: Option<(usize, Data)> = None;
    for (&first, run) in &kept.runs {
        let Some((rel, path)) = files.get(run.file) else {
            continue;
        };
        let seqs = |from: u64| {
            if from == run.last {
                format!("seq {from}")
            } else {
                format!("seqs {from}-{}", run.last)
            }
        };
        if open.as_ref().is_none_or(|(i, _)| *i != run.file) {
            match Data::open(path) {
                Ok(d) => open = Some((run.file, d)),
                Err(e) => {
                    report.notes.push(format!(
                        "{rel}: {} unreadable while salvaging ({e}); skipped",
                        seqs(first)
                    ));
                    continue;
                }
            }
        }
        let Some((_, data)) = open.as_mut() else {
            continue;
        };
        // The run's records are back to back: read on from its first.
        data.cur.seek(run.offset);
        for seq in first..=run.last {
            let msg = match data.next_message(crc) {
                Ok(Some(msg)) if msg.seq == seq => msg,
                Ok(_) => {
                    report.notes.push(format!(
                        "{rel}: {} changed while salvaging; skipped",
                        seqs(seq)
                    ));
                    break;
                }
                Err(e) => {
                    report.notes.push(format!(
                        "{rel}: {} unreadable while salvaging ({e}); skipped",
                        seqs(seq)
                    ));
                    break;
                }
            };
            writer.append_message(&msg)?;
            out.kept_messages += 1;
        }
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
        let (mut hints, mut entries, last) =
            index_hints(&tmp.path().join("msgs.1.idx"), &crc).unwrap();
        assert!(last.is_none());
        assert!(hints.next(&crc).unwrap().is_none());
        assert!(entries.next_up_to(u64::MAX, &crc).unwrap().is_none());
        assert!(index_hints(tmp.path(), &crc).is_err());
        // A directory opened as a file: its length is known (not 0, with
        // an entry in it), reads fail.
        std::fs::write(tmp.path().join("x"), b"x").unwrap();
        let unreadable = || Data {
            cur: FrameCursor::from_file(std::fs::File::open(tmp.path()).unwrap(), false).unwrap(),
        };
        assert!(!unreadable().cur.is_empty());
        assert!(unreadable().next_message(&crc).is_err());
        assert!(valid_at(&mut unreadable().cur, 0, &crc).is_err());
        assert!(unreadable().cur.first_nonzero(0).is_err());
    }

    #[test]
    fn kept_runs_join_records_back_to_back_and_keep_the_first_of_a_seq() {
        let mut kept = KeptRuns::default();
        // File 0: seqs 1-3 back to back, then 5 after a gap in the file.
        assert!(kept.keep(1, 0, 4, 20));
        assert!(kept.keep(2, 0, 20, 36));
        assert!(kept.keep(3, 0, 36, 52));
        assert!(kept.keep(5, 0, 70, 86));
        // File 1 holds 3 again (not kept), then 4 and 6.
        assert!(!kept.keep(3, 1, 4, 20));
        assert!(kept.keep(4, 1, 20, 36));
        assert!(kept.keep(6, 1, 36, 52));
        assert_eq!(kept.runs.len(), 4);
        assert_eq!(kept.runs[&1].last, 3);
        assert_eq!(kept.runs[&1].end, 52);
        assert_eq!(kept.count(), 6);
        assert_eq!((kept.first(), kept.last()), (Some(1), Some(6)));
        assert_eq!(kept.ranges(), vec![(1, 6)]);
        assert!(kept.contains(2) && !kept.contains(7) && !kept.contains(0));
        assert_eq!(kept.missing_within(0, 9), vec![(0, 0), (7, 9)]);
        assert_eq!(kept.missing_within(2, 5), vec![]);

        let mut gaps = KeptRuns::default();
        assert!(gaps.keep(10, 0, 4, 20));
        assert!(gaps.keep(u64::MAX, 0, 20, 36));
        assert_eq!(gaps.ranges(), vec![(10, 10), (u64::MAX, u64::MAX)]);
        assert_eq!(
            gaps.missing_within(8, u64::MAX),
            vec![(8, 9), (11, u64::MAX - 1)]
        );
        assert_eq!(gaps.missing_within(12, 20), vec![(12, 20)]);
        assert_eq!(KeptRuns::default().missing_within(3, 4), vec![(3, 4)]);
    }

    /// Index entries come in offset order whatever the order of the
    /// index: streamed when they ascend, sorted when they do not; records
    /// with a bad CRC and zero records are not entries.
    #[test]
    fn index_hints_come_in_offset_order() {
        use crate::filestore::slice::IndexEntry;
        let tmp = tempfile::tempdir().unwrap();
        let crc = Crc32::default();
        let entry = |seq: u64, offset: u64| IndexEntry {
            seq,
            offset,
            timestamp: 1,
            size: 10,
        };
        let write = |entries: &[IndexEntry], bad_crc: bool| {
            let path = tmp.path().join("msgs.1.idx");
            let mut bytes = FILE_VERSION.to_le_bytes().to_vec();
            for (i, e) in entries.iter().enumerate() {
                let mut raw = e.encode(&crc);
                if bad_crc && i == 1 {
                    raw[31] ^= 1;
                }
                bytes.extend_from_slice(&raw);
            }
            bytes.extend_from_slice(&[0; 32]);
            std::fs::write(&path, bytes).unwrap();
            path
        };
        let all = |cursor: &mut HintCursor| {
            let mut out = Vec::new();
            while let Some(h) = cursor.next(&crc).unwrap() {
                out.push((h.ordinal, h.seq, h.offset));
            }
            out
        };
        let ascending = write(&[entry(1, 4), entry(2, 30), entry(3, 56)], true);
        let (mut hints, mut entries, last) = index_hints(&ascending, &crc).unwrap();
        assert!(matches!(hints.hints, IndexHints::File { .. }));
        assert_eq!(last, Some(56));
        assert_eq!(all(&mut hints), vec![(0, 1, 4), (1, 3, 56)]);
        assert_eq!(entries.next_up_to(3, &crc).unwrap().map(|h| h.seq), None);
        assert_eq!(entries.next_up_to(4, &crc).unwrap().map(|h| h.seq), Some(1));
        assert_eq!(all(&mut entries), vec![(1, 3, 56)]);

        let swapped = write(&[entry(1, 4), entry(3, 56), entry(2, 30)], false);
        let (mut hints, _, last) = index_hints(&swapped, &crc).unwrap();
        assert!(matches!(hints.hints, IndexHints::Sorted { .. }));
        assert_eq!(last, Some(56));
        assert_eq!(all(&mut hints), vec![(0, 1, 4), (2, 2, 30), (1, 3, 56)]);
    }
}
