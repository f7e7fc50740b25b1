//! [`Store`]: the cache directory, and reading, publishing, locking and removing objects.
//!
//! Layout under the root:
//! `objects/<2 hex>/<62 hex>/` published objects (`manifest.json`, `ports/<port>/…`, `last-use`),
//! `locks/<key>.lock` per-key locks, `tmp/` staging directories and temporary files,
//! `stat/` the stat cache of [`Store::hash_file`], `index/` the engine's last-run records.

use std::fs::{self, OpenOptions};
use std::io;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use crate::fsutil::{create_temp_dir, io_at, sync_dir};
use crate::lock::KeyLock;
use crate::manifest::{MANIFEST, Manifest, ManifestDraft, scan_ports};
use crate::staging::{PORTS, Staging};
use crate::{CacheError, Digest};

/// The file whose mtime records an object's last use; not part of the object's content.
const LAST_USE: &str = "last-use";

/// The subdirectories of a cache root.
const SUBDIRS: [&str; 7] = [
    "objects",
    "locks",
    "tmp",
    "index",
    "stat",
    "scratch",
    "stage-runs",
];

/// A cache directory. Cheap to clone; many handles (and processes) may share one root.
#[derive(Clone, Debug)]
pub struct Store {
    root: PathBuf,
    /// Opened with [`Store::open_read_only`]: nothing is created, recorded or touched.
    read_only: bool,
}

/// The result of looking a key up.
#[derive(Debug)]
#[expect(
    clippy::large_enum_variant,
    reason = "one lookup per node; boxing would only make matching clumsier"
)]
pub enum Lookup {
    /// No object under this key.
    Missing,
    /// A complete object whose manifest and file sizes check out.
    Present(Object),
    /// An object that must not be used; `reason` names the offending path.
    Corrupt { reason: String },
}

/// A published object.
#[derive(Clone, Debug)]
pub struct Object {
    pub key: Digest,
    pub dir: PathBuf,
    pub manifest: Manifest,
}

impl Object {
    /// The directory of output port `port`.
    pub fn port_dir(&self, port: &str) -> PathBuf {
        self.dir.join(PORTS).join(port)
    }

    /// Re-hashes the files of output `port` and compares them with the manifest: `Err` with the
    /// reason, naming the port directory, when a byte changed. What a reader runs before it
    /// uses the bytes: [`Store::get`] checks sizes only, so a flipped byte is caught here (or by
    /// [`Store::verify`]), never used.
    pub fn check_port(&self, port: &str) -> Result<(), String> {
        let dir = self.port_dir(port);
        let Some(expected) = self.manifest.ports.get(port) else {
            return Err(format!(
                "{}: no port {port:?} in manifest.json",
                self.dir.display()
            ));
        };
        match crate::manifest::PortRecord::scan(&dir, false) {
            Ok(found) if found.content == expected.content => Ok(()),
            Ok(found) => Err(format!(
                "{}: bytes changed (content {}, manifest.json says {})",
                dir.display(),
                found.content.short(),
                expected.content.short()
            )),
            Err(e) => Err(e.to_string()),
        }
    }

    /// Total size of the object's port files, as recorded in its manifest.
    pub fn bytes(&self) -> u64 {
        self.manifest.ports.values().map(|p| p.bytes).sum()
    }
}

impl Store {
    /// Opens the cache at `root`, creating it and its subdirectories as needed.
    pub fn open(root: impl Into<PathBuf>) -> Result<Store, CacheError> {
        let root = root.into();
        for sub in SUBDIRS {
            let dir = root.join(sub);
            fs::create_dir_all(&dir).map_err(io_at(&dir))?;
        }
        Ok(Store {
            root,
            read_only: false,
        })
    }

    /// Opens the cache at `root` for looking only (`flow plan`, `flow status`): the directory
    /// need not exist, and nothing is ever written — no directories, no stat records, no
    /// last-use times. Lookups behave as [`Store::peek`]; writing methods must not be called.
    pub fn open_read_only(root: impl Into<PathBuf>) -> Store {
        Store {
            root: root.into(),
            read_only: true,
        }
    }

    /// Whether this handle was opened with [`Store::open_read_only`].
    pub fn is_read_only(&self) -> bool {
        self.read_only
    }

    /// The cache directory.
    pub fn root(&self) -> &Path {
        &self.root
    }

    pub(crate) fn objects_dir(&self) -> PathBuf {
        self.root.join("objects")
    }

    pub(crate) fn tmp_dir(&self) -> PathBuf {
        self.root.join("tmp")
    }

    /// `objects/<first 2 hex>/<other 62 hex>`.
    pub(crate) fn object_dir(&self, key: &Digest) -> PathBuf {
        let hex = key.to_string();
        self.objects_dir().join(&hex[..2]).join(&hex[2..])
    }

