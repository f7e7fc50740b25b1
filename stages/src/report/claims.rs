//! The claims table: each claim of the paper's Results, the statistic the paper gives for it,
//! the row of the `stats` table that tests it in each world, and whether it holds there.
//!
//! A claim never computes a number: it looks up one row of a `stats` table (Welch's t-test
//! between two classes on one metric, or a Spearman correlation) and applies its rule to that
//! row. So every number in the claims table is a number of a `stats` table, which the
//! end-to-end test checks.
//!
//! Rules (the paper's wording → flow's test of it):
//! - "no reliable difference" (the ceiling, p = 0.43): holds iff p ≥ α (α = 0.05);
//! - "higher" / "lower" / "a significant drop" (all p < 0.01): holds iff the means differ in
//!   the claimed direction and p < α (α = 0.01);
//! - a positive relation (β vs UDR, UDR vs alignment; no statistic given): holds iff ρ > 0 and
//!   p < α (α = 0.05).
//!
//! A claim is **diagnostic** of single-neuron alignment when it holds in the single-factor world
//! and not in the mixed one: a claim that holds in both (or neither) cannot tell the two codes
//! apart (docs/METHODS.md §9).

use crate::report::stat_row::StatRow;

/// What a claim asserts about its row.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Rule {
    /// No reliable difference: p ≥ α.
    NoDifference { alpha: f64 },
    /// mean_a > mean_b and p < α.
    Higher { alpha: f64 },
    /// mean_a < mean_b and p < α.
    Lower { alpha: f64 },
    /// A correlation: ρ > 0 and p < α.
    Positive { alpha: f64 },
}

impl Rule {
    /// Whether `row` (oriented as the claim's a, b) satisfies the rule; `None` when the row has
    /// no p-value.
    pub fn holds(&self, row: &StatRow) -> Option<bool> {
        let p = row.p?;
        Some(match *self {
            Rule::NoDifference { alpha } => p >= alpha,
            Rule::Higher { alpha } => row.mean_a? > row.mean_b? && p < alpha,
            Rule::Lower { alpha } => row.mean_a? < row.mean_b? && p < alpha,
            Rule::Positive { alpha } => row.statistic? > 0.0 && p < alpha,
        })
    }

    /// The rule in words, for the table.
    pub fn describe(&self) -> String {
        match *self {
            Rule::NoDifference { alpha } => format!("p ≥ {alpha}"),
            Rule::Higher { alpha } => format!("a > b, p < {alpha}"),
            Rule::Lower { alpha } => format!("a < b, p < {alpha}"),
            Rule::Positive { alpha } => format!("ρ > 0, p < {alpha}"),
        }
    }
}

/// One claim: the row of a `stats` table that tests it and the rule applied to that row.
#[derive(Clone, Debug, PartialEq)]
pub struct Claim {
    /// Short id, e.g. `ceiling`, `above:ae`.
    pub id: String,
    /// The figure of the paper it belongs to, e.g. `3b`.
    pub figure: String,
    /// The claim in words.
    pub text: String,
    /// The paper's own statistic, as printed there.
    pub paper: String,
    /// `welch`, `spearman` or `spearman_within`.
    pub test: String,
    /// The metric column of the stats row.
    pub metric: String,
    /// The two classes of the row, in the claim's order (stage names, or `udr` and a metric
    /// for a Spearman row).
    pub a: String,
    pub b: String,
    pub rule: Rule,
}

impl Claim {
    /// The claim's row of one world's stats table, oriented as (a, b); `None` if the table has
    /// no such row (a class missing, or too few models to test).
    pub fn find(&self, rows: &[StatRow]) -> Option<StatRow> {
        rows.iter().find_map(|r| {
            if r.test != self.test || r.metric != self.metric {
                return None;
            }
            if r.class_a == self.a && r.class_b == self.b {
                Some(r.clone())
            } else if r.class_a == self.b && r.class_b == self.a {
                Some(r.swapped())
            } else {
                None
            }
        })
    }
}

/// The stage that scores each model class for one kind of result, e.g. `bvae` →
/// `align_bvae` for alignment.
#[derive(Clone, Debug, Default)]
pub struct Stages {
    /// (class, stage) of the alignment results against the recorded neurons.
    pub alignment: Vec<(String, String)>,
    /// … against the artificial mixture.
    pub mixture_alignment: Vec<(String, String)>,
    pub corr_ratio: Vec<(String, String)>,
    pub decode: Vec<(String, String)>,
    /// The neuron-subset ceiling's stage, and its mixture version.
    pub subsets: Option<String>,
    pub mixture_subsets: Option<String>,
}

