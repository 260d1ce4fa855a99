//! The documents beside published study tables: codebook, disclosure report (Markdown and
//! JSON) and reading snippets for R, Python and SPSS.

use std::path::Path;

use super::{ExportError, Result, TablesReport};

/// Codebook, disclosure report and reading snippets.
pub(super) fn write_docs(dir: &Path, report: &TablesReport) -> Result<()> {
    let json = serde_json::to_string_pretty(report).map_err(|e| ExportError::Format(dir.into(), e.to_string()))?;
    fs_err::write(dir.join("disclosure_report.json"), json + "\n")?;
    let rounding = if report.round_base > 1 {
        format!(
            "Published counts and denominators are rounded to base {}; percentages, intervals and rates are recomputed from the rounded figures.",
            report.round_base
        )
    } else {
        "No rounding.".to_owned()
    };
    let zeros = if report.publish_zeros {
        "Zero counts are published (structural zeros)."
    } else {
        "Zero counts are suppressed like other small counts."
    };
    let kinds: String =
        report.relations_by_kind.iter().map(|(k, n)| format!("| relations implied: {k} | {n} |\n")).collect();
    let override_note =
        report.youth_regions_override.as_ref().map_or_else(String::new, |f| format!(", with the override file `{f}`"));
    fs_err::write(
        dir.join("disclosure_report.md"),
        format!(
            "# Disclosure report\n\n\
             Rules (docs/definitions.md §6, after the CBS microdata output rules):\n\n\
             - **Primary suppression**: a cell is not published when its count, its complement \
             (denominator − count) or its denominator is under {min} (the 10-rule on a count and \
             its complement). {zeros}\n\
             - **Relations** (data-schema/study_tables.md): the categories of a split sum to \
             the total row; the regions of a level sum to the national row; municipalities sum \
             to their youth region (the mapping of each index year{override}; where a \
             municipality changed region within the study's years, the region lies between two \
             sums); districts sum to their municipality; tables that share a cohort, outcome, \
             window and period share their cells. A cell published twice (a region equal to its \
             only municipality) is one cell with one decision.\n\
             - **Secondary suppression**: no relation is left with a lone suppressed cell or with \
             suppressed cells that sum to less than {min} (heuristic); then an audit by linear \
             programming over all relations pushes every suppressed cell's count and complement \
             up and down given everything published (secondary cells known to pass the primary \
             rule) and suppresses one more cell wherever a range is narrower than {min}, until \
             none is. The pattern is deterministic.\n\
             - A suppressed cell publishes no count, denominator, percentage, interval or rate; \
             the `reason` column says `primary` or `secondary`.\n\
             - Survival tables: rows are merged forward until an interval's events and \
             censorings are each 0 or at least {min}; an interval is shown at its last time with \
             the risk set entering it; a curve stops where its risk set falls under {min}.\n\
             - {rounding}\n\n\
             | figure | value |\n|---|---|\n\
             | rows | {rows} |\n| linked-table systems | {systems} |\n| distinct cells | {cells} |\n\
             | twin cells merged | {twins} |\n| relations used (after merging) | {relations} |\n\
             {kinds}\
             | cells suppressed, primary | {cp} |\n| cells suppressed, secondary (heuristic) | {ch} |\n\
             | cells suppressed, secondary (LP audit) | {ca} |\n\
             | audit rounds / linear programs / largest group | {ar} / {ap} / {ag} |\n\
             | rows suppressed, primary | {p} |\n\
             | rows suppressed, secondary | {s} |\n\
             | of which sibling categories of a suppressed category | {cs} |\n\
             | survival rows read / published | {sr} / {sp} |\n| survival curves cut short | {st} |\n",
            min = report.min_count,
            rows = report.rows,
            systems = report.systems,
            cells = report.cells,
            relations = report.relations,
            twins = report.twin_cells,
            kinds = kinds,
            override = override_note,
            cp = report.cells_primary,
            ch = report.cells_secondary_heuristic,
            ca = report.cells_secondary_audit,
            ar = report.audit_rounds,
            ap = report.audit_programs,
            ag = report.audit_largest_group,
            p = report.rows_primary,
            s = report.rows_secondary,
            cs = report.category_siblings,
            sr = report.survival_rows,
            sp = report.survival_rows_published,
            st = report.survival_curves_truncated,
        ),
    )?;
    fs_err::write(dir.join("codebook.md"), CODEBOOK)?;
    fs_err::write(dir.join("read.R"), READ_R)?;
    fs_err::write(dir.join("read.py"), READ_PY)?;
    fs_err::write(dir.join("read.sps"), READ_SPS)?;
    Ok(())
}

