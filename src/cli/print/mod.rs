//! Printers: tables, JSON, findings, colours and progress bars.

pub(super) mod output;
pub(super) mod progress;
