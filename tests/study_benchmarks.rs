//! The benchmark columns of a study's tables (docs/definitions.md §5.12), row by row: every
//! row's `bench_*` figure and `vs_*` flag looked up and tested here over the rows of
//! `tables.parquet` themselves (a map from each row's key to its figures, the two-proportion
//! z-test written out from §5.12), never from the study's SQL. Called by the cell-by-cell
//! studies of `study_cells.rs`, whose cells are checked against the raw rows there.

use std::collections::HashMap;
use std::path::Path;

use crate::common::query;

/// What a NULL reads as here (no column of the tables holds this text).
const NULL: &str = "<null>";

/// One row: its key within the tables and what the benchmarks of others take from it.
struct Row {
    /// table, cohort, outcome, variant, window, split, split value: a figure within a period.
    group: [String; 7],
    period: String,
    level: String,
    region: String,
    /// The headline figure: the percentage, or the rate per 1,000 of a rate outcome.
    figure: String,
    count: Option<i64>,
    /// Units of the figure: the denominator, or the population of a rate outcome.
    n: Option<i64>,
    youth_region_of: String,
    municipality_of: String,
    group_of: String,
    /// bench_national, vs_national, ..., bench_previous, vs_previous as written.
    got: [String; 10],
}

/// The two-sided two-proportion z-test with pooled variance at the 5 % level of §5.12.
fn z_flag(c1: Option<i64>, n1: Option<i64>, c2: Option<i64>, n2: Option<i64>) -> String {
    let (Some(c1), Some(n1), Some(c2), Some(n2)) = (c1, n1, c2, n2) else { return NULL.to_owned() };
    if n1 <= 0 || n2 <= 0 || c1 < 0 || c2 < 0 || c1 > n1 || c2 > n2 {
        return NULL.to_owned();
    }
    if c1 + c2 == 0 || c1 + c2 == n1 + n2 {
        return "similar".to_owned();
    }
    let (p1, p2) = (c1 as f64 / n1 as f64, c2 as f64 / n2 as f64);
    let pooled = (c1 + c2) as f64 / (n1 + n2) as f64;
    let z = (p1 - p2).abs() / (pooled * (1.0 - pooled) * (1.0 / n1 as f64 + 1.0 / n2 as f64)).sqrt();
    if z < 1.959_963_984_540_054 {
        "similar"
    } else if p1 > p2 {
        "higher"
    } else {
        "lower"
    }
    .to_owned()
}

/// The period before a period: `2021` → `2020`, `2021Q1` → `2020Q4`, `2021Q3` → `2021Q2`; none
/// before `all`.
fn previous(period: &str) -> Option<String> {
    if period == "all" || period == NULL {
        return None;
    }
    let year: i32 = period[..4].parse().unwrap();
    Some(match period.get(4..) {
        Some("Q1") => format!("{}Q4", year - 1),
        Some(q) if q.starts_with('Q') => format!("{year}Q{}", q[1..].parse::<u8>().unwrap() - 1),
        _ => (year - 1).to_string(),
    })
}

