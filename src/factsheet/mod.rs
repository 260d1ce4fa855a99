//! `kohort factsheet`: the documents people read, made from a disclosure-controlled export
//! (`kohort export tables`; never the study tables themselves): a national factsheet, a mirror
//! factsheet per youth region and municipality (the region beside its benchmarks, a difference
//! flagged only where the export's z-test says it is beyond chance), an index and the
//! disclosure summary, in Dutch and English, as self-contained static HTML with inline SVG
//! charts and a number table under each chart, and a PDF beside each factsheet page printed by
//! headless Chromium where it is installed ([`pdf`]). Same export, same bytes.
//!
//! When the export has the `site` split in quarters, also the quarterly site report ([`sites`]):
//! an overview of every site's latest quarter and a page per site with its quarterly series.
//!
//! Layout of a pack: `index.html` (languages), `<lang>/index.html`, `<lang>/national.html`,
//! `<lang>/region-<code>.html`, `<lang>/disclosure.html`, with sites `<lang>/sites.html` and
//! `<lang>/site-<name>.html`, and beside every page but the index pages its `.pdf`. Files:
//! [`model`] (the export read and indexed), [`i18n`] (translations and number formats), [`svg`]
//! (charts), [`pages`] (HTML), [`sites`] (the site report), [`pdf`] (printing).

mod error;
pub mod html;
pub mod i18n;
pub mod model;
pub mod pages;
pub mod pdf;
pub mod sites;
pub mod svg;

use std::path::{Path, PathBuf};

use serde::Serialize;

pub use error::{FactsheetError, Result};
pub use pdf::PdfMode;

use crate::db::DbSettings;
use crate::store::Stage;

/// What a pack holds.
#[derive(Debug, Clone, Default, Serialize)]
pub struct FactsheetReport {
    /// Languages written.
    pub languages: Vec<String>,
    /// Indicators shown.
    pub indicators: usize,
    /// Mirror factsheets per language.
    pub mirrors: usize,
    /// Sites with a page of the quarterly site report, per language (0: no site report).
    pub sites: usize,
    /// Pages written (all languages, the root index included).
    pub pages: usize,
    /// PDFs written (one per national, mirror and disclosure page).
    pub pdfs: usize,
    /// Why there are no PDFs (`--pdf auto` without Chromium), if so.
    pub pdf_note: Option<String>,
    /// The root index page.
    pub index: PathBuf,
}

/// Read an export folder: its rows and its disclosure report.
fn read_export(export: &Path, db: &DbSettings) -> Result<(model::Data, serde_json::Value)> {
    let tables = export.join("tables.parquet");
    let report_file = export.join("disclosure_report.json");
    for f in [&tables, &report_file] {
        if !f.is_file() {
            return Err(FactsheetError::NotAnExport(f.clone()));
        }
    }
    let report: serde_json::Value = crate::store::publication::read_json(&report_file)
        .map_err(|e| FactsheetError::Report { file: report_file.clone(), message: e.to_string() })?
        .unwrap_or_default();
    Ok((model::read(&tables, db)?, report))
}

/// Write the pages of one language into `dir`; returns the pages to print (relative to `dir`'s
/// parent) and how many pages were written.
fn write_language(dir: &Path, c: &pages::Ctx<'_>) -> Result<(Vec<PathBuf>, usize)> {
    fs_err::create_dir_all(dir)?;
    let mut files = vec![
        ("index.html".to_owned(), pages::index(c, &sites::index_list(c))),
        ("national.html".to_owned(), pages::national(c)),
        ("disclosure.html".to_owned(), pages::disclosure(c)),
    ];
    for reg in &c.data.regions {
        files.push((pages::region_file(&reg.code), pages::mirror(c, reg)));
    }
    if !c.data.sites.is_empty() {
        files.push((sites::OVERVIEW.to_owned(), sites::overview(c)));
        for site in &c.data.sites {
            files.push((sites::site_file(site), sites::site_page(c, site)));
        }
    }
    for (name, html) in &files {
        fs_err::write(dir.join(name), html)?;
    }
    // Every page but the index (a list of links) is a factsheet to print.
    let print = files.iter().filter(|(n, _)| n != "index.html").map(|(n, _)| Path::new(&c.lang.code).join(n)).collect();
    Ok((print, files.len()))
}

/// Print the pages `pages` (relative to the staged pack `stage`) to a PDF beside each, in one
/// browser; errors name the page by its place in `out`.
fn print_pdfs(browser: &Path, stage: &Path, pages: &[PathBuf], out: &Path) -> Result<usize> {
    let named = |e: FactsheetError, page: &Path| match e {
        FactsheetError::Pdf { browser, message, .. } => FactsheetError::Pdf { page: out.join(page), browser, message },
        e => e,
    };
    let mut b = pdf::Browser::start(browser)?;
    for page in pages {
        let bytes = b.print(&stage.join(page)).map_err(|e| named(e, page))?;
        fs_err::write(stage.join(page).with_extension("pdf"), bytes)?;
    }
    Ok(pages.len())
}

/// Build the factsheet pack of the export folder `export` into `out` (staged, then replacing
/// `out` whole), in every shipped language ([`i18n::LANGUAGES`]), with the PDFs `pdf` asks for
/// (printed in the staged pack, so they are published with it or not at all).
pub fn build(export: &Path, out: &Path, db: &DbSettings, pdf: PdfMode) -> Result<FactsheetReport> {
    let browser = match pdf {
        PdfMode::Never => None,
        PdfMode::Auto | PdfMode::Always => pdf::find_chromium(),
    };
    if pdf == PdfMode::Always && browser.is_none() {
        return Err(FactsheetError::NoBrowser(pdf::BROWSERS.join(", ")));
    }
    let (data, report) = read_export(export, db)?;
    let langs = i18n::LANGUAGES.iter().map(|l| i18n::Lang::shipped(l)).collect::<Result<Vec<_>>>()?;
    let stage = Stage::beside(out)?;
    let mut pages_written = 1;
    let mut to_print = Vec::new();
    for lang in &langs {
        let c = pages::Ctx { data: &data, lang, report: &report };
        let (print, written) = write_language(&stage.path().join(&lang.code), &c)?;
        pages_written += written;
        to_print.extend(print);
    }
    fs_err::write(stage.path().join("index.html"), pages::root(&langs, &data.study))?;
    let pdfs = match &browser {
        Some(b) => print_pdfs(b, stage.path(), &to_print, out)?,
        None => 0,
    };
    let pdf_note = (pdf == PdfMode::Auto && browser.is_none()).then(pdf::missing_note);
    stage.replace(out)?;
    Ok(FactsheetReport {
        languages: langs.iter().map(|l| l.code.clone()).collect(),
        indicators: data.indicators.len(),
        mirrors: data.regions.len(),
        sites: data.sites.len(),
        pages: pages_written,
        pdfs,
        pdf_note,
        index: out.join("index.html"),
    })
}
