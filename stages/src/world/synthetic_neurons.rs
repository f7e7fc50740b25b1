//! `synthetic-neurons`: spike responses of a virtual face patch to the synthetic faces, from a
//! ground-truth code chosen in the pipeline.
//!
//! Stands in for the paper's neural data (Higgins et al. 2021, Online Methods,
//! "Neurophysiological data": 159 AM neurons; each image shown 3–5 times; spikes counted in a
//! 50–350 ms window) as described in DESIGN.md §2 "Data". Each neuron has a *drive* d ∈ [0, 1]
//! that is a function of the face's generative factors; its rate is `baseline + gain · d` (Hz),
//! and its response to an image is the mean over the image's repeats of Poisson spike counts in
//! the window (`window_ms`), i.e. the paper's averaged spike count.
//!
//! Codes (`code`):
//! - `single-factor`: neuron *i* is tuned to factor `i mod K` of a random permutation of the K
//!   factors (so every factor drives about N/K neurons), through a **ramp** (d = f or 1 − f) or a
//!   **sigmoid** (d = σ(±(f − c)/w), c ~ U[0.3, 0.7], w ~ U[0.05, 0.15]) — `tuning` chooses ramp,
//!   sigmoid, or either at random per neuron (default) — plus weak **leakage**: 1 or 2 other
//!   random factors each add ±`leakage` · (f − 0.5) to the drive, which is then clamped to [0, 1].
//! - `axis`: Chang & Tsao (2017)'s axis code: d = clamp(0.5 + 0.2·z, 0, 1) with
//!   z = a·(f − 0.5)·√12 / ‖a‖, a ~ N(0, I) a random axis of factor space (z has unit variance
//!   for uniform factors, so the clamp acts only beyond ±2.5 SD).
//! - `mixed`: dense nonlinear mixtures: a random one-hidden-layer network,
//!   d = σ(Σ_j v_j tanh(2 · Σ_k W_jk (f_k − 0.5)·√12 / √K + c_j) · 2/√H + b), W, v ~ N(0, 1),
//!   c ~ N(0, 0.5²), b ~ N(0, 0.25²), H = max(K, 8) hidden units: saturating and often
//!   non-monotonic in a factor; every factor matters, none alone (the median neuron's largest
//!   |r| with a single factor is ≈ 0.45, against ≈ 0.87 for `single-factor`).
//!
//! Rates (all documented choices, each a parameter): baseline log-uniform in
//! [`baseline_min_hz`, `baseline_max_hz`] = [2, 15] Hz and gain log-uniform in
//! [`gain_min_hz`, `gain_max_hz`] = [10, 60] Hz (spontaneous and driven rates typical of IT /
//! face-patch cells); a fraction `weak_fraction` = 0.15 of the neurons are weakly tuned, their
//! gain scaled by `weak_gain` = 0.25. Repeats: each (image, neuron) pair gets a number of
//! repeats uniform in [`repeats_min`, `repeats_max`] = [3, 5], as in the paper.
//!
//! Which images: every image of `factors`, or, when the optional `split` input is connected,
//! only those with `monkey = true` (the paper's 2,100 recorded images; `split` is the output of
//! the `split` stage). Spikes are drawn for every image in `factors` order either way, so an
//! image's response does not depend on the split.
//!
//! Random numbers: ChaCha8 seeded with the node's seed, one stream for the tuning and one for
//! the spikes (`world::rng`): identical bytes on every machine.
//!
//! Outputs: `responses` (`image_id` + `n000`, `n001`, … Float64 mean spike counts) and `tuning`
//! (one row per neuron: `neuron`, `code`, `factor` (the driving factor; for `axis` and `mixed`
//! the one with the largest weight), `shape`, `sign`, `center`, `width`, `baseline_hz`,
//! `gain_hz`, `weak`, and one `w_<factor>` column per factor: for `single-factor` ±1 on the
//! tuned factor and the signed leakage weights, for `axis` the unit axis, for `mixed` each
//! factor's share of the mean absolute sensitivity |∂d/∂f_k| over the images).

use flow_engine::{
    ArtifactType, Inputs, Outputs, ParamSpec, ParamType, ParamValue, Params, PortSpec, RunContext,
    StageError, StageKind,
};

use crate::table::f64_column;
use crate::table::require_image_ids;
use crate::world::rng::Stream;
use crate::world::tables::{Column, bool_column, table};

