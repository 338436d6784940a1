//! The SQL store writer: builds a store the real server recovers (docs/FORMAT.md
//! 4.2 - 4.6, migration rules in section 9) in PostgreSQL, MySQL/MariaDB or
//! SQLite.
//!
//! Everything is written inside one transaction that only
//! [`StoreWriter::finish`] commits (SQLite: a temporary file renamed into
//! place), so a migration that fails or is interrupted leaves the target as
//! it was. The `ServerInfo` row, without which the server treats a
//! database as new, is written last, just before the commit.
//!
//! Rows are batched per table (PostgreSQL: binary `COPY`; MySQL: multi-row
//! `INSERT`s sized under `max_allowed_packet`; SQLite: cached prepared
//! statements), so memory stays bounded whatever the size of a channel.
//!
//! Subscription IDs are renumbered to be unique across the database (the
//! file store numbers them per channel, `SubsPending` is keyed by subid
//! only), and the pending sets are written in the row style the target
//! server's `sql_no_caching` setting expects (4.5).

use std::collections::{HashMap, HashSet};
use std::fmt::Write as _;

use prost::Message as _;

use super::catalog::Catalog;
use super::conn::Conn;
use super::dsn::Dsn;
use super::schema::COLUMNS;
use super::SqlDriver;
use crate::error::{Result, StoreError};
use crate::model::{ChannelStats, Client, Limits, Message, ServerInfo, Subscription};
use crate::proto;
use crate::store::StoreWriter;

mod lite;
mod my;

pub(crate) use lite::file_path as sqlite_file_path;
mod pg;
pub use pg::MIGRATION_LOCK_KEY;

/// How to write the target store.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SqlWriterOptions {
    /// The target server's `sql_no_caching` (`-sql_no_caching`): one
    /// `SubsPending` row per pending sequence instead of one JSON row per
    /// subscription. It must match the server's setting, or acks of the
    /// migrated pending messages are never persisted (docs/FORMAT.md 4.5).
    pub no_caching: bool,
    /// Delete every row of a target that already holds a store (in the same
    /// transaction; SQLite: replace the file) instead of refusing.
    pub force: bool,
}

/// Opens `source` for writing a new store. For PostgreSQL and MySQL the
/// STAN tables are created when the database has none; a database whose
/// tables hold rows is refused unless `opts.force`. For SQLite `source` is
/// the file to create; an existing non-empty file is refused unless
/// `opts.force`.
pub fn create_writer(
    driver: SqlDriver,
    source: &str,
    opts: SqlWriterOptions,
) -> Result<Box<dyn StoreWriter>> {
    let dsn = Dsn::parse(driver, source)?;
    let target: Box<dyn Target> = match &dsn {
        Dsn::Postgres(d) => Box::new(pg::PgTarget::open(d, opts.force)?),
        Dsn::Mysql(d) => Box::new(my::MyTarget::open(d, opts.force)?),
        Dsn::Sqlite(d) => Box::new(lite::LiteTarget::open(d, opts.force)?),
    };
    Ok(Box::new(SqlWriter::new(target, opts)))
}

// ---------------------------------------------------------------- rows

/// The tables the writer fills (`StoreLock` is left alone).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) enum Table {
    ServerInfo,
    Clients,
    Channels,
    Messages,
    Subscriptions,
    SubsPending,
}

impl Table {
    /// Every table, in the order buffered rows are flushed; `ServerInfo`
    /// comes last.
    pub(crate) const ALL: [Table; 6] = [
        Table::Clients,
        Table::Channels,
        Table::Messages,
        Table::Subscriptions,
        Table::SubsPending,
        Table::ServerInfo,
    ];

