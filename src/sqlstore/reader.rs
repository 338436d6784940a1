//! The SQL store reader: the server's recovery (docs/FORMAT.md 4.6) over any
//! [`Conn`], without writing anything.

use std::collections::{BTreeMap, HashMap, HashSet, VecDeque};
use std::time::{SystemTime, UNIX_EPOCH};

use prost::Message as _;

use super::catalog::Catalog;
use super::conn::{
    connect, probe_store_lock, Access, Conn, PageSize, Param, Row, Value, LOCK_RECHECK,
};
use super::dsn::Dsn;
use super::recovery::{recovered_range, replay_pending, PendingRow};
use super::schema::{message_data, COLUMNS, TABLES};
use super::SqlDriver;
use crate::error::{Result, StoreError};
use crate::finding::Code;
use crate::model::{
    ChannelCounts, ChannelStats, Client, Finding, Limits, LimitsSource, Message, MessageRange,
    ServerInfo, Severity, Subscription,
};
use crate::proto;
use crate::store::{MessageIter, StoreReader};

/// A read-only SQL store. Build it with [`super::open`] or
/// [`super::open_reader`].
pub struct SqlReader {
    conn: Box<dyn Conn>,
    driver: SqlDriver,
    source: String,
    sql: Statements,
    has_client_proto: bool,
    /// Every `Channels` row, by id.
    channels: Vec<ChannelRow>,
    /// Channels the server recovers (`deleted = FALSE`), by name.
    live: BTreeMap<String, usize>,
    states: HashMap<i64, ChannelState>,
    findings: Vec<Finding>,
    /// (location, message) of every finding, to report each once.
    reported: HashSet<(String, String)>,
    server_checked: bool,
    /// The server configuration's limits (`-c`), applied as the server's
    /// recovery does; `None`: the store as it is.
    recovery: Option<RecoveryLimits>,
}

/// Limits a server would start with, and its "now" for max_age.
#[derive(Clone)]
pub struct RecoveryLimits {
    pub limits: crate::filestore::LimitsFn,
    pub now_ns: i64,
}

/// What `Messages` holds for a channel from some sequence on.
#[derive(Debug, Clone, Copy, Default)]
struct Aggregates {
    count: u64,
    min_seq: u64,
    max_seq: u64,
    bytes: u64,
}

#[derive(Debug, Clone)]
struct ChannelRow {
    id: i64,
    name: String,
    maxseq: u64,
    maxmsgs: Option<i64>,
    maxbytes: Option<i64>,
    maxage: Option<i64>,
    live: bool,
}

#[derive(Debug, Clone)]
struct ChannelState {
    stats: ChannelStats,
    subs: Vec<Subscription>,
}

/// The statements, with the table names as the database spells them.
struct Statements {
    channels_table: String,
    server_info: String,
    clients: String,
    channels: String,
    aggregates: String,
    /// Highest sequence at or below a timestamp (max_age on recovery).
    last_expired: String,
    /// Sequences from the newest down (max_msgs on recovery; add OFFSET).
    seq_desc: String,
    /// Lowest sequence whose running size from the newest stays within a
    /// bound (max_bytes on recovery).
    bytes_floor: String,
    timestamp_at: String,
    older_than: String,
    subs: String,
    pending: String,
    /// A window of sequences: seq, timestamp, data length, and data when
    /// it is within the page's inline limit (the first parameter).
    page: String,
    page_between: String,
    /// `Messages` as the catalog spells it, for [`Conn::read_long`].
    messages_table: String,
    next_seq: String,
    count_subs: String,
    /// `StoreLock`, quoted.
    lock: Option<String>,
}

fn loc_table(table: &str) -> String {
    format!("table {table}")
}

fn loc_key(table: &str, key: &str) -> String {
    format!("table {table}, key ({key})")
}

fn sql_err(location: impl Into<String>, message: impl ToString) -> StoreError {
    StoreError::Sql {
        location: location.into(),
        message: message.to_string(),
    }
}

/// Takes column `i` of a row (rows have the statement's column count).
fn take(row: &mut Row, i: usize) -> Value {
    row.get_mut(i)
        .map_or(Value::Null, |v| std::mem::replace(v, Value::Null))
}

fn col_u64(row: &Row, i: usize, col: &str, loc: &str) -> Result<Option<u64>> {
    row.get(i)
        .unwrap_or(&Value::Null)
        .as_u64()
        .map_err(|e| sql_err(loc, format!("column {col}: {e}")))
}

fn col_i64(row: &Row, i: usize, col: &str, loc: &str) -> Result<Option<i64>> {
    row.get(i)
        .unwrap_or(&Value::Null)
        .as_i64()
        .map_err(|e| sql_err(loc, format!("column {col}: {e}")))
}

fn col_bytes(row: &mut Row, i: usize, col: &str, loc: &str) -> Result<Option<Vec<u8>>> {
    take(row, i)
        .into_bytes()
        .map_err(|e| sql_err(loc, format!("column {col}: {e}")))
}

fn col_text(row: &mut Row, i: usize, col: &str, loc: &str) -> Result<Option<String>> {
    take(row, i)
        .into_text()
        .map_err(|e| sql_err(loc, format!("column {col}: {e}")))
}

fn now_ns() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_nanos()).unwrap_or(i64::MAX))
}

impl SqlReader {
    pub(crate) fn open(driver: SqlDriver, source: &str) -> Result<SqlReader> {
        let dsn = Dsn::parse(driver, source)?;
        let conn = connect(&dsn, Access::ReadOnly)?;
        Self::with_conn(conn, dsn.redacted())
    }

    fn with_conn(mut conn: Box<dyn Conn>, source: String) -> Result<SqlReader> {
        let driver = conn.driver();
        let mut findings = Vec::new();
        let columns = conn.catalog().map_err(|e| {
            sql_err(
                conn.location().to_string(),
                format!("cannot list the tables: {e}"),
            )
        })?;
        let catalog = Catalog::resolve(driver, &columns);
        let (sql, has_client_proto) = resolve_schema(conn.as_ref(), &catalog, &mut findings)?;
        let mut reader = SqlReader {
            conn,
            driver,
            source,
            sql,
            has_client_proto,
            channels: Vec::new(),
            live: BTreeMap::new(),
            states: HashMap::new(),
            findings: Vec::new(),
            reported: HashSet::new(),
            server_checked: false,
            recovery: None,
        };
        for f in findings {
            reader.push(f);
        }
        // Outside the snapshot: a repeatable read would never see the tick move.
        reader.check_store_lock()?;
        let source = reader.source.clone();
        reader.conn.begin_snapshot().map_err(|e| {
            sql_err(
                format!("{driver} {source}"),
                format!("cannot start a read-only transaction: {e}"),
            )
        })?;
        reader.load_channels()?;
        Ok(reader)
    }

    /// Show every channel as a server started with these limits recovers
    /// it (`SQLStore.applyLimitsOnRecovery`), the store staying untouched.
    pub fn with_recovery_limits(mut self, recovery: RecoveryLimits) -> Self {
        self.recovery = Some(recovery);
        self.states.clear();
        self
    }

    fn query(
        &mut self,
        sql: &str,
        params: &[Param],
        location: impl FnOnce() -> String,
    ) -> Result<Vec<Row>> {
        self.conn
            .query(sql, params)
            .map_err(|e| sql_err(location(), e))
    }

    fn push(&mut self, f: Finding) {
        if self
            .reported
            .insert((f.location.clone(), f.message.clone()))
        {
            self.findings.push(f);
        }
    }

    /// A column the server scans into an integer is NULL at `loc`.
    fn null_integer(&mut self, loc: &str, columns: &str) {
        self.push(Finding::described(
            Code::SqlNullColumn,
            Severity::Warning,
            loc.to_string(),
            format!("{columns} is NULL (read as 0)"),
            "the server's recovery fails to scan NULL into an integer and does not start",
        ));
    }

