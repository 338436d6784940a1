//! Random corruption of fixture copies (truncations, bit flips, insertions;
//! deterministic seeds, a xorshift PRNG, a bounded number of cases): `check
//! --deep` never panics, never hangs (each run has a timeout), never fails
//! to open a store that still has its server.dat, and always reports
//! something: a finding, or a difference with the undamaged store's
//! manifest (`--expect`).

use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::common::*;
use serde_json::Value;

/// xorshift64*.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: u64) -> u64 {
        if n == 0 {
            0
        } else {
            self.next() % n
        }
    }
}

fn files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let entry = entry.unwrap();
        if entry.file_type().unwrap().is_dir() {
            out.extend(files(&entry.path()));
        } else {
            out.push(entry.path());
        }
    }
    out.sort();
    out
}

#[derive(Debug)]
enum Mutation {
    Truncate { to: u64 },
    Flip { at: u64, bit: u8 },
    Insert { at: u64, bytes: Vec<u8> },
}

fn mutate(path: &Path, rng: &mut Rng) -> Mutation {
    let mut data = std::fs::read(path).unwrap();
    let len = data.len() as u64;
    let m = match rng.below(3) {
        0 if len > 0 => Mutation::Truncate { to: rng.below(len) },
        1 if len > 0 => Mutation::Flip {
            at: rng.below(len),
            bit: rng.below(8) as u8,
        },
        _ => {
            let n = 1 + rng.below(16) as usize;
            Mutation::Insert {
                at: rng.below(len + 1),
                bytes: (0..n).map(|_| rng.next() as u8).collect(),
            }
        }
    };
    match &m {
        Mutation::Truncate { to } => data.truncate(*to as usize),
        Mutation::Flip { at, bit } => data[*at as usize] ^= 1 << bit,
        Mutation::Insert { at, bytes } => {
            let at = *at as usize;
            data.splice(at..at, bytes.iter().copied());
        }
    }
    std::fs::write(path, data).unwrap();
    m
}

/// `STANCTL_FUZZ_CASES=N` runs N cases per seed instead (longer fuzzing).
fn run_cases(fixture_name: &str, seed: u64, cases: usize) {
    let cases = std::env::var("STANCTL_FUZZ_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(cases);
    let tmp = tempfile::tempdir().unwrap();
    let pristine = tmp.path().join("pristine");
    copy_tree(&fixture(fixture_name).join("store"), &pristine);
    let manifest_path = tmp.path().join("manifest.json");
    let out = stanctl()
        .args([
            "--dir",
            pristine.to_str().unwrap(),
            "manifest",
            "--messages",
            "-o",
            manifest_path.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let all = files(&pristine);
    let mut rng = Rng(seed);
    for case in 0..cases {
        let dir = tmp.path().join(format!("case{case}"));
        copy_tree(&pristine, &dir);
        let pick = rng.below(all.len() as u64) as usize;
        let rel = all[pick].strip_prefix(&pristine).unwrap().to_path_buf();
        let m = mutate(&dir.join(&rel), &mut rng);
        let ctx = format!(
            "{fixture_name} seed {seed} case {case}: {} {m:?}",
            rel.display()
        );
        let out = stanctl()
            .args([
                "--dir",
                dir.to_str().unwrap(),
                "check",
                "--deep",
                "--format",
                "json",
                "--expect",
                manifest_path.to_str().unwrap(),
            ])
            .timeout(Duration::from_secs(60))
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!stderr.contains("panicked"), "{ctx}: {stderr}");
        let code = out.status.code();
        assert!(
            matches!(code, Some(0) | Some(1)),
            "{ctx}: exit {code:?} (timeout or crash), stderr: {stderr}"
        );
        let report: Value =
            serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{ctx}: {e}"));
        let findings = report["findings"].as_array().map_or(0, Vec::len);
        let differences = report["expect"]["differences"]
            .as_array()
            .map_or(0, Vec::len);
        if std::env::var_os("STANCTL_FUZZ_VERBOSE").is_some() {
            let codes: Vec<String> = report["findings"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|f| format!("{}:{}", f["severity"], f["code"]))
                .collect();
            eprintln!(
                "{ctx}: exit {code:?}, {findings} findings, {differences} differences {codes:?}"
            );
        }
        assert!(
            findings + differences > 0,
            "{ctx}: nothing reported: {report:#}"
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }
}

#[test]
fn random_corruption_of_file_basic() {
    for seed in [0x9E37_79B9_7F4A_7C15, 0xD1B5_4A32_D192_ED03, 42] {
        run_cases("file-basic-v0.23", seed, 40);
    }
}

#[test]
fn random_corruption_of_file_slices() {
    run_cases("file-slices-v0.23", 0xA076_1D64_78BD_642F, 40);
}

#[test]
fn random_corruption_of_file_kill9() {
    run_cases("file-torn-tail-kill9-v0.23", 0xE703_7ED1_A0B4_28DB, 30);
}
