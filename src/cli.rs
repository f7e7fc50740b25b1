//! The command-line grammar (clap derive): every subcommand, flag and its help text.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// flow: a declarative dataflow engine for computational-neuroscience experiments.
///
/// A pipeline is a TOML file declaring a DAG of stages. `flow run` executes it and caches every
/// intermediate result under a content hash, so re-runs and other pipelines that share a prefix
/// reuse what is already computed.
#[derive(Parser, Debug)]
#[command(name = "flow", version, propagate_version = true, max_term_width = 100)]
pub struct Cli {
    #[command(flatten)]
    pub global: Global,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Args, Debug)]
pub struct Global {
    /// The cache directory [default: `.flow/` beside the pipeline file, or in the current directory]
    #[arg(long, global = true, env = "FLOW_CACHE", value_name = "DIR")]
    pub cache: Option<PathBuf>,
    /// When to use colour in messages
    #[arg(long, global = true, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum ProgressChoice {
    /// Bars on a terminal, log lines otherwise
    Auto,
    Bars,
    Lines,
    None,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExecutorChoice {
    /// Worker threads on this machine
    Local,
    /// Job arrays on a Slurm cluster (settings in the pipeline's [executor] table)
    Slurm,
}

/// A pipeline file and overrides, shared by the commands that read one.
#[derive(Args, Debug, Clone)]
pub struct PipelineArgs {
    /// The pipeline file (TOML)
    #[arg(value_name = "FILE")]
    pub file: PathBuf,
    /// Override a parameter: `stage.param=value` or `stage.sweep.param=[…]` (repeatable)
    #[arg(long = "set", value_name = "STAGE.KEY=VALUE")]
    pub sets: Vec<String>,
}

/// A node addressed by name in a pipeline (or by a cache key prefix).
#[derive(Args, Debug, Clone)]
pub struct NodeArgs {
    /// A node name such as `bvae[beta=2.5,seed=3]`, a stage name (its only node), or a key prefix
    #[arg(value_name = "NODE")]
    pub node: String,
    /// The pipeline the node belongs to [default: the pipeline you last ran with this cache]
    #[arg(short, long, value_name = "FILE")]
    pub pipeline: Option<PathBuf>,
    /// Parameter overrides, as given to `flow run`
    #[arg(long = "set", value_name = "STAGE.KEY=VALUE")]
    pub sets: Vec<String>,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Run a pipeline: compute every node whose result is not cached
    Run(RunArgs),
    /// Show what a run would do: every node, cached or to run, and why
    Plan(PlanArgs),
    /// Show the parts of a node's cache key and what changed since its last run
    Explain(NodeArgs),
    /// Summarise a pipeline's state per stage: nodes cached and missing
    Status(PipelineArgs),
    /// Print the pipeline's DAG of nodes as Graphviz DOT or Mermaid
    Dag(DagArgs),
    /// Show a node's cached result: provenance, ports and a preview of each
    Show(ShowArgs),
    /// Write a node's cached output to a file (.parquet, .arrow, .csv, .json; by extension)
    Export(ExportArgs),
    /// One table of a sweep's results: a row per node, coordinates and scalar results as columns
    ///
    /// Examples:
    ///   flow collect quick.toml align
    ///   flow collect quick.toml align lasso select.table --where 'code == mixed'
    ///   flow collect quick.toml align --group-by beta --agg mean,sd,n --sort beta
    ///   flow collect quick.toml lasso --field per_neuron --to ve.parquet
    #[command(verbatim_doc_comment)]
    Collect(CollectArgs),
    /// Run one stage kind on files, through the cache
    Stage(StageArgs),
    /// List the stage kinds, or describe one: its parameters and ports
    Kinds(KindsArgs),
    /// Inspect and maintain the cache
    #[command(subcommand)]
    Cache(CacheCommand),
    /// Run one serialised plan node (used by cluster executors)
    #[command(hide = true)]
    ExecNode(ExecNodeArgs),
}

#[derive(Args, Debug)]
pub struct RunArgs {
    #[command(flatten)]
    pub pipeline: PipelineArgs,
    /// How many threads to use at once, across running nodes [default: number of CPUs]
    #[arg(short, long, value_name = "N")]
    pub jobs: Option<usize>,
    /// Run only this node (or stage) and what it needs (repeatable)
    #[arg(long, value_name = "NODE")]
    pub until: Vec<String>,
    /// Recompute this node (or every node of this stage) even if cached (repeatable)
    #[arg(long, value_name = "NODE")]
    pub force: Vec<String>,
    /// Where nodes run [default: the pipeline's `[executor] kind`, else local]
    #[arg(long, value_enum)]
    pub executor: Option<ExecutorChoice>,
    /// How progress is shown
    #[arg(long, value_enum, default_value_t = ProgressChoice::Auto)]
    pub progress: ProgressChoice,
    /// Where the pipeline's `[publish]` outputs are written [default: `results/<pipeline>/`
    /// beside the pipeline file]
    #[arg(long, value_name = "DIR")]
    pub results: Option<std::path::PathBuf>,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum PlanFormat {
    Text,
    Json,
}

#[derive(Args, Debug)]
pub struct PlanArgs {
    #[command(flatten)]
    pub pipeline: PipelineArgs,
    /// Output format
    #[arg(long, value_enum, default_value_t = PlanFormat::Text)]
    pub format: PlanFormat,
    /// Treat this node (or stage) as forced (repeatable)
    #[arg(long, value_name = "NODE")]
    pub force: Vec<String>,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum DagFormat {
    Dot,
    Mermaid,
}

#[derive(Args, Debug)]
pub struct DagArgs {
    #[command(flatten)]
    pub pipeline: PipelineArgs,
    /// Output format
    #[arg(long, value_enum, default_value_t = DagFormat::Dot)]
    pub format: DagFormat,
    /// One box per stage instead of one per node
    #[arg(long)]
    pub stages: bool,
}

#[derive(Args, Debug)]
pub struct ShowArgs {
    #[command(flatten)]
    pub node: NodeArgs,
    /// Rows of each table to preview
    #[arg(long, default_value_t = 5)]
    pub rows: usize,
    /// Print only the directory of the cached result (its ports are `ports/PORT/table.arrow`,
    /// `ports/PORT/value.json` or `ports/PORT/files/`), for reading it from Python or R
    #[arg(long)]
    pub path: bool,
}

#[derive(Args, Debug)]
pub struct ExportArgs {
    #[command(flatten)]
    pub node: NodeArgs,
    /// The output port [default: the node's only output]
    #[arg(long)]
    pub port: Option<String>,
    /// Destination file; its extension picks the format (.parquet, .arrow, .csv, .json)
    #[arg(long, value_name = "FILE")]
    pub to: PathBuf,
}

#[derive(Args, Debug)]
pub struct CollectArgs {
    /// The pipeline file (TOML)
    #[arg(value_name = "FILE")]
    pub file: PathBuf,
    /// Stages to collect, joined on their shared sweep coordinates in this order; `STAGE.PORT`
    /// picks an output port (a table port gives one row per table row) [default port: `result`,
    /// else the stage's only JSON output]
    #[arg(value_name = "STAGE", required = true)]
    pub stages: Vec<String>,
    /// A vector field to spread into rows (long form: one row per element, with `index`);
    /// repeatable, fields of one result must have equal lengths
    #[arg(long, value_name = "NAME")]
    pub field: Vec<String>,
    /// Keep nodes without a cached result, with their status
    #[arg(long)]
    pub include_missing: bool,
    /// Keep rows where `COLUMN OP VALUE` holds (OP: ==, !=, <, <=, >, >=); repeatable, all apply
    #[arg(long = "where", value_name = "COND")]
    pub filters: Vec<String>,
    /// Sort by a column, `COLUMN:desc` (or `-COLUMN`) for descending; repeatable
    #[arg(long, value_name = "COLUMN", allow_hyphen_values = true)]
    pub sort: Vec<String>,
    /// Summarise per group: one row per value of these columns (comma-separated)
    #[arg(long, value_name = "COLUMNS", value_delimiter = ',')]
    pub group_by: Vec<String>,
    /// With --group-by: aggregates of each numeric column (mean, sd, n, min, max, median, sum)
    #[arg(long, value_name = "LIST", default_value = "mean,sd,n")]
    pub agg: String,
    /// Write the table to a file instead (.parquet, .arrow, .csv, .json; by extension)
    #[arg(long, value_name = "FILE")]
    pub to: Option<PathBuf>,
    /// Rows shown on the terminal (the middle is elided beyond this)
    #[arg(long, default_value_t = 20)]
    pub rows: usize,
    /// Override a parameter, as given to `flow run` (repeatable)
    #[arg(long = "set", value_name = "STAGE.KEY=VALUE")]
    pub sets: Vec<String>,
}

#[derive(Args, Debug)]
pub struct StageArgs {
    /// The stage kind (see `flow kinds`)
    #[arg(value_name = "KIND")]
    pub kind: String,
    /// An input: `PORT=FILE` (repeat a port to give a gathered port several files, in order)
    #[arg(long = "in", value_name = "PORT=FILE")]
    pub inputs: Vec<String>,
    /// A parameter: `key=value` (repeatable)
    #[arg(long = "set", value_name = "KEY=VALUE")]
    pub sets: Vec<String>,
    /// The node seed
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Where to write the result: a file for a one-output stage or with `--port` (format by
    /// extension), a directory (one file per port) otherwise
    #[arg(long, value_name = "PATH")]
    pub out: PathBuf,
    /// Write only this output port to `--out` (for kinds with several outputs)
    #[arg(long, value_name = "PORT")]
    pub port: Option<String>,
    /// How progress is shown
    #[arg(long, value_enum, default_value_t = ProgressChoice::Auto)]
    pub progress: ProgressChoice,
}

#[derive(Args, Debug)]
pub struct KindsArgs {
    /// Describe this kind (parameters with types and defaults, ports)
    pub kind: Option<String>,
}

#[derive(Subcommand, Debug)]
pub enum CacheCommand {
    /// Re-hash every stored artifact and report any that do not match their manifest
    Verify {
        /// Remove the artifacts that fail, so the next run recomputes them
        #[arg(long)]
        repair: bool,
    },
    /// Remove artifacts (those no given pipeline reaches, or by size or age of last use) and orphaned checkpoints
    Gc(GcArgs),
    /// Disk use per stage kind
    Du,
}

#[derive(Args, Debug)]
pub struct GcArgs {
    /// Keep what these pipelines reach (their current cached nodes); remove everything else
    #[arg(value_name = "PIPELINE")]
    pub pipelines: Vec<PathBuf>,
    /// Then remove least-recently-used artifacts until the cache is at most this big (e.g. 20G, 500M)
    #[arg(long, value_name = "SIZE")]
    pub max_size: Option<String>,
    /// Remove artifacts not used for this long (e.g. 30d, 12h)
    #[arg(long, value_name = "AGE")]
    pub max_age: Option<String>,
    /// Remove training checkpoints (scratch) of nodes nobody runs, unchanged for this long
    #[arg(long, value_name = "AGE", default_value = "7d")]
    pub scratch_max_age: String,
    /// Say what would be removed without removing it
    #[arg(long)]
    pub dry_run: bool,
}

#[derive(Args, Debug)]
pub struct ExecNodeArgs {
    /// A serialised job (JSON)
    pub job: PathBuf,
}
