//! `stanctl migrate to-jetstream`: channels → streams, durables →
//! consumers, on a running nats-server, from a store read offline.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use anyhow::bail;
use clap::{Args, ValueEnum};
use serde::Serialize;

use stanctl::crypto::likely_envelope;
use stanctl::jetstream::{
    self, ConnectionOptions, ConsumerAction, ConsumerKind, Delivery, JetStreamError,
    MigrationReport, NatsContext, Plan, PlanOptions, RunOptions, VerifyReport,
    DEFAULT_DELIVER_SUBJECT_PREFIX,
};
use stanctl::migrate::{NoProgress, Progress};
use stanctl::model::MessageRange;
use stanctl::StoreReader;

use super::output::{self, Format};
use super::progress::Bars;
use super::{Cli, Outcome};

#[derive(Debug, Args)]
pub struct JetStreamArgs {
    /// Target nats-server(s): nats://HOST:PORT (tls://... for TLS), comma-separated.
    #[arg(long, value_name = "URL", env = "NATS_URL")]
    pub server: Option<String>,

    /// natscli context to connect with (~/.config/nats/context/NAME.json);
    /// without it, the one selected with `nats context select`. Options and
    /// NATS_* variables given override it.
    #[arg(long, value_name = "NAME", env = "NATS_CONTEXT")]
    pub context: Option<String>,

    /// Credentials file (JWT and NKey seed).
    #[arg(long, value_name = "FILE", env = "NATS_CREDS")]
    pub creds: Option<PathBuf>,

    /// File holding an NKey seed (an NKey user).
    #[arg(long, value_name = "FILE", env = "NATS_NKEY")]
    pub nkey: Option<PathBuf>,

    /// User name (with --password).
    #[arg(long, value_name = "USER")]
    pub user: Option<String>,

    /// Password (with --user).
    #[arg(long, value_name = "PASSWORD")]
    pub password: Option<String>,

    /// Authentication token.
    #[arg(long, value_name = "TOKEN")]
    pub token: Option<String>,

    /// CA certificate to verify the server with.
    #[arg(long, value_name = "FILE")]
    pub tls_ca: Option<PathBuf>,

    /// Client certificate (with --tls-key).
    #[arg(long, value_name = "FILE")]
    pub tls_cert: Option<PathBuf>,

    /// Client certificate key (with --tls-cert).
    #[arg(long, value_name = "FILE")]
    pub tls_key: Option<PathBuf>,

    /// Print the plan (streams, limits, consumers) and change nothing; needs no server.
    #[arg(long)]
    pub dry_run: bool,

    /// Only these channels (repeatable; subject wildcards allowed).
    #[arg(long = "channel", value_name = "NAME")]
    pub channels: Vec<String>,

    /// Only subscriptions of these client ids (repeatable).
    #[arg(long = "client", value_name = "ID")]
    pub clients: Vec<String>,

    /// Name the stream of a channel, instead of the naming rule (repeatable).
    #[arg(long = "stream-name", value_name = "CHANNEL=NAME", value_parser = parse_stream_name)]
    pub stream_names: Vec<(String, String)>,

    /// Prepended to every stream name made by the rule.
    #[arg(long, value_name = "PREFIX", default_value = "")]
    pub stream_prefix: String,

    /// Prepended verbatim to every subject (e.g. "migrated.").
    #[arg(long, value_name = "PREFIX", default_value = "")]
    pub subject_prefix: String,

    /// Stream replicas (clustered JetStream).
    #[arg(long, value_name = "N", default_value_t = 1)]
    pub replicas: usize,

    /// Make unlimited streams instead of carrying the channels' limits over.
    #[arg(long)]
    pub no_limits: bool,

    /// Publishes awaiting their acknowledgement at most.
    #[arg(long, value_name = "N", default_value_t = 256)]
    pub max_pending_acks: usize,

    /// Migrate messages only, no consumers.
    #[arg(long)]
    pub no_consumers: bool,

    /// Consumers the applications pull from, or push consumers that send to
    /// a deliver subject (a queue group's to its deliver group).
    #[arg(long, value_name = "KIND", value_enum, default_value_t = ConsumerKindArg::Pull)]
    pub consumer_kind: ConsumerKindArg,

    /// Push consumers: deliver subject = PREFIX + stream + "." + consumer.
    #[arg(long, value_name = "PREFIX", default_value = DEFAULT_DELIVER_SUBJECT_PREFIX)]
    pub deliver_subject_prefix: String,

    /// Do not set streams' first sequence, even on nats-server 2.10+
    /// (JetStream sequences then start at 1; the mapping is reported).
    #[arg(long)]
    pub no_first_seq: bool,

    /// Afterwards, compare every stream message and consumer with the store.
    #[arg(long)]
    pub verify: bool,

