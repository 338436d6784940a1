//! Encryption at rest (docs/FORMAT.md section 3 and 7.4).
//!
//! STAN (v0.12.0 .. v0.25.6) encrypts only the `data` field of stored
//! `MsgProto`s, with a per-channel key derived from the user key, and the
//! `Data` of Raft command entries with the master key itself. The envelope
//! is the same in both cases:
//!
//! ```text
//! code (1 byte: 0x01 AES-256-GCM, 0x02 ChaCha20-Poly1305)
//! nonce (12 bytes)
//! ciphertext || 16-byte tag      (no associated data)
//! ```
//!
//! Key material is never printed: `Debug` of the key types is redacted and
//! no error message contains key bytes.

use std::fmt;
use std::io::Read;
use std::str::FromStr;

use aes_gcm::aead::{Aead, KeyInit};
use aes_gcm::Aes256Gcm;
use chacha20poly1305::ChaCha20Poly1305;
use sha2::{Digest, Sha256};

/// Size of the cipher code byte at the start of an envelope.
pub const CODE_SIZE: usize = 1;
/// Size of the nonce that follows the code byte.
pub const NONCE_SIZE: usize = 12;
/// Size of the AEAD authentication tag at the end of an envelope.
pub const TAG_SIZE: usize = 16;
/// Total bytes an envelope adds to the plaintext (29).
pub const OVERHEAD: usize = CODE_SIZE + NONCE_SIZE + TAG_SIZE;
/// Size of the master and channel keys.
pub const KEY_SIZE: usize = 32;

/// Errors of the encryption layer. Messages never contain key bytes.
#[derive(Debug, thiserror::Error)]
pub enum CryptoError {
    /// The payload starts with a cipher code byte but is too short to hold a
    /// nonce and any ciphertext (`len <= 13`).
    #[error("encrypted payload too short: {len} bytes (an envelope needs more than {min} bytes)", min = CODE_SIZE + NONCE_SIZE)]
    TooShort { len: usize },
    /// AEAD authentication failed: wrong key, wrong cipher or corrupted data.
    #[error("{cipher} decryption failed: message authentication failed (wrong encryption key or corrupted data)")]
    AuthenticationFailed { cipher: Cipher },
    /// Encryption failed (only possible for absurdly large plaintexts).
    #[error("{cipher} encryption failed")]
    EncryptionFailed { cipher: Cipher },
    /// A cipher name other than `AES` / `CHACHA`.
    #[error("unknown encryption cipher {name:?} (expected AES or CHACHA)")]
    UnknownCipher { name: String },
    /// A cipher code byte other than 1 / 2.
    #[error("unknown encryption cipher code {code}")]
    UnknownCipherCode { code: u8 },
    /// No random bytes could be obtained for a nonce prefix.
    /// The OS error is in the message only (not also a `source()`).
    #[error("unable to read random bytes from /dev/urandom: {error}")]
    RandomUnavailable { error: std::io::Error },
}

/// The AEAD cipher of an envelope.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Cipher {
    /// AES-256-GCM, code byte 1.
    Aes,
    /// ChaCha20-Poly1305 (IETF, 12-byte nonce), code byte 2.
    ChaCha,
}

impl Cipher {
    /// The code byte stored as the first byte of an envelope.
    pub fn code(self) -> u8 {
        match self {
            Cipher::Aes => 1,
            Cipher::ChaCha => 2,
        }
    }

    /// The cipher for an envelope code byte.
    pub fn from_code(code: u8) -> Option<Cipher> {
        match code {
            1 => Some(Cipher::Aes),
            2 => Some(Cipher::ChaCha),
            _ => None,
        }
    }

    /// The name used by the server configuration (`AES` / `CHACHA`).
    pub fn name(self) -> &'static str {
        match self {
            Cipher::Aes => "AES",
            Cipher::ChaCha => "CHACHA",
        }
    }
}

impl fmt::Display for Cipher {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Cipher {
    type Err = CryptoError;

