//! The analysis stages of Higgins et al. 2021 (Online methods, "Model selection" to
//! "Statistical tests"), exactly as docs/METHODS.md fixes them: one file per stage kind. Tables are
//! read through [`crate::matrix`]; numerics that are not stages live in the `flow-numeric` crate.

pub mod alignment;
pub mod corr_ratio;
pub mod decode;
pub mod lasso_ve;
pub mod mixture;
pub mod model_class;
pub mod neuron_subsets;
pub mod saliency_check;
pub mod select;
pub mod shared_features;
pub mod stats;
pub mod udr;
pub mod ve_filter;
pub mod welch;