    /// Copy payloads as stored even when they look encrypted and no key is given.
    #[arg(long)]
    pub keep_encrypted: bool,

    /// Channels exported at once, each one ordered publisher with its own
    /// store reader [default: the core count, at most 16].
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..))]
    pub parallel: Option<u16>,

    /// Bound of every request to the server.
    #[arg(long, value_name = "DURATION", default_value = "10s", value_parser = parse_timeout)]
    pub timeout: Duration,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ConsumerKindArg {
    Pull,
    Push,
}

fn parse_stream_name(s: &str) -> anyhow::Result<(String, String)> {
    match s.rsplit_once('=') {
        Some((c, n)) if !c.is_empty() && !n.is_empty() => Ok((c.to_string(), n.to_string())),
        _ => bail!("{s:?}: expected CHANNEL=NAME"),
    }
}

fn parse_timeout(s: &str) -> anyhow::Result<Duration> {
    match stanctl::config::parse_duration_ns(s) {
        Some(ns) if ns > 0 => Ok(Duration::from_nanos(ns as u64)),
        _ => bail!("{s:?}: expected a duration like 10s"),
    }
}

/// The library names no option: add the ones that answer its error.
fn with_options(e: JetStreamError) -> anyhow::Error {
    let options = match &e {
        JetStreamError::ForeignStream { .. } => "--stream-name CHANNEL=NAME, --stream-prefix",
        JetStreamError::StreamName { .. } => "--stream-name",
        JetStreamError::StreamPrefix(_) => "--stream-prefix",
        JetStreamError::ConsumerDelivery { .. } => "--consumer-kind, --deliver-subject-prefix",
        JetStreamError::DeliverSubject { .. } => "--deliver-subject-prefix",
        JetStreamError::Unpaired { .. } => "--user with --password, --tls-cert with --tls-key",
        JetStreamError::ServerAddress { .. } => "--server",
        JetStreamError::ContextName(_) | JetStreamError::ContextDomain(_) => "--context",
        // Keeps the store's own error, and the hints the CLI has for it.
        JetStreamError::Store(_) => match e {
            JetStreamError::Store(inner) => return inner.into(),
            other => return other.into(),
        },
        _ => return e.into(),
    };
    anyhow::anyhow!("{e} ({options})")
}

/// Refuse to copy ciphertext by mistake: the first message of each channel
/// is checked when no key is given.
fn check_plaintext(store: &mut dyn StoreReader, plan: &Plan) -> anyhow::Result<()> {
    for sp in plan.streams.iter().filter(|s| s.counts.msgs > 0) {
        let first = store
            .messages(&sp.channel, MessageRange::default())?
            .next()
            .transpose()?;
        if let Some(cipher) = first.and_then(|m| likely_envelope(&m.data)) {
            bail!(
                "payloads of channel {:?} look encrypted ({}): give the key (--encryption-key-file or \
                 NATS_STREAMING_ENCRYPTION_KEY), or --keep-encrypted to copy them as stored",
                sp.channel,
                cipher.name()
            );
        }
    }
    Ok(())
}

fn limit(v: i64) -> String {
    if v < 0 {
        "unlimited".into()
    } else {
        v.to_string()
    }
}

fn age(ns: i64) -> String {
    if ns <= 0 {
        "unlimited".into()
    } else if ns % 1_000_000_000 == 0 {
        format!("{}s", ns / 1_000_000_000)
    } else {
        format!("{ns}ns")
    }
}

fn kind_text(k: ConsumerKind) -> &'static str {
    match k {
        ConsumerKind::Durable => "durable",
        ConsumerKind::DurableQueue => "durable queue",
    }
}

fn seq_list(seqs: &[u64]) -> String {
    const SHOWN: usize = 12;
    let mut s: Vec<String> = seqs.iter().take(SHOWN).map(u64::to_string).collect();
    if seqs.len() > SHOWN {
        s.push(format!("… ({} in all)", seqs.len()));
    }
    s.join(",")
}

/// How a consumer delivers, in words.
fn delivery(subject: &Option<String>, group: &Option<String>) -> String {
    jetstream::consumers::delivery_text(subject.as_deref(), group.as_deref())
}

/// A table of a row per item of every stream (its consumers, its skipped
/// subscriptions), printed only when there is a row.
fn print_per_stream<S, T>(
    streams: &[S],
    items: impl Fn(&S) -> &[T],
    header: &[&str],
    row: impl Fn(&S, &T) -> Vec<String>,
) -> anyhow::Result<()> {
    let mut t = output::table(header);
    for s in streams {
        for item in items(s) {
            t.add_row(row(s, item));
        }
    }
    if !t.is_empty() {
        output::print_table(&t)?;
    }
    Ok(())
}

