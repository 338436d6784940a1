//! The one place every store file is opened and every path stanctl is asked
//! to write is vetted: only regular files are read (a FIFO in place of a
//! store file would block `open(2)` forever), a file the store needs and
//! cannot open is an error (only a truly absent optional file is absent),
//! and a file is described by what it looks like before anything replaces
//! it.

use std::fs::{self, File, Metadata};
use std::io::{ErrorKind, Read};
use std::os::unix::fs::{FileTypeExt, OpenOptionsExt};
use std::path::{Path, PathBuf};

use crate::error::{Result, StoreError};

/// The header every SQLite database file starts with.
pub const SQLITE_HEADER: &[u8; 16] = b"SQLite format 3\0";

/// What kind of file system object `meta` describes, for messages.
pub fn kind_of(meta: &Metadata) -> &'static str {
    let t = meta.file_type();
    if t.is_dir() {
        "a directory"
    } else if t.is_symlink() {
        "a symbolic link"
    } else if t.is_fifo() {
        "a FIFO"
    } else if t.is_socket() {
        "a socket"
    } else if t.is_block_device() {
        "a block device"
    } else if t.is_char_device() {
        "a character device"
    } else {
        "a regular file"
    }
}

/// Why `path` could not be opened: what is not a regular file is named
/// (`open(2)` of a socket fails with "No such device or address"), and a
/// symbolic link that leads nowhere (or loops) as such, not as "no such
/// file".
fn open_error(path: &Path, e: std::io::Error) -> StoreError {
    if let Ok(meta) = fs::metadata(path) {
        if !meta.file_type().is_file() {
            return not_regular(path, &meta);
        }
    }
    let is_link = fs::symlink_metadata(path)
        .map(|m| m.file_type().is_symlink())
        .unwrap_or(false);
    if is_link {
        let to = fs::read_link(path)
            .map(|t| format!(" to {}", t.display()))
            .unwrap_or_default();
        let why = match e.raw_os_error() {
            Some(libc::ELOOP) => "whose links loop".to_string(),
            _ if e.kind() == ErrorKind::NotFound => "which leads nowhere".to_string(),
            _ => format!("that cannot be followed: {e}"),
        };
        return StoreError::File {
            path: path.to_path_buf(),
            message: format!("is a symbolic link{to} {why}; the store needs this file"),
        };
    }
    StoreError::io(path, e)
}

/// Opens a store file read-only. Anything but a regular file (after
/// following symbolic links) is refused. The open is non-blocking, so a
/// FIFO is refused instead of waiting for a writer; on a regular file
/// `O_NONBLOCK` has no effect.
pub fn open_regular(path: &Path) -> Result<File> {
    let file = fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK | libc::O_NOCTTY)
        .open(path)
        .map_err(|e| open_error(path, e))?;
    let meta = file.metadata().map_err(|e| StoreError::io(path, e))?;
    if !meta.file_type().is_file() {
        return Err(not_regular(path, &meta));
    }
    Ok(file)
}

/// [`open_regular`] for readers that report `io::Error`s (`check`): a
/// truly absent file keeps its `NotFound` kind, anything else that is
/// refused (FIFO, dangling link, ...) is an error of another kind whose
/// message says why.
pub fn open_regular_io(path: &Path) -> std::io::Result<File> {
    open_regular(path).map_err(|e| match e {
        StoreError::Io { error, .. } => error,
        StoreError::File { message, .. } => std::io::Error::other(message),
        other => std::io::Error::other(other.to_string()),
    })
}

/// The whole of a small store file (snapshot meta, server.dat), opened
/// with [`open_regular`].
pub fn read_regular(path: &Path) -> Result<Vec<u8>> {
    let mut bytes = Vec::new();
    open_regular(path)?
        .read_to_end(&mut bytes)
        .map_err(|e| StoreError::io(path, e))?;
    Ok(bytes)
}

/// Like [`open_regular`], but `Ok(None)` when nothing at all is at `path`.
/// A dangling or looping symbolic link, an unreadable file or anything
/// that is not a regular file is an error.
pub fn open_optional(path: &Path) -> Result<Option<File>> {
    match fs::symlink_metadata(path) {
        Err(e) if e.kind() == ErrorKind::NotFound => Ok(None),
        Err(e) => Err(StoreError::io(path, e)),
        Ok(_) => open_regular(path).map(Some),
    }
}

/// Whether something (even a dangling symbolic link) is at `path`.
pub fn is_present(path: &Path) -> Result<bool> {
    match fs::symlink_metadata(path) {
        Ok(_) => Ok(true),
        Err(e) if e.kind() == ErrorKind::NotFound => Ok(false),
        Err(e) => Err(StoreError::io(path, e)),
    }
}

