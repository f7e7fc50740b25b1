//! `image-folder`: real images (PNG or JPEG) as an image table — grayscale, centred, resized —
//! with each file's stem as its image id.
//!
//! The real-data entry of DESIGN.md §2 ("Images from a folder (PNG/JPEG; converted to grayscale,
//! centred, resized)"), standing in for the paper's dataset (Higgins et al. 2021, Online
//! Methods, "Dataset": grayscaled, centred, cropped frontal faces).
//!
//! Input: `files`, a gathered list of `files` artifacts (from `import-files`), each a directory
//! walked recursively; every PNG or JPEG file in them (by extension, case-insensitive) is one
//! image. Nothing is dropped silently: a file with another extension is an error (hidden
//! dotfiles such as `.DS_Store` excepted), and so are an unreadable or empty image and two files
//! with one stem — each error names the file.
//!
//! Today a `path` parameter must name a file, so a folder is given file by file:
//! `flow stage image-folder --in files=a.png --in files=b.png …`, or in a pipeline an
//! `import-files` stage with `sweep.path = [...]` gathered into `files`. Once `import-files`
//! accepts a directory (hashed by content like a file), `--in files=faces/` works unchanged.
//!
//! Choices (parameters):
//! - Grayscale: Rec. 709 luma of the (non-linear) sRGB values, `0.2126 R + 0.7152 G + 0.0722 B`,
//!   transparent pixels composited over `background` (default 1.0, white like the synthetic
//!   faces).
//! - Centring (`fit`): `"crop"` (default) cuts the largest centred square; `"pad"` pads the
//!   shorter side symmetrically with `background`.
//! - Resizing to `size × size` (default 64): the `image` crate's triangle (bilinear) filter,
//!   whose support widens with the reduction factor, so downscaling averages.
//! - Order: rows are sorted by image id (byte order).

use std::path::{Path, PathBuf};

use flow_engine::{
    ArtifactType, Inputs, Outputs, ParamSpec, ParamType, ParamValue, Params, PortSpec, RunContext,
    StageError, StageKind,
};
use image::imageops::FilterType;
use image::{ImageBuffer, Luma};

use crate::images::ImageSet;

pub struct ImageFolder;

/// `image-folder`'s params. `size` is an `i64` so that `check` can report values out of range;
/// `run` relies on the check.
#[derive(Debug, Clone, serde::Deserialize)]
struct ImageFolderParams {
    size: i64,
    fit: Fit,
    background: f64,
}

/// How `image-folder` makes an image square.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
enum Fit {
    /// Crop the centre.
    Crop,
    /// Pad with `background`.
    Pad,
}

const EXTENSIONS: [&str; 3] = ["png", "jpg", "jpeg"];

/// Every file under `dir`, recursively, sorted by path.
fn walk(dir: &Path, out: &mut Vec<PathBuf>) -> Result<(), String> {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|e| format!("{}: {e}", dir.display()))?
        .map(|e| {
            e.map(|e| e.path())
                .map_err(|e| format!("{}: {e}", dir.display()))
        })
        .collect::<Result<_, _>>()?;
    entries.sort();
    for path in entries {
        if path.is_dir() {
            walk(&path, out)?;
        } else {
            out.push(path);
        }
    }
    Ok(())
}

/// Converts one decoded image: grayscale over `background`, centred square, resized.
pub fn prepare(img: &image::DynamicImage, size: usize, pad: bool, background: f32) -> Vec<f32> {
    let rgba = img.to_rgba32f();
    let (w, h) = (rgba.width(), rgba.height());
    let gray: Vec<f32> = rgba
        .pixels()
        .map(|p| {
            let [r, g, b, a] = p.0;
            let l = 0.2126 * r + 0.7152 * g + 0.0722 * b;
            (l * a + background * (1.0 - a)).clamp(0.0, 1.0)
        })
        .collect();
    let side = if pad { w.max(h) } else { w.min(h) };
    let mut square = vec![background; (side * side) as usize];
    // Offsets of the source in the square (pad) or of the square in the source (crop).
    let (ox, oy) = (
        ((side as i64 - w as i64) / 2),
        ((side as i64 - h as i64) / 2),
    );
    for y in 0..side as i64 {
        let sy = y - oy;
        if sy < 0 || sy >= h as i64 {
            continue;
        }
        for x in 0..side as i64 {
            let sx = x - ox;
            if sx >= 0 && sx < w as i64 {
                square[(y * side as i64 + x) as usize] = gray[(sy * w as i64 + sx) as usize];
            }
        }
    }
    let buf: ImageBuffer<Luma<f32>, Vec<f32>> =
        ImageBuffer::from_raw(side, side, square).expect("sized buffer");
    let resized = if side as usize == size {
        buf
    } else {
        image::imageops::resize(&buf, size as u32, size as u32, FilterType::Triangle)
    };
    resized
        .into_raw()
        .into_iter()
        .map(|v| v.clamp(0.0, 1.0))
        .collect()
}

