//! Numerics of the analysis stages that are not stages themselves: the exact Lasso path, the
//! rectangular linear sum assignment, Spearman correlation, the Student t distribution, and
//! small statistics on slices.

pub mod lasso_path;
pub mod lsap;
pub mod moments;
pub mod rng;
pub mod spearman;
pub mod student_t;