    /// Accepts `AES` or `CHACHA`, case-insensitively (like the server).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if s.eq_ignore_ascii_case("AES") {
            Ok(Cipher::Aes)
        } else if s.eq_ignore_ascii_case("CHACHA") {
            Ok(Cipher::ChaCha)
        } else {
            Err(CryptoError::UnknownCipher {
                name: s.to_string(),
            })
        }
    }
}

/// Best-effort wipe of key material (no `zeroize` crate available).
fn wipe(bytes: &mut [u8; KEY_SIZE]) {
    bytes.fill(0);
    std::sync::atomic::compiler_fence(std::sync::atomic::Ordering::SeqCst);
}

/// The store-wide master key: SHA-256 of the user key bytes (3.4).
///
/// Used directly for the Raft log (7.4); the message store uses
/// [`ChannelKey`]s derived from it.
#[derive(Clone)]
pub struct MasterKey([u8; KEY_SIZE]);

impl MasterKey {
    /// `master = SHA-256(user_key)`.
    pub fn from_user_key(key: &[u8]) -> Self {
        MasterKey(Sha256::digest(key).into())
    }

    /// Derive the key of `channel` (3.4), reproducing the server's quirk:
    ///
    /// ```text
    /// SHA-256( 0x00 * (32 + 1 + len(channel)) || master || "." || channel )
    /// ```
    pub fn channel_key(&self, channel: &str) -> ChannelKey {
        let name = channel.as_bytes();
        let prefix = KEY_SIZE + 1 + name.len();
        let mut input = vec![0u8; prefix];
        input.reserve(prefix);
        input.extend_from_slice(&self.0);
        input.push(b'.');
        input.extend_from_slice(name);
        let key = ChannelKey(Sha256::digest(&input).into());
        input.fill(0);
        key
    }
}

impl fmt::Debug for MasterKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("MasterKey(<redacted>)")
    }
}

impl Drop for MasterKey {
    fn drop(&mut self) {
        wipe(&mut self.0);
    }
}

/// The per-channel message key (3.4).
#[derive(Clone)]
pub struct ChannelKey([u8; KEY_SIZE]);

impl fmt::Debug for ChannelKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ChannelKey(<redacted>)")
    }
}

impl Drop for ChannelKey {
    fn drop(&mut self) {
        wipe(&mut self.0);
    }
}

/// Nonce generator of a writer (3.5 / 7.4).
///
/// 12 bytes: 4 random bytes followed by `BE u64(last_seq + 1)`; after each
/// use the whole nonce is incremented as a big-endian 96-bit counter
/// (wrapping, like the server).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NonceSequence {
    nonce: [u8; NONCE_SIZE],
}

impl NonceSequence {
    /// Seed as the server does when a channel store (or the Raft log) is
    /// opened: `random_prefix || BE u64(last_seq + 1)`.
    pub fn new(random_prefix: [u8; 4], last_seq: u64) -> Self {
        let mut nonce = [0u8; NONCE_SIZE];
        nonce[..4].copy_from_slice(&random_prefix);
        nonce[4..].copy_from_slice(&last_seq.wrapping_add(1).to_be_bytes());
        NonceSequence { nonce }
    }

    /// Start from an exact 12-byte nonce.
    pub fn from_bytes(nonce: [u8; NONCE_SIZE]) -> Self {
        NonceSequence { nonce }
    }

    /// Seed for a channel whose last stored sequence is `last_seq` (0 for
    /// an empty channel), with 4 random bytes from `/dev/urandom`. For the
    /// Raft log pass the last log index instead.
    pub fn for_channel(last_seq: u64) -> Result<Self, CryptoError> {
        let mut prefix = [0u8; 4];
        std::fs::File::open("/dev/urandom")
            .and_then(|mut f| f.read_exact(&mut prefix))
            .map_err(|error| CryptoError::RandomUnavailable { error })?;
        Ok(NonceSequence::new(prefix, last_seq))
    }

    /// The nonce the next encryption will use.
    pub fn current(&self) -> [u8; NONCE_SIZE] {
        self.nonce
    }

