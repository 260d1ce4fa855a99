//! The pages of a factsheet pack as HTML text: national factsheet, mirror factsheets, index and
//! disclosure summary. Every figure a page shows sits in an element with `data-k="<row>.<field>"`
//! (the export's row in `tables.csv`; fields `p` percentage, `r` rate per 1,000, `lo`/`hi`
//! interval, `c` count, `n` denominator or population, `bn`/`by`/`bm`/`bg`/`bp` benchmarks) or
//! `data-k="d.<field>"` (the disclosure report), so a check can read every number back.

use std::fmt::Write as _;

use super::html::esc;
use super::i18n::Lang;
use super::model::{BENCHES, Bench, Data, Region, Row};
use super::svg::{self, Point};

/// The stylesheet of every page (screen and A4 print).
const CSS: &str = include_str!("factsheet.css");

/// The suppression mark.
pub const MARK: &str = "×";

/// What every page needs besides its data.
pub struct Ctx<'a> {
    /// The export.
    pub data: &'a Data,
    /// The language.
    pub lang: &'a Lang,
    /// The disclosure report (`disclosure_report.json`).
    pub report: &'a serde_json::Value,
}

impl Ctx<'_> {
    /// The minimum count in its span (`d.min_count`).
    fn min_count(&self) -> String {
        let v = self.report.get("min_count").and_then(serde_json::Value::as_i64).unwrap_or(10);
        num("d.min_count", Some(self.lang.int(v)))
    }

    fn round_base(&self) -> u64 {
        self.report.get("round_base").and_then(serde_json::Value::as_u64).unwrap_or(1)
    }
}

/// The file name of a region's mirror factsheet.
#[must_use]
pub fn region_file(code: &str) -> String {
    let safe: String = code.chars().map(|c| if c.is_ascii_alphanumeric() || c == '-' { c } else { '_' }).collect();
    format!("region-{safe}.html")
}

/// A whole page around its body.
pub(super) fn page(c: &Ctx<'_>, title: &str, body: &str) -> String {
    let l = c.lang;
    let other = if l.code == "nl" { "en" } else { "nl" };
    format!(
        "<!DOCTYPE html>\n<html lang=\"{}\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<link rel=\"icon\" href=\"data:,\">\n<title>{}</title>\n<style>\n{CSS}</style>\n</head>\n<body>\n<nav><a href=\"index.html\">{}</a> · <a href=\"../{other}/index.html\">{}</a></nav>\n<main>\n{body}</main>\n<footer>{}</footer>\n</body>\n</html>\n",
        esc(&l.code),
        esc(title),
        esc(l.t("nav_index")),
        esc(l.t("nav_other_language")),
        footer(c)
    )
}

/// The footnotes of every factsheet: suppression, rounding, source.
fn footer(c: &Ctx<'_>) -> String {
    let l = c.lang;
    let mut out = format!(
        "<p id=\"fn-sup\"><span class=\"sup\">{MARK}</span> {}</p>",
        super::i18n::fill(&esc(l.t("footnote_suppressed")), &[("min", &c.min_count())])
    );
    let _ = write!(out, "<p>{}</p>", esc(l.t("footnote_rounded_percent")));
    if c.round_base() > 1 {
        let _ = write!(
            out,
            "<p>{}</p>",
            super::i18n::fill(
                &esc(l.t("footnote_rounded_counts")),
                &[("base", &num("d.round_base", Some(c.round_base().to_string())))]
            )
        );
    }
    let _ = write!(out, "<p>{}</p>", esc(&l.fill("footnote_source", &[("study", &c.data.study)])));
    out
}

/// A figure in a span with its id, or the mark.
pub(super) fn num(key: &str, text: Option<String>) -> String {
    match text {
        Some(t) => format!("<span data-k=\"{key}\">{t}</span>"),
        None => format!("<span class=\"sup\" data-s=\"{key}\">{MARK}</span>"),
    }
}

