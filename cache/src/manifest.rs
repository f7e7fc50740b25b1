//! [`Manifest`]: the `manifest.json` of an object, and how port contents are hashed.
//!
//! The manifest guards itself: its last field, `checksum`, is blake3 over the file's bytes as
//! they would be without that field (the pretty JSON up to its closing brace), so a changed byte
//! anywhere in it (a node name, the provenance, the key, the port records) is caught at read and
//! by `verify`. Format 2 has it; format 1 manifests (written before) are read without the check.
//!
//! A port is a directory of files. Its content digest is blake3 over, for each file in sorted
//! relative-path order: the path length (u64 little-endian), the path bytes ('/'-separated),
//! the file size (u64 little-endian) and the file bytes. So the same bytes under the same names
//! give the same digest whatever key they were published under, and a renamed file changes it.

use std::collections::BTreeMap;
use std::fs::{self, File};
use std::io;
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;

/// A JSON value as raw text (`null` if it cannot be written, which a `Value` never fails to).
fn raw(value: &serde_json::Value) -> Box<RawValue> {
    serde_json::value::to_raw_value(value)
        .unwrap_or_else(|_| RawValue::from_string("null".into()).unwrap_or_default())
}

use crate::fsutil::{io_at, sync_dir};
use crate::{CacheError, Digest};

/// The file name of an object's manifest.
pub(crate) const MANIFEST: &str = "manifest.json";

/// The current manifest format.
pub(crate) const FORMAT: u32 = 2;

/// How the checksum field is spelled at the end of the file.
const CHECKSUM_FIELD: &[u8] = b",\n  \"checksum\": \"";

/// Everything recorded about a published object.
#[derive(Serialize, Deserialize, Clone, Debug)]
pub struct Manifest {
    pub format: u32,
    pub key: Digest,
    /// The engine's typed key, opaque to the cache (kept as raw JSON text: a lookup need not
    /// parse it).
    pub key_parts: Box<RawValue>,
    pub kind: String,
    pub node: String,
    pub params: Box<RawValue>,
    /// Opaque to the cache.
    pub inputs: Box<RawValue>,
    pub ports: BTreeMap<String, PortRecord>,
    /// blake3 over (name, content digest) of every port, in port-name order.
    pub content: Digest,
    pub flow_version: String,
    pub host: String,
    /// Threads the computation was given (provenance only: never part of the key, see the
    /// engine's key rule). Absent in manifests written before it was recorded.
    #[serde(default)]
    pub threads: Option<u32>,
    pub created_unix: f64,
    pub seconds: f64,
    /// blake3 of the manifest's bytes without this field (format 2; see the module doc).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub checksum: Option<String>,
}

/// What the engine says about an object; [`crate::Store::publish`] fills in the rest.
#[derive(Clone, Debug, Default)]
pub struct ManifestDraft {
    pub key_parts: serde_json::Value,
    pub kind: String,
    pub node: String,
    pub params: serde_json::Value,
    pub inputs: serde_json::Value,
    pub flow_version: String,
    pub host: String,
    pub threads: Option<u32>,
    pub seconds: f64,
}

/// One output port of an object: its content digest, total size and files.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct PortRecord {
    pub content: Digest,
    pub bytes: u64,
    pub files: Vec<FileRecord>,
}

/// One file of a port, by '/'-separated path relative to the port directory.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct FileRecord {
    pub path: String,
    pub size: u64,
}

