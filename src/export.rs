//! `export parquet`: a store as an Apache Parquet dataset for DuckDB,
//! Spark, Trino or pandas, streamed with bounded memory.
//!
//! Layout of the target directory:
//! - `messages/channel=<name>/part-NNNNN.parquet`: one Hive partition per
//!   channel (names escaped as Hive does), split every `split_bytes`;
//! - `channels.parquet`, `subscriptions.parquet`, `clients.parquet`: the
//!   rest of the store's state.
//!
//! The messages live one level down so that `messages/**/*.parquet` holds
//! only partitioned files: DuckDB refuses a Hive glob that also matches the
//! unpartitioned state files.

use std::fs::{self, File};
use std::io::BufWriter;
use std::path::{Path, PathBuf};
use std::sync::mpsc::{sync_channel, SyncSender};
use std::sync::Arc;

use arrow_array::builder::{
    BinaryBuilder, BooleanBuilder, Int32Builder, Int64Builder, ListBuilder, StringBuilder,
    TimestampNanosecondBuilder, UInt64Builder,
};
use arrow_array::{
    Array, ArrayRef, BinaryArray, RecordBatch, StringArray, TimestampNanosecondArray, UInt64Array,
};
use arrow_schema::{DataType, Field, Schema, SchemaRef, TimeUnit};
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use parquet::arrow::ArrowWriter;
use parquet::basic::{Compression, Encoding, ZstdLevel};
use parquet::file::properties::{EnabledStatistics, WriterProperties};
use serde::Serialize;

use crate::crypto::likely_envelope;
use crate::error::{Result, StoreError};
use crate::migrate::{patterns_select, Progress};
use crate::model::{ChannelStats, Limits, LimitsSource, MessageRange, MessageRef};
use crate::proto::text_ref;
use crate::staging::Staging;
use crate::store::{StoreReader, Visit};

/// Which messages to export and how to write them.
#[derive(Debug, Clone)]
pub struct ExportOptions {
    /// Channel names or subject patterns (`*`, `>`); empty = all.
    pub channels: Vec<String>,
    pub range: MessageRange,
    /// zstd level, 1 (fast) to 22.
    pub zstd_level: i32,
    /// A row group is closed when its encoded size reaches this.
    pub row_group_bytes: usize,
    /// ... or when it holds this many rows.
    pub row_group_rows: usize,
    /// A channel's file is closed and the next part started once it is
    /// this large.
    pub split_bytes: u64,
    /// Payloads that look encrypted are written as stored instead of being
    /// refused. Decryption, when a key is given, is the reader's business.
    pub keep_encrypted: bool,
}

impl Default for ExportOptions {
    fn default() -> Self {
        ExportOptions {
            channels: Vec::new(),
            range: MessageRange::default(),
            zstd_level: 1,
            row_group_bytes: 64 << 20,
            row_group_rows: 1 << 20,
            split_bytes: 1 << 30,
            keep_encrypted: false,
        }
    }
}

impl ExportOptions {
    pub fn wants(&self, channel: &str) -> bool {
        patterns_select(&self.channels, channel)
    }
}

/// What was exported from one channel.
#[derive(Debug, Clone, Default, Serialize)]
pub struct ChannelExport {
    pub name: String,
    pub rows: u64,
    /// Payload bytes read from the store.
    pub bytes_in: u64,
    /// Bytes of the channel's Parquet files.
    pub bytes_out: u64,
    pub files: Vec<String>,
    pub row_groups: usize,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct ExportReport {
    pub cluster_id: String,
    pub channels: Vec<ChannelExport>,
    pub rows: u64,
    pub bytes_in: u64,
    /// Bytes of every file written, state files included.
    pub bytes_out: u64,
    pub subscriptions: usize,
    pub clients: usize,
}

/// The directory of a channel's partition: `channel=<escaped name>`.
pub fn partition_dir(channel: &str) -> String {
    format!("channel={}", hive_escape(channel))
}

/// Escape a partition value as Hive's `FileUtils.escapePathName` does:
/// control characters and `"#%'*/:=?\{[]^` and DEL become `%XX`
/// (upper-case hex); everything else is kept.
pub fn hive_escape(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        let escaped = matches!(
            c,
            '\u{01}'
                ..='\u{1f}'
                    | '"'
                    | '#'
                    | '%'
                    | '\''
                    | '*'
                    | '/'
                    | ':'
                    | '='
                    | '?'
                    | '\\'
                    | '\u{7f}'
                    | '{'
                    | '['
                    | ']'
                    | '^'
        );
        if escaped {
            out.push_str(&format!("%{:02X}", u32::from(c)));
        } else {
            out.push(c);
        }
    }
    out
}

fn timestamp_type() -> DataType {
    DataType::Timestamp(TimeUnit::Nanosecond, Some("UTC".into()))
}

/// Columns of the message files.
pub fn message_schema() -> SchemaRef {
    Arc::new(Schema::new(vec![
        Field::new("seq", DataType::UInt64, false),
        Field::new("timestamp", timestamp_type(), false),
        Field::new("subject", DataType::Utf8, false),
        Field::new("reply", DataType::Utf8, true),
        Field::new("payload", DataType::Binary, false),
        Field::new("payload_size", DataType::UInt64, false),
    ]))
}