fn fig(c: &Ctx<'_>, r: &Row, rate: bool) -> String {
    num(&r.key(if rate { "r" } else { "p" }), r.figure(rate).map(|v| c.lang.dec(v, 1)))
}

/// The name of an indicator: outcome name, variant, window.
pub(super) fn indicator_title(c: &Ctx<'_>, ind: usize) -> String {
    let (i, _) = &c.data.indicators[ind];
    let l = c.lang;
    let mut t = l.outcomes.get(&i.outcome).map_or_else(|| i.outcome.clone(), |o| o.name.clone());
    if !i.variant.is_empty() {
        let _ = write!(t, " ({})", l.value("variant", &i.variant));
    }
    if let Some(w) = i.window {
        let _ = write!(t, " · {}", l.fill("window", &[("days", &w.to_string())]));
    }
    t
}

pub(super) fn definition(c: &Ctx<'_>, ind: usize) -> String {
    let (i, _) = &c.data.indicators[ind];
    let w = i.window.map(|w| w.to_string()).unwrap_or_default();
    c.lang.outcomes.get(&i.outcome).map_or_else(String::new, |o| super::i18n::fill(&o.definition, &[("window", &w)]))
}

/// The headline sentence of one cell: figure, interval, count of denominator.
pub(super) fn headline(c: &Ctx<'_>, r: &Row, rate: bool, period: &str) -> String {
    let l = c.lang;
    let p = l.period(period);
    if r.suppressed || r.figure(rate).is_none() {
        return format!(
            "<p class=\"headline\">{}: {} {}</p>",
            esc(&p),
            num(&r.key(if rate { "r" } else { "p" }), None),
            esc(l.t("not_published"))
        );
    }
    let unit = if rate { l.t("unit_rate") } else { "%" };
    let mut out = format!("<p class=\"headline\">{}: <strong>{}{}</strong>", esc(&p), fig(c, r, rate), esc(unit));
    if let Some((lo, hi)) = r.ci_lower.zip(r.ci_upper).filter(|_| !rate) {
        let _ = write!(
            out,
            " ({} {}–{})",
            esc(l.t("ci")),
            num(&r.key("lo"), Some(l.dec(lo, 1))),
            num(&r.key("hi"), Some(l.dec(hi, 1)))
        );
    }
    let n = if rate { r.population } else { r.denominator };
    if let (Some(cnt), Some(n)) = (r.count, n) {
        let _ = write!(
            out,
            "; {}",
            super::i18n::fill(
                &esc(l.t(if rate { "count_of_population" } else { "count_of_denominator" })),
                &[("count", &num(&r.key("c"), Some(l.int(cnt)))), ("denominator", &num(&r.key("n"), Some(l.int(n))))]
            )
        );
    }
    out.push_str(".</p>\n");
    out
}

/// A chart point of a row.
fn point(label: String, r: &Row, rate: bool) -> Point {
    Point {
        label,
        value: r.figure(rate),
        ci: if rate { None } else { r.ci_lower.zip(r.ci_upper) },
        key: r.key(if rate { "r" } else { "p" }),
        suppressed: r.suppressed,
        decimals: 1,
    }
}

