//! [`Staging`]: a private directory in `tmp/` where an object is written before it is
//! published.
//!
//! A staging directory lives on the cache's filesystem, so publishing it is a single rename.
//! Dropping a `Staging` that was never published removes its directory; a process killed
//! before that leaves it for [`crate::Store::clean_stale_staging`].

use std::fs;
use std::path::{Path, PathBuf};

use crate::fsutil::{create_temp_dir, io_at};
use crate::{CacheError, Digest};

/// The subdirectory of a staging (and of an object) that holds the port directories.
pub(crate) const PORTS: &str = "ports";

/// An object being written, not yet visible to readers.
#[derive(Debug)]
pub struct Staging {
    key: Digest,
    dir: PathBuf,
    armed: bool,
}

impl Staging {
    /// Creates `<tmp>/<key>.<pid>.<nanos>[.<host>]/ports/`.
    pub(crate) fn create(tmp: &Path, key: Digest) -> Result<Staging, CacheError> {
        let dir = create_temp_dir(tmp, &key.to_string())?;
        // From here on, Drop cleans up if creating ports/ fails.
        let staging = Staging {
            key,
            dir,
            armed: true,
        };
        let ports = staging.dir.join(PORTS);
        fs::create_dir(&ports).map_err(io_at(&ports))?;
        Ok(staging)
    }

    /// The key this staging will be published under.
    pub fn key(&self) -> Digest {
        self.key
    }

    /// The staging directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Creates (if needed) and returns the directory of output port `port`. A port name is a
    /// single, non-hidden path component.
    pub fn port_dir(&self, port: &str) -> Result<PathBuf, CacheError> {
        let dir = self.dir.join(PORTS).join(port);
        let bad = port.is_empty() || port.starts_with('.') || port.contains(['/', '\\', '\0']);
        if bad {
            return Err(CacheError::Invalid {
                path: dir,
                reason: format!("{port:?} is not a valid port name"),
            });
        }
        fs::create_dir_all(&dir).map_err(io_at(&dir))?;
        Ok(dir)
    }

    /// Called once the directory has been renamed into `objects/`: nothing left to clean up.
    pub(crate) fn disarm(&mut self) {
        self.armed = false;
    }
}

impl Drop for Staging {
    fn drop(&mut self) {
        if self.armed {
            let _ = fs::remove_dir_all(&self.dir);
        }
    }
}
