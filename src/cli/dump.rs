//! `stanctl dump --channel NAME`: messages as table, JSON lines, JSON or raw bytes.

use std::io::Write;

use base64::Engine as _;
use clap::{Args, ValueEnum};

use stanctl::crypto::{likely_envelope, Cipher};
use stanctl::model::{Message, MessageRange};
use stanctl::{StoreError, StoreReader};

use super::output::{self, Format};
use super::store_args::parse_time_arg;
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
    /// Channel to dump.
    #[arg(long)]
    pub channel: String,
    /// First sequence (inclusive).
    #[arg(long, value_name = "SEQ")]
    pub from_seq: Option<u64>,
    /// Last sequence (inclusive).
    #[arg(long, value_name = "SEQ")]
    pub to_seq: Option<u64>,
    /// Only messages at or after this time (RFC 3339 or ns since the epoch).
    #[arg(long, value_name = "TIME", value_parser = parse_time_arg)]
    pub since: Option<i64>,
    /// Only messages at or before this time.
    #[arg(long, value_name = "TIME", value_parser = parse_time_arg)]
    pub until: Option<i64>,
    /// Only the last N messages of the channel.
    #[arg(long, value_name = "N")]
    pub last: Option<u64>,
    /// How payloads are written in table and JSON output.
    #[arg(long, value_enum, default_value_t = PayloadEncoding::Auto)]
    pub payload: PayloadEncoding,
}

/// Write `data` into `buf` as `how` says; returns the encoding used
/// (`utf8`, `base64` or `hex`). One place for the table and JSON output.
pub fn encode_payload(data: &[u8], how: PayloadEncoding, buf: &mut String) -> &'static str {
    use base64::engine::general_purpose::STANDARD;
    buf.clear();
    match how {
        PayloadEncoding::Auto => match std::str::from_utf8(data) {
            Ok(s) => {
                buf.push_str(s);
                "utf8"
            }
            Err(_) => {
                STANDARD.encode_string(data, buf);
                "base64"
            }
        },
        PayloadEncoding::Utf8 => {
            buf.push_str(&String::from_utf8_lossy(data));
            "utf8"
        }
        PayloadEncoding::Base64 => {
            STANDARD.encode_string(data, buf);
            "base64"
        }
        PayloadEncoding::Hex => {
            buf.push_str(&hex::encode(data));
            "hex"
        }
    }
}

/// Write one message as the JSON object of the `dump` contract (README.md):
/// `{channel, seq, timestamp, subject, reply, size, payload, encoding}`,
/// plus `cipher` for an encrypted payload shown without its key (then
/// `encoding` is `encrypted` and `payload` the envelope in base64).
/// Written by hand: base64 and hex need no escaping, and serde's escaping
/// scan was the largest cost of `--format ndjson`. `buf` is reused.
fn write_record(
    out: &mut impl Write,
    channel: &str,
    m: &Message,
    how: PayloadEncoding,
    encrypted: Option<Cipher>,
    buf: &mut String,
) -> anyhow::Result<()> {
    let encoding = match encrypted {
        // Ciphertext is not data: say so, keep the envelope in base64.
        Some(_) => {
            buf.clear();
            base64::engine::general_purpose::STANDARD.encode_string(&m.data, buf);
            "encrypted"
        }
        None => encode_payload(&m.data, how, buf),
    };
    out.write_all(b"{\"channel\":")?;
    serde_json::to_writer(&mut *out, channel)?;
    // serde_json prints integers with itoa, faster than fmt.
    out.write_all(b",\"seq\":")?;
    serde_json::to_writer(&mut *out, &m.seq)?;
    out.write_all(b",\"timestamp\":")?;
    serde_json::to_writer(&mut *out, &m.timestamp)?;
    out.write_all(b",\"subject\":")?;
    serde_json::to_writer(&mut *out, &m.subject)?;
    out.write_all(b",\"reply\":")?;
    serde_json::to_writer(&mut *out, &m.reply)?;
    out.write_all(b",\"size\":")?;
    serde_json::to_writer(&mut *out, &m.data.len())?;
    out.write_all(b",\"payload\":")?;
    if encoding == "utf8" {
        serde_json::to_writer(&mut *out, buf.as_str())?;
    } else {
        out.write_all(b"\"")?;
        out.write_all(buf.as_bytes())?;
        out.write_all(b"\"")?;
    }
    write!(out, ",\"encoding\":\"{encoding}\"")?;
    if let Some(cipher) = encrypted {
        write!(out, ",\"cipher\":\"{}\"", cipher.name())?;
    }
    out.write_all(b"}")?;
    Ok(())
}