impl StageKind for ImageFolder {
    fn name(&self) -> &'static str {
        "image-folder"
    }

    fn version(&self) -> u32 {
        1
    }

    fn summary(&self) -> &'static str {
        "PNG/JPEG files → an image table (grayscale, centred, resized; file stem = image id)"
    }

    fn params(&self) -> Vec<ParamSpec> {
        vec![
            ParamSpec::with_default(
                "size",
                ParamType::Int,
                ParamValue::Int(64),
                "output height and width in pixels",
            ),
            ParamSpec::with_default(
                "fit",
                ParamType::Choice(&["crop", "pad"]),
                ParamValue::Str("crop".into()),
                "make the image square by cropping its centre, or by padding with `background`",
            ),
            ParamSpec::with_default(
                "background",
                ParamType::Float,
                ParamValue::Float(1.0),
                "gray level for padding and transparency (1 = white)",
            ),
        ]
    }

    fn inputs(&self) -> Vec<PortSpec> {
        vec![PortSpec::many(
            "files",
            ArtifactType::Files,
            "directories of PNG/JPEG files (from `import-files`), walked recursively",
        )]
    }

    fn outputs(&self) -> Vec<PortSpec> {
        vec![PortSpec::one(
            "images",
            ArtifactType::Table,
            "image table: image_id (file stem), height, width, pixels",
        )]
    }

    fn check(
        &self,
        params: &Params,
        _connected: &flow_engine::ConnectedPorts,
    ) -> Result<(), StageError> {
        let p: ImageFolderParams = params.parse()?;
        let size = p.size;
        if !(1..=4096).contains(&size) {
            return Err(StageError::param(
                "size",
                format!("must be in [1, 4096], got {size}"),
            ));
        }
        let b = p.background;
        if !(0.0..=1.0).contains(&b) {
            return Err(StageError::param(
                "background",
                format!("must be in [0, 1], got {b}"),
            ));
        }
        Ok(())
    }

    fn run(&self, inputs: &Inputs, ctx: &RunContext) -> Result<Outputs, StageError> {
        let p: ImageFolderParams = ctx.params().parse()?;
        let size = p.size as usize;
        let pad = p.fit == Fit::Pad;
        let background = p.background as f32;
        let bad = |m: String| StageError::input("files", m);

        // (id, shown name, path)
        let mut files: Vec<(String, String, PathBuf)> = Vec::new();
        for input in inputs.all("files") {
            let flow_engine::Artifact::Files(root) = &input.artifact else {
                return Err(bad(format!("from {}: expected files", input.node)));
            };
            let mut found = Vec::new();
            walk(root, &mut found).map_err(bad)?;
            for path in found {
                let shown = path
                    .strip_prefix(root)
                    .unwrap_or(&path)
                    .display()
                    .to_string();
                let name = path
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default();
                if name.starts_with('.') {
                    continue;
                }
                let ext = path
                    .extension()
                    .map(|e| e.to_string_lossy().to_lowercase())
                    .unwrap_or_default();
                if !EXTENSIONS.contains(&ext.as_str()) {
                    return Err(bad(format!(
                        "{shown} (from {}): not a PNG or JPEG file (by its extension); image-folder reads .png, .jpg and .jpeg files only — remove it from the folder",
                        input.node
                    )));
                }
                let stem = path
                    .file_stem()
                    .map(|s| s.to_string_lossy().into_owned())
                    .unwrap_or_default();
                files.push((stem, format!("{shown} (from {})", input.node), path));
            }
        }
        if files.is_empty() {
            return Err(bad("holds no PNG or JPEG file".into()));
        }
        files.sort_by(|a, b| a.0.cmp(&b.0).then(a.1.cmp(&b.1)));
        for pair in files.windows(2) {
            if pair[0].0 == pair[1].0 {
                return Err(bad(format!(
                    "two files have the image id `{}`: {} and {}; image ids are file stems and must be unique",
                    pair[0].0, pair[0].1, pair[1].1
                )));
            }
        }

        let mut pixels = Vec::with_capacity(files.len() * size * size);
        for (k, (_, shown, path)) in files.iter().enumerate() {
            ctx.check_cancelled()?;
            let img = image::ImageReader::open(path)
                .and_then(|r| r.with_guessed_format())
                .map_err(|e| bad(format!("{shown}: cannot read: {e}")))?
                .decode()
                .map_err(|e| bad(format!("{shown}: not a readable PNG or JPEG image: {e}")))?;
            if img.width() == 0 || img.height() == 0 {
                return Err(bad(format!(
                    "{shown}: the image is empty ({}×{})",
                    img.width(),
                    img.height()
                )));
            }
            pixels.extend(prepare(&img, size, pad, background));
            ctx.progress(k as u64 + 1, files.len() as u64, "images");
        }
        let set = ImageSet::new(files.into_iter().map(|f| f.0).collect(), size, size, pixels);
        Ok(Outputs::new().table("images", set.to_table()?))
    }
}
