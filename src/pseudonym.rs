//! Keyed pseudonyms (docs/definitions.md §6.1): HMAC-SHA-256 of an identifier under a secret key.
//!
//! The key lives in a file outside the store (`kohort key new`); the store keeps only a
//! fingerprint of it, so a later ingest with another key is refused instead of silently
//! producing pseudonyms that do not link.

use std::fmt;
use std::path::{Path, PathBuf};

use hmac::{Hmac, Mac};
use rand::RngCore;
use sha2::Sha256;

type HmacSha256 = Hmac<Sha256>;

/// Length of a key in bytes.
const KEY_BYTES: usize = 32;
/// Bytes of the HMAC kept in a pseudonym (128 bits, hex-encoded to 32 characters).
const PSEUDONYM_BYTES: usize = 16;

/// Errors reading or writing key files.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    /// The key file could not be read or written.
    #[error(transparent)]
    Io(#[from] std::io::Error),
    /// The key file does not hold 64 hex digits.
    #[error("key file {path}: expected {expected} hex digits on one line (make one with `kohort key new`)")]
    Malformed {
        /// The file.
        path: PathBuf,
        /// How many hex digits a key has.
        expected: usize,
    },
    /// Refusing to overwrite an existing key.
    #[error("key file {0} exists already; refusing to overwrite a key (pseudonyms made with it would no longer link)")]
    Exists(PathBuf),
}

/// A secret pseudonymisation key. Its `Debug` never prints the key.
#[derive(Clone)]
pub struct Key([u8; KEY_BYTES]);

impl fmt::Debug for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Key(fingerprint {})", self.fingerprint())
    }
}

impl Key {
    /// A fresh random key from the operating system's CSPRNG-seeded generator.
    pub fn generate() -> Self {
        let mut bytes = [0u8; KEY_BYTES];
        rand::rng().fill_bytes(&mut bytes);
        Self(bytes)
    }

    /// A key from raw bytes (tests, benches).
    pub fn from_bytes(bytes: [u8; KEY_BYTES]) -> Self {
        Self(bytes)
    }

    /// Read a key file written by [`Key::write_new`].
    pub fn read(path: &Path) -> Result<Self, KeyError> {
        let text = fs_err::read_to_string(path)?;
        let malformed = || KeyError::Malformed { path: path.to_owned(), expected: KEY_BYTES * 2 };
        let bytes = hex::decode(text.trim()).map_err(|_| malformed())?;
        let bytes: [u8; KEY_BYTES] = bytes.try_into().map_err(|_| malformed())?;
        Ok(Self(bytes))
    }

    /// Write a new key file (mode 0600), refusing to overwrite.
    pub fn write_new(&self, path: &Path) -> Result<(), KeyError> {
        use std::io::Write as _;
        let mut options = fs_err::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        {
            use fs_err::os::unix::fs::OpenOptionsExt as _;
            options.mode(0o600);
        }
        let mut file = options.open(path).map_err(|e| match e.kind() {
            std::io::ErrorKind::AlreadyExists => KeyError::Exists(path.to_owned()),
            _ => KeyError::Io(e),
        })?;
        writeln!(file, "{}", hex::encode(self.0))?;
        file.sync_all()?;
        Ok(())
    }

    /// A public fingerprint of the key, safe to store: HMAC of a fixed label.
    pub fn fingerprint(&self) -> String {
        let mut mac = self.mac();
        mac.update(b"kohort key fingerprint v1");
        hex::encode(&mac.finalize().into_bytes()[..8])
    }

    fn mac(&self) -> HmacSha256 {
        // A 32-byte key is always a valid HMAC key.
        <HmacSha256 as Mac>::new_from_slice(&self.0).unwrap_or_else(|_| unreachable!())
    }

    /// A pseudonymiser that reuses the keyed HMAC state.
    pub fn pseudonymizer(&self) -> Pseudonymizer {
        Pseudonymizer { mac: self.mac() }
    }
}

/// Makes pseudonyms: `hex(HMAC-SHA-256(key, domain ":" id)[..16])`.
///
/// The domain (person, episode, ...) keeps ids of different kinds apart, so that episode
/// `123` and person `123` do not get the same pseudonym.
#[derive(Clone)]
pub struct Pseudonymizer {
    mac: HmacSha256,
}

impl Pseudonymizer {
    /// The pseudonym of `id` in `domain`, as 32 lowercase hex digits.
    pub fn pseudonym(&self, domain: &str, id: &str) -> String {
        hex::encode(self.digest(domain, id))
    }

    /// The raw digest bytes used for a pseudonym.
    pub fn digest(&self, domain: &str, id: &str) -> [u8; PSEUDONYM_BYTES] {
        let mut mac = self.mac.clone();
        mac.update(domain.as_bytes());
        mac.update(b":");
        mac.update(id.as_bytes());
        let full = mac.finalize().into_bytes();
        let mut out = [0u8; PSEUDONYM_BYTES];
        out.copy_from_slice(&full[..PSEUDONYM_BYTES]);
        out
    }
}

/// The person bucket of a pseudonym digest: stable, uniform, independent of the raw id.
pub fn bucket_of(digest: &[u8; PSEUDONYM_BYTES], buckets: u16) -> u16 {
    let head = u32::from_be_bytes([digest[0], digest[1], digest[2], digest[3]]);
    u16::try_from(head % u32::from(buckets.max(1))).unwrap_or(0)
}

/// The bucket of a pseudonym in its hex form (as stored).
pub fn bucket_of_hex(pseudonym: &str, buckets: u16) -> Option<u16> {
    let head = u32::from_str_radix(pseudonym.get(..8)?, 16).ok()?;
    u16::try_from(head % u32::from(buckets.max(1))).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_key_same_pseudonym_other_key_other() {
        let a = Key::from_bytes([1; 32]).pseudonymizer();
        let b = Key::from_bytes([2; 32]).pseudonymizer();
        assert_eq!(a.pseudonym("person", "123456782"), a.pseudonym("person", "123456782"));
        assert_ne!(a.pseudonym("person", "123456782"), b.pseudonym("person", "123456782"));
        assert_ne!(a.pseudonym("person", "1"), a.pseudonym("episode", "1"));
    }

    #[test]
    fn pseudonym_is_hmac_sha256_of_domain_and_id() {
        // Independent check with a plain HMAC over the documented message.
        let key = [7u8; 32];
        let mut mac = <HmacSha256 as Mac>::new_from_slice(&key).unwrap();
        mac.update(b"person:999999990");
        let expected = hex::encode(&mac.finalize().into_bytes()[..16]);
        assert_eq!(Key::from_bytes(key).pseudonymizer().pseudonym("person", "999999990"), expected);
    }

    #[test]
    fn bucket_from_hex_equals_bucket_from_digest() {
        let p = Key::from_bytes([3; 32]).pseudonymizer();
        for id in ["a", "b", "123", "999999990"] {
            let d = p.digest("person", id);
            assert_eq!(Some(bucket_of(&d, 16)), bucket_of_hex(&hex::encode(d), 16));
        }
    }
}
