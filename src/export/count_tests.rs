//! Tests of the export's plain counts (docs/definitions.md §4.8.6): their cells, relations and
//! suppression, the households behind children, and the median of providers per family.

use super::*;

/// A row of a plain count (no denominator: modelled as count = denominator, as read_rows does).
fn count_row(input: &mut Input, row_no: i64, outcome: &str, cell: [&str; 4], count: u64) {
    let st = &mut input.strings;
    let key = ["sm", "all", outcome, "", "2024Q1", ""].map(|x| st.id(x));
    let cell = cell.map(|x| st.id(x));
    let system = match input.systems.iter().position(|s| *s == key) {
        Some(i) => i as u32,
        None => {
            input.systems.push(key);
            input.systems.len() as u32 - 1
        }
    };
    input.rows.push(InputRow { row_no, system, cell, count, denominator: count, group: None });
}

#[test]
fn count_cells_under_the_minimum_are_suppressed_with_their_relations_and_children_need_ten_households() {
    // Reports in 2024Q1 by hand, sites A and B, two municipalities (count, no denominator):
    //   GM0014: A 20, B 5 (total 25); GM0034: A 13, B 12 (total 25); NL: A 33, B 17 (total 50).
    // B 5 is primary (5 < 10). A plain count has no complement: 20 of 25 is not primary
    // although 25 - 20 = 5 (a percentage would be). Relations: GM0014's sites sum to its
    // total, so one more of A 20 / total 25 goes; the municipalities sum to NL per site, so
    // one more B (GM0034's 12) goes, and then its row needs one more too.
    let mut input = Input::default();
    let rows: [([&str; 4], u64); 9] = [
        (["national", "NL", "total", "total"], 50),
        (["national", "NL", "site", "A"], 33),
        (["national", "NL", "site", "B"], 17),
        (["municipality", "GM0014", "total", "total"], 25),
        (["municipality", "GM0014", "site", "A"], 20),
        (["municipality", "GM0014", "site", "B"], 5),
        (["municipality", "GM0034", "total", "total"], 25),
        (["municipality", "GM0034", "site", "A"], 13),
        (["municipality", "GM0034", "site", "B"], 12),
    ];
    for (i, (cell, n)) in rows.iter().enumerate() {
        count_row(&mut input, i as i64 + 1, "reports", *cell, *n);
    }
    // Families of the same period: GM0014 holds 9 households (under 10), GM0034 12; its
    // children 30 and 31 (each cell over 10 children). By sex: never published (counts.rs).
    count_row(&mut input, 20, "families", ["national", "NL", "total", "total"], 21);
    count_row(&mut input, 21, "families", ["municipality", "GM0014", "total", "total"], 9);
    count_row(&mut input, 22, "families", ["municipality", "GM0034", "total", "total"], 12);
    count_row(&mut input, 30, "family_children", ["national", "NL", "total", "total"], 61);
    count_row(&mut input, 31, "family_children", ["municipality", "GM0014", "total", "total"], 30);
    count_row(&mut input, 32, "family_children", ["municipality", "GM0034", "total", "total"], 31);
    count_row(&mut input, 33, "family_children", ["national", "NL", "sex", "f"], 40);
    count_row(&mut input, 34, "family_children", ["national", "NL", "sex", "m"], 21);
    let rule = Rule::default();
    let mut report = TablesReport::default();
    let (out, _) = pattern(
        &input,
        Path::new("tables.parquet"),
        rule,
        &YouthRegions::default(),
        &patterns::Cache::default(),
        &mut report,
        &indicatif::ProgressBar::hidden(),
    )
    .unwrap();
    let reason = |row: i64| out.iter().find(|(r, _)| *r == row).map(|(_, x)| *x);
    // Reports: B 5 primary; 20 of 25 is no primary (no complement), the totals stay published.
    assert_eq!(reason(6), Some(Reason::Primary));
    assert!(reason(5).is_some() || reason(4).is_some(), "GM0014 needs a second suppression: {out:?}");
    assert_eq!(reason(1), None, "NL total published");
    assert!([2, 3, 5, 7, 8, 9].iter().all(|&r| reason(r) != Some(Reason::Primary)), "only B 5 is primary: {out:?}");
    // Every relation with a suppressed cell holds two or more of them (no subtraction recovers one).
    let hidden = |r: i64| reason(r).is_some();
    for rel in [[4, 5, 6], [1, 2, 3], [7, 8, 9], [2, 5, 8], [3, 6, 9], [1, 4, 7]] {
        let n = rel.iter().filter(|&&r| hidden(r)).count();
        assert_ne!(n, 1, "relation {rel:?}: {out:?}");
    }
    assert!(report.relations_by_kind.get("categories").copied().unwrap_or(0) >= 3, "{report:?}");
    assert!(report.relations_by_kind.get("regions_in_national").copied().unwrap_or(0) >= 3, "{report:?}");
    // Families: 9 primary. Children: GM0014's 30 children are in 9 households: primary; the
    // by-sex cells are never published; GM0034 (12 households) and NL (21) pass, but GM0014
    // hidden alone in NL = GM0014 + GM0034 takes GM0034 along; NL's total stays.
    assert_eq!(reason(21), Some(Reason::Primary));
    assert_eq!(reason(31), Some(Reason::Primary));
    assert_eq!((reason(33), reason(34)), (Some(Reason::Primary), Some(Reason::Primary)));
    assert_eq!(reason(32), Some(Reason::Secondary));
    assert_eq!(reason(30), None);
}