    /// A row's column and the protobuf stored in the same row must hold the
    /// same value; when they do not (`sql.proto_mismatch`), `server` says
    /// which of the two the server goes by. `message` is built only then.
    fn check_proto_matches_column<T: PartialEq>(
        &mut self,
        column: T,
        proto: T,
        severity: Severity,
        loc: &str,
        message: impl FnOnce() -> String,
        server: &str,
    ) {
        if column != proto {
            self.push(Finding::described(
                Code::SqlProtoMismatch,
                severity,
                loc.to_string(),
                message(),
                server,
            ));
        }
    }

    /// Attempts a write inside the reader's transaction and returns what the
    /// database said. A correct reader always gets an error here.
    #[doc(hidden)]
    pub fn try_write_for_test(&mut self) -> Result<()> {
        let sql = format!("UPDATE {} SET maxseq=maxseq", self.sql.channels_table);
        self.conn
            .execute(&sql)
            .map_err(|e| sql_err(loc_table("Channels"), e))
    }

    /// The plan of the message page after `after` in `channel`, one line
    /// per row (PostgreSQL: `EXPLAIN ANALYZE`, so it shows the rows each
    /// step really read). Tests use it to show a page reads one key window.
    #[doc(hidden)]
    pub fn explain_message_page_for_test(
        &mut self,
        channel: &str,
        after: u64,
    ) -> Result<Vec<String>> {
        let id = self.channel_row(channel)?.id;
        let explain = match self.driver {
            SqlDriver::Postgres => "EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF)",
            SqlDriver::Mysql => "EXPLAIN",
            SqlDriver::Sqlite => "EXPLAIN QUERY PLAN",
        };
        let sql = format!("{explain} {}", self.sql.page);
        let size = PageSize::new();
        let end = after.saturating_add(size.rows());
        let params = [
            Param::UInt(size.inline_limit()),
            Param::Int(id),
            Param::UInt(after),
            Param::UInt(end),
        ];
        let rows = self.query(&sql, &params, || loc_table("Messages"))?;
        Ok(rows
            .into_iter()
            .map(|r| {
                r.into_iter()
                    .map(|v| match v {
                        Value::Null => "NULL".to_string(),
                        Value::Int(i) => i.to_string(),
                        Value::UInt(u) => u.to_string(),
                        Value::Bytes(b) => String::from_utf8_lossy(&b).into_owned(),
                        Value::Text(t) => t,
                    })
                    .collect::<Vec<_>>()
                    .join(" | ")
            })
            .collect())
    }

    /// The data source, password masked.
    pub fn source(&self) -> &str {
        &self.source
    }

    /// Whether `Clients` has the `proto` column (schema of v0.10.0+).
    pub fn has_client_proto(&self) -> bool {
        self.has_client_proto
    }

    // ------------------------------------------------------------ lock

    /// A held `StoreLock` is a finding: the snapshot may be outdated at
    /// once, or the owner stopped without releasing it.
    fn check_store_lock(&mut self) -> Result<()> {
        let Some(table) = self.sql.lock.clone() else {
            return Ok(());
        };
        let Some(lock) = probe_store_lock(self.conn.as_mut(), &table)
            .map_err(|e| sql_err(loc_table("StoreLock"), e))?
        else {
            return Ok(());
        };
        let (first, second, owner) = (&lock.first, &lock.second, lock.owner());
        if lock.live() {
            self.push(Finding::described(
                Code::StoreLocked,
                Severity::Warning,
                loc_table("StoreLock"),
                format!(
                    "a live server may hold the store lock: owner {owner:?}, tick moved from {:?} to {:?} in {} ms; \
                     this snapshot is consistent but may be outdated at once",
                    first.iter().map(|r| r.1).collect::<Vec<_>>(),
                    second.iter().map(|r| r.1).collect::<Vec<_>>(),
                    LOCK_RECHECK.as_millis()
                ),
                "a server in fault-tolerance mode owns the store and keeps writing to it",
            ));
        } else {
            self.push(Finding::described(
                Code::StoreLocked,
                Severity::Warning,
                loc_table("StoreLock"),
                format!(
                    "the store lock is held by {owner:?} (tick {}) but the tick did not move in {} ms: \
                     its owner stopped without releasing it, or is stalled",
                    second.first().map_or(0, |r| r.1),
                    LOCK_RECHECK.as_millis()
                ),
                "a server in fault-tolerance mode takes the lock over after seeing the same tick in 3 checks \
                 1.5 s apart",
            ));
        }
        if second.len() > 1 {
            self.push(Finding::described(
                Code::StoreLocked,
                Severity::Warning,
                loc_table("StoreLock"),
                format!("{} rows instead of one", second.len()),
                "the server updates every row and compares the first",
            ));
        }
        Ok(())
    }

    // ------------------------------------------------------------ channels

    fn load_channels(&mut self) -> Result<()> {
        let sql = self.sql.channels.clone();
        let rows = self.query(&sql, &[], || loc_table("Channels"))?;
        let mut channels = Vec::with_capacity(rows.len());
        for mut r in rows {
            let id = col_i64(&r, 0, "id", &loc_table("Channels"))?
                .ok_or_else(|| sql_err(loc_table("Channels"), "NULL id"))?;
            let loc = loc_key("Channels", &format!("id={id}"));
            let maxseq = col_u64(&r, 2, "maxseq", &loc)?;
            if maxseq.is_none() {
                self.null_integer(&loc, "maxseq");
            }
            let row = ChannelRow {
                id,
                name: col_text(&mut r, 1, "name", &loc)?.unwrap_or_default(),
                maxseq: maxseq.unwrap_or(0),
                maxmsgs: col_i64(&r, 3, "maxmsgs", &loc)?,
                maxbytes: col_i64(&r, 4, "maxbytes", &loc)?,
                maxage: col_i64(&r, 5, "maxage", &loc)?,
                live: col_i64(&r, 6, "deleted", &loc)? == Some(1),
            };
            channels.push(row);
        }
        channels.sort_by_key(|c| c.id);
        let mut live = BTreeMap::new();
        for (i, c) in channels.iter().enumerate() {
            if !c.live {
                continue;
            }
            crate::model::check_channel_name(
                &c.name,
                loc_key("Channels", &format!("id={}", c.id)),
            )?;
            if let Some(prev) = live.insert(c.name.clone(), i) {
                self.push(Finding::described(
                    Code::SqlDuplicateChannel,
                    Severity::Warning,
                    loc_key("Channels", &format!("id={}", c.id)),
                    format!(
                        "channel {:?} has several live rows (ids {} and {}); showing id {}",
                        c.name, channels[prev].id, c.id, c.id
                    ),
                    "the server recovers both and keeps whichever it reads last",
                ));
            }
        }
        self.channels = channels;
        self.live = live;
        let deleted: Vec<ChannelRow> = self.channels.iter().filter(|c| !c.live).cloned().collect();
        for c in deleted {
            self.report_deleted_channel(&c)?;
        }
        Ok(())
    }

    fn report_deleted_channel(&mut self, c: &ChannelRow) -> Result<()> {
        let loc = loc_key("Channels", &format!("id={}", c.id));
        let sql = self.sql.aggregates.clone();
        let params = [Param::Int(c.id), Param::UInt(0)];
        let msgs = self.u64_of(&sql, &params, "Messages", c.id, "count")?;
        let sql = self.sql.count_subs.clone();
        let subs = self.u64_of(&sql, &[Param::Int(c.id)], "Subscriptions", c.id, "count")?;
        self.push(Finding::described(
            Code::SqlDeletedChannel,
            Severity::Info,
            loc,
            format!(
                "channel {:?} is flagged deleted; {msgs} message rows and {subs} subscription rows remain",
                c.name
            ),
            "not recovered; leftovers of a deletion interrupted by a stop are never cleaned up",
        ));
        Ok(())
    }

