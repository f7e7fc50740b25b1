//! The inputs of the Lasso VE computation: read, their rows matched to the responses' (by
//! `image_id` or by position), checked before any work; and the informative-unit rule.

use faer::Mat;
use flow_engine::{Inputs, StageError};

use super::params::{LassoParams, Standardize};
use crate::matrix::{self, Labeled};

/// The inputs, rows already matched: units (n × p), responses (n × q), the split.
pub struct LassoData {
    pub units: Labeled,
    pub responses: Labeled,
    pub train: Vec<bool>,
    pub fold: Vec<i64>,
    pub informative: Option<Vec<bool>>,
}

/// Reads and matches the stage's inputs (rows of `units` and `split` looked up by the
/// responses' image ids, or by position). `units_port` names the port the units came from.
pub fn read_inputs(inputs: &Inputs, units_port: &str) -> Result<LassoData, StageError> {
    let responses = matrix::read_matrix(inputs.table("responses")?, "responses")?;
    let units = matrix::read_matrix(inputs.table(units_port)?, units_port)?;
    let units = matrix::align_to("responses", &responses, units_port, &units)?;
    let (train, fold) = read_cv_split(inputs.table("split")?, "split", &responses)?;
    let informative = if inputs.is_connected("informative") {
        Some(matrix::read_mask(
            inputs.table("informative")?,
            "informative",
            units.ncols(),
        )?)
    } else {
        None
    };
    Ok(LassoData {
        units,
        responses,
        train,
        fold,
        informative,
    })
}

/// The `train` and `fold` columns of a split, matched to the anchor's rows.
pub fn read_cv_split(
    split: &arrow_array::RecordBatch,
    port: &str,
    anchor: &Labeled,
) -> Result<(Vec<bool>, Vec<i64>), StageError> {
    let rows = matrix::split_rows(split, port, "responses", anchor)?;
    let fold = matrix::int_column(split, "fold", port)?.ok_or_else(|| {
        StageError::input(
            port,
            "has no `fold` column (the CV fold id of each training image)",
        )
    })?;
    let train = match matrix::bool_column(split, "train", port)? {
        Some(t) => t,
        None => fold.iter().map(|&f| f >= 0).collect(),
    };
    Ok((matrix::pick(&train, &rows), matrix::pick(&fold, &rows)))
}

/// Rows of the training and test images, and of each CV fold (fold ids in increasing order).
pub(super) type SplitRows = (Vec<usize>, Vec<usize>, Vec<Vec<usize>>);

/// Checks the inputs before any work; returns the split's rows.
pub(super) fn check_inputs(d: &LassoData, params: &LassoParams) -> Result<SplitRows, StageError> {
    let n = d.responses.nrows();
    let train: Vec<usize> = (0..n).filter(|&i| d.train[i]).collect();
    let test: Vec<usize> = (0..n).filter(|&i| !d.train[i]).collect();
    if test.is_empty() {
        return Err(StageError::input(
            "split",
            "has no test images (every image has train = true)",
        ));
    }
    if train.is_empty() {
        return Err(StageError::input("split", "has no training images"));
    }
    let mut ids: Vec<i64> = train.iter().map(|&i| d.fold[i]).collect();
    ids.sort_unstable();
    ids.dedup();
    if ids.len() < 2 {
        return Err(StageError::input(
            "split",
            format!(
                "has {} distinct fold id among the training images; cross-validation needs at least 2 folds",
                ids.len()
            ),
        ));
    }
    if params.se_ddof >= ids.len() {
        return Err(StageError::param(
            "se_ddof",
            format!("must be smaller than the number of folds ({})", ids.len()),
        ));
    }
    let folds: Vec<Vec<usize>> = ids
        .iter()
        .map(|&f| train.iter().copied().filter(|&i| d.fold[i] == f).collect())
        .collect();
    // Zero-variance neurons: over all images, and over the standardising images.
    matrix::reject_constant_columns(&d.responses, None, "responses", "neuron")?;
    if params.standardize == Standardize::Train {
        matrix::reject_constant_columns(&d.responses, Some(&train), "responses", "neuron")?;
    }
    if let Some(m) = &d.informative
        && m.len() != d.units.ncols()
    {
        return Err(StageError::input(
            "informative",
            format!(
                "has {} entries but `units` has {} columns",
                m.len(),
                d.units.ncols()
            ),
        ));
    }
    Ok((train, test, folds))
}

/// The informative-unit rule (METHODS §1.1).
pub fn informative_units(units: &Mat<f64>, var_threshold: f64) -> Vec<bool> {
    matrix::column_variances(units)
        .iter()
        .map(|&v| v >= var_threshold)
        .collect()
}
