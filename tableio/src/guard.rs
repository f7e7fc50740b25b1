//! Readers of untrusted bytes that may panic: run them with [`without_panics`], which turns a
//! panic into [`TableIoError::Malformed`] naming the file, and keeps the panic's message off
//! stderr (it is in the error).
//!
//! Found by tests/hostile_inputs.rs: arrow-rs's IPC reader slices buffers at the offsets a
//! file's metadata gives without checking them against the body, and a flipped byte there
//! panics ("the offset of the new Buffer cannot exceed the existing length").

use std::cell::Cell;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::Path;
use std::sync::Once;

use crate::error::TableIoError;

thread_local! {
    /// Whether this thread is inside [`without_panics`] (its panics are reported as errors).
    static GUARDED: Cell<bool> = const { Cell::new(false) };
}

static QUIET_HOOK: Once = Once::new();

/// Installs, once, a panic hook that stays silent for guarded threads and hands every other
/// panic to the hook that was there before.
fn install_quiet_hook() {
    QUIET_HOOK.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if !GUARDED.with(Cell::get) {
                previous(info);
            }
        }));
    });
}

/// Runs `read` on `path`'s bytes; a panic inside becomes [`TableIoError::Malformed`].
pub(crate) fn without_panics<T>(
    path: &Path,
    format: &'static str,
    read: impl FnOnce() -> Result<T, TableIoError>,
) -> Result<T, TableIoError> {
    install_quiet_hook();
    let was = GUARDED.with(|g| g.replace(true));
    let result = catch_unwind(AssertUnwindSafe(read));
    GUARDED.with(|g| g.set(was));
    result.unwrap_or_else(|panic| {
        let message = panic
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
            .unwrap_or_else(|| "the reader gave up".to_string());
        Err(TableIoError::Malformed {
            path: path.to_path_buf(),
            format,
            message,
        })
    })
}
