//! The report's figures: strip charts, scatter plots and line charts, drawn with plotters as
//! self-contained SVG strings (no external fonts, images or scripts).
//!
//! Plain data in, an SVG `String` out. The bytes are deterministic: the same inputs give the same
//! SVG (no randomness, no timestamps; the horizontal spread of a strip chart's dots is a function
//! of each value's index in its group). Non-finite values (NaN, ±inf) are skipped: a strip-chart
//! value or a scatter point with a non-finite coordinate is not drawn and does not count towards
//! the axis ranges or a group's mean; a curve is broken at a non-finite point. Input with no
//! finite value at all still gives a valid SVG, with the title and the text "no data".
//!
//! Colours come from the Okabe–Ito palette (colour-blind friendly), cycled by series or group
//! index. Text is emitted as SVG `<text>` (plotters' SVG backend escapes `<`, `&` and quotes);
//! without a font backend, plotters estimates text extents from the character count, which is
//! what the layout here uses too.

use plotters::coord::Shift;
use plotters::coord::types::RangedCoordf64;
use plotters::drawing::DrawingAreaErrorKind;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

/// One category of a strip chart: its label and its values (one point each).
#[derive(Debug, Clone, PartialEq)]
pub struct Group {
    pub label: String,
    pub values: Vec<f64>,
}

/// One coloured set of (x, y) points or a curve, with its legend label.
#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    pub label: String,
    pub points: Vec<(f64, f64)>,
}

/// Width of every figure in pixels.
pub const WIDTH: u32 = 640;
/// Height of every figure in pixels.
pub const HEIGHT: u32 = 400;

/// Why a figure could not be drawn (plotters' drawing error, as its message).
#[derive(Debug, thiserror::Error)]
pub enum FigureError {
    #[error("drawing the figure failed: {0}")]
    Draw(String),
}

impl<E: std::error::Error + Send + Sync> From<DrawingAreaErrorKind<E>> for FigureError {
    fn from(e: DrawingAreaErrorKind<E>) -> Self {
        FigureError::Draw(e.to_string())
    }
}

/// The Okabe–Ito palette, without its black (used for means and axes); yellow last, being the
/// hardest to see on white.
const PALETTE: [RGBColor; 7] = [
    RGBColor(0xE6, 0x9F, 0x00), // orange
    RGBColor(0x56, 0xB4, 0xE9), // sky blue
    RGBColor(0x00, 0x9E, 0x73), // bluish green
    RGBColor(0x00, 0x72, 0xB2), // blue
    RGBColor(0xD5, 0x5E, 0x00), // vermillion
    RGBColor(0xCC, 0x79, 0xA7), // reddish purple
    RGBColor(0xF0, 0xE4, 0x42), // yellow
];

fn colour(i: usize) -> RGBColor {
    PALETTE[i % PALETTE.len()]
}

const FONT: &str = "sans-serif";
const TITLE_SIZE: u32 = 20;
const LABEL_SIZE: u32 = 12;
const MARGIN: u32 = 12;
const Y_AREA: u32 = 60;
/// The most pixels rotated strip-chart group labels may take below the axis; longer labels are
/// shortened with an ellipsis.
const MAX_ROTATED: u32 = 150;
const DOT_RADIUS: i32 = 3;

type Root<'a> = DrawingArea<SVGBackend<'a>, Shift>;
type Chart<'a, 'b> = ChartContext<'a, SVGBackend<'b>, Cartesian2d<RangedCoordf64, RangedCoordf64>>;

