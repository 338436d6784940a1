//! Reads a data file ahead on a second thread.
//!
//! A scan of a large data file spends about half its time in the kernel
//! copying pages and computing record CRCs. A worker thread does both one
//! chunk ahead of the reader: it reads the file in large chunks, frames the
//! message records it finds (`{u32 size, u32 crc, payload}`, docs/FORMAT.md 1.1)
//! and computes each payload's CRC. The reader still reads every header and
//! compares every stored CRC itself; the worker only hands over the
//! computed values, so what a record means never depends on the worker.
//!
//! In a message data file chunks start at record boundaries, so a record
//! the worker framed is always whole in one chunk. Other files (or a data
//! file past something that is not a record) are read in chunks that
//! overlap by [`OVERLAP`] bytes, so a short read across a chunk's end is
//! whole in the next one. Small files and jumps the worker did not foresee
//! are read in place.

use std::fs::File;
use std::io;
use std::ops::Range;
use std::os::unix::fs::FileExt;
use std::sync::mpsc::{channel, sync_channel, Receiver, Sender};
use std::sync::Arc;
use std::thread;

use bytes::Bytes;

use super::record::HEADER_LEN;
use super::walk::RecordHeader;
use crate::crc::Crc32;

/// Read size: large enough for few system calls, small enough to stay in
/// the CPU's cache between the worker's CRC and the reader's parse.
pub const CHUNK: u64 = 1 << 20;
/// Chunks read ahead of the reader.
const AHEAD: usize = 2;
/// Files up to this size are read in place: a thread would cost more.
const IN_PLACE_MAX: u64 = 4 * CHUNK;
const HEADER: usize = HEADER_LEN as usize;
/// Consecutive unframed chunks share this many bytes.
pub const OVERLAP: u64 = 64 << 10;
/// Records start after the file's 4-byte version header.
const FIRST_RECORD: u64 = 4;
/// The worker frames no record larger than this (NATS caps payloads at
/// 64 MiB): a damaged size must not make it read a whole file at once.
const MAX_FRAMED: u64 = 64 << 20;

/// The CRC the worker computed for the record at `offset`.
#[derive(Debug, Clone, Copy)]
struct FramedCrc {
    offset: u64,
    size: u32,
    crc: u32,
}

#[derive(Default)]
struct Chunk {
    start: u64,
    bytes: Bytes,
    crcs: Vec<FramedCrc>,
    /// Next candidate in `crcs` (lookups go forward).
    cursor: usize,
}

impl Chunk {
    fn end(&self) -> u64 {
        self.start + self.bytes.len() as u64
    }

    fn covers(&self, pos: u64, len: u64) -> bool {
        pos >= self.start && pos + len <= self.end()
    }
}

struct Worker {
    chunks: Receiver<io::Result<Chunk>>,
}

/// What the worker knows of the file's contents.
#[derive(Clone)]
pub enum Layout {
    /// Any file: plain chunks.
    Plain,
    /// A message data file (`msgs.N.dat`): chunks follow its records, with
    /// their CRCs computed when `crc` is given.
    Messages { crc: Option<Crc32> },
}

/// A file read through a chunk that a worker thread fills ahead.
pub struct ReadAhead {
    file: Arc<File>,
    len: u64,
    layout: Layout,
    current: Chunk,
    worker: Option<Worker>,
    /// Workers started: one for a sequential read.
    workers_started: usize,
}

impl ReadAhead {
    /// `file` must be readable with positioned reads (it is shared with the
    /// worker, which never moves its offset).
    pub fn new(file: File, len: u64, layout: Layout) -> Self {
        ReadAhead {
            file: Arc::new(file),
            len,
            layout,
            current: Chunk::default(),
            worker: None,
            workers_started: 0,
        }
    }

