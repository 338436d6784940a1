//! `stanctl check` and `stanctl sql upgrade` on the SQL fixtures loaded
//! into real databases. Run through `scripts/test-databases.sh cargo test
//! --test it check_sql::`; without its variables these tests note it and pass,
//! unless `CI` is set, then they fail.
//!
//! The pre-0.10 fixtures must be reported incompatible with 0.10.0+ with
//! the statement the real v0.23.2 server failed on (recorded in each
//! MANIFEST.json's `upgrade_check`) and its fix; after `sql upgrade
//! --apply` on a copy, `check --server-version 0.23.2` passes and the store
//! matches what the real server reported after the same ALTER.

use std::sync::Mutex;
use std::time::Duration;

use crate::common::*;
use serde_json::Value;
use stanctl::sqlstore::dsn::MysqlDsn;

/// Copies of a PostgreSQL database need no other session on it.
static SERIAL: Mutex<()> = Mutex::new(());

fn env_dsn(var: &str) -> Option<String> {
    match std::env::var(var) {
        Ok(v) if !v.is_empty() => Some(v),
        _ => {
            if std::env::var_os("CI").is_some() {
                panic!("{var} is not set: run through scripts/test-databases.sh");
            }
            eprintln!(
                "note: {var} not set; run `scripts/test-databases.sh cargo test --test it check_sql::`"
            );
            None
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Db {
    Pg,
    My,
}

impl Db {
    /// The database of a `per_fixture!` case.
    fn named(driver: &str) -> Db {
        match driver {
            "postgres" => Db::Pg,
            "mysql" => Db::My,
            other => panic!("no test database {other:?}"),
        }
    }

    fn driver(self) -> &'static str {
        match self {
            Db::Pg => "postgres",
            Db::My => "mysql",
        }
    }

    fn var(self, fixture: &str) -> String {
        let suffix: String = fixture
            .to_ascii_uppercase()
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
            .collect();
        match self {
            Db::Pg => format!("STANCTL_TEST_PG_{suffix}"),
            Db::My => format!("STANCTL_TEST_MYSQL_{suffix}"),
        }
    }

    fn fixture(self, version: &str) -> String {
        match self {
            Db::Pg => format!("sql-postgres-{version}"),
            Db::My => format!("sql-mysql-{version}"),
        }
    }
}

fn sql_args<'a>(db: Db, dsn: &'a str, cmd: &[&'a str]) -> Vec<&'a str> {
    let mut args = vec!["--sql-driver", db.driver(), "--sql-source", dsn];
    args.extend_from_slice(cmd);
    args
}

fn check(db: Db, dsn: &str, extra: &[&str], code: i32) -> Value {
    let mut cmd = vec!["check", "--format", "json"];
    cmd.extend_from_slice(extra);
    json_with_code(&sql_args(db, dsn, &cmd), code)
}

/// `... unable to prepare statement "<stmt>": <driver error>` of the real
/// server's fatal log line.
fn failing_statement(manifest: &Value) -> (String, String) {
    let line = str_of(&manifest["upgrade_check"]["without_alter"]["fatal_log_line"]);
    let rest = line
        .split("unable to prepare statement \"")
        .nth(1)
        .expect("statement in the log line");
    let (stmt, err) = rest.split_once("\": ").expect("statement and error");
    (stmt.to_string(), err.to_string())
}

fn pre_0_10_schemas_are_incompatible_with_the_exact_statement_and_fix(driver: &str) {
    let db = Db::named(driver);
    let fixture = db.fixture("v0.9");
    let Some(dsn) = env_dsn(&db.var(&fixture)) else {
        return;
    };
    let m = manifest(&fixture);
    let (stmt, driver_error) = failing_statement(&m);
    let alter = str_of(&m["upgrade_check"]["after_alter"]["alter_statement"]);

    let r = check(db, &dsn, &["--server-version", "0.10.0"], 1);
    let f = findings(&r, "schema.clients_proto_missing");
    assert_eq!(f.len(), 1, "{db:?}: {r:#}");
    let f = f[0];
    assert_eq!(f["severity"], "error");
    assert_eq!(f["table"], "Clients");
    let msg = str_of(&f["message"]);
    assert!(msg.contains(&stmt), "{db:?}: {msg}\nwant {stmt}");
    assert!(
        msg.contains(&driver_error),
        "{db:?}: {msg}\nwant {driver_error}"
    );
    assert_eq!(f["fix"][db.driver()], alter, "{db:?}");
    assert_eq!(f["fix"]["mysql"], "ALTER TABLE Clients ADD proto BLOB");
    assert_eq!(f["fix"]["postgres"], "ALTER TABLE Clients ADD proto BYTEA");
    let sv = &r["compatibility"]["server_version"];
    assert_eq!(sv["verdict"], "incompatible");
    assert!(sv["reasons"]
        .to_string()
        .contains("Clients (id, hbinbox, proto)"));
    assert_eq!(
        r["compatibility"]["opens_with"],
        serde_json::json!(["v0.7.0 - v0.9.2"])
    );

    for v in ["0.10.0", "0.23.2", "0.25.6"] {
        check(db, &dsn, &["--server-version", v], 1);
    }
    for v in ["0.7.0", "0.9.2"] {
        let r = check(db, &dsn, &["--server-version", v], 0);
        assert_eq!(r["compatibility"]["server_version"]["opens"], true);
    }
    // Without a target version the store is intact: a warning only.
    let r = check(db, &dsn, &[], 0);
    assert_eq!(r["counts"]["error"], 0, "{r:#}");
    assert_eq!(
        findings(&r, "schema.clients_proto_missing")[0]["severity"],
        "warning"
    );
    // And its content is what the server wrote.
    let file = fixture_manifest(&fixture);
    let r = check(db, &dsn, &["--deep", "--expect", &file], 0);
    assert!(
        r["expect"]["differences"].as_array().unwrap().is_empty(),
        "{r:#}"
    );
}

fn fixture_manifest(name: &str) -> String {
    fixture(name).join("MANIFEST.json").display().to_string()
}

fn current_schemas_pass(driver: &str) {
    let db = Db::named(driver);
    let fixture = db.fixture("v0.23");
    let Some(dsn) = env_dsn(&db.var(&fixture)) else {
        return;
    };
    let file = fixture_manifest(&fixture);
    let r = check(
        db,
        &dsn,
        &["--deep", "--server-version", "0.23.2", "--expect", &file],
        0,
    );
    assert_eq!(r["ok"], true, "{db:?}: {r:#}");
    assert_eq!(r["counts"]["error"], 0);
    assert!(r["expect"]["differences"].as_array().unwrap().is_empty());
    assert_eq!(
        r["compatibility"]["opens_with"],
        serde_json::json!(["v0.7.0 - v0.25.6"])
    );
    let tables: Vec<&str> = r["schema"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| str_of(&t["table"]))
        .collect();
    assert_eq!(tables.len(), 7, "{tables:?}");
    if db == Db::My {
        // 65000-byte payloads in a 64 KiB BLOB.
        let f = findings(&r, "schema.data_too_narrow");
        assert_eq!(f.len(), 1, "{r:#}");
        assert_eq!(f[0]["severity"], "warning");
        assert_eq!(
            f[0]["fix"]["mysql"],
            "ALTER TABLE Messages MODIFY data LONGBLOB"
        );
    }
}

// ------------------------------------------------------------ copies

/// A throw-away copy of a fixture database, dropped at the end.
struct Copy {
    db: Db,
    admin: String,
    name: String,
    dsn: String,
}

fn pg_dbname(dsn: &str) -> String {
    dsn.split_whitespace()
        .find_map(|kv| kv.strip_prefix("dbname="))
        .expect("dbname in DSN")
        .to_string()
}

fn my_connect(dsn: &str) -> mysql::Conn {
    let parsed = MysqlDsn::parse(dsn).expect("mysql dsn");
    mysql::Conn::new(parsed.opts().expect("opts")).expect("connect mysql")
}

fn make_copy(db: Db, src_dsn: &str, admin: &str) -> Copy {
    let name = format!("stanctl_check_copy_{}_{}", std::process::id(), db.driver());
    match db {
        Db::Pg => {
            let src = pg_dbname(src_dsn);
            let mut client = postgres::Client::connect(admin, postgres::NoTls).expect("pg admin");
            client
                .batch_execute(&format!("DROP DATABASE IF EXISTS \"{name}\""))
                .unwrap();
            let mut tries = 0;
            loop {
                match client
                    .batch_execute(&format!("CREATE DATABASE \"{name}\" TEMPLATE \"{src}\""))
                {
                    Ok(()) => break,
                    Err(e) if tries < 20 => {
                        tries += 1;
                        eprintln!("retrying copy: {e}");
                        std::thread::sleep(Duration::from_millis(500));
                    }
                    Err(e) => panic!("CREATE DATABASE ... TEMPLATE: {e}"),
                }
            }
            Copy {
                db,
                admin: admin.to_string(),
                dsn: src_dsn.replace(&format!("dbname={src}"), &format!("dbname={name}")),
                name,
            }
        }
        Db::My => {
            use mysql::prelude::Queryable;
            let src = src_dsn.rsplit_once('/').expect("db in DSN").1.to_string();
            let mut conn = my_connect(admin);
            conn.query_drop(format!("DROP DATABASE IF EXISTS `{name}`"))
                .unwrap();
            conn.query_drop(format!("CREATE DATABASE `{name}`"))
                .unwrap();
            let tables: Vec<String> = conn.query(format!("SHOW TABLES FROM `{src}`")).unwrap();
            for t in tables {
                conn.query_drop(format!("CREATE TABLE `{name}`.`{t}` LIKE `{src}`.`{t}`"))
                    .unwrap();
                conn.query_drop(format!(
                    "INSERT INTO `{name}`.`{t}` SELECT * FROM `{src}`.`{t}`"
                ))
                .unwrap();
            }
            let base = src_dsn.rsplit_once('/').unwrap().0;
            Copy {
                db,
                admin: admin.to_string(),
                dsn: format!("{base}/{name}"),
                name,
            }
        }
    }
}

impl Drop for Copy {
    fn drop(&mut self) {
        match self.db {
            Db::Pg => {
                if let Ok(mut c) = postgres::Client::connect(&self.admin, postgres::NoTls) {
                    let _ = c.batch_execute(&format!(
                        "DROP DATABASE IF EXISTS \"{}\" WITH (FORCE)",
                        self.name
                    ));
                }
            }
            Db::My => {
                use mysql::prelude::Queryable;
                let mut c = my_connect(&self.admin);
                let _ = c.query_drop(format!("DROP DATABASE IF EXISTS `{}`", self.name));
            }
        }
    }
}

fn admin(db: Db) -> Option<String> {
    env_dsn(match db {
        Db::Pg => "STANCTL_TEST_PG_ADMIN",
        Db::My => "STANCTL_TEST_MYSQL_ADMIN",
    })
}

fn upgrade_apply_on_a_copy_makes_0_23_2_open_it(driver: &str) {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let db = Db::named(driver);
    let fixture = db.fixture("v0.9");
    let (Some(src), Some(admin)) = (env_dsn(&db.var(&fixture)), admin(db)) else {
        return;
    };
    let m = manifest(&fixture);
    let alter = str_of(&m["upgrade_check"]["after_alter"]["alter_statement"]).to_string();
    let copy = make_copy(db, &src, &admin);
    check(db, &copy.dsn, &["--server-version", "0.23.2"], 1);

    // Without --apply: the plan, nothing written.
    let plan = json_with_code(
        &sql_args(db, &copy.dsn, &["sql", "upgrade", "--format", "json"]),
        0,
    );
    assert_eq!(
        plan["statements"],
        serde_json::json!([alter]),
        "{db:?}: {plan:#}"
    );
    assert_eq!(plan["applied"], false);
    let out = stanctl()
        .args(sql_args(db, &copy.dsn, &["sql", "upgrade"]))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&out.stdout).contains(&format!("{alter};")));
    check(db, &copy.dsn, &["--server-version", "0.23.2"], 1);

    // --apply, then v0.23.2 opens it.
    let applied = json_with_code(
        &sql_args(
            db,
            &copy.dsn,
            &["sql", "upgrade", "--apply", "--format", "json"],
        ),
        0,
    );
    assert_eq!(applied["applied"], true);
    assert_eq!(applied["outcome"]["applied"], serde_json::json!([alter]));
    assert_eq!(applied["transactional"], db == Db::Pg);
    let r = check(db, &copy.dsn, &["--server-version", "0.23.2", "--deep"], 0);
    assert_eq!(r["compatibility"]["server_version"]["opens"], true, "{r:#}");
    assert_eq!(r["counts"]["error"], 0, "{r:#}");
    assert_eq!(
        r["compatibility"]["opens_with"],
        serde_json::json!(["v0.7.0 - v0.25.6"])
    );
    // Same content as before, as the real server saw it after the ALTER.
    let file = fixture_manifest(&fixture);
    let r = check(db, &copy.dsn, &["--expect", &file], 0);
    assert!(
        r["expect"]["differences"].as_array().unwrap().is_empty(),
        "{r:#}"
    );
    let channels = json(&sql_args(
        db,
        &copy.dsn,
        &["channels", "ls", "--format", "json"],
    ));
    for want in m["upgrade_check"]["after_alter"]["channels"]
        .as_array()
        .unwrap()
    {
        let got = channels
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["name"] == want["name"])
            .unwrap_or_else(|| panic!("{db:?}: channel {}", want["name"]));
        assert_eq!(got["first_seq"], want["first_seq"]);
        assert_eq!(got["last_seq"], want["last_seq"]);
        assert_eq!(got["msgs"], want["msgs"]);
    }
    // Nothing left to do.
    let again = json_with_code(
        &sql_args(db, &copy.dsn, &["sql", "upgrade", "--format", "json"]),
        0,
    );
    assert_eq!(again["statements"], serde_json::json!([]));
    // The original fixture database is untouched.
    check(db, &src, &["--server-version", "0.23.2"], 1);
}