fn print_plan(plan: &Plan) -> anyhow::Result<()> {
    let mut t = output::table(&[
        "channel",
        "stream",
        "subject",
        "msgs",
        "stan seqs",
        "max msgs",
        "max bytes",
        "max age",
        "consumers",
        "skipped subs",
    ]);
    for s in &plan.streams {
        t.add_row(vec![
            s.channel.clone(),
            s.stream.clone(),
            s.subject.clone(),
            s.counts.msgs.to_string(),
            format!("{}..{}", s.counts.first_seq, s.counts.last_seq),
            limit(s.limits.max_msgs),
            limit(s.limits.max_bytes),
            age(s.limits.max_age_ns),
            s.consumers.len().to_string(),
            s.skipped.len().to_string(),
        ]);
    }
    output::print_table(&t)?;
    print_per_stream(
        &plan.streams,
        |s| &s.consumers,
        &[
            "stream",
            "consumer",
            "kind",
            "delivery",
            "stan durable",
            "clients",
            "redelivered first",
            "then from",
            "ack wait",
            "max ack pending",
        ],
        |s, c| {
            vec![
                s.stream.clone(),
                c.name.clone(),
                kind_text(c.kind).to_string(),
                delivery(&c.deliver_subject, &c.deliver_group),
                c.stan_key.clone(),
                c.clients.join(","),
                seq_list(&c.pending),
                c.next_new_seq.to_string(),
                format!("{}s", c.ack_wait_s),
                c.max_ack_pending.to_string(),
            ]
        },
    )?;
    print_per_stream(
        &plan.streams,
        |s| &s.skipped,
        &["channel", "sub id", "client", "kind", "skipped because"],
        |s, k| {
            vec![
                s.channel.clone(),
                k.id.to_string(),
                k.client_id.clone(),
                k.kind.to_string(),
                k.reason.clone(),
            ]
        },
    )?;
    for s in &plan.streams {
        for n in &s.notes {
            println!("note: {} → {}: {n}", s.channel, s.stream);
        }
    }
    println!(
        "plan for cluster {:?}: {} streams, {} messages, {} consumers, {} subscriptions skipped; \
         streams start at the channel's first sequence on nats-server 2.10+",
        plan.cluster_id,
        plan.totals.streams,
        plan.totals.msgs,
        plan.totals.consumers,
        plan.totals.skipped_subscriptions
    );
    Ok(())
}

#[derive(Serialize)]
struct Summary<'a> {
    #[serde(flatten)]
    report: &'a MigrationReport,
    seconds: f64,
}

fn print_report(report: &MigrationReport, seconds: f64) -> anyhow::Result<()> {
    let mut t = output::table(&[
        "channel",
        "stream",
        "published",
        "already there",
        "stream seqs",
        "sequences",
        "consumers",
    ]);
    for s in &report.streams {
        let seqs = if s.seq_preserved {
            "= STAN".to_string()
        } else {
            "mapped (see below)".to_string()
        };
        t.add_row(vec![
            s.channel.clone(),
            s.stream.clone(),
            s.published.to_string(),
            s.already_present.to_string(),
            format!("{}..{}", s.js_first_seq, s.js_last_seq),
            seqs,
            s.consumers.len().to_string(),
        ]);
    }
    output::print_table(&t)?;
    print_per_stream(
        &report.streams,
        |s| &s.consumers,
        &[
            "stream",
            "consumer",
            "delivery",
            "stan durable",
            "action",
            "redelivered first",
            "then from",
        ],
        |s, c| {
            vec![
                s.stream.clone(),
                c.name.clone(),
                delivery(&c.deliver_subject, &c.deliver_group),
                c.stan_key.clone(),
                match c.action {
                    ConsumerAction::Created => "created",
                    ConsumerAction::Recreated => "recreated",
                    ConsumerAction::Exists => "exists",
                    ConsumerAction::SkippedForeign => "left alone (not stanctl's)",
                }
                .to_string(),
                seq_list(&c.pending_js),
                c.next_new_js.to_string(),
            ]
        },
    )?;
    for s in &report.streams {
        if !s.seq_preserved {
            for r in &s.seq_mapping {
                println!(
                    "mapping: {} STAN seq {}..{} = JetStream seq {}..{}",
                    s.stream,
                    r.stan_first,
                    r.stan_last,
                    r.js_first,
                    r.js_first + (r.stan_last - r.stan_first)
                );
            }
        }
        for n in &s.notes {
            println!("note: {}: {n}", s.stream);
        }
    }
    let t = &report.totals;
    let rate = if seconds > 0.0 {
        t.published as f64 / seconds
    } else {
        0.0
    };
    println!(
        "migrated cluster {:?} to {} (nats-server {}): {} streams, {} messages published ({} already there), \
         {} consumers created, {} existing, {} left alone, {} subscriptions skipped, in {:.2}s ({:.0} msgs/s)",
        report.cluster_id,
        report.server,
        report.server_version,
        t.streams,
        t.published,
        t.already_present,
        t.consumers_created,
        t.consumers_existing,
        t.consumers_skipped,
        t.skipped_subscriptions,
        seconds,
        rate
    );
    if let Some(v) = &report.verify {
        print_verify(v)?;
    }
    Ok(())
}