/// Categorical strip chart: one column per group (x = group label, rotated if the labels do not
/// fit side by side), every finite value a dot spread horizontally by its index within the group,
/// and a short black bar at the group's mean. The y range is the finite data's with 5% padding.
pub fn strip_chart(title: &str, y_label: &str, groups: &[Group]) -> Result<String, FigureError> {
    let Some((y0, y1)) = padded(groups.iter().flat_map(|g| g.values.iter().copied())) else {
        return render(|root| no_data(root, title));
    };
    let n = groups.len();
    let slot = (WIDTH - 2 * MARGIN - Y_AREA) as f64 / n as f64;
    let widest = groups
        .iter()
        .map(|g| text_width(&g.label))
        .fold(0.0, f64::max);
    let rotate = widest > slot - 6.0;
    let x_area = if rotate {
        widest.min(MAX_ROTATED as f64) as u32 + 14
    } else {
        30
    };
    render(|root| {
        let mut chart = ChartBuilder::on(root)
            .caption(title, (FONT, TITLE_SIZE))
            .margin(MARGIN)
            .x_label_area_size(x_area)
            .y_label_area_size(Y_AREA)
            .build_cartesian_2d(-0.5..n as f64 - 0.5, y0..y1)?;
        chart
            .configure_mesh()
            .disable_x_mesh()
            .max_light_lines(0)
            .bold_line_style(BLACK.mix(0.1))
            .x_labels(0)
            .y_desc(y_label)
            .label_style((FONT, LABEL_SIZE))
            .draw()?;
        for (i, g) in groups.iter().enumerate() {
            let finite: Vec<f64> = g.values.iter().copied().filter(|v| v.is_finite()).collect();
            let k = finite.len();
            let style = colour(i).mix(0.85).filled();
            let x = |j: usize| match k {
                0 | 1 => i as f64,
                _ => i as f64 + (j as f64 / (k - 1) as f64 - 0.5) * 0.5,
            };
            chart.draw_series(
                finite
                    .iter()
                    .enumerate()
                    .map(|(j, &v)| Circle::new((x(j), v), DOT_RADIUS, style)),
            )?;
            if k > 0 {
                let mean = finite.iter().sum::<f64>() / k as f64;
                let bar = vec![(i as f64 - 0.35, mean), (i as f64 + 0.35, mean)];
                chart.draw_series(std::iter::once(PathElement::new(
                    bar,
                    BLACK.stroke_width(2),
                )))?;
            }
            let (px, py) = chart.backend_coord(&(i as f64, y0));
            root.draw(&PathElement::new(vec![(px, py), (px, py + 5)], BLACK))?;
            let text = TextStyle::from((FONT, LABEL_SIZE)).color(&BLACK);
            if rotate {
                let label = shorten(&g.label, MAX_ROTATED as f64);
                let text = text
                    .transform(FontTransform::Rotate270)
                    .pos(Pos::new(HPos::Right, VPos::Center));
                root.draw_text(&label, &text, (px, py + 8))?;
            } else {
                root.draw_text(
                    &g.label,
                    &text.pos(Pos::new(HPos::Center, VPos::Top)),
                    (px, py + 8),
                )?;
            }
        }
        Ok(())
    })
}

/// Scatter plot: one colour per series, a legend with the series labels, axis labels. A point
/// with a non-finite coordinate is skipped.
pub fn scatter(
    title: &str,
    x_label: &str,
    y_label: &str,
    series: &[Series],
) -> Result<String, FigureError> {
    let finite: Vec<Vec<(f64, f64)>> = series
        .iter()
        .map(|s| s.points.iter().copied().filter(|&p| is_finite(p)).collect())
        .collect();
    let points = || finite.iter().flatten();
    let (Some(xr), Some(yr)) = (padded(points().map(|p| p.0)), padded(points().map(|p| p.1)))
    else {
        return render(|root| no_data(root, title));
    };
    render(|root| {
        let mut chart = xy_chart(root, title, x_label, y_label, xr, yr)?;
        for (i, (s, pts)) in series.iter().zip(&finite).enumerate() {
            let style = colour(i).mix(0.85).filled();
            let anno = chart.draw_series(pts.iter().map(|&p| Circle::new(p, DOT_RADIUS, style)))?;
            if !s.label.is_empty() {
                anno.label(s.label.as_str())
                    .legend(move |(x, y)| Circle::new((x + 10, y), DOT_RADIUS, style));
            }
        }
        legend(&mut chart, series)
    })
}

