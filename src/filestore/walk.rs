//! The one walk of the file store's files: a framing cursor over any record
//! file, and the server's recovery of one message slice (`recoverOneMsgFile`
//! and `ensureLastMsgAndIndexMatch` in v0.23.2 stores/filestore.go). The
//! reader, `check` and `salvage` observe this walk; none reads the framing
//! or decides trusted-or-rebuilt on its own.

use std::io;
use std::ops::Range;
use std::path::Path;

use bytes::Bytes;
use prost::Message as _;

use super::problem::LastRecordProblem;
use super::readahead::{self, Layout, ReadAhead};
use super::record::{FILE_VERSION, HEADER_LEN};
use super::slice::{
    EntrySource, IndexEnd, IndexEntry, IndexReader, ReadOptions, SliceFiles, SliceState,
};
use crate::error::{Result, StoreError};
use crate::proto::{MsgProto, MsgView};

/// Typed records keep the size in the low 24 bits.
const TYPED_SIZE_MASK: u32 = 0x00FF_FFFF;

/// One step of a framed-record walk (`readRecord`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Frame {
    Record {
        offset: u64,
        /// Record type (typed files), 0 otherwise.
        rtype: u8,
        size: u64,
        stored_crc: u32,
        /// Where the payload lies in the cursor's chunk
        /// ([`FrameCursor::bytes`]); `None` when it was skipped.
        payload: Option<Range<usize>>,
    },
    /// No record here: how the walk ends.
    End(LogEnd),
}

/// How a framed-record walk ends (what `readRecord` returns instead of a
/// record).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LogEnd {
    /// Clean end of file.
    Eof,
    /// A header of zeros (`errNeedRewind`): the server truncates here.
    Zero { offset: u64 },
    /// A complete header and no payload byte at end of file: Go's
    /// `ReadFull` reports plain EOF, so the server stops without error (Q1).
    HeaderOnly { offset: u64, size: u64 },
    /// A partial header or payload: "unexpected EOF" for the server.
    Torn {
        offset: u64,
        /// Bytes the record needs (header + payload), when the header is
        /// complete.
        needed: Option<u64>,
        available: u64,
        /// The sequence at the start of a partial message payload.
        seq_hint: Option<u64>,
    },
}

impl LogEnd {
    /// Where the readable records end.
    pub fn offset(&self, file_len: u64) -> u64 {
        match self {
            LogEnd::Eof => file_len,
            LogEnd::Zero { offset }
            | LogEnd::HeaderOnly { offset, .. }
            | LogEnd::Torn { offset, .. } => *offset,
        }
    }
}

/// A record whose payload does not match the CRC stored in its header:
/// the server's "corrupted data" error, worded here only.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("corrupted data, expected crc to be 0x{stored:08x}, got 0x{computed:08x}")]
pub struct CrcMismatch {
    pub stored: u32,
    pub computed: u32,
}

impl CrcMismatch {
    /// The mismatch, if `computed` is not the `stored` CRC.
    pub fn check(stored: u32, computed: u32) -> std::result::Result<(), CrcMismatch> {
        if computed == stored {
            Ok(())
        } else {
            Err(CrcMismatch { stored, computed })
        }
    }
}

/// A record header (docs/FORMAT.md 1.1): `{u32 size|type, u32 crc}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RecordHeader {
    /// Record type (typed files), 0 otherwise.
    pub rtype: u8,
    /// Payload size, without the header.
    pub size: u64,
    pub stored_crc: u32,
}

impl RecordHeader {
    /// `typed`: the file's records carry a type in the size word's high
    /// byte (clients.dat, subs.dat).
    pub fn parse(h: &[u8; HEADER_LEN as usize], typed: bool) -> RecordHeader {
        let word0 = u32::from_le_bytes([h[0], h[1], h[2], h[3]]);
        let stored_crc = u32::from_le_bytes([h[4], h[5], h[6], h[7]]);
        let (rtype, size) = if typed {
            ((word0 >> 24) as u8, u64::from(word0 & TYPED_SIZE_MASK))
        } else {
            (0u8, u64::from(word0))
        };
        RecordHeader {
            rtype,
            size,
            stored_crc,
        }
    }
}

/// A store file read sequentially (or at offsets) through [`ReadAhead`]:
/// a payload is handed out borrowed from its chunk, so a walk allocates
/// nothing per record, and nothing larger than the file.
pub struct FrameCursor {
    ahead: ReadAhead,
    pos: u64,
    len: u64,
    typed: bool,
}

impl FrameCursor {
    /// A plain file (`typed`: records carry a type in the size word).
    pub fn open(path: &Path, typed: bool) -> io::Result<FrameCursor> {
        FrameCursor::open_as(path, typed, Layout::Plain)
    }

    /// A message data file, with its CRCs computed ahead when `crc` is given.
    pub fn open_data(path: &Path, crc: Option<crate::crc::Crc32>) -> io::Result<FrameCursor> {
        FrameCursor::open_as(path, false, Layout::Messages { crc })
    }