    /// The server's spelling.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Table::ServerInfo => "ServerInfo",
            Table::Clients => "Clients",
            Table::Channels => "Channels",
            Table::Messages => "Messages",
            Table::Subscriptions => "Subscriptions",
            Table::SubsPending => "SubsPending",
        }
    }

    /// The columns the writer fills, in the order of its rows.
    pub(crate) fn columns(self) -> &'static [&'static str] {
        match self {
            Table::ServerInfo => &["uniquerow", "id", "proto", "version"],
            Table::Clients => &["id", "hbinbox", "proto"],
            Table::Channels => &[
                "id", "name", "maxseq", "maxmsgs", "maxbytes", "maxage", "deleted",
            ],
            Table::Messages => &["id", "seq", "timestamp", "size", "data"],
            Table::Subscriptions => &["id", "subid", "lastsent", "proto", "deleted"],
            Table::SubsPending => &["subid", "row", "seq", "lastsent", "pending", "acks"],
        }
    }

    /// How many leading columns form the primary key.
    fn key_len(self) -> usize {
        match self {
            Table::ServerInfo | Table::Clients | Table::Channels => 1,
            Table::Messages | Table::Subscriptions | Table::SubsPending => 2,
        }
    }
}

/// A column value as the writer produces it; each target converts it to
/// the column's type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Val<'a> {
    Null,
    Int(i64),
    UInt(u64),
    Bool(bool),
    Bytes(&'a [u8]),
    Text(&'a str),
}

impl Val<'_> {
    /// The value as an integer (booleans are 0/1).
    pub(crate) fn as_i128(&self) -> Option<i128> {
        match *self {
            Val::Int(v) => Some(i128::from(v)),
            Val::UInt(v) => Some(i128::from(v)),
            Val::Bool(b) => Some(i128::from(b)),
            _ => None,
        }
    }

    /// Approximate size on the wire.
    pub(crate) fn wire_len(&self) -> usize {
        match self {
            Val::Null => 0,
            Val::Int(_) | Val::UInt(_) => 8,
            Val::Bool(_) => 1,
            Val::Bytes(b) => b.len(),
            Val::Text(t) => t.len(),
        }
    }
}

