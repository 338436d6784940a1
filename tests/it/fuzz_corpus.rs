//! The fuzz targets' seed corpora (`fuzz/corpus/TARGET/`: seeds written by
//! scripts/fuzz-seeds.py from the fixtures, plus a regression seed for each
//! input fuzzing found a fault with) replayed through the entry points the
//! fuzz targets call: every parser must answer every seed without a panic.
//! No nightly toolchain needed.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};

fn corpus(target: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fuzz/corpus")
        .join(target)
}

fn replay(target: &str) {
    let dir = corpus(target);
    let mut seeds: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.expect("entry").path())
        .collect();
    seeds.sort();
    assert!(!seeds.is_empty(), "{target}: no seeds in {}", dir.display());
    for seed in seeds {
        let data = std::fs::read(&seed).expect("seed");
        let ran = catch_unwind(AssertUnwindSafe(|| stanctl::fuzzing::run(target, &data)));
        match ran {
            Ok(known) => assert!(known, "{target}: not a fuzz target of the library"),
            Err(_) => panic!("{target}: panicked on {}", seed.display()),
        }
    }
}

macro_rules! targets {
    ($($t:ident),* $(,)?) => {
        $(
            #[test]
            fn $t() {
                replay(stringify!($t));
            }
        )*

        /// The list above is the library's, and each has a cargo-fuzz target.
        #[test]
        fn every_target_is_replayed_and_fuzzed() {
            let listed = [$(stringify!($t)),*];
            assert_eq!(listed.as_slice(), stanctl::fuzzing::TARGETS);
            let root = Path::new(env!("CARGO_MANIFEST_DIR"));
            let manifest = std::fs::read_to_string(root.join("fuzz/Cargo.toml")).unwrap();
            for t in listed {
                let file = format!("fuzz_targets/{t}.rs");
                assert!(root.join("fuzz").join(&file).is_file(), "{file}");
                assert!(manifest.contains(&format!("path = \"{file}\"")), "{file}");
            }
        }
    };
}

targets!(
    record_framing,
    stored_protobufs,
    server_dat,
    clients_replay,
    subs_replay,
    msgs_dat,
    msgs_idx,
    raft_log,
    raft_entry,
    snapshot,
    config_file,
    dsn,
    encryption_envelope,
);
