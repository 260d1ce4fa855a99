//! The delivery tables (nine always written, offences and questionnaire when there are any) (docs/definitions.md §2.4, column order) and `Rows`, a compact buffer of
//! generated rows that both writers read.

/// The tables of a delivery, in the order they are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Table {
    /// `persons`.
    Persons,
    /// `relations`.
    Relations,
    /// `households`.
    Households,
    /// `residence`.
    Residence,
    /// `care_episodes`.
    CareEpisodes,
    /// `measures`.
    Measures,
    /// `safety_reports`.
    SafetyReports,
    /// `measurements`.
    Measurements,
    /// `population`.
    Population,
    /// `offences` (optional: written only when a scenario has offence rows).
    Offences,
    /// `questionnaire` (optional: written only when a scenario has a `[model.questionnaire]`).
    Questionnaire,
}

impl Table {
    /// The optional tables, written after [`Table::ALL`] and only when they have rows (so a
    /// scenario without offences writes the deliveries it always wrote).
    pub const OPTIONAL: [Table; 2] = [Table::Offences, Table::Questionnaire];

    /// Every table always written, in write order.
    pub const ALL: [Table; 9] = [
        Table::Persons,
        Table::Relations,
        Table::Households,
        Table::Residence,
        Table::CareEpisodes,
        Table::Measures,
        Table::SafetyReports,
        Table::Measurements,
        Table::Population,
    ];

    /// The file stem, e.g. `care_episodes`.
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Table::Persons => "persons",
            Table::Relations => "relations",
            Table::Households => "households",
            Table::Residence => "residence",
            Table::CareEpisodes => "care_episodes",
            Table::Measures => "measures",
            Table::SafetyReports => "safety_reports",
            Table::Measurements => "measurements",
            Table::Population => "population",
            Table::Offences => "offences",
            Table::Questionnaire => "questionnaire",
        }
    }

    /// Column names in docs/definitions.md §2.4 order.
    #[must_use]
    pub fn columns(self) -> &'static [&'static str] {
        match self {
            Table::Persons => &["person_id", "birth_date", "sex", "death_date", "emigration_date"],
            Table::Relations => &["parent_id", "child_id", "kind", "valid_from", "valid_to"],
            Table::Households => &["household_id", "person_id", "role", "valid_from", "valid_to"],
            Table::Residence => &["person_id", "municipality", "district", "valid_from", "valid_to"],
            Table::CareEpisodes => &[
                "episode_id",
                "person_id",
                "care_form",
                "start_date",
                "end_date",
                "end_reason",
                "provider_id",
                "referrer",
                "municipality",
            ],
            Table::Measures => &["measure_id", "person_id", "kind", "start_date", "end_date", "end_reason"],
            Table::SafetyReports => &["report_id", "person_id", "household_id", "report_date", "kind", "source"],
            Table::Measurements => {
                &["measurement_id", "person_id", "episode_id", "instrument", "moment", "date", "value"]
            }
            Table::Population => &["year", "municipality", "age", "sex", "count"],
            Table::Offences => {
                &["offence_id", "person_id", "offence_date", "registration_date", "severity", "settlement", "kind"]
            }
            Table::Questionnaire => &["household_id", "answer_date", "item", "score", "respondent"],
        }
    }

    /// The columns written: [`Table::columns`], and for `care_episodes` the optional
    /// `programme` after them when the scenario plants programme codes (`care_programme`).
    #[must_use]
    pub fn written_columns(self, care_programme: bool) -> Vec<&'static str> {
        let mut cols = self.columns().to_vec();
        if care_programme && self == Table::CareEpisodes {
            cols.push("programme");
        }
        cols
    }

    /// Position in [`Table::ALL`].
    #[must_use]
    pub fn index(self) -> usize {
        self as usize
    }
}

/// Rows of one table: cell bytes back to back, with cell and row boundaries.
#[derive(Debug, Default, Clone)]
pub struct Rows {
    bytes: Vec<u8>,
    cell_ends: Vec<usize>,
    row_ends: Vec<usize>,
}

impl Rows {
    /// Appends one cell to the current row.
    pub fn cell(&mut self, value: impl AsRef<[u8]>) -> &mut Self {
        self.bytes.extend_from_slice(value.as_ref());
        self.push_end();
        self
    }

    /// Appends one cell formatted with `Display` (no intermediate allocation).
    pub fn fmt(&mut self, value: impl std::fmt::Display) -> &mut Self {
        use std::io::Write;
        // Writing into a Vec cannot fail.
        let _ = write!(self.bytes, "{value}");
        self.push_end();
        self
    }

    /// Appends an optional cell: empty = missing.
    pub fn opt(&mut self, value: Option<impl std::fmt::Display>) -> &mut Self {
        match value {
            Some(v) => self.fmt(v),
            None => self.cell(""),
        }
    }

    fn push_end(&mut self) {
        self.cell_ends.push(self.bytes.len());
    }

    /// Closes the current row.
    pub fn end_row(&mut self) {
        self.row_ends.push(self.cell_ends.len());
    }

    /// Number of complete rows.
    pub fn len(&self) -> usize {
        self.row_ends.len()
    }

    /// True when there are no rows.
    pub fn is_empty(&self) -> bool {
        self.row_ends.is_empty()
    }

    /// The cells of row `i`.
    pub fn row(&self, i: usize) -> impl Iterator<Item = &[u8]> + '_ {
        let first = if i == 0 { 0 } else { self.row_ends[i - 1] };
        let last = self.row_ends[i];
        (first..last).map(move |c| {
            let start = if c == 0 { 0 } else { self.cell_ends[c - 1] };
            &self.bytes[start..self.cell_ends[c]]
        })
    }

    /// Row `i` as owned cells (for defect planting).
    pub fn row_owned(&self, i: usize) -> Vec<Vec<u8>> {
        self.row(i).map(<[u8]>::to_vec).collect()
    }

    /// Builds rows from owned cells.
    pub fn from_rows(rows: &[Vec<Vec<u8>>]) -> Self {
        let mut out = Rows::default();
        for row in rows {
            for cell in row {
                out.cell(cell);
            }
            out.end_row();
        }
        out
    }
}

/// One chunk's rows for every table.
#[derive(Debug, Default)]
pub struct TableSet {
    /// Indexed by [`Table::index`].
    pub tables: [Rows; 11],
}

impl TableSet {
    /// The rows of `table`.
    pub fn get_mut(&mut self, table: Table) -> &mut Rows {
        &mut self.tables[table.index()]
    }
}
