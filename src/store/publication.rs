//! The one publication routine of kohort. Everything kohort publishes — a store version, an
//! outcome or linkage run, a study cache, a published run, an export folder — goes through it:
//!
//! 1. **stage**: the new thing is built in a [`Stage`], a dot-folder beside its final place,
//!    removed again on every error path (also when the code returns early or panics);
//! 2. **fsync** every folder of the staged tree (files are synced as they are written);
//! 3. **rename** it into place under a **fresh name** (a name no reader can be on), and fsync
//!    the parent folder;
//! 4. **switch the pointer** in one atomic rename (`manifest.json`, `current.json` or the
//!    `current` symlink), and fsync its folder;
//! 5. **prune**: older generations are removed only after the switch, never the one the
//!    pointer named before (a reader may have just read it) and never one a reader holds a
//!    [`Lease`] on. A generation is first renamed to a `.trash-` name, then deleted, so a
//!    half-deleted folder is never taken for a generation.
//!
//! Folders at a fixed path chosen by the user (an export's `--out`, a quarantine folder) are
//! replaced with [`Stage::replace`]: an atomic exchange of the two folders (Linux
//! `renameat2(RENAME_EXCHANGE)`), so the path always holds either the old or the new folder;
//! on file systems without the exchange the old folder is renamed aside first and a later
//! replace (or [`recover_fixed`]) puts back what a crash between the two renames left aside.
//!
//! Kill tests stop the process at each step through [`fault`] (a no-op unless kohort is built
//! with the `fault-points` feature, which only the test suite enables).

use std::io;
use std::path::{Path, PathBuf};

use serde::Serialize;
use serde::de::DeserializeOwned;

/// A staged folder: removed when dropped unless it was published.
#[derive(Debug)]
pub struct Stage {
    dir: PathBuf,
    published: bool,
}

impl Stage {
    /// A fresh, empty staging folder at `dir` (what a killed run left there is cleared).
    /// The caller holds the lock that makes it the only writer of `dir`.
    pub fn new(dir: &Path) -> io::Result<Self> {
        remove_if_present(dir)?;
        create_private_dir_all(dir)?;
        Ok(Self { dir: dir.to_owned(), published: false })
    }

    /// A staging folder for what will replace the fixed path `out` (`.<name>.staging` beside it).
    pub fn beside(out: &Path) -> io::Result<Self> {
        let parent = non_empty(out.parent().unwrap_or(Path::new(".")));
        create_private_dir_all(parent)?;
        Self::new(&parent.join(format!(".{}.staging", file_name(out))))
    }

    /// The staging folder.
    #[must_use]
    pub fn path(&self) -> &Path {
        &self.dir
    }

    /// Publish the staged folder as generation `name` of `area` and switch `pointer` to it;
    /// then prune the area (see the module header).
    pub fn publish(mut self, area: &Path, name: &str, pointer: &Pointer<'_>, keep: &Keep<'_>) -> io::Result<()> {
        self.published = true;
        publish_dir(&self.dir, area, name, pointer, keep).inspect_err(|_| {
            let _ = remove_if_present(&self.dir);
        })
    }

    /// Replace the folder at the fixed path `out` by the staged folder atomically.
    pub fn replace(mut self, out: &Path) -> io::Result<()> {
        sync_tree(&self.dir)?;
        recover_fixed(out)?;
        fault("replace:before-swap");
        if fs_err::symlink_metadata(out).is_err() {
            fs_err::rename(&self.dir, out)?;
            self.published = true;
        } else {
            swap(&self.dir, out)?;
        }
        if let Some(parent) = out.parent() {
            sync_dir(non_empty(parent))?;
        }
        fault("replace:after-swap");
        // After a swap the staging path holds the old folder; Drop removes it.
        if !self.published {
            remove_if_present(&self.dir)?;
            self.published = true;
        }
        Ok(())
    }
}

