//! `stanctl check` on the real file-store fixtures: every damaged fixture
//! gives the finding its MANIFEST.json `damage` section describes (file,
//! offset, what the real server did), every clean fixture passes, and
//! hand-made damage (stray files, Q1, Q3, unknown record types, zero
//! padding, a live lock) is reported where it is.

use std::path::{Path, PathBuf};

use crate::common::*;
use serde_json::Value;

fn store(name: &str) -> String {
    store_dir(name)
}

/// Run `check` with `extra` args, expect `code`, return the JSON report.
fn check(dir: &str, extra: &[&str], code: i32) -> Value {
    let mut args = vec!["--dir", dir, "check", "--format", "json"];
    args.extend_from_slice(extra);
    json_with_code(&args, code)
}

/// `store/orders.eu/msgs.1.dat` -> `orders.eu/msgs.1.dat`
fn store_relative(manifest_path: &str) -> &str {
    manifest_path
        .strip_prefix("store/")
        .unwrap_or(manifest_path)
}

fn copy_store(name: &str) -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("store");
    copy_tree(Path::new(&store(name)), &dir);
    (tmp, dir)
}

fn append(path: &Path, bytes: &[u8]) {
    use std::io::Write;
    let mut f = std::fs::OpenOptions::new().append(true).open(path).unwrap();
    f.write_all(bytes).unwrap();
}

fn record(word0: u32, payload: &[u8]) -> Vec<u8> {
    let mut out = word0.to_le_bytes().to_vec();
    out.extend_from_slice(&crc32fast::hash(payload).to_le_bytes());
    out.extend_from_slice(payload);
    out
}

#[test]
fn truncated_tail_is_reported_where_the_server_failed() {
    let name = "damaged-truncated-tail-v0.23";
    let m = manifest(name);
    let damage = &m["damage"];
    let runs = damage["real_server_behaviour"].as_array().unwrap();
    assert_eq!(runs[0]["started"], false);
    // The offset the real server named: "truncate this file to this offset: 2741".
    let offset: u64 = runs[0]["log_warnings_errors"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|l| l.as_str()?.split("to this offset: ").nth(1))
        .next()
        .expect("offset in the server log")
        .trim_end_matches('.')
        .parse()
        .unwrap();
    let report = check(&store(name), &[], 1);
    assert_eq!(report["ok"], false);
    let torn = findings(&report, "record.torn");
    assert_eq!(torn.len(), 1, "{report:#}");
    let f = torn[0];
    assert_eq!(f["severity"], "error");
    assert_eq!(
        f["file"],
        store_relative(str_of(&damage["details"]["file"]))
    );
    assert_eq!(u64_of(&f["offset"]), offset);
    assert_eq!(u64_of(&f["ok_up_to"]), offset);
    let t = &f["truncate_bad_eof"];
    assert_eq!(u64_of(&t["truncate_to"]), offset);
    let new_size = u64_of(&damage["details"]["new_size"]);
    assert_eq!(u64_of(&t["drops_bytes"]), new_size - offset);
    // What the truncating run lost: the sequences after its last_seq.
    let after = &runs[1]["channel_after_recovery"];
    let original_last = truth(name)["channels"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == after["name"])
        .map(|c| u64_of(&c["last_seq"]))
        .unwrap();
    assert_eq!(
        t["drops_seqs"],
        serde_json::json!([u64_of(&after["last_seq"]) + 1, original_last])
    );
    assert!(str_of(&f["server_behaviour"]).contains("refuses to start"));
    // The index is rejected first, as the server logged.
    assert_eq!(findings(&report, "index.last_mismatch").len(), 1);
    assert_eq!(report["counts"]["error"], 1);
}

