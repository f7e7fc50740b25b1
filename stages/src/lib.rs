//! flow-stages: the catalog of stage kinds, one file per kind.
//!
//! Each stage file opens with a doc comment citing what it implements (for the science stages,
//! the paper section and the METHODS.md section) and documents every choice the source leaves
//! open; such choices are parameters with defaults. Stages never touch the cache: they get input
//! artifacts and return output artifacts through the engine's stage contract.

pub mod generic;
pub mod table;

use flow_engine::Catalog;

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
    c
}
