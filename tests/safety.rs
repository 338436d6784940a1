//! Issue 14's safety defects: each test here failed before its fix.
//! Bad input and bad targets are refused with a message naming the file,
//! nothing outside the target is written, and nothing hangs.

mod common;

use std::path::Path;
use std::process::Output;

use common::expect::*;
use common::*;

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
