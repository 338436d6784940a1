//! Writes a file store (docs/FORMAT.md 1-2) that the real server recovers: the
//! compacted form of every file, built in a temporary directory renamed
//! into place at the end.

use std::fs::{self, File};
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use prost::Message as _;

use super::slice::IndexEntry;
use crate::crc::Crc32;
use crate::error::{Result, StoreError};
use crate::model::{ChannelStats, Client, Limits, Message, ServerInfo, Subscription};
use crate::partial;
use crate::proto;
use crate::staging::Staging;
use crate::store::StoreWriter;

const WRITE_BUFFER: usize = 1 << 20;
/// Typed records keep their size in 24 bits.
const TYPED_MAX: usize = 0x00FF_FFFF;

/// How the target splits channels into slices (the server's
/// `file_slice_max_*`; 0 = that dimension unchecked).
#[derive(Debug, Clone, Copy)]
pub struct SliceLimits {
    pub max_msgs: u64,
    pub max_bytes: u64,
    pub max_age_ns: i64,
}

impl Default for SliceLimits {
    fn default() -> Self {
        // The server's default: 64 MiB slices.
        SliceLimits {
            max_msgs: 0,
            max_bytes: 64 * 1024 * 1024,
            max_age_ns: 0,
        }
    }
}

#[derive(Debug, Clone)]
pub struct FileWriterOptions {
    pub crc_poly: u32,
    pub slices: SliceLimits,
}

impl Default for FileWriterOptions {
    fn default() -> Self {
        FileWriterOptions {
            crc_poly: crate::crc::IEEE,
            slices: SliceLimits::default(),
        }
    }
}

/// A file being written, with its path for errors and the current offset.
struct OutFile {
    path: PathBuf,
    out: BufWriter<File>,
    offset: u64,
}

impl OutFile {
    fn create(path: PathBuf) -> Result<Self> {
        let file = fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&path)
            .map_err(|e| StoreError::io(&path, e))?;
        let mut f = OutFile {
            path,
            out: BufWriter::with_capacity(WRITE_BUFFER, file),
            offset: 0,
        };
        f.write(&1u32.to_le_bytes())?;
        Ok(f)
    }

    fn write(&mut self, bytes: &[u8]) -> Result<()> {
        self.out
            .write_all(bytes)
            .map_err(|e| StoreError::io(&self.path, e))?;
        self.offset += bytes.len() as u64;
        Ok(())
    }

    /// `{word0, crc, payload}`; returns the record's offset.
    fn record(&mut self, word0: u32, payload: &[u8], crc: &Crc32) -> Result<u64> {
        let at = self.offset;
        let mut header = [0u8; 8];
        header[0..4].copy_from_slice(&word0.to_le_bytes());
        header[4..8].copy_from_slice(&crc.checksum(payload).to_le_bytes());
        self.write(&header)?;
        self.write(payload)?;
        Ok(at)
    }

    fn typed(&mut self, record_type: u8, payload: &[u8], crc: &Crc32) -> Result<()> {
        if payload.len() > TYPED_MAX {
            return Err(StoreError::Invalid(format!(
                "{}: record of {} bytes exceeds the 16 MiB limit of typed records",
                self.path.display(),
                payload.len()
            )));
        }
        self.record(
            ((record_type as u32) << 24) | payload.len() as u32,
            payload,
            crc,
        )?;
        Ok(())
    }

    fn close(mut self) -> Result<()> {
        self.out
            .flush()
            .map_err(|e| StoreError::io(&self.path, e))?;
        self.out
            .get_ref()
            .sync_all()
            .map_err(|e| StoreError::io(&self.path, e))
    }
}

struct Slice {
    dat: OutFile,
    idx: OutFile,
    msgs: u64,
    bytes: u64,
    first_timestamp: i64,
}

struct Channel {
    dir: PathBuf,
    number: u64,
    slice: Option<Slice>,
    subs: Option<OutFile>,
    last_seq: u64,
}

/// Writes a file store under a temporary directory next to `target`.
pub struct FileStoreWriter {
    staging: Staging,
    opts: FileWriterOptions,
    crc: Crc32,
    clients: Option<OutFile>,
    channel: Option<Channel>,
}

impl FileStoreWriter {
    /// `target` must not exist (or be an empty directory).
    pub fn create(target: &Path, opts: FileWriterOptions) -> Result<Self> {
        partial::remove_dead(target);
        let staging = Staging::create(target)?;
        Ok(FileStoreWriter {
            staging,
            crc: Crc32::new(opts.crc_poly),
            opts,
            clients: None,
            channel: None,
        })
    }

    fn current(&mut self) -> Result<&mut Channel> {
        self.channel
            .as_mut()
            .ok_or_else(|| StoreError::Invalid("no channel started".into()))
    }

    fn close_slice(channel: &mut Channel) -> Result<()> {
        if let Some(slice) = channel.slice.take() {
            slice.dat.close()?;
            slice.idx.close()?;
        }
        Ok(())
    }
}

