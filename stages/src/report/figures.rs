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
//! with no font backend, text extents are estimates from the character count (see `text_width`).

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
const TITLE_SIZE: u32 = 24;
const LABEL_SIZE: u32 = 15;
const MARGIN: u32 = 12;
const Y_AREA: u32 = 60;
/// The most pixels rotated strip-chart group labels may take below the axis; longer labels are
/// shortened with an ellipsis.
const MAX_ROTATED: u32 = 160;
const DOT_RADIUS: i32 = 4;

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
        let y_fmt = |v: &f64| tick_label(*v, (y0, y1));
        chart
            .configure_mesh()
            .disable_x_mesh()
            .y_label_formatter(&y_fmt)
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
    let text = TextStyle::from((FONT, 20))
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
    let x_fmt = |v: &f64| tick_label(*v, (x0, x1));
    let y_fmt = |v: &f64| tick_label(*v, (y0, y1));
    chart
        .configure_mesh()
        .x_label_formatter(&x_fmt)
        .y_label_formatter(&y_fmt)
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
/// or 1 for zero, when all are equal); `None` when no value is finite. The ends are first clamped
/// to ±1e300 (values beyond are drawn off the plot): plotters' tick search never ends on a range
/// whose width overflows to infinity.
fn padded(values: impl Iterator<Item = f64>) -> Option<(f64, f64)> {
    const LIMIT: f64 = 1e300;
    let (lo, hi) = values
        .filter(|v| v.is_finite())
        .fold(None, |acc, v| match acc {
            None => Some((v, v)),
            Some((lo, hi)) => Some((f64::min(lo, v), f64::max(hi, v))),
        })?;
    let (lo, hi) = (lo.clamp(-LIMIT, LIMIT), hi.clamp(-LIMIT, LIMIT));
    let pad = match hi - lo {
        span if span > 0.0 => 0.05 * span,
        _ if lo != 0.0 => 0.05 * lo.abs(),
        _ => 1.0,
    };
    Some((lo - pad, hi + pad))
}

/// A tick label for `v` on an axis spanning `(lo, hi)`: fixed-point with two digits below the
/// span's order of magnitude (trailing zeros trimmed) for axes within 1e-3..1e6 in magnitude,
/// scientific with four significant digits otherwise. (Plotters' default prints 1e-12 as "0.0"
/// and 1e300 with all its 301 digits.)
fn tick_label(v: f64, (lo, hi): (f64, f64)) -> String {
    let span = hi - lo;
    if v.abs() <= span * 1e-9 {
        return "0".to_string();
    }
    let trim = |m: &str| match m.contains('.') {
        true => m.trim_end_matches('0').trim_end_matches('.').to_string(),
        false => m.to_string(),
    };
    if (1e-3..1e6).contains(&lo.abs().max(hi.abs())) {
        let decimals = (2.0 - span.log10().floor()).clamp(0.0, 9.0) as usize;
        trim(&format!("{v:.decimals$}"))
    } else {
        let s = format!("{v:.3e}");
        let (mantissa, exponent) = s.split_once('e').unwrap_or((&s, "0"));
        format!("{}e{exponent}", trim(mantissa))
    }
}