/// Publish the folder `staged` as generation `name` of `area`: fsync, rename into place (never
/// over an existing generation), switch `pointer` to it, prune (see the module header).
pub fn publish_dir(staged: &Path, area: &Path, name: &str, pointer: &Pointer<'_>, keep: &Keep<'_>) -> io::Result<()> {
    sync_tree(staged)?;
    create_private_dir_all(area)?;
    let target = area.join(name);
    if fs_err::symlink_metadata(&target).is_ok() {
        return Err(io::Error::new(
            io::ErrorKind::AlreadyExists,
            format!("{} exists: a generation is never published over another", target.display()),
        ));
    }
    fault("publish:before-rename");
    fs_err::rename(staged, &target)?;
    sync_dir(area)?;
    fault("publish:after-rename");
    pointer.replace()?;
    fault("publish:after-pointer");
    prune(area, name, keep)?;
    fault("publish:after-prune");
    Ok(())
}

/// A name for a new generation of `area` that no generation has had since the area's
/// trash was last emptied: `base` itself when free, else `base.2`, `base.3`, ...
#[must_use]
pub fn fresh_name(area: &Path, base: &str) -> String {
    let taken = |n: &str| {
        fs_err::symlink_metadata(area.join(n)).is_ok()
            || fs_err::symlink_metadata(area.join(format!(".trash-{n}"))).is_ok()
    };
    if !taken(base) {
        return base.to_owned();
    }
    (2u64..=u64::from(u32::MAX)).map(|i| format!("{base}.{i}")).find(|n| !taken(n)).unwrap_or_else(|| base.to_owned())
}

impl Drop for Stage {
    fn drop(&mut self) {
        if !self.published {
            let _ = remove_if_present(&self.dir);
        }
    }
}

/// What points at the current generation of an area.
#[derive(Debug)]
pub enum Pointer<'a> {
    /// A JSON file replaced atomically (`manifest.json`, `current.json`): its whole content.
    Json {
        /// The file.
        path: &'a Path,
        /// Its new content.
        bytes: Vec<u8>,
    },
    /// A symbolic link replaced atomically (`PUBLISH/current -> runs/r000007`).
    Symlink {
        /// The link.
        path: &'a Path,
        /// Where it points (relative to its folder).
        target: PathBuf,
    },
}

impl Pointer<'_> {
    /// A JSON pointer holding `value`.
    pub fn json<'p, T: Serialize>(path: &'p Path, value: &T) -> io::Result<Pointer<'p>> {
        Ok(Pointer::Json { path, bytes: to_json(value)? })
    }

    fn replace(&self) -> io::Result<()> {
        match self {
            Self::Json { path, bytes } => write_file_atomic(path, bytes),
            Self::Symlink { path, target } => {
                let tmp = path.with_file_name(format!(".{}.tmp", file_name(path)));
                remove_if_present(&tmp)?;
                std::os::unix::fs::symlink(target, &tmp)
                    .map_err(|e| io::Error::new(e.kind(), format!("creating {}: {e}", tmp.display())))?;
                fs_err::rename(&tmp, path)?;
                sync_dir(non_empty(path.parent().unwrap_or(Path::new("."))))
            }
        }
    }
}

/// Which generations of an area pruning keeps besides the new one.
#[derive(Debug, Default)]
pub struct Keep<'a> {
    /// The generation the pointer named before the switch (a reader may be on it).
    pub previous: Option<&'a str>,
    /// Only names for which this holds are generations of the area (other entries, such as
    /// `current.json` or a cache of the area, are never touched).
    pub is_generation: Option<fn(&str) -> bool>,
}

/// Remove the area's generations other than `current` and `keep.previous` that no reader
/// holds, and what killed runs left behind (`.trash-*`, `.staging*`).
pub fn prune(area: &Path, current: &str, keep: &Keep<'_>) -> io::Result<()> {
    for entry in fs_err::read_dir(area)? {
        let entry = entry?;
        let name = entry.file_name().to_string_lossy().into_owned();
        // What killed runs left: half-deleted generations and staging folders (the caller
        // holds the lock that makes it the area's only writer).
        if name.starts_with(".trash-") || name.starts_with(".staging") {
            remove_if_present(&entry.path())?;
            continue;
        }
        let generation = keep.is_generation.map_or(!name.starts_with('.'), |f| f(&name));
        if !generation || name == current || Some(name.as_str()) == keep.previous || !entry.file_type()?.is_dir() {
            continue;
        }
        let Some(_held) = Lease::exclusive(&entry.path())? else { continue };
        let trash = area.join(format!(".trash-{name}"));
        fault("prune:before-rename");
        fs_err::rename(entry.path(), &trash)?;
        fault("prune:before-remove");
        remove_if_present(&trash)?;
        remove_if_present(&lease_file(&entry.path()))?;
    }
    Ok(())
}