    /// Return the current nonce and advance the counter.
    pub fn next_nonce(&mut self) -> [u8; NONCE_SIZE] {
        let out = self.nonce;
        for b in self.nonce.iter_mut().rev() {
            let (v, carry) = b.overflowing_add(1);
            *b = v;
            if !carry {
                break;
            }
        }
        out
    }
}

/// Is this payload an encryption envelope (first byte 1/2 and
/// `len >= 29`)? Returns the cipher. This is the heuristic of 3.6: nothing
/// in a store records that encryption is in use.
pub fn envelope_cipher(data: &[u8]) -> Option<Cipher> {
    if data.len() < OVERHEAD {
        return None;
    }
    data.first().copied().and_then(Cipher::from_code)
}

/// Open an envelope with a raw 32-byte key following the rules of 3.6.
fn open(key: &[u8; KEY_SIZE], data: &[u8]) -> Result<Vec<u8>, CryptoError> {
    let Some(&code) = data.first() else {
        return Ok(Vec::new());
    };
    let Some(cipher) = Cipher::from_code(code) else {
        return Ok(data.to_vec());
    };
    if data.len() <= CODE_SIZE + NONCE_SIZE {
        return Err(CryptoError::TooShort { len: data.len() });
    }
    let mut nonce = [0u8; NONCE_SIZE];
    nonce.copy_from_slice(&data[CODE_SIZE..CODE_SIZE + NONCE_SIZE]);
    let nonce = nonce.into();
    let body = &data[CODE_SIZE + NONCE_SIZE..];
    let key = (*key).into();
    let res = match cipher {
        Cipher::Aes => Aes256Gcm::new(&key).decrypt(&nonce, body),
        Cipher::ChaCha => ChaCha20Poly1305::new(&key).decrypt(&nonce, body),
    };
    res.map_err(|_| CryptoError::AuthenticationFailed { cipher })
}

/// Build an envelope with a raw 32-byte key. Empty plaintext stays empty.
fn seal(
    key: &[u8; KEY_SIZE],
    cipher: Cipher,
    nonces: &mut NonceSequence,
    plaintext: &[u8],
) -> Result<Vec<u8>, CryptoError> {
    if plaintext.is_empty() {
        return Ok(Vec::new());
    }
    let nonce_bytes = nonces.next_nonce();
    let nonce = nonce_bytes.into();
    let key = (*key).into();
    let sealed = match cipher {
        Cipher::Aes => Aes256Gcm::new(&key).encrypt(&nonce, plaintext),
        Cipher::ChaCha => ChaCha20Poly1305::new(&key).encrypt(&nonce, plaintext),
    }
    .map_err(|_| CryptoError::EncryptionFailed { cipher })?;
    let mut out = Vec::with_capacity(CODE_SIZE + NONCE_SIZE + sealed.len());
    out.push(cipher.code());
    out.extend_from_slice(&nonce_bytes);
    out.extend_from_slice(&sealed);
    Ok(out)
}

/// Decrypt a stored `MsgProto.data` (3.6): empty -> empty; first byte 1/2
/// -> decrypt with the cipher named by that byte (error if `len <= 13` or
/// authentication fails); any other first byte -> returned as is.
pub fn decrypt_payload(key: &ChannelKey, data: &[u8]) -> Result<Vec<u8>, CryptoError> {
    open(&key.0, data)
}

/// Encrypt a message payload with the next nonce of `nonce`. Empty data
/// stays empty (not encrypted, no nonce consumed), like the server.
pub fn encrypt_payload(
    key: &ChannelKey,
    cipher: Cipher,
    nonce: &mut NonceSequence,
    plaintext: &[u8],
) -> Result<Vec<u8>, CryptoError> {
    seal(&key.0, cipher, nonce, plaintext)
}

/// Decrypt the `Data` of a Raft command entry (7.4): same envelope and
/// rules as [`decrypt_payload`], keyed by the master key itself.
pub fn decrypt_with_master(key: &MasterKey, data: &[u8]) -> Result<Vec<u8>, CryptoError> {
    open(&key.0, data)
}

