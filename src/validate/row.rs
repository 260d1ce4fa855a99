//! The row-local validator: one delivered row in, a typed Arrow row or a quarantine record out.

use std::sync::Arc;

use chrono::NaiveDate;
use duckdb::arrow::array::{
    ArrayRef, Date32Builder, Float64Builder, Int64Builder, StringBuilder, UInt16Builder, UInt64Builder,
};
use duckdb::arrow::datatypes::{DataType, Field, Schema as ArrowSchema, SchemaRef};
use duckdb::arrow::error::ArrowError;
use duckdb::arrow::record_batch::RecordBatch;

use super::parse::{Day, is_code_format, parse_birth_date, parse_day};
use super::{Quarantined, Rule};
use crate::delivery::RawRecord;
use crate::pseudonym::{Pseudonym, Pseudonymizer, bucket_of};
use crate::schema::{ColumnKind, Schema, Table};

/// What a header error names: the file, the table, the columns found and the columns
/// expected. Never a delivered value (a file without a header would put a data row there).
#[derive(Debug)]
pub struct HeaderInfo {
    /// The delivered file.
    pub file: String,
    /// The table.
    pub table: String,
    /// "N columns", as found.
    pub count: String,
    /// How many header fields are columns of the table.
    pub known: usize,
    /// The table's columns.
    pub expected: String,
    /// A suggestion (another delimiter), or empty.
    pub hint: String,
}

/// Errors that stop a table before any row is read. They name the file, the column count
/// and the columns expected; never a delivered value.
#[derive(Debug, thiserror::Error)]
pub enum ValidatorError {
    /// The first line names none of the table's columns.
    #[error(
        "{}: the first line is not a header: none of its {} is a column of {}. A header row of column names is required; {} has the columns: {}{}",
        .0.file, .0.count, .0.table, .0.table, .0.expected, .0.hint
    )]
    NotAHeader(Box<HeaderInfo>),
    /// A required column is not in the header.
    #[error(
        "{}: required column '{column}' is missing from the header: the header has {}, {} of them columns of {}; {} has the columns: {}{}",
        .info.file, .info.count, .info.known, .info.table, .info.table, .info.expected, .info.hint
    )]
    MissingColumn {
        /// The missing column.
        column: String,
        /// The header found and the columns expected.
        info: Box<HeaderInfo>,
    },
    /// A column of the table appears twice in the header.
    #[error("{file}: column '{column}' appears twice in the header; keep one")]
    DuplicateColumn {
        /// The delivered file.
        file: String,
        /// The repeated column.
        column: String,
    },
    /// Building the Arrow batch failed (a bug, not bad input).
    #[error("building Arrow batch for {table}: {source}")]
    Arrow {
        /// Table.
        table: String,
        /// Cause.
        source: ArrowError,
    },
}

/// "1 column", "5 columns".
fn columns(n: usize) -> String {
    if n == 1 { "1 column".to_owned() } else { format!("{n} columns") }
}

/// Check a delivered header against the table: every required column present, none twice.
/// `delimiter` is the CSV delimiter (`None` for Parquet), for a hint when another one would
/// have given the table's columns.
fn check_header(table: &Table, file: &str, header: &[String], delimiter: Option<u8>) -> Result<(), ValidatorError> {
    let known = header.iter().filter(|h| table.column(h).is_some()).count();
    let info = || {
        Box::new(HeaderInfo {
            file: file.to_owned(),
            table: table.name.clone(),
            count: columns(header.len()),
            known,
            expected: table.columns.iter().map(|c| c.name.as_str()).collect::<Vec<_>>().join(", "),
            hint: delimiter.and_then(|d| delimiter_hint(table, header, d, known)).unwrap_or_default(),
        })
    };
    if known == 0 {
        return Err(ValidatorError::NotAHeader(info()));
    }
    if let Some(c) = table.columns.iter().find(|c| c.required && !header.contains(&c.name)) {
        return Err(ValidatorError::MissingColumn { column: c.name.clone(), info: info() });
    }
    for (i, h) in header.iter().enumerate() {
        if table.column(h).is_some() && header[..i].contains(h) {
            return Err(ValidatorError::DuplicateColumn { file: file.to_owned(), column: h.clone() });
        }
    }
    Ok(())
}

