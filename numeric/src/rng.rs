//! flow's one random number generator: ChaCha8 (`rand_chacha`, a value-stable generator) with
//! the few distributions the project needs, written once, with libm's portable `log`, `sqrt`,
//! `sin` and `cos` (musl's, in Rust) so that the same seed gives the same bytes on every machine.
//!
//! Conventions, the same for every caller (the world, the analyses, training):
//! - uniform doubles take the top 53 bits of one `u64`: [0, 1);
//! - integers below n by Lemire's multiply-and-reject (exact, nearly division-free);
//! - normals by Box–Muller on (1 − u₁, u₂), both values used: the cosine one first, the sine one
//!   kept for the next call;
//! - shuffles by Fisher–Yates from the end.
//!
//! Three ways to seed it, one per kind of caller: [`Rng::seeded`] (one stream per node seed),
//! [`Rng::with_stream`] (a seed and a named purpose, e.g. the world's factors and spikes), and
//! [`Rng::keyed`] (a seed, a purpose and an index, e.g. training's noise of step k, so that a
//! resumed run needs no generator state).

use rand_chacha::ChaCha8Rng;
use rand_core::{Rng as _, SeedableRng};

/// A seeded generator.
pub struct Rng {
    chacha: ChaCha8Rng,
    /// The second value of the last Box–Muller pair, not yet returned.
    spare: Option<f64>,
}

impl Rng {
    /// One stream from a seed.
    pub fn seeded(seed: u64) -> Rng {
        Rng::from(ChaCha8Rng::seed_from_u64(seed))
    }

    /// The seed's stream number `stream`: purposes drawn from one seed never share draws.
    pub fn with_stream(seed: u64, stream: u64) -> Rng {
        let mut chacha = ChaCha8Rng::seed_from_u64(seed);
        chacha.set_stream(stream);
        Rng::from(chacha)
    }

    /// A generator for (seed, stream, index): the 256-bit key holds the seed, the index and the
    /// tag `flow-nn`; the stream number is the purpose.
    pub fn keyed(seed: u64, stream: u64, index: u64) -> Rng {
        let mut key = [0u8; 32];
        key[..8].copy_from_slice(&seed.to_le_bytes());
        key[8..16].copy_from_slice(&index.to_le_bytes());
        key[16..24].copy_from_slice(b"flow-nn\0");
        let mut chacha = ChaCha8Rng::from_seed(key);
        chacha.set_stream(stream);
        Rng::from(chacha)
    }

    fn from(chacha: ChaCha8Rng) -> Rng {
        Rng {
            chacha,
            spare: None,
        }
    }