    /// Looks `key` up, checking the manifest and every file's presence and size (no
    /// re-hashing). A present object's last use is recorded.
    /// Like [`Store::get`] but records no use: for dry runs (`flow plan`), which must not
    /// write to the cache.
    pub fn peek(&self, key: &Digest) -> Result<Lookup, CacheError> {
        self.inspect(key)
    }

    pub fn get(&self, key: &Digest) -> Result<Lookup, CacheError> {
        let lookup = self.inspect(key)?;
        if matches!(lookup, Lookup::Present(_)) {
            self.touch(key);
        }
        Ok(lookup)
    }

    /// [`Store::get`] without touching.
    fn inspect(&self, key: &Digest) -> Result<Lookup, CacheError> {
        let dir = self.object_dir(key);
        let corrupt = |reason: String| Ok(Lookup::Corrupt { reason });
        let manifest_path = dir.join(MANIFEST);
        // Read the manifest first: one syscall less for the common cases (present, or no
        // directory at all); only a missing manifest asks whether the directory exists.
        let manifest: Manifest = match read_manifest(&manifest_path) {
            Ok(m) => m,
            Err(CacheError::Io { source, .. }) if source.kind() == io::ErrorKind::NotFound => {
                return match fs::symlink_metadata(&dir) {
                    Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(Lookup::Missing),
                    Err(e) => Err(io_at(&dir)(e)),
                    Ok(_) => corrupt(format!("{}: missing", manifest_path.display())),
                };
            }
            Err(CacheError::Io { source, .. }) => return Err(io_at(&manifest_path)(source)),
            Err(e) => return corrupt(e.to_string()),
        };
        if manifest.key != *key {
            return corrupt(format!(
                "{}: records key {}, expected {key}",
                manifest_path.display(),
                manifest.key
            ));
        }
        for (port, record) in &manifest.ports {
            let port_dir = dir.join(PORTS).join(port);
            for file in &record.files {
                let path = port_dir.join(&file.path);
                match fs::symlink_metadata(&path) {
                    Ok(meta) if meta.is_file() && meta.len() == file.size => {}
                    Ok(meta) if meta.is_file() => {
                        return corrupt(format!(
                            "{}: {} bytes, manifest.json says {}",
                            path.display(),
                            meta.len(),
                            file.size
                        ));
                    }
                    Ok(_) => return corrupt(format!("{}: not a regular file", path.display())),
                    Err(e) if e.kind() == io::ErrorKind::NotFound => {
                        return corrupt(format!("{}: missing", path.display()));
                    }
                    Err(e) => return Err(io_at(&path)(e)),
                }
            }
        }
        Ok(Lookup::Present(Object {
            key: *key,
            dir,
            manifest,
        }))
    }

    /// Starts writing the object of `key` in a fresh staging directory.
    pub fn begin(&self, key: &Digest) -> Result<Staging, CacheError> {
        Staging::create(&self.tmp_dir(), *key)
    }

    /// Hashes the staged ports, writes the manifest, makes everything durable and renames the
    /// staging directory into place. If the key was published meanwhile, the staging is
    /// discarded and the existing object returned (a corrupt one is replaced).
    pub fn publish(
        &self,
        mut staging: Staging,
        draft: ManifestDraft,
    ) -> Result<Object, CacheError> {
        let key = staging.key();
        let ports = scan_ports(&staging.dir().join(PORTS), true)?;
        let manifest = Manifest::new(key, draft, ports);

        let manifest_path = staging.dir().join(MANIFEST);
        let json = manifest.to_bytes().map_err(|source| CacheError::Json {
            path: manifest_path.clone(),
            source,
        })?;
        write_durably(&manifest_path, &json)?;
        sync_dir(staging.dir())?;

        let target = self.object_dir(&key);
        let fan_out = self.objects_dir().join(&key.to_string()[..2]);
        if !fan_out.is_dir() {
            fs::create_dir_all(&fan_out).map_err(io_at(&fan_out))?;
            sync_dir(&self.objects_dir())?;
        }
        for _ in 0..3 {
            match fs::rename(staging.dir(), &target) {
                Ok(()) => {
                    staging.disarm();
                    sync_dir(&fan_out)?;
                    self.touch(&key);
                    return Ok(Object {
                        key,
                        dir: target,
                        manifest,
                    });
                }
                Err(e) if target_taken(&e) => match self.inspect(&key)? {
                    Lookup::Present(existing) => {
                        drop(staging);
                        self.touch(&key);
                        return Ok(existing);
                    }
                    Lookup::Corrupt { .. } => self.remove(&key)?,
                    Lookup::Missing => {}
                },
                Err(e) => return Err(io_at(&target)(e)),
            }
        }
        Err(CacheError::Invalid {
            path: target,
            reason: "could not publish: the object kept changing under us".to_string(),
        })
    }

