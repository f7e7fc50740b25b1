//! One module per subcommand; `dispatch` routes a parsed command line to it.

mod cache;
mod collect;
mod dag;
mod exec_node;
mod explain;
mod export;
mod kinds;
mod node;
mod plan;
mod publish;
mod run;
mod show;
mod stage;
mod status;

use crate::cli::{Cli, Command};
use crate::error::CliError;

/// Runs a command; returns the process exit code.
pub fn dispatch(cli: Cli) -> Result<i32, CliError> {
    let g = &cli.global;
    match cli.command {
        Command::Run(args) => run::run(g, &args),
        Command::Plan(args) => plan::plan(g, &args),
        Command::Explain(args) => explain::explain(g, &args),
        Command::Status(args) => status::status(g, &args),
        Command::Dag(args) => dag::dag(g, &args),
        Command::Show(args) => show::show(g, &args),
        Command::Export(args) => export::export(g, &args),
        Command::Collect(args) => {
            collect::configure_terminal(args.rows);
            collect::collect(g, &args)
        }
        Command::Stage(args) => stage::stage(g, &args),
        Command::Kinds(args) => kinds::kinds(&args),
        Command::Cache(cmd) => cache::cache(g, cmd),
        Command::ExecNode(args) => exec_node::exec_node(g, &args),
    }
}