/// The number table under a chart: label, figure, interval, count, denominator.
fn table(c: &Ctx<'_>, caption: &str, head: &str, rows: &[(String, &Row)], rate: bool) -> String {
    let l = c.lang;
    let fig_head = if rate { l.t("col_rate") } else { l.t("col_percentage") };
    let n_head = if rate { l.t("col_population") } else { l.t("col_denominator") };
    let mut out = format!(
        "<table><caption>{}</caption><thead><tr><th scope=\"col\">{}</th><th scope=\"col\" class=\"num\">{}</th>",
        esc(caption),
        esc(head),
        esc(fig_head)
    );
    if !rate {
        let _ = write!(out, "<th scope=\"col\" class=\"num\">{}</th>", esc(l.t("col_ci")));
    }
    let _ = write!(
        out,
        "<th scope=\"col\" class=\"num\">{}</th><th scope=\"col\" class=\"num\">{}</th></tr></thead><tbody>",
        esc(l.t("col_count")),
        esc(n_head)
    );
    for (label, r) in rows {
        let _ = write!(out, "<tr><th scope=\"row\">{}</th><td class=\"num\">{}</td>", esc(label), fig(c, r, rate));
        if !rate {
            let ci = match (r.ci_lower, r.ci_upper) {
                (Some(lo), Some(hi)) => {
                    format!("{}–{}", num(&r.key("lo"), Some(l.dec(lo, 1))), num(&r.key("hi"), Some(l.dec(hi, 1))))
                }
                _ => num(&r.key("lo"), None),
            };
            let _ = write!(out, "<td class=\"num\">{ci}</td>");
        }
        let n = if rate { r.population } else { r.denominator };
        let _ = write!(
            out,
            "<td class=\"num\">{}</td><td class=\"num\">{}</td></tr>",
            num(&r.key("c"), r.count.map(|v| l.int(v))),
            num(&r.key("n"), n.filter(|_| !r.suppressed).map(|v| l.int(v)))
        );
    }
    out.push_str("</tbody></table>\n");
    out
}

/// The trend of one region: over the periods, or over the index years of the latest period.
fn trend_rows<'a>(c: &'a Ctx<'_>, ind: usize, level: &str, region: &str) -> (String, Vec<(String, &'a Row)>) {
    let d = c.data;
    let periods = d.periods(ind);
    if periods.len() > 1 {
        let rows = periods
            .iter()
            .filter_map(|p| d.cell(ind, p, level, region, "total", "total").map(|r| (c.lang.period(p), r)))
            .collect();
        return (c.lang.t("col_period").to_owned(), rows);
    }
    let rows = d
        .categories(ind, &d.latest(ind), level, region, "index_year")
        .into_iter()
        .filter(|r| r.value != "unknown")
        .map(|r| (r.value.clone(), r))
        .collect();
    (c.lang.split("index_year").to_owned(), rows)
}

/// A chart in its figure, or nothing when no figure of it is published (the table below says
/// which are suppressed).
fn chart(points: &[Point], draw: impl FnOnce() -> String) -> String {
    if points.iter().any(|p| p.value.is_some()) { format!("<figure>{}</figure>\n", draw()) } else { String::new() }
}

/// Trend chart and its table (nothing when there are fewer than two points).
fn trend_block(c: &Ctx<'_>, id: &str, ind: usize, level: &str, region: &str, rate: bool) -> String {
    let (head, rows) = trend_rows(c, ind, level, region);
    if rows.len() < 2 {
        return String::new();
    }
    let l = c.lang;
    let title = l.fill("trend_title", &[("by", &head.to_lowercase())]);
    // Over periods the chart's labels are short (a quarter as `2024 Q3`), the table's whole.
    let by_period = head == l.t("col_period");
    let label = |lab: &String, r: &Row| if by_period { l.period_short(&r.period) } else { lab.clone() };
    let points: Vec<Point> = rows.iter().map(|(lab, r)| point(label(lab, r), r, rate)).collect();
    format!(
        "<h3>{}</h3>\n{}{}",
        esc(&title),
        chart(&points, || svg::trend(id, &title, &points, l)),
        table(c, &title, &head, &rows, rate)
    )
}

/// Bar chart and table of every simple split of one region.
fn split_blocks(c: &Ctx<'_>, id: &str, ind: usize, level: &str, region: &str, rate: bool) -> String {
    let d = c.data;
    let l = c.lang;
    let p = d.latest(ind);
    let mut out = String::new();
    for (k, dim) in d.splits(ind).iter().enumerate() {
        let rows: Vec<(String, &Row)> = d
            .categories(ind, &p, level, region, dim)
            .into_iter()
            .map(|r| (l.value(dim, &r.value).to_owned(), r))
            .collect();
        if rows.is_empty() {
            continue;
        }
        let title = l.fill("by_split", &[("split", &l.split(dim).to_lowercase())]);
        let points: Vec<Point> = rows.iter().map(|(lab, r)| point(lab.clone(), r, rate)).collect();
        let _ = write!(
            out,
            "<h3>{}</h3>\n{}{}",
            esc(&title),
            chart(&points, || svg::bars(&format!("{id}-s{k}"), &title, &points, l)),
            table(c, &title, l.split(dim), &rows, rate)
        );
    }
    out
}