pub struct SyntheticNeurons;

/// `synthetic-neurons`' params. The counts are `i64` so that `check` can report values out of
/// range; `run` relies on the check.
#[derive(Debug, Clone, serde::Deserialize)]
struct SyntheticNeuronsParams {
    /// One of [`CODES`].
    code: String,
    neurons: i64,
    /// One of [`TUNINGS`].
    tuning: String,
    leakage: f64,
    window_ms: f64,
    repeats_min: i64,
    repeats_max: i64,
    baseline_min_hz: f64,
    baseline_max_hz: f64,
    gain_min_hz: f64,
    gain_max_hz: f64,
    weak_fraction: f64,
    weak_gain: f64,
}

const CODES: &[&str] = &["single-factor", "axis", "mixed"];
const TUNINGS: &[&str] = &["ramp-or-sigmoid", "ramp", "sigmoid"];

/// One model neuron's tuning.
#[derive(Clone, Debug)]
struct Neuron {
    factor: usize,
    shape: &'static str,
    sign: f64,
    center: f64,
    width: f64,
    baseline: f64,
    gain: f64,
    weak: bool,
    /// single-factor: leakage weights (the tuned factor holds ±1); axis: the unit axis.
    weights: Vec<f64>,
    /// mixed: W (H × K), v (H), b.
    hidden: Vec<Vec<f64>>,
    out: Vec<f64>,
    bias: f64,
}

fn sigmoid(x: f64) -> f64 {
    1.0 / (1.0 + libm::exp(-x))
}

impl Neuron {
    /// The drive in [0, 1] for one face's factors.
    fn drive(&self, code: &str, f: &[f64]) -> f64 {
        let k = f.len();
        match code {
            "single-factor" => {
                let x = f[self.factor];
                let main = match self.shape {
                    "ramp" => {
                        if self.sign > 0.0 {
                            x
                        } else {
                            1.0 - x
                        }
                    }
                    _ => sigmoid(self.sign * (x - self.center) / self.width),
                };
                let leak: f64 = (0..k)
                    .filter(|&j| j != self.factor)
                    .map(|j| self.weights[j] * (f[j] - 0.5))
                    .sum();
                (main + leak).clamp(0.0, 1.0)
            }
            "axis" => {
                let z: f64 = (0..k)
                    .map(|j| self.weights[j] * (f[j] - 0.5) * 12f64.sqrt())
                    .sum();
                (0.5 + 0.2 * z).clamp(0.0, 1.0)
            }
            _ => {
                let h = self.hidden.len() as f64;
                let scale = 12f64.sqrt() / (k as f64).sqrt();
                let mut s = self.bias;
                for (row, v) in self.hidden.iter().zip(&self.out) {
                    let a: f64 = row[..k]
                        .iter()
                        .zip(f)
                        .map(|(w, x)| w * (x - 0.5) * scale)
                        .sum();
                    s += v * libm::tanh(2.0 * a + 0.5 * row[k]) * 2.0 / h.sqrt();
                }
                sigmoid(s)
            }
        }
    }
}

