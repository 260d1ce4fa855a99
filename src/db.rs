//! The one DuckDB module: connections, thread count and memory limit, SQL loading.
//!
//! Parquet support is compiled in (the `parquet` feature); nothing is installed at run time.
//! SQL lives in `sql/*.sql`; values are always bound as parameters. Templates may only
//! receive identifiers that come from `data-schema/` (table and column names), never user data.

use std::path::Path;

use duckdb::{Config, Connection};

/// Errors from DuckDB.
#[derive(Debug, thiserror::Error)]
pub enum DbError {
    /// A statement failed.
    /// DuckDB's message is printed once, here (its own chain adds only an FFI error code).
    /// After an out-of-memory error, where DuckDB spills and the room left there ([`spill_hint`],
    /// read when the message is shown).
    #[error("DuckDB ({context}): {error}{}", spill_hint(&error.to_string(), &std::env::temp_dir()))]
    Duck {
        /// What kohort was doing.
        context: String,
        /// DuckDB's error.
        error: duckdb::Error,
    },
}

/// Result alias for this module.
pub type Result<T> = std::result::Result<T, DbError>;

/// Attach a context to a DuckDB result.
pub trait DuckContext<T> {
    /// Name what was being done.
    fn ctx(self, context: impl Into<String>) -> Result<T>;
}

impl<T> DuckContext<T> for std::result::Result<T, duckdb::Error> {
    fn ctx(self, context: impl Into<String>) -> Result<T> {
        if crate::timings::on() {
            let context = context.into();
            crate::timings::mark(&context);
            return self.map_err(|error| DbError::Duck { context, error });
        }
        self.map_err(|error| DbError::Duck { context: context.into(), error })
    }
}

/// What to add to DuckDB's message when it ran out of memory: DuckDB spills beyond its memory
/// limit into a folder under `spill_base` (`TMPDIR`, [`crate::store::spill::spill_dir`]) and
/// counts that folder's room as memory too (its `max_temp_directory_size` is most of the free
/// disk space when it starts), so a nearly full disk gives the same "Out of Memory Error" as a
/// limit set too low: a national study failed so on a disk with a few GB left and passed at the
/// same limit once room was made. Empty for any other error.
#[must_use]
pub fn spill_hint(message: &str, spill_base: &Path) -> String {
    if !message.contains("Out of Memory Error") {
        return String::new();
    }
    let room = rustix::fs::statvfs(spill_base).map_or_else(
        |e| format!("its free space unknown: {e}"),
        |s| format!("{:.1} GB free there now", (s.f_bavail as f64 * s.f_frsize as f64) / 1e9),
    );
    format!(
        "\nkohort: DuckDB spills what outgrows its memory limit into {} ({room}), and a full disk \
         shows as out of memory too: make room there or point TMPDIR at a larger disk, or raise \
         --memory-limit.",
        spill_base.display()
    )
}

/// Resources DuckDB may use; shared with rayon (one `--threads` setting).
#[derive(Debug, Clone)]
pub struct DbSettings {
    /// Worker threads.
    pub threads: usize,
    /// Memory limit, e.g. `1GB`.
    pub memory_limit: String,
}

impl Default for DbSettings {
    fn default() -> Self {
        Self { threads: default_threads(), memory_limit: default_memory_limit() }
    }
}