pub fn run(cli: &Cli, args: &DumpArgs, store: &mut dyn StoreReader) -> anyhow::Result<Outcome> {
    let mut range = MessageRange {
        from_seq: args.from_seq,
        to_seq: args.to_seq,
        since_ns: args.since,
        until_ns: args.until,
    };
    if let Some(n) = args.last {
        let stats = store.channel_stats(&args.channel)?;
        let from = stats.last_seq.saturating_sub(n.saturating_sub(1)).max(1);
        range.from_seq = Some(range.from_seq.map_or(from, |f| f.max(from)));
        if n == 0 {
            return Ok(Outcome::default());
        }
    }
    let channel = args.channel.as_str();
    let have_key = cli.store.encryption_key()?.is_some();
    let mut warned_encrypted = false;
    let mut out = output::stdout();
    if cli.format == Format::Table {
        // Streamed as aligned lines: a table widget would hold every row.
        writeln!(
            out,
            "{:>10}  {:<30}  {:<20}  {:>8}  payload",
            "seq", "time", "subject", "size"
        )?;
    }
    let mut problems = false;
    let mut first = true;
    let mut buf = String::new();
    if cli.format == Format::Json {
        out.write_all(b"[")?;
    }
    if cli.format == Format::Raw {
        // Payload bytes only: the backend may skip building messages.
        let mut decrypt_failed = false;
        store.for_each_payload(channel, range, &mut |item| match item {
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
        })?;
        out.flush()?;
        return Ok(Outcome { problems });
    }
    for item in store.messages(channel, range)? {
        let m = match item {
            Ok(m) => m,
            Err(e @ StoreError::Decrypt { .. }) => {
                // A wrong key fails every message: name the first, stop.
                eprintln!("stanctl: error: {e} (is the encryption key right?)");
                problems = true;
                break;
            }
            Err(e) => {
                // One bad record does not hide the others.
                eprintln!("stanctl: error: {channel}: {e}");
                problems = true;
                continue;
            }
        };
        let encrypted = if have_key {
            None
        } else {
            likely_envelope(&m.data)
        };
        if let (Some(cipher), false) = (encrypted, warned_encrypted) {
            eprintln!(
                "stanctl: note: payloads of {channel:?} are encrypted ({}); give the key with \
                 --encryption-key-file or {} to decrypt them",
                cipher.name(),
                super::store_args::KEY_ENV
            );
            warned_encrypted = true;
        }
        match cli.format {
            Format::Raw if encrypted.is_some() => {
                eprintln!("stanctl: error: {channel} seq {}: payload is encrypted; not writing ciphertext as data", m.seq);
                problems = true;
            }
            Format::Raw => out.write_all(&m.data)?,
            Format::Ndjson => {
                write_record(&mut out, channel, &m, args.payload, encrypted, &mut buf)?;
                out.write_all(b"\n")?;
            }
            Format::Json => {
                out.write_all(if first { b"\n" } else { b",\n" })?;
                write_record(&mut out, channel, &m, args.payload, encrypted, &mut buf)?;
            }
            Format::Table => {
                let mut payload = match encrypted {
                    Some(c) => format!("<encrypted, {}>", c.name()),
                    None => {
                        encode_payload(&m.data, args.payload, &mut buf);
                        buf.clone()
                    }
                };
                if payload.chars().count() > 60 {
                    payload = payload.chars().take(57).collect::<String>() + "...";
                }
                let reply = if m.reply.is_empty() {
                    String::new()
                } else {
                    format!(" (reply {})", m.reply)
                };
                writeln!(
                    out,
                    "{:>10}  {:<30}  {:<20}  {:>8}  {}{reply}",
                    m.seq,
                    stanctl::timefmt::format_ns(m.timestamp),
                    m.subject,
                    m.data.len(),
                    payload.replace(['\n', '\r'], " ")
                )?;
            }
        }
        first = false;
    }
    if cli.format == Format::Json {
        out.write_all(b"\n]\n")?;
    }
    out.flush()?;
    Ok(Outcome { problems })
}
