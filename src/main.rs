//! `flow`: the command line. Parses arguments and hands each subcommand to its module in
//! `commands/`; all the work lives in the engine, cache and stage crates.

mod cli;
mod commands;
mod error;
mod workspace;

use clap::Parser;

fn main() {
    let cli = cli::Cli::parse();
    let code = match commands::dispatch(cli) {
        Ok(code) => code,
        Err(e) => {
            eprint!("{}", e.render());
            e.exit_code()
        }
    };
    std::process::exit(code);
}
