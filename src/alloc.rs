//! The C allocator's settings for the outcome engine (glibc's malloc, which Rust's global
//! allocator calls on Linux).
//!
//! By default glibc gives freed memory back to the system as soon as a little of it lies free
//! at the top of a heap, and grows a thread's heap a little at a time; the next batch of a
//! bucket then touches fresh pages again, each a page fault. An outcome run allocates and
//! frees the same sizes bucket after bucket, so that work is repeated sixteen times over.
//! Keeping up to 1 GiB free at a heap's top, and growing heaps by 64 MiB, cut a national
//! outcome run's system time by about a third: whole-process CPU 0.92× for `--only
//! indicators`, 0.93× safety, 0.94× escalation and measures, 0.96× re-entry, for a peak up to
//! a fifth higher (indicators 381 → 462 MiB; paired runs, medians, in issue 19's note).
//!
//! The settings must be made before the worker threads start: a thread's heap is sized when
//! its first allocation creates it, and set later they made the same runs slower (1.14×).

/// Keep freed memory for reuse instead of giving it back at once, from now on in this process;
/// call it before any thread starts. Meant for a process that computes outcomes and ends
/// (`kohort outcomes`), not for ingest or `kohort run`, whose peaks would grow by what it
/// keeps. A no-op where the allocator is not glibc's.
pub fn keep_freed_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        // SAFETY: mallopt only sets two numbers the allocator reads on its next calls; a value
        // it refuses leaves the setting as it was (its return value says so; nothing to undo).
        #[allow(unsafe_code)]
        unsafe {
            libc::mallopt(libc::M_TRIM_THRESHOLD, 1 << 30);
            libc::mallopt(libc::M_TOP_PAD, 64 << 20);
        }
    }
}
