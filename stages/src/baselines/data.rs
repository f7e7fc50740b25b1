//! What a baseline is fitted on: an image table (each pixel a feature) or a units table
//! (`image_id` + one numeric column per unit, e.g. a network's activations), as one matrix with
//! its image ids and feature names.

use arrow_array::RecordBatch;
use faer::Mat;
use flow_engine::StageError;

use crate::images::ImageSet;
use crate::matrix::read_matrix;

/// Rows are images, columns features.
pub struct FeatureMatrix {
    pub ids: Vec<String>,
    pub features: Vec<String>,
    pub data: Mat<f64>,
}

impl FeatureMatrix {
    /// Reads an image table (it has a `pixels` column) or a units table arriving on `port`;
    /// every value checked, every error naming the port.
    pub fn from_table(batch: &RecordBatch, port: &str) -> Result<FeatureMatrix, StageError> {
        if batch.column_by_name("pixels").is_some() {
            let images = ImageSet::from_table(batch, port)?;
            let area = images.area();
            let data = Mat::from_fn(images.len(), area, |i, j| images.image(i)[j] as f64);
            return Ok(FeatureMatrix {
                ids: images.ids.clone(),
                features: pixel_names(area),
                data,
            });
        }
        let units = read_matrix(batch, port)?;
        let ids = units.ids.ok_or_else(|| {
            StageError::input(
                port,
                "has no column `image_id`: a units table is keyed by image id (or give an image table)",
            )
        })?;
        Ok(FeatureMatrix {
            ids,
            features: units.columns,
            data: units.data,
        })
    }

    /// Err unless `k` components fit in these rows and features (at most min(n, f)); `what`
    /// names the components and `param` the parameter asking for them.
    pub fn require_components(
        &self,
        k: usize,
        port: &str,
        what: &str,
        param: &str,
    ) -> Result<(), StageError> {
        let (n, f) = (self.nrows(), self.ncols());
        if k > n.min(f) {
            return Err(StageError::input(
                port,
                format!(
                    "has {n} images × {f} features: at most {} {what}, {param} = {k}",
                    n.min(f)
                ),
            ));
        }
        Ok(())
    }

    pub fn nrows(&self) -> usize {
        self.data.nrows()
    }

    pub fn ncols(&self) -> usize {
        self.data.ncols()
    }
}

/// `px00000 … `: the feature names of an image's pixels, row-major.
pub fn pixel_names(area: usize) -> Vec<String> {
    (0..area).map(|j| format!("px{j:05}")).collect()
}

/// `PREFIX00 … PREFIX{n−1}`, zero-padded to at least two digits so the names sort in order.
pub fn numbered_names(prefix: &str, n: usize) -> Vec<String> {
    let digits = n.saturating_sub(1).to_string().len().max(2);
    (0..n).map(|j| format!("{prefix}{j:0digits$}")).collect()
}

/// `u00 … u{n−1}`: the unit columns every baseline writes.
pub fn unit_names(n: usize) -> Vec<String> {
    numbered_names("u", n)
}
