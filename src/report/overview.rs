//! "Executive summary", the first section: the few numbers and risks a reviewer reads first; every other
//! section details one of them.

use crate::model::Outcome;
use crate::report::compare::markdown::executive;
use crate::report::Report;
use std::fmt::Write;

pub fn markdown(o: &mut String, r: &Report) {
    let _ = writeln!(o, "## Executive summary\n");
    if let Some(c) = &r.comparison {
        executive(o, c);
    }
    let s = &r.summary;
    let d = &s.deployments.at_defaults;
    let k = &s.components;
    let _ = writeln!(
        o,
        "- **Generated chart**: {}{}{}, running {} at its defaults (requests: {} CPU, {} memory).",
        count(k.deployments, "Deployment"),
        if k.cronjobs > 0 { format!(", {}", count(k.cronjobs, "CronJob")) } else { String::new() },
        if k.jobs > 0 { format!(", {} run at install and upgrade", count(k.jobs, "Job")) } else { String::new() },
        count(d.pods as usize, "pod"),
        d.requests.cpu,
        d.requests.memory
    );
    let must: Vec<String> = r.externals.iter().filter(|e| e.needed_at_defaults).map(|e| format!("`{}`", e.name)).collect();
    let decisions = r.parameters.counts.decisions_needed;
    if decisions > 0 || !must.is_empty() {
        let mut parts = Vec::new();
        if decisions > 0 {
            parts.push(format!("{} without a default (see Parameters)", count(decisions, "required parameter")));
        }
        if !must.is_empty() {
            parts.push(format!("{} the release does not create (see Decisions before install): {}", count(must.len(), "object"), must.join(", ")));
        }
        let _ = writeln!(o, "- **Before install**: {}.", parts.join("; "));
    }
    let external: Vec<&str> = r.infrastructure.needs.iter().filter(|n| n.bundled_switch.is_none()).map(|n| n.provider.as_str()).collect();
    if !r.infrastructure.needs.is_empty() {
        let bundled = r.infrastructure.needs.len() - external.len();
        let _ = writeln!(
            o,
            "- **Infrastructure**: {}; {} can run bundled in the chart, {} must point at an existing service{}.",
            count(r.infrastructure.needs.len(), "need"),
            bundled,
            external.len(),
            if external.is_empty() { String::new() } else { format!(" ({})", dedup(&external).join(", ")) }
        );
    }
    if !r.unserved_services.is_empty() {
        let _ = writeln!(o, "- **Services referenced but not deployed**: {}.", r.unserved_services.iter().map(|u| format!("`{}` ({})", u.host, u.env)).collect::<Vec<_>>().join(", "));
    }
    let of = |oc: Outcome| s.findings_by_outcome.get(oc.as_str()).copied().unwrap_or(0);
    let _ = writeln!(
        o,
        "- **Findings**: {} ({} need input, {} approximated, {} unsupported, {} translated); the ledger in the appendix lists each with its line.\n",
        s.findings_total,
        of(Outcome::NeedsInput),
        of(Outcome::Approximated),
        of(Outcome::Unsupported),
        of(Outcome::Translated)
    );
}

/// `1 Job`, `2 Jobs`.
fn count(n: usize, what: &str) -> String {
    if n == 1 { format!("1 {what}") } else { format!("{n} {what}s") }
}

fn dedup<'a>(v: &[&'a str]) -> Vec<&'a str> {
    let mut out: Vec<&str> = Vec::new();
    for x in v {
        if !out.contains(x) {
            out.push(x);
        }
    }
    out
}
