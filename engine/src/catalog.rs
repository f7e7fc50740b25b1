//! The catalog of stage kinds a pipeline may use, by name. The engine is handed a catalog; it
//! never names a stage kind itself.

use std::collections::BTreeMap;
use std::sync::Arc;

use crate::stage::StageKind;

#[derive(Clone, Default)]
pub struct Catalog {
    kinds: BTreeMap<&'static str, Arc<dyn StageKind>>,
}

impl Catalog {
    pub fn new() -> Self {
        Catalog::default()
    }

    pub fn register(&mut self, kind: impl StageKind + 'static) {
        self.kinds.insert(kind.name(), Arc::new(kind));
    }

    pub fn get(&self, name: &str) -> Option<&Arc<dyn StageKind>> {
        self.kinds.get(name)
    }

    pub fn names(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.kinds.keys().copied()
    }

    pub fn iter(&self) -> impl Iterator<Item = &Arc<dyn StageKind>> {
        self.kinds.values()
    }
}
