//! Which model a per-model result belongs to: the naming convention `stats` and `report` share.
//!
//! A pipeline names its scoring stages `<score>_<class>` (`align_bvae`, `corr_ae`), so a
//! result's **class** is its node's stage name after the first `_` (a name without `_` is its
//! own class), and a model of that class is found among the results by its sweep coordinates:
//! a result belongs to a model when its coordinates contain all of the model's.

use flow_engine::ParamValue;
use serde_json::{Map, Value};

/// The stage name of a node: `align_bvae[beta=4,seed=0]` → `align_bvae`.
pub fn stage_of(node: &str) -> &str {
    node.split('[').next().unwrap_or(node)
}

/// The model class of a node: `align_bvae[beta=4]` → `bvae`; `subsets` → `subsets`.
pub fn class_of(node: &str) -> &str {
    let stage = stage_of(node);
    stage.split_once('_').map_or(stage, |(_, class)| class)
}

/// Whether `coords` (a node's) contain every one of `model`'s coordinates with the same value.
pub fn contains_coords(coords: &[(String, ParamValue)], model: &Map<String, Value>) -> bool {
    model
        .iter()
        .all(|(k, v)| coords.iter().any(|(ck, cv)| ck == k && cv.to_json() == *v))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_class_is_the_stage_name_after_its_first_underscore() {
        assert_eq!(class_of("align_bvae[beta=4,seed=0]"), "bvae");
        assert_eq!(class_of("lasso_vgg_raw[instance=3]"), "vgg_raw");
        assert_eq!(class_of("subsets[code=mixed]"), "subsets");
        assert_eq!(stage_of("alignmix_bvae[seed=1]"), "alignmix_bvae");
    }

    #[test]
    fn a_result_belongs_to_a_model_whose_coordinates_it_contains() {
        let coords = vec![
            ("beta".to_string(), ParamValue::Float(4.0)),
            ("seed".to_string(), ParamValue::Int(0)),
            ("code".to_string(), ParamValue::Str("mixed".into())),
        ];
        let model = |v: Value| v.as_object().unwrap().clone();
        assert!(contains_coords(
            &coords,
            &model(serde_json::json!({"beta": 4.0, "seed": 0}))
        ));
        assert!(!contains_coords(
            &coords,
            &model(serde_json::json!({"beta": 4.0, "seed": 1}))
        ));
        assert!(!contains_coords(
            &coords,
            &model(serde_json::json!({"latents": 10}))
        ));
    }
}