    /// A message data file opened already (read-only, regular), with its
    /// CRCs computed ahead when `crc` is given.
    pub fn data_file(
        file: std::fs::File,
        crc: Option<crate::crc::Crc32>,
    ) -> io::Result<FrameCursor> {
        FrameCursor::with_layout(file, false, Layout::Messages { crc })
    }

    /// A file opened already (read-only, regular).
    pub fn from_file(file: std::fs::File, typed: bool) -> io::Result<FrameCursor> {
        FrameCursor::with_layout(file, typed, Layout::Plain)
    }

    fn open_as(path: &Path, typed: bool, layout: Layout) -> io::Result<FrameCursor> {
        FrameCursor::with_layout(crate::safe_fs::open_regular_io(path)?, typed, layout)
    }

    fn with_layout(file: std::fs::File, typed: bool, layout: Layout) -> io::Result<FrameCursor> {
        let len = file.metadata()?.len();
        Ok(FrameCursor {
            ahead: ReadAhead::new(file, len, layout),
            pos: 0,
            len,
            typed,
        })
    }

    pub fn len(&self) -> u64 {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Offset of the next read.
    pub fn pos(&self) -> u64 {
        self.pos
    }

    pub fn remaining(&self) -> u64 {
        self.len.saturating_sub(self.pos)
    }

    pub fn seek(&mut self, offset: u64) {
        self.pos = offset;
    }

    /// The next `n` bytes (fewer only at end of file), as a range of
    /// [`FrameCursor::chunk`].
    pub fn take(&mut self, n: u64) -> io::Result<Range<usize>> {
        let range = self.ahead.window(self.pos, n)?;
        self.pos += range.len() as u64;
        Ok(range)
    }

    /// The chunk the ranges handed out index.
    pub fn chunk(&self) -> &Bytes {
        self.ahead.chunk()
    }

    pub fn bytes(&self, range: &Range<usize>) -> &[u8] {
        &self.ahead.chunk()[range.clone()]
    }

    /// Read up to `buf.len()` bytes; fewer only at end of file.
    pub fn read_up_to(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let range = self.take(buf.len() as u64)?;
        let got = range.len();
        buf[..got].copy_from_slice(&self.ahead.chunk()[range]);
        Ok(got)
    }

    /// Read `n` bytes (fewer only at end of file) into a new buffer.
    pub fn read_vec(&mut self, n: u64) -> io::Result<Vec<u8>> {
        let range = self.take(n)?;
        Ok(self.ahead.chunk()[range].to_vec())
    }

    /// The CRC the read-ahead worker computed for the record at `offset`
    /// (readers take [`FrameCursor::payload_crc`]; tests look here).
    #[cfg(test)]
    pub fn computed_crc(&mut self, offset: u64, size: u32) -> Option<u32> {
        self.ahead.computed_crc(offset, size)
    }

    /// The CRC of the payload (`payload`, a range of the chunk) of the
    /// record at `offset` of `size` bytes: the one the read-ahead worker
    /// computed, else computed here. Every record CRC is computed here.
    pub fn payload_crc(
        &mut self,
        offset: u64,
        size: u32,
        payload: &Range<usize>,
        crc: &crate::crc::Crc32,
    ) -> u32 {
        self.ahead
            .computed_crc(offset, size)
            .unwrap_or_else(|| crc.checksum(&self.ahead.chunk()[payload.clone()]))
    }

    /// Offset of the first non-zero byte at or after `from`, if any. The
    /// holes of a sparse file (a crash can leave gigabytes of them at the
    /// end of a .dat) are skipped without reading them.
    pub fn first_nonzero(&mut self, from: u64) -> io::Result<Option<u64>> {
        let mut from = from;
        while from < self.len {
            let Some((start, end)) = self.ahead.data_extent(from) else {
                return Ok(None);
            };
            let end = end.min(self.len);
            self.seek(start.max(from));
            while self.pos < end {
                let at = self.pos;
                let range = self.take(readahead::CHUNK.min(end - at))?;
                if range.is_empty() {
                    return Ok(None);
                }
                if let Some(i) = self.ahead.chunk()[range].iter().position(|&b| b != 0) {
                    return Ok(Some(at + i as u64));
                }
            }
            from = end;
        }
        Ok(None)
    }

    /// The 4-byte version word; `None` when the file is shorter. Leaves the
    /// cursor on the first record.
    pub fn version(&mut self) -> io::Result<Option<u32>> {
        self.seek(0);
        let mut w = [0u8; 4];
        if self.read_up_to(&mut w)? < 4 {
            // Too short by its length: ask the OS, so that a read error
            // is reported as such.
            self.ahead.read_direct(&mut w, 0)?;
            return Ok(None);
        }
        Ok(Some(u32::from_le_bytes(w)))
    }

    /// [`FrameCursor::version`] as the server's `checkFileVersion`: an
    /// error naming `path` unless it is 1.
    pub fn expect_version(&mut self, path: &Path) -> Result<()> {
        match self.version().map_err(|e| StoreError::io(path, e))? {
            Some(FILE_VERSION) => Ok(()),
            Some(found) => Err(StoreError::UnsupportedVersion {
                path: path.to_path_buf(),
                found,
            }),
            None => Err(StoreError::corrupt(
                path,
                self.len(),
                "unable to verify file version: file shorter than the 4-byte header",
            )),
        }
    }

    /// The next record (`readRecord`), its payload read when `read_payload`.
    pub fn step(&mut self, read_payload: bool) -> io::Result<Frame> {
        let offset = self.pos;
        let mut h = [0u8; HEADER_LEN as usize];
        let got = self.read_up_to(&mut h)?;
        if got == 0 {
            return Ok(Frame::End(LogEnd::Eof));
        }
        if got < h.len() {
            return Ok(Frame::End(LogEnd::Torn {
                offset,
                needed: None,
                available: got as u64,
                seq_hint: None,
            }));
        }
        let RecordHeader {
            rtype,
            size,
            stored_crc,
        } = RecordHeader::parse(&h, self.typed);
        if size == 0 && rtype == 0 && stored_crc == 0 {
            return Ok(Frame::End(LogEnd::Zero { offset }));
        }
        let left = self.remaining();
        if left == 0 && size > 0 {
            return Ok(Frame::End(LogEnd::HeaderOnly { offset, size }));
        }
        if size > left {
            let partial = self.take(left.min(16))?;
            let hint = if self.typed {
                None
            } else {
                seq_hint(self.bytes(&partial))
            };
            self.seek(self.len);
            return Ok(Frame::End(LogEnd::Torn {
                offset,
                needed: Some(HEADER_LEN + size),
                available: HEADER_LEN + left,
                seq_hint: hint,
            }));
        }
        let payload = if read_payload {
            // Header and payload as one window: when the record runs past
            // the chunk, the read-ahead worker then starts at the record, at
            // a boundary it can frame (and compute CRCs from), not inside
            // the payload.
            self.seek(offset);
            let record = self.take(HEADER_LEN + size)?;
            // (Shorter only if the file shrank since it was opened.)
            let start = (record.start + HEADER_LEN as usize).min(record.end);
            Some(start..record.end)
        } else {
            self.seek(offset + HEADER_LEN + size);
            None
        };
        Ok(Frame::Record {
            offset,
            rtype,
            size,
            stored_crc,
            payload,
        })
    }
}

/// A record of a typed log (clients.dat, subs.dat), its CRC checked.
pub struct LogRecord<'a> {
    pub offset: u64,
    pub rtype: u8,
    /// Payload size, without the 8-byte header.
    pub size: u64,
    pub payload: &'a [u8],
    /// When the payload does not match its stored CRC.
    pub crc_mismatch: Option<CrcMismatch>,
}

