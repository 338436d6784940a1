//! One message slice: `msgs.N.dat` and its `msgs.N.idx` (FORMAT.md 2.4, 2.8.2).

use std::fs::File;
use std::io::{BufReader, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

use prost::Message as _;

use super::record::{check_version, open_read_only, read_record_at, Next, RecordReader};
use crate::crc::Crc32;
use crate::error::{Result, StoreError};
use crate::model::{Finding, Severity};
use crate::proto::MsgProto;

pub const INDEX_RECORD_LEN: u64 = 32;
const INDEX_BUFFER: usize = 256 * 1024;

/// One 32-byte index record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IndexEntry {
    pub seq: u64,
    /// Offset of the record header in the data file.
    pub offset: u64,
    pub timestamp: i64,
    /// Size of the MsgProto, without the 8-byte record header.
    pub size: u32,
}

impl IndexEntry {
    /// The server's byte accounting for one message (record header + index record).
    pub fn accounted_bytes(&self) -> u64 {
        self.size as u64 + 40
    }

    fn decode(raw: &[u8; 32]) -> (IndexEntry, u32) {
        let u64_at = |i: usize| {
            let mut b = [0u8; 8];
            b.copy_from_slice(&raw[i..i + 8]);
            u64::from_le_bytes(b)
        };
        let u32_at = |i: usize| u32::from_le_bytes([raw[i], raw[i + 1], raw[i + 2], raw[i + 3]]);
        (
            IndexEntry {
                seq: u64_at(0),
                offset: u64_at(8),
                timestamp: u64_at(16) as i64,
                size: u32_at(24),
            },
            u32_at(28),
        )
    }

    pub fn encode(&self, crc: &Crc32) -> [u8; 32] {
        let mut raw = [0u8; 32];
        raw[0..8].copy_from_slice(&self.seq.to_le_bytes());
        raw[8..16].copy_from_slice(&self.offset.to_le_bytes());
        raw[16..24].copy_from_slice(&self.timestamp.to_le_bytes());
        raw[24..28].copy_from_slice(&self.size.to_le_bytes());
        let sum = crc.checksum(&raw[0..28]);
        raw[28..32].copy_from_slice(&sum.to_le_bytes());
        raw
    }
}

/// What the server's recovery makes of a file name in a channel directory
/// (`newFileMsgStore` in v0.23.2 stores/filestore.go).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SliceName {
    /// Not a message data file: ignored.
    Other,
    /// `msgs.<x>.dat` where `x` is no integer: the server refuses to start
    /// ("message log has an invalid name").
    Invalid,
    /// A data file of slice `n`.
    Number(i64),
}

/// The one slice-number rule, used by the reader, check and salvage. The
/// server tests the prefix `msgs.` and the suffix `.dat` separately (so
/// `msgs.dat` has both and is invalid) and reads the number with
/// `strconv.ParseInt(x, 10, 64)`: an optional sign, decimal digits, leading
/// zeros allowed, within i64. So `msgs.01.dat` is slice 1 beside
/// `msgs.1.dat`, and `msgs.-1.dat` is slice -1: the server starts on both
/// (checked with v0.23.2). Its index is `msgs.<n>.idx` with `n` written
/// back in decimal ([`index_file_name`]), so `msgs.01.dat` and
/// `msgs.1.dat` share `msgs.1.idx`.
pub fn slice_name(file_name: &str) -> SliceName {
    if !(file_name.starts_with("msgs.") && file_name.ends_with(".dat")) {
        return SliceName::Other;
    }
    let middle = file_name
        .strip_suffix(".dat")
        .and_then(|n| n.strip_prefix("msgs."))
        .unwrap_or(file_name);
    let digits = middle.strip_prefix(['+', '-']).unwrap_or(middle);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return SliceName::Invalid;
    }
    match middle.parse::<i64>() {
        Ok(n) => SliceName::Number(n),
        Err(_) => SliceName::Invalid,
    }
}

/// The index file of slice `number`, as the server names it.
pub fn index_file_name(number: i64) -> String {
    format!("msgs.{number}.idx")
}

/// The two files of slice number `number`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SliceFiles {
    pub number: i64,
    pub dat: PathBuf,
    pub idx: PathBuf,
}

/// Where a slice's entries come from after recovery.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EntrySource {
    /// The first `records` records of the index file, trusted.
    Index { records: u64 },
    /// The data file scanned from offset 4 up to `end` (index missing or
    /// rejected; the server would rebuild it).
    DataScan { end: u64 },
}

