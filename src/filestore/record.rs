//! Record framing shared by every file of the file store (docs/FORMAT.md 1.1-1.4,
//! 2.8.5): a 4-byte version header, then `{u32 size|type, u32 crc, payload}`.

use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};

use super::problem::RecordProblem;
use super::walk::{step_data, CrcMismatch, FrameCursor, LogEnd, RecordHeader};
use crate::crc::Crc32;
use crate::error::{Result, StoreError};

pub const FILE_VERSION: u32 = 1;

// Record types of clients.dat and subs.dat (docs/FORMAT.md 2.3, 2.5).
pub const CLIENT_ADD: u8 = 1;
pub const CLIENT_DELETE: u8 = 2;
pub const SUB_NEW: u8 = 1;
pub const SUB_UPDATE: u8 = 2;
pub const SUB_DELETE: u8 = 3;
pub const SUB_ACK: u8 = 4;
pub const SUB_MSG: u8 = 5;

/// Polynomials worth trying when CRCs do not match (docs/FORMAT.md 1.3): the
/// polynomial is not stored anywhere.
pub const KNOWN_POLYS: [(u32, &str); 3] = [
    (crate::crc::IEEE, "IEEE"),
    (0x82F6_3B78, "Castagnoli"),
    (0xEB31_D82E, "Koopman"),
];
pub const HEADER_LEN: u64 = 8;

/// Open a store file read-only. Never creates anything.
/// Only a regular file is opened (a FIFO would block forever).
pub fn open_read_only(path: &Path) -> Result<File> {
    crate::safe_fs::open_regular(path)
}

/// Whether a file's records carry a type byte after their header:
/// clients.dat and subs.dat do, server.dat and msgs.N.dat do not.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Framing {
    Typed,
    Untyped,
}

/// Check the 4-byte version header of an open file (positioned at 0).
pub fn check_version(file: &mut impl Read, path: &Path) -> Result<()> {
    let mut word = [0u8; 4];
    let mut got = 0;
    while got < 4 {
        match file.read(&mut word[got..]) {
            Ok(0) => {
                return Err(StoreError::corrupt(
                    path,
                    got as u64,
                    "unable to verify file version: file shorter than the 4-byte header",
                ))
            }
            Ok(n) => got += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(StoreError::io(path, e)),
        }
    }
    let version = u32::from_le_bytes(word);
    if version != FILE_VERSION {
        return Err(StoreError::UnsupportedVersion {
            path: path.to_path_buf(),
            found: version,
        });
    }
    Ok(())
}

/// What the next read of a record file found.
#[derive(Debug, PartialEq, Eq)]
pub enum Next<'a> {
    Record {
        offset: u64,
        record_type: u8,
        payload: &'a [u8],
    },
    /// No record here: how the file ends.
    End(LogEnd),
    /// The CRC stored in the header does not match the payload.
    CrcMismatch {
        offset: u64,
        record_type: u8,
        mismatch: CrcMismatch,
        payload: &'a [u8],
    },
}

/// Sequential reader of framed records: the walk's framing cursor with
/// the version header checked and CRCs verified.
pub struct RecordReader {
    cursor: FrameCursor,
    path: PathBuf,
    /// The CRC to verify records with; `None` when not verified.
    crc: Option<Crc32>,
}

