//! Strict parsers for delivered values.

use chrono::NaiveDate;

/// Parse a strict ISO `YYYY-MM-DD` date.
pub fn parse_date(s: &str) -> Option<NaiveDate> {
    let b = s.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let year = digits(&b[0..4])?;
    let month = digits(&b[5..7])?;
    let day = digits(&b[8..10])?;
    NaiveDate::from_ymd_opt(i32::try_from(year).ok()?, month, day)
}

/// A delivered date value read by [`parse_day`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Day {
    /// A date (`YYYY-MM-DD`, or a timestamp at midnight).
    Date(NaiveDate),
    /// A well-formed timestamp with a time of day other than midnight.
    WithTime,
    /// Not a date.
    Invalid,
}

/// A delivered date: `YYYY-MM-DD`, or a timestamp at midnight as Parquet timestamp columns and
/// spreadsheet exports give it: `YYYY-MM-DDT00:00:00` (or a space for the `T`), an optional
/// fraction of zeros, an optional `Z` or UTC offset. A timestamp at another time of day is
/// [`Day::WithTime`]: the column holds moments, not dates.
pub fn parse_day(s: &str) -> Day {
    if s.len() == 10 {
        return parse_date(s).map_or(Day::Invalid, Day::Date);
    }
    let b = s.as_bytes();
    if b.len() < 19 || !matches!(b[10], b'T' | b' ') {
        return Day::Invalid;
    }
    let Some(date) = parse_date(&s[..10]) else { return Day::Invalid };
    match time_is_midnight(&s[11..]) {
        Some(true) => Day::Date(date),
        Some(false) => Day::WithTime,
        None => Day::Invalid,
    }
}

/// `HH:MM:SS[.fff][Z|±HH:MM|±HHMM|±HH]`: whether it is midnight; `None` when malformed.
fn time_is_midnight(t: &str) -> Option<bool> {
    let b = t.as_bytes();
    if b.len() < 8 || b[2] != b':' || b[5] != b':' {
        return None;
    }
    let (h, m, sec) = (digits(&b[0..2])?, digits(&b[3..5])?, digits(&b[6..8])?);
    if h > 23 || m > 59 || sec > 60 {
        return None;
    }
    let mut rest = &t[8..];
    let mut fraction_zero = true;
    if let Some(f) = rest.strip_prefix('.') {
        let n = f.bytes().take_while(u8::is_ascii_digit).count();
        if n == 0 {
            return None;
        }
        fraction_zero = f[..n].bytes().all(|c| c == b'0');
        rest = &f[n..];
    }
    let zone_ok = match rest.as_bytes() {
        [] | [b'Z'] => true,
        [b'+' | b'-', z @ ..] => {
            let z: Vec<u8> = z.iter().copied().filter(|c| *c != b':').collect();
            (z.len() == 2 || z.len() == 4) && z.iter().all(u8::is_ascii_digit)
        }
        _ => false,
    };
    zone_ok.then_some(h == 0 && m == 0 && sec == 0 && fraction_zero)
}

/// Parse a birth date: `YYYY-MM-DD`, or `YYYY-MM` taken as the 15th. The flag says whether
/// only the month was known.
pub fn parse_birth_date(s: &str) -> Option<(NaiveDate, bool)> {
    if s.len() == 7 {
        let b = s.as_bytes();
        if b[4] != b'-' {
            return None;
        }
        let year = digits(&b[0..4])?;
        let month = digits(&b[5..7])?;
        return NaiveDate::from_ymd_opt(i32::try_from(year).ok()?, month, 15).map(|d| (d, true));
    }
    parse_date(s).map(|d| (d, false))
}

fn digits(b: &[u8]) -> Option<u32> {
    b.iter().try_fold(0u32, |acc, &c| c.is_ascii_digit().then(|| acc * 10 + u32::from(c - b'0')))
}

/// Whether `s` is `prefix` followed by exactly `n` ASCII digits.
pub fn is_code_format(s: &str, prefix: &str, n: usize) -> bool {
    s.len() == prefix.len() + n && s.starts_with(prefix) && s.as_bytes()[prefix.len()..].iter().all(u8::is_ascii_digit)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_strict() {
        assert_eq!(parse_date("2024-02-29"), NaiveDate::from_ymd_opt(2024, 2, 29));
        for bad in ["2023-02-29", "2023-2-01", "2023/02/01", "20230201", "2023-13-01", " 2023-01-01", "abcd-ef-gh"] {
            assert_eq!(parse_date(bad), None, "{bad}");
        }
    }

    #[test]
    fn timestamps_at_midnight_are_dates_and_other_times_are_told_apart() {
        let d = NaiveDate::from_ymd_opt(1990, 4, 12).unwrap();
        for ok in [
            "1990-04-12",
            "1990-04-12T00:00:00",
            "1990-04-12 00:00:00",
            "1990-04-12T00:00:00.000000",
            "1990-04-12T00:00:00Z",
            "1990-04-12T00:00:00+02:00",
            "1990-04-12T00:00:00-0130",
        ] {
            assert_eq!(parse_day(ok), Day::Date(d), "{ok}");
        }
        for time in ["1990-04-12T10:30:00", "1990-04-12T00:00:00.5", "1990-04-12 00:00:01+01:00"] {
            assert_eq!(parse_day(time), Day::WithTime, "{time}");
        }
        for bad in [
            "1990-04-12T",
            "1990-04-12T24:00:00",
            "1990-04-12T00:00",
            "1990-04-12X00:00:00",
            "1990-02-30T00:00:00",
            "1990-04-12T00:00:00 CET",
        ] {
            assert_eq!(parse_day(bad), Day::Invalid, "{bad}");
        }
    }

    #[test]
    fn month_precision_birth_dates_are_the_fifteenth() {
        assert_eq!(parse_birth_date("2010-06"), Some((NaiveDate::from_ymd_opt(2010, 6, 15).unwrap(), true)));
        assert_eq!(parse_birth_date("2010-06-02"), Some((NaiveDate::from_ymd_opt(2010, 6, 2).unwrap(), false)));
        assert_eq!(parse_birth_date("2010-6"), None);
        assert_eq!(parse_birth_date("2010-13"), None);
    }

    #[test]
    fn code_formats() {
        assert!(is_code_format("GM0014", "GM", 4));
        assert!(!is_code_format("GM014", "GM", 4));
        assert!(!is_code_format("gm0014", "GM", 4));
        assert!(is_code_format("WK001401", "WK", 6));
        assert!(!is_code_format("WK00140A", "WK", 6));
    }
}