/// When splitting the header line at another common delimiter gives more of the table's
/// columns, say so (the names compared are the schema's, never printed from the file).
fn delimiter_hint(table: &Table, header: &[String], delimiter: u8, known: usize) -> Option<String> {
    let line = header.join(&char::from(delimiter).to_string());
    let (best, n) = [b',', b';', b'\t', b'|']
        .into_iter()
        .filter(|c| *c != delimiter)
        .map(|c| (c, line.split(char::from(c)).filter(|h| table.column(h).is_some()).count()))
        .max_by_key(|(_, n)| *n)?;
    if n <= known {
        return None;
    }
    let shown = if best == b'\t' { "\\t".to_owned() } else { char::from(best).to_string() };
    Some(format!(
        ". The first line looks delimited by '{shown}': pass --delimiter '{shown}' (in a plan: delimiter = '{shown}')"
    ))
}

/// What validating a chunk of rows gave.
#[derive(Debug)]
pub struct ChunkOutcome {
    /// The rows that passed, typed and pseudonymised (staged schema).
    pub batch: RecordBatch,
    /// The rows that failed.
    pub quarantined: Vec<Quarantined>,
}

/// A parsed field.
enum Value<'a> {
    Null,
    Str(&'a str),
    Date(NaiveDate),
    Birth(NaiveDate, bool),
    Int(i64),
    Float(f64),
}

/// Validates the rows of one table of one delivery.
pub struct RowValidator<'s> {
    schema: &'s Schema,
    table: &'s Table,
    /// For each schema column, its field index in the delivered file.
    positions: Vec<Option<usize>>,
    width: usize,
    extracted_on: NaiveDate,
    pseudo: Pseudonymizer,
    buckets: u16,
    arrow: SchemaRef,
    /// CSV delimiter (`None` for Parquet).
    delimiter: Option<u8>,
    /// Delivered columns that the schema does not know (ignored, reported).
    pub ignored_columns: Vec<String>,
}