fn channel_schema() -> SchemaRef {
    Arc::new(Schema::new(vec![
        Field::new("name", DataType::Utf8, false),
        Field::new("first_seq", DataType::UInt64, false),
        Field::new("last_seq", DataType::UInt64, false),
        Field::new("first_timestamp", timestamp_type(), true),
        Field::new("last_timestamp", timestamp_type(), true),
        Field::new("msgs", DataType::UInt64, false),
        Field::new("bytes", DataType::UInt64, false),
        Field::new("max_msgs", DataType::Int64, true),
        Field::new("max_bytes", DataType::Int64, true),
        Field::new("max_age_ns", DataType::Int64, true),
        Field::new("max_subs", DataType::Int64, true),
        Field::new("max_inactivity_ns", DataType::Int64, true),
        Field::new("limits_source", DataType::Utf8, false),
        Field::new("exported_rows", DataType::UInt64, false),
    ]))
}

fn pending_item() -> Arc<Field> {
    Arc::new(Field::new("item", DataType::UInt64, false))
}

fn subscription_schema() -> SchemaRef {
    Arc::new(Schema::new(vec![
        Field::new("channel", DataType::Utf8, false),
        Field::new("id", DataType::UInt64, false),
        Field::new("client_id", DataType::Utf8, false),
        Field::new("inbox", DataType::Utf8, false),
        Field::new("ack_inbox", DataType::Utf8, false),
        Field::new("durable_name", DataType::Utf8, false),
        Field::new("queue_group", DataType::Utf8, false),
        Field::new("max_in_flight", DataType::Int32, false),
        Field::new("ack_wait_s", DataType::Int32, false),
        Field::new("last_sent", DataType::UInt64, false),
        Field::new("pending", DataType::List(pending_item()), false),
        Field::new("is_durable", DataType::Boolean, false),
        Field::new("is_closed", DataType::Boolean, false),
    ]))
}

fn client_schema() -> SchemaRef {
    Arc::new(Schema::new(vec![
        Field::new("id", DataType::Utf8, false),
        Field::new("hb_inbox", DataType::Utf8, false),
        Field::new("conn_id", DataType::Binary, true),
        Field::new("protocol", DataType::Int32, true),
        Field::new("ping_interval", DataType::Int32, true),
        Field::new("ping_max_out", DataType::Int32, true),
    ]))
}

fn parquet_error(path: &Path, e: impl std::fmt::Display) -> StoreError {
    StoreError::Invalid(format!("{}: parquet: {e}", path.display()))
}

fn arrow_error(what: &str, e: impl std::fmt::Display) -> StoreError {
    StoreError::Invalid(format!("building {what} rows: {e}"))
}

fn properties(opts: &ExportOptions) -> Result<WriterProperties> {
    let level = ZstdLevel::try_new(opts.zstd_level)
        .map_err(|e| StoreError::Invalid(format!("zstd level {}: {e}", opts.zstd_level)))?;
    if opts.row_group_bytes == 0 || opts.row_group_rows == 0 || opts.split_bytes == 0 {
        return Err(StoreError::Invalid(
            "row group bytes, row group rows and split size must be above 0".into(),
        ));
    }
    // Min/max of seq and timestamp let readers skip row groups; a payload
    // or subject min/max only costs space. A dictionary pays only where
    // values repeat (subject, reply, and the state files' few rows): for
    // payloads, sequences and times it hashes every value and then falls
    // back to plain. Sequences and times grow steadily, so delta encoding
    // leaves zstd little to do. Payloads are written as DELTA_LENGTH_BYTE_ARRAY
    // (lengths apart, then the bytes back to back) rather than PLAIN (each
    // value behind its 4-byte length): on incompressible payloads zstd then
    // sees bytes without the repeated length prefixes and gives up on its
    // Huffman pass at once, which PLAIN made it run on every block.
    let mut builder = WriterProperties::builder()
        .set_compression(Compression::ZSTD(level))
        .set_max_row_group_bytes(Some(opts.row_group_bytes))
        .set_max_row_group_row_count(Some(opts.row_group_rows))
        .set_statistics_enabled(EnabledStatistics::None)
        .set_column_statistics_enabled("seq".into(), EnabledStatistics::Page)
        .set_column_statistics_enabled("timestamp".into(), EnabledStatistics::Page)
        .set_column_dictionary_enabled("payload".into(), false)
        .set_column_encoding("payload".into(), Encoding::DELTA_LENGTH_BYTE_ARRAY);
    for column in ["seq", "timestamp", "payload_size"] {
        builder = builder
            .set_column_dictionary_enabled(column.into(), false)
            .set_column_encoding(column.into(), Encoding::DELTA_BINARY_PACKED);
    }
    Ok(builder.build())
}

/// Payload bytes zstd is tried on at the start of each part.
const SAMPLE_BYTES: usize = 1 << 20;
/// A smaller sample decides nothing: zstd's frame costs more than a few
/// short payloads can save, and redundancy between messages only shows
/// over many.
const MIN_SAMPLE_BYTES: usize = 64 << 10;