/// Check every benchmark of `dir/tables.parquet`; returns how many of each benchmark
/// (national, youth region, municipality, group, previous period) had a figure to compare with.
pub(crate) fn check_benchmarks(store: &Path, dir: &Path) -> [usize; 5] {
    let text = |c: &str| format!("coalesce(CAST({c} AS VARCHAR), '{NULL}')");
    let columns = [
        "table_name",
        "cohort",
        "outcome",
        "variant",
        "window_days",
        "split",
        "split_value",
        "period",
        "region_level",
        "region",
        "CASE WHEN population IS NULL THEN percentage ELSE rate_per_1000 END",
        "count",
        "CASE WHEN population IS NULL THEN denominator ELSE population END",
        "youth_region_of",
        "municipality_of",
        "group_of",
        "bench_national",
        "vs_national",
        "bench_youth_region",
        "vs_youth_region",
        "bench_municipality",
        "vs_municipality",
        "bench_group",
        "vs_group",
        "bench_previous",
        "vs_previous",
    ];
    let select: Vec<String> = columns.iter().map(|c| text(c)).collect();
    let sql = format!("SELECT {} FROM read_parquet('{}')", select.join(", "), dir.join("tables.parquet").display());
    let number = |s: &String| (s != NULL).then(|| s.parse::<i64>().unwrap());
    let rows: Vec<Row> = query(store, &sql)
        .into_iter()
        .map(|r| Row {
            group: std::array::from_fn(|i| if i == 4 && r[4] == NULL { "-1".to_owned() } else { r[i].clone() }),
            period: r[7].clone(),
            level: r[8].clone(),
            region: r[9].clone(),
            figure: r[10].clone(),
            count: number(&r[11]),
            n: number(&r[12]),
            youth_region_of: r[13].clone(),
            municipality_of: r[14].clone(),
            group_of: r[15].clone(),
            got: std::array::from_fn(|i| r[16 + i].clone()),
        })
        .collect();
    // A NULL in a key column matches nothing (SQL equality); a missing window is -1 on both
    // sides, so it matches.
    let known = |s: &String| s != NULL;
    let keyed = |r: &Row| r.group.iter().all(known) && known(&r.period);
    let mut by_key: HashMap<(&[String; 7], &str, &str, &str), Vec<&Row>> = HashMap::new();
    for r in rows.iter().filter(|r| keyed(r) && known(&r.level) && known(&r.region)) {
        by_key.entry((&r.group, r.period.as_str(), r.level.as_str(), r.region.as_str())).or_default().push(r);
    }
    let top_level = |l: &String| l == "national" || l == "cohort";
    let mut tops: HashMap<(&[String; 7], &str), Vec<&Row>> = HashMap::new();
    for r in rows.iter().filter(|r| keyed(r) && top_level(&r.level)) {
        tops.entry((&r.group, r.period.as_str())).or_default().push(r);
    }
    let mut compared = [0usize; 5];
    for r in &rows {
        let find = |period: &str, level: &str, region: &String| -> Option<&Row> {
            if !keyed(r) || !known(region) {
                return None;
            }
            let found = by_key.get(&(&r.group, period, level, region.as_str()))?;
            assert_eq!(found.len(), 1, "two rows with one key: {:?} {period} {level} {region}", r.group);
            Some(found[0])
        };
        let top = (keyed(r) && known(&r.level) && !top_level(&r.level))
            .then(|| tops.get(&(&r.group, r.period.as_str())))
            .flatten()
            .map(|t| {
                assert_eq!(t.len(), 1, "two top rows: {:?} {}", r.group, r.period);
                t[0]
            });
        let prev = previous(&r.period).filter(|_| known(&r.level)).and_then(|p| find(&p, &r.level, &r.region));
        let others = [
            top,
            find(&r.period, "youth_region", &r.youth_region_of),
            find(&r.period, "municipality", &r.municipality_of),
            find(&r.period, "municipality_group", &r.group_of),
            prev,
        ];
        let mut want: Vec<String> = Vec::with_capacity(10);
        for (k, other) in others.iter().enumerate() {
            let Some(o) = other else {
                want.extend([NULL.to_owned(), NULL.to_owned()]);
                continue;
            };
            compared[k] += 1;
            want.push(o.figure.clone());
            want.push(if k == 4 {
                z_flag(r.count, r.n, o.count, o.n)
            } else {
                // A region against the rest of the area it lies in.
                let rest = |a: Option<i64>, b: Option<i64>| a.zip(b).map(|(a, b)| a - b);
                z_flag(r.count, r.n, rest(o.count, r.count), rest(o.n, r.n))
            });
        }
        assert_eq!(
            r.got.as_slice(),
            want.as_slice(),
            "benchmarks of {:?} {} {} {}",
            r.group,
            r.period,
            r.level,
            r.region
        );
    }
    compared
}
