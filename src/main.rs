//! `flow`: the command line. Parses arguments and hands each subcommand to its module in
//! `commands/`; all the work lives in the engine, cache and stage crates.

/// `eprintln!` that never panics. A run's stderr may close under it (`flow run … | tee log`
/// and tee dies, or the harness that read it is killed): the run must go on and finish, not
/// panic inside the progress observer and deadlock its scheduler (found by the reliability
/// campaign, bench/reliability.py; tests/robustness.rs pins it).
macro_rules! say {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stderr().lock(), $($arg)*);
    }};
}

/// `eprint!` that never panics (see [`say!`]).
macro_rules! say_raw {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = write!(std::io::stderr().lock(), $($arg)*);
    }};
}

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
            say_raw!("{}", e.render());
            e.exit_code()
        }
    };
    std::process::exit(code);
}