/// Walk a typed log from the cursor's position (after the version header)
/// to its end: hand each record to `record` with its CRC checked, and
/// return how the log ends.
pub fn walk_typed_log(
    log: &mut FrameCursor,
    crc: &crate::crc::Crc32,
    mut record: impl FnMut(LogRecord<'_>),
) -> io::Result<LogEnd> {
    loop {
        let r = match step_data(log, Some(crc), true)? {
            Err(end) => return Ok(end),
            Ok(r) => r,
        };
        let (payload, crc_mismatch) = match &r.payload {
            Some(p) => (p.bytes, p.crc_mismatch(r.stored_crc)),
            None => (&[][..], None),
        };
        record(LogRecord {
            offset: r.offset,
            rtype: r.rtype,
            size: r.size,
            payload,
            crc_mismatch,
        });
    }
}

/// The sequence at the start of a (possibly partial) MsgProto: field 1,
/// varint.
pub fn seq_hint(payload: &[u8]) -> Option<u64> {
    if payload.first() != Some(&0x08) {
        return None;
    }
    let mut v: u64 = 0;
    for (i, &b) in payload.iter().skip(1).take(10).enumerate() {
        v |= u64::from(b & 0x7f) << (7 * i);
        if b & 0x80 == 0 {
            return Some(v);
        }
    }
    None
}

/// A message payload decoded as the server's `msg.Unmarshal` accepts it.
pub enum DecodedMsg<'a> {
    /// The canonical encoding, read in place.
    Canonical(MsgView<'a>),
    /// Any other encoding prost accepts (boxed: rare, and the canonical
    /// case then moves a small value per record).
    Other(Box<MsgProto>),
}

impl DecodedMsg<'_> {
    pub fn sequence(&self) -> u64 {
        match self {
            DecodedMsg::Canonical(v) => v.sequence,
            DecodedMsg::Other(m) => m.sequence,
        }
    }

    pub fn timestamp(&self) -> i64 {
        match self {
            DecodedMsg::Canonical(v) => v.timestamp,
            DecodedMsg::Other(m) => m.timestamp,
        }
    }

    pub fn subject(&self) -> &[u8] {
        match self {
            DecodedMsg::Canonical(v) => v.subject,
            DecodedMsg::Other(m) => &m.subject,
        }
    }

    pub fn reply(&self) -> &[u8] {
        match self {
            DecodedMsg::Canonical(v) => v.reply,
            DecodedMsg::Other(m) => &m.reply,
        }
    }

    pub fn data(&self) -> &[u8] {
        match self {
            DecodedMsg::Canonical(v) => v.data,
            DecodedMsg::Other(m) => &m.data,
        }
    }
}

