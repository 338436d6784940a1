//! `stanctl subs ls [--channel NAME]` and `stanctl subs show CHANNEL ID`.

use clap::Subcommand;
use serde::Serialize;

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

/// The JSON contract of `subs ls` (README.md).
#[derive(Debug, Serialize)]
pub struct SubRow {
    pub channel: String,
    pub id: u64,
    pub client_id: String,
    pub inbox: String,
    pub ack_inbox: String,
    pub durable_name: String,
    pub queue_group: String,
    pub max_in_flight: i32,
    pub ack_wait_s: i32,
    pub last_sent: u64,
    pub pending: Vec<u64>,
    pub pending_count: usize,
    /// Channel last sequence minus last sent.
    pub lag: u64,
    pub is_durable: bool,
    pub is_closed: bool,
    pub is_shadow: bool,
}

fn row(s: Subscription, channel_last: u64) -> SubRow {
    SubRow {
        lag: channel_last.saturating_sub(s.last_sent),
        pending_count: s.pending.len(),
        is_shadow: s.is_shadow(),
        channel: s.channel,
        id: s.id,
        client_id: s.client_id,
        inbox: s.inbox,
        ack_inbox: s.ack_inbox,
        durable_name: s.durable_name,
        queue_group: s.queue_group,
        max_in_flight: s.max_in_flight,
        ack_wait_s: s.ack_wait_s,
        last_sent: s.last_sent,
        pending: s.pending,
        is_durable: s.is_durable,
        is_closed: s.is_closed,
    }
}

fn kind(r: &SubRow) -> &'static str {
    match (
        r.is_durable,
        r.queue_group.is_empty(),
        r.is_shadow,
        r.is_closed,
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
        let last = store.channel_stats(channel)?.last_seq;
        for sub in store.subscriptions(channel)? {
            rows.push(row(sub, last));
        }
    }
    if let SubsCommand::Show { channel, id } = cmd {
        rows.retain(|r| r.id == *id);
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
                let pending = if show {
                    format!("{} {:?}", r.pending_count, r.pending)
                } else {
                    r.pending_count.to_string()
                };
                t.add_row(vec![
                    r.channel.clone(),
                    r.id.to_string(),
                    kind(r).to_string(),
                    r.client_id.clone(),
                    r.durable_name.clone(),
                    r.queue_group.clone(),
                    r.last_sent.to_string(),
                    r.lag.to_string(),
                    pending,
                    r.max_in_flight.to_string(),
                    format!("{}s", r.ack_wait_s),
                ]);
            }
            // Narrow terminals lose the settings first, then names.
            output::print_fitted(&mut t, &[10, 9, 5, 4, 3])?;
        }
    }
    Ok(Outcome::default())
}
