//! Writes the documentation pictures of the synthetic world:
//! `docs/faces-contact-sheet.png` (the first 64 faces of `synthetic-faces` with its defaults and
//! seed 0, at the 64 × 64 training size) and `docs/faces-traversals.png` (each of the 13 factors
//! varied from 0 to 1 in 7 steps, the others at 0.5, at 96 × 96).
//!
//! ```sh
//! cargo run --release -p flow-stages --example faces_sheets   # from the repository root
//! ```

use flow_stages::images::{ImageSet, contact_sheet, write_png};
use flow_stages::world::face_renderer::FACTOR_NAMES;
use flow_stages::world::synthetic_faces::{draw_factors, render_all, traversal_sheet};

fn main() {
    let docs = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs");
    std::fs::create_dir_all(&docs).expect("docs/");
    let faces = draw_factors(64, &FACTOR_NAMES, "uniform", 0);
    let set = ImageSet::new(
        (0..64).map(|i| format!("face{i:04}")).collect(),
        64,
        64,
        render_all(&faces, 64, 2),
    );
    contact_sheet(&set, 64, 8, &docs.join("faces-contact-sheet.png")).expect("contact sheet");
    let (h, w, px) = traversal_sheet(&FACTOR_NAMES, 96, 2);
    write_png(&docs.join("faces-traversals.png"), &px, h, w).expect("traversals");
    println!(
        "wrote {} and {}",
        docs.join("faces-contact-sheet.png").display(),
        docs.join("faces-traversals.png").display()
    );
}