/// A recovered, non-empty slice.
#[derive(Debug, Clone)]
pub struct SliceState {
    pub files: SliceFiles,
    pub source: EntrySource,
    pub first: IndexEntry,
    pub last: IndexEntry,
    pub count: u64,
    pub bytes: u64,
}

/// What recovery makes of one non-empty slice: whether the server trusts
/// its index or rebuilds it from the data file, and the sequences it holds.
/// The reader and `check` must agree on it for every store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SliceSummary {
    /// The data file's name (`msgs.N.dat`).
    pub file: String,
    pub number: i64,
    pub rebuilt: bool,
    pub first: u64,
    pub last: u64,
    pub count: u64,
}

impl SliceState {
    pub fn summary(&self) -> SliceSummary {
        SliceSummary {
            file: self
                .files
                .dat
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default(),
            number: self.files.number,
            rebuilt: matches!(self.source, EntrySource::DataScan { .. }),
            first: self.first.seq,
            last: self.last.seq,
            count: self.count,
        }
    }
}

/// Read options shared by every slice of a store.
#[derive(Clone)]
pub struct ReadOptions {
    pub crc: Crc32,
    /// The server's `file_crc`: verify CRCs when reading.
    pub verify_crc: bool,
}

fn finding(severity: Severity, location: String, message: String, server: &str) -> Finding {
    Finding {
        severity,
        location,
        message,
        server_behaviour: server.to_string(),
    }
}

fn at(path: &Path, offset: u64) -> String {
    format!("{} at offset {offset}", path.display())
}

#[derive(Default)]
struct Tally {
    first: Option<IndexEntry>,
    last: Option<IndexEntry>,
    count: u64,
    bytes: u64,
}

impl Tally {
    fn add(&mut self, e: IndexEntry) {
        if self.first.is_none() {
            self.first = Some(e);
        }
        self.last = Some(e);
        self.count += 1;
        self.bytes += e.accounted_bytes();
    }

    fn into_state(self, files: SliceFiles, source: EntrySource) -> Option<SliceState> {
        Some(SliceState {
            files,
            source,
            first: self.first?,
            last: self.last?,
            count: self.count,
            bytes: self.bytes,
        })
    }
}

/// Recover one slice the way the server does (2.8.2), without writing
/// anything. Returns `None` for a slice with no message.
pub fn recover_slice(
    files: SliceFiles,
    opts: &ReadOptions,
    findings: &mut Vec<Finding>,
) -> Result<Option<SliceState>> {
    match read_index(&files, opts, findings)? {
        IndexOutcome::Trusted(tally) => {
            let records = tally.count;
            Ok(tally.into_state(files, EntrySource::Index { records }))
        }
        IndexOutcome::Rebuild => scan_data(files, opts, findings),
    }
}

enum IndexOutcome {
    Trusted(Tally),
    Rebuild,
}

fn read_index(
    files: &SliceFiles,
    opts: &ReadOptions,
    findings: &mut Vec<Finding>,
) -> Result<IndexOutcome> {
    let idx_path = &files.idx;
    // Only a truly absent index is rebuilt; a dangling link, a FIFO or an
    // unreadable file is an error.
    let mut file = match crate::safe_fs::open_optional(idx_path)? {
        Some(f) => f,
        None => {
            findings.push(finding(
                Severity::Warning,
                idx_path.display().to_string(),
                "index file missing; messages read from the data file".into(),
                "rebuilds the index from the data file at start-up",
            ));
            return Ok(IndexOutcome::Rebuild);
        }
    };
    if let Err(e) = check_version(&mut file, idx_path) {
        findings.push(finding(
            Severity::Error,
            at(idx_path, 0),
            format!("bad index file header: {e}"),
            "refuses to start (unable to verify file version)",
        ));
        return Ok(IndexOutcome::Rebuild);
    }
    if let Some(tally) = index_summary(&mut file, files, opts)? {
        return Ok(IndexOutcome::Trusted(tally));
    }
    file.seek(SeekFrom::Start(4))
        .map_err(|e| StoreError::io(idx_path, e))?;
    let mut reader = BufReader::with_capacity(INDEX_BUFFER, file);
    let mut tally = Tally::default();
    let mut raw = [0u8; 32];
    let mut offset = 4u64;
    loop {
        let got = read_up_to(&mut reader, &mut raw, idx_path)?;
        if got == 0 {
            break;
        }
        if got < raw.len() {
            findings.push(finding(
                Severity::Warning,
                at(idx_path, offset),
                format!("partial index record ({got} of 32 bytes)"),
                "discards the index and rebuilds it from the data file",
            ));
            return Ok(IndexOutcome::Rebuild);
        }
        if raw.iter().all(|&b| b == 0) {
            findings.push(finding(
                Severity::Warning,
                at(idx_path, offset),
                "zero-filled index tail".into(),
                "truncates the index file here",
            ));
            break;
        }
        let (entry, stored_crc) = IndexEntry::decode(&raw);
        if opts.verify_crc {
            let actual = opts.crc.checksum(&raw[0..28]);
            if actual != stored_crc {
                findings.push(finding(
                    Severity::Warning,
                    at(idx_path, offset),
                    format!(
                        "index record CRC mismatch (stored 0x{stored_crc:08x}, computed 0x{actual:08x})"
                    ),
                    "discards the index and rebuilds it from the data file",
                ));
                return Ok(IndexOutcome::Rebuild);
            }
        }
        tally.add(entry);
        offset += INDEX_RECORD_LEN;
    }
    let Some(last) = tally.last else {
        // Header only: the server scans the data file.
        return Ok(IndexOutcome::Rebuild);
    };
    if let Err(problem) = verify_entry(&files.dat, &last, &opts.crc) {
        findings.push(finding(
            Severity::Warning,
            at(&files.dat, last.offset),
            format!(
                "last index entry (seq {}) does not match the data file: {problem}",
                last.seq
            ),
            "discards the index and rebuilds it from the data file",
        ));
        return Ok(IndexOutcome::Rebuild);
    }
    Ok(IndexOutcome::Trusted(tally))
}