#[test]
fn upgrade_refuses_a_live_store_lock() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let db = Db::Pg;
    let fixture = db.fixture("v0.9");
    let (Some(src), Some(admin)) = (env_dsn(&db.var(&fixture)), admin(db)) else {
        return;
    };
    let copy = make_copy(db, &src, &admin);
    let dsn = copy.dsn.clone();
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let stop2 = stop.clone();
    let ticker = std::thread::spawn(move || {
        let mut c = postgres::Client::connect(&dsn, postgres::NoTls).expect("connect");
        c.batch_execute("INSERT INTO StoreLock (id, tick) VALUES ('live-owner', 1)")
            .unwrap();
        while !stop2.load(std::sync::atomic::Ordering::SeqCst) {
            c.batch_execute("UPDATE StoreLock SET tick = tick + 1")
                .unwrap();
            std::thread::sleep(Duration::from_millis(200));
        }
    });
    std::thread::sleep(Duration::from_millis(300));
    let out = stanctl()
        .args(sql_args(db, &copy.dsn, &["sql", "upgrade", "--apply"]))
        .output()
        .unwrap();
    stop.store(true, std::sync::atomic::Ordering::SeqCst);
    ticker.join().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("live server holds the StoreLock"),
        "{stderr}"
    );
    // Nothing was applied.
    let plan = json_with_code(
        &sql_args(db, &copy.dsn, &["sql", "upgrade", "--format", "json"]),
        0,
    );
    assert_eq!(plan["statements"].as_array().unwrap().len(), 1);
    drop(copy);
}

