//! Following a channel of a live file store, like `tail -f`: new records
//! are read from the channel's newest slice as the server appends them,
//! and from the next slice when it rolls over. Read-only: files are opened
//! read-only, no lock is taken, nothing is written.

use std::path::{Path, PathBuf};

use prost::Message as _;

use crate::crc::Crc32;
use crate::error::{Result, StoreError};
use crate::filestore::record::{Framing, Next, RecordReader};
use crate::filestore::slice::{slice_name, SliceName};
use crate::filestore::walk::{decoded_or_corrupt, LogEnd};
use crate::filestore::ReadOptions;
use crate::model::{check_channel_name, Message};
use crate::proto::{self, MsgProto};

/// Where a follower is: a slice and the offset of its next record.
pub struct Follower {
    dir: PathBuf,
    crc: Crc32,
    verify_crc: bool,
    /// The slice being read, `None` before the channel has one.
    slice: Option<i64>,
    /// Offset of the next record header in the slice's `.dat`.
    offset: u64,
    /// Messages up to this sequence were shown already.
    after_seq: u64,
}

impl Follower {
    /// Follow `channel` of the file store at `root` from its newest slice,
    /// yielding the messages after `after_seq` (those before were shown).
    pub fn new(
        root: &Path,
        channel: &str,
        after_seq: u64,
        crc: Crc32,
        verify_crc: bool,
    ) -> Result<Self> {
        check_channel_name(channel, root.display())?;
        let dir = root.join(channel);
        let mut follower = Follower {
            dir,
            crc,
            verify_crc,
            slice: None,
            offset: 4,
            after_seq,
        };
        follower.slice = follower.slice_after(None)?;
        Ok(follower)
    }

    /// Slice numbers of the channel, ascending.
    fn slices(&self) -> Result<Vec<i64>> {
        let mut numbers = Vec::new();
        let entries = std::fs::read_dir(&self.dir).map_err(|e| StoreError::io(&self.dir, e))?;
        for entry in entries {
            let entry = entry.map_err(|e| StoreError::io(&self.dir, e))?;
            if let SliceName::Number(n) = slice_name(&entry.file_name().to_string_lossy()) {
                numbers.push(n);
            }
        }
        numbers.sort_unstable();
        numbers.dedup();
        Ok(numbers)
    }

    /// The newest slice (`current` = `None`), or the lowest slice above
    /// `current`: the server rolls over to a higher number.
    fn slice_after(&self, current: Option<i64>) -> Result<Option<i64>> {
        let slices = self.slices()?;
        Ok(match current {
            None => slices.last().copied(),
            Some(c) => slices.into_iter().find(|&n| n > c),
        })
    }

    fn dat(&self, number: i64) -> PathBuf {
        self.dir.join(format!("msgs.{number}.dat"))
    }

    /// The messages appended since the last call (possibly none), in order.
    /// A record still being written (torn at the end of the file, or a
    /// header without its payload yet) is waited for, not an error. A slice
    /// is left for the next one once the next exists and this one has no
    /// complete record left: the server never writes to a slice again
    /// after rolling over.
    pub fn poll(&mut self, visit: &mut dyn FnMut(Message) -> std::io::Result<()>) -> Result<()> {
        loop {
            let number = match self.slice {
                Some(n) => n,
                None => match self.slice_after(None)? {
                    Some(n) => n,
                    None => return Ok(()),
                },
            };
            self.slice = Some(number);
            let at_end = self.read_slice(number, visit)?;
            if !at_end {
                return Ok(());
            }
            // Whatever the server appended between reading this slice to
            // its end and seeing the next one: read once more, then move.
            match self.slice_after(Some(number))? {
                Some(next) => {
                    self.read_slice(number, visit)?;
                    self.slice = Some(next);
                    self.offset = 4;
                }
                None => return Ok(()),
            }
        }
    }

    /// Read slice `number` from `self.offset`. Returns whether its end was
    /// reached cleanly (`false`: a record is still being written).
    fn read_slice(
        &mut self,
        number: i64,
        visit: &mut dyn FnMut(Message) -> std::io::Result<()>,
    ) -> Result<bool> {
        let path = self.dat(number);
        let mut reader = match RecordReader::open(
            &path,
            Framing::Untyped,
            &ReadOptions {
                crc: self.crc.clone(),
                verify_crc: self.verify_crc,
            },
        ) {
            Ok(reader) => reader,
            // Created but its version header not written yet, or removed
            // by limits: look again later.
            Err(StoreError::Corrupt { .. }) if self.offset == 4 => return Ok(false),
            Err(_) if !path.exists() => return Ok(true),
            Err(e) => return Err(e),
        };
        reader.seek_to(self.offset)?;
        loop {
            let len = reader.file_len();
            match reader.next_record()? {
                Next::Record {
                    offset, payload, ..
                } => {
                    let msg = decoded_or_corrupt(MsgProto::decode(payload), &path, offset)?;
                    self.offset = reader.offset();
                    if msg.sequence > self.after_seq {
                        self.after_seq = msg.sequence;
                        visit(Message {
                            seq: msg.sequence,
                            timestamp: msg.timestamp,
                            subject: proto::into_text(msg.subject),
                            reply: proto::into_text(msg.reply),
                            data: msg.data,
                        })
                        .map_err(|e| StoreError::io("<output>", e))?;
                    }
                }
                Next::End(LogEnd::Eof) => return Ok(true),
                // The live tail: the rest of the record is on its way.
                Next::End(_) => return Ok(false),
                Next::CrcMismatch { offset, .. } => {
                    // A record whose bytes end the file may be half
                    // written; one followed by more data is damage.
                    if reader.offset() >= len {
                        return Ok(false);
                    }
                    return Err(StoreError::corrupt(
                        &path,
                        offset,
                        "CRC mismatch in a record followed by others (not a record being written)",
                    ));
                }
            }
        }
    }
}
