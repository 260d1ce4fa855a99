//! Delivered CSV text split into rows physical line by physical line.
//!
//! A row is one line, or several when a quoted field of a free-text column holds a line
//! break (RFC 4180). A quote that is never closed, or that would join lines into a row with
//! the wrong number of fields or a line break in a column that cannot hold one, is a
//! *framing error* of its own line only: that line becomes a row that fails validation, and
//! the lines after it are read again as rows of their own. So a stray quote never folds the
//! rest of a file into one quarantined row, and every delivered line is counted.
//!
//! Quoting follows the `csv` crate's reading: `"` opens a quoted field at the start of a
//! field, `""` inside it is one quote, text after the closing quote is kept, and a quote in
//! the middle of an unquoted field is an ordinary character.

use std::collections::VecDeque;
use std::io::BufRead;

/// A row may span at most this many physical lines.
pub const MAX_ROW_LINES: usize = 100;
/// A physical line (or a row of several) may hold at most this many bytes.
pub const MAX_ROW_BYTES: usize = 1 << 20;

/// One physical line as read (with its terminator).
#[derive(Debug, Clone)]
struct Line {
    number: u64,
    bytes: Vec<u8>,
    /// The line was longer than [`MAX_ROW_BYTES`]; only its start is kept.
    truncated: bool,
}

impl Line {
    /// The line without its terminator (`\n` or `\r\n`).
    fn content(&self) -> &[u8] {
        let b = self.bytes.strip_suffix(b"\n").unwrap_or(&self.bytes);
        b.strip_suffix(b"\r").unwrap_or(b)
    }

    fn is_blank(&self) -> bool {
        self.content().is_empty()
    }
}

/// One row: its fields, the physical lines it spans, and, for a framing error, what is wrong
/// and the delivered line as text.
#[derive(Debug, Clone)]
pub struct CsvRow {
    /// First physical line (1-based).
    pub first_line: u64,
    /// Last physical line.
    pub last_line: u64,
    /// The fields.
    pub fields: csv::ByteRecord,
    /// A framing error of this line: what is wrong (the line fails validation).
    pub framing: Option<String>,
    /// The delivered line, for the quarantine (framing errors only).
    pub text: Option<String>,
}

/// Rows of a delimited file, read line by line.
pub struct CsvLines<R> {
    input: R,
    delimiter: u8,
    /// Lines read ahead and given back after a framing error, in order.
    pending: VecDeque<Line>,
    next_number: u64,
    bytes_read: u64,
    first: bool,
    /// Per field position: whether the field may hold a line break (free text).
    multiline: Vec<bool>,
    /// Fields a row must have (the header's), once known.
    width: Option<usize>,
}

impl<R: BufRead> CsvLines<R> {
    /// Rows of `input` separated by `delimiter`.
    pub fn new(input: R, delimiter: u8) -> Self {
        Self {
            input,
            delimiter,
            pending: VecDeque::new(),
            next_number: 1,
            bytes_read: 0,
            first: true,
            multiline: Vec::new(),
            width: None,
        }
    }

    /// After the header: how many fields a row has and which may hold a line break.
    pub fn set_shape(&mut self, width: usize, multiline: Vec<bool>) {
        self.width = Some(width);
        self.multiline = multiline;
    }

    /// The input.
    pub fn input(&self) -> &R {
        &self.input
    }

    /// Bytes read from the input so far.
    pub fn bytes_read(&self) -> u64 {
        self.bytes_read
    }