/// A login that reads every STAN table but not `Messages.data` (it may
/// insert into Messages, so the catalog still lists the column). It owns
/// the copy it is granted on: the copy is dropped first, then the login.
struct NoDataUser {
    copy: Option<Copy>,
    db: Db,
    admin: String,
    name: String,
}

impl NoDataUser {
    /// Creates the login and its grants on `copy`; returns its DSN.
    fn create(copy: Copy) -> (NoDataUser, String) {
        let name = format!("stanctl_nodata_{}", std::process::id());
        let dsn = Self::grant(&copy, &name);
        let user = NoDataUser {
            db: copy.db,
            admin: copy.admin.clone(),
            name,
            copy: Some(copy),
        };
        (user, dsn)
    }

    fn grant(copy: &Copy, name: &str) -> String {
        match copy.db {
            Db::Pg => {
                let mut admin = postgres::Client::connect(&copy.admin, postgres::NoTls).unwrap();
                admin
                    .batch_execute(&format!(
                        "DROP ROLE IF EXISTS {name}; CREATE ROLE {name} LOGIN"
                    ))
                    .unwrap();
                let mut c = postgres::Client::connect(&copy.dsn, postgres::NoTls).unwrap();
                c.batch_execute(&format!(
                    "GRANT USAGE ON SCHEMA public TO {name}; \
                     GRANT SELECT ON ALL TABLES IN SCHEMA public TO {name}; \
                     REVOKE SELECT ON Messages FROM {name}; \
                     GRANT SELECT (id, seq, timestamp, size), INSERT ON Messages TO {name}"
                ))
                .unwrap();
                let dsn = copy.dsn.replace("user=postgres", &format!("user={name}"));
                assert_ne!(dsn, copy.dsn, "DSN names user=postgres: {}", copy.dsn);
                dsn
            }
            Db::My => {
                use mysql::prelude::Queryable;
                let mut c = my_connect(&copy.admin);
                let db = &copy.name;
                let tables: Vec<String> = c.query(format!("SHOW TABLES FROM `{db}`")).unwrap();
                for host in ["%", "localhost"] {
                    c.query_drop(format!("DROP USER IF EXISTS '{name}'@'{host}'"))
                        .unwrap();
                    c.query_drop(format!("CREATE USER '{name}'@'{host}'"))
                        .unwrap();
                    for t in &tables {
                        let grant = if t.eq_ignore_ascii_case("Messages") {
                            "SELECT (id, seq, timestamp, size), INSERT"
                        } else {
                            "SELECT"
                        };
                        c.query_drop(format!(
                            "GRANT {grant} ON `{db}`.`{t}` TO '{name}'@'{host}'"
                        ))
                        .unwrap();
                    }
                }
                let (_, rest) = copy.dsn.split_once('@').expect("user@ in DSN");
                format!("{name}@{rest}")
            }
        }
    }
}

