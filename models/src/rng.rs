//! The random streams of training: flow's one generator ([`flow_numeric::rng`]) keyed by
//! (seed, purpose, index). A draw never depends on how many draws came before it in another
//! purpose, and the draws of step k depend only on k: resuming at step k needs no generator
//! state in the checkpoint.

use flow_numeric::rng::Rng;

/// What a stream is for; its value is the generator's stream number.
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

impl Purpose {
    /// The generator of this purpose for (seed, index).
    pub fn rng(self, seed: u64, index: u64) -> Rng {
        Rng::keyed(seed, self as u64, index)
    }
}