impl RecordReader {
    /// Open `path`, check its version header and position at the first record.
    pub fn open(path: &Path, framing: Framing, read: &super::ReadOptions) -> Result<Self> {
        let io_err = |e| StoreError::io(path, e);
        let typed = framing == Framing::Typed;
        let mut cursor = FrameCursor::from_file(open_read_only(path)?, typed).map_err(io_err)?;
        cursor.expect_version(path)?;
        Ok(RecordReader {
            cursor,
            path: path.to_path_buf(),
            crc: read.verify_crc.then(|| read.crc.clone()),
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Offset of the next record header.
    pub fn offset(&self) -> u64 {
        self.cursor.pos()
    }

    pub fn file_len(&self) -> u64 {
        self.cursor.len()
    }

    /// Move to the record header at `offset` (taken from an index).
    pub fn seek_to(&mut self, offset: u64) -> Result<()> {
        self.cursor.seek(offset);
        Ok(())
    }

    /// Read the next record. Never allocates more than the file holds.
    pub fn next_record(&mut self) -> Result<Next<'_>> {
        let r = match step_data(&mut self.cursor, self.crc.as_ref(), true) {
            Err(e) => return Err(StoreError::io(&self.path, e)),
            Ok(Err(end)) => return Ok(Next::End(end)),
            Ok(Ok(r)) => r,
        };
        let (payload, mismatch) = match &r.payload {
            Some(p) => (p.bytes, p.crc_mismatch(r.stored_crc)),
            None => (&[][..], None),
        };
        Ok(match mismatch {
            None => Next::Record {
                offset: r.offset,
                record_type: r.rtype,
                payload,
            },
            Some(mismatch) => Next::CrcMismatch {
                offset: r.offset,
                record_type: r.rtype,
                mismatch,
                payload,
            },
        })
    }
}

/// Reads records at offsets taken from an index, out of large shared
/// chunks read ahead on a second thread (with their CRCs): a payload is a
/// slice of its chunk, so streaming a slice costs no allocation or copy per
/// message.
pub struct ChunkReader {
    cursor: FrameCursor,
    path: PathBuf,
    /// The CRC to verify records with; `None` when not verified.
    crc: Option<Crc32>,
}

impl ChunkReader {
    pub fn open(path: &Path, crc: Crc32, verify_crc: bool) -> Result<Self> {
        let mut file = open_read_only(path)?;
        check_version(&mut file, path)?;
        let crc = verify_crc.then_some(crc);
        let cursor =
            FrameCursor::data_file(file, crc.clone()).map_err(|e| StoreError::io(path, e))?;
        Ok(ChunkReader {
            cursor,
            path: path.to_path_buf(),
            crc,
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Where the payload of the record at `offset` lies in the chunk, when
    /// the record is what the index says (`size` bytes, CRC when
    /// verifying); else what was found instead.
    fn locate(
        &mut self,
        offset: u64,
        size: u32,
    ) -> Result<std::result::Result<std::ops::Range<usize>, RecordProblem>> {
        let record_len = HEADER_LEN + u64::from(size);
        self.cursor.seek(offset);
        let record = self
            .cursor
            .take(record_len)
            .map_err(|e| StoreError::io(&self.path, e))?;
        let whole = record.len() as u64 >= record_len;
        let header = self
            .cursor
            .bytes(&record)
            .first_chunk()
            .filter(|_| whole)
            .map(|h| RecordHeader::parse(h, false));
        let Some(header) = header else {
            return Ok(Err(RecordProblem::PastEnd {
                needed: record_len,
                offset,
                file_len: self.cursor.len(),
            }));
        };
        if header.size != u64::from(size) {
            return Ok(Err(RecordProblem::SizeMismatch {
                stored: header.size,
                indexed: size,
            }));
        }
        let payload = record.start + HEADER_LEN as usize..record.end;
        if let Some(crc) = &self.crc {
            let computed = self.cursor.payload_crc(offset, size, &payload, crc);
            if let Err(mismatch) = CrcMismatch::check(header.stored_crc, computed) {
                return Ok(Err(RecordProblem::Crc(mismatch)));
            }
        }
        Ok(Ok(payload))
    }

    /// The payload of the record at `offset` that an index says is `size`
    /// bytes, shared with the chunk (no copy). Any other framing is
    /// `Ok(Err(what was found))`.
    pub fn read_sized(
        &mut self,
        offset: u64,
        size: u32,
    ) -> Result<std::result::Result<bytes::Bytes, RecordProblem>> {
        Ok(self
            .locate(offset, size)?
            .map(|range| self.cursor.chunk().slice(range)))
    }

    /// [`Self::read_sized`], borrowed: no reference counting at all.
    pub fn payload_at(
        &mut self,
        offset: u64,
        size: u32,
    ) -> Result<std::result::Result<&[u8], RecordProblem>> {
        Ok(self
            .locate(offset, size)?
            .map(|range| self.cursor.bytes(&range)))
    }
}
