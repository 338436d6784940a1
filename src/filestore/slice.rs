//! One message slice: `msgs.N.dat` and its `msgs.N.idx` (docs/FORMAT.md 2.4, 2.8.2).

use std::fs::File;
use std::io::{self, BufReader, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

use prost::Message as _;

use super::record::{open_read_only, Framing, Next, RecordReader};
use super::walk::{decoded_or_corrupt, FrameCursor, IndexEvent, LogEnd, ScanEnd, SliceObserver};
use crate::crc::Crc32;
use crate::error::{Result, StoreError};
use crate::finding::{Code, Finding, Severity};
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
    /// The index's order rule: sequences ascend. `Some(previous)` when this
    /// entry cannot follow an entry of sequence `previous`.
    pub fn out_of_order(&self, previous: Option<u64>) -> Option<u64> {
        previous.filter(|&p| self.seq <= p)
    }

    /// The server's byte accounting for one message (record header + index record).
    pub fn accounted_bytes(&self) -> u64 {
        self.size as u64 + 40
    }

    /// The entry and its stored CRC.
    pub fn decode(raw: &[u8; 32]) -> (IndexEntry, u32) {
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

    /// The CRC of an index record: over the entry, its first 28 bytes
    /// (the stored CRC is the last 4).
    pub fn record_crc(raw: &[u8; 32], crc: &Crc32) -> u32 {
        crc.checksum(&raw[0..28])
    }

    pub fn encode(&self, crc: &Crc32) -> [u8; 32] {
        let mut raw = [0u8; 32];
        raw[0..8].copy_from_slice(&self.seq.to_le_bytes());
        raw[8..16].copy_from_slice(&self.offset.to_le_bytes());
        raw[16..24].copy_from_slice(&self.timestamp.to_le_bytes());
        raw[24..28].copy_from_slice(&self.size.to_le_bytes());
        let sum = IndexEntry::record_crc(&raw, crc);
        raw[28..32].copy_from_slice(&sum.to_le_bytes());
        raw
    }
}

/// Byte offset of index record `number` (the records follow the 4-byte
/// version header).
pub fn index_record_at(number: u64) -> u64 {
    4 + number * INDEX_RECORD_LEN
}

/// Number of the index record at byte offset `at`.
pub fn index_record_number(at: u64) -> u64 {
    at.saturating_sub(4) / INDEX_RECORD_LEN
}

/// One whole 32-byte record of an index file, as read: what it means is
/// the caller's to decide (a zero record ends the server's index, salvage
/// skips it; a CRC mismatch is acted on only where CRCs are verified).
pub struct IndexRecord {
    /// Byte offset of the record in the index file.
    pub at: u64,
    raw: [u8; INDEX_RECORD_LEN as usize],
}

impl IndexRecord {
    #[inline]
    pub fn entry(&self) -> IndexEntry {
        IndexEntry::decode(&self.raw).0
    }

    /// All 32 bytes are zero (a preallocated or truncated tail).
    #[inline]
    pub fn is_zero(&self) -> bool {
        self.raw.iter().all(|&b| b == 0)
    }

    /// `(stored, computed)` when the record fails its CRC.
    #[inline]
    pub fn crc_mismatch(&self, crc: &Crc32) -> Option<(u32, u32)> {
        let stored = IndexEntry::decode(&self.raw).1;
        let computed = IndexEntry::record_crc(&self.raw, crc);
        (computed != stored).then_some((stored, computed))
    }
}

/// How the records of an index file end.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IndexEnd {
    /// At end of file, on a record boundary.
    Eof,
    /// A record cut short at `at`: `got` of its 32 bytes.
    Partial { at: u64, got: u64 },
}

/// The bytes an [`IndexReader`] reads its records from.
pub trait IndexSource {
    /// Offset of the next read.
    fn pos(&self) -> u64;
    fn seek(&mut self, offset: u64) -> io::Result<()>;
    /// Read up to `buf.len()` bytes; fewer only at end of file.
    fn read_up_to(&mut self, buf: &mut [u8]) -> io::Result<usize>;
}

impl IndexSource for FrameCursor {
    fn pos(&self) -> u64 {
        FrameCursor::pos(self)
    }

    fn seek(&mut self, offset: u64) -> io::Result<()> {
        FrameCursor::seek(self, offset);
        Ok(())
    }

    fn read_up_to(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        FrameCursor::read_up_to(self, buf)
    }
}

/// A file read through a plain buffer on the calling thread: for the
/// reader's second pass over a trusted index, beside a data file that has
/// a read-ahead thread already (a second thread there cost ~10% of
/// `dump --format raw`).
pub struct BufferedFile {
    reader: BufReader<File>,
    pos: u64,
}

impl IndexSource for BufferedFile {
    fn pos(&self) -> u64 {
        self.pos
    }

