//! Read-only BoltDB reader (bolt / bbolt file format version 2,
//! docs/FORMAT.md 7.2).
//!
//! The file is opened with `File::open` and read with positioned reads; no
//! mmap, no lock, nothing written. Every page id, element offset and
//! overflow count is validated against the file size and the meta's
//! high-water mark before it is used, no buffer larger than the file is ever
//! allocated, and tree walks are iterative with a depth cap and a
//! visited-page set, so a damaged file gives an error naming the page and
//! its byte offset rather than a panic or a hang.

use std::collections::HashSet;
use std::fs::File;
use std::path::{Path, PathBuf};

use crate::error::{Result, StoreError};

pub const MAGIC: u32 = 0xED0C_DAED;
pub const VERSION: u32 = 2;
pub const PAGE_HEADER_SIZE: usize = 16;
const ELEMENT_SIZE: usize = 16;
/// A bucket value starts with `root u64, sequence u64`.
pub const BUCKET_HEADER_SIZE: usize = 16;

pub const FLAG_BRANCH: u16 = 0x01;
pub const FLAG_LEAF: u16 = 0x02;
pub const FLAG_META: u16 = 0x04;
pub const FLAG_FREELIST: u16 = 0x10;
/// Leaf element flag: the value is a nested bucket.
pub const BUCKET_LEAF_FLAG: u32 = 0x01;

/// B+trees deeper than this are treated as damaged (a 4 KiB-page tree of
/// 2^64 keys is far shallower).
pub const MAX_DEPTH: usize = 64;

/// Offsets where meta page 1 is looked for when meta page 0 is unusable.
const META_PROBES: [u64; 5] = [4096, 8192, 16384, 32768, 65536];
/// Bytes of a meta page that are needed (header + 64-byte meta record).
const META_BYTES: usize = 80;

/// One meta record (7.2.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Meta {
    /// Meta page number (0 or 1).
    pub page: u64,
    pub page_size: u32,
    pub flags: u32,
    pub root: u64,
    pub root_sequence: u64,
    /// Freelist page id; `u64::MAX` when the freelist is not stored.
    pub freelist: u64,
    /// High-water mark: number of pages in use.
    pub pgid: u64,
    pub txid: u64,
    pub checksum: u64,
}

/// Why a meta page is not valid.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MetaProblem {
    BadMagic(u32),
    /// The magic matches only byte-swapped: a big-endian build wrote it.
    BigEndian,
    BadVersion(u32),
    BadChecksum {
        stored: u64,
        computed: u64,
    },
    Short,
}

impl std::fmt::Display for MetaProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            MetaProblem::BadMagic(m) => write!(f, "bad magic 0x{m:08x} (expected 0x{MAGIC:08x})"),
            MetaProblem::BigEndian => {
                f.write_str("written by a big-endian build (byte-swapped magic): unsupported")
            }
            MetaProblem::BadVersion(v) => write!(f, "unsupported bolt version {v} (expected 2)"),
            MetaProblem::BadChecksum { stored, computed } => write!(
                f,
                "meta checksum mismatch (stored 0x{stored:016x}, computed 0x{computed:016x})"
            ),
            MetaProblem::Short => f.write_str("file too short for a meta page"),
        }
    }
}

