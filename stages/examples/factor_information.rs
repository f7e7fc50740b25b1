//! Diagnostic: how much each generative factor of a synthetic world tells a Bernoulli decoder,
//! and how strongly pairs of factors interact in pixel space (issue 6's real check).
//!
//! ```sh
//! cargo run --release -p flow-stages --example factor_information [-- quick|full|LIST [BASES]]
//! ```
//!
//! For `BASES` random faces (default 64) of the world and each active factor k, the factor is
//! swept over 9 evenly spaced values with every other factor held, and we report, averaged over
//! the faces:
//! - `L1`: Σ_pixels mean_v |x(v) − x̄| — the renderer's "pixel impact";
//! - `nats`: Σ_pixels mean_v KL(Bern(x(v)) ‖ Bern(x̄)) — what knowing k saves a Bernoulli decoder
//!   that knows every other factor (the reconstruction gain a β-VAE weighs against β·KL);
//! - `px`: pixels that change by more than 0.05 between the sweep's ends.
//!
//! Then, for every pair (j, k), the interaction Σ_pixels |x(1,1) − x(1,0) − x(0,1) + x(0,0)| of
//! the 2 × 2 corners (0.1 and 0.9), as a share of the smaller of the two main effects
//! Σ|x(1,·) − x(0,·)|: 0 when the two factors move pixels independently (their effects add), 1
//! when one factor's effect is as large as the interaction. Pairs above 10 % are printed.

use flow_stages::world::face_renderer::{FaceFactors, render};
use flow_stages::world::synthetic_faces::{active_factors, draw_factors};

const SIZE: usize = 64;
const SUPERSAMPLE: usize = 2;

fn bernoulli_kl(p: f32, q: f32) -> f64 {
    let (p, q) = (
        p.clamp(1e-4, 1.0 - 1e-4) as f64,
        q.clamp(1e-4, 1.0 - 1e-4) as f64,
    );
    p * (p / q).ln() + (1.0 - p) * ((1.0 - p) / (1.0 - q)).ln()
}

fn l1(a: &[f32], b: &[f32]) -> f64 {
    a.iter().zip(b).map(|(x, y)| (x - y).abs() as f64).sum()
}

fn main() {
    let mut args = std::env::args().skip(1);
    let spec = args.next().unwrap_or_else(|| "quick".into());
    let bases: usize = args
        .next()
        .map_or(64, |s| s.parse().expect("BASES is a count"));
    let names = active_factors(&spec).expect("a factor set");
    let faces: Vec<FaceFactors> = draw_factors(bases, &names, "uniform", 7);
    let values: Vec<f32> = (0..9).map(|i| i as f32 / 8.0).collect();

    println!("{bases} faces of the `{spec}` world, {SIZE} × {SIZE} (supersample {SUPERSAMPLE})");
    println!("{:<16} {:>8} {:>8} {:>6}", "factor", "L1", "nats", "px");
    for name in &names {
        let (mut sum_l1, mut sum_nats, mut sum_px) = (0.0, 0.0, 0.0);
        for f in &faces {
            let imgs: Vec<Vec<f32>> = values
                .iter()
                .map(|&v| render(&f.with(name, v), SIZE, SUPERSAMPLE))
                .collect();
            let mean: Vec<f32> = (0..SIZE * SIZE)
                .map(|p| imgs.iter().map(|im| im[p]).sum::<f32>() / imgs.len() as f32)
                .collect();
            for im in &imgs {
                sum_l1 += l1(im, &mean) / imgs.len() as f64;
                sum_nats += im
                    .iter()
                    .zip(&mean)
                    .map(|(&x, &m)| bernoulli_kl(x, m))
                    .sum::<f64>()
                    / imgs.len() as f64;
            }
            let (lo, hi) = (&imgs[0], &imgs[imgs.len() - 1]);
            sum_px += lo
                .iter()
                .zip(hi)
                .filter(|(a, b)| (*a - *b).abs() > 0.05)
                .count() as f64;
        }
        let n = faces.len() as f64;
        println!(
            "{name:<16} {:>8.1} {:>8.1} {:>6.0}",
            sum_l1 / n,
            sum_nats / n,
            sum_px / n
        );
    }

    println!("\ninteractions above 10 % (Σ|second difference| / smaller main effect):");
    let (a, b) = (0.1f32, 0.9f32);
    for j in 0..names.len() {
        for k in j + 1..names.len() {
            let (mut inter, mut ej, mut ek) = (0.0, 0.0, 0.0);
            for f in &faces {
                let at = |vj: f32, vk: f32| {
                    render(&f.with(names[j], vj).with(names[k], vk), SIZE, SUPERSAMPLE)
                };
                let (x00, x01, x10, x11) = (at(a, a), at(a, b), at(b, a), at(b, b));
                inter += (0..SIZE * SIZE)
                    .map(|p| (x11[p] - x10[p] - x01[p] + x00[p]).abs() as f64)
                    .sum::<f64>();
                ej += 0.5 * (l1(&x10, &x00) + l1(&x11, &x01));
                ek += 0.5 * (l1(&x01, &x00) + l1(&x11, &x10));
            }
            let share = inter / ej.min(ek);
            if share > 0.10 {
                println!(
                    "  {:<16} × {:<16} {:>5.0} %  (Σ|Δ²| {:.1} per face)",
                    names[j],
                    names[k],
                    100.0 * share,
                    inter / faces.len() as f64
                );
            }
        }
    }
}