/// Encrypt the `Data` of a Raft command entry with the master key (7.4).
/// Empty data stays empty.
pub fn encrypt_with_master(
    key: &MasterKey,
    cipher: Cipher,
    nonce: &mut NonceSequence,
    plaintext: &[u8],
) -> Result<Vec<u8>, CryptoError> {
    seal(&key.0, cipher, nonce, plaintext)
}

/// A stricter guess than [`envelope_cipher`] for display without a key: the
/// server's nonces end in a big-endian message counter, so in practice
/// their bytes 4..8 (the counter's high half) are zero. Random binary
/// payloads that merely start with 1 or 2 are not taken for ciphertext.
pub fn likely_envelope(data: &[u8]) -> Option<Cipher> {
    let cipher = envelope_cipher(data)?;
    let counter_high = data.get(CODE_SIZE + 4..CODE_SIZE + 8)?;
    counter_high.iter().all(|&b| b == 0).then_some(cipher)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unhex(s: &str) -> Vec<u8> {
        let s: String = s.chars().filter(|c| !c.is_whitespace()).collect();
        (0..s.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
            .collect()
    }

    fn key32(s: &str) -> [u8; 32] {
        unhex(s).try_into().unwrap()
    }

    // docs/FORMAT.md section 10.
    const MASTER: &str = "5e50f405ace6cbdf17379f4b9f2b0c9f4144c5e380ea0b9298cb02ebd8ffe511";
    const CHAN: &str = "5e9e7bb8c8fd4571cef7ea6683b1b6fdf883488b242ab5f28433711b775cd6e3";
    const MSG1: &str = "01 08cfc7d90000000000000001 dc7a6e5a60d9b0b4f5c49e46632fc4c4a3d2c15841fd";

    #[test]
    fn vector_master_and_channel_key() {
        let m = MasterKey::from_user_key(b"mykey");
        assert_eq!(m.0, key32(MASTER));
        let c = m.channel_key("foo");
        assert_eq!(c.0, key32(CHAN));
    }

    #[test]
    fn vector_decrypt_message_1() {
        let c = MasterKey::from_user_key(b"mykey").channel_key("foo");
        let data = unhex(MSG1);
        assert_eq!(data.len(), 35);
        assert_eq!(envelope_cipher(&data), Some(Cipher::Aes));
        assert_eq!(decrypt_payload(&c, &data).unwrap(), b"hello1");
    }

    #[test]
    fn vector_reencrypt_is_identical() {
        // Same key, nonce and plaintext -> same bytes as the server wrote.
        let c = MasterKey::from_user_key(b"mykey").channel_key("foo");
        let mut n = NonceSequence::new([0x08, 0xcf, 0xc7, 0xd9], 0);
        let out = encrypt_payload(&c, Cipher::Aes, &mut n, b"hello1").unwrap();
        assert_eq!(out, unhex(MSG1));
        assert_eq!(
            n.current(),
            [0x08, 0xcf, 0xc7, 0xd9, 0, 0, 0, 0, 0, 0, 0, 2]
        );
    }

    #[test]
    fn vector_raft_log_entry() {
        // docs/FORMAT.md 7.10: Data of Raft index 5, master key of `mykey`, AES.
        let m = MasterKey::from_user_key(b"mykey");
        let data = unhex(
            "01 26c9b1aa0000000000000002 8a34929105149da7ca13400888dff6c89df55d715da3\
             66526f277237bb547489cdea8d3f2ae76da0891301b8b73afe41f65c",
        );
        assert_eq!(data.len(), 63);
        let op = decrypt_with_master(&m, &data).unwrap();
        assert_eq!(
            op,
            unhex("121e0a1c0801120463682e612208782d63682e612d3028d3c7a794d9f3c9f5185004")
        );
        // The per-channel key is not the Raft log key.
        let c = m.channel_key("ch.a");
        assert!(decrypt_payload(&c, &data).is_err());
        // Re-encrypting with the same nonce reproduces the entry.
        let mut n = NonceSequence::new([0x26, 0xc9, 0xb1, 0xaa], 0); // seed 1
        n.next_nonce();
        assert_eq!(
            encrypt_with_master(&m, Cipher::Aes, &mut n, &op).unwrap(),
            data
        );
    }

    #[test]
    fn round_trip_both_ciphers() {
        let m = MasterKey::from_user_key(b"some key");
        let c = m.channel_key("orders.eu");
        for cipher in [Cipher::Aes, Cipher::ChaCha] {
            let mut n = NonceSequence::for_channel(41).unwrap();
            assert_eq!(&n.current()[4..], &42u64.to_be_bytes());
            for pt in [
                &b"x"[..],
                b"hello world",
                &[1u8, 2, 3, 0, 255][..],
                &[7u8; 5000][..],
            ] {
                let before = n.current();
                let enc = encrypt_payload(&c, cipher, &mut n, pt).unwrap();
                assert_eq!(enc.len(), pt.len() + OVERHEAD);
                assert_eq!(enc[0], cipher.code());
                assert_eq!(&enc[1..13], &before);
                assert_eq!(envelope_cipher(&enc), Some(cipher));
                assert_eq!(decrypt_payload(&c, &enc).unwrap(), pt);
            }
            let enc = encrypt_with_master(&m, cipher, &mut n, b"raft op").unwrap();
            assert_eq!(decrypt_with_master(&m, &enc).unwrap(), b"raft op");
            // Master and channel keys are different keys.
            assert!(matches!(
                decrypt_payload(&c, &enc),
                Err(CryptoError::AuthenticationFailed { cipher: got }) if got == cipher
            ));
        }
    }

    #[test]
    fn empty_stays_empty() {
        let c = MasterKey::from_user_key(b"k").channel_key("c");
        let mut n = NonceSequence::new([0; 4], 0);
        let before = n.current();
        assert!(encrypt_payload(&c, Cipher::Aes, &mut n, b"")
            .unwrap()
            .is_empty());
        assert_eq!(n.current(), before, "no nonce consumed for empty data");
        assert!(decrypt_payload(&c, b"").unwrap().is_empty());
        assert_eq!(envelope_cipher(b""), None);
    }

    #[test]
    fn wrong_key_fails_authentication() {
        let good = MasterKey::from_user_key(b"mykey").channel_key("foo");
        let other_chan = MasterKey::from_user_key(b"mykey").channel_key("bar");
        let other_key = MasterKey::from_user_key(b"notmykey").channel_key("foo");
        let data = unhex(MSG1);
        for k in [&other_chan, &other_key] {
            let err = decrypt_payload(k, &data).unwrap_err();
            assert!(matches!(
                err,
                CryptoError::AuthenticationFailed {
                    cipher: Cipher::Aes
                }
            ));
        }
        // Same bytes labelled ChaCha also fail.
        let mut as_chacha = data.clone();
        as_chacha[0] = 2;
        assert!(matches!(
            decrypt_payload(&good, &as_chacha),
            Err(CryptoError::AuthenticationFailed {
                cipher: Cipher::ChaCha
            })
        ));
        // Tampered ciphertext fails.
        let mut tampered = data;
        tampered[20] ^= 1;
        assert!(decrypt_payload(&good, &tampered).is_err());
    }

    #[test]
    fn non_envelope_passthrough() {
        let c = MasterKey::from_user_key(b"k").channel_key("c");
        for d in [
            &b"hello"[..],
            &[0u8; 40][..],
            &[3u8, 1, 2][..],
            &[0x08u8, 0x01][..],
        ] {
            assert_eq!(decrypt_payload(&c, d).unwrap(), d);
            assert_eq!(envelope_cipher(d), None);
        }
        let m = MasterKey::from_user_key(b"k");
        assert_eq!(
            decrypt_with_master(&m, b"\x08\x01\x12").unwrap(),
            b"\x08\x01\x12"
        );
    }

    #[test]
    fn too_short() {
        let c = MasterKey::from_user_key(b"k").channel_key("c");
        for len in 1..=13 {
            let mut d = vec![0u8; len];
            d[0] = 1;
            assert!(matches!(
                decrypt_payload(&c, &d),
                Err(CryptoError::TooShort { len: l }) if l == len
            ));
            d[0] = 2;
            assert!(matches!(
                decrypt_payload(&c, &d),
                Err(CryptoError::TooShort { .. })
            ));
        }
        // 14..28 bytes: past the length check but shorter than a tag (Go's
        // Open reports an authentication failure) and not an envelope.
        let mut d = vec![0u8; 28];
        d[0] = 1;
        assert_eq!(envelope_cipher(&d), None);
        assert!(matches!(
            decrypt_payload(&c, &d),
            Err(CryptoError::AuthenticationFailed { .. })
        ));
        d.push(0);
        assert_eq!(envelope_cipher(&d), Some(Cipher::Aes));
    }

    #[test]
    fn nonce_sequence_increments_with_carry() {
        let mut n = NonceSequence::new([0xaa, 0xbb, 0xcc, 0xdd], 0);
        assert_eq!(
            n.next_nonce(),
            [0xaa, 0xbb, 0xcc, 0xdd, 0, 0, 0, 0, 0, 0, 0, 1]
        );
        assert_eq!(
            n.next_nonce(),
            [0xaa, 0xbb, 0xcc, 0xdd, 0, 0, 0, 0, 0, 0, 0, 2]
        );

        let mut n = NonceSequence::from_bytes([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff]);
        n.next_nonce();
        assert_eq!(n.current(), [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0]);

        // Carry from the low 64 bits into the random prefix.
        let mut n = NonceSequence::new([0x00, 0x00, 0x01, 0xff], u64::MAX - 1);
        assert_eq!(
            n.current(),
            [0, 0, 1, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]
        );
        n.next_nonce();
        assert_eq!(n.current(), [0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0]);

        // Full 96-bit wrap.
        let mut n = NonceSequence::from_bytes([0xff; 12]);
        assert_eq!(n.next_nonce(), [0xff; 12]);
        assert_eq!(n.current(), [0; 12]);

        // last_seq + 1 wraps like Go's uint64 arithmetic.
        assert_eq!(
            NonceSequence::new([1, 2, 3, 4], u64::MAX).current()[4..],
            [0; 8]
        );
    }

    #[test]
    fn random_prefix_from_urandom() {
        let a = NonceSequence::for_channel(0).unwrap().current();
        assert_eq!(&a[4..], &1u64.to_be_bytes());
    }

    #[test]
    fn cipher_names_and_codes() {
        assert_eq!("aes".parse::<Cipher>().unwrap(), Cipher::Aes);
        assert_eq!("AES".parse::<Cipher>().unwrap(), Cipher::Aes);
        assert_eq!("ChaCha".parse::<Cipher>().unwrap(), Cipher::ChaCha);
        assert_eq!("CHACHA".parse::<Cipher>().unwrap(), Cipher::ChaCha);
        assert!(matches!(
            "des".parse::<Cipher>(),
            Err(CryptoError::UnknownCipher { .. })
        ));
        assert!("".parse::<Cipher>().is_err());
        assert_eq!(Cipher::Aes.to_string(), "AES");
        assert_eq!(Cipher::ChaCha.to_string(), "CHACHA");
        assert_eq!(Cipher::from_code(1), Some(Cipher::Aes));
        assert_eq!(Cipher::from_code(2), Some(Cipher::ChaCha));
        assert_eq!(Cipher::from_code(0), None);
        assert_eq!(Cipher::ChaCha.code(), 2);
    }

    #[test]
    fn debug_is_redacted() {
        let m = MasterKey::from_user_key(b"mykey");
        let c = m.channel_key("foo");
        assert_eq!(format!("{m:?}"), "MasterKey(<redacted>)");
        assert_eq!(format!("{c:?}"), "ChannelKey(<redacted>)");
        assert_eq!(format!("{m:#?}"), "MasterKey(<redacted>)");
        let data = unhex(MSG1);
        let bad = MasterKey::from_user_key(b"x").channel_key("foo");
        let msg = decrypt_payload(&bad, &data).unwrap_err().to_string();
        assert!(!msg.contains("5e50") && !msg.contains("5e9e"));
        assert!(msg.contains("AES"));
    }
}