#[test]
fn crc_flip_is_found_by_deep_check_only_like_the_server() {
    let name = "damaged-crc-flip-v0.23";
    let m = manifest(name);
    let details = &m["damage"]["details"];
    // The real server started: it reads only the last record of a slice.
    assert_eq!(m["damage"]["real_server_behaviour"][0]["started"], true);
    let report = check(&store(name), &[], 0);
    assert!(findings(&report, "record.crc").is_empty());

    let report = check(&store(name), &["--deep"], 1);
    let crc = findings(&report, "record.crc");
    assert_eq!(crc.len(), 1, "{report:#}");
    let f = crc[0];
    assert_eq!(f["severity"], "error");
    assert_eq!(f["file"], store_relative(str_of(&details["file"])));
    assert_eq!(f["seq"], details["message_seq"]);
    // The flipped byte lies inside the reported record.
    let (start, len, flipped) = (
        u64_of(&f["offset"]),
        u64_of(&f["length"]),
        u64_of(&details["offset"]),
    );
    assert!(start <= flipped && flipped < start + len, "{f:#}");
    // The server's own error text.
    let log = str_of(&m["damage"]["real_server_behaviour"][0]["log_warnings_errors"][0]);
    let expected = log.split("err=").nth(1).unwrap();
    assert!(
        str_of(&f["message"]).contains(expected),
        "{f:#}\n{expected}"
    );
    assert!(str_of(&f["server_behaviour"]).contains("fails to deliver"));
}

#[test]
fn deleted_index_is_reported() {
    let name = "damaged-idx-deleted-v0.23";
    let m = manifest(name);
    // The real server rebuilds the index and starts without a word.
    assert_eq!(m["damage"]["real_server_behaviour"][0]["started"], true);
    let report = check(&store(name), &[], 0);
    let missing = findings(&report, "index.missing");
    assert_eq!(missing.len(), 1, "{report:#}");
    assert_eq!(
        missing[0]["file"],
        store_relative(str_of(&m["damage"]["details"]["file"]))
    );
    assert_eq!(missing[0]["severity"], "warning");
    assert_eq!(report["ok"], true, "{report:#}");
    check(&store(name), &["--fail-on", "warning"], 1);
    assert!(str_of(&missing[0]["server_behaviour"]).contains("rebuilds"));
}

fn clean_fixture_passes(name: &str, deep: bool) {
    let extra: &[&str] = if deep { &["--deep"] } else { &[] };
    let report = check(&store(name), extra, 0);
    assert_eq!(report["ok"], true, "{name}: {report:#}");
    assert_eq!(report["counts"]["error"], 0, "{name}: {report:#}");
    assert_eq!(report["deep"], deep);
    for key in ["findings", "counts", "compatibility"] {
        assert!(!report[key].is_null(), "{name}: {key}");
    }
    assert!(u64_of(&report["stats"]["crc_verified"]) > 0);
}

fn clean_passes(name: &str) {
    clean_fixture_passes(name, false);
}

fn clean_passes_deep(name: &str) {
    clean_fixture_passes(name, true);
}

// Each clean fixture passes check, with and without --deep.
with_whole_stores!(per_fixture![clean_passes, clean_passes_deep]);

#[test]
fn torn_unindexed_tail_after_kill9_is_a_warning() {
    // The server trusted the index and started; the torn record is latent.
    let report = check(&store("file-torn-tail-kill9-v0.23"), &[], 0);
    let torn = findings(&report, "record.torn");
    assert_eq!(torn.len(), 1, "{report:#}");
    assert_eq!(torn[0]["severity"], "warning");
    assert_eq!(torn[0]["file"], "ingest.big/msgs.1.dat");
    let size = std::fs::metadata(
        Path::new(&store("file-torn-tail-kill9-v0.23")).join("ingest.big/msgs.1.dat"),
    )
    .unwrap()
    .len();
    assert_eq!(
        u64_of(&torn[0]["offset"]) + u64_of(&torn[0]["truncate_bad_eof"]["drops_bytes"]),
        size
    );
    assert!(str_of(&torn[0]["server_behaviour"]).contains("ignores it"));
}

#[test]
fn fail_on_warning_makes_warnings_fail() {
    check(
        &store("file-torn-tail-kill9-v0.23"),
        &["--fail-on", "warning"],
        1,
    );
    check(&store("file-basic-v0.23"), &["--fail-on", "info"], 0);
}

