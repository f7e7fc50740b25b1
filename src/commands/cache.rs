//! `flow cache verify|gc|du`: checking and trimming the store.

use std::collections::HashSet;
use std::time::Duration;

use flow_cache::GcPolicy;
use flow_engine::exec::session::plan_status;

use crate::cli::{CacheCommand, GcArgs, Global};
use crate::error::CliError;
use crate::workspace::Workspace;

pub fn cache(global: &Global, cmd: CacheCommand) -> Result<i32, CliError> {
    let ws = Workspace::open(global, None)?;
    match cmd {
        CacheCommand::Verify { repair } => {
            let issues = ws.store.verify()?;
            let total = ws.store.objects()?.len();
            for issue in &issues {
                println!(
                    "CORRUPT {} {} {}: {}",
                    issue.key.short(),
                    issue.node.as_deref().unwrap_or("(node unknown)"),
                    issue.dir.display(),
                    issue.problem
                );
                if repair {
                    ws.store.remove(&issue.key)?;
                }
            }
            if issues.is_empty() {
                println!("verified {total} artifacts: all intact");
                Ok(0)
            } else {
                let what = if repair {
                    "removed; the next run recomputes them"
                } else {
                    "run `flow cache verify --repair` to remove them"
                };
                println!("{} of {total} artifacts are corrupt ({what})", issues.len());
                Ok(1)
            }
        }
        CacheCommand::Du => {
            let rows = ws.store.du()?;
            let total: u64 = rows.iter().map(|r| r.bytes).sum();
            println!("{:<20} {:>8} {:>12}", "kind", "objects", "size");
            for r in &rows {
                println!("{:<20} {:>8} {:>12}", r.kind, r.objects, human(r.bytes));
            }
            println!(
                "{:<20} {:>8} {:>12}  ({})",
                "total",
                rows.iter().map(|r| r.objects).sum::<usize>(),
                human(total),
                ws.store.root().display()
            );
            Ok(0)
        }
        CacheCommand::Gc(args) => gc(&ws, &args),
    }
}

fn gc(ws: &Workspace, args: &GcArgs) -> Result<i32, CliError> {
    let keep = if args.pipelines.is_empty() {
        None
    } else {
        let mut keep = HashSet::new();
        for file in &args.pipelines {
            let plan = ws.plan(file, &[])?;
            for s in plan_status(&plan, &ws.store, &vec![false; plan.len()]) {
                if let Some(d) = s.digest {
                    keep.insert(d);
                }
            }
        }
        Some(keep)
    };
    let policy = GcPolicy {
        keep,
        max_size: args.max_size.as_deref().map(parse_size).transpose()?,
        max_age: args.max_age.as_deref().map(parse_age).transpose()?,
        scratch_max_age: Some(parse_age(&args.scratch_max_age)?),
        dry_run: args.dry_run,
    };
    let report = ws.store.gc(&policy)?;
    let freed: u64 = report.removed.iter().map(|r| r.bytes).sum();
    let verb = if args.dry_run {
        "would remove"
    } else {
        "removed"
    };
    for r in &report.removed {
        println!("{verb} {} {} ({})", r.key.short(), r.kind, human(r.bytes));
    }
    for (key, bytes) in &report.scratch {
        println!("{verb} scratch {} ({})", key.short(), human(*bytes));
    }
    println!(
        "{verb} {} artifacts ({}) and {} orphaned scratch directories ({}); kept {} ({})",
        report.removed.len(),
        human(freed),
        report.scratch.len(),
        human(report.scratch.iter().map(|(_, b)| b).sum()),
        report.kept_objects,
        human(report.kept_bytes)
    );
    Ok(0)
}

fn human(bytes: u64) -> String {
    let units = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut v = bytes as f64;
    let mut u = 0;
    while v >= 1024.0 && u < units.len() - 1 {
        v /= 1024.0;
        u += 1;
    }
    if u == 0 {
        format!("{bytes} B")
    } else {
        format!("{v:.1} {}", units[u])
    }
}

/// `500M`, `20G`, `1.5T`, `1024` (bytes; binary units).
fn parse_size(text: &str) -> Result<u64, CliError> {
    let t = text.trim();
    let (num, mult) = match t.char_indices().find(|(_, c)| c.is_ascii_alphabetic()) {
        Some((i, _)) => {
            let unit = t[i..].to_ascii_uppercase();
            let m = match unit.trim_end_matches("IB").trim_end_matches('B') {
                "" => 1u64,
                "K" => 1 << 10,
                "M" => 1 << 20,
                "G" => 1 << 30,
                "T" => 1 << 40,
                _ => {
                    return Err(CliError::usage(format!(
                        "--max-size {text}: unknown unit (use K, M, G or T)"
                    )));
                }
            };
            (&t[..i], m)
        }
        None => (t, 1),
    };
    let n: f64 = num
        .trim()
        .parse()
        .map_err(|_| CliError::usage(format!("--max-size {text}: not a size (e.g. 500M, 20G)")))?;
    Ok((n * mult as f64) as u64)
}

/// `30d`, `12h`, `45m`, `10s`.
fn parse_age(text: &str) -> Result<Duration, CliError> {
    let t = text.trim();
    let bad = || CliError::usage(format!("--max-age {text}: not an age (e.g. 30d, 12h, 45m)"));
    let (num, unit) = t.split_at(t.find(|c: char| c.is_ascii_alphabetic()).ok_or_else(bad)?);
    let n: f64 = num.parse().map_err(|_| bad())?;
    let secs = match unit {
        "s" => 1.0,
        "m" => 60.0,
        "h" => 3600.0,
        "d" => 86400.0,
        "w" => 7.0 * 86400.0,
        _ => return Err(bad()),
    };
    Ok(Duration::from_secs_f64(n * secs))
}
