//! The quarterly site report: when the export has the `site` split (the pilot site, the
//! delivering source, docs/definitions.md §5.4) in quarters, an overview page of the latest
//! quarter of every site side by side (`sites.html`, what a pilot programme reads together in its
//! quarterly meeting) and a page per site (`site-<name>.html`) with, per indicator, its quarterly
//! series beside the figure of all sites together, in a chart and a table.
//!
//! The page model ([`Series`], [`Quarter`]) holds the export's rows as they are and the
//! indicator's [`Kind`]: a share (percentage, interval band), a rate, or a plain count per
//! quarter without a denominator, each shown by the same code through [`Kind::value`].

use std::fmt::Write as _;

use super::html::esc;
use super::model::{Data, Kind, Row, is_quarter};
use super::pages::{Ctx, definition, indicator_title, num, page};
use super::svg::{self, Point};

/// The file name of a site's page.
#[must_use]
pub fn site_file(site: &str) -> String {
    let safe: String = site.chars().map(|c| if c.is_ascii_alphanumeric() || c == '-' { c } else { '_' }).collect();
    format!("site-{safe}.html")
}

/// The overview page's file name.
pub const OVERVIEW: &str = "sites.html";

/// One quarter of a site's series: the site's row and the row of all sites together, each
/// absent where the export has none (no index event that quarter).
#[derive(Debug, Clone)]
pub struct Quarter<'a> {
    /// The period (`2024Q3`).
    pub period: String,
    /// The site's row.
    pub site: Option<&'a Row>,
    /// The row of all sites together (the national or cohort total).
    pub all: Option<&'a Row>,
}

/// One indicator of a site's report: its quarters in order.
#[derive(Debug, Clone)]
pub struct Series<'a> {
    /// The indicator (position in [`Data::indicators`]).
    pub ind: usize,
    /// What its figure is.
    pub kind: Kind,
    /// Its quarters, oldest first.
    pub quarters: Vec<Quarter<'a>>,
}

/// The series of one site for one indicator, or `None` when the export has no row of the site
/// for it (an outcome without sites, such as a rate over residents).
#[must_use]
pub fn series<'a>(d: &'a Data, ind: usize, site: &str) -> Option<Series<'a>> {
    let (level, region) = d.top(ind);
    let quarters: Vec<Quarter<'a>> = d
        .periods(ind)
        .into_iter()
        .filter(|p| is_quarter(p))
        .map(|p| Quarter {
            site: d.cell(ind, &p, level, region, "site", site),
            all: d.cell(ind, &p, level, region, "total", "total"),
            period: p,
        })
        .collect();
    quarters.iter().any(|q| q.site.is_some()).then(|| Series { ind, kind: d.kind(ind), quarters })
}

/// The unit after a figure of a kind.
fn unit<'a>(c: &'a Ctx<'_>, kind: Kind) -> &'a str {
    match kind {
        Kind::Share => "%",
        Kind::Rate => c.lang.t("unit_rate"),
        Kind::Count => "",
    }
}

/// A figure of a row: its value, the mark when not published, "no figure" without a row.
fn figure(c: &Ctx<'_>, r: Option<&Row>, kind: Kind) -> String {
    match r {
        None => format!("<span class=\"muted\">{}</span>", esc(c.lang.t("no_figure"))),
        Some(r) => num(&r.key(kind.field()), kind.value(r).map(|v| c.lang.dec(v, kind.decimals()))),
    }
}

/// The chart point of a row (or of no row).
fn point(label: String, r: Option<&Row>, kind: Kind, fallback_key: &str) -> Point {
    Point {
        label,
        value: r.and_then(|r| kind.value(r)),
        ci: r.and_then(|r| kind.ci(r)),
        key: r.map_or_else(|| fallback_key.to_owned(), |r| r.key(kind.field())),
        suppressed: r.is_some_and(|r| r.suppressed),
        decimals: kind.decimals(),
    }
}

