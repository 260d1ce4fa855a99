//! The monitor study on `tiny` (`studies/tiny_monitor.toml`) against the figures worked by hand
//! in `scenarios/tiny.expected.toml` (`[study]`): every outcome of the catalogue, per year and
//! per municipality beside NL, with counts, denominators, population rates and age-standardised
//! rates. Compared both ways: every hand cell is in the tables, every row of the tables is a hand
//! cell or has count 0.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use kohort::study::wilson_percent;

use crate::common::{kohort, query, scenario_store};

/// (outcome, variant, window, period, region level, region, split, split value).
type Key = (String, String, String, String, String, String, String, String);

/// A hand cell: count, denominator and, for rates, population, crude rate and the
/// standardised rate with its interval (None where the hand file gives none).
#[derive(Debug, Clone, PartialEq)]
struct Want {
    count: u64,
    den: u64,
    rate: Option<RateWant>,
}

#[derive(Debug, Clone, PartialEq)]
struct RateWant {
    rate: f64,
    std: f64,
    std_lower: Option<f64>,
    std_upper: Option<f64>,
}

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn hand() -> toml::Value {
    toml::from_str(&std::fs::read_to_string(root().join("scenarios/tiny.expected.toml")).unwrap()).unwrap()
}

fn text(v: &toml::Value, key: &str) -> String {
    v.get(key).map_or(String::new(), |x| match x {
        toml::Value::String(s) => s.clone(),
        other => other.to_string(),
    })
}

fn int(v: &toml::Value, key: &str) -> u64 {
    u64::try_from(v[key].as_integer().unwrap_or_else(|| panic!("{key} in {v}"))).unwrap()
}

fn float(v: &toml::Value, key: &str) -> Option<f64> {
    v.get(key).map(|x| x.as_float().unwrap_or_else(|| panic!("{key} in {v}")))
}

fn key(outcome: &str, cell: &toml::Value, variant: &str) -> Key {
    let region = text(cell, "region");
    let level = if region == "NL" { "national" } else { "municipality" };
    let (split, value) = match cell.get("sex") {
        Some(sex) => ("sex".to_owned(), sex.as_str().unwrap().to_owned()),
        None => ("total".to_owned(), "total".to_owned()),
    };
    (outcome.into(), variant.into(), text(cell, "window"), text(cell, "period"), level.into(), region, split, value)
}

/// The rate cells of one `[[study.<table>]]` list into `want`.
fn rate_cells(study: &toml::Value, table: &str, want: &mut BTreeMap<Key, Want>) {
    for o in study[table].as_array().unwrap() {
        let id = o["id"].as_str().unwrap();
        for c in o["cells"].as_array().unwrap() {
            let (count, population) = (int(c, "count"), int(c, "population"));
            let rate = float(c, "rate").unwrap();
            // The hand file's crude rate is count / population x 1000 to 4 decimals.
            #[allow(clippy::cast_precision_loss)]
            let crude = 1000.0 * count as f64 / population as f64;
            assert!((rate - crude).abs() < 1e-4, "{c}");
            let r = RateWant {
                rate,
                std: float(c, "std").unwrap(),
                std_lower: float(c, "std_lower"),
                std_upper: float(c, "std_upper"),
            };
            let k = key(id, c, "");
            assert!(want.insert(k.clone(), Want { count, den: population, rate: Some(r) }).is_none(), "{k:?} twice");
        }
    }
}

