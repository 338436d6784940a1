//! The SQLite write limit for `scripts/bench.sh`: copies the Messages rows
//! of a SQLite store into a new database with a bare prepared-insert loop
//! in one transaction (the same pragmas as stanctl's writer), nothing else.
//! `sqlite-insert-limit SOURCE.db TARGET.db` (TARGET must not exist).

use anyhow::{bail, Context};
use rusqlite::{Connection, OpenFlags};
use stanctl::sqlstore::schema::SQLITE_SCHEMA;

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [source, target] = args.as_slice() else {
        bail!("usage: sqlite-insert-limit SOURCE.db TARGET.db");
    };
    if std::path::Path::new(target).exists() {
        bail!("{target} exists");
    }
    let src = Connection::open_with_flags(source, OpenFlags::SQLITE_OPEN_READ_ONLY)
        .with_context(|| format!("opening {source}"))?;
    let dst = Connection::open(target).with_context(|| format!("creating {target}"))?;
    dst.pragma_update_and_check(None, "journal_mode", "OFF", |r| r.get::<_, String>(0))?;
    dst.pragma_update(None, "synchronous", "OFF")?;
    dst.execute_batch(SQLITE_SCHEMA)?;
    dst.execute_batch("BEGIN")?;
    let mut read = src.prepare("SELECT id, seq, timestamp, size, data FROM Messages")?;
    let mut insert = dst.prepare(
        "INSERT INTO Messages (id, seq, timestamp, size, data) VALUES (?1, ?2, ?3, ?4, ?5)",
    )?;
    let mut rows = read.query([])?;
    let mut n = 0u64;
    while let Some(r) = rows.next()? {
        insert.execute(rusqlite::params![
            r.get::<_, i64>(0)?,
            r.get::<_, i64>(1)?,
            r.get::<_, i64>(2)?,
            r.get::<_, i64>(3)?,
            r.get::<_, Vec<u8>>(4)?,
        ])?;
        n += 1;
    }
    drop(insert);
    dst.execute_batch("COMMIT")?;
    eprintln!("{n} rows");
    Ok(())
}
