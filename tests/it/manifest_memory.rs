//! `manifest --messages` and `check --expect` in flat memory: on a store
//! of 300,000 messages (the in-memory implementation peaked near 140 MB
//! and 360 MB here) both stay under 64 MB. Memory is measured, not time:
//! the peak resident set of that one child process (wait4's rusage), so
//! that the children other tests of this binary run at the same time don't
//! count.

use std::process::{Command, Stdio};

use stanctl::generate::{generate_store, GenOptions};

const LIMIT_MB: i64 = 64;

/// What one measured run of stanctl left.
struct Measured {
    success: bool,
    stdout: Vec<u8>,
    stderr: String,
    peak_mb: i64,
}

/// Run stanctl with `args`, reap it with wait4 and return its own peak
/// resident set in MB with its output (collected through files, so a full
/// pipe never blocks it).
fn run_measured(args: &[&str]) -> Measured {
    let tmp = tempfile::tempdir().expect("tmp");
    let out_path = tmp.path().join("stdout");
    let err_path = tmp.path().join("stderr");
    let child = Command::new(env!("CARGO_BIN_EXE_stanctl"))
        .args(args)
        .env_remove("NATS_STREAMING_ENCRYPTION_KEY")
        .stdin(Stdio::null())
        .stdout(std::fs::File::create(&out_path).expect("stdout file"))
        .stderr(std::fs::File::create(&err_path).expect("stderr file"))
        .spawn()
        .expect("spawn stanctl");
    let pid = child.id() as libc::pid_t;
    let mut status: libc::c_int = 0;
    // SAFETY: zeroed is a valid rusage; wait4 fills it and the status for
    // this one child, which std has not reaped (child is never waited on).
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let rc = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    assert_eq!(rc, pid, "wait4: {}", std::io::Error::last_os_error());
    drop(child);
    Measured {
        success: libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0,
        stdout: std::fs::read(&out_path).expect("stdout"),
        stderr: std::fs::read_to_string(&err_path).expect("stderr"),
        peak_mb: usage.ru_maxrss / 1024,
    }
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
