//! Coverage by function: the queues no chart workload consumes, the env vars the app reads that
//! the chart never sets (by category), the Secrets and ConfigMaps the chart lacks, and how each
//! matched pair differs (replicas, resources, probes, entry point, hook phase).

use super::scan::{ChartScan, ChartWorkload};
use crate::report::categories::Categories;
use crate::report::resources::Res;
use crate::report::sections::components::Component;
use crate::report::sections::config_objects::ConfigObject;
use crate::report::sections::env::EnvCategoryReport;
use crate::report::sections::queues::Queue;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

#[derive(Debug, Clone, Serialize)]
pub struct QueueCoverage {
    pub accepted_reason: Option<String>,
    pub chart_consumers: Vec<String>,
    /// ClowdApp components consuming it (`-Q`).
    pub consumed_by: Vec<String>,
    /// ClowdApp components that only list it (`WORKER_QUEUES` without `-Q`: a scheduler that
    /// routes tasks there).
    pub listed_by: Vec<String>,
    pub name: String,
    /// `consumed`, `unconsumed`, `accepted`, or `chart-only` (the chart consumes a queue the
    /// ClowdApp does not name).
    pub status: &'static str,
}

pub fn queues(ours: &[Queue], scan: &ChartScan) -> Vec<QueueCoverage> {
    let consumers = |q: &str| -> Vec<String> { scan.workloads.iter().filter(|w| w.consumes && w.queues.iter().any(|x| x == q)).map(|w| w.name.clone()).collect() };
    let mut out: Vec<QueueCoverage> = ours
        .iter()
        .map(|q| {
            let chart_consumers = consumers(&q.name);
            QueueCoverage { name: q.name.clone(), consumed_by: q.consumed_by.clone(), listed_by: q.listed_by.clone(), status: if chart_consumers.is_empty() { "unconsumed" } else { "consumed" }, chart_consumers, accepted_reason: None }
        })
        .collect();
    let known: BTreeSet<&str> = ours.iter().map(|q| q.name.as_str()).collect();
    let chart_only: BTreeSet<&String> = scan.workloads.iter().filter(|w| w.consumes).flat_map(|w| &w.queues).filter(|q| !known.contains(q.as_str())).collect();
    for q in chart_only {
        out.push(QueueCoverage { name: q.clone(), consumed_by: Vec::new(), listed_by: Vec::new(), chart_consumers: consumers(q), status: "chart-only", accepted_reason: None });
    }
    out
}

#[derive(Debug, Clone, Serialize)]
pub struct EnvGap {
    /// Unset, but covered by a decision: `NAME: reason`.
    pub accepted: Vec<String>,
    pub category: String,
    /// How many of the category's variables the chart does set.
    pub set: usize,
    pub title: String,
    /// Env vars the ClowdApp's containers set (the app reads them) that no chart workload
    /// serving a component sets.
    pub unset: Vec<String>,
}

/// `users`: chart workloads that serve a component (all workloads when none does).
pub fn env_gaps(envs: &[EnvCategoryReport], scan: &ChartScan, users: &[usize]) -> Vec<EnvGap> {
    let chart: BTreeSet<&String> = users.iter().flat_map(|&i| &scan.workloads[i].all_env).collect();
    envs.iter()
        .filter_map(|c| {
            // Variables only Clowder itself sets (ACG_CONFIG) are not the app's to read.
            let vars: Vec<&String> = c.vars.iter().filter(|v| v.origins.iter().any(|o| o != "clowder")).map(|v| &v.name).collect();
            let unset: Vec<String> = vars.iter().filter(|n| !chart.contains(*n)).map(|n| n.to_string()).collect();
            (!unset.is_empty()).then(|| EnvGap { category: c.id.clone(), title: c.title.clone(), set: vars.len() - unset.len(), unset, accepted: Vec::new() })
        })
        .collect()
}

#[derive(Debug, Clone, Serialize)]
pub struct MissingObject {
    pub accepted_reason: Option<String>,
    pub keys: Vec<String>,
    pub kind: String,
    pub name: String,
    /// Of `used_by`, the components the chart serves: for them the object is a real gap.
    pub needed_by_covered: Vec<String>,
    pub optional: bool,
    /// `chart` (a template object) or `cluster` (referenced; must exist before install).
    pub provided_by: String,
    /// How the chart fills the same env vars (`DJANGO_SECRET_KEY` ← `secret x/secret-key`).
    pub replaced_by: Vec<String>,
    /// `missing`, `replaced` (every env var that read it is filled from another Secret or
    /// ConfigMap of the chart) or `accepted`.
    pub status: &'static str,
    pub used_by: Vec<String>,
}

