//! The random streams of training, each a ChaCha8 generator keyed by (seed, purpose, index).
//!
//! A draw never depends on how many draws came before it in another purpose, and the draws of
//! step k depend only on k: resuming at step k needs no generator state in the checkpoint.

use rand_chacha::ChaCha8Rng;
use rand_core::{Rng as _, SeedableRng};

/// What a stream is for; its value is the ChaCha stream id.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u64)]
pub enum Purpose {
    /// Parameter initialisation; index = the parameter's position in the network.
    Init = 1,
    /// The order of the training samples; index = the epoch.
    Order = 2,
    /// The reparameterisation noise ε ~ N(0, I); index = the step.
    Noise = 3,
    /// The noise of the evaluation's one-sample ELBO estimate; index = the batch.
    Evaluation = 4,
}

/// A generator for one (seed, purpose, index).
pub struct Stream(ChaCha8Rng);

impl Stream {
    pub fn new(seed: u64, purpose: Purpose, index: u64) -> Stream {
        // The 256-bit key holds seed and index, the stream id the purpose.
        let mut key = [0u8; 32];
        key[..8].copy_from_slice(&seed.to_le_bytes());
        key[8..16].copy_from_slice(&index.to_le_bytes());
        key[16..24].copy_from_slice(b"flow-nn\0");
        let mut rng = ChaCha8Rng::from_seed(key);
        rng.set_stream(purpose as u64);
        Stream(rng)
    }

    /// Uniform in [0, 1), 53 random bits.
    pub fn uniform(&mut self) -> f64 {
        (self.0.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    /// Uniform integer in [0, n) (Lemire's method, exact).
    pub fn below(&mut self, n: u64) -> u64 {
        assert!(n > 0, "below(0)");
        let threshold = n.wrapping_neg() % n;
        loop {
            let m = (self.0.next_u64() as u128) * (n as u128);
            if (m as u64) >= threshold {
                return (m >> 64) as u64;
            }
        }
    }

    /// `n` standard normal draws (Box–Muller, both branches), as f32.
    pub fn normals(&mut self, n: usize) -> Vec<f32> {
        let mut out = Vec::with_capacity(n + 1);
        while out.len() < n {
            let u1 = 1.0 - self.uniform(); // (0, 1]
            let u2 = self.uniform();
            let r = (-2.0 * u1.ln()).sqrt();
            let t = 2.0 * std::f64::consts::PI * u2;
            out.push((r * t.cos()) as f32);
            out.push((r * t.sin()) as f32);
        }
        out.truncate(n);
        out
    }

    /// A random permutation of 0..n (Fisher–Yates).
    pub fn permutation(&mut self, n: usize) -> Vec<usize> {
        let mut p: Vec<usize> = (0..n).collect();
        for i in (1..n).rev() {
            let j = self.below(i as u64 + 1) as usize;
            p.swap(i, j);
        }
        p
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn streams_differ_by_purpose_and_index_and_repeat_exactly() {
        let a = Stream::new(7, Purpose::Noise, 3).normals(5);
        assert_eq!(a, Stream::new(7, Purpose::Noise, 3).normals(5));
        assert_ne!(a, Stream::new(7, Purpose::Noise, 4).normals(5));
        assert_ne!(a, Stream::new(7, Purpose::Init, 3).normals(5));
        assert_ne!(a, Stream::new(8, Purpose::Noise, 3).normals(5));
    }

    #[test]
    fn normals_have_unit_variance() {
        let x = Stream::new(1, Purpose::Noise, 0).normals(100_000);
        let mean = x.iter().map(|&v| v as f64).sum::<f64>() / x.len() as f64;
        let var = x.iter().map(|&v| (v as f64 - mean).powi(2)).sum::<f64>() / x.len() as f64;
        assert!(mean.abs() < 0.02, "mean {mean}");
        assert!((var - 1.0).abs() < 0.02, "variance {var}");
    }

    #[test]
    fn permutation_is_a_permutation() {
        let mut p = Stream::new(3, Purpose::Order, 0).permutation(100);
        p.sort();
        assert_eq!(p, (0..100).collect::<Vec<_>>());
    }
}
