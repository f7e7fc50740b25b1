//! `import-files`: a file, or a directory of files, copied into the cache as a `files`
//! artifact (model weights, a folder of images), hashed by content like every imported file.

use flow_engine::{
    ArtifactType, Inputs, Outputs, ParamSpec, ParamType, PortSpec, RunContext, StageError,
    StageKind,
};

pub struct ImportFiles;

/// `import-files`' params.
#[derive(Debug, Clone, serde::Deserialize)]
struct ImportFilesParams {
    path: std::path::PathBuf,
}

fn copy(from: &std::path::Path, to: &std::path::Path) -> Result<(), StageError> {
    let fail = |p: &std::path::Path, e: std::io::Error| {
        StageError::param("path", format!("{}: {e}", p.display()))
    };
    if from.is_dir() {
        std::fs::create_dir_all(to).map_err(|e| fail(to, e))?;
        for entry in std::fs::read_dir(from).map_err(|e| fail(from, e))? {
            let entry = entry.map_err(|e| fail(from, e))?;
            copy(&entry.path(), &to.join(entry.file_name()))?;
        }
        Ok(())
    } else {
        std::fs::copy(from, to)
            .map(|_| ())
            .map_err(|e| fail(from, e))
    }
}

impl StageKind for ImportFiles {
    fn name(&self) -> &'static str {
        "import-files"
    }

    fn version(&self) -> u32 {
        1
    }

    fn summary(&self) -> &'static str {
        "Import a file or a directory (hashed by content) as a `files` artifact"
    }

    fn params(&self) -> Vec<ParamSpec> {
        vec![ParamSpec::required(
            "path",
            ParamType::Path,
            "the file or directory, relative to the pipeline file",
        )]
    }

    fn inputs(&self) -> Vec<PortSpec> {
        vec![]
    }

    fn outputs(&self) -> Vec<PortSpec> {
        vec![PortSpec::one(
            "files",
            ArtifactType::Files,
            "a directory holding the file (or directory) under its own name",
        )]
    }

    fn run(&self, _inputs: &Inputs, ctx: &RunContext) -> Result<Outputs, StageError> {
        let p: ImportFilesParams = ctx.params().parse()?;
        let path = p.path.as_path();
        let name = path
            .file_name()
            .ok_or_else(|| StageError::param("path", "has no file name"))?;
        let dir = ctx.output_dir("files")?;
        copy(path, &dir.join(name))?;
        Ok(Outputs::new())
    }
}