/// Whether zstd at `level` is worth it on the payloads of a new part whose
/// first rows are `first`: it must save 1/32 of a sample of them (up to
/// [`SAMPLE_BYTES`]); None when the sample is under [`MIN_SAMPLE_BYTES`].
/// On payloads that do not compress (random, already compressed or
/// encrypted bytes) zstd only copies them into raw blocks, at a fifth of
/// the export's CPU (benchmark store, 4 x 1M random 256-byte payloads:
/// 2.53 s user+sys with zstd on the payloads, 2.07 s without, the output
/// no larger: raw blocks have headers too). A part is up to `--split-size`,
/// so a channel whose payloads change decides again at its next part.
fn zstd_pays_on(level: i32, first: &RecordBatch) -> Option<bool> {
    let payloads = first
        .column_by_name("payload")?
        .as_any()
        .downcast_ref::<BinaryArray>()?;
    let offsets = payloads.value_offsets();
    let start = usize::try_from(*offsets.first()?).ok()?;
    let end = offsets
        .iter()
        .filter_map(|&o| usize::try_from(o).ok())
        .find(|&o| o.saturating_sub(start) >= SAMPLE_BYTES)
        .or_else(|| offsets.last().and_then(|&o| usize::try_from(o).ok()))?;
    let sample = payloads.value_data().get(start..end)?;
    if sample.len() < MIN_SAMPLE_BYTES {
        return None;
    }
    // zstd failing on a sample would fail on the pages too, and report it there.
    let compressed = zstd::bulk::compress(sample, level).ok()?;
    let saved = sample.len().saturating_sub(compressed.len());
    Some(saved >= sample.len() / 32)
}

/// One Parquet file being written under the staging directory.
struct PartFile {
    path: PathBuf,
    writer: ArrowWriter<BufWriter<File>>,
}

impl PartFile {
    fn create(path: PathBuf, schema: SchemaRef, props: WriterProperties) -> Result<Self> {
        let file = File::create(&path).map_err(|e| StoreError::io(&path, e))?;
        let writer =
            ArrowWriter::try_new(BufWriter::with_capacity(1 << 20, file), schema, Some(props))
                .map_err(|e| parquet_error(&path, e))?;
        Ok(PartFile { path, writer })
    }

    fn write(&mut self, batch: &RecordBatch) -> Result<()> {
        self.writer
            .write(batch)
            .map_err(|e| parquet_error(&self.path, e))
    }

    /// Bytes written plus the row group in progress.
    fn size(&self) -> u64 {
        (self.writer.bytes_written() + self.writer.in_progress_size()) as u64
    }

    /// Close the file; returns its size and row group count.
    fn close(self) -> Result<(u64, usize)> {
        let meta = self
            .writer
            .close()
            .map_err(|e| parquet_error(&self.path, e))?;
        let size = fs::metadata(&self.path)
            .map_err(|e| StoreError::io(&self.path, e))?
            .len();
        Ok((size, meta.num_row_groups()))
    }
}

/// Rows of message columns not handed to the writer yet.
struct MessageRows {
    seq: UInt64Builder,
    timestamp: TimestampNanosecondBuilder,
    subject: StringBuilder,
    reply: StringBuilder,
    payload: BinaryBuilder,
    payload_size: UInt64Builder,
    /// `ends[i]`: raw bytes of the rows up to and including row `i`.
    ends: Vec<usize>,
    bytes: usize,
}

/// Rows are handed to the writer in batches of about this many bytes,
/// keeping the copy between store and writer small.
const BATCH_BYTES: usize = 4 << 20;
const BATCH_ROWS: usize = 64 * 1024;
/// Batches read ahead of the writer thread: memory stays bounded at about
/// (this + 2) x [`BATCH_BYTES`] besides the row group being encoded.
const BATCHES_AHEAD: usize = 2;

/// Message rows on their way to the writer thread, with the raw size of
/// each prefix so the writer can cut them at the split size.
struct MessageBatch {
    rows: RecordBatch,
    ends: Vec<usize>,
}

impl MessageRows {
    /// Builders with room for `rows` rows and the given bytes of subjects,
    /// replies and payloads.
    fn with_capacity(rows: usize, subjects: usize, replies: usize, payloads: usize) -> Self {
        MessageRows {
            seq: UInt64Builder::with_capacity(rows),
            timestamp: TimestampNanosecondBuilder::with_capacity(rows).with_timezone("UTC"),
            subject: StringBuilder::with_capacity(rows, subjects),
            reply: StringBuilder::with_capacity(rows, replies),
            payload: BinaryBuilder::with_capacity(rows, payloads),
            payload_size: UInt64Builder::with_capacity(rows),
            ends: Vec::with_capacity(rows),
            bytes: 0,
        }
    }