/// The width of `text` in pixels at the label size, taking half an em per character (plotters'
/// own estimate without a font backend, 0.7 of a smaller em per byte, is too wide for most text).
fn text_width(text: &str) -> f64 {
    LABEL_SIZE as f64 / 1.24 * 0.5 * text.chars().count() as f64
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

    fn group(label: &str, values: &[f64]) -> Group {
        Group {
            label: label.to_string(),
            values: values.to_vec(),
        }
    }

    fn series(label: &str, points: &[(f64, f64)]) -> Series {
        Series {
            label: label.to_string(),
            points: points.to_vec(),
        }
    }

    fn count(svg: &str, needle: &str) -> usize {
        svg.matches(needle).count()
    }

    /// Every `<` opens or closes a tag, every `&` starts one of XML's five entities, and every
    /// opened `<svg>`/`<text>` is closed.
    fn assert_well_formed(svg: &str) {
        for (i, _) in svg.match_indices('<') {
            let next = svg[i + 1..].chars().next().unwrap();
            assert!(
                next.is_ascii_alphabetic() || next == '/',
                "stray '<' at {i}"
            );
        }
        for (i, _) in svg.match_indices('&') {
            let rest = &svg[i..];
            let ok = ["&amp;", "&lt;", "&gt;", "&quot;", "&apos;"]
                .iter()
                .any(|e| rest.starts_with(e));
            assert!(ok, "stray '&' at {i}");
        }
        assert_eq!(count(svg, "<text"), count(svg, "</text>"));
        assert!(svg.starts_with("<svg") && svg.trim_end().ends_with("</svg>"));
    }

    #[test]
    fn strip_chart_is_an_svg_with_its_title_axis_label_and_every_group_label() {
        let groups = [
            group("beta-VAE", &[0.5, 0.7]),
            group("AE", &[0.2]),
            group("PCA", &[]),
        ];
        let svg = strip_chart("Lasso VE", "variance explained", &groups).unwrap();
        assert!(svg.starts_with("<svg"));
        assert!(svg.contains(&format!(r#"width="{WIDTH}" height="{HEIGHT}""#)));
        for text in ["Lasso VE", "variance explained", "beta-VAE", "AE", "PCA"] {
            assert!(svg.contains(&format!("\n{text}\n")), "{text} missing");
        }
        assert_well_formed(&svg);
    }

    #[test]
    fn the_same_inputs_give_identical_bytes() {
        let groups = [group("a", &[1.0, 2.0, 3.0]), group("b", &[2.5, f64::NAN])];
        let s = [
            series("x", &[(0.0, 1.0), (1.0, 0.5)]),
            series("y", &[(0.3, 0.2)]),
        ];
        assert_eq!(
            strip_chart("t", "y", &groups).unwrap(),
            strip_chart("t", "y", &groups).unwrap()
        );
        assert_eq!(
            scatter("t", "x", "y", &s).unwrap(),
            scatter("t", "x", "y", &s).unwrap()
        );
        assert_eq!(
            curves("t", "x", "y", &s).unwrap(),
            curves("t", "x", "y", &s).unwrap()
        );
    }

    #[test]
    fn strip_chart_draws_one_dot_per_finite_value_and_one_mean_bar_per_nonempty_group() {
        let groups = [
            group("a", &[1.0, f64::NAN, 2.0, f64::INFINITY]),
            group("b", &[f64::NEG_INFINITY, 3.0, 4.0, 5.0]),
            group("c", &[f64::NAN]),
        ];
        let svg = strip_chart("t", "y", &groups).unwrap();
        assert_eq!(count(&svg, "<circle"), 5);
        assert_eq!(count(&svg, r#"stroke-width="2""#), 2);
        assert!(!svg.contains("NaN") && !svg.contains("inf"));
    }

    #[test]
    fn no_finite_value_gives_the_title_and_no_data() {
        let figures = [
            strip_chart("empty strip", "y", &[]).unwrap(),
            strip_chart("nan strip", "y", &[group("a", &[f64::NAN])]).unwrap(),
            scatter("empty scatter", "x", "y", &[]).unwrap(),
            curves("nan curves", "x", "y", &[series("s", &[(f64::NAN, 1.0)])]).unwrap(),
        ];
        for (svg, title) in
            figures
                .iter()
                .zip(["empty strip", "nan strip", "empty scatter", "nan curves"])
        {
            assert!(svg.contains(title) && svg.contains("no data"), "{svg}");
            assert_eq!(count(svg, "<circle"), 0);
            assert_well_formed(svg);
        }
    }

    #[test]
    fn scatter_has_a_legend_entry_per_series_and_a_dot_per_finite_point() {
        let s = [
            series("trained", &[(0.0, 1.0), (1.0, f64::NAN), (2.0, 3.0)]),
            series("untrained", &[(0.5, 0.5)]),
        ];
        let svg = scatter("t", "VE", "alignment", &s).unwrap();
        assert!(svg.contains("\ntrained\n") && svg.contains("\nuntrained\n"));
        assert!(svg.contains("\nVE\n") && svg.contains("\nalignment\n"));
        // Three finite points and one legend marker per series, in the series' colours.
        assert_eq!(count(&svg, "<circle"), 5);
        assert_eq!(count(&svg, r##"fill="#E69F00""##), 3);
        assert_eq!(count(&svg, r##"fill="#56B4E9""##), 2);
    }

    #[test]
    fn curves_break_at_non_finite_points_and_dot_lone_points() {
        let pts = [
            (0.0, 0.0),
            (1.0, 1.0),
            (2.0, f64::NAN),
            (3.0, 3.0),
            (4.0, 4.0),
            (5.0, f64::NAN),
            (6.0, 6.0),
        ];
        let svg = curves("t", "x", "y", &[series("s", &pts)]).unwrap();
        // Two line pieces and the legend's line, all 2 px wide; the lone last point is a dot.
        assert_eq!(count(&svg, r#"stroke-width="2""#), 3);
        assert_eq!(count(&svg, "<circle"), 1);
    }

    #[test]
    fn special_characters_in_text_give_well_formed_xml() {
        let title = r#"a < b & "c" > 'd'"#;
        let svg = strip_chart(title, "y & z", &[group("<g>", &[1.0])]).unwrap();
        assert!(svg.contains("a &lt; b &amp; &quot;c&quot; &gt; &apos;d&apos;"));
        assert!(svg.contains("&lt;g&gt;"));
        assert_well_formed(&svg);
        let svg = scatter(title, "x<", "y&", &[series("s & t", &[(1.0, 2.0)])]).unwrap();
        assert!(svg.contains("s &amp; t"));
        assert_well_formed(&svg);
    }

    #[test]
    fn long_group_labels_are_rotated_and_shortened() {
        let long = "a group label far too long to sit under its column, even rotated on its side";
        let groups: Vec<Group> = (0..8)
            .map(|i| group(&format!("{i} {long}"), &[i as f64]))
            .collect();
        let svg = strip_chart("t", "y", &groups).unwrap();
        // The eight group labels and the y-axis label.
        assert_eq!(count(&svg, "rotate(270"), 9);
        assert_eq!(count(&svg, "…"), 8);
        let svg = strip_chart("t", "y", &[group("short", &[1.0])]).unwrap();
        assert_eq!(count(&svg, "rotate(270"), 1);
    }

    #[test]
    fn ranges_are_padded_by_five_percent_and_never_empty() {
        let close =
            |(a, b): (f64, f64), (c, d): (f64, f64)| (a - c).abs() < 1e-12 && (b - d).abs() < 1e-12;
        assert!(close(
            padded([1.0, 3.0, f64::NAN].into_iter()).unwrap(),
            (0.9, 3.1)
        ));
        assert!(close(padded([2.0, 2.0].into_iter()).unwrap(), (1.9, 2.1)));
        assert_eq!(padded([0.0].into_iter()), Some((-1.0, 1.0)));
        assert_eq!(padded([f64::NAN, f64::INFINITY].into_iter()), None);
        assert_eq!(padded(std::iter::empty()), None);
    }

    #[test]
    fn extreme_values_give_a_figure_and_readable_ticks() {
        // Plotters' tick search does not end on a range of infinite width.
        let svg = strip_chart("t", "y", &[group("a", &[-f64::MAX, f64::MAX])]).unwrap();
        assert!(svg.contains("\n1e300\n") && !svg.contains("000000000000"));
        let svg = strip_chart("t", "y", &[group("a", &[1e-12, 1e-12])]).unwrap();
        assert!(svg.contains("\n1e-12\n") && !svg.contains("\n0.0\n"));
        assert_eq!(tick_label(0.5, (0.0, 3.0)), "0.5");
        assert_eq!(tick_label(1e-17, (0.0, 3.0)), "0");
        assert_eq!(tick_label(0.01005, (0.01, 0.0101)), "0.01005");
        assert_eq!(tick_label(-2.5e7, (-3e7, 0.0)), "-2.5e7");
    }
}