/// The default DuckDB memory limit: 2 GB, or half the machine's memory where that is less (at
/// least 1 GB; 1 GB when it cannot be read). DuckDB spills to disk beyond it (under `TMPDIR`,
/// see [`crate::store::spill::spill_dir`]), so the national scenario's ingest peaks at 3.1 GB
/// and its ten-year monitor study at 2.6 GB of resident memory; with half of a 24 GB machine the
/// study took 11.8 GB for about a third less CPU. Raise it with `--memory-limit` where memory is
/// plenty.
pub fn default_memory_limit() -> String {
    let total_kb = std::fs::read_to_string("/proc/meminfo").ok().and_then(|t| {
        t.lines()
            .find_map(|l| l.strip_prefix("MemTotal:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
    });
    match total_kb {
        Some(kb) => format!("{}MB", (kb / 2 / 1024).clamp(1024, DEFAULT_MEMORY_MB)),
        None => "1GB".to_owned(),
    }
}

/// The upper end of the default memory limit, in MB (see [`default_memory_limit`]).
const DEFAULT_MEMORY_MB: u64 = 2048;

/// The machine's cores.
pub fn default_threads() -> usize {
    std::thread::available_parallelism().map_or(1, std::num::NonZero::get)
}

fn config(settings: &DbSettings) -> std::result::Result<Config, duckdb::Error> {
    Config::default()
        .threads(i64::try_from(settings.threads.max(1)).unwrap_or(1))?
        .max_memory(&settings.memory_limit)?
        .enable_autoload_extension(false)?
        .with("preserve_insertion_order", "true")
}

/// Run `work(connection, lane, item)` for each item of `order` (indexes below `items`), `lanes`
/// at a time: lane 0 on `conn` (this thread), each other lane on a thread and a connection of
/// its own, cloned from `conn` (one database: one memory limit, one thread pool). A lane takes
/// the next item of `order` when it has finished one; after an error no lane starts another.
/// The results by item index, `None` for an item not started because of an error.
pub fn in_lanes<T: Send, E: Send>(
    conn: &Connection,
    lanes: usize,
    order: &[usize],
    items: usize,
    work: impl Fn(&Connection, usize, usize) -> std::result::Result<T, E> + Sync,
) -> Result<Vec<Option<std::result::Result<T, E>>>> {
    use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
    let lanes = lanes.clamp(1, order.len().max(1));
    let others = (1..lanes)
        .map(|_| conn.try_clone().ctx("opening a DuckDB connection for a lane"))
        .collect::<Result<Vec<_>>>()?;
    let (next, failed) = (AtomicUsize::new(0), AtomicBool::new(false));
    let lane = |c: &Connection, lane: usize| {
        let mut done = Vec::new();
        while !failed.load(Ordering::Relaxed) {
            let Some(&i) = order.get(next.fetch_add(1, Ordering::Relaxed)) else { break };
            let result = work(c, lane, i);
            failed.fetch_or(result.is_err(), Ordering::Relaxed);
            done.push((i, result));
        }
        done
    };
    let done = std::thread::scope(|s| {
        let lane = &lane;
        let handles: Vec<_> = others.into_iter().enumerate().map(|(k, c)| s.spawn(move || lane(&c, k + 1))).collect();
        let mut done = lane(conn, 0);
        for h in handles {
            done.extend(h.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic)));
        }
        done
    });
    let mut out: Vec<Option<std::result::Result<T, E>>> = (0..items).map(|_| None).collect();
    for (i, result) in done {
        if let Some(slot) = out.get_mut(i) {
            *slot = Some(result);
        }
    }
    Ok(out)
}

/// An in-memory database (spilling to `temp_dir` when given).
pub fn open_in_memory(settings: &DbSettings, temp_dir: Option<&Path>) -> Result<Connection> {
    let mut cfg = config(settings).ctx("configuring DuckDB")?;
    if let Some(dir) = temp_dir {
        cfg = cfg.with("temp_directory", dir.to_string_lossy()).ctx("setting temp_directory")?;
    }
    Connection::open_in_memory_with_flags(cfg).ctx("opening DuckDB")
}

/// A database file (used for ingest staging, so staged rows live on disk and only the
/// buffer pool, bounded by the memory limit, is in memory).
pub fn open_file(settings: &DbSettings, path: &Path, temp_dir: &Path) -> Result<Connection> {
    let cfg = config(settings)
        .and_then(|c| c.with("temp_directory", temp_dir.to_string_lossy()))
        .ctx("configuring DuckDB")?;
    Connection::open_with_flags(path, cfg).ctx(format!("opening DuckDB database {}", path.display()))
}

/// An in-memory database whose relative file paths resolve under `dirs` (used for the
/// store views, which read `persons/*/*.parquet` and the like).
pub fn open_at(settings: &DbSettings, dirs: &[&Path]) -> Result<Connection> {
    open_at_spilling(settings, dirs, None)
}

