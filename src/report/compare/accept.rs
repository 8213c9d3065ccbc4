//! Applying `--decisions` to a comparison: what a decision covers becomes `accepted` with its
//! reason; a decision that covers nothing is listed as unused.

use super::comparison::ComponentMatch;
use super::coverage::{EnvGap, MissingObject, QueueCoverage};
use super::decisions::{Decisions, DecisionsInfo, UnusedDecision};
use super::providers::ProviderStatus;
use crate::report::paths;

/// Turn the gaps the decisions cover into `accepted` ones, and say which decisions covered
/// nothing.
pub fn apply(
    d: &Decisions,
    components: &mut [ComponentMatch],
    queues: &mut [QueueCoverage],
    infra: &mut [ProviderStatus],
    secrets: &mut [MissingObject],
    cms: &mut [MissingObject],
    env: &mut [EnvGap],
) -> DecisionsInfo {
    let mut used = vec![false; d.list.len()];
    let mut accepted = 0;
    for c in components.iter_mut() {
        if let Some((i, dec)) = d.find("component", &[&c.component, &c.name]) {
            used[i] = true;
            if c.status == "missing" {
                c.status = "accepted";
                c.accepted_reason = Some(dec.reason.clone());
                accepted += 1;
            }
        }
    }
    for q in queues.iter_mut() {
        if let Some((i, dec)) = d.find("queue", &[&q.name]) {
            used[i] = true;
            if q.status == "unconsumed" {
                q.status = "accepted";
                q.accepted_reason = Some(dec.reason.clone());
                accepted += 1;
            }
        }
    }
    for p in infra.iter_mut() {
        let key = match p.provider.as_str() {
            "dependency" => format!("dependency:{}", p.detail.trim_start_matches("optional: ")),
            "service" => format!("service:{}", p.detail.split('`').nth(1).unwrap_or("")),
            other => other.to_string(),
        };
        if let Some((i, dec)) = d.find("provider", &[&key]) {
            used[i] = true;
            if p.status == "missing" {
                p.status = "accepted";
                p.accepted_reason = Some(dec.reason.clone());
                accepted += 1;
            }
        }
    }
    for (subject, list) in [("secret", secrets), ("config_map", cms)] {
        for o in list.iter_mut() {
            if let Some((i, dec)) = d.find(subject, &[&o.name]) {
                used[i] = true;
                if o.status == "missing" {
                    o.status = "accepted";
                    o.accepted_reason = Some(dec.reason.clone());
                    accepted += 1;
                }
            }
        }
    }
    for g in env.iter_mut() {
        let mut keep = Vec::new();
        for n in std::mem::take(&mut g.unset) {
            match d.find("env", &[&n]) {
                Some((i, dec)) => {
                    used[i] = true;
                    g.accepted.push(format!("{n}: {}", dec.reason));
                    accepted += 1;
                }
                None => keep.push(n),
            }
        }
        g.unset = keep;
    }
    let unused = d
        .list
        .iter()
        .zip(&used)
        .filter(|(_, u)| !**u)
        .map(|(dec, _)| UnusedDecision { subject: dec.subject, pattern: dec.pattern.clone(), line: dec.line, message: format!("{}:{}: `{}: {}` matches no gap of this comparison (stale, or misspelt?)", paths::shown(&d.file), dec.line, dec.subject, dec.pattern) })
        .collect();
    DecisionsInfo { file: paths::shown(&d.file), decisions: d.list.len(), accepted, unused }
}
