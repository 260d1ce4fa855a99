//! The documents of a panel export: `codebook.md` (every column: type, definition, value labels
//! in English and Dutch), `disclosure_report.md` / `.json`, and reading scripts for R, Python,
//! SPSS and Stata.

use std::fmt::Write as _;
use std::path::Path;

use super::config::{PanelPlan, Period, Variable};
use super::{PanelError, PanelReport, Result, Step};

/// One column of the codebook.
struct Entry {
    name: &'static str,
    /// `text` or `integer` (how the reading scripts type it).
    numeric: bool,
    english: &'static str,
    dutch: &'static str,
    /// Value labels: (value, English, Dutch).
    labels: &'static [(&'static str, &'static str, &'static str)],
}

const SEX: &[(&str, &str, &str)] =
    &[("f", "female", "vrouw"), ("m", "male", "man"), ("x", "other", "anders"), ("u", "unknown", "onbekend")];
const LEVELS: &[(&str, &str, &str)] = &[
    ("0", "no care", "geen jeugdhulp"),
    ("1", "local team (31)", "wijk- of buurtteam (31)"),
    ("2", "ambulant or in the network (32, 34)", "ambulant of in het netwerk (32, 34)"),
    ("3", "day treatment (33)", "daghulp (33)"),
    ("4", "foster care or family home (35, 36): out of home", "pleegzorg of gezinshuis (35, 36): verblijf"),
    ("5", "residential (38)", "overig verblijf, residentieel (38)"),
    ("6", "secure (37, JeugdzorgPlus)", "gesloten plaatsing (37, JeugdzorgPlus)"),
];
const MEASURES: &[(&str, &str, &str)] = &[
    ("guardianship", "guardianship", "voogdij"),
    ("provisional_guardianship", "provisional guardianship", "voorlopige voogdij"),
    ("ots", "family supervision order (OTS)", "ondertoezichtstelling (OTS)"),
    ("provisional_ots", "provisional family supervision order", "voorlopige ondertoezichtstelling"),
    ("youth_probation", "youth probation", "jeugdreclassering"),
    ("none", "no measure", "geen maatregel"),
];
const YES_NO: &[(&str, &str, &str)] = &[("0", "no", "nee"), ("1", "yes", "ja")];
const EXIT: &[(&str, &str, &str)] = &[
    ("death", "died", "overleden"),
    ("emigration", "emigrated", "geëmigreerd"),
    ("age_limit", "reached the cohort's exit age", "bereikte de eindleeftijd van het cohort"),
    ("data_end", "end of the data (extraction date)", "einde van de gegevens (extractiedatum)"),
    (
        "age_limit_or_data_end",
        "exit age or end of the data: the data end falls in the years the person may reach the exit age, so telling them apart would narrow the birth year",
        "eindleeftijd of einde gegevens: het einde van de gegevens valt in de jaren waarin de persoon de eindleeftijd kan bereiken, dus het onderscheid zou het geboortejaar verfijnen",
    ),
];
const GEO: &[(&str, &str, &str)] = &[
    ("GM....", "municipality code", "gemeentecode"),
    ("JR-... / SYN..", "youth region (generalised)", "jeugdregio (gegeneraliseerd)"),
    ("NL", "the Netherlands (generalised)", "Nederland (gegeneraliseerd)"),
    ("unknown", "no residence on the index date", "geen woonplaats op de indexdatum"),
];

