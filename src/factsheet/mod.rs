//! `kohort factsheet`: the documents people read, made from a disclosure-controlled export
//! (`kohort export tables`; never the study tables themselves): a national factsheet, a mirror
//! factsheet per youth region and municipality (the region beside its benchmarks, a difference
//! flagged only where the export's z-test says it is beyond chance), an index and the
//! disclosure summary, in Dutch and English, as self-contained static HTML with inline SVG
//! charts and a number table under each chart. Same export, same bytes.
//!
//! Layout of a pack: `index.html` (languages), `<lang>/index.html`, `<lang>/national.html`,
//! `<lang>/region-<code>.html`, `<lang>/disclosure.html`. Files: [`model`] (the export read and
//! indexed), [`i18n`] (translations and number formats), [`svg`] (charts), [`pages`] (HTML).

mod error;
pub mod html;
pub mod i18n;
pub mod model;
pub mod pages;
pub mod svg;

use std::path::{Path, PathBuf};

use serde::Serialize;

pub use error::{FactsheetError, Result};

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
    /// Pages written (all languages, the root index included).
    pub pages: usize,
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

/// Write the pages of one language into `dir`; returns how many.
fn write_language(dir: &Path, c: &pages::Ctx<'_>) -> Result<usize> {
    fs_err::create_dir_all(dir)?;
    let mut files = vec![
        ("index.html".to_owned(), pages::index(c)),
        ("national.html".to_owned(), pages::national(c)),
        ("disclosure.html".to_owned(), pages::disclosure(c)),
    ];
    for reg in &c.data.regions {
        files.push((pages::region_file(&reg.code), pages::mirror(c, reg)));
    }
    for (name, html) in &files {
        fs_err::write(dir.join(name), html)?;
    }
    Ok(files.len())
}

/// Build the factsheet pack of the export folder `export` into `out` (staged, then replacing
/// `out` whole), in every shipped language ([`i18n::LANGUAGES`]).
pub fn build(export: &Path, out: &Path, db: &DbSettings) -> Result<FactsheetReport> {
    let (data, report) = read_export(export, db)?;
    let langs = i18n::LANGUAGES.iter().map(|l| i18n::Lang::shipped(l)).collect::<Result<Vec<_>>>()?;
    let stage = Stage::beside(out)?;
    let mut pages_written = 1;
    for lang in &langs {
        let c = pages::Ctx { data: &data, lang, report: &report };
        pages_written += write_language(&stage.path().join(&lang.code), &c)?;
    }
    fs_err::write(stage.path().join("index.html"), pages::root(&langs, &data.study))?;
    stage.replace(out)?;
    Ok(FactsheetReport {
        languages: langs.iter().map(|l| l.code.clone()).collect(),
        indicators: data.indicators.len(),
        mirrors: data.regions.len(),
        pages: pages_written,
        index: out.join("index.html"),
    })
}