fn draw_neurons(
    code: &str,
    tuning: &str,
    n: usize,
    k: usize,
    p: &SyntheticNeuronsParams,
    seed: u64,
) -> Result<Vec<Neuron>, StageError> {
    let mut rng = Stream::Tuning.rng(seed);
    let perm = rng.permutation(k);
    let leakage = p.leakage;
    let weak_fraction = p.weak_fraction;
    let weak_gain = p.weak_gain;
    let (b0, b1) = (p.baseline_min_hz, p.baseline_max_hz);
    let (g0, g1) = (p.gain_min_hz, p.gain_max_hz);
    let mut out = Vec::with_capacity(n);
    for i in 0..n {
        let baseline = rng.log_range(b0, b1);
        let weak = rng.uniform() < weak_fraction;
        let gain = rng.log_range(g0, g1) * if weak { weak_gain } else { 1.0 };
        let mut neuron = Neuron {
            factor: perm[i % k],
            shape: "",
            sign: if rng.coin() { 1.0 } else { -1.0 },
            center: 0.0,
            width: 0.0,
            baseline,
            gain,
            weak,
            weights: vec![0.0; k],
            hidden: Vec::new(),
            out: Vec::new(),
            bias: 0.0,
        };
        match code {
            "single-factor" => {
                let sigmoidal = match tuning {
                    "ramp" => false,
                    "sigmoid" => true,
                    _ => rng.coin(),
                };
                if sigmoidal {
                    neuron.shape = "sigmoid";
                    neuron.center = rng.range(0.3, 0.7);
                    neuron.width = rng.range(0.05, 0.15);
                } else {
                    neuron.shape = "ramp";
                }
                neuron.weights[neuron.factor] = neuron.sign;
                if k > 1 {
                    let leaks = if k > 2 && rng.coin() { 2 } else { 1 };
                    let mut placed = 0;
                    while placed < leaks {
                        let j = rng.below(k as u64) as usize;
                        if j != neuron.factor && neuron.weights[j] == 0.0 {
                            neuron.weights[j] = if rng.coin() { leakage } else { -leakage };
                            placed += 1;
                        }
                    }
                }
            }
            "axis" => {
                neuron.shape = "linear";
                let a: Vec<f64> = (0..k).map(|_| rng.normal()).collect();
                let norm = a.iter().map(|x| x * x).sum::<f64>().sqrt().max(1e-12);
                neuron.weights = a.iter().map(|x| x / norm).collect();
                neuron.factor = argmax_abs(&neuron.weights);
                neuron.sign = neuron.weights[neuron.factor].signum();
            }
            _ => {
                neuron.shape = "mixture";
                let h = k.max(8);
                // Each hidden row: K weights, then the hidden unit's bias.
                neuron.hidden = (0..h)
                    .map(|_| (0..=k).map(|_| rng.normal()).collect())
                    .collect();
                neuron.out = (0..h).map(|_| rng.normal()).collect();
                neuron.bias = 0.25 * rng.normal();
            }
        }
        out.push(neuron);
    }
    Ok(out)
}

fn argmax_abs(v: &[f64]) -> usize {
    let mut best = 0;
    for (i, x) in v.iter().enumerate() {
        if x.abs() > v[best].abs() {
            best = i;
        }
    }
    best
}

