//! `stanctl sql upgrade [--apply]`: the one command that writes to a SQL
//! store on purpose. It prints the statements that bring an old schema to
//! the current one (v0.10.0+, e.g. `ALTER TABLE Clients ADD proto BLOB`)
//! and runs them only with `--apply`, after checking that no live server
//! holds the StoreLock, in one transaction where the database allows DDL in
//! transactions (PostgreSQL, SQLite; MySQL commits each DDL statement).

use std::io::Write;

use anyhow::bail;
use clap::{Args, Subcommand};
use serde::Serialize;

use stanctl::sqlstore::upgrade::{apply_upgrade, upgrade_plan, UpgradeOutcome, UpgradePlan};

use super::output::{self, Format};
use super::store_args::StoreLocation;
use super::{Cli, Outcome};

#[derive(Debug, Subcommand)]
pub enum SqlCommand {
    /// Print the statements that bring the schema to the current one
    /// (v0.10.0 and later); run them with --apply.
    #[command(after_help = super::examples::SQL_UPGRADE)]
    Upgrade(UpgradeArgs),
}

#[derive(Debug, Args)]
pub struct UpgradeArgs {
    /// Run the statements (after checking that no live server holds the
    /// StoreLock). Without it nothing is written.
    #[arg(long)]
    pub apply: bool,
}

#[derive(Serialize)]
struct UpgradeReport<'a> {
    #[serde(flatten)]
    plan: &'a UpgradePlan,
    applied: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    outcome: Option<&'a UpgradeOutcome>,
}

pub fn run(cli: &Cli, cmd: &SqlCommand) -> anyhow::Result<Outcome> {
    let SqlCommand::Upgrade(args) = cmd;
    let StoreLocation::Sql { driver, source } = cli.store.location()? else {
        bail!("sql upgrade needs a SQL store (--sql-driver and --sql-source)");
    };
    let plan = upgrade_plan(driver, &source)?;
    let outcome = if args.apply {
        Some(apply_upgrade(driver, &source, &plan)?)
    } else {
        None
    };
    let report = UpgradeReport {
        plan: &plan,
        applied: outcome.is_some(),
        outcome: outcome.as_ref(),
    };
    if matches!(cli.format, Format::Json | Format::Ndjson) {
        output::print_json(&report)?;
    } else {
        let mut out = output::stdout();
        if plan.statements.is_empty() {
            writeln!(
                out,
                "-- {} {}: schema is current, nothing to do",
                plan.driver, plan.source
            )?;
        } else {
            writeln!(out, "-- {} {}", plan.driver, plan.source)?;
            for s in &plan.statements {
                writeln!(out, "{s};")?;
            }
        }
        for m in &plan.manual {
            writeln!(out, "-- manual: {m}")?;
        }
        match &outcome {
            Some(o) => {
                writeln!(out, "-- applied {} statement(s)", o.applied.len())?;
                for n in &o.notes {
                    writeln!(out, "-- note: {n}")?;
                }
            }
            None if !plan.statements.is_empty() => {
                writeln!(out, "-- not applied: run again with --apply")?;
            }
            None => {}
        }
        out.flush()?;
    }
    Ok(Outcome {
        problems: !plan.manual.is_empty(),
    })
}
