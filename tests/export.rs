//! `kohort export tables`: the attack suite on disclosure-controlled study tables. For every
//! suppressed cell, a linear program over everything published (values of published cells, the
//! additive relations of data-schema/study_tables.md written out here independently, counts
//! between 0 and their denominators) bounds its count and its complement: neither may be pinned
//! or narrowed under the threshold. Published percentages never come from a suppressed or small
//! count, and the same input gives the same bytes.

use std::collections::BTreeMap;
use std::path::Path;

use minilp::{ComparisonOp, OptimizationDirection, Problem};

use crate::common::*;

const MUNIS: [&str; 4] = ["GM0001", "GM0002", "GM0003", "GM0004"];
const SEXES: [&str; 2] = ["f", "m"];
const AGES: [&str; 3] = ["0-3", "4-11", "12-17"];

/// Leaf counts per municipality x sex x age (count, denominator), from a fixed LCG: many cells
/// small enough to need suppression, some large.
fn leaves(seed: u64) -> Vec<(usize, usize, usize, u64, u64)> {
    let mut x = seed;
    let mut next = |m: u64| {
        x = x.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        (x >> 33) % m
    };
    let mut out = Vec::new();
    for m in 0..MUNIS.len() {
        for s in 0..SEXES.len() {
            for a in 0..AGES.len() {
                let den = if next(3) == 0 { next(12) } else { 10 + next(90) };
                let count = if den == 0 { 0 } else { next(den + 1) };
                out.push((m, s, a, count, den));
            }
        }
    }
    out
}

/// Write a study folder with two linked tables (by sex, by age band) at municipality and
/// national level, with their total rows.
fn study(dir: &Path, seed: u64) {
    std::fs::create_dir_all(dir).unwrap();
    let leaves = leaves(seed);
    let mut rows: BTreeMap<[String; 5], (u64, u64)> = BTreeMap::new();
    let mut add = |table: &str, level: &str, region: &str, split: &str, value: &str, c: u64, n: u64| {
        let e = rows.entry([table, level, region, split, value].map(str::to_owned)).or_insert((0, 0));
        e.0 += c;
        e.1 += n;
    };
    for &(m, s, a, c, n) in &leaves {
        for (table, split, value) in [("by_sex", "sex", SEXES[s]), ("by_age", "age_band", AGES[a])] {
            for (level, region) in [("municipality", MUNIS[m]), ("national", "NL")] {
                add(table, level, region, split, value, c, n);
                add(table, level, region, "total", "total", c, n);
            }
        }
    }
    let conn = duckdb::Connection::open_in_memory().unwrap();
    conn.execute_batch(
        "CREATE TABLE t (study VARCHAR, table_name VARCHAR, cohort VARCHAR, outcome VARCHAR, window_days INTEGER,
         period VARCHAR, region_level VARCHAR, region VARCHAR, split VARCHAR, split_value VARCHAR, count BIGINT,
         denominator BIGINT, percentage DOUBLE, ci_lower DOUBLE, ci_upper DOUBLE, population BIGINT,
         rate_per_1000 DOUBLE)",
    )
    .unwrap();
    for ([table, level, region, split, value], (c, n)) in rows {
        let pct = if n > 0 { Some(100.0 * c as f64 / n as f64) } else { None };
        conn.execute(
            "INSERT INTO t VALUES ('s', ?, 'c', 'reentry', 365, 'all', ?, ?, ?, ?, ?, ?, ?, NULL, NULL, NULL, NULL)",
            duckdb::params![table, level, region, split, value, c as i64, n as i64, pct],
        )
        .unwrap();
    }
    let path = dir.join("tables.parquet");
    conn.execute_batch(&format!("COPY t TO '{}' (FORMAT parquet)", path.display())).unwrap();
    // A survival table per municipality: a risk set shrinking by small event and censoring counts.
    conn.execute_batch(
        "CREATE TABLE s (study VARCHAR, table_name VARCHAR, cohort VARCHAR, outcome VARCHAR, period VARCHAR,
         region_level VARCHAR, region VARCHAR, split VARCHAR, split_value VARCHAR, time INTEGER, at_risk BIGINT,
         events BIGINT, censored BIGINT, estimate DOUBLE, lower DOUBLE, upper DOUBLE)",
    )
    .unwrap();
    let mut x = seed;
    for m in MUNIS {
        let (mut n, mut surv) = (120u64, 1.0f64);
        for time in 1..=80 {
            x = x.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
            let (events, censored) = (((x >> 33) % 5).min(n), ((x >> 40) % 3).min(n.saturating_sub((x >> 33) % 5)));
            if n == 0 {
                break;
            }
            surv *= 1.0 - events as f64 / n as f64;
            conn.execute(
                "INSERT INTO s VALUES ('s', 'km', 'c', 'reentry', 'all', 'municipality', ?, 'total', 'total', ?, ?, ?, ?, ?, ?, ?)",
                duckdb::params![m, time, n as i64, events as i64, censored as i64, surv, surv * 0.9, (surv * 1.1).min(1.0)],
            )
            .unwrap();
            n -= events + censored;
        }
    }
    conn.execute_batch(&format!("COPY s TO '{}' (FORMAT parquet)", dir.join("survival.parquet").display())).unwrap();
}

