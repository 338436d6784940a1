//! `stanctl dump --channel NAME|PATTERN`: messages of one channel or
//! several (merged by timestamp) as table, JSON lines, JSON or raw bytes.

use std::borrow::Cow;
use std::io::{IsTerminal, Write};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use clap::{Args, ValueEnum};

use stanctl::crypto::{likely_envelope, Cipher};
use stanctl::model::{MessageRange, MessageRef};
use stanctl::multichannel::{select_channels, Merged};
use stanctl::store::Visit;
use stanctl::{StoreError, StoreReader};

use super::output::{self, Format};
use super::range::RangeArgs;
use super::store_args::parse_duration;
use super::{Cli, Outcome};

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum PayloadEncoding {
    /// UTF-8 text when the payload is valid UTF-8, else base64.
    Auto,
    /// UTF-8 text (invalid bytes replaced by U+FFFD).
    Utf8,
    Base64,
    Hex,
}

#[derive(Debug, Args)]
pub struct DumpArgs {
    /// Channel to dump: a name, or a subject pattern with the server's
    /// wildcards (`orders.*` one token, `orders.>` or `>` the rest). Repeat
    /// it for more. Several channels are merged by timestamp (ties in
    /// channel name order, each channel in sequence order).
    #[arg(
        long,
        value_name = "NAME|PATTERN",
        required = true,
        help_heading = "Selection"
    )]
    pub channel: Vec<String>,
    /// With several channels: one channel after the other (by name), not
    /// merged by timestamp.
    #[arg(long, help_heading = "Selection")]
    pub by_channel: bool,
    #[command(flatten)]
    pub range: RangeArgs,
    /// Only the last N messages of each channel.
    #[arg(long, value_name = "N", help_heading = "Selection")]
    pub last: Option<u64>,
    /// How payloads are written in table and JSON output.
    #[arg(long, value_enum, default_value_t = PayloadEncoding::Auto, help_heading = "Output")]
    pub payload: PayloadEncoding,
    /// Keep reading as the server appends to the channel (a live file
    /// store, read-only), like `tail -f`, until SIGINT/SIGTERM. Starts with
    /// the selection, or the last 10 messages when none is given.
    #[arg(long, help_heading = "Follow")]
    pub follow: bool,
    /// With --follow: stop after this long without a new message (90s, 1m).
    #[arg(long, value_name = "DURATION", value_parser = parse_duration, requires = "follow", help_heading = "Follow")]
    pub follow_timeout: Option<i64>,
    /// Write --format raw even to a terminal.
    #[arg(long, help_heading = "Output")]
    pub force: bool,
}

/// Standard base64 (with padding) appended to `out`, SIMD where the CPU
/// has it: payloads are mostly binary, and base64 was the largest cost of
/// `--format ndjson`.
fn base64_into(data: &[u8], out: &mut Vec<u8>) {
    base64_simd::STANDARD.encode_append(data, out);
}

/// A payload as `dump` shows it.
pub enum Encoded<'a> {
    /// Text, escaped where it is written.
    Text(Cow<'a, str>),
    /// ASCII (base64 or hex) that needs no escaping, appended to the
    /// caller's buffer.
    Ascii,
}

/// Encode `data` as `how` says; returns the encoding used (`utf8`,
/// `base64` or `hex`) and the text, base64 and hex appended to `out`. One
/// place for the table and JSON output.
pub fn encode_payload<'a>(
    data: &'a [u8],
    how: PayloadEncoding,
    out: &mut Vec<u8>,
) -> (&'static str, Encoded<'a>) {
    match how {
        PayloadEncoding::Auto => match std::str::from_utf8(data) {
            Ok(s) => ("utf8", Encoded::Text(Cow::Borrowed(s))),
            Err(_) => {
                base64_into(data, out);
                ("base64", Encoded::Ascii)
            }
        },
        PayloadEncoding::Utf8 => ("utf8", Encoded::Text(String::from_utf8_lossy(data))),
        PayloadEncoding::Base64 => {
            base64_into(data, out);
            ("base64", Encoded::Ascii)
        }
        PayloadEncoding::Hex => {
            const DIGITS: &[u8; 16] = b"0123456789abcdef";
            out.reserve(2 * data.len());
            out.extend(
                data.iter()
                    .flat_map(|&b| [DIGITS[usize::from(b >> 4)], DIGITS[usize::from(b & 15)]]),
            );
            ("hex", Encoded::Ascii)
        }
    }
}

