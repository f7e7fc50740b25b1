//! The virtual face patch (issue 4), its model neurons: single-factor neurons follow their own
//! factor and mixed ones none, and with a split only the monkeys' images get responses.
//!
//! Run with `--nocapture` to see the neuron statistics.

mod common;

use arrow_array::{Array, RecordBatch};
use common::world::*;
use flow_engine::{Artifact, ParamValue};
use flow_stages::table::f64_column;
use flow_stages::table::require_image_ids as image_ids;
use flow_stages::world::split::Split;
use flow_stages::world::synthetic_faces::QUICK_FACTORS;
use flow_stages::world::synthetic_neurons::SyntheticNeurons;
use flow_stages::world::tables::bool_column;

fn neuron_correlations(code: &str, seed: u64) -> (Vec<String>, Vec<Vec<f64>>, RecordBatch) {
    let tmp = tempfile::tempdir().unwrap();
    let f = faces(
        2162,
        &[
            ("size", int(8)),
            ("supersample", int(1)),
            ("factors", text("quick")),
            ("sheets", ParamValue::Bool(false)),
        ],
        seed,
        tmp.path(),
    );
    let factors = table(&f, "factors").clone();
    let out = run(
        &SyntheticNeurons,
        &[("code", text(code))],
        seed,
        inputs(vec![("factors", Artifact::Table(factors.clone()))]),
        tmp.path(),
    )
    .unwrap();
    let responses = table(&out, "responses");
    let tuning = table(&out, "tuning").clone();
    assert_eq!(responses.num_rows(), 2162);
    assert_eq!(responses.num_columns(), 160);
    let names: Vec<String> = QUICK_FACTORS.iter().map(|s| s.to_string()).collect();
    let fcols: Vec<Vec<f64>> = names
        .iter()
        .map(|n| f64_column(&factors, n, "f").unwrap())
        .collect();
    let corr: Vec<Vec<f64>> = (0..159)
        .map(|j| {
            let r = f64_column(responses, &format!("n{j:03}"), "r").unwrap();
            fcols
                .iter()
                .map(|f| flow_numeric::moments::pearson(&r, f).unwrap_or(0.0))
                .collect()
        })
        .collect();
    (names, corr, tuning)
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

#[test]
fn single_factor_neurons_follow_their_own_factor_and_mixed_neurons_none() {
    let (names, corr, tuning) = neuron_correlations("single-factor", 1);
    let factor_of: Vec<String> = {
        let col = tuning.column_by_name("factor").unwrap();
        use arrow_array::cast::AsArray;
        let s = col.as_string::<i32>();
        (0..s.len()).map(|i| s.value(i).to_string()).collect()
    };
    let weak = bool_column(&tuning, "weak", "tuning").unwrap();
    let (mut own, mut other, mut own_weak) = (Vec::new(), Vec::new(), Vec::new());
    for (j, c) in corr.iter().enumerate() {
        let k = names.iter().position(|n| *n == factor_of[j]).unwrap();
        let best_other = c
            .iter()
            .enumerate()
            .filter(|&(i, _)| i != k)
            .map(|(_, r)| r.abs())
            .fold(0.0, f64::max);
        if weak[j] {
            own_weak.push(c[k].abs())
        } else {
            own.push(c[k].abs())
        }
        other.push(best_other);
    }
    let frac_low_other = other.iter().filter(|&&r| r < 0.3).count() as f64 / other.len() as f64;
    println!(
        "single-factor: |r| with own factor: median {:.2} (min {:.2}; weakly tuned: median {:.2}); largest |r| with another factor: median {:.2}, {:.0} % below 0.3",
        median(own.clone()),
        own.iter().cloned().fold(1.0, f64::min),
        median(own_weak.clone()),
        median(other.clone()),
        100.0 * frac_low_other
    );
    assert!(median(own.clone()) > 0.8, "own-factor correlation too weak");
    assert!(own.iter().all(|&r| r > 0.5));
    assert!(median(other.clone()) < 0.15 && frac_low_other > 0.95);

    let (_, corr, _) = neuron_correlations("mixed", 1);
    let best: Vec<f64> = corr
        .iter()
        .map(|c| c.iter().map(|r| r.abs()).fold(0.0, f64::max))
        .collect();
    println!(
        "mixed: largest |r| with any single factor: median {:.2}, max {:.2}",
        median(best.clone()),
        best.iter().cloned().fold(0.0, f64::max)
    );
    assert!(
        median(best.clone()) < 0.5,
        "mixed neurons look single-factor"
    );
    assert!(
        best.iter().filter(|&&r| r > 0.75).count() <= 8,
        "more than 5 % of the mixed neurons follow one factor"
    );

    let (_, corr, _) = neuron_correlations("axis", 1);
    let best: Vec<f64> = corr
        .iter()
        .map(|c| c.iter().map(|r| r.abs()).fold(0.0, f64::max))
        .collect();
    println!(
        "axis: largest |r| with any single factor: median {:.2}",
        median(best)
    );
}

#[test]
fn neurons_respond_only_to_monkey_images_when_given_a_split() {
    let tmp = tempfile::tempdir().unwrap();
    let f = faces(
        200,
        &[
            ("size", int(8)),
            ("supersample", int(1)),
            ("factors", text("quick")),
        ],
        3,
        tmp.path(),
    );
    let images = table(&f, "images").clone();
    let factors = table(&f, "factors").clone();
    let s = run(
        &Split,
        &[("heldout", int(6)), ("model_only", int(6))],
        3,
        inputs(vec![("images", Artifact::Table(images))]),
        tmp.path(),
    )
    .unwrap();
    let split = table(&s, "split").clone();
    let with = run(
        &SyntheticNeurons,
        &[("neurons", int(12))],
        4,
        inputs(vec![
            ("factors", Artifact::Table(factors.clone())),
            ("split", Artifact::Table(split.clone())),
        ]),
        tmp.path(),
    )
    .unwrap();
    let without = run(
        &SyntheticNeurons,
        &[("neurons", int(12))],
        4,
        inputs(vec![("factors", Artifact::Table(factors))]),
        tmp.path(),
    )
    .unwrap();
    let (rw, ro) = (table(&with, "responses"), table(&without, "responses"));
    assert_eq!((rw.num_rows(), ro.num_rows()), (194, 200));
    let monkey = bool_column(&split, "monkey", "split").unwrap();
    let ids_all = image_ids(ro, "r").unwrap();
    let expected: Vec<String> = ids_all
        .iter()
        .zip(&monkey)
        .filter(|(_, m)| **m)
        .map(|(i, _)| i.clone())
        .collect();
    assert_eq!(image_ids(rw, "r").unwrap(), expected);
    // An image's response does not depend on the split.
    let (a, b) = (
        f64_column(rw, "n005", "r").unwrap(),
        f64_column(ro, "n005", "r").unwrap(),
    );
    let kept: Vec<f64> = b
        .iter()
        .zip(&monkey)
        .filter(|(_, m)| **m)
        .map(|(v, _)| *v)
        .collect();
    assert_eq!(a, kept);
}
