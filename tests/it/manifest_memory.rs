//! `manifest --messages`, `check --expect` and `salvage` in flat memory: on
//! a store of 300,000 messages (the in-memory implementations of the first
//! two peaked near 140 MB and 360 MB here) both stay under 64 MB; salvage,
//! which kept about 100 bytes a message (near 100 MB for 800,000), stays
//! under it on 800,000. Memory is measured, not time:
//! the peak resident set of that one child process, read from its
//! /proc/PID/status VmHWM while it runs. Not getrusage or wait4: a child
//! spawned from this test binary starts as a copy of it (vfork/exec), and
//! Linux counts the test binary's own high-water mark, which other tests
//! running beside this one raise, into the child's ru_maxrss. VmHWM belongs
//! to the memory map the exec created, so it is stanctl's alone; it only
//! rises, so the last sample before exit is the peak up to a millisecond
//! before the end (a streaming and an in-memory implementation differ for
//! seconds, not a millisecond).

use std::process::{Command, Stdio};
use std::time::Duration;

use stanctl::generate::{generate_store, GenOptions};

const LIMIT_MB: i64 = 64;

/// What one measured run of stanctl left.
pub(crate) struct Measured {
    pub(crate) success: bool,
    pub(crate) stdout: Vec<u8>,
    pub(crate) stderr: String,
    pub(crate) peak_mb: i64,
}

/// VmHWM of a running process in kB, or None once it has exited.
fn vm_hwm_kb(pid: u32) -> Option<i64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
}

/// Run stanctl with `args`, sampling its VmHWM every millisecond until it
/// exits; its output goes through files, so a full pipe never blocks it.
pub(crate) fn run_measured(args: &[&str]) -> Measured {
    let tmp = tempfile::tempdir().expect("tmp");
    let out_path = tmp.path().join("stdout");
    let err_path = tmp.path().join("stderr");
    let mut child = Command::new(env!("CARGO_BIN_EXE_stanctl"))
        .args(args)
        .env_remove("NATS_STREAMING_ENCRYPTION_KEY")
        .stdin(Stdio::null())
        .stdout(std::fs::File::create(&out_path).expect("stdout file"))
        .stderr(std::fs::File::create(&err_path).expect("stderr file"))
        .spawn()
        .expect("spawn stanctl");
    let (mut peak_kb, mut samples) = (0, 0);
    let status = loop {
        if let Some(status) = child.try_wait().expect("try_wait") {
            break status;
        }
        if let Some(kb) = vm_hwm_kb(child.id()) {
            peak_kb = peak_kb.max(kb);
            samples += 1;
        }
        std::thread::sleep(Duration::from_millis(1));
    };
    // A run too short to sample proves nothing about its memory.
    assert!(samples >= 20, "only {samples} samples of {args:?}");
    Measured {
        success: status.success(),
        stdout: std::fs::read(&out_path).expect("stdout"),
        stderr: std::fs::read_to_string(&err_path).expect("stderr"),
        peak_mb: peak_kb / 1024,
    }
}

/// A store of `channels` x `msgs` messages of 16 bytes, with one
/// subscription a channel, in `dir`/store.
fn generated_store(dir: &std::path::Path, channels: usize, msgs: u64) -> std::path::PathBuf {
    let store = dir.join("store");
    let opts = GenOptions {
        channels,
        msgs,
        size: 16,
        subs: 1,
        ..GenOptions::default()
    };
    generate_store(&store, &opts).expect("generate");
    store
}

#[test]
fn manifest_and_check_expect_stay_under_64_mb() {
    let tmp = tempfile::tempdir().expect("tmp");
    let store = generated_store(tmp.path(), 4, 75_000);
    let dir = store.to_str().expect("utf8");
    let file = tmp.path().join("manifest.json");
    let path = file.to_str().expect("utf8");

    let out = run_measured(&["--dir", dir, "manifest", "--messages", "-o", path]);
    assert!(out.success, "{}", out.stderr);
    let size = std::fs::metadata(&file).expect("manifest").len();
    assert!(
        size > 64 << 20,
        "the manifest ({size} bytes) must be larger than the limit"
    );
    let manifest_mb = out.peak_mb;
    assert!(
        manifest_mb < LIMIT_MB,
        "manifest --messages peaked at {manifest_mb} MB"
    );

    let out = run_measured(&["--dir", dir, "check", "--format", "json", "--expect", path]);
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("report");
    assert_eq!(
        report["expect"]["differences"],
        serde_json::json!([]),
        "{report:#}"
    );
    assert_eq!(report["expect"]["compared"]["messages"], 300_000);
    let check_mb = out.peak_mb;
    assert!(
        check_mb < LIMIT_MB,
        "check --expect peaked at {check_mb} MB"
    );
    eprintln!("peak RSS: manifest --messages {manifest_mb} MB, check --expect {check_mb} MB");
}

#[test]
fn salvage_stays_under_64_mb() {
    let tmp = tempfile::tempdir().expect("tmp");
    let store = generated_store(tmp.path(), 1, 800_000);
    let dir = store.to_str().expect("utf8");
    let target = tmp.path().join("salvaged");
    let to = target.to_str().expect("utf8");

    let out = run_measured(&["--dir", dir, "--format", "json", "salvage", "--to-dir", to]);
    assert!(out.success, "{}", out.stderr);
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("report");
    let channel = &report["channels"][0];
    assert_eq!(channel["kept_messages"], 800_000, "{report:#}");
    assert_eq!(channel["kept"], serde_json::json!([[1, 800_000]]));
    let salvage_mb = out.peak_mb;
    assert!(salvage_mb < LIMIT_MB, "salvage peaked at {salvage_mb} MB");
    eprintln!("peak RSS: salvage {salvage_mb} MB");
}
