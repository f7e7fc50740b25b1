//! The paper's baseline models (Higgins et al. 2021, Online methods, "Baseline models"): each
//! writes its units the way `train` writes latents — an `image_id` + `u00 …` table over every
//! image it was given — so `lasso-ve`, `alignment`, `corr-ratio`, `decode` and `stats` take
//! them unchanged. So far: PCA (`pca` fits the axes once, `pca-units` projects on the first N)
//! ICA (`ica`, FastICA), the active appearance model (`aam`) and random unit subsets
//! (`unit-subsets`, VGG (raw)) and VGG-Face's fc7 (`vgg-face`, with the user's weights); model
//! selection is `analysis::select`.

pub mod aam;
pub mod data;
pub mod ica;
pub mod pca;
pub mod pca_units;
pub mod unit_subsets;
pub mod vgg_face;