fn export(input: &Path, out: &Path, extra: &[&str]) {
    kohort().args(["export", "tables", "--in"]).arg(input).arg("--out").arg(out).args(extra).assert().success();
}

/// Published cells keyed by (level, region, split, value): Some((count, denominator)) or None.
type Published = BTreeMap<[String; 4], Option<(f64, f64)>>;

fn published(out: &Path) -> Published {
    let conn = duckdb::Connection::open_in_memory().unwrap();
    let sql = format!(
        "SELECT region_level, region, split, split_value, count, denominator, suppressed
         FROM read_parquet('{}')",
        out.join("tables.parquet").display()
    );
    let mut stmt = conn.prepare(&sql).unwrap();
    let rows = stmt
        .query_map([], |r| {
            Ok((
                [r.get::<_, String>(0)?, r.get(1)?, r.get(2)?, r.get(3)?],
                r.get::<_, Option<i64>>(4)?,
                r.get::<_, Option<i64>>(5)?,
                r.get::<_, bool>(6)?,
            ))
        })
        .unwrap();
    let mut out = Published::new();
    for row in rows {
        let (key, c, n, suppressed) = row.unwrap();
        let v = if suppressed { None } else { Some((c.unwrap() as f64, n.unwrap() as f64)) };
        if let Some(prev) = out.insert(key.clone(), v) {
            assert_eq!(prev, v, "a shared cell is published alike in every table: {key:?}");
        }
    }
    out
}

/// The additive relations of the contract, written out independently of kohort.
fn relations(cells: &Published) -> Vec<([String; 4], Vec<[String; 4]>)> {
    let k = |a: &str, b: &str, c: &str, d: &str| [a.to_owned(), b.to_owned(), c.to_owned(), d.to_owned()];
    let mut out: Vec<([String; 4], Vec<[String; 4]>)> = Vec::new();
    for (level, region) in MUNIS.iter().map(|m| ("municipality", *m)).chain([("national", "NL")]) {
        out.push((k(level, region, "total", "total"), SEXES.iter().map(|s| k(level, region, "sex", s)).collect()));
        out.push((k(level, region, "total", "total"), AGES.iter().map(|a| k(level, region, "age_band", a)).collect()));
    }
    let splits: Vec<(&str, &str)> = [("total", "total")]
        .into_iter()
        .chain(SEXES.map(|s| ("sex", s)))
        .chain(AGES.map(|a| ("age_band", a)))
        .collect();
    for (split, value) in splits {
        out.push((
            k("national", "NL", split, value),
            MUNIS.iter().map(|m| k("municipality", m, split, value)).collect(),
        ));
    }
    for (t, parts) in &out {
        assert!(cells.contains_key(t) && parts.iter().all(|p| cells.contains_key(p)), "fixture covers {t:?}");
    }
    out
}