/// Secrets or ConfigMaps of the ClowdApp that the chart neither creates nor references.
/// `app_refs`: names the template itself creates or references; the ones clowd2helm invents for
/// a provider (`<app>-db`, `<app>-object-store`) are left to the provider's status.
/// `chart_env`: env var → value (`secret NAME/KEY`) on the chart workloads that serve the app.
pub fn missing_objects(objs: &[ConfigObject], created: &BTreeSet<String>, referenced: &BTreeSet<String>, app_refs: &BTreeSet<String>, chart_env: &BTreeMap<String, String>, covered: &BTreeSet<String>) -> Vec<MissingObject> {
    objs.iter()
        .filter(|o| o.origin != Some("generated") && (o.provided_by == "chart" || app_refs.contains(&o.name)) && !created.contains(&o.name) && !referenced.contains(&o.name))
        .map(|o| {
            let env_uses: Vec<&str> = o.uses.iter().filter_map(|u| u.via.strip_prefix("env ")).collect();
            let all_env = !o.uses.is_empty() && env_uses.len() == o.uses.len();
            let prefix = if o.kind == "Secret" { "secret " } else { "configmap " };
            let mut replaced_by: Vec<String> = env_uses.iter().filter_map(|n| chart_env.get(*n).filter(|v| v.starts_with(prefix)).map(|v| format!("`{n}` ← `{v}`"))).collect();
            replaced_by.sort();
            replaced_by.dedup();
            let every = all_env && env_uses.iter().all(|n| chart_env.get(*n).is_some_and(|v| v.starts_with(prefix)));
            MissingObject {
                kind: o.kind.to_string(),
                name: o.name.clone(),
                provided_by: o.provided_by.to_string(),
                optional: o.optional,
                keys: o.keys.clone(),
                used_by: o.used_by.clone(),
                needed_by_covered: o.used_by.iter().filter(|u| covered.contains(*u)).cloned().collect(),
                status: if every { "replaced" } else { "missing" },
                replaced_by,
                accepted_reason: None,
            }
        })
        .collect()
}

/// A field a matched pair sets differently.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Difference {
    pub chart: String,
    pub clowdapp: String,
    /// `replicas`, `requests`, `limits`, `liveness`, `readiness`, `command`, `hook`, `queues`, `image`.
    pub field: &'static str,
}

/// Probes of our side, as `scan::probe_text` writes the chart's.
pub struct OurProbes {
    pub liveness: Option<String>,
    pub readiness: Option<String>,
}

fn res_text(r: &Res) -> String {
    if r.cpu_millicores == 0 && r.memory_bytes == 0 { "none".into() } else { format!("cpu {}, memory {}", r.cpu, r.memory) }
}

pub fn differences(c: &Component, probes: &OurProbes, w: &ChartWorkload) -> Vec<Difference> {
    let mut out = Vec::new();
    let mut diff = |field: &'static str, a: String, b: String| {
        if a != b {
            out.push(Difference { field, clowdapp: a, chart: b });
        }
    };
    let none = || "none".to_string();
    if c.kind == "Deployment" {
        diff("replicas", c.replicas.map(|r| r.to_string()).unwrap_or_else(|| "?".into()), w.replicas.map(|r| r.to_string()).unwrap_or_else(|| "1 (not set)".into()));
    }
    diff("requests", res_text(&c.requests), res_text(&w.requests));
    diff("limits", res_text(&c.limits), res_text(&w.limits));
    diff("liveness", probes.liveness.clone().unwrap_or_else(none), w.liveness.clone().unwrap_or_else(none));
    diff("readiness", probes.readiness.clone().unwrap_or_else(none), w.readiness.clone().unwrap_or_else(none));
    if !c.command.is_empty() || !w.command.is_empty() {
        diff("command", if c.command.is_empty() { "image default".into() } else { c.command.clone() }, if w.command.is_empty() { "image default".into() } else { w.command.clone() });
    }
    if c.consumes_queues || w.consumes {
        diff("queues", c.queues.join(", "), w.queues.join(", "));
    }
    if c.kind != "Deployment" {
        diff("hook", c.hook.clone().unwrap_or_else(|| c.schedule.as_ref().map(|s| format!("schedule {s}")).unwrap_or_else(none)), w.hook.clone().unwrap_or_else(none));
    }
    out
}

/// Templates of the chart folder that rendered nothing with these values (switched off by an
/// `if`), as `chart/templates/...` like helm's `# Source:`.
pub fn silent_templates(chart_dir: &std::path::Path, chart_name: &str, sources: &[String]) -> Vec<String> {
    let rendered: BTreeSet<&str> = sources.iter().map(String::as_str).collect();
    let root = chart_dir.join("templates");
    let mut out: Vec<String> = walkdir::WalkDir::new(&root)
        .sort_by_file_name()
        .into_iter()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_type().is_file())
        .filter_map(|e| {
            let rel = e.path().strip_prefix(chart_dir).ok()?.to_string_lossy().replace('\\', "/");
            let file = e.file_name().to_string_lossy();
            let template = matches!(e.path().extension().and_then(|x| x.to_str()), Some("yaml" | "yml")) && !file.starts_with('_');
            (template && !rendered.contains(format!("{chart_name}/{rel}").as_str())).then(|| format!("{chart_name}/{rel}"))
        })
        .collect();
    out.sort();
    out
}

/// Silent templates whose file name carries the component's name: all its words, and nothing
/// else but role words (`deployment-worker-download.yaml` for `worker-download`).
pub fn gated_for(tokens: &[String], silent: &[String], role_word: impl Fn(&str) -> bool) -> Vec<String> {
    if tokens.is_empty() {
        return Vec::new();
    }
    silent
        .iter()
        .filter(|path| {
            let stem = path.rsplit('/').next().unwrap_or(path).trim_end_matches(".yaml").trim_end_matches(".yml").to_ascii_lowercase();
            let words: BTreeSet<&str> = stem.split(['-', '_', '.']).filter(|w| !w.is_empty()).collect();
            tokens.iter().all(|t| words.contains(t.as_str())) && words.iter().all(|w| tokens.iter().any(|t| t == w) || role_word(w))
        })
        .cloned()
        .collect()
}

/// The chart's categories in the data's order (for the matrix), apart from `Categories`.
pub fn category_order(cats: &Categories) -> Vec<String> {
    let mut order = cats.component_order();
    order.extend(["dependency".to_string(), "service".to_string()]);
    order
}