impl Drop for NoDataUser {
    fn drop(&mut self) {
        drop(self.copy.take());
        match self.db {
            Db::Pg => {
                if let Ok(mut c) = postgres::Client::connect(&self.admin, postgres::NoTls) {
                    let _ = c.batch_execute(&format!("DROP ROLE IF EXISTS {}", self.name));
                }
            }
            Db::My => {
                use mysql::prelude::Queryable;
                let mut c = my_connect(&self.admin);
                for host in ["%", "localhost"] {
                    let _ = c.query_drop(format!("DROP USER IF EXISTS '{}'@'{host}'", self.name));
                }
            }
        }
    }
}

/// A check query the database refuses (here: no SELECT on Messages.data,
/// which the data-size and encryption checks read) is an error finding
/// naming the table and the query, never "no problems found".
fn a_check_query_that_fails_is_an_error_finding(driver: &str) {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let db = Db::named(driver);
    let fixture = db.fixture("v0.23");
    let (Some(src), Some(admin)) = (env_dsn(&db.var(&fixture)), admin(db)) else {
        return;
    };
    let copy = make_copy(db, &src, &admin);
    // The copy passes as its fixture does.
    let r = check(db, &copy.dsn, &[], 0);
    assert!(findings(&r, "sql.query_failed").is_empty(), "{r:#}");
    let (user, dsn) = NoDataUser::create(copy);
    let r = check(db, &dsn, &[], 1);
    let failed = findings(&r, "sql.query_failed");
    assert!(!failed.is_empty(), "{db:?}: {r:#}");
    for f in &failed {
        assert_eq!(f["severity"], "error", "{db:?}: {f:#}");
        assert_eq!(f["table"], "Messages", "{db:?}: {f:#}");
        let msg = str_of(&f["message"]);
        assert!(msg.contains("data"), "{db:?}: names the query: {msg}");
        assert!(msg.contains("denied"), "{db:?}: says why: {msg}");
    }
    assert!(r["counts"]["error"].as_u64().unwrap() >= failed.len() as u64);
    drop(user);
}

per_fixture! { [
    pre_0_10_schemas_are_incompatible_with_the_exact_statement_and_fix,
    current_schemas_pass,
    upgrade_apply_on_a_copy_makes_0_23_2_open_it,
    a_check_query_that_fails_is_an_error_finding,
]
    postgres => "postgres",
    mysql => "mysql",
}
