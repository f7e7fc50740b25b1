//! Images in flow: the *image table* convention, and conversions to and from it.
//!
//! # The image table
//! Every stage that produces or consumes images (synthetic faces, imported photographs, the
//! model-training set of `split`, reconstructions) exchanges them as one Arrow table:
//!
//! | column | type | meaning |
//! |---|---|---|
//! | `image_id` | Utf8 | the image's id, unique in the table; every other table about images joins on it |
//! | `height`, `width` | UInt32 | the image size in pixels (the same for every row of one table) |
//! | `pixels` | FixedSizeList\<Float32\> of `height × width` | grayscale values, row-major (row 0 is the top), in [0, 1], **1 = white** |
//!
//! Nothing is kept in Arrow schema metadata (its map order would make the IPC bytes
//! nondeterministic, and the cache needs identical bytes for identical content).
//!
//! # Tables about images
//! They carry an `image_id` column (Utf8) and follow these conventions:
//! - responses: `image_id` + one Float64 column per neuron (`n000`, `n001`, …), mean spike counts;
//! - factors: `image_id` + one Float64 column per generative factor, named (`face_width`, …);
//! - landmarks: `image_id` + `x00, y00, x01, y01, …` in pixels of the image (x right, y down, the
//!   image's top-left corner at (0, 0), pixel centres at half-integers);
//! - split: `image_id` + boolean and integer role columns (see `world::split`).
//!
//! # This module
//! [`ImageSet`] holds a set of equally sized images in memory; it converts to and from image
//! tables (checking every rule above, naming the row on error), reads an `N × H × W` NPY array,
//! flips and translates images, and writes PNG contact sheets.

use std::path::Path;
use std::sync::Arc;

use arrow_array::cast::AsArray;
use arrow_array::types::{Float32Type, UInt32Type};
use arrow_array::{
    Array, ArrayRef, FixedSizeListArray, Float32Array, RecordBatch, StringArray, UInt32Array,
};
use arrow_schema::{DataType, Field, Schema};
use flow_engine::StageError;

/// A set of grayscale images of one size, row-major, 1 = white.
#[derive(Clone, Debug, PartialEq)]
pub struct ImageSet {
    pub ids: Vec<String>,
    pub height: usize,
    pub width: usize,
    /// `ids.len() × height × width` values.
    pub pixels: Vec<f32>,
}

/// The Arrow schema of an image table with images of `height × width`.
pub fn image_schema(height: usize, width: usize) -> Schema {
    let item = Arc::new(Field::new("item", DataType::Float32, false));
    Schema::new(vec![
        Field::new("image_id", DataType::Utf8, false),
        Field::new("height", DataType::UInt32, false),
        Field::new("width", DataType::UInt32, false),
        Field::new(
            "pixels",
            DataType::FixedSizeList(item, (height * width) as i32),
            false,
        ),
    ])
}

impl ImageSet {
    pub fn new(ids: Vec<String>, height: usize, width: usize, pixels: Vec<f32>) -> ImageSet {
        assert_eq!(
            ids.len() * height * width,
            pixels.len(),
            "ImageSet: pixel count"
        );
        ImageSet {
            ids,
            height,
            width,
            pixels,
        }
    }

    pub fn len(&self) -> usize {
        self.ids.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }

    /// Pixels per image.
    pub fn area(&self) -> usize {
        self.height * self.width
    }

    /// The pixels of image `i`.
    pub fn image(&self, i: usize) -> &[f32] {
        &self.pixels[i * self.area()..(i + 1) * self.area()]
    }

    /// The images at `indices`, in that order.
    pub fn subset(&self, indices: &[usize]) -> ImageSet {
        let mut pixels = Vec::with_capacity(indices.len() * self.area());
        for &i in indices {
            pixels.extend_from_slice(self.image(i));
        }
        ImageSet {
            ids: indices.iter().map(|&i| self.ids[i].clone()).collect(),
            height: self.height,
            width: self.width,
            pixels,
        }
    }

