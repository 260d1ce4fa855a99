//! `kohort schema` as Markdown.

use std::fmt::Write as _;

use super::{ColumnKind, Ladder, Schema};

/// Render the delivery schema and the care ladder as Markdown.
pub fn to_markdown(schema: &Schema, ladder: &Ladder) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "# kohort delivery format (schema version {})\n", schema.schema_version);
    let _ = writeln!(
        out,
        "A delivery is a folder with `delivery.toml` (source, delivery_id, extracted_on) and one \
         file per table, `<table>.csv` or `<table>.parquet`. Required columns are **bold**.\n"
    );
    for t in &schema.tables {
        let _ = writeln!(out, "## `{}`\n\n{}\n", t.name, t.description);
        let _ = writeln!(out, "| column | type | codes / format | references |");
        let _ = writeln!(out, "|---|---|---|---|");
        for c in &t.columns {
            let name = if c.required { format!("**{}**", c.name) } else { c.name.clone() };
            let detail = match (c.kind, &c.codes) {
                (ColumnKind::Code, Some(list)) => schema.codes[list].values.join(", "),
                (ColumnKind::Municipality, _) => "GM + 4 digits".to_owned(),
                (ColumnKind::District, _) => "WK + 6 digits".to_owned(),
                (ColumnKind::BirthDate, _) => "YYYY-MM-DD or YYYY-MM (15th)".to_owned(),
                (ColumnKind::Date, _) => "YYYY-MM-DD".to_owned(),
                (ColumnKind::Id, _) => "pseudonymised at ingest".to_owned(),
                (ColumnKind::Label, _) => {
                    format!("a letter, then up to {} letters, digits, _ - .", super::LABEL_MAX - 1)
                }
                (ColumnKind::Int, _) if c.range.is_some() => {
                    c.range.map(|[lo, hi]| format!("{lo} to {hi}")).unwrap_or_default()
                }
                _ => String::new(),
            };
            let kind = serde_json::to_value(c.kind).map(|v| v.as_str().unwrap_or("").to_owned()).unwrap_or_default();
            let detail = match &c.store_name {
                Some(stored) => format!("{detail} (stored as `{stored}`)").trim_start().to_owned(),
                None => detail,
            };
            let refs = c.references.clone().unwrap_or_default();
            let _ = writeln!(out, "| {name} | {kind} | {detail} | {refs} |");
        }
        let _ = writeln!(out, "\nunique: ({})\n", t.key.join(", "));
    }
    let _ = writeln!(out, "## Code aliases\n");
    for (name, list) in &schema.codes {
        for (alias, canon) in &list.aliases {
            let _ = writeln!(out, "- {name}: `{alias}` = `{canon}`");
        }
    }
    let _ = writeln!(out, "\n## Care ladder `{}` (out of home from level {})\n", ladder.name, ladder.out_of_home_from);
    let _ = writeln!(out, "| care_form | level |\n|---|---|");
    let mut levels: Vec<_> = ladder.levels.iter().collect();
    levels.sort_by_key(|(name, level)| (**level, **name));
    for (form, level) in levels {
        let _ = writeln!(out, "| {form} | {level} |");
    }
    let _ = writeln!(
        out,
        "\nProtection measures: {}",
        ladder.protection_measures.iter().map(|k| k.as_str()).collect::<Vec<_>>().join(", ")
    );
    out
}
