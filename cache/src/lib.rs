//! `flow-cache`: the content-addressed store of flow's artifacts.
//!
//! An artifact is a directory of files keyed by a [`Digest`] of everything that went into
//! computing it. The store publishes artifacts atomically ([`Store::begin`] then
//! [`Store::publish`]), serialises writers of the same key with per-key file locks
//! ([`Store::lock`]), checks objects cheaply on read ([`Store::get`]) and thoroughly on demand
//! ([`Store::verify`]), and removes what is no longer wanted ([`Store::gc`]). It also memoises
//! the content hashes of imported files and folders ([`Store::hash_file`], [`Store::hash_dir`]).
//! Every other area of a cache directory — scratch space, the engine's records, generated
//! pipelines — is reached through a `Store` method too ([`areas`](Store::scratch)), so no other
//! crate joins paths onto the cache root.
//!
//! The cache works on files only: it never looks inside them. See `DESIGN.md` beside this
//! crate for the layout on disk and the atomicity and locking arguments.

mod areas;
mod digest;
mod error;
mod fsutil;
mod gc;
mod lock;
mod manifest;
mod staging;
mod stat_cache;
mod store;
mod verify;

pub use digest::Digest;
pub use error::CacheError;
pub use gc::{GcPolicy, GcReport, RemovedObject};
pub use lock::KeyLock;
pub use manifest::{FileRecord, Manifest, ManifestDraft, PortRecord};
pub use staging::Staging;
pub use store::{Lookup, Object, Store};
pub use verify::{UsageRow, VerifyIssue};
