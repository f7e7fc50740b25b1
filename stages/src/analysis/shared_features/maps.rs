//! Saliency maps from pixel gradients (docs/METHODS.md §10.4–§10.6): the attribution method
//! (plain gradient or integrated gradients), how signed attributions become a map, maps as image
//! table values, and a map's score against a ground-truth mask.

use burn::tensor::Device;
use flow_models::{Network, TrainSpec, latent_gradients};

/// How a pixel's attribution is computed (param `attribution`).
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Attribution {
    /// ∂S/∂x at the image.
    Gradient,
    /// Integrated gradients (Sundararajan et al. 2017): (x − b) ⊙ the mean of ∂S/∂x at
    /// b + (k − ½)/m · (x − b), k = 1 … m (the midpoint rule), from a uniform baseline image b.
    Integrated { steps: usize, baseline: f32 },
}

/// How a signed attribution becomes a map (param `map`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MapValue {
    /// |a|: where the pixels matter, whichever way.
    Absolute,
    /// max(a, 0): where raising the pixel raises S.
    Positive,
    /// a itself.
    Signed,
}

impl MapValue {
    pub const NAMES: [&'static str; 3] = ["absolute", "positive", "signed"];

    pub fn from_name(name: &str) -> Option<MapValue> {
        match name {
            "absolute" => Some(MapValue::Absolute),
            "positive" => Some(MapValue::Positive),
            "signed" => Some(MapValue::Signed),
            _ => None,
        }
    }

    pub fn apply(self, a: f32) -> f32 {
        match self {
            MapValue::Absolute => a.abs(),
            MapValue::Positive => a.max(0.0),
            MapValue::Signed => a,
        }
    }

    /// A map as image-table values in [0, 1]: v / max v for the non-negative maps, 0.5 + 0.5 ·
    /// v / max |v| for signed ones (0.5 = no attribution); an all-zero map stays at its zero.
    pub fn to_pixels(self, map: &[f32]) -> Vec<f32> {
        let top = map.iter().fold(0.0f32, |m, v| m.max(v.abs()));
        match self {
            MapValue::Signed if top > 0.0 => map.iter().map(|v| 0.5 + 0.5 * v / top).collect(),
            MapValue::Signed => vec![0.5; map.len()],
            _ if top > 0.0 => map.iter().map(|v| (v / top).clamp(0.0, 1.0)).collect(),
            _ => vec![0.0; map.len()],
        }
    }
}

/// Attributions of S_r = Σ_d weights[r, d] · u_d(x) for each image x_r of `images` (`n × area`)
/// and its weight row (`n × latents`), through `network` on the autodiff `device`.
/// `progress(done, total)` is called after each chunk of images.
pub fn attribute(
    network: &Network,
    spec: &TrainSpec,
    device: &Device,
    images: &[f32],
    weights: &[f32],
    attribution: Attribution,
    progress: &dyn Fn(usize, usize),
) -> Vec<f32> {
    let area = spec.height * spec.width;
    let l = spec.latents;
    let n = images.len() / area;
    let chunk = 32;
    let mut out = Vec::with_capacity(images.len());
    for start in (0..n).step_by(chunk) {
        let end = (start + chunk).min(n);
        let (x, w) = (
            &images[start * area..end * area],
            &weights[start * l..end * l],
        );
        match attribution {
            Attribution::Gradient => out.extend(latent_gradients(network, spec, x, w, device)),
            Attribution::Integrated { steps, baseline } => {
                let m = steps.max(1);
                let mut path = Vec::with_capacity(x.len() * m);
                let mut path_w = Vec::with_capacity(w.len() * m);
                for (img, wi) in x.chunks(area).zip(w.chunks(l)) {
                    for k in 0..m {
                        let t = (k as f32 + 0.5) / m as f32;
                        path.extend(img.iter().map(|&p| baseline + t * (p - baseline)));
                        path_w.extend_from_slice(wi);
                    }
                }
                let g = latent_gradients(network, spec, &path, &path_w, device);
                for (i, img) in x.chunks(area).enumerate() {
                    for (p, &v) in img.iter().enumerate() {
                        let mean: f32 =
                            (0..m).map(|k| g[(i * m + k) * area + p]).sum::<f32>() / m as f32;
                        out.push((v - baseline) * mean);
                    }
                }
            }
        }
        progress(end, n);
    }
    out
}

/// A map's agreement with a ground-truth mask (`mask[p]` true inside).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct MaskScore {
    /// Σ_{p in mask} max(v_p, 0) / Σ_p max(v_p, 0); NaN for a map without positive mass.
    pub mass_in_mask: f64,
    /// Whether the map's maximum (the first, in row-major order) lies in the mask; false for a
    /// map without positive mass.
    pub pointing: bool,
}

/// Scores a map (`v`, any sign) against `mask`.
pub fn score(v: &[f32], mask: &[bool]) -> MaskScore {
    let (mut inside, mut total) = (0.0f64, 0.0f64);
    let mut best = (f32::NEG_INFINITY, usize::MAX);
    for (p, (&x, &m)) in v.iter().zip(mask).enumerate() {
        let pos = x.max(0.0) as f64;
        total += pos;
        if m {
            inside += pos;
        }
        if x > best.0 {
            best = (x, p);
        }
    }
    if total > 0.0 {
        MaskScore {
            mass_in_mask: inside / total,
            pointing: mask[best.1],
        }
    } else {
        MaskScore {
            mass_in_mask: f64::NAN,
            pointing: false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mass_in_mask_counts_positive_mass_only() {
        let v = [1.0, 3.0, -5.0, 0.0];
        let mask = [false, true, true, false];
        let s = score(&v, &mask);
        assert_eq!(s.mass_in_mask, 0.75);
        assert!(s.pointing);
    }

    #[test]
    fn pointing_is_false_when_the_maximum_is_outside() {
        let s = score(&[4.0, 1.0], &[false, true]);
        assert_eq!(s.mass_in_mask, 0.2);
        assert!(!s.pointing);
    }

    #[test]
    fn a_map_without_positive_mass_scores_nan_and_misses() {
        let s = score(&[-1.0, 0.0], &[true, true]);
        assert!(s.mass_in_mask.is_nan());
        assert!(!s.pointing);
    }

    #[test]
    fn pixels_of_signed_maps_centre_on_one_half() {
        assert_eq!(
            MapValue::Signed.to_pixels(&[-2.0, 0.0, 1.0]),
            vec![0.0, 0.5, 0.75]
        );
        assert_eq!(
            MapValue::Absolute.to_pixels(&[2.0, 0.0, 1.0]),
            vec![1.0, 0.0, 0.5]
        );
        assert_eq!(MapValue::Absolute.to_pixels(&[0.0, 0.0]), vec![0.0, 0.0]);
    }
}