/// Checks, without opening it, that `path` is a regular file (after
/// following symbolic links); `Ok(false)` when nothing is there.
pub fn check_regular_if_present(path: &Path) -> Result<bool> {
    if !is_present(path)? {
        return Ok(false);
    }
    let meta = fs::metadata(path).map_err(|e| open_error(path, e))?;
    if !meta.file_type().is_file() {
        return Err(not_regular(path, &meta));
    }
    Ok(true)
}

fn not_regular(path: &Path, meta: &Metadata) -> StoreError {
    StoreError::File {
        path: path.to_path_buf(),
        message: format!("is {}, not a regular file", kind_of(meta)),
    }
}

/// What the file at `path` looks like, for a refusal to replace it:
/// "an empty file", "a SQLite database", "a text file", "a binary file",
/// "a directory", "a FIFO", ...
pub fn describe(path: &Path) -> Result<String> {
    let meta = fs::metadata(path).map_err(|e| open_error(path, e))?;
    if !meta.file_type().is_file() {
        return Ok(kind_of(&meta).to_string());
    }
    if meta.len() == 0 {
        return Ok("an empty file".into());
    }
    let mut head = Vec::with_capacity(4096);
    open_regular(path)?
        .take(4096)
        .read_to_end(&mut head)
        .map_err(|e| StoreError::io(path, e))?;
    Ok(if head.starts_with(SQLITE_HEADER) {
        "a SQLite database".into()
    } else if !head.contains(&0) && looks_like_text(&head) {
        "a text file".into()
    } else {
        "a binary file".into()
    })
}

/// UTF-8 (a character cut at the end of the sample is fine).
fn looks_like_text(head: &[u8]) -> bool {
    match std::str::from_utf8(head) {
        Ok(_) => true,
        Err(e) => e.error_len().is_none(),
    }
}

/// `path` with symbolic links resolved; for a path that does not exist yet,
/// its nearest existing ancestor is resolved and the rest appended.
pub fn resolve(path: &Path) -> Result<PathBuf> {
    let abs = if path.is_absolute() {
        path.to_path_buf()
    } else {
        std::env::current_dir()
            .map_err(|e| StoreError::io(".", e))?
            .join(path)
    };
    let mut rest = Vec::new();
    let mut cur = abs.as_path();
    loop {
        match fs::canonicalize(cur) {
            Ok(real) => {
                let mut out = real;
                for part in rest.iter().rev() {
                    out.push(part);
                }
                return Ok(out);
            }
            Err(e) => match (cur.parent(), cur.file_name()) {
                (Some(parent), Some(name)) => {
                    rest.push(name.to_owned());
                    cur = parent;
                }
                _ => return Err(StoreError::io(path, e)),
            },
        }
    }
}

/// Refuses a target inside the source store or a source inside the target
/// (symbolic links resolved first): writing there would change the source
/// or read what is being written.
pub fn ensure_apart(source: &Path, target: &Path) -> Result<()> {
    let (src, dst) = (resolve(source)?, resolve(target)?);
    let why = if dst == src {
        "is the source store itself"
    } else if dst.starts_with(&src) {
        "is inside the source store"
    } else if src.starts_with(&dst) {
        "contains the source store"
    } else {
        return Ok(());
    };
    Err(StoreError::Invalid(format!(
        "the target {} {why} ({}); choose a target outside it",
        target.display(),
        source.display()
    )))
}

/// An output file written under a temporary name in the same directory
/// and renamed over `path` by [`AtomicOutput::commit`]; dropped before
/// that, the temporary file is removed and `path` stays as it was.
pub struct AtomicOutput {
    path: PathBuf,
    tmp: PathBuf,
    file: File,
    committed: bool,
}

impl AtomicOutput {
    pub fn create(path: &Path) -> Result<AtomicOutput> {
        let name = path
            .file_name()
            .ok_or_else(|| StoreError::Invalid(format!("{}: not a file name", path.display())))?;
        let mut tmp_name = std::ffi::OsString::from(".");
        tmp_name.push(name);
        tmp_name.push(format!(".stanctl-partial-{}", std::process::id()));
        let tmp = path.with_file_name(tmp_name);
        let file = fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&tmp)
            .map_err(|e| StoreError::io(&tmp, e))?;
        Ok(AtomicOutput {
            path: path.to_path_buf(),
            tmp,
            file,
            committed: false,
        })
    }

    pub fn file(&mut self) -> &mut File {
        &mut self.file
    }

    /// Syncs the temporary file and renames it over the target.
    pub fn commit(mut self) -> Result<()> {
        self.file
            .sync_all()
            .map_err(|e| StoreError::io(&self.tmp, e))?;
        fs::rename(&self.tmp, &self.path).map_err(|e| StoreError::io(&self.path, e))?;
        self.committed = true;
        Ok(())
    }
}