/// What a headline shows after its own figure.
#[derive(Clone, Copy)]
enum Beside<'a> {
    /// Nothing (the overview's headline is all sites' own figure).
    Nothing,
    /// The figure of all sites together (its row, if the export has one).
    AllSites(Option<&'a Row>),
}

/// The headline of a quarter: the row's figure, its interval and count of denominator, then
/// what `beside` asks for.
fn headline(c: &Ctx<'_>, kind: Kind, period: &str, r: Option<&Row>, beside: Beside<'_>) -> String {
    let l = c.lang;
    // The overview's headline is the figure of all sites together: say so.
    let whose = if matches!(beside, Beside::Nothing) { format!("{}, ", l.t("all_sites")) } else { String::new() };
    let mut out = format!("<p class=\"headline\">{}{}: ", esc(&whose), esc(&l.period(period)));
    match r {
        Some(r) if kind.value(r).is_some() => {
            let _ = write!(out, "<strong>{}{}</strong>", figure(c, Some(r), kind), esc(unit(c, kind)));
            if let Some((lo, hi)) = kind.ci(r) {
                let _ = write!(
                    out,
                    " ({} {}–{})",
                    esc(l.t("ci")),
                    num(&r.key("lo"), Some(l.dec(lo, 1))),
                    num(&r.key("hi"), Some(l.dec(hi, 1)))
                );
            }
            let n = if kind == Kind::Rate { r.population } else { r.denominator };
            if let (Some(cnt), Some(n), false) = (r.count, n, kind == Kind::Count) {
                let key = if kind == Kind::Rate { "count_of_population" } else { "count_of_denominator" };
                let _ = write!(
                    out,
                    "; {}",
                    super::i18n::fill(
                        &esc(l.t(key)),
                        &[
                            ("count", &num(&r.key("c"), Some(l.int(cnt)))),
                            ("denominator", &num(&r.key("n"), Some(l.int(n))))
                        ]
                    )
                );
            }
        }
        Some(r) => {
            let _ = write!(out, "{} {}", num(&r.key(kind.field()), None), esc(l.t("not_published")));
        }
        None => out.push_str(&esc(l.t("no_figure"))),
    }
    if let Beside::AllSites(all) = beside {
        let shown = all.is_some_and(|a| kind.value(a).is_some());
        let _ = write!(
            out,
            ". {}: {}{}",
            esc(l.t("all_sites")),
            figure(c, all, kind),
            if shown { esc(unit(c, kind)) } else { String::new() }
        );
    }
    out.push_str(".</p>\n");
    out
}

/// The column heads of a figure of a kind: figure, then (shares) interval, then (not counts)
/// count and denominator or population.
fn heads(c: &Ctx<'_>, kind: Kind) -> String {
    let l = c.lang;
    let fig = match kind {
        Kind::Share => l.t("col_percentage"),
        Kind::Rate => l.t("col_rate"),
        Kind::Count => l.t("col_count"),
    };
    let mut out = format!("<th scope=\"col\" class=\"num\">{}</th>", esc(fig));
    if kind == Kind::Share {
        let _ = write!(out, "<th scope=\"col\" class=\"num\">{}</th>", esc(l.t("col_ci")));
    }
    if kind != Kind::Count {
        let n = if kind == Kind::Rate { l.t("col_population") } else { l.t("col_denominator") };
        let _ = write!(
            out,
            "<th scope=\"col\" class=\"num\">{}</th><th scope=\"col\" class=\"num\">{}</th>",
            esc(l.t("col_count")),
            esc(n)
        );
    }
    out
}

