//! Artifacts: the values that flow along the DAG's edges, and how they sit on disk.
//!
//! Every output port of a node holds one artifact, stored in the port's directory of the node's
//! cache object: a table as `table.arrow` (Arrow IPC, readable by pyarrow and polars), a JSON value
//! as `value.json`, or a directory of files (weights as safetensors, pictures as PNG) written by
//! the stage itself. Each port has its own content digest, so a consumer of one port is not
//! invalidated by a change in another (early cutoff per port).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use arrow_array::RecordBatch;
use serde::{Deserialize, Serialize};

use crate::stage::StageError;
use crate::value::ParamValue;

/// The declared type of a port.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ArtifactType {
    Table,
    Json,
    Files,
}

impl std::fmt::Display for ArtifactType {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            ArtifactType::Table => "table",
            ArtifactType::Json => "json",
            ArtifactType::Files => "files",
        })
    }
}

/// An artifact's value.
#[derive(Clone, Debug)]
pub enum Artifact {
    Table(RecordBatch),
    Json(serde_json::Value),
    /// A directory of files (read-only for consumers).
    Files(PathBuf),
}

/// Why an artifact could not be read or written; every variant names its file.
#[derive(Debug, thiserror::Error)]
pub enum ArtifactError {
    #[error(transparent)]
    Table(#[from] flow_tableio::TableIoError),
    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{}: {source}", path.display())]
    Json {
        path: PathBuf,
        source: serde_json::Error,
    },
}

const TABLE_FILE: &str = "table.arrow";
const JSON_FILE: &str = "value.json";

impl Artifact {
    pub fn ty(&self) -> ArtifactType {
        match self {
            Artifact::Table(_) => ArtifactType::Table,
            Artifact::Json(_) => ArtifactType::Json,
            Artifact::Files(_) => ArtifactType::Files,
        }
    }

    /// Reads a port directory of a published object as an artifact of type `ty`.
    pub fn load(dir: &Path, ty: ArtifactType) -> Result<Artifact, ArtifactError> {
        match ty {
            ArtifactType::Table => Ok(Artifact::Table(flow_tableio::read_ipc(
                &dir.join(TABLE_FILE),
            )?)),
            ArtifactType::Json => {
                let path = dir.join(JSON_FILE);
                let bytes = std::fs::read(&path).map_err(|source| ArtifactError::Io {
                    path: path.clone(),
                    source,
                })?;
                serde_json::from_slice(&bytes)
                    .map(Artifact::Json)
                    .map_err(|source| ArtifactError::Json { path, source })
            }
            ArtifactType::Files => Ok(Artifact::Files(dir.to_path_buf())),
        }
    }

    /// Writes a table or JSON artifact into a port directory (a `Files` artifact was written
    /// there by the stage already).
    pub fn save(&self, dir: &Path) -> Result<(), ArtifactError> {
        match self {
            // The staging directory is private and published durably as a whole.
            Artifact::Table(batch) => Ok(flow_tableio::write_ipc_unsynced(
                batch,
                &dir.join(TABLE_FILE),
            )?),
            Artifact::Json(value) => {
                let path = dir.join(JSON_FILE);
                let text =
                    serde_json::to_vec_pretty(value).map_err(|source| ArtifactError::Json {
                        path: path.clone(),
                        source,
                    })?;
                std::fs::write(&path, text).map_err(|source| ArtifactError::Io { path, source })
            }
            Artifact::Files(_) => Ok(()),
        }
    }

    /// The main file of a stored port (for export and show), if it has one.
    pub fn main_file(dir: &Path, ty: ArtifactType) -> Option<PathBuf> {
        match ty {
            ArtifactType::Table => Some(dir.join(TABLE_FILE)),
            ArtifactType::Json => Some(dir.join(JSON_FILE)),
            ArtifactType::Files => None,
        }
    }
}

/// One input artifact with where it came from.
#[derive(Clone, Debug)]
pub struct InputArtifact {
    /// The upstream node's name, e.g. `bvae[beta=2.5,seed=3]`.
    pub node: String,
    /// The upstream node's sweep coordinates (axis name → value).
    pub coords: Vec<(String, ParamValue)>,
    pub artifact: Artifact,
}

impl InputArtifact {
    /// This gathered input as a JSON value; an error naming `port` and the node otherwise.
    pub fn json(&self, port: &str) -> Result<&serde_json::Value, StageError> {
        match &self.artifact {
            Artifact::Json(v) => Ok(v),
            other => Err(StageError::input(
                port,
                format!("`{}` is {}, not a JSON result", self.node, other.ty()),
            )),
        }
    }
}

/// The input artifacts of one node run, by port. A `One` port holds exactly one entry.
#[derive(Clone, Debug, Default)]
pub struct Inputs {
    pub ports: BTreeMap<String, Vec<InputArtifact>>,
}

impl Inputs {
    pub fn all(&self, port: &str) -> &[InputArtifact] {
        self.ports.get(port).map_or(&[], Vec::as_slice)
    }

    pub fn is_connected(&self, port: &str) -> bool {
        !self.all(port).is_empty()
    }

    /// The ports that carry at least one artifact, as [`StageKind::check`](crate::StageKind::check) sees them.
    pub fn connected(&self) -> crate::stage::ConnectedPorts {
        crate::stage::ConnectedPorts::new(
            self.ports
                .iter()
                .filter(|(_, items)| !items.is_empty())
                .map(|(port, _)| port.as_str()),
        )
    }

    fn one(&self, port: &str) -> Result<&InputArtifact, StageError> {
        self.all(port)
            .first()
            .ok_or_else(|| StageError::input(port, "not connected"))
    }

    pub fn table(&self, port: &str) -> Result<&RecordBatch, StageError> {
        match &self.one(port)?.artifact {
            Artifact::Table(t) => Ok(t),
            other => Err(StageError::input(
                port,
                format!("expected a table, got {}", other.ty()),
            )),
        }
    }

    pub fn json(&self, port: &str) -> Result<&serde_json::Value, StageError> {
        match &self.one(port)?.artifact {
            Artifact::Json(v) => Ok(v),
            other => Err(StageError::input(
                port,
                format!("expected json, got {}", other.ty()),
            )),
        }
    }

    pub fn files(&self, port: &str) -> Result<&Path, StageError> {
        match &self.one(port)?.artifact {
            Artifact::Files(p) => Ok(p),
            other => Err(StageError::input(
                port,
                format!("expected files, got {}", other.ty()),
            )),
        }
    }

    /// Every table of a gathered port, in plan order.
    pub fn tables(&self, port: &str) -> Result<Vec<&RecordBatch>, StageError> {
        self.all(port)
            .iter()
            .map(|a| match &a.artifact {
                Artifact::Table(t) => Ok(t),
                other => Err(StageError::input(
                    port,
                    format!("expected tables, got {}", other.ty()),
                )),
            })
            .collect()
    }
}

/// The outputs a stage returns: table and JSON values by port. `Files` ports are written by the
/// stage directly into [`RunContext::output_dir`](crate::context::RunContext::output_dir).
#[derive(Debug, Default)]
pub struct Outputs {
    pub ports: BTreeMap<String, Artifact>,
}

impl Outputs {
    pub fn new() -> Self {
        Outputs::default()
    }

    pub fn table(mut self, port: &str, batch: RecordBatch) -> Self {
        self.ports.insert(port.to_string(), Artifact::Table(batch));
        self
    }

    pub fn json(mut self, port: &str, value: serde_json::Value) -> Self {
        self.ports.insert(port.to_string(), Artifact::Json(value));
        self
    }
}
