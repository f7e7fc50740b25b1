//! The virtual face patch (issue 4), the paper's image splits: their sizes, disjoint sets, the
//! smoke size and splits of given responses.

mod common;

use common::world::*;
use flow_engine::Artifact;
use flow_stages::images::ImageSet;
use flow_stages::world::split::Split;
use flow_stages::world::tables::{bool_column, i32_column};

fn blank_images(n: usize) -> ImageSet {
    let mut px = vec![1.0f32; n * 16];
    for (i, p) in px.iter_mut().enumerate() {
        *p = ((i * 7919) % 101) as f32 / 100.0;
    }
    ImageSet::new((0..n).map(|i| format!("img{i:04}")).collect(), 4, 4, px)
}

fn count(v: &[bool]) -> usize {
    v.iter().filter(|&&b| b).count()
}

#[test]
fn split_has_the_papers_sizes_and_disjoint_sets() {
    let tmp = tempfile::tempdir().unwrap();
    let images = blank_images(2162);
    let out = run(
        &Split,
        &[],
        0,
        inputs(vec![(
            "images",
            Artifact::Table(images.to_table().unwrap()),
        )]),
        tmp.path(),
    )
    .unwrap();
    let s = table(&out, "split");
    let col = |n: &str| bool_column(s, n, "split").unwrap();
    let (monkey, model, shared, heldout, only, train, test) = (
        col("monkey"),
        col("model_train"),
        col("shared"),
        col("heldout"),
        col("model_only"),
        col("train"),
        col("test"),
    );
    assert_eq!(s.num_rows(), 2162);
    assert_eq!(count(&monkey), 2100);
    assert_eq!(count(&model), 2100);
    assert_eq!(count(&shared), 2038);
    assert_eq!(count(&heldout), 62);
    assert_eq!(count(&only), 62);
    for i in 0..2162 {
        assert_eq!(shared[i], monkey[i] && model[i]);
        assert_eq!(heldout[i], monkey[i] && !model[i]);
        assert_eq!(only[i], model[i] && !monkey[i]);
        assert!(monkey[i] || model[i], "image {i} is in no set");
        assert!(!(train[i] && test[i]));
        assert_eq!(
            train[i] || test[i],
            monkey[i],
            "the Lasso sets must partition the monkey images"
        );
    }
    // Lasso: 10 % test, 10 folds of equal size over the fitting images, −1 elsewhere.
    assert_eq!(count(&test), 210);
    let fold = i32_column(s, "fold", "split").unwrap();
    let mut sizes = [0usize; 10];
    for i in 0..2162 {
        if train[i] {
            sizes[fold[i] as usize] += 1;
        } else {
            assert_eq!(fold[i], -1);
        }
    }
    assert_eq!(sizes, [189; 10]);
    // The model-training images are mirror-flipped copies.
    let ti = ImageSet::from_table(table(&out, "train_images"), "train_images").unwrap();
    assert_eq!(ti.len(), 2100);
    let first = (0..2162).find(|&i| model[i]).unwrap();
    assert_eq!(ti.ids[0], images.ids[first]);
    assert_eq!(ti.image(0), images.subset(&[first]).flipped().image(0));
    // Classifier: 5 × 5 translations of the 2,100 training faces, exactly 80/10/10, every identity
    // trained on.
    let c = table(&out, "classifier");
    assert_eq!(c.num_rows(), 2100 * 25);
    use arrow_array::cast::AsArray;
    let role = c.column_by_name("role").unwrap().as_string::<i32>().clone();
    let label = i32_column(c, "label", "c").unwrap();
    let mut per = std::collections::HashMap::<&str, usize>::new();
    let mut trained = vec![0usize; 2100];
    for i in 0..c.num_rows() {
        *per.entry(role.value(i)).or_default() += 1;
        if role.value(i) == "train" {
            trained[label[i] as usize] += 1;
        }
    }
    assert_eq!(
        (per["train"], per["validation"], per["test"]),
        (42000, 5250, 5250)
    );
    assert!(trained.iter().all(|&t| t == 20));
    let (dx, dy) = (
        i32_column(c, "dx", "c").unwrap(),
        i32_column(c, "dy", "c").unwrap(),
    );
    assert_eq!(
        (
            dx.iter().min(),
            dx.iter().max(),
            dy.iter().min(),
            dy.iter().max()
        ),
        (Some(&-2), Some(&2), Some(&-2), Some(&2))
    );
}

#[test]
fn split_at_smoke_size_and_with_given_responses() {
    let tmp = tempfile::tempdir().unwrap();
    let images = blank_images(200);
    let small = [("heldout", int(6)), ("model_only", int(6))];
    let out = run(
        &Split,
        &small,
        1,
        inputs(vec![(
            "images",
            Artifact::Table(images.to_table().unwrap()),
        )]),
        tmp.path(),
    )
    .unwrap();
    let s = table(&out, "split");
    let col = |n: &str| count(&bool_column(s, n, "split").unwrap());
    assert_eq!(
        (
            col("monkey"),
            col("model_train"),
            col("shared"),
            col("heldout"),
            col("model_only"),
            col("test")
        ),
        (194, 194, 188, 6, 6, 19)
    );
    // Another seed, another split; changing the folds leaves the held-out images alone.
    let other = run(
        &Split,
        &small,
        2,
        inputs(vec![(
            "images",
            Artifact::Table(images.to_table().unwrap()),
        )]),
        tmp.path(),
    )
    .unwrap();
    assert_ne!(
        bool_column(table(&other, "split"), "heldout", "s").unwrap(),
        bool_column(s, "heldout", "s").unwrap()
    );
    let five = run(
        &Split,
        &[
            ("heldout", int(6)),
            ("model_only", int(6)),
            ("folds", int(5)),
        ],
        1,
        inputs(vec![(
            "images",
            Artifact::Table(images.to_table().unwrap()),
        )]),
        tmp.path(),
    )
    .unwrap();
    assert_eq!(
        bool_column(table(&five, "split"), "heldout", "s").unwrap(),
        bool_column(s, "heldout", "s").unwrap()
    );

    // Responses given: the monkey images are exactly the images with responses.
    let ids: Vec<String> = images.ids[..150].to_vec();
    let responses = flow_stages::world::tables::table(vec![
        (
            "image_id".into(),
            flow_stages::world::tables::Column::Str(ids),
        ),
        (
            "n000".into(),
            flow_stages::world::tables::Column::F64(vec![1.0; 150]),
        ),
    ])
    .unwrap();
    let out = run(
        &Split,
        &[("heldout", int(10))],
        1,
        inputs(vec![
            ("images", Artifact::Table(images.to_table().unwrap())),
            ("responses", Artifact::Table(responses)),
        ]),
        tmp.path(),
    )
    .unwrap();
    let monkey = bool_column(table(&out, "split"), "monkey", "s").unwrap();
    assert!(monkey[..150].iter().all(|&m| m) && monkey[150..].iter().all(|&m| !m));
    assert_eq!(
        count(&bool_column(table(&out, "split"), "heldout", "s").unwrap()),
        10
    );
    // Sizes that do not fit are named.
    let e = run(
        &Split,
        &[("heldout", int(300))],
        1,
        inputs(vec![(
            "images",
            Artifact::Table(images.to_table().unwrap()),
        )]),
        tmp.path(),
    )
    .unwrap_err();
    assert!(
        e.contains("parameter `heldout`: 300 held-out images leave none of the 138 monkey images"),
        "{e}"
    );
}
