//! Choosing the reference face for an object: the in-category image whose contribution vector
//! c(x) = w ⊙ z̃(x) for the neuron is most similar to the object's (docs/METHODS.md §10.2).

/// How two contribution vectors are compared (param `similarity`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Similarity {
    /// ⟨a, b⟩ / (‖a‖ ‖b‖); undefined (never chosen) when either vector is zero.
    Cosine,
    /// ⟨a, b⟩: favours faces that drive the neuron strongly along the object's dimensions.
    Dot,
    /// −‖a − b‖: the face whose contributions are closest in absolute terms.
    NegativeDistance,
}

impl Similarity {
    pub const NAMES: [&'static str; 3] = ["cosine", "dot", "negative-distance"];

    pub fn from_name(name: &str) -> Option<Similarity> {
        match name {
            "cosine" => Some(Similarity::Cosine),
            "dot" => Some(Similarity::Dot),
            "negative-distance" => Some(Similarity::NegativeDistance),
            _ => None,
        }
    }

    /// The similarity of `a` and `b`, `None` where it is undefined.
    pub fn of(self, a: &[f64], b: &[f64]) -> Option<f64> {
        let dot: f64 = a.iter().zip(b).map(|(x, y)| x * y).sum();
        match self {
            Similarity::Dot => Some(dot),
            Similarity::NegativeDistance => Some(
                -a.iter()
                    .zip(b)
                    .map(|(x, y)| (x - y).powi(2))
                    .sum::<f64>()
                    .sqrt(),
            ),
            Similarity::Cosine => {
                let na = a.iter().map(|x| x * x).sum::<f64>().sqrt();
                let nb = b.iter().map(|x| x * x).sum::<f64>().sqrt();
                (na > 0.0 && nb > 0.0).then(|| dot / (na * nb))
            }
        }
    }
}

/// The index of the candidate most similar to `object` and its similarity: the first of equals
/// (so the choice does not depend on anything but the order of the candidates); `None` when no
/// candidate's similarity is defined.
pub fn choose_reference(
    object: &[f64],
    candidates: &[Vec<f64>],
    similarity: Similarity,
) -> Option<(usize, f64)> {
    let mut best: Option<(usize, f64)> = None;
    for (i, c) in candidates.iter().enumerate() {
        if let Some(s) = similarity.of(object, c)
            && best.is_none_or(|(_, b)| s > b)
        {
            best = Some((i, s));
        }
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A hand-made case: the object drives the neuron through dimensions 0 and 2. Face 0 drives
    /// it harder but through dimension 1; face 1 shares the object's direction at half the size;
    /// face 2 shares it exactly but with the opposite sign on dimension 2.
    fn case() -> (Vec<f64>, Vec<Vec<f64>>) {
        (
            vec![2.0, 0.0, 1.0],
            vec![
                vec![0.5, 4.0, 0.0],
                vec![1.0, 0.0, 0.5],
                vec![2.0, 0.0, -1.0],
            ],
        )
    }

    #[test]
    fn cosine_chooses_the_face_pointing_the_objects_way_whatever_its_size() {
        let (object, faces) = case();
        let (i, s) = choose_reference(&object, &faces, Similarity::Cosine).unwrap();
        assert_eq!(i, 1);
        assert!((s - 1.0).abs() < 1e-12);
    }

    #[test]
    fn dot_prefers_the_larger_shared_contribution() {
        let (object, faces) = case();
        // ⟨o, f⟩ = 1.0, 2.5, 3.0: face 2 has the largest dot product despite its sign flip.
        assert_eq!(
            choose_reference(&object, &faces, Similarity::Dot),
            Some((2, 3.0))
        );
    }

    #[test]
    fn negative_distance_chooses_the_nearest_vector() {
        let (object, faces) = case();
        // distances: √(2.25+16+1), √(1+0.25), √4 → face 1.
        let (i, _) = choose_reference(&object, &faces, Similarity::NegativeDistance).unwrap();
        assert_eq!(i, 1);
    }

    #[test]
    fn ties_go_to_the_first_candidate_and_zero_vectors_are_never_chosen_by_cosine() {
        let object = vec![1.0, 1.0];
        let faces = vec![vec![0.0, 0.0], vec![2.0, 2.0], vec![2.0, 2.0]];
        assert_eq!(
            choose_reference(&object, &faces, Similarity::Cosine).map(|r| r.0),
            Some(1)
        );
        assert_eq!(
            choose_reference(&[0.0, 0.0], &faces, Similarity::Cosine),
            None
        );
    }
}
