//! The overlay sheet a person looks at (docs/METHODS.md §10.7): one row per (neuron, object),
//! columns object | its shared-feature map | reference face | its map | the object's plain
//! gradient map, each map drawn as a red–yellow heat overlay on its image, upscaled.

use std::path::Path;

use image::ImageEncoder;

/// One row of the sheet: an image and its map values in [0, 1] (`area` each), four or more
/// tiles per row, `(image, Some(map))` for an overlay and `(image, None)` for the image alone.
pub type Tile<'a> = (&'a [f32], Option<&'a [f32]>);

/// The colour of a pixel: the image's gray, dimmed, under the heat of `m` in [0, 1].
fn overlay(gray: f32, m: Option<f32>) -> [u8; 3] {
    let g = gray.clamp(0.0, 1.0);
    let rgb = match m {
        None => [g, g, g],
        Some(m) => {
            let m = m.clamp(0.0, 1.0);
            let base = 0.25 + 0.5 * g;
            // Heat: red at small values to yellow at the maximum, its opacity the value itself,
            // so that the faint gradient everywhere stays in the background.
            let heat = [1.0, m, 0.0];
            let a = m;
            [
                base + a * (heat[0] - base),
                base + a * (heat[1] - base),
                base + a * (heat[2] - base),
            ]
        }
    };
    rgb.map(|v| (v.clamp(0.0, 1.0) * 255.0).round() as u8)
}

/// Writes the sheet: `rows` of tiles of `h × w` pixels, each pixel drawn `scale × scale`, with a
/// 2-pixel gray gap.
pub fn write_sheet(
    path: &Path,
    rows: &[Vec<Tile<'_>>],
    h: usize,
    w: usize,
    scale: usize,
) -> Result<(), String> {
    let cols = rows.iter().map(Vec::len).max().unwrap_or(0).max(1);
    let gap = 2;
    let (th, tw) = (h * scale, w * scale);
    let height = rows.len().max(1) * (th + gap) + gap;
    let width = cols * (tw + gap) + gap;
    let mut buf = vec![128u8; height * width * 3];
    for (r, row) in rows.iter().enumerate() {
        for (c, (image, map)) in row.iter().enumerate() {
            let (y0, x0) = (gap + r * (th + gap), gap + c * (tw + gap));
            for y in 0..th {
                for x in 0..tw {
                    let p = (y / scale) * w + x / scale;
                    let px = overlay(image[p], map.map(|m| m[p]));
                    let o = ((y0 + y) * width + x0 + x) * 3;
                    buf[o..o + 3].copy_from_slice(&px);
                }
            }
        }
    }
    // Fast compression: the sheet is for looking at, and at the default scale it is ~10 M
    // pixels, which the default level took 0.35 s to compress (most of the node's time).
    let mut out = Vec::new();
    image::codecs::png::PngEncoder::new_with_quality(
        &mut out,
        image::codecs::png::CompressionType::Fast,
        image::codecs::png::FilterType::Adaptive,
    )
    .write_image(
        &buf,
        width as u32,
        height as u32,
        image::ExtendedColorType::Rgb8,
    )
    .map_err(|e| format!("encoding PNG: {e}"))?;
    std::fs::write(path, out).map_err(|e| format!("{}: {e}", path.display()))
}
