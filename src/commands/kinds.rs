//! `flow kinds [KIND]`: the stage kinds this flow knows, or one kind's parameters and ports.

use crate::cli::KindsArgs;
use crate::error::CliError;

pub fn kinds(args: &KindsArgs) -> Result<i32, CliError> {
    let catalog = flow_stages::catalog();
    let Some(name) = &args.kind else {
        let width = catalog.names().map(str::len).max().unwrap_or(4);
        for kind in catalog.iter() {
            println!("{:<width$}  {}", kind.name(), kind.summary());
        }
        return Ok(0);
    };
    let kind = catalog.get(name).ok_or_else(|| {
        let hint = flow_engine::diagnostic::did_you_mean(name, catalog.names())
            .map(|s| format!("; did you mean `{s}`?"))
            .unwrap_or_default();
        CliError::usage(format!("unknown stage kind `{name}`{hint}"))
    })?;
    println!(
        "{} (version {}): {}\n",
        kind.name(),
        kind.version(),
        kind.summary()
    );
    println!("parameters:");
    for p in kind.params() {
        let default = p.default.map_or("required".to_string(), |d| {
            format!("default {}", d.to_json())
        });
        println!(
            "  {:<18} {} ({default})\n  {:<18} {}",
            p.name,
            p.ty.describe(),
            "",
            p.doc
        );
    }
    println!(
        "  {:<18} the node seed, an integer ≥ 0 (default 0); sweepable",
        "seed"
    );
    println!(
        "  {:<18} threads this node may use (default: the kind's own budget)",
        "threads"
    );
    println!("inputs:");
    for p in kind.inputs() {
        let many = if p.cardinality == flow_engine::Cardinality::Many {
            ", gathered"
        } else {
            ""
        };
        let opt = if p.optional { ", optional" } else { "" };
        println!("  {:<18} {}{many}{opt}: {}", p.name, p.ty, p.doc);
    }
    println!("outputs:");
    for p in kind.outputs() {
        println!("  {:<18} {}: {}", p.name, p.ty, p.doc);
    }
    Ok(0)
}
