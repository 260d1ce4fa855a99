//! Step timings (`kohort --timings FILE …`): where the time of a long command goes, step by step,
//! without a profiler or a special build.
//!
//! A step ends where kohort names what it is doing to DuckDB ([`crate::db::DuckContext::ctx`]
//! sees every statement, prepared query and appender) or marks a stretch of its own work
//! ([`mark`]). A step's seconds run from the end of the previous step on the same thread, so
//! they include kohort's own work on that thread since then (for the first step of a worker
//! thread: since the latest step of any thread). Steps of the same name that follow one another
//! on a thread are one line with their count (an appender's rows). The file is written when the
//! command ends, failed or not: one line per step (or run of steps), tab-separated, in the order
//! they were first marked.
//!
//! Off unless [`start`]ed; while off, a mark costs one relaxed atomic load.

use std::collections::HashMap;
use std::io::Write;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, PoisonError};
use std::thread::ThreadId;
use std::time::Instant;

static ON: AtomicBool = AtomicBool::new(false);
static RECORDER: Mutex<Option<Recorder>> = Mutex::new(None);

struct Recorder {
    start: Instant,
    /// The latest step of any thread.
    latest: Instant,
    /// Per thread: its number (in order of its first step), the end of its last step and that
    /// step's index in `steps`.
    threads: HashMap<ThreadId, (usize, Instant, usize)>,
    steps: Vec<Step>,
}

/// One step (or a run of steps of the same name on one thread).
#[derive(Debug, Clone, PartialEq)]
pub struct Step {
    /// The thread, numbered in the order of their first step (0: the first to mark one).
    pub thread: usize,
    /// When the (last) step ended, in seconds since [`start`].
    pub ended: f64,
    /// Its seconds (summed over the run of steps).
    pub seconds: f64,
    /// Steps of this name in a row on the thread.
    pub count: u64,
    /// What was done.
    pub label: String,
}

fn recorder() -> std::sync::MutexGuard<'static, Option<Recorder>> {
    RECORDER.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Start recording (again, from nothing).
pub fn start() {
    let now = Instant::now();
    *recorder() = Some(Recorder { start: now, latest: now, threads: HashMap::new(), steps: Vec::new() });
    ON.store(true, Ordering::Relaxed);
}

/// Whether steps are being recorded.
#[must_use]
pub fn on() -> bool {
    ON.load(Ordering::Relaxed)
}

/// End a step named `label` on this thread (nothing unless recording).
pub fn mark(label: &str) {
    if !on() {
        return;
    }
    let now = Instant::now();
    let mut guard = recorder();
    let Some(r) = guard.as_mut() else { return };
    let id = std::thread::current().id();
    let ended = (now - r.start).as_secs_f64();
    let next_thread = r.threads.len();
    let (thread, since, last) = *r.threads.entry(id).or_insert((next_thread, r.latest, usize::MAX));
    let seconds = (now - since).as_secs_f64();
    r.latest = now;
    if let Some(step) = r.steps.get_mut(last).filter(|s| s.label == label) {
        step.ended = ended;
        step.seconds += seconds;
        step.count += 1;
        r.threads.insert(id, (thread, now, last));
        return;
    }
    r.steps.push(Step { thread, ended, seconds, count: 1, label: label.to_owned() });
    r.threads.insert(id, (thread, now, r.steps.len() - 1));
}

/// Stop recording; the steps so far.
pub fn finish() -> Vec<Step> {
    ON.store(false, Ordering::Relaxed);
    recorder().take().map(|r| r.steps).unwrap_or_default()
}

/// Write `steps` to `path` (tab-separated, with a header line).
///
/// # Errors
/// When the file cannot be written.
pub fn write(path: &Path, steps: &[Step]) -> std::io::Result<()> {
    let mut out = std::io::BufWriter::new(fs_err::File::create(path)?);
    writeln!(out, "thread\tended_s\tseconds\tcount\tstep")?;
    for s in steps {
        // A label is one line: kohort's own words, but keep the columns whatever they hold.
        let label = s.label.replace(['\t', '\n', '\r'], " ");
        writeln!(out, "{}\t{:.6}\t{:.6}\t{}\t{label}", s.thread, s.ended, s.seconds, s.count)?;
    }
    out.flush()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn steps_are_timed_from_the_previous_one_and_repeats_are_one_line() {
        start();
        std::thread::sleep(std::time::Duration::from_millis(5));
        mark("timings-test: a");
        std::thread::sleep(std::time::Duration::from_millis(30));
        mark("timings-test: b");
        mark("timings-test: b");
        std::thread::sleep(std::time::Duration::from_millis(10));
        mark("timings-test: c");
        let steps = finish();
        assert!(!on());
        mark("timings-test: after");
        // Other tests of this process may have marked steps on their threads meanwhile.
        let mine: Vec<&Step> = steps.iter().filter(|s| s.label.starts_with("timings-test")).collect();
        let labels: Vec<(&str, u64)> = mine.iter().map(|s| (s.label.as_str(), s.count)).collect();
        assert_eq!(labels, [("timings-test: a", 1), ("timings-test: b", 2), ("timings-test: c", 1)]);
        assert!(mine[1].seconds >= 0.030 && mine[2].seconds >= 0.010, "{mine:?}");
        // On one thread, the seconds add up to the time since the thread's first step began.
        let sum: f64 = mine.iter().map(|s| s.seconds).sum();
        let first_began = mine[0].ended - mine[0].seconds;
        assert!((sum - (mine[2].ended - first_began)).abs() < 1e-9, "{mine:?}");
        assert!(mine.windows(2).all(|w| w[0].ended <= w[1].ended));
    }

    #[test]
    fn the_file_has_a_header_and_one_line_per_step() -> std::io::Result<()> {
        let dir = tempfile::tempdir()?;
        let path = dir.path().join("t.tsv");
        let steps = [
            Step { thread: 0, ended: 1.5, seconds: 1.5, count: 1, label: "read".into() },
            Step { thread: 1, ended: 2.25, seconds: 0.75, count: 3, label: "a\tb".into() },
        ];
        write(&path, &steps)?;
        let text = std::fs::read_to_string(&path)?;
        assert_eq!(
            text,
            "thread\tended_s\tseconds\tcount\tstep\n0\t1.500000\t1.500000\t1\tread\n1\t2.250000\t0.750000\t3\ta b\n"
        );
        Ok(())
    }
}