/// Line chart: one polyline per series through its points in the order given, a legend, axis
/// labels. A non-finite point breaks the line; a finite point between two breaks is a dot.
pub fn curves(
    title: &str,
    x_label: &str,
    y_label: &str,
    series: &[Series],
) -> Result<String, FigureError> {
    let runs: Vec<Vec<Vec<(f64, f64)>>> = series.iter().map(|s| finite_runs(&s.points)).collect();
    let points = || runs.iter().flatten().flatten();
    let (Some(xr), Some(yr)) = (padded(points().map(|p| p.0)), padded(points().map(|p| p.1)))
    else {
        return render(|root| no_data(root, title));
    };
    render(|root| {
        let mut chart = xy_chart(root, title, x_label, y_label, xr, yr)?;
        for (i, (s, runs)) in series.iter().zip(&runs).enumerate() {
            let line = colour(i).stroke_width(2);
            let lines = runs.iter().filter(|r| r.len() > 1);
            let anno = chart.draw_series(lines.map(|r| PathElement::new(r.clone(), line)))?;
            if !s.label.is_empty() {
                anno.label(s.label.as_str())
                    .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], line));
            }
            let lone = runs.iter().filter(|r| r.len() == 1);
            let dot = colour(i).filled();
            chart.draw_series(lone.map(|r| Circle::new(r[0], DOT_RADIUS, dot)))?;
        }
        legend(&mut chart, series)
    })
}

/// Draws into a fresh white SVG of the figure size and returns its text.
fn render(draw: impl FnOnce(&Root) -> Result<(), FigureError>) -> Result<String, FigureError> {
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (WIDTH, HEIGHT)).into_drawing_area();
        root.fill(&WHITE)?;
        draw(&root)?;
        root.present()?;
    }
    Ok(svg)
}

/// The title and "no data" in the middle.
fn no_data(root: &Root, title: &str) -> Result<(), FigureError> {
    let area = root.titled(title, (FONT, TITLE_SIZE))?;
    let (w, h) = area.dim_in_pixel();
    let grey = BLACK.mix(0.6);
    let text = TextStyle::from((FONT, 16))
        .color(&grey)
        .pos(Pos::new(HPos::Center, VPos::Center));
    area.draw_text("no data", &text, (w as i32 / 2, h as i32 / 2))?;
    Ok(())
}

/// A numeric x–y chart with its mesh and axis labels drawn.
fn xy_chart<'a, 'b>(
    root: &'a Root<'b>,
    title: &str,
    x_label: &str,
    y_label: &str,
    (x0, x1): (f64, f64),
    (y0, y1): (f64, f64),
) -> Result<Chart<'a, 'b>, FigureError> {
    let mut chart = ChartBuilder::on(root)
        .caption(title, (FONT, TITLE_SIZE))
        .margin(MARGIN)
        .x_label_area_size(40)
        .y_label_area_size(Y_AREA)
        .build_cartesian_2d(x0..x1, y0..y1)?;
    chart
        .configure_mesh()
        .max_light_lines(0)
        .bold_line_style(BLACK.mix(0.1))
        .x_desc(x_label)
        .y_desc(y_label)
        .label_style((FONT, LABEL_SIZE))
        .draw()?;
    Ok(chart)
}

/// The legend box, when some series has a label.
fn legend<'a, 'b: 'a>(chart: &mut Chart<'a, 'b>, series: &[Series]) -> Result<(), FigureError> {
    if series.iter().any(|s| !s.label.is_empty()) {
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::UpperRight)
            .background_style(WHITE.mix(0.85))
            .border_style(BLACK.mix(0.4))
            .label_font((FONT, LABEL_SIZE))
            .draw()?;
    }
    Ok(())
}

fn is_finite((x, y): (f64, f64)) -> bool {
    x.is_finite() && y.is_finite()
}