    fn channel_row(&self, name: &str) -> Result<&ChannelRow> {
        self.live
            .get(name)
            .and_then(|&i| self.channels.get(i))
            .ok_or_else(|| StoreError::NoSuchChannel(name.to_string()))
    }

    fn state(&mut self, name: &str) -> Result<&ChannelState> {
        let row = self.channel_row(name)?.clone();
        if !self.states.contains_key(&row.id) {
            let st = self.recover_channel(&row)?;
            self.states.insert(row.id, st);
        }
        self.states
            .get(&row.id)
            .ok_or_else(|| StoreError::NoSuchChannel(name.to_string()))
    }

    fn timestamp_at(&mut self, id: i64, seq: u64) -> Result<Option<i64>> {
        let loc = loc_key("Messages", &format!("id={id}, seq={seq}"));
        let sql = self.sql.timestamp_at.clone();
        let rows = self.query(&sql, &[Param::Int(id), Param::UInt(seq)], || loc.clone())?;
        match rows.first() {
            Some(r) => col_i64(r, 0, "timestamp", &loc),
            None => Ok(None),
        }
    }

    /// `Messages` of channel `id` from sequence `floor` on.
    fn aggregates(&mut self, id: i64, floor: u64) -> Result<Aggregates> {
        let mloc = loc_key("Messages", &format!("id={id}"));
        let sql = self.sql.aggregates.clone();
        let rows = self.query(&sql, &[Param::Int(id), Param::UInt(floor)], || mloc.clone())?;
        let agg = rows.first().cloned().unwrap_or_default();
        Ok(Aggregates {
            count: col_u64(&agg, 0, "COUNT(seq)", &mloc)?.unwrap_or(0),
            min_seq: col_u64(&agg, 1, "MIN(seq)", &mloc)?.unwrap_or(0),
            max_seq: col_u64(&agg, 2, "MAX(seq)", &mloc)?.unwrap_or(0),
            bytes: col_u64(&agg, 3, "SUM(size)", &mloc)?.unwrap_or(0),
        })
    }

    /// One sequence (or 0) from a statement of channel `id`.
    fn seq_of(&mut self, sql: &str, params: &[Param], id: i64) -> Result<u64> {
        self.u64_of(sql, params, "Messages", id, "seq")
    }

    /// The first column of the first row of a statement on `table` for
    /// channel `id` (0 without a row or when NULL): a count or a sequence.
    fn u64_of(
        &mut self,
        sql: &str,
        params: &[Param],
        table: &str,
        id: i64,
        column: &str,
    ) -> Result<u64> {
        let loc = loc_key(table, &format!("id={id}"));
        let rows = self.query(sql, params, || loc.clone())?;
        Ok(rows
            .first()
            .map(|r| col_u64(r, 0, column, &loc))
            .transpose()?
            .flatten()
            .unwrap_or(0))
    }

    /// The lowest sequence a server started with the configured limits
    /// keeps (0: none removed), as `SQLStore.applyLimitsOnRecovery` in
    /// v0.23.2 deletes: messages older than max_age always; the oldest
    /// beyond max_msgs / max_bytes only when that limit is set and lower
    /// than the one stored in `Channels` (a stored 0 never trims), keeping
    /// at least one message.
    fn recovery_floor(&mut self, ch: &ChannelRow, limits: &Limits, now_ns: i64) -> Result<u64> {
        let id = ch.id;
        let mut floor = 0;
        let max_age = limits.max_age_ns.unwrap_or(0);
        if max_age > 0 {
            let sql = self.sql.last_expired.clone();
            let cutoff = Param::Int(now_ns.saturating_sub(max_age));
            let expired = self.seq_of(&sql, &[Param::Int(id), cutoff], id)?;
            if expired > 0 {
                floor = expired + 1;
            }
        }
        let max_msgs = limits.max_msgs.unwrap_or(0);
        if max_msgs > 0 && max_msgs < ch.maxmsgs.unwrap_or(0) {
            let count = self.aggregates(id, floor)?.count;
            if count > 1 && count > max_msgs as u64 {
                let sql = format!("{} OFFSET {}", self.sql.seq_desc, max_msgs - 1);
                floor = self.seq_of(&sql, &[Param::Int(id), Param::UInt(floor)], id)?;
            }
        }
        let max_bytes = limits.max_bytes.unwrap_or(0);
        if max_bytes > 0 && max_bytes < ch.maxbytes.unwrap_or(0) {
            let agg = self.aggregates(id, floor)?;
            if agg.bytes > max_bytes as u64 {
                let sql = self.sql.bytes_floor.clone();
                let params = [Param::Int(id), Param::UInt(floor), Param::Int(max_bytes)];
                let seq = self.seq_of(&sql, &params, id)?;
                // 0: the newest message alone is larger; it stays.
                floor = if seq == 0 { agg.max_seq } else { seq };
            }
        }
        Ok(floor)
    }

    /// `SQLStore.Recover` for one channel, minus the writes: with
    /// configured limits, the messages recovery would delete are left out
    /// of the view; nothing is purged or garbage-collected.
    fn recover_channel(&mut self, ch: &ChannelRow) -> Result<ChannelState> {
        let id = ch.id;
        let mloc = loc_key("Messages", &format!("id={id}"));
        let stored = self.aggregates(id, 0)?;
        let (floor, configured) = match self.recovery.clone() {
            Some(r) => {
                let limits = (r.limits)(&ch.name);
                (self.recovery_floor(ch, &limits, r.now_ns)?, true)
            }
            None => (0, false),
        };
        let kept = if floor > 0 {
            self.aggregates(id, floor)?
        } else {
            stored
        };
        let Aggregates {
            count,
            min_seq,
            max_seq,
            bytes,
        } = kept;
        // The server reads the last sequence before applying limits.
        let channel_maxseq = ch.maxseq.max(stored.max_seq);

        let (subs, last_sents) = self.recover_subscriptions(ch, min_seq)?;
        let (first, last) = recovered_range(min_seq, max_seq, channel_maxseq, last_sents);

        let visible = count > 0 && first <= last && first >= min_seq;
        let (first_timestamp, last_timestamp) = if visible {
            (self.timestamp_at(id, first)?, self.timestamp_at(id, last)?)
        } else {
            (None, None)
        };

        let cloc = loc_key("Channels", &format!("id={id}"));
        if count > 0 && first > max_seq {
            self.push(Finding::described(
                Code::SqlBelowFirst,
                Severity::Warning,
                mloc.clone(),
                format!(
                    "channel {:?}: {count} message rows (seq {min_seq}..{max_seq}) lie below the recovered first \
                     sequence {first} (Channels.maxseq {} or a subscription's last sent is higher)",
                    ch.name, ch.maxseq
                ),
                "the server counts these rows but never delivers them",
            ));
        }
        if let Some(maxage) = ch.maxage.filter(|a| *a > 0 && !configured) {
            if count > 0 {
                let cutoff = now_ns().saturating_sub(maxage);
                let sql = self.sql.older_than.clone();
                let rows =
                    self.query(&sql, &[Param::Int(id), Param::Int(cutoff)], || mloc.clone())?;
                let old = rows
                    .first()
                    .map(|r| col_u64(r, 0, "COUNT(seq)", &mloc))
                    .transpose()?
                    .flatten();
                if let Some(old) = old.filter(|n| *n > 0) {
                    self.push(Finding::described(
                        Code::SqlMaxAge,
                        Severity::Info,
                        cloc.clone(),
                        format!(
                            "channel {:?}: {old} of {count} messages are older than the max_age recorded for the \
                             channel ({} s); they are shown as stored",
                            ch.name,
                            maxage / 1_000_000_000
                        ),
                        "a server started with this max_age deletes them at start-up (Channels.maxseq keeps the \
                         last sequence if none remains)",
                    ));
                }
            }
        }

        let stats = ChannelStats {
            name: ch.name.clone(),
            counts: ChannelCounts {
                msgs: count,
                bytes,
                first_seq: first,
                last_seq: last,
                first_timestamp,
                last_timestamp,
            },
        };
        Ok(ChannelState { stats, subs })
    }

