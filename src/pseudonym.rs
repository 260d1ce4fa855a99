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

/// A pseudonym (of an episode, measure, report, measurement, household...) as the 16 bytes of
/// its HMAC, held as one number: comparing two is one instruction, and their order is the
/// order of their stored hex text. `Debug` and `Display` never print the value; the hex text
/// comes only from [`Pseudonym::to_hex`], for the files kohort writes.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Pseudonym(u128);

impl Pseudonym {
    /// The pseudonym of a digest.
    pub fn from_digest(digest: [u8; PSEUDONYM_BYTES]) -> Self {
        Self(u128::from_be_bytes(digest))
    }

    /// The pseudonym written as 32 lowercase hex digits (as kohort stores them); `None` for any
    /// other text.
    pub fn from_hex(text: &[u8]) -> Option<Self> {
        let digits: &[u8; 2 * PSEUDONYM_BYTES] = text.try_into().ok()?;
        // Eight digits at a time, the first eight the highest 4 bytes.
        let mut n = 0u128;
        for eight in digits.chunks_exact(8) {
            n = (n << 32) | u128::from(hex8(u64::from_le_bytes(eight.try_into().ok()?))?);
        }
        Some(Self(n))
    }

    /// Its 32 lowercase hex digits (ASCII).
    pub fn to_hex(self) -> [u8; 2 * PSEUDONYM_BYTES] {
        let mut out = [0u8; 2 * PSEUDONYM_BYTES];
        for (pair, b) in out.chunks_exact_mut(2).zip(self.0.to_be_bytes()) {
            pair.copy_from_slice(&HEX_PAIRS[usize::from(b)]);
        }
        out
    }

    /// Its 32 hex digits as a `String`.
    pub fn to_hex_string(self) -> String {
        self.to_hex().iter().map(|&c| char::from(c)).collect()
    }

    /// A made-up pseudonym from a short label of at most 16 ASCII bytes (tests and benches):
    /// the bytes, first byte highest, so labels keep their text order.
    pub fn label(label: &str) -> Self {
        let mut bytes = [0u8; PSEUDONYM_BYTES];
        for (b, c) in bytes.iter_mut().zip(label.bytes()) {
            *b = c;
        }
        Self(u128::from_be_bytes(bytes))
    }

    /// The 16 bytes as one number.
    pub fn as_u128(self) -> u128 {
        self.0
    }
}

impl fmt::Debug for Pseudonym {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Pseudonym(..)")
    }
}

impl fmt::Display for Pseudonym {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<pseudonym>")
    }
}

/// A person: the pseudonym of their delivered id. `Debug` and `Display` never print the value
/// (nothing that identifies a person reaches a log or a message); the hex text comes only from
/// [`PersonId::to_hex`], for the files kohort writes.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct PersonId(Pseudonym);

impl PersonId {
    /// The person of a stored pseudonym (32 lowercase hex digits); `None` for any other text.
    pub fn from_hex(text: &[u8]) -> Option<Self> {
        Pseudonym::from_hex(text).map(Self)
    }

    /// A made-up person from a short label (tests and benches; see [`Pseudonym::label`]).
    pub fn label(label: &str) -> Self {
        Self(Pseudonym::label(label))
    }

    /// The 32 hex digits kohort stores (ASCII).
    pub fn to_hex(self) -> [u8; 2 * PSEUDONYM_BYTES] {
        self.0.to_hex()
    }

    /// The 32 hex digits as a `String`.
    pub fn to_hex_string(self) -> String {
        self.0.to_hex_string()
    }

    /// The person's bucket among `buckets` (the first 4 bytes of the pseudonym, as at ingest).
    pub fn bucket(self, buckets: u16) -> u16 {
        let head = u32::try_from(self.0.as_u128() >> 96).unwrap_or(0);
        u16::try_from(head % u32::from(buckets.max(1))).unwrap_or(0)
    }
}

impl From<Pseudonym> for PersonId {
    /// The person of a stored pseudonym (as parsed from its text).
    fn from(p: Pseudonym) -> Self {
        Self(p)
    }
}

impl From<PersonId> for Pseudonym {
    /// The pseudonym a person is known by.
    fn from(p: PersonId) -> Self {
        p.0
    }
}

impl fmt::Debug for PersonId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("PersonId(..)")
    }
}

impl fmt::Display for PersonId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<person>")
    }
}

/// A person compared with a stored pseudonym's hex text (tests look persons up by it).
impl PartialEq<&str> for PersonId {
    fn eq(&self, other: &&str) -> bool {
        Self::from_hex(other.as_bytes()) == Some(*self)
    }
}

/// A person compared with a stored pseudonym's hex text.
impl PartialEq<String> for PersonId {
    fn eq(&self, other: &String) -> bool {
        Self::from_hex(other.as_bytes()) == Some(*self)
    }
}