/// Counts and ranges of a well-formed index from its first and last
/// records alone, so `channels ls` does not grow with the message count.
/// Applies only when the index is exactly what the writer produces: whole
/// records, gap-free sequences, contiguous data records from offset 4, and
/// a last record the data file confirms. Anything else returns `None` and
/// the index is read record by record, as the server does (`check` always
/// reads every record).
fn index_summary(file: &mut File, files: &SliceFiles, opts: &ReadOptions) -> Result<Option<Tally>> {
    let path = &files.idx;
    let len = file.metadata().map_err(|e| StoreError::io(path, e))?.len();
    if len < 4 + 2 * INDEX_RECORD_LEN || (len - 4) % INDEX_RECORD_LEN != 0 {
        return Ok(None);
    }
    let records = (len - 4) / INDEX_RECORD_LEN;
    let mut read_at = |pos: u64| -> Result<Option<IndexEntry>> {
        let mut raw = [0u8; 32];
        file.seek(SeekFrom::Start(pos))
            .map_err(|e| StoreError::io(path, e))?;
        if read_up_to(file, &mut raw, path)? < raw.len() || raw.iter().all(|&b| b == 0) {
            return Ok(None);
        }
        let (entry, stored) = IndexEntry::decode(&raw);
        Ok((opts.crc.checksum(&raw[0..28]) == stored).then_some(entry))
    };
    let (Some(first), Some(last)) = (read_at(4)?, read_at(len - INDEX_RECORD_LEN)?) else {
        return Ok(None);
    };
    let contiguous = first.offset == 4
        && last.seq >= first.seq
        && last.seq - first.seq + 1 == records
        && last.offset >= first.offset;
    if !contiguous || verify_entry(&files.dat, &last, &opts.crc).is_err() {
        return Ok(None);
    }
    // Data records are back to back from offset 4: their total size
    // follows from the last one's end.
    let data_bytes = last.offset + 8 + last.size as u64 - 4;
    if data_bytes < records * 8 {
        return Ok(None);
    }
    Ok(Some(Tally {
        first: Some(first),
        last: Some(last),
        count: records,
        bytes: data_bytes + records * INDEX_RECORD_LEN,
    }))
}

/// The server's check of the last indexed message: size, CRC (always),
/// sequence.
fn verify_entry(dat: &Path, entry: &IndexEntry, crc: &Crc32) -> std::result::Result<(), String> {
    let mut file = open_read_only(dat).map_err(|e| e.to_string())?;
    let len = file.metadata().map_err(|e| e.to_string())?.len();
    let payload = read_record_at(&mut file, dat, len, entry.offset, entry.size, Some(crc))
        .map_err(|e| match e {
            StoreError::Corrupt { message, .. } => message,
            other => other.to_string(),
        })?;
    let msg = MsgProto::decode(payload.as_slice()).map_err(|e| format!("bad MsgProto: {e}"))?;
    if msg.sequence != entry.seq {
        return Err(format!(
            "data record has sequence {}, index says {}",
            msg.sequence, entry.seq
        ));
    }
    Ok(())
}

