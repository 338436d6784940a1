//! The file store (`-store file`): read-only recovery of a store directory
//! exactly as the server would do it (docs/FORMAT.md sections 1-2).

pub mod problem;
pub mod readahead;
pub mod record;
pub mod replay;
pub mod slice;
pub mod walk;
pub mod writer;

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use bytes::Bytes;
use prost::Message as _;

use crate::crc::Crc32;
use crate::error::{Result, StoreError};
use crate::finding::Code;
use crate::model::{
    ChannelCounts, ChannelStats, Client, Finding, Limits, LimitsSource, Message, MessageRange,
    MessageRef, ServerInfo, Severity, Subscription,
};
use crate::proto::{
    self, ClientDelete, ClientInfo, MsgProto, MsgView, SubState, SubStateDelete, SubStateUpdate,
};
use crate::store::{MessageIter, StoreReader, Visit};
use problem::RecordProblem;
use record::{
    ChunkReader, Framing, Next, RecordReader, CLIENT_ADD, CLIENT_DELETE, KNOWN_POLYS, SUB_ACK,
    SUB_DELETE, SUB_MSG, SUB_NEW, SUB_UPDATE,
};
use replay::{ClientsReplay, ReplayedSub, SubsReplay};
pub use slice::ReadOptions;
use slice::{
    index_file_name, slice_name, FindingLog, IndexEntry, SliceCursor, SliceFiles, SliceName,
    SliceState, SliceSummary,
};
use walk::{CrcMismatch, LogEnd};

/// Limits of a channel by name, from the server configuration.
pub type LimitsFn = Arc<dyn Fn(&str) -> Limits + Send + Sync>;

/// How to read a file store.
#[derive(Clone)]
pub struct FileStoreOptions {
    /// The server's `file_crc_poly` (reversed notation).
    pub crc_poly: u32,
    /// The server's `file_crc`: verify CRCs when reading.
    pub verify_crc: bool,
    /// The server's configured limits, applied as recovery would. `None`:
    /// show what is on disk.
    pub limits: Option<LimitsFn>,
    /// "Now" for age limits, in ns since the Unix epoch.
    pub now_ns: i64,
}

impl Default for FileStoreOptions {
    fn default() -> Self {
        FileStoreOptions {
            crc_poly: crate::crc::IEEE,
            verify_crc: true,
            limits: None,
            now_ns: now_ns(),
        }
    }
}

pub fn now_ns() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos() as i64)
        .unwrap_or(0)
}

/// A recovered channel: its non-empty slices, lowest number first, and the
/// first sequence left after limits.
#[derive(Debug, Clone)]
struct ChannelState {
    slices: Vec<SliceState>,
    /// Every recovered slice, shadowed ones included.
    recovered: Vec<SliceSummary>,
    stats: ChannelStats,
}

/// A file store opened read-only.
pub struct FileStore {
    root: PathBuf,
    opts: FileStoreOptions,
    read: ReadOptions,
    channels: BTreeMap<String, ChannelState>,
    clients: Option<BTreeMap<String, Client>>,
    server: Option<ServerInfo>,
    findings: Vec<Finding>,
    /// Set for a cluster node read without its Raft log.
    membership_unknown: Option<String>,
}

/// Refuses a store any of whose files (server.dat, clients.dat, and every
/// channel's subs.dat and msgs.N.dat/idx) is there but unusable: a FIFO,
/// a directory, a dangling or looping link. Every command gets the same
/// error naming the file, whichever files it goes on to read; only
/// metadata is read here.
fn ensure_files_usable(root: &Path) -> Result<()> {
    for name in ROOT_STORE_FILES {
        crate::safe_fs::check_regular_if_present(&root.join(name))?;
    }
    for channel in root_entries(root)?.channels {
        let dir = root.join(channel);
        for file in fs::read_dir(&dir).map_err(|e| StoreError::io(&dir, e))? {
            let file = file.map_err(|e| StoreError::io(&dir, e))?;
            let name = file.file_name();
            let name = name.to_string_lossy();
            let slice_file =
                name.starts_with("msgs.") && (name.ends_with(".dat") || name.ends_with(".idx"));
            if name == "subs.dat" || slice_file {
                crate::safe_fs::check_regular_if_present(&file.path())?;
            }
        }
    }
    Ok(())
}

/// The files of a store root, never channels: the server opens (or
/// creates) them as files before it lists the channel directories, so a
/// directory by one of these names stops it and is not a channel.
pub const ROOT_STORE_FILES: [&str; 2] = ["server.dat", "clients.dat"];