/// FNV-1a 64-bit, as bolt uses for the meta checksum.
pub fn fnv1a64(data: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in data {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

fn le_u16(b: &[u8], at: usize) -> u16 {
    let mut a = [0u8; 2];
    a.copy_from_slice(&b[at..at + 2]);
    u16::from_le_bytes(a)
}

fn le_u32(b: &[u8], at: usize) -> u32 {
    let mut a = [0u8; 4];
    a.copy_from_slice(&b[at..at + 4]);
    u32::from_le_bytes(a)
}

fn le_u64(b: &[u8], at: usize) -> u64 {
    let mut a = [0u8; 8];
    a.copy_from_slice(&b[at..at + 8]);
    u64::from_le_bytes(a)
}

/// Parses and validates the meta record of a page image (at least 80
/// bytes starting at the page start), like bolt's `meta.validate`.
pub fn parse_meta(page: &[u8], page_no: u64) -> std::result::Result<Meta, MetaProblem> {
    if page.len() < META_BYTES {
        return Err(MetaProblem::Short);
    }
    let magic = le_u32(page, 16);
    if magic != MAGIC {
        if magic.swap_bytes() == MAGIC {
            return Err(MetaProblem::BigEndian);
        }
        return Err(MetaProblem::BadMagic(magic));
    }
    let version = le_u32(page, 20);
    if version != VERSION {
        return Err(MetaProblem::BadVersion(version));
    }
    let checksum = le_u64(page, 72);
    let computed = fnv1a64(&page[16..72]);
    if checksum != 0 && checksum != computed {
        return Err(MetaProblem::BadChecksum {
            stored: checksum,
            computed,
        });
    }
    Ok(Meta {
        page: page_no,
        page_size: le_u32(page, 24),
        flags: le_u32(page, 28),
        root: le_u64(page, 32),
        root_sequence: le_u64(page, 40),
        freelist: le_u64(page, 48),
        pgid: le_u64(page, 56),
        txid: le_u64(page, 64),
        checksum,
    })
}

fn plausible_page_size(ps: u32) -> bool {
    ps.is_power_of_two() && (512..=(1 << 20)).contains(&ps)
}

/// A bucket: either a tree rooted at a page, or an inline page image.
#[derive(Debug, Clone)]
pub enum Bucket {
    Paged(u64),
    /// Inline bucket: the page image and the file offset of the leaf value
    /// that holds it (for error locations).
    Inline {
        image: Vec<u8>,
        file_offset: u64,
    },
}

/// A page read from the file (with its overflow pages), or an inline
/// bucket's page image.
struct Page {
    id: u64,
    flags: u16,
    count: u16,
    buf: Vec<u8>,
    /// Byte offset of the page start in the file.
    file_offset: u64,
}

/// One leaf element.
pub struct Item<'a> {
    pub key: &'a [u8],
    pub value: &'a [u8],
    pub is_bucket: bool,
    /// Page that holds it (0 for an inline bucket).
    pub page: u64,
    /// File offset of the element's key (best effort for inline buckets).
    pub offset: u64,
}

/// An open BoltDB file.
pub struct BoltDb {
    file: File,
    path: PathBuf,
    len: u64,
    page_size: u64,
    meta: Meta,
    /// The other valid meta (previous commit), if any.
    other: Option<Meta>,
    /// Problems with the meta pages that did not prevent opening.
    pub meta_notes: Vec<String>,
}

impl BoltDb {
    pub fn open(path: &Path) -> Result<BoltDb> {
        let file = crate::safe_fs::open_regular(path)?;
        let len = file.metadata().map_err(|e| StoreError::io(path, e))?.len();
        let mut db = BoltDb {
            file,
            path: path.to_path_buf(),
            len,
            page_size: 4096,
            meta: Meta {
                page: 0,
                page_size: 0,
                flags: 0,
                root: 0,
                root_sequence: 0,
                freelist: 0,
                pgid: 0,
                txid: 0,
                checksum: 0,
            },
            other: None,
            meta_notes: Vec::new(),
        };
        if len < META_BYTES as u64 {
            return Err(StoreError::corrupt(
                path,
                0,
                format!("not a BoltDB file: only {len} bytes"),
            ));
        }
        let m0 = db.read_meta_at(0, 0);
        // Page size: from meta 0 if valid, else probe for meta 1.
        let (page_size, m1) = match &m0 {
            Ok(m) if plausible_page_size(m.page_size) => {
                let ps = u64::from(m.page_size);
                (Some(ps), db.read_meta_at(ps, 1))
            }
            _ => {
                let mut found = None;
                for off in META_PROBES {
                    if let Ok(m) = db.read_meta_at(off, 1) {
                        if u64::from(m.page_size) == off {
                            found = Some((off, Ok(m)));
                            break;
                        }
                    }
                }
                match found {
                    Some((ps, m)) => (Some(ps), m),
                    None => (None, Err(MetaProblem::Short)),
                }
            }
        };
        if let Err(p) = &m0 {
            db.meta_notes
                .push(format!("meta page 0 (offset 0) is invalid: {p}"));
        }
        let Some(page_size) = page_size else {
            let why = match &m0 {
                Err(p) => p.to_string(),
                Ok(m) => format!("implausible page size {}", m.page_size),
            };
            return Err(StoreError::corrupt(
                path,
                0,
                format!(
                    "not a readable BoltDB file: meta page 0: {why}; no valid meta page 1 found"
                ),
            ));
        };
        db.page_size = page_size;
        if let Err(p) = &m1 {
            db.meta_notes
                .push(format!("meta page 1 (offset {page_size}) is invalid: {p}"));
        }
        let m0 = m0.ok().filter(|m| u64::from(m.page_size) == page_size);
        let m1 = m1.ok().filter(|m| u64::from(m.page_size) == page_size);
        // DB.meta(): the higher txid if valid, else the other one.
        let (meta, other) = match (m0, m1) {
            (Some(a), Some(b)) => {
                if b.txid > a.txid {
                    (b, Some(a))
                } else {
                    (a, Some(b))
                }
            }
            (Some(a), None) => (a, None),
            (None, Some(b)) => (b, None),
            (None, None) => {
                let big_endian = matches!(db.read_meta_at(0, 0), Err(MetaProblem::BigEndian));
                let message = if big_endian {
                    "BoltDB file written by a big-endian build: unsupported".to_string()
                } else {
                    format!(
                        "both BoltDB meta pages are invalid ({})",
                        db.meta_notes.join("; ")
                    )
                };
                return Err(StoreError::corrupt(path, 0, message));
            }
        };
        db.meta = meta;
        db.other = other;
        if len < meta.pgid.saturating_mul(page_size) {
            db.meta_notes.push(format!(
                "file is {len} bytes but the meta (txid {}) says {} pages of {page_size} bytes are in use: truncated?",
                meta.txid, meta.pgid
            ));
        }
        Ok(db)
    }

    fn read_meta_at(&self, offset: u64, page_no: u64) -> std::result::Result<Meta, MetaProblem> {
        if offset.saturating_add(META_BYTES as u64) > self.len {
            return Err(MetaProblem::Short);
        }
        let mut buf = [0u8; META_BYTES];
        self.read_at(offset, &mut buf)
            .map_err(|_| MetaProblem::Short)?;
        parse_meta(&buf, page_no)
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn page_size(&self) -> u64 {
        self.page_size
    }

    pub fn file_len(&self) -> u64 {
        self.len
    }

    /// The meta in use.
    pub fn meta(&self) -> &Meta {
        &self.meta
    }

    /// The other valid meta (the previous commit), if any.
    pub fn other_meta(&self) -> Option<&Meta> {
        self.other.as_ref()
    }

    /// Switches to the other valid meta (the previous commit). Returns
    /// false when there is none.
    pub fn use_other_meta(&mut self) -> bool {
        match self.other.take() {
            Some(o) => {
                self.other = Some(self.meta);
                self.meta = o;
                true
            }
            None => false,
        }
    }

    #[cfg(unix)]
    fn read_at(&self, offset: u64, buf: &mut [u8]) -> std::io::Result<()> {
        use std::os::unix::fs::FileExt;
        self.file.read_exact_at(buf, offset)
    }

    #[cfg(not(unix))]
    fn read_at(&self, offset: u64, buf: &mut [u8]) -> std::io::Result<()> {
        use std::io::{Read, Seek, SeekFrom};
        let mut f = &self.file;
        f.seek(SeekFrom::Start(offset))?;
        f.read_exact(buf)
    }

    fn corrupt(&self, offset: u64, message: impl Into<String>) -> StoreError {
        StoreError::corrupt(&self.path, offset, message)
    }

    /// Reads page `pgid` with its overflow pages after validating it.
    fn read_page(&self, pgid: u64) -> Result<Page> {
        let ps = self.page_size;
        let offset = pgid.saturating_mul(ps);
        if pgid < 2 {
            return Err(self.corrupt(
                offset,
                format!("tree references page {pgid}, which is a meta page"),
            ));
        }
        if pgid >= self.meta.pgid {
            return Err(self.corrupt(
                offset,
                format!(
                    "tree references page {pgid}, beyond the high-water mark of {} pages (meta txid {})",
                    self.meta.pgid, self.meta.txid
                ),
            ));
        }
        if offset.saturating_add(ps) > self.len {
            return Err(self.corrupt(
                offset,
                format!(
                    "page {pgid} lies beyond the end of the file ({} bytes): file truncated?",
                    self.len
                ),
            ));
        }
        let mut head = [0u8; PAGE_HEADER_SIZE];
        self.read_at(offset, &mut head)
            .map_err(|e| StoreError::io(&self.path, e))?;
        let id = le_u64(&head, 0);
        let flags = le_u16(&head, 8);
        let count = le_u16(&head, 10);
        let overflow = le_u32(&head, 12);
        if id != pgid {
            return Err(self.corrupt(
                offset,
                format!("page {pgid} has id {id} in its header (torn or stale page)"),
            ));
        }
        let pages = u64::from(overflow) + 1;
        let end_page = pgid.saturating_add(pages);
        if end_page > self.meta.pgid {
            return Err(self.corrupt(
                offset,
                format!(
                    "page {pgid} claims {overflow} overflow page(s), past the high-water mark of {} pages",
                    self.meta.pgid
                ),
            ));
        }
        let size = pages.saturating_mul(ps);
        if offset.saturating_add(size) > self.len {
            return Err(self.corrupt(
                offset,
                format!(
                    "page {pgid} with {overflow} overflow page(s) extends beyond the end of the file ({} bytes): file truncated?",
                    self.len
                ),
            ));
        }
        let size = usize::try_from(size)
            .map_err(|_| self.corrupt(offset, format!("page {pgid} is too large")))?;
        let mut buf = vec![0u8; size];
        self.read_at(offset, &mut buf)
            .map_err(|e| StoreError::io(&self.path, e))?;
        Ok(Page {
            id: pgid,
            flags,
            count,
            buf,
            file_offset: offset,
        })
    }

    fn inline_page(&self, image: &[u8], file_offset: u64) -> Result<Page> {
        if image.len() < PAGE_HEADER_SIZE {
            return Err(self.corrupt(
                file_offset,
                format!("inline bucket of {} bytes is too short", image.len()),
            ));
        }
        Ok(Page {
            id: le_u64(image, 0),
            flags: le_u16(image, 8),
            count: le_u16(image, 10),
            buf: image.to_vec(),
            file_offset,
        })
    }

    /// The top-level bucket (the meta's root).
    pub fn root(&self) -> Bucket {
        Bucket::Paged(self.meta.root)
    }

    /// Every leaf element of `bucket`, in key order. `f` may stop the walk
    /// early by returning `Ok(false)`.
    pub fn for_each(
        &self,
        bucket: &Bucket,
        f: &mut dyn FnMut(Item<'_>) -> Result<bool>,
    ) -> Result<()> {
        match bucket {
            Bucket::Inline { image, file_offset } => {
                let page = self.inline_page(image, *file_offset)?;
                if page.flags & FLAG_LEAF == 0 {
                    return Err(self.corrupt(
                        *file_offset,
                        format!(
                            "inline bucket page has flags 0x{:02x} (expected a leaf)",
                            page.flags
                        ),
                    ));
                }
                for i in 0..usize::from(page.count) {
                    let item = self.leaf_elem(&page, i)?;
                    if !f(item)? {
                        return Ok(());
                    }
                }
                Ok(())
            }
            Bucket::Paged(root) => {
                let mut visited: HashSet<u64> = HashSet::new();
                let mut stack: Vec<(u64, usize)> = vec![(*root, 0)];
                while let Some((pgid, depth)) = stack.pop() {
                    if depth > MAX_DEPTH {
                        return Err(self.corrupt(
                            pgid.saturating_mul(self.page_size),
                            format!("B+tree deeper than {MAX_DEPTH} levels at page {pgid}"),
                        ));
                    }
                    if !visited.insert(pgid) {
                        return Err(self.corrupt(
                            pgid.saturating_mul(self.page_size),
                            format!("page {pgid} is referenced twice in one tree (cycle)"),
                        ));
                    }
                    let page = self.read_page(pgid)?;
                    if page.flags & FLAG_BRANCH != 0 {
                        let mut children = Vec::with_capacity(usize::from(page.count));
                        for i in 0..usize::from(page.count) {
                            let (_, child) = self.branch_elem(&page, i)?;
                            children.push(child);
                        }
                        for child in children.into_iter().rev() {
                            stack.push((child, depth + 1));
                        }
                    } else if page.flags & FLAG_LEAF != 0 {
                        for i in 0..usize::from(page.count) {
                            let item = self.leaf_elem(&page, i)?;
                            if !f(item)? {
                                return Ok(());
                            }
                        }
                    } else {
                        return Err(self.corrupt(
                            page.file_offset,
                            format!(
                                "page {pgid} has flags 0x{:02x} where a branch or leaf page was expected",
                                page.flags
                            ),
                        ));
                    }
                }
                Ok(())
            }
        }
    }

    /// Looks up `key` in `bucket`: `(value, is_bucket)`.
    pub fn get(&self, bucket: &Bucket, key: &[u8]) -> Result<Option<(Vec<u8>, bool, u64)>> {
        let mut page = match bucket {
            Bucket::Inline { image, file_offset } => self.inline_page(image, *file_offset)?,
            Bucket::Paged(root) => self.read_page(*root)?,
        };
        let mut depth = 0;
        loop {
            if page.flags & FLAG_LEAF != 0 {
                for i in 0..usize::from(page.count) {
                    let item = self.leaf_elem(&page, i)?;
                    if item.key == key {
                        return Ok(Some((item.value.to_vec(), item.is_bucket, item.offset)));
                    }
                }
                return Ok(None);
            }
            if page.flags & FLAG_BRANCH == 0 || matches!(bucket, Bucket::Inline { .. }) {
                return Err(self.corrupt(
                    page.file_offset,
                    format!(
                        "page {} has flags 0x{:02x} where a branch or leaf page was expected",
                        page.id, page.flags
                    ),
                ));
            }
            depth += 1;
            if depth > MAX_DEPTH {
                return Err(self.corrupt(
                    page.file_offset,
                    format!("B+tree deeper than {MAX_DEPTH} levels"),
                ));
            }
            // The last child whose first key is <= key (or the first).
            let mut child = None;
            for i in 0..usize::from(page.count) {
                let (k, c) = self.branch_elem(&page, i)?;
                if i == 0 || k <= key {
                    child = Some(c);
                }
                if k > key {
                    break;
                }
            }
            let Some(child) = child else {
                return Ok(None);
            };
            if child == page.id {
                return Err(self.corrupt(
                    page.file_offset,
                    format!("branch page {} references itself", page.id),
                ));
            }
            page = self.read_page(child)?;
        }
    }

    /// Opens the nested bucket `name` of `parent`.
    pub fn bucket(&self, parent: &Bucket, name: &[u8]) -> Result<Option<Bucket>> {
        let Some((value, is_bucket, offset)) = self.get(parent, name)? else {
            return Ok(None);
        };
        if !is_bucket {
            return Err(self.corrupt(
                offset,
                format!(
                    "key {:?} is a plain value where a bucket was expected",
                    String::from_utf8_lossy(name)
                ),
            ));
        }
        self.bucket_from_value(&value, offset).map(Some)
    }

    /// Interprets a leaf value flagged as a bucket.
    pub fn bucket_from_value(&self, value: &[u8], offset: u64) -> Result<Bucket> {
        if value.len() < BUCKET_HEADER_SIZE {
            return Err(self.corrupt(
                offset,
                format!("bucket header of {} bytes (expected 16)", value.len()),
            ));
        }
        let root = le_u64(value, 0);
        if root == 0 {
            Ok(Bucket::Inline {
                image: value[BUCKET_HEADER_SIZE..].to_vec(),
                file_offset: offset,
            })
        } else {
            Ok(Bucket::Paged(root))
        }
    }

    fn elem_bounds(&self, page: &Page, i: usize) -> Result<usize> {
        let at = PAGE_HEADER_SIZE + i * ELEMENT_SIZE;
        if at + ELEMENT_SIZE > page.buf.len() {
            return Err(self.corrupt(
                page.file_offset,
                format!(
                    "page {}: element {i} of {} lies outside the page",
                    page.id, page.count
                ),
            ));
        }
        Ok(at)
    }

    fn slice<'p>(
        &self,
        page: &'p Page,
        at: usize,
        pos: u32,
        len: u64,
        what: &str,
        i: usize,
    ) -> Result<&'p [u8]> {
        let start = (at as u64).saturating_add(u64::from(pos));
        let end = start.saturating_add(len);
        if end > page.buf.len() as u64 {
            return Err(self.corrupt(
                page.file_offset + at as u64,
                format!(
                    "page {}: element {i} {what} ({len} bytes at +{pos}) runs past the end of the page ({} bytes)",
                    page.id,
                    page.buf.len()
                ),
            ));
        }
        Ok(&page.buf[start as usize..end as usize])
    }

    fn branch_elem<'p>(&self, page: &'p Page, i: usize) -> Result<(&'p [u8], u64)> {
        let at = self.elem_bounds(page, i)?;
        let pos = le_u32(&page.buf, at);
        let ksize = le_u32(&page.buf, at + 4);
        let child = le_u64(&page.buf, at + 8);
        let key = self.slice(page, at, pos, u64::from(ksize), "key", i)?;
        Ok((key, child))
    }

    fn leaf_elem<'p>(&self, page: &'p Page, i: usize) -> Result<Item<'p>> {
        let at = self.elem_bounds(page, i)?;
        let flags = le_u32(&page.buf, at);
        let pos = le_u32(&page.buf, at + 4);
        let ksize = le_u32(&page.buf, at + 8);
        let vsize = le_u32(&page.buf, at + 12);
        let both = self.slice(
            page,
            at,
            pos,
            u64::from(ksize) + u64::from(vsize),
            "key/value",
            i,
        )?;
        let (key, value) = both.split_at(ksize as usize);
        Ok(Item {
            key,
            value,
            is_bucket: flags & BUCKET_LEAF_FLAG != 0,
            page: page.id,
            offset: page.file_offset + at as u64 + u64::from(pos),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_util::hex;

    /// docs/FORMAT.md 7.10: meta page 0 of a small log.
    #[test]
    fn meta_test_vector() {
        let page = hex(
            "0000000000000000 0400 0000 00000000 edda0ced 02000000 00100000 00000000
             0a00000000000000 0000000000000000 ffffffffffffffff 0b00000000000000
             3e00000000000000 8cc758b2ad0e1291",
        );
        assert_eq!(page.len(), 80);
        let m = parse_meta(&page, 0).unwrap();
        assert_eq!(m.page_size, 4096);
        assert_eq!(m.root, 10);
        assert_eq!(m.freelist, u64::MAX);
        assert_eq!(m.pgid, 11);
        assert_eq!(m.txid, 62);
        assert_eq!(m.checksum, fnv1a64(&page[16..72]));

        let mut bad = page.clone();
        bad[70] ^= 1;
        assert!(matches!(
            parse_meta(&bad, 0),
            Err(MetaProblem::BadChecksum { .. })
        ));
        let mut swapped = page.clone();
        swapped[16..20].copy_from_slice(&MAGIC.to_be_bytes());
        assert_eq!(parse_meta(&swapped, 0), Err(MetaProblem::BigEndian));
        let mut v = page;
        v[20] = 1;
        assert_eq!(parse_meta(&v, 0), Err(MetaProblem::BadVersion(1)));
    }
}