    /// Subscriptions of a channel (`deleted = FALSE`) with their pending
    /// rows replayed; also every last-sent value the server takes into the
    /// channel's sequence (including rows without proto, which it skips).
    fn recover_subscriptions(
        &mut self,
        ch: &ChannelRow,
        min_seq: u64,
    ) -> Result<(Vec<Subscription>, Vec<u64>)> {
        let id = ch.id;
        let sql = self.sql.subs.clone();
        let rows = self.query(&sql, &[Param::Int(id)], || {
            loc_key("Subscriptions", &format!("id={id}"))
        })?;
        let mut subs = Vec::new();
        let mut last_sents = Vec::new();
        let mut styles = (0usize, 0usize);
        for mut r in rows {
            let subid = col_u64(
                &r,
                0,
                "subid",
                &loc_key("Subscriptions", &format!("id={id}")),
            )?
            .unwrap_or(0);
            let loc = loc_key("Subscriptions", &format!("id={id}, subid={subid}"));
            let col_last_sent = col_u64(&r, 1, "lastsent", &loc)?;
            if col_last_sent.is_none() {
                self.null_integer(&loc, "lastsent");
            }
            let col_last_sent = col_last_sent.unwrap_or(0);
            let Some(bytes) = col_bytes(&mut r, 2, "proto", &loc)? else {
                self.push(Finding::described(
                    Code::SqlDecode,
                    Severity::Warning,
                    loc,
                    format!("proto is NULL; subscription skipped (its lastsent {col_last_sent} still counts)"),
                    "the server skips the row but raises the channel's last sequence to its lastsent",
                ));
                last_sents.push(col_last_sent);
                continue;
            };
            let state = match proto::SubState::decode(bytes.as_slice()) {
                Ok(s) => s,
                Err(e) => {
                    self.push(Finding::described(
                        Code::SqlDecode,
                        Severity::Error,
                        loc,
                        format!("proto ({} bytes) does not decode as spb.SubState: {e}; subscription skipped", bytes.len()),
                        "recovery fails: the server does not start",
                    ));
                    last_sents.push(col_last_sent);
                    continue;
                }
            };
            self.check_proto_matches_column(
                subid,
                state.id,
                Severity::Warning,
                &loc,
                || format!("proto has ID {} but the row's subid is {subid}", state.id),
                "the server uses the proto's ID, also to look up SubsPending",
            );
            let pending_rows = self.pending_rows(state.id)?;
            let replay = replay_pending(state.last_sent.max(col_last_sent), &pending_rows);
            styles.0 += replay.caching_rows;
            styles.1 += replay.no_caching_rows;
            for bad in &replay.bad_lists {
                self.push(Finding::described(
                    Code::SqlDecode,
                    Severity::Error,
                    loc_key(
                        "SubsPending",
                        &format!("subid={}, row={}", state.id, bad.row),
                    ),
                    format!("column {}: {}; list ignored", bad.column, bad.error),
                    "recovery fails: the server does not start",
                ));
            }
            let below: Vec<u64> = pending_rows
                .iter()
                .filter(|p| p.seq > 0 && p.seq < min_seq)
                .map(|p| p.seq)
                .collect();
            if !below.is_empty() {
                self.push(Finding::described(
                    Code::SqlBelowFirst,
                    Severity::Info,
                    loc_key("SubsPending", &format!("subid={}", state.id)),
                    format!(
                        "{} pending rows reference sequences below the first stored message {min_seq}: {:?}",
                        below.len(),
                        below
                    ),
                    "a server running with sql_no_caching deletes these rows at start-up; a caching server keeps \
                     them pending",
                ));
            }
            let mut sub = Subscription::from_state(&ch.name, &state);
            sub.last_sent = replay.last_sent;
            sub.pending = replay.pending.into_iter().collect();
            last_sents.push(sub.last_sent);
            subs.push(sub);
        }
        if styles.0 > 0 && styles.1 > 0 {
            self.push(Finding::described(
                Code::SqlPendingStyles,
                Severity::Info,
                loc_key("SubsPending", &format!("channel id={id}")),
                format!(
                    "channel {:?}: pending rows in both styles ({} caching, {} no-caching): sql_no_caching was \
                     changed between runs",
                    ch.name, styles.0, styles.1
                ),
                "acks are persisted only in the running mode's style; messages pending through the other style \
                 are redelivered after every restart",
            ));
        }
        subs.sort_by_key(|s| s.id);
        Ok((subs, last_sents))
    }

    fn pending_rows(&mut self, subid: u64) -> Result<Vec<PendingRow>> {
        let sloc = loc_key("SubsPending", &format!("subid={subid}"));
        let sql = self.sql.pending.clone();
        let rows = self.query(&sql, &[Param::UInt(subid)], || sloc.clone())?;
        let mut out = Vec::with_capacity(rows.len());
        for mut r in rows {
            let row = col_u64(&r, 0, "row", &sloc)?.unwrap_or(0);
            let loc = loc_key("SubsPending", &format!("subid={subid}, row={row}"));
            let seq = col_u64(&r, 1, "seq", &loc)?;
            let last_sent = col_u64(&r, 2, "lastsent", &loc)?;
            if seq.is_none() || last_sent.is_none() {
                self.null_integer(&loc, "seq or lastsent");
            }
            out.push(PendingRow {
                row,
                seq: seq.unwrap_or(0),
                last_sent: last_sent.unwrap_or(0),
                pending: col_bytes(&mut r, 3, "pending", &loc)?,
                acks: col_bytes(&mut r, 4, "acks", &loc)?,
            });
        }
        Ok(out)
    }

    // ------------------------------------------------------------ server

    fn check_server_info(
        &mut self,
        column_id: Option<String>,
        version: Option<i64>,
        info: &ServerInfo,
    ) {
        let loc = loc_key("ServerInfo", "uniquerow=1");
        if version != Some(1) {
            self.push(Finding::described(
                Code::SqlServerInfo,
                Severity::Error,
                loc.clone(),
                format!("version is {version:?}, expected 1"),
                "the server refuses to start: \"sql: unsupported version\"",
            ));
        }
        self.check_proto_matches_column(
            column_id.as_deref(),
            Some(info.cluster_id.as_str()),
            Severity::Error,
            &loc,
            || {
                format!(
                    "id column {:?} differs from the cluster ID {:?} in proto",
                    column_id, info.cluster_id
                )
            },
            "the server refuses to start: \"id in column does not match cluster ID in data\"",
        );
    }

    fn read_server_info(&mut self) -> Result<Option<ServerInfo>> {
        let loc = loc_key("ServerInfo", "uniquerow=1");
        let sql = self.sql.server_info.clone();
        let rows = self.query(&sql, &[], || loc.clone())?;
        let Some(mut r) = rows.into_iter().next() else {
            if !self.server_checked && !self.channels.is_empty() {
                self.push(Finding::described(
                    Code::SqlServerInfo,
                    Severity::Warning,
                    loc_table("ServerInfo"),
                    format!("no ServerInfo row but {} channel rows", self.channels.len()),
                    "the server does not start (\"no server info but channels\") before v0.25.0; v0.25.0+ \
                     re-initialises the server info and recovers the channels",
                ));
            }
            self.server_checked = true;
            return Ok(None);
        };
        let version = col_i64(&r, 2, "version", &loc)?;
        let column_id = col_text(&mut r, 0, "id", &loc)?;
        let bytes = col_bytes(&mut r, 1, "proto", &loc)?.unwrap_or_default();
        let info: ServerInfo = proto::ServerInfo::decode(bytes.as_slice())
            .map_err(|e| {
                sql_err(
                    loc.clone(),
                    format!("proto does not decode as spb.ServerInfo: {e}"),
                )
            })?
            .into();
        if !self.server_checked {
            self.check_server_info(column_id, version, &info);
            self.server_checked = true;
        }
        Ok(Some(info))
    }