/// Whether an entry of a store root is a channel directory, the server's
/// rule (Go `FileStore.Recover`): a directory itself (a symbolic link to
/// one is not: `ioutil.ReadDir` does not follow links), other than the
/// store's own files (docs/FORMAT.md 2.1). Its name is vetted by whoever
/// uses it.
pub fn is_channel_entry(name: &str, kind: fs::FileType) -> bool {
    kind.is_dir() && !ROOT_STORE_FILES.contains(&name)
}

/// The entries of a store root, each list sorted by name: the channel
/// directories ([`is_channel_entry`]) and everything else. An entry that
/// cannot be read is an error naming it, not a channel left out.
#[derive(Debug, Default, PartialEq)]
pub struct RootEntries {
    pub channels: Vec<String>,
    pub others: Vec<String>,
}

pub fn root_entries(root: &Path) -> Result<RootEntries> {
    let mut out = RootEntries::default();
    for entry in fs::read_dir(root).map_err(|e| StoreError::io(root, e))? {
        let entry = entry.map_err(|e| StoreError::io(root, e))?;
        let kind = entry
            .file_type()
            .map_err(|e| StoreError::io(entry.path(), e))?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if is_channel_entry(&name, kind) {
            out.channels.push(name);
        } else {
            out.others.push(name);
        }
    }
    out.channels.sort();
    out.others.sort();
    Ok(out)
}

/// That `root` is a file store's root, for the reader and `check`: a
/// directory with something at `server.dat` (a dangling link there is
/// present, and found unreadable when it is read).
pub fn ensure_store_root(root: &Path) -> Result<()> {
    let meta = fs::metadata(root).map_err(|e| StoreError::io(root, e))?;
    if !meta.is_dir() {
        return Err(StoreError::Invalid(format!(
            "{}: not a directory",
            root.display()
        )));
    }
    if !crate::safe_fs::is_present(&root.join("server.dat"))? {
        return Err(StoreError::not_a_store(root));
    }
    Ok(())
}

impl FileStore {
    pub fn open(root: &Path, opts: FileStoreOptions) -> Result<Self> {
        ensure_store_root(root)?;
        ensure_files_usable(root)?;
        let read = ReadOptions {
            crc: Crc32::new(opts.crc_poly),
            verify_crc: opts.verify_crc,
        };
        let mut store = FileStore {
            root: root.to_path_buf(),
            opts,
            read,
            channels: BTreeMap::new(),
            clients: None,
            server: None,
            findings: Vec::new(),
            membership_unknown: None,
        };
        // Like the server, refuse a store whose server.dat does not check
        // out; it is also where a wrong CRC polynomial shows first.
        store.server = store.read_server_info()?;
        store.check_locks();
        Ok(store)
    }

    /// A server.dat CRC mismatch: name the polynomial that fits, if one
    /// of the known ones does.
    fn crc_mismatch(&self, mismatch: CrcMismatch) -> StoreError {
        let CrcMismatch {
            stored,
            computed: actual,
        } = mismatch;
        let path = self.root.join("server.dat");
        let fits = KNOWN_POLYS.iter().find(|(poly, _)| {
            *poly != self.opts.crc_poly
                && RecordReader::open(
                    &path,
                    Framing::Untyped,
                    &ReadOptions {
                        crc: Crc32::new(*poly),
                        verify_crc: true,
                    },
                )
                .and_then(|mut r| Ok(matches!(r.next_record()?, Next::Record { .. })))
                .unwrap_or(false)
        });
        match fits {
            Some(&(suggested, name)) => StoreError::CrcPolynomial {
                path,
                offset: 4,
                stored,
                actual,
                suggested,
                name,
            },
            None => StoreError::corrupt(&path, 4, mismatch.to_string()),
        }
    }

    /// Record something noticed about the store from outside the reader.
    pub fn add_finding(&mut self, finding: Finding) {
        self.findings.push(finding);
    }

    /// Clients and subscriptions are not in this store (a cluster node
    /// whose Raft log cannot be read): say so instead of answering none.
    pub fn set_membership_unknown(&mut self, why: String) {
        self.membership_unknown = Some(why);
    }

