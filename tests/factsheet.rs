//! `kohort factsheet`: the pack made from the disclosure-controlled export of a scenario's
//! study. Every number a page shows is read back (its element names the export row and field)
//! and compared with the export's published figure; numbers a page shows without such a name
//! may only be labels (years, windows, categories). No suppressed cell's true figure (from the
//! unsuppressed study tables) is shown; Dutch and English pages show the same figures, the
//! Dutch ones with a decimal comma; the same export gives the same bytes; every page opens in
//! headless Chromium without console errors, blank screens or elements wider than A4 (the
//! packs of `small` and of `proeftuinen`); every factsheet page has a PDF printed by Chromium,
//! read back by `tests/factsheet_pdf.py` (standard library only): A4 pages, a page count within
//! bounds, the headline figures of the export in its text, the same bytes from the same export.
//! The quarterly site report on the site monitor over `proeftuinen`: each site's page holds
//! exactly its own and all sites' rows of every quarter as published (or marked), the overview
//! every site's latest quarter, and the checks above hold on that pack.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use regex::Regex;

use crate::common::*;

/// A demo of a scenario (study tables and their export) with its factsheet pack.
struct Fixture {
    _tmp: tempfile::TempDir,
    study: PathBuf,
    export: PathBuf,
    pack: PathBuf,
}

fn build(scenario: &str) -> Fixture {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("demo");
    kohort()
        .arg("--quiet")
        .args(["demo", "--threads", "2", "--scenario", scenario, "--dir"])
        .arg(&dir)
        .assert()
        .success();
    let export = dir.join("export/small_monitor");
    let pack = tmp.path().join("pack");
    kohort().arg("--quiet").arg("factsheet").arg("--in").arg(&export).arg("--out").arg(&pack).assert().success();
    Fixture { study: dir.join("studies/small_monitor/tables.csv"), export, pack, _tmp: tmp }
}

fn small() -> &'static Fixture {
    static F: OnceLock<Fixture> = OnceLock::new();
    F.get_or_init(|| build("small"))
}

type Record = BTreeMap<String, String>;

fn read_csv(path: &Path) -> Vec<Record> {
    let mut r = csv::Reader::from_path(path).unwrap();
    let head: Vec<String> = r.headers().unwrap().iter().map(str::to_owned).collect();
    r.records().map(|rec| head.iter().cloned().zip(rec.unwrap().iter().map(str::to_owned)).collect()).collect()
}

/// Every HTML page of a pack, by path relative to the pack.
fn pages(pack: &Path) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    let mut stack = vec![pack.to_owned()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == "html") {
                let rel = p.strip_prefix(pack).unwrap().to_string_lossy().into_owned();
                out.insert(rel, std::fs::read_to_string(&p).unwrap());
            }
        }
    }
    out
}

/// Every PDF of a pack, by path relative to the pack.
fn pdfs(pack: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut out = BTreeMap::new();
    for (page, _) in pages(pack) {
        let pdf = pack.join(&page).with_extension("pdf");
        if pdf.is_file() {
            out.insert(
                Path::new(&page).with_extension("pdf").to_string_lossy().into_owned(),
                std::fs::read(pdf).unwrap(),
            );
        }
    }
    out
}

/// Whether a figure key is a decimal figure (not a count, denominator or report figure).
fn decimal(key: &str) -> bool {
    let field = key.rsplit('.').next().unwrap_or("");
    !key.starts_with("d.") && field != "c" && field != "n"
}

/// A shown number in the page's language, as a value.
fn parse(text: &str, lang: &str) -> f64 {
    let plain = if lang == "nl" { text.replace('.', "").replace(',', ".") } else { text.replace(',', "") };
    plain.parse().unwrap_or_else(|_| panic!("not a number in {lang}: {text:?}"))
}

/// The language of a page (its folder).
fn lang_of(page: &str) -> &str {
    page.split('/').next().filter(|l| *l == "nl" || *l == "en").unwrap_or("en")
}

/// The (key, shown text) of every figure element of a page, in page order.
fn figures(html: &str) -> Vec<(String, String)> {
    let re = Regex::new(r#"data-k="([^"]+)"[^>]*>([^<]*)<"#).unwrap();
    re.captures_iter(html).map(|c| (c[1].to_owned(), c[2].to_owned())).collect()
}

/// The export column a figure's field shows.
fn column(field: &str, row: &Record) -> &'static str {
    match field {
        "p" => "percentage",
        "r" => "rate_per_1000",
        "lo" => "ci_lower",
        "hi" => "ci_upper",
        "c" => "count",
        "n" if row["population"].is_empty() => "denominator",
        "n" => "population",
        "bn" => "bench_national",
        "by" => "bench_youth_region",
        "bm" => "bench_municipality",
        "bg" => "bench_group",
        "bp" => "bench_previous",
        other => panic!("unknown field {other}"),
    }
}

/// Check every figure of every page against the export; returns how many were checked.
fn check_figures(f: &Fixture) -> usize {
    let rows = read_csv(&f.export.join("tables.csv"));
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(f.export.join("disclosure_report.json")).unwrap()).unwrap();
    let mut checked = 0;
    for (page, html) in pages(&f.pack) {
        let lang = lang_of(&page);
        for (key, text) in figures(&html) {
            let shown = parse(&text, lang);
            let (row, field) = key.split_once('.').unwrap();
            if row == "d" {
                assert_eq!(Some(shown), report[field].as_f64(), "{page}: {key}");
                checked += 1;
                continue;
            }
            let r = &rows[row.parse::<usize>().unwrap()];
            let col = column(field, r);
            let published: f64 =
                r[col].parse().unwrap_or_else(|_| panic!("{page}: {key} shows {text} where the export has none"));
            if ["c", "n"].contains(&field) {
                assert!((shown - published).abs() < 1e-9, "{page}: {key} shows {text}, the export {published}");
                assert!(!text.contains(if lang == "nl" { ',' } else { '.' }), "{page}: {key} {text} is whole");
            } else {
                assert!((shown - published).abs() <= 0.05 + 1e-9, "{page}: {key} shows {text}, the export {published}");
            }
            if !col.starts_with("bench_") {
                assert_eq!(r["suppressed"], "false", "{page}: {key} is a suppressed row's own figure");
            }
            checked += 1;
        }
    }
    checked
}