fn print_verify(v: &VerifyReport) -> anyhow::Result<()> {
    let mut t = output::table(&[
        "stream",
        "source msgs",
        "stream msgs",
        "stream seqs",
        "stan seqs",
        "seq = stan",
        "consumers",
        "differences",
    ]);
    for s in &v.streams {
        t.add_row(vec![
            s.stream.clone(),
            s.source_msgs.to_string(),
            s.stream_msgs.to_string(),
            format!("{}..{}", s.js_first_seq, s.js_last_seq),
            format!("{}..{}", s.stan_first_seq, s.stan_last_seq),
            if s.seq_preserved { "yes" } else { "no" }.to_string(),
            s.consumers_checked.to_string(),
            s.differences.to_string(),
        ]);
    }
    output::print_table(&t)?;
    for d in &v.differences {
        eprintln!("stanctl: difference: {d}");
    }
    println!(
        "verify: {} ({} differences)",
        if v.ok { "OK" } else { "FAILED" },
        v.difference_count
    );
    Ok(())
}

pub fn run(cli: &Cli, args: &JetStreamArgs) -> anyhow::Result<Outcome> {
    if matches!(cli.format, Format::Raw) {
        bail!("--format raw is only for dump");
    }
    let have_key = cli.store.encryption_key()?.is_some();
    let spec = cli.store.spec()?;
    let mut store = spec.open_reader().map_err(super::store_args::open_error)?;
    let plan_opts = PlanOptions {
        channels: args.channels.clone(),
        clients: args.clients.clone(),
        stream_prefix: args.stream_prefix.clone(),
        subject_prefix: args.subject_prefix.clone(),
        stream_names: args.stream_names.iter().cloned().collect(),
        replicas: args.replicas.max(1),
        no_limits: args.no_limits,
        delivery: match args.consumer_kind {
            ConsumerKindArg::Pull => Delivery::Pull,
            ConsumerKindArg::Push => Delivery::Push,
        },
        deliver_subject_prefix: args.deliver_subject_prefix.clone(),
    };
    let plan = jetstream::build_plan(store.as_mut(), &plan_opts).map_err(with_options)?;
    if !have_key && !args.keep_encrypted {
        check_plaintext(store.as_mut(), &plan)?;
    }
    if args.dry_run {
        match cli.format {
            Format::Table => print_plan(&plan)?,
            _ => output::print_json(&plan)?,
        }
        let problems = output::report_findings(&store.findings(), cli.verbose, cli.quiet);
        return Ok(Outcome { problems });
    }
    let mut conn = ConnectionOptions {
        server: args.server.clone().unwrap_or_default(),
        creds: args.creds.clone(),
        nkey: args.nkey.clone(),
        user: args.user.clone(),
        password: args.password.clone(),
        token: args.token.clone(),
        tls_ca: args.tls_ca.clone(),
        tls_cert: args.tls_cert.clone(),
        tls_key: args.tls_key.clone(),
        timeout: args.timeout,
    };
    if let Some((_, context)) = NatsContext::load(args.context.as_deref()).map_err(with_options)? {
        context.fill(&mut conn);
    }
    if conn.server.is_empty() {
        bail!(
            "--server URL is needed (or NATS_URL, or a nats context with a url), unless --dry-run"
        );
    }
    let opts = RunOptions {
        max_pending_acks: args.max_pending_acks.max(1),
        consumers: !args.no_consumers,
        use_first_seq: !args.no_first_seq,
        verify: args.verify,
        timeout: args.timeout,
        parallel: args
            .parallel
            .map_or_else(jetstream::default_parallel, usize::from),
    };
    let started = Instant::now();
    let show_progress = !cli.quiet && std::io::stderr().is_terminal();
    let mut bars;
    let mut silent = NoProgress;
    let progress: &mut dyn Progress = if show_progress {
        bars = Bars::new(plan.totals.msgs);
        &mut bars
    } else {
        &mut silent
    };
    let open = || spec.open_reader();
    let report = jetstream::migrate(&open, &plan, &conn, &opts, progress).map_err(with_options)?;
    let seconds = started.elapsed().as_secs_f64();
    let source_problems = output::report_findings(&store.findings(), cli.verbose, cli.quiet);
    match cli.format {
        Format::Table => print_report(&report, seconds)?,
        _ => output::print_json(&Summary {
            report: &report,
            seconds,
        })?,
    }
    Ok(Outcome {
        problems: source_problems || report.verify.as_ref().is_some_and(|v| !v.ok),
    })
}