/// Every hand cell of `[study]`, transitions expanded over to_0..to_6 and unknown_ending over
/// the denominators of the outcome it names.
fn hand_cells(study: &toml::Value) -> BTreeMap<Key, Want> {
    let mut want = BTreeMap::new();
    let mut put = |k: Key, w: Want| assert!(want.insert(k.clone(), w).is_none(), "{k:?} twice in the hand file");
    let outcomes = study["outcome"].as_array().unwrap();
    for o in outcomes {
        let id = o["id"].as_str().unwrap();
        if let Some(from) = o.get("same_denominators_as").and_then(toml::Value::as_str) {
            let src = outcomes.iter().find(|x| x["id"].as_str() == Some(from)).unwrap();
            for c in src["cells"].as_array().unwrap() {
                put(key(id, c, &text(c, "variant")), Want { count: 0, den: int(c, "den"), rate: None });
            }
        }
        for c in o["cells"].as_array().unwrap() {
            if let Some(to) = c.get("to") {
                let den = int(c, "den");
                let mut sum = 0;
                for level in 0..=6 {
                    let cat = format!("to_{level}");
                    let n = to.get(&cat).map_or(0, |x| u64::try_from(x.as_integer().unwrap()).unwrap());
                    sum += n;
                    put(key(id, c, &cat), Want { count: n, den, rate: None });
                }
                assert_eq!(sum, den, "transitions {c}: the categories add up to the changes");
            } else {
                // A plain count (docs/definitions.md §4.8.6) has no `den`: 0 here, as read below.
                let den = if c.get("den").is_some() { int(c, "den") } else { 0 };
                put(key(id, c, &text(c, "variant")), Want { count: int(c, "count"), den, rate: None });
            }
        }
    }
    rate_cells(study, "rates", &mut want);
    want
}

/// tiny ingested, its outcomes computed with the hand file's outcome config, the study `file`
/// run; returns (tmp, store, study folder).
fn tiny_study(study: &toml::Value, file: &str) -> (tempfile::TempDir, PathBuf, PathBuf) {
    let (tmp, store) = scenario_store("tiny", false);
    let config = tmp.path().join("outcomes.toml");
    std::fs::write(&config, study["outcome_config"].as_str().unwrap()).unwrap();
    kohort().arg("--quiet").arg("outcomes").arg("--store").arg(&store).arg("--config").arg(&config).assert().success();
    kohort()
        .arg("study")
        .arg(root().join(file))
        .arg("--store")
        .arg(&store)
        .arg("--out")
        .arg(tmp.path().join("out"))
        .assert()
        .success();
    let def: toml::Value = toml::from_str(&std::fs::read_to_string(root().join(file)).unwrap()).unwrap();
    let dir = tmp.path().join("out").join(def["name"].as_str().unwrap());
    (tmp, store, dir)
}

fn close(got: &str, want: Option<f64>) -> bool {
    match (got.is_empty(), want) {
        (true, None) => true,
        (false, Some(w)) => (got.parse::<f64>().unwrap() - w).abs() < 1e-3,
        _ => false,
    }
}

/// Every row of the study's `tables` against the hand cells, both ways: the disagreements.
fn disagreements(store: &Path, dir: &Path, want: &BTreeMap<Key, Want>) -> Vec<String> {
    let rows = query(
        store,
        &format!(
            "SELECT outcome, variant, coalesce(window_days::VARCHAR, ''), period, region_level, region, split,
                    split_value, count, denominator, percentage, ci_lower, ci_upper, population, rate_per_1000,
                    rate_standardised, rate_standardised_lower, rate_standardised_upper, cohort
             FROM read_parquet('{}')",
            dir.join("tables.parquet").display()
        ),
    );
    let mut seen = BTreeMap::new();
    let mut problems = Vec::new();
    for r in &rows {
        assert_eq!(r[18], "all", "a monitor study's cohort: {r:?}");
        let k: Key = (
            r[0].clone(),
            r[1].clone(),
            r[2].clone(),
            r[3].clone(),
            r[4].clone(),
            r[5].clone(),
            r[6].clone(),
            r[7].clone(),
        );
        // A plain count has no denominator (docs/definitions.md §4.8.6): 0 here, no percentage.
        let (count, den): (u64, u64) = (r[8].parse().unwrap(), if r[9].is_empty() { 0 } else { r[9].parse().unwrap() });
        // The total rows are in every split's table: one cell.
        if seen.insert(k.clone(), (count, den)).is_some_and(|prev| prev != (count, den)) {
            problems.push(format!("{k:?} differs between tables"));
        }
        let Some(w) = want.get(&k) else {
            // A cell the hand work has no index for may only be an empty one.
            if count != 0 {
                problems.push(format!("extra non-zero cell {k:?}: {count} / {den}"));
            }
            continue;
        };
        if (count, den) != (w.count, w.den) {
            problems.push(format!("{k:?}: kohort {count} / {den}, by hand {} / {}", w.count, w.den));
            continue;
        }
        match &w.rate {
            None => {
                // Percentage and Wilson interval of the hand figures.
                #[allow(clippy::cast_precision_loss)]
                let pct = (den > 0).then(|| 100.0 * count as f64 / den as f64);
                let (lo, hi) = wilson_percent(count, den).unzip();
                if !(close(&r[10], pct) && close(&r[11], lo) && close(&r[12], hi) && r[13].is_empty()) {
                    problems.push(format!("{k:?}: percentage / interval {r:?}"));
                }
            }
            Some(rate) => {
                let ok = r[13] == den.to_string()
                    && close(&r[14], Some(rate.rate))
                    && close(&r[15], Some(rate.std))
                    && close(&r[16], rate.std_lower)
                    && close(&r[17], rate.std_upper);
                if !ok {
                    problems.push(format!(
                        "{k:?}: kohort population {} rate {} standardised {} [{}, {}], by hand {den} {rate:?}",
                        r[13], r[14], r[15], r[16], r[17]
                    ));
                }
            }
        }
    }
    for k in want.keys() {
        if !seen.contains_key(k) {
            problems.push(format!("hand cell {k:?} is not in the tables"));
        }
    }
    problems
}

