//! The stages that train and use neural networks (Higgins et al. 2021, "Model details",
//! "Baseline models"; Fig. 1c): `train` and `traversals`. The networks themselves, their
//! objectives and the training loop live in the flow-models crate (burn).

pub mod device;
pub mod model_files;
pub mod train;
mod train_tables;
pub mod traversals;
