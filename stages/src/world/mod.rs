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
