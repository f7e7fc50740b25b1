//! The report's shared-feature section (Lappe et al. 2024; docs/METHODS.md §10): per world, the
//! overlay sheet of the first `shared-features` node and the `saliency-check` summary (does each
//! map method put its mass on the planted face part, against chance?).

use arrow_array::RecordBatch;
use arrow_array::cast::AsArray;
use flow_engine::Artifact;
use flow_engine::artifact::InputArtifact;

use crate::report::page::{Section, short};
use crate::table::f64_column;

/// The section for `world`, or `None` when neither input has anything for it.
pub fn section(
    world: &str,
    sheets: &[&InputArtifact],
    checks: &[&InputArtifact],
) -> Option<Section> {
    if sheets.is_empty() && checks.is_empty() {
        return None;
    }
    let mut s = Section::new(
        &format!("shared-features-{world}"),
        &format!("Shared features — why objects drive face neurons ({world})"),
    );
    s.note(
        "Each row: an object that drives the neuron | its shared-feature map (parallel backpropagation with the reference face) | \
         the reference face whose contributions to the neuron are most like the object's | its map | the object's plain gradient map of the neuron's prediction.",
    );
    for sheet in sheets.iter().take(1) {
        if let Artifact::Files(dir) = &sheet.artifact
            && let Ok(png) = std::fs::read(dir.join("sheet.png"))
        {
            s.image(&format!("shared-feature maps ({})", sheet.node), &png);
        }
    }
    for check in checks.iter().take(1) {
        if let Artifact::Table(t) = &check.artifact
            && let Some(rows) = summary_rows(t)
        {
            s.note(&format!(
                "Check ({}): fraction of positive map mass inside the planted part's mask and pointing-game hits, against the mask's area fraction (chance); p: paired t-test of mass − chance, one-sided binomial test of hits; mass − gradient's: the method's mass minus the plain gradient's on the same objects, paired t-test.",
                check.node
            ));
            s.table(
                &format!("saliency-check-{world}"),
                &[
                    "group",
                    "method",
                    "n",
                    "chance",
                    "mass",
                    "p",
                    "pointing",
                    "p",
                    "mass − gradient's",
                    "p",
                    "mean r̂",
                ],
                &rows,
            );
        }
    }
    Some(s)
}

fn summary_rows(t: &RecordBatch) -> Option<Vec<Vec<String>>> {
    let text = |name: &str| -> Option<Vec<String>> {
        let c = t.column_by_name(name)?.as_string_opt::<i32>()?;
        Some(
            c.iter()
                .map(|v| v.unwrap_or_default().to_string())
                .collect(),
        )
    };
    let num = |name: &str| f64_column(t, name, "saliency_check").ok();
    let (group, method) = (text("group")?, text("method")?);
    let [n, chance, mass, mass_p, pointing, pointing_p, vs, vs_p, r] = [
        "n",
        "chance",
        "mass",
        "mass_p",
        "pointing",
        "pointing_p",
        "vs_gradient",
        "vs_gradient_p",
        "r_object",
    ]
    .map(num);
    let (n, chance, mass, mass_p, pointing, pointing_p, vs, vs_p, r) = (
        n?,
        chance?,
        mass?,
        mass_p?,
        pointing?,
        pointing_p?,
        vs?,
        vs_p?,
        r?,
    );
    Some(
        (0..t.num_rows())
            .map(|i| {
                vec![
                    group[i].clone(),
                    method[i].clone(),
                    format!("{}", n[i]),
                    short(Some(chance[i])),
                    short(Some(mass[i])),
                    short(Some(mass_p[i])),
                    short(Some(pointing[i])),
                    short(Some(pointing_p[i])),
                    short(Some(vs[i])),
                    short(Some(vs_p[i])),
                    short(Some(r[i])),
                ]
            })
            .collect(),
    )
}