    fn seek(&mut self, offset: u64) -> io::Result<()> {
        self.reader.seek(SeekFrom::Start(offset))?;
        self.pos = offset;
        Ok(())
    }

    fn read_up_to(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let mut got = 0;
        while got < buf.len() {
            match self.reader.read(&mut buf[got..]) {
                Ok(0) => break,
                Ok(n) => got += n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        self.pos += got as u64;
        Ok(got)
    }
}

/// The one reader of an index file's records: one record at a time,
/// buffered, nothing kept. Its callers keep their own rules on where the
/// index ends and which records count.
pub struct IndexReader<S = FrameCursor> {
    src: S,
}

impl IndexReader<FrameCursor> {
    /// A file opened already (read-only, regular), read through a
    /// [`FrameCursor`], positioned at its first record.
    pub fn from_file(file: File) -> io::Result<IndexReader> {
        let mut reader = IndexReader {
            src: FrameCursor::from_file(file, false)?,
        };
        reader.seek_record(0)?;
        Ok(reader)
    }

    /// The index at `path` positioned at its first record; `None` when
    /// there is no such file. Errors: it is there and cannot be opened.
    pub fn open_if_present(path: &Path) -> io::Result<Option<IndexReader>> {
        match crate::safe_fs::open_regular_io(path) {
            Ok(file) => IndexReader::from_file(file).map(Some),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// The 4-byte version word ([`FrameCursor::version`]); leaves the
    /// reader on the first record.
    pub fn version(&mut self) -> io::Result<Option<u32>> {
        self.src.version()
    }

    /// Offset of the first non-zero byte at or after `from`, if any.
    pub fn first_nonzero(&mut self, from: u64) -> io::Result<Option<u64>> {
        self.src.first_nonzero(from)
    }
}

impl IndexReader<BufferedFile> {
    /// A file opened already, read through a [`BufferedFile`], positioned
    /// at its first record.
    pub fn buffered(file: File) -> io::Result<IndexReader<BufferedFile>> {
        let mut reader = IndexReader {
            src: BufferedFile {
                reader: BufReader::with_capacity(INDEX_BUFFER, file),
                pos: 0,
            },
        };
        reader.seek_record(0)?;
        Ok(reader)
    }
}

impl<S: IndexSource> IndexReader<S> {
    /// Go to record `number`.
    pub fn seek_record(&mut self, number: u64) -> io::Result<()> {
        self.src.seek(index_record_at(number))
    }

    /// The next record, or how the records end. Errors: a failed read.
    #[inline]
    pub fn next_record(&mut self) -> io::Result<std::result::Result<IndexRecord, IndexEnd>> {
        let at = self.src.pos();
        let mut raw = [0u8; INDEX_RECORD_LEN as usize];
        let got = self.src.read_up_to(&mut raw)?;
        Ok(match got {
            0 => Err(IndexEnd::Eof),
            n if n < raw.len() => Err(IndexEnd::Partial { at, got: n as u64 }),
            _ => Ok(IndexRecord { at, raw }),
        })
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

/// The reader's observer of the walk: a finding for each event the
/// server would act on, saying what it does. One per slice.
pub struct FindingLog<'a> {
    findings: &'a mut Vec<Finding>,
    /// An index record failed its CRC already.
    crc_reported: bool,
    /// A record out of order was reported already.
    order_reported: bool,
}

impl<'a> FindingLog<'a> {
    pub fn new(findings: &'a mut Vec<Finding>) -> Self {
        FindingLog {
            findings,
            crc_reported: false,
            order_reported: false,
        }
    }

    fn push(
        &mut self,
        severity: Severity,
        code: Code,
        location: String,
        message: String,
        server: &str,
    ) {
        self.findings.push(Finding::described(
            code, severity, location, message, server,
        ));
    }
}

fn at(path: &Path, offset: u64) -> String {
    format!("{} at offset {offset}", path.display())
}

impl SliceObserver for FindingLog<'_> {
    fn index_event(&mut self, files: &SliceFiles, event: &IndexEvent) {
        let idx = &files.idx;
        match event {
            IndexEvent::Missing => self.push(
                Severity::Warning,
                Code::IndexMissing,
                idx.display().to_string(),
                "index file missing; messages read from the data file".into(),
                "rebuilds the index from the data file at start-up",
            ),
            IndexEvent::BadHeader { found } => self.push(
                Severity::Error,
                Code::FileVersion,
                at(idx, 0),
                match found {
                    Some(v) => format!("bad index file header: unsupported file version {v}"),
                    None => "bad index file header: file shorter than the 4-byte header".into(),
                },
                "refuses to start (unable to verify file version)",
            ),
            IndexEvent::Partial { at: offset, got } => self.push(
                Severity::Warning,
                Code::IndexPartial,
                at(idx, *offset),
                format!("partial index record ({got} of 32 bytes)"),
                "discards the index and rebuilds it from the data file",
            ),
            IndexEvent::Zero { at: offset, .. } => self.push(
                Severity::Warning,
                Code::IndexZeroPadding,
                at(idx, *offset),
                "zero-filled index tail".into(),
                "truncates the index file here",
            ),
            IndexEvent::Empty => {}
            // The server trusts the index and later misses the messages it
            // hides, so say so even where nothing reads them (channels
            // ls/show, info); once per slice.
            IndexEvent::OutOfOrder {
                at: offset,
                entry,
                previous,
            } => {
                if !std::mem::replace(&mut self.order_reported, true) {
                    self.push(
                        Severity::Error,
                        Code::IndexOrder,
                        at(idx, *offset),
                        format!(
                            "index record has sequence {} after {previous}: sequences must ascend",
                            entry.seq
                        ),
                        "serves the wrong messages for these sequences",
                    );
                }
            }
            IndexEvent::LastMismatch { entry, problem } => self.push(
                Severity::Warning,
                Code::IndexLastMismatch,
                at(&files.dat, entry.offset),
                format!(
                    "last index entry (seq {}) does not match the data file: {problem}",
                    entry.seq
                ),
                "discards the index and rebuilds it from the data file",
            ),
        }
    }

    fn index_record(
        &mut self,
        files: &SliceFiles,
        offset: u64,
        _entry: &IndexEntry,
        crc: Option<(u32, u32)>,
        trusted: bool,
    ) {
        // The first record that makes the server rebuild the index.
        if let (Some((stored, computed)), false) = (crc, trusted) {
            if !std::mem::replace(&mut self.crc_reported, true) {
                self.push(
                    Severity::Warning,
                    Code::IndexCrc,
                    at(&files.idx, offset),
                    format!(
                        "index record CRC mismatch (stored 0x{stored:08x}, computed 0x{computed:08x})"
                    ),
                    "discards the index and rebuilds it from the data file",
                );
            }
        }
    }

    fn scan_end(&mut self, files: &SliceFiles, end: &ScanEnd) {
        let dat = &files.dat;
        match end {
            ScanEnd::Log(LogEnd::Eof) => {}
            ScanEnd::Undecodable { offset, error } => self.push(
                Severity::Error,
                Code::RecordDecode,
                at(dat, *offset),
                format!("record does not decode as a message: {error}"),
                "refuses to start",
            ),
            ScanEnd::Log(LogEnd::Zero { offset }) => self.push(
                Severity::Warning,
                Code::RecordZeroPadding,
                at(dat, *offset),
                "zero-filled tail".into(),
                "truncates the data file here and continues",
            ),
            ScanEnd::Log(LogEnd::HeaderOnly { offset, size }) => self.push(
                Severity::Warning,
                Code::RecordHeaderOnly,
                at(dat, *offset),
                format!("record header (size {size}) with no payload at end of file"),
                "treats it as end of file and appends after it (quirk Q1)",
            ),
            ScanEnd::Log(LogEnd::Torn {
                offset,
                needed,
                available,
                ..
            }) => {
                let what = super::walk::torn_text(*needed, *available);
                self.push(
                    Severity::Error,
                    Code::RecordTorn,
                    at(dat, *offset),
                    format!("{what}; ok_up_to={offset}"),
                    "refuses to start (unexpected EOF); with -file_truncate_bad_eof it truncates the file here",
                )
            }
            ScanEnd::Crc { offset, mismatch } => self.push(
                Severity::Error,
                Code::RecordCrc,
                at(dat, *offset),
                format!("{mismatch}; ok_up_to={offset}"),
                "refuses to start (CRC mismatch while rebuilding the index)",
            ),
        }
    }
}

/// Why an index record with sequence `seq` cannot follow `previous` in a
/// slice recovered as spanning `first..=last`, if it cannot.
fn misplaced(entry: &IndexEntry, previous: Option<u64>, first: u64, last: u64) -> Option<String> {
    if let Some(p) = entry.out_of_order(previous) {
        return Some(format!(" after {p}: sequences must ascend"));
    }
    (entry.seq < first || entry.seq > last).then(|| {
        format!(" outside the slice's range {first}..={last} (from its first and last records)")
    })
}

/// Streams the entries of a recovered slice: from the index when trusted,
/// else by scanning the data file (then the decoded payload comes along).
pub struct SliceCursor {
    inner: CursorKind,
}

enum CursorKind {
    Index {
        reader: IndexReader<BufferedFile>,
        path: PathBuf,
        remaining: u64,
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
                let io_err = |e| StoreError::io(&path, e);
                let mut reader = IndexReader::buffered(open_read_only(&path)?).map_err(io_err)?;
                // Gap-free slices (v0.9.2+) put seq s at record s - first.
                let mut skip = 0;
                if from_seq > slice.first.seq && slice.last.seq - slice.first.seq + 1 == records {
                    skip = (from_seq - slice.first.seq).min(records);
                }
                reader.seek_record(skip).map_err(io_err)?;
                Ok(SliceCursor {
                    inner: CursorKind::Index {
                        reader,
                        path,
                        remaining: records - skip,
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
                    reader: RecordReader::open(&slice.files.dat, Framing::Untyped, opts)?,
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
                crc,
                verify_crc,
                first_seq,
                last_seq,
                previous,
            } => {
                if *remaining == 0 {
                    return Ok(None);
                }
                let record = match reader.next_record() {
                    Ok(Ok(record)) => record,
                    Err(e) => return Err(StoreError::io(path.as_path(), e)),
                    // The file changed since recovery (a live server).
                    Ok(Err(_)) => return Ok(None),
                };
                *remaining -= 1;
                let offset = record.at;
                let entry = record.entry();
                if *verify_crc && record.crc_mismatch(crc).is_some() {
                    // Only possible when the summary skipped this record:
                    // the server would have rebuilt the index from data.
                    return Err(StoreError::corrupt(
                        path.as_path(),
                        offset,
                        "index record CRC mismatch (run stanctl check; the server rebuilds this index from the data file)",
                    ));
                }
                if let Some(problem) = misplaced(&entry, *previous, *first_seq, *last_seq) {
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
                        let msg = decoded_or_corrupt(MsgProto::decode(payload), &path, offset)?;
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

    type Seen = (u64, u64, bool, Option<(u32, u32)>);

    /// Every record to the end: offset, sequence, zero, CRC mismatch.
    fn read_all<S: IndexSource>(reader: &mut IndexReader<S>, crc: &Crc32) -> (Vec<Seen>, IndexEnd) {
        let mut seen = Vec::new();
        loop {
            match reader.next_record().unwrap() {
                Ok(r) => seen.push((r.at, r.entry().seq, r.is_zero(), r.crc_mismatch(crc))),
                Err(end) => return (seen, end),
            }
        }
    }

    /// Each record comes with its offset, whether it is zero and whether
    /// its CRC holds; the end says whether the last record was cut short.
    /// Both sources read alike.
    #[test]
    fn index_reader_hands_over_records_and_a_typed_end() {
        let crc = Crc32::default();
        let entry = |seq| IndexEntry {
            seq,
            offset: 4 + 10 * seq,
            timestamp: 7,
            size: 2,
        };
        let mut bytes = 1u32.to_le_bytes().to_vec();
        bytes.extend(entry(1).encode(&crc));
        let mut bad = entry(2).encode(&crc);
        bad[31] ^= 1;
        bytes.extend(bad);
        bytes.extend([0u8; 32]);
        bytes.extend(entry(4).encode(&crc));
        bytes.extend([9u8; 5]);
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("msgs.1.idx");
        std::fs::write(&path, &bytes).unwrap();

        let stored = u32::from_le_bytes([bad[28], bad[29], bad[30], bad[31]]);
        let computed = IndexEntry::record_crc(&bad, &crc);
        let expected = (
            vec![
                (4, 1, false, None),
                (36, 2, false, Some((stored, computed))),
                (68, 0, true, Some((0, crc.checksum(&[0u8; 28])))),
                (100, 4, false, None),
            ],
            IndexEnd::Partial { at: 132, got: 5 },
        );
        let mut ahead = IndexReader::open_if_present(&path).unwrap().unwrap();
        assert_eq!(read_all(&mut ahead, &crc), expected);
        let mut buffered = IndexReader::buffered(File::open(&path).unwrap()).unwrap();
        assert_eq!(read_all(&mut buffered, &crc), expected);

        ahead.seek_record(3).unwrap();
        assert_eq!(
            ahead.next_record().unwrap().ok().map(|r| r.entry()),
            Some(entry(4))
        );
        buffered.seek_record(1).unwrap();
        assert_eq!(
            buffered
                .next_record()
                .unwrap()
                .ok()
                .map(|r| (r.at, r.entry())),
            Some((36, entry(2)))
        );
        assert_eq!(index_record_number(100), 3);

        std::fs::write(&path, &bytes[..68]).unwrap();
        let mut reader = IndexReader::open_if_present(&path).unwrap().unwrap();
        reader.seek_record(2).unwrap();
        assert_eq!(reader.next_record().unwrap().err(), Some(IndexEnd::Eof));
        assert!(IndexReader::open_if_present(&dir.path().join("msgs.2.idx"))
            .unwrap()
            .is_none());
    }

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