fn entry(v: Variable, plan: &PanelPlan) -> Entry {
    let e = |numeric, english, dutch, labels| Entry { name: v.name(), numeric, english, dutch, labels };
    match v {
        Variable::Sex => e(
            false,
            "Sex as registered (quasi-identifier).",
            "Geslacht zoals geregistreerd (quasi-identificator).",
            SEX,
        ),
        Variable::BirthYear => e(
            false,
            "Year of birth (quasi-identifier), or its 5-year band (`2005-2009`) where k-anonymity generalised it. The birth date itself is never exported.",
            "Geboortejaar (quasi-identificator), of de 5-jaarsklasse (`2005-2009`) waar k-anonimiteit het generaliseerde. De geboortedatum zelf wordt nooit geëxporteerd.",
            &[],
        ),
        Variable::Age => e(
            false,
            "Age in completed years on 31 December of the period's year (= year − birth year; for person-year panels the age at the period end). With a birth-year band: the range of ages the band allows (`4-8`), floored at 0. (Quarter panels also use 31 December: the age at each quarter end would reveal the birth quarter.)",
            "Leeftijd in voltooide jaren op 31 december van het jaar van de periode (= jaar − geboortejaar; bij persoonsjaren de leeftijd aan het eind van de periode). Bij een geboortejaarklasse: het bereik van leeftijden (`4-8`), minimaal 0. (Ook kwartaalpanels gebruiken 31 december: de leeftijd per kwartaaleinde zou het geboortekwartaal verraden.)",
            &[],
        ),
        Variable::AgeBand => e(
            false,
            "Age band (docs/definitions.md §5.3) of `age` (0-3, 4-11, 12-17, 18-22, 23+); when `age` is a range, the union of the bands it touches (e.g. `4-17`).",
            "Leeftijdsklasse van `age` (0-3, 4-11, 12-17, 18-22, 23+); bij een leeftijdsbereik de vereniging van de klassen die het raakt (bv. `4-17`).",
            &[],
        ),
        Variable::Municipality => e(
            false,
            "Municipality of residence on the index date (quasi-identifier; the residence row valid that day, the latest if several), or its youth region or NL where k-anonymity generalised it.",
            "Woongemeente op de indexdatum (quasi-identificator; de verblijfsregel die dag geldig, de laatste bij meer), of de jeugdregio of NL waar k-anonimiteit die generaliseerde.",
            GEO,
        ),
        Variable::YouthRegion => e(
            false,
            "Youth region (jeugdregio) of that municipality in the index year (the 2015 mapping before 2015, reference data data-schema/youth_regions.csv); NL where the municipality was generalised to NL; `unknown` without a mapping.",
            "Jeugdregio van die gemeente in het indexjaar (vóór 2015 de indeling van 2015, referentiegegevens data-schema/youth_regions.csv); NL waar de gemeente tot NL is gegeneraliseerd; `unknown` zonder indeling.",
            &[],
        ),
        Variable::CareLevel => e(
            true,
            "Highest care-ladder level (data-schema/care_ladder.toml) of the care episodes active on any day of the row's interval (active from start to end, both included; open = active); 0 = none.",
            "Hoogste trede op de jeugdhulpladder van de trajecten die op enige dag van het interval van de rij actief waren (actief van start t/m einde; open = actief); 0 = geen.",
            LEVELS,
        ),
        Variable::Measure => e(
            false,
            "Measure active on any day of the row's interval; of several, the first in the order guardianship, provisional_guardianship, ots, provisional_ots, youth_probation; `none` when none.",
            "Maatregel actief op enige dag van het interval van de rij; bij meer de eerste in de volgorde voogdij, voorlopige voogdij, OTS, voorlopige OTS, jeugdreclassering; `none` als er geen was.",
            MEASURES,
        ),
        Variable::CareStart => e(
            true,
            "1 when a care episode (any care form) starts in the row's interval, else 0.",
            "1 als er in het interval van de rij een jeugdhulptraject (elke vorm) begint, anders 0.",
            YES_NO,
        ),
        Variable::SafetyReport => e(
            true,
            "Number of safety reports (Veilig Thuis) about the person dated in the row's interval.",
            "Aantal meldingen bij Veilig Thuis over de persoon met een datum in het interval van de rij.",
            &[],
        ),
        Variable::IndexDate => e(false, index_en(plan), index_nl(plan), &[]),
        Variable::ExitDate => e(false, exit_en(plan), exit_nl(plan), &[]),
        Variable::ExitReason => e(
            false,
            "Why follow-up ends at the exit date (first that applies: death, emigration, data end, else the exit age).",
            "Waarom de follow-up eindigt op de einddatum (de eerste die geldt: overlijden, emigratie, einde gegevens, anders de eindleeftijd).",
            EXIT,
        ),
    }
}

