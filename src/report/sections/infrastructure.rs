//! Section "Infrastructure to supply or enable": what Clowder provided at run time (database,
//! in-memory DB, Kafka, object store, feature flags, dependencies), the switch for the bundled
//! option, the values for an external service, and the workloads that use it.

use super::env::EnvCategoryReport;
use crate::model::eval::Eval;
use crate::model::{EnvOrigin, Model, Val};
use crate::report::facts::{display_val, rendered, WorkloadFacts};
use crate::report::md::{at, cell, code};
use serde::Serialize;
use std::collections::BTreeSet;
use std::fmt::Write;

#[derive(Debug, Clone, Serialize)]
pub struct Infrastructure {
    /// Objects clowd2helm adds at defaults (bundled infrastructure, generated config), `Kind/name`.
    pub bundled_objects: Vec<String>,
    pub needs: Vec<Infra>,
}

/// Each need as the mapping recorded it, with `used_by` narrowed to the workloads that really
/// receive the provider's settings.
pub type Infra = crate::model::InfraNeed;

pub fn build(ev: &Eval, model: &Model, facts: &[WorkloadFacts], envs: &[EnvCategoryReport]) -> Infrastructure {
    // Workloads whose containers got a provider's env vars (`database`, `dependency:rbac`).
    let users_of = |origin: &str| -> Vec<String> {
        facts
            .iter()
            .filter(|f| f.w.pod.containers.iter().chain(&f.w.pod.init_containers).any(|c| c.env.iter().any(|e| matches!(&e.origin, EnvOrigin::Provider(p) if p == origin) && rendered(ev, e))))
            .map(|f| f.name.clone())
            .collect()
    };
    let used_by_category = |provider: &str| -> Vec<String> {
        let mut out: Vec<String> = envs.iter().filter(|c| c.provider.as_deref() == Some(provider)).flat_map(|c| c.vars.iter().flat_map(|v| v.workloads.iter().cloned())).collect();
        out.sort();
        out.dedup();
        out
    };
    let workload_files: BTreeSet<&str> = model.workloads.iter().map(|w| w.file.as_str()).collect();
    let mut bundled_objects: Vec<String> = Vec::new();
    for x in model.extra.iter().filter(|x| !workload_files.contains(x.file.as_str()) && x.when.as_ref().is_none_or(|c| ev.cond(c))) {
        let kind = x.body.get("kind").and_then(Val::as_literal_str).unwrap_or_default();
        if kind == "ServiceAccount" {
            continue;
        }
        let name = x.body.get("metadata").and_then(|m| m.get("name")).map(|n| ev.string(n).unwrap_or_else(|| display_val(n))).unwrap_or_default();
        let item = format!("{kind}/{name}");
        if !bundled_objects.contains(&item) {
            bundled_objects.push(item);
        }
    }
    let needs = model
        .infrastructure
        .iter()
        .map(|n| Infra {
            used_by: {
                let origin = if n.provider == "dependency" { format!("dependency:{}", n.detail) } else { n.provider.clone() };
                let from_env = users_of(&origin);
                if !from_env.is_empty() {
                    from_env
                } else if n.used_by.is_empty() {
                    used_by_category(&n.provider)
                } else {
                    n.used_by.clone()
                }
            },
            ..n.clone()
        })
        .collect();
    Infrastructure { needs, bundled_objects }
}

pub fn markdown(o: &mut String, i: &Infrastructure) {
    let _ = writeln!(o, "## Infrastructure to supply or enable\n");
    if i.needs.is_empty() {
        let _ = writeln!(o, "The ClowdApp asks Clowder for no infrastructure (database, Kafka, object store, in-memory DB, feature flags, dependencies).");
        bundled_objects(o, i);
        return;
    }
    let _ = writeln!(o, "Clowder provided these at run time. For each, either enable the chart's bundled option or point the chart at an existing service with the values listed.\n");
    let _ = writeln!(o, "| provider | what | enable bundled | or set (external) | used by | source |\n|---|---|---|---|---|---|");
    for n in &i.needs {
        let _ = writeln!(
            o,
            "| {} | {} | {} | {} | {} | {} |",
            n.provider,
            cell(&n.detail),
            n.bundled_switch.as_deref().map(code).unwrap_or_else(|| "—".into()),
            if n.external_values.is_empty() { "—".into() } else { n.external_values.iter().map(|v| code(v)).collect::<Vec<_>>().join(", ") },
            if n.used_by.is_empty() { "—".into() } else { format!("{} workloads", n.used_by.len()) },
            at(&n.source)
        );
    }
    bundled_objects(o, i);
}

fn bundled_objects(o: &mut String, i: &Infrastructure) {
    if !i.bundled_objects.is_empty() {
        let _ = writeln!(o, "\nObjects clowd2helm adds at defaults (bundled infrastructure, generated configuration): {}.", i.bundled_objects.iter().map(|f| format!("`{f}`")).collect::<Vec<_>>().join(", "));
    }
    o.push('\n');
}
