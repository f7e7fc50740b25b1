//! `neuron-subsets`: the alignment ceiling from subsets of the recorded neurons.
//!
//! Paper: Online methods, "Neuron subsets" and Results (Fig. 3b,c): "we first uniformly sampled
//! five values from N ∈ [10, 50] without replacement to indicate the size of the subsets. Then,
//! for each size value we sampled ten random neuron subsets without replacement, resulting in 50
//! neuron subsets in total"; the ceiling is "obtained by subsampling the neural data to match the
//! intrinsic dimensionality of the β-VAE latent representation and computing its alignment with
//! itself".
//!
//! Each subset of neurons plays the part of a model's units: `lasso-ve` (docs/METHODS.md §1) of the
//! full population (`targets`, by default the `responses` themselves) from the subset, then its
//! `alignment` (docs/METHODS.md §2). Against artificial mixtures (Fig. 3c) connect the mixture to
//! `targets` and set `zero_uninformative = false` and a 3-fold split, as for the models.
//!
//! Choices the paper leaves open, as params: the sizes are `n_sizes` (5) distinct integers
//! drawn uniformly from [`min_size`, `max_size`] = [10, 50] (capped at the number of neurons),
//! unless `sizes` lists them; `per_size` (10) subsets per size, each drawn without replacement
//! (sorted neuron indices); all draws from the node's seed (ChaCha8, [`flow_numeric::rng`]),
//! sizes first, then the subsets in size order. The Lasso and alignment params are those of
//! `lasso-ve` and `alignment`.
//!
//! Output `result` (JSON): `sizes`, `subsets` (neuron indices, one list per subset), `size`,
//! `alignment` and `ve_mean` (per subset), and `alignment_mean`.

use flow_engine::{
    ArtifactType, Inputs, Outputs, ParamSpec, ParamType, ParamValue, Params, PortSpec, RunContext,
    StageError, StageKind,
};
use serde_json::json;

use crate::analysis::alignment::{EntropyUnits, alignment};
use crate::analysis::lasso_ve::{self, LassoData, LassoParams};
use crate::matrix::{self, Labeled};
use flow_numeric::moments::mean;
use flow_numeric::rng::Rng;

/// The subset sizes and the subsets, drawn as the module doc says.
pub fn draw_subsets(
    n_neurons: usize,
    sizes: Option<Vec<usize>>,
    n_sizes: usize,
    per_size: usize,
    min: usize,
    max: usize,
    seed: u64,
) -> Result<(Vec<usize>, Vec<Vec<usize>>), StageError> {
    let mut draws = Rng::seeded(seed);
    let sizes = match sizes {
        Some(s) => s,
        None => {
            let max = max.min(n_neurons);
            if min < 1 || min > max {
                return Err(StageError::param(
                    "min_size",
                    format!("the size range [{min}, {max}] is empty ({n_neurons} neurons)"),
                ));
            }
            let range = max - min + 1;
            if n_sizes > range {
                return Err(StageError::param(
                    "n_sizes",
                    format!("cannot draw {n_sizes} distinct sizes from [{min}, {max}]"),
                ));
            }
            draws
                .sample_without_replacement(range, n_sizes)
                .into_iter()
                .map(|k| k + min)
                .collect()
        }
    };
    if let Some(&bad) = sizes.iter().find(|&&s| s == 0 || s > n_neurons) {
        return Err(StageError::param(
            "sizes",
            format!("a subset of {bad} neurons is impossible with {n_neurons} neurons"),
        ));
    }
    let mut subsets = Vec::with_capacity(sizes.len() * per_size);
    for &size in &sizes {
        for _ in 0..per_size {
            let mut s = draws.sample_without_replacement(n_neurons, size);
            s.sort_unstable();
            subsets.push(s);
        }
    }
    Ok((sizes, subsets))
}

/// The params of [`draw_subsets`] (`n_sizes`, `per_size`, `min_size`, `max_size`, `sizes`),
/// shared by every kind that draws subsets; `max_size_doc` says what the largest size is capped at.
pub fn subset_specs(max_size_doc: &'static str) -> Vec<ParamSpec> {
    vec![
        ParamSpec::with_default(
            "n_sizes",
            ParamType::Int,
            ParamValue::Int(5),
            "how many distinct subset sizes to draw",
        ),
        ParamSpec::with_default(
            "per_size",
            ParamType::Int,
            ParamValue::Int(10),
            "subsets per size",
        ),
        ParamSpec::with_default(
            "min_size",
            ParamType::Int,
            ParamValue::Int(10),
            "smallest size drawn",
        ),
        ParamSpec::with_default(
            "max_size",
            ParamType::Int,
            ParamValue::Int(50),
            max_size_doc,
        ),
        ParamSpec::with_default(
            "sizes",
            ParamType::IntList,
            ParamValue::List(vec![]),
            "the sizes (instead of drawing them; empty = draw)",
        ),
    ]
}

pub struct NeuronSubsets;

/// `neuron-subsets`' own params; the Lasso params it shares with `lasso-ve` are read by
/// [`LassoParams`]. The counts are `i64` so that `check` can report values below 1; `run` relies
/// on the check.
#[derive(Debug, Clone, serde::Deserialize)]
struct NeuronSubsetsParams {
    entropy_units: EntropyUnits,
    n_sizes: i64,
    per_size: i64,
    min_size: i64,
    max_size: i64,
    /// Empty: draw the sizes.
    sizes: Vec<i64>,
}