    /// Every image resized to `height × width` by bilinear interpolation (the `image` crate's
    /// triangle filter: bilinear when enlarging, its support widened to average when shrinking;
    /// pixel centres at half-integers, as PIL's and PyTorch's `align_corners = False`).
    pub fn resized(&self, height: usize, width: usize) -> ImageSet {
        if (height, width) == (self.height, self.width) {
            return self.clone();
        }
        let mut pixels = Vec::with_capacity(self.len() * height * width);
        for i in 0..self.len() {
            let source = image::ImageBuffer::<image::Luma<f32>, &[f32]>::from_raw(
                self.width as u32,
                self.height as u32,
                self.image(i),
            )
            .expect("ImageSet: an image's pixel count is height × width");
            let resized = image::imageops::resize(
                &source,
                width as u32,
                height as u32,
                image::imageops::FilterType::Triangle,
            );
            pixels.extend_from_slice(resized.as_raw());
        }
        ImageSet::new(self.ids.clone(), height, width, pixels)
    }

    /// Every image mirror-flipped left–right (ids unchanged).
    pub fn flipped(&self) -> ImageSet {
        let (h, w) = (self.height, self.width);
        let mut pixels = self.pixels.clone();
        for img in pixels.chunks_mut(h * w) {
            for row in img.chunks_mut(w) {
                row.reverse();
            }
        }
        ImageSet {
            ids: self.ids.clone(),
            height: h,
            width: w,
            pixels,
        }
    }

    /// The image table (see the module doc).
    pub fn to_table(&self) -> Result<RecordBatch, StageError> {
        let n = self.len();
        let area = self.area();
        let item = Arc::new(Field::new("item", DataType::Float32, false));
        let values: ArrayRef = Arc::new(Float32Array::from(self.pixels.clone()));
        let list = FixedSizeListArray::try_new(item, area as i32, values, None)
            .map_err(|e| StageError::failed(format!("building the image table: {e}")))?;
        let columns: Vec<ArrayRef> = vec![
            Arc::new(StringArray::from(self.ids.clone())),
            Arc::new(UInt32Array::from(vec![self.height as u32; n])),
            Arc::new(UInt32Array::from(vec![self.width as u32; n])),
            Arc::new(list),
        ];
        RecordBatch::try_new(Arc::new(image_schema(self.height, self.width)), columns)
            .map_err(|e| StageError::failed(format!("building the image table: {e}")))
    }

    /// Reads and checks an image table arriving on input `port`: the four columns and their
    /// types, one size for all rows, unique non-empty ids, and finite pixels in [0, 1]. Every
    /// error names the port and the row or id.
    pub fn from_table(batch: &RecordBatch, port: &str) -> Result<ImageSet, StageError> {
        let bad = |m: String| StageError::input(port, m);
        let need = |name: &str| {
            batch.column_by_name(name).ok_or_else(|| {
            bad(format!(
                "is not an image table: it has no column `{name}` (an image table has columns image_id, height, width, pixels; found {})",
                column_names(batch)
            ))
        })
        };
        let ids = need("image_id")?;
        let ids = ids.as_string_opt::<i32>().ok_or_else(|| {
            bad(format!(
                "column `image_id` must be text (Utf8), found {}",
                ids.data_type()
            ))
        })?;
        let height = need("height")?;
        let height = height.as_primitive_opt::<UInt32Type>().ok_or_else(|| {
            bad(format!(
                "column `height` must be UInt32, found {}",
                height.data_type()
            ))
        })?;
        let width = need("width")?;
        let width = width.as_primitive_opt::<UInt32Type>().ok_or_else(|| {
            bad(format!(
                "column `width` must be UInt32, found {}",
                width.data_type()
            ))
        })?;
        let pixels = need("pixels")?;
        let list = pixels.as_fixed_size_list_opt().ok_or_else(|| {
            bad(format!(
                "column `pixels` must be a fixed-size list of Float32, found {}",
                pixels.data_type()
            ))
        })?;
        let values = list
            .values()
            .as_primitive_opt::<Float32Type>()
            .ok_or_else(|| {
                bad(format!(
                    "column `pixels` must hold Float32 values, found {}",
                    list.values().data_type()
                ))
            })?;
        let n = batch.num_rows();
        if n == 0 {
            return Err(bad("has no images".into()));
        }
        let area = list.value_length() as usize;
        let (h, w) = (height.value(0) as usize, width.value(0) as usize);
        let mut out_ids = Vec::with_capacity(n);
        let mut seen = std::collections::HashMap::with_capacity(n);
        for row in 0..n {
            if ids.is_null(row) || ids.value(row).is_empty() {
                return Err(bad(format!("row {row} has no image id")));
            }
            let id = ids.value(row);
            if let Some(first) = seen.insert(id.to_string(), row) {
                return Err(bad(format!(
                    "image id `{id}` appears twice (rows {first} and {row})"
                )));
            }
            if height.is_null(row) || width.is_null(row) || list.is_null(row) {
                return Err(bad(format!(
                    "image `{id}` (row {row}) has a null size or pixels"
                )));
            }
            let (hr, wr) = (height.value(row) as usize, width.value(row) as usize);
            if (hr, wr) != (h, w) {
                return Err(bad(format!(
                    "image `{id}` (row {row}) is {hr}×{wr} but row 0 is {h}×{w}; one table holds images of one size"
                )));
            }
            if hr * wr != area {
                return Err(bad(format!(
                    "image `{id}` (row {row}): height × width = {hr}×{wr} = {} but it has {area} pixels",
                    hr * wr
                )));
            }
            out_ids.push(id.to_string());
        }
        let start = list.offset() * area;
        let raw = &values.values()[start..start + n * area];
        if values.null_count() > 0 {
            return Err(bad("`pixels` holds null values".into()));
        }
        for (k, &v) in raw.iter().enumerate() {
            if !v.is_finite() || !(0.0..=1.0).contains(&v) {
                let (row, p) = (k / area, k % area);
                return Err(bad(format!(
                    "image `{}` (row {row}) has pixel value {v} at (row {}, column {}); pixels must be finite and in [0, 1]",
                    out_ids[row],
                    p / w.max(1),
                    p % w.max(1)
                )));
            }
        }
        Ok(ImageSet {
            ids: out_ids,
            height: h,
            width: w,
            pixels: raw.to_vec(),
        })
    }