/// The national factsheet.
#[must_use]
pub fn national(c: &Ctx<'_>) -> String {
    let d = c.data;
    let l = c.lang;
    let mut body = format!(
        "<h1>{}</h1>\n<p class=\"lead\">{}</p>\n",
        esc(&l.fill("national_title", &[("study", &d.study)])),
        esc(l.t("national_lead"))
    );
    for (ind, (_, rate)) in d.indicators.iter().enumerate() {
        let (level, region) = d.top(ind);
        let p = d.latest(ind);
        let Some(r) = d.cell(ind, &p, level, region, "total", "total") else { continue };
        let id = format!("i{ind}");
        let _ = write!(
            body,
            "<section class=\"indicator\" id=\"{id}\">\n<h2>{}</h2>\n<p class=\"definition\">{}</p>\n{}{}{}</section>\n",
            esc(&indicator_title(c, ind)),
            esc(&definition(c, ind)),
            headline(c, r, *rate, &p),
            trend_block(c, &format!("{id}-t"), ind, level, region, *rate),
            split_blocks(c, &id, ind, level, region, *rate)
        );
    }
    page(c, &l.fill("national_title", &[("study", &d.study)]), &body)
}

/// The flag of a benchmark comparison, in words (only a difference beyond chance is flagged).
fn flag(c: &Ctx<'_>, vs: Option<&str>) -> String {
    let l = c.lang;
    match vs {
        Some("higher") => format!("<span class=\"flag\">▲ {}</span>", esc(l.t("flag_higher"))),
        Some("lower") => format!("<span class=\"flag\">▼ {}</span>", esc(l.t("flag_lower"))),
        Some(_) => format!("<span class=\"muted\">{}</span>", esc(l.t("flag_similar"))),
        None => format!("<span class=\"muted\">{}</span>", esc(l.t("flag_none"))),
    }
}

/// The benchmarks that apply to a region row (those with a figure or a flag).
fn benches(r: &Row) -> Vec<Bench> {
    BENCHES.iter().copied().filter(|b| r.bench[b.index()].0.is_some() || r.bench[b.index()].1.is_some()).collect()
}

/// The comparison of one region row with its benchmarks: chart and table.
fn comparison(c: &Ctx<'_>, id: &str, reg: &Region, r: &Row, rate: bool) -> String {
    let l = c.lang;
    let title = l.fill("compare_title", &[("region", &reg.name)]);
    let mut points = vec![point(reg.name.clone(), r, rate)];
    let mut rows = format!(
        "<tr><th scope=\"row\">{}</th><td class=\"num\">{}</td><td>{}</td></tr>",
        esc(&reg.name),
        fig(c, r, rate),
        esc(l.t("this_region"))
    );
    for b in benches(r) {
        let (v, vs) = &r.bench[b.index()];
        points.push(Point {
            label: l.t(b.key()).to_owned(),
            value: *v,
            ci: None,
            key: r.key(b.code()),
            suppressed: false,
            decimals: 1,
        });
        let _ = write!(
            rows,
            "<tr><th scope=\"row\">{}</th><td class=\"num\">{}</td><td>{}</td></tr>",
            esc(l.t(b.key())),
            v.map_or_else(
                || format!("<span class=\"muted\">{}</span>", esc(l.t("no_figure"))),
                |v| num(&r.key(b.code()), Some(l.dec(v, 1)))
            ),
            flag(c, vs.as_deref())
        );
    }
    let fig_head = if rate { l.t("col_rate") } else { l.t("col_percentage") };
    format!(
        "<h3>{}</h3>\n<figure>{}</figure>\n<table><caption>{}</caption><thead><tr><th scope=\"col\">{}</th><th scope=\"col\" class=\"num\">{}</th><th scope=\"col\">{}</th></tr></thead><tbody>{rows}</tbody></table>\n",
        esc(&title),
        svg::bars(id, &title, &points, l),
        esc(&title),
        esc(l.t("col_benchmark")),
        esc(fig_head),
        esc(l.t("col_difference"))
    )
}