    fn push(&mut self, m: &MessageRef<'_>) {
        self.seq.append_value(m.seq);
        self.timestamp.append_value(m.timestamp);
        self.subject.append_value(text_ref(m.subject));
        if m.reply.is_empty() {
            self.reply.append_null();
        } else {
            self.reply.append_value(text_ref(m.reply));
        }
        self.payload.append_value(m.data);
        self.payload_size.append_value(m.data.len() as u64);
        self.bytes += m.data.len() + m.subject.len() + m.reply.len() + 24;
        self.ends.push(self.bytes);
    }

    fn full(&self) -> bool {
        self.bytes >= BATCH_BYTES || self.ends.len() >= BATCH_ROWS
    }

    /// The rows so far as a batch; the builders start again with room for a
    /// batch like this one. Grown from empty instead (as `finish` leaves
    /// them), the payload buffer was copied once more by its reallocations.
    fn take(&mut self) -> Result<MessageBatch> {
        let next = MessageRows::with_capacity(
            self.ends.len(),
            self.subject.values_slice().len(),
            self.reply.values_slice().len(),
            self.payload.values_slice().len(),
        );
        let mut full = std::mem::replace(self, next);
        let columns: Vec<ArrayRef> = vec![
            Arc::new(full.seq.finish()),
            Arc::new(full.timestamp.finish()),
            Arc::new(full.subject.finish()),
            Arc::new(full.reply.finish()),
            Arc::new(full.payload.finish()),
            Arc::new(full.payload_size.finish()),
        ];
        let rows = RecordBatch::try_new(message_schema(), columns)
            .map_err(|e| arrow_error("message", e))?;
        Ok(MessageBatch {
            rows,
            ends: full.ends,
        })
    }
}

/// Writes one channel's partition, starting a new part at the split size.
struct ChannelWriter<'a> {
    dir: PathBuf,
    props: &'a WriterProperties,
    opts: &'a ExportOptions,
    file: Option<PartFile>,
    next_part: usize,
    /// zstd on the payload column of the part being written; a part whose
    /// first rows are too few to tell keeps the choice of the one before.
    zstd_payloads: bool,
    report: ChannelExport,
}

impl<'a> ChannelWriter<'a> {
    /// Write a batch, cut where it would take a part past the split size
    /// (or a row group past its size): a slice holds no more raw bytes than
    /// the room left (at least one row), so a part ends within one message
    /// of the split size; encoded sizes are at most the raw ones.
    fn write(&mut self, batch: &MessageBatch) -> Result<()> {
        let total = batch.rows.num_rows();
        let mut start = 0;
        while start < total {
            let before = start.checked_sub(1).map_or(0, |i| batch.ends[i]);
            let room = self.room();
            let fit = batch.ends[start..]
                .partition_point(|&end| end - before <= room)
                .max(1);
            self.write_part(&batch.rows.slice(start, fit))?;
            start += fit;
        }
        Ok(())
    }

    fn write_part(&mut self, batch: &RecordBatch) -> Result<()> {
        if self.file.is_none() {
            if self.next_part == 0 {
                fs::create_dir_all(&self.dir).map_err(|e| StoreError::io(&self.dir, e))?;
            }
            let name = format!("part-{:05}.parquet", self.next_part);
            self.next_part += 1;
            if let Some(pays) = zstd_pays_on(self.opts.zstd_level, batch) {
                self.zstd_payloads = pays;
            }
            let props = if self.zstd_payloads {
                self.props.clone()
            } else {
                self.props
                    .clone()
                    .into_builder()
                    .set_column_compression("payload".into(), Compression::UNCOMPRESSED)
                    .build()
            };
            self.file = Some(PartFile::create(
                self.dir.join(&name),
                message_schema(),
                props,
            )?);
            self.report.files.push(name);
        }
        if let Some(file) = self.file.as_mut() {
            file.write(batch)?;
            if file.size() >= self.opts.split_bytes {
                self.close_part()?;
            }
        }
        Ok(())
    }

    /// Raw bytes the next slice may hold: the room left before the split
    /// size, and no more than a row group.
    fn room(&self) -> usize {
        let room = match &self.file {
            Some(file) => self.opts.split_bytes.saturating_sub(file.size()),
            None => self.opts.split_bytes,
        };
        let room = usize::try_from(room).unwrap_or(usize::MAX);
        self.opts.row_group_bytes.min(room)
    }

    fn close_part(&mut self) -> Result<()> {
        if let Some(file) = self.file.take() {
            let (size, groups) = file.close()?;
            self.report.bytes_out += size;
            self.report.row_groups += groups;
        }
        Ok(())
    }
}

