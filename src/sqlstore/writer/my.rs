//! MySQL / MariaDB target. `CREATE TABLE` commits implicitly in MySQL, so
//! missing tables are created first (empty, committed); every row is then
//! written in one InnoDB transaction committed at the end. Rows go in with
//! multi-row prepared `INSERT`s, each kept under the server's
//! `max_allowed_packet`.

use std::collections::HashMap;

use ::mysql::prelude::Queryable;
use ::mysql::{Params, Value as MyValue};

use super::{
    ensure_empty, read_catalog, row_location, sql_err, statements, to_send, Batch, Batched, Table,
    Target, Val, LONG_VALUE,
};
use crate::error::Result;
use crate::sqlstore::catalog::Catalog;
use crate::sqlstore::conn::{Conn, SqlError};
use crate::sqlstore::dsn::MysqlDsn;
use crate::sqlstore::my::{self, MyConn};
use crate::sqlstore::schema::{
    mysql_blob_capacity, MYSQL_DATA_MIN, MYSQL_SCHEMA, MYSQL_WIDEN_DATA,
};

/// Rows per `INSERT` (7 columns: far below the 65 535 placeholders limit).
const MAX_ROWS: usize = 1000;
/// Bytes per `INSERT`, at most (also bounded by `max_allowed_packet`).
const MAX_BYTES: usize = 8 << 20;
/// Room left in a packet for the statement's framing.
const PACKET_MARGIN: usize = 64 << 10;
/// Per-value overhead in a `COM_STMT_EXECUTE` packet (type, length).
const VALUE_OVERHEAD: usize = 11;

struct MyTable {
    /// `INSERT INTO t (cols) VALUES `
    head: String,
    /// `(?, ?, ...)`
    group: String,
    values: Vec<MyValue>,
    batch: Batch,
}

pub(crate) struct MyTarget {
    db: MyConn,
    target: String,
    tables: HashMap<Table, MyTable>,
    /// `ANALYZE TABLE` of the written tables.
    analyze: String,
    max_packet: usize,
    /// Bytes per `INSERT`.
    budget: usize,
    in_tx: bool,
}

fn to_value(v: &Val<'_>) -> MyValue {
    match *v {
        Val::Null => MyValue::NULL,
        Val::Int(i) => MyValue::Int(i),
        Val::UInt(u) => MyValue::UInt(u),
        Val::Bool(b) => MyValue::Int(i64::from(b)),
        Val::Bytes(b) => MyValue::Bytes(b.to_vec()),
        Val::Text(t) => MyValue::Bytes(t.as_bytes().to_vec()),
    }
}

impl MyTarget {
    pub(crate) fn open(dsn: &MysqlDsn, force: bool) -> Result<MyTarget> {
        let db = my::connect(dsn)?;
        let mut t = MyTarget {
            target: db.location().to_string(),
            db,
            tables: HashMap::new(),
            analyze: String::new(),
            max_packet: 0,
            budget: 0,
            in_tx: false,
        };
        // Out-of-range values are errors, not silently clamped; no engine
        // may be substituted for InnoDB.
        t.run("SET SESSION sql_mode = 'STRICT_ALL_TABLES,NO_ENGINE_SUBSTITUTION'")?;
        let selected: Option<Option<String>> =
            t.db.conn
                .query_first("SELECT DATABASE()")
                .map_err(|e| sql_err(&t.target, t.db.err(&e)))?;
        if selected.flatten().is_none() {
            return Err(sql_err(
                &t.target,
                "no database selected: name one in the source (user@tcp(host:port)/dbname)",
            ));
        }
        let mut catalog = read_catalog(&mut t.db)?;
        if !catalog.complete() {
            // The DDL below commits at once: refuse a store in use before it.
            if !force {
                ensure_empty(&mut t.db, &catalog, false)?;
            }
            for stmt in statements(MYSQL_SCHEMA) {
                t.run(stmt)?;
            }
            catalog = read_catalog(&mut t.db)?;
        }
        t.check_engines(&catalog)?;
        t.check_data_column(&catalog)?;
        let packet: Option<u64> =
            t.db.conn
                .query_first("SELECT @@max_allowed_packet")
                .map_err(|e| sql_err(&t.target, t.db.err(&e)))?;
        t.max_packet = usize::try_from(packet.unwrap_or(4 << 20)).unwrap_or(usize::MAX);
        t.budget = t
            .max_packet
            .saturating_sub(PACKET_MARGIN)
            .clamp(16 << 10, MAX_BYTES);
        t.run("START TRANSACTION")?;
        t.in_tx = true;
        ensure_empty(&mut t.db, &catalog, force)?;
        let mut analyzed = Vec::new();
        for table in Table::ALL {
            let name = catalog
                .actual(table.name())
                .ok_or_else(|| sql_err(&t.target, format!("table {} not found", table.name())))?;
            let cols: Vec<String> = table.columns().iter().map(|c| t.db.quote(c)).collect();
            let marks = vec!["?"; cols.len()].join(",");
            let quoted = t.db.quote(name);
            analyzed.push(quoted.clone());
            t.tables.insert(
                table,
                MyTable {
                    head: format!("INSERT INTO {quoted} ({}) VALUES ", cols.join(",")),
                    group: format!("({marks})"),
                    values: Vec::new(),
                    batch: Batch::default(),
                },
            );
        }
        t.analyze = format!("ANALYZE TABLE {}", analyzed.join(", "));
        Ok(t)
    }

