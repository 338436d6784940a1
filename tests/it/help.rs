//! `--help` of every subcommand: grouped options (Store, Target, Selection,
//! Output) and two or three examples each, held by a snapshot
//! (tests/snapshots/help.txt; regenerate with STANCTL_UPDATE_SNAPSHOTS=1
//! after a deliberate change, and read the diff). Also `--version`.

use crate::common::*;

/// Every subcommand that runs something.
const LEAVES: &[&[&str]] = &[
    &["info"],
    &["channels", "ls"],
    &["channels", "show"],
    &["dump"],
    &["stats"],
    &["clients", "ls"],
    &["clients", "show"],
    &["subs", "ls"],
    &["subs", "show"],
    &["migrate", "file-to-sql"],
    &["migrate", "sql-to-file"],
    &["migrate", "file-to-file"],
    &["migrate", "sql-to-sql"],
    &["migrate", "to-jetstream"],
    &["check"],
    &["manifest"],
    &["sql", "upgrade"],
    &["salvage"],
    &["completions"],
    &["man-pages"],
];

fn help(path: &[&str]) -> String {
    let out = stanctl()
        .args(path)
        .arg("--help")
        .env("COLUMNS", "100")
        .env_remove("NATS_URL")
        .output()
        .expect("run");
    assert!(out.status.success(), "{path:?}");
    String::from_utf8(out.stdout).expect("utf-8")
}

#[test]
fn every_subcommand_has_examples_and_grouped_options() {
    for path in LEAVES {
        let text = help(path);
        let examples = text
            .split("Examples:\n")
            .nth(1)
            .unwrap_or_else(|| panic!("{path:?}: no examples\n{text}"));
        // One command an example, `\` continuing it on the next line.
        let commands: Vec<String> = examples
            .replace("\\\n", " ")
            .lines()
            .filter(|l| l.starts_with("  stanctl "))
            .map(String::from)
            .collect();
        assert!((2..=3).contains(&commands.len()), "{path:?}: {commands:?}");
        // Each example runs the subcommand it illustrates.
        let name = path.join(" ");
        for l in &commands {
            assert!(l.contains(&name), "{path:?}: {l}");
        }
        // The global options are grouped, not interleaved with the command's.
        for heading in ["\nStore:\n", "\nOutput:\n"] {
            assert!(text.contains(heading), "{path:?}: no {heading:?}\n{text}");
        }
    }
    let dump = help(&["dump"]);
    assert!(dump.find("\nSelection:\n") < dump.find("--since"));
    let migrate = help(&["migrate", "file-to-sql"]);
    let target = migrate.find("\nTarget:\n").expect("Target");
    let selection = migrate.find("\nSelection:\n").expect("Selection");
    let to_dir = migrate.find("--to-dir").expect("--to-dir");
    let channel = migrate.find("--channel").expect("--channel");
    assert!(target < to_dir && to_dir < selection && selection < channel);
}

#[test]
fn help_matches_the_snapshot() {
    let mut all = String::new();
    for path in LEAVES {
        all.push_str(&format!("==== stanctl {} --help\n", path.join(" ")));
        all.push_str(&help(path));
    }
    let file = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/snapshots/help.txt");
    if std::env::var_os("STANCTL_UPDATE_SNAPSHOTS").is_some() {
        std::fs::write(&file, &all).expect("write snapshot");
    }
    let snapshot = std::fs::read_to_string(&file).unwrap_or_default();
    assert!(
        snapshot == all,
        "{} is stale: rerun with STANCTL_UPDATE_SNAPSHOTS=1 and read the diff",
        file.display()
    );
}

#[test]
fn version_names_server_versions_and_backends() {
    let out = stanctl().arg("--version").output().expect("run");
    let text = String::from_utf8_lossy(&out.stdout);
    let tags = stanctl::check::compat::TAGS;
    let range = format!("{} to {}", tags[0], tags[tags.len() - 1]);
    assert!(text.contains(&range), "{text}");
    for backend in [
        "file store",
        "PostgreSQL",
        "MySQL/MariaDB",
        "SQLite",
        "JetStream",
    ] {
        assert!(text.contains(backend), "{backend}: {text}");
    }
    let short = stanctl().arg("-V").output().expect("run");
    assert_eq!(
        String::from_utf8_lossy(&short.stdout).trim(),
        format!("stanctl {}", env!("CARGO_PKG_VERSION"))
    );
}
