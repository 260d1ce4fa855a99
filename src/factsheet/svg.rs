//! Inline SVG charts drawn by kohort: a trend line with its 95% band, and horizontal bars with
//! their intervals. Every value label carries the id of its cell (`data-k`); axis labels carry
//! `data-axis`. A suppressed figure is drawn as a shaded column or an empty bar slot with the
//! suppression mark, never as zero and never as a bare gap.

use std::fmt::Write as _;

use super::html::esc;
use super::i18n::Lang;

/// Width of every chart in SVG units (scaled to the page; fits A4 portrait).
const W: f64 = 640.0;

/// The longest bar label that fits its column (the whole label is in its tooltip and in the
/// table under the chart).
const LABEL_CHARS: usize = 24;

/// A label cut to `max` characters with an ellipsis.
fn short(label: &str, max: usize) -> String {
    if label.chars().count() <= max {
        return label.to_owned();
    }
    let head: String = label.chars().take(max - 1).collect();
    format!("{}…", head.trim_end())
}

/// One figure of a chart.
#[derive(Debug, Clone)]
pub struct Point {
    /// Category or period label.
    pub label: String,
    /// The figure, when published.
    pub value: Option<f64>,
    /// Its interval, when it has one.
    pub ci: Option<(f64, f64)>,
    /// The id of the figure (`<row>.<field>`).
    pub key: String,
    /// Suppressed by disclosure control.
    pub suppressed: bool,
    /// Decimals of its label (0 for a count).
    pub decimals: usize,
}

/// A "nice" upper end of an axis over `max`, with its step (5 steps).
fn axis(max: f64) -> (f64, f64) {
    let raw = (max.max(1e-9) * 1.05) / 5.0;
    let mag = 10f64.powf(raw.log10().floor());
    let step = [1.0, 2.0, 2.5, 5.0, 10.0].iter().map(|m| m * mag).find(|s| *s >= raw).unwrap_or(10.0 * mag);
    (step * 5.0, step)
}

/// Decimals that show every multiple of `step` exactly (0.25 needs two).
fn step_decimals(step: f64) -> usize {
    (0..4).find(|d| ((step * 10f64.powi(*d)).round() - step * 10f64.powi(*d)).abs() < 1e-6).map_or(4, |d| d as usize)
}

fn top_of(points: &[Point]) -> f64 {
    points.iter().filter_map(|p| p.ci.map(|c| c.1).or(p.value)).fold(1.0, f64::max)
}

fn open(out: &mut String, id: &str, title: &str, height: f64) {
    let _ = write!(
        out,
        r#"<svg class="chart" viewBox="0 0 {W} {height}" role="img" aria-labelledby="{id}-t" xmlns="http://www.w3.org/2000/svg"><title id="{id}-t">{}</title>"#,
        esc(title)
    );
}

