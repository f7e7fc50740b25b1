//! The per-dimension weights α_d of a shared-feature map (docs/METHODS.md §10.3): from the
//! contribution vectors of the object and its reference face, which latent dimensions are
//! enhanced (shared by both) and which attenuated (active in only one).

/// How α is formed from the two contribution vectors (param `weighting`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WeightRule {
    /// α_d = c_d(object) · c_d(reference): large where both images drive the neuron through d,
    /// small where only one does, negative where they disagree in sign.
    Product,
    /// α_d = sign · min(|c_d(object)|, |c_d(reference)|) where the signs agree, 0 otherwise: the
    /// contribution the two images have in common.
    Min,
    /// α_d = w_d, the readout's weight: no pairing at all (an ablation; the map is then the
    /// gradient of the neuron's prediction).
    Readout,
}

impl WeightRule {
    pub const NAMES: [&'static str; 3] = ["product", "min", "readout"];

    pub fn from_name(name: &str) -> Option<WeightRule> {
        match name {
            "product" => Some(WeightRule::Product),
            "min" => Some(WeightRule::Min),
            "readout" => Some(WeightRule::Readout),
            _ => None,
        }
    }
}

/// How α is shaped after the rule (params `negative` and `sharpness`).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Shaping {
    /// Set negative α_d (dimensions on which the two images disagree) to 0.
    pub zero_negative: bool,
    /// α_d ← sign(α_d) · |α_d|^γ: γ > 1 concentrates the map on the most shared dimensions.
    pub sharpness: f64,
}

/// α for one (object, reference) pair. `readout[d]` is the readout's weight on dimension d
/// (used by [`WeightRule::Readout`]).
pub fn shared_weights(
    object: &[f64],
    reference: &[f64],
    readout: &[f64],
    rule: WeightRule,
    shaping: Shaping,
) -> Vec<f64> {
    object
        .iter()
        .zip(reference)
        .zip(readout)
        .map(|((&o, &r), &w)| {
            let a = match rule {
                WeightRule::Product => o * r,
                WeightRule::Min if o * r > 0.0 => o.signum() * o.abs().min(r.abs()),
                WeightRule::Min => 0.0,
                WeightRule::Readout => w,
            };
            let a = if shaping.zero_negative { a.max(0.0) } else { a };
            if shaping.sharpness == 1.0 {
                a
            } else {
                a.signum() * a.abs().powf(shaping.sharpness)
            }
        })
        .collect()
}

/// The `k` dimensions with the largest α (most shared first; ties by index), only those with
/// α > 0.
pub fn top_shared(alpha: &[f64], k: usize) -> Vec<usize> {
    let mut order: Vec<usize> = (0..alpha.len()).filter(|&d| alpha[d] > 0.0).collect();
    order.sort_by(|&a, &b| alpha[b].total_cmp(&alpha[a]).then(a.cmp(&b)));
    order.truncate(k);
    order
}

#[cfg(test)]
mod tests {
    use super::*;

    const PLAIN: Shaping = Shaping {
        zero_negative: false,
        sharpness: 1.0,
    };

    #[test]
    fn the_product_enhances_shared_dimensions_and_attenuates_one_sided_ones() {
        let a = shared_weights(
            &[2.0, 3.0, 0.0, 1.0],
            &[1.5, 0.0, 4.0, -1.0],
            &[0.0; 4],
            WeightRule::Product,
            PLAIN,
        );
        assert_eq!(a, vec![3.0, 0.0, 0.0, -1.0]);
        assert_eq!(top_shared(&a, 3), vec![0]);
    }

    #[test]
    fn min_keeps_the_common_part_of_agreeing_contributions() {
        let a = shared_weights(
            &[2.0, -3.0, 1.0],
            &[0.5, -1.0, -1.0],
            &[0.0; 3],
            WeightRule::Min,
            PLAIN,
        );
        assert_eq!(a, vec![0.5, -1.0, 0.0]);
    }

    #[test]
    fn shaping_zeroes_disagreement_and_sharpens() {
        let a = shared_weights(
            &[2.0, 1.0],
            &[2.0, -1.0],
            &[0.0; 2],
            WeightRule::Product,
            Shaping {
                zero_negative: true,
                sharpness: 2.0,
            },
        );
        assert_eq!(a, vec![16.0, 0.0]);
    }

    #[test]
    fn the_readout_rule_ignores_the_images() {
        let a = shared_weights(&[9.0], &[-9.0], &[0.25], WeightRule::Readout, PLAIN);
        assert_eq!(a, vec![0.25]);
    }
}
