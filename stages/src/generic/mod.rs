//! Generic stage kinds: importing tables, and small arithmetic kinds that the engine's own
//! end-to-end tests (and the smoke pipeline) use to exercise sweeps, gathers, early cutoff,
//! failures, slow nodes and cancellation without any science.

pub mod clip;
pub mod constant;
pub mod describe;
pub mod import;
pub mod import_files;
pub mod import_json;
pub mod sum;
