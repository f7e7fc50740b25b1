//! The small query language of `flow collect`, applied with polars' lazy API in this order:
//! filters (`--where`), the summary (`--group-by` + `--agg`), then the order (`--sort`).
//!
//! - `--where 'COL OP VALUE'`, OP one of `==` (or `=`), `!=`, `<`, `<=`, `>`, `>=`; VALUE a
//!   number, `true`/`false`, or text (quotes optional). Several `--where` all apply.
//! - `--sort COL` ascending, `--sort COL:desc` (or `-COL`) descending; several sort in turn.
//! - `--group-by COL[,COL…] --agg mean,sd,n`: one row per group; each numeric column that is not
//!   a group column, the index or a key becomes `COL.mean`, `COL.sd` (sample, n − 1), `COL.min`,
//!   `COL.max`, `COL.median`, `COL.sum`; `n` counts the rows of the group.

use polars::prelude::*;

use crate::error::{CollectError, hint};

/// A comparison in `--where`.
#[derive(Clone, Debug, PartialEq)]
pub struct Filter {
    pub column: String,
    pub op: Op,
    pub value: Literal,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Op {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

/// A value in `--where`.
#[derive(Clone, Debug, PartialEq)]
pub enum Literal {
    Int(i64),
    Float(f64),
    Bool(bool),
    Text(String),
}

/// Operators, longest first so `<=` is not read as `<`.
const OPERATORS: [(&str, Op); 7] = [
    ("==", Op::Eq),
    ("!=", Op::Ne),
    ("<=", Op::Le),
    (">=", Op::Ge),
    ("<", Op::Lt),
    (">", Op::Gt),
    ("=", Op::Eq),
];

impl Filter {
    pub fn parse(text: &str) -> Result<Filter, CollectError> {
        let syntax = |message: &str| CollectError::Syntax {
            what: "--where",
            text: text.to_string(),
            message: message.to_string(),
        };
        let (at, symbol, op) = OPERATORS
            .iter()
            .filter_map(|&(symbol, op)| text.find(symbol).map(|at| (at, symbol, op)))
            .min_by_key(|&(at, symbol, _)| (at, usize::MAX - symbol.len()))
            .ok_or_else(|| {
                syntax("expected COLUMN OP VALUE with OP one of ==, !=, <, <=, >, >=")
            })?;
        let column = text[..at].trim();
        let raw = text[at + symbol.len()..].trim();
        if column.is_empty() || raw.is_empty() {
            return Err(syntax("expected COLUMN OP VALUE, e.g. `beta >= 4`"));
        }
        Ok(Filter {
            column: column.to_string(),
            op,
            value: Literal::parse(raw),
        })
    }

    fn expr(&self) -> Expr {
        let c = col(self.column.as_str());
        let v = self.value.expr();
        match self.op {
            Op::Eq => c.eq(v),
            Op::Ne => c.neq(v),
            Op::Lt => c.lt(v),
            Op::Le => c.lt_eq(v),
            Op::Gt => c.gt(v),
            Op::Ge => c.gt_eq(v),
        }
    }
}

impl Literal {
    fn parse(raw: &str) -> Literal {
        let unquoted = raw
            .strip_prefix('"')
            .and_then(|r| r.strip_suffix('"'))
            .or_else(|| raw.strip_prefix('\'').and_then(|r| r.strip_suffix('\'')));
        if let Some(text) = unquoted {
            return Literal::Text(text.to_string());
        }
        if let Ok(i) = raw.parse::<i64>() {
            Literal::Int(i)
        } else if let Ok(f) = raw.parse::<f64>() {
            Literal::Float(f)
        } else if raw == "true" || raw == "false" {
            Literal::Bool(raw == "true")
        } else {
            Literal::Text(raw.to_string())
        }
    }

    fn expr(&self) -> Expr {
        match self {
            Literal::Int(i) => lit(*i),
            Literal::Float(f) => lit(*f),
            Literal::Bool(b) => lit(*b),
            Literal::Text(s) => lit(s.clone()),
        }
    }
}

/// A `--sort` key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SortKey {
    pub column: String,
    pub descending: bool,
}

impl SortKey {
    pub fn parse(text: &str) -> SortKey {
        let text = text.trim();
        if let Some(c) = text.strip_suffix(":desc") {
            SortKey {
                column: c.to_string(),
                descending: true,
            }
        } else if let Some(c) = text.strip_suffix(":asc") {
            SortKey {
                column: c.to_string(),
                descending: false,
            }
        } else if let Some(c) = text.strip_prefix('-') {
            SortKey {
                column: c.to_string(),
                descending: true,
            }
        } else {
            SortKey {
                column: text.to_string(),
                descending: false,
            }
        }
    }
}

/// An aggregate of `--agg`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Aggregate {
    Mean,
    Sd,
    N,
    Min,
    Max,
    Median,
    Sum,
}

const AGGREGATES: [(&str, Aggregate); 7] = [
    ("mean", Aggregate::Mean),
    ("sd", Aggregate::Sd),
    ("n", Aggregate::N),
    ("min", Aggregate::Min),
    ("max", Aggregate::Max),
    ("median", Aggregate::Median),
    ("sum", Aggregate::Sum),
];

impl Aggregate {
    /// `mean,sd,n` → the aggregates.
    pub fn parse_list(text: &str) -> Result<Vec<Aggregate>, CollectError> {
        text.split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(|name| {
                AGGREGATES
                    .iter()
                    .find(|(n, _)| *n == name)
                    .map(|&(_, a)| a)
                    .ok_or_else(|| CollectError::Syntax {
                        what: "--agg",
                        text: name.to_string(),
                        message: format!(
                            "unknown aggregate (mean, sd, n, min, max, median, sum){}",
                            hint(name, AGGREGATES.iter().map(|(n, _)| *n))
                        ),
                    })
            })
            .collect()
    }