/// Keep the memory of freed buffers in the process for the export's next
/// ones (glibc only; elsewhere nothing changes). The export allocates and
/// frees by the megabyte: batches of [`BATCH_BYTES`], and the pages of a
/// row group, all freed when it is written. By default glibc maps blocks
/// above a threshold (128 KiB, raised to the largest block freed) on their
/// own and hands freed memory above twice that back to the kernel, so
/// every new buffer was faulted in again page by page: ~96k page faults
/// exporting 4 x 250k messages of 256 bytes, with as much system time as
/// user time. With blocks up to 8 MiB served from the heap and up to a row
/// group of free memory kept, 35-45k faults and 40% less system time. The
/// cost: a row group's worth of freed memory may stay in the process (peak
/// RSS 117 MiB, in some runs 175 MiB); a smaller trim threshold (32 MiB)
/// lost most of the gain.
pub fn keep_freed_memory(opts: &ExportOptions) {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    #[allow(unsafe_code)]
    {
        let trim = libc::c_int::try_from(opts.row_group_bytes).unwrap_or(libc::c_int::MAX);
        // SAFETY: mallopt takes two integers and only sets malloc's
        // parameters, under malloc's own lock; it is called before the
        // export starts its threads. A value it refuses leaves the default,
        // which is only slower.
        unsafe {
            libc::mallopt(libc::M_MMAP_THRESHOLD, 8 << 20);
            libc::mallopt(libc::M_TRIM_THRESHOLD, trim);
        }
    }
    #[cfg(not(all(target_os = "linux", target_env = "gnu")))]
    let _ = opts;
}

/// Export the store into `target` (which must not exist or be empty). The
/// dataset is written in a staging directory and renamed at the end; on
/// any error nothing is left at the target.
pub fn export_parquet(
    store: &mut dyn StoreReader,
    target: &Path,
    opts: &ExportOptions,
    progress: &mut dyn Progress,
) -> Result<ExportReport> {
    let props = properties(opts)?;
    let staging = Staging::create(target)?;
    let root = staging.path().to_path_buf();
    let mut report = ExportReport {
        cluster_id: store
            .server_info()?
            .map(|i| i.cluster_id)
            .unwrap_or_default(),
        ..ExportReport::default()
    };
    let names: Vec<String> = store
        .channel_names()?
        .into_iter()
        .filter(|n| opts.wants(n))
        .collect();
    let mut channel_rows = ChannelRows::new();
    let mut sub_rows = SubscriptionRows::new();
    for name in &names {
        let stats = store.channel_stats(name)?;
        progress.channel_start(name, stats.counts.msgs);
        let exported = export_channel(store, name, &root, opts, &props, progress)?;
        progress.channel_end();
        let (limits, source) = store.channel_limits(name)?;
        channel_rows.push(&stats, &limits, source, exported.rows);
        for sub in store.subscriptions(name)? {
            sub_rows.push(&sub);
            report.subscriptions += 1;
        }
        report.rows += exported.rows;
        report.bytes_in += exported.bytes_in;
        report.bytes_out += exported.bytes_out;
        report.channels.push(exported);
    }
    let clients = store.clients()?;
    report.clients = clients.len();
    let state = [
        ("channels.parquet", channel_rows.finish()?),
        ("subscriptions.parquet", sub_rows.finish()?),
        ("clients.parquet", client_batch(&clients)?),
    ];
    for (name, batch) in state {
        let mut file = PartFile::create(root.join(name), batch.schema(), props.clone())?;
        file.write(&batch)?;
        report.bytes_out += file.close()?.0;
    }
    staging.publish()?;
    Ok(report)
}

fn export_channel(
    store: &mut dyn StoreReader,
    name: &str,
    root: &Path,
    opts: &ExportOptions,
    props: &WriterProperties,
    progress: &mut dyn Progress,
) -> Result<ChannelExport> {
    let mut out = ChannelWriter {
        dir: root.join("messages").join(partition_dir(name)),
        props,
        opts,
        file: None,
        next_part: 0,
        zstd_payloads: true,
        report: ChannelExport {
            name: name.to_string(),
            ..ChannelExport::default()
        },
    };
    // Arrow encoding and zstd take most of the time: they run on a second
    // thread while this one reads the store and fills the next batch.
    let (batches, received) = sync_channel::<MessageBatch>(BATCHES_AHEAD);
    std::thread::scope(|scope| {
        let writer = scope.spawn(move || -> Result<ChannelExport> {
            for batch in received {
                out.write(&batch)?;
            }
            out.close_part()?;
            Ok(out.report)
        });
        let read = read_channel(store, name, opts, progress, batches);
        let written = writer
            .join()
            .map_err(|_| StoreError::Invalid(format!("channel {name:?}: parquet writer failed")))?;
        // A writer error stops the reading (its send fails): the writer's
        // error is then the cause.
        match (read, written) {
            (Ok((rows, bytes_in)), Ok(mut report)) => {
                report.rows = rows;
                report.bytes_in = bytes_in;
                Ok(report)
            }
            (Err(ReadStop::Store(e)), _) => Err(e),
            (Err(ReadStop::WriterGone), Err(e)) | (Ok(_), Err(e)) => Err(e),
            (Err(ReadStop::WriterGone), Ok(_)) => Err(StoreError::Invalid(format!(
                "channel {name:?}: parquet writer stopped early"
            ))),
        }
    })
}

/// Why reading a channel stopped.
enum ReadStop {
    Store(StoreError),
    /// The writer thread stopped (on an error it reports itself).
    WriterGone,
}