/// Decode a message payload: in place when canonical, else through prost.
pub fn decode_msg(payload: &[u8]) -> std::result::Result<DecodedMsg<'_>, prost::DecodeError> {
    if let Some(view) = MsgView::canonical(payload) {
        return Ok(DecodedMsg::Canonical(view));
    }
    MsgProto::decode(payload).map(|m| DecodedMsg::Other(Box::new(m)))
}

/// Sequence and timestamp of a message payload, as the server's
/// `msg.Unmarshal` accepts it.
pub fn decode_message(payload: &[u8]) -> std::result::Result<(u64, i64), prost::DecodeError> {
    decode_msg(payload).map(|m| (m.sequence(), m.timestamp()))
}

/// A decoded message record, or an error naming its file and offset: the
/// one wording of a record that is no MsgProto.
pub fn decoded_or_corrupt(
    decoded: std::result::Result<MsgProto, prost::DecodeError>,
    path: &Path,
    offset: u64,
) -> Result<MsgProto> {
    decoded.map_err(|e| StoreError::corrupt(path, offset, format!("bad MsgProto: {e}")))
}

/// What a torn record lacks, as findings say it: `needed` is the whole
/// record's size when its header is complete.
pub fn torn_text(needed: Option<u64>, available: u64) -> String {
    match needed {
        Some(n) => format!("torn record: needs {n} bytes, {available} left"),
        None => format!("torn record header: {available} of 8 bytes"),
    }
}

/// A record of a message data file, as [`walk_data_file`] hands it out.
pub struct DataRecord<'a> {
    pub offset: u64,
    /// Record type (typed files), 0 otherwise.
    pub rtype: u8,
    /// Payload size, without the 8-byte header.
    pub size: u64,
    pub stored_crc: u32,
    /// The payload, when the observer asked for it.
    pub payload: Option<ReadPayload<'a>>,
}

/// A message record's payload and its CRC.
pub struct ReadPayload<'a> {
    pub bytes: &'a [u8],
    /// The CRC computed over `bytes`, when the walk was given a CRC.
    pub computed_crc: Option<u32>,
}

impl<'a> ReadPayload<'a> {
    /// The payload decoded as a message: done by the observer that wants
    /// it, where the result is used, rather than handed through the walk.
    pub fn msg(&self) -> std::result::Result<DecodedMsg<'a>, prost::DecodeError> {
        decode_msg(self.bytes)
    }

    /// When a computed CRC differs from the `stored` one.
    pub fn crc_mismatch(&self, stored: u32) -> Option<CrcMismatch> {
        CrcMismatch::check(stored, self.computed_crc?).err()
    }
}

/// What a walk of a message data file reports: the rebuild scan stops at
/// the first damage, `check` goes on to the end and compares each record
/// with the index.
pub trait DataObserver {
    /// Whether to read, CRC and decode the payload of the record at
    /// `offset` (else only its framing is walked).
    fn wants_payload(&mut self, _offset: u64) -> bool {
        true
    }

    /// A framed record; `false` refuses it, which ends the walk unless
    /// [`DataObserver::resume_after`] names where to go on.
    fn record(&mut self, record: &DataRecord<'_>) -> bool;

    /// After the record at `offset` was refused: an offset past it to go
    /// on from (`salvage` resynchronises on the next valid record), else
    /// `None` to end the walk. `dat` is there to look ahead.
    fn resume_after(&mut self, _offset: u64, _dat: &mut FrameCursor) -> Option<u64> {
        None
    }

    /// The framing ends at `end`. Unless at end of file, the observer may
    /// return an offset past it to go on from (`check` resynchronises on
    /// the next index entry after a zero header, `salvage` on the next
    /// valid record after any damage); `dat` is there to look past the end
    /// ([`FrameCursor::first_nonzero`]).
    fn end(&mut self, end: &LogEnd, dat: &mut FrameCursor) -> Option<u64>;
}

/// One step over a framed file at the cursor's position, for every walk
/// and reader (data files, typed logs, dump's records): the record
/// there, framed, its payload read when `read_payload` and its CRC
/// computed (when `crc` is given: ahead, by the read-ahead worker of an
/// [`FrameCursor::open_data`] cursor, or here); else how the framing
/// ends. Errors: a failed read.
pub fn step_data<'a>(
    dat: &'a mut FrameCursor,
    crc: Option<&crate::crc::Crc32>,
    read_payload: bool,
) -> io::Result<std::result::Result<DataRecord<'a>, LogEnd>> {
    let (offset, rtype, size, stored_crc, payload) = match dat.step(read_payload)? {
        Frame::End(end) => return Ok(Err(end)),
        Frame::Record {
            offset,
            rtype,
            size,
            stored_crc,
            payload,
        } => (offset, rtype, size, stored_crc, payload),
    };
    let computed_crc = match (&payload, crc) {
        (Some(range), Some(crc)) => Some(dat.payload_crc(offset, size as u32, range, crc)),
        _ => None,
    };
    let dat: &'a FrameCursor = dat;
    let payload = payload.map(|range| ReadPayload {
        bytes: dat.bytes(&range),
        computed_crc,
    });
    Ok(Ok(DataRecord {
        offset,
        rtype,
        size,
        stored_crc,
        payload,
    }))
}