impl<'s> RowValidator<'s> {
    /// Match the delivered header against the schema. `delimiter` is the CSV delimiter
    /// (`None` for a Parquet file).
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        schema: &'s Schema,
        table: &'s Table,
        file: &str,
        header: &[String],
        extracted_on: NaiveDate,
        pseudo: Pseudonymizer,
        buckets: u16,
        delimiter: Option<u8>,
    ) -> Result<Self, ValidatorError> {
        check_header(table, file, header, delimiter)?;
        let positions = table.columns.iter().map(|c| header.iter().position(|h| *h == c.name)).collect();
        let ignored_columns = header.iter().filter(|h| table.column(h).is_none()).cloned().collect();
        Ok(Self {
            schema,
            table,
            positions,
            width: header.len(),
            extracted_on,
            pseudo,
            buckets,
            arrow: staged_schema(table),
            delimiter,
            ignored_columns,
        })
    }

    /// The Arrow schema of the accepted rows.
    pub fn arrow_schema(&self) -> SchemaRef {
        self.arrow.clone()
    }

    /// Validate a chunk of rows.
    pub fn validate(&self, records: &[RawRecord]) -> Result<ChunkOutcome, ValidatorError> {
        let mut out = Builders::new(self.table, records.len());
        let mut quarantined = Vec::new();
        let mut values = Vec::with_capacity(self.table.columns.len());
        for rec in records {
            values.clear();
            match self.check(rec, &mut values) {
                Ok(()) => self.push(&mut out, rec, &values),
                Err((rule, column, message)) => quarantined.push(Quarantined {
                    table: self.table.name.clone(),
                    row: rec.row,
                    line: rec.line,
                    column,
                    rule,
                    message,
                    record: self.record_text(rec),
                }),
            }
        }
        let batch = out
            .finish(self.arrow.clone())
            .map_err(|source| ValidatorError::Arrow { table: self.table.name.clone(), source })?;
        Ok(ChunkOutcome { batch, quarantined })
    }

    fn record_text(&self, rec: &RawRecord) -> String {
        if let Some(text) = &rec.text {
            return text.clone();
        }
        let sep = char::from(self.delimiter.unwrap_or(b',')).to_string();
        let parts: Vec<String> = rec.fields.iter().map(|f| String::from_utf8_lossy(f).into_owned()).collect();
        parts.join(&sep)
    }

    /// Run the row-local rules; fill `values` when the row passes.
    fn check<'r>(&self, rec: &'r RawRecord, values: &mut Vec<Value<'r>>) -> Result<(), (Rule, Option<String>, String)>
    where
        's: 'r,
    {
        if let Some(why) = &rec.framing {
            return Err((Rule::WrongColumnCount, None, why.clone()));
        }
        if rec.fields.len() != self.width {
            let msg = format!("row has {} fields, the header has {}", rec.fields.len(), self.width);
            return Err((Rule::WrongColumnCount, None, msg));
        }
        let mut first: Option<(Rule, usize, String)> = None;
        for (i, c) in self.table.columns.iter().enumerate() {
            let raw = self.positions[i].and_then(|p| rec.fields.get(p)).unwrap_or(b"");
            let parsed = match std::str::from_utf8(raw) {
                Ok(text) => self.parse(i, text),
                Err(e) => Err((Rule::MalformedUtf8, format!("invalid UTF-8 at byte {}", e.valid_up_to()))),
            };
            match parsed {
                Ok(v) => values.push(v),
                Err((rule, msg)) => {
                    values.push(Value::Null);
                    if first.as_ref().is_none_or(|(r, _, _)| rule < *r) {
                        first = Some((rule, i, format!("{}: {msg}", c.name)));
                    }
                }
            }
        }
        if let Some((rule, i, msg)) = first {
            return Err((rule, Some(self.table.columns[i].name.clone()), msg));
        }
        self.check_intervals(values)
    }

    fn check_intervals(&self, values: &[Value<'_>]) -> Result<(), (Rule, Option<String>, String)> {
        for [start, end] in &self.table.intervals {
            let (Some(s), Some(e)) = (self.date_of(values, start), self.date_of(values, end)) else {
                continue;
            };
            if e < s {
                let msg = format!("{end} {e} is before {start} {s}");
                return Err((Rule::EndBeforeStart, Some(end.clone()), msg));
            }
        }
        Ok(())
    }

    fn date_of(&self, values: &[Value<'_>], column: &str) -> Option<NaiveDate> {
        let i = self.table.columns.iter().position(|c| c.name == column)?;
        match values.get(i)? {
            Value::Date(d) | Value::Birth(d, _) => Some(*d),
            _ => None,
        }
    }

    fn parse<'r>(&self, i: usize, text: &'r str) -> Result<Value<'r>, (Rule, String)>
    where
        's: 'r,
    {
        let schema: &'s Schema = self.schema;
        let c = &self.table.columns[i];
        if text.is_empty() {
            return if c.required {
                Err((Rule::MissingValue, "required value is empty".into()))
            } else {
                Ok(Value::Null)
            };
        }
        let unparsable = |what: &str| (Rule::Unparsable, format!("'{text}' is not {what}"));
        match c.kind {
            ColumnKind::Id | ColumnKind::Text => Ok(Value::Str(text)),
            ColumnKind::Date => match parse_day(text) {
                Day::Date(d) => Ok(Value::Date(d)),
                Day::WithTime => Err(time_of_day(text)),
                Day::Invalid => Err(unparsable("a valid date YYYY-MM-DD")),
            },
            ColumnKind::BirthDate => match (parse_birth_date(text), parse_day(text)) {
                (Some((d, month)), _) => Ok(Value::Birth(d, month)),
                (None, Day::Date(d)) => Ok(Value::Birth(d, false)),
                (None, Day::WithTime) => Err(time_of_day(text)),
                (None, Day::Invalid) => Err(unparsable("a valid date YYYY-MM-DD or month YYYY-MM")),
            },
            ColumnKind::Int => {
                let n = text
                    .parse::<i64>()
                    .ok()
                    .filter(|n| *n >= 0)
                    .ok_or_else(|| unparsable("a non-negative whole number"))?;
                match c.range {
                    Some([lo, hi]) if n < lo || n > hi => {
                        Err((Rule::BadFormat, format!("{n} is outside {lo} to {hi}")))
                    }
                    _ => Ok(Value::Int(n)),
                }
            }
            ColumnKind::Float => text
                .parse::<f64>()
                .ok()
                .filter(|f| f.is_finite())
                .map(Value::Float)
                .ok_or_else(|| unparsable("a number")),
            ColumnKind::Code => {
                let list = c.codes.as_ref().and_then(|n| schema.codes.get(n));
                list.and_then(|l| l.canonical(text)).map(Value::Str).ok_or_else(|| {
                    let allowed = list.map(|l| l.values.join(", ")).unwrap_or_default();
                    (Rule::UnknownCode, format!("'{text}' is not one of: {allowed} (codes are case-sensitive)"))
                })
            }
            ColumnKind::Municipality => format_check(text, "GM", 4),
            ColumnKind::District => format_check(text, "WK", 6),
            // The value is not repeated: a bad label may be a number that identifies someone.
            ColumnKind::Label if crate::schema::is_label(text) => Ok(Value::Str(text)),
            ColumnKind::Label => Err((
                Rule::BadFormat,
                format!(
                    "not a code: a letter, then up to {} letters, digits, _ - . (a number or a name does not belong here)",
                    crate::schema::LABEL_MAX - 1
                ),
            )),
        }
    }

    fn push(&self, out: &mut Builders, rec: &RawRecord, values: &[Value<'_>]) {
        let mut late: Option<&str> = None;
        let mut bucket = None;
        for (i, (c, v)) in self.table.columns.iter().zip(values).enumerate() {
            let col = &mut out.columns[i];
            match (v, col) {
                (Value::Null, Col::Str(b)) => b.append_null(),
                (Value::Null, Col::Date(b)) => b.append_null(),
                (Value::Null, Col::Birth(b, p)) => {
                    b.append_null();
                    p.append_null();
                }
                (Value::Null, Col::Int(b)) => b.append_null(),
                (Value::Null, Col::Float(b)) => b.append_null(),
                (Value::Str(s), Col::Str(b)) if c.kind == ColumnKind::Id => {
                    let domain = c.domain.as_deref().unwrap_or("id");
                    let digest = self.pseudo.digest(domain, s);
                    if self.table.person.as_deref() == Some(c.name.as_str()) {
                        bucket = Some(bucket_of(&digest, self.buckets));
                    }
                    let hex = Pseudonym::from_digest(digest).to_hex();
                    b.append_value(std::str::from_utf8(&hex).unwrap_or_default());
                }
                (Value::Str(s), Col::Str(b)) => b.append_value(s),
                (Value::Date(d), Col::Date(b)) => {
                    if late.is_none() && *d > self.extracted_on {
                        late = Some(&c.name);
                    }
                    b.append_value(days(*d));
                }
                (Value::Birth(d, month), Col::Birth(b, p)) => {
                    if late.is_none() && *d > self.extracted_on {
                        late = Some(&c.name);
                    }
                    b.append_value(days(*d));
                    p.append_value(if *month { "month" } else { "day" });
                }
                (Value::Int(n), Col::Int(b)) => b.append_value(*n),
                (Value::Float(f), Col::Float(b)) => b.append_value(*f),
                (_, col) => col.append_null(),
            }
        }
        out.src_row.append_value(rec.row);
        if let Some(b) = out.bucket.as_mut() {
            b.append_value(bucket.unwrap_or(0));
        }
        out.late.append_option(late);
    }
}

/// A timestamp with a time of day where a date is wanted.
fn time_of_day(text: &str) -> (Rule, String) {
    (
        Rule::Unparsable,
        format!(
            "'{text}' has a time of day: the column holds dates (YYYY-MM-DD; a timestamp is taken as a date only at midnight)"
        ),
    )
}

fn format_check<'r>(text: &'r str, prefix: &str, n: usize) -> Result<Value<'r>, (Rule, String)> {
    if is_code_format(text, prefix, n) {
        Ok(Value::Str(text))
    } else {
        Err((Rule::BadFormat, format!("'{text}' is not {prefix} followed by {n} digits")))
    }
}

