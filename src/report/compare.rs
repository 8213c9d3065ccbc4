//! `gap --against CHART_DIR`: what an existing Helm chart lacks compared with the ClowdApp.
//!
//! The chart is rendered with `helm template` (with `--against-values`); when helm is missing or
//! fails, its templates are read statically (template actions replaced by their values where
//! they are simple, dropped otherwise) and the report says so. ClowdApp components are then
//! matched to the chart's workloads: `--match` first, then equal names after common prefixes,
//! then equal worker queues, then a name suffix backed by the same image or command.

use super::categories::{image_name, Categories, Traits};
use super::data::{summarize_command, worker_queues, Report};
use crate::error::{Error, Result};
use crate::model::{Model, SourceRef};
use serde::Serialize;
use serde_json::Value as J;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// What `gap --against` was asked to do.
#[derive(Debug, Clone, Default)]
pub struct Against {
    pub chart_dir: PathBuf,
    pub values: Option<PathBuf>,
    /// `CLOWDAPP_COMPONENT=CHART_WORKLOAD` pairs.
    pub matches: Vec<(String, String)>,
    pub release: Option<String>,
    pub helm: Option<PathBuf>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Render {
    /// `helm` (helm template) or `static` (templates read without helm).
    pub method: &'static str,
    pub note: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Totals {
    pub clowdapp: usize,
    pub chart: usize,
    pub matched: usize,
    pub missing: usize,
    pub chart_only: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct MatrixRow {
    pub category: String,
    pub title: String,
    pub clowdapp: usize,
    pub chart: usize,
    pub matched: usize,
    pub missing: usize,
    pub clowdapp_names: Vec<String>,
    pub chart_names: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ComponentStatus {
    pub name: String,
    pub component: String,
    pub kind: String,
    pub category: String,
    /// `matched` or `missing`.
    pub status: &'static str,
    pub matched_with: Option<String>,
    /// `override`, `name`, `queue`, `name+image`, `name+command`.
    pub matched_by: Option<&'static str>,
    pub replicas: Option<i64>,
    pub queues: Vec<String>,
    pub env_only_in_clowdapp: Vec<String>,
    pub env_only_in_chart: Vec<String>,
    pub source: SourceRef,
}

#[derive(Debug, Clone, Serialize)]
pub struct ChartWorkloadInfo {
    pub name: String,
    /// The ClowdApp infrastructure need this workload serves (`database`, `inMemoryDb`, `service`).
    pub serves: Option<String>,
    pub kind: String,
    pub category: String,
    pub image: String,
    pub queues: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct MissingObject {
    pub kind: String,
    pub name: String,
    pub provided_by: String,
    /// `template` or `generated` for objects the generated chart creates.
    pub origin: Option<String>,
    pub optional: bool,
    pub keys: Vec<String>,
    pub used_by: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct InfraCheck {
    /// Provider (`database`, `inMemoryDb`, ...) or `service` for an env var's host.
    pub need: String,
    pub detail: String,
    pub category: String,
    /// `present` or `missing`; `unknown` when the need names nothing to look for.
    pub status: &'static str,
    pub found: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Comparison {
    pub chart_dir: String,
    pub chart_name: String,
    pub release: String,
    pub values_file: Option<String>,
    pub render: Render,
    pub totals: Totals,
    pub matrix: Vec<MatrixRow>,
    pub components: Vec<ComponentStatus>,
    pub chart_only: Vec<ChartWorkloadInfo>,
    pub missing_secrets: Vec<MissingObject>,
    pub missing_config_maps: Vec<MissingObject>,
    pub infrastructure: Vec<InfraCheck>,
}

/// A workload of the existing chart.
#[derive(Debug, Clone)]
pub struct ChartWorkload {
    pub kind: String,
    pub name: String,
    pub image: String,
    pub command: String,
    pub env: BTreeSet<String>,
    pub queues: Vec<String>,
    pub web: bool,
    pub category: String,
}

/// What the rendered chart contains.
#[derive(Debug, Clone, Default)]
pub struct ChartScan {
    pub workloads: Vec<ChartWorkload>,
    /// Secret / ConfigMap names the chart creates or references.
    pub secrets: BTreeSet<String>,
    pub config_maps: BTreeSet<String>,
    pub services: BTreeSet<String>,
}

const WORKLOAD_KINDS: [&str; 6] = ["Deployment", "StatefulSet", "DaemonSet", "Job", "CronJob", "Pod"];

fn pod_spec<'a>(kind: &str, doc: &'a J) -> Option<&'a J> {
    match kind {
        "Pod" => doc.get("spec"),
        "CronJob" => doc.pointer("/spec/jobTemplate/spec/template/spec"),
        _ => doc.pointer("/spec/template/spec"),
    }
}

fn strs(v: Option<&J>) -> Vec<String> {
    match v {
        Some(J::Array(a)) => a.iter().map(|x| crate::model::eval::scalar_string(x).unwrap_or_default()).collect(),
        Some(J::String(s)) => vec![s.clone()],
        _ => Vec::new(),
    }
}

impl ChartScan {
    /// Read the workloads, Secrets, ConfigMaps and Services of rendered manifests.
    pub fn from_documents(docs: &[J], cats: &Categories) -> ChartScan {
        let mut scan = ChartScan::default();
        for doc in docs {
            let kind = doc.get("kind").and_then(J::as_str).unwrap_or_default();
            let name = doc.pointer("/metadata/name").and_then(crate::model::eval::scalar_string).unwrap_or_default();
            match kind {
                "Secret" => {
                    scan.secrets.insert(name.clone());
                }
                "ConfigMap" => {
                    scan.config_maps.insert(name.clone());
                }
                "Service" => {
                    scan.services.insert(name.clone());
                }
                "List" => {
                    let items: Vec<J> = doc.get("items").and_then(J::as_array).cloned().unwrap_or_default();
                    let inner = ChartScan::from_documents(&items, cats);
                    scan.workloads.extend(inner.workloads);
                    scan.secrets.extend(inner.secrets);
                    scan.config_maps.extend(inner.config_maps);
                    scan.services.extend(inner.services);
                }
                _ => {}
            }
            if !WORKLOAD_KINDS.contains(&kind) {
                continue;
            }
            let Some(spec) = pod_spec(kind, doc) else { continue };
            let containers: Vec<&J> = spec.get("containers").and_then(J::as_array).map(|a| a.iter().collect()).unwrap_or_default();
            let inits: Vec<&J> = spec.get("initContainers").and_then(J::as_array).map(|a| a.iter().collect()).unwrap_or_default();
            let mut env = BTreeSet::new();
            let mut env_values: Vec<(String, String)> = Vec::new();
            let mut web = false;
            for c in &containers {
                for e in c.get("env").and_then(J::as_array).into_iter().flatten() {
                    let n = e.get("name").and_then(J::as_str).unwrap_or_default().to_string();
                    if let Some(v) = e.get("value").and_then(crate::model::eval::scalar_string) {
                        env_values.push((n.clone(), v));
                    }
                    if let Some(r) = e.pointer("/valueFrom/secretKeyRef/name").and_then(J::as_str) {
                        scan.secrets.insert(r.to_string());
                    }
                    if let Some(r) = e.pointer("/valueFrom/configMapKeyRef/name").and_then(J::as_str) {
                        scan.config_maps.insert(r.to_string());
                    }
                    env.insert(n);
                }
                web |= c.get("ports").and_then(J::as_array).is_some_and(|p| !p.is_empty());
            }
            for c in containers.iter().chain(&inits) {
                for ef in c.get("envFrom").and_then(J::as_array).into_iter().flatten() {
                    if let Some(r) = ef.pointer("/secretRef/name").and_then(J::as_str) {
                        scan.secrets.insert(r.to_string());
                    }
                    if let Some(r) = ef.pointer("/configMapRef/name").and_then(J::as_str) {
                        scan.config_maps.insert(r.to_string());
                    }
                }
            }
            for v in spec.get("volumes").and_then(J::as_array).into_iter().flatten() {
                if let Some(r) = v.pointer("/secret/secretName").and_then(J::as_str) {
                    scan.secrets.insert(r.to_string());
                }
                if let Some(r) = v.pointer("/configMap/name").and_then(J::as_str) {
                    scan.config_maps.insert(r.to_string());
                }
                for s in v.pointer("/projected/sources").and_then(J::as_array).into_iter().flatten() {
                    if let Some(r) = s.pointer("/secret/name").and_then(J::as_str) {
                        scan.secrets.insert(r.to_string());
                    }
                    if let Some(r) = s.pointer("/configMap/name").and_then(J::as_str) {
                        scan.config_maps.insert(r.to_string());
                    }
                }
            }
            let main = containers.first().copied().unwrap_or(&J::Null);
            let image = main.get("image").and_then(J::as_str).unwrap_or_default().to_string();
            let mut words = strs(main.get("command"));
            words.extend(strs(main.get("args")));
            let command = summarize_command(&words);
            let (queues, consumes) = worker_queues(&words, |n| env_values.iter().rev().find(|(k, _)| k == n).map(|(_, v)| v.clone()));
            let category = cats.component_category(&Traits { kind, name: &name, image: &image, command: &command, has_queues: consumes && !queues.is_empty(), web });
            scan.workloads.push(ChartWorkload { kind: kind.to_string(), name, image, command, env, queues, web, category });
        }
        scan
    }
}

/// Render the chart (helm, else statically) and return its documents as JSON.
pub fn render_chart(a: &Against, chart_name: &str, release: &str) -> Result<(Vec<J>, Render)> {
    let helm_result = match crate::tools::find_helm(a.helm.as_deref()) {
        Ok(helm) => {
            let mut cmd = std::process::Command::new(&helm);
            cmd.arg("template").arg(release).arg(&a.chart_dir);
            if let Some(v) = &a.values {
                cmd.arg("-f").arg(v);
            }
            match cmd.output() {
                Ok(out) if out.status.success() => {
                    let text = String::from_utf8_lossy(&out.stdout).to_string();
                    match parse_stream("helm template output", &text) {
                        Ok(docs) => Ok(docs),
                        Err(e) => Err(format!("helm's output could not be read: {e}")),
                    }
                }
                Ok(out) => Err(format!("`helm template` failed: {}", first_line(&String::from_utf8_lossy(&out.stderr)))),
                Err(e) => Err(format!("helm could not be run ({}): {e}", helm.display())),
            }
        }
        Err(e) => Err(format!("helm not available: {e}")),
    };
    match helm_result {
        Ok(docs) => Ok((docs, Render { method: "helm", note: None })),
        Err(why) => {
            let (docs, skipped) = static_render(a, chart_name, release)?;
            let mut note = format!("{why}; the templates were read statically (simple `{{{{ .Values.x }}}}`, release and chart names substituted, other template actions dropped), so conditionals were not evaluated");
            if !skipped.is_empty() {
                note.push_str(&format!("; documents that could not be read: {}", skipped.join(", ")));
            }
            Ok((docs, Render { method: "static", note: Some(note) }))
        }
    }
}

fn first_line(s: &str) -> String {
    s.lines().find(|l| !l.trim().is_empty()).unwrap_or("no message").trim().to_string()
}

fn parse_stream(name: &str, text: &str) -> std::result::Result<Vec<J>, crate::error::InputError> {
    let docs = crate::source::yaml::load_documents(name, text)?;
    Ok(docs.iter().filter(|d| !d.is_null()).map(|d| d.to_json()).collect())
}

/// `Chart.yaml`'s name, or the folder name.
pub fn chart_name(dir: &Path) -> Result<String> {
    let f = dir.join("Chart.yaml");
    let text = std::fs::read_to_string(&f).map_err(|e| Error::Usage(format!("{}: not a Helm chart folder ({}: {e})", dir.display(), f.display())))?;
    let docs = parse_stream(&f.display().to_string(), &text)?;
    Ok(docs
        .first()
        .and_then(|d| d.get("name"))
        .and_then(J::as_str)
        .map(str::to_string)
        .unwrap_or_else(|| dir.file_name().map(|n| n.to_string_lossy().to_string()).unwrap_or_default()))
}

fn merge(base: &mut J, over: J) {
    match (base, over) {
        (J::Object(b), J::Object(o)) => {
            for (k, v) in o {
                match b.get_mut(&k) {
                    Some(slot) => merge(slot, v),
                    None => {
                        b.insert(k, v);
                    }
                }
            }
        }
        (slot, v) => *slot = v,
    }
}

fn read_values(path: &Path) -> Result<J> {
    let text = std::fs::read_to_string(path).map_err(|e| Error::Usage(format!("cannot read {}: {e}", path.display())))?;
    Ok(parse_stream(&path.display().to_string(), &text)?.into_iter().next().unwrap_or(J::Null))
}

/// Templates read without helm: `{{ .Values.a.b }}`, `.Release.Name`, `.Chart.Name` and
/// `include "x.fullname"` are substituted; other actions are dropped.
fn static_render(a: &Against, chart: &str, release: &str) -> Result<(Vec<J>, Vec<String>)> {
    let mut values = J::Object(Default::default());
    let vf = a.chart_dir.join("values.yaml");
    if vf.exists() {
        merge(&mut values, read_values(&vf)?);
    }
    if let Some(v) = &a.values {
        merge(&mut values, read_values(v)?);
    }
    let fullname = if release.contains(chart) { release.to_string() } else { format!("{release}-{chart}") };
    let mut files: Vec<PathBuf> = walkdir::WalkDir::new(a.chart_dir.join("templates"))
        .sort_by_file_name()
        .into_iter()
        .filter_map(|e| e.ok())
        .map(|e| e.into_path())
        .filter(|p| p.is_file() && matches!(p.extension().and_then(|e| e.to_str()), Some("yaml" | "yml")) && !p.file_name().is_some_and(|n| n.to_string_lossy().starts_with('_')))
        .collect();
    files.sort();
    let mut docs = Vec::new();
    let mut skipped = Vec::new();
    for f in files {
        let text = std::fs::read_to_string(&f).map_err(|e| Error::io(format!("reading {}", f.display()), e))?;
        let plain = strip_actions(&text, &values, release, chart, &fullname);
        for (i, doc) in split_docs(&plain).into_iter().enumerate() {
            match parse_stream(&f.display().to_string(), &doc) {
                Ok(d) => docs.extend(d),
                Err(_) => skipped.push(format!("{} (document {})", f.strip_prefix(&a.chart_dir).unwrap_or(&f).display(), i + 1)),
            }
        }
    }
    Ok((docs, skipped))
}

fn split_docs(text: &str) -> Vec<String> {
    let mut out = vec![String::new()];
    for line in text.lines() {
        if line.trim_end() == "---" || line.starts_with("--- ") {
            out.push(String::new());
        } else {
            let last = out.last_mut().expect("non-empty");
            last.push_str(line);
            last.push('\n');
        }
    }
    out.into_iter().filter(|d| d.lines().any(|l| !l.trim().is_empty() && !l.trim_start().starts_with('#'))).collect()
}

fn strip_actions(text: &str, values: &J, release: &str, chart: &str, fullname: &str) -> String {
    let mut out = String::new();
    for line in text.lines() {
        let t = line.trim();
        if t.starts_with("{{") && t.ends_with("}}") && t.matches("{{").count() == 1 {
            let inner = t.trim_start_matches("{{").trim_end_matches("}}").trim_matches('-').trim();
            // A lone action on its own line is control flow or a block include: drop it.
            if !(inner.starts_with(".Values") || inner.starts_with(".Release") || inner.starts_with(".Chart")) {
                continue;
            }
        }
        let mut rest = line;
        let mut buf = String::new();
        while let Some(i) = rest.find("{{") {
            buf.push_str(&rest[..i]);
            let Some(j) = rest[i..].find("}}") else {
                rest = "";
                break;
            };
            let action = rest[i + 2..i + j].trim_matches('-').trim();
            buf.push_str(&eval_action(action, values, release, chart, fullname));
            rest = &rest[i + j + 2..];
        }
        buf.push_str(rest);
        out.push_str(&buf);
        out.push('\n');
    }
    out
}

fn eval_action(action: &str, values: &J, release: &str, chart: &str, fullname: &str) -> String {
    let head = action.split('|').next().unwrap_or("").trim();
    let default = action.split('|').skip(1).find_map(|p| p.trim().strip_prefix("default ")).map(|d| d.trim().trim_matches('"').to_string());
    if head == ".Release.Name" {
        return release.to_string();
    }
    if head == ".Chart.Name" {
        return chart.to_string();
    }
    if head.starts_with("include") {
        if head.contains("fullname") {
            return fullname.to_string();
        }
        if head.contains(".name\"") {
            return chart.to_string();
        }
        return String::new();
    }
    if let Some(path) = head.strip_prefix(".Values.") {
        let mut cur = values;
        for seg in path.split('.') {
            match cur.get(seg) {
                Some(v) => cur = v,
                None => return default.unwrap_or_default(),
            }
        }
        return crate::model::eval::scalar_string(cur).filter(|s| !s.is_empty()).or(default).unwrap_or_default();
    }
    default.unwrap_or_default()
}

/// Lowercase name without any leading `<prefix>-` from the list (applied repeatedly).
pub fn normalize(name: &str, prefixes: &[String]) -> String {
    let mut n = name.to_ascii_lowercase();
    loop {
        let before = n.clone();
        for p in prefixes {
            if p.is_empty() {
                continue;
            }
            if let Some(r) = n.strip_prefix(&format!("{p}-"))
                && !r.is_empty()
            {
                n = r.to_string();
            }
        }
        if n == before {
            return n;
        }
    }
}

fn suffix_of(a: &str, b: &str) -> bool {
    a == b || a.ends_with(&format!("-{b}")) || b.ends_with(&format!("-{a}"))
}

/// Compare the report's components with the chart's workloads.
pub fn compare(model: &Model, report: &Report, cats: &Categories, a: &Against) -> Result<Comparison> {
    let chart = chart_name(&a.chart_dir)?;
    let release = a.release.clone().unwrap_or_else(|| chart.clone());
    let (docs, render) = render_chart(a, &chart, &release)?;
    let scan = ChartScan::from_documents(&docs, cats);
    let mut prefixes: Vec<String> = model.apps.clone();
    prefixes.extend(["clowder".to_string(), release.to_ascii_lowercase(), chart.to_ascii_lowercase(), model.chart_name.clone()]);

    let comp_norm: Vec<String> = report.components.iter().map(|c| normalize(&c.name, &prefixes)).collect();
    let chart_norm: Vec<String> = scan.workloads.iter().map(|w| normalize(&w.name, &prefixes)).collect();
    let mut assigned: Vec<Option<(usize, &'static str)>> = vec![None; report.components.len()];
    let mut taken = vec![false; scan.workloads.len()];

    for (from, to) in &a.matches {
        let ci = report.components.iter().position(|c| &c.name == from || &c.component == from || normalize(from, &prefixes) == normalize(&c.name, &prefixes));
        let Some(ci) = ci else {
            return Err(Error::Usage(format!("--match {from}={to}: the ClowdApp has no component `{from}` (components: {})", report.components.iter().map(|c| c.component.clone()).collect::<Vec<_>>().join(", "))));
        };
        let wi = scan.workloads.iter().position(|w| &w.name == to || format!("{}/{}", w.kind, w.name) == *to);
        let Some(wi) = wi else {
            return Err(Error::Usage(format!("--match {from}={to}: the chart renders no workload `{to}` (workloads: {})", scan.workloads.iter().map(|w| w.name.clone()).collect::<Vec<_>>().join(", "))));
        };
        assigned[ci] = Some((wi, "override"));
        taken[wi] = true;
    }
    type Rule<'r> = Box<dyn Fn(usize, usize) -> bool + 'r>;
    let rules: Vec<(&'static str, Rule)> = vec![
        ("name", Box::new(|ci, wi| comp_norm[ci] == chart_norm[wi])),
        ("queue", Box::new(|ci, wi| {
            let c = &report.components[ci];
            let w = &scan.workloads[wi];
            c.consumes_queues && !c.queues.is_empty() && sorted(&c.queues) == sorted(&w.queues)
        })),
        ("name+image", Box::new(|ci, wi| {
            let c = &report.components[ci];
            let w = &scan.workloads[wi];
            suffix_of(&comp_norm[ci], &chart_norm[wi]) && !w.image.is_empty() && image_name(&c.image) == image_name(&w.image)
        })),
        ("name+command", Box::new(|ci, wi| {
            let c = &report.components[ci];
            let w = &scan.workloads[wi];
            suffix_of(&comp_norm[ci], &chart_norm[wi]) && !c.command.is_empty() && c.command == w.command
        })),
    ];
    for (how, rule) in &rules {
        for (ci, slot) in assigned.iter_mut().enumerate() {
            if slot.is_some() {
                continue;
            }
            if let Some(wi) = (0..scan.workloads.len()).find(|&wi| !taken[wi] && rule(ci, wi)) {
                *slot = Some((wi, how));
                taken[wi] = true;
            }
        }
    }

    let mut components = Vec::new();
    for (ci, c) in report.components.iter().enumerate() {
        let (matched_with, matched_by, only_app, only_chart) = match assigned[ci] {
            Some((wi, how)) => {
                let w = &scan.workloads[wi];
                let ours: BTreeSet<String> = model.workloads[ci].main().env.iter().map(|e| e.name.clone()).collect();
                (Some(w.name.clone()), Some(how), ours.difference(&w.env).cloned().collect(), w.env.difference(&ours).cloned().collect())
            }
            None => (None, None, Vec::new(), Vec::new()),
        };
        components.push(ComponentStatus {
            name: c.name.clone(),
            component: c.component.clone(),
            kind: c.kind.to_string(),
            category: c.category.clone(),
            status: if matched_with.is_some() { "matched" } else { "missing" },
            matched_with,
            matched_by,
            replicas: c.replicas,
            queues: c.queues.clone(),
            env_only_in_clowdapp: only_app,
            env_only_in_chart: only_chart,
            source: c.source.clone(),
        });
    }

    let missing = |objs: &[super::data::ConfigObject], have: &BTreeSet<String>| -> Vec<MissingObject> {
        objs.iter()
            .filter(|o| !have.contains(&o.name))
            .map(|o| MissingObject { kind: o.kind.to_string(), name: o.name.clone(), provided_by: o.provided_by.to_string(), origin: o.origin.map(str::to_string), optional: o.optional, keys: o.keys.clone(), used_by: o.used_by.clone() })
            .collect()
    };
    let missing_secrets = missing(&report.secrets, &scan.secrets);
    let missing_config_maps = missing(&report.config_maps, &scan.config_maps);
    let infrastructure = infra_checks(model, report, cats, &scan);
    let chart_only: Vec<ChartWorkloadInfo> = scan
        .workloads
        .iter()
        .zip(&taken)
        .filter(|(_, t)| !**t)
        .map(|(w, _)| ChartWorkloadInfo {
            name: w.name.clone(),
            serves: infrastructure.iter().find(|i| i.status == "present" && i.found.contains(&w.name)).map(|i| match i.need.as_str() {
                "dependency" | "service" => format!("{}: {}", i.need, i.detail),
                other => other.to_string(),
            }),
            kind: w.kind.clone(),
            category: w.category.clone(),
            image: w.image.clone(),
            queues: w.queues.clone(),
        })
        .collect();

    // The component matrix: application categories from the components, infrastructure
    // categories from the needs.
    let mut matrix: Vec<MatrixRow> = Vec::new();
    let mut order = cats.component_order();
    order.extend(["dependency".to_string(), "service".to_string()]);
    for cat in order {
        let ours: Vec<&ComponentStatus> = components.iter().filter(|c| c.category == cat).collect();
        let theirs: Vec<&ChartWorkload> = scan.workloads.iter().filter(|w| w.category == cat).collect();
        let needs: Vec<&InfraCheck> = infrastructure.iter().filter(|i| i.category == cat).collect();
        if ours.is_empty() && theirs.is_empty() && needs.is_empty() {
            continue;
        }
        let mut clowdapp_names: Vec<String> = ours.iter().map(|c| c.name.clone()).collect();
        clowdapp_names.extend(needs.iter().map(|n| n.detail.clone()));
        // The chart side: workloads of the category, plus those serving a need of it.
        let mut chart_names: Vec<String> = theirs.iter().map(|w| w.name.clone()).collect();
        for n in needs.iter().filter(|n| n.status == "present") {
            for f in &n.found {
                if !chart_names.contains(f) {
                    chart_names.push(f.clone());
                }
            }
        }
        matrix.push(MatrixRow {
            title: cats.component_title(&cat),
            category: cat.clone(),
            clowdapp: ours.len() + needs.len(),
            chart: chart_names.len(),
            matched: ours.iter().filter(|c| c.status == "matched").count() + needs.iter().filter(|n| n.status == "present").count(),
            missing: ours.iter().filter(|c| c.status == "missing").count() + needs.iter().filter(|n| n.status == "missing").count(),
            clowdapp_names,
            chart_names,
        });
    }
    let matched = components.iter().filter(|c| c.status == "matched").count();
    Ok(Comparison {
        chart_dir: a.chart_dir.display().to_string(),
        chart_name: chart,
        release,
        values_file: a.values.as_ref().map(|v| v.display().to_string()),
        render,
        totals: Totals { clowdapp: components.len(), chart: scan.workloads.len(), matched, missing: components.len() - matched, chart_only: chart_only.len() },
        matrix,
        components,
        chart_only,
        missing_secrets,
        missing_config_maps,
        infrastructure,
    })
}

fn sorted(v: &[String]) -> Vec<String> {
    let mut v = v.to_vec();
    v.sort();
    v.dedup();
    v
}

/// Which chart category serves a Clowder provider.
fn provider_category(p: &str) -> Option<&'static str> {
    Some(match p {
        "database" => "database",
        "inMemoryDb" => "cache",
        "objectStore" => "object-storage",
        "kafka" => "message-broker",
        "featureFlags" => "feature-flags",
        _ => return None,
    })
}

fn infra_checks(model: &Model, report: &Report, cats: &Categories, scan: &ChartScan) -> Vec<InfraCheck> {
    let mut out = Vec::new();
    let names_in = |cat: &str| -> Vec<String> { scan.workloads.iter().filter(|w| w.category == cat).map(|w| w.name.clone()).collect() };
    for n in &report.infrastructure.needs {
        let short = n.detail.split_whitespace().next().unwrap_or("").trim_matches('`').to_ascii_lowercase();
        match n.provider.as_str() {
            "database" => {
                let dbs = names_in("database");
                // The app's own database: a database workload named after the app or the database.
                let mut keys: Vec<String> = model.apps.clone();
                if !short.is_empty() {
                    keys.push(short.clone());
                }
                let own: Vec<String> = dbs.iter().filter(|d| keys.iter().any(|k| d.to_ascii_lowercase().contains(k.as_str()))).cloned().collect();
                let detail = n.detail.clone();
                out.push(InfraCheck { need: n.provider.clone(), detail, category: "database".into(), status: if own.is_empty() { "missing" } else { "present" }, found: if own.is_empty() { dbs } else { own } });
            }
            "dependency" | "dependencies" => {
                let found: Vec<String> = scan.workloads.iter().filter(|w| w.name.to_ascii_lowercase().contains(&short)).map(|w| w.name.clone()).collect();
                out.push(InfraCheck { need: "dependency".into(), detail: n.detail.clone(), category: "dependency".into(), status: if found.is_empty() { "missing" } else { "present" }, found });
            }
            p => {
                let Some(cat) = provider_category(p) else { continue };
                let found = names_in(cat);
                out.push(InfraCheck { need: p.to_string(), detail: format!("{} ({})", cats.component_title(cat), p), category: cat.to_string(), status: if found.is_empty() { "missing" } else { "present" }, found });
            }
        }
    }
    for s in &report.unserved_services {
        let cat = match cats.component_category(&Traits { kind: "Deployment", name: &s.host, ..Default::default() }) {
            c if c == "other" || c == "api" => "service".to_string(),
            c => c,
        };
        let found: Vec<String> = scan
            .workloads
            .iter()
            .filter(|w| w.name == s.host || (cat != "service" && w.category == cat))
            .map(|w| w.name.clone())
            .chain(scan.services.iter().filter(|n| **n == s.host).cloned())
            .collect();
        out.push(InfraCheck { need: "service".into(), detail: format!("{} `{}` ({})", s.what, s.host, s.env), category: cat, status: if found.is_empty() { "missing" } else { "present" }, found });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalizes_prefixes() {
        let p = vec!["koku".to_string(), "clowder".to_string(), "cost".to_string()];
        assert_eq!(normalize("koku-clowder-worker-download", &p), "worker-download");
        assert_eq!(normalize("cost-api-reads", &p), "api-reads");
        assert_eq!(normalize("koku", &p), "koku");
        assert!(suffix_of("celery-worker-download", "worker-download"));
        assert!(!suffix_of("celery-worker-download-xl", "worker-download"));
    }

    #[test]
    fn static_actions() {
        let values = serde_json::json!({"image": {"repository": "r", "tag": 3}});
        let t = "{{- if .Values.x }}\nimage: \"{{ .Values.image.repository }}:{{ .Values.image.tag }}\"\nname: {{ include \"c.fullname\" . }}-api\nmissing: {{ .Values.nope | default \"d\" }}\n{{- end }}\n";
        assert_eq!(strip_actions(t, &values, "rel", "c", "rel-c"), "image: \"r:3\"\nname: rel-c-api\nmissing: d\n");
    }
}