impl StageKind for SyntheticNeurons {
    fn name(&self) -> &'static str {
        "synthetic-neurons"
    }

    fn version(&self) -> u32 {
        // 2: the `axis` and `mixed` codes draw their normal weights by flow's one convention
        //    (Box–Muller pairs, flow-numeric; version 1 used the cosine of each pair only). The
        //    `single-factor` code's bytes are unchanged.
        2
    }

    fn summary(&self) -> &'static str {
        "Poisson spike responses of model face-patch neurons (single-factor, axis or mixed code) to faces"
    }

    fn params(&self) -> Vec<ParamSpec> {
        let f = |name, v: f64, doc| {
            ParamSpec::with_default(name, ParamType::Float, ParamValue::Float(v), doc)
        };
        let i = |name, v: i64, doc| {
            ParamSpec::with_default(name, ParamType::Int, ParamValue::Int(v), doc)
        };
        vec![
            ParamSpec::with_default(
                "code",
                ParamType::Choice(CODES),
                ParamValue::Str("single-factor".into()),
                "the ground-truth code",
            ),
            i("neurons", 159, "how many neurons (the paper: 159)"),
            ParamSpec::with_default(
                "tuning",
                ParamType::Choice(TUNINGS),
                ParamValue::Str("ramp-or-sigmoid".into()),
                "single-factor tuning curve: ramp, sigmoid, or either at random per neuron",
            ),
            f(
                "leakage",
                0.1,
                "single-factor: weight of each of the 1–2 leaking factors",
            ),
            f(
                "window_ms",
                300.0,
                "spike-count window (the paper: 50–350 ms after onset)",
            ),
            i("repeats_min", 3, "fewest presentations of an image"),
            i("repeats_max", 5, "most presentations of an image"),
            f("baseline_min_hz", 2.0, "baseline rate, log-uniform from"),
            f("baseline_max_hz", 15.0, "baseline rate, log-uniform to"),
            f("gain_min_hz", 10.0, "driven modulation, log-uniform from"),
            f("gain_max_hz", 60.0, "driven modulation, log-uniform to"),
            f("weak_fraction", 0.15, "fraction of weakly tuned neurons"),
            f("weak_gain", 0.25, "gain factor of a weakly tuned neuron"),
        ]
    }

    fn inputs(&self) -> Vec<PortSpec> {
        vec![
            PortSpec::one(
                "factors",
                ArtifactType::Table,
                "image_id + one numeric column per factor, in [0, 1]",
            ),
            PortSpec::one(
                "split",
                ArtifactType::Table,
                "a `split` table: respond only to images with monkey = true",
            )
            .optional(),
        ]
    }

    fn outputs(&self) -> Vec<PortSpec> {
        vec![
            PortSpec::one(
                "responses",
                ArtifactType::Table,
                "image_id + n000, n001, … mean spike counts per window",
            ),
            PortSpec::one(
                "tuning",
                ArtifactType::Table,
                "one row per neuron: its ground-truth code, rates and factor weights",
            ),
        ]
    }

    fn check(
        &self,
        params: &Params,
        _connected: &flow_engine::ConnectedPorts,
    ) -> Result<(), StageError> {
        let p: SyntheticNeuronsParams = params.parse()?;
        if p.neurons < 1 {
            return Err(StageError::param("neurons", "must be ≥ 1"));
        }
        let (r0, r1) = (p.repeats_min, p.repeats_max);
        if r0 < 1 || r1 < r0 {
            return Err(StageError::param(
                "repeats_min",
                format!("need 1 ≤ repeats_min ≤ repeats_max, got {r0} and {r1}"),
            ));
        }
        for (lo, a, hi, b) in [
            (
                "baseline_min_hz",
                p.baseline_min_hz,
                "baseline_max_hz",
                p.baseline_max_hz,
            ),
            ("gain_min_hz", p.gain_min_hz, "gain_max_hz", p.gain_max_hz),
        ] {
            if !(a > 0.0 && b >= a) {
                return Err(StageError::param(
                    lo,
                    format!("need 0 < {lo} ≤ {hi}, got {a} and {b}"),
                ));
            }
        }
        if p.window_ms <= 0.0 {
            return Err(StageError::param("window_ms", "must be > 0"));
        }
        for (name, v) in [
            ("weak_fraction", p.weak_fraction),
            ("weak_gain", p.weak_gain),
            ("leakage", p.leakage),
        ] {
            if !(0.0..=1.0).contains(&v) {
                return Err(StageError::param(
                    name,
                    format!("must be in [0, 1], got {v}"),
                ));
            }
        }
        Ok(())
    }

    fn run(&self, inputs: &Inputs, ctx: &RunContext) -> Result<Outputs, StageError> {
        let p: SyntheticNeuronsParams = ctx.params().parse()?;
        let code = p.code.as_str();
        let table_in = inputs.table("factors")?;
        let ids = require_image_ids(table_in, "factors")?;
        let names: Vec<String> = table_in
            .schema()
            .fields()
            .iter()
            .map(|f| f.name().clone())
            .filter(|n| n != "image_id")
            .collect();
        if names.is_empty() {
            return Err(StageError::input(
                "factors",
                "has no factor columns besides `image_id`",
            ));
        }
        let mut columns = Vec::with_capacity(names.len());
        for name in &names {
            let col = f64_column(table_in, name, "factors")?;
            if let Some(row) = col.iter().position(|v| !v.is_finite()) {
                return Err(StageError::input(
                    "factors",
                    format!(
                        "column `{name}` has a non-finite value at row {row} (image `{}`)",
                        ids[row]
                    ),
                ));
            }
            columns.push(col);
        }
        let n_img = ids.len();
        let k = names.len();
        let factors_of = |i: usize| -> Vec<f64> { columns.iter().map(|c| c[i]).collect() };

        let keep: Vec<bool> = if inputs.is_connected("split") {
            let split = inputs.table("split")?;
            let split_ids = require_image_ids(split, "split")?;
            let monkey = bool_column(split, "monkey", "split")?;
            let index: std::collections::HashMap<&str, usize> = ids
                .iter()
                .enumerate()
                .map(|(i, s)| (s.as_str(), i))
                .collect();
            let mut keep = vec![false; n_img];
            for (row, (id, m)) in split_ids.iter().zip(&monkey).enumerate() {
                let Some(&i) = index.get(id.as_str()) else {
                    return Err(StageError::input(
                        "split",
                        format!("row {row}: image id `{id}` is not in `factors`"),
                    ));
                };
                keep[i] = *m;
            }
            keep
        } else {
            vec![true; n_img]
        };

        let neurons = draw_neurons(code, &p.tuning, p.neurons as usize, k, &p, ctx.seed())?;
        let window = p.window_ms / 1000.0;
        let (r0, r1) = (p.repeats_min as usize, p.repeats_max as usize);
        let mut spikes = Stream::Spikes.rng(ctx.seed());
        let mut responses = vec![Vec::with_capacity(n_img); neurons.len()];
        for i in 0..n_img {
            if i % 256 == 0 {
                ctx.check_cancelled()?;
                ctx.progress(i as u64, n_img as u64, "images");
            }
            let f = factors_of(i);
            for (j, neuron) in neurons.iter().enumerate() {
                let d = neuron.drive(code, &f);
                let lambda = (neuron.baseline + neuron.gain * d) * window;
                let repeats = r0 + spikes.below((r1 - r0 + 1) as u64) as usize;
                let total: u64 = (0..repeats).map(|_| spikes.poisson(lambda)).sum();
                responses[j].push(total as f64 / repeats as f64);
            }
        }

        // Mixed neurons: each factor's share of the mean |∂d/∂f_k| (central differences).
        let mut weights: Vec<Vec<f64>> = neurons.iter().map(|n| n.weights.clone()).collect();
        let mut main_factor: Vec<usize> = neurons.iter().map(|n| n.factor).collect();
        if code == "mixed" {
            let probe: Vec<usize> = (0..n_img).step_by((n_img / 256).max(1)).collect();
            for (j, neuron) in neurons.iter().enumerate() {
                let mut sens = vec![0.0; k];
                for &i in &probe {
                    let f = factors_of(i);
                    for (kk, s) in sens.iter_mut().enumerate() {
                        let (mut a, mut b) = (f.clone(), f.clone());
                        a[kk] += 1e-4;
                        b[kk] -= 1e-4;
                        *s += ((neuron.drive(code, &a) - neuron.drive(code, &b)) / 2e-4).abs();
                    }
                }
                let total: f64 = sens.iter().sum::<f64>().max(1e-300);
                weights[j] = sens.iter().map(|s| s / total).collect();
                main_factor[j] = argmax_abs(&weights[j]);
            }
        }

        let kept: Vec<usize> = (0..n_img).filter(|&i| keep[i]).collect();
        let neuron_ids: Vec<String> = (0..neurons.len()).map(|j| format!("n{j:03}")).collect();
        let mut resp_cols = vec![(
            "image_id".to_string(),
            Column::Str(kept.iter().map(|&i| ids[i].clone()).collect()),
        )];
        for (j, r) in responses.iter().enumerate() {
            resp_cols.push((
                neuron_ids[j].clone(),
                Column::F64(kept.iter().map(|&i| r[i]).collect()),
            ));
        }

        let mut tuning_cols = vec![
            ("neuron".to_string(), Column::Str(neuron_ids)),
            (
                "code".to_string(),
                Column::Str(vec![code.to_string(); neurons.len()]),
            ),
            (
                "factor".to_string(),
                Column::Str(main_factor.iter().map(|&f| names[f].clone()).collect()),
            ),
            (
                "shape".to_string(),
                Column::Str(neurons.iter().map(|n| n.shape.to_string()).collect()),
            ),
            (
                "sign".to_string(),
                Column::F64(neurons.iter().map(|n| n.sign).collect()),
            ),
            (
                "center".to_string(),
                Column::F64(neurons.iter().map(|n| n.center).collect()),
            ),
            (
                "width".to_string(),
                Column::F64(neurons.iter().map(|n| n.width).collect()),
            ),
            (
                "baseline_hz".to_string(),
                Column::F64(neurons.iter().map(|n| n.baseline).collect()),
            ),
            (
                "gain_hz".to_string(),
                Column::F64(neurons.iter().map(|n| n.gain).collect()),
            ),
            (
                "weak".to_string(),
                Column::Bool(neurons.iter().map(|n| n.weak).collect()),
            ),
        ];
        for (kk, name) in names.iter().enumerate() {
            tuning_cols.push((
                format!("w_{name}"),
                Column::F64(weights.iter().map(|w| w[kk]).collect()),
            ));
        }
        ctx.progress(n_img as u64, n_img as u64, "images");
        Ok(Outputs::new()
            .table("responses", table(resp_cols)?)
            .table("tuning", table(tuning_cols)?))
    }
}
