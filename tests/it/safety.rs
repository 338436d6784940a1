//! Issue 14's safety defects: each test here failed before its fix.
//! Bad input and bad targets are refused with a message naming the file,
//! nothing outside the target is written, and nothing hangs.

use std::path::Path;
use std::process::Output;

use crate::common::expect::*;
use crate::common::*;

fn path_str(p: &Path) -> &str {
    p.to_str().expect("utf8 path")
}

/// Runs stanctl with a time limit, so a command blocked in `open(2)` fails
/// the test instead of hanging the suite.
fn run<S: AsRef<std::ffi::OsStr> + std::fmt::Debug>(args: &[S]) -> Output {
    stanctl()
        .args(args)
        .timeout(std::time::Duration::from_secs(60))
        .output()
        .expect("run stanctl")
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// A run that must fail with a message containing every one of `needles`.
fn refused<S: AsRef<std::ffi::OsStr> + std::fmt::Debug>(args: &[S], needles: &[&str]) -> String {
    let out = run(args);
    let err = stderr(&out);
    assert!(
        out.status.code().is_some_and(|c| c != 0),
        "stanctl {args:?} should fail; exit {:?}, stderr:\n{err}",
        out.status.code()
    );
    for n in needles {
        assert!(err.contains(n), "stanctl {args:?}: {n:?} not in:\n{err}");
    }
    err
}

// ------------------------------------------------------------ S1 --force

#[test]
fn force_replaces_only_a_stan_sqlite_database_or_an_empty_file() {
    let tmp = tempfile::tempdir().expect("tmp");
    let src = fixture_file_store("file-basic-v0.23");
    let migrate_to = |target: &Path| {
        src.args(&[
            "migrate",
            "file-to-sql",
            "--to-sql-source",
            path_str(target),
            "--force",
        ])
        .into_iter()
        .map(String::from)
        .collect::<Vec<_>>()
    };

    // A system-like text file stays as it was.
    let text = tmp.path().join("passwd");
    let passwd = "root:x:0:0:root:/root:/bin/bash\n";
    std::fs::write(&text, passwd).unwrap();
    refused(&migrate_to(&text), &["a text file", "passwd"]);
    assert_eq!(std::fs::read_to_string(&text).unwrap(), passwd);

    // A binary file.
    let binary = tmp.path().join("blob");
    std::fs::write(&binary, [0u8, 159, 146, 150, 0, 1]).unwrap();
    refused(&migrate_to(&binary), &["a binary file"]);
    assert_eq!(std::fs::read(&binary).unwrap(), [0u8, 159, 146, 150, 0, 1]);

    // A SQLite database of some other application.
    let other = tmp.path().join("other.db");
    {
        let conn = rusqlite::Connection::open(&other).unwrap();
        conn.execute_batch(
            "CREATE TABLE notes (id INTEGER, body TEXT); INSERT INTO notes VALUES (1, 'keep');",
        )
        .unwrap();
    }
    let before = sha256_hex(&std::fs::read(&other).unwrap());
    refused(
        &migrate_to(&other),
        &["a SQLite database without the STAN tables"],
    );
    assert_eq!(sha256_hex(&std::fs::read(&other).unwrap()), before);

    // A directory.
    let dir = tmp.path().join("dir");
    std::fs::create_dir(&dir).unwrap();
    refused(&migrate_to(&dir), &["directory"]);

    // An empty file and then the STAN database it became may be replaced.
    let empty = tmp.path().join("empty.db");
    std::fs::write(&empty, b"").unwrap();
    for _ in 0..2 {
        let out = run(&migrate_to(&empty));
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    }
    assert!(std::fs::read(&empty)
        .unwrap()
        .starts_with(b"SQLite format 3\0"));
}

// ------------------------------------------------------------ D1 channel names

/// Every file and directory under `dir`, relative to it.
fn tree(dir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            out.push(p.strip_prefix(dir).unwrap().display().to_string());
            if std::fs::symlink_metadata(&p).unwrap().is_dir() {
                stack.push(p);
            }
        }
    }
    out.sort();
    out
}