    /// What recovery made of each non-empty slice of `channel`, in the
    /// server's order, shadowed slices included.
    pub fn recovered_slices(&mut self, channel: &str) -> Result<Vec<SliceSummary>> {
        Ok(self.channel(channel)?.recovered.clone())
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    fn check_locks(&mut self) {
        let lock = self.root.join(".rootdir.lck");
        if let Some(pid) = crate::safe_fs::lock_holder(&lock) {
            self.findings.push(
                Finding::new(
                    Severity::Warning,
                    Code::StoreLocked,
                    lock.display().to_string(),
                )
                .msg(format!(
                    "a live server (pid {pid}) holds the store lock; reading anyway, read-only: \
                     what it writes meanwhile may be missing or partial"
                ))
                .server("a second fault-tolerant server waits for the lock"),
            );
        }
        let truncate = self.root.join(".truncate.lck");
        if truncate.exists() {
            self.findings.push(Finding::new(Severity::Info, Code::StoreTruncateLock, truncate.display().to_string()).msg("a server was started with -file_truncate_bad_eof and has not been restarted without it").server("refuses -file_truncate_bad_eof while this file exists; removes it on a start without the flag"));
        }
    }

    fn channel_dir(&self, channel: &str) -> Result<PathBuf> {
        let dir = self.root.join(channel);
        // The rule of channel_names, so that a name not listed is not read.
        let listed =
            fs::symlink_metadata(&dir).is_ok_and(|m| is_channel_entry(channel, m.file_type()));
        if crate::model::channel_name_problem(channel).is_some() || !listed {
            return Err(StoreError::NoSuchChannel(channel.to_string()));
        }
        Ok(dir)
    }

    /// Slice files of a channel, by number, then by name (the server's
    /// directory order). Names the server would reject are reported and
    /// skipped.
    fn slice_files(&mut self, dir: &Path) -> Result<Vec<SliceFiles>> {
        let mut slices = Vec::new();
        let entries = fs::read_dir(dir).map_err(|e| StoreError::io(dir, e))?;
        for entry in entries {
            let entry = entry.map_err(|e| StoreError::io(dir, e))?;
            let name = entry.file_name();
            let Some(name) = name.to_str() else { continue };
            let number = match slice_name(name) {
                SliceName::Other => continue,
                SliceName::Number(n) => n,
                SliceName::Invalid => {
                    self.findings.push(
                        Finding::new(
                            Severity::Error,
                            Code::SliceBadName,
                            entry.path().display().to_string(),
                        )
                        .msg("message file name is not msgs.<number>.dat; skipped")
                        .server("refuses to start (message log has an invalid name)"),
                    );
                    continue;
                }
            };
            // Not filtered by file type: a symbolic link or a FIFO named
            // like a slice is opened (and refused) like any data file.
            slices.push(SliceFiles {
                number,
                dat: entry.path(),
                idx: dir.join(index_file_name(number)),
            });
        }
        slices.sort_by(|a, b| (a.number, &a.dat).cmp(&(b.number, &b.dat)));
        Ok(slices)
    }

    fn channel(&mut self, channel: &str) -> Result<&ChannelState> {
        if !self.channels.contains_key(channel) {
            let state = self.recover_channel(channel)?;
            self.channels.insert(channel.to_string(), state);
        }
        self.channels
            .get(channel)
            .ok_or_else(|| StoreError::NoSuchChannel(channel.to_string()))
    }

    fn recover_channel(&mut self, channel: &str) -> Result<ChannelState> {
        let dir = self.channel_dir(channel)?;
        let mut slices = Vec::new();
        for files in self.slice_files(&dir)? {
            if let Some(slice) =
                walk::recover_slice(files, &self.read, &mut FindingLog::new(&mut self.findings))?
            {
                slices.push(slice);
            }
        }
        let mut stats = ChannelStats {
            name: channel.to_string(),
            ..ChannelStats::default()
        };
        if let (Some(first), Some(last)) = (
            slices.iter().map(|s| s.first).min_by_key(|e| e.seq),
            slices.iter().map(|s| s.last).max_by_key(|e| e.seq),
        ) {
            stats.counts = ChannelCounts {
                msgs: slices.iter().map(|s| s.count).sum(),
                bytes: slices.iter().map(|s| s.bytes).sum(),
                first_seq: first.seq,
                last_seq: last.seq,
                first_timestamp: Some(first.timestamp),
                last_timestamp: Some(last.timestamp),
            };
        }
        let recovered = slices.iter().map(SliceState::summary).collect();
        let slices = self.served_slices(slices);
        let mut state = ChannelState {
            slices,
            recovered,
            stats,
        };
        if let Some(limits_fn) = self.opts.limits.clone() {
            let limits = limits_fn(channel);
            self.apply_limits(&mut state, &limits)?;
        }
        Ok(state)
    }

    /// The slices the server reads messages from. It counts every recovered
    /// slice in the channel's totals, but keeps one slice per number (the
    /// last recovered, in directory order) and looks a sequence up in the
    /// write slice (the highest number) first: a slice shadowed that way is
    /// counted, reported, and not read.
    fn served_slices(&mut self, slices: Vec<SliceState>) -> Vec<SliceState> {
        let write = slices
            .last()
            .map(|s| (s.files.number, s.first.seq, s.last.seq, s.files.dat.clone()));
        let mut served = Vec::with_capacity(slices.len());
        let mut iter = slices.into_iter().peekable();
        while let Some(slice) = iter.next() {
            let replaced_by = match (iter.peek(), &write) {
                (Some(next), _) if next.files.number == slice.files.number => {
                    Some(next.files.dat.clone())
                }
                (_, Some((number, first, last, dat)))
                    if *number != slice.files.number
                        && *first <= slice.first.seq
                        && slice.last.seq <= *last =>
                {
                    Some(dat.clone())
                }
                _ => None,
            };
            let Some(by) = replaced_by else {
                served.push(slice);
                continue;
            };
            self.findings.push(Finding::new(Severity::Warning, Code::SliceDuplicateNumber, slice.files.dat.display().to_string()).msg(format!(
                    "slice {} (seqs {}-{}) is shadowed by {}: read from there only",
                    slice.files.number,
                    slice.first.seq,
                    slice.last.seq,
                    by.display()
                )).server(format!(
                    "counts its {} messages in the channel's totals too, but serves these sequences from {}",
                    slice.count,
                    by.display()
                )));
        }
        served
    }

    /// Drop messages from the front as recovery does (2.8.3 steps 3-4). The
    /// store is not touched: only the view changes.
    fn apply_limits(&self, state: &mut ChannelState, limits: &Limits) -> Result<()> {
        let max_msgs = limits.max_msgs.unwrap_or(0).max(0) as u64;
        let max_bytes = limits.max_bytes.unwrap_or(0).max(0) as u64;
        let max_age = limits.max_age_ns.unwrap_or(0).max(0);
        if max_msgs == 0 && max_bytes == 0 && max_age == 0 {
            return Ok(());
        }
        let counts = &mut state.stats.counts;
        let over_count = |c: &ChannelCounts| {
            c.msgs > 1
                && ((max_msgs > 0 && c.msgs > max_msgs) || (max_bytes > 0 && c.bytes > max_bytes))
        };
        let expired = |c: &ChannelCounts, ts: i64| {
            c.msgs > 0 && max_age > 0 && self.opts.now_ns.saturating_sub(ts) >= max_age
        };
        let mut first_after: Option<IndexEntry> = None;
        'slices: for slice in &state.slices {
            let mut cursor = SliceCursor::open(slice, &self.read, 0)?;
            while let Some((entry, _)) = cursor.next_entry()? {
                if entry.seq < counts.first_seq {
                    continue;
                }
                if over_count(counts) || expired(counts, entry.timestamp) {
                    counts.msgs -= 1;
                    counts.bytes = counts.bytes.saturating_sub(entry.accounted_bytes());
                    counts.first_seq = entry.seq + 1;
                } else {
                    first_after = Some(entry);
                    break 'slices;
                }
            }
        }
        match first_after {
            Some(entry) => counts.first_timestamp = Some(entry.timestamp),
            None => {
                // Everything expired: the last sequence survives alone.
                counts.first_timestamp = None;
                counts.last_timestamp = None;
                counts.msgs = 0;
                counts.bytes = 0;
                counts.first_seq = counts.last_seq + 1;
            }
        }
        Ok(())
    }

