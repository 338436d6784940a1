//! `stanctl dump --channel NAME`: messages as table, JSON lines, JSON or raw bytes.

use std::borrow::Cow;
use std::io::Write;

use clap::{Args, ValueEnum};

use stanctl::crypto::{likely_envelope, Cipher};
use stanctl::model::{MessageRange, MessageRef};
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

/// Standard base64 (with padding) appended to `out`. Two characters per
/// table lookup, written in place: payloads are mostly binary, and base64
/// was the largest cost of `--format ndjson`.
fn base64_into(data: &[u8], out: &mut Vec<u8>) {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    /// Every 12-bit value as its two characters.
    static PAIRS: [[u8; 2]; 4096] = {
        let mut t = [[0u8; 2]; 4096];
        let mut i = 0;
        while i < 4096 {
            t[i] = [ALPHABET[i >> 6], ALPHABET[i & 63]];
            i += 1;
        }
        t
    };
    let start = out.len();
    out.resize(start + data.len().div_ceil(3) * 4, b'=');
    let dst = &mut out[start..];
    let triples = data.chunks_exact(3);
    let rest = triples.remainder();
    let mut quads = dst.chunks_exact_mut(4);
    for (t, q) in triples.zip(&mut quads) {
        let n = (usize::from(t[0]) << 16) | (usize::from(t[1]) << 8) | usize::from(t[2]);
        q[..2].copy_from_slice(&PAIRS[n >> 12]);
        q[2..].copy_from_slice(&PAIRS[n & 0xFFF]);
    }
    // The last one or two bytes; the '=' padding is in place already.
    if let Some(q) = quads.next() {
        match *rest {
            [a] => q[..2].copy_from_slice(&PAIRS[usize::from(a) << 4]),
            [a, b] => {
                let n = (usize::from(a) << 10) | (usize::from(b) << 2);
                q[..2].copy_from_slice(&PAIRS[n >> 6]);
                q[2] = ALPHABET[n & 63];
            }
            _ => {}
        }
    }
}

/// A payload as `dump` shows it.
pub enum Encoded<'a> {
    /// Text, escaped where it is written.
    Text(Cow<'a, str>),
    /// ASCII (base64 or hex) that needs no escaping, in the caller's buffer.
    Ascii,
}

/// Encode `data` as `how` says; returns the encoding used (`utf8`,
/// `base64` or `hex`) and the text. One place for the table and JSON
/// output; `buf` is reused.
pub fn encode_payload<'a>(
    data: &'a [u8],
    how: PayloadEncoding,
    buf: &mut Vec<u8>,
) -> (&'static str, Encoded<'a>) {
    buf.clear();
    match how {
        PayloadEncoding::Auto => match std::str::from_utf8(data) {
            Ok(s) => ("utf8", Encoded::Text(Cow::Borrowed(s))),
            Err(_) => {
                base64_into(data, buf);
                ("base64", Encoded::Ascii)
            }
        },
        PayloadEncoding::Utf8 => ("utf8", Encoded::Text(String::from_utf8_lossy(data))),
        PayloadEncoding::Base64 => {
            base64_into(data, buf);
            ("base64", Encoded::Ascii)
        }
        PayloadEncoding::Hex => {
            buf.extend_from_slice(hex::encode(data).as_bytes());
            ("hex", Encoded::Ascii)
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
    m: &MessageRef,
    how: PayloadEncoding,
    encrypted: Option<Cipher>,
    buf: &mut Vec<u8>,
) -> std::io::Result<()> {
    let (encoding, payload) = match encrypted {
        // Ciphertext is not data: say so, keep the envelope in base64.
        Some(_) => {
            buf.clear();
            base64_into(m.data, buf);
            ("encrypted", Encoded::Ascii)
        }
        None => encode_payload(m.data, how, buf),
    };
    out.write_all(b"{\"channel\":")?;
    serde_json::to_writer(&mut *out, channel)?;
    // serde_json prints integers with itoa, faster than fmt.
    out.write_all(b",\"seq\":")?;
    serde_json::to_writer(&mut *out, &m.seq)?;
    out.write_all(b",\"timestamp\":")?;
    serde_json::to_writer(&mut *out, &m.timestamp)?;
    out.write_all(b",\"subject\":")?;
    serde_json::to_writer(&mut *out, &String::from_utf8_lossy(m.subject))?;
    out.write_all(b",\"reply\":")?;
    serde_json::to_writer(&mut *out, &String::from_utf8_lossy(m.reply))?;
    out.write_all(b",\"size\":")?;
    serde_json::to_writer(&mut *out, &m.data.len())?;
    out.write_all(b",\"payload\":")?;
    match payload {
        Encoded::Text(text) => serde_json::to_writer(&mut *out, &text)?,
        Encoded::Ascii => {
            out.write_all(b"\"")?;
            out.write_all(buf)?;
            out.write_all(b"\"")?;
        }
    }
    out.write_all(b",\"encoding\":\"")?;
    out.write_all(encoding.as_bytes())?;
    out.write_all(b"\"")?;
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
    let mut buf = Vec::new();
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
    let mut decrypt_failed = false;
    store.for_each_message(channel, range, &mut |item| {
        let m = match item {
            Ok(m) => m,
            Err(e @ StoreError::Decrypt { .. }) => {
                // A wrong key fails every message: name the first only.
                if !decrypt_failed {
                    eprintln!("stanctl: error: {e} (is the encryption key right?)");
                    decrypt_failed = true;
                }
                problems = true;
                return Ok(());
            }
            Err(e) => {
                // One bad record does not hide the others.
                eprintln!("stanctl: error: {channel}: {e}");
                problems = true;
                return Ok(());
            }
        };
        let encrypted = if have_key {
            None
        } else {
            likely_envelope(m.data)
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
            Format::Ndjson => {
                write_record(&mut out, channel, &m, args.payload, encrypted, &mut buf)?;
                out.write_all(b"\n")?;
            }
            Format::Json => {
                out.write_all(if first { b"\n" } else { b",\n" })?;
                write_record(&mut out, channel, &m, args.payload, encrypted, &mut buf)?;
            }
            // Raw went through for_each_payload.
            Format::Table | Format::Raw => {
                let mut payload = match encrypted {
                    Some(c) => format!("<encrypted, {}>", c.name()),
                    None => match encode_payload(m.data, args.payload, &mut buf).1 {
                        Encoded::Text(text) => text.into_owned(),
                        Encoded::Ascii => String::from_utf8_lossy(&buf).into_owned(),
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
                writeln!(
                    out,
                    "{:>10}  {:<30}  {:<20}  {:>8}  {}{reply}",
                    m.seq,
                    stanctl::timefmt::format_ns(m.timestamp),
                    String::from_utf8_lossy(m.subject),
                    m.data.len(),
                    payload.replace(['\n', '\r'], " ")
                )?;
            }
        }
        first = false;
        Ok(())
    })?;
    if cli.format == Format::Json {
        out.write_all(b"\n]\n")?;
    }
    out.flush()?;
    Ok(Outcome { problems })
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::Engine as _;

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
