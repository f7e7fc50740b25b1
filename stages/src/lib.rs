//! flow-stages: the catalog of stage kinds, one file per kind.
//!
//! Each stage file opens with a doc comment citing what it implements (for the science stages,
//! the paper section and the docs/METHODS.md section) and documents every choice the source leaves
//! open; such choices are parameters with defaults. Stages never touch the cache: they get input
//! artifacts and return output artifacts through the engine's stage contract.

pub mod analysis;
pub mod baselines;
pub mod generic;
pub mod images;
pub mod matrix;
pub mod report;
pub mod table;
pub mod training;
pub mod world;

use flow_engine::Catalog;

/// Every core of this machine: the thread budget of the kinds that parallelise well (a pipeline
/// may lower it with `threads = n`).
pub fn every_core() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

/// Every stage kind this build of flow knows.
pub fn catalog() -> Catalog {
    let mut c = Catalog::new();
    c.register(generic::import::Import);
    c.register(generic::import_json::ImportJson);
    c.register(generic::import_files::ImportFiles);
    c.register(generic::constant::Constant);
    c.register(generic::clip::Clip);
    c.register(generic::sum::Sum);
    c.register(generic::describe::Describe);
    c.register(world::synthetic_faces::SyntheticFaces);
    c.register(world::synthetic_objects::SyntheticObjects);
    c.register(world::synthetic_neurons::SyntheticNeurons);
    c.register(world::split::Split);
    c.register(world::image_folder::ImageFolder);
    c.register(world::import_image_data::ImportImageData);
    c.register(analysis::lasso_ve::LassoVe);
    c.register(analysis::ve_filter::VeFilter);
    c.register(analysis::alignment::Alignment);
    c.register(analysis::udr::Udr);
    c.register(analysis::select::Select);
    c.register(analysis::mixture::Mixture);
    c.register(analysis::neuron_subsets::NeuronSubsets);
    c.register(analysis::corr_ratio::CorrRatio);
    c.register(analysis::decode::Decode);
    c.register(analysis::shared_features::SharedFeatures);
    c.register(analysis::saliency_check::SaliencyCheck);
    c.register(analysis::welch::WelchTest);
    c.register(analysis::stats::Stats);
    c.register(training::train::Train);
    c.register(training::traversals::Traversals);
    c.register(baselines::pca::PcaBasis);
    c.register(baselines::pca_units::PcaUnits);
    c.register(baselines::ica::IcaUnits);
    c.register(baselines::unit_subsets::UnitSubsets);
    c.register(baselines::aam::Aam);
    c.register(baselines::vgg_face::VggFace);
    c.register(report::stage::Report);
    c
}
