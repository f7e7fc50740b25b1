//! `split`: the paper's image sets — who saw which face, what the models train on, the
//! classifier's translations, and the Lasso train/test split with its CV folds.
//!
//! Implements Higgins et al. 2021, Online Methods, "Dataset" (2,162 faces: 2,100 shown to the
//! monkeys, 2,100 used to train the models, 2,038 in both; 62 held out from model training and
//! used to test decoding, "randomly chosen"; 62 seen only by the models; the models train on
//! mirror-flipped images; the classifier gets 5 × 5-pixel translations of each face and an
//! 80 %/10 %/10 % train/validation/test split), "Variance explained" (10-fold CV and a test set
//! of images with neural data) and DESIGN.md §2 "The paper's splits"; docs/METHODS.md §1 fixes how
//! `lasso-ve` reads `train` and `fold`.
//!
//! Choices the paper leaves open (each a parameter):
//! - Which images have neural data: with the optional `responses` input, exactly the images
//!   that have a row there (real data; `model_only` is then ignored); without it, all but
//!   `model_only` = 62 images drawn at random.
//! - `heldout` = 62 of the monkey images are drawn at random and left out of model training.
//! - The Lasso test set: `test_fraction` = 0.1 of the monkey images (rounded), at random (the
//!   fraction SYNTHETIC-WORLD.md measured with); the other monkey images are the fitting set,
//!   dealt into `folds` = 10 CV folds of equal size (±1) after a shuffle.
//! - The classifier set: every translation (dx, dy) ∈ [−`shift`, `shift`]² (`shift` = 2: 5 × 5)
//!   of every model-training image, labelled by the image (one identity per face). The
//!   80/10/10 split is stratified by identity so that every identity is trained on: of an
//!   image's translations, `round`-cumulative shares go to validation (`classifier_val` = 0.1)
//!   and test (`classifier_test` = 0.1) so that the totals are exact, the rest to training.
//!   Translations are applied by the consumer (`images::translate`, white fill).
//!
//! Each choice draws from its own random stream of the node's seed (`world::rng`), so e.g.
//! changing `folds` does not change which images are held out.
//!
//! Outputs:
//! - `split`: one row per image of `images`, in its order: `image_id`, `monkey` (has neural
//!   data), `model_train`, `shared` (both), `heldout` (monkey, not model-trained: the decoding
//!   test), `model_only`, `train` (Lasso fitting set), `test` (Lasso test set), `fold` (Int32,
//!   0…folds−1 on `train` images, −1 elsewhere), `label` (Int32 classifier identity 0…, −1 for
//!   images the models do not train on);
//! - `train_images`: the model-training images, mirror-flipped, as an image table;
//! - `classifier`: one row per translated instance: `image_id`, `label`, `dx`, `dy` (Int32) and
//!   `role` ("train", "validation" or "test").

use flow_engine::{
    ArtifactType, Inputs, Outputs, ParamSpec, ParamType, ParamValue, Params, PortSpec, RunContext,
    StageError, StageKind,
};

use crate::images::ImageSet;
use crate::table::require_image_ids;
use crate::world::rng::Stream;
use crate::world::tables::{Column, table};

pub struct Split;

/// `split`'s params. The counts are `i64` so that `check` can report negative values; `run`
/// relies on the check.
#[derive(Debug, Clone, serde::Deserialize)]
struct SplitParams {
    heldout: i64,
    model_only: i64,
    test_fraction: f64,
    folds: i64,
    shift: i64,
    classifier_val: f64,
    classifier_test: f64,
}

/// The roles of every image, by index into the image list.
#[derive(Clone, Debug, PartialEq)]
pub struct Roles {
    pub monkey: Vec<bool>,
    pub model_train: Vec<bool>,
    pub heldout: Vec<bool>,
    pub train: Vec<bool>,
    pub test: Vec<bool>,
    pub fold: Vec<i32>,
    pub label: Vec<i32>,
}

/// The sizes a split needs.
#[derive(Clone, Copy, Debug)]
pub struct Sizes {
    pub heldout: usize,
    pub model_only: usize,
    pub test_fraction: f64,
    pub folds: usize,
}