    fn read_clients(&mut self) -> Result<Vec<Client>> {
        let sql = self.sql.clients.clone();
        let rows = self.query(&sql, &[], || loc_table("Clients"))?;
        let mut clients = Vec::with_capacity(rows.len());
        for mut r in rows {
            let id = col_text(&mut r, 0, "id", &loc_table("Clients"))?.unwrap_or_default();
            let loc = loc_key("Clients", &format!("id={id:?}"));
            let hb = col_text(&mut r, 1, "hbinbox", &loc)?;
            if hb.is_none() {
                self.push(Finding::described(
                    Code::SqlNullColumn,
                    Severity::Warning,
                    loc.clone(),
                    "hbinbox is NULL (read as empty)".into(),
                    "the server's recovery fails to scan NULL into a string and does not start",
                ));
            }
            let hb = hb.unwrap_or_default();
            let bytes = if self.has_client_proto {
                col_bytes(&mut r, 2, "proto", &loc)?
            } else {
                None
            };
            let client = match bytes.filter(|b| !b.is_empty()) {
                None => Client {
                    id,
                    hb_inbox: hb,
                    ..Client::default()
                },
                Some(b) => match proto::ClientInfo::decode(b.as_slice()) {
                    Ok(info) => {
                        let c = Client::from(info);
                        self.check_proto_matches_column(
                            id.as_str(),
                            c.id.as_str(),
                            Severity::Warning,
                            &loc,
                            || format!("proto has client ID {:?}", c.id),
                            "the server uses the proto",
                        );
                        c
                    }
                    Err(e) => {
                        self.push(Finding::described(
                            Code::SqlDecode,
                            Severity::Warning,
                            loc,
                            format!("proto does not decode as spb.ClientInfo: {e}; using id and hbinbox"),
                            "the server ignores the decoding error and keeps what it could decode",
                        ));
                        Client {
                            id,
                            hb_inbox: hb,
                            ..Client::default()
                        }
                    }
                },
            };
            clients.push(client);
        }
        clients.sort_by(|a, b| a.id.cmp(&b.id));
        Ok(clients)
    }
}

/// Checks the tables the catalog resolved and builds the statements.
fn resolve_schema(
    conn: &dyn Conn,
    catalog: &Catalog,
    findings: &mut Vec<Finding>,
) -> Result<(Statements, bool)> {
    for (want, used, other) in &catalog.ambiguous {
        findings.push(Finding::described(
            Code::SqlSchema,
            Severity::Warning,
            loc_table(want),
            format!("both {used:?} and {other:?} exist; reading {used:?}"),
            "the server's unquoted name resolves by the database's case rules",
        ));
    }
    let missing: Vec<&str> = TABLES
        .iter()
        .copied()
        .filter(|t| catalog.actual(t).is_none() && *t != "StoreLock")
        .collect();
    if !missing.is_empty() {
        return Err(sql_err(
            conn.location().to_string(),
            format!(
                "not a STAN SQL store: missing table(s) {} (expected {})",
                missing.join(", "),
                TABLES.join(", ")
            ),
        ));
    }
    let mut has_client_proto = true;
    for (table, cols) in COLUMNS {
        if catalog.actual(table).is_none() {
            findings.push(Finding::described(
                Code::SqlSchema,
                Severity::Warning,
                loc_table(table),
                "table missing".into(),
                "the server cannot prepare its statements and does not start",
            ));
            continue;
        }
        let have = catalog.column_names(table);
        let absent: Vec<&str> = cols
            .iter()
            .copied()
            .filter(|c| !have.iter().any(|h| h == c))
            .collect();
        if table == "Clients" && absent == ["proto"] {
            has_client_proto = false;
            findings.push(Finding::described(
                Code::SchemaClientsProtoMissing,
                Severity::Warning,
                loc_table("Clients"),
                "no proto column (schema written before v0.10.0); clients have only id and hbinbox".into(),
                "a v0.10.0+ server does not start on this schema until `ALTER TABLE Clients ADD proto BLOB` \
                 (BYTEA on PostgreSQL)",
            ));
            continue;
        }
        if !absent.is_empty() {
            return Err(sql_err(
                loc_table(table),
                format!(
                    "missing column(s) {} (expected {})",
                    absent.join(", "),
                    cols.join(", ")
                ),
            ));
        }
        if table == "Messages" && have != cols {
            findings.push(Finding::described(
                Code::SqlSchema,
                Severity::Warning,
                loc_table("Messages"),
                format!("columns are {have:?}; the server inserts without a column list into (id, seq, timestamp, size, data)"),
                "storing messages fails or fills the wrong columns",
            ));
        }
    }
    let q = |t: &str| catalog.actual(t).map(|n| conn.quote(n)).unwrap_or_default();
    let row = conn.quote("row");
    let (si, cl, ch, m, s, sp) = (
        q("ServerInfo"),
        q("Clients"),
        q("Channels"),
        q("Messages"),
        q("Subscriptions"),
        q("SubsPending"),
    );
    // Each page is a key window `seq>a AND seq<=a+PAGE`, never `LIMIT` on
    // an open range: without table statistics (a freshly restored dump)
    // PostgreSQL may plan the open range as a bitmap scan of the rest of
    // the channel plus a sort, once per page. A window bounds any plan.
    //
    // Data larger than the page's share comes back NULL, with its length,
    // and is read alone (see `PageSize`): a page holds a bounded number
    // of bytes whatever the messages' sizes.
    let page = format!(
        "SELECT seq, timestamp, octet_length(data), CASE WHEN octet_length(data)<=? THEN data END \
         FROM {m} WHERE id=? AND seq>? AND seq<=?"
    );
    let sql = Statements {
        channels_table: ch.clone(),
        server_info: format!("SELECT id, proto, version FROM {si} WHERE uniquerow=1"),
        clients: if has_client_proto {
            format!("SELECT id, hbinbox, proto FROM {cl}")
        } else {
            format!("SELECT id, hbinbox FROM {cl}")
        },
        channels: format!(
            "SELECT id, name, maxseq, maxmsgs, maxbytes, maxage, CASE WHEN deleted=FALSE THEN 1 ELSE 0 END FROM {ch}"
        ),
        aggregates: format!(
            "SELECT COUNT(seq), COALESCE(MIN(seq), 0), COALESCE(MAX(seq), 0), COALESCE(SUM(size), 0) FROM {m} WHERE id=? AND seq>=?"
        ),
        last_expired: format!("SELECT COALESCE(MAX(seq), 0) FROM {m} WHERE id=? AND timestamp<=?"),
        seq_desc: format!("SELECT seq FROM {m} WHERE id=? AND seq>=? ORDER BY seq DESC LIMIT 1"),
        bytes_floor: format!(
            "SELECT COALESCE(MIN(seq), 0) FROM (SELECT seq, SUM(size) OVER (ORDER BY seq DESC) AS total \
             FROM {m} WHERE id=? AND seq>=?) t WHERE t.total<=?"
        ),
        timestamp_at: format!("SELECT timestamp FROM {m} WHERE id=? AND seq=?"),
        older_than: format!("SELECT COUNT(seq) FROM {m} WHERE id=? AND timestamp<=?"),
        subs: format!("SELECT subid, lastsent, proto FROM {s} WHERE id=? AND deleted=FALSE ORDER BY subid"),
        pending: format!("SELECT {row}, seq, lastsent, pending, acks FROM {sp} WHERE subid=? ORDER BY {row}"),
        page: format!("{page} ORDER BY seq"),
        page_between: format!("{page} AND timestamp>=? AND timestamp<=? ORDER BY seq"),
        messages_table: catalog.actual("Messages").unwrap_or("Messages").to_string(),
        // Jumps over a gap of a window or more; `LIMIT 1` keeps it an
        // ordered index probe whatever the statistics.
        next_seq: format!("SELECT seq FROM {m} WHERE id=? AND seq>? AND seq<=? ORDER BY seq LIMIT 1"),
        count_subs: format!("SELECT COUNT(subid) FROM {s} WHERE id=?"),
        lock: catalog.actual("StoreLock").map(|t| conn.quote(t)),
    };
    Ok((sql, has_client_proto))
}