/// A reader's hold on a published generation: while any process holds one, pruning leaves
/// the generation alone. Released when dropped (or when the process ends, also by a kill).
#[derive(Debug)]
pub struct Lease {
    _file: std::fs::File,
}

impl Lease {
    /// Hold generation `dir` for reading. `None` when it is gone (pruned since its pointer
    /// was read: read the pointer again) or being pruned. A store on a read-only file system
    /// cannot be pruned either, so the reader goes on without a lease there.
    pub fn shared(dir: &Path) -> io::Result<Option<LeaseState>> {
        let path = lease_file(dir);
        let file = match std::fs::OpenOptions::new().create(true).truncate(false).write(true).open(&path) {
            Ok(f) => f,
            Err(e) if e.kind() == io::ErrorKind::ReadOnlyFilesystem || e.kind() == io::ErrorKind::PermissionDenied => {
                return Ok(Some(LeaseState::Unleased));
            }
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(io::Error::new(e.kind(), format!("{}: {e}", path.display()))),
        };
        match file.try_lock_shared() {
            Ok(()) => {}
            Err(std::fs::TryLockError::WouldBlock) => return Ok(None),
            Err(std::fs::TryLockError::Error(e)) => return Err(e),
        }
        // Pruning renames a generation away only while it holds the lease file exclusively:
        // a generation still in place now stays in place while we hold it.
        if dir.is_dir() { Ok(Some(LeaseState::Held(Self { _file: file }))) } else { Ok(None) }
    }

    fn exclusive(dir: &Path) -> io::Result<Option<Self>> {
        let path = lease_file(dir);
        let file = fs_err::OpenOptions::new().create(true).truncate(false).write(true).open(&path)?.into_parts().0;
        match file.try_lock() {
            Ok(()) => Ok(Some(Self { _file: file })),
            Err(std::fs::TryLockError::WouldBlock) => Ok(None),
            Err(std::fs::TryLockError::Error(e)) => Err(e),
        }
    }
}

/// What [`Lease::shared`] got.
#[derive(Debug)]
pub enum LeaseState {
    /// The generation is held.
    Held(Lease),
    /// The store is read-only: nothing can prune it, no lease is needed.
    Unleased,
}

/// Lease files live beside the generations (`.<name>.lease`), not inside them, so a
/// generation's files are exactly what was published.
fn lease_file(dir: &Path) -> PathBuf {
    dir.with_file_name(format!(".{}.lease", file_name(dir)))
}

/// Put back what a crash between the two renames of a fallback replace left aside.
pub fn recover_fixed(out: &Path) -> io::Result<()> {
    let aside = aside_path(out);
    if fs_err::symlink_metadata(&aside).is_ok() {
        if fs_err::symlink_metadata(out).is_err() {
            fs_err::rename(&aside, out)?;
        } else {
            remove_if_present(&aside)?;
        }
    }
    Ok(())
}

fn aside_path(out: &Path) -> PathBuf {
    out.with_file_name(format!(".{}.old", file_name(out)))
}

/// Exchange two paths atomically; where the file system cannot, rename `out` aside first.
fn swap(staged: &Path, out: &Path) -> io::Result<()> {
    match rustix::fs::renameat_with(rustix::fs::CWD, staged, rustix::fs::CWD, out, rustix::fs::RenameFlags::EXCHANGE) {
        Ok(()) => Ok(()),
        Err(e) if e == rustix::io::Errno::INVAL || e == rustix::io::Errno::NOSYS || e == rustix::io::Errno::NOTSUP => {
            let aside = aside_path(out);
            fs_err::rename(out, &aside)?;
            fault("replace:aside");
            fs_err::rename(staged, out)?;
            fs_err::rename(&aside, staged)
        }
        Err(e) => Err(io::Error::new(
            io::Error::from(e).kind(),
            format!("exchanging {} with {}: {e}", staged.display(), out.display()),
        )),
    }
}