    fn name(self) -> &'static str {
        AGGREGATES
            .iter()
            .find(|(_, a)| *a == self)
            .map_or("?", |(n, _)| n)
    }

    fn expr(self, column: &str) -> Expr {
        let c = col(column);
        let e = match self {
            Aggregate::Mean => c.mean(),
            Aggregate::Sd => c.std(1),
            Aggregate::Min => c.min(),
            Aggregate::Max => c.max(),
            Aggregate::Median => c.median(),
            Aggregate::Sum => c.sum(),
            Aggregate::N => return len().alias("n"),
        };
        e.alias(format!("{column}.{}", self.name()))
    }
}

/// Everything after the collection: filters, an optional summary, an order.
#[derive(Clone, Debug, Default)]
pub struct Query {
    pub filters: Vec<Filter>,
    pub group_by: Vec<String>,
    pub aggregates: Vec<Aggregate>,
    pub sort: Vec<SortKey>,
}

/// Columns never summarised: they identify rows rather than measure anything.
const IDENTIFIERS: [&str; 5] = ["node", "stage", "key", "status", "index"];

impl Query {
    /// Applies the query to `frame`, checking every column it names first.
    pub fn apply(&self, frame: DataFrame) -> Result<DataFrame, CollectError> {
        let schema = frame.schema().clone();
        let names: Vec<String> = schema.iter_names().map(|n| n.to_string()).collect();
        let check = |name: &str| -> Result<(), CollectError> {
            if names.iter().any(|n| n == name) {
                Ok(())
            } else {
                Err(CollectError::UnknownColumn {
                    name: name.to_string(),
                    hint: hint(name, names.iter().map(String::as_str)),
                })
            }
        };
        let mut lazy = frame.lazy();
        for f in &self.filters {
            check(&f.column)?;
            lazy = lazy.filter(f.expr());
        }
        let mut available = names.clone();
        if !self.group_by.is_empty() {
            for g in &self.group_by {
                check(g)?;
            }
            let aggregates = if self.aggregates.is_empty() {
                vec![Aggregate::Mean, Aggregate::Sd, Aggregate::N]
            } else {
                self.aggregates.clone()
            };
            let measured: Vec<&str> = schema
                .iter()
                .filter(|(name, dtype)| {
                    dtype.is_primitive_numeric()
                        && !self.group_by.iter().any(|g| g == name.as_str())
                        && !IDENTIFIERS.contains(&name.as_str())
                        && !name.ends_with(".index")
                })
                .map(|(name, _)| name.as_str())
                .collect();
            let mut exprs = Vec::new();
            for &a in &aggregates {
                if a == Aggregate::N {
                    exprs.push(a.expr(""));
                    continue;
                }
                exprs.extend(measured.iter().map(|m| a.expr(m)));
            }
            let by: Vec<Expr> = self.group_by.iter().map(|g| col(g.as_str())).collect();
            lazy = lazy.group_by_stable(by).agg(exprs);
            available = self.group_by.clone();
            for &a in &aggregates {
                if a == Aggregate::N {
                    available.push("n".into());
                } else {
                    available.extend(measured.iter().map(|m| format!("{m}.{}", a.name())));
                }
            }
        }
        if !self.sort.is_empty() {
            for k in &self.sort {
                if !available.contains(&k.column) {
                    return Err(CollectError::UnknownColumn {
                        name: k.column.clone(),
                        hint: hint(&k.column, available.iter().map(String::as_str)),
                    });
                }
            }
            let by: Vec<PlSmallStr> = self.sort.iter().map(|k| k.column.as_str().into()).collect();
            let descending: Vec<bool> = self.sort.iter().map(|k| k.descending).collect();
            lazy = lazy.sort(
                by,
                SortMultipleOptions::default()
                    .with_order_descending_multi(descending)
                    .with_maintain_order(true),
            );
        }
        Ok(lazy.collect()?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_where_reads_column_operator_and_typed_value() {
        let f = Filter::parse("beta >= 4").unwrap();
        assert_eq!(
            (f.column.as_str(), f.op, f.value),
            ("beta", Op::Ge, Literal::Int(4))
        );
        let f = Filter::parse("code == mixed").unwrap();
        assert_eq!(f.value, Literal::Text("mixed".into()));
        let f = Filter::parse("kept=true").unwrap();
        assert_eq!((f.op, f.value), (Op::Eq, Literal::Bool(true)));
        let f = Filter::parse("alignment<0.5").unwrap();
        assert_eq!((f.op, f.value), (Op::Lt, Literal::Float(0.5)));
        assert_eq!(
            Filter::parse("x != '4'").unwrap().value,
            Literal::Text("4".into())
        );
        assert!(Filter::parse("beta 4").is_err());
    }

    #[test]
    fn a_sort_key_may_say_descending() {
        assert!(SortKey::parse("alignment:desc").descending);
        assert!(SortKey::parse("-alignment").descending);
        assert!(!SortKey::parse("beta").descending);
    }

    #[test]
    fn an_unknown_aggregate_is_named_with_the_closest() {
        let e = Aggregate::parse_list("mean,meen").unwrap_err().to_string();
        assert!(
            e.contains("meen") && e.contains("did you mean `mean`"),
            "{e}"
        );
    }
}
