//! The virtual face patch (DESIGN.md §2 "Data"): synthetic faces with known generative factors,
//! model neurons with a chosen ground-truth code, the paper's image splits, and the import of
//! real images and tables about them with every id checked.

pub mod face_renderer;
pub mod factor_information;
pub mod image_folder;
pub mod import_image_data;
pub mod rng;
pub mod split;
pub mod synthetic_faces;
pub mod synthetic_neurons;
pub mod synthetic_objects;
pub mod tables;

use flow_engine::StageError;

/// Checks the rendering params the synthetic image stages share: `size` (pixels per side) in
/// [8, 1024] and `supersample` in [1, 8].
pub fn check_canvas(size: i64, supersample: i64) -> Result<(), StageError> {
    if !(8..=1024).contains(&size) {
        return Err(StageError::param(
            "size",
            format!("must be in [8, 1024], got {size}"),
        ));
    }
    if !(1..=8).contains(&supersample) {
        return Err(StageError::param(
            "supersample",
            format!("must be in [1, 8], got {supersample}"),
        ));
    }
    Ok(())
}
