//! Partial outputs: the hidden `.NAME.stanctl-partial-PID[-N]` directory or
//! SQLite file a migration builds next to its target before renaming it
//! into place. They are registered while they exist, so that SIGINT or
//! SIGTERM removes them before the process exits, and a later migration
//! to the same target removes those whose process is gone (SIGKILL, a
//! crash, a kill between commit and rename) and says so.

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use crate::error::{Result, StoreError};

/// Partial outputs of this process that still exist.
static LIVE: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());

/// Leftovers of dead processes removed so far, for the caller to report.
static REMOVED: Mutex<Vec<Leftover>> = Mutex::new(Vec::new());

/// Files SQLite keeps beside a database.
const SQLITE_SIDE_FILES: [&str; 3] = ["-journal", "-wal", "-shm"];

/// The hidden name of a partial output for `target`, unique to this
/// process (`tag` tells apart several in one process).
pub fn partial_path(target: &Path, tag: Option<u64>) -> PathBuf {
    let dir = match target.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let base = target
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "store".into());
    let pid = std::process::id();
    dir.join(match tag {
        Some(n) => format!(".{base}.stanctl-partial-{pid}-{n}"),
        None => format!(".{base}.stanctl-partial-{pid}"),
    })
}

fn live() -> std::sync::MutexGuard<'static, Vec<PathBuf>> {
    LIVE.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Remember `path` until [`forget`]: an interrupt removes it.
pub fn register(path: &Path) {
    live().push(path.to_path_buf());
}

/// `path` was renamed into place or removed.
pub fn forget(path: &Path) {
    live().retain(|p| p != path);
}

/// Remove a partial output (a directory, or a SQLite file and its side
/// files). Retries: the writer may add a file while the tree is removed.
pub fn remove(path: &Path) {
    for _ in 0..5 {
        let gone = match std::fs::symlink_metadata(path) {
            Err(_) => true,
            Ok(m) if m.is_dir() => std::fs::remove_dir_all(path).is_ok(),
            Ok(_) => std::fs::remove_file(path).is_ok(),
        };
        if gone {
            break;
        }
    }
    for suffix in SQLITE_SIDE_FILES {
        let mut side = path.as_os_str().to_owned();
        side.push(suffix);
        let _ = std::fs::remove_file(PathBuf::from(side));
    }
}

/// On SIGINT or SIGTERM: remove this process's partial outputs, then exit
/// with 128 + the signal (130, 143) as a shell reports it.
pub fn remove_on_interrupt() -> Result<()> {
    use signal_hook::consts::{SIGINT, SIGTERM};
    let mut signals = signal_hook::iterator::Signals::new([SIGINT, SIGTERM])
        .map_err(|e| StoreError::Invalid(format!("cannot handle SIGINT/SIGTERM: {e}")))?;
    std::thread::spawn(move || {
        if let Some(signal) = signals.forever().next() {
            let paths = std::mem::take(&mut *live());
            for path in &paths {
                remove(path);
            }
            std::process::exit(128 + signal);
        }
    });
    Ok(())
}

/// A partial output left by a process that is gone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Leftover {
    pub path: PathBuf,
    pub pid: u32,
}

/// Remove the partial outputs for `target` whose process no longer runs;
/// [`take_removed`] tells which.
pub fn remove_dead(target: &Path) {
    let removed = find_and_remove_dead(target);
    REMOVED
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
        .extend(removed);
}

/// The leftovers [`remove_dead`] removed since the last call.
pub fn take_removed() -> Vec<Leftover> {
    std::mem::take(
        &mut *REMOVED
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner()),
    )
}

fn find_and_remove_dead(target: &Path) -> Vec<Leftover> {
    // Whether a process runs is read from /proc; without it, remove nothing.
    if !Path::new("/proc/self").exists() {
        return Vec::new();
    }
    let probe = partial_path(target, None);
    let (Some(dir), Some(name)) = (probe.parent(), probe.file_name()) else {
        return Vec::new();
    };
    let own = std::process::id();
    let name = name.to_string_lossy();
    let prefix = name.trim_end_matches(|c: char| c.is_ascii_digit());
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut removed = Vec::new();
    for entry in entries.flatten() {
        let file_name = entry.file_name().to_string_lossy().into_owned();
        let Some(rest) = file_name.strip_prefix(prefix) else {
            continue;
        };
        if SQLITE_SIDE_FILES.iter().any(|s| rest.ends_with(s)) {
            continue; // removed with their database
        }
        let Ok(pid) = rest.split('-').next().unwrap_or("").parse::<u32>() else {
            continue;
        };
        if pid == own || Path::new("/proc").join(pid.to_string()).exists() {
            continue;
        }
        let path = entry.path();
        remove(&path);
        removed.push(Leftover { path, pid });
    }
    removed
}