/// Read a channel's messages into batches for the writer thread; returns
/// the rows and payload bytes read.
fn read_channel(
    store: &mut dyn StoreReader,
    name: &str,
    opts: &ExportOptions,
    progress: &mut dyn Progress,
    batches: SyncSender<MessageBatch>,
) -> std::result::Result<(u64, u64), ReadStop> {
    let mut rows = MessageRows::with_capacity(0, 0, 0, 0);
    let (mut count, mut bytes_in) = (0u64, 0u64);
    // The visitor can only return an I/O error: the real one waits here.
    let mut failure: Option<ReadStop> = None;
    let send = |rows: &mut MessageRows, failure: &mut Option<ReadStop>| {
        let sent = match rows.take() {
            Ok(batch) => batches.send(batch).map_err(|_| ReadStop::WriterGone),
            Err(e) => Err(ReadStop::Store(e)),
        };
        sent.map_err(|e| stop(failure, e))
    };
    let walk = store.walk(
        name,
        opts.range,
        Visit::Messages(&mut |item| {
            let m = item.map_err(|e| stop(&mut failure, ReadStop::Store(e)))?;
            if !opts.keep_encrypted {
                if let Some(cipher) = likely_envelope(m.data) {
                    let e = StoreError::NeedsKey {
                        location: format!("channel {name:?} seq {}", m.seq),
                        message: format!(
                            "the payload is encrypted ({}); \
                         give the key, or keep the ciphertext deliberately",
                            cipher.name()
                        ),
                    };
                    return Err(stop(&mut failure, ReadStop::Store(e)));
                }
            }
            rows.push(&m);
            count += 1;
            bytes_in += m.data.len() as u64;
            progress.message(m.data.len() as u64);
            if rows.full() {
                send(&mut rows, &mut failure)?;
            }
            Ok(())
        }),
    );
    if let Some(stopped) = failure {
        return Err(stopped);
    }
    walk.map_err(ReadStop::Store)?;
    if !rows.ends.is_empty() {
        let mut failure = None;
        if send(&mut rows, &mut failure).is_err() {
            return Err(failure.unwrap_or(ReadStop::WriterGone));
        }
    }
    Ok((count, bytes_in))
}

fn stop(slot: &mut Option<ReadStop>, e: ReadStop) -> std::io::Error {
    let io = std::io::Error::other(match &e {
        ReadStop::Store(e) => e.to_string(),
        ReadStop::WriterGone => "parquet writer stopped".to_string(),
    });
    *slot = Some(e);
    io
}

struct ChannelRows {
    name: StringBuilder,
    first_seq: UInt64Builder,
    last_seq: UInt64Builder,
    first_timestamp: TimestampNanosecondBuilder,
    last_timestamp: TimestampNanosecondBuilder,
    msgs: UInt64Builder,
    bytes: UInt64Builder,
    limits: [Int64Builder; 5],
    source: StringBuilder,
    exported: UInt64Builder,
}

impl ChannelRows {
    fn new() -> Self {
        ChannelRows {
            name: StringBuilder::new(),
            first_seq: UInt64Builder::new(),
            last_seq: UInt64Builder::new(),
            first_timestamp: TimestampNanosecondBuilder::new().with_timezone("UTC"),
            last_timestamp: TimestampNanosecondBuilder::new().with_timezone("UTC"),
            msgs: UInt64Builder::new(),
            bytes: UInt64Builder::new(),
            limits: std::array::from_fn(|_| Int64Builder::new()),
            source: StringBuilder::new(),
            exported: UInt64Builder::new(),
        }
    }

    fn push(&mut self, s: &ChannelStats, l: &Limits, source: LimitsSource, exported: u64) {
        self.name.append_value(&s.name);
        self.first_seq.append_value(s.counts.first_seq);
        self.last_seq.append_value(s.counts.last_seq);
        self.first_timestamp.append_option(s.counts.first_timestamp);
        self.last_timestamp.append_option(s.counts.last_timestamp);
        self.msgs.append_value(s.counts.msgs);
        self.bytes.append_value(s.counts.bytes);
        let values = [
            l.max_msgs,
            l.max_bytes,
            l.max_age_ns,
            l.max_subs,
            l.max_inactivity_ns,
        ];
        for (b, v) in self.limits.iter_mut().zip(values) {
            b.append_option(v);
        }
        self.source.append_value(match source {
            LimitsSource::Config => "config",
            LimitsSource::Store => "store",
            LimitsSource::Unknown => "unknown",
        });
        self.exported.append_value(exported);
    }

    fn finish(mut self) -> Result<RecordBatch> {
        let mut columns: Vec<ArrayRef> = vec![
            Arc::new(self.name.finish()),
            Arc::new(self.first_seq.finish()),
            Arc::new(self.last_seq.finish()),
            Arc::new(self.first_timestamp.finish()),
            Arc::new(self.last_timestamp.finish()),
            Arc::new(self.msgs.finish()),
            Arc::new(self.bytes.finish()),
        ];
        for b in &mut self.limits {
            columns.push(Arc::new(b.finish()));
        }
        columns.push(Arc::new(self.source.finish()));
        columns.push(Arc::new(self.exported.finish()));
        RecordBatch::try_new(channel_schema(), columns).map_err(|e| arrow_error("channel", e))
    }
}