/// Feasible range of a suppressed cell's count and of its complement, by linear programming.
fn ranges(cells: &Published, target: &[String; 4]) -> ((f64, f64), (f64, f64)) {
    let solve = |direction, complement: bool| {
        let mut p = Problem::new(direction);
        let mut vars = BTreeMap::new();
        for (key, v) in cells {
            let objective = |x: f64| if key == target { x } else { 0.0 };
            let (c, n) = if let Some((c, n)) = v {
                (p.add_var(0.0, (*c, *c)), p.add_var(0.0, (*n, *n)))
            } else {
                let c = p.add_var(objective(if complement { -1.0 } else { 1.0 }), (0.0, f64::INFINITY));
                let n = p.add_var(objective(if complement { 1.0 } else { 0.0 }), (0.0, f64::INFINITY));
                (c, n)
            };
            p.add_constraint([(c, 1.0), (n, -1.0)], ComparisonOp::Le, 0.0);
            vars.insert(key.clone(), (c, n));
        }
        for (total, parts) in relations(cells) {
            for pick in [0usize, 1] {
                let var = |k: &[String; 4]| if pick == 0 { vars[k].0 } else { vars[k].1 };
                let mut terms = vec![(var(&total), -1.0)];
                terms.extend(parts.iter().map(|q| (var(q), 1.0)));
                p.add_constraint(&terms, ComparisonOp::Eq, 0.0);
            }
        }
        p.solve().expect("the published figures are consistent").objective()
    };
    let count = (solve(OptimizationDirection::Minimize, false), solve(OptimizationDirection::Maximize, false));
    let comp = (solve(OptimizationDirection::Minimize, true), solve(OptimizationDirection::Maximize, true));
    (count, comp)
}

#[test]
fn no_suppressed_cell_can_be_recovered_or_narrowed_from_the_published_tables() {
    let tmp = tempfile::tempdir().unwrap();
    let mut suppressed_seen = 0;
    for seed in 1..=6u64 {
        let input = tmp.path().join(format!("study{seed}"));
        study(&input, seed);
        let out = tmp.path().join(format!("export{seed}"));
        export(&input, &out, &[]);
        let cells = published(&out);
        for (key, v) in &cells {
            if let Some((c, n)) = v {
                assert!(*c >= 10.0 && n - c >= 10.0, "seed {seed}: {key:?} published under the 10-rule");
            } else {
                suppressed_seen += 1;
                let ((lo, hi), (clo, chi)) = ranges(&cells, key);
                assert!(hi - lo >= 10.0 - 1e-6, "seed {seed}: count of {key:?} lies in [{lo}, {hi}]");
                assert!(chi - clo >= 10.0 - 1e-6, "seed {seed}: complement of {key:?} lies in [{clo}, {chi}]");
            }
        }
    }
    assert!(suppressed_seen > 50, "the fixtures exercise suppression: {suppressed_seen}");
}

#[test]
fn the_attack_recovers_cells_when_only_primary_suppression_is_applied() {
    // The negative control: publish everything but the primary cells, and the same linear
    // programs pin or narrow some of them. So the attack above is not toothless.
    let tmp = tempfile::tempdir().unwrap();
    let input = tmp.path().join("study");
    study(&input, 3);
    let out = tmp.path().join("export");
    export(&input, &out, &[]);
    let conn = duckdb::Connection::open_in_memory().unwrap();
    let sql = format!(
        "SELECT o.region_level, o.region, o.split, o.split_value, i.count, i.denominator, o.reason
         FROM read_parquet('{}') o JOIN read_parquet('{}') i USING (table_name, region_level, region, split, split_value)",
        out.join("tables.parquet").display(),
        input.join("tables.parquet").display()
    );
    let mut stmt = conn.prepare(&sql).unwrap();
    let mut primary_only = Published::new();
    let rows = stmt
        .query_map([], |r| {
            Ok((
                [r.get::<_, String>(0)?, r.get(1)?, r.get(2)?, r.get(3)?],
                r.get::<_, i64>(4)?,
                r.get::<_, i64>(5)?,
                r.get::<_, Option<String>>(6)?,
            ))
        })
        .unwrap();
    for row in rows {
        let (key, c, n, reason) = row.unwrap();
        let v = (reason.as_deref() != Some("primary")).then_some((c as f64, n as f64));
        primary_only.insert(key, v);
    }
    let exposed = primary_only
        .iter()
        .filter(|(_, v)| v.is_none())
        .filter(|(key, _)| {
            let ((lo, hi), (clo, chi)) = ranges(&primary_only, key);
            hi - lo < 10.0 - 1e-6 || chi - clo < 10.0 - 1e-6
        })
        .count();
    assert!(exposed > 0, "primary suppression alone leaves cells recoverable");
}