fn index_en(plan: &PanelPlan) -> &'static str {
    match plan.date_precision.as_str() {
        "month" => {
            "The person's first index date in the cohort, as `YYYY-MM`; as a year or year range (`2015`, `2012-2014`) in the years where the month would narrow the published birth year (the index year is within the cohort's age limits of the birth year)."
        }
        "quarter" => {
            "The person's first index date in the cohort, as `YYYYQn`; as a year or year range (`2015`, `2012-2014`) in the years where the quarter would narrow the published birth year (the index year is within the cohort's age limits of the birth year)."
        }
        _ => {
            "The person's first index date in the cohort, as `YYYY`, or a year range (`2012-2014`) where the year would narrow a published birth-year band."
        }
    }
}

fn index_nl(plan: &PanelPlan) -> &'static str {
    match plan.date_precision.as_str() {
        "month" => {
            "De eerste indexdatum van de persoon in het cohort, als `JJJJ-MM`; als jaar of jarenreeks (`2015`, `2012-2014`) in de jaren waarin de maand het gepubliceerde geboortejaar zou verfijnen."
        }
        "quarter" => {
            "De eerste indexdatum van de persoon in het cohort, als `JJJJKn` (`2018Q1`); als jaar of jarenreeks (`2015`, `2012-2014`) in de jaren waarin het kwartaal het gepubliceerde geboortejaar zou verfijnen."
        }
        _ => {
            "De eerste indexdatum van de persoon in het cohort, als `JJJJ`, of een jarenreeks (`2012-2014`) waar het jaar een gepubliceerde geboortejaarklasse zou verfijnen."
        }
    }
}

fn exit_en(_plan: &PanelPlan) -> &'static str {
    "Exit date (end of follow-up: the earliest of death, emigration, data end and the birthday at the cohort's exit age), at the same precision as index_date; an exit in the years the person may reach the exit age (from 1 January of the first published birth year + exit age) as those years (`2026`, `2023-2027`), whatever the reason, because the birthday would give the birth date."
}

fn exit_nl(_plan: &PanelPlan) -> &'static str {
    "Einddatum (einde follow-up: de vroegste van overlijden, emigratie, einde gegevens en de verjaardag op de eindleeftijd van het cohort), met dezelfde precisie als index_date; een einde in de jaren waarin de persoon de eindleeftijd kan bereiken (vanaf 1 januari van het eerste gepubliceerde geboortejaar + eindleeftijd) als die jaren (`2026`, `2023-2027`), ongeacht de reden, omdat de verjaardag de geboortedatum zou verraden."
}

fn fixed(plan: &PanelPlan) -> Vec<Entry> {
    let mut out = vec![Entry {
        name: "person",
        numeric: false,
        english: "Export person id: HMAC-SHA-256 of the store pseudonym under the export key (32 hex digits). Links rows of one person within this export only.",
        dutch: "Exportpersoonsnummer: HMAC-SHA-256 van het pseudoniem in de opslag onder de exportsleutel (32 hexadecimale tekens). Koppelt alleen rijen van één persoon binnen deze export.",
        labels: &[],
    }];
    if plan.household_clusters {
        out.push(Entry {
            name: "household",
            numeric: false,
            english: "Export household (cluster) id of the household the person belonged to on the index date; a person without one is their own cluster. For cluster-robust analyses.",
            dutch: "Exporthuishoudnummer (cluster) van het huishouden van de persoon op de indexdatum; wie geen huishouden heeft is een eigen cluster. Voor clustercorrecties.",
            labels: &[],
        });
    }
    out.push(Entry {
        name: "year",
        numeric: true,
        english: "Calendar year of the period.",
        dutch: "Kalenderjaar van de periode.",
        labels: &[],
    });
    if plan.period == Period::Quarter {
        out.push(Entry {
            name: "quarter",
            numeric: true,
            english: "Calendar quarter of the period (1-4).",
            dutch: "Kwartaal van de periode (1-4).",
            labels: &[],
        });
    }
    out
}

fn all_entries(plan: &PanelPlan) -> Vec<Entry> {
    let mut out = fixed(plan);
    out.extend(plan.variables.iter().map(|v| entry(*v, plan)));
    out
}

