//! `flow`: the command line. Parses arguments and hands each subcommand to its module in
//! `commands/`; all the work lives in the engine, cache and stage crates.

mod cli;
mod commands;
mod error;
mod progress;
mod workspace;

use clap::Parser;

/// mimalloc instead of the system allocator: training allocates and frees multi-megabyte
/// tensors at every step, which glibc's malloc returns to the kernel and faults back in (zeroed)
/// each time; with mimalloc a beta-VAE trains ~20 % faster on the CPU (BENCHMARKS.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

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