    /// The next row; `None` at the end. Blank lines are not rows.
    pub fn next_row(&mut self) -> std::io::Result<Option<CsvRow>> {
        let first = loop {
            match self.next_line()? {
                None => return Ok(None),
                Some(l) if l.is_blank() => {}
                Some(l) => break l,
            }
        };
        if first.truncated {
            let why = format!("line {} is longer than {} bytes: it is not a row", first.number, MAX_ROW_BYTES);
            return Ok(Some(framing_row(&first, self.delimiter, why)));
        }
        let mut state = scan(Quote::FieldStart, first.content(), self.delimiter);
        if state != Quote::Quoted {
            let mut fields = csv::ByteRecord::new();
            split(first.content(), self.delimiter, &mut fields);
            let number = first.number;
            return Ok(Some(CsvRow { first_line: number, last_line: number, fields, framing: None, text: None }));
        }
        // A quoted field runs on: gather lines until it closes.
        let mut lines = vec![first];
        let mut size = lines[0].bytes.len();
        while state == Quote::Quoted {
            if lines.len() >= MAX_ROW_LINES || size > MAX_ROW_BYTES {
                let why = format!(
                    "a quote opened on line {} is not closed within {} lines: line {} is quarantined on its \
                     own and the lines after it are read as rows of their own",
                    lines[0].number,
                    lines.len(),
                    lines[0].number
                );
                return Ok(Some(self.give_back(lines, why)));
            }
            let Some(next) = self.next_line()? else {
                let (a, b) = (lines[0].number, lines.last().map_or(0, |l| l.number));
                let why = format!(
                    "a quote opened on line {a} is never closed: read as one row it would run over lines {a}-{b}, \
                     to the end of the file; line {a} is quarantined on its own and the lines after it are read \
                     as rows of their own"
                );
                return Ok(Some(self.give_back(lines, why)));
            };
            // The line break before it belongs to the quoted field (no change of state).
            state = scan(state, next.content(), self.delimiter);
            size += next.bytes.len();
            lines.push(next);
        }
        self.joined_row(lines)
    }

    /// The row that lines joined by a quoted line break make, if it is a well-formed row;
    /// else the first line as a framing error.
    #[allow(clippy::unnecessary_wraps)] // the reader's other paths read the file
    fn joined_row(&mut self, lines: Vec<Line>) -> std::io::Result<Option<CsvRow>> {
        let mut buf = Vec::new();
        for (i, l) in lines.iter().enumerate() {
            buf.extend_from_slice(if i + 1 == lines.len() { l.content() } else { &l.bytes });
        }
        let mut fields = csv::ByteRecord::new();
        split(&buf, self.delimiter, &mut fields);
        let (a, b) = (lines[0].number, lines.last().map_or(0, |l| l.number));
        let width = self.width.unwrap_or(fields.len());
        let bad_break = fields
            .iter()
            .enumerate()
            .find(|(i, f)| f.contains(&b'\n') && !self.multiline.get(*i).copied().unwrap_or(false))
            .map(|(i, _)| i + 1);
        let problem = if fields.len() == width {
            bad_break.map(|i| format!("hold a line break in field {i}, which is not a free-text column"))
        } else {
            Some(format!("have {} fields where the header has {width}", fields.len()))
        };
        let Some(problem) = problem else {
            return Ok(Some(CsvRow { first_line: a, last_line: b, fields, framing: None, text: None }));
        };
        let why = format!(
            "a quote opened on line {a} is not closed on that line: read as one row with the lines after it, \
             it would run over lines {a}-{b} and {problem}; line {a} is quarantined on its own and the lines \
             after it are read as rows of their own"
        );
        Ok(Some(self.give_back(lines, why)))
    }

    /// The first of `lines` as a framing error; the others are read again.
    fn give_back(&mut self, mut lines: Vec<Line>, why: String) -> CsvRow {
        let first = lines.remove(0);
        for l in lines.into_iter().rev() {
            self.pending.push_front(l);
        }
        framing_row(&first, self.delimiter, why)
    }

    fn next_line(&mut self) -> std::io::Result<Option<Line>> {
        if let Some(l) = self.pending.pop_front() {
            return Ok(Some(l));
        }
        let mut bytes = Vec::new();
        let (n, truncated) = read_capped_line(&mut self.input, &mut bytes, MAX_ROW_BYTES)?;
        if n == 0 {
            return Ok(None);
        }
        self.bytes_read += n as u64;
        if self.first {
            self.first = false;
            if bytes.starts_with(b"\xEF\xBB\xBF") {
                bytes.drain(..3);
            }
        }
        let number = self.next_number;
        self.next_number += 1;
        Ok(Some(Line { number, bytes, truncated }))
    }
}

