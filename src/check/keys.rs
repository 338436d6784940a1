//! `check --deep` with an encryption key: every payload must decrypt.
//! A wrong key fails every message, so one finding per channel says where
//! the first failure is and how many there are.

use super::{Code, Finding, Severity};
use crate::error::StoreError;
use crate::model::MessageRange;
use crate::store::{StoreReader, Visit};

/// What decrypting every payload of a store found.
#[derive(Debug, Default)]
pub struct KeyCheck {
    pub findings: Vec<Finding>,
    /// Payloads read through the decrypting reader.
    pub messages: u64,
}

/// Walk every channel of `store` (a reader that decrypts) and report the
/// payloads that do not decrypt. Other read errors are the integrity
/// check's business and are not repeated here.
pub fn check_decryption(store: &mut dyn StoreReader) -> crate::error::Result<KeyCheck> {
    let mut out = KeyCheck::default();
    for channel in store.channel_names()? {
        let mut failed = 0u64;
        let mut first: Option<(u64, String)> = None;
        let mut read = 0u64;
        store.walk(
            &channel,
            MessageRange::default(),
            Visit::Payloads(&mut |item| {
                read += 1;
                if let Err(StoreError::Decrypt { seq, message, .. }) = item {
                    failed += 1;
                    first.get_or_insert((seq, message));
                }
                Ok(())
            }),
        )?;
        out.messages += read;
        if let Some((seq, message)) = first {
            out.findings.push(
                Finding::new(
                    Severity::Error,
                    Code::PayloadDecrypt,
                    format!("channel {channel:?} seq {seq}"),
                )
                .msg(format!(
                    "{failed} of {read} payloads of {channel:?} do not decrypt with the given key (first: seq {seq}: {message})"
                ))
                .expected("every payload decrypts with the key")
                .found(format!("{failed} that do not: a wrong key, or damaged payloads"))
                .server("cannot deliver them"),
            );
        }
    }
    Ok(out)
}