    fn read_server_info(&mut self) -> Result<Option<ServerInfo>> {
        let path = self.root.join("server.dat");
        let mut reader = RecordReader::open(&path, Framing::Untyped, &self.read)?;
        let file_len = reader.file_len();
        if file_len == 4 {
            return Ok(None);
        }
        match reader.next_record()? {
            Next::Record { payload, .. } => {
                if file_len != 4 + 8 + payload.len() as u64 {
                    return Err(StoreError::corrupt(
                        &path,
                        4,
                        format!(
                            "incorrect file size {file_len}: expected {} (header + one record)",
                            12 + payload.len()
                        ),
                    ));
                }
                let info = proto::ServerInfo::decode(payload)
                    .map_err(|e| StoreError::corrupt(&path, 4, format!("bad ServerInfo: {e}")))?;
                Ok(Some(info.into()))
            }
            Next::CrcMismatch { mismatch, .. } => Err(self.crc_mismatch(mismatch)),
            other => Err(StoreError::corrupt(
                &path,
                4,
                format!("expected one ServerInfo record, found {other:?}"),
            )),
        }
    }

    fn load_clients(&mut self) -> Result<&BTreeMap<String, Client>> {
        if self.clients.is_none() {
            let path = self.root.join("clients.dat");
            let mut clients = ClientsReplay::default();
            if crate::safe_fs::is_present(&path)? {
                let mut reader = RecordReader::open(&path, Framing::Typed, &self.read)?;
                while let Some((offset, record_type, payload)) =
                    next_typed(&mut reader, &path, &mut self.findings)?
                {
                    let bad = |e: prost::DecodeError| {
                        StoreError::corrupt(&path, offset, format!("bad client record: {e}"))
                    };
                    match record_type {
                        CLIENT_ADD => {
                            clients.add(ClientInfo::decode(payload).map_err(bad)?);
                        }
                        CLIENT_DELETE => {
                            clients.delete(&ClientDelete::decode(payload).map_err(bad)?);
                        }
                        other => {
                            self.findings.push(unknown_type(
                                &path,
                                offset,
                                format!("invalid client record type {other}"),
                            ));
                            break;
                        }
                    }
                }
            }
            self.clients = Some(clients.finish());
        }
        Ok(self.clients.get_or_insert_with(BTreeMap::new))
    }

