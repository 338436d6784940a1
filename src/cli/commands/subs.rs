//! `stanctl subs ls [--channel NAME]` and `stanctl subs show CHANNEL ID`.

use clap::Subcommand;
use serde::ser::{Serialize, SerializeStruct};

use stanctl::model::Subscription;
use stanctl::{StoreError, StoreReader};

use super::output::{self, Format};
use super::{Cli, Outcome};

#[derive(Debug, Subcommand)]
pub enum SubsCommand {
    /// List subscriptions.
    #[command(after_help = super::examples::SUBS_LS)]
    Ls {
        /// Only this channel.
        #[arg(long, help_heading = "Selection")]
        channel: Option<String>,
    },
    /// One subscription with its full pending list.
    #[command(after_help = super::examples::SUBS_SHOW)]
    Show {
        /// Channel name.
        channel: String,
        /// Subscription id (per channel in a file store).
        id: u64,
    },
}

/// A subscription as `subs ls` shows it.
#[derive(Debug)]
pub struct SubRow {
    pub sub: Subscription,
    /// Channel last sequence minus last sent.
    pub lag: u64,
}

/// The JSON contract of `subs ls` (README.md): the subscription's fields,
/// with `pending_count` and `lag` after `pending` and `is_shadow` last.
impl Serialize for SubRow {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let s = &self.sub;
        let mut row = serializer.serialize_struct("SubRow", 16)?;
        row.serialize_field("channel", &s.channel)?;
        row.serialize_field("id", &s.id)?;
        row.serialize_field("client_id", &s.client_id)?;
        row.serialize_field("inbox", &s.inbox)?;
        row.serialize_field("ack_inbox", &s.ack_inbox)?;
        row.serialize_field("durable_name", &s.durable_name)?;
        row.serialize_field("queue_group", &s.queue_group)?;
        row.serialize_field("max_in_flight", &s.max_in_flight)?;
        row.serialize_field("ack_wait_s", &s.ack_wait_s)?;
        row.serialize_field("last_sent", &s.last_sent)?;
        row.serialize_field("pending", &s.pending)?;
        row.serialize_field("pending_count", &s.pending.len())?;
        row.serialize_field("lag", &self.lag)?;
        row.serialize_field("is_durable", &s.is_durable)?;
        row.serialize_field("is_closed", &s.is_closed)?;
        row.serialize_field("is_shadow", &s.is_shadow())?;
        row.end()
    }
}

fn row(sub: Subscription, channel_last: u64) -> SubRow {
    SubRow {
        lag: channel_last.saturating_sub(sub.last_sent),
        sub,
    }
}

fn kind(s: &Subscription) -> &'static str {
    match (
        s.is_durable,
        s.queue_group.is_empty(),
        s.is_shadow(),
        s.is_closed,
    ) {
        (_, false, true, _) => "queue (shadow)",
        (true, false, _, _) => "durable queue",
        (false, false, _, _) => "queue",
        (true, true, _, true) => "durable (offline)",
        (true, true, _, false) => "durable",
        (false, true, _, _) => "plain",
    }
}

pub fn run(cli: &Cli, cmd: &SubsCommand, store: &mut dyn StoreReader) -> anyhow::Result<Outcome> {
    let channels = match cmd {
        SubsCommand::Ls { channel: Some(c) } | SubsCommand::Show { channel: c, .. } => {
            stanctl::store::require_channel(store, c)?;
            vec![c.clone()]
        }
        SubsCommand::Ls { channel: None } => store.channel_names()?,
    };
    if let Some(why) = store.membership_unknown() {
        // Unknown is not none: no empty list, exit 1 with the reason.
        eprintln!("stanctl: error: {why}");
        return Ok(Outcome { problems: true });
    }
    let mut rows = Vec::new();
    for channel in &channels {
        let last = store.channel_stats(channel)?.counts.last_seq;
        for sub in store.subscriptions(channel)? {
            rows.push(row(sub, last));
        }
    }
    if let SubsCommand::Show { channel, id } = cmd {
        rows.retain(|r| r.sub.id == *id);
        if rows.is_empty() {
            return Err(StoreError::Invalid(format!(
                "no subscription {id} on channel {channel:?}"
            ))
            .into());
        }
    }
    match (cli.format, cmd) {
        (Format::Json, SubsCommand::Show { .. }) => output::print_json(&rows[0])?,
        (Format::Json | Format::Ndjson, _) => output::print_json_list(cli.format, &rows)?,
        (Format::Raw, _) => anyhow::bail!("--format raw is only for dump"),
        (Format::Table, _) => {
            let show = matches!(cmd, SubsCommand::Show { .. });
            let mut t = output::table(&[
                "channel",
                "id",
                "kind",
                "client",
                "durable",
                "queue group",
                "last sent",
                "lag",
                "pending",
                "max in flight",
                "ack wait",
            ]);
            for r in &rows {
                let s = &r.sub;
                let pending = if show {
                    format!("{} {:?}", s.pending.len(), s.pending)
                } else {
                    s.pending.len().to_string()
                };
                t.add_row(vec![
                    s.channel.clone(),
                    s.id.to_string(),
                    kind(s).to_string(),
                    s.client_id.clone(),
                    s.durable_name.clone(),
                    s.queue_group.clone(),
                    s.last_sent.to_string(),
                    r.lag.to_string(),
                    pending,
                    s.max_in_flight.to_string(),
                    format!("{}s", s.ack_wait_s),
                ]);
            }
            // Narrow terminals lose the settings first, then names.
            output::print_fitted(&mut t, &[10, 9, 5, 4, 3])?;
        }
    }
    Ok(Outcome::default())
}
