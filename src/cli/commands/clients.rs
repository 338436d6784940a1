//! `stanctl clients ls` and `stanctl clients show ID`.

use clap::Subcommand;
use serde::Serialize;

use stanctl::model::Client;
use stanctl::{StoreError, StoreReader};

use super::output::{self, Format};
use super::{Cli, Outcome};

#[derive(Debug, Subcommand)]
pub enum ClientsCommand {
    /// List clients.
    #[command(after_help = super::examples::CLIENTS_LS)]
    Ls,
    /// One client and its subscriptions.
    #[command(after_help = super::examples::CLIENTS_SHOW)]
    Show {
        /// Client id.
        id: String,
    },
}

/// The JSON contract of `clients ls` (README.md). Fields a server version
/// did not record are null.
#[derive(Debug, Serialize)]
pub struct ClientRow {
    pub id: String,
    pub hb_inbox: String,
    pub protocol: Option<i32>,
    /// The connection id as text (it is a NUID in practice); `conn_id_hex` is exact.
    pub conn_id: Option<String>,
    pub conn_id_hex: Option<String>,
    pub ping_interval: Option<i32>,
    pub ping_max_out: Option<i32>,
}

impl From<&Client> for ClientRow {
    fn from(c: &Client) -> Self {
        ClientRow {
            id: c.id.clone(),
            hb_inbox: c.hb_inbox.clone(),
            protocol: c.protocol,
            conn_id: c
                .conn_id
                .as_ref()
                .map(|b| String::from_utf8_lossy(b).into_owned()),
            conn_id_hex: c.conn_id.as_ref().map(hex::encode),
            ping_interval: c.ping_interval,
            ping_max_out: c.ping_max_out,
        }
    }
}

fn opt<T: ToString>(v: &Option<T>) -> String {
    v.as_ref().map(T::to_string).unwrap_or_else(|| "-".into())
}

pub fn run(
    cli: &Cli,
    cmd: &ClientsCommand,
    store: &mut dyn StoreReader,
) -> anyhow::Result<Outcome> {
    if let Some(why) = store.membership_unknown() {
        // Unknown is not none: no empty list, exit 1 with the reason.
        eprintln!("stanctl: error: {why}");
        return Ok(Outcome { problems: true });
    }
    let mut clients: Vec<ClientRow> = store.clients()?.iter().map(ClientRow::from).collect();
    clients.sort_by(|a, b| a.id.cmp(&b.id));
    if let ClientsCommand::Show { id } = cmd {
        clients.retain(|c| &c.id == id);
        if clients.is_empty() {
            return Err(StoreError::NoSuchClient(id.clone()).into());
        }
    }
    match (cli.format, cmd) {
        (Format::Json, ClientsCommand::Show { .. }) => output::print_json(&clients[0])?,
        (Format::Json | Format::Ndjson, _) => output::print_json_list(cli.format, &clients)?,
        (Format::Raw, _) => anyhow::bail!("--format raw is only for dump"),
        (Format::Table, _) => {
            let mut t = output::table(&[
                "client",
                "heartbeat inbox",
                "protocol",
                "conn id",
                "ping interval",
                "ping max out",
            ]);
            for c in &clients {
                t.add_row(vec![
                    c.id.clone(),
                    c.hb_inbox.clone(),
                    opt(&c.protocol),
                    opt(&c.conn_id),
                    opt(&c.ping_interval),
                    opt(&c.ping_max_out),
                ]);
            }
            output::print_fitted(&mut t, &[5, 4, 3, 2])?;
            if let ClientsCommand::Show { id } = cmd {
                let mut subs = Vec::new();
                for channel in store.channel_names()? {
                    subs.extend(
                        store
                            .subscriptions(&channel)?
                            .into_iter()
                            .filter(|s| &s.client_id == id),
                    );
                }
                if !subs.is_empty() {
                    let mut t = output::table(&[
                        "channel",
                        "sub id",
                        "durable",
                        "queue group",
                        "last sent",
                        "pending",
                    ]);
                    for s in subs {
                        t.add_row(vec![
                            s.channel.clone(),
                            s.id.to_string(),
                            s.durable_name.clone(),
                            s.queue_group.clone(),
                            s.last_sent.to_string(),
                            s.pending.len().to_string(),
                        ]);
                    }
                    output::print_table(&t)?;
                }
            }
        }
    }
    Ok(Outcome::default())
}