    /// Uniform in [0, 1), 53 random bits.
    pub fn uniform(&mut self) -> f64 {
        (self.chacha.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    /// Uniform in [lo, hi).
    pub fn range(&mut self, lo: f64, hi: f64) -> f64 {
        lo + (hi - lo) * self.uniform()
    }

    /// Log-uniform in [lo, hi) (lo > 0).
    pub fn log_range(&mut self, lo: f64, hi: f64) -> f64 {
        libm::exp(self.range(libm::log(lo), libm::log(hi)))
    }

    /// Uniform integer in [0, n), n > 0.
    pub fn below(&mut self, n: u64) -> u64 {
        assert!(n > 0, "below(0)");
        let threshold = n.wrapping_neg() % n;
        loop {
            let m = (self.chacha.next_u64() as u128) * (n as u128);
            if (m as u64) >= threshold {
                return (m >> 64) as u64;
            }
        }
    }

    /// A fair coin.
    pub fn coin(&mut self) -> bool {
        self.chacha.next_u64() >> 63 == 1
    }

    /// A standard normal.
    pub fn normal(&mut self) -> f64 {
        if let Some(z) = self.spare.take() {
            return z;
        }
        let u1 = 1.0 - self.uniform(); // (0, 1]
        let u2 = self.uniform();
        let r = libm::sqrt(-2.0 * libm::log(u1));
        let t = 2.0 * std::f64::consts::PI * u2;
        self.spare = Some(r * libm::sin(t));
        r * libm::cos(t)
    }

    /// `n` standard normals as `f32` (training's noise and initialisation).
    pub fn normals_f32(&mut self, n: usize) -> Vec<f32> {
        (0..n).map(|_| self.normal() as f32).collect()
    }

    /// Fisher–Yates shuffle.
    pub fn shuffle<T>(&mut self, items: &mut [T]) {
        for i in (1..items.len()).rev() {
            let j = self.below(i as u64 + 1) as usize;
            items.swap(i, j);
        }
    }

    /// A random permutation of 0..n.
    pub fn permutation(&mut self, n: usize) -> Vec<usize> {
        let mut p: Vec<usize> = (0..n).collect();
        self.shuffle(&mut p);
        p
    }

    /// `k` distinct values of 0..n, in the order drawn (partial Fisher–Yates from the front).
    pub fn sample_without_replacement(&mut self, n: usize, k: usize) -> Vec<usize> {
        assert!(k <= n);
        let mut pool: Vec<usize> = (0..n).collect();
        for i in 0..k {
            let j = i + self.below((n - i) as u64) as usize;
            pool.swap(i, j);
        }
        pool.truncate(k);
        pool
    }

    /// A Poisson variate with mean `lambda` (≥ 0): inversion below 30, PTRS (Hörmann 1993)
    /// above.
    pub fn poisson(&mut self, lambda: f64) -> u64 {
        if lambda <= 0.0 {
            return 0;
        }
        if lambda < 30.0 {
            let mut k = 0u64;
            let mut p = libm::exp(-lambda);
            let mut cdf = p;
            let u = self.uniform();
            while u > cdf {
                k += 1;
                p *= lambda / k as f64;
                cdf += p;
                if p < 1e-300 && cdf < u {
                    // Unreachable for λ < 30 except through rounding: stop at the mode.
                    break;
                }
            }
            return k;
        }
        let slam = libm::sqrt(lambda);
        let loglam = libm::log(lambda);
        let b = 0.931 + 2.53 * slam;
        let a = -0.059 + 0.02483 * b;
        let inv_alpha = 1.1239 + 1.1328 / (b - 3.4);
        let vr = 0.9277 - 3.6224 / (b - 2.0);
        loop {
            let u = self.uniform() - 0.5;
            let v = self.uniform();
            let us = 0.5 - u.abs();
            let k = libm::floor((2.0 * a / us + b) * u + lambda + 0.43);
            if us >= 0.07 && v <= vr {
                return k as u64;
            }
            if k < 0.0 || (us < 0.013 && v > us) {
                continue;
            }
            let lhs = libm::log(v) + libm::log(inv_alpha) - libm::log(a / (us * us) + b);
            let rhs = -lambda + k * loglam - libm::lgamma(k + 1.0);
            if lhs <= rhs {
                return k as u64;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_seed_repeats_exactly_and_streams_differ() {
        let a: Vec<f64> = (0..50).map(|_| Rng::seeded(7).normal()).collect();
        assert!(a.iter().all(|&v| v == a[0]));
        let mut x = Rng::with_stream(7, 1);
        let mut y = Rng::with_stream(7, 3);
        assert_ne!(
            (0..4).map(|_| x.uniform()).collect::<Vec<_>>(),
            (0..4).map(|_| y.uniform()).collect::<Vec<_>>()
        );
        let k = Rng::keyed(7, 3, 3).normals_f32(5);
        assert_eq!(k, Rng::keyed(7, 3, 3).normals_f32(5));
        assert_ne!(k, Rng::keyed(7, 3, 4).normals_f32(5));
        assert_ne!(k, Rng::keyed(7, 1, 3).normals_f32(5));
        assert_ne!(k, Rng::keyed(8, 3, 3).normals_f32(5));
    }

    #[test]
    fn a_normal_pair_is_cosine_then_sine_of_one_uniform_pair() {
        let mut u = Rng::seeded(5);
        let (u1, u2) = (1.0 - u.uniform(), u.uniform());
        let r = libm::sqrt(-2.0 * libm::log(u1));
        let t = 2.0 * std::f64::consts::PI * u2;
        let mut z = Rng::seeded(5);
        assert_eq!(z.normal(), r * libm::cos(t));
        assert_eq!(z.normal(), r * libm::sin(t));
    }

    #[test]
    fn normals_have_mean_zero_and_unit_variance() {
        let x = Rng::keyed(1, 3, 0).normals_f32(100_000);
        let mean = x.iter().map(|&v| v as f64).sum::<f64>() / x.len() as f64;
        let var = x.iter().map(|&v| (v as f64 - mean).powi(2)).sum::<f64>() / x.len() as f64;
        assert!(mean.abs() < 0.02, "mean {mean}");
        assert!((var - 1.0).abs() < 0.02, "variance {var}");
    }

    #[test]
    fn poisson_has_the_right_mean_and_variance() {
        let mut rng = Rng::with_stream(1, 3);
        for lambda in [0.5, 4.0, 25.0, 80.0] {
            let n = 40_000;
            let draws: Vec<f64> = (0..n).map(|_| rng.poisson(lambda) as f64).collect();
            let mean = draws.iter().sum::<f64>() / n as f64;
            let var = draws.iter().map(|d| (d - mean).powi(2)).sum::<f64>() / n as f64;
            assert!(
                (mean - lambda).abs() < 0.05 * lambda.max(1.0),
                "λ={lambda}: {mean}"
            );
            assert!(
                (var - lambda).abs() < 0.1 * lambda.max(1.0),
                "λ={lambda}: {var}"
            );
        }
    }

    #[test]
    fn below_is_uniform_enough() {
        let mut rng = Rng::with_stream(3, 7);
        let mut counts = [0usize; 10];
        for _ in 0..100_000 {
            counts[rng.below(10) as usize] += 1;
        }
        assert!(
            counts.iter().all(|&c| (9_500..10_500).contains(&c)),
            "{counts:?}"
        );
    }

    #[test]
    fn permutations_and_samples_hold_each_value_once() {
        let mut p = Rng::seeded(3).permutation(100);
        p.sort();
        assert_eq!(p, (0..100).collect::<Vec<_>>());
        let mut s = Rng::seeded(3).sample_without_replacement(10, 10);
        s.sort();
        assert_eq!(s, (0..10).collect::<Vec<_>>());
    }
}