    /// Replay `subs.dat` (2.8.4) into every subscription it still holds,
    /// including those the server would not bring back.
    pub fn replay_subscriptions(&mut self, channel: &str) -> Result<Vec<Subscription>> {
        let path = self.channel_dir(channel)?.join("subs.dat");
        if !crate::safe_fs::is_present(&path)? {
            return Ok(Vec::new());
        }
        let mut subs = SubsReplay::default();
        let mut reader = RecordReader::open(&path, Framing::Typed, &self.read)?;
        while let Some((offset, record_type, payload)) =
            next_typed(&mut reader, &path, &mut self.findings)?
        {
            let bad = |e: prost::DecodeError| {
                StoreError::corrupt(&path, offset, format!("bad subscription record: {e}"))
            };
            match record_type {
                SUB_NEW | SUB_UPDATE => {
                    let state = SubState::decode(payload).map_err(bad)?;
                    subs.state(record_type, state, offset);
                }
                SUB_DELETE => {
                    let del = SubStateDelete::decode(payload).map_err(bad)?;
                    subs.delete(del.id);
                }
                SUB_ACK | SUB_MSG => {
                    let update = SubStateUpdate::decode(payload).map_err(bad)?;
                    subs.sent_or_acked(record_type, &update);
                }
                other => {
                    self.findings.push(unknown_type(
                        &path,
                        offset,
                        format!("unexpected record type {other}"),
                    ));
                    break;
                }
            }
        }
        Ok(subs
            .finish()
            .into_values()
            .map(|ReplayedSub { state, pending, .. }| {
                let mut sub = Subscription::from_state(channel, &state);
                sub.pending = pending.into_iter().collect();
                sub
            })
            .collect())
    }
}

/// The next record of a typed record log (clients.dat, subs.dat) as
/// (offset, type, payload); `None` where the log ends, after noting any
/// damage that ended it.
fn next_typed<'r>(
    reader: &'r mut RecordReader,
    path: &Path,
    findings: &mut Vec<Finding>,
) -> Result<Option<(u64, u8, &'r [u8])>> {
    match reader.next_record()? {
        Next::Record {
            offset,
            record_type,
            payload,
        } => Ok(Some((offset, record_type, payload))),
        other => {
            findings.extend(damage_finding(path, &other));
            Ok(None)
        }
    }
}

/// A record type the server does not know: it refuses to start.
fn unknown_type(path: &Path, offset: u64, message: String) -> Finding {
    Finding::described(
        Code::RecordUnknownType,
        Severity::Error,
        format!("{} at offset {offset}", path.display()),
        message,
        "refuses to start",
    )
}

/// A finding for whatever ended a record log other than a clean EOF.
fn damage_finding(path: &Path, next: &Next<'_>) -> Option<Finding> {
    let (severity, code, offset, message, server) = match next {
        Next::Record { .. } | Next::End(LogEnd::Eof) => return None,
        Next::End(LogEnd::Zero { offset }) => (
            Severity::Warning,
            Code::RecordZeroPadding,
            *offset,
            "zero-filled tail".to_string(),
            "truncates the file here and continues",
        ),
        Next::End(LogEnd::HeaderOnly { offset, size }) => (
            Severity::Warning,
            Code::RecordHeaderOnly,
            *offset,
            format!("record header (size {size}) with no payload at end of file"),
            "treats it as end of file (quirk Q1)",
        ),
        Next::End(LogEnd::Torn { offset, .. }) => (
            Severity::Error,
            Code::RecordTorn,
            *offset,
            format!("torn record at end of file; ok_up_to={offset}"),
            "refuses to start (unexpected EOF); with -file_truncate_bad_eof it truncates the file here",
        ),
        Next::CrcMismatch {
            offset, mismatch, ..
        } => (
            Severity::Error,
            Code::RecordCrc,
            *offset,
            mismatch.to_string(),
            "refuses to start",
        ),
    };
    Some(Finding::described(
        code,
        severity,
        format!("{} at offset {offset}", path.display()),
        message,
        server,
    ))
}

impl StoreReader for FileStore {
    fn backend(&self) -> crate::store::Backend {
        crate::store::Backend::File
    }

    fn server_info(&mut self) -> Result<Option<ServerInfo>> {
        Ok(self.server.clone())
    }

