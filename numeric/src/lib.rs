//! flow-numeric: the pure numerics behind flow's stages, with no arrow, burn or engine in
//! sight: the exact Lasso path, the rectangular linear sum assignment, principal and independent
//! components, Procrustes alignment, thin-plate splines and piecewise-affine warps (the AAM's), Spearman and Pearson
//! correlation, the Student t distribution, small statistics on slices, and flow's one seeded
//! random number generator. Each is tested here on its own.

pub mod ica;
pub mod lanczos;
pub mod lasso_path;
pub mod lsap;
pub mod moments;
pub mod pca;
pub mod piecewise_affine;
pub mod procrustes;
pub mod rng;
pub mod spearman;
pub mod student_t;
pub mod thin_plate;
