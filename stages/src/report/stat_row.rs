//! One row of a `stats` table (stages/src/analysis/stats.rs), read back from its Arrow table.

use arrow_array::{Array, Float64Array, Int64Array, RecordBatch, StringArray};
use flow_engine::StageError;

/// A test between two classes: Welch's t (statistic = t) or Spearman's ρ (statistic = ρ).
#[derive(Clone, Debug, PartialEq)]
pub struct StatRow {
    pub test: String,
    pub metric: String,
    pub class_a: String,
    pub class_b: String,
    pub n_a: i64,
    pub n_b: i64,
    pub mean_a: Option<f64>,
    pub mean_b: Option<f64>,
    pub statistic: Option<f64>,
    pub df: Option<f64>,
    pub p: Option<f64>,
}

impl StatRow {
    /// The same test with its classes in the other order (t changes sign; ρ does not).
    pub fn swapped(&self) -> StatRow {
        let statistic = if self.test == "welch" {
            self.statistic.map(|t| -t)
        } else {
            self.statistic
        };
        StatRow {
            test: self.test.clone(),
            metric: self.metric.clone(),
            class_a: self.class_b.clone(),
            class_b: self.class_a.clone(),
            n_a: self.n_b,
            n_b: self.n_a,
            mean_a: self.mean_b,
            mean_b: self.mean_a,
            statistic,
            df: self.df,
            p: self.p,
        }
    }

    /// Every row of a `stats` result table.
    pub fn read_all(table: &RecordBatch, port: &str) -> Result<Vec<StatRow>, StageError> {
        let column = |name: &str| {
            table.column_by_name(name).ok_or_else(|| {
                StageError::input(port, format!("not a `stats` table: no column `{name}`"))
            })
        };
        let text = |name: &str| -> Result<&StringArray, StageError> {
            column(name)?
                .as_any()
                .downcast_ref::<StringArray>()
                .ok_or_else(|| StageError::input(port, format!("column `{name}` is not text")))
        };
        let int = |name: &str| -> Result<&Int64Array, StageError> {
            column(name)?
                .as_any()
                .downcast_ref::<Int64Array>()
                .ok_or_else(|| StageError::input(port, format!("column `{name}` is not int64")))
        };
        let num = |name: &str| -> Result<&Float64Array, StageError> {
            column(name)?
                .as_any()
                .downcast_ref::<Float64Array>()
                .ok_or_else(|| StageError::input(port, format!("column `{name}` is not float64")))
        };
        let (test, metric, class_a, class_b) = (
            text("test")?,
            text("metric")?,
            text("class_a")?,
            text("class_b")?,
        );
        let (n_a, n_b) = (int("n_a")?, int("n_b")?);
        let (mean_a, mean_b, statistic, df, p) = (
            num("mean_a")?,
            num("mean_b")?,
            num("statistic")?,
            num("df")?,
            num("p")?,
        );
        let opt = |a: &Float64Array, i: usize| (!a.is_null(i)).then(|| a.value(i));
        Ok((0..table.num_rows())
            .map(|i| StatRow {
                test: test.value(i).to_string(),
                metric: metric.value(i).to_string(),
                class_a: class_a.value(i).to_string(),
                class_b: class_b.value(i).to_string(),
                n_a: n_a.value(i),
                n_b: n_b.value(i),
                mean_a: opt(mean_a, i),
                mean_b: opt(mean_b, i),
                statistic: opt(statistic, i),
                df: opt(df, i),
                p: opt(p, i),
            })
            .collect())
    }
}
