//! The reject-rate guard: a delivery of which one table had more than a share of its rows
//! quarantined (default 5%), or every row, is aborted and publishes nothing. A table that
//! lost so many rows is a broken file or a wrongly typed column, not a few bad records, and
//! publishing it would replace the source's rows with what little was left.

use std::collections::BTreeMap;

use crate::store::TableCounts;
use crate::validate::Quarantined;

/// The default largest share of a table's rows that may be quarantined.
pub const DEFAULT_MAX_REJECT_RATE: f64 = 0.05;

/// Why the delivery is aborted, when it is: the first table over the limit, with its share,
/// the limit and the rule and column most of its rows broke (names only, never a value).
pub fn check(tables: &[(String, TableCounts)], rows: &[Quarantined], limit: f64) -> Option<String> {
    let over: Vec<String> = tables
        .iter()
        .filter(|(_, c)| c.read > 0 && (c.quarantined == c.read || ratio(c.quarantined, c.read) > limit))
        .map(|(t, c)| {
            format!(
                "table {t}: {} of {} rows quarantined ({:.2}%{}){}",
                c.quarantined,
                c.read,
                ratio(c.quarantined, c.read) * 100.0,
                if c.quarantined == c.read { ", every row" } else { "" },
                most_common(rows, t).map(|m| format!(", mostly {m}")).unwrap_or_default()
            )
        })
        .collect();
    if over.is_empty() {
        return None;
    }
    Some(format!(
        "{}; the limit is {:.2}% of a table's rows (--max-reject-rate, plan max_reject_rate) and a table \
         with no row left is never published: nothing was published, the store is unchanged",
        over.join("; "),
        limit * 100.0
    ))
}

/// The rule and column most quarantined rows of `table` broke, with their count.
fn most_common(rows: &[Quarantined], table: &str) -> Option<String> {
    let mut counts: BTreeMap<(&str, &str), u64> = BTreeMap::new();
    for q in rows.iter().filter(|q| q.table == table) {
        *counts.entry((q.rule.as_str(), q.column.as_deref().unwrap_or(""))).or_insert(0) += 1;
    }
    let ((rule, column), n) = counts.into_iter().max_by_key(|(k, n)| (*n, std::cmp::Reverse(*k)))?;
    Some(if column.is_empty() { format!("{rule} ({n})") } else { format!("{rule} in {column} ({n})") })
}

/// `a / b`, 0 when `b` is 0.
pub fn ratio(a: u64, b: u64) -> f64 {
    if b == 0 {
        0.0
    } else {
        #[allow(clippy::cast_precision_loss)]
        let r = a as f64 / b as f64;
        r
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::validate::Rule;

    fn counts(read: u64, quarantined: u64) -> TableCounts {
        TableCounts { read, accepted: read - quarantined, quarantined, by_rule: BTreeMap::new() }
    }

    fn q(table: &str, rule: Rule, column: &str) -> Quarantined {
        Quarantined {
            table: table.into(),
            row: 1,
            line: 1,
            column: Some(column.into()),
            rule,
            message: String::new(),
            record: String::new(),
        }
    }

    #[test]
    fn the_limit_is_per_table_and_a_table_with_no_row_left_always_aborts() {
        let t = |n: &str, read, quarantined| (n.to_owned(), counts(read, quarantined));
        assert_eq!(check(&[t("persons", 100, 5), t("measures", 2, 0)], &[], 0.05), None);
        let why = check(&[t("persons", 100, 6), t("measures", 1000, 0)], &[], 0.05).expect("over");
        assert!(why.contains("table persons: 6 of 100 rows quarantined (6.00%)") && why.contains("5.00%"), "{why}");
        assert!(check(&[t("population", 3, 3)], &[], 1.0).expect("all").contains("every row"));
        assert_eq!(check(&[t("population", 0, 0)], &[], 0.0), None);
    }

    #[test]
    fn the_reason_names_the_most_common_rule_and_column() {
        let rows = [
            q("persons", Rule::Unparsable, "birth_date"),
            q("persons", Rule::Unparsable, "birth_date"),
            q("persons", Rule::UnknownCode, "sex"),
        ];
        let why = check(&[("persons".into(), counts(3, 3))], &rows, 0.05).expect("over");
        assert!(why.contains("mostly unparsable in birth_date (2)"), "{why}");
    }
}