#[test]
fn percentages_follow_their_counts_and_the_export_is_deterministic_with_its_documents() {
    let tmp = tempfile::tempdir().unwrap();
    let input = tmp.path().join("study");
    study(&input, 42);
    let (a, b) = (tmp.path().join("a"), tmp.path().join("b"));
    export(&input, &a, &[]);
    export(&input, &b, &[]);
    let files = [
        "tables.parquet",
        "tables.csv",
        "codebook.md",
        "disclosure_report.md",
        "disclosure_report.json",
        "read.R",
        "read.py",
        "read.sps",
    ];
    for f in files {
        assert_eq!(std::fs::read(a.join(f)).unwrap(), std::fs::read(b.join(f)).unwrap(), "{f} byte-identical");
    }
    let conn = duckdb::Connection::open_in_memory().unwrap();
    let q = |sql: &str| -> i64 {
        conn.query_row(
            &sql.replace("{T}", &format!("read_parquet('{}')", a.join("tables.parquet").display())),
            [],
            |r| r.get(0),
        )
        .unwrap()
    };
    assert_eq!(
        q(
            "SELECT count(*) FROM {T} WHERE suppressed AND (count IS NOT NULL OR percentage IS NOT NULL OR ci_lower IS NOT NULL OR denominator IS NOT NULL)"
        ),
        0
    );
    assert_eq!(
        q("SELECT count(*) FROM {T} WHERE NOT suppressed AND abs(percentage - 100.0 * count / denominator) > 1e-9"),
        0
    );
    assert!(q("SELECT count(*) FROM {T} WHERE suppressed AND reason = 'secondary'") > 0);
    // Rounding to base 5: published counts are multiples of 5 and percentages follow them.
    let r5 = tmp.path().join("r5");
    export(&input, &r5, &["--round-base", "5"]);
    let q5 = |sql: &str| -> i64 {
        conn.query_row(
            &sql.replace("{T}", &format!("read_parquet('{}')", r5.join("tables.parquet").display())),
            [],
            |r| r.get(0),
        )
        .unwrap()
    };
    assert_eq!(q5("SELECT count(*) FROM {T} WHERE NOT suppressed AND (count % 5 <> 0 OR denominator % 5 <> 0)"), 0);
    assert_eq!(
        q5("SELECT count(*) FROM {T} WHERE NOT suppressed AND abs(percentage - 100.0 * count / denominator) > 1e-9"),
        0
    );
    let report = std::fs::read_to_string(a.join("disclosure_report.md")).unwrap();
    assert!(report.contains("Secondary suppression") && report.contains("| rows |"), "{report}");
    assert!(report.contains("| relations implied: categories |") && !report.contains("suppression time"), "{report}");
}

#[test]
fn a_study_table_that_breaks_the_contract_is_refused_with_its_cell_named() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("bad");
    std::fs::create_dir_all(&dir).unwrap();
    let conn = duckdb::Connection::open_in_memory().unwrap();
    conn.execute_batch(&format!(
        "COPY (SELECT 's' AS study, 't' AS table_name, 'c' AS cohort, 'reentry' AS outcome, 365 AS window_days,
                'all' AS period, 'national' AS region_level, 'NL' AS region, 'total' AS split, 'total' AS split_value,
                20::BIGINT AS count, 10::BIGINT AS denominator, NULL::DOUBLE AS percentage, NULL::DOUBLE AS ci_lower,
                NULL::DOUBLE AS ci_upper, NULL::BIGINT AS population, NULL::DOUBLE AS rate_per_1000)
         TO '{}' (FORMAT parquet)",
        dir.join("tables.parquet").display()
    ))
    .unwrap();
    let out =
        kohort().args(["export", "tables", "--in"]).arg(&dir).arg("--out").arg(tmp.path().join("o")).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("count exceeds its denominator") && err.contains("tables.parquet"), "{err}");
    assert!(err.contains("table t, outcome reentry, period all, region NL, total = total"), "{err}");
    assert!(!tmp.path().join("o").exists(), "nothing written");
}