/// Write every document into `dir`.
pub fn write(dir: &Path, plan: &PanelPlan, report: &PanelReport) -> Result<()> {
    let json = serde_json::to_string_pretty(report).map_err(|e| PanelError::Format(dir.into(), e.to_string()))?;
    fs_err::write(dir.join("disclosure_report.json"), json + "\n")?;
    fs_err::write(dir.join("disclosure_report.md"), disclosure_md(report))?;
    let entries = all_entries(plan);
    fs_err::write(dir.join("codebook.md"), codebook(plan, report, &entries))?;
    fs_err::write(dir.join("read.R"), read_r(&entries))?;
    fs_err::write(dir.join("read.py"), read_py(&entries))?;
    for (lang, suffix) in [(Lang::En, ""), (Lang::Nl, "_nl")] {
        fs_err::write(dir.join(format!("read{suffix}.sps")), read_sps(&entries, lang))?;
        fs_err::write(dir.join(format!("read{suffix}.do")), read_do(&entries, lang))?;
    }
    Ok(())
}

fn codebook(plan: &PanelPlan, report: &PanelReport, entries: &[Entry]) -> String {
    let unit = if plan.period == Period::Quarter { "person-quarter" } else { "person-year" };
    let unit_nl = if plan.period == Period::Quarter { "persoon-kwartaal" } else { "persoon-jaar" };
    let mut s = format!(
        "# Codebook — panel `{}` (`panel.parquet`, `panel.csv`)\n\n\
         One row per {unit} (*{unit_nl}*): each published member of cohort `{}` × each calendar {} \
         that overlaps their follow-up from the index date to the exit date{}, sorted by `person` then \
         period. A member with several index events in the cohort is followed from the first \
         ({} such members). Per-period variables are measured over the row's interval: the period \
         clipped to the follow-up. Dates are published at {} precision; birth dates, free text and \
         provider ids are never exported.\n\n\
         *Eén rij per {unit_nl} per gepubliceerd cohortlid, vanaf de eerste indexdatum tot de einddatum; \
         variabelen per periode gelden voor het deel van de periode binnen de follow-up.*\n\n",
        report.panel,
        report.cohort,
        if plan.period == Period::Quarter { "quarter" } else { "year" },
        match (&report.from, &report.to) {
            (None, None) => String::new(),
            (f, t) => format!(
                ", inside the panel bounds {} to {}",
                f.as_deref().unwrap_or("(open)"),
                t.as_deref().unwrap_or("(open)")
            ),
        },
        report.members_with_several_indexes,
        plan.date_precision.as_str(),
    );
    s.push_str("| variable | type | definition (English) | definitie (Nederlands) |\n|---|---|---|---|\n");
    for e in entries {
        let _ = writeln!(
            s,
            "| `{}` | {} | {} | {} |",
            e.name,
            if e.numeric { "integer" } else { "text" },
            e.english,
            e.dutch
        );
    }
    for e in entries.iter().filter(|e| !e.labels.is_empty()) {
        let _ = write!(s, "\n### Values of `{}`\n\n| value | English | Nederlands |\n|---|---|---|\n", e.name);
        for (v, en, nl) in e.labels {
            let _ = writeln!(s, "| `{v}` | {en} | {nl} |");
        }
    }
    s.push_str(
        "\nQuasi-identifiers may be generalised by the k-anonymity step (see disclosure_report.md): \
         variables derived from them (`age`, `age_band`, `youth_region`) follow the published value.\n\n\
         **Birth window.** No column says more about the birth date than `birth_year` (a year or a \
         5-year band). A person's rows run only over the periods every birth date in that range \
         allows: from the period holding 31 December of the last birth year of the range (plus the \
         cohort's minimum age at the index) to the one holding 1 January of the first birth year plus \
         the exit age. For an exact birth year in a person-year panel that is the whole follow-up; in \
         a person-quarter panel the quarters of the birth year before Q4 and those of the exit-age \
         year after Q1 are left out; for a band, the years outside the range. Index and exit dates \
         are coarsened where they would narrow the birth year (see their definitions).\n\n\
         *Geboortevenster: geen kolom zegt meer over de geboortedatum dan `birth_year`; rijen en \
         data die het geboortejaar zouden verfijnen zijn weggelaten of vergroofd.*\n",
    );
    s
}