impl Manifest {
    /// Completes a draft into the manifest of `key` with the given ports.
    pub(crate) fn new(
        key: Digest,
        draft: ManifestDraft,
        ports: BTreeMap<String, PortRecord>,
    ) -> Self {
        let created_unix = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0.0, |d| d.as_secs_f64());
        Manifest {
            format: FORMAT,
            key,
            key_parts: raw(&draft.key_parts),
            kind: draft.kind,
            node: draft.node,
            params: raw(&draft.params),
            inputs: raw(&draft.inputs),
            content: Manifest::content_of(&ports),
            ports,
            flow_version: draft.flow_version,
            host: draft.host,
            created_unix,
            threads: draft.threads,
            seconds: draft.seconds,
            checksum: None,
        }
    }

    /// The bytes of `manifest.json`: the pretty JSON, its checksum spliced in as the last field.
    pub(crate) fn to_bytes(&self) -> Result<Vec<u8>, serde_json::Error> {
        let mut body = serde_json::to_vec_pretty(&Manifest {
            checksum: None,
            ..self.clone()
        })?;
        let sum = blake3::hash(&body).to_hex();
        // `…\n}` → `…,\n  "checksum": "…"\n}`
        body.truncate(body.len() - 2);
        body.extend_from_slice(CHECKSUM_FIELD);
        body.extend_from_slice(sum.as_bytes());
        body.extend_from_slice(b"\"\n}");
        Ok(body)
    }

    /// Parses `manifest.json`'s bytes and checks its checksum (format 2 must have one).
    pub(crate) fn from_bytes(bytes: &[u8]) -> Result<Manifest, String> {
        let manifest: Manifest = serde_json::from_slice(bytes).map_err(|e| e.to_string())?;
        match &manifest.checksum {
            Some(expected) => {
                let at = bytes
                    .windows(CHECKSUM_FIELD.len())
                    .rposition(|w| w == CHECKSUM_FIELD)
                    .ok_or("the checksum is not the last field")?;
                let mut body = bytes[..at].to_vec();
                body.extend_from_slice(b"\n}");
                let found = blake3::hash(&body).to_hex();
                if found.as_str() != expected {
                    return Err(format!(
                        "a byte changed (checksum {}, the file hashes to {})",
                        &expected[..expected.len().min(12)],
                        &found[..12]
                    ));
                }
            }
            None if manifest.format >= 2 => {
                return Err(format!(
                    "format {} but no checksum (the field was damaged)",
                    manifest.format
                ));
            }
            None => {}
        }
        Ok(manifest)
    }

    /// The digest of a whole object's content: its ports' names and digests in name order.
    pub fn content_of(ports: &BTreeMap<String, PortRecord>) -> Digest {
        let mut hasher = blake3::Hasher::new();
        for (name, port) in ports {
            hasher.update(&(name.len() as u64).to_le_bytes());
            hasher.update(name.as_bytes());
            hasher.update(port.content.as_bytes());
        }
        Digest::from_hash(hasher.finalize())
    }
}

/// Hashes every port directory under `ports_dir` (a missing `ports_dir` has no ports).
/// With `sync`, also fsyncs every file and directory on the way.
pub(crate) fn scan_ports(
    ports_dir: &Path,
    sync: bool,
) -> Result<BTreeMap<String, PortRecord>, CacheError> {
    let mut ports = BTreeMap::new();
    let entries = match fs::read_dir(ports_dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(ports),
        Err(e) => return Err(io_at(ports_dir)(e)),
    };
    for entry in entries {
        let entry = entry.map_err(io_at(ports_dir))?;
        let path = entry.path();
        let name = utf8_name(&path)?;
        if !entry.file_type().map_err(io_at(&path))?.is_dir() {
            return Err(invalid(&path, "a port must be a directory"));
        }
        ports.insert(name, PortRecord::scan(&path, sync)?);
    }
    if sync {
        sync_dir(ports_dir)?;
    }
    Ok(ports)
}

impl PortRecord {
    /// Lists and hashes the files under the port directory `dir`.
    pub(crate) fn scan(dir: &Path, sync: bool) -> Result<PortRecord, CacheError> {
        let mut files = Vec::new();
        let mut dirs = vec![dir.to_path_buf()];
        walk(dir, "", Links::Refuse, &mut files, &mut dirs)?;
        Self::hash(files, dirs, sync)
    }

