//! `stanctl stats`: a store or some channels at a glance (bar chart of
//! messages over time, payload sizes, subjects, replies, subscription lag).

use std::io::Write;

use clap::Args;

use stanctl::multichannel::select_channels;
use stanctl::StoreReader;

use super::output::{self, Format};
use super::{Cli, Outcome};

#[derive(Debug, Args)]
pub struct StatsArgs {
    /// Channels: names or subject patterns (`orders.*`, `>`); repeatable.
    /// All channels when omitted.
    #[arg(long, value_name = "NAME|PATTERN", help_heading = "Selection")]
    pub channel: Vec<String>,
    /// Time buckets of the bar chart, from the first to the last message.
    #[arg(long, value_name = "N", default_value_t = 20, value_parser = clap::value_parser!(u16).range(1..=1000), help_heading = "Output")]
    pub buckets: u16,
}

pub fn run(cli: &Cli, args: &StatsArgs, store: &mut dyn StoreReader) -> anyhow::Result<Outcome> {
    let channels = if args.channel.is_empty() {
        store.channel_names()?
    } else {
        select_channels(store, &args.channel)?
    };
    let stats = stanctl::stats::compute(store, &channels, usize::from(args.buckets))?;
    let problems = stats.unreadable > 0;
    if problems {
        eprintln!(
            "stanctl: error: {} messages could not be read and are not counted",
            stats.unreadable
        );
    }
    if cli.format != Format::Table {
        output::print_json(&stats)?;
        return Ok(Outcome { problems });
    }
    let mut out = output::stdout();
    writeln!(
        out,
        "{} channels, {} messages, {} of payload",
        stats.channels.len(),
        stats.msgs,
        output::human_bytes(stats.payload_bytes)
    )?;
    writeln!(
        out,
        "from {} to {}",
        output::opt_time(stats.first_timestamp),
        output::opt_time(stats.last_timestamp)
    )?;
    writeln!(
        out,
        "\nmessages per {}:",
        output::human_duration(stats.bucket_width_ns)
    )?;
    let most = stats
        .buckets
        .iter()
        .map(|b| b.msgs)
        .max()
        .unwrap_or(0)
        .max(1);
    let bar_width = output::terminal_width()
        .unwrap_or(100)
        .saturating_sub(45)
        .clamp(10, 60) as u64;
    for b in &stats.buckets {
        let len = (b.msgs * bar_width).div_ceil(most) as usize;
        writeln!(
            out,
            "  {:<30} {:>8} {}",
            stanctl::timefmt::format_ns(b.start_ns),
            b.msgs,
            "█".repeat(len)
        )?;
    }
    let size = |v: Option<u64>| v.map_or("-".to_string(), |v| v.to_string());
    let p = &stats.payload_size;
    writeln!(
        out,
        "\npayload bytes: p50 {}  p90 {}  p99 {}  max {}",
        size(p.p50),
        size(p.p90),
        size(p.p99),
        size(p.max)
    )?;
    writeln!(
        out,
        "with a reply subject: {} of {} messages",
        stats.msgs_with_reply, stats.msgs
    )?;
    writeln!(
        out,
        "\ntop subjects{}:",
        if stats.top_subjects_exact {
            ""
        } else {
            " (approximate)"
        }
    )?;
    for s in &stats.top_subjects {
        writeln!(out, "  {:>10}  {}", s.msgs, s.subject)?;
    }
    writeln!(out, "\nsubscriptions by lag (last seq - last sent):")?;
    if stats.subscriptions.is_empty() {
        writeln!(out, "  none")?;
    }
    for s in stats.subscriptions.iter().take(10) {
        let name = if s.durable_name.is_empty() {
            format!("id {}", s.id)
        } else {
            format!("durable {}", s.durable_name)
        };
        writeln!(
            out,
            "  {:>8} behind, {:>6} unacked  {} {} (client {})",
            s.lag, s.unacked, s.channel, name, s.client_id
        )?;
    }
    if stats.subscriptions.len() > 10 {
        writeln!(
            out,
            "  ... {} more (--format json)",
            stats.subscriptions.len() - 10
        )?;
    }
    out.flush()?;
    Ok(Outcome { problems })
}
