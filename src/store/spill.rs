//! The folders DuckDB spills into: scratch, outside the store and the publications, one fresh
//! folder per connection that may outgrow the memory limit, removed when dropped; the folders of
//! killed processes are removed by the next process that makes one.

use std::path::Path;

/// A fresh folder for DuckDB to spill into, under the system's temporary folder (`TMPDIR`),
/// removed when dropped. Without one, an in-memory DuckDB spills into `.tmp` under the current
/// working folder, wherever the user happens to run kohort. A killed process cannot remove its
/// folder (gigabytes, at national scale), so the folders of processes that no longer run are
/// removed here ([`sweep_spill_dirs`]).
///
/// # Errors
/// The temporary folder cannot be created.
pub fn spill_dir() -> std::io::Result<tempfile::TempDir> {
    spill_dir_in(&std::env::temp_dir())
}

/// [`spill_dir`] under `base`.
fn spill_dir_in(base: &Path) -> std::io::Result<tempfile::TempDir> {
    sweep_spill_dirs(base);
    tempfile::Builder::new().prefix(&format!("{SPILL_PREFIX}{}-", std::process::id())).tempdir_in(base)
}

/// The name of a spill folder: this prefix, the process id, `-` and a random part.
const SPILL_PREFIX: &str = "kohort-spill-";

/// Remove the spill folders under `base` whose process is gone (Linux: no `/proc/<pid>`). A
/// folder of a running process — any process with that id — is left alone, and so is every
/// folder whose name carries no process id; nothing is removed where `/proc` is absent.
/// Failures are ignored: a folder left behind costs disk space only.
fn sweep_spill_dirs(base: &Path) {
    let proc = Path::new("/proc/self");
    if !proc.exists() {
        return;
    }
    let Ok(entries) = std::fs::read_dir(base) else { return };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(pid) = name
            .to_str()
            .and_then(|n| n.strip_prefix(SPILL_PREFIX))
            .and_then(|rest| rest.split_once('-'))
            .and_then(|(pid, _)| pid.parse::<u32>().ok())
        else {
            continue;
        };
        if !Path::new("/proc").join(pid.to_string()).exists() {
            let _ = std::fs::remove_dir_all(entry.path());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{SPILL_PREFIX, spill_dir_in};

    #[test]
    #[cfg(target_os = "linux")]
    fn a_spill_folder_of_a_process_that_is_gone_is_removed_and_no_other() {
        let base = tempfile::tempdir().unwrap();
        // 4194305 is above the largest process id Linux gives (2^22): that process is gone.
        let gone = base.path().join(format!("{SPILL_PREFIX}4194305-abc"));
        let running = base.path().join(format!("{SPILL_PREFIX}{}-def", std::process::id()));
        let unnamed = base.path().join(format!("{SPILL_PREFIX}xyz"));
        let other = base.path().join("someone-else");
        for dir in [&gone, &running, &unnamed, &other] {
            std::fs::create_dir_all(dir.join("sub")).unwrap();
            std::fs::write(dir.join("sub").join("block.tmp"), b"spilled").unwrap();
        }
        let fresh = spill_dir_in(base.path()).unwrap();
        assert!(!gone.exists(), "the folder of a process that is gone");
        assert!(running.exists() && unnamed.exists() && other.exists());
        let name = fresh.path().file_name().unwrap().to_string_lossy().into_owned();
        assert!(name.starts_with(&format!("{SPILL_PREFIX}{}-", std::process::id())), "{name}");
        let path = fresh.path().to_owned();
        drop(fresh);
        assert!(!path.exists(), "removed when dropped");
    }
}