    /// Refuse, before writing anything, a `Messages.data` too narrow for
    /// the messages NATS accepts (the upstream schema's `BLOB`): MySQL
    /// would fail on the first large message with "Data too long", at
    /// the end of the work.
    fn check_data_column(&mut self, catalog: &Catalog) -> Result<()> {
        let table = catalog.actual("Messages").unwrap_or("Messages");
        let Some(ty) = catalog.column("Messages", "data").map(|c| &c.data_type) else {
            return Ok(());
        };
        match mysql_blob_capacity(ty) {
            Some(cap) if cap < MYSQL_DATA_MIN => Err(sql_err(
                &self.target,
                format!(
                    "table {table}: column data is {ty}, {cap} bytes at most; a message of NATS' default \
                     max_payload (1 MiB) would fail with \"Data too long\". Widen it first: {MYSQL_WIDEN_DATA}"
                ),
            )),
            _ => Ok(()),
        }
    }

    fn run(&mut self, sql: &str) -> Result<()> {
        self.db
            .conn
            .query_drop(sql)
            .map_err(|e| sql_err(&self.target, self.db.err(&e)))
    }

    /// A failed migration is undone by a rollback: every data table must
    /// be transactional (InnoDB), not MyISAM, Aria, MEMORY...
    fn check_engines(&mut self, catalog: &Catalog) -> Result<()> {
        let rows: Vec<(String, Option<String>, Option<String>)> = self
            .db
            .conn
            .query(
                "SELECT t.TABLE_NAME, t.ENGINE, e.TRANSACTIONS FROM information_schema.TABLES t \
                 LEFT JOIN information_schema.ENGINES e ON e.ENGINE = t.ENGINE \
                 WHERE t.TABLE_SCHEMA = DATABASE()",
            )
            .map_err(|e| sql_err(&self.target, self.db.err(&e)))?;
        for table in Table::ALL {
            let Some(name) = catalog.actual(table.name()) else {
                continue;
            };
            let Some((_, engine, tx)) = rows.iter().find(|(t, _, _)| t == name) else {
                continue;
            };
            if !tx.as_deref().is_some_and(|t| t.eq_ignore_ascii_case("YES")) {
                let engine = engine.clone().unwrap_or_default();
                return Err(sql_err(
                    format!("{}: table {name}", self.target),
                    format!(
                        "uses the {engine} engine, which has no transactions: a failed migration could not be \
                         undone; convert it first with `ALTER TABLE {name} ENGINE=InnoDB`"
                    ),
                ));
            }
        }
        Ok(())
    }

    /// The row's size in a packet, or an error naming
    /// `max_allowed_packet` when the server would refuse it.
    fn row_size(&self, table: Table, row: &[Val<'_>]) -> Result<usize> {
        let size: usize = row.iter().map(|v| v.wire_len() + VALUE_OVERHEAD).sum();
        if size + 1024 > self.max_packet {
            return Err(sql_err(
                row_location(&self.target, table, row),
                format!(
                    "the row takes {size} bytes, more than the server's max_allowed_packet ({} bytes); raise \
                     max_allowed_packet (SET GLOBAL max_allowed_packet = ..., or in the server's configuration; \
                     and make sure the column type holds it)",
                    self.max_packet
                ),
            ));
        }
        Ok(size)
    }
}

impl Batched for MyTable {
    fn batch(&self) -> &Batch {
        &self.batch
    }
}

fn packet_hint(e: SqlError) -> String {
    let text = e.to_string();
    if text.contains("max_allowed_packet") || text.contains("Error 1153") {
        format!("{text} (raise the server's max_allowed_packet above the largest row)")
    } else {
        text
    }
}

impl Target for MyTarget {
    fn empty_list(&self) -> Val<'static> {
        // go-sql-driver/mysql sends an empty []byte as NULL.
        Val::Null
    }

