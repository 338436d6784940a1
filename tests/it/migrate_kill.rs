//! A migration killed with SIGKILL leaves no target that opens as a
//! store, whatever the backend.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::common::*;
use stanctl::generate::{generate_store, GenOptions};

fn big_store(dir: &Path) {
    generate_store(
        dir,
        &GenOptions {
            channels: 3,
            msgs: 40_000,
            size: 512,
            slice_max_bytes: 4 * 1024 * 1024,
            ..GenOptions::default()
        },
    )
    .expect("generate");
}

/// Start a migration, wait until it has started writing (`started` says
/// when), kill it, and return whether it was still running.
fn kill_midway(args: &[&str], started: impl Fn() -> bool) -> bool {
    signal_midway(args, started, "KILL").is_some()
}

fn entries(dir: &Path) -> usize {
    std::fs::read_dir(dir).map(|d| d.count()).unwrap_or(0)
}

#[test]
fn killed_file_migration_leaves_no_store() {
    let tmp = tempfile::tempdir().expect("tmp");
    let src = tmp.path().join("src");
    big_store(&src);
    let out = tmp.path().join("out");
    std::fs::create_dir(&out).expect("mkdir");
    let dst = out.join("store");
    let args = [
        "--dir",
        src.to_str().expect("p"),
        "migrate",
        "file-to-file",
        "--to-dir",
        dst.to_str().expect("p"),
        "--quiet",
    ];
    let was_running = kill_midway(&args, || entries(&out) > 0);
    assert!(
        was_running,
        "the migration finished before it could be killed: make the store bigger"
    );
    assert!(
        !dst.exists(),
        "a killed migration must not leave the target"
    );
    let status = stanctl()
        .args(["--dir", dst.to_str().expect("p"), "info"])
        .output()
        .expect("run");
    assert_eq!(status.status.code(), Some(2));
}

#[test]
fn killed_sqlite_migration_leaves_no_store() {
    let tmp = tempfile::tempdir().expect("tmp");
    let src = tmp.path().join("src");
    big_store(&src);
    let out = tmp.path().join("out");
    std::fs::create_dir(&out).expect("mkdir");
    let db = out.join("store.db");
    let args = [
        "--dir",
        src.to_str().expect("p"),
        "migrate",
        "file-to-sql",
        "--to-sql-source",
        db.to_str().expect("p"),
        "--quiet",
    ];
    let was_running = kill_midway(&args, || entries(&out) > 0);
    assert!(
        was_running,
        "the migration finished before it could be killed"
    );
    let status = stanctl()
        .args([
            "--sql-driver",
            "sqlite",
            "--sql-source",
            db.to_str().expect("p"),
            "channels",
            "ls",
        ])
        .output()
        .expect("run");
    assert_eq!(
        status.status.code(),
        Some(2),
        "the killed target must not open: {}",
        String::from_utf8_lossy(&status.stdout)
    );
}

#[test]
fn killed_postgres_migration_leaves_no_store() {
    let Some(db) = TempDb::create("postgres", "kill") else {
        return;
    };
    let tmp = tempfile::tempdir().expect("tmp");
    let src = tmp.path().join("src");
    big_store(&src);
    let started = Instant::now();
    let args = [
        "--dir",
        src.to_str().expect("p"),
        "migrate",
        "file-to-sql",
        "--to-sql-driver",
        "postgres",
        "--to-sql-source",
        &db.dsn,
        "--quiet",
    ];
    let was_running = kill_midway(&args, || started.elapsed() > Duration::from_millis(400));
    assert!(
        was_running,
        "the migration finished before it could be killed"
    );
    let status = stanctl()
        .args([
            "--sql-driver",
            "postgres",
            "--sql-source",
            &db.dsn,
            "channels",
            "ls",
        ])
        .output()
        .expect("run");
    assert_ne!(
        status.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&status.stdout)
    );
}

