//! Code lists as the generator uses them (docs/definitions.md §2.5, §3.1), and identifiers: person ids are 9-digit
//! numbers passing the Dutch 11-proef, like real BSNs; other ids are a letter and digits.

use std::fmt;

/// Care forms in ladder order (index = position in `form_mix`).
pub const CARE_FORMS: [(&str, u8, u8); 8] = [
    ("local_team", 31, 1),
    ("ambulant", 32, 2),
    ("network", 34, 2),
    ("day_treatment", 33, 3),
    ("foster_care", 35, 4),
    ("family_home", 36, 4),
    ("residential", 38, 5),
    ("secure", 37, 6),
];

/// Default ladder level of a care form index.
pub fn level(form: usize) -> u8 {
    CARE_FORMS[form].2
}

/// Care end reasons: the first seven in `end_reasons` order, then the finer `moved` and `died`
/// (both count as external) used when an episode ends at emigration or death.
pub const END_REASONS: [&str; 9] =
    ["planned", "early_mutual", "early_client", "early_provider", "external", "other", "unknown", "moved", "died"];

/// Index of `moved` in [`END_REASONS`].
pub const MOVED: usize = 7;
/// Index of `died` in [`END_REASONS`].
pub const DIED: usize = 8;

/// An end reason as delivered: the CBS code `01`–`05` when the register delivers codes and the
/// reason has one, else the name.
pub fn end_reason_text(reason: usize, as_code: bool) -> String {
    if as_code && reason < 5 { format!("{:02}", reason + 1) } else { END_REASONS[reason].to_string() }
}

/// A care form as delivered: its BIJ code or its name.
pub fn care_form_text(form: usize, as_code: bool) -> String {
    let (name, code, _) = CARE_FORMS[form];
    if as_code { code.to_string() } else { name.to_string() }
}

/// Protection measure kinds.
pub const MEASURE_KINDS: [&str; 5] =
    ["ots", "provisional_ots", "guardianship", "provisional_guardianship", "youth_probation"];

/// Sex codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Sex {
    M,
    F,
    X,
    U,
}

impl Sex {
    /// The delivery code.
    pub fn code(self) -> &'static str {
        match self {
            Sex::M => "m",
            Sex::F => "f",
            Sex::X => "x",
            Sex::U => "u",
        }
    }
}

/// A person id shaped like a BSN: 9 digits whose weighted sum passes the 11-proef.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Bsn(u32);

impl Bsn {
    /// The `n`-th valid number (a bijection from `n` onto valid BSNs from 100000000 up).
    ///
    /// # Panics
    /// When `n` is 81 million or more: there are no more 9-digit numbers of this form.
    #[must_use]
    pub fn nth(n: u64) -> Bsn {
        assert!(n < 81_000_000, "at most 81 million person ids");
        let block = 1_000_000 + n / 9; // digits d1..d7
        let k = (n % 9) as u32;
        let digits: Vec<u32> = block.to_string().bytes().map(|b| u32::from(b - b'0')).collect();
        let s7: u32 = digits.iter().zip((3..=9).rev()).map(|(d, w)| d * w).sum();
        // d8 (weight 2) runs over 0..=9; exactly one value makes the check digit 10: skip it.
        let mut seen = 0;
        for d8 in 0..10u32 {
            let d9 = (s7 + 2 * d8) % 11;
            if d9 == 10 {
                continue;
            }
            if seen == k {
                #[allow(clippy::expect_used)] // block < 10^7 by construction above
                let value = u32::try_from(block).expect("block < 10^7") * 100 + d8 * 10 + d9;
                return Bsn(value);
            }
            seen += 1;
        }
        unreachable!("nine of ten d8 values are valid")
    }

    /// True when `s` is 9 digits passing the 11-proef (used by tests and the privacy scan).
    #[must_use]
    pub fn is_valid(s: &str) -> bool {
        let b = s.as_bytes();
        if b.len() != 9 || !b.iter().all(u8::is_ascii_digit) {
            return false;
        }
        let sum: i64 = b[..8].iter().zip((2..=9).rev()).map(|(d, w)| i64::from(d - b'0') * w).sum();
        (sum - i64::from(b[8] - b'0')) % 11 == 0
    }
}

impl fmt::Display for Bsn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:09}", self.0)
    }
}

impl fmt::Debug for Bsn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Bsn(..)")
    }
}

/// A non-person id: a prefix letter and a zero-padded number, e.g. `E000000123`.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct Id(pub char, pub u64);

impl fmt::Display for Id {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}{:09}", self.0, self.1)
    }
}

/// A municipality code `GM` + 4 digits and its districts `WK` + 6 digits.
pub fn district_code(municipality: &str, district: u32) -> String {
    format!("WK{}{:02}", &municipality[2..], district)
}

#[cfg(test)]
mod tests {
    use super::Bsn;

    #[test]
    fn nth_bsn_passes_elfproef_and_is_distinct() {
        let mut prev = None;
        for n in 0..5000 {
            let b = Bsn::nth(n);
            assert!(Bsn::is_valid(&b.to_string()), "{b}");
            assert!(prev < Some(b));
            prev = Some(b);
        }
    }
}