/// The region's categories beside the national ones, flagged.
fn split_comparison(c: &Ctx<'_>, ind: usize, reg: &Region, rate: bool) -> String {
    let d = c.data;
    let l = c.lang;
    let p = d.latest(ind);
    let mut out = String::new();
    for dim in d.splits(ind) {
        let rows = d.categories(ind, &p, &reg.level, &reg.code, &dim);
        if rows.is_empty() {
            continue;
        }
        let title = l.fill("by_split", &[("split", &l.split(&dim).to_lowercase())]);
        let _ = write!(
            out,
            "<table><caption>{}</caption><thead><tr><th scope=\"col\">{}</th><th scope=\"col\" class=\"num\">{}</th><th scope=\"col\" class=\"num\">{}</th><th scope=\"col\">{}</th></tr></thead><tbody>",
            esc(&format!("{} — {}", reg.name, title)),
            esc(l.split(&dim)),
            esc(&reg.name),
            esc(l.t("bench_national")),
            esc(l.t("col_difference"))
        );
        for r in rows {
            let (bn, vs) = &r.bench[Bench::National.index()];
            let _ = write!(
                out,
                "<tr><th scope=\"row\">{}</th><td class=\"num\">{}</td><td class=\"num\">{}</td><td>{}</td></tr>",
                esc(l.value(&dim, &r.value)),
                fig(c, r, rate),
                bn.map_or_else(
                    || format!("<span class=\"muted\">{}</span>", esc(l.t("no_figure"))),
                    |v| num(&r.key("bn"), Some(l.dec(v, 1)))
                ),
                flag(c, vs.as_deref())
            );
        }
        out.push_str("</tbody></table>\n");
    }
    out
}

/// The districts of a municipality, where published.
fn districts(c: &Ctx<'_>, ind: usize, reg: &Region, rate: bool) -> String {
    let rows = c.data.districts(ind, &reg.code);
    if rows.is_empty() {
        return String::new();
    }
    let l = c.lang;
    let named: Vec<(String, &Row)> = rows.into_iter().map(|r| (r.region_name.clone(), r)).collect();
    let title = l.fill("districts_title", &[("region", &reg.name)]);
    format!("<h3>{}</h3>\n{}", esc(&title), table(c, &title, l.t("col_district"), &named, rate))
}

/// The mirror factsheet of one region.
#[must_use]
pub fn mirror(c: &Ctx<'_>, reg: &Region) -> String {
    let d = c.data;
    let l = c.lang;
    let level_name = l.t(if reg.level == "youth_region" { "level_youth_region" } else { "level_municipality" });
    let title = l.fill("mirror_title", &[("region", &reg.name), ("level", level_name)]);
    let mut body = format!(
        "<h1>{}</h1>\n<p class=\"lead\">{} <span class=\"code\">{}</span></p>\n",
        esc(&title),
        esc(l.t("mirror_lead")),
        esc(&reg.code)
    );
    for (ind, (_, rate)) in d.indicators.iter().enumerate() {
        let p = d.latest(ind);
        let Some(r) = d.cell(ind, &p, &reg.level, &reg.code, "total", "total") else { continue };
        let id = format!("i{ind}");
        let _ = write!(
            body,
            "<section class=\"indicator\" id=\"{id}\">\n<h2>{}</h2>\n<p class=\"definition\">{}</p>\n{}{}{}{}{}</section>\n",
            esc(&indicator_title(c, ind)),
            esc(&definition(c, ind)),
            headline(c, r, *rate, &p),
            comparison(c, &format!("{id}-c"), reg, r, *rate),
            trend_block(c, &format!("{id}-t"), ind, &reg.level, &reg.code, *rate),
            split_comparison(c, ind, reg, *rate),
            districts(c, ind, reg, *rate)
        );
    }
    page(c, &title, &body)
}