#[test]
fn generated_store_round_trips_through_sqlite() {
    let tmp = tempfile::tempdir().expect("tmp");
    let src = tmp.path().join("src");
    generate_store(
        &src,
        &GenOptions {
            channels: 2,
            msgs: 3000,
            size: 100,
            slice_max_bytes: 64 * 1024,
            ..GenOptions::default()
        },
    )
    .expect("generate");
    let db = tmp.path().join("g.db");
    let v = json(&[
        "--dir",
        src.to_str().expect("p"),
        "migrate",
        "file-to-sql",
        "--to-sql-source",
        db.to_str().expect("p"),
        "--verify",
        "--format",
        "json",
    ]);
    assert_eq!(v["verify"]["ok"], true);
    assert_eq!(v["migration"]["msgs"], 6000);
    let slices = std::fs::read_dir(src.join("gen.channel.0"))
        .expect("dir")
        .filter(|e| {
            e.as_ref().is_ok_and(|e| {
                e.file_name().to_string_lossy().ends_with(".dat") && e.file_name() != "subs.dat"
            })
        })
        .count();
    assert!(slices > 3, "the generator made several slices ({slices})");
}

/// Start a migration, wait until it has started writing, send `signal`
/// (by name, with kill(1)); the exit status if it was still running.
fn signal_midway(
    args: &[&str],
    started: impl Fn() -> bool,
    signal: &str,
) -> Option<std::process::ExitStatus> {
    let mut child = Command::new(assert_cmd::cargo::cargo_bin("stanctl"))
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn");
    let deadline = Instant::now() + Duration::from_secs(30);
    while !started() && Instant::now() < deadline {
        if child.try_wait().expect("wait").is_some() {
            return None;
        }
        std::thread::sleep(Duration::from_millis(2));
    }
    std::thread::sleep(Duration::from_millis(30));
    if child.try_wait().expect("wait").is_some() {
        return None;
    }
    let sent = Command::new("kill")
        .args([&format!("-{signal}"), &child.id().to_string()])
        .status()
        .expect("kill(1)");
    assert!(sent.success());
    Some(child.wait().expect("wait"))
}

/// The pid of a process that has exited.
fn dead_pid() -> u32 {
    let mut child = Command::new("true").spawn().expect("true");
    let pid = child.id();
    child.wait().expect("wait");
    pid
}