/// Writes messages as the JSON objects of the `dump` contract (README.md):
/// `{channel, seq, timestamp, subject, reply, size, payload, encoding}`,
/// plus `cipher` for an encrypted payload shown without its key (then
/// `encoding` is `encrypted` and `payload` the envelope in base64).
///
/// Objects are built by hand straight into one output buffer, written out
/// whenever it fills: base64 and hex need no escaping, the channel is
/// escaped when it changes, and a subject or reply is escaped only when it differs
/// from the previous message's (a channel's messages mostly share one
/// subject).
struct JsonRecords {
    how: PayloadEncoding,
    /// The channel of `head`.
    channel: String,
    /// `{"channel":"...","seq":`
    head: Vec<u8>,
    /// Objects not written out yet.
    pending: Vec<u8>,
    subject: Escaped,
    reply: Escaped,
}

/// A byte string and its JSON string form, kept for the next message.
#[derive(Default)]
struct Escaped {
    raw: Vec<u8>,
    json: Vec<u8>,
}

impl Escaped {
    fn json(&mut self, raw: &[u8]) -> serde_json::Result<&[u8]> {
        if self.json.is_empty() || !same_bytes(&self.raw, raw) {
            self.raw.clear();
            self.raw.extend_from_slice(raw);
            self.json.clear();
            serde_json::to_writer(&mut self.json, &String::from_utf8_lossy(raw))?;
        }
        Ok(&self.json)
    }
}

/// `a == b` in plain loads. Slice equality calls libc's `memcmp`, whose
/// AVX-512 masked loads on freshly read record bytes cost about 100 ns a
/// call here (measured: 40% of `dump --format ndjson` for a 13-byte
/// subject), while the bytes themselves are in cache.
fn same_bytes(a: &[u8], b: &[u8]) -> bool {
    let word = |c: &[u8]| c.first_chunk::<8>().map(|w| u64::from_ne_bytes(*w));
    let (mut x, mut y) = (a.chunks_exact(8), b.chunks_exact(8));
    a.len() == b.len()
        && x.by_ref().zip(y.by_ref()).all(|(p, q)| word(p) == word(q))
        && x.remainder().iter().zip(y.remainder()).all(|(p, q)| p == q)
}

impl JsonRecords {
    fn new(how: PayloadEncoding) -> serde_json::Result<Self> {
        Ok(JsonRecords {
            how,
            channel: String::new(),
            head: Vec::new(),
            pending: Vec::with_capacity(OUTPUT_BATCH + 4096),
            subject: Escaped::default(),
            reply: Escaped::default(),
        })
    }