#[test]
fn a_rate_whose_count_exceeds_its_population_is_published_or_suppressed_as_a_count() {
    // care_use by hand (persons, population = residents on 1 January), NL = GM0014 + GM0034:
    //   2021: GM0014 3 of 2 (more in care than residents: the 10-rule on the count), GM0034 37 of
    //         298, NL 40 of 300;
    //   2022: GM0014 30 of 25 (30 >= 10, but no resident is outside the count), GM0034 45 of 180,
    //         NL 75 of 205;
    //   2023: GM0014 20 of 100, GM0034 30 of 100, NL 50 of 200: nothing to suppress.
    // GM0014 is primary in 2021 and 2022; GM0034 then follows as secondary (NL minus GM0034 would
    // give it back). In 2021 NL goes too: GM0014 is at most 3 whatever is hidden (its population
    // is public), so NL 40 would pin GM0034 to [37, 40]. In 2022 GM0014 can be anything in
    // [0, 30] and GM0034 in [45, 75]. The population is public: it stays in every row.
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("rates");
    std::fs::create_dir_all(&dir).unwrap();
    let rows: [(&str, &str, &str, i64, i64); 9] = [
        ("2021", "national", "NL", 40, 300),
        ("2021", "municipality", "GM0014", 3, 2),
        ("2021", "municipality", "GM0034", 37, 298),
        ("2022", "national", "NL", 75, 205),
        ("2022", "municipality", "GM0014", 30, 25),
        ("2022", "municipality", "GM0034", 45, 180),
        ("2023", "national", "NL", 50, 200),
        ("2023", "municipality", "GM0014", 20, 100),
        ("2023", "municipality", "GM0034", 30, 100),
    ];
    let values: Vec<String> = rows.iter().map(|(p, l, r, c, n)| format!("('{p}', '{l}', '{r}', {c}, {n})")).collect();
    let conn = duckdb::Connection::open_in_memory().unwrap();
    conn.execute_batch(&format!(
        "COPY (SELECT 's' AS study, 't' AS table_name, 'all' AS cohort, 'care_use' AS outcome, '' AS variant,
                NULL::INTEGER AS window_days, period, region_level, region, 'total' AS split, 'total' AS split_value,
                count::BIGINT AS count, population::BIGINT AS denominator, 100.0 * count / population AS percentage,
                NULL::DOUBLE AS ci_lower, NULL::DOUBLE AS ci_upper, population::BIGINT AS population,
                1000.0 * count / population AS rate_per_1000
                FROM (VALUES {}) v(period, region_level, region, count, population))
         TO '{}' (FORMAT parquet)",
        values.join(", "),
        dir.join("tables.parquet").display()
    ))
    .unwrap();
    let out = tmp.path().join("o");
    let run = kohort().args(["export", "tables", "--in"]).arg(&dir).arg("--out").arg(&out).output().unwrap();
    assert!(run.status.success(), "{}", String::from_utf8_lossy(&run.stderr));
    let mut stmt = conn
        .prepare(&format!(
            "SELECT period, region, reason, count, denominator, population, rate_per_1000, ci_lower IS NOT NULL
             FROM read_parquet('{}') ORDER BY period, region",
            out.join("tables.parquet").display()
        ))
        .unwrap();
    type Published = (String, String, Option<String>, Option<i64>, Option<i64>, i64, Option<f64>, bool);
    let got: Vec<Published> = stmt
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?, r.get(6)?, r.get(7)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    let row = |p: &str, r: &str, reason: Option<&str>, c: Option<i64>, n: i64| -> Published {
        let rate = c.map(|c| 1000.0 * c as f64 / n as f64);
        (p.into(), r.into(), reason.map(Into::into), c, c.map(|_| n), n, rate, c.is_some())
    };
    let want = vec![
        row("2021", "GM0014", Some("primary"), None, 2),
        row("2021", "GM0034", Some("secondary"), None, 298),
        row("2021", "NL", Some("secondary"), None, 300),
        row("2022", "GM0014", Some("primary"), None, 25),
        row("2022", "GM0034", Some("secondary"), None, 180),
        row("2022", "NL", None, Some(75), 205),
        row("2023", "GM0014", None, Some(20), 100),
        row("2023", "GM0034", None, Some(30), 100),
        row("2023", "NL", None, Some(50), 200),
    ];
    assert_eq!(got, want);
}