    /// Reads an `N × H × W` NPY array (any numeric dtype) as images with the given ids (or
    /// `0…N−1` zero-padded when `ids` is `None`). Values must be finite and in [0, 1].
    pub fn from_npy(path: &Path, ids: Option<Vec<String>>) -> Result<ImageSet, String> {
        let array = flow_tableio::read_npy_array(path).map_err(|e| e.to_string())?;
        let shape = &array.shape;
        if shape.len() != 3 {
            return Err(format!(
                "{}: an image array must have 3 dimensions (images × height × width), found shape {shape:?}",
                path.display()
            ));
        }
        let (n, h, w) = (shape[0], shape[1], shape[2]);
        let ids = match ids {
            Some(ids) if ids.len() != n => {
                return Err(format!(
                    "{}: {n} images but {} ids",
                    path.display(),
                    ids.len()
                ));
            }
            Some(ids) => ids,
            None => {
                let digits = n.saturating_sub(1).to_string().len().max(4);
                (0..n).map(|i| format!("{i:0digits$}")).collect()
            }
        };
        let mut pixels = Vec::with_capacity(array.data.len());
        for (k, &v) in array.data.iter().enumerate() {
            if !v.is_finite() || !(0.0..=1.0).contains(&v) {
                let (i, p) = (k / (h * w), k % (h * w));
                return Err(format!(
                    "{}: image {i} has value {v} at ({}, {}); pixels must be finite and in [0, 1]",
                    path.display(),
                    p / w,
                    p % w
                ));
            }
            pixels.push(v as f32);
        }
        Ok(ImageSet {
            ids,
            height: h,
            width: w,
            pixels,
        })
    }
}

fn column_names(batch: &RecordBatch) -> String {
    let names: Vec<String> = batch
        .schema()
        .fields()
        .iter()
        .map(|f| f.name().clone())
        .collect();
    if names.is_empty() {
        "no columns".into()
    } else {
        names.join(", ")
    }
}

/// The image shifted by (`dx`, `dy`) pixels (right, down), uncovered pixels set to `fill`
/// (the classifier's 5 × 5-pixel translations use the white background, 1.0).
pub fn translate(
    image: &[f32],
    height: usize,
    width: usize,
    dx: i32,
    dy: i32,
    fill: f32,
) -> Vec<f32> {
    let mut out = vec![fill; height * width];
    for r in 0..height as i32 {
        let sr = r - dy;
        if sr < 0 || sr >= height as i32 {
            continue;
        }
        for c in 0..width as i32 {
            let sc = c - dx;
            if sc >= 0 && sc < width as i32 {
                out[(r as usize) * width + c as usize] = image[(sr as usize) * width + sc as usize];
            }
        }
    }
    out
}