/// The cells of a row under [`heads`].
fn cells(c: &Ctx<'_>, kind: Kind, r: Option<&Row>) -> String {
    let l = c.lang;
    let mut out = format!("<td class=\"num\">{}</td>", figure(c, r, kind));
    let Some(r) = r else {
        let blanks = match kind {
            Kind::Share => 3,
            Kind::Rate => 2,
            Kind::Count => 0,
        };
        out.push_str(&"<td></td>".repeat(blanks));
        return out;
    };
    if kind == Kind::Share {
        // A published figure without an interval (none computed) leaves the cell empty.
        let ci = match kind.ci(r) {
            Some((lo, hi)) => {
                format!("{}–{}", num(&r.key("lo"), Some(l.dec(lo, 1))), num(&r.key("hi"), Some(l.dec(hi, 1))))
            }
            None if r.suppressed => num(&r.key("lo"), None),
            None => String::new(),
        };
        let _ = write!(out, "<td class=\"num\">{ci}</td>");
    }
    if kind != Kind::Count {
        let n = if kind == Kind::Rate { r.population } else { r.denominator };
        let shown = |v: Option<i64>| v.filter(|_| !r.suppressed).map(|v| l.int(v));
        let _ = write!(
            out,
            "<td class=\"num\">{}</td><td class=\"num\">{}</td>",
            num(&r.key("c"), shown(r.count)),
            num(&r.key("n"), shown(n))
        );
    }
    out
}

/// One indicator's section of a site's page: definition, the latest quarter, the series
/// beside all sites in a chart and a table.
fn site_section(c: &Ctx<'_>, site: &str, s: &Series<'_>) -> String {
    let l = c.lang;
    let id = format!("i{}", s.ind);
    let Some(last) = s.quarters.last() else { return String::new() };
    let title = l.fill("site_series_title", &[("site", site)]);
    let one: Vec<Point> = s
        .quarters
        .iter()
        .map(|q| point(l.period_short(&q.period), q.site, s.kind, &format!("{id}-{}", q.period)))
        .collect();
    let other: Vec<Point> = s
        .quarters
        .iter()
        .map(|q| point(l.period_short(&q.period), q.all, s.kind, &format!("{id}-all-{}", q.period)))
        .collect();
    let chart = if one.iter().chain(&other).any(|p| p.value.is_some()) {
        format!(
            "<figure>{}</figure>\n",
            svg::series(&format!("{id}-q"), &title, (site, l.t("all_sites")), &one, &other, l)
        )
    } else {
        String::new()
    };
    let mut rows = String::new();
    for q in &s.quarters {
        let _ = write!(
            rows,
            "<tr><th scope=\"row\">{}</th>{}<td class=\"num\">{}</td></tr>",
            esc(&l.period(&q.period)),
            cells(c, s.kind, q.site),
            figure(c, q.all, s.kind)
        );
    }
    format!(
        "<section class=\"indicator\" id=\"{id}\">\n<h2>{}</h2>\n<p class=\"definition\">{}</p>\n{}<h3>{}</h3>\n{chart}<table><caption>{}</caption><thead><tr><th scope=\"col\">{}</th>{}<th scope=\"col\" class=\"num\">{}</th></tr></thead><tbody>{rows}</tbody></table>\n</section>\n",
        esc(&indicator_title(c, s.ind)),
        esc(&definition(c, s.ind)),
        headline(c, s.kind, &last.period, last.site, Beside::AllSites(last.all)),
        esc(&title),
        esc(&title),
        esc(l.t("col_quarter")),
        heads(c, s.kind),
        esc(l.t("all_sites"))
    )
}

/// The page of one site.
#[must_use]
pub fn site_page(c: &Ctx<'_>, site: &str) -> String {
    let d = c.data;
    let l = c.lang;
    let title = l.fill("site_title", &[("site", site)]);
    let mut body = format!(
        "<h1>{}</h1>\n<p class=\"lead\">{} <a href=\"{OVERVIEW}\">{}</a></p>\n",
        esc(&title),
        esc(l.t("site_lead")),
        esc(l.t("sites_overview_title"))
    );
    for ind in 0..d.indicators.len() {
        if let Some(s) = series(d, ind, site) {
            body.push_str(&site_section(c, site, &s));
        }
    }
    page(c, &title, &body)
}