/// Days since 1970-01-01, Arrow's Date32.
fn days(d: NaiveDate) -> i32 {
    let epoch = NaiveDate::from_ymd_opt(1970, 1, 1).unwrap_or_default();
    i32::try_from(d.signed_duration_since(epoch).num_days()).unwrap_or(i32::MIN)
}

/// The Arrow schema of a table's accepted, staged rows: the delivered columns typed
/// (ids replaced by pseudonyms), `birth_date_precision` after `birth_date`, then
/// `src_row`, `bucket` (person tables) and `late` (the first column dated after `extracted_on`).
pub fn staged_schema(table: &Table) -> SchemaRef {
    let mut fields = Vec::new();
    for c in &table.columns {
        let ty = match c.kind {
            ColumnKind::Date | ColumnKind::BirthDate => DataType::Date32,
            ColumnKind::Int => DataType::Int64,
            ColumnKind::Float => DataType::Float64,
            _ => DataType::Utf8,
        };
        fields.push(Field::new(c.stored_name(), ty, true));
        if c.kind == ColumnKind::BirthDate {
            fields.push(Field::new(format!("{}_precision", c.name), DataType::Utf8, true));
        }
    }
    fields.push(Field::new("src_row", DataType::UInt64, false));
    if table.person.is_some() {
        fields.push(Field::new("bucket", DataType::UInt16, false));
    }
    fields.push(Field::new("late", DataType::Utf8, true));
    Arc::new(ArrowSchema::new(fields))
}