    pub fn len(&self) -> u64 {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Read at `pos` straight from the file, whatever its length said:
    /// the answer of the OS for a file that claims fewer bytes than a
    /// header (a failing device, a `/proc` file).
    /// See [`crate::safe_fs::data_extent`].
    pub fn data_extent(&self, from: u64) -> Option<(u64, u64)> {
        crate::safe_fs::data_extent(&self.file, from)
    }

    pub fn read_direct(&self, buf: &mut [u8], pos: u64) -> io::Result<usize> {
        self.file.read_at(buf, pos)
    }

    /// The chunk that [`ReadAhead::window`]'s ranges index.
    pub fn chunk(&self) -> &Bytes {
        &self.current.bytes
    }

    /// Where `[pos, pos + n)` lies in [`ReadAhead::chunk`]; fewer bytes
    /// only at end of file (or if the file shrank since it was opened).
    /// Never reads more than the file holds, whatever `n` says.
    pub fn window(&mut self, pos: u64, n: u64) -> io::Result<Range<usize>> {
        let want = n.min(self.len.saturating_sub(pos));
        if !self.current.covers(pos, want) {
            self.load(pos, want)?;
        }
        let from = pos.saturating_sub(self.current.start) as usize;
        let from = from.min(self.current.bytes.len());
        let to = (from + want as usize).min(self.current.bytes.len());
        Ok(from..to)
    }

    /// The CRC of the payload of the record at `offset` of `size` bytes,
    /// if the worker computed it. Lookups must go forward within a chunk.
    pub fn computed_crc(&mut self, offset: u64, size: u32) -> Option<u32> {
        let chunk = &mut self.current;
        while let Some(f) = chunk.crcs.get(chunk.cursor) {
            if f.offset >= offset {
                return (f.offset == offset && f.size == size).then_some(f.crc);
            }
            chunk.cursor += 1;
        }
        None
    }

    fn load(&mut self, pos: u64, want: u64) -> io::Result<()> {
        if want == 0 {
            return Ok(());
        }
        // The worker's next chunk, when the reader went on where the worker
        // expected it to.
        if let Some(worker) = self.worker.take() {
            if pos >= self.current.start {
                if let Ok(next) = worker.chunks.recv() {
                    let next = next?;
                    if next.covers(pos, want) {
                        self.current = next;
                        self.worker = Some(worker);
                        return Ok(());
                    }
                }
            }
        }
        // A new worker starting at `pos`: its first chunk holds at least
        // `want` bytes unless the file ends first. Not for a first read: a
        // single lookup (the last record of a slice) needs no thread.
        let first_read = self.current.bytes.is_empty();
        if self.len > IN_PLACE_MAX && !first_read {
            if let Some(worker) = self.spawn(pos, want) {
                self.workers_started += 1;
                if let Ok(first) = worker.chunks.recv() {
                    self.current = first?;
                    self.worker = Some(worker);
                    return Ok(());
                }
            }
        }
        self.current = read_chunk(&self.file, pos, want.max(CHUNK), self.len, Vec::new(), None)?;
        Ok(())
    }

    /// A worker reading from `pos`, or `None` if no thread can be started.
    fn spawn(&self, pos: u64, first_len: u64) -> Option<Worker> {
        let (tx, rx) = sync_channel(AHEAD);
        let (pool_tx, pool) = channel::<Vec<u8>>();
        let file = Arc::clone(&self.file);
        let len = self.len;
        let (mut framing, crc) = match &self.layout {
            Layout::Plain => (false, None),
            Layout::Messages { crc } => (true, crc.clone()),
        };
        let work = move || {
            let mut at = pos;
            let mut need = first_len.max(CHUNK);
            while at < len {
                let buf = pool.try_recv().unwrap_or_default();
                let mut chunk = match read_chunk(&file, at, need, len, buf, Some(pool_tx.clone())) {
                    Ok(c) => c,
                    Err(e) => {
                        let _ = tx.send(Err(e));
                        return;
                    }
                };
                if chunk.bytes.is_empty() {
                    return; // the file shrank
                }
                let end = chunk.end();
                // Unframed: overlap the next chunk with this one's end.
                let mut next = end.saturating_sub(OVERLAP).max(chunk.start + 1);
                need = CHUNK;
                if framing {
                    let skip = FIRST_RECORD.saturating_sub(chunk.start) as usize;
                    let bytes = chunk.bytes.get(skip..).unwrap_or_default();
                    match frame(bytes, crc.as_ref(), &mut chunk.crcs) {
                        Framed::Whole => next = end,
                        // Cut where the chunk starts: the file ends inside
                        // the record.
                        Framed::CutAt { at: 0, .. } if skip == 0 => framing = false,
                        Framed::Stop => framing = false,
                        Framed::CutAt { at: cut, record } => {
                            next = chunk.start + (skip + cut) as u64;
                            // A record larger than a chunk is read whole.
                            need = need.max(record);
                        }
                    }
                    for f in &mut chunk.crcs {
                        f.offset += chunk.start + skip as u64;
                    }
                }
                if tx.send(Ok(chunk)).is_err() || end >= len {
                    return; // the reader is gone, or the file ends here
                }
                at = next;
            }
        };
        thread::Builder::new()
            .name("stanctl-readahead".into())
            .spawn(work)
            .ok()
            .map(|_| Worker { chunks: rx })
    }
}

/// A chunk buffer that goes back to its worker when the last slice of it
/// is dropped, so a scan reuses a few buffers instead of faulting in fresh
/// pages for every chunk.
struct Recycled {
    buf: Vec<u8>,
    pool: Option<Sender<Vec<u8>>>,
}

impl AsRef<[u8]> for Recycled {
    fn as_ref(&self) -> &[u8] {
        &self.buf
    }
}

impl Drop for Recycled {
    fn drop(&mut self) {
        // Oversized buffers (a huge record) are not kept.
        if let Some(pool) = self
            .pool
            .take()
            .filter(|_| self.buf.capacity() <= 2 * CHUNK as usize)
        {
            let _ = pool.send(std::mem::take(&mut self.buf));
        }
    }
}

/// Read up to `want` bytes at `pos` (never past `len`) into `buf`.
fn read_chunk(
    file: &File,
    pos: u64,
    want: u64,
    len: u64,
    mut buf: Vec<u8>,
    pool: Option<Sender<Vec<u8>>>,
) -> io::Result<Chunk> {
    let size = want.min(len.saturating_sub(pos)) as usize;
    if buf.len() < size {
        if buf.is_empty() {
            // A fresh buffer: zeroed by the allocator (fresh pages are
            // zero), not by a loop over every byte.
            buf = vec![0; size];
        } else {
            // Zeroes only what this buffer never held before.
            buf.resize(size, 0);
        }
    }
    let mut got = 0;
    while got < size {
        match file.read_at(&mut buf[got..size], pos + got as u64) {
            Ok(0) => break,
            Ok(n) => got += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    buf.truncate(got);
    Ok(Chunk {
        start: pos,
        bytes: Bytes::from_owner(Recycled { buf, pool }),
        crcs: Vec::new(),
        cursor: 0,
    })
}

enum Framed {
    /// Every record ends inside the chunk.
    Whole,
    /// The record at `at` (of `record` bytes with its header) runs past the
    /// chunk: the next chunk starts there.
    CutAt { at: usize, record: u64 },
    /// Something other than a record: no more framing for this file.
    Stop,
}

/// Frame the records of a chunk that starts at a record boundary and
/// compute their CRCs when asked (offsets relative to the chunk).
fn frame(bytes: &[u8], crc: Option<&Crc32>, out: &mut Vec<FramedCrc>) -> Framed {
    let mut at = 0usize;
    loop {
        let Some(header) = bytes.get(at..at + HEADER).and_then(|h| h.try_into().ok()) else {
            return if at == bytes.len() {
                Framed::Whole
            } else {
                Framed::CutAt {
                    at,
                    record: HEADER_LEN,
                }
            };
        };
        let size = RecordHeader::parse(header, false).size;
        if size == 0 || size > MAX_FRAMED {
            // Zero padding, an empty record or a size no server writes:
            // the reader sorts it out.
            return Framed::Stop;
        }
        let end = at + HEADER + size as usize;
        let Some(payload) = bytes.get(at + HEADER..end) else {
            return Framed::CutAt {
                at,
                record: HEADER_LEN + size,
            };
        };
        if let Some(crc) = crc {
            out.push(FramedCrc {
                offset: at as u64,
                // At most MAX_FRAMED.
                size: size as u32,
                crc: crc.checksum(payload),
            });
        }
        at = end;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;
    use std::path::{Path, PathBuf};

    /// A message data file of records of many sizes, some larger than a
    /// chunk, and the offsets of its records.
    fn data_file(dir: &Path) -> (PathBuf, Vec<u8>, Vec<(u64, u32)>) {
        let mut bytes = 1u32.to_le_bytes().to_vec();
        let mut records = Vec::new();
        let mut seed = 7u64;
        while bytes.len() < 3 * IN_PLACE_MAX as usize {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let size = match seed >> 60 {
                0 => (CHUNK + (seed >> 40) % CHUNK) as u32, // larger than a chunk
                1..=3 => 1 + (seed >> 32) as u32 % 70_000,
                _ => 1 + (seed >> 32) as u32 % 600,
            };
            let payload: Vec<u8> = (0..size).map(|i| (i as u64 ^ seed) as u8).collect();
            records.push((bytes.len() as u64, size));
            bytes.extend(size.to_le_bytes());
            bytes.extend(Crc32::default().checksum(&payload).to_le_bytes());
            bytes.extend(payload);
        }
        let path = dir.join("msgs.1.dat");
        File::create(&path).unwrap().write_all(&bytes).unwrap();
        (path, bytes, records)
    }

    fn open(path: &Path, layout: Layout) -> ReadAhead {
        let file = File::open(path).unwrap();
        let len = file.metadata().unwrap().len();
        ReadAhead::new(file, len, layout)
    }

    #[test]
    fn sequential_records_come_whole_with_their_crcs() {
        let dir = tempfile::tempdir().unwrap();
        let (path, bytes, records) = data_file(dir.path());
        let mut ahead = open(
            &path,
            Layout::Messages {
                crc: Some(Crc32::default()),
            },
        );
        for &(offset, size) in &records {
            let len = 8 + u64::from(size);
            let range = ahead.window(offset, len).unwrap();
            let want = &bytes[offset as usize..(offset + len) as usize];
            assert_eq!(&ahead.chunk()[range], want, "record at {offset}");
            let stored = u32::from_le_bytes(want[4..8].try_into().unwrap());
            let computed = ahead.computed_crc(offset, size);
            // The first chunk is read in place, without CRCs; every later
            // record comes from the worker, CRC computed.
            if offset + len > CHUNK {
                assert_eq!(computed, Some(stored), "record at {offset}");
            } else {
                assert_eq!(computed, None, "record at {offset}");
            }
        }
        assert_eq!(ahead.workers_started, 1);
        // Past the end: nothing, and no error.
        assert!(ahead.window(bytes.len() as u64, 10).unwrap().is_empty());
    }

    #[test]
    fn any_window_holds_the_file_bytes() {
        let dir = tempfile::tempdir().unwrap();
        let (path, bytes, _) = data_file(dir.path());
        let len = bytes.len() as u64;
        for layout in [Layout::Plain, Layout::Messages { crc: None }] {
            let mut ahead = open(&path, layout);
            let mut seed = 3u64;
            let mut pos = 0u64;
            for _ in 0..3000 {
                seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1);
                // Mostly forward, sometimes far away or backwards.
                pos = match seed >> 61 {
                    0 => (seed >> 20) % len,
                    _ => (pos + (seed >> 40) % 9000) % len,
                };
                let n = match seed >> 58 & 7 {
                    0 => (seed >> 10) % (2 * CHUNK),
                    _ => (seed >> 30) % 300,
                };
                let range = ahead.window(pos, n).unwrap();
                let end = (pos + n).min(len) as usize;
                assert_eq!(
                    &ahead.chunk()[range],
                    &bytes[pos as usize..end],
                    "{pos}+{n}"
                );
            }
        }
    }

    /// Short reads that cross chunk ends (index records, headers) are
    /// served by the overlapping next chunk, not by a new worker. (33-byte
    /// steps: no chunk size can line up with them.)
    #[test]
    fn sequential_short_reads_need_one_worker() {
        let dir = tempfile::tempdir().unwrap();
        let (path, bytes, _) = data_file(dir.path());
        let mut ahead = open(&path, Layout::Plain);
        let mut pos = 4;
        while pos < bytes.len() as u64 {
            let range = ahead.window(pos, 33).unwrap();
            let end = (pos + 33).min(bytes.len() as u64) as usize;
            assert_eq!(&ahead.chunk()[range], &bytes[pos as usize..end]);
            pos += 33;
        }
        assert_eq!(ahead.workers_started, 1);
    }

    #[test]
    fn zero_padding_and_torn_tails_stop_the_framing_not_the_reading() {
        let dir = tempfile::tempdir().unwrap();
        let (path, mut bytes, records) = data_file(dir.path());
        // Zeros over the middle record, and a tail that claims more bytes
        // than the file has.
        let (mid, size) = records[records.len() / 2];
        bytes[mid as usize..(mid + 8 + u64::from(size)) as usize].fill(0);
        bytes.extend(u32::MAX.to_le_bytes());
        bytes.extend([1, 2, 3, 4, 5]);
        std::fs::write(&path, &bytes).unwrap();
        let mut ahead = open(
            &path,
            Layout::Messages {
                crc: Some(Crc32::default()),
            },
        );
        let mut pos = 0;
        while pos < bytes.len() as u64 {
            let range = ahead.window(pos, 5000).unwrap();
            let end = (pos + 5000).min(bytes.len() as u64) as usize;
            assert_eq!(&ahead.chunk()[range], &bytes[pos as usize..end]);
            assert_eq!(ahead.computed_crc(mid, size), None);
            pos += 4000;
        }
    }
}
