//! The report's HTML: one self-contained page (inline CSS, SVG figures inline, PNG images as
//! base64 data URLs, no script, nothing fetched), with stable ids a test or a reader can find:
//! every figure is a `<figure id="fig-…" data-world="…">`, every claim a
//! `<tr data-claim="…">` whose cells carry the exact numbers in `data-*` attributes.

use std::collections::BTreeMap;
use std::fmt::Write;

use base64::Engine;
use flow_collect::polars::prelude::{AnyValue, DataFrame};

use crate::report::stage::Outcome;

/// `&`, `<`, `>`, `"` and `'` as entities.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// A number for reading: 3 significant digits (scientific below 1e-3), `—` when missing.
pub fn short(x: Option<f64>) -> String {
    match x {
        None => "—".into(),
        Some(v) if !v.is_finite() => "—".into(),
        Some(v) if v != 0.0 && v.abs() < 1e-3 => format!("{v:.2e}"),
        Some(v) => format!("{v:.3}"),
    }
}

/// A number for machines: Rust's shortest round-trip form, empty when missing.
fn exact(x: Option<f64>) -> String {
    x.filter(|v| v.is_finite())
        .map(|v| format!("{v:?}"))
        .unwrap_or_default()
}

/// One part of the page: a heading, figures and images.
pub struct Section {
    id: String,
    title: String,
    body: String,
}

impl Section {
    pub fn new(id: &str, title: &str) -> Section {
        Section {
            id: id.to_string(),
            title: title.to_string(),
            body: String::new(),
        }
    }

    /// An inline SVG figure with an id (`fig-3b`); the section's id names its world.
    pub fn figure(&mut self, id: &str, svg: String) {
        let world = self.id.strip_prefix("world-").unwrap_or("");
        let _ = writeln!(
            self.body,
            "<figure id=\"{}-{}\" class=\"fig\" data-figure=\"{}\" data-world=\"{}\">{svg}</figure>",
            escape(id),
            escape(world),
            escape(id),
            escape(world)
        );
    }

    /// An inline SVG without an id of its own.
    pub fn svg(&mut self, svg: String) {
        let _ = writeln!(
            self.body,
            "<figure class=\"fig\" data-figure=\"{}\">{svg}</figure>",
            escape(&self.id)
        );
    }

    /// A table of text cells (escaped here) with a header row and an id.
    pub fn table(&mut self, id: &str, header: &[&str], rows: &[Vec<String>]) {
        let _ = write!(self.body, "<table id=\"{}\"><tr>", escape(id));
        for h in header {
            let _ = write!(self.body, "<th class=\"t\">{}</th>", escape(h));
        }
        self.body.push_str("</tr>\n");
        for row in rows {
            self.body.push_str("<tr>");
            for cell in row {
                let _ = write!(self.body, "<td>{}</td>", escape(cell));
            }
            self.body.push_str("</tr>\n");
        }
        self.body.push_str("</table>\n");
    }

    /// A paragraph of text (escaped here).
    pub fn note(&mut self, text: &str) {
        let _ = writeln!(self.body, "<p class=\"small\">{}</p>", escape(text));
    }

    /// A PNG image, embedded, with a caption.
    pub fn image(&mut self, caption: &str, png: &[u8]) {
        let data = base64::engine::general_purpose::STANDARD.encode(png);
        let _ = writeln!(
            self.body,
            "<figure class=\"img\" data-figure=\"{}\"><img alt=\"{}\" src=\"data:image/png;base64,{data}\"><figcaption>{}</figcaption></figure>",
            escape(&self.id),
            escape(caption),
            escape(caption)
        );
    }
}

/// The page under construction.
pub struct Page {
    title: String,
    sections: Vec<Section>,
    summary: String,
    claims: String,
}

const STYLE: &str = "body{font-family:system-ui,sans-serif;margin:1em;color:#222}\
h1{font-size:1.6em}h2{border-bottom:1px solid #ccc;padding-top:1em}\
.figs{display:flex;flex-wrap:wrap;gap:8px}.fig svg{width:640px;height:400px}\
.img img{max-width:640px;image-rendering:pixelated}figure{margin:4px}\
table{border-collapse:collapse;font-size:0.85em;margin:1em 0}\
td,th{border:1px solid #ccc;padding:3px 6px;text-align:right}td.t,th.t{text-align:left}\
#claims td.t:nth-child(2){min-width:16em}#claims td.na{white-space:normal}#claims td.t:nth-child(3){min-width:10em}#claims td{white-space:nowrap}#claims td.t{white-space:normal}\
.small{font-size:0.8em;color:#444}\
.yes{background:#d9f2d9}.no{background:#f8d7d7}.na{color:#888}\
footer{margin-top:3em;font-size:0.8em;color:#555}";

impl Page {
    pub fn new(title: &str) -> Page {
        Page {
            title: title.to_string(),
            sections: Vec::new(),
            summary: String::new(),
            claims: String::new(),
        }
    }

    pub fn push(&mut self, section: Section) {
        self.sections.push(section);
    }

    /// The per-class summary table (any data frame: a column per field).
    pub fn summary(&mut self, frame: &DataFrame) {
        let mut t = String::from("<table id=\"summary\"><tr>");
        for name in frame.get_column_names() {
            let _ = write!(t, "<th class=\"t\">{}</th>", escape(name));
        }
        t.push_str("</tr>\n");
        for r in 0..frame.height() {
            t.push_str("<tr>");
            for c in frame.columns() {
                let cell = match c.get(r) {
                    Ok(AnyValue::Null) | Err(_) => "—".to_string(),
                    Ok(AnyValue::String(s)) => escape(s),
                    Ok(AnyValue::Float64(x)) => short(Some(x)),
                    Ok(v) => escape(&v.to_string()),
                };
                let _ = write!(t, "<td>{cell}</td>");
            }
            t.push_str("</tr>\n");
        }
        t.push_str("</table>");
        self.summary = t;
    }