/// Subscription rows. They are few (one per subscription), but their
/// pending lists are not bounded: held until the end like the server holds
/// them in memory.
struct SubscriptionRows {
    channel: StringBuilder,
    id: UInt64Builder,
    texts: [StringBuilder; 5],
    max_in_flight: Int32Builder,
    ack_wait_s: Int32Builder,
    last_sent: UInt64Builder,
    pending: ListBuilder<UInt64Builder>,
    is_durable: BooleanBuilder,
    is_closed: BooleanBuilder,
}

impl SubscriptionRows {
    fn new() -> Self {
        SubscriptionRows {
            channel: StringBuilder::new(),
            id: UInt64Builder::new(),
            texts: std::array::from_fn(|_| StringBuilder::new()),
            max_in_flight: Int32Builder::new(),
            ack_wait_s: Int32Builder::new(),
            last_sent: UInt64Builder::new(),
            pending: ListBuilder::new(UInt64Builder::new()).with_field(pending_item()),
            is_durable: BooleanBuilder::new(),
            is_closed: BooleanBuilder::new(),
        }
    }

    fn push(&mut self, s: &crate::model::Subscription) {
        self.channel.append_value(&s.channel);
        self.id.append_value(s.id);
        let texts = [
            &s.client_id,
            &s.inbox,
            &s.ack_inbox,
            &s.durable_name,
            &s.queue_group,
        ];
        for (b, v) in self.texts.iter_mut().zip(texts) {
            b.append_value(v);
        }
        self.max_in_flight.append_value(s.max_in_flight);
        self.ack_wait_s.append_value(s.ack_wait_s);
        self.last_sent.append_value(s.last_sent);
        self.pending.values().append_slice(&s.pending);
        self.pending.append(true);
        self.is_durable.append_value(s.is_durable);
        self.is_closed.append_value(s.is_closed);
    }

    fn finish(mut self) -> Result<RecordBatch> {
        let mut columns: Vec<ArrayRef> =
            vec![Arc::new(self.channel.finish()), Arc::new(self.id.finish())];
        for b in &mut self.texts {
            columns.push(Arc::new(b.finish()));
        }
        columns.push(Arc::new(self.max_in_flight.finish()));
        columns.push(Arc::new(self.ack_wait_s.finish()));
        columns.push(Arc::new(self.last_sent.finish()));
        columns.push(Arc::new(self.pending.finish()));
        columns.push(Arc::new(self.is_durable.finish()));
        columns.push(Arc::new(self.is_closed.finish()));
        RecordBatch::try_new(subscription_schema(), columns)
            .map_err(|e| arrow_error("subscription", e))
    }
}

fn client_batch(clients: &[crate::model::Client]) -> Result<RecordBatch> {
    let mut id = StringBuilder::new();
    let mut hb_inbox = StringBuilder::new();
    let mut conn_id = BinaryBuilder::new();
    let mut ints: [Int32Builder; 3] = std::array::from_fn(|_| Int32Builder::new());
    for c in clients {
        id.append_value(&c.id);
        hb_inbox.append_value(&c.hb_inbox);
        conn_id.append_option(c.conn_id.as_deref());
        for (b, v) in ints
            .iter_mut()
            .zip([c.protocol, c.ping_interval, c.ping_max_out])
        {
            b.append_option(v);
        }
    }
    let mut columns: Vec<ArrayRef> = vec![
        Arc::new(id.finish()),
        Arc::new(hb_inbox.finish()),
        Arc::new(conn_id.finish()),
    ];
    for b in &mut ints {
        columns.push(Arc::new(b.finish()));
    }
    RecordBatch::try_new(client_schema(), columns).map_err(|e| arrow_error("client", e))
}

// ------------------------------------------------------------------ verify

/// The outcome of re-reading a dataset and comparing it with the store.
#[derive(Debug, Clone, Default, Serialize)]
pub struct ExportVerify {
    pub ok: bool,
    pub rows_compared: u64,
    pub subscriptions_compared: usize,
    /// The first differences found (at most 20).
    pub differences: Vec<String>,
    pub difference_count: usize,
}

impl ExportVerify {
    fn differ(&mut self, what: String) {
        self.difference_count += 1;
        if self.differences.len() < 20 {
            self.differences.push(what);
        }
    }
}