/// Encodes a grayscale image (values in [0, 1], clamped) as an 8-bit PNG.
pub fn png_bytes(pixels: &[f32], height: usize, width: usize) -> Result<Vec<u8>, String> {
    use image::ImageEncoder;
    let bytes: Vec<u8> = pixels
        .iter()
        .map(|&v| (v.clamp(0.0, 1.0) * 255.0).round() as u8)
        .collect();
    let mut out = Vec::new();
    image::codecs::png::PngEncoder::new(&mut out)
        .write_image(
            &bytes,
            width as u32,
            height as u32,
            image::ExtendedColorType::L8,
        )
        .map_err(|e| format!("encoding PNG: {e}"))?;
    Ok(out)
}

/// Writes a grayscale PNG.
pub fn write_png(path: &Path, pixels: &[f32], height: usize, width: usize) -> Result<(), String> {
    let bytes = png_bytes(pixels, height, width)?;
    std::fs::write(path, bytes).map_err(|e| format!("{}: {e}", path.display()))
}

/// A grid of equally sized tiles (`tiles[i]` is `h × w`), `cols` per row, separated by `gap`
/// pixels of `gap_value`, as one image (height, width, pixels).
pub fn grid(
    tiles: &[&[f32]],
    h: usize,
    w: usize,
    cols: usize,
    gap: usize,
    gap_value: f32,
) -> (usize, usize, Vec<f32>) {
    let cols = cols.max(1).min(tiles.len().max(1));
    let rows = tiles.len().div_ceil(cols).max(1);
    let (gh, gw) = (rows * h + (rows + 1) * gap, cols * w + (cols + 1) * gap);
    let mut out = vec![gap_value; gh * gw];
    for (t, tile) in tiles.iter().enumerate() {
        let (r0, c0) = (gap + (t / cols) * (h + gap), gap + (t % cols) * (w + gap));
        for r in 0..h {
            out[(r0 + r) * gw + c0..(r0 + r) * gw + c0 + w]
                .copy_from_slice(&tile[r * w..(r + 1) * w]);
        }
    }
    (gh, gw, out)
}

/// Writes the first `max` images of a set as a PNG contact sheet, `cols` per row.
pub fn contact_sheet(set: &ImageSet, max: usize, cols: usize, path: &Path) -> Result<(), String> {
    let n = set.len().min(max);
    let tiles: Vec<&[f32]> = (0..n).map(|i| set.image(i)).collect();
    let (h, w, px) = grid(&tiles, set.height, set.width, cols, 2, 0.5);
    write_png(path, &px, h, w)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn small() -> ImageSet {
        ImageSet::new(
            vec!["a".into(), "b".into()],
            2,
            3,
            vec![0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 1.0, 0.9, 0.8, 0.7, 0.6, 0.5],
        )
    }

    #[test]
    fn image_tables_round_trip() {
        let set = small();
        let table = set.to_table().unwrap();
        assert_eq!(table.num_rows(), 2);
        assert_eq!(ImageSet::from_table(&table, "images").unwrap(), set);
    }

    #[test]
    fn flip_and_translate() {
        let f = small().flipped();
        assert_eq!(f.image(0), &[0.2, 0.1, 0.0, 0.5, 0.4, 0.3]);
        let t = translate(small().image(0), 2, 3, 1, 1, 1.0);
        assert_eq!(t, vec![1.0, 1.0, 1.0, 1.0, 0.0, 0.1]);
    }

    #[test]
    fn bad_tables_are_named() {
        let mut set = small();
        set.ids[1] = "a".into();
        let e = ImageSet::from_table(&set.to_table().unwrap(), "images")
            .unwrap_err()
            .to_string();
        assert!(e.contains("`a` appears twice (rows 0 and 1)"), "{e}");
        let mut set = small();
        set.pixels[7] = f32::NAN;
        let e = ImageSet::from_table(&set.to_table().unwrap(), "images")
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("image `b` (row 1) has pixel value NaN at (row 0, column 1)"),
            "{e}"
        );
        let other = crate::table::f64_table(&[("value", vec![1.0])]).unwrap();
        let e = ImageSet::from_table(&other, "images")
            .unwrap_err()
            .to_string();
        assert!(e.contains("no column `image_id`"), "{e}");
    }
}