#[test]
fn server_version_answers_with_the_exit_status() {
    let basic = store("file-basic-v0.23");
    let r = check(&basic, &["--server-version", "0.23.2"], 0);
    assert_eq!(r["compatibility"]["server_version"]["opens"], true);
    check(&basic, &["--server-version", "0.10.0"], 0);
    // v0.1.0 reads only its legacy layout.
    let r = check(&basic, &["--server-version", "0.1.0"], 1);
    assert_eq!(
        r["compatibility"]["server_version"]["verdict"],
        "incompatible"
    );
    // Encrypted payloads: delivered as ciphertext before v0.12.0.
    let enc = store("file-encrypted-v0.23");
    let r = check(&enc, &["--server-version", "0.11.2"], 1);
    let reasons = r["compatibility"]["server_version"]["reasons"].to_string();
    assert!(reasons.contains("encrypt"), "{reasons}");
    let r = check(&enc, &["--server-version", "0.12.0"], 0);
    assert_eq!(r["compatibility"]["server_version"]["verdict"], "caveats");
    // Slices above 5 are ignored by v0.3.0 and older.
    let slices = store("file-slices-v0.23");
    check(&slices, &["--server-version", "0.3.0"], 1);
    check(&slices, &["--server-version", "0.3.4"], 0);
    let r = check(&slices, &[], 0);
    assert_eq!(
        r["compatibility"]["opens_with"],
        serde_json::json!(["v0.3.4 - v0.25.6"])
    );
    // A bad version is a usage error.
    let out = stanctl()
        .args(["--dir", &basic, "check", "--server-version", "x.y"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn cannot_open_exits_2() {
    let tmp = tempfile::tempdir().unwrap();
    for dir in [tmp.path().join("nope"), tmp.path().to_path_buf()] {
        let out = stanctl()
            .args(["--dir", dir.to_str().unwrap(), "check"])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{}", dir.display());
    }
}

#[test]
fn table_output_names_file_offset_and_server_behaviour() {
    let out = stanctl()
        .args(["--dir", &store("damaged-truncated-tail-v0.23"), "check"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("orders.eu/msgs.1.dat at offset 2741"),
        "{text}"
    );
    assert!(text.contains("ok_up_to=2741"), "{text}");
    assert!(
        text.contains("-file_truncate_bad_eof: truncate to 2741"),
        "{text}"
    );
    assert!(text.contains("FAIL"), "{text}");
}

#[test]
fn hand_made_damage_is_located() {
    let (_tmp, dir) = copy_store("file-basic-v0.23");
    let d = dir.to_str().unwrap();
    // Q3: drop the last index record; the last data record becomes an orphan.
    let idx = dir.join("orders.eu/msgs.1.idx");
    let len = std::fs::metadata(&idx).unwrap().len();
    let f = std::fs::OpenOptions::new().write(true).open(&idx).unwrap();
    f.set_len(len - 32).unwrap();
    drop(f);
    // Q1: a record header with no payload at the end of another data file.
    let dat = dir.join("orders.us/msgs.1.dat");
    let dat_len = std::fs::metadata(&dat).unwrap().len();
    append(&dat, &[10, 0, 0, 0, 0x34, 0x12, 0, 0]);
    // An unknown record type (9) with a valid CRC in subs.dat.
    let subs = dir.join("payments/subs.dat");
    let subs_len = std::fs::metadata(&subs).unwrap().len();
    append(&subs, &record((9 << 24) | 2, &[0x08, 0x01]));
    // Zero padding at the end of clients.dat.
    let clients = dir.join("clients.dat");
    let clients_len = std::fs::metadata(&clients).unwrap().len();
    append(&clients, &[0u8; 16]);
    // Stray files and a directory that is not a channel.
    std::fs::write(dir.join("subs4123456"), [1, 0, 0, 0]).unwrap();
    std::fs::write(dir.join("notes.txt"), b"hello").unwrap();
    std::fs::create_dir(dir.join("raft")).unwrap();
    std::fs::write(dir.join("raft/raft.log"), b"x").unwrap();
    std::fs::copy(
        dir.join("audit.log/msgs.1.dat"),
        dir.join("audit.log/msgs.1.dat.bak"),
    )
    .unwrap();
    std::fs::write(dir.join("bin.data/msgs.x.dat"), [1, 0, 0, 0]).unwrap();

    let report = check(d, &[], 1);
    let one = |code: &str| -> Value {
        let f = findings(&report, code);
        assert_eq!(f.len(), 1, "{code}: {report:#}");
        f[0].clone()
    };
    let orphan = one("data.orphan_records");
    assert_eq!(orphan["file"], "orders.eu/msgs.1.dat");
    assert_eq!(orphan["offset"], 2741);
    assert_eq!(orphan["seq"], 35);
    assert!(str_of(&orphan["server_behaviour"]).contains("seq 35 again"));
    let q1 = one("record.header_only");
    assert_eq!(q1["file"], "orders.us/msgs.1.dat");
    assert_eq!(u64_of(&q1["offset"]), dat_len);
    let unknown = one("record.unknown_type");
    assert_eq!(unknown["file"], "payments/subs.dat");
    assert_eq!(u64_of(&unknown["offset"]), subs_len);
    assert_eq!(unknown["severity"], "error");
    let zero = one("record.zero_padding");
    assert_eq!(zero["file"], "clients.dat");
    assert_eq!(u64_of(&zero["offset"]), clients_len);
    assert_eq!(one("store.compaction_leftover")["file"], "subs4123456");
    assert_eq!(one("store.stray_file")["file"], "notes.txt");
    assert_eq!(one("channel.not_a_channel")["file"], "raft");
    assert_eq!(one("slice.archived")["file"], "audit.log/msgs.1.dat.bak");
    let bad = one("slice.bad_name");
    assert_eq!(bad["file"], "bin.data/msgs.x.dat");
    assert!(str_of(&bad["server_behaviour"]).contains("invalid name"));
}

#[test]
fn live_lock_holder_is_reported() {
    use std::os::fd::AsRawFd;
    let (_tmp, dir) = copy_store("file-basic-v0.23");
    let lock_path = dir.join(".rootdir.lck");
    let file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .read(true)
        .write(true)
        .open(&lock_path)
        .unwrap();
    // The lock the server takes (F_SETLK, F_WRLCK, whole file).
    let mut lock: libc::flock = unsafe { std::mem::zeroed() };
    lock.l_type = libc::F_WRLCK as libc::c_short;
    lock.l_whence = libc::SEEK_SET as libc::c_short;
    let rc = unsafe { libc::fcntl(file.as_raw_fd(), libc::F_SETLK, &lock) };
    assert_eq!(rc, 0);
    let report = check(dir.to_str().unwrap(), &[], 0);
    let f = findings(&report, "store.locked");
    assert_eq!(f.len(), 1, "{report:#}");
    assert!(str_of(&f[0]["message"]).contains(&std::process::id().to_string()));
    drop(file);
    let report = check(dir.to_str().unwrap(), &[], 0);
    assert!(findings(&report, "store.locked").is_empty());
    assert_eq!(findings(&report, "store.lock_file").len(), 1);
}

#[test]
fn check_never_writes() {
    for (name, code) in [
        ("damaged-truncated-tail-v0.23", 1),
        ("damaged-idx-deleted-v0.23", 0),
    ] {
        let dir = store(name);
        let before = hash_tree(Path::new(&dir));
        check(&dir, &["--deep"], code);
        assert_eq!(hash_tree(Path::new(&dir)), before, "{name}");
    }
}

// ------------------------------------------- reader and check agree per slice

/// The reader's per-slice recovery view (index trusted or rebuilt, first
/// and last sequence, count) of every channel of the store at `root`, next
/// to `check`'s; a line per disagreement. A channel the reader refuses must
/// have an error finding in check's report.
fn slice_view_differences(case: &str, root: &Path) -> Vec<String> {
    use stanctl::check::file::{check, FileCheckOptions};
    use stanctl::filestore::{FileStore, FileStoreOptions};
    let Ok(report) = check(root, &FileCheckOptions::default()) else {
        return Vec::new();
    };
    let Ok(mut reader) = FileStore::open(root, FileStoreOptions::default()) else {
        return Vec::new();
    };
    let mut channels: Vec<String> = std::fs::read_dir(root)
        .unwrap()
        .map(|e| e.unwrap())
        .filter(|e| e.file_type().unwrap().is_dir())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    channels.sort();
    let mut out = Vec::new();
    for channel in channels {
        let by_check: Vec<_> = report
            .slices
            .iter()
            .filter(|(c, _)| *c == channel)
            .map(|(_, s)| s.clone())
            .collect();
        match reader.recovered_slices(&channel) {
            Ok(by_reader) if by_reader == by_check => {}
            Ok(by_reader) => out.push(format!(
                "{case} {channel}: reader {by_reader:?}, check {by_check:?}"
            )),
            Err(e) => {
                let prefix = format!("{channel}/");
                let reported = report.findings.iter().any(|f| {
                    f.severity == stanctl::check::Severity::Error
                        && f.file.as_deref().is_some_and(|p| p.starts_with(&prefix))
                });
                if !reported {
                    out.push(format!(
                        "{case} {channel}: reader refuses ({e}), check has no error finding and {by_check:?}"
                    ));
                }
            }
        }
    }
    out
}

/// Every fixture holding a file store, by name, with its root.
fn file_store_fixtures() -> Vec<(String, PathBuf)> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(fixtures_dir()).unwrap() {
        let name = entry.unwrap().file_name().to_string_lossy().into_owned();
        let root = PathBuf::from(store_dir(&name));
        if root.join("server.dat").is_file() {
            out.push((name, root));
        }
    }
    out.sort();
    out
}

/// Damage cases made from a copy of file-basic-v0.23: each seed of the
/// fuzz corpora `msgs_dat` (as the data file, index removed) and
/// `msgs_idx` (as the index), put where the fuzz targets put them.
fn fuzz_corpus_cases(tmp: &Path) -> Vec<(String, PathBuf)> {
    let mut out = Vec::new();
    for target in ["msgs_dat", "msgs_idx"] {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("fuzz/corpus")
            .join(target);
        let mut seeds: Vec<PathBuf> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        seeds.sort();
        for seed in seeds {
            let name = format!("{target}/{}", seed.file_name().unwrap().to_string_lossy());
            let root = tmp.join(name.replace('/', "-"));
            copy_tree(Path::new(&store("file-basic-v0.23")), &root);
            let ch = root.join("orders.eu");
            if target == "msgs_dat" {
                std::fs::remove_file(ch.join("msgs.1.idx")).unwrap();
                std::fs::copy(&seed, ch.join("msgs.1.dat")).unwrap();
            } else {
                std::fs::copy(&seed, ch.join("msgs.1.idx")).unwrap();
            }
            out.push((name, root));
        }
    }
    out
}

/// Deterministic damage to the slice files of copies of `fixture_name`:
/// truncations, bit flips, insertions and zeroed ranges (xorshift64*).
fn mutation_cases(tmp: &Path, fixture_name: &str, seed: u64, n: usize) -> Vec<(String, PathBuf)> {
    let mut state = seed;
    let mut next = move || {
        state ^= state >> 12;
        state ^= state << 25;
        state ^= state >> 27;
        state.wrapping_mul(0x2545_F491_4F6C_DD1D)
    };
    let pristine = PathBuf::from(store(fixture_name));
    let mut slice_files = Vec::new();
    for ch in std::fs::read_dir(&pristine).unwrap() {
        let ch = ch.unwrap();
        if !ch.file_type().unwrap().is_dir() {
            continue;
        }
        for f in std::fs::read_dir(ch.path()).unwrap() {
            let f = f.unwrap().path();
            let rel = f.strip_prefix(&pristine).unwrap().to_path_buf();
            if f.file_name()
                .unwrap()
                .to_string_lossy()
                .starts_with("msgs.")
            {
                slice_files.push(rel);
            }
        }
    }
    slice_files.sort();
    let mut out = Vec::new();
    for case in 0..n {
        let rel = &slice_files[(next() % slice_files.len() as u64) as usize];
        let root = tmp.join(format!("{fixture_name}-{case}"));
        copy_tree(&pristine, &root);
        let path = root.join(rel);
        let mut data = std::fs::read(&path).unwrap();
        let len = data.len() as u64;
        let what = match next() % 4 {
            0 => {
                let to = next() % (len + 1);
                data.truncate(to as usize);
                format!("truncate to {to}")
            }
            1 if len > 0 => {
                let at = (next() % len) as usize;
                data[at] ^= 1 << (next() % 8);
                format!("flip a bit at {at}")
            }
            2 if len > 0 => {
                let at = (next() % len) as usize;
                let end = (at + 1 + (next() % 64) as usize).min(data.len());
                data[at..end].fill(0);
                format!("zero {at}..{end}")
            }
            _ => {
                let at = (next() % (len + 1)) as usize;
                let bytes: Vec<u8> = (0..1 + next() % 16).map(|_| next() as u8).collect();
                data.splice(at..at, bytes.iter().copied());
                format!("insert {} bytes at {at}", bytes.len())
            }
        };
        std::fs::write(&path, data).unwrap();
        out.push((
            format!("{fixture_name} case {case}: {} {what}", rel.display()),
            root,
        ));
    }
    out
}

/// Cases where the reader and check still disagree (issue 15: none since
/// both observe the one walk of `filestore::walk`).
const SLICE_VIEW_DIFFERENCES: &[&str] = &[];

/// Characterisation (issue 15, step 0): for every fixture, every seed of
/// the slice fuzz corpora and a few hundred deterministic damages of slice
/// files, the reader's view of each slice equals check's.
#[test]
fn reader_and_check_see_every_slice_alike() {
    let tmp = tempfile::tempdir().unwrap();
    let mut cases = file_store_fixtures();
    cases.extend(fuzz_corpus_cases(tmp.path()));
    cases.extend(mutation_cases(
        tmp.path(),
        "file-basic-v0.23",
        0x9E37_79B9_7F4A_7C15,
        150,
    ));
    cases.extend(mutation_cases(
        tmp.path(),
        "file-slices-v0.23",
        0xA076_1D64_78BD_642F,
        150,
    ));
    cases.extend(mutation_cases(
        tmp.path(),
        "file-torn-tail-kill9-v0.23",
        42,
        60,
    ));
    let mut differences = Vec::new();
    for (case, root) in &cases {
        differences.extend(slice_view_differences(case, root));
    }
    for d in &differences {
        eprintln!("{d}");
    }
    let expected: Vec<String> = SLICE_VIEW_DIFFERENCES
        .iter()
        .map(|s| s.to_string())
        .collect();
    let cases_with_difference: Vec<String> = differences
        .iter()
        .map(|d| d.split(':').next().unwrap_or_default().to_string())
        .collect();
    assert_eq!(cases_with_difference, expected, "{} cases", cases.len());
}

/// A sparse zero tail (a file system extends a .dat after a crash without
/// writing its blocks) is skipped hole by hole (SEEK_DATA/SEEK_HOLE), not
/// read: 4 GiB of hole after orders.eu's last record is reported with its
/// exact size, and a byte after the hole is found at its exact offset. The
/// server ignores the zeros while it trusts the index (quirk Q4), so both
/// are warnings. The run limit only turns a hang into a failure.
#[test]
fn sparse_zero_tail_is_skipped_by_its_holes() {
    const HOLE: u64 = 4 << 30;
    let (_tmp, dir) = copy_store("file-basic-v0.23");
    let dat = dir.join("orders.eu/msgs.1.dat");
    let size = std::fs::metadata(&dat).unwrap().len();
    let zero_padding = |code: i32| -> Value {
        let out = stanctl()
            .args(["--dir", dir.to_str().unwrap(), "check", "--format", "json"])
            .timeout(std::time::Duration::from_secs(300))
            .output()
            .unwrap();
        assert_eq!(
            out.status.code(),
            Some(code),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let report: Value = serde_json::from_slice(&out.stdout).unwrap();
        findings(&report, "record.zero_padding")
            .first()
            .map(|f| (*f).clone())
            .unwrap_or_else(|| panic!("no record.zero_padding in {report:#}"))
    };
    std::fs::OpenOptions::new()
        .write(true)
        .open(&dat)
        .unwrap()
        .set_len(size + HOLE)
        .unwrap();
    let f = zero_padding(0);
    assert_eq!(f["severity"], "warning", "{f:#}");
    assert_eq!(f["file"], "orders.eu/msgs.1.dat", "{f:#}");
    assert_eq!(f["offset"], size, "{f:#}");
    assert_eq!(f["found"], format!("{HOLE} zero bytes"), "{f:#}");

    append(&dat, b"x");
    let f = zero_padding(0);
    assert_eq!(f["offset"], size, "{f:#}");
    assert!(
        str_of(&f["message"]).contains(&format!("more records follow at offset {}", size + HOLE)),
        "{f:#}"
    );
}

/// A file the store needs that stands there but cannot be read (a dangling
/// or looping link, a directory) is `file.unreadable` naming it, never an
/// absence: a dangling `clients.dat` read as "missing" (ok) and a directory
/// as `subs.dat` as "subs.dat missing" (ok), while the server refuses both.
/// A socket is named as one, not as "No such device or address". The
/// compatibility verdict said "opens with v0.2.0 - v0.25.6" beside it.
#[test]
fn unreadable_store_files_are_findings_not_absences() {
    let cases = [
        ("dangling link", "leads nowhere"),
        ("looping link", "links loop"),
        ("directory", "is a directory, not a regular file"),
        ("socket", "is a socket, not a regular file"),
    ];
    let make = |kind: &str, p: &Path| match kind {
        "dangling link" => std::os::unix::fs::symlink(p.with_file_name("gone"), p).unwrap(),
        "looping link" => std::os::unix::fs::symlink(p, p).unwrap(),
        // The socket file stays when the listener is dropped.
        "socket" => drop(std::os::unix::net::UnixListener::bind(p).unwrap()),
        _ => std::fs::create_dir(p).unwrap(),
    };
    for rel in [
        "server.dat",
        "clients.dat",
        "orders.eu/subs.dat",
        "orders.eu/msgs.1.idx",
    ] {
        for (kind, needle) in cases {
            let (_tmp, dir) = copy_store("file-basic-v0.23");
            let path = dir.join(rel);
            std::fs::remove_file(&path).unwrap();
            make(kind, &path);
            let report = check(dir.to_str().unwrap(), &[], 1);
            let named = findings(&report, "file.unreadable")
                .into_iter()
                .filter(|f| f["file"] == rel || str_of(&f["message"]).contains(rel))
                .collect::<Vec<_>>();
            assert_eq!(named.len(), 1, "{rel} as a {kind}: {report:#}");
            assert_eq!(named[0]["severity"], "error", "{rel} as a {kind}");
            assert!(
                str_of(&named[0]["message"]).contains(needle),
                "{rel} as a {kind}: {:#}",
                named[0]
            );
            for missing in ["clients.missing", "subs.missing"] {
                assert!(
                    findings(&report, missing).is_empty(),
                    "{rel} as a {kind}: {report:#}"
                );
            }
            // No release starts on it, and the verdict says so.
            assert_eq!(
                report["compatibility"]["opens_with"],
                serde_json::json!([]),
                "{rel} as a {kind}: {report:#}"
            );
        }
    }
}

/// A directory at server.dat or clients.dat is an unreadable store file,
/// never a channel: the server opens both as files before it lists the
/// channel directories (Go `FileStore.Recover`), so it refuses to start.
/// check counted it as a sixth channel and checked it as one
/// (`channel.empty_dir`, or the findings of the channel files in it).
#[test]
fn a_directory_at_server_dat_or_clients_dat_is_not_a_channel() {
    for rel in ["server.dat", "clients.dat"] {
        for filled in [false, true] {
            let (_tmp, dir) = copy_store("file-basic-v0.23");
            let path = dir.join(rel);
            std::fs::remove_file(&path).unwrap();
            if filled {
                copy_tree(&dir.join("payments"), &path);
            } else {
                std::fs::create_dir(&path).unwrap();
            }
            let report = check(dir.to_str().unwrap(), &[], 1);
            assert_eq!(report["stats"]["channels"], 5, "{rel}: {report:#}");
            let inside = format!("{rel}/");
            let about = report["findings"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|f| f["file"] == rel || str_of(&f["file"]).starts_with(&inside))
                .collect::<Vec<_>>();
            assert_eq!(about.len(), 1, "{rel} (filled: {filled}): {report:#}");
            assert_eq!(about[0]["code"], "file.unreadable", "{:#}", about[0]);
        }
    }
}

/// "server.dat is empty but channels exist" (servers before v0.25.0 start
/// empty, later ones recover the channels) is said of a server.dat the
/// server reads as holding no information: the header only, or a record
/// header with no payload (quirk Q1). One it cannot open or refuses (a
/// directory, a bad CRC) is an error, and it was taken for empty too.
#[test]
fn only_a_server_dat_read_as_empty_is_empty() {
    let empty = "server.dat is empty but channels exist";
    let server_dat = std::fs::read(fixture("file-basic-v0.23").join("store/server.dat")).unwrap();
    let mut bad_crc = server_dat.clone();
    bad_crc[8] ^= 0xff;
    for (what, bytes, said) in [
        ("header only", Some(server_dat[..4].to_vec()), true),
        ("record header only", Some(server_dat[..12].to_vec()), true),
        ("bad CRC", Some(bad_crc), false),
        ("directory", None, false),
    ] {
        let (_tmp, dir) = copy_store("file-basic-v0.23");
        let path = dir.join("server.dat");
        std::fs::remove_file(&path).unwrap();
        match bytes {
            Some(b) => std::fs::write(&path, b).unwrap(),
            None => std::fs::create_dir(&path).unwrap(),
        }
        let code = if what == "header only" { 0 } else { 1 };
        let report = check(dir.to_str().unwrap(), &[], code);
        let text = report["compatibility"].to_string();
        assert_eq!(text.contains(empty), said, "{what}: {report:#}");
    }
}
