//! Reference data: the shipped municipality → youth region mapping (issue 6 part 3).

use std::collections::BTreeSet;
use std::path::Path;

use kohort::reference::{ReferenceError, YouthRegions};

/// Every `GM` + 4 digits code written in the scenarios and the synthesiser's source.
fn scenario_codes() -> BTreeSet<String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut codes = BTreeSet::new();
    for dir in ["scenarios", "src/synth"] {
        for entry in std::fs::read_dir(root.join(dir)).expect("read dir") {
            let text = std::fs::read_to_string(entry.expect("entry").path()).expect("read");
            let b = text.as_bytes();
            for i in 0..b.len().saturating_sub(5) {
                if &b[i..i + 2] == b"GM" && b[i + 2..i + 6].iter().all(u8::is_ascii_digit) {
                    codes.insert(text[i..i + 6].to_string());
                }
            }
        }
    }
    codes
}

#[test]
fn shipped_mapping_covers_every_scenario_municipality() {
    let regions = YouthRegions::shipped().expect("shipped mapping parses");
    let codes = scenario_codes();
    assert!(codes.len() > 300, "found {} codes", codes.len());
    for code in &codes {
        for year in 2015..=2026 {
            assert!(regions.lookup(code, year).is_some(), "{code} has no youth region in {year}");
        }
    }
}

#[test]
fn lookup_follows_the_year_of_validity() {
    let regions = YouthRegions::shipped().expect("shipped");
    // Groningen and Fryslân, real regions.
    assert_eq!(regions.lookup("GM0014", 2021).map(|r| r.youth_region.as_str()), Some("JR-GRONINGEN"));
    assert_eq!(regions.lookup("GM0080", 2019).map(|r| r.youth_region_name.as_str()), Some("Fryslân"));
    // Haren merged into Groningen on 2019-01-01: valid up to 2018, gone from 2019.
    assert_eq!(regions.lookup("GM0017", 2018).map(|r| r.youth_region.as_str()), Some("JR-GRONINGEN"));
    assert_eq!(regions.lookup("GM0017", 2019), None);
    assert_eq!(regions.lookup("GM9999", 2020), None);
}

#[test]
fn override_replaces_only_the_municipalities_it_names() {
    let over = YouthRegions::parse(
        "municipality,youth_region,youth_region_name,valid_from_year,valid_to_year\n\
         GM0014,R-A,A,2015,2019\n\
         GM0014,R-B,B,2020,\n",
        "over.csv",
    )
    .expect("override parses");
    let regions = YouthRegions::shipped().expect("shipped").with_overrides(over);
    assert_eq!(regions.lookup("GM0014", 2019).map(|r| r.youth_region.as_str()), Some("R-A"));
    assert_eq!(regions.lookup("GM0014", 2020).map(|r| r.youth_region.as_str()), Some("R-B"));
    assert_eq!(regions.lookup("GM0080", 2020).map(|r| r.youth_region.as_str()), Some("JR-FRYSLAN"));
}

#[test]
fn bad_rows_name_file_row_column_and_rule() {
    let head = "municipality,youth_region,youth_region_name,valid_from_year,valid_to_year\n";
    let cases = [
        (format!("{head}GM14,R,R,2015,\n"), "bad.csv row 2 column municipality: `GM14` is not GM + 4 digits"),
        (format!("{head}GM0014,R,R,twenty,\n"), "bad.csv row 2 column valid_from_year: `twenty` is not a year"),
        (
            format!("{head}GM0014,R,R,2020,2019\n"),
            "bad.csv row 2 column valid_to_year: valid_to_year is before valid_from_year",
        ),
        (
            format!("{head}GM0014,R,R,2015,2020\nGM0014,S,S,2020,\n"),
            "bad.csv row 3 column valid_from_year: validity overlaps another row of GM0014",
        ),
        (format!("{head}GM0014,R,R\n"), "bad.csv row 2 column -: expected 5 columns, found 3"),
        ("gemeente,regio,naam,van,tot\n".to_string(), "bad.csv row 1 column municipality: header must be"),
    ];
    for (text, want) in cases {
        let err = YouthRegions::parse(&text, "bad.csv").expect_err(want);
        assert!(matches!(err, ReferenceError::Invalid { .. }));
        assert!(err.to_string().starts_with(want), "{err} != {want}");
    }
}
