//! The world's random numbers: portable, seeded, and identical on every machine.
//!
//! Everything random in the synthetic world comes from ChaCha8 (`rand_chacha`), seeded with
//! `SeedableRng::seed_from_u64(seed)` and split into independent *streams* (`set_stream`) per
//! purpose, so that, e.g., changing the number of CV folds of `split` does not change which
//! faces are held out. Uniform floats are built from the generator's 64-bit words by hand (the
//! top 53 bits, as in every standard library), and every transcendental function goes through
//! the `libm` crate (a Rust port of musl's libm) rather than the platform's C library: together
//! that makes the bytes of a generated table identical on every machine and OS, not only on
//! this one.
//!
//! Poisson variates: inversion by sequential search for λ < 30 (Devroye 1986, *Non-Uniform
//! Random Variate Generation*, §X.3.3) and, above, the transformed-rejection method PTRS of
//! Hörmann (1993, *The transformed rejection method for generating Poisson random variables*,
//! Insurance: Mathematics and Economics 12:39–45), the algorithm numpy and `rand_distr` use.

use rand_chacha::ChaCha8Rng;
use rand_core::{Rng as _, SeedableRng};

/// Named streams, so that each purpose draws from its own independent sequence.
#[derive(Clone, Copy, Debug)]
#[repr(u64)]
pub enum Stream {
    Factors = 1,
    Tuning = 2,
    Spikes = 3,
    SplitMonkey = 4,
    SplitHeldout = 5,
    SplitLasso = 6,
    SplitFolds = 7,
    SplitClassifier = 8,
}

/// A seeded generator with the few distributions the world needs.
pub struct WorldRng(ChaCha8Rng);

impl WorldRng {
    pub fn new(seed: u64, stream: Stream) -> WorldRng {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        rng.set_stream(stream as u64);
        WorldRng(rng)
    }

    /// Uniform in [0, 1), 53 random bits.
    pub fn uniform(&mut self) -> f64 {
        (self.0.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    /// Uniform in [lo, hi).
    pub fn range(&mut self, lo: f64, hi: f64) -> f64 {
        lo + (hi - lo) * self.uniform()
    }

    /// Log-uniform in [lo, hi) (lo > 0).
    pub fn log_range(&mut self, lo: f64, hi: f64) -> f64 {
        libm::exp(self.range(libm::log(lo), libm::log(hi)))
    }

    /// Uniform integer in [0, n) (Lemire's nearly-divisionless method, exact).
    pub fn below(&mut self, n: u64) -> u64 {
        assert!(n > 0, "below(0)");
        let threshold = n.wrapping_neg() % n;
        loop {
            let x = self.0.next_u64();
            let m = (x as u128) * (n as u128);
            if (m as u64) >= threshold {
                return (m >> 64) as u64;
            }
        }
    }

    /// A fair coin.
    pub fn coin(&mut self) -> bool {
        self.0.next_u64() >> 63 == 1
    }

    /// Standard normal (Box–Muller, the cosine branch only, so one draw uses two uniforms).
    pub fn normal(&mut self) -> f64 {
        let u1 = 1.0 - self.uniform(); // (0, 1]
        let u2 = self.uniform();
        libm::sqrt(-2.0 * libm::log(u1)) * libm::cos(2.0 * std::f64::consts::PI * u2)
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

    /// A Poisson variate with mean `lambda` (≥ 0).
    pub fn poisson(&mut self, lambda: f64) -> u64 {
        if lambda <= 0.0 {
            return 0;
        }
        if lambda < 30.0 {
            // Inversion by sequential search.
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
        // PTRS (Hörmann 1993).
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
    fn streams_are_reproducible_and_independent() {
        let a: Vec<u64> = (0..5)
            .map(|_| WorldRng::new(7, Stream::Factors).below(1000))
            .collect();
        assert!(a.iter().all(|&v| v == a[0]));
        let mut x = WorldRng::new(7, Stream::Factors);
        let mut y = WorldRng::new(7, Stream::Spikes);
        let xs: Vec<f64> = (0..4).map(|_| x.uniform()).collect();
        let ys: Vec<f64> = (0..4).map(|_| y.uniform()).collect();
        assert_ne!(xs, ys);
    }

    #[test]
    fn poisson_has_the_right_mean_and_variance() {
        let mut rng = WorldRng::new(1, Stream::Spikes);
        for lambda in [0.5, 4.0, 25.0, 80.0] {
            let n = 40_000;
            let draws: Vec<f64> = (0..n).map(|_| rng.poisson(lambda) as f64).collect();
            let mean = draws.iter().sum::<f64>() / n as f64;
            let var = draws.iter().map(|d| (d - mean).powi(2)).sum::<f64>() / n as f64;
            assert!(
                (mean - lambda).abs() < 0.05 * lambda.max(1.0),
                "λ={lambda}: mean {mean}"
            );
            assert!(
                (var - lambda).abs() < 0.1 * lambda.max(1.0),
                "λ={lambda}: var {var}"
            );
        }
    }

    #[test]
    fn below_is_uniform_enough() {
        let mut rng = WorldRng::new(3, Stream::SplitFolds);
        let mut counts = [0usize; 10];
        for _ in 0..100_000 {
            counts[rng.below(10) as usize] += 1;
        }
        assert!(
            counts.iter().all(|&c| (9_500..10_500).contains(&c)),
            "{counts:?}"
        );
    }
}