/// The maximal runs of consecutive finite points.
fn finite_runs(points: &[(f64, f64)]) -> Vec<Vec<(f64, f64)>> {
    points
        .split(|&p| !is_finite(p))
        .filter(|r| !r.is_empty())
        .map(<[_]>::to_vec)
        .collect()
}

/// The range of the finite values widened by 5% of its span on each side (by 5% of the value,
/// or 1 for zero, when all are equal); `None` when no value is finite. Computed from the midpoint
/// and half-span so that huge values do not overflow.
fn padded(values: impl Iterator<Item = f64>) -> Option<(f64, f64)> {
    let (lo, hi) = values
        .filter(|v| v.is_finite())
        .fold(None, |acc, v| match acc {
            None => Some((v, v)),
            Some((lo, hi)) => Some((f64::min(lo, v), f64::max(hi, v))),
        })?;
    let (mid, half) = (lo / 2.0 + hi / 2.0, hi / 2.0 - lo / 2.0);
    let half = match half {
        h if h > 0.0 => h * 1.1,
        _ if mid != 0.0 => mid.abs() * 0.05,
        _ => 1.0,
    };
    Some(((mid - half).max(-f64::MAX), (mid + half).min(f64::MAX)))
}

/// The width of `text` in pixels at the label size, as plotters estimates it without a font
/// backend (0.7 em per character, em = size / 1.24²), but counting characters, not bytes.
fn text_width(text: &str) -> f64 {
    LABEL_SIZE as f64 / 1.24 / 1.24 * 0.7 * text.chars().count() as f64
}

/// `text`, cut and ended with an ellipsis if wider than `max` pixels.
fn shorten(text: &str, max: f64) -> String {
    if text_width(text) <= max {
        return text.to_string();
    }
    let mut out = String::new();
    for c in text.chars() {
        if text_width(&out) + 2.0 * text_width("…") > max {
            break;
        }
        out.push(c);
    }
    out.push('…');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dump() {
        let g = vec![
            Group {
                label: "a <b> & c".into(),
                values: vec![1.0, 2.0, f64::NAN, 3.5],
            },
            Group {
                label: "two".into(),
                values: vec![0.25],
            },
            Group {
                label: "empty".into(),
                values: vec![],
            },
        ];
        std::fs::write("/tmp/strip.svg", strip_chart("T & <x>", "VE", &g).unwrap()).unwrap();
        let long: Vec<Group> = (0..8)
            .map(|i| Group {
                label: format!("a rather long label number {i} for testing rotation"),
                values: vec![i as f64, 1e-3],
            })
            .collect();
        std::fs::write(
            "/tmp/strip_long.svg",
            strip_chart("long", "VE", &long).unwrap(),
        )
        .unwrap();
        let s = vec![
            Series {
                label: "one".into(),
                points: vec![(0.0, 1.0), (1.0, f64::INFINITY), (2.0, 3.0)],
            },
            Series {
                label: "two".into(),
                points: vec![(0.5, 1.5), (f64::NAN, 1.0), (2.5, 0.5), (3.0, 0.7)],
            },
        ];
        std::fs::write("/tmp/scatter.svg", scatter("S", "x", "y", &s).unwrap()).unwrap();
        std::fs::write("/tmp/curves.svg", curves("C", "x", "y", &s).unwrap()).unwrap();
        std::fs::write("/tmp/empty.svg", curves("E", "x", "y", &[]).unwrap()).unwrap();
        std::fs::write(
            "/tmp/huge.svg",
            strip_chart(
                "H",
                "y",
                &[Group {
                    label: "h".into(),
                    values: vec![-f64::MAX, f64::MAX],
                }],
            )
            .unwrap(),
        )
        .unwrap();
        std::fs::write(
            "/tmp/same.svg",
            strip_chart(
                "H",
                "y",
                &[Group {
                    label: "h".into(),
                    values: vec![1e-12, 1e-12],
                }],
            )
            .unwrap(),
        )
        .unwrap();
    }
}