    fn insert(&mut self, table: Table, row: &[Val<'_>]) -> Result<()> {
        let size = self.row_size(table, row)?;
        let full = self
            .tables
            .get(&table)
            .is_some_and(|tb| tb.batch.rows > 0 && tb.batch.bytes + size > self.budget);
        if full {
            self.send(table)?;
        }
        let target = self.target.clone();
        let Some(tb) = self.tables.get_mut(&table) else {
            return Err(sql_err(
                row_location(&target, table, row),
                "table not prepared",
            ));
        };
        tb.values.extend(row.iter().map(to_value));
        tb.batch.note(table, row, size);
        if tb.batch.rows >= MAX_ROWS || tb.batch.bytes >= self.budget {
            self.send(table)?;
        }
        Ok(())
    }

    /// A large message is sent alone, its buffer moved into the
    /// statement's parameters rather than copied (the driver sends it in
    /// pieces with `COM_STMT_SEND_LONG_DATA`).
    fn insert_message(&mut self, key: [Val<'_>; 4], data: Vec<u8>) -> Result<Vec<u8>> {
        let [id, seq, timestamp, size] = key;
        let row = [id, seq, timestamp, size, Val::Bytes(&data)];
        if data.len() <= LONG_VALUE {
            self.insert(Table::Messages, &row)?;
            return Ok(data);
        }
        self.row_size(Table::Messages, &row)?;
        self.send(Table::Messages)?;
        let location = row_location(&self.target, Table::Messages, &row);
        let Some(tb) = self.tables.get(&Table::Messages) else {
            return Err(sql_err(location, "table not prepared"));
        };
        let sql = format!("{}{}", tb.head, tb.group);
        let mut values: Vec<MyValue> = key.iter().map(to_value).collect();
        values.push(MyValue::Bytes(data));
        self.db
            .conn
            .exec_drop(sql.as_str(), Params::Positional(values))
            .map_err(|e| sql_err(location, packet_hint(self.db.err(&e))))?;
        Ok(Vec::new())
    }

    fn send(&mut self, table: Table) -> Result<()> {
        let Some(tb) = to_send(&mut self.tables, table) else {
            return Ok(());
        };
        let mut sql = String::with_capacity(tb.head.len() + tb.batch.rows * (tb.group.len() + 1));
        sql.push_str(&tb.head);
        for i in 0..tb.batch.rows {
            if i > 0 {
                sql.push(',');
            }
            sql.push_str(&tb.group);
        }
        let values = std::mem::take(&mut tb.values);
        let sent = self
            .db
            .conn
            .exec_drop(sql.as_str(), Params::Positional(values));
        sent.map_err(|e| {
            sql_err(
                tb.batch.location(&self.target, table),
                packet_hint(self.db.err(&e)),
            )
        })?;
        tb.batch.clear();
        Ok(())
    }

    fn commit(&mut self) -> Result<()> {
        self.flush()?;
        self.run("COMMIT")
            .map_err(|e| sql_err(&self.target, format!("commit failed: {e}")))?;
        self.in_tx = false;
        // Fresh statistics for the first reader. `ANALYZE TABLE` commits
        // implicitly, so it runs after the store is complete, and reports
        // its failures as rows.
        let analyze = self.analyze.clone();
        let rows: Vec<(String, String, String, String)> =
            self.db.conn.query(&analyze).map_err(|e| {
                sql_err(
                    &self.target,
                    format!(
                        "the store is committed, but {analyze} failed: {}",
                        self.db.err(&e)
                    ),
                )
            })?;
        if let Some((table, _, _, text)) = rows.iter().find(|r| r.2.eq_ignore_ascii_case("error")) {
            return Err(sql_err(
                &self.target,
                format!("the store is committed, but {analyze} failed on {table}: {text}"),
            ));
        }
        Ok(())
    }
}

impl Drop for MyTarget {
    fn drop(&mut self) {
        if self.in_tx {
            // Not committed: no row stays (tables created are left empty).
            let _ = self.db.conn.query_drop("ROLLBACK");
        }
    }
}