    /// Write `m` between `before` and `after` (separators) to `out`.
    fn write(
        &mut self,
        out: &mut impl Write,
        before: &[u8],
        channel: &str,
        m: &MessageRef,
        encrypted: Option<Cipher>,
        after: &[u8],
    ) -> std::io::Result<()> {
        if self.head.is_empty() || self.channel != channel {
            // Escaped once per run of one channel's messages.
            self.channel.clear();
            self.channel.push_str(channel);
            self.head.clear();
            self.head.extend_from_slice(b"{\"channel\":");
            serde_json::to_writer(&mut self.head, channel)?;
            self.head.extend_from_slice(b",\"seq\":");
        }
        let mut numbers = itoa::Buffer::new();
        let line = &mut self.pending;
        line.extend_from_slice(before);
        line.extend_from_slice(&self.head);
        line.extend_from_slice(numbers.format(m.seq).as_bytes());
        line.extend_from_slice(b",\"timestamp\":");
        line.extend_from_slice(numbers.format(m.timestamp).as_bytes());
        line.extend_from_slice(b",\"subject\":");
        line.extend_from_slice(self.subject.json(m.subject)?);
        line.extend_from_slice(b",\"reply\":");
        line.extend_from_slice(self.reply.json(m.reply)?);
        line.extend_from_slice(b",\"size\":");
        line.extend_from_slice(numbers.format(m.data.len()).as_bytes());
        line.extend_from_slice(b",\"payload\":\"");
        let how = match encrypted {
            // Ciphertext is not data: say so, keep the envelope in base64.
            Some(_) => PayloadEncoding::Base64,
            None => self.how,
        };
        let (encoding, payload) = encode_payload(m.data, how, line);
        match payload {
            Encoded::Text(text) => {
                // serde writes its own quotes.
                line.pop();
                serde_json::to_writer(&mut *line, &text)?;
            }
            Encoded::Ascii => line.push(b'"'),
        }
        line.extend_from_slice(b",\"encoding\":\"");
        line.extend_from_slice(match encrypted {
            Some(_) => b"encrypted",
            None => encoding.as_bytes(),
        });
        line.push(b'"');
        if let Some(cipher) = encrypted {
            line.extend_from_slice(b",\"cipher\":\"");
            line.extend_from_slice(cipher.name().as_bytes());
            line.push(b'"');
        }
        line.push(b'}');
        line.extend_from_slice(after);
        if line.len() >= OUTPUT_BATCH {
            self.flush(out)?;
        }
        Ok(())
    }

    /// Write out what is pending.
    fn flush(&mut self, out: &mut impl Write) -> std::io::Result<()> {
        out.write_all(&self.pending)?;
        self.pending.clear();
        Ok(())
    }
}

/// Output written at a time by [`JsonRecords`].
const OUTPUT_BATCH: usize = 1 << 16;

/// The range of one channel: the selection, `--last` counted from the
/// channel's own last sequence. `None` for `--last 0`.
fn channel_range(
    args: &DumpArgs,
    range: MessageRange,
    store: &mut dyn StoreReader,
    channel: &str,
) -> anyhow::Result<Option<MessageRange>> {
    let mut range = range;
    if let Some(n) = args.last {
        if n == 0 {
            return Ok(None);
        }
        let last_seq = store.channel_stats(channel)?.counts.last_seq;
        let from = last_seq.saturating_sub(n.saturating_sub(1)).max(1);
        range.from_seq = Some(range.from_seq.map_or(from, |f| f.max(from)));
    }
    Ok(Some(range))
}

pub fn run(cli: &Cli, args: &DumpArgs, store: &mut dyn StoreReader) -> anyhow::Result<Outcome> {
    let range = args.range.range()?;
    if cli.format == Format::Raw && !args.force && std::io::stdout().is_terminal() {
        anyhow::bail!(
            "--format raw writes payload bytes, not for a terminal: redirect it (> file, | cmd) or give --force"
        );
    }
    // Before any header: a typo gets "did you mean", not an empty table.
    let channels = select_channels(store, &args.channel)?;
    let several = channels.len() > 1;
    if several && cli.format == Format::Raw {
        anyhow::bail!(
            "--channel selects {} channels, and --format raw writes payload bytes only, which cannot say \
             the channel of each message: dump one channel, or use --format ndjson",
            channels.len()
        );
    }
    if args.follow {
        return follow(cli, args, range, store, &channels);
    }
    let mut ranges = Vec::with_capacity(channels.len());
    for name in channels {
        if let Some(range) = channel_range(args, range, store, &name)? {
            ranges.push((name, range));
        }
    }
    let have_key = cli.store.encryption_key()?.is_some();
    let mut out = output::stdout();
    if cli.format == Format::Raw {
        let mut problems = false;
        for (channel, range) in &ranges {
            problems |= dump_raw(&mut out, store, channel, *range, have_key)?;
        }
        out.flush()?;
        return Ok(Outcome { problems });
    }
    let channel_width = ranges
        .iter()
        .map(|(name, _)| name.chars().count())
        .max()
        .unwrap_or(0)
        .min(30);
    let mut printer = Printer::new(
        cli,
        args.payload,
        have_key,
        several.then_some(channel_width),
    )?;
    printer.begin(&mut out)?;
    if !several || args.by_channel {
        for (channel, range) in &ranges {
            store.walk(
                channel,
                *range,
                Visit::Messages(&mut |item| printer.item(&mut out, channel, item)),
            )?;
        }
    } else {
        let names: Vec<String> = ranges.iter().map(|(name, _)| name.clone()).collect();
        for (i, item) in Merged::new(store, ranges) {
            match item {
                Ok(m) => printer.item(&mut out, &names[i], Ok(MessageRef::from(&m)))?,
                Err(e) => printer.item(&mut out, &names[i], Err(e))?,
            }
        }
    }
    printer.end(&mut out)?;
    Ok(Outcome {
        problems: printer.problems,
    })
}

