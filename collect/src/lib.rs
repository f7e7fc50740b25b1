//! flow-collect: a sweep's results as one table (`flow collect`), with polars.
//!
//! The binary gathers, for each stage named, its nodes from the plan — name, sweep
//! coordinates, cache key, status — and each cached node's result ([`NodeRecord`]). This crate
//! turns them into one polars table: typed coordinate columns and flattened scalar results per
//! stage ([`stage_table`]), the stages joined on their shared coordinates ([`Collection`]),
//! then filtered, summarised and sorted ([`Query`]) and printed or written ([`output`]). It
//! knows nothing of the cache or of any stage kind.

pub mod collection;
pub mod columns;
pub mod error;
pub mod output;
pub mod query;
pub mod record;
pub mod stage_table;

pub use collection::Collection;
pub use error::CollectError;
/// The polars flow-collect is built with, for the stages that build on its tables.
pub use polars;
pub use query::{Aggregate, Filter, Query, SortKey};
pub use record::NodeRecord;
pub use stage_table::{StageTable, stage_table};