/// A framing error row: the line split on its own (an open quote runs to the line's end).
fn framing_row(line: &Line, delimiter: u8, why: String) -> CsvRow {
    let mut fields = csv::ByteRecord::new();
    split(line.content(), delimiter, &mut fields);
    CsvRow {
        first_line: line.number,
        last_line: line.number,
        fields,
        framing: Some(why),
        text: Some(String::from_utf8_lossy(line.content()).into_owned()),
    }
}

/// Read one line (up to and with `\n`) into `buf`, keeping at most `cap` bytes of it.
/// Returns the bytes consumed (0 at the end) and whether the line was cut.
fn read_capped_line<R: BufRead>(input: &mut R, buf: &mut Vec<u8>, cap: usize) -> std::io::Result<(usize, bool)> {
    let mut consumed = 0;
    let mut truncated = false;
    loop {
        let available = match input.fill_buf() {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if available.is_empty() {
            return Ok((consumed, truncated));
        }
        let (chunk, done) = match available.iter().position(|&b| b == b'\n') {
            Some(i) => (&available[..=i], true),
            None => (available, false),
        };
        let room = cap.saturating_sub(buf.len());
        if chunk.len() > room {
            truncated = true;
        }
        buf.extend_from_slice(&chunk[..chunk.len().min(room)]);
        let n = chunk.len();
        input.consume(n);
        consumed += n;
        if done {
            return Ok((consumed, truncated));
        }
    }
}

/// Where the quoting stands after some bytes of a row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Quote {
    /// At the start of a field.
    FieldStart,
    /// Inside an unquoted field.
    Unquoted,
    /// Inside a quoted field.
    Quoted,
    /// Just after a quote inside a quoted field: a second one is a literal quote, anything else closes the field.
    Pending,
}

#[allow(clippy::match_same_arms)] // one arm per transition of the quote automaton
fn step(state: Quote, b: u8, delimiter: u8) -> Quote {
    match (state, b) {
        (Quote::FieldStart, b'"') => Quote::Quoted,
        (Quote::FieldStart | Quote::Unquoted | Quote::Pending, d) if d == delimiter => Quote::FieldStart,
        (Quote::FieldStart | Quote::Unquoted, _) => Quote::Unquoted,
        (Quote::Quoted, b'"') => Quote::Pending,
        (Quote::Quoted, _) | (Quote::Pending, b'"') => Quote::Quoted,
        // Text after a closing quote is kept (as the csv crate does).
        (Quote::Pending, _) => Quote::Unquoted,
    }
}

fn scan(mut state: Quote, bytes: &[u8], delimiter: u8) -> Quote {
    if state == Quote::FieldStart && !bytes.contains(&b'"') {
        return Quote::Unquoted; // not quoted at the end: all that matters here
    }
    for &b in bytes {
        state = step(state, b, delimiter);
    }
    state
}