/// Walk a message data file from the cursor's position (after the version
/// header), one [`step_data`] at a time, handing each record to the
/// observer. After a record the observer refuses, or where the framing
/// ends (but at end of file), the walk goes on at the offset the observer
/// names, if past the record or the end: only forward, so that the walk
/// ends. Errors: a failed read.
pub fn walk_data_file<O: DataObserver + ?Sized>(
    dat: &mut FrameCursor,
    crc: Option<&crate::crc::Crc32>,
    observer: &mut O,
) -> io::Result<()> {
    loop {
        let read_payload = observer.wants_payload(dat.pos());
        let resume = match step_data(dat, crc, read_payload)? {
            Err(LogEnd::Eof) => {
                observer.end(&LogEnd::Eof, dat);
                return Ok(());
            }
            Err(end) => match observer.end(&end, dat) {
                Some(resume) if resume > end.offset(dat.len()) => resume,
                _ => return Ok(()),
            },
            Ok(record) => {
                if observer.record(&record) {
                    continue;
                }
                let offset = record.offset;
                match observer.resume_after(offset, dat) {
                    Some(resume) if resume > offset => resume,
                    _ => return Ok(()),
                }
            }
        };
        dat.seek(resume);
    }
}

/// Why the rebuild scan of a data file stopped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ScanEnd {
    /// The file ended: every record was read ([`LogEnd::Eof`]); at a zero
    /// header, where the server truncates the data file and goes on; at a
    /// header with no payload, plain EOF for the server (Q1); or at a torn
    /// record, where the server refuses to start (unexpected EOF) unless
    /// `-file_truncate_bad_eof`.
    Log(LogEnd),
    /// A CRC mismatch (when CRCs are verified): the server refuses to start.
    Crc { offset: u64, mismatch: CrcMismatch },
    /// A record that does not decode as a message: the server refuses to
    /// start.
    Undecodable { offset: u64, error: String },
}

impl ScanEnd {
    /// Where the recovered part of the data file ends.
    pub fn offset(&self, file_len: u64) -> u64 {
        match self {
            ScanEnd::Log(end) => end.offset(file_len),
            ScanEnd::Crc { offset, .. } | ScanEnd::Undecodable { offset, .. } => *offset,
        }
    }
}

/// Why the server does not trust a slice's index and rebuilds it from the
/// data file, or what it noticed in an index it trusts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IndexEvent {
    /// No index file: rebuilt from the data file.
    Missing,
    /// The version header is not 1 (`None`: shorter than 4 bytes): the
    /// server refuses to start; the slice is read as rebuilt.
    BadHeader { found: Option<u32> },
    /// A record shorter than 32 bytes at `at`: rebuilt.
    Partial { at: u64, got: u64 },
    /// A zero-filled record at `at`: the server truncates the index here
    /// and trusts what precedes. `more_at`: a non-zero byte after it.
    Zero { at: u64, more_at: Option<u64> },
    /// No record before the end (or a zero record): the data file is
    /// scanned.
    Empty,
    /// A trusted record at `at` whose sequence does not ascend past the
    /// `previous` trusted one: the server trusts the index all the same
    /// (it checks only the last entry) and serves the wrong messages.
    OutOfOrder {
        at: u64,
        entry: IndexEntry,
        previous: u64,
    },
    /// The record the last entry points at does not match it: rebuilt.
    LastMismatch {
        entry: IndexEntry,
        problem: LastRecordProblem,
    },
}

/// What a walk reports as it goes. Every method has a default that ignores
/// the event: the reader keeps findings, `check` turns each event into its
/// own findings and compares the data file with the index itself.
pub trait SliceObserver {
    /// Something about the index (see [`IndexEvent`]).
    fn index_event(&mut self, _files: &SliceFiles, _event: &IndexEvent) {}

    /// An index record at byte `at`. `crc`: `(stored, computed)` when they
    /// differ. `trusted`: part of the run the server reads (before the
    /// first CRC problem when CRCs are verified). Records after a CRC
    /// problem are still reported, up to the end of the index.
    fn index_record(
        &mut self,
        _files: &SliceFiles,
        _at: u64,
        _entry: &IndexEntry,
        _crc: Option<(u32, u32)>,
        _trusted: bool,
    ) {
    }