    fn channel_names(&mut self) -> Result<Vec<String>> {
        let names = root_entries(&self.root)?.channels;
        for name in &names {
            crate::model::check_channel_name(name, self.root.join(name).display())?;
        }
        Ok(names)
    }

    fn channel_stats(&mut self, channel: &str) -> Result<ChannelStats> {
        Ok(self.channel(channel)?.stats.clone())
    }

    fn channel_limits(&mut self, channel: &str) -> Result<(Limits, LimitsSource)> {
        self.channel_dir(channel)?;
        Ok(match &self.opts.limits {
            Some(f) => (f(channel), LimitsSource::Config),
            None => (Limits::default(), LimitsSource::Unknown),
        })
    }

    fn messages<'a>(&'a mut self, channel: &str, range: MessageRange) -> Result<MessageIter<'a>> {
        let state = self.channel(channel)?.clone();
        Ok(Box::new(FileMessages {
            walk: RangeWalk::new(state, range, self.read.clone()),
        }))
    }

    fn expired_tail(&mut self, channel: &str) -> Result<Option<Message>> {
        let mut state = self.channel(channel)?.clone();
        let last = state.stats.counts.last_seq;
        if state.stats.counts.msgs > 0 || last == 0 {
            return Ok(None);
        }
        // Limits only moved the view's first sequence: the records are there.
        state.stats.counts.first_seq = last;
        let mut walk = FileMessages {
            walk: RangeWalk::new(state, MessageRange::default(), self.read.clone()),
        };
        walk.next_message()
    }

    fn walk(&mut self, channel: &str, range: MessageRange, visit: Visit<'_>) -> Result<()> {
        let state = self.channel(channel)?.clone();
        let mut walk = RangeWalk::new(state, range, self.read.clone());
        match visit {
            Visit::Payloads(visit) => walk.payloads(visit),
            Visit::Messages(visit) => walk.messages(visit),
        }
    }

    fn clients(&mut self) -> Result<Vec<Client>> {
        Ok(self.load_clients()?.values().cloned().collect())
    }

    fn subscriptions(&mut self, channel: &str) -> Result<Vec<Subscription>> {
        let all = self.replay_subscriptions(channel)?;
        let clients = self
            .load_clients()?
            .keys()
            .cloned()
            .collect::<BTreeSet<_>>();
        let mut kept = Vec::new();
        for sub in all {
            let client_known = clients.contains(&sub.client_id);
            // recoverOneSub (docs/FORMAT.md 2.8.4): what the server brings back.
            let dropped = if !sub.is_durable {
                (!client_known).then_some("its client is not in the store")
            } else if !sub.queue_group.is_empty()
                && !sub.client_id.is_empty()
                && !client_known
                && !sub.is_closed
            {
                Some("ghost durable queue member (client not in the store)")
            } else {
                None
            };
            match dropped {
                Some(why) => self.findings.push(
                    Finding::new(
                        Severity::Info,
                        Code::SubsNotRecovered,
                        format!("{channel}/subs.dat subscription {}", sub.id),
                    )
                    .msg(format!(
                        "subscription still in subs.dat but not recovered: {why}"
                    ))
                    .server("skips it at start-up"),
                ),
                None => kept.push(sub),
            }
        }
        Ok(kept)
    }

    fn membership_unknown(&self) -> Option<String> {
        self.membership_unknown.clone()
    }

    fn findings(&self) -> Vec<Finding> {
        self.findings.clone()
    }
}

struct OpenSlice {
    cursor: SliceCursor,
    /// Opened at the first record read from it.
    data: Option<ChunkReader>,
    dat: PathBuf,
}

/// The index entries of a channel within a range, slice by slice, and the
/// records they point at. Shared by `messages` and `walk`.
struct RangeWalk {
    read: ReadOptions,
    slices: std::vec::IntoIter<SliceState>,
    current: Option<OpenSlice>,
    range: MessageRange,
    lo: u64,
    hi: u64,
}

impl RangeWalk {
    fn new(state: ChannelState, range: MessageRange, read: ReadOptions) -> Self {
        let lo = range
            .from_seq
            .unwrap_or(0)
            .max(state.stats.counts.first_seq);
        let hi = range
            .to_seq
            .unwrap_or(u64::MAX)
            .min(state.stats.counts.last_seq);
        let slices = state
            .slices
            .into_iter()
            .filter(|s| s.last.seq >= lo && s.first.seq <= hi)
            .collect::<Vec<_>>();
        RangeWalk {
            read,
            slices: slices.into_iter(),
            current: None,
            range,
            lo,
            hi,
        }
    }