/// Write a file atomically: a temporary file beside it, fsync, rename over, fsync the folder.
pub fn write_file_atomic(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let tmp = path.with_file_name(format!(".{}.tmp", file_name(path)));
    {
        let mut f = fs_err::File::create(&tmp)?;
        io::Write::write_all(&mut f, bytes)?;
        f.sync_all()?;
    }
    fault("file:before-rename");
    fs_err::rename(&tmp, path)?;
    sync_dir(non_empty(path.parent().unwrap_or(Path::new("."))))
}

/// Write `value` as pretty JSON to `path` atomically.
pub fn write_json_atomic<T: Serialize>(path: &Path, value: &T) -> io::Result<()> {
    write_file_atomic(path, &to_json(value)?)
}

fn to_json<T: Serialize>(value: &T) -> io::Result<Vec<u8>> {
    let mut bytes = serde_json::to_vec_pretty(value).map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))?;
    bytes.push(b'\n');
    Ok(bytes)
}

/// Errors of [`read_json`].
#[derive(Debug, thiserror::Error)]
pub enum JsonError {
    /// The file could not be read.
    #[error(transparent)]
    Io(#[from] io::Error),
    /// The file is not the JSON expected.
    #[error("{path}")]
    Parse {
        /// The file.
        path: PathBuf,
        /// What serde said.
        source: serde_json::Error,
    },
}

/// Read a JSON file; `None` when it does not exist.
pub fn read_json<T: DeserializeOwned>(path: &Path) -> Result<Option<T>, JsonError> {
    let bytes = match fs_err::read(path) {
        Ok(b) => b,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e.into()),
    };
    serde_json::from_slice(&bytes).map(Some).map_err(|source| JsonError::Parse { path: path.to_owned(), source })
}

/// fsync a folder so a rename in it is durable.
pub fn sync_dir(dir: &Path) -> io::Result<()> {
    fs_err::File::open(dir)?.sync_all()
}

/// fsync every folder of a tree (files were synced as they were written).
pub fn sync_tree(dir: &Path) -> io::Result<()> {
    for entry in fs_err::read_dir(dir)? {
        let entry = entry?;
        if entry.file_type()?.is_dir() {
            sync_tree(&entry.path())?;
        }
    }
    sync_dir(dir)
}

/// Make every file and folder this process creates from now on owner-only (0600 / 0700), or
/// readable by the owner's group too (0640 / 0750): the process umask, which also covers
/// what DuckDB and the Parquet writer create.
pub fn restrict_new_files(group_readable: bool) {
    let mask: libc::mode_t = if group_readable { 0o027 } else { 0o077 };
    // SAFETY: umask only swaps the process's file-creation mask; it cannot fail.
    #[allow(unsafe_code)]
    unsafe {
        libc::umask(mask);
    }
}

/// Create a folder and its parents (their mode follows [`restrict_new_files`]).
pub fn create_private_dir_all(dir: &Path) -> io::Result<()> {
    fs_err::create_dir_all(dir)
}

/// Remove a file, a folder tree or a symlink if it is there.
pub fn remove_if_present(path: &Path) -> io::Result<()> {
    match fs_err::symlink_metadata(path) {
        Ok(m) if m.is_dir() => fs_err::remove_dir_all(path),
        Ok(_) => fs_err::remove_file(path),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(e),
    }
}

fn file_name(path: &Path) -> String {
    path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default()
}

fn non_empty(dir: &Path) -> &Path {
    if dir.as_os_str().is_empty() { Path::new(".") } else { dir }
}

/// A named step of a publication where the kill tests stop the process (`KOHORT_FAULT=step`
/// or `KOHORT_FAULT=step#n` for its n-th time). Compiled in only with `fault-points`.
#[cfg(feature = "fault-points")]
pub fn fault(step: &str) {
    use std::sync::atomic::{AtomicU64, Ordering};
    static SEEN: AtomicU64 = AtomicU64::new(0);
    let Ok(want) = std::env::var("KOHORT_FAULT") else { return };
    let (name, nth) = match want.split_once('#') {
        Some((n, k)) => (n.to_owned(), k.parse::<u64>().unwrap_or(1)),
        None => (want, 1),
    };
    if name == step && SEEN.fetch_add(1, Ordering::SeqCst) + 1 == nth {
        // As a kill -9 would: no destructors, no buffered output.
        std::process::abort();
    }
}

/// A named step of a publication (a no-op in a normal build).
#[cfg(not(feature = "fault-points"))]
#[inline(always)]
pub fn fault(_step: &str) {}
