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
