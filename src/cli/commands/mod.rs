//! One module per subcommand: convert its arguments, call the library,
//! hand the result to a printer.

pub(super) mod channels;
pub(super) mod check;
pub(super) mod clients;
pub(super) mod completions;
pub(super) mod dump;
pub(super) mod export;
pub(super) mod info;
pub(super) mod jetstream;
pub(super) mod manifest;
pub(super) mod migrate;
pub(super) mod salvage;
pub(super) mod sql;
pub(super) mod stats;
pub(super) mod subs;

// What every command reaches as `super::...`.
use super::{examples, output, progress, range, store_args, Cli, Outcome};