#[test]
fn the_median_category_of_providers_per_family_is_read_from_the_published_categories_only() {
    // By hand (categories 0, 1, 2, 3_or_more; positions (n + 1) / 2 and n / 2 + 1):
    //   A 41, 7, 2, 0 (n 50: families 25 and 26 have 0 providers) -> 0;
    //   B 5, 5, 3, 1 (n 14: 7 and 8 lie in 1) -> 1;
    //   C 6, 6, 0, 0 (n 12: family 6 has 0, family 7 has 1) -> 0-1;
    //   D 0, 0, 4, 9 (n 13: family 7 lies in 3_or_more) -> 3_or_more;
    //   E 20, suppressed, 15, 12 -> none.
    let conn = duckdb::Connection::open_in_memory().unwrap();
    conn.execute_batch(
        "CREATE TABLE published (study VARCHAR, table_name VARCHAR, cohort VARCHAR, outcome VARCHAR, variant VARCHAR,
             window_days INTEGER, period VARCHAR, region_level VARCHAR, region VARCHAR, region_name VARCHAR,
             split VARCHAR, split_value VARCHAR, count BIGINT)",
    )
    .unwrap();
    let cells: [(&str, [Option<i64>; 4]); 5] = [
        ("A", [Some(41), Some(7), Some(2), Some(0)]),
        ("B", [Some(5), Some(5), Some(3), Some(1)]),
        ("C", [Some(6), Some(6), Some(0), Some(0)]),
        ("D", [Some(0), Some(0), Some(4), Some(9)]),
        ("E", [Some(20), None, Some(15), Some(12)]),
    ];
    for (region, counts) in cells {
        for (category, count) in ["0", "1", "2", "3_or_more"].iter().zip(counts) {
            conn.execute(
                "INSERT INTO published VALUES ('s', 'by_site', 'all', 'family_providers', ?, 365, '2024Q1',
                     'municipality', ?, ?, 'total', 'total', ?)",
                duckdb::params![category, region, region, count],
            )
            .unwrap();
        }
    }
    let mut stmt = conn.prepare(q::PROVIDER_MEDIANS).unwrap();
    let got: Vec<(String, Option<String>)> =
        stmt.query_map([], |r| Ok((r.get(7)?, r.get(11)?))).unwrap().map(std::result::Result::unwrap).collect();
    let want = [("A", Some("0")), ("B", Some("1")), ("C", Some("0-1")), ("D", Some("3_or_more")), ("E", None)]
        .map(|(r, m)| (r.to_owned(), m.map(str::to_owned)));
    assert_eq!(got, want);
}
