//! The integration tests: one binary, one module per area (a failure names its module and test).
// Tests may unwrap, expect, panic and call libc directly (mkfifo, kill,
// fcntl locks): the [lints] of Cargo.toml guard src/, not the tests.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, unsafe_code)]

#[macro_use]
mod common;

mod bench_script;
mod check_expect;
mod check_file;
mod check_fuzz;
mod check_raft;
mod check_salvage;
mod check_sql;
mod config_parse;
mod crypto_fixture;
mod docs;
mod dsn_secrets;
mod encryption_cli;
mod file_cli;
mod file_damage;
mod file_store;
mod follow;
mod fuzz_corpus;
mod help;
mod index_sequence;
mod jetstream;
mod large_slices;
mod manifest_memory;
mod manifest_stream;
mod migrate;
mod migrate_kill;
mod newcomer;
mod parquet;
mod raft_fixtures;
mod real_server;
mod safety;
mod sql_large_row;
mod sql_plan;
mod sql_read;
mod sql_write;
mod stats;
