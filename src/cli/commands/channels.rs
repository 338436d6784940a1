//! `stanctl channels ls` and `stanctl channels show NAME`.

use clap::Subcommand;
use serde::Serialize;

use stanctl::model::{ChannelStats, Limits, LimitsSource};
use stanctl::StoreReader;

use super::output::{self, opt_num, opt_time, Format};
use super::{Cli, Outcome};

#[derive(Debug, Subcommand)]
pub enum ChannelsCommand {
    /// List every channel.
    #[command(after_help = super::examples::CHANNELS_LS)]
    Ls,
    /// One channel in detail.
    #[command(after_help = super::examples::CHANNELS_SHOW)]
    Show {
        /// Channel name.
        name: String,
    },
}

/// The JSON contract of `channels ls` (README.md).
#[derive(Debug, Serialize)]
pub struct ChannelRow {
    /// Name, counts and ranges, first, in the order of [`ChannelStats`].
    #[serde(flatten)]
    pub stats: ChannelStats,
    /// Null when unknown (a cluster node read without its Raft log or key).
    pub subscriptions: Option<usize>,
    pub limits: Limits,
    pub limits_source: LimitsSource,
}

pub fn channel_row(store: &mut dyn StoreReader, name: &str) -> anyhow::Result<ChannelRow> {
    let stats = store.channel_stats(name)?;
    let subscriptions = match store.membership_unknown() {
        Some(_) => None,
        None => Some(store.subscriptions(name)?.len()),
    };
    let (limits, limits_source) = store.channel_limits(name)?;
    Ok(ChannelRow {
        stats,
        subscriptions,
        limits,
        limits_source,
    })
}

/// A listing's time, to the second: `2026-11-25T01:30:45Z`.
fn short_time(ns: Option<i64>) -> String {
    ns.map(|ns| {
        let full = stanctl::timefmt::format_ns(ns);
        format!("{}Z", &full[..19])
    })
    .unwrap_or_else(|| "-".into())
}

fn limit_text(v: Option<i64>, source: LimitsSource) -> String {
    match source {
        LimitsSource::Unknown => "unknown".into(),
        _ => opt_num(v),
    }
}

fn age_text(v: Option<i64>, source: LimitsSource) -> String {
    match (source, v) {
        (LimitsSource::Unknown, _) | (_, None) => "unknown".into(),
        (_, Some(0)) => "unlimited".into(),
        (_, Some(ns)) => super::output::human_duration(ns),
    }
}

pub fn run(
    cli: &Cli,
    cmd: &ChannelsCommand,
    store: &mut dyn StoreReader,
) -> anyhow::Result<Outcome> {
    let names = match cmd {
        ChannelsCommand::Ls => store.channel_names()?,
        ChannelsCommand::Show { name } => {
            stanctl::store::require_channel(store, name)?;
            vec![name.clone()]
        }
    };
    let mut rows = Vec::with_capacity(names.len());
    for name in &names {
        rows.push(channel_row(store, name)?);
    }
    match (cli.format, cmd) {
        (Format::Json, ChannelsCommand::Show { .. }) => output::print_json(&rows[0])?,
        (Format::Json | Format::Ndjson, _) => output::print_json_list(cli.format, &rows)?,
        (Format::Raw, _) => anyhow::bail!("--format raw is only for dump"),
        (Format::Table, ChannelsCommand::Show { .. }) => {
            let r = &rows[0];
            let mut t = output::table(&["field", "value"]);
            let src = r.limits_source;
            for (k, v) in [
                ("name", r.stats.name.clone()),
                ("msgs", r.stats.counts.msgs.to_string()),
                ("bytes", r.stats.counts.bytes.to_string()),
                ("first seq", r.stats.counts.first_seq.to_string()),
                ("last seq", r.stats.counts.last_seq.to_string()),
                ("first time", opt_time(r.stats.counts.first_timestamp)),
                ("last time", opt_time(r.stats.counts.last_timestamp)),
                (
                    "subscriptions",
                    r.subscriptions
                        .map_or_else(|| "unknown".into(), |n| n.to_string()),
                ),
                ("max msgs", limit_text(r.limits.max_msgs, src)),
                ("max bytes", limit_text(r.limits.max_bytes, src)),
                ("max age", age_text(r.limits.max_age_ns, src)),
                ("max subs", limit_text(r.limits.max_subs, src)),
                ("max inactivity", age_text(r.limits.max_inactivity_ns, src)),
                ("limits from", format!("{src:?}").to_lowercase()),
            ] {
                t.add_row(vec![k.to_string(), v]);
            }
            output::print_table(&t)?;
        }
        (Format::Table, ChannelsCommand::Ls) => {
            let mut t = output::table(&[
                "channel",
                "msgs",
                "bytes",
                "first",
                "last",
                "first time",
                "last time",
                "subs",
                "max msgs",
                "max bytes",
                "max age",
            ]);
            for r in &rows {
                let src = r.limits_source;
                t.add_row(vec![
                    r.stats.name.clone(),
                    r.stats.counts.msgs.to_string(),
                    output::human_bytes(r.stats.counts.bytes),
                    r.stats.counts.first_seq.to_string(),
                    r.stats.counts.last_seq.to_string(),
                    short_time(r.stats.counts.first_timestamp),
                    short_time(r.stats.counts.last_timestamp),
                    r.subscriptions
                        .map_or_else(|| "unknown".into(), |n| n.to_string()),
                    limit_text(r.limits.max_msgs, src),
                    limit_text(r.limits.max_bytes, src),
                    age_text(r.limits.max_age_ns, src),
                ]);
            }
            // Narrow terminals lose the limits, then the first time, then the
            // first sequence; the name, counts and last message stay.
            output::print_fitted(&mut t, &[10, 9, 8, 5, 3, 7])?;
            if rows
                .iter()
                .any(|r| r.limits_source == LimitsSource::Unknown)
            {
                output::note(cli.quiet, "the file store does not record limits; give the server's config with -c to see them and the view the server would recover");
            }
        }
    }
    Ok(Outcome::default())
}