fn disclosure_md(r: &PanelReport) -> String {
    let mut s = format!(
        "# Disclosure report — panel `{}`\n\n\
         Rules (docs/definitions.md §6):\n\n\
         - **Ids**: every id is re-pseudonymised with an export key (HMAC-SHA-256, domains \
         `export-person` and `export-household`); {}\n\
         - **Dates** are published at {} precision; birth dates only as birth year or band; no \
         free text (referrer, provider ids, sources) is exported.\n\
         - **Birth window**: no column may say more about the birth date than the published birth \
         year or band. Rows are kept only in the periods every birth date of that range allows; index \
         and exit dates that would narrow it are published as years or year ranges; `age_limit` and \
         `data_end` read `age_limit_or_data_end` when the data end falls in the years the person may \
         reach the exit age; a record whose columns would still narrow its birth year is withheld. \
         k-anonymity is checked on the quasi-identifiers as an attacker who knows this code can \
         rebuild them from every published column, which then equal the published ones.\n\
         - **k-anonymity** with k = {} on the person-level quasi-identifiers {}{}. Records of classes \
         smaller than that are recoded, in this fixed order and only while their class is too small: \
         1) municipality → youth region, 2) birth year → 5-year band, 3) youth region → NL, \
         4) suppression of the record (all its rows). Missing values count as `unknown`.\n\n",
        r.panel,
        match r.export_key {
            "file" => format!(
                "the key came from a key file (fingerprint `{}`), so exports made with the same key link; \
                 the store's own key is refused.",
                r.export_key_fingerprint.as_deref().unwrap_or("")
            ),
            _ => "no key file was given: a fresh random key was used and never written, so this export links to \
                  nothing (not to the store, not to any other export)."
                .to_owned(),
        },
        r.date_precision.as_str(),
        r.k,
        r.quasi_identifiers.iter().map(|q| format!("`{q}`")).collect::<Vec<_>>().join(", "),
        if r.household_clusters {
            " and, because families share quasi-identifiers, at least k distinct household clusters per class \
             (the household on the index date; a person without one is their own cluster)"
        } else {
            " (household clusters not counted)"
        },
    );
    let _ = write!(
        s,
        "| figure | value |\n|---|---|\n\
         | cohort | {} |\n| period | {} |\n| cohort members | {} |\n| members with several index events (first used) | {} |\n\
         | members without a period in the panel bounds | {} |\n| persons before disclosure control | {} |\n\
         | panel rows before disclosure control | {} |\n| classes before recoding | {} |\n\
         | persons published | {} |\n| panel rows published | {} |\n| published classes | {} |\n\
         | smallest class, persons | {} |\n| smallest class, household clusters | {} |\n\n",
        r.cohort,
        r.period.as_str(),
        r.members,
        r.members_with_several_indexes,
        r.members_without_periods,
        r.kanon.persons_in,
        r.rows_in,
        r.kanon.classes_in,
        r.kanon.persons_out,
        r.rows_out,
        r.kanon.classes_out,
        r.kanon.min_class_persons,
        r.kanon.min_class_clusters,
    );
    s.push_str(
        "| step | quasi-identifier | persons | panel rows (values generalised / rows dropped) |\n|---|---|---|---|\n",
    );
    for st in &r.kanon.steps {
        let _ = writeln!(
            s,
            "| {} | {} | {} | {} |",
            st.step.describe(),
            st.quasi_identifier.unwrap_or("—"),
            st.persons,
            st.rows
        );
    }
    let w = &r.kanon.withheld;
    let _ = writeln!(s, "| {} | — | {} | {} |", w.step.describe(), w.persons, w.rows);
    if !r.kanon.steps.iter().any(|s| s.step == Step::MunicipalityToRegion) {
        s.push_str("\nMunicipality is not a quasi-identifier of this panel: steps 1 and 3 were skipped.\n");
    }
    birth_md(&mut s, r);
    risk_md(&mut s, r);
    s.push_str(
        "\nLimits: the check covers the person-level quasi-identifiers above, as rebuilt from every published \
         column (dates, periods present, exit reasons, ages). Household ids link family members: a \
         generalised member's municipality can often be guessed from a relative published with a finer \
         one (not certain: it is each member's own residence on their own index date). Per-period events \
         are not part of the check; their l-diversity is reported above.\n",
    );
    s
}