    /// The last trusted entry was checked against the data file.
    fn last_checked(&mut self, _files: &SliceFiles, _entry: &IndexEntry) {}

    /// A message the rebuild scan of the data file recovered.
    fn scanned(&mut self, _files: &SliceFiles, _entry: &IndexEntry, _payload: &[u8]) {}

    /// Where and why the rebuild scan stopped.
    fn scan_end(&mut self, _files: &SliceFiles, _end: &ScanEnd) {}
}

/// An observer that ignores everything.
pub struct Quiet;

impl SliceObserver for Quiet {}

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

/// Recover one slice as the server does at start-up, without writing
/// anything: read every index record; trust the index unless a record is
/// partial or fails its CRC (when verified), it holds none, or its last
/// entry does not match the data file; else scan the data file up to the
/// first damage. `None`: a slice without message. Errors: a file that is
/// there and cannot be read.
pub fn recover_slice(
    files: SliceFiles,
    opts: &ReadOptions,
    observer: &mut dyn SliceObserver,
) -> Result<Option<SliceState>> {
    if let Some(tally) = read_index(&files, opts, observer)? {
        let records = tally.count;
        return Ok(tally.into_state(files, EntrySource::Index { records }));
    }
    scan_data(files, opts, observer)
}

/// The index's entries when the server trusts it, `None` to rebuild.
fn read_index(
    files: &SliceFiles,
    opts: &ReadOptions,
    observer: &mut dyn SliceObserver,
) -> Result<Option<Tally>> {
    let path = &files.idx;
    // Only a truly absent index is rebuilt; a dangling link, a FIFO or an
    // unreadable file is an error.
    if !crate::safe_fs::is_present(path)? {
        observer.index_event(files, &IndexEvent::Missing);
        return Ok(None);
    }
    let io_err = |e| StoreError::io(path, e);
    let file = crate::safe_fs::open_regular_io(path).map_err(io_err)?;
    let mut idx = IndexReader::from_file(file).map_err(io_err)?;
    match idx.version().map_err(io_err)? {
        Some(FILE_VERSION) => {}
        found => {
            observer.index_event(files, &IndexEvent::BadHeader { found });
            return Ok(None);
        }
    }
    let mut tally = Tally::default();
    let mut rebuild = false;
    loop {
        let record = match idx.next_record().map_err(io_err)? {
            Ok(record) => record,
            Err(IndexEnd::Eof) => break,
            Err(IndexEnd::Partial { at, got }) => {
                observer.index_event(files, &IndexEvent::Partial { at, got });
                rebuild = true;
                break;
            }
        };
        let at = record.at;
        if record.is_zero() {
            let more_at = idx.first_nonzero(at).map_err(io_err)?;
            observer.index_event(files, &IndexEvent::Zero { at, more_at });
            break;
        }
        let entry = record.entry();
        let crc = record.crc_mismatch(&opts.crc);
        if crc.is_some() && opts.verify_crc {
            rebuild = true;
        }
        observer.index_record(files, at, &entry, crc, !rebuild);
        if !rebuild {
            let previous = tally.last.map(|p| p.seq);
            if let Some(previous) = entry.out_of_order(previous) {
                observer.index_event(
                    files,
                    &IndexEvent::OutOfOrder {
                        at,
                        entry,
                        previous,
                    },
                );
            }
            tally.add(entry);
        }
    }
    if rebuild {
        return Ok(None);
    }
    let Some(last) = tally.last else {
        observer.index_event(files, &IndexEvent::Empty);
        return Ok(None);
    };
    observer.last_checked(files, &last);
    if let Err(problem) = verify_last(&files.dat, &last, opts) {
        observer.index_event(
            files,
            &IndexEvent::LastMismatch {
                entry: last,
                problem,
            },
        );
        return Ok(None);
    }
    Ok(Some(tally))
}

/// `ensureLastMsgAndIndexMatch`: the record at the entry's offset has its
/// size, a valid CRC (always checked) and its sequence.
fn verify_last(
    dat: &Path,
    e: &IndexEntry,
    opts: &ReadOptions,
) -> std::result::Result<(), LastRecordProblem> {
    let mut src = FrameCursor::open(dat, false)?;
    if e.offset < 4 || e.offset >= src.len() {
        return Err(LastRecordProblem::BeyondEnd {
            offset: e.offset,
            file_len: src.len(),
        });
    }
    src.seek(e.offset);
    let frame = src.step(true)?;
    let (size, stored, payload) = match frame {
        Frame::Record {
            size,
            stored_crc,
            payload: Some(p),
            ..
        } => (size, stored_crc, p),
        Frame::End(LogEnd::Zero { .. }) => return Err(LastRecordProblem::ZeroHeader),
        Frame::End(LogEnd::Torn {
            needed: Some(needed),
            available,
            ..
        }) => return Err(LastRecordProblem::Torn { needed, available }),
        Frame::End(LogEnd::Torn { .. }) => return Err(LastRecordProblem::TornHeader),
        Frame::End(LogEnd::Eof)
        | Frame::End(LogEnd::HeaderOnly { .. })
        | Frame::Record { payload: None, .. } => return Err(LastRecordProblem::Eof),
    };
    if size != u64::from(e.size) {
        return Err(LastRecordProblem::Size {
            indexed: e.size,
            stored: size,
        });
    }
    let computed = src.payload_crc(e.offset, e.size, &payload, &opts.crc);
    CrcMismatch::check(stored, computed)?;
    let (seq, _) = decode_message(src.bytes(&payload)).map_err(LastRecordProblem::Decode)?;
    if seq != e.seq {
        return Err(LastRecordProblem::Seq {
            indexed: e.seq,
            found: seq,
        });
    }
    Ok(())
}

