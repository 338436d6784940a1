//! Issue 14 D6: a data source's password never appears in any output.
//! A sentinel password goes through every command that opens a SQL store
//! (and migrate's target) × every DSN form × every driver, from the flags
//! and from a configuration file's sql_options. Sources point at closed
//! ports on 127.0.0.1 (PGHOST/PGPORT too, for lib/pq's defaults), so no
//! run waits on the network.

use std::path::Path;

use crate::common::*;

const SENTINEL: &str = "ZqSENTxPw9";

fn forms() -> Vec<String> {
    let s = SENTINEL;
    vec![
        format!("host=127.0.0.1 port=1 user=u password={s} dbname=d sslmode=disable"),
        format!("host=127.0.0.1 port=1 user=u password='{s} x' dbname=d"),
        format!("host=127.0.0.1 password={s} port=x"),
        format!("password={s}"),
        format!("postgres://u:{s}@127.0.0.1:1/d?sslmode=disable"),
        format!("postgresql://127.0.0.1:1/d?user=u&password={s}"),
        format!("u:{s}@tcp(127.0.0.1:1)/d"),
        format!("u:{s}@tcp(127.0.0.1:1)/d?timeout=1s"),
        format!("u:{s}@tcp(127.0.0.1:1"),
        format!("u:{s}"),
    ]
}

fn config_file(dir: &Path, driver: &str, source: &str) -> String {
    let path = dir.join(format!("{driver}.conf"));
    let quoted = source.replace('\\', "\\\\").replace('"', "\\\"");
    std::fs::write(
        &path,
        format!("streaming {{ store: \"sql\"\n sql_options {{ driver: \"{driver}\"\n source: \"{quoted}\" }} }}\n"),
    )
    .unwrap();
    path.display().to_string()
}

/// Runs stanctl; returns a description of the run if the sentinel shows.
/// Runs in `cwd`: a SQLite target named by a relative source lands there.
fn leak(cwd: &Path, args: &[String]) -> Option<String> {
    let out = stanctl()
        .current_dir(cwd)
        .env("PGHOST", "127.0.0.1")
        .env("PGPORT", "1")
        .args(args)
        .output()
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    text.contains(SENTINEL)
        .then(|| format!("{args:?} (exit {:?}): {text}", out.status.code()))
}

#[test]
fn a_sentinel_password_never_appears_in_any_output() {
    let tmp = tempfile::tempdir().unwrap();
    let out = |name: &str| tmp.path().join(name).display().to_string();
    let commands: Vec<Vec<String>> = [
        "info",
        "channels ls",
        "channels show x",
        "dump --channel x",
        "clients ls",
        "subs ls",
        "check",
        "manifest",
        "sql upgrade",
    ]
    .iter()
    .map(|c| c.split(' ').map(str::to_string).collect())
    .chain([
        vec![
            "migrate".into(),
            "sql-to-file".into(),
            "--to-dir".into(),
            out("to-dir"),
        ],
        vec![
            "migrate".into(),
            "sql-to-sql".into(),
            "--to-sql-source".into(),
            out("to.db"),
        ],
        vec![
            "export".into(),
            "parquet".into(),
            "--to".into(),
            out("parquet"),
        ],
        // A closed port: the store is opened (and fails) first.
        vec![
            "migrate".into(),
            "to-jetstream".into(),
            "--server".into(),
            "nats://127.0.0.1:1".into(),
        ],
    ])
    .collect();
    let file_store = fixture("file-basic-v0.23")
        .join("store")
        .display()
        .to_string();
    let mut runs: Vec<Vec<String>> = Vec::new();
    for driver in ["postgres", "mysql", "sqlite"] {
        for (i, source) in forms().iter().enumerate() {
            let conf_dir = tmp.path().join(format!("conf-{i}"));
            std::fs::create_dir_all(&conf_dir).unwrap();
            let conf = config_file(&conf_dir, driver, source);
            for cmd in &commands {
                let flags = ["--sql-driver", driver, "--sql-source", source];
                runs.push(
                    flags
                        .iter()
                        .map(|s| s.to_string())
                        .chain(cmd.clone())
                        .collect(),
                );
                runs.push(
                    ["-c".to_string(), conf.clone()]
                        .into_iter()
                        .chain(cmd.clone())
                        .collect(),
                );
            }
            runs.push(
                [
                    "--dir",
                    &file_store,
                    "migrate",
                    "file-to-sql",
                    "--to-sql-driver",
                    driver,
                ]
                .iter()
                .map(|s| s.to_string())
                .chain(["--to-sql-source".to_string(), source.clone()])
                .collect(),
            );
        }
    }
    let cwd = tmp.path().join("cwd");
    std::fs::create_dir_all(&cwd).unwrap();
    let cwd = cwd.as_path();
    let total = runs.len();
    // Two workers: each run is a short process, most of it start-up.
    let half = runs.split_off(total / 2);
    let leaks: Vec<String> = std::thread::scope(|scope| {
        let workers: Vec<_> = [runs, half]
            .into_iter()
            .map(|part| {
                scope.spawn(move || part.iter().filter_map(|a| leak(cwd, a)).collect::<Vec<_>>())
            })
            .collect();
        workers
            .into_iter()
            .flat_map(|w| w.join().unwrap())
            .collect()
    });
    assert!(
        leaks.is_empty(),
        "{} of {total} runs show the password, e.g.:\n{}",
        leaks.len(),
        leaks.iter().take(5).cloned().collect::<Vec<_>>().join("\n")
    );
    assert!(total > 600, "{total} runs");
}
