//! `stanctl dump --channel NAME`: messages as table, JSON lines, JSON or raw bytes.

use std::borrow::Cow;
use std::io::{IsTerminal, Write};

use clap::{Args, ValueEnum};

use stanctl::crypto::{likely_envelope, Cipher};
use stanctl::model::MessageRef;
use stanctl::{StoreError, StoreReader};

use super::output::{self, Format};
use super::range::RangeArgs;
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
    #[arg(long, help_heading = "Selection")]
    pub channel: String,
    #[command(flatten)]
    pub range: RangeArgs,
    /// Only the last N messages of the channel.
    #[arg(long, value_name = "N", help_heading = "Selection")]
    pub last: Option<u64>,
    /// How payloads are written in table and JSON output.
    #[arg(long, value_enum, default_value_t = PayloadEncoding::Auto, help_heading = "Output")]
    pub payload: PayloadEncoding,
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
/// escaped once, and a subject or reply is escaped only when it differs
/// from the previous message's (a channel's messages mostly share one
/// subject).
struct JsonRecords {
    how: PayloadEncoding,
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
    fn new(channel: &str, how: PayloadEncoding) -> serde_json::Result<Self> {
        let mut head = b"{\"channel\":".to_vec();
        serde_json::to_writer(&mut head, channel)?;
        head.extend_from_slice(b",\"seq\":");
        Ok(JsonRecords {
            how,
            head,
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
        m: &MessageRef,
        encrypted: Option<Cipher>,
        after: &[u8],
    ) -> std::io::Result<()> {
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

pub fn run(cli: &Cli, args: &DumpArgs, store: &mut dyn StoreReader) -> anyhow::Result<Outcome> {
    let mut range = args.range.range()?;
    if cli.format == Format::Raw && !args.force && std::io::stdout().is_terminal() {
        anyhow::bail!(
            "--format raw writes payload bytes, not for a terminal: redirect it (> file, | cmd) or give --force"
        );
    }
    // Before any header: a typo gets "did you mean", not an empty table.
    stanctl::store::require_channel(store, &args.channel)?;
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
    let mut json = JsonRecords::new(channel, args.payload)?;
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
            output::note(
                cli.quiet,
                &format!(
                    "payloads of {channel:?} are encrypted ({}); give the key with \
                     --encryption-key-file or {} to decrypt them",
                    cipher.name(),
                    super::store_args::KEY_ENV
                ),
            );
            warned_encrypted = true;
        }
        match cli.format {
            Format::Ndjson => {
                json.write(&mut out, b"", &m, encrypted, b"\n")?;
            }
            Format::Json => {
                let before: &[u8] = if first { b"\n" } else { b",\n" };
                json.write(&mut out, before, &m, encrypted, b"")?;
            }
            // Raw went through for_each_payload.
            Format::Table | Format::Raw => {
                buf.clear();
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
    json.flush(&mut out)?;
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