fn stage_of<'a>(list: &'a [(String, String)], class: &str) -> Option<&'a str> {
    list.iter()
        .find(|(c, _)| c == class)
        .map(|(_, s)| s.as_str())
}

/// The paper's claims (Results), for `reference` (the β-VAE class) against every other class
/// present; `label` names a class for the text.
pub fn paper_claims(
    stages: &Stages,
    reference: &str,
    udr_variant: &str,
    udr_by: &str,
    label: &dyn Fn(&str) -> String,
) -> Vec<Claim> {
    let mut claims = Vec::new();
    let strict = 0.01;
    let loose = 0.05;
    let refl = label(reference);
    let ref_align = stage_of(&stages.alignment, reference);
    if let (Some(a), Some(s)) = (ref_align, &stages.subsets) {
        claims.push(Claim {
            id: "ceiling".into(),
            figure: "3b".into(),
            text: format!(
                "{refl} alignment meets the neuron-subset ceiling (no reliable difference)"
            ),
            paper: "p = 0.43 (Welch)".into(),
            test: "welch".into(),
            metric: "alignment".into(),
            a: a.into(),
            b: s.clone(),
            rule: Rule::NoDifference { alpha: loose },
        });
    }
    if let (Some(a), Some(m)) = (ref_align, stage_of(&stages.mixture_alignment, reference)) {
        claims.push(Claim {
            id: "mixture-drop:reference".into(),
            figure: "3c".into(),
            text: format!("{refl} alignment drops against the artificial mixture"),
            paper: "p < 0.01 (Welch)".into(),
            test: "welch".into(),
            metric: "alignment".into(),
            a: a.into(),
            b: m.into(),
            rule: Rule::Higher { alpha: strict },
        });
    }
    if let (Some(s), Some(m)) = (&stages.subsets, &stages.mixture_subsets) {
        claims.push(Claim {
            id: "mixture-drop:subsets".into(),
            figure: "3c".into(),
            text: "neuron-subset alignment drops against the artificial mixture".into(),
            paper: "p < 0.01 (Welch)".into(),
            test: "welch".into(),
            metric: "alignment".into(),
            a: s.clone(),
            b: m.clone(),
            rule: Rule::Higher { alpha: strict },
        });
    }
    let udr = format!("udr_{udr_variant}");
    if !udr_by.is_empty() {
        claims.push(Claim {
            id: "beta-udr".into(),
            figure: "3d".into(),
            text: format!("higher {udr_by}, higher UDR"),
            paper: "replicated (no statistic given)".into(),
            test: "spearman".into(),
            metric: format!("{udr_by}~{udr}"),
            a: udr_by.into(),
            b: "udr".into(),
            rule: Rule::Positive { alpha: loose },
        });
    }
    for (test, id, figure, text) in [
        (
            "spearman",
            "udr-alignment:across",
            "3d",
            "higher UDR, higher alignment (across β)",
        ),
        (
            "spearman_within",
            "udr-alignment:within",
            "3e",
            "higher UDR, higher alignment (within β)",
        ),
    ] {
        claims.push(Claim {
            id: id.into(),
            figure: figure.into(),
            text: text.into(),
            paper: "Fig. 3d–e (no statistic given)".into(),
            test: test.into(),
            metric: format!("{udr}~alignment"),
            a: "udr".into(),
            b: "alignment".into(),
            rule: Rule::Positive { alpha: loose },
        });
    }
    // (scoring stages, metric, figure, what, whether higher is the claim)
    type PerBaseline<'a> = (&'a [(String, String)], &'a str, &'a str, &'a str, bool);
    let per_baseline: [PerBaseline; 4] = [
        (&stages.alignment, "alignment", "4a", "alignment", true),
        (
            &stages.corr_ratio,
            "avg_corr_ratio",
            "5b",
            "average correlation ratio",
            true,
        ),
        (
            &stages.corr_ratio,
            "unit_proportion",
            "5c",
            "unit proportion (heterogeneity)",
            true,
        ),
        (
            &stages.decode,
            "mean_cosine_distance",
            "6b",
            "decoding error of held-out faces",
            false,
        ),
    ];
    for (list, metric, figure, what, higher) in per_baseline {
        let Some(a) = stage_of(list, reference) else {
            continue;
        };
        for (class, b) in list.iter().filter(|(c, _)| c != reference) {
            let cl = label(class);
            claims.push(Claim {
                id: format!("{metric}:{class}"),
                figure: figure.into(),
                text: format!(
                    "{refl} {what} {} than {cl}",
                    if higher { "higher" } else { "lower" }
                ),
                paper: if metric == "unit_proportion" || metric == "avg_corr_ratio" {
                    "higher (Fig. 5; no statistic given)".into()
                } else {
                    "all p < 0.01 (Welch)".into()
                },
                test: "welch".into(),
                metric: metric.into(),
                a: a.into(),
                b: b.clone(),
                rule: if higher {
                    Rule::Higher { alpha: strict }
                } else {
                    Rule::Lower { alpha: strict }
                },
            });
        }
    }
    claims
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(a: &str, b: &str, mean_a: f64, mean_b: f64, p: f64) -> StatRow {
        StatRow {
            test: "welch".into(),
            metric: "alignment".into(),
            class_a: a.into(),
            class_b: b.into(),
            n_a: 3,
            n_b: 4,
            mean_a: Some(mean_a),
            mean_b: Some(mean_b),
            statistic: Some(if mean_a > mean_b { 2.0 } else { -2.0 }),
            df: Some(4.0),
            p: Some(p),
        }
    }

    fn claim(rule: Rule) -> Claim {
        Claim {
            id: "x".into(),
            figure: "4a".into(),
            text: String::new(),
            paper: String::new(),
            test: "welch".into(),
            metric: "alignment".into(),
            a: "align_bvae".into(),
            b: "align_ae".into(),
            rule,
        }
    }

    #[test]
    fn a_row_written_the_other_way_round_is_oriented_as_the_claim() {
        let rows = [row("align_ae", "align_bvae", 0.1, 0.6, 0.001)];
        let found = claim(Rule::Higher { alpha: 0.01 }).find(&rows).unwrap();
        assert_eq!((found.class_a.as_str(), found.n_a), ("align_bvae", 4));
        assert_eq!((found.mean_a, found.mean_b), (Some(0.6), Some(0.1)));
        assert_eq!(found.statistic, Some(2.0));
        assert_eq!(Rule::Higher { alpha: 0.01 }.holds(&found), Some(true));
    }

    #[test]
    fn higher_needs_both_the_direction_and_significance() {
        let c = claim(Rule::Higher { alpha: 0.01 });
        let wrong_way = c
            .find(&[row("align_bvae", "align_ae", 0.1, 0.6, 0.001)])
            .unwrap();
        assert_eq!(c.rule.holds(&wrong_way), Some(false));
        let weak = c
            .find(&[row("align_bvae", "align_ae", 0.6, 0.1, 0.02)])
            .unwrap();
        assert_eq!(c.rule.holds(&weak), Some(false));
    }

    #[test]
    fn no_difference_holds_when_p_is_large() {
        let r = row("a", "b", 0.5, 0.6, 0.43);
        assert_eq!(Rule::NoDifference { alpha: 0.05 }.holds(&r), Some(true));
        let r = row("a", "b", 0.5, 0.6, 0.01);
        assert_eq!(Rule::NoDifference { alpha: 0.05 }.holds(&r), Some(false));
    }

    #[test]
    fn a_missing_row_or_p_is_not_tested() {
        let c = claim(Rule::Higher { alpha: 0.01 });
        assert!(
            c.find(&[row("align_vae", "align_ae", 0.6, 0.1, 0.001)])
                .is_none()
        );
        let mut r = row("align_bvae", "align_ae", 0.6, 0.1, 0.001);
        r.p = None;
        assert_eq!(c.rule.holds(&r), None);
    }

    #[test]
    fn the_reference_is_compared_with_every_other_class() {
        let stages = Stages {
            alignment: vec![
                ("bvae".into(), "align_bvae".into()),
                ("ae".into(), "align_ae".into()),
                ("pca".into(), "align_pca".into()),
            ],
            subsets: Some("subsets".into()),
            ..Stages::default()
        };
        let claims = paper_claims(&stages, "bvae", "library", "beta", &|c| c.to_string());
        let ids: Vec<&str> = claims.iter().map(|c| c.id.as_str()).collect();
        assert_eq!(
            ids,
            [
                "ceiling",
                "beta-udr",
                "udr-alignment:across",
                "udr-alignment:within",
                "alignment:ae",
                "alignment:pca"
            ]
        );
    }
}
