//! The `report` stage (stage.rs) and its parts: the claims it checks, the rows of `stats` it
//! reads, the SVG figures and the HTML page.

pub mod claims;
pub mod figures;
pub mod page;
pub mod shared_features;
pub mod stage;
pub mod stat_row;