/// A trend line with its 95% band; points of the same run of published figures are joined.
#[must_use]
pub fn trend(id: &str, title: &str, points: &[Point], lang: &Lang) -> String {
    let (h, left, right, top, bottom) = (250.0, 52.0, 16.0, 24.0, 40.0);
    let (ymax, step) = axis(top_of(points));
    let n = points.len().max(1) as f64;
    let x = |i: usize| left + (W - left - right) * (i as f64 + 0.5) / n;
    let y = |v: f64| top + (h - top - bottom) * (1.0 - v / ymax);
    let mut out = String::new();
    open(&mut out, id, title, h);
    grid(&mut out, left, W - right, ymax, step, &y, lang);
    for run in runs(points) {
        let band: Vec<String> = run
            .iter()
            .filter_map(|&i| points[i].ci.map(|c| format!("{:.1},{:.1}", x(i), y(c.1))))
            .chain(run.iter().rev().filter_map(|&i| points[i].ci.map(|c| format!("{:.1},{:.1}", x(i), y(c.0)))))
            .collect();
        if band.len() > 2 {
            let _ = write!(out, r#"<polygon class="band" points="{}"/>"#, band.join(" "));
        }
        let line: Vec<String> =
            run.iter().filter_map(|&i| points[i].value.map(|v| format!("{:.1},{:.1}", x(i), y(v)))).collect();
        let _ = write!(out, r#"<polyline class="line" points="{}"/>"#, line.join(" "));
    }
    for (i, p) in points.iter().enumerate() {
        if xlabel_shown(i, points.len()) {
            let _ = write!(
                out,
                r#"<text class="xlab" x="{:.1}" y="{:.1}" text-anchor="middle">{}</text>"#,
                x(i),
                h - bottom + 16.0,
                esc(&p.label)
            );
        }
        match p.value {
            Some(v) => {
                let _ = write!(
                    out,
                    r#"<circle class="dot" cx="{:.1}" cy="{:.1}" r="3"/><text class="val" x="{:.1}" y="{:.1}" text-anchor="middle" data-k="{}">{}</text>"#,
                    x(i),
                    y(v),
                    x(i),
                    y(p.ci.map_or(v, |c| c.1)) - 5.0,
                    p.key,
                    lang.dec(v, p.decimals)
                );
            }
            None => suppressed_column(&mut out, x(i), top, h - bottom, (W - left - right) / n, p.suppressed),
        }
    }
    out.push_str("</svg>");
    out
}

/// The most period labels a chart shows under its axis; with more periods every k-th is shown,
/// the latest always (the table under the chart lists them all).
const MAX_XLABELS: usize = 9;

/// Whether the period label `i` of `n` is shown.
fn xlabel_shown(i: usize, n: usize) -> bool {
    let step = n.div_ceil(MAX_XLABELS).max(1);
    (n - 1 - i).is_multiple_of(step)
}

/// Two series over the same periods: one (a site) as a line with its 95% band, the other (all
/// sites together) as a dashed line, with a legend naming both. Only the latest published
/// figure of each line is labelled (every figure is in the table under the chart); a
/// suppressed figure of the first series is a shaded column with the mark, of the second a mark
/// on the axis, never a value.
#[must_use]
pub fn series(id: &str, title: &str, names: (&str, &str), one: &[Point], other: &[Point], lang: &Lang) -> String {
    let (h, left, right, top, bottom) = (270.0, 52.0, 16.0, 44.0, 40.0);
    let all: Vec<Point> = one.iter().chain(other).cloned().collect();
    let (ymax, step) = axis(top_of(&all));
    let n = one.len().max(1) as f64;
    let x = |i: usize| left + (W - left - right) * (i as f64 + 0.5) / n;
    let y = |v: f64| top + (h - top - bottom) * (1.0 - v / ymax);
    let mut out = String::new();
    open(&mut out, id, title, h);
    let _ = write!(
        out,
        r#"<line class="line" x1="{left:.1}" x2="{:.1}" y1="12" y2="12"/><text class="ylab" x="{:.1}" y="16"><title>{}</title>{}</text><line class="line-all" x1="{:.1}" x2="{:.1}" y1="30" y2="30"/><text class="ylab" x="{:.1}" y="34">{}</text>"#,
        left + 24.0,
        left + 30.0,
        esc(names.0),
        esc(&short(names.0, 60)),
        left,
        left + 24.0,
        left + 30.0,
        esc(names.1)
    );
    grid(&mut out, left, W - right, ymax, step, &y, lang);
    for run in runs(one) {
        let band: Vec<String> = run
            .iter()
            .filter_map(|&i| one[i].ci.map(|c| format!("{:.1},{:.1}", x(i), y(c.1))))
            .chain(run.iter().rev().filter_map(|&i| one[i].ci.map(|c| format!("{:.1},{:.1}", x(i), y(c.0)))))
            .collect();
        if band.len() > 2 {
            let _ = write!(out, r#"<polygon class="band" points="{}"/>"#, band.join(" "));
        }
    }
    for (class, points) in [("line-all", other), ("line", one)] {
        for run in runs(points) {
            let line: Vec<String> =
                run.iter().filter_map(|&i| points[i].value.map(|v| format!("{:.1},{:.1}", x(i), y(v)))).collect();
            let _ = write!(out, r#"<polyline class="{class}" points="{}"/>"#, line.join(" "));
        }
    }
    for (i, p) in one.iter().enumerate() {
        if xlabel_shown(i, one.len()) {
            let _ = write!(
                out,
                r#"<text class="xlab" x="{:.1}" y="{:.1}" text-anchor="middle">{}</text>"#,
                x(i),
                h - bottom + 16.0,
                esc(&p.label)
            );
        }
        match p.value {
            Some(v) => {
                let _ = write!(out, r#"<circle class="dot" cx="{:.1}" cy="{:.1}" r="2.5"/>"#, x(i), y(v));
            }
            None => suppressed_column(&mut out, x(i), top, h - bottom, (W - left - right) / n, p.suppressed),
        }
        if other.get(i).is_some_and(|o| o.suppressed) {
            let _ = write!(
                out,
                r#"<text class="sup" x="{:.1}" y="{:.1}" text-anchor="middle" data-sup="1">×</text>"#,
                x(i),
                h - bottom - 3.0
            );
        }
    }
    // The latest published figure of each line, the site's above its point, all sites' below.
    for (points, dy) in [(one, -7.0), (other, 14.0)] {
        if let Some((i, p, v)) = points.iter().enumerate().rev().find_map(|(i, p)| p.value.map(|v| (i, p, v))) {
            let _ = write!(
                out,
                r#"<text class="val" x="{:.1}" y="{:.1}" text-anchor="end" data-k="{}">{}</text>"#,
                x(i) - 4.0,
                (y(v) + dy).clamp(top - 2.0, h - bottom - 2.0),
                p.key,
                lang.dec(v, p.decimals)
            );
        }
    }
    out.push_str("</svg>");
    out
}

/// Indices of consecutive published points.
fn runs(points: &[Point]) -> Vec<Vec<usize>> {
    let mut out: Vec<Vec<usize>> = Vec::new();
    let mut cur = Vec::new();
    for (i, p) in points.iter().enumerate() {
        if p.value.is_some() {
            cur.push(i);
        } else if !cur.is_empty() {
            out.push(std::mem::take(&mut cur));
        }
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

/// A shaded column with the mark where a figure is not published (or absent).
fn suppressed_column(out: &mut String, x: f64, top: f64, bottom: f64, width: f64, suppressed: bool) {
    let w = (width * 0.6).min(28.0);
    let mark = if suppressed { "×" } else { "" };
    let _ = write!(
        out,
        r#"<rect class="sup-col" x="{:.1}" y="{top:.1}" width="{w:.1}" height="{:.1}"/><text class="sup" x="{x:.1}" y="{:.1}" text-anchor="middle" data-sup="1">{mark}</text>"#,
        x - w / 2.0,
        bottom - top,
        top + (bottom - top) / 2.0
    );
}

/// Horizontal grid lines with axis labels.
fn grid(out: &mut String, x0: f64, x1: f64, ymax: f64, step: f64, y: &dyn Fn(f64) -> f64, lang: &Lang) {
    let decimals = step_decimals(step);
    let mut v = 0.0;
    while v <= ymax + 1e-9 {
        let _ = write!(
            out,
            r#"<line class="grid" x1="{x0:.1}" x2="{x1:.1}" y1="{:.1}" y2="{:.1}"/><text class="axis" x="{:.1}" y="{:.1}" text-anchor="end" data-axis="1">{}</text>"#,
            y(v),
            y(v),
            x0 - 6.0,
            y(v) + 4.0,
            lang.dec(v, decimals)
        );
        v += step;
    }
}

/// Horizontal bars with their intervals, one per figure.
#[must_use]
pub fn bars(id: &str, title: &str, points: &[Point], lang: &Lang) -> String {
    let (label_w, right, row_h, top) = (170.0, 60.0, 24.0, 8.0);
    let h = top * 2.0 + row_h * points.len() as f64 + 20.0;
    let (xmax, step) = axis(top_of(points));
    let x = |v: f64| label_w + (W - label_w - right) * v / xmax;
    let mut out = String::new();
    open(&mut out, id, title, h);
    let base = h - 20.0;
    let mut v = 0.0;
    let decimals = step_decimals(step);
    while v <= xmax + 1e-9 {
        let _ = write!(
            out,
            r#"<line class="grid" x1="{:.1}" x2="{:.1}" y1="{top:.1}" y2="{base:.1}"/><text class="axis" x="{:.1}" y="{:.1}" text-anchor="middle" data-axis="1">{}</text>"#,
            x(v),
            x(v),
            x(v),
            base + 14.0,
            lang.dec(v, decimals)
        );
        v += step;
    }
    for (i, p) in points.iter().enumerate() {
        let cy = top + row_h * (i as f64 + 0.5);
        let _ = write!(
            out,
            r#"<text class="ylab" x="{:.1}" y="{:.1}" text-anchor="end"><title>{}</title>{}</text>"#,
            label_w - 6.0,
            cy + 4.0,
            esc(&p.label),
            esc(&short(&p.label, LABEL_CHARS))
        );
        match p.value {
            Some(val) => {
                let _ = write!(
                    out,
                    r#"<rect class="bar" x="{label_w:.1}" y="{:.1}" width="{:.1}" height="{:.1}"/>"#,
                    cy - row_h * 0.35,
                    (x(val) - label_w).max(0.5),
                    row_h * 0.7
                );
                if let Some((lo, hi)) = p.ci {
                    let _ = write!(
                        out,
                        r#"<line class="whisker" x1="{:.1}" x2="{:.1}" y1="{cy:.1}" y2="{cy:.1}"/>"#,
                        x(lo),
                        x(hi)
                    );
                }
                let end = x(p.ci.map_or(val, |c| c.1).max(val));
                let _ = write!(
                    out,
                    r#"<text class="val" x="{:.1}" y="{:.1}" data-k="{}">{}</text>"#,
                    end + 4.0,
                    cy + 4.0,
                    p.key,
                    lang.dec(val, p.decimals)
                );
            }
            None => {
                let mark = if p.suppressed { "×" } else { "" };
                let _ = write!(
                    out,
                    r#"<rect class="sup-col" x="{label_w:.1}" y="{:.1}" width="{:.1}" height="{:.1}"/><text class="sup" x="{:.1}" y="{:.1}" data-sup="1">{mark}</text>"#,
                    cy - row_h * 0.35,
                    W - label_w - right,
                    row_h * 0.7,
                    label_w + 6.0,
                    cy + 4.0
                );
            }
        }
    }
    out.push_str("</svg>");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn axes_end_on_round_numbers_above_the_largest_figure() {
        // 18.3 * 1.05 / 5 = 3.84 per step: the next nice step is 5, the axis ends at 25.
        assert_eq!(axis(18.3), (25.0, 5.0));
        let (top, step) = axis(73.0);
        assert!(top >= 73.0 && (top / step - 5.0).abs() < 1e-9, "{top} {step}");
        let (top, _) = axis(100.0);
        assert!(top >= 100.0);
    }

    #[test]
    fn a_long_region_name_is_cut_to_fit_the_label_column_of_a_bar_chart() {
        // Haarlemmerliede en Spaarnwoude (30 characters) reached past the left edge of A4.
        assert_eq!(short("Haarlemmerliede en Spaarnwoude", LABEL_CHARS), "Haarlemmerliede en Spaa…");
        assert_eq!(short("Leeuwarden", LABEL_CHARS), "Leeuwarden");
        let lang = Lang::shipped("nl").unwrap();
        let p = Point {
            label: "Haarlemmerliede en Spaarnwoude".into(),
            value: Some(1.0),
            ci: None,
            key: "0.p".into(),
            suppressed: false,
            decimals: 1,
        };
        let svg = bars("b", "t", &[p], &lang);
        assert!(svg.contains("<title>Haarlemmerliede en Spaarnwoude</title>Haarlemmerliede en Spaa…</text>"), "{svg}");
    }

    #[test]
    fn a_long_series_labels_every_kth_period_and_always_the_latest() {
        let shown: Vec<usize> = (0..35).filter(|&i| xlabel_shown(i, 35)).collect();
        assert_eq!(shown.len(), 9, "{shown:?}");
        assert_eq!(shown.last(), Some(&34));
        assert!((0..8).all(|i| xlabel_shown(i, 8)), "a short series labels every period");
    }

    #[test]
    fn a_site_series_marks_a_suppressed_figure_of_either_line_and_labels_only_the_latest() {
        let lang = Lang::shipped("en").unwrap();
        let p = |v: Option<f64>, k: &str, sup: bool| Point {
            label: k.to_owned(),
            value: v,
            ci: v.map(|v| (v - 1.0, v + 1.0)),
            key: format!("{k}.p"),
            suppressed: sup,
            decimals: 1,
        };
        let one = [p(Some(10.0), "1", false), p(None, "2", true), p(Some(12.0), "3", false)];
        let other = [p(None, "4", true), p(Some(9.0), "5", false), p(Some(11.0), "6", false)];
        let svg = series("s", "t", ("Site", "All sites"), &one, &other, &lang);
        assert_eq!(svg.matches(r#"data-sup="1">×<"#).count(), 2, "the site's and all sites' suppressed figures");
        assert_eq!(svg.matches("<polyline class=\"line\"").count(), 2, "the site's line breaks at its mark");
        assert_eq!(svg.matches("<polyline class=\"line-all\"").count(), 1);
        let labelled: Vec<&str> = svg.match_indices("data-k=\"").map(|(i, _)| &svg[i + 8..i + 11]).collect();
        assert_eq!(labelled, ["3.p", "6.p"], "the latest published figure of each line");
        assert!(svg.contains(">12.0<") && svg.contains(">11.0<") && !svg.contains(">10.0<"));
    }

    #[test]
    fn a_suppressed_point_breaks_the_line_and_shows_the_mark_not_a_value() {
        let lang = Lang::shipped("en").unwrap();
        let p = |v: Option<f64>, k: &str| Point {
            label: k.to_owned(),
            value: v,
            ci: v.map(|v| (v - 1.0, v + 1.0)),
            key: format!("{k}.p"),
            suppressed: v.is_none(),
            decimals: 1,
        };
        let svg = trend("c", "t", &[p(Some(10.0), "1"), p(None, "2"), p(Some(12.0), "3")], &lang);
        assert_eq!(svg.matches("<polyline").count(), 2, "two runs, no line across the suppressed point");
        assert!(svg.contains(r#"data-sup="1">×</text>"#));
        assert!(!svg.contains(r#"data-k="2.p""#));
    }
}