/// `--sql-driver sqlite --sql-source DB` followed by `rest`.
fn sqlite_args<'a>(db: &'a Path, rest: &[&'a str]) -> Vec<&'a str> {
    let mut args = vec!["--sql-driver", "sqlite", "--sql-source", path_str(db)];
    args.extend_from_slice(rest);
    args
}

/// A SQLite copy of file-basic-v0.23 whose first channel is renamed `name`.
fn sqlite_store_with_channel_name(dir: &Path, name: &str) -> std::path::PathBuf {
    let db = dir.join("src.db");
    let src = fixture_file_store("file-basic-v0.23");
    let out = run(&src.args(&["migrate", "file-to-sql", "--to-sql-source", path_str(&db)]));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let conn = rusqlite::Connection::open(&db).unwrap();
    let n = conn
        .execute(
            "UPDATE Channels SET name = ?1 WHERE id = (SELECT MIN(id) FROM Channels)",
            [name],
        )
        .unwrap();
    assert_eq!(n, 1);
    db
}

#[test]
fn sql_channel_name_with_a_path_never_leaves_the_target() {
    for name in ["../../PWNED", "a/b", "..", "orders.*"] {
        let tmp = tempfile::tempdir().expect("tmp");
        let db = sqlite_store_with_channel_name(tmp.path(), name);
        let hash = sha256_hex(&std::fs::read(&db).unwrap());
        let deep = tmp.path().join("x/y");
        std::fs::create_dir_all(&deep).unwrap();
        let target = deep.join("store");
        let before = tree(tmp.path());
        refused(
            &sqlite_args(
                &db,
                &["migrate", "sql-to-file", "--to-dir", path_str(&target)],
            ),
            &["Channels", "not a valid subject", name],
        );
        assert_eq!(tree(tmp.path()), before, "{name}: files appeared");
        assert_eq!(sha256_hex(&std::fs::read(&db).unwrap()), hash);
        // Reading commands refuse it the same way.
        refused(
            &sqlite_args(&db, &["channels", "ls"]),
            &["not a valid subject"],
        );
    }
}

#[test]
fn file_store_directory_with_an_invalid_name_is_refused() {
    let tmp = tempfile::tempdir().expect("tmp");
    let store = tmp.path().join("store");
    copy_tree(&fixture("file-basic-v0.23").join("store"), &store);
    std::fs::create_dir(store.join("bad..name")).unwrap();
    refused(
        &["--dir", path_str(&store), "channels", "ls"],
        &["bad..name", "not a valid subject"],
    );
}

#[test]
fn file_writer_refuses_a_channel_name_leading_outside() {
    use stanctl::filestore::writer::{FileStoreWriter, FileWriterOptions};
    use stanctl::model::{ChannelStats, Limits};
    use stanctl::store::StoreWriter;
    let tmp = tempfile::tempdir().expect("tmp");
    let target = tmp.path().join("a/b/store");
    std::fs::create_dir_all(target.parent().unwrap()).unwrap();
    let mut w = FileStoreWriter::create(&target, FileWriterOptions::default()).unwrap();
    let stats = ChannelStats {
        name: "../../PWNED".into(),
        ..ChannelStats::default()
    };
    let e = w.begin_channel(&stats, &Limits::default()).unwrap_err();
    assert!(e.to_string().contains("not a valid subject"), "{e}");
    drop(w);
    assert_eq!(tree(tmp.path()), ["a", "a/b"]);
}

// ------------------------------------------------------------ S2 apart

/// Hash of every file under `dir`, by relative path.
fn tree_hashes(dir: &Path) -> Vec<(String, String)> {
    tree(dir)
        .into_iter()
        .filter(|p| dir.join(p).is_file())
        .map(|p| {
            let h = sha256_hex(&std::fs::read(dir.join(&p)).unwrap());
            (p, h)
        })
        .collect()
}

#[test]
fn migrate_refuses_a_target_inside_its_source_and_the_reverse() {
    let tmp = tempfile::tempdir().expect("tmp");
    let store = tmp.path().join("store");
    copy_tree(&fixture("file-basic-v0.23").join("store"), &store);
    let link = tmp.path().join("link");
    std::os::unix::fs::symlink(&store, &link).unwrap();
    let before = tree_hashes(&store);
    let s = path_str(&store);
    for args in [
        vec![
            "--dir",
            s,
            "migrate",
            "file-to-file",
            "--to-dir",
            &format!("{s}/sub"),
        ],
        vec![
            "--dir",
            path_str(&link),
            "migrate",
            "file-to-file",
            "--to-dir",
            &format!("{s}/a/b"),
        ],
        vec![
            "--dir",
            s,
            "migrate",
            "file-to-file",
            "--to-dir",
            &format!("{}/sub", path_str(&link)),
        ],
        vec![
            "--dir",
            s,
            "migrate",
            "file-to-sql",
            "--to-sql-source",
            &format!("{s}/x.db"),
        ],
    ]
    .iter()
    {
        refused(args, &["inside the source store"]);
        assert_eq!(tree_hashes(&store), before, "{args:?} changed the source");
    }

    // SQLite: the source file as the target, even with --force.
    let db = tmp.path().join("src.db");
    let out = run(&[
        "--dir",
        s,
        "migrate",
        "file-to-sql",
        "--to-sql-source",
        path_str(&db),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let hash = sha256_hex(&std::fs::read(&db).unwrap());
    let db_link = tmp.path().join("db-link.db");
    std::os::unix::fs::symlink(&db, &db_link).unwrap();
    for to in [&db, &db_link] {
        refused(
            &sqlite_args(
                &db,
                &[
                    "migrate",
                    "sql-to-sql",
                    "--to-sql-driver",
                    "sqlite",
                    "--to-sql-source",
                    path_str(to),
                    "--force",
                ],
            ),
            &["is the source store itself"],
        );
        assert_eq!(sha256_hex(&std::fs::read(&db).unwrap()), hash);
    }
    // A file target that contains the SQLite source.
    refused(
        &sqlite_args(
            &db,
            &["migrate", "sql-to-file", "--to-dir", path_str(tmp.path())],
        ),
        &["contains the source store"],
    );
}

// ------------------------------------------------------------ D2/D3 unusable store files

/// Every reading command, on the store at `dir` (messages of orders.eu).
fn every_command(dir: &Path, out: &Path) -> Vec<Vec<String>> {
    let d = path_str(dir).to_string();
    let o = |p: &str| out.join(p).display().to_string();
    let cmds: Vec<Vec<&str>> = vec![
        vec!["info"],
        vec!["channels", "ls"],
        vec!["dump", "--channel", "orders.eu"],
        vec!["clients", "ls"],
        vec!["subs", "ls"],
        vec!["manifest"],
    ];
    let mut all: Vec<Vec<String>> = cmds
        .into_iter()
        .map(|c| {
            let mut v = vec!["--dir".to_string(), d.clone()];
            v.extend(c.into_iter().map(String::from));
            v
        })
        .collect();
    all.push(vec![
        "--dir".into(),
        d.clone(),
        "migrate".into(),
        "file-to-file".into(),
        "--to-dir".into(),
        o("copy"),
    ]);
    all.push(vec![
        "--dir".into(),
        d,
        "migrate".into(),
        "file-to-sql".into(),
        "--to-sql-source".into(),
        o("copy.db"),
    ]);
    all
}

/// Replaces `rel` in a copy of file-basic-v0.23 with what `make` puts
/// there, then expects every command to fail naming the file.
fn every_command_refuses(make: &dyn Fn(&Path), rel: &str, needle: &str) {
    let tmp = tempfile::tempdir().expect("tmp");
    let store = tmp.path().join("store");
    copy_tree(&fixture("file-basic-v0.23").join("store"), &store);
    let path = store.join(rel);
    std::fs::remove_file(&path).unwrap();
    make(&path);
    let out = tmp.path().join("out");
    std::fs::create_dir(&out).unwrap();
    for args in every_command(&store, &out) {
        refused(&args, &[rel.rsplit('/').next().unwrap(), needle]);
        assert!(
            tree(&out).is_empty(),
            "{args:?} left {:?} behind",
            tree(&out)
        );
    }
}

#[test]
fn dangling_or_looping_links_are_errors_not_absences() {
    for rel in [
        "clients.dat",
        "orders.eu/subs.dat",
        "orders.eu/msgs.1.dat",
        "orders.eu/msgs.1.idx",
    ] {
        every_command_refuses(
            &|p| std::os::unix::fs::symlink(p.with_file_name("gone"), p).unwrap(),
            rel,
            "leads nowhere",
        );
        every_command_refuses(&|p| std::os::unix::fs::symlink(p, p).unwrap(), rel, "loop");
    }
}

fn mkfifo(path: &Path) {
    let c = std::ffi::CString::new(path_str(path)).unwrap();
    // SAFETY: a valid NUL-terminated path.
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0, "mkfifo");
}

#[test]
fn fifos_and_directories_in_place_of_store_files_are_refused_without_hanging() {
    for rel in [
        "server.dat",
        "clients.dat",
        "orders.eu/subs.dat",
        "orders.eu/msgs.1.dat",
        "orders.eu/msgs.1.idx",
    ] {
        every_command_refuses(&|p| mkfifo(p), rel, "a FIFO, not a regular file");
        every_command_refuses(
            &|p| std::fs::create_dir(p).unwrap(),
            rel,
            "a directory, not a regular file",
        );
    }
}

/// The same for a cluster node's files: a FIFO in place of the Raft log is
/// an error; in place of a snapshot's meta.json or state.bin it is a
/// warning naming the file (exit 1), as the server skips that snapshot.
/// Neither blocks a command.
#[test]
fn fifos_in_place_of_raft_files_are_refused_without_hanging() {
    let snapshot = "raft/stanctl-c3/snapshots/2-8620-1795574633566";
    for rel in [
        "raft/stanctl-c3/raft.log".to_string(),
        format!("{snapshot}/meta.json"),
        format!("{snapshot}/state.bin"),
    ] {
        let tmp = tempfile::tempdir().expect("tmp");
        let node = tmp.path().join("node");
        copy_tree(&fixture("cluster-3node-v0.23").join("node"), &node);
        let path = node.join(&rel);
        std::fs::remove_file(&path).unwrap();
        mkfifo(&path);
        let out = tmp.path().join("out");
        std::fs::create_dir(&out).unwrap();
        let name = rel.rsplit('/').next().unwrap();
        for args in every_command(&node.join("store"), &out) {
            refused(&args, &[name, "a FIFO, not a regular file"]);
        }
    }
}

#[test]
fn a_looping_raft_log_is_an_error_for_every_command() {
    let tmp = tempfile::tempdir().expect("tmp");
    let node = tmp.path().join("node");
    copy_tree(&fixture("cluster-3node-v0.23").join("node"), &node);
    let log = std::fs::read_dir(node.join("raft"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .flat_map(|p| [p.join("raft.log"), p.clone()])
        .find(|p| p.ends_with("raft.log") && p.is_file())
        .or_else(|| Some(node.join("raft/raft.log")).filter(|p| p.is_file()))
        .expect("raft.log in the fixture");
    std::fs::remove_file(&log).unwrap();
    std::os::unix::fs::symlink(&log, &log).unwrap();
    let out = tmp.path().join("out");
    std::fs::create_dir(&out).unwrap();
    for args in every_command(&node.join("store"), &out) {
        refused(&args, &["raft.log", "loop"]);
    }
}

/// Runs `stanctl --dir <file-basic-v0.23> COMMAND TARGET` with files
/// limited to `blocks` KiB. SIGXFSZ ignored: writing past the limit fails
/// with EFBIG, as a full disk fails with ENOSPC, instead of killing the
/// process.
fn run_with_file_size_limit(blocks: u32, command: &str, target: &Path) -> Output {
    let script = format!(
        "trap '' XFSZ; ulimit -f {blocks}; exec '{}' --dir '{}' {command} '{}'",
        path_str(&assert_cmd::cargo::cargo_bin("stanctl")),
        store_dir("file-basic-v0.23"),
        path_str(target)
    );
    std::process::Command::new("sh")
        .arg("-c")
        .arg(&script)
        .output()
        .expect("run sh")
}

/// D7: an output file that cannot be written whole is never left half
/// written: the manifest goes to a temporary file renamed at the end, so a
/// write error (here the file-size limit, as on a full disk) leaves an
/// existing file as it was and no temporary file behind.
#[test]
fn manifest_output_that_fails_leaves_the_old_file_and_no_partial_one() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let out = tmp.path().join("manifest.json");
    std::fs::write(&out, b"the previous manifest\n").expect("write old file");
    let run = run_with_file_size_limit(8, "manifest --messages -o", &out);
    let err = stderr(&run);
    assert!(
        run.status.code().is_some_and(|c| c != 0),
        "a manifest larger than the file-size limit must fail; stderr:\n{err}"
    );
    assert!(
        err.contains("manifest.json"),
        "error names the output: {err}"
    );
    assert_eq!(
        std::fs::read(&out).expect("old file still there"),
        b"the previous manifest\n"
    );
    assert_eq!(tree(tmp.path()), vec!["manifest.json".to_string()]);
}

// ------------------------------------------------------------ smaller: the OS error once

/// How often "(os error N)" appears on the line of `text` that says it
/// most often, for any N (a JSON report may repeat the cause in two fields,
/// one line each).
fn os_error_mentions(text: &str) -> usize {
    text.lines()
        .map(|line| line.matches("(os error ").count())
        .max()
        .unwrap_or(0)
}

/// A read that fails in the OS (EIO: `/proc/self/mem` is a regular file
/// whose first page is unmapped, so even root cannot read it) is printed
/// with its OS error once, also where the whole cause chain is printed
/// (`check --expect`'s "store cannot be read" difference, which said
/// "Input/output error (os error 5): Input/output error (os error 5)").
#[test]
fn a_failed_read_prints_its_os_error_once() {
    let tmp = tempfile::tempdir().expect("tmp");
    let store = tmp.path().join("store");
    copy_tree(&fixture("file-basic-v0.23").join("store"), &store);
    let dat = store.join("orders.eu/msgs.1.dat");
    std::fs::remove_file(&dat).unwrap();
    std::os::unix::fs::symlink("/proc/self/mem", &dat).unwrap();
    let manifest = fixture("file-basic-v0.23").join("MANIFEST.json");
    let d = path_str(&store);
    for args in [
        vec!["--dir", d, "dump", "--channel", "orders.eu"],
        vec!["--dir", d, "check", "--expect", path_str(&manifest)],
        vec![
            "--dir",
            d,
            "check",
            "--expect",
            path_str(&manifest),
            "--format",
            "json",
        ],
    ] {
        let out = run(&args);
        let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), stderr(&out));
        assert!(out.status.code() != Some(0), "{args:?} must fail:\n{text}");
        assert!(
            text.contains("msgs.1.dat") && text.contains("(os error 5)"),
            "{args:?} names the file and the OS error:\n{text}"
        );
        assert_eq!(
            os_error_mentions(&text),
            1,
            "{args:?} says the OS error once:\n{text}"
        );
    }
}

/// A write that fails in the OS (the file-size limit: EFBIG, as a full
/// disk gives ENOSPC) is printed with its OS error once, for a migration's
/// target and for an output file. (SQLite reports the same failure as
/// "disk I/O error", without an OS error.)
#[test]
fn a_failed_write_prints_its_os_error_once() {
    let tmp = tempfile::tempdir().expect("tempdir");
    for (what, command) in [
        ("copy", "migrate file-to-file --to-dir"),
        ("manifest.json", "manifest --messages -o"),
    ] {
        let out = run_with_file_size_limit(4, command, &tmp.path().join(what));
        let err = stderr(&out);
        assert!(out.status.code() != Some(0), "{command} must fail:\n{err}");
        assert!(err.contains(what), "{command}: names the target:\n{err}");
        assert_eq!(
            os_error_mentions(&err),
            1,
            "{command}: says the OS error once:\n{err}"
        );
    }
}

/// A directory target whose parent is a file (`/dev/full/x`, a regular
/// file's child) or that is a file itself is refused naming the target and
/// the file in the way, never the hidden temporary directory; nothing is
/// created.
#[test]
fn a_target_under_a_file_names_the_target_and_the_file() {
    let tmp = tempfile::tempdir().expect("tmp");
    let file = tmp.path().join("plain.txt");
    std::fs::write(&file, "x").expect("write");
    let basic = store_dir("file-basic-v0.23");
    let under = file.join("a/new");
    for target in [Path::new("/dev/full/x"), under.as_path()] {
        let parent_file = if target.starts_with("/dev/full") {
            "/dev/full".to_string()
        } else {
            file.display().to_string()
        };
        for cmd in [
            vec!["migrate", "file-to-file", "--to-dir"],
            vec!["export", "parquet", "--to"],
        ] {
            let mut args = vec!["--dir", &basic];
            args.extend(cmd);
            args.push(path_str(target));
            let err = refused(
                &args,
                &[
                    &format!("{}: cannot be created", target.display()),
                    &format!("{parent_file} is not a directory"),
                ],
            );
            assert!(!err.contains("stanctl-partial"), "{err}");
        }
    }
    let err = refused(
        &[
            "--dir",
            &basic,
            "migrate",
            "file-to-file",
            "--to-dir",
            path_str(&file),
        ],
        &["plain.txt: cannot be created: it exists and is not a directory"],
    );
    assert!(!err.contains("stanctl-partial"), "{err}");
    assert_eq!(std::fs::read(&file).expect("kept"), b"x");
    assert_eq!(std::fs::read_dir(tmp.path()).expect("tmp").count(), 1);
}

/// Plain `check` (no --deep, no --expect) reports a data file the OS cannot
/// read (EIO, as in the test above) as an error finding naming the file and
/// the OS error, exit 1: a read error is never "no problems found".
#[test]
fn plain_check_reports_a_read_error_as_an_error_finding() {
    let tmp = tempfile::tempdir().expect("tmp");
    let store = tmp.path().join("store");
    copy_tree(&fixture("file-basic-v0.23").join("store"), &store);
    let dat = store.join("orders.eu/msgs.1.dat");
    std::fs::remove_file(&dat).unwrap();
    std::os::unix::fs::symlink("/proc/self/mem", &dat).unwrap();
    let out = run(&["--dir", path_str(&store), "check", "--format", "json"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    let unreadable: Vec<_> = report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|f| f["severity"] == "error" && f["file"] == "orders.eu/msgs.1.dat")
        .filter(|f| f.to_string().contains("(os error 5)"))
        .collect();
    assert_eq!(unreadable.len(), 1, "{report:#}");
}