#[test]
fn tiny_monitor_study_equals_the_hand_worked_cells_per_municipality_and_year() {
    let hand = hand();
    let study = &hand["study"];
    let want = hand_cells(study);
    let file = study["file"].as_str().unwrap();
    let (_tmp, store, dir) = tiny_study(study, file);
    let problems = disagreements(&store, &dir, &want);
    assert!(problems.is_empty(), "{} disagreements:\n{}", problems.len(), problems.join("\n"));
    // Every outcome of the catalogue is in the study and has hand cells (measure_duration: the
    // medians below), so none is silently left out.
    let def: toml::Value = toml::from_str(&std::fs::read_to_string(root().join(file)).unwrap()).unwrap();
    for o in def["outcomes"].as_array().unwrap() {
        let o = o.as_str().unwrap();
        assert!(o == "measure_duration" || want.keys().any(|k| k.0 == o), "no hand cell of {o}");
    }
    assert_eq!(def["outcomes"].as_array().unwrap().len(), kohort::study::catalogue::CATALOGUE.len());

    // Measure duration: a curve only; its medians per cell.
    let medians = query(
        &store,
        &format!(
            "SELECT period, region_level, region, indexes, events, median FROM read_parquet('{}')
             WHERE outcome = 'measure_duration' AND split = 'total'",
            dir.join("medians.parquet").display()
        ),
    );
    let mut want_medians: Vec<Vec<String>> = Vec::new();
    for m in study["medians"].as_array().unwrap() {
        assert_eq!(m["id"].as_str(), Some("measure_duration"));
        for c in m["cells"].as_array().unwrap() {
            let region = text(c, "region");
            let level = if region == "NL" { "national" } else { "municipality" };
            want_medians.push(vec![
                text(c, "period"),
                level.into(),
                region,
                text(c, "indexes"),
                text(c, "events"),
                text(c, "median"),
            ]);
        }
    }
    want_medians.sort();
    assert_eq!(medians, want_medians);
}

#[test]
fn tiny_rates_by_sex_equal_the_hand_worked_crude_and_age_standardised_rates() {
    let hand = hand();
    let study = &hand["study"];
    let mut want = BTreeMap::new();
    rate_cells(study, "rates", &mut want);
    rate_cells(study, "rates_by_sex", &mut want);
    let (_tmp, store, dir) = tiny_study(study, "studies/tiny_rates_by_sex.toml");
    let problems = disagreements(&store, &dir, &want);
    assert!(problems.is_empty(), "{} disagreements:\n{}", problems.len(), problems.join("\n"));
    // Each sex sums to the total cell, in persons and in residents (no sex is left out of a rate).
    let mut sums: BTreeMap<Key, (u64, u64)> = BTreeMap::new();
    for (k, w) in want.iter().filter(|(k, _)| k.6 == "sex") {
        let total = (
            k.0.clone(),
            k.1.clone(),
            k.2.clone(),
            k.3.clone(),
            k.4.clone(),
            k.5.clone(),
            "total".into(),
            "total".into(),
        );
        let e = sums.entry(total).or_default();
        e.0 += w.count;
        e.1 += w.den;
    }
    assert_eq!(sums.len(), 18);
    for (k, s) in sums {
        assert_eq!((want[&k].count, want[&k].den), s, "{k:?}");
    }
}