    /// The next entry in range, with the record payload when its slice is
    /// scanned from the data file (else read it with `record`).
    /// [`Self::next_entry`], handing each message-level error to `report`
    /// and going on past it (`for_each_*` report and continue).
    fn next_or_report(
        &mut self,
        report: &mut dyn FnMut(StoreError) -> std::io::Result<()>,
    ) -> Result<Option<(IndexEntry, Option<Vec<u8>>)>> {
        loop {
            match self.next_entry() {
                Err(e) => report(e).map_err(|e| StoreError::io("<output>", e))?,
                next => return next,
            }
        }
    }

    fn next_entry(&mut self) -> Result<Option<(IndexEntry, Option<Vec<u8>>)>> {
        loop {
            let Some(open) = self.current.as_mut() else {
                let Some(slice) = self.slices.next() else {
                    return Ok(None);
                };
                let cursor = SliceCursor::open(&slice, &self.read, self.lo)?;
                self.current = Some(OpenSlice {
                    cursor,
                    data: None,
                    dat: slice.files.dat,
                });
                continue;
            };
            let Some((entry, payload)) = open.cursor.next_entry()? else {
                self.current = None;
                continue;
            };
            if entry.seq < self.lo || !self.range.contains_timestamp(entry.timestamp) {
                continue;
            }
            if entry.seq > self.hi {
                self.current = None;
                continue;
            }
            return Ok(Some((entry, payload)));
        }
    }

    /// The data file of the current slice.
    fn dat(&self) -> &Path {
        self.current
            .as_ref()
            .map_or(Path::new(""), |o| o.dat.as_path())
    }

    fn data_reader(&mut self) -> Result<&mut ChunkReader> {
        let open = self
            .current
            .as_mut()
            .ok_or_else(|| StoreError::Invalid("no slice open".into()))?;
        if open.data.is_none() {
            open.data = Some(ChunkReader::open(
                &open.dat,
                self.read.crc.clone(),
                self.read.verify_crc,
            )?);
        }
        open.data
            .as_mut()
            .ok_or_else(|| StoreError::Invalid("no data file open".into()))
    }

    /// The record `entry` points at, borrowed from the read chunk, or what
    /// was found instead.
    fn record(&mut self, entry: &IndexEntry) -> Result<std::result::Result<&[u8], RecordProblem>> {
        self.data_reader()?.payload_at(entry.offset, entry.size)
    }

    /// The record `entry` points at, sharing the read chunk.
    fn record_bytes(&mut self, entry: &IndexEntry) -> Result<Bytes> {
        let found = self.data_reader()?.read_sized(entry.offset, entry.size)?;
        found.map_err(|problem| self.bad_record(entry, problem))
    }

    /// The error for a record that is not the message `entry` names.
    fn bad_record(&self, entry: &IndexEntry, problem: RecordProblem) -> StoreError {
        StoreError::BadRecord {
            path: self.dat().to_path_buf(),
            offset: entry.offset,
            seq: entry.seq,
            problem,
        }
    }

    /// `walk` handing out only payloads.
    fn payloads(
        &mut self,
        visit: &mut dyn FnMut(Result<&[u8]>) -> std::io::Result<()>,
    ) -> Result<()> {
        let out = |e: std::io::Error| StoreError::io("<output>", e);
        while let Some((entry, scanned)) = self.next_or_report(&mut |e| visit(Err(e)))? {
            // The data field found in place: no message is built.
            let found = match &scanned {
                Some(record) => msgproto_data(record, entry.seq),
                None => match self.record(&entry)? {
                    Ok(record) => msgproto_data(record, entry.seq),
                    Err(problem) => Err(problem),
                },
            };
            match found {
                Ok(payload) => visit(Ok(payload)),
                Err(problem) => visit(Err(self.bad_record(&entry, problem))),
            }
            .map_err(out)?;
        }
        Ok(())
    }