/// Split a row's bytes (without the final line terminator) into fields.
pub fn split(bytes: &[u8], delimiter: u8, out: &mut csv::ByteRecord) {
    out.clear();
    if !bytes.contains(&b'"') {
        for f in bytes.split(|b| *b == delimiter) {
            out.push_field(f);
        }
        return;
    }
    let mut field: Vec<u8> = Vec::new();
    let mut state = Quote::FieldStart;
    for &b in bytes {
        let next = step(state, b, delimiter);
        match (state, next) {
            (_, Quote::FieldStart) => {
                out.push_field(&field);
                field.clear();
            }
            // The opening quote, and a closing quote, are not part of the value.
            (Quote::FieldStart, Quote::Quoted) | (Quote::Quoted, Quote::Pending) => {}
            _ => field.push(b),
        }
        state = next;
    }
    out.push_field(&field);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows(text: &str, width: usize, multiline: &[bool]) -> Vec<(u64, u64, Vec<String>, bool)> {
        let mut r = CsvLines::new(text.as_bytes(), b',');
        r.set_shape(width, multiline.to_vec());
        let mut out = Vec::new();
        while let Some(row) = r.next_row().expect("row") {
            let fields = row.fields.iter().map(|f| String::from_utf8_lossy(f).into_owned()).collect();
            out.push((row.first_line, row.last_line, fields, row.framing.is_some()));
        }
        out
    }

    fn strs(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn fields_split_as_the_csv_crate_reads_them() {
        let mut rec = csv::ByteRecord::new();
        for (line, want) in [
            ("a,b,c", vec!["a", "b", "c"]),
            ("a,,", vec!["a", "", ""]),
            ("\"a,b\",c", vec!["a,b", "c"]),
            ("\"a\"\"b\",c", vec!["a\"b", "c"]),
            ("ab\"c,d", vec!["ab\"c", "d"]),
            ("\"ab\"cd,e", vec!["abcd", "e"]),
            ("", vec![""]),
        ] {
            split(line.as_bytes(), b',', &mut rec);
            let got: Vec<&[u8]> = rec.iter().collect();
            let want: Vec<&[u8]> = want.iter().map(|s| s.as_bytes()).collect();
            assert_eq!(got, want, "{line}");
            let mut reader = csv::ReaderBuilder::new().has_headers(false).from_reader(line.as_bytes());
            if let Some(Ok(r)) = reader.byte_records().next() {
                assert_eq!(r.iter().collect::<Vec<_>>(), want, "csv crate: {line}");
            }
        }
    }

    #[test]
    fn a_quoted_line_break_in_a_free_text_field_joins_two_lines() {
        let got = rows("h1,h2\nx,\"a\r\nb\"\ny,c\n", 2, &[false, true]);
        assert_eq!(got[1..], [(2, 3, strs(&["x", "a\r\nb"]), false), (4, 4, strs(&["y", "c"]), false)]);
    }

    #[test]
    fn an_unclosed_quote_costs_its_own_line_only() {
        let got = rows("h1,h2\n\"x,1\ny,2\nz,3\n", 2, &[false, false]);
        assert_eq!(got[0], (1, 1, strs(&["h1", "h2"]), false));
        assert_eq!(got[1], (2, 2, strs(&["x,1"]), true));
        assert_eq!(got[2..], [(3, 3, strs(&["y", "2"]), false), (4, 4, strs(&["z", "3"]), false)]);
    }

    #[test]
    fn a_join_into_the_wrong_width_or_a_break_outside_free_text_is_a_framing_error() {
        // The quote closes on line 3, but the joined row has 3 fields.
        let got = rows("h1,h2\n\"x,1\ny\",2,3\n", 2, &[true, true]);
        assert!(got[1].3 && got[1].0 == 2, "{got:?}");
        assert_eq!(got[2], (3, 3, strs(&["y\"", "2", "3"]), false));
        // Right width, but the break is in a field that is not free text.
        let got = rows("h1,h2\n\"x\ny\",2\n", 2, &[false, true]);
        assert!(got[1].3, "{got:?}");
        assert_eq!(got.len(), 3);
    }

    #[test]
    fn blank_lines_are_not_rows_but_count_as_lines_and_a_bom_is_dropped() {
        let got = rows("\u{feff}h1,h2\n\n\r\nx,1\n", 2, &[false, false]);
        assert_eq!(got, vec![(1, 1, strs(&["h1", "h2"]), false), (4, 4, strs(&["x", "1"]), false)]);
    }

    #[test]
    fn a_quote_open_for_more_than_the_limit_is_given_back() {
        let mut text = String::from("h1,h2\n\"x,1\n");
        for i in 0..(MAX_ROW_LINES + 5) {
            text.push_str(&format!("y{i},2\n"));
        }
        let got = rows(&text, 2, &[true, true]);
        assert!(got[1].3);
        assert_eq!(got.len(), 2 + MAX_ROW_LINES + 5);
        assert!(got[2..].iter().all(|r| !r.3));
    }
}