/// The birth-window table of the disclosure report.
fn birth_md(s: &mut String, r: &PanelReport) {
    let b = &r.birth_window;
    s.push_str("\n## Birth window\n\n| what | persons | panel rows |\n|---|---|---|\n");
    let _ = writeln!(
        s,
        "| periods outside the birth window (rows dropped) | {} | {} |",
        b.outside_window.persons, b.outside_window.rows
    );
    for (what, c) in [
        ("`index_date` published as a year or year range", b.index_date_coarsened),
        ("`exit_date` published as the years of the possible exit-age birthdays", b.exit_date_coarsened),
        ("`exit_reason` published as `age_limit_or_data_end`", b.exit_reason_merged),
    ] {
        if let Some(c) = c {
            let _ = writeln!(s, "| {what} | {} | {} |", c.persons, c.rows);
        }
    }
    let _ = writeln!(
        s,
        "| records withheld (their columns would narrow the birth year) | {} | {} |",
        b.withheld.persons, b.withheld.rows
    );
}

/// The disclosure-risk table of the disclosure report.
fn risk_md(s: &mut String, r: &PanelReport) {
    let k = &r.risk;
    let _ = write!(
        s,
        "\n## Disclosure risk (published classes)\n\n| figure | value |\n|---|---|\n\
         | classes | {} |\n| smallest class, persons | {} |\n| smallest class, household clusters | {} |\n\
         | classes under 2k = {} (persons{}) | {} |\n| persons in classes under 2k | {} |\n\
         | panel rows in classes under 2k | {} |\n",
        k.classes,
        k.min_class_persons,
        k.min_class_clusters,
        2 * r.k,
        if r.household_clusters { " or household clusters" } else { "" },
        k.classes_under_2k,
        k.persons_under_2k,
        k.rows_under_2k,
    );
    if let Some(c) = k.clusters_under_2k {
        let _ = writeln!(s, "| household clusters in classes under 2k | {c} |");
    }
    s.push_str(
        "\nl-diversity: per class, the number of distinct person-level values of each sensitive variable; \
         l = 1 means every person of the class shares the value, so knowing someone's class tells it.\n\n\
         | variable | person-level value | smallest l | classes with l = 1 | persons in them |\n|---|---|---|---|---|\n",
    );
    for d in &k.l_diversity {
        let _ = writeln!(s, "| `{}` | {} | {} | {} | {} |", d.variable, d.summary, d.min_l, d.classes_l1, d.persons_l1);
    }
}

fn read_r(entries: &[Entry]) -> String {
    let types: Vec<String> = entries
        .iter()
        .map(|e| format!("{} = \"{}\"", e.name, if e.numeric { "integer" } else { "character" }))
        .collect();
    format!(
        "# Read the panel (R). install.packages(\"arrow\") for Parquet, or use the CSV.\n\
         panel <- read.csv(\"panel.csv\", na.strings = \"\", colClasses = c({}))\n\
         # panel <- arrow::read_parquet(\"panel.parquet\")\n\
         str(panel)\n",
        types.join(", ")
    )
}

fn read_py(entries: &[Entry]) -> String {
    let types: Vec<String> =
        entries.iter().map(|e| format!("\"{}\": \"{}\"", e.name, if e.numeric { "Int64" } else { "string" })).collect();
    format!(
        "\"\"\"Read the panel (Python, pandas).\"\"\"\n\
         import pandas as pd\n\n\
         panel = pd.read_csv(\"panel.csv\", keep_default_na=False, na_values=[\"\"], dtype={{{}}})\n\
         # panel = pd.read_parquet(\"panel.parquet\")  # needs pyarrow\n\
         print(panel.head())\n",
        types.join(", ")
    )
}

/// The language of the labels in the SPSS and Stata scripts (`read.*` English, `read_nl.*` Dutch).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Lang {
    En,
    Nl,
}

impl Entry {
    /// The variable label: the first sentence of the definition.
    fn label(&self, lang: Lang) -> String {
        let text = if lang == Lang::En { self.english } else { self.dutch };
        let first = text.split(". ").next().unwrap_or(text).trim_end_matches('.');
        let mut label: String = first.chars().filter(|c| *c != '`').take(80).collect();
        if first.chars().count() > 80 {
            label.push('…');
        }
        label
    }