    /// Blocks until this handle holds the exclusive lock of `key`.
    pub fn lock(&self, key: &Digest) -> Result<KeyLock, CacheError> {
        KeyLock::acquire(&self.root.join("locks"), *key)
    }

    /// Takes the lock of `key` if nobody (no other process, no other `KeyLock`) holds it.
    pub fn try_lock(&self, key: &Digest) -> Result<Option<KeyLock>, CacheError> {
        KeyLock::try_acquire(&self.root.join("locks"), *key)
    }

    /// Removes the object of `key` (if any): renamed into `tmp/` at once, so readers never see
    /// it half-deleted, then deleted.
    pub fn remove(&self, key: &Digest) -> Result<(), CacheError> {
        let dir = self.object_dir(key);
        // Reserve a unique name, then rename the object over the empty directory.
        let grave = create_temp_dir(&self.tmp_dir(), &format!("{key}-removed"))?;
        match fs::rename(&dir, &grave) {
            Ok(()) => {}
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                let _ = fs::remove_dir(&grave);
                return Ok(());
            }
            Err(e) => {
                let _ = fs::remove_dir(&grave);
                return Err(io_at(&dir)(e));
            }
        }
        fs::remove_dir_all(&grave).map_err(io_at(&grave))
    }

    /// Records that `key` was used now (best effort; nothing happens if it is not published).
    pub fn touch(&self, key: &Digest) {
        if self.read_only {
            return;
        }
        let path = self.object_dir(key).join(LAST_USE);
        let _ = OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)
            .and_then(|f| f.set_modified(SystemTime::now()));
    }

    /// When `key` was last used, if that was ever recorded.
    pub fn last_use(&self, key: &Digest) -> Option<SystemTime> {
        fs::metadata(self.object_dir(key).join(LAST_USE))
            .and_then(|m| m.modified())
            .ok()
    }

    /// Every published object whose manifest can be read, in key order. Objects with an
    /// unreadable manifest are left out here and reported by [`Store::verify`].
    pub fn objects(&self) -> Result<Vec<Object>, CacheError> {
        Ok(self
            .scan()?
            .into_iter()
            .filter_map(|Scanned { key, dir, manifest }| {
                manifest.ok().map(|manifest| Object { key, dir, manifest })
            })
            .collect())
    }

    /// Every directory `objects/<2>/<62>` whose name is a digest, with its manifest (or the
    /// reason it could not be read), in key order.
    pub(crate) fn scan(&self) -> Result<Vec<Scanned>, CacheError> {
        let objects = self.objects_dir();
        let mut found = Vec::new();
        if self.read_only && !objects.exists() {
            return Ok(found);
        }
        for fan in fs::read_dir(&objects).map_err(io_at(&objects))? {
            let fan = fan.map_err(io_at(&objects))?.path();
            if !fan.is_dir() {
                continue;
            }
            for entry in fs::read_dir(&fan).map_err(io_at(&fan))? {
                let dir = entry.map_err(io_at(&fan))?.path();
                let name = format!(
                    "{}{}",
                    fan.file_name().unwrap_or_default().to_string_lossy(),
                    dir.file_name().unwrap_or_default().to_string_lossy()
                );
                let Ok(key) = name.parse::<Digest>() else {
                    continue;
                };
                let manifest = read_manifest(&dir.join(MANIFEST));
                found.push(Scanned { key, dir, manifest });
            }
        }
        found.sort_by_key(|s| s.key);
        Ok(found)
    }
}

/// An object directory found on disk, before any check beyond reading its manifest.
pub(crate) struct Scanned {
    pub key: Digest,
    pub dir: PathBuf,
    pub manifest: Result<Manifest, CacheError>,
}

/// Could a failed rename onto `target` mean someone else published it first?
fn target_taken(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::AlreadyExists | io::ErrorKind::DirectoryNotEmpty
    )
}

/// Writes a new file and fsyncs it.
fn write_durably(path: &Path, bytes: &[u8]) -> Result<(), CacheError> {
    use std::io::Write;
    let mut file = OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
        .map_err(io_at(path))?;
    file.write_all(bytes)
        .and_then(|()| file.sync_all())
        .map_err(io_at(path))
}

/// Reads and checks an object's manifest ([`Manifest::from_bytes`]): a damaged one is
/// [`CacheError::Invalid`] naming the file.
pub(crate) fn read_manifest(path: &Path) -> Result<Manifest, CacheError> {
    let bytes = fs::read(path).map_err(io_at(path))?;
    Manifest::from_bytes(&bytes).map_err(|reason| CacheError::Invalid {
        path: path.to_path_buf(),
        reason,
    })
}