    /// `walk` handing out borrowed messages.
    fn messages(
        &mut self,
        visit: &mut dyn FnMut(Result<MessageRef<'_>>) -> std::io::Result<()>,
    ) -> Result<()> {
        let out = |e: std::io::Error| StoreError::io("<output>", e);
        while let Some((entry, scanned)) = self.next_or_report(&mut |e| visit(Err(e)))? {
            let record = match &scanned {
                Some(record) => Ok(record.as_slice()),
                None => self.record(&entry)?,
            };
            // A canonical record (the server's own output) is read in
            // place; anything else is decoded as `messages` decodes it.
            let decoded = match record {
                Ok(bytes) => match MsgView::canonical(bytes) {
                    Some(view) if view.sequence == entry.seq => {
                        visit(Ok(MessageRef {
                            seq: view.sequence,
                            timestamp: view.timestamp,
                            subject: view.subject,
                            reply: view.reply,
                            data: view.data,
                        }))
                        .map_err(out)?;
                        continue;
                    }
                    _ => MsgProto::decode(bytes),
                },
                Err(problem) => {
                    visit(Err(self.bad_record(&entry, problem))).map_err(out)?;
                    continue;
                }
            };
            match message_from(decoded, &entry, self.dat()) {
                Ok(m) => visit(Ok(MessageRef::from(&m))),
                Err(e) => visit(Err(e)),
            }
            .map_err(out)?;
        }
        Ok(())
    }
}

/// Streams messages slice by slice; memory stays at one read chunk.
struct FileMessages {
    walk: RangeWalk,
}

impl FileMessages {
    fn next_message(&mut self) -> Result<Option<Message>> {
        let Some((entry, payload)) = self.walk.next_entry()? else {
            return Ok(None);
        };
        let payload = match payload {
            Some(p) => Bytes::from(p),
            None => self.walk.record_bytes(&entry)?,
        };
        message_from(MsgProto::decode(payload), &entry, self.walk.dat()).map(Some)
    }
}

/// The message a record decoded to, if it is the one its index entry
/// names.
fn message_from(
    decoded: std::result::Result<MsgProto, prost::DecodeError>,
    entry: &IndexEntry,
    dat: &Path,
) -> Result<Message> {
    let msg = walk::decoded_or_corrupt(decoded, dat, entry.offset)?;
    if msg.sequence != entry.seq {
        return Err(StoreError::corrupt(
            dat,
            entry.offset,
            format!(
                "data record has sequence {}, index says {}",
                msg.sequence, entry.seq
            ),
        ));
    }
    Ok(Message {
        seq: msg.sequence,
        timestamp: msg.timestamp,
        subject: proto::into_text(msg.subject),
        reply: proto::into_text(msg.reply),
        data: msg.data,
    })
}

/// The `data` field of a marshaled MsgProto, found in place, after
/// checking its `sequence` is `seq` (docs/FORMAT.md 5.1: fields 1 sequence,
/// 4 data; others skipped by wire type).
fn msgproto_data(buf: &[u8], seq: u64) -> std::result::Result<&[u8], RecordProblem> {
    fn varint(buf: &[u8], at: &mut usize) -> Option<u64> {
        let mut value = 0u64;
        for shift in (0..64).step_by(7) {
            let byte = *buf.get(*at)?;
            *at += 1;
            value |= u64::from(byte & 0x7F) << shift;
            if byte & 0x80 == 0 {
                return Some(value);
            }
        }
        None
    }
    let bad = || RecordProblem::BadMsgProto;
    let (mut at, mut data, mut found_seq) = (0usize, &buf[..0], 0u64);
    while at < buf.len() {
        let key = varint(buf, &mut at).ok_or_else(bad)?;
        match (key >> 3, key & 7) {
            (1, 0) => found_seq = varint(buf, &mut at).ok_or_else(bad)?,
            (_, 0) => {
                varint(buf, &mut at).ok_or_else(bad)?;
            }
            (field, 2) => {
                let len = varint(buf, &mut at).ok_or_else(bad)?;
                let end = at
                    .checked_add(usize::try_from(len).map_err(|_| bad())?)
                    .filter(|&e| e <= buf.len())
                    .ok_or_else(bad)?;
                if field == 4 {
                    data = &buf[at..end];
                }
                at = end;
            }
            (_, 1) => {
                at = at
                    .checked_add(8)
                    .filter(|&e| e <= buf.len())
                    .ok_or_else(bad)?
            }
            (_, 5) => {
                at = at
                    .checked_add(4)
                    .filter(|&e| e <= buf.len())
                    .ok_or_else(bad)?
            }
            _ => return Err(bad()),
        }
    }
    if found_seq != seq {
        return Err(RecordProblem::WrongSeq {
            found: found_seq,
            indexed: seq,
        });
    }
    Ok(data)
}

impl Iterator for FileMessages {
    type Item = Result<Message>;

    fn next(&mut self) -> Option<Self::Item> {
        self.next_message().transpose()
    }
}

#[cfg(test)]
mod root_entries_tests {
    use super::*;

    /// Channels are the root's directories, links not followed, except a
    /// directory at server.dat or clients.dat; subs.dat is a channel name
    /// like any other in the root.
    #[test]
    fn channels_are_directories_other_than_the_store_files() {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path();
        for d in ["a", "subs.dat", "clients.dat", "server.dat"] {
            fs::create_dir(root.join(d)).unwrap();
        }
        fs::write(root.join("x"), b"").unwrap();
        std::os::unix::fs::symlink(root.join("a"), root.join("l")).unwrap();
        let got = root_entries(root).unwrap();
        assert_eq!(got.channels, ["a", "subs.dat"]);
        assert_eq!(got.others, ["clients.dat", "l", "server.dat", "x"]);
    }
}