    /// Value labels that name one value each (not patterns such as `GM....`).
    fn value_labels(&self, lang: Lang) -> Vec<(&'static str, &'static str)> {
        self.labels
            .iter()
            .filter(|(v, _, _)| !v.contains("...") && !v.contains('.') && !v.contains(' '))
            .map(|(v, en, nl)| (*v, if lang == Lang::En { *en } else { *nl }))
            .collect()
    }
}

/// A string as an SPSS or Stata literal in double quotes.
fn quoted(text: &str) -> String {
    format!("\"{}\"", text.replace('"', "'"))
}

fn read_sps(entries: &[Entry], lang: Lang) -> String {
    let vars: Vec<String> = entries
        .iter()
        .map(|e| {
            format!(
                "  {} {}",
                e.name,
                if e.numeric {
                    "F8.0"
                } else if e.name == "person" || e.name == "household" {
                    "A32"
                } else {
                    "A40"
                }
            )
        })
        .collect();
    let labels: Vec<String> = entries.iter().map(|e| format!("  {} {}", e.name, quoted(&e.label(lang)))).collect();
    let mut values = String::new();
    for e in entries {
        let pairs = e.value_labels(lang);
        if pairs.is_empty() {
            continue;
        }
        let shown: Vec<String> = pairs
            .iter()
            .map(|(v, l)| if e.numeric { format!("{v} {}", quoted(l)) } else { format!("{} {}", quoted(v), quoted(l)) })
            .collect();
        let _ = writeln!(values, "VALUE LABELS {} {}.", e.name, shown.join(" "));
    }
    format!(
        "* Read the panel (SPSS syntax for panel.csv), with {} variable and value labels.\n\
         GET DATA /TYPE=TXT /FILE='panel.csv' /ENCODING='UTF8' /DELIMITERS=',' /QUALIFIER='\"' /FIRSTCASE=2\n  /VARIABLES=\n{}.\n\
         VARIABLE LABELS\n{}.\n{}\
         EXECUTE.\n",
        if lang == Lang::En { "English" } else { "Dutch" },
        vars.join("\n"),
        labels.join("\n"),
        values
    )
}

fn read_do(entries: &[Entry], lang: Lang) -> String {
    let strings: Vec<String> =
        entries.iter().enumerate().filter(|(_, e)| !e.numeric).map(|(i, _)| (i + 1).to_string()).collect();
    let mut s = format!(
        "* Read the panel (Stata), with {} variable and value labels.\n\
         import delimited using \"panel.csv\", varnames(1) encoding(\"utf-8\") stringcols({}) clear\n",
        if lang == Lang::En { "English" } else { "Dutch" },
        strings.join(" ")
    );
    for e in entries {
        let _ = writeln!(s, "label variable {} {}", e.name, quoted(&e.label(lang)));
    }
    for e in entries {
        let pairs = e.value_labels(lang);
        if pairs.is_empty() {
            continue;
        }
        if e.numeric {
            let shown: Vec<String> = pairs.iter().map(|(v, l)| format!("{v} {}", quoted(l))).collect();
            let _ = writeln!(s, "label define {}_lbl {}", e.name, shown.join(" "));
            let _ = writeln!(s, "label values {} {}_lbl", e.name, e.name);
        } else {
            // Stata labels numbers only: a coded string gets a labelled numeric twin `<name>_code`.
            let shown: Vec<String> =
                pairs.iter().enumerate().map(|(i, (_, l))| format!("{} {}", i + 1, quoted(l))).collect();
            let _ = writeln!(s, "label define {}_lbl {}", e.name, shown.join(" "));
            let _ = writeln!(s, "generate byte {}_code = .", e.name);
            for (i, (v, _)) in pairs.iter().enumerate() {
                let _ = writeln!(s, "replace {}_code = {} if {} == {}", e.name, i + 1, e.name, quoted(v));
            }
            let _ = writeln!(s, "label values {}_code {}_lbl", e.name, e.name);
        }
    }
    s.push_str("describe\n");
    s
}