impl StoreWriter for FileStoreWriter {
    fn server_info(&mut self, info: &ServerInfo) -> Result<()> {
        let record = proto::ServerInfo::from(info);
        let mut f = OutFile::create(self.staging.path().join("server.dat"))?;
        let payload = record.encode_to_vec();
        f.record(payload.len() as u32, &payload, &self.crc)?;
        f.close()?;
        self.clients = Some(OutFile::create(self.staging.path().join("clients.dat"))?);
        Ok(())
    }

    fn add_client(&mut self, client: &Client) -> Result<()> {
        let record = proto::ClientInfo::from(client);
        let payload = record.encode_to_vec();
        let crc = self.crc.clone();
        let f = self
            .clients
            .as_mut()
            .ok_or_else(|| StoreError::Invalid("server info must be written first".into()))?;
        f.typed(1, &payload, &crc)
    }

    fn begin_channel(&mut self, stats: &ChannelStats, _limits: &Limits) -> Result<()> {
        self.end_channel()?;
        // A name that passes is one plain directory name: the channel's
        // files stay inside the target.
        crate::model::check_channel_name(&stats.name, self.staging.target().display())?;
        let dir = self.staging.path().join(&stats.name);
        fs::create_dir(&dir).map_err(|e| StoreError::io(&dir, e))?;
        let subs = OutFile::create(dir.join("subs.dat"))?;
        self.channel = Some(Channel {
            dir,
            number: 0,
            slice: None,
            subs: Some(subs),
            last_seq: 0,
        });
        Ok(())
    }

    fn keeps_empty_sequence(&self) -> bool {
        false
    }

    fn keeps_limits(&self) -> bool {
        false
    }

    fn append_message(&mut self, msg: &Message) -> Result<()> {
        let limits = self.opts.slices;
        let crc = self.crc.clone();
        let channel = self.current()?;
        if msg.seq <= channel.last_seq {
            return Err(StoreError::Invalid(format!(
                "{}: message {} after {}: sequences must ascend",
                channel.dir.display(),
                msg.seq,
                channel.last_seq
            )));
        }
        let full = channel.slice.as_ref().is_some_and(|s| {
            (limits.max_msgs > 0 && s.msgs >= limits.max_msgs)
                || (limits.max_bytes > 0 && s.bytes >= limits.max_bytes)
                || (limits.max_age_ns > 0
                    && msg.timestamp.saturating_sub(s.first_timestamp) >= limits.max_age_ns)
        });
        if full {
            Self::close_slice(channel)?;
        }
        if channel.slice.is_none() {
            channel.number += 1;
            let n = channel.number;
            channel.slice = Some(Slice {
                dat: OutFile::create(channel.dir.join(format!("msgs.{n}.dat")))?,
                idx: OutFile::create(channel.dir.join(format!("msgs.{n}.idx")))?,
                msgs: 0,
                bytes: 0,
                first_timestamp: msg.timestamp,
            });
        }
        let record = proto::MsgProto::from(msg);
        let payload = record.encode_to_vec();
        let Some(slice) = channel.slice.as_mut() else {
            return Err(StoreError::Invalid("slice not open".into()));
        };
        let offset = slice.dat.record(payload.len() as u32, &payload, &crc)?;
        let entry = IndexEntry {
            seq: msg.seq,
            offset,
            timestamp: msg.timestamp,
            size: payload.len() as u32,
        };
        slice.idx.write(&entry.encode(&crc))?;
        slice.msgs += 1;
        slice.bytes += entry.accounted_bytes();
        channel.last_seq = msg.seq;
        Ok(())
    }

    fn add_subscription(&mut self, sub: &Subscription) -> Result<u64> {
        let crc = self.crc.clone();
        let channel = self.current()?;
        let f = channel
            .subs
            .as_mut()
            .ok_or_else(|| StoreError::Invalid("subs.dat closed".into()))?;
        // The compacted form (docs/FORMAT.md 2.9): the state, then one "sent"
        // record per unacknowledged sequence.
        let state = proto::SubState::from(sub);
        f.typed(1, &state.encode_to_vec(), &crc)?;
        for &seq in &sub.pending {
            let update = proto::SubStateUpdate {
                id: sub.id,
                seqno: seq,
            };
            f.typed(5, &update.encode_to_vec(), &crc)?;
        }
        Ok(sub.id)
    }

    fn end_channel(&mut self) -> Result<()> {
        if let Some(mut channel) = self.channel.take() {
            Self::close_slice(&mut channel)?;
            if let Some(subs) = channel.subs.take() {
                subs.close()?;
            }
        }
        Ok(())
    }

    fn finish(mut self: Box<Self>) -> Result<()> {
        self.end_channel()?;
        if let Some(clients) = self.clients.take() {
            clients.close()?;
        } else {
            return Err(StoreError::Invalid("no server info written".into()));
        }
        self.staging.publish()
    }
}