impl StoreReader for SqlReader {
    fn backend(&self) -> crate::store::Backend {
        crate::store::Backend::Sql(self.driver)
    }

    fn server_info(&mut self) -> Result<Option<ServerInfo>> {
        self.read_server_info()
    }

    fn channel_names(&mut self) -> Result<Vec<String>> {
        Ok(self.live.keys().cloned().collect())
    }

    fn channel_stats(&mut self, channel: &str) -> Result<ChannelStats> {
        Ok(self.state(channel)?.stats.clone())
    }

    fn channel_limits(&mut self, channel: &str) -> Result<(Limits, LimitsSource)> {
        let row = self.channel_row(channel)?;
        if let Some(r) = &self.recovery {
            // The server writes the configured limits into Channels on start.
            return Ok(((r.limits)(channel), LimitsSource::Config));
        }
        Ok((
            Limits {
                max_msgs: row.maxmsgs,
                max_bytes: row.maxbytes,
                max_age_ns: row.maxage,
                max_subs: None,
                max_inactivity_ns: None,
            },
            LimitsSource::Store,
        ))
    }

    fn messages<'a>(&'a mut self, channel: &str, range: MessageRange) -> Result<MessageIter<'a>> {
        let id = self.channel_row(channel)?.id;
        let counts = self.state(channel)?.stats.counts;
        let lo = counts.first_seq.max(range.from_seq.unwrap_or(0)).max(1);
        let hi = counts.last_seq.min(range.to_seq.unwrap_or(u64::MAX));
        let empty = counts.msgs == 0 || counts.first_seq == 0 || lo > hi;
        Ok(Box::new(MessagePages {
            reader: self,
            channel_id: id,
            after: lo - 1,
            hi,
            time: (range.since_ns.is_some() || range.until_ns.is_some()).then(|| {
                (
                    range.since_ns.unwrap_or(i64::MIN),
                    range.until_ns.unwrap_or(i64::MAX),
                )
            }),
            size: PageSize::new(),
            buf: VecDeque::new(),
            done: empty,
        }))
    }

    fn clients(&mut self) -> Result<Vec<Client>> {
        self.read_clients()
    }

    fn subscriptions(&mut self, channel: &str) -> Result<Vec<Subscription>> {
        Ok(self.state(channel)?.subs.clone())
    }

    fn findings(&self) -> Vec<Finding> {
        self.findings.clone()
    }
}

/// A row of a page: decoded, or too large for the page and read when its
/// turn comes (one such row in memory at a time).
enum PageRow {
    Definding(Result<Message>),
    Large {
        seq: u64,
        timestamp: Option<i64>,
        len: u64,
    },
}

/// Streams `Messages` by key range, a [`PageSize`] per query.
struct MessagePages<'a> {
    reader: &'a mut SqlReader,
    channel_id: i64,
    /// Highest sequence already fetched.
    after: u64,
    hi: u64,
    /// Inclusive timestamp bounds on the `timestamp` column.
    time: Option<(i64, i64)>,
    size: PageSize,
    buf: VecDeque<PageRow>,
    done: bool,
}

impl MessagePages<'_> {
    /// Fetches the next window of sequences; after an empty one, moves to
    /// the next stored sequence so gaps cost one probe.
    fn fetch(&mut self) -> Result<()> {
        let id = self.channel_id;
        let after = self.after;
        let end = after.saturating_add(self.size.rows()).min(self.hi);
        let inline = self.size.inline_limit();
        let mut params = vec![
            Param::UInt(inline),
            Param::Int(id),
            Param::UInt(after),
            Param::UInt(end),
        ];
        let sql = match self.time {
            Some((since, until)) => {
                params.push(Param::Int(since));
                params.push(Param::Int(until));
                self.reader.sql.page_between.clone()
            }
            None => self.reader.sql.page.clone(),
        };
        let loc = move || loc_key("Messages", &format!("id={id}, seq>{after}"));
        let rows = self.reader.query(&sql, &params, loc)?;
        let empty = rows.is_empty();
        let mut largest = 0;
        for mut r in rows {
            let seq = col_u64(&r, 0, "seq", &loc())?
                .ok_or_else(|| sql_err(loc_key("Messages", &format!("id={id}")), "NULL seq"))?;
            let row = self
                .page_row(id, seq, inline, &mut r)
                .unwrap_or_else(|e| PageRow::Definding(Err(e)));
            let len = r.get(2).and_then(|v| v.as_u64().ok().flatten());
            largest = largest.max(len.unwrap_or(0));
            self.buf.push_back(row);
        }
        self.size.fit(largest);
        self.after = end;
        if empty && end < self.hi {
            let next_seq = self.reader.sql.next_seq.clone();
            let probe = [Param::Int(id), Param::UInt(end), Param::UInt(self.hi)];
            let next = self.reader.query(&next_seq, &probe, loc)?;
            match next.first() {
                Some(r) => {
                    let seq =
                        col_u64(r, 0, "seq", &loc())?.ok_or_else(|| sql_err(loc(), "NULL seq"))?;
                    self.after = seq - 1;
                }
                None => self.after = self.hi,
            }
        }
        if self.after >= self.hi {
            self.done = true;
        }
        Ok(())
    }

    /// A row of the page: decoded, or left for [`Self::read_large`].
    fn page_row(&mut self, id: i64, seq: u64, inline: u64, r: &mut Row) -> Result<PageRow> {
        let loc = loc_key("Messages", &format!("id={id}, seq={seq}"));
        let timestamp = col_i64(r, 1, "timestamp", &loc)?;
        Ok(match col_u64(r, 2, "octet_length(data)", &loc)? {
            Some(len) if len > inline => PageRow::Large {
                seq,
                timestamp,
                len,
            },
            _ => {
                let data = col_bytes(r, 3, "data", &loc)?;
                PageRow::Definding(self.decode(id, seq, timestamp, data))
            }
        })
    }

    /// Reads a message too large for its page, in pieces, into one buffer.
    fn read_large(&mut self, seq: u64, timestamp: Option<i64>, len: u64) -> Result<Message> {
        let id = self.channel_id;
        let table = &self.reader.sql.messages_table;
        let data = self
            .reader
            .conn
            .read_long(&message_data(table, id, seq, len))
            .map_err(|e| {
                sql_err(
                    loc_key("Messages", &format!("id={id}, seq={seq}")),
                    format!("column data: {e}"),
                )
            })?;
        self.decode(id, seq, timestamp, Some(data))
    }

    /// Decodes a row's `data`; the payload of the message shares the
    /// row's buffer (no second copy of a large message).
    fn decode(
        &mut self,
        id: i64,
        seq: u64,
        column_ts: Option<i64>,
        data: Option<Vec<u8>>,
    ) -> Result<Message> {
        let loc = loc_key("Messages", &format!("id={id}, seq={seq}"));
        let data = bytes::Bytes::from(data.ok_or_else(|| {
            sql_err(
                loc.clone(),
                "data is NULL (expected a marshaled pb.MsgProto)",
            )
        })?);
        let len = data.len();
        let m = proto::MsgProto::decode(data).map_err(|e| {
            sql_err(
                loc.clone(),
                format!("data ({len} bytes) does not decode as pb.MsgProto: {e}"),
            )
        })?;
        self.reader.check_proto_matches_column(
            seq,
            m.sequence,
            Severity::Warning,
            &loc,
            || {
                format!(
                    "MsgProto has sequence {} but the row's seq is {seq}",
                    m.sequence
                )
            },
            "the server delivers the stored MsgProto as it is",
        );
        self.reader.check_proto_matches_column(
            column_ts,
            Some(m.timestamp),
            Severity::Warning,
            &loc,
            || format!("timestamp column {column_ts:?} differs from the MsgProto timestamp {}", m.timestamp),
            "the server uses the column for expiry and time-based starts, the MsgProto for delivery",
        );
        Ok(Message {
            seq,
            timestamp: m.timestamp,
            subject: proto::text(&m.subject),
            reply: proto::text(&m.reply),
            data: m.data,
        })
    }
}