/// Scan the data file as the index rebuild does: every record up to the
/// first damage.
fn scan_data(
    files: SliceFiles,
    opts: &ReadOptions,
    observer: &mut dyn SliceObserver,
) -> Result<Option<SliceState>> {
    let path = &files.dat;
    let io_err = |e| StoreError::io(path, e);
    let crc = opts.verify_crc.then(|| opts.crc.clone());
    let mut dat = FrameCursor::open_data(path, crc.clone()).map_err(io_err)?;
    dat.expect_version(path)?;
    let mut scan = Scan {
        files: &files,
        observer,
        tally: Tally::default(),
        end: ScanEnd::Log(LogEnd::Eof),
    };
    walk_data_file(&mut dat, crc.as_ref(), &mut scan).map_err(io_err)?;
    let Scan {
        observer,
        tally,
        end,
        ..
    } = scan;
    observer.scan_end(&files, &end);
    let end = end.offset(dat.len());
    Ok(tally.into_state(files, EntrySource::DataScan { end }))
}

/// The rebuild scan as an observer of the data walk.
struct Scan<'a> {
    files: &'a SliceFiles,
    observer: &'a mut dyn SliceObserver,
    tally: Tally,
    end: ScanEnd,
}

impl DataObserver for Scan<'_> {
    fn record(&mut self, r: &DataRecord<'_>) -> bool {
        let Some(payload) = &r.payload else {
            return true;
        };
        if let Some(mismatch) = payload.crc_mismatch(r.stored_crc) {
            self.end = ScanEnd::Crc {
                offset: r.offset,
                mismatch,
            };
            return false;
        }
        match payload.msg() {
            Ok(msg) => {
                let entry = IndexEntry {
                    seq: msg.sequence(),
                    offset: r.offset,
                    timestamp: msg.timestamp(),
                    size: r.size as u32,
                };
                self.observer.scanned(self.files, &entry, payload.bytes);
                self.tally.add(entry);
                true
            }
            Err(e) => {
                self.end = ScanEnd::Undecodable {
                    offset: r.offset,
                    error: e.to_string(),
                };
                false
            }
        }
    }

    fn end(&mut self, end: &LogEnd, _dat: &mut FrameCursor) -> Option<u64> {
        self.end = ScanEnd::Log(end.clone());
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A message record: size, CRC (IEEE) and payload.
    fn framed(payload: &[u8]) -> Vec<u8> {
        let mut r = (payload.len() as u32).to_le_bytes().to_vec();
        r.extend(crate::crc::Crc32::default().checksum(payload).to_le_bytes());
        r.extend(payload);
        r
    }

    /// A message data file of 256-byte records, past the size read in
    /// place, whose first chunk ends inside a payload (not a header).
    fn data_file(dir: &Path) -> (std::path::PathBuf, Vec<u8>) {
        let mut bytes = FILE_VERSION.to_le_bytes().to_vec();
        let mut seed = 11u64;
        while bytes.len() < 6 * readahead::CHUNK as usize {
            let payload: Vec<u8> = (0..256)
                .map(|_| {
                    seed = seed
                        .wrapping_mul(6364136223846793005)
                        .wrapping_add(1442695040888963407);
                    (seed >> 56) as u8
                })
                .collect();
            bytes.extend(framed(&payload));
        }
        let path = dir.join("msgs.1.dat");
        std::fs::write(&path, &bytes).unwrap();
        (path, bytes)
    }

    /// check --deep leaves the data CRCs to the read-ahead worker: every
    /// record past the first chunk (read in place) must come with its CRC,
    /// also when that chunk ends inside a payload.
    #[test]
    fn step_gets_the_workers_crcs_past_the_first_chunk() {
        let dir = tempfile::tempdir().unwrap();
        let (path, bytes) = data_file(dir.path());
        let record = 8 + 256u64;
        let cut = (readahead::CHUNK - 4) % record;
        assert!(cut > 8, "the first chunk must end inside a payload");
        let mut dat = FrameCursor::open_data(&path, Some(crate::crc::Crc32::default())).unwrap();
        assert_eq!(dat.version().unwrap(), Some(FILE_VERSION));
        let (mut records, mut with_crc) = (0u64, 0u64);
        loop {
            match dat.step(true).unwrap() {
                Frame::End(LogEnd::Eof) => break,
                Frame::Record {
                    offset,
                    size,
                    stored_crc,
                    payload: Some(payload),
                    ..
                } => {
                    let want = &bytes[(offset + 8) as usize..(offset + 8 + size) as usize];
                    assert_eq!(dat.bytes(&payload), want, "payload at {offset}");
                    records += 1;
                    if offset + 8 + size > readahead::CHUNK {
                        let computed = dat.computed_crc(offset, size as u32);
                        assert_eq!(computed, Some(stored_crc), "record at {offset}");
                        with_crc += 1;
                    }
                }
                other => panic!("unexpected {other:?}"),
            }
        }
        assert_eq!(records, (bytes.len() as u64 - 4) / record);
        assert!(with_crc > records * 4 / 5, "{with_crc} of {records}");
    }

    /// Records seen and ends met by a data walk that resumes after a zero
    /// header at `resume(zero offset)`.
    struct Seen {
        records: Vec<u64>,
        ends: Vec<LogEnd>,
        resume: fn(u64) -> Option<u64>,
    }

    impl DataObserver for Seen {
        fn record(&mut self, r: &DataRecord<'_>) -> bool {
            self.records.push(r.offset);
            true
        }

        fn end(&mut self, end: &LogEnd, _dat: &mut FrameCursor) -> Option<u64> {
            self.ends.push(end.clone());
            match end {
                LogEnd::Zero { offset } => (self.resume)(*offset),
                _ => None,
            }
        }
    }

    /// A zero header ends the walk unless the observer names an offset
    /// past it, and a resume point that does not move forward ends it too.
    #[test]
    fn data_walk_resumes_only_forward_after_zeros() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("msgs.1.dat");
        let mut bytes = FILE_VERSION.to_le_bytes().to_vec();
        bytes.extend(framed(&[0x08, 0x01]));
        bytes.extend([0u8; 8]);
        let second = bytes.len() as u64;
        bytes.extend(framed(&[0x08, 0x02]));
        std::fs::write(&path, &bytes).unwrap();
        let walk = |resume: fn(u64) -> Option<u64>| {
            let mut dat = FrameCursor::open_data(&path, None).unwrap();
            dat.seek(4);
            let mut seen = Seen {
                records: vec![],
                ends: vec![],
                resume,
            };
            walk_data_file(&mut dat, Some(&crate::crc::Crc32::default()), &mut seen).unwrap();
            seen
        };
        let on = walk(|zero| Some(zero + 8));
        assert_eq!(on.records, vec![4, second]);
        assert_eq!(
            on.ends,
            vec![LogEnd::Zero { offset: second - 8 }, LogEnd::Eof]
        );
        for resume in [(|_| None) as fn(u64) -> Option<u64>, |zero| Some(zero)] {
            let stopped = walk(resume);
            assert_eq!(stopped.records, vec![4]);
            assert_eq!(stopped.ends, vec![LogEnd::Zero { offset: second - 8 }]);
        }
    }

    /// Refuses the record at `bad` and names `resume(bad)` to go on from.
    struct Refuse {
        bad: u64,
        records: Vec<u64>,
        resume: fn(u64) -> Option<u64>,
    }

    impl DataObserver for Refuse {
        fn record(&mut self, r: &DataRecord<'_>) -> bool {
            self.records.push(r.offset);
            r.offset != self.bad
        }

        fn resume_after(&mut self, offset: u64, _dat: &mut FrameCursor) -> Option<u64> {
            (self.resume)(offset)
        }

        fn end(&mut self, _end: &LogEnd, _dat: &mut FrameCursor) -> Option<u64> {
            None
        }
    }

    /// A refused record ends the walk unless the observer names an offset
    /// past it; one that does not move forward ends it too.
    #[test]
    fn data_walk_resumes_only_forward_after_a_refused_record() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("msgs.1.dat");
        let mut bytes = FILE_VERSION.to_le_bytes().to_vec();
        for seq in 1..=3u8 {
            bytes.extend(framed(&[0x08, seq]));
        }
        std::fs::write(&path, &bytes).unwrap();
        let walk = |resume: fn(u64) -> Option<u64>| {
            let mut dat = FrameCursor::open_data(&path, None).unwrap();
            dat.seek(4);
            let mut seen = Refuse {
                bad: 14,
                records: vec![],
                resume,
            };
            walk_data_file(&mut dat, Some(&crate::crc::Crc32::default()), &mut seen).unwrap();
            seen.records
        };
        assert_eq!(walk(|_| None), vec![4, 14]);
        assert_eq!(walk(Some), vec![4, 14]);
        assert_eq!(walk(|at| Some(at + 10)), vec![4, 14, 24]);
    }

    #[test]
    fn seq_hints() {
        assert_eq!(seq_hint(&[0x08, 0x23, 0x12]), Some(35));
        assert_eq!(seq_hint(&[0x08, 0x96, 0x01]), Some(150));
        assert_eq!(seq_hint(&[0x12, 0x01]), None);
        assert_eq!(seq_hint(&[0x08, 0x96]), None);
    }
}