    /// The claims table: one row per claim, per world its test's numbers and whether it holds.
    pub fn claims(
        &mut self,
        outcomes: &[Outcome],
        worlds: &[String],
        diagnostic: &BTreeMap<String, Option<bool>>,
    ) {
        let mut t = String::from(
            "<table id=\"claims\"><tr><th class=\"t\" rowspan=\"2\">fig.</th><th class=\"t\" rowspan=\"2\">claim</th><th class=\"t\" rowspan=\"2\">paper; rule here</th><th class=\"t\" rowspan=\"2\">test (a vs b)</th>",
        );
        for w in worlds {
            let _ = write!(t, "<th colspan=\"4\">{}</th>", escape(w));
        }
        t.push_str("<th rowspan=\"2\">diagnostic</th></tr>\n<tr>");
        for _ in worlds {
            t.push_str("<th>a vs b<br>(n)</th><th>t or ρ</th><th>p</th><th>holds</th>");
        }
        t.push_str("</tr>\n");
        let mut seen: Vec<&str> = Vec::new();
        for o in outcomes {
            if seen.contains(&o.claim.id.as_str()) {
                continue;
            }
            seen.push(&o.claim.id);
            let c = &o.claim;
            let _ = write!(
                t,
                "<tr data-claim=\"{}\"><td class=\"t\">{}</td><td class=\"t\">{}</td><td class=\"t small\">{}<br>{}</td><td class=\"t small\">{} {}<br>({} vs {})</td>",
                escape(&c.id),
                escape(&c.figure),
                escape(&c.text),
                escape(&c.paper),
                escape(&c.rule.describe()),
                escape(&c.test),
                escape(&c.metric),
                escape(&c.a),
                escape(&c.b)
            );
            for w in worlds {
                let Some(o) = outcomes
                    .iter()
                    .find(|x| x.claim.id == c.id && x.world == *w)
                else {
                    continue;
                };
                match &o.row {
                    None => {
                        let _ = write!(
                            t,
                            "<td class=\"na\" colspan=\"4\" data-world=\"{}\">not tested (a class missing, or under 2 models)</td>",
                            escape(w)
                        );
                    }
                    Some(r) => {
                        let _ = write!(
                            t,
                            "<td data-world=\"{w}\" data-n-a=\"{}\" data-n-b=\"{}\" data-mean-a=\"{}\" data-mean-b=\"{}\">{} vs {}<br><span class=\"small\">({} / {})</span></td>\
                             <td data-world=\"{w}\" data-statistic=\"{}\" class=\"stat\">{}</td>\
                             <td data-world=\"{w}\" data-p=\"{}\">{}</td>",
                            r.n_a,
                            r.n_b,
                            exact(r.mean_a),
                            exact(r.mean_b),
                            short(r.mean_a),
                            short(r.mean_b),
                            r.n_a,
                            r.n_b,
                            exact(r.statistic),
                            short(r.statistic),
                            exact(r.p),
                            short(r.p),
                            w = escape(w)
                        );
                        let (class, text) = match o.holds {
                            Some(true) => ("yes", "holds"),
                            Some(false) => ("no", "does not hold"),
                            None => ("na", "—"),
                        };
                        let _ = write!(
                            t,
                            "<td class=\"{class}\" data-world=\"{}\" data-holds=\"{}\">{text}</td>",
                            escape(w),
                            o.holds.map_or("", |h| if h { "true" } else { "false" })
                        );
                    }
                }
            }
            let d = diagnostic.get(&c.id).copied().flatten();
            let _ = writeln!(
                t,
                "<td data-diagnostic=\"{}\">{}</td></tr>",
                d.map_or("", |d| if d { "true" } else { "false" }),
                match d {
                    Some(true) => "yes",
                    Some(false) => "no",
                    None => "—",
                }
            );
        }
        t.push_str("</table>");
        self.claims = t;
    }

    pub fn render(&self) -> String {
        let mut html = format!(
            "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>{}</title><style>{STYLE}</style></head><body>\n<h1>{}</h1>\n",
            escape(&self.title),
            escape(&self.title)
        );
        html.push_str("<h2 id=\"claims-heading\">Claims</h2>\n<p>Each claim of the paper's Results, the test that checks it (a row of the pipeline's <code>stats</code> table), and whether it holds in each world. A claim is <em>diagnostic</em> when it holds with single-factor neurons and not with mixed ones.</p>\n");
        html.push_str(&self.claims);
        html.push_str("\n<h2 id=\"summary-heading\">Models per class</h2>\n<p>Alignment beside its informative-unit entropy base, variance explained and the number of informative units: a model with few informative units can score a high alignment without explaining the neurons.</p>\n");
        html.push_str(&self.summary);
        for s in &self.sections {
            let _ = write!(
                html,
                "\n<section id=\"{}\"><h2>{}</h2><div class=\"figs\">\n{}</div></section>",
                escape(&s.id),
                escape(&s.title),
                s.body
            );
        }
        html.push_str(
            "\n<footer id=\"provenance\">\n<!-- flow:provenance -->\n</footer>\n</body></html>\n",
        );
        html
    }
}