    /// [`PortRecord::scan`] of a directory outside the cache (an imported folder): symbolic
    /// links are followed, except one that leads back into a directory being walked.
    pub(crate) fn scan_following_links(dir: &Path) -> Result<PortRecord, CacheError> {
        let mut files = Vec::new();
        let mut dirs = Vec::new();
        let root = fs::canonicalize(dir).map_err(io_at(dir))?;
        walk(dir, "", Links::Follow(vec![root]), &mut files, &mut dirs)?;
        Self::hash(files, dirs, false)
    }

    /// The one directory formula, over `files` as (relative path, absolute path).
    fn hash(
        mut files: Vec<(String, PathBuf)>,
        dirs: Vec<PathBuf>,
        sync: bool,
    ) -> Result<PortRecord, CacheError> {
        files.sort_by(|a, b| a.0.cmp(&b.0));

        let mut hasher = blake3::Hasher::new();
        let mut records = Vec::with_capacity(files.len());
        let mut bytes = 0u64;
        for (rel, abs) in files {
            let mut file = File::open(&abs).map_err(io_at(&abs))?;
            let size = file.metadata().map_err(io_at(&abs))?.len();
            hasher.update(&(rel.len() as u64).to_le_bytes());
            hasher.update(rel.as_bytes());
            hasher.update(&size.to_le_bytes());
            hasher.update_reader(&mut file).map_err(io_at(&abs))?;
            if sync {
                file.sync_all().map_err(io_at(&abs))?;
            }
            bytes += size;
            records.push(FileRecord { path: rel, size });
        }
        if sync {
            for d in &dirs {
                sync_dir(d)?;
            }
        }
        Ok(PortRecord {
            content: Digest::from_hash(hasher.finalize()),
            bytes,
            files: records,
        })
    }
}

/// What a walk does with a symbolic link.
#[derive(Clone)]
enum Links {
    /// Refuse it (a published port holds only regular files and directories).
    Refuse,
    /// Follow it; the canonical paths of the directories being walked, root first, so that a
    /// link into one of them is reported as a loop.
    Follow(Vec<PathBuf>),
}

/// Collects the regular files under `dir` as (relative path, absolute path), and the
/// subdirectories into `dirs`. Special files are refused, and so are symbolic links unless
/// `links` says to follow them.
fn walk(
    dir: &Path,
    prefix: &str,
    links: Links,
    files: &mut Vec<(String, PathBuf)>,
    dirs: &mut Vec<PathBuf>,
) -> Result<(), CacheError> {
    for entry in fs::read_dir(dir).map_err(io_at(dir))? {
        let entry = entry.map_err(io_at(dir))?;
        let path = entry.path();
        let rel = format!("{prefix}{}", utf8_name(&path)?);
        let mut kind = entry.file_type().map_err(io_at(&path))?;
        if kind.is_symlink()
            && let Links::Follow(_) = links
        {
            kind = fs::metadata(&path).map_err(io_at(&path))?.file_type();
        }
        if kind.is_dir() {
            let inner = match &links {
                Links::Refuse => Links::Refuse,
                Links::Follow(walking) => {
                    let canonical = fs::canonicalize(&path).map_err(io_at(&path))?;
                    if walking.contains(&canonical) {
                        return Err(invalid(
                            &path,
                            &format!(
                                "a symbolic link loop: it leads back to {}",
                                canonical.display()
                            ),
                        ));
                    }
                    let mut deeper = walking.clone();
                    deeper.push(canonical);
                    Links::Follow(deeper)
                }
            };
            dirs.push(path.clone());
            walk(&path, &format!("{rel}/"), inner, files, dirs)?;
        } else if kind.is_file() {
            files.push((rel, path));
        } else {
            return Err(invalid(
                &path,
                "only regular files and directories may be published",
            ));
        }
    }
    Ok(())
}

fn utf8_name(path: &Path) -> Result<String, CacheError> {
    path.file_name()
        .and_then(|n| n.to_str())
        .map(str::to_string)
        .ok_or_else(|| invalid(path, "file names in the cache must be UTF-8"))
}

fn invalid(path: &Path, reason: &str) -> CacheError {
    CacheError::Invalid {
        path: path.to_path_buf(),
        reason: reason.to_string(),
    }
}