fn names(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .map(|d| {
            d.flatten()
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    v.sort();
    v
}

/// Issue 14 D8: SIGINT/SIGTERM during a migration remove the hidden
/// partial target and exit 130/143; partial outputs of dead processes
/// (SIGKILL, or a SQLite kill between commit and rename that leaves a
/// complete database under the hidden name) are removed by the next
/// migration to the same target, which says so.
#[test]
fn interrupted_migrations_leave_nothing_and_leftovers_are_removed() {
    let tmp = tempfile::tempdir().expect("tmp");
    let src = tmp.path().join("src");
    big_store(&src);
    let src = src.to_str().expect("p").to_string();
    for (signal, code) in [("INT", 130), ("TERM", 143)] {
        for to_sql in [false, true] {
            let out = tmp.path().join(format!("out-{signal}-{to_sql}"));
            std::fs::create_dir(&out).expect("mkdir");
            let (command, option, name) = if to_sql {
                ("file-to-sql", "--to-sql-source", "store.db")
            } else {
                ("file-to-file", "--to-dir", "store")
            };
            let target = out.join(name).display().to_string();
            let args = [
                "--dir", &src, "migrate", command, option, &target, "--quiet",
            ];
            let status = signal_midway(&args, || entries(&out) > 0, signal)
                .expect("the migration finished before the signal: make the store bigger");
            assert_eq!(status.code(), Some(code), "SIG{signal} {command}");
            assert_eq!(names(&out), Vec::<String>::new(), "SIG{signal} {command}");
        }
    }

    // SIGKILL cannot be caught: the next run removes what it left.
    let out = tmp.path().join("out-kill");
    std::fs::create_dir(&out).expect("mkdir");
    let target = out.join("store").display().to_string();
    let args = [
        "--dir",
        &src,
        "migrate",
        "file-to-file",
        "--to-dir",
        &target,
        "--quiet",
    ];
    assert!(kill_midway(&args, || entries(&out) > 0));
    let left = names(&out);
    assert_eq!(left.len(), 1, "{left:?}");
    assert!(left[0].starts_with(".store.stanctl-partial-"), "{left:?}");
    let rerun = stanctl().args(args).output().expect("run");
    let stderr = String::from_utf8_lossy(&rerun.stderr);
    assert_eq!(rerun.status.code(), Some(0), "{stderr}");
    assert!(
        stderr.contains(&format!("removed {}", out.join(&left[0]).display())),
        "{stderr}"
    );
    assert_eq!(names(&out), vec!["store".to_string()]);

    // A complete SQLite database under the hidden name of a dead process
    // (killed between commit and rename), with its journal.
    let out = tmp.path().join("out-commit");
    std::fs::create_dir(&out).expect("mkdir");
    let db = out.join("store.db");
    let hidden = out.join(format!(".store.db.stanctl-partial-{}-0", dead_pid()));
    let basic = fixture("file-basic-v0.23").join("store");
    let basic = basic.to_str().expect("p");
    let to_sql = |db: &Path| {
        let db = db.display().to_string();
        let args = [
            "--dir",
            basic,
            "migrate",
            "file-to-sql",
            "--to-sql-source",
            &db,
        ];
        stanctl().args(args).output().expect("run")
    };
    assert_eq!(
        to_sql(&hidden.with_file_name("complete.db")).status.code(),
        Some(0)
    );
    std::fs::rename(out.join("complete.db"), &hidden).expect("rename");
    std::fs::write(out.join(format!("{}-journal", hidden.display())), b"").expect("journal");
    let rerun = to_sql(&db);
    let stderr = String::from_utf8_lossy(&rerun.stderr);
    assert_eq!(rerun.status.code(), Some(0), "{stderr}");
    assert!(
        stderr.contains(&format!("removed {}", hidden.display())),
        "{stderr}"
    );
    assert_eq!(names(&out), vec!["store.db".to_string()]);
}

/// Issue 14: a second migration into a PostgreSQL database another one is
/// writing gets "another migration is writing this database", not a raw
/// duplicate-key error from the first one's uncommitted CREATE TABLEs.
/// The test holds the first migration's advisory lock itself, in an open
/// transaction, so the race is deterministic; once it ends, the same
/// migration succeeds.
#[test]
fn concurrent_postgres_migration_is_refused_by_name() {
    let Some(db) = TempDb::create("postgres", "concurrent") else {
        return;
    };
    let src = fixture("file-basic-v0.23").join("store");
    let args = [
        "--dir",
        src.to_str().expect("p"),
        "migrate",
        "file-to-sql",
        "--to-sql-driver",
        "postgres",
        "--to-sql-source",
        &db.dsn,
    ];
    let mut holder = postgres::Client::connect(&db.dsn, postgres::NoTls).expect("connect");
    let mut tx = holder.transaction().expect("begin");
    tx.execute(
        "SELECT pg_advisory_xact_lock($1)",
        &[&stanctl::sqlstore::MIGRATION_LOCK_KEY],
    )
    .expect("lock");
    let loser = stanctl().args(args).output().expect("run");
    let stderr = String::from_utf8_lossy(&loser.stderr);
    assert_eq!(loser.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("another migration is writing this database"),
        "{stderr}"
    );
    assert!(!stderr.contains("duplicate key"), "{stderr}");
    tx.rollback().expect("rollback");
    let winner = stanctl().args(args).output().expect("run");
    assert_eq!(
        winner.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&winner.stderr)
    );
}