/// Draws the roles of `n` images; `has_responses` (when known) fixes the monkey set.
pub fn draw_roles(
    n: usize,
    has_responses: Option<&[bool]>,
    sizes: Sizes,
    seed: u64,
) -> Result<Roles, StageError> {
    let monkey: Vec<bool> = match has_responses {
        Some(r) => r.to_vec(),
        None => {
            if sizes.model_only >= n {
                return Err(StageError::param(
                    "model_only",
                    format!(
                        "{} model-only images leave none of the {n} images for the monkeys",
                        sizes.model_only
                    ),
                ));
            }
            let mut rng = Stream::SplitMonkey.rng(seed);
            let mut m = vec![true; n];
            for &i in &rng.permutation(n)[..sizes.model_only] {
                m[i] = false;
            }
            m
        }
    };
    let monkey_idx: Vec<usize> = (0..n).filter(|&i| monkey[i]).collect();
    let nm = monkey_idx.len();
    if sizes.heldout >= nm {
        return Err(StageError::param(
            "heldout",
            format!(
                "{} held-out images leave none of the {nm} monkey images for model training",
                sizes.heldout
            ),
        ));
    }
    let mut heldout = vec![false; n];
    let mut rng = Stream::SplitHeldout.rng(seed);
    let perm = rng.permutation(nm);
    for &p in &perm[..sizes.heldout] {
        heldout[monkey_idx[p]] = true;
    }
    let model_train: Vec<bool> = (0..n).map(|i| !heldout[i]).collect();

    let n_test = (sizes.test_fraction * nm as f64).round() as usize;
    if nm - n_test < sizes.folds {
        return Err(StageError::param(
            "folds",
            format!(
                "{} CV folds need at least as many fitting images, but only {} of the {nm} monkey images are left after the test set",
                sizes.folds,
                nm - n_test
            ),
        ));
    }
    let mut rng = Stream::SplitLasso.rng(seed);
    let perm = rng.permutation(nm);
    let mut test = vec![false; n];
    let mut train = vec![false; n];
    for (r, &p) in perm.iter().enumerate() {
        if r < n_test {
            test[monkey_idx[p]] = true
        } else {
            train[monkey_idx[p]] = true
        }
    }
    let train_idx: Vec<usize> = (0..n).filter(|&i| train[i]).collect();
    let mut rng = Stream::SplitFolds.rng(seed);
    let perm = rng.permutation(train_idx.len());
    let mut fold = vec![-1i32; n];
    for (r, &p) in perm.iter().enumerate() {
        fold[train_idx[p]] = (r % sizes.folds) as i32;
    }
    let mut label = vec![-1i32; n];
    let mut next = 0;
    for i in 0..n {
        if model_train[i] {
            label[i] = next;
            next += 1;
        }
    }
    Ok(Roles {
        monkey,
        model_train,
        heldout,
        train,
        test,
        fold,
        label,
    })
}

/// The classifier's instances: (image index, dx, dy, role) for every translation of every
/// model-training image, stratified by identity (see the module doc).
pub fn classifier_instances(
    roles: &Roles,
    shift: i32,
    val: f64,
    test: f64,
    seed: u64,
) -> Vec<(usize, i32, i32, &'static str)> {
    let offsets: Vec<(i32, i32)> = (-shift..=shift)
        .flat_map(|dy| (-shift..=shift).map(move |dx| (dx, dy)))
        .collect();
    let t = offsets.len();
    let mut rng = Stream::SplitClassifier.rng(seed);
    let mut out = Vec::new();
    let mut identity = 0usize;
    let cum = |x: f64, i: usize| (x * (i * t) as f64 + 1e-9).floor() as usize;
    for (i, &trained) in roles.model_train.iter().enumerate() {
        if !trained {
            continue;
        }
        // Cumulative rounding of the held-out share and of the validation share: exact totals,
        // and every identity keeps the same number of training instances (±1).
        let n_hold = cum(val + test, identity + 1) - cum(val + test, identity);
        let n_val = (cum(val, identity + 1) - cum(val, identity)).min(n_hold);
        let n_test = n_hold - n_val;
        let order = rng.permutation(t);
        for (r, &o) in order.iter().enumerate() {
            let role = if r < n_val {
                "validation"
            } else if r < n_val + n_test {
                "test"
            } else {
                "train"
            };
            out.push((i, offsets[o].0, offsets[o].1, role));
        }
        identity += 1;
    }
    // Rows in image order, then translation order, whatever the role.
    out.sort_by_key(|&(i, dx, dy, _)| (i, dy, dx));
    out
}