/// `col=value, ...` for the key columns of a row.
pub(crate) fn describe_key(table: Table, row: &[Val<'_>]) -> String {
    let mut out = String::new();
    for (col, v) in table.columns().iter().zip(row).take(table.key_len()) {
        if !out.is_empty() {
            out.push_str(", ");
        }
        let _ = match v {
            Val::Null => write!(out, "{col}=NULL"),
            Val::Int(i) => write!(out, "{col}={i}"),
            Val::UInt(u) => write!(out, "{col}={u}"),
            Val::Bool(b) => write!(out, "{col}={b}"),
            Val::Bytes(b) => write!(out, "{col}=<{} bytes>", b.len()),
            Val::Text(t) => write!(out, "{col}={t:?}"),
        };
    }
    out
}

/// A target's state of a table whose rows it sends in batches.
pub(crate) trait Batched {
    fn batch(&self) -> &Batch;
}

/// The state of `table` when it holds a batch to send; `None` when it
/// holds no row (or the table was not prepared).
pub(crate) fn to_send<T: Batched>(tables: &mut HashMap<Table, T>, table: Table) -> Option<&mut T> {
    tables.get_mut(&table).filter(|tb| tb.batch().rows > 0)
}

/// The rows buffered for one table: counts and the keys of the first and
/// last row, to name them when the database refuses the batch.
#[derive(Debug, Default)]
pub(crate) struct Batch {
    pub(crate) rows: usize,
    pub(crate) bytes: usize,
    first: String,
    last: String,
}

impl Batch {
    pub(crate) fn note(&mut self, table: Table, row: &[Val<'_>], bytes: usize) {
        let key = describe_key(table, row);
        if self.rows == 0 {
            self.first.clone_from(&key);
        }
        self.last = key;
        self.rows += 1;
        self.bytes += bytes;
    }

    pub(crate) fn clear(&mut self) {
        self.rows = 0;
        self.bytes = 0;
        self.first.clear();
        self.last.clear();
    }

    /// `<target>: table T, key (...)`, or the key range of the batch.
    pub(crate) fn location(&self, target: &str, table: Table) -> String {
        if self.rows <= 1 {
            format!("{target}: table {}, key ({})", table.name(), self.first)
        } else {
            format!(
                "{target}: table {}, {} rows with keys ({}) to ({})",
                table.name(),
                self.rows,
                self.first,
                self.last
            )
        }
    }
}

pub(crate) fn sql_err(location: impl Into<String>, message: impl ToString) -> StoreError {
    StoreError::Sql {
        location: location.into(),
        message: message.to_string(),
    }
}

/// `<target>: table T, key (...)` for one row.
pub(crate) fn row_location(target: &str, table: Table, row: &[Val<'_>]) -> String {
    format!(
        "{target}: table {}, key ({})",
        table.name(),
        describe_key(table, row)
    )
}

/// A database being written, inside its transaction.
pub(crate) trait Target {
    /// How the server's driver writes an empty `pending`/`acks` list: the
    /// MySQL driver sends NULL, the PostgreSQL driver an empty byte string
    /// (docs/FORMAT.md 4.5).
    fn empty_list(&self) -> Val<'static>;

    /// Adds a row (`table.columns()` order); may only buffer it.
    fn insert(&mut self, table: Table, row: &[Val<'_>]) -> Result<()>;

    /// Adds a `Messages` row: `key` are its first four columns, `data`
    /// (the encoded MsgProto) the last. The buffer is given so that a
    /// target may send a large one as it is instead of copying it; what
    /// comes back may be reused.
    fn insert_message(&mut self, key: [Val<'_>; 4], data: Vec<u8>) -> Result<Vec<u8>> {
        let [id, seq, timestamp, size] = key;
        self.insert(
            Table::Messages,
            &[id, seq, timestamp, size, Val::Bytes(&data)],
        )?;
        Ok(data)
    }

    /// Sends the rows of `table` it buffered; a target that buffers
    /// nothing has nothing to send.
    fn send(&mut self, _table: Table) -> Result<()> {
        Ok(())
    }

    /// Sends every buffered row.
    fn flush(&mut self) -> Result<()> {
        for table in Table::ALL {
            self.send(table)?;
        }
        Ok(())
    }

    /// Sends what is buffered and commits: the store becomes visible.
    /// Dropping a target that was not committed rolls everything back.
    fn commit(&mut self) -> Result<()>;
}

// ---------------------------------------------------------------- schema

/// Checks that each STAN table the catalog found has the columns the
/// server's statements use.
pub(crate) fn inspect(driver: SqlDriver, catalog: &Catalog, target: &str) -> Result<()> {
    let blob = match driver {
        SqlDriver::Postgres => "BYTEA",
        _ => "BLOB",
    };
    for (table, cols) in COLUMNS {
        let Some(name) = catalog.actual(table) else {
            continue;
        };
        let have = catalog.column_names(table);
        let absent: Vec<&str> = cols.iter().copied().filter(|c| !have.contains(c)).collect();
        if table == "Clients" && absent == ["proto"] {
            return Err(sql_err(
                format!("{target}: table {name}"),
                format!(
                    "no proto column: the schema predates NATS Streaming v0.10.0, on which current servers do \
                     not start; add the column first with `ALTER TABLE {name} ADD proto {blob}`"
                ),
            ));
        }
        if !absent.is_empty() {
            return Err(sql_err(
                format!("{target}: table {name}"),
                format!(
                    "missing column(s) {} (the server's statements use {}); fix or drop the table",
                    absent.join(", "),
                    cols.join(", ")
                ),
            ));
        }
        if table == "Messages" && have != cols {
            return Err(sql_err(
                format!("{target}: table {name}"),
                format!(
                    "columns are ({}); the server inserts messages without a column list and needs exactly \
                     ({})",
                    have.join(", "),
                    cols.join(", ")
                ),
            ));
        }
    }
    Ok(())
}

/// Reads the catalog of the target and checks it ([`inspect`]).
pub(crate) fn read_catalog(db: &mut dyn Conn) -> Result<Catalog> {
    let columns = db.catalog().map_err(|e| {
        sql_err(
            db.location().to_string(),
            format!("cannot list the tables: {e}"),
        )
    })?;
    let catalog = Catalog::resolve(db.driver(), &columns);
    inspect(db.driver(), &catalog, db.location())?;
    Ok(catalog)
}

/// Refuses a target that already holds a store, unless `force`, in which
/// case every row of the six data tables is deleted (inside the writer's
/// transaction, which must already be open). `StoreLock` is left alone.
pub(crate) fn ensure_empty(db: &mut dyn Conn, catalog: &Catalog, force: bool) -> Result<()> {
    let target = db.location().to_string();
    let mut full = Vec::new();
    for table in Table::ALL {
        let Some(name) = catalog.actual(table.name()) else {
            continue;
        };
        let quoted = db.quote(name);
        let rows = db
            .has_rows(&quoted)
            .map_err(|e| sql_err(format!("{target}: table {name}"), e))?;
        if rows {
            full.push((name.to_string(), quoted));
        }
    }
    let mut owners = Vec::new();
    if let Some(lock) = catalog.actual("StoreLock") {
        let quoted = db.quote(lock);
        owners = db
            .lock_rows(&quoted)
            .map_err(|e| sql_err(format!("{target}: table {lock}"), e))?
            .into_iter()
            .map(|(id, _)| id)
            .filter(|id| !id.is_empty())
            .collect();
    }
    if force {
        for (name, quoted) in &full {
            db.execute(&format!("DELETE FROM {quoted}"))
                .map_err(|e| sql_err(format!("{target}: table {name}"), e))?;
        }
        return Ok(());
    }
    if full.is_empty() && owners.is_empty() {
        return Ok(());
    }
    let mut why = Vec::new();
    if !full.is_empty() {
        why.push(format!(
            "rows in {}",
            full.iter()
                .map(|(n, _)| n.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    if !owners.is_empty() {
        why.push(format!(
            "StoreLock is held by {owners:?} (a fault-tolerant server may be running)"
        ));
    }
    Err(sql_err(
        target,
        format!(
            "the target already holds a STAN store ({}); refusing to write over it without force (which \
             deletes every row first, in the same transaction)",
            why.join("; ")
        ),
    ))
}

/// The statements of a schema script, one by one.
pub(crate) fn statements(script: &str) -> impl Iterator<Item = &str> {
    script.split(';').map(str::trim).filter(|s| !s.is_empty())
}

// ---------------------------------------------------------------- writer

/// The channel being written.
struct Current {
    id: i64,
    name: String,
    last_seq: u64,
    /// The channel's `SubsPending.row` counter (the server keeps one per
    /// channel).
    next_row: u64,
}

/// Most pending sequences one caching-mode `SubsPending` row holds: a
/// subscription with more gets several rows (the server's own rows hold at
/// most about 2000, as it flushes at 2000), which keeps each JSON list
/// under the 64 KiB of the upstream MySQL `BLOB` columns.
const PENDING_PER_ROW: usize = 2000;

/// The largest encoding buffer kept between messages.
const SCRATCH_KEEP: usize = 1 << 20;

/// A value larger than this is written apart from its row where the
/// driver allows (SQLite incremental blob I/O, a PostgreSQL `COPY` of its
/// own, a MySQL `INSERT` of its own), so that it is held once.
pub(crate) const LONG_VALUE: usize = 8 << 20;

/// Writes a SQL store; see the module documentation.
pub struct SqlWriter {
    target: Box<dyn Target>,
    no_caching: bool,
    /// `(cluster id, encoded spb.ServerInfo)`, written at `finish`.
    server: Option<(String, Vec<u8>)>,
    next_channel_id: i64,
    next_sub_id: u64,
    channel: Option<Current>,
    names: HashSet<String>,
    scratch: Vec<u8>,
    /// The first error: the transaction is no longer usable after it.
    failed: Option<String>,
}

impl SqlWriter {
    fn new(target: Box<dyn Target>, opts: SqlWriterOptions) -> Self {
        SqlWriter {
            target,
            no_caching: opts.no_caching,
            server: None,
            next_channel_id: 1,
            next_sub_id: 1,
            channel: None,
            names: HashSet::new(),
            scratch: Vec::new(),
            failed: None,
        }
    }

    /// Runs `f` unless an earlier call failed; remembers a failure.
    fn guard<T>(&mut self, f: impl FnOnce(&mut Self) -> Result<T>) -> Result<T> {
        if let Some(e) = &self.failed {
            return Err(StoreError::Invalid(format!(
                "the SQL writer stopped at an earlier error (nothing was committed): {e}"
            )));
        }
        let r = f(self);
        if let Err(e) = &r {
            self.failed = Some(e.to_string());
        }
        r
    }

    fn current(&mut self) -> Result<&mut Current> {
        self.channel
            .as_mut()
            .ok_or_else(|| StoreError::Invalid("no channel started (begin_channel first)".into()))
    }

    fn write_pending(&mut self, subid: u64, last_sent: u64, pending: &[u64]) -> Result<()> {
        let empty = self.target.empty_list();
        if self.no_caching {
            for &seq in pending {
                let row = self.next_row()?;
                self.target.insert(
                    Table::SubsPending,
                    &[
                        Val::UInt(subid),
                        Val::UInt(row),
                        Val::UInt(seq),
                        Val::UInt(0),
                        Val::Null,
                        Val::Null,
                    ],
                )?;
            }
            return Ok(());
        }
        for chunk in pending.chunks(PENDING_PER_ROW) {
            let row = self.next_row()?;
            let json = seq_list_json(chunk);
            self.target.insert(
                Table::SubsPending,
                &[
                    Val::UInt(subid),
                    Val::UInt(row),
                    Val::UInt(0),
                    Val::UInt(last_sent),
                    Val::Bytes(json.as_bytes()),
                    empty,
                ],
            )?;
        }
        Ok(())
    }

    fn next_row(&mut self) -> Result<u64> {
        let ch = self.current()?;
        let row = ch.next_row;
        ch.next_row += 1;
        Ok(row)
    }
}

/// `[1,2,3]`: the server's JSON for a list of sequences.
fn seq_list_json(seqs: &[u64]) -> String {
    let mut s = String::with_capacity(seqs.len() * 8 + 2);
    s.push('[');
    for (i, seq) in seqs.iter().enumerate() {
        if i > 0 {
            s.push(',');
        }
        let _ = write!(s, "{seq}");
    }
    s.push(']');
    s
}

/// A limit for an integer column (unknown = 0, "unlimited").
fn limit(v: Option<i64>) -> Val<'static> {
    Val::Int(v.unwrap_or(0))
}

impl StoreWriter for SqlWriter {
    fn server_info(&mut self, info: &ServerInfo) -> Result<()> {
        self.guard(|w| {
            // Kept for `finish`: the row marks the store as valid, so it
            // goes in last.
            w.server = Some((
                info.cluster_id.clone(),
                proto::ServerInfo::from(info).encode_to_vec(),
            ));
            Ok(())
        })
    }

    fn add_client(&mut self, client: &Client) -> Result<()> {
        self.guard(|w| {
            let info = proto::ClientInfo::from(client).encode_to_vec();
            w.target.insert(
                Table::Clients,
                &[
                    Val::Text(&client.id),
                    Val::Text(&client.hb_inbox),
                    Val::Bytes(&info),
                ],
            )
        })
    }

    fn begin_channel(&mut self, stats: &ChannelStats, limits: &Limits) -> Result<()> {
        self.guard(|w| {
            w.channel = None;
            crate::model::check_channel_name(&stats.name, "Channels.name to write")?;
            if !w.names.insert(stats.name.clone()) {
                return Err(StoreError::Invalid(format!(
                    "channel {:?} written twice",
                    stats.name
                )));
            }
            let id = w.next_channel_id;
            w.next_channel_id += 1;
            // maxseq = the last sequence keeps the channel's numbering even
            // when none of its messages are written (docs/FORMAT.md 9).
            w.target.insert(
                Table::Channels,
                &[
                    Val::Int(id),
                    Val::Text(&stats.name),
                    Val::UInt(stats.counts.last_seq),
                    limit(limits.max_msgs),
                    limit(limits.max_bytes),
                    limit(limits.max_age_ns),
                    Val::Bool(false),
                ],
            )?;
            w.channel = Some(Current {
                id,
                name: stats.name.clone(),
                last_seq: 0,
                next_row: 1,
            });
            Ok(())
        })
    }

    fn append_message(&mut self, msg: &Message) -> Result<()> {
        self.guard(|w| {
            let ch = w.current()?;
            if msg.seq <= ch.last_seq {
                return Err(StoreError::Invalid(format!(
                    "channel {:?}: message {} after {}: sequences must ascend",
                    ch.name, msg.seq, ch.last_seq
                )));
            }
            ch.last_seq = msg.seq;
            let id = ch.id;
            let record = proto::MsgProto::from(msg);
            // A buffer of exactly the record's size: growing one by
            // doubling would hold up to twice a large message.
            let len = record.encoded_len();
            let mut buf = std::mem::take(&mut w.scratch);
            buf.clear();
            if buf.capacity() < len {
                buf = Vec::new();
                buf.try_reserve_exact(len).map_err(|_| {
                    StoreError::Invalid(format!(
                        "message {}: no memory for its {len} bytes",
                        msg.seq
                    ))
                })?;
            }
            record
                .encode(&mut buf)
                .map_err(|e| StoreError::Invalid(format!("encoding message {}: {e}", msg.seq)))?;
            let size = i64::try_from(buf.len()).unwrap_or(i64::MAX);
            let key = [
                Val::Int(id),
                Val::UInt(msg.seq),
                Val::Int(msg.timestamp),
                Val::Int(size),
            ];
            let back = w.target.insert_message(key, buf)?;
            // Keep a small buffer for the next message, not a large one.
            if back.capacity() <= SCRATCH_KEEP {
                w.scratch = back;
            }
            Ok(())
        })
    }

    fn add_subscription(&mut self, sub: &Subscription) -> Result<u64> {
        self.guard(|w| {
            let channel_id = w.current()?.id;
            let subid = w.next_sub_id;
            w.next_sub_id += 1;
            let mut state = proto::SubState::from(sub);
            state.id = subid;
            let bytes = state.encode_to_vec();
            w.target.insert(
                Table::Subscriptions,
                &[
                    Val::Int(channel_id),
                    Val::UInt(subid),
                    Val::UInt(sub.last_sent),
                    Val::Bytes(&bytes),
                    Val::Bool(false),
                ],
            )?;
            let mut pending: Vec<u64> = sub.pending.iter().copied().filter(|s| *s > 0).collect();
            pending.sort_unstable();
            pending.dedup();
            w.write_pending(subid, sub.last_sent, &pending)?;
            Ok(subid)
        })
    }

    fn end_channel(&mut self) -> Result<()> {
        self.guard(|w| {
            w.channel = None;
            Ok(())
        })
    }

    fn finish(mut self: Box<Self>) -> Result<()> {
        self.guard(|w| {
            w.channel = None;
            let (cluster_id, info) = w.server.take().ok_or_else(|| {
                StoreError::Invalid("no server info written: nothing committed".into())
            })?;
            // Everything else first, so that even a partially visible
            // target never holds the row that makes it a store.
            w.target.flush()?;
            w.target.insert(
                Table::ServerInfo,
                &[
                    Val::Int(1),
                    Val::Text(&cluster_id),
                    Val::Bytes(&info),
                    Val::Int(1),
                ],
            )?;
            w.target.commit()
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_lists() {
        assert_eq!(seq_list_json(&[]), "[]");
        assert_eq!(seq_list_json(&[4, 6, 7]), "[4,6,7]");
        assert_eq!(
            super::super::recovery::decode_seq_list(Some(seq_list_json(&[1, u64::MAX]).as_bytes()))
                .unwrap(),
            vec![1, u64::MAX]
        );
    }

    #[test]
    fn keys_and_locations() {
        let row = [Val::Int(1), Val::UInt(5), Val::Int(7)];
        assert_eq!(describe_key(Table::Messages, &row), "id=1, seq=5");
        assert_eq!(
            describe_key(Table::Clients, &[Val::Text("me")]),
            "id=\"me\""
        );
        let mut b = Batch::default();
        b.note(Table::Messages, &row, 10);
        assert_eq!(
            b.location("t", Table::Messages),
            "t: table Messages, key (id=1, seq=5)"
        );
        b.note(Table::Messages, &[Val::Int(1), Val::UInt(9)], 10);
        assert_eq!(
            b.location("t", Table::Messages),
            "t: table Messages, 2 rows with keys (id=1, seq=5) to (id=1, seq=9)"
        );
        assert_eq!((b.rows, b.bytes), (2, 20));
        b.clear();
        assert_eq!(b.rows, 0);
    }

    #[test]
    fn inspect_refuses_old_and_odd_schemas() {
        use crate::sqlstore::conn::CatalogColumn;
        let cat = |extra: &[(&str, &str)]| -> Vec<(String, String)> {
            let mut v: Vec<(String, String)> = COLUMNS
                .iter()
                .filter(|(t, _)| *t != "Clients")
                .flat_map(|(t, cols)| cols.iter().map(move |c| (t.to_string(), c.to_string())))
                .collect();
            v.extend(extra.iter().map(|(t, c)| (t.to_string(), c.to_string())));
            v
        };
        let inspect = |driver: SqlDriver, pairs: &[(String, String)], target: &str| {
            let columns: Vec<CatalogColumn> = pairs
                .iter()
                .map(|(t, c)| CatalogColumn {
                    table: t.clone(),
                    column: c.clone(),
                    data_type: String::new(),
                    udt: String::new(),
                })
                .collect();
            let catalog = Catalog::resolve(driver, &columns);
            inspect(driver, &catalog, target).map(|()| catalog)
        };
        let old = cat(&[("Clients", "id"), ("Clients", "hbinbox")]);
        let e = inspect(SqlDriver::Mysql, &old, "mysql x")
            .unwrap_err()
            .to_string();
        assert!(e.contains("ALTER TABLE Clients ADD proto BLOB"), "{e}");
        let current = cat(&[
            ("Clients", "id"),
            ("Clients", "hbinbox"),
            ("Clients", "proto"),
        ]);
        let ex = inspect(SqlDriver::Mysql, &current, "mysql x").unwrap();
        assert!(ex.complete());
        assert_eq!(ex.actual(Table::SubsPending.name()), Some("SubsPending"));
        // PostgreSQL: lower-case names; the hint names the catalog's table.
        let lower: Vec<(String, String)> = old
            .iter()
            .map(|(t, c)| (t.to_ascii_lowercase(), c.clone()))
            .collect();
        let e = inspect(SqlDriver::Postgres, &lower, "postgres x")
            .unwrap_err()
            .to_string();
        assert!(e.contains("ALTER TABLE clients ADD proto BYTEA"), "{e}");
        let none = inspect(SqlDriver::Postgres, &[("other".into(), "a".into())], "p").unwrap();
        assert!(none.is_empty());
    }
}