/// Numbers a page shows outside figure and axis elements: the page's text with style, figure
/// elements, axis labels and tags removed, then every number not glued to a letter (codes such
/// as GM0014 are labels).
fn loose_numbers(html: &str) -> Vec<String> {
    let style = Regex::new(r"(?s)<style>.*?</style>").unwrap();
    let tagged = Regex::new(r#"<[^>]*data-(k|axis)="[^"]*"[^>]*>[^<]*<"#).unwrap();
    let tags = Regex::new(r"<[^>]*>").unwrap();
    let text = style.replace_all(html, " ");
    let text = tagged.replace_all(&text, "<");
    let text = tags.replace_all(&text, " ");
    let num = Regex::new(r"(?:^|[^\p{L}\d_])(\d(?:[\d.,]*\d)?)").unwrap();
    num.captures_iter(&text).map(|c| c[1].to_owned()).collect()
}

/// Label numbers a page may show: windows, variants (the site monitor's providers `0`, `1`,
/// …), periods, categories and region names of the export, the interval level, the test level
/// and the rate base.
fn label_numbers(rows: &[Record]) -> BTreeSet<String> {
    let digits = Regex::new(r"\d+").unwrap();
    let mut ok: BTreeSet<String> = ["95", "5", "1", "1.000", "1,000"].map(str::to_owned).into();
    for r in rows {
        for col in ["window_days", "variant", "period", "split_value", "region_name"] {
            ok.extend(digits.find_iter(&r[col]).map(|m| m.as_str().to_owned()));
        }
    }
    ok
}

#[test]
fn every_number_on_every_page_is_the_exports_published_figure_or_a_label() {
    let f = small();
    let checked = check_figures(f);
    assert!(checked > 2000, "the pack shows many figures: {checked}");
    check_loose_numbers(f);
}

/// Numbers outside figure elements are labels of the export.
fn check_loose_numbers(f: &Fixture) {
    // The reading of loose numbers itself: a figure outside its element is seen, one inside
    // its element or an axis label is not, a region code is a label.
    let probe = r#"<p>8,6 <span data-k="1.p">9,1</span> GM0014</p><text data-axis="1">2,5</text>"#;
    assert_eq!(loose_numbers(probe), ["8,6"]);
    let rows = read_csv(&f.export.join("tables.csv"));
    let ok = label_numbers(&rows);
    for (page, html) in pages(&f.pack) {
        for n in loose_numbers(&html) {
            assert!(ok.contains(&n), "{page}: the number {n} is neither a published figure nor a label");
        }
    }
}

#[test]
fn no_suppressed_cells_true_figure_is_shown_and_suppressed_cells_carry_the_mark() {
    check_suppressed(small());
}

/// No suppressed row's own figure and no suppressed cell's true percentage (from the study
/// tables) in place of a figure; every mark stands on a row without that figure.
fn check_suppressed(f: &Fixture) {
    let rows = read_csv(&f.export.join("tables.csv"));
    let key = |r: &Record| {
        [
            "table_name",
            "cohort",
            "outcome",
            "variant",
            "window_days",
            "period",
            "region_level",
            "region",
            "split",
            "split_value",
        ]
        .map(|c| r[c].clone())
    };
    let truth: BTreeMap<_, Record> = read_csv(&f.study).into_iter().map(|r| (key(&r), r)).collect();
    let pages = pages(&f.pack);
    let marked = Regex::new(r#"data-s="(\d+)\.[a-z]+">×<"#).unwrap();
    let mut marks = 0;
    for (page, html) in &pages {
        for c in marked.captures_iter(html) {
            let r = &rows[c[1].parse::<usize>().unwrap()];
            assert!(r["suppressed"] == "true" || r["ci_lower"].is_empty(), "{page}: mark on a published row {}", &c[1]);
            marks += 1;
        }
    }
    assert!(marks > 500, "suppressed cells are shown as marked: {marks}");
    // Every figure of every page read once: by its row (the row's own fields; a benchmark on
    // the row of a suppressed cell is another cell's published figure), and by its text at one
    // decimal (decimal figures only).
    let shown_as = |v: f64| format!("{v:.1}");
    let mut own: BTreeMap<String, (String, String, String)> = BTreeMap::new();
    let mut by_text: BTreeMap<String, Vec<(String, String, String)>> = BTreeMap::new();
    for (page, html) in &pages {
        let lang = lang_of(page);
        for (k, text) in figures(html) {
            let (row, field) = k.split_once('.').unwrap();
            if !field.starts_with('b') {
                own.entry(row.to_owned()).or_insert_with(|| (page.clone(), field.to_owned(), text.clone()));
            }
            if row != "d" && !["c", "n"].contains(&field) {
                let entry = (page.clone(), row.to_owned(), field.to_owned());
                by_text.entry(shown_as(parse(&text, lang))).or_default().push(entry);
            }
        }
    }
    let mut hidden = 0;
    for (i, r) in rows.iter().enumerate().filter(|(_, r)| r["suppressed"] == "true") {
        let t = &truth[&key(r)];
        let Ok(pct) = t["percentage"].parse::<f64>() else { continue };
        hidden += 1;
        if let Some((page, field, text)) = own.get(&i.to_string()) {
            panic!("{page}: suppressed row {i} shows {field} = {text}");
        }
        // The same text as the true figure is only there as another cell's published figure
        // (a coincidence), never in place of this one.
        for (page, row, field) in by_text.get(&shown_as(pct)).into_iter().flatten() {
            let other = &rows[row.parse::<usize>().unwrap()];
            let published: f64 = other[column(field, other)].parse().unwrap();
            assert_eq!(shown_as(published), shown_as(pct), "{page}: {row}.{field}");
        }
    }
    assert!(hidden > 100, "the export suppresses figures with a true percentage: {hidden}");
}

#[test]
fn dutch_and_english_pages_show_the_same_figures_the_dutch_with_a_decimal_comma() {
    let f = small();
    let compared = check_languages(f);
    assert!(compared >= 11, "national, disclosure, index and eight mirror pages: {compared}");
    let nl = &pages(&f.pack)["nl/national.html"];
    assert!(nl.contains("<html lang=\"nl\">") && nl.contains("Landelijke factsheet"), "Dutch words");
}

/// Every Dutch page shows the figures of its English twin, in the same order, the Dutch with a
/// decimal comma, the English with a decimal point; returns the pages compared.
fn check_languages(f: &Fixture) -> usize {
    let pages = pages(&f.pack);
    let mut compared = 0;
    for (page, nl) in pages.iter().filter(|(p, _)| p.starts_with("nl/")) {
        let en = &pages[&page.replacen("nl/", "en/", 1)];
        let values = |html: &str, lang: &str| -> Vec<(String, f64)> {
            figures(html).into_iter().map(|(k, t)| (k, parse(&t, lang))).collect()
        };
        assert_eq!(values(nl, "nl"), values(en, "en"), "{page}");
        for (k, t) in figures(nl).into_iter().filter(|(k, _)| decimal(k)) {
            assert!(t.contains(',') && !t.contains('.') || parse(&t, "nl") >= 1000.0, "{page}: {k} = {t}");
        }
        for (k, t) in figures(en).into_iter().filter(|(k, _)| decimal(k)) {
            assert!(t.contains('.') && !t.contains(','), "{page}: {k} = {t}");
        }
        compared += 1;
    }
    compared
}

/// Where two printings of one page differ (Chromium has once printed a page differently, which
/// `normalise` does not cover): both PDFs are kept in a folder beside the system's temporary one
/// for a look, and the first difference is shown with its context.
fn keep_pdf_difference(name: &str, a: &[u8], b: &[u8]) -> String {
    let dir = std::env::temp_dir().join("kohort-pdf-difference");
    let stem = name.replace('/', "_");
    let kept = std::fs::create_dir_all(&dir).is_ok()
        && std::fs::write(dir.join(format!("{stem}.a.pdf")), a).is_ok()
        && std::fs::write(dir.join(format!("{stem}.b.pdf")), b).is_ok();
    let at = a.iter().zip(b).position(|(x, y)| x != y).unwrap_or(a.len().min(b.len()));
    let show = |p: &[u8]| String::from_utf8_lossy(&p[at.saturating_sub(80)..(at + 80).min(p.len())]).into_owned();
    format!(
        "lengths {} and {}, first difference at byte {at}: {:?} against {:?}{}",
        a.len(),
        b.len(),
        show(a),
        show(b),
        if kept { format!(" (both kept in {})", dir.display()) } else { String::new() }
    )
}

#[test]
fn the_same_export_gives_the_same_bytes() {
    let f = small();
    let again = f.pack.with_file_name("pack-again");
    kohort().arg("--quiet").arg("factsheet").arg("--in").arg(&f.export).arg("--out").arg(&again).assert().success();
    let (a, b) = (pages(&f.pack), pages(&again));
    assert_eq!(a.keys().collect::<Vec<_>>(), b.keys().collect::<Vec<_>>());
    for (k, v) in &a {
        assert!(*v == b[k], "{k} differs");
    }
    assert_eq!(a.len(), 23, "root index, and per language index, national, disclosure and 8 mirrors");
    // The PDFs too (Chromium's dates and node numbers fixed after printing), where printed.
    let (a, b) = (pdfs(&f.pack), pdfs(&again));
    assert_eq!(a.keys().collect::<Vec<_>>(), b.keys().collect::<Vec<_>>());
    for (k, v) in &a {
        assert!(*v == b[k], "{k} differs: {}", keep_pdf_difference(k, v, &b[k]));
    }
    if kohort::factsheet::pdf::find_chromium().is_some() {
        assert_eq!(a.len(), 20, "a PDF per national, disclosure and mirror page");
    }
}

#[test]
fn a_mirror_factsheet_flags_only_what_the_exports_z_test_flags() {
    // Every flag word of a mirror page stands beside the benchmark figure of its row, and the
    // number of "beyond chance" flags on the pages equals the export's higher/lower flags of
    // the rows the pages compare (total rows and split rows against national and the region).
    let f = small();
    let pages = pages(&f.pack);
    let rows = read_csv(&f.export.join("tables.csv"));
    let flag_row =
        Regex::new(r#"data-k="(\d+)\.(b[nygmp])">[^<]*</span></td><td>(?:<span class="flag">(▲|▼))?"#).unwrap();
    let mut flags = 0;
    for (page, html) in pages.iter().filter(|(p, _)| p.contains("/region-")) {
        for c in flag_row.captures_iter(html) {
            let r = &rows[c[1].parse::<usize>().unwrap()];
            let vs = match &c[2] {
                "bn" => "vs_national",
                "by" => "vs_youth_region",
                "bm" => "vs_municipality",
                "bg" => "vs_group",
                _ => "vs_previous",
            };
            let want = match r[vs].as_str() {
                "higher" => Some("▲"),
                "lower" => Some("▼"),
                _ => None,
            };
            assert_eq!(c.get(3).map(|m| m.as_str()), want, "{page}: row {} {vs}", &c[1]);
            flags += usize::from(want.is_some());
        }
    }
    assert!(flags > 0, "the small export has differences beyond chance: {flags}");
}

/// Run the browser check on a pack: `None` when this machine has no Chromium (skipped).
fn browser(pack: &Path, extra: &[&str]) -> Option<(i32, String)> {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/factsheet_browser.py");
    let out = match std::process::Command::new("python3").arg(&script).arg(pack).args(extra).output() {
        Ok(o) => o,
        Err(e) => {
            eprintln!("SKIPPED headless Chromium check: python3 not runnable ({e})");
            return None;
        }
    };
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    if out.status.code() == Some(77) {
        eprintln!("SKIPPED headless Chromium check: {text} (install: apt-get install chromium chromium-driver)");
        return None;
    }
    Some((out.status.code().unwrap_or(-1), format!("{text}\n{}", String::from_utf8_lossy(&out.stderr))))
}

#[test]
fn every_page_opens_in_headless_chromium_without_errors_blank_screens_or_overflowing_a4() {
    let f = small();
    let Some((code, text)) = browser(&f.pack, &[]) else { return };
    assert_eq!(code, 0, "{text}");
    assert!(text.contains("\"pages\": 23"), "{text}");
    // Negative control: a page with a missing image and a table wider than A4 fails.
    let bad = f.pack.with_file_name("pack-broken");
    std::fs::create_dir_all(&bad).unwrap();
    let html = pages(&f.pack)["en/national.html"].replacen(
        "<main>",
        "<main><img src=\"missing.png\" alt=\"x\"><div style=\"width:900px\">wide</div>",
        1,
    );
    std::fs::write(bad.join("broken.html"), html).unwrap();
    let (code, text) = browser(&bad, &[]).unwrap();
    assert_eq!(code, 1, "{text}");
    assert!(text.contains("console errors") && text.contains("overflow A4"), "{text}");
}

#[test]
fn kohort_run_publishes_the_factsheets_of_its_export_listed_in_its_manifest() {
    // A plan with `[export] factsheets = true` over the `small` delivery: the run's study
    // folder holds the pack, byte for byte what `kohort factsheet` makes of the run's export,
    // and the run manifest lists (and `kohort verify` could check) every page.
    let tmp = tempfile::tempdir().unwrap();
    let s = kohort::synth::load_scenario("small").unwrap();
    let opts = kohort::synth::SynthOptions {
        format: kohort::synth::OutputFormat::Csv,
        threads: Some(2),
        progress: false,
        scale: None,
    };
    let summary = kohort::synth::generate(&s, &tmp.path().join("synth"), &opts).unwrap();
    for d in &summary.deliveries {
        let to = tmp.path().join("inbox").join(&d.source).join(d.dir.file_name().unwrap());
        std::fs::create_dir_all(&to).unwrap();
        for e in std::fs::read_dir(&d.dir).unwrap() {
            let e = e.unwrap();
            std::fs::copy(e.path(), to.join(e.file_name())).unwrap();
        }
    }
    let study = Path::new(env!("CARGO_MANIFEST_DIR")).join("studies/small_monitor.toml");
    let plan = tmp.path().join("plan.toml");
    std::fs::write(
        &plan,
        format!(
            "store = \"store\"\nkey = \"{}\"\ninboxes = [\"inbox\"]\nstudies = [\"{}\"]\npublish = \"published\"\n\n[export]\nfactsheets = true\n",
            key_file(tmp.path()).display(),
            study.display()
        ),
    )
    .unwrap();
    let out = kohort().arg("--quiet").arg("run").arg(&plan).output().unwrap();
    assert!(matches!(out.status.code(), Some(0 | 1)), "{}", String::from_utf8_lossy(&out.stderr));
    let current = tmp.path().join("published/current/small_monitor");
    let again = tmp.path().join("again");
    kohort().arg("--quiet").arg("factsheet").arg("--in").arg(&current).arg("--out").arg(&again).assert().success();
    let (published, made) = (pages(&current.join("factsheets")), pages(&again));
    assert_eq!(published.len(), 23);
    assert!(published == made, "the run's pack is the pack of its export");
    let (published_pdfs, made_pdfs) = (pdfs(&current.join("factsheets")), pdfs(&again));
    assert!(published_pdfs == made_pdfs, "the run's PDFs are those of its export, byte for byte");
    if kohort::factsheet::pdf::find_chromium().is_some() {
        assert_eq!(published_pdfs.len(), 20, "the run prints the factsheets (pdf = auto)");
    }
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(tmp.path().join("published/current/run_manifest.json")).unwrap())
            .unwrap();
    let listed: BTreeSet<String> = manifest["studies"][0]["files"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|f| f["path"].as_str().map(str::to_owned))
        .collect();
    for page in published.keys().chain(published_pdfs.keys()) {
        assert!(listed.contains(&format!("small_monitor/factsheets/{page}")), "{page} in the manifest");
    }
}

/// `proeftuinen` (11 pilot sites, quarterly deliveries): the last delivery of every site, its
/// outcomes, the small monitor study and its export, and the pack made from it.
fn proeftuinen() -> Fixture {
    proeftuinen_study("small_monitor", &[])
}

/// `proeftuinen` (the last delivery of every site and its outcomes), the study
/// `studies/<name>.toml` over it, exported with `export_args`, and the pack made from it.
fn proeftuinen_study(name: &str, export_args: &[&str]) -> Fixture {
    let tmp = tempfile::tempdir().unwrap();
    let s = kohort::synth::load_scenario("proeftuinen").unwrap();
    let opts = kohort::synth::SynthOptions {
        format: kohort::synth::OutputFormat::Csv,
        threads: Some(2),
        progress: false,
        scale: None,
    };
    let summary = kohort::synth::generate(&s, &tmp.path().join("synth"), &opts).unwrap();
    let mut last: BTreeMap<String, PathBuf> = BTreeMap::new();
    for d in summary.deliveries {
        last.insert(d.source, d.dir);
    }
    let store = tmp.path().join("store");
    for dir in last.values() {
        ingest_cmd(dir, &store, tmp.path()).assert().code(0);
    }
    kohort().arg("--quiet").arg("outcomes").arg("--store").arg(&store).assert().success();
    let study = Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("studies/{name}.toml"));
    let out = tmp.path().join("out");
    kohort()
        .arg("--quiet")
        .arg("study")
        .arg(study)
        .arg("--store")
        .arg(&store)
        .arg("--out")
        .arg(&out)
        .assert()
        .success();
    let export = tmp.path().join("export");
    let (input, pack) = (out.join(name), tmp.path().join("pack"));
    kohort()
        .arg("--quiet")
        .args(["export", "tables"])
        .args(export_args)
        .arg("--in")
        .arg(&input)
        .arg("--out")
        .arg(&export)
        .assert()
        .success();
    kohort().arg("--quiet").arg("factsheet").arg("--in").arg(&export).arg("--out").arg(&pack).assert().success();
    Fixture { study: input.join("tables.csv"), export, pack, _tmp: tmp }
}

#[test]
fn proeftuinen_pack_shows_only_published_figures_and_opens_in_headless_chromium() {
    let f = proeftuinen();
    let regions = pages(&f.pack).keys().filter(|p| p.starts_with("en/region-")).count();
    assert!(regions >= 20, "a mirror factsheet per pilot municipality and youth region: {regions}");
    assert!(check_figures(&f) > 2000);
    check_loose_numbers(&f);
    check_suppressed(&f);
    // Every page in one browser session (about a minute for its 93 pages on 2 cores).
    if let Some((code, text)) = browser(&f.pack, &[]) {
        assert_eq!(code, 0, "{text}");
        let want = format!("\"pages\": {}", pages(&f.pack).len());
        assert!(text.contains(&want), "{text}");
    }
    if kohort::factsheet::pdf::find_chromium().is_some() {
        assert_eq!(check_pdfs(&f), 2 * (regions + 2), "national, disclosure and every mirror page, in two languages");
    }
}

/// A figure as a page in `lang` shows it, formatted here from the export's value (not by
/// kohort's formatter): `decimals` places, thousands grouped, Dutch with a decimal comma.
fn shown(v: f64, decimals: usize, lang: &str) -> String {
    let text = format!("{v:.decimals$}");
    let (int, frac) = text.split_once('.').map_or((text.as_str(), None), |(i, f)| (i, Some(f)));
    let (sign, digits) = int.strip_prefix('-').map_or(("", int), |d| ("-", d));
    let (thousands, point) = if lang == "nl" { ('.', ',') } else { (',', '.') };
    let mut grouped = String::new();
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            grouped.push(thousands);
        }
        grouped.push(ch);
    }
    frac.map_or(format!("{sign}{grouped}"), |f| format!("{sign}{grouped}{point}{f}"))
}