/// The index page of one language; `more` is appended to its lists (the site report's, built
/// by `sites.rs`, which builds on this module).
#[must_use]
pub fn index(c: &Ctx<'_>, more: &str) -> String {
    let d = c.data;
    let l = c.lang;
    let mut body = format!(
        "<h1>{}</h1>\n<ul>\n<li><a href=\"national.html\">{}</a></li>\n<li><a href=\"disclosure.html\">{}</a></li>\n</ul>\n",
        esc(&l.fill("index_title", &[("study", &d.study)])),
        esc(&l.fill("national_title", &[("study", &d.study)])),
        esc(l.t("disclosure_title"))
    );
    for (level, key) in [("youth_region", "index_youth_regions"), ("municipality", "index_municipalities")] {
        let regs: Vec<&Region> = d.regions.iter().filter(|r| r.level == level).collect();
        if regs.is_empty() {
            continue;
        }
        let _ = write!(body, "<h2>{}</h2>\n<ul class=\"regions\">\n", esc(l.t(key)));
        for r in regs {
            let _ = writeln!(
                body,
                "<li><a href=\"{}\">{}</a> <span class=\"code\">{}</span></li>",
                region_file(&r.code),
                esc(&r.name),
                esc(&r.code)
            );
        }
        body.push_str("</ul>\n");
    }
    body.push_str(more);
    page(c, &l.fill("index_title", &[("study", &d.study)]), &body)
}

/// The disclosure summary page: the disclosure report's figures in words.
#[must_use]
pub fn disclosure(c: &Ctx<'_>) -> String {
    let l = c.lang;
    let mut body = format!(
        "<h1>{}</h1>\n<p class=\"lead\">{}</p>\n<table><caption>{}</caption><tbody>",
        esc(l.t("disclosure_title")),
        super::i18n::fill(&esc(l.t("disclosure_lead")), &[("min", &c.min_count())]),
        esc(l.t("disclosure_title"))
    );
    for field in [
        "min_count",
        "round_base",
        "rows",
        "rows_primary",
        "rows_secondary",
        "cells",
        "cells_primary",
        "cells_secondary_heuristic",
        "cells_secondary_audit",
        "relations",
        "audit_programs",
        "survival_rows_published",
    ] {
        let Some(v) = c.report.get(field).and_then(serde_json::Value::as_i64) else { continue };
        let _ = write!(
            body,
            "<tr><th scope=\"row\">{}</th><td class=\"num\">{}</td></tr>",
            esc(l.t(&format!("report_{field}"))),
            num(&format!("d.{field}"), Some(l.int(v)))
        );
    }
    let zeros = c.report.get("publish_zeros").and_then(serde_json::Value::as_bool).unwrap_or(false);
    let _ = writeln!(
        body,
        "<tr><th scope=\"row\">{}</th><td class=\"num\">{}</td></tr></tbody></table>",
        esc(l.t("report_publish_zeros")),
        esc(l.t(if zeros { "yes" } else { "no" }))
    );
    page(c, l.t("disclosure_title"), &body)
}

/// The root page: one link per language.
#[must_use]
pub fn root(langs: &[Lang], study: &str) -> String {
    let mut links = String::new();
    for l in langs {
        let _ = writeln!(
            links,
            "<li><a href=\"{}/index.html\" lang=\"{}\">{}</a></li>",
            esc(&l.code),
            esc(&l.code),
            esc(&l.fill("index_title", &[("study", study)]))
        );
    }
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<link rel=\"icon\" href=\"data:,\">\n<title>{}</title>\n<style>\n{CSS}</style>\n</head>\n<body>\n<main>\n<h1>{}</h1>\n<p class=\"lead\">{}</p>\n<ul>\n{links}</ul>\n</main>\n</body>\n</html>\n",
        esc(study),
        esc(study),
        langs.iter().map(|l| esc(l.t("root_lead"))).collect::<Vec<_>>().join(" / ")
    )
}
