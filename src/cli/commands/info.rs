//! `stanctl info`: identity and totals of a store.

use serde::Serialize;

use stanctl::model::ClusterInfo;
use stanctl::StoreReader;

use super::output::{self, Format};
use super::store_args::StoreLocation;
use super::{Cli, Outcome};

/// The JSON contract of `info` (README.md).
#[derive(Debug, Serialize)]
pub struct InfoRecord {
    pub store: String,
    pub cluster_id: Option<String>,
    pub node_id: Option<String>,
    pub channels: usize,
    pub msgs: u64,
    pub bytes: u64,
    /// Null when unknown (a cluster node read without its Raft log or key):
    /// see `notes`.
    pub clients: Option<usize>,
    pub subscriptions: Option<usize>,
    /// File store only: the format version in every file header.
    pub format_version: Option<u32>,
    /// File store only: bytes of all files under the root.
    pub disk_bytes: Option<u64>,
    /// Cluster node read with its Raft log: node, peers, log position.
    pub cluster: Option<ClusterInfo>,
    /// Why a value is null.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
}

fn disk_usage(root: &std::path::Path) -> u64 {
    let mut total = 0;
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            match entry.metadata() {
                Ok(m) if m.is_dir() => stack.push(entry.path()),
                Ok(m) => total += m.len(),
                Err(_) => {}
            }
        }
    }
    total
}

fn count_text(n: Option<usize>) -> String {
    n.map_or_else(|| "unknown".into(), |n| n.to_string())
}

pub fn run(
    cli: &Cli,
    location: &StoreLocation,
    store: &mut dyn StoreReader,
) -> anyhow::Result<Outcome> {
    let server = store.server_info()?;
    let names = store.channel_names()?;
    let unknown = store.membership_unknown();
    let (mut msgs, mut bytes, mut subscriptions) = (0, 0, 0);
    for name in &names {
        let stats = store.channel_stats(name)?;
        msgs += stats.counts.msgs;
        bytes += stats.counts.bytes;
        if unknown.is_none() {
            subscriptions += store.subscriptions(name)?.len();
        }
    }
    let (clients, subscriptions) = match unknown {
        Some(_) => (None, None),
        None => (Some(store.clients()?.len()), Some(subscriptions)),
    };
    let backend = store.backend();
    // The directory the options resolved to (--dir or the config's dir).
    let root = match location {
        StoreLocation::File(dir) => Some(dir.as_path()),
        StoreLocation::Sql { .. } => None,
    };
    let record = InfoRecord {
        store: backend.to_string(),
        cluster_id: server.as_ref().map(|s| s.cluster_id.clone()),
        node_id: server.as_ref().and_then(|s| s.node_id.clone()),
        channels: names.len(),
        msgs,
        bytes,
        clients,
        subscriptions,
        notes: unknown.into_iter().collect(),
        format_version: backend.is_file().then_some(1),
        cluster: store.cluster(),
        disk_bytes: root.map(disk_usage),
    };
    match cli.format {
        Format::Json | Format::Ndjson => output::print_json(&record)?,
        Format::Raw => anyhow::bail!("--format raw is only for dump"),
        Format::Table => {
            let mut t = output::table(&["field", "value"]);
            let opt = |v: &Option<String>| v.clone().unwrap_or_else(|| "-".into());
            for (k, v) in [
                ("store", record.store.clone()),
                ("cluster id", opt(&record.cluster_id)),
                ("node id", opt(&record.node_id)),
                ("channels", record.channels.to_string()),
                ("messages", record.msgs.to_string()),
                ("bytes", record.bytes.to_string()),
                ("clients", count_text(record.clients)),
                ("subscriptions", count_text(record.subscriptions)),
                (
                    "format version",
                    record
                        .format_version
                        .map(|v| v.to_string())
                        .unwrap_or("-".into()),
                ),
                (
                    "disk bytes",
                    record
                        .disk_bytes
                        .map(|v| v.to_string())
                        .unwrap_or("-".into()),
                ),
            ] {
                t.add_row(vec![k.to_string(), v]);
            }
            if let Some(c) = &record.cluster {
                for (k, v) in [
                    ("raft log", c.raft_dir.clone()),
                    ("peers", c.peers.join(", ")),
                    (
                        "last index / term",
                        format!("{} / {}", c.last_index, c.last_term),
                    ),
                    (
                        "snapshot index",
                        c.snapshot_index
                            .map(|i| i.to_string())
                            .unwrap_or("-".into()),
                    ),
                    (
                        "committed up to (at least)",
                        c.commit_lower_bound.to_string(),
                    ),
                ] {
                    t.add_row(vec![k.to_string(), v]);
                }
            }
            output::print_table(&t)?;
            for note in &record.notes {
                output::note(cli.quiet, note);
            }
        }
    }
    Ok(Outcome::default())
}