enum Col {
    Str(StringBuilder),
    Date(Date32Builder),
    Birth(Date32Builder, StringBuilder),
    Int(Int64Builder),
    Float(Float64Builder),
}

impl Col {
    fn append_null(&mut self) {
        match self {
            Col::Str(b) => b.append_null(),
            Col::Date(b) => b.append_null(),
            Col::Birth(b, p) => {
                b.append_null();
                p.append_null();
            }
            Col::Int(b) => b.append_null(),
            Col::Float(b) => b.append_null(),
        }
    }
}

struct Builders {
    columns: Vec<Col>,
    src_row: UInt64Builder,
    bucket: Option<UInt16Builder>,
    late: StringBuilder,
}

impl Builders {
    fn new(table: &Table, n: usize) -> Self {
        let columns = table
            .columns
            .iter()
            .map(|c| match c.kind {
                ColumnKind::Date => Col::Date(Date32Builder::with_capacity(n)),
                ColumnKind::BirthDate => Col::Birth(Date32Builder::with_capacity(n), StringBuilder::new()),
                ColumnKind::Int => Col::Int(Int64Builder::with_capacity(n)),
                ColumnKind::Float => Col::Float(Float64Builder::with_capacity(n)),
                _ => Col::Str(StringBuilder::with_capacity(n, n * 16)),
            })
            .collect();
        let bucket = table.person.is_some().then(|| UInt16Builder::with_capacity(n));
        Self { columns, src_row: UInt64Builder::with_capacity(n), bucket, late: StringBuilder::new() }
    }

    fn finish(mut self, schema: SchemaRef) -> Result<RecordBatch, ArrowError> {
        let mut arrays: Vec<ArrayRef> = Vec::new();
        for c in &mut self.columns {
            match c {
                Col::Str(b) => arrays.push(Arc::new(b.finish())),
                Col::Date(b) => arrays.push(Arc::new(b.finish())),
                Col::Birth(b, p) => {
                    arrays.push(Arc::new(b.finish()));
                    arrays.push(Arc::new(p.finish()));
                }
                Col::Int(b) => arrays.push(Arc::new(b.finish())),
                Col::Float(b) => arrays.push(Arc::new(b.finish())),
            }
        }
        arrays.push(Arc::new(self.src_row.finish()));
        if let Some(b) = self.bucket.as_mut() {
            arrays.push(Arc::new(b.finish()));
        }
        arrays.push(Arc::new(self.late.finish()));
        RecordBatch::try_new(schema, arrays)
    }
}