impl StageKind for Split {
    fn name(&self) -> &'static str {
        "split"
    }

    fn version(&self) -> u32 {
        1
    }

    fn summary(&self) -> &'static str {
        "The paper's image sets: monkey/model-train/held-out images, flipped training images, classifier translations, Lasso folds"
    }

    fn params(&self) -> Vec<ParamSpec> {
        let i = |name, v: i64, doc| {
            ParamSpec::with_default(name, ParamType::Int, ParamValue::Int(v), doc)
        };
        let f = |name, v: f64, doc| {
            ParamSpec::with_default(name, ParamType::Float, ParamValue::Float(v), doc)
        };
        vec![
            i(
                "heldout",
                62,
                "monkey images left out of model training (the decoding test)",
            ),
            i(
                "model_only",
                62,
                "images without neural data, seen only by the models (ignored when `responses` is given)",
            ),
            f(
                "test_fraction",
                0.1,
                "fraction of the monkey images in the Lasso test set",
            ),
            i("folds", 10, "CV folds over the Lasso fitting images"),
            i(
                "shift",
                2,
                "classifier translations: every (dx, dy) in [−shift, shift]² (2: 5 × 5)",
            ),
            f(
                "classifier_val",
                0.1,
                "fraction of classifier instances for validation",
            ),
            f(
                "classifier_test",
                0.1,
                "fraction of classifier instances for test",
            ),
        ]
    }

    fn inputs(&self) -> Vec<PortSpec> {
        vec![
            PortSpec::one(
                "images",
                ArtifactType::Table,
                "an image table (its ids and pixels)",
            ),
            PortSpec::one(
                "responses",
                ArtifactType::Table,
                "responses (image_id + neurons): the images with neural data",
            )
            .optional(),
        ]
    }

    fn outputs(&self) -> Vec<PortSpec> {
        vec![
            PortSpec::one(
                "split",
                ArtifactType::Table,
                "one row per image: image_id and its role columns",
            ),
            PortSpec::one(
                "train_images",
                ArtifactType::Table,
                "the model-training images, mirror-flipped (image table)",
            ),
            PortSpec::one(
                "classifier",
                ArtifactType::Table,
                "image_id, label, dx, dy, role for every translated instance",
            ),
        ]
    }

    fn check(
        &self,
        params: &Params,
        _connected: &flow_engine::ConnectedPorts,
    ) -> Result<(), StageError> {
        let p: SplitParams = params.parse()?;
        for (name, v) in [
            ("heldout", p.heldout),
            ("model_only", p.model_only),
            ("shift", p.shift),
        ] {
            if v < 0 {
                return Err(StageError::param(name, "must be ≥ 0"));
            }
        }
        if p.folds < 2 {
            return Err(StageError::param("folds", "must be ≥ 2"));
        }
        let t = p.test_fraction;
        if !(0.0..1.0).contains(&t) {
            return Err(StageError::param(
                "test_fraction",
                format!("must be in [0, 1), got {t}"),
            ));
        }
        let (v, te) = (p.classifier_val, p.classifier_test);
        if v < 0.0 || te < 0.0 || v + te >= 1.0 {
            return Err(StageError::param(
                "classifier_val",
                format!(
                    "need classifier_val, classifier_test ≥ 0 with a sum below 1, got {v} and {te}"
                ),
            ));
        }
        Ok(())
    }

    fn run(&self, inputs: &Inputs, ctx: &RunContext) -> Result<Outputs, StageError> {
        let p: SplitParams = ctx.params().parse()?;
        let images = ImageSet::from_table(inputs.table("images")?, "images")?;
        let n = images.len();
        let has_responses = if inputs.is_connected("responses") {
            let ids = require_image_ids(inputs.table("responses")?, "responses")?;
            let index: std::collections::HashMap<&str, usize> = images
                .ids
                .iter()
                .enumerate()
                .map(|(i, s)| (s.as_str(), i))
                .collect();
            let mut has = vec![false; n];
            for (row, id) in ids.iter().enumerate() {
                match index.get(id.as_str()) {
                    Some(&i) => has[i] = true,
                    None => {
                        return Err(StageError::input(
                            "responses",
                            format!("row {row}: image id `{id}` matches no image of `images`"),
                        ));
                    }
                }
            }
            Some(has)
        } else {
            None
        };
        let sizes = Sizes {
            heldout: p.heldout as usize,
            model_only: p.model_only as usize,
            test_fraction: p.test_fraction,
            folds: p.folds as usize,
        };
        let roles = draw_roles(n, has_responses.as_deref(), sizes, ctx.seed())?;
        let instances = classifier_instances(
            &roles,
            p.shift as i32,
            p.classifier_val,
            p.classifier_test,
            ctx.seed(),
        );

        let shared: Vec<bool> = (0..n)
            .map(|i| roles.monkey[i] && roles.model_train[i])
            .collect();
        let model_only: Vec<bool> = (0..n).map(|i| !roles.monkey[i]).collect();
        let split = table(vec![
            ("image_id".into(), Column::Str(images.ids.clone())),
            ("monkey".into(), Column::Bool(roles.monkey.clone())),
            (
                "model_train".into(),
                Column::Bool(roles.model_train.clone()),
            ),
            ("shared".into(), Column::Bool(shared)),
            ("heldout".into(), Column::Bool(roles.heldout.clone())),
            ("model_only".into(), Column::Bool(model_only)),
            ("train".into(), Column::Bool(roles.train.clone())),
            ("test".into(), Column::Bool(roles.test.clone())),
            ("fold".into(), Column::I32(roles.fold.clone())),
            ("label".into(), Column::I32(roles.label.clone())),
        ])?;
        let trained: Vec<usize> = (0..n).filter(|&i| roles.model_train[i]).collect();
        let train_images = images.subset(&trained).flipped();
        let classifier = table(vec![
            (
                "image_id".into(),
                Column::Str(instances.iter().map(|x| images.ids[x.0].clone()).collect()),
            ),
            (
                "label".into(),
                Column::I32(instances.iter().map(|x| roles.label[x.0]).collect()),
            ),
            (
                "dx".into(),
                Column::I32(instances.iter().map(|x| x.1).collect()),
            ),
            (
                "dy".into(),
                Column::I32(instances.iter().map(|x| x.2).collect()),
            ),
            (
                "role".into(),
                Column::Str(instances.iter().map(|x| x.3.to_string()).collect()),
            ),
        ])?;
        Ok(Outputs::new()
            .table("split", split)
            .table("train_images", train_images.to_table()?)
            .table("classifier", classifier))
    }
}
