//! The sequence and time bounds of `dump`, `export` and `migrate`: one
//! definition.

use clap::Args;

use stanctl::model::MessageRange;

use super::store_args::parse_time_arg;

/// Where a selection starts (`migrate` takes only this much).
#[derive(Debug, Args)]
pub struct StartArgs {
    /// First sequence (inclusive).
    #[arg(long, value_name = "SEQ", help_heading = "Selection")]
    pub from_seq: Option<u64>,
    /// Only messages at or after this time: RFC 3339, epoch time with a
    /// unit (1795570246s, ms, us, ns), or back from now (1h, 90s ago).
    #[arg(long, value_name = "TIME", value_parser = parse_time_arg, help_heading = "Selection")]
    pub since: Option<i64>,
}

#[derive(Debug, Args)]
pub struct RangeArgs {
    #[command(flatten)]
    pub start: StartArgs,
    /// Last sequence (inclusive).
    #[arg(long, value_name = "SEQ", help_heading = "Selection")]
    pub to_seq: Option<u64>,
    /// Only messages at or before this time.
    #[arg(long, value_name = "TIME", value_parser = parse_time_arg, help_heading = "Selection")]
    pub until: Option<i64>,
}

impl RangeArgs {
    /// The range asked for. A range that can hold nothing is a mistake,
    /// not an empty answer.
    pub fn range(&self) -> anyhow::Result<MessageRange> {
        let StartArgs { from_seq, since } = self.start;
        if let (Some(from), Some(to)) = (from_seq, self.to_seq) {
            if from > to {
                anyhow::bail!("--from-seq {from} is after --to-seq {to}: the range is empty");
            }
        }
        if let (Some(since), Some(until)) = (since, self.until) {
            if since > until {
                anyhow::bail!(
                    "--since {} is after --until {}: the range is empty",
                    stanctl::timefmt::format_ns(since),
                    stanctl::timefmt::format_ns(until)
                );
            }
        }
        Ok(MessageRange {
            from_seq,
            to_seq: self.to_seq,
            since_ns: since,
            until_ns: self.until,
        })
    }
}