const HEX_DIGITS: &[u8; 16] = b"0123456789abcdef";

/// The two lowercase hex digits of each byte.
const HEX_PAIRS: [[u8; 2]; 256] = {
    let mut t = [[0u8; 2]; 256];
    let mut i = 0;
    while i < 256 {
        t[i] = [HEX_DIGITS[i >> 4], HEX_DIGITS[i & 15]];
        i += 1;
    }
    t
};

/// The number written by eight lowercase hex digits, given as the bytes of `x` (the first
/// digit its lowest byte), all eight worked at once; `None` when a byte is no such digit.
fn hex8(x: u64) -> Option<u32> {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    if x & HIGH != 0 {
        return None;
    }
    // With every byte below 0x80, no subtraction borrows across bytes: each byte's high bit
    // says whether the byte is at least `m`, or at most `n`.
    let at_least = |m: u8| ((x | HIGH) - ONES * u64::from(m)) & HIGH;
    let at_most = |n: u8| (ONES * u64::from(0x80 | n) - x) & HIGH;
    let digit = (at_least(b'0') & at_most(b'9')) | (at_least(b'a') & at_most(b'f'));
    if digit != HIGH {
        return None;
    }
    // A digit's value: its low 4 bits, plus 9 for a letter (bit 6 set).
    let values = (x & (ONES * 0x0f)) + ((x >> 6) & ONES) * 9;
    // Pairs of digits into bytes (the first the high half), then the four bytes side by side.
    let mut t = ((values & 0x00ff_00ff_00ff_00ff) << 4) | ((values >> 8) & 0x00ff_00ff_00ff_00ff);
    t = (t | (t >> 8)) & 0x0000_ffff_0000_ffff;
    t = (t | (t >> 16)) & 0xffff_ffff;
    // The first pair is the lowest byte here and the highest of the number.
    u32::try_from(t).ok().map(u32::swap_bytes)
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

    #[test]
    fn hex_agrees_with_the_standard_library_and_takes_no_other_digit() {
        // Numbers with every byte value in every position, and their 32-digit text.
        let mut x = 0x9e37_79b9_7f4a_7c15_f39c_c060_5ced_c834_u128;
        for k in 0..4096u32 {
            x = x.rotate_left(13) ^ u128::from(k).wrapping_mul(0x2545_f491_4f6c_dd1d);
            let n = if k < 256 { u128::from(k) * 0x0101_0101_0101_0101_0101_0101_0101_0101 } else { x };
            let text = format!("{n:032x}");
            let p = Pseudonym::from_hex(text.as_bytes()).expect("a pseudonym");
            assert_eq!(p.as_u128(), u128::from_str_radix(&text, 16).expect("hex"));
            assert_eq!(&p.to_hex(), text.as_bytes());
        }
        // Any byte that is not a lowercase hex digit, at any position, is refused.
        let good = *b"0123456789abcdef0123456789abcdef";
        for at in 0..32 {
            for c in 0..=255u8 {
                let mut text = good;
                text[at] = c;
                let digit = c.is_ascii_digit() || (b'a'..=b'f').contains(&c);
                assert_eq!(Pseudonym::from_hex(&text).is_some(), digit, "byte {c} at {at}");
            }
        }
    }

    #[test]
    fn pseudonyms_round_trip_hex_keep_its_order_and_never_print() {
        let p = Key::from_bytes([4; 32]).pseudonymizer();
        let mut texts: Vec<String> = (0..200).map(|i| p.pseudonym("person", &i.to_string())).collect();
        let ids: Vec<PersonId> = texts.iter().map(|t| PersonId::from_hex(t.as_bytes()).unwrap()).collect();
        for (t, id) in texts.iter().zip(&ids) {
            assert_eq!(&id.to_hex_string(), t);
            assert_eq!(Some(id.bucket(16)), bucket_of_hex(t, 16));
            assert!(*id == t.as_str());
        }
        let mut sorted = ids.clone();
        sorted.sort();
        texts.sort();
        assert_eq!(sorted.iter().map(|i| i.to_hex_string()).collect::<Vec<_>>(), texts);
        assert_eq!(PersonId::from_hex(b"0123456789ABCDEF0123456789abcdef"), None, "upper case is not a pseudonym");
        assert_eq!(PersonId::from_hex(b"0123"), None);
        assert_eq!(format!("{:?} {}", ids[0], ids[0]), "PersonId(..) <person>");
        let e = Pseudonym::from_digest(p.digest("episode", "1"));
        assert_eq!(e.to_hex_string(), p.pseudonym("episode", "1"));
        assert_eq!(format!("{e:?} {e}"), "Pseudonym(..) <pseudonym>");
        assert!(Pseudonym::label("E10") < Pseudonym::label("E2") && Pseudonym::label("E") < Pseudonym::label("E1"));
    }
}