impl StageKind for NeuronSubsets {
    fn name(&self) -> &'static str {
        "neuron-subsets"
    }

    fn version(&self) -> u32 {
        1
    }

    fn summary(&self) -> &'static str {
        "Alignment ceiling: lasso-ve + alignment of the population from random neuron subsets (paper: Neuron subsets)"
    }

    fn params(&self) -> Vec<ParamSpec> {
        let mut specs = LassoParams::specs();
        specs.extend([ParamSpec::with_default(
            "entropy_units",
            ParamType::Choice(&["all", "informative"]),
            ParamValue::Str("all".into()),
            "alignment's entropy base D",
        )]);
        specs.extend(subset_specs(
            "largest size drawn (capped at the number of neurons)",
        ));
        specs
    }

    fn inputs(&self) -> Vec<PortSpec> {
        vec![
            PortSpec::one(
                "responses",
                ArtifactType::Table,
                "the recorded neurons the subsets are drawn from, images × neurons",
            ),
            PortSpec::one(
                "split",
                ArtifactType::Table,
                "per image: `train` (bool) and `fold` (int), as for lasso-ve",
            ),
            PortSpec::one(
                "targets",
                ArtifactType::Table,
                "the responses to explain (default: `responses`; e.g. a mixture)",
            )
            .optional(),
        ]
    }

    fn outputs(&self) -> Vec<PortSpec> {
        vec![PortSpec::one(
            "result",
            ArtifactType::Json,
            "sizes, subsets, and alignment and ve_mean per subset",
        )]
    }

    fn threads(&self, _params: &Params) -> usize {
        crate::every_core()
    }

    fn check(
        &self,
        params: &Params,
        _connected: &flow_engine::ConnectedPorts,
    ) -> Result<(), StageError> {
        LassoParams::check(params)?;
        let p: NeuronSubsetsParams = params.parse()?;
        for (name, v) in [
            ("n_sizes", p.n_sizes),
            ("per_size", p.per_size),
            ("min_size", p.min_size),
            ("max_size", p.max_size),
        ] {
            if v < 1 {
                return Err(StageError::param(name, "must be ≥ 1"));
            }
        }
        Ok(())
    }

    fn run(&self, inputs: &Inputs, ctx: &RunContext) -> Result<Outputs, StageError> {
        let params = LassoParams::from_params(ctx.params())?;
        let p: NeuronSubsetsParams = ctx.params().parse()?;
        let entropy = p.entropy_units;
        let neurons = matrix::read_matrix(inputs.table("responses")?, "responses")?;
        // The responses explained: `targets` (rows matched to their images) or the neurons.
        let targets = if inputs.is_connected("targets") {
            let t = matrix::read_matrix(inputs.table("targets")?, "targets")?;
            let aligned = matrix::align_to("targets", &t, "responses", &neurons)?;
            (t, aligned)
        } else {
            (neurons.clone(), neurons.clone())
        };
        let (responses, source) = targets;
        let (train, fold) = lasso_ve::read_cv_split(inputs.table("split")?, "split", &responses)?;
        let sizes = if p.sizes.is_empty() {
            None
        } else {
            Some(
                p.sizes
                    .iter()
                    .map(|&x| {
                        usize::try_from(x).ok().filter(|&x| x > 0).ok_or_else(|| {
                            StageError::param("sizes", "must hold positive integers")
                        })
                    })
                    .collect::<Result<Vec<_>, _>>()?,
            )
        };
        let (sizes, subsets) = draw_subsets(
            source.ncols(),
            sizes,
            p.n_sizes as usize,
            p.per_size as usize,
            p.min_size as usize,
            p.max_size as usize,
            ctx.seed(),
        )?;
        let mut align = Vec::with_capacity(subsets.len());
        let mut ve = Vec::with_capacity(subsets.len());
        for (k, subset) in subsets.iter().enumerate() {
            ctx.check_cancelled()?;
            ctx.progress(k as u64, subsets.len() as u64, "subsets");
            let units = Labeled {
                data: matrix::take_cols(&source.data, subset),
                ids: source.ids.clone(),
                columns: subset.iter().map(|&j| source.columns[j].clone()).collect(),
            };
            let data = LassoData {
                units,
                responses: responses.clone(),
                train: train.clone(),
                fold: fold.clone(),
                informative: None,
            };
            let r = lasso_ve::compute(&data, &params, &|| ctx.is_cancelled())?;
            let a = alignment(&r.coef, Some(&r.informative), entropy);
            align.push(a.alignment);
            ve.push(r.ve_mean);
        }
        Ok(Outputs::new().json(
            "result",
            json!({
                "sizes": matrix::usizes(&sizes),
                "subsets": subsets.iter().map(|s| matrix::usizes(s)).collect::<Vec<_>>(),
                "size": matrix::usizes(&subsets.iter().map(Vec::len).collect::<Vec<_>>()),
                "alignment": matrix::nums(&align),
                "ve_mean": matrix::nums(&ve),
                "alignment_mean": matrix::num(mean(&align)),
            }),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn five_distinct_sizes_and_ten_subsets_each() {
        let (sizes, subsets) = draw_subsets(159, None, 5, 10, 10, 50, 3).unwrap();
        assert_eq!(sizes.len(), 5);
        let mut s = sizes.clone();
        s.sort();
        s.dedup();
        assert_eq!(s.len(), 5);
        assert!(sizes.iter().all(|&x| (10..=50).contains(&x)));
        assert_eq!(subsets.len(), 50);
        for (k, sub) in subsets.iter().enumerate() {
            assert_eq!(sub.len(), sizes[k / 10]);
            assert!(sub.windows(2).all(|w| w[0] < w[1]) && *sub.last().unwrap() < 159);
        }
        assert_eq!(
            draw_subsets(159, None, 5, 10, 10, 50, 3).unwrap().1,
            subsets,
            "seeded"
        );
        assert!(draw_subsets(8, None, 5, 10, 10, 50, 3).is_err());
    }
}
