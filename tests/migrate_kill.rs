//! A migration killed with SIGKILL leaves no target that opens as a
//! store, whatever the backend.

mod common;

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::*;
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
    let mut child = Command::new(assert_cmd::cargo::cargo_bin("stanctl"))
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn");
    let deadline = Instant::now() + Duration::from_secs(30);
    while !started() && Instant::now() < deadline {
        if child.try_wait().expect("wait").is_some() {
            return false;
        }
        std::thread::sleep(Duration::from_millis(2));
    }
    std::thread::sleep(Duration::from_millis(30));
    let running = child.try_wait().expect("wait").is_none();
    child.kill().expect("kill");
    let _ = child.wait();
    running
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
