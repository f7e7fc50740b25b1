//! Diagnostic: how much each generative factor of the face world tells a Bernoulli decoder, and
//! which pairs of factors interact in pixel space (issue 6's real check; the measures are
//! defined in `flow_stages::world::factor_information`).
//!
//! ```sh
//! cargo run --release -p flow-stages --example factor_information [-- quick|full|LIST [FACES]]
//! ```
//!
//! Prints, for `FACES` random faces (default 32) of the world at 64 × 64: each factor's L1
//! impact, Bernoulli information (nats) and changed pixels; every pair whose interaction
//! exceeds 10 % of the smaller main effect; every pair whose pixel derivatives overlap by more
//! than 0.1 (|cos| in the Bernoulli metric).

use flow_stages::world::factor_information::{derivative_overlaps, information, interaction};
use flow_stages::world::synthetic_faces::{active_factors, draw_factors};

const SIZE: usize = 64;
const SUPERSAMPLE: usize = 2;

fn main() {
    let mut args = std::env::args().skip(1);
    let spec = args.next().unwrap_or_else(|| "quick".into());
    let n: usize = args
        .next()
        .map_or(32, |s| s.parse().expect("FACES is a count"));
    let names = active_factors(&spec).unwrap_or_else(|e| panic!("{e}"));
    let faces = draw_factors(n, &names, "uniform", 7);

    println!("{n} faces of the `{spec}` world, {SIZE} × {SIZE} (supersample {SUPERSAMPLE})");
    println!("{:<16} {:>8} {:>8} {:>6}", "factor", "L1", "nats", "px");
    for name in &names {
        let i = information(&faces, name, SIZE, SUPERSAMPLE);
        println!("{name:<16} {:>8.1} {:>8.1} {:>6.0}", i.l1, i.nats, i.pixels);
    }

    let pairs: Vec<(&str, &str)> = names
        .iter()
        .enumerate()
        .flat_map(|(j, &a)| names[j + 1..].iter().map(move |&b| (a, b)))
        .collect();
    println!("\ninteractions above 10 % (Σ|second difference| / smaller main effect):");
    for &(a, b) in &pairs {
        let share = interaction(&faces, a, b, SIZE, SUPERSAMPLE);
        if share > 0.10 {
            println!("  {a:<16} × {b:<16} {:>5.0} %", 100.0 * share);
        }
    }
    println!("\nderivative overlaps above 0.1 (mean |cos| in the Bernoulli metric):");
    let overlaps = derivative_overlaps(&faces, &names, SIZE, SUPERSAMPLE);
    for (i, a) in names.iter().enumerate() {
        for (j, b) in names.iter().enumerate().skip(i + 1) {
            if overlaps[i][j] > 0.1 {
                println!("  {a:<16} × {b:<16} {:.2}", overlaps[i][j]);
            }
        }
    }
}
