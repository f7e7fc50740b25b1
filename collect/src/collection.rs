//! Several stages' tables as one: the first stage's rows, with each further stage joined on the
//! sweep coordinates they share (a left join: every row of the first stage stays, with nulls
//! where another stage has no matching node). With several stages, every column but the
//! coordinates is prefixed by its stage (`align.alignment`, `lasso.node`), so nothing collides.

use polars::prelude::*;

use crate::error::CollectError;
use crate::stage_table::StageTable;

/// The joined table and the names of its coordinate columns.
#[derive(Debug)]
pub struct Collection {
    pub frame: DataFrame,
    pub coords: Vec<String>,
}

impl Collection {
    pub fn join(tables: Vec<StageTable>) -> Result<Collection, CollectError> {
        let several = tables.len() > 1;
        let mut tables = tables.into_iter();
        let Some(first) = tables.next() else {
            return Ok(Collection {
                frame: DataFrame::empty(),
                coords: Vec::new(),
            });
        };
        let mut coords = first.coords.clone();
        let mut left_stage = first.stage.clone();
        let mut frame = prefixed(first, several)?;
        for table in tables {
            let shared: Vec<String> = table
                .coords
                .iter()
                .filter(|c| coords.contains(c))
                .cloned()
                .collect();
            if shared.is_empty() {
                return Err(CollectError::NoSharedCoordinates {
                    left: left_stage,
                    right: table.stage.clone(),
                    left_coords: listed(&coords),
                    right_coords: listed(&table.coords),
                });
            }
            // Equal coordinates may be typed differently (4 and 4.0): compare as the left's type.
            let mut right = table.frame.clone();
            for c in &shared {
                let dtype = frame.column(c)?.dtype().clone();
                if right.column(c)?.dtype() != &dtype {
                    let cast = right.column(c)?.cast(&dtype)?;
                    right.with_column(cast)?;
                }
            }
            for c in &table.coords {
                if !coords.contains(c) {
                    coords.push(c.clone());
                }
            }
            let stage = table.stage.clone();
            let right = prefixed(
                StageTable {
                    frame: right,
                    ..table
                },
                several,
            )?;
            let on: Vec<Expr> = shared.iter().map(|c| col(c.as_str())).collect();
            frame = frame
                .lazy()
                .join(
                    right.lazy(),
                    on.clone(),
                    on,
                    JoinArgs::new(JoinType::Left).with_coalesce(JoinCoalesce::CoalesceColumns),
                )
                .collect()?;
            left_stage = format!("{left_stage}, {stage}");
        }
        Ok(Collection { frame, coords })
    }
}

/// The table with every non-coordinate column renamed `stage.column` (when `several`).
fn prefixed(table: StageTable, several: bool) -> Result<DataFrame, CollectError> {
    let mut frame = table.frame;
    if several {
        let names: Vec<String> = frame
            .get_column_names()
            .iter()
            .map(|n| n.to_string())
            .filter(|n| !table.coords.contains(n))
            .collect();
        for name in names {
            frame.rename(&name, format!("{}.{name}", table.stage).into())?;
        }
    }
    Ok(frame)
}

fn listed(names: &[String]) -> String {
    if names.is_empty() {
        "none".into()
    } else {
        names.join(", ")
    }
}