fn read_up_to(reader: &mut impl Read, buf: &mut [u8], path: &Path) -> Result<usize> {
    let mut got = 0;
    while got < buf.len() {
        match reader.read(&mut buf[got..]) {
            Ok(0) => break,
            Ok(n) => got += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(StoreError::io(path, e)),
        }
    }
    Ok(got)
}

/// Scan the data file (2.8.2 B/C). Damage ends the slice at the last good
/// record, with a finding saying what the server would do.
fn scan_data(
    files: SliceFiles,
    opts: &ReadOptions,
    findings: &mut Vec<Finding>,
) -> Result<Option<SliceState>> {
    let mut reader = RecordReader::open(&files.dat, false, opts.crc.clone(), opts.verify_crc)?;
    let mut tally = Tally::default();
    let end;
    loop {
        match reader.next_record()? {
            Next::Record {
                offset, payload, ..
            } => match MsgProto::decode(payload) {
                Ok(msg) => tally.add(IndexEntry {
                    seq: msg.sequence,
                    offset,
                    timestamp: msg.timestamp,
                    size: payload.len() as u32,
                }),
                Err(e) => {
                    findings.push(finding(
                        Severity::Error,
                        at(&files.dat, offset),
                        format!("record does not decode as a message: {e}"),
                        "refuses to start",
                    ));
                    end = offset;
                    break;
                }
            },
            Next::Eof => {
                end = reader.offset();
                break;
            }
            Next::ZeroPadding { offset } => {
                findings.push(finding(
                    Severity::Warning,
                    at(&files.dat, offset),
                    "zero-filled tail".into(),
                    "truncates the data file here and continues",
                ));
                end = offset;
                break;
            }
            Next::HeaderOnlyAtEof { offset, size } => {
                findings.push(finding(
                    Severity::Warning,
                    at(&files.dat, offset),
                    format!("record header (size {size}) with no payload at end of file"),
                    "treats it as end of file and appends after it (quirk Q1)",
                ));
                end = offset;
                break;
            }
            Next::Torn {
                offset,
                needed,
                available,
            } => {
                let what = match needed {
                    Some(n) => format!("torn record: needs {n} bytes, {available} left"),
                    None => format!("torn record header: {available} of 8 bytes"),
                };
                findings.push(finding(
                    Severity::Error,
                    at(&files.dat, offset),
                    format!("{what}; ok_up_to={offset}"),
                    "refuses to start (unexpected EOF); with -file_truncate_bad_eof it truncates the file here",
                ));
                end = offset;
                break;
            }
            Next::CrcMismatch {
                offset,
                expected,
                actual,
                ..
            } => {
                findings.push(finding(
                    Severity::Error,
                    at(&files.dat, offset),
                    format!(
                        "corrupted data, expected crc to be 0x{expected:08x}, got 0x{actual:08x}; ok_up_to={offset}"
                    ),
                    "refuses to start (CRC mismatch while rebuilding the index)",
                ));
                end = offset;
                break;
            }
        }
    }
    Ok(tally.into_state(files, EntrySource::DataScan { end }))
}

/// Why an index record with sequence `seq` cannot follow `previous` in a
/// slice recovered as spanning `first..=last`, if it cannot.
fn misplaced(seq: u64, previous: Option<u64>, first: u64, last: u64) -> Option<String> {
    match previous {
        Some(p) if seq <= p => Some(format!(" after {p}: sequences must ascend")),
        _ if seq < first || seq > last => Some(format!(
            " outside the slice's range {first}..={last} (from its first and last records)"
        )),
        _ => None,
    }
}

/// Streams the entries of a recovered slice: from the index when trusted,
/// else by scanning the data file (then the decoded payload comes along).
pub struct SliceCursor {
    inner: CursorKind,
}

enum CursorKind {
    Index {
        reader: BufReader<File>,
        path: PathBuf,
        remaining: u64,
        /// Record number of the next entry.
        position: u64,
        crc: Crc32,
        verify_crc: bool,
        /// Sequences the recovered slice spans, and the last one read:
        /// every entry must ascend within them.
        first_seq: u64,
        last_seq: u64,
        previous: Option<u64>,
    },
    Data {
        reader: RecordReader,
        end: u64,
    },
}