impl Iterator for MessagePages<'_> {
    type Item = Result<Message>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            match self.buf.pop_front() {
                Some(PageRow::Definding(item)) => return Some(item),
                Some(PageRow::Large {
                    seq,
                    timestamp,
                    len,
                }) => return Some(self.read_large(seq, timestamp, len)),
                None => {}
            }
            if self.done {
                return None;
            }
            if let Err(e) = self.fetch() {
                // A failed query ends the stream after reporting it.
                self.done = true;
                return Some(Err(e));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_util::message_row;

    /// An in-memory SQLite store built from the schema, read through the
    /// shared logic (no external database needed).
    fn store(setup: &str) -> (tempfile::TempDir, SqlReader) {
        let schema = super::super::schema::SQLITE_SCHEMA;
        let (dir, path) = crate::test_util::sqlite_store(&format!("{schema}\n{setup}"));
        let r = SqlReader::open(SqlDriver::Sqlite, &path).unwrap();
        (dir, r)
    }

    fn sub(subid: u64, last_sent: u64, col_last_sent: u64) -> String {
        let s = proto::SubState {
            id: subid,
            client_id: b"c".to_vec(),
            inbox: b"in".to_vec(),
            last_sent,
            ..Default::default()
        };
        format!(
            "INSERT INTO Subscriptions (id, subid, lastsent, proto) VALUES (1, {subid}, {col_last_sent}, x'{}');",
            hex::encode(s.encode_to_vec())
        )
    }

    #[test]
    fn all_expired_channel_continues_after_maxseq() {
        let (_d, mut r) = store("INSERT INTO Channels (id, name, maxseq) VALUES (1, 'foo', 3);");
        let st = r.channel_stats("foo").unwrap().counts;
        assert_eq!((st.first_seq, st.last_seq, st.msgs), (4, 3, 0));
        assert_eq!(
            r.messages("foo", MessageRange::default()).unwrap().count(),
            0
        );
    }

    #[test]
    fn deleted_channels_are_skipped() {
        let setup = format!(
            "INSERT INTO Channels (id, name, deleted) VALUES (1, 'gone', TRUE), (2, 'kept', FALSE); {}",
            message_row(1, 10, b"x")
        );
        let (_d, mut r) = store(&setup);
        assert_eq!(r.channel_names().unwrap(), vec!["kept".to_string()]);
        assert!(matches!(
            r.channel_stats("gone"),
            Err(StoreError::NoSuchChannel(_))
        ));
        let f = r.findings();
        assert!(
            f.iter()
                .any(|f| f.message.contains("flagged deleted")
                    && f.message.contains("1 message rows")),
            "{f:?}"
        );
    }

    #[test]
    fn subscription_last_sent_raises_the_channel_sequence() {
        let setup = format!(
            "INSERT INTO Channels (id, name) VALUES (1, 'foo'); {} {} {}
             INSERT INTO SubsPending (subid, \"row\", seq) VALUES (7, 1, 5);",
            message_row(1, 10, b"a"),
            message_row(2, 11, b"b"),
            sub(7, 1, 0)
        );
        let (_d, mut r) = store(&setup);
        let st = r.channel_stats("foo").unwrap().counts;
        assert_eq!((st.first_seq, st.last_seq, st.msgs), (6, 5, 2));
        assert_eq!((st.first_timestamp, st.last_timestamp), (None, None));
        let subs = r.subscriptions("foo").unwrap();
        assert_eq!((subs[0].last_sent, subs[0].pending.clone()), (5, vec![5]));
        assert_eq!(
            r.messages("foo", MessageRange::default()).unwrap().count(),
            0
        );
        assert!(r
            .findings()
            .iter()
            .any(|f| f.message.contains("lie below the recovered first")));
    }

    #[test]
    fn null_proto_subscription_counts_only_its_lastsent() {
        let setup = format!(
            "INSERT INTO Channels (id, name) VALUES (1, 'foo'); {}
             INSERT INTO Subscriptions (id, subid, lastsent, proto) VALUES (1, 3, 9, NULL);",
            message_row(1, 10, b"a")
        );
        let (_d, mut r) = store(&setup);
        assert!(r.subscriptions("foo").unwrap().is_empty());
        let st = r.channel_stats("foo").unwrap().counts;
        assert_eq!((st.first_seq, st.last_seq), (10, 9));
    }

    #[test]
    fn bad_blobs_are_errors_or_findings_never_panics() {
        let setup = format!(
            "INSERT INTO Channels (id, name) VALUES (1, 'foo'); {}
             INSERT INTO Messages VALUES (1, 2, 11, 3, x'ffffff');
             INSERT INTO Messages VALUES (1, 3, 12, 0, NULL);
             {}
             INSERT INTO Subscriptions (id, subid, lastsent, proto) VALUES (1, 5, 0, x'0aff');
             INSERT INTO Subscriptions (id, subid, lastsent, proto, deleted) VALUES (1, 6, 0, x'00', TRUE);
             INSERT INTO SubsPending (subid, \"row\", seq, lastsent, pending, acks) VALUES (4, 1, 0, 2, '[1,', x'');
             INSERT INTO Clients (id, hbinbox, proto) VALUES ('c', 'hb', x'0aff');",
            message_row(1, 10, b"a"),
            sub(4, 0, 0)
        );
        let (_d, mut r) = store(&setup);
        let items: Vec<_> = r
            .messages("foo", MessageRange::default())
            .unwrap()
            .collect();
        assert_eq!(items.len(), 3);
        assert_eq!(items[0].as_ref().unwrap().data.as_ref(), b"a");
        let e1 = items[1].as_ref().unwrap_err().to_string();
        assert!(
            e1.contains("table Messages, key (id=1, seq=2)") && e1.contains("pb.MsgProto"),
            "{e1}"
        );
        let e2 = items[2].as_ref().unwrap_err().to_string();
        assert!(e2.contains("seq=3") && e2.contains("NULL"), "{e2}");
        let subs = r.subscriptions("foo").unwrap();
        assert_eq!(subs.iter().map(|s| s.id).collect::<Vec<_>>(), vec![4]);
        assert_eq!(subs[0].last_sent, 2);
        let clients = r.clients().unwrap();
        assert_eq!(
            (clients[0].id.as_str(), clients[0].hb_inbox.as_str()),
            ("c", "hb")
        );
        let f = r.findings();
        assert!(
            f.iter()
                .any(|f| f.location == "table Subscriptions, key (id=1, subid=5)"),
            "{f:?}"
        );
        assert!(
            f.iter()
                .any(|f| f.location == "table SubsPending, key (subid=4, row=1)"),
            "{f:?}"
        );
        assert!(
            f.iter().any(|f| f.location.starts_with("table Clients")),
            "{f:?}"
        );
    }

    #[test]
    fn findings_are_reported_once() {
        let m = proto::MsgProto {
            sequence: 9,
            timestamp: 10,
            ..Default::default()
        };
        let setup = format!(
            "INSERT INTO Channels (id, name) VALUES (1, 'foo');
             INSERT INTO Messages VALUES (1, 1, 10, 4, x'{}');",
            hex::encode(m.encode_to_vec())
        );
        let (_d, mut r) = store(&setup);
        for _ in 0..3 {
            let got: Vec<_> = r
                .messages("foo", MessageRange::default())
                .unwrap()
                .collect();
            assert_eq!(got.len(), 1);
            assert_eq!(got[0].as_ref().unwrap().seq, 1);
        }
        let f = r.findings();
        assert_eq!(f.len(), 1, "{f:?}");
        assert!(f[0].message.contains("sequence 9"), "{f:?}");
    }

    #[test]
    fn columns_that_disagree_with_their_proto_are_findings() {
        let server = proto::ServerInfo {
            cluster_id: b"proto-cluster".to_vec(),
            ..Default::default()
        };
        let client = proto::ClientInfo {
            id: b"proto-client".to_vec(),
            ..Default::default()
        };
        let m = proto::MsgProto {
            sequence: 9,
            timestamp: 12,
            ..Default::default()
        };
        let setup = format!(
            "INSERT INTO ServerInfo (uniquerow, id, proto, version) VALUES (1, 'column-cluster', x'{}', 1);
             INSERT INTO Clients (id, hbinbox, proto) VALUES ('column-client', 'hb', x'{}');
             INSERT INTO Channels (id, name) VALUES (1, 'foo');
             INSERT INTO Messages VALUES (1, 1, 10, {}, x'{}'); {}",
            hex::encode(server.encode_to_vec()),
            hex::encode(client.encode_to_vec()),
            m.encoded_len(),
            hex::encode(m.encode_to_vec()),
            sub(7, 0, 0).replace("(1, 7,", "(1, 8,")
        );
        let (_d, mut r) = store(&setup);
        r.server_info().unwrap();
        r.clients().unwrap();
        r.subscriptions("foo").unwrap();
        assert_eq!(
            r.messages("foo", MessageRange::default()).unwrap().count(),
            1
        );
        let mut got: Vec<_> = r
            .findings()
            .into_iter()
            .filter(|f| f.code == Code::SqlProtoMismatch)
            .map(|f| (f.severity, f.location, f.message, f.server_behaviour))
            .collect();
        got.sort();
        let want = [
            (
                Severity::Warning,
                "table Clients, key (id=\"column-client\")",
                "proto has client ID \"proto-client\"",
                "the server uses the proto",
            ),
            (
                Severity::Warning,
                "table Messages, key (id=1, seq=1)",
                "MsgProto has sequence 9 but the row's seq is 1",
                "the server delivers the stored MsgProto as it is",
            ),
            (
                Severity::Warning,
                "table Messages, key (id=1, seq=1)",
                "timestamp column Some(10) differs from the MsgProto timestamp 12",
                "the server uses the column for expiry and time-based starts, the MsgProto for delivery",
            ),
            (
                Severity::Warning,
                "table Subscriptions, key (id=1, subid=8)",
                "proto has ID 7 but the row's subid is 8",
                "the server uses the proto's ID, also to look up SubsPending",
            ),
            (
                Severity::Error,
                "table ServerInfo, key (uniquerow=1)",
                "id column Some(\"column-cluster\") differs from the cluster ID \"proto-cluster\" in proto",
                "the server refuses to start: \"id in column does not match cluster ID in data\"",
            ),
        ];
        let want: Vec<_> = want
            .into_iter()
            .map(|(s, l, m, b)| (s, l.to_string(), m.to_string(), b.to_string()))
            .collect();
        assert_eq!(got, want);
    }

    /// The sequences channel `foo` yields in `range`.
    fn seqs_of(r: &mut SqlReader, range: MessageRange) -> Vec<u64> {
        r.messages("foo", range)
            .unwrap()
            .map(|m| m.unwrap().seq)
            .collect()
    }

    #[test]
    fn ranges_and_paging() {
        let mut setup = String::from("INSERT INTO Channels (id, name) VALUES (1, 'foo');");
        for seq in 1..=2500u64 {
            setup.push_str(&message_row(seq, 1000 + seq as i64, &seq.to_be_bytes()));
        }
        let (_d, mut r) = store(&setup);
        let all = seqs_of(&mut r, MessageRange::default());
        assert_eq!(all, (1..=2500).collect::<Vec<_>>());
        let range = MessageRange {
            from_seq: Some(999),
            to_seq: Some(2001),
            since_ns: Some(1000 + 1500),
            until_ns: None,
        };
        let some = seqs_of(&mut r, range);
        assert_eq!(some, (1500..=2001).collect::<Vec<_>>());
        let st = r.channel_stats("foo").unwrap().counts;
        assert_eq!(
            (st.first_timestamp, st.last_timestamp),
            (Some(1001), Some(3500))
        );
        let none = MessageRange {
            from_seq: Some(3000),
            ..MessageRange::default()
        };
        assert_eq!(r.messages("foo", none).unwrap().count(), 0);
    }

    #[test]
    fn rows_too_large_for_a_page_are_read_alone_and_whole() {
        // Payloads around the inline limit of a full page (16 KiB), one
        // larger than a piece (8 MiB), and small ones after them.
        let sizes: Vec<usize> = vec![3, 20_000, 9 << 20, 5, 16 << 10, 70_000];
        let mut setup = String::from("INSERT INTO Channels (id, name) VALUES (1, 'foo');");
        let payload = |seq: usize, len: usize| -> Vec<u8> {
            (0..len).map(|i| (i * 31 + seq) as u8).collect()
        };
        for (i, &len) in sizes.iter().enumerate() {
            setup.push_str(&message_row(i as u64 + 1, 10, &payload(i + 1, len)));
        }
        for seq in sizes.len() + 1..=3000 {
            setup.push_str(&message_row(seq as u64, 10, &payload(seq, 40)));
        }
        let (_d, mut r) = store(&setup);
        let got: Vec<Message> = r
            .messages("foo", MessageRange::default())
            .unwrap()
            .map(|m| m.unwrap())
            .collect();
        assert_eq!(got.len(), 3000);
        for (i, m) in got.iter().enumerate() {
            let len = sizes.get(i).copied().unwrap_or(40);
            assert_eq!(m.seq, i as u64 + 1);
            assert!(
                m.data.as_ref() == payload(i + 1, len).as_slice(),
                "seq {}",
                m.seq
            );
        }
    }

    #[test]
    fn pages_jump_over_gaps() {
        let mut setup = String::from("INSERT INTO Channels (id, name) VALUES (1, 'foo');");
        let seqs: Vec<u64> = (3..=10).chain(1005..=1006).chain(5000..=7500).collect();
        for &seq in &seqs {
            setup.push_str(&message_row(seq, seq as i64, &seq.to_be_bytes()));
        }
        let (_d, mut r) = store(&setup);
        let all = seqs_of(&mut r, MessageRange::default());
        assert_eq!(all, seqs);
        let late = MessageRange {
            since_ns: Some(1006),
            until_ns: Some(6000),
            ..MessageRange::default()
        };
        let some = seqs_of(&mut r, late);
        let expected: Vec<u64> = seqs
            .iter()
            .copied()
            .filter(|s| (1006..=6000).contains(s))
            .collect();
        assert_eq!(some, expected);
    }

    #[test]
    fn missing_tables_are_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x.db");
        rusqlite::Connection::open(&path)
            .unwrap()
            .execute_batch("CREATE TABLE t (a INTEGER);")
            .unwrap();
        let e = SqlReader::open(SqlDriver::Sqlite, path.to_str().unwrap())
            .err()
            .unwrap()
            .to_string();
        assert!(e.contains("not a STAN SQL store"), "{e}");
    }
}
