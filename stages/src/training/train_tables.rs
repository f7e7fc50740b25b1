//! The `train` stage's tables: the classifier's instances read from its `classifier` input, and
//! the `latents`, `kl` and `curve` outputs built from a trained model.

use std::sync::Arc;

use arrow_array::cast::AsArray;
use arrow_array::types::Int32Type;
use arrow_array::{ArrayRef, Float64Array, RecordBatch, StringArray, UInt64Array};
use arrow_schema::{DataType, Field, Schema};
use flow_engine::StageError;
use flow_models::CurvePoint;

use crate::images::ImageSet;
use crate::training::model_files::{self, Translated};

/// The classifier's instances by role, from the `classifier` table.
pub(super) fn classifier_sets<'a>(
    table: &RecordBatch,
    images: &'a ImageSet,
) -> Result<(Translated<'a>, Translated<'a>, Translated<'a>, usize), StageError> {
    let port = "classifier";
    // One row per translated instance: ids repeat, so no uniqueness check here.
    let ids = table
        .column_by_name("image_id")
        .and_then(|c| c.as_string_opt::<i32>())
        .ok_or_else(|| StageError::input(port, "needs a text column `image_id`"))?;
    let int = |name: &str| -> Result<Vec<i32>, StageError> {
        let col = table
            .column_by_name(name)
            .ok_or_else(|| StageError::input(port, format!("has no column `{name}`")))?;
        let a = col.as_primitive_opt::<Int32Type>().ok_or_else(|| {
            StageError::input(
                port,
                format!("column `{name}` must be Int32, found {}", col.data_type()),
            )
        })?;
        Ok(a.values().to_vec())
    };
    let (label, dx, dy) = (int("label")?, int("dx")?, int("dy")?);
    let role_col = table
        .column_by_name("role")
        .ok_or_else(|| StageError::input(port, "has no column `role`"))?;
    let role = role_col
        .as_string_opt::<i32>()
        .ok_or_else(|| StageError::input(port, "column `role` must be text"))?;
    let index: std::collections::HashMap<&str, usize> = images
        .ids
        .iter()
        .enumerate()
        .map(|(i, id)| (id.as_str(), i))
        .collect();
    let mut sets = [Vec::new(), Vec::new(), Vec::new()];
    let mut classes = 0usize;
    for row in 0..table.num_rows() {
        let id = ids.value(row);
        let k = *index.get(id).ok_or_else(|| {
            StageError::input(
                port,
                format!("row {row}: image `{id}` is not among the `images`"),
            )
        })?;
        if label[row] < 0 {
            return Err(StageError::input(
                port,
                format!("row {row}: negative label {}", label[row]),
            ));
        }
        let slot = match role.value(row) {
            "train" => 0,
            "validation" => 1,
            "test" => 2,
            other => {
                return Err(StageError::input(
                    port,
                    format!("row {row}: role `{other}` (expected train, validation or test)"),
                ));
            }
        };
        classes = classes.max(label[row] as usize + 1);
        sets[slot].push((k, dx[row], dy[row], label[row] as usize));
    }
    for (slot, name) in [(0, "train"), (1, "validation")] {
        if sets[slot].is_empty() {
            return Err(StageError::input(port, format!("has no `{name}` rows")));
        }
    }
    let [train, validation, test] = sets;
    Ok((
        Translated {
            set: images,
            rows: train,
        },
        Translated {
            set: images,
            rows: validation,
        },
        Translated {
            set: images,
            rows: test,
        },
        classes,
    ))
}

/// A Float64 column that may hold nulls.
fn nullable(values: Vec<Option<f64>>) -> ArrayRef {
    Arc::new(Float64Array::from(values))
}

/// The `latents` output: `image_id` and `z00 … z{N−1}`, one row per image.
pub(super) fn latents_table(
    ids: &[String],
    z: &[f32],
    n: usize,
) -> Result<RecordBatch, StageError> {
    let mut fields = vec![Field::new("image_id", DataType::Utf8, false)];
    let mut columns: Vec<ArrayRef> = vec![Arc::new(StringArray::from(ids.to_vec()))];
    for j in 0..n {
        fields.push(Field::new(format!("z{j:02}"), DataType::Float64, false));
        let col: Vec<f64> = (0..ids.len()).map(|i| z[i * n + j] as f64).collect();
        columns.push(Arc::new(Float64Array::from(col)));
    }
    RecordBatch::try_new(Arc::new(Schema::new(fields)), columns)
        .map_err(|e| StageError::failed(format!("latents table: {e}")))
}

/// The `kl` output: per latent, `kl`, its mean KL(q(z|x) ‖ p(z)) over the `encode` images (VAEs;
/// `None` gives a null column), and `variance`, the variance (ddof 0) of its means `z` over them.
pub(super) fn kl_table(kl: Option<&[f64]>, z: &[f32], n: usize) -> Result<RecordBatch, StageError> {
    let variance: Vec<Option<f64>> = model_files::latent_moments(z, n)
        .into_iter()
        .map(|(_, v)| Some(v))
        .collect();
    let kl_col: Vec<Option<f64>> = match kl {
        Some(k) => k.iter().map(|&v| Some(v)).collect(),
        None => vec![None; n],
    };
    RecordBatch::try_new(
        Arc::new(Schema::new(vec![
            Field::new("kl", DataType::Float64, true),
            Field::new("variance", DataType::Float64, false),
        ])),
        vec![nullable(kl_col), nullable(variance)],
    )
    .map_err(|e| StageError::failed(format!("kl table: {e}")))
}

/// The `curve` output: `step`, `loss`, `reconstruction`, `kl` and `validation_accuracy` of every
/// point of the training curve.
pub(super) fn curve_table(c: &[CurvePoint]) -> Result<RecordBatch, StageError> {
    RecordBatch::try_new(
        Arc::new(Schema::new(vec![
            Field::new("step", DataType::UInt64, false),
            Field::new("loss", DataType::Float64, false),
            Field::new("reconstruction", DataType::Float64, false),
            Field::new("kl", DataType::Float64, true),
            Field::new("validation_accuracy", DataType::Float64, true),
        ])),
        vec![
            Arc::new(UInt64Array::from(
                c.iter().map(|p| p.step).collect::<Vec<_>>(),
            )),
            nullable(c.iter().map(|p| Some(p.loss)).collect()),
            nullable(c.iter().map(|p| Some(p.reconstruction)).collect()),
            nullable(c.iter().map(|p| p.kl).collect()),
            nullable(c.iter().map(|p| p.validation_accuracy).collect()),
        ],
    )
    .map_err(|e| StageError::failed(format!("curve table: {e}")))
}