/// `dump --follow`: the selection (default: the last 10 messages), then
/// every message the server appends, until a signal or the idle timeout.
fn follow(
    cli: &Cli,
    args: &DumpArgs,
    range: MessageRange,
    store: &mut dyn StoreReader,
    channels: &[String],
) -> anyhow::Result<Outcome> {
    let [channel] = channels else {
        anyhow::bail!(
            "--follow takes one channel; --channel selects {}",
            channels.len()
        );
    };
    let spec = cli.store.spec()?;
    let stanctl::open::StoreLocation::File(root) = &spec.location else {
        anyhow::bail!(
            "--follow reads a file store (--dir): a SQL store has no appended files to follow"
        );
    };
    if cli.store.encryption_key()?.is_some() {
        anyhow::bail!("--follow does not decrypt payloads yet: follow without the key (payloads are shown as encrypted) or dump without --follow");
    }
    let file_options = spec.file_options();
    let stop = Arc::new(AtomicBool::new(false));
    for signal in [signal_hook::consts::SIGINT, signal_hook::consts::SIGTERM] {
        signal_hook::flag::register(signal, Arc::clone(&stop))?;
    }
    let given = range != MessageRange::default() || args.last.is_some();
    let start = if given {
        channel_range(args, range, store, channel)?
    } else {
        let last = store.channel_stats(channel)?.counts.last_seq;
        Some(MessageRange {
            from_seq: Some(last.saturating_sub(9).max(1)),
            ..MessageRange::default()
        })
    };
    let after_seq = store.channel_stats(channel)?.counts.last_seq;
    let mut follower = stanctl::follow::Follower::new(
        root,
        channel,
        after_seq,
        stanctl::crc::Crc32::new(file_options.crc_poly),
        file_options.verify_crc,
    )?;
    let mut out = output::stdout();
    let raw = cli.format == Format::Raw;
    let mut printer = Printer::new(cli, args.payload, false, None)?;
    if !raw {
        printer.begin(&mut out)?;
    }
    if let Some(start) = start {
        store.walk(
            channel,
            start,
            Visit::Messages(&mut |item| match (raw, item) {
                (true, Ok(m)) => out.write_all(m.data),
                (_, item) => printer.item(&mut out, channel, item),
            }),
        )?;
    }
    printer.flush(&mut out)?;
    let mut idle_since = std::time::Instant::now();
    let timeout = args
        .follow_timeout
        .map(|ns| std::time::Duration::from_nanos(u64::try_from(ns).unwrap_or(0)));
    while !stop.load(Ordering::Relaxed) {
        let mut got = false;
        follower.poll(&mut |m| {
            got = true;
            if raw {
                out.write_all(&m.data)
            } else {
                printer.item(&mut out, channel, Ok(MessageRef::from(&m)))
            }
        })?;
        if got {
            printer.flush(&mut out)?;
            idle_since = std::time::Instant::now();
        } else if timeout.is_some_and(|t| idle_since.elapsed() >= t) {
            break;
        } else {
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
    }
    if !raw {
        printer.end(&mut out)?;
    }
    out.flush()?;
    Ok(Outcome {
        problems: printer.problems,
    })
}

/// `--format raw` of one channel: payload bytes only (the backend may skip
/// building messages). Returns whether a message could not be written.
fn dump_raw(
    out: &mut impl Write,
    store: &mut dyn StoreReader,
    channel: &str,
    range: MessageRange,
    have_key: bool,
) -> anyhow::Result<bool> {
    let mut problems = false;
    let mut warned_encrypted = false;
    let mut decrypt_failed = false;
    store.walk(channel, range, Visit::Payloads(&mut |item| match item {
        Ok(data) => match (have_key, likely_envelope(data)) {
            (false, Some(cipher)) => {
                if !warned_encrypted {
                    eprintln!(
                        "stanctl: error: payloads of {channel:?} are encrypted ({}); not writing ciphertext as data (give the key with --encryption-key-file or {})",
                        cipher.name(),
                        super::store_args::KEY_ENV
                    );
                    warned_encrypted = true;
                }
                problems = true;
                Ok(())
            }
            _ => out.write_all(data),
        },
        Err(e @ StoreError::Decrypt { .. }) => {
            // A wrong key fails every message: name the first only.
            if !decrypt_failed {
                eprintln!("stanctl: error: {e} (is the encryption key right?)");
                decrypt_failed = true;
            }
            problems = true;
            Ok(())
        }
        Err(e) => {
            eprintln!("stanctl: error: {channel}: {e}");
            problems = true;
            Ok(())
        }
    }))?;
    Ok(problems)
}

/// Writes messages in the table, ndjson or json form, each saying its
/// channel (the table has a channel column when there are several), and
/// reports the messages that cannot be read without stopping.
pub struct Printer {
    format: Format,
    payload: PayloadEncoding,
    quiet: bool,
    have_key: bool,
    /// Width of the table's channel column; `None`: one channel, no column.
    channel_width: Option<usize>,
    json: JsonRecords,
    buf: Vec<u8>,
    first: bool,
    warned_encrypted: bool,
    decrypt_failed: bool,
    /// A message could not be read.
    pub problems: bool,
}

impl Printer {
    pub fn new(
        cli: &Cli,
        payload: PayloadEncoding,
        have_key: bool,
        channel_width: Option<usize>,
    ) -> anyhow::Result<Self> {
        Ok(Printer {
            format: cli.format,
            payload,
            quiet: cli.quiet,
            have_key,
            channel_width,
            json: JsonRecords::new(payload)?,
            buf: Vec::new(),
            first: true,
            warned_encrypted: false,
            decrypt_failed: false,
            problems: false,
        })
    }

    /// The table header or the opening `[`.
    pub fn begin(&mut self, out: &mut impl Write) -> std::io::Result<()> {
        match self.format {
            Format::Table => {
                // Streamed as aligned lines: a table widget would hold every row.
                if let Some(width) = self.channel_width {
                    write!(out, "{:<width$}  ", "channel")?;
                }
                writeln!(
                    out,
                    "{:>10}  {:<30}  {:<20}  {:>8}  payload",
                    "seq", "time", "subject", "size"
                )
            }
            Format::Json => out.write_all(b"["),
            Format::Ndjson | Format::Raw => Ok(()),
        }
    }

    /// What is pending, and the closing `]`.
    pub fn end(&mut self, out: &mut impl Write) -> std::io::Result<()> {
        self.json.flush(out)?;
        if self.format == Format::Json {
            out.write_all(b"\n]\n")?;
        }
        out.flush()
    }

    /// Write out what is pending (`--follow`, after each poll).
    pub fn flush(&mut self, out: &mut impl Write) -> std::io::Result<()> {
        self.json.flush(out)?;
        out.flush()
    }

    /// One message of `channel`, or the error reading it (reported on
    /// stderr; the dump goes on: one bad record does not hide the others).
    pub fn item(
        &mut self,
        out: &mut impl Write,
        channel: &str,
        item: stanctl::Result<MessageRef<'_>>,
    ) -> std::io::Result<()> {
        let m = match item {
            Ok(m) => m,
            Err(e @ StoreError::Decrypt { .. }) => {
                // A wrong key fails every message: name the first only.
                if !self.decrypt_failed {
                    eprintln!("stanctl: error: {e} (is the encryption key right?)");
                    self.decrypt_failed = true;
                }
                self.problems = true;
                return Ok(());
            }
            Err(e) => {
                eprintln!("stanctl: error: {channel}: {e}");
                self.problems = true;
                return Ok(());
            }
        };
        let encrypted = if self.have_key {
            None
        } else {
            likely_envelope(m.data)
        };
        if let (Some(cipher), false) = (encrypted, self.warned_encrypted) {
            output::note(
                self.quiet,
                &format!(
                    "payloads of {channel:?} are encrypted ({}); give the key with \
                     --encryption-key-file or {} to decrypt them",
                    cipher.name(),
                    super::store_args::KEY_ENV
                ),
            );
            self.warned_encrypted = true;
        }
        match self.format {
            Format::Ndjson => {
                self.json.write(out, b"", channel, &m, encrypted, b"\n")?;
            }
            Format::Json => {
                let before: &[u8] = if self.first { b"\n" } else { b",\n" };
                self.json.write(out, before, channel, &m, encrypted, b"")?;
            }
            // Raw goes through dump_raw.
            Format::Table | Format::Raw => self.table_row(out, channel, &m, encrypted)?,
        }
        self.first = false;
        Ok(())
    }

    fn table_row(
        &mut self,
        out: &mut impl Write,
        channel: &str,
        m: &MessageRef<'_>,
        encrypted: Option<Cipher>,
    ) -> std::io::Result<()> {
        self.buf.clear();
        let mut payload = match encrypted {
            Some(c) => format!("<encrypted, {}>", c.name()),
            None => match encode_payload(m.data, self.payload, &mut self.buf).1 {
                Encoded::Text(text) => text.into_owned(),
                Encoded::Ascii => String::from_utf8_lossy(&self.buf).into_owned(),
            },
        };
        if payload.chars().count() > 60 {
            payload = payload.chars().take(57).collect::<String>() + "...";
        }
        let reply = if m.reply.is_empty() {
            String::new()
        } else {
            format!(" (reply {})", String::from_utf8_lossy(m.reply))
        };
        if let Some(width) = self.channel_width {
            write!(out, "{channel:<width$}  ")?;
        }
        writeln!(
            out,
            "{:>10}  {:<30}  {:<20}  {:>8}  {}{reply}",
            m.seq,
            stanctl::timefmt::format_ns(m.timestamp),
            String::from_utf8_lossy(m.subject),
            m.data.len(),
            payload.replace(['\n', '\r'], " ")
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::Engine as _;

    #[test]
    fn same_bytes_is_slice_equality() {
        let a: Vec<u8> = (0..40).collect();
        for len in 0..a.len() {
            let x = &a[..len];
            assert!(same_bytes(x, x));
            assert!(!same_bytes(x, &a[..len + 1]));
            for flip in 0..len {
                let mut y = x.to_vec();
                y[flip] ^= 0x80;
                assert!(!same_bytes(x, &y), "{len} {flip}");
            }
        }
    }

    #[test]
    fn base64_matches_the_base64_crate() {
        let mut buf = Vec::new();
        let mut seed = 1u64;
        for len in 0..600 {
            let data: Vec<u8> = (0..len)
                .map(|_| {
                    seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1);
                    (seed >> 56) as u8
                })
                .collect();
            buf.clear();
            buf.extend_from_slice(b"kept ");
            base64_into(&data, &mut buf);
            let want = base64::engine::general_purpose::STANDARD.encode(&data);
            assert_eq!(buf, [b"kept ", want.as_bytes()].concat(), "{len}");
        }
    }
}
