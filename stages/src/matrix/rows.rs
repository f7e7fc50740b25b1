//! Row matching: the rows of an input that hold the anchor's images, looked up by `image_id` when
//! both tables carry it, else by position (the row counts must agree).

use std::collections::HashMap;

use arrow_array::RecordBatch;
use flow_engine::StageError;

use super::labeled::Labeled;
use crate::table::{IMAGE_ID, image_ids};

/// For each row of the anchor, the row of `other` holding the same image: by `image_id` when
/// both have ids, else by position (row counts must agree).
pub fn align_rows(
    anchor_port: &str,
    anchor_ids: Option<&[String]>,
    anchor_rows: usize,
    other_port: &str,
    other_ids: Option<&[String]>,
    other_rows: usize,
) -> Result<Vec<usize>, StageError> {
    match (anchor_ids, other_ids) {
        (Some(a), Some(o)) => {
            let index: HashMap<&str, usize> = o
                .iter()
                .enumerate()
                .map(|(r, id)| (id.as_str(), r))
                .collect();
            a.iter()
                .map(|id| {
                    index.get(id.as_str()).copied().ok_or_else(|| {
                        StageError::input(
                            other_port,
                            format!("has no row for image `{id}` (which `{anchor_port}` has)"),
                        )
                    })
                })
                .collect()
        }
        _ => {
            if other_rows != anchor_rows {
                return Err(StageError::input(
                    other_port,
                    format!(
                        "has {other_rows} rows but `{anchor_port}` has {anchor_rows} (rows align by position unless both have an `{IMAGE_ID}` column)"
                    ),
                ));
            }
            Ok((0..anchor_rows).collect())
        }
    }
}

/// `other` with its rows matched to the anchor's (see [`align_rows`]).
pub fn align_to(
    anchor_port: &str,
    anchor: &Labeled,
    other_port: &str,
    other: &Labeled,
) -> Result<Labeled, StageError> {
    let rows = align_rows(
        anchor_port,
        anchor.ids.as_deref(),
        anchor.nrows(),
        other_port,
        other.ids.as_deref(),
        other.nrows(),
    )?;
    Ok(other.take_rows(&rows))
}

/// The rows of a split table matched to the anchor's images (by `image_id` when both have ids,
/// else by position).
pub fn split_rows(
    split: &RecordBatch,
    port: &str,
    anchor_port: &str,
    anchor: &Labeled,
) -> Result<Vec<usize>, StageError> {
    let ids = image_ids(split, port)?;
    align_rows(
        anchor_port,
        anchor.ids.as_deref(),
        anchor.nrows(),
        port,
        ids.as_deref(),
        split.num_rows(),
    )
}

/// `values` at `rows`, in that order.
pub fn pick<T: Clone>(values: &[T], rows: &[usize]) -> Vec<T> {
    rows.iter().map(|&r| values[r].clone()).collect()
}