/// The PDFs of a pack as `tests/factsheet_pdf.py` reads them (pages, media boxes, text).
fn read_pdfs(pack: &Path) -> serde_json::Value {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/factsheet_pdf.py");
    let out = std::process::Command::new("python3").arg(&script).arg(pack).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap()
}

/// Every factsheet page (all but the index pages) has a PDF of A4 pages, as many pages as its
/// indicator sections at least (each starts a page) and at most four per section, whose text
/// shows each headline sentence whole, and in it each headline figure as formatted here from
/// the export's published value. Returns the PDFs checked.
fn check_pdfs(f: &Fixture) -> usize {
    let rows = read_csv(&f.export.join("tables.csv"));
    let read = read_pdfs(&f.pack);
    let headline = Regex::new(r#"(?s)<p class="headline">(.*?)</p>"#).unwrap();
    let tags = Regex::new(r"<[^>]*>").unwrap();
    let squash = |s: &str| s.chars().filter(|c| !c.is_whitespace()).collect::<String>();
    let mut checked = 0;
    for (page, html) in pages(&f.pack).iter().filter(|(p, _)| !p.ends_with("index.html")) {
        let lang = lang_of(page);
        let name = Path::new(page).with_extension("pdf").to_string_lossy().into_owned();
        let pdf = &read[&name];
        let n = pdf["pages"].as_u64().unwrap() as usize;
        let sections = html.matches("<section class=\"indicator\"").count();
        assert!(n >= sections.max(1) && n <= 4 * sections + 2, "{name}: {n} pages for {sections} indicators");
        for b in pdf["media_boxes"].as_array().unwrap() {
            let b: Vec<f64> = b.as_array().unwrap().iter().map(|x| x.as_f64().unwrap()).collect();
            // A4 is 595.28 × 841.89 points; Chromium rounds to whole CSS pixels.
            assert!((b[2] - b[0] - 595.28).abs() < 1.0 && (b[3] - b[1] - 841.89).abs() < 1.0, "{name}: page {b:?}");
        }
        // Chromium sets "fi" and "fl" as one glyph (ligature); a reader reads the letters.
        let text = squash(&pdf["text"].as_str().unwrap().replace('\u{fb01}', "fi").replace('\u{fb02}', "fl"));
        let mut sentences = 0;
        for h in headline.captures_iter(html) {
            let sentence = tags.replace_all(&h[1], "").replace("&amp;", "&");
            assert!(text.contains(&squash(&sentence)), "{name}: headline {sentence:?} not in the PDF");
            for (key, _) in figures(&h[1]) {
                let (row, field) = key.split_once('.').unwrap();
                let r = &rows[row.parse::<usize>().unwrap()];
                let v: f64 = r[column(field, r)].parse().unwrap();
                let want = shown(v, usize::from(!["c", "n"].contains(&field)), lang);
                assert!(text.contains(&want), "{name}: {key} = {want} (the export's figure) not in the PDF");
            }
            sentences += 1;
        }
        assert_eq!(sentences, sections, "{name}: a headline per indicator");
        checked += 1;
    }
    checked
}

#[test]
fn every_factsheet_page_has_an_a4_pdf_showing_its_headline_figures() {
    assert_eq!(shown(1918.0, 0, "nl"), "1.918");
    assert_eq!(shown(1_234_567.25, 1, "en"), "1,234,567.2");
    assert_eq!(shown(9.04, 1, "nl"), "9,0");
    let f = small();
    if kohort::factsheet::pdf::find_chromium().is_none() {
        eprintln!("SKIPPED PDF check: no chromium on the PATH (apt-get install chromium); the pack has no PDFs");
        assert!(pdfs(&f.pack).is_empty());
        return;
    }
    assert_eq!(check_pdfs(f), 20, "national, disclosure and 8 mirrors, in two languages");
}

#[test]
fn without_chromium_the_html_pack_is_written_and_says_why_there_are_no_pdfs() {
    let f = small();
    let tmp = tempfile::tempdir().unwrap();
    let empty = tmp.path().join("bin");
    std::fs::create_dir_all(&empty).unwrap();
    let out = tmp.path().join("pack");
    let run = |pdf: &str, path: &Path| {
        kohort()
            .env("PATH", path)
            .args(["factsheet", "--pdf", pdf, "--in"])
            .arg(&f.export)
            .arg("--out")
            .arg(&out)
            .output()
            .unwrap()
    };
    // auto: the HTML pack as always, no PDFs, and a note that says why.
    let o = run("auto", &empty);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(o.status.success(), "{err}");
    assert!(err.contains("no PDFs: none of chromium") && err.contains("--pdf always"), "{err}");
    assert!(pages(&out) == pages(&f.pack), "the same HTML pages");
    assert!(pdfs(&out).is_empty());
    // always: an error that says what to do, and the pack in place is left as it was.
    let o = run("always", &empty);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(!o.status.success(), "{err}");
    assert!(err.contains("--pdf always: none of chromium") && err.contains("apt-get install chromium"), "{err}");
    assert!(pages(&out) == pages(&f.pack), "the published pack is untouched");
    // A browser that fails: an error naming it, nothing published.
    let fake = empty.join("chromium");
    std::fs::write(&fake, "#!/bin/sh\nexit 3\n").unwrap();
    let mut perm = std::fs::metadata(&fake).unwrap().permissions();
    std::os::unix::fs::PermissionsExt::set_mode(&mut perm, 0o755);
    std::fs::set_permissions(&fake, perm).unwrap();
    kohort::store::publication::remove_if_present(&out).unwrap();
    let o = run("auto", &empty);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(!o.status.success(), "{err}");
    assert!(err.contains("bin/chromium") && err.contains("exited at start"), "{err}");
    assert!(!out.exists(), "nothing published");
}

#[test]
fn mirror_factsheets_show_their_group_previous_period_and_districts_as_the_export_publishes_them() {
    // A yearly monitor over the `small` demo's store with districts and groups of comparable
    // municipalities, exported with minimum count 3 so that some districts are published. On
    // each English municipality page: the "comparable municipalities" figure is the published
    // figure of the group's own row (region_level municipality_group, region = group_of), the
    // "previous period" figure that of the same region's row a year earlier — both looked up
    // in the export here, not read from its benchmark columns — and the districts table lists
    // exactly the municipality's district rows of the latest year, each published one with
    // its figure and name, each suppressed one with the mark.
    let f = small();
    let store = f.export.parent().unwrap().parent().unwrap().join("store");
    let tmp = tempfile::tempdir().unwrap();
    let study = tmp.path().join("levels.toml");
    std::fs::write(
        &study,
        "name = \"levels\"\noutcomes = [\"reentry\"]\nperiods = \"year\"\nfrom = 2019\nto = 2024\nsplits = [\"sex\"]\n\
         region_levels = [\"national\", \"youth_region\", \"municipality\", \"district\", \"municipality_group\"]\n",
    )
    .unwrap();
    let (out, export, pack) = (tmp.path().join("out"), tmp.path().join("export"), tmp.path().join("pack"));
    kohort()
        .arg("--quiet")
        .arg("study")
        .arg(&study)
        .arg("--store")
        .arg(&store)
        .arg("--out")
        .arg(&out)
        .assert()
        .success();
    kohort()
        .arg("--quiet")
        .args(["export", "tables", "--min-count", "3", "--in"])
        .arg(out.join("levels"))
        .arg("--out")
        .arg(&export)
        .assert()
        .success();
    kohort()
        .arg("--quiet")
        .args(["factsheet", "--pdf", "never", "--in"])
        .arg(&export)
        .arg("--out")
        .arg(&pack)
        .assert()
        .success();
    let rows = read_csv(&export.join("tables.csv"));
    let cell = |r: &Record| {
        ["table_name", "cohort", "outcome", "variant", "window_days", "split", "split_value"].map(|c| r[c].clone())
    };
    let find = |r: &Record, level: &str, region: &str, period: &str| -> Option<&Record> {
        rows.iter().find(|o| {
            o["region_level"] == level && o["region"] == region && o["period"] == period && cell(o) == cell(r)
        })
    };
    let figure = |r: &Record| -> f64 {
        let col = if r["population"].is_empty() { "percentage" } else { "rate_per_1000" };
        r[col].parse().unwrap()
    };
    let pages = pages(&pack);
    let shown_figures = |html: &str| -> Vec<(usize, String, f64)> {
        figures(html)
            .into_iter()
            .filter(|(k, _)| !k.starts_with("d."))
            .map(|(k, t)| {
                let (row, field) = k.split_once('.').unwrap();
                (row.parse().unwrap(), field.to_owned(), parse(&t, "en"))
            })
            .collect()
    };
    let (mut groups, mut previous, mut published_districts, mut marked_districts) = (0, 0, 0, 0);
    let municipalities: BTreeSet<&str> =
        rows.iter().filter(|r| r["region_level"] == "municipality").map(|r| r["region"].as_str()).collect();
    let cell_ref = Regex::new(r#"data-[ks]="(\d+)\.(?:p|r)""#).unwrap();
    for m in &municipalities {
        let html = &pages[&format!("en/region-{m}.html")];
        for (i, field, v) in shown_figures(html) {
            let r = &rows[i];
            let prev = (r["period"].parse::<i32>().unwrap() - 1).to_string();
            let want = match field.as_str() {
                "bg" => find(r, "municipality_group", &r["group_of"], &r["period"]),
                "bp" => find(r, &r["region_level"], &r["region"], &prev),
                _ => continue,
            };
            let want = want.unwrap_or_else(|| panic!("{m}: {i}.{field} shows {v} without a row in the export"));
            assert_eq!(want["suppressed"], "false", "{m}: {i}.{field} is a suppressed row's figure");
            assert!((v - figure(want)).abs() <= 0.05 + 1e-9, "{m}: {i}.{field} shows {v}, the export {}", figure(want));
            if field == "bg" { groups += 1 } else { previous += 1 }
        }
        // The districts tables (one per indicator): from their heading to the end of their table.
        let title =
            format!("<h3>Districts of {}</h3>", rows.iter().find(|r| r["region"] == *m).unwrap()["region_name"]);
        let tables: Vec<&str> = html
            .match_indices(&title)
            .map(|(start, _)| &html[start..start + html[start..].find("</table>").unwrap()])
            .collect();
        assert!(!tables.is_empty(), "{m}: no districts table");
        let table = tables.concat();
        let on_page: BTreeSet<usize> = cell_ref.captures_iter(&table).map(|c| c[1].parse().unwrap()).collect();
        let latest = rows.iter().filter(|r| r["region"] == *m).map(|r| r["period"].clone()).max().unwrap();
        let want: BTreeSet<usize> = (0..rows.len())
            .filter(|&i| {
                let r = &rows[i];
                r["region_level"] == "district"
                    && r["municipality_of"] == *m
                    && r["period"] == latest
                    && r["split"] == "total"
            })
            .collect();
        assert_eq!(on_page, want, "{m}: the districts of the latest year");
        for i in want {
            let r = &rows[i];
            assert!(table.contains(&format!(">{}</th>", r["region_name"])), "{m}: district {}", r["region_name"]);
            if r["suppressed"] == "false" {
                let text = format!("data-k=\"{i}.p\">{}<", shown(figure(r), 1, "en"));
                assert!(table.contains(&text), "{m}: {text}");
                published_districts += 1;
            } else {
                assert!(table.contains(&format!("data-s=\"{i}.p\">×<")), "{m}: district row {i} marked");
                marked_districts += 1;
            }
        }
    }
    assert!(municipalities.len() >= 4, "{municipalities:?}");
    assert!(groups >= 4 && previous >= 8, "groups {groups}, previous periods {previous}");
    assert!(published_districts >= 2 && marked_districts >= 4, "districts {published_districts} / {marked_districts}");
    // The generic checks hold on this pack too.
    let fx = Fixture { study: out.join("levels/tables.csv"), export, pack, _tmp: tmp };
    assert!(check_figures(&fx) > 500);
    check_loose_numbers(&fx);
    check_suppressed(&fx);
}

/// The site monitor (`studies/site_monitor.toml`: quarters, the `site` split) over
/// `proeftuinen`, exported with minimum count 3 (at the default 10 every site's quarter is
/// suppressed: a pilot site has a handful of reports a quarter), and its pack; built once.
fn site_monitor() -> &'static Fixture {
    static F: OnceLock<Fixture> = OnceLock::new();
    F.get_or_init(|| proeftuinen_study("site_monitor", &["--min-count", "3"]))
}

/// An indicator of an export row: cohort, outcome, variant, window.
fn indicator(r: &Record) -> [String; 4] {
    ["cohort", "outcome", "variant", "window_days"].map(|c| r[c].clone())
}

/// The field of the figure each indicator shows, from the export's columns: `r` where it has a
/// population, `c` where a row has a count but none a denominator or percentage (a plain
/// count), else `p` (also where every row is suppressed and shows nothing).
fn figure_fields(rows: &[Record]) -> BTreeMap<[String; 4], &'static str> {
    let mut seen: BTreeMap<[String; 4], (bool, bool, bool)> = BTreeMap::new();
    for r in rows {
        let (rate, share, count) = seen.entry(indicator(r)).or_default();
        *rate |= !r["population"].is_empty();
        *share |= !r["denominator"].is_empty() || !r["percentage"].is_empty();
        *count |= !r["count"].is_empty();
    }
    seen.into_iter()
        .map(|(k, (rate, share, count))| {
            (
                k,
                if rate {
                    "r"
                } else if count && !share {
                    "c"
                } else {
                    "p"
                },
            )
        })
        .collect()
}

