//! The languages of the factsheets: every label, sentence and number format comes from a
//! translation file in `data-schema/factsheet/<lang>.toml` (compiled in), so a page in Dutch
//! uses a decimal comma and a dot between thousands, one in English the other way round.

use std::collections::BTreeMap;

use serde::Deserialize;

use super::error::{FactsheetError, Result};

/// The shipped translation files.
const FILES: [(&str, &str); 2] = [
    ("nl", include_str!("../../data-schema/factsheet/nl.toml")),
    ("en", include_str!("../../data-schema/factsheet/en.toml")),
];

/// The languages kohort ships, in the order of the index page.
pub const LANGUAGES: [&str; 2] = ["nl", "en"];

/// One translation file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Lang {
    /// Language code (`nl`, `en`), also the `lang` attribute of the pages.
    pub code: String,
    /// Decimal separator.
    pub decimal: String,
    /// Thousands separator.
    pub thousands: String,
    /// Labels and sentences by key (`{name}` placeholders).
    pub text: BTreeMap<String, String>,
    /// Outcome names and definition sentences by outcome id.
    pub outcomes: BTreeMap<String, Outcome>,
    /// Names of split dimensions.
    pub splits: BTreeMap<String, String>,
    /// Names of split categories per dimension (codes not listed show as they are).
    pub values: BTreeMap<String, BTreeMap<String, String>>,
}

/// An outcome's words.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Outcome {
    /// Short name (title).
    pub name: String,
    /// What the figure means: definition, denominator, window (`{window}` = days).
    pub definition: String,
}

impl Lang {
    /// The shipped translation of `code`.
    pub fn shipped(code: &str) -> Result<Self> {
        let (_, text) =
            FILES.iter().find(|(c, _)| *c == code).ok_or_else(|| FactsheetError::Language(code.to_owned()))?;
        toml::from_str(text).map_err(|e| FactsheetError::Translation {
            file: format!("data-schema/factsheet/{code}.toml"),
            message: e.to_string(),
        })
    }

    /// A label; a key missing from the file shows as the key (tests keep the files complete).
    #[must_use]
    pub fn t<'a>(&'a self, key: &'a str) -> &'a str {
        self.text.get(key).map_or(key, String::as_str)
    }

    /// A label with `{name}` placeholders filled in.
    #[must_use]
    pub fn fill(&self, key: &str, args: &[(&str, &str)]) -> String {
        fill(self.t(key), args)
    }

    /// The name of a split dimension.
    #[must_use]
    pub fn split<'a>(&'a self, dim: &'a str) -> &'a str {
        self.splits.get(dim).map_or(dim, String::as_str)
    }

    /// The name of a category.
    #[must_use]
    pub fn value<'a>(&'a self, dim: &str, value: &'a str) -> &'a str {
        self.values.get(dim).and_then(|m| m.get(value)).map_or(value, String::as_str)
    }

    /// A whole number with thousands separators.
    #[must_use]
    pub fn int(&self, v: i64) -> String {
        let digits = v.unsigned_abs().to_string();
        let sign = if v < 0 { "-" } else { "" };
        format!("{sign}{}", self.group(&digits))
    }

    /// A number with `decimals` decimals (rounded half away from zero on the decimal text).
    #[must_use]
    pub fn dec(&self, v: f64, decimals: usize) -> String {
        let text = format!("{:.*}", decimals, v.abs());
        let (whole, frac) = text.split_once('.').unwrap_or((&text, ""));
        let sign = if v < 0.0 && text.chars().any(|c| c.is_ascii_digit() && c != '0') { "-" } else { "" };
        if frac.is_empty() {
            format!("{sign}{}", self.group(whole))
        } else {
            format!("{sign}{}{}{frac}", self.group(whole), self.decimal)
        }
    }

    fn group(&self, digits: &str) -> String {
        let mut out = String::new();
        for (i, c) in digits.chars().enumerate() {
            if i > 0 && (digits.len() - i).is_multiple_of(3) {
                out.push_str(&self.thousands);
            }
            out.push(c);
        }
        out
    }

    /// A period as words: `2021`, `2021Q3` (quarter label), `all` (whole study period).
    #[must_use]
    pub fn period(&self, p: &str) -> String {
        if p == "all" {
            return self.t("period_all").to_owned();
        }
        match p.split_once('Q') {
            Some((y, q)) => self.fill("period_quarter", &[("year", y), ("quarter", q)]),
            None => p.to_owned(),
        }
    }
}

impl Lang {
    /// A period as a short label under a chart's axis: a quarter as `2024 Q3` (`2024 K3`),
    /// anything else as [`Lang::period`].
    #[must_use]
    pub fn period_short(&self, p: &str) -> String {
        match p.split_once('Q') {
            Some((y, q)) if super::model::is_quarter(p) => {
                self.fill("period_quarter_short", &[("year", y), ("quarter", q)])
            }
            _ => self.period(p),
        }
    }
}

/// Replace `{name}` by its value.
#[must_use]
pub fn fill(template: &str, args: &[(&str, &str)]) -> String {
    let mut out = template.to_owned();
    for (k, v) in args {
        out = out.replace(&format!("{{{k}}}"), v);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dutch_uses_a_decimal_comma_and_dots_between_thousands_english_the_reverse() {
        let nl = Lang::shipped("nl").unwrap();
        let en = Lang::shipped("en").unwrap();
        assert_eq!(nl.dec(1234.56, 1), "1.234,6");
        assert_eq!(en.dec(1234.56, 1), "1,234.6");
        assert_eq!(nl.int(1_234_567), "1.234.567");
        assert_eq!(en.int(999), "999");
        assert_eq!(nl.dec(0.04, 1), "0,0");
        assert_eq!(nl.dec(12.0, 0), "12");
    }

    #[test]
    fn both_translations_name_the_same_labels_outcomes_splits_and_categories() {
        let nl = Lang::shipped("nl").unwrap();
        let en = Lang::shipped("en").unwrap();
        let keys = |m: &BTreeMap<String, String>| m.keys().cloned().collect::<Vec<_>>();
        assert_eq!(keys(&nl.text), keys(&en.text));
        assert_eq!(keys(&nl.splits), keys(&en.splits));
        assert_eq!(nl.outcomes.keys().collect::<Vec<_>>(), en.outcomes.keys().collect::<Vec<_>>());
        for (dim, m) in &nl.values {
            assert_eq!(Some(keys(m)), en.values.get(dim).map(keys), "{dim}");
        }
        for spec in &crate::study::catalogue::CATALOGUE {
            assert!(nl.outcomes.contains_key(spec.id), "{} has Dutch words", spec.id);
        }
    }
}
