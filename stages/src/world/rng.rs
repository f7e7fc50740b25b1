//! The world's random streams: every draw of the synthetic world comes from flow's one
//! generator ([`flow_numeric::rng`], portable ChaCha8 with libm's functions: identical bytes on
//! every machine), seeded with the node's seed and split into an independent *stream* per
//! purpose, so that, e.g., changing the number of CV folds of `split` does not change which faces
//! are held out.
//!
//! Poisson variates (spikes) are `Rng::poisson`: inversion by sequential search for λ < 30
//! (Devroye 1986, *Non-Uniform Random Variate Generation*, §X.3.3) and, above, the
//! transformed-rejection method PTRS of Hörmann (1993, *Insurance: Mathematics and Economics*
//! 12:39–45), the algorithm numpy and `rand_distr` use.

use flow_numeric::rng::Rng;

/// Named streams of a node's seed, so that each purpose draws from its own independent sequence.
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
    ObjectShapes = 9,
    ObjectParts = 10,
}

impl Stream {
    /// The generator of this purpose for `seed`.
    pub fn rng(self, seed: u64) -> Rng {
        Rng::with_stream(seed, self as u64)
    }
}