impl SliceCursor {
    /// Open a cursor positioned at the first entry with sequence >= `from_seq`
    /// when that can be computed from the index, else at the start.
    pub fn open(slice: &SliceState, opts: &ReadOptions, from_seq: u64) -> Result<Self> {
        match slice.source {
            EntrySource::Index { records } => {
                let path = slice.files.idx.clone();
                let mut file = open_read_only(&path)?;
                // Gap-free slices (v0.9.2+) put seq s at record s - first.
                let mut skip = 0;
                if from_seq > slice.first.seq && slice.last.seq - slice.first.seq + 1 == records {
                    skip = (from_seq - slice.first.seq).min(records);
                }
                file.seek(SeekFrom::Start(4 + skip * INDEX_RECORD_LEN))
                    .map_err(|e| StoreError::io(&path, e))?;
                Ok(SliceCursor {
                    inner: CursorKind::Index {
                        reader: BufReader::with_capacity(INDEX_BUFFER, file),
                        path,
                        remaining: records - skip,
                        position: skip,
                        crc: opts.crc.clone(),
                        verify_crc: opts.verify_crc,
                        first_seq: slice.first.seq,
                        last_seq: slice.last.seq,
                        previous: None,
                    },
                })
            }
            EntrySource::DataScan { end } => Ok(SliceCursor {
                inner: CursorKind::Data {
                    reader: RecordReader::open(
                        &slice.files.dat,
                        false,
                        opts.crc.clone(),
                        opts.verify_crc,
                    )?,
                    end,
                },
            }),
        }
    }

    /// The next entry, with the record payload when it was read already.
    pub fn next_entry(&mut self) -> Result<Option<(IndexEntry, Option<Vec<u8>>)>> {
        match &mut self.inner {
            CursorKind::Index {
                reader,
                path,
                remaining,
                position,
                crc,
                verify_crc,
                first_seq,
                last_seq,
                previous,
            } => {
                if *remaining == 0 {
                    return Ok(None);
                }
                let mut raw = [0u8; 32];
                let got = read_up_to(reader, &mut raw, path)?;
                if got < raw.len() {
                    // The file changed since recovery (a live server).
                    return Ok(None);
                }
                *remaining -= 1;
                let offset = 4 + (*position) * INDEX_RECORD_LEN;
                *position += 1;
                let (entry, stored) = IndexEntry::decode(&raw);
                if *verify_crc && crc.checksum(&raw[0..28]) != stored {
                    // Only possible when the summary skipped this record:
                    // the server would have rebuilt the index from data.
                    return Err(StoreError::corrupt(
                        path.as_path(),
                        offset,
                        "index record CRC mismatch (run stanctl check; the server rebuilds this index from the data file)",
                    ));
                }
                if let Some(problem) = misplaced(entry.seq, *previous, *first_seq, *last_seq) {
                    // The server trusts such an index at start-up (it checks
                    // only the last entry) and later cannot find the
                    // messages it hides, although the data file holds them.
                    return Err(StoreError::corrupt(
                        path.as_path(),
                        offset,
                        format!(
                            "index record has sequence {}{problem}; the server would report the \
                             messages it hides as missing (run stanctl check; stanctl salvage \
                             rebuilds the store from the data file)",
                            entry.seq
                        ),
                    ));
                }
                *previous = Some(entry.seq);
                Ok(Some((entry, None)))
            }
            CursorKind::Data { reader, end } => {
                if reader.offset() >= *end {
                    return Ok(None);
                }
                let path = reader.path().to_path_buf();
                match reader.next_record()? {
                    Next::Record {
                        offset, payload, ..
                    } => {
                        let msg = MsgProto::decode(payload).map_err(|e| {
                            StoreError::corrupt(&path, offset, format!("bad MsgProto: {e}"))
                        })?;
                        let entry = IndexEntry {
                            seq: msg.sequence,
                            offset,
                            timestamp: msg.timestamp,
                            size: payload.len() as u32,
                        };
                        Ok(Some((entry, Some(payload.to_vec()))))
                    }
                    _ => Ok(None),
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slice_names_as_go_parses_them() {
        use SliceName::*;
        assert_eq!(slice_name("msgs.1.dat"), Number(1));
        assert_eq!(slice_name("msgs.01.dat"), Number(1));
        assert_eq!(slice_name("msgs.+7.dat"), Number(7));
        assert_eq!(slice_name("msgs.-1.dat"), Number(-1));
        assert_eq!(slice_name("msgs..dat"), Invalid);
        assert_eq!(slice_name("msgs.dat"), Invalid);
        assert_eq!(slice_name("msgs.1a.dat"), Invalid);
        assert_eq!(slice_name("msgs. 1.dat"), Invalid);
        assert_eq!(slice_name("msgs.99999999999999999999.dat"), Invalid);
        assert_eq!(slice_name("msgs.1.idx"), Other);
        assert_eq!(slice_name("subs.dat"), Other);
        assert_eq!(slice_name("msgs.1.dat.bak"), Other);
        assert_eq!(index_file_name(1), "msgs.1.idx");
        assert_eq!(index_file_name(-1), "msgs.-1.idx");
    }
}