/// Re-read the dataset at `target` with the Parquet reader and compare
/// every message row, subscription and client with the store.
pub fn verify_parquet(
    store: &mut dyn StoreReader,
    target: &Path,
    opts: &ExportOptions,
    report: &ExportReport,
) -> Result<ExportVerify> {
    let mut v = ExportVerify::default();
    for channel in &report.channels {
        let dir = target.join("messages").join(partition_dir(&channel.name));
        let mut stored = store.messages(&channel.name, opts.range)?;
        for file in &channel.files {
            let path = dir.join(file);
            for batch in read_batches(&path)? {
                let batch = batch.map_err(|e| parquet_error(&path, e))?;
                let cols = MessageColumns::of(&batch, &path)?;
                for row in 0..batch.num_rows() {
                    let ctx = format!("{} row {row}", path.display());
                    let Some(m) = stored.next() else {
                        v.differ(format!("{ctx}: not in the store"));
                        break;
                    };
                    let m = m?;
                    v.rows_compared += 1;
                    let reply = (!cols.reply.is_null(row)).then(|| cols.reply.value(row));
                    let same = cols.seq.value(row) == m.seq
                        && cols.timestamp.value(row) == m.timestamp
                        && cols.subject.value(row) == m.subject
                        && reply.unwrap_or("") == m.reply
                        && (reply != Some(""))
                        && cols.payload.value(row) == &m.data[..]
                        && cols.payload_size.value(row) == m.data.len() as u64;
                    if !same {
                        v.differ(format!("{ctx}: differs from seq {}", m.seq));
                    }
                }
            }
        }
        if let Some(m) = stored.next() {
            let seq = m
                .map(|m| m.seq.to_string())
                .unwrap_or_else(|e| e.to_string());
            v.differ(format!(
                "channel {:?}: store message {seq} and later missing from the dataset",
                channel.name
            ));
        }
    }
    v.subscriptions_compared = verify_state(store, target, &report.channels, &mut v)?;
    v.ok = v.difference_count == 0;
    Ok(v)
}

fn read_batches(path: &Path) -> Result<parquet::arrow::arrow_reader::ParquetRecordBatchReader> {
    let file = File::open(path).map_err(|e| StoreError::io(path, e))?;
    ParquetRecordBatchReaderBuilder::try_new(file)
        .and_then(|b| b.with_batch_size(8192).build())
        .map_err(|e| parquet_error(path, e))
}

/// Typed columns of a message batch.
struct MessageColumns<'a> {
    seq: &'a UInt64Array,
    timestamp: &'a TimestampNanosecondArray,
    subject: &'a StringArray,
    reply: &'a StringArray,
    payload: &'a BinaryArray,
    payload_size: &'a UInt64Array,
}

fn column<'a, T: 'static>(batch: &'a RecordBatch, name: &str, path: &Path) -> Result<&'a T> {
    batch
        .column_by_name(name)
        .and_then(|c| c.as_any().downcast_ref::<T>())
        .ok_or_else(|| parquet_error(path, format!("column {name} missing or of another type")))
}

impl<'a> MessageColumns<'a> {
    fn of(batch: &'a RecordBatch, path: &Path) -> Result<Self> {
        Ok(MessageColumns {
            seq: column(batch, "seq", path)?,
            timestamp: column(batch, "timestamp", path)?,
            subject: column(batch, "subject", path)?,
            reply: column(batch, "reply", path)?,
            payload: column(batch, "payload", path)?,
            payload_size: column(batch, "payload_size", path)?,
        })
    }
}

/// Compare subscriptions and clients; returns how many subscriptions were
/// compared.
fn verify_state(
    store: &mut dyn StoreReader,
    target: &Path,
    channels: &[ChannelExport],
    v: &mut ExportVerify,
) -> Result<usize> {
    let mut want = SubscriptionRows::new();
    let mut count = 0;
    for c in channels {
        for sub in store.subscriptions(&c.name)? {
            want.push(&sub);
            count += 1;
        }
    }
    let checks = [
        ("subscriptions.parquet", want.finish()?),
        ("clients.parquet", client_batch(&store.clients()?)?),
    ];
    for (name, want) in checks {
        let path = target.join(name);
        let mut got = Vec::new();
        for batch in read_batches(&path)? {
            got.push(batch.map_err(|e| parquet_error(&path, e))?);
        }
        let got = arrow_select_concat(&want.schema(), &got, &path)?;
        if got != want {
            v.differ(format!("{}: differs from the store", path.display()));
        }
    }
    Ok(count)
}

/// One batch of all of a small file's rows.
fn arrow_select_concat(
    schema: &SchemaRef,
    batches: &[RecordBatch],
    path: &Path,
) -> Result<RecordBatch> {
    if batches.is_empty() {
        return Ok(RecordBatch::new_empty(schema.clone()));
    }
    arrow_select::concat::concat_batches(schema, batches).map_err(|e| parquet_error(path, e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hive_escapes_like_hive() {
        assert_eq!(hive_escape("orders.eu"), "orders.eu");
        assert_eq!(hive_escape("a=b/c:d"), "a%3Db%2Fc%3Ad");
        assert_eq!(hive_escape("100%"), "100%25");
        assert_eq!(hive_escape("x\u{1}y\u{7f}"), "x%01y%7F");
        assert_eq!(
            hive_escape("[a]{b}^#?'\"*\\"),
            "%5Ba%5D%7Bb}%5E%23%3F%27%22%2A%5C"
        );
        assert_eq!(hive_escape("naïve-x_y z"), "naïve-x_y z");
    }

    #[test]
    fn channel_patterns_select() {
        let opts = ExportOptions {
            channels: vec!["orders.*".into(), "audit.>".into()],
            ..ExportOptions::default()
        };
        assert!(opts.wants("orders.eu"));
        assert!(!opts.wants("orders.eu.x"));
        assert!(opts.wants("audit.log.x"));
        assert!(!opts.wants("payments"));
    }
}
