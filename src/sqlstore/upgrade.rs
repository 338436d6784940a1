//! `stanctl sql upgrade`: the statements that bring a SQL store's schema to
//! the current one (v0.10.0+), and applying them. The one command that
//! writes to a source store, and only its schema: it adds what the current
//! schema lacks, after checking that no live server holds the StoreLock.

use serde::Serialize;

use super::catalog::Catalog;
use super::conn::{connect, probe_store_lock, Access, Conn, LOCK_RECHECK};
use super::dsn::Dsn;
use super::schema::{column_type, create_statements, COLUMNS};
use super::SqlDriver;
use crate::error::{Result, StoreError};

/// What the current schema (v0.10.0+) lacks, as statements.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct UpgradePlan {
    pub driver: String,
    pub source: String,
    pub statements: Vec<String>,
    /// Problems an ALTER cannot fix.
    pub manual: Vec<String>,
    /// Whether the statements run in one transaction.
    pub transactional: bool,
}

fn plan_from(catalog: &Catalog, driver: SqlDriver) -> (Vec<String>, Vec<String>) {
    let mut stmts = Vec::new();
    let mut manual = Vec::new();
    for (table, cols) in COLUMNS {
        if catalog.actual(table).is_none() {
            stmts.extend(create_statements(driver, table));
            continue;
        }
        for col in cols.iter() {
            if catalog.has(table, col) {
                continue;
            }
            if table == "Messages" {
                manual.push(format!(
                    "Messages lacks column {col}: the server inserts without a column list, so the table must be \
                     recreated with exactly (id, seq, timestamp, size, data)"
                ));
                continue;
            }
            let name = if *col == "row" && driver == SqlDriver::Mysql {
                "`row`".to_string()
            } else {
                col.to_string()
            };
            stmts.push(format!(
                "ALTER TABLE {table} ADD {name} {}",
                column_type(driver, table, col)
            ));
        }
    }
    if catalog.actual("Messages").is_some() {
        let names = catalog.column_names("Messages");
        if names.len() == 5 && names != ["id", "seq", "timestamp", "size", "data"] {
            manual.push(format!(
                "Messages columns are ({}): the server's INSERT INTO Messages VALUES (?, ?, ?, ?, ?) needs \
                 (id, seq, timestamp, size, data) in this order",
                names.join(", ")
            ));
        }
    }
    (stmts, manual)
}

/// The statements that bring the schema to the current one (v0.10.0+).
pub fn upgrade_plan(driver: SqlDriver, source: &str) -> Result<UpgradePlan> {
    let dsn = Dsn::parse(driver, source)?;
    let mut db = connect(&dsn, Access::ReadOnly)?;
    let catalog = read_catalog(db.as_mut())?;
    if catalog.is_empty() {
        return Err(StoreError::Sql {
            location: db.location().to_string(),
            message: "not a STAN SQL store: none of its tables exists".into(),
        });
    }
    let (statements, manual) = plan_from(&catalog, driver);
    Ok(UpgradePlan {
        driver: driver.name().to_string(),
        source: dsn.redacted(),
        statements,
        manual,
        transactional: driver != SqlDriver::Mysql,
    })
}

/// What `--apply` did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct UpgradeOutcome {
    pub applied: Vec<String>,
    pub notes: Vec<String>,
}

/// Apply `plan` after checking that no live server holds the StoreLock.
/// PostgreSQL and SQLite run it in one transaction; MySQL commits each DDL
/// statement implicitly, so it runs them one by one (each is idempotent to
/// re-plan).
pub fn apply_upgrade(
    driver: SqlDriver,
    source: &str,
    plan: &UpgradePlan,
) -> Result<UpgradeOutcome> {
    let dsn = Dsn::parse(driver, source)?;
    let mut db = connect(&dsn, Access::ReadWrite)?;
    let location = db.location().to_string();
    let fail = |m: String| StoreError::Sql {
        location: location.clone(),
        message: m,
    };
    let catalog = read_catalog(db.as_mut())?;
    let mut notes = Vec::new();
    if let Some(lock) = catalog.actual("StoreLock") {
        let quoted = db.quote(lock);
        let held = probe_store_lock(db.as_mut(), &quoted)
            .map_err(|e| fail(format!("reading StoreLock: {e}")))?;
        if let Some(held) = held {
            if held.live() {
                return Err(fail(format!(
                    "a live server holds the StoreLock (owner {:?}, tick moving): stop it first",
                    held.owner()
                )));
            }
            notes.push(format!(
                "StoreLock names owner {:?} but its tick did not move in {} ms: not live",
                held.owner(),
                LOCK_RECHECK.as_millis()
            ));
        }
    }
    // Re-plan against the current state: never apply a stale plan.
    let (statements, _) = plan_from(&catalog, driver);
    if statements != plan.statements {
        return Err(fail(
            "the schema changed since the plan was made; run again".into(),
        ));
    }
    if statements.is_empty() {
        return Ok(UpgradeOutcome {
            applied: Vec::new(),
            notes,
        });
    }
    let transactional = driver != SqlDriver::Mysql;
    if transactional {
        db.execute("BEGIN")
            .map_err(|e| fail(format!("BEGIN: {e}")))?;
    }
    let mut applied = Vec::new();
    for s in &statements {
        if let Err(e) = db.execute(s) {
            if transactional {
                let _ = db.execute("ROLLBACK");
                return Err(fail(format!("{s}: {e} (rolled back, nothing changed)")));
            }
            return Err(fail(format!(
                "{s}: {e} (MySQL commits DDL statement by statement: already applied: {applied:?})"
            )));
        }
        applied.push(s.clone());
    }
    if transactional {
        db.execute("COMMIT")
            .map_err(|e| fail(format!("COMMIT: {e}")))?;
    } else {
        notes.push(
            "MySQL commits each ALTER TABLE implicitly: statements were applied one by one".into(),
        );
    }
    Ok(UpgradeOutcome { applied, notes })
}

/// The STAN tables of the database `db` is connected to.
fn read_catalog(db: &mut dyn Conn) -> Result<Catalog> {
    let columns = db.catalog().map_err(|e| StoreError::Sql {
        location: db.location().to_string(),
        message: format!("cannot list the tables: {e}"),
    })?;
    Ok(Catalog::resolve(db.driver(), &columns))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_util::sqlite_store;

    #[test]
    fn sqlite_upgrade_adds_clients_proto() {
        let old = super::super::schema::SQLITE_SCHEMA.replace(
            "CREATE TABLE IF NOT EXISTS Clients (id VARCHAR(1024) NOT NULL, hbinbox TEXT, proto BLOB, PRIMARY KEY (id));",
            "CREATE TABLE IF NOT EXISTS Clients (id VARCHAR(1024) NOT NULL, hbinbox TEXT, PRIMARY KEY (id));",
        );
        let (_dir, path) = sqlite_store(&old);
        let plan = upgrade_plan(SqlDriver::Sqlite, &path).unwrap();
        assert_eq!(
            plan.statements,
            vec!["ALTER TABLE Clients ADD proto BLOB".to_string()]
        );
        let done = apply_upgrade(SqlDriver::Sqlite, &path, &plan).unwrap();
        assert_eq!(done.applied.len(), 1);
        let again = upgrade_plan(SqlDriver::Sqlite, &path).unwrap();
        assert!(again.statements.is_empty());
    }
}