/// One indicator's section of the overview: the latest quarter of every site beside all sites.
fn overview_section(c: &Ctx<'_>, ind: usize) -> Option<String> {
    let d = c.data;
    let l = c.lang;
    let kind = d.kind(ind);
    let (level, region) = d.top(ind);
    let period = d.periods(ind).into_iter().rfind(|p| is_quarter(p))?;
    let sites: Vec<(&String, Option<&Row>)> =
        d.sites.iter().map(|s| (s, d.cell(ind, &period, level, region, "site", s))).collect();
    if sites.iter().all(|(_, r)| r.is_none()) && series_absent(d, ind) {
        return None;
    }
    let all = d.cell(ind, &period, level, region, "total", "total");
    let id = format!("i{ind}");
    let title = l.fill("sites_compare_title", &[("period", &l.period(&period))]);
    let mut points: Vec<Point> =
        sites.iter().map(|(s, r)| point((*s).clone(), *r, kind, &format!("{id}-{s}"))).collect();
    points.push(point(l.t("all_sites").to_owned(), all, kind, &format!("{id}-all")));
    let chart = if points.iter().any(|p| p.value.is_some()) {
        format!("<figure>{}</figure>\n", svg::bars(&format!("{id}-b"), &title, &points, l))
    } else {
        String::new()
    };
    let mut rows = String::new();
    for (s, r) in &sites {
        let _ = write!(
            rows,
            "<tr><th scope=\"row\"><a href=\"{}\">{}</a></th>{}</tr>",
            esc(&site_file(s)),
            esc(s),
            cells(c, kind, *r)
        );
    }
    let _ = write!(rows, "<tr><th scope=\"row\">{}</th>{}</tr>", esc(l.t("all_sites")), cells(c, kind, all));
    Some(format!(
        "<section class=\"indicator\" id=\"{id}\">\n<h2>{}</h2>\n<p class=\"definition\">{}</p>\n{}<h3>{}</h3>\n{chart}<table><caption>{}</caption><thead><tr><th scope=\"col\">{}</th>{}</tr></thead><tbody>{rows}</tbody></table>\n</section>\n",
        esc(&indicator_title(c, ind)),
        esc(&definition(c, ind)),
        headline(c, kind, &period, all, Beside::Nothing),
        esc(&title),
        esc(&title),
        esc(l.t("col_site")),
        heads(c, kind)
    ))
}

/// Whether no site has a row of the indicator in any quarter.
fn series_absent(d: &Data, ind: usize) -> bool {
    d.sites.iter().all(|s| series(d, ind, s).is_none())
}

/// The overview page: per indicator, every site's latest quarter beside all sites, each site
/// linked to its page.
#[must_use]
pub fn overview(c: &Ctx<'_>) -> String {
    let l = c.lang;
    let title = l.fill("sites_overview_title_study", &[("study", &c.data.study)]);
    let mut body = format!("<h1>{}</h1>\n<p class=\"lead\">{}</p>\n", esc(&title), esc(l.t("sites_overview_lead")));
    for ind in 0..c.data.indicators.len() {
        if let Some(s) = overview_section(c, ind) {
            body.push_str(&s);
        }
    }
    page(c, &title, &body)
}