/// A row's figure as the page in `lang` shows it, formatted here from the export.
fn shown_figure(r: &Record, field: &str, lang: &str) -> String {
    let col = column(field, r);
    shown(r[col].parse().unwrap(), usize::from(field != "c"), lang)
}

/// Whether a period is a quarter (`2024Q3`).
fn quarter(p: &str) -> bool {
    static QUARTER: OnceLock<Regex> = OnceLock::new();
    QUARTER.get_or_init(|| Regex::new(r"^\d{4}Q[1-4]$").unwrap()).is_match(p)
}

#[test]
fn each_site_page_shows_every_quarter_of_its_site_and_of_all_sites_as_the_export_publishes_it() {
    // On each site's page (both languages): every figure or mark belongs to a national row of a
    // quarter, the site's own or that of all sites together; every national row of the site is
    // there, a published one with its figure as formatted here from the export, a suppressed
    // one with the mark; every all-sites row of a quarter of those indicators is there too.
    // The overview shows every site's row and the all-sites row of each indicator's latest
    // quarter. The index links the overview and every site.
    let f = site_monitor();
    let rows = read_csv(&f.export.join("tables.csv"));
    let fields = figure_fields(&rows);
    let pages = pages(&f.pack);
    // Each row's indicator, and whether it is a national row of a quarter, worked out once.
    let indicators: Vec<[String; 4]> = rows.iter().map(indicator).collect();
    let national: Vec<bool> = rows.iter().map(|r| r["region_level"] == "national" && quarter(&r["period"])).collect();
    let sites: BTreeSet<&str> = rows
        .iter()
        .filter(|r| r["split"] == "site" && r["split_value"] != "unknown")
        .map(|r| r["split_value"].as_str())
        .collect();
    assert_eq!(sites.len(), 11, "the pilot sites of proeftuinen: {sites:?}");
    let with_sites: BTreeSet<&[String; 4]> =
        (0..rows.len()).filter(|&i| rows[i]["split"] == "site" && national[i]).map(|i| &indicators[i]).collect();
    let refs = Regex::new(r#"data-[ks]="(\d+)\.[a-z]+""#).unwrap();
    let on_page = |html: &str, i: usize, field: &str| {
        html.contains(&format!("data-k=\"{i}.{field}\"")) || html.contains(&format!("data-s=\"{i}.{field}\">×<"))
    };
    let (mut published, mut marked, mut all_sites) = (0, 0, 0);
    for lang in ["en", "nl"] {
        let index = &pages[&format!("{lang}/index.html")];
        assert!(index.contains("href=\"sites.html\""), "{lang}: the index links the overview");
        for site in &sites {
            let html = &pages[&format!("{lang}/site-{site}.html")];
            assert!(index.contains(&format!("href=\"site-{site}.html\">{site}</a>")), "{lang}: index links {site}");
            for c in refs.captures_iter(html) {
                let at = c[1].parse::<usize>().unwrap();
                let r = &rows[at];
                let mine = r["split"] == "site" && r["split_value"] == *site || r["split"] == "total";
                assert!(national[at] && mine, "{lang}/{site}: row {} is not the site's or all sites'", &c[1]);
            }
            for (i, r) in rows.iter().enumerate().filter(|&(i, _)| national[i]) {
                let field = fields[&indicators[i]];
                if r["split"] == "site" && r["split_value"] == *site {
                    if r["suppressed"] == "false" {
                        let want = format!("data-k=\"{i}.{field}\">{}<", shown_figure(r, field, lang));
                        assert!(html.contains(&want), "{lang}/{site}: {want}");
                        published += 1;
                    } else {
                        assert!(html.contains(&format!("data-s=\"{i}.{field}\">×<")), "{lang}/{site}: row {i} marked");
                        marked += 1;
                    }
                } else if r["split"] == "total" && with_sites.contains(&indicators[i]) {
                    assert!(on_page(html, i, field), "{lang}/{site}: all sites' row {i}");
                    all_sites += 1;
                }
            }
        }
        // The overview: each indicator's latest quarter, every site and all sites.
        let overview = &pages[&format!("{lang}/sites.html")];
        for ind in &with_sites {
            let of_ind = || rows.iter().enumerate().filter(|&(i, _)| &indicators[i] == *ind);
            let latest = of_ind().map(|(_, r)| r["period"].clone()).max().unwrap();
            let field = fields[*ind];
            for (i, r) in of_ind() {
                if r["period"] == latest && r["region_level"] == "national" {
                    assert!(on_page(overview, i, field), "{lang}/sites.html: row {i} ({} {latest})", r["split_value"]);
                    if r["suppressed"] == "false" {
                        let want = format!("data-k=\"{i}.{field}\">{}<", shown_figure(r, field, lang));
                        assert!(overview.contains(&want), "{lang}/sites.html: {want}");
                    }
                }
            }
        }
    }
    assert!(published >= 100 && marked >= 5000 && all_sites >= 5000, "{published} / {marked} / {all_sites}");
}

#[test]
fn site_report_shows_only_published_figures_in_both_languages_opens_in_chromium_and_prints_a4() {
    let f = site_monitor();
    let all = pages(&f.pack);
    let sites = all.keys().filter(|p| p.starts_with("en/site-")).count();
    assert_eq!(sites, 11, "a page per pilot site");
    assert!(check_figures(f) > 5000);
    check_loose_numbers(f);
    check_suppressed(f);
    let compared = check_languages(f);
    assert_eq!(compared * 2 + 1, all.len(), "every Dutch page has its English twin");
    let nl = &all["nl/site-proeftuin-twente.html"];
    assert!(nl.contains("<html lang=\"nl\">") && nl.contains("Kwartaalrapportage proeftuin"), "Dutch words");
    // Every page in one browser session, then every PDF read back.
    if let Some((code, text)) = browser(&f.pack, &[]) {
        assert_eq!(code, 0, "{text}");
        assert!(text.contains(&format!("\"pages\": {}", all.len())), "{text}");
    }
    if kohort::factsheet::pdf::find_chromium().is_some() {
        let factsheets = all.keys().filter(|p| !p.ends_with("index.html")).count();
        assert_eq!(check_pdfs(f), factsheets, "a PDF per page but the index pages, site pages included");
    }
}

#[test]
fn the_same_site_monitor_export_gives_the_same_site_pages() {
    // HTML only here (`--pdf never`); the PDFs' bytes are checked on the small pack.
    let f = site_monitor();
    let again = f.pack.with_file_name("pack-again");
    kohort()
        .arg("--quiet")
        .args(["factsheet", "--pdf", "never", "--in"])
        .arg(&f.export)
        .arg("--out")
        .arg(&again)
        .assert()
        .success();
    let (a, b) = (pages(&f.pack), pages(&again));
    assert_eq!(a.keys().collect::<Vec<_>>(), b.keys().collect::<Vec<_>>());
    for (k, v) in &a {
        assert!(*v == b[k], "{k} differs");
    }
    assert_eq!(a.keys().filter(|p| p.contains("/site-") || p.ends_with("/sites.html")).count(), 24);
}