/// [`open_at`], spilling to `temp` when a query outgrows the memory limit.
pub fn open_at_spilling(settings: &DbSettings, dirs: &[&Path], temp: Option<&Path>) -> Result<Connection> {
    let search: Vec<String> = dirs.iter().map(|d| d.to_string_lossy().into_owned()).collect();
    let mut cfg =
        config(settings).and_then(|c| c.with("file_search_path", search.join(","))).ctx("configuring DuckDB")?;
    if let Some(dir) = temp {
        cfg = cfg.with("temp_directory", dir.to_string_lossy()).ctx("setting temp_directory")?;
    }
    Connection::open_in_memory_with_flags(cfg).ctx("opening DuckDB")
}

/// Fill `{{name}}` placeholders of an SQL template with schema identifiers.
///
/// Only for identifiers and expressions built from `data-schema/`; values are bound.
pub fn render(template: &str, vars: &[(&str, &str)]) -> String {
    // Placeholders are filled in code only, never in `--` comments: a comment that names one
    // would otherwise swallow (or break on) a multi-line value.
    let mut out = String::with_capacity(template.len());
    for line in template.split_inclusive('\n') {
        let (code, comment) = line.split_at(comment_start(line).unwrap_or(line.len()));
        let mut code = code.to_owned();
        for (name, value) in vars {
            code = code.replace(&format!("{{{{{name}}}}}"), value);
        }
        out.push_str(&code);
        out.push_str(comment);
    }
    out
}

/// Where a `--` comment starts on a line of SQL, outside string literals and quoted names.
fn comment_start(line: &str) -> Option<usize> {
    let (mut single, mut double) = (false, false);
    let bytes = line.as_bytes();
    for (i, &b) in bytes.iter().enumerate() {
        match b {
            b'\'' if !double => single = !single,
            b'"' if !single => double = !double,
            b'-' if !single && !double && bytes.get(i + 1) == Some(&b'-') => return Some(i),
            _ => {}
        }
    }
    None
}

/// Quote an identifier for SQL.
pub fn ident(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

#[cfg(test)]
mod tests {
    use super::{DbSettings, Result, in_lanes, open_in_memory, render};

    #[test]
    fn lanes_run_each_item_once_give_results_by_item_and_start_none_after_an_error() -> Result<()> {
        use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};
        let conn = open_in_memory(&DbSettings::default(), None)?;
        let order = [4, 2, 0, 1, 3, 5];
        let runs: Vec<AtomicUsize> = (0..7).map(|_| AtomicUsize::new(0)).collect();
        let highest_lane = AtomicUsize::new(0);
        let got = in_lanes(&conn, 2, &order, 7, |_, lane, i| {
            runs[i].fetch_add(1, Relaxed);
            highest_lane.fetch_max(lane, Relaxed);
            Ok::<_, usize>(i * 10)
        })?;
        let want: Vec<Option<std::result::Result<usize, usize>>> =
            (0..7).map(|i| (i < 6).then_some(Ok(i * 10))).collect();
        assert_eq!(got, want);
        let counts: Vec<usize> = runs.iter().map(|r| r.load(Relaxed)).collect();
        assert_eq!(counts, vec![1, 1, 1, 1, 1, 1, 0]);
        assert!(highest_lane.load(Relaxed) < 2);
        // One lane: items 4 and 2 run, item 0 fails, and 1, 3 and 5 are never started.
        let got = in_lanes(&conn, 1, &order, 6, |_, _, i| if i == 0 { Err(i) } else { Ok(i) })?;
        assert_eq!(got, vec![Some(Err(0)), None, Some(Ok(2)), None, Some(Ok(4)), None]);
        Ok(())
    }

    #[test]
    fn render_fills_code_and_leaves_comments_alone() {
        let sql = "-- reads {{t}}\nSELECT '--{{t}}', \"a--b\" FROM {{t}} -- not {{t}}\nWHERE x = 1;";
        let got = render(sql, &[("t", "x\ny")]);
        assert_eq!(got, "-- reads {{t}}\nSELECT '--x\ny', \"a--b\" FROM x\ny -- not {{t}}\nWHERE x = 1;");
    }
}