impl Drop for AtomicOutput {
    fn drop(&mut self) {
        if !self.committed {
            let _ = fs::remove_file(&self.tmp);
        }
    }
}

/// The pid of a process holding a POSIX write lock on `path` (the server's
/// `.rootdir.lck`), if any. Asks with `fcntl(F_GETLK)`, which only reports
/// and never takes the lock; the file is opened with [`open_regular`], so a
/// FIFO in its place is not waited on.
#[allow(unsafe_code)]
pub fn lock_holder(path: &Path) -> Option<i32> {
    use std::os::fd::AsRawFd;
    let file = open_regular(path).ok()?;
    // SAFETY: `flock` is a plain C struct of integers, for which all-zero
    // bytes are a valid value.
    let mut lock: libc::flock = unsafe { std::mem::zeroed() };
    lock.l_type = libc::F_WRLCK as libc::c_short;
    lock.l_whence = libc::SEEK_SET as libc::c_short;
    // SAFETY: F_GETLK takes a pointer to a `flock`, which `&mut lock` is and
    // stays for the whole call; `file` keeps the descriptor open until after
    // it returns. The call only writes into `lock`.
    let rc = unsafe { libc::fcntl(file.as_raw_fd(), libc::F_GETLK, &mut lock) };
    (rc == 0 && lock.l_type != libc::F_UNLCK as libc::c_short).then_some(lock.l_pid)
}

/// The next extent of `file` that may hold data at or after `from`, as
/// `(start, end)`: `lseek(SEEK_DATA)` then `lseek(SEEK_HOLE)`, so a sparse
/// file's holes (zeros that take no disk) are skipped without reading them.
/// `None` when only a hole follows. A file system without the two (or any
/// other error) gives `(from, u64::MAX)`: read everything, as before.
/// Moves the descriptor's offset; readers here use positioned reads.
#[allow(unsafe_code)]
pub fn data_extent(file: &File, from: u64) -> Option<(u64, u64)> {
    use std::os::fd::AsRawFd;
    let everything = Some((from, u64::MAX));
    let Ok(at) = libc::off_t::try_from(from) else {
        return everything;
    };
    // SAFETY: lseek takes a descriptor and integers; `file` keeps the
    // descriptor open for the call.
    let data = unsafe { libc::lseek(file.as_raw_fd(), at, libc::SEEK_DATA) };
    if data < 0 {
        return match std::io::Error::last_os_error().raw_os_error() {
            Some(libc::ENXIO) => None,
            _ => everything,
        };
    }
    // SAFETY: as above.
    let hole = unsafe { libc::lseek(file.as_raw_fd(), data, libc::SEEK_HOLE) };
    match (u64::try_from(data), u64::try_from(hole)) {
        (Ok(d), Ok(h)) if h > d => Some((d, h)),
        _ => everything,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn apart_and_nested() {
        let tmp = tempfile::tempdir().unwrap();
        let src = tmp.path().join("src");
        fs::create_dir(&src).unwrap();
        assert!(ensure_apart(&src, &tmp.path().join("dst")).is_ok());
        assert!(ensure_apart(&src, &tmp.path().join("src2")).is_ok());
        assert!(ensure_apart(&src, &src.join("sub/deeper")).is_err());
        assert!(ensure_apart(&src, tmp.path()).is_err());
        assert!(ensure_apart(&src, &src).is_err());
        // Through a symbolic link.
        let link = tmp.path().join("link");
        std::os::unix::fs::symlink(&src, &link).unwrap();
        assert!(ensure_apart(&src, &link.join("sub")).is_err());
    }

    #[test]
    fn descriptions() {
        let tmp = tempfile::tempdir().unwrap();
        let p = tmp.path().join("f");
        fs::write(&p, "").unwrap();
        assert_eq!(describe(&p).unwrap(), "an empty file");
        fs::write(&p, "root:x:0:0:root:/root:/bin/bash\n").unwrap();
        assert_eq!(describe(&p).unwrap(), "a text file");
        fs::write(&p, [0u8, 1, 2, 0xff]).unwrap();
        assert_eq!(describe(&p).unwrap(), "a binary file");
        assert_eq!(describe(tmp.path()).unwrap(), "a directory");
    }
}
