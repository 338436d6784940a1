//! `manifest --messages` and `check --expect` in flat memory: on a store
//! of 300,000 messages (the in-memory implementation peaked near 140 MB
//! and 360 MB here) both stay under 64 MB. Memory is measured, not time:
//! the peak resident set of the child processes (getrusage), in a test
//! binary of its own so that no other test's children count.

mod common;

use common::stanctl;
use stanctl::generate::{generate_store, GenOptions};

const LIMIT_MB: i64 = 64;

/// The largest peak resident set of any child waited for so far, in MB.
fn children_peak_mb() -> i64 {
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: getrusage fills the struct it is given.
    let rc = unsafe { libc::getrusage(libc::RUSAGE_CHILDREN, &mut usage) };
    assert_eq!(rc, 0, "getrusage");
    usage.ru_maxrss / 1024
}

#[test]
fn manifest_and_check_expect_stay_under_64_mb() {
    let tmp = tempfile::tempdir().expect("tmp");
    let store = tmp.path().join("store");
    let opts = GenOptions {
        channels: 4,
        msgs: 75_000,
        size: 16,
        subs: 1,
        ..GenOptions::default()
    };
    generate_store(&store, &opts).expect("generate");
    let dir = store.to_str().expect("utf8");
    let file = tmp.path().join("manifest.json");
    let path = file.to_str().expect("utf8");

    let out = stanctl()
        .args(["--dir", dir, "manifest", "--messages", "-o", path])
        .output()
        .expect("manifest");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let size = std::fs::metadata(&file).expect("manifest").len();
    assert!(
        size > 64 << 20,
        "the manifest ({size} bytes) must be larger than the limit"
    );
    let manifest_mb = children_peak_mb();
    assert!(
        manifest_mb < LIMIT_MB,
        "manifest --messages peaked at {manifest_mb} MB"
    );

    let out = stanctl()
        .args(["--dir", dir, "check", "--format", "json", "--expect", path])
        .output()
        .expect("check");
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("report");
    assert_eq!(
        report["expect"]["differences"],
        serde_json::json!([]),
        "{report:#}"
    );
    assert_eq!(report["expect"]["compared"]["messages"], 300_000);
    let check_mb = children_peak_mb();
    assert!(
        check_mb < LIMIT_MB,
        "check --expect peaked at {check_mb} MB"
    );
    eprintln!("peak RSS: manifest --messages {manifest_mb} MB, check --expect {check_mb} MB");
}
