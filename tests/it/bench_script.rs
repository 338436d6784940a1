//! `scripts/bench.sh` runs end to end at its tiny scale with this build's
//! binaries and reports a time for every row. No time is asserted: speed is
//! for BENCHMARKS.md, not for the suite.

use std::path::{Path, PathBuf};
use std::process::Command;

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn bench_script_runs_and_reports_every_row() {
    let stanctl = Path::new(env!("CARGO_BIN_EXE_stanctl"));
    // `cargo test` builds examples as test harnesses: build the generator
    // itself (the library is built already, so this is one link).
    let out_dir = stanctl.parent().unwrap();
    let mut build = Command::new(env!("CARGO"));
    build.args([
        "build",
        "--quiet",
        "--example",
        "gen-store",
        "--example",
        "sqlite-insert-limit",
        "--example",
        "js-publish-limit",
    ]);
    if out_dir.ends_with("release") {
        build.arg("--release");
    }
    let build = build.current_dir(repo()).status().unwrap();
    assert!(build.success(), "cargo build --example gen-store failed");
    let gen = out_dir.join("examples").join("gen-store");
    assert!(gen.exists(), "{} missing after its build", gen.display());
    let benchmarks = std::fs::read(repo().join("BENCHMARKS.md")).unwrap();
    let work = tempfile::tempdir().unwrap();
    let out = Command::new("bash")
        .arg(repo().join("scripts/bench.sh"))
        .arg(work.path())
        .env("BENCH_SCALE", "tiny")
        .env("BENCH_RUNS", "1")
        .env("STANCTL_BENCH_BIN", stanctl)
        .env("STANCTL_BENCH_GEN", &gen)
        .env_remove("STANCTL_BENCH_SERVER")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "bench.sh failed\n{stdout}\n{stderr}");

    let rows: Vec<Vec<&str>> = stdout
        .lines()
        .filter(|l| l.starts_with("| ") && !l.starts_with("| what"))
        .map(|l| l.trim_matches('|').split(" | ").map(str::trim).collect())
        .collect();
    let wanted = [
        "cat of the msgs.*.dat files (baseline)",
        "dump --format raw (4 channels)",
        "dump --format ndjson (4 channels)",
        "export parquet --zstd-level 1 (4 channels; ratio to dump --format raw)",
        "dump --format raw (4 channels) into a file beside the export's target (baseline)",
        "channels ls, 100 messages",
        "channels ls, 1000 messages",
        "check (default)",
        "check --deep",
        "cp -r of the store + sync (baseline)",
        "migrate file-to-file",
        "salvage (a healthy store)",
        "migrate file-to-sql (SQLite), 256-byte payloads",
        "migrate file-to-sql (SQLite), 100-byte payloads",
        "SQLite bulk limit: bare prepared-insert loop of Messages in one transaction, 100-byte payloads (baseline)",
    ];
    // The JetStream rows, when a nats-server 2.10+ is there (run through
    // scripts/test-nats.sh).
    let js_rows = [
        "bare async publisher, same messages, headers and window, one server (baseline)",
        "migrate to-jetstream --no-consumers, one server",
        "bare async publisher, same messages, headers and window, 3-node cluster, R3 (baseline)",
        "migrate to-jetstream --no-consumers, 3-node cluster, R3",
        "migrate to-jetstream, 100 channels x 10 messages, one server",
    ];
    let with_nats = std::env::var_os("STANCTL_TEST_NATS_BIN").is_some();
    let wanted = wanted.iter().chain(js_rows.iter().filter(|_| with_nats));
    for &label in wanted {
        let row = rows
            .iter()
            .find(|r| r[0] == label)
            .unwrap_or_else(|| panic!("no row {label:?} in\n{stdout}"));
        assert_eq!(row.len(), 5, "{row:?}");
        let seconds: f64 = row[1]
            .parse()
            .unwrap_or_else(|_| panic!("seconds of {label:?}: {:?}", row[1]));
        assert!(seconds > 0.0, "{row:?}");
        // Peak RSS of every stanctl row, read with GNU time where it is.
        if !label.contains("baseline") && Path::new("/usr/bin/time").exists() {
            let rss: f64 = row[4]
                .parse()
                .unwrap_or_else(|_| panic!("peak RSS of {label:?}: {:?}", row[4]));
            assert!(rss > 0.0 && rss < 64.0, "{row:?}");
        }
    }
    // The generated stores hold what was asked: 4 channels of 2000.
    let ls = Command::new(stanctl)
        .args(["--format", "json", "--dir"])
        .arg(work.path().join("main"))
        .args(["channels", "ls"])
        .output()
        .unwrap();
    let channels: serde_json::Value = serde_json::from_slice(&ls.stdout).unwrap();
    let msgs: Vec<u64> = channels
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["msgs"].as_u64().unwrap())
        .collect();
    assert_eq!(msgs, [2000; 4]);
    // A quick run leaves the committed results alone.
    assert_eq!(
        std::fs::read(repo().join("BENCHMARKS.md")).unwrap(),
        benchmarks
    );
}