#[test]
fn survival_rows_under_the_minimum_are_collapsed_and_small_risk_sets_cut() {
    let tmp = tempfile::tempdir().unwrap();
    let input = tmp.path().join("study");
    study(&input, 7);
    let out = tmp.path().join("export");
    export(&input, &out, &[]);
    let conn = duckdb::Connection::open_in_memory().unwrap();
    let published = format!("read_parquet('{}')", out.join("survival.parquet").display());
    let original = format!("read_parquet('{}')", input.join("survival.parquet").display());
    let q = |sql: &str| -> i64 {
        conn.query_row(&sql.replace("{P}", &published).replace("{I}", &original), [], |r| r.get(0)).unwrap()
    };
    assert!(q("SELECT count(*) FROM {P}") > 8, "curves are published");
    assert!(q("SELECT count(*) FROM {P}") < q("SELECT count(*) FROM {I}"), "rows are collapsed");
    assert_eq!(q("SELECT count(*) FROM {P} WHERE (events > 0 AND events < 10) OR (censored > 0 AND censored < 10)"), 0);
    assert_eq!(q("SELECT count(*) FROM {P} WHERE at_risk < 10"), 0);
    // Each published row is an interval of the original curve: its estimate is the original's at
    // that time, its counts the sums since the previous published row.
    assert_eq!(q("SELECT count(*) FROM {P} p JOIN {I} i USING (region, time) WHERE p.estimate <> i.estimate"), 0);
    assert_eq!(
        q("WITH p AS (SELECT region, time, events, lag(time, 1, 0) OVER (PARTITION BY region ORDER BY time) AS prev FROM {P})
           SELECT count(*) FROM p WHERE events <> (SELECT sum(i.events) FROM {I} i WHERE i.region = p.region AND i.time > p.prev AND i.time <= p.time)"),
        0
    );
}

#[test]
fn the_python_reader_gives_suppressed_as_booleans_and_codes_as_text() {
    let ok = std::process::Command::new("python3").args(["-c", "import pandas"]).status().is_ok_and(|s| s.success());
    if !ok {
        eprintln!("skipped: python3 with pandas is not available (.ci/run installs it)");
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let input = tmp.path().join("study");
    study(&input, 7);
    let out = tmp.path().join("out");
    export(&input, &out, &[]);
    let probe = "exec(open('read.py').read().replace('print(tables.head())', ''))\n\
                 print(tables['suppressed'].dtype, int(tables['suppressed'].sum()), tables['region'].dtype, \
                 tables['period'].dtype, len(tables))";
    let run = std::process::Command::new("python3").args(["-c", probe]).current_dir(&out).output().unwrap();
    assert!(run.status.success(), "{}", String::from_utf8_lossy(&run.stderr));
    let conn = duckdb::Connection::open_in_memory().unwrap();
    let (suppressed, rows): (i64, i64) = conn
        .query_row(
            &format!(
                "SELECT count(*) FILTER (WHERE suppressed), count(*) FROM read_parquet('{}')",
                out.join("tables.parquet").display()
            ),
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert!(suppressed > 0);
    assert_eq!(String::from_utf8_lossy(&run.stdout).trim(), format!("bool {suppressed} object object {rows}"));
}

#[test]
fn json_prints_the_disclosure_report_the_export_wrote() {
    let tmp = tempfile::tempdir().unwrap();
    let input = tmp.path().join("study");
    study(&input, 11);
    let out = tmp.path().join("out");
    let run =
        kohort().args(["export", "tables", "--json", "--in"]).arg(&input).arg("--out").arg(&out).output().unwrap();
    assert!(run.status.success(), "{}", String::from_utf8_lossy(&run.stderr));
    let mut printed: serde_json::Value = serde_json::from_slice(&run.stdout).unwrap();
    let mut written: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("disclosure_report.json")).unwrap()).unwrap();
    assert_eq!(printed["out"], serde_json::json!(out));
    let report = printed["report"].as_object_mut().unwrap();
    let file = written.as_object_mut().unwrap();
    assert!(report["rows_primary"].as_u64().unwrap() > 0);
    assert_eq!(report, file, "the printed report is the one written");
    assert!(printed["suppression_seconds"].as_f64().unwrap() >= 0.0);
}