const CODEBOOK: &str = "# Codebook — published study tables (`tables.parquet`, `tables.csv`)\n\n\
| variable | type | English | Nederlands |\n|---|---|---|---|\n\
| study | text | study name | studienaam |\n\
| table_name | text | table within the study | tabel binnen de studie |\n\
| cohort | text | cohort name | cohortnaam |\n\
| outcome | text | outcome (reentry, escalation, rereport, ...) | uitkomst (herhaald beroep, doorstroom, hermelding, ...) |\n\
| window_days | integer | fixed window W in days | vast venster W in dagen |\n\
| period | text | year of index, or all | jaar van de index, of alle |\n\
| region_level | text | national, youth_region, municipality, district | landelijk, jeugdregio, gemeente, wijk |\n\
| region | text | region code (NL = national) | regiocode (NL = landelijk) |\n\
| split | text | breakdown (total, sex, age_band, ...) | uitsplitsing (totaal, geslacht, leeftijdsklasse, ...) |\n\
| split_value | text | category of the breakdown | categorie van de uitsplitsing |\n\
| count | integer | index events with the outcome; empty when suppressed | indexen met de uitkomst; leeg als onderdrukt |\n\
| denominator | integer | index events with a complete window; empty when suppressed | indexen met een volledig venster; leeg als onderdrukt |\n\
| percentage | number | 100 x count / denominator | 100 x teller / noemer |\n\
| ci_lower, ci_upper | number | Wilson 95% interval, percent; empty when count > denominator (possible for a rate) | Wilson 95%-interval, procent; leeg als teller > noemer (kan bij een cijfer per 1.000) |\n\
| population | integer | residents of the same age on 1 January (rate tables) | inwoners van dezelfde leeftijd op 1 januari |\n\
| rate_per_1000 | number | 1000 x count / population | 1000 x teller / bevolking |\n\
| suppressed | boolean | not published (disclosure control) | niet gepubliceerd (onthullingscontrole) |\n\
| reason | text | primary (under the minimum count) or secondary (protects a primary cell) | primair (onder de minimumcelvulling) of secundair (beschermt een primaire cel) |\n\n\
Definitions: docs/definitions.md §4 (outcomes), §5 (reporting), §6 (disclosure control); percentages \
leave censored indexes out of the denominator.\n\n\
A study that compares activities also has `comparison.parquet` / `comparison.csv` (columns in \
data-schema/study_file.md): each activity beside the reference, crude and standardised for the sex and \
age mix, and before it started, computed from the published cells above only: a figure that needs a \
suppressed cell is empty, a suppressed stratum is left out of the standardisation (docs/definitions.md \
§5.14).\n\n\
Tables with `family_providers` also have `provider_medians.parquet` / `.csv`: per cell, \
`median_category`, the category (`0`, `1`, `2`, `3_or_more`; `a-b` when the two middle families of \
an even number lie in two) of the middle family, from the published category counts only; empty where \
a category of the cell is suppressed (docs/definitions.md §4.8.6). Plain counts (`families`, \
`family_children`, `reports`, `measures_imposed`) have a count and no denominator, percentage or \
interval (§4.8.6).\n";

const READ_R: &str = "# Read the published tables (R). install.packages(\"arrow\") for Parquet, or use the CSV.\n\
# Codes stay text (period 2024, region 0014 would otherwise become numbers); suppressed is logical.\n\
tables <- read.csv(\"tables.csv\", stringsAsFactors = FALSE, na.strings = \"\",\n\
  colClasses = c(period = \"character\", region = \"character\", split_value = \"character\",\n\
                 suppressed = \"logical\", reason = \"character\"))\n\
# tables <- arrow::read_parquet(\"tables.parquet\")\n\
str(tables)\n";

const READ_PY: &str = "\"\"\"Read the published tables (Python, pandas).\"\"\"\n\
import pandas as pd\n\n\
tables = pd.read_csv(\n\
    \"tables.csv\", keep_default_na=False, na_values=[\"\"],\n\
    dtype={\"period\": str, \"region\": str, \"split_value\": str, \"reason\": str},\n\
    converters={\"suppressed\": lambda v: v == \"true\"},\n\
)\n\
# tables = pd.read_parquet(\"tables.parquet\")  # needs pyarrow\n\
print(tables.head())\n";

const READ_SPS: &str = "* Read the published tables (SPSS syntax for tables.csv).\n\
GET DATA /TYPE=TXT /FILE='tables.csv' /DELIMITERS=',' /QUALIFIER='\"' /FIRSTCASE=2\n\
  /VARIABLES=study A64 table_name A64 cohort A64 outcome A32 window_days F8.0 period A8\n\
  region_level A16 region A16 split A32 split_value A64 count F12.0 denominator F12.0\n\
  percentage F8.3 ci_lower F8.3 ci_upper F8.3 population F12.0 rate_per_1000 F10.3\n\
  suppressed A5 reason A9.\n\
EXECUTE.\n";