/// The index's list of the site report: the overview, then every site.
#[must_use]
pub fn index_list(c: &Ctx<'_>) -> String {
    let l = c.lang;
    if c.data.sites.is_empty() {
        return String::new();
    }
    let mut out = format!(
        "<h2>{}</h2>\n<ul>\n<li><a href=\"{OVERVIEW}\">{}</a></li>\n</ul>\n<ul class=\"regions\">\n",
        esc(l.t("index_sites")),
        esc(l.t("sites_overview_title"))
    );
    for s in &c.data.sites {
        let _ = writeln!(out, "<li><a href=\"{}\">{}</a></li>", esc(&site_file(s)), esc(s));
    }
    out.push_str("</ul>\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::factsheet::i18n::Lang;

    /// A row of outcome `o` for `period`, `split`/`value`, with a count and, for a share, a
    /// denominator and percentage.
    fn row(idx: u64, o: &str, period: &str, split: &str, value: &str, count: i64, denominator: Option<i64>) -> Row {
        Row {
            idx,
            study: "pilots".into(),
            cohort: "all".into(),
            outcome: o.into(),
            period: period.into(),
            level: "national".into(),
            region: "NL".into(),
            split: split.into(),
            value: value.into(),
            count: Some(count),
            denominator,
            #[allow(clippy::cast_precision_loss)]
            percentage: denominator.map(|n| 100.0 * count as f64 / n as f64),
            ..Row::default()
        }
    }

    #[test]
    fn a_count_without_a_denominator_is_shown_as_a_whole_count_beside_all_sites() {
        // Families in scope per quarter: a count only (no denominator, no percentage).
        let rows = vec![
            row(0, "families", "2024Q1", "total", "total", 40, None),
            row(1, "families", "2024Q1", "site", "pilot-a", 12, None),
            row(2, "families", "2024Q2", "total", "total", 1234, None),
            row(3, "families", "2024Q2", "site", "pilot-a", 15, None),
            row(4, "share", "2024Q2", "total", "total", 5, Some(20)),
            row(5, "share", "2024Q2", "site", "pilot-a", 2, Some(8)),
        ];
        let data = Data::new(rows);
        let fam = data.indicators.iter().position(|(i, _)| i.outcome == "families").unwrap();
        let share = data.indicators.iter().position(|(i, _)| i.outcome == "share").unwrap();
        assert_eq!(data.kind(fam), Kind::Count);
        assert_eq!(data.kind(share), Kind::Share);
        assert_eq!(data.sites, ["pilot-a"]);
        let lang = Lang::shipped("nl").unwrap();
        let c = Ctx { data: &data, lang: &lang, report: &serde_json::Value::Null };
        let html = site_page(&c, "pilot-a");
        assert!(html.contains(r#"<strong><span data-k="3.c">15</span></strong>"#), "latest count: {html}");
        assert!(html.contains(r#"Alle proeftuinen: <span data-k="2.c">1.234</span>."#), "all sites: {html}");
        assert!(html.contains(r#"<span data-k="1.c">12</span>"#) && !html.contains("data-k=\"1.p\""));
        assert!(html.contains(r#"<strong><span data-k="5.p">25,0</span>%</strong>"#), "a share as before");
        assert!(!html.contains("data-s="), "nothing is suppressed here: {html}");
    }

    #[test]
    fn a_suppressed_or_missing_quarter_shows_the_mark_or_no_figure_never_a_value() {
        let mut sup = row(1, "share", "2024Q1", "site", "pilot-a", 0, None);
        sup.suppressed = true;
        sup.count = None;
        let rows = vec![
            row(0, "share", "2024Q1", "total", "total", 5, Some(20)),
            sup,
            row(2, "share", "2024Q2", "total", "total", 6, Some(20)),
            row(3, "share", "2024Q3", "total", "total", 7, Some(20)),
            row(4, "share", "2024Q3", "site", "pilot-a", 3, Some(10)),
        ];
        let data = Data::new(rows);
        let lang = Lang::shipped("en").unwrap();
        let c = Ctx { data: &data, lang: &lang, report: &serde_json::Value::Null };
        let html = site_page(&c, "pilot-a");
        let table = &html[html.find("<tbody>").unwrap()..];
        assert!(
            table.contains(r#"<th scope="row">2024 Q1</th><td class="num"><span class="sup" data-s="1.p">×</span>"#)
        );
        assert!(table.contains(r#"<th scope="row">2024 Q2</th><td class="num"><span class="muted">no figure</span>"#));
        assert!(table.contains(r#"<span data-k="4.p">30.0</span>"#));
        assert!(!html.contains(r#"data-k="1."#), "the suppressed row shows no figure of its own");
    }
}
