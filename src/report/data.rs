//! The report as data: computed once from the model (and, for `gap --against`, from the existing
//! chart), then rendered as Markdown and JSON. Both views read this struct and nothing else.

use super::categories::{Categories, Traits};
use super::compare::Comparison;
use crate::model::eval::{cpu_millis, mem_bytes, show_cpu, show_mem, Eval};
use crate::model::{Autoscaler, Container, EnvOrigin, EnvValue, Finding, Model, Outcome, Replicas, SourceRef, Val, Workload, WorkloadKind};
use serde::Serialize;
use serde_json::Value as J;
use std::collections::{BTreeMap, BTreeSet};

/// Version of the JSON report format (docs/gap-report.schema.json).
pub const VERSION: &str = "2";

#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub version: &'static str,
    pub tool: Tool,
    pub input: InputInfo,
    pub chart: ChartInfo,
    pub summary: Summary,
    pub components: Vec<Component>,
    pub worker_queues: Vec<Queue>,
    pub infrastructure: Infrastructure,
    /// What pods need that the release does not create (install closure).
    pub externals: Vec<super::externals::ExternalRow>,
    pub secrets: Vec<ConfigObject>,
    pub config_maps: Vec<ConfigObject>,
    pub parameters: Parameters,
    pub env_categories: Vec<EnvCategoryReport>,
    pub unserved_services: Vec<ServiceRef>,
    pub external_services: Vec<ServiceRef>,
    pub findings: Vec<Finding>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub comparison: Option<Comparison>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Tool {
    pub name: &'static str,
    pub version: &'static str,
}

#[derive(Debug, Clone, Serialize)]
pub struct InputInfo {
    pub file: String,
    pub sha256: String,
    pub apps: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ChartInfo {
    pub name: String,
    pub app_version: Option<String>,
}

/// CPU and memory, as numbers and as readable text.
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct Res {
    pub cpu_millicores: u64,
    pub memory_bytes: u64,
    pub cpu: String,
    pub memory: String,
}

impl Res {
    pub fn new(cpu_millicores: u64, memory_bytes: u64) -> Res {
        Res { cpu_millicores, memory_bytes, cpu: show_cpu(cpu_millicores), memory: show_mem(memory_bytes) }
    }
    pub fn add(&self, o: &Res) -> Res {
        Res::new(self.cpu_millicores + o.cpu_millicores, self.memory_bytes + o.memory_bytes)
    }
    pub fn times(&self, n: u64) -> Res {
        Res::new(self.cpu_millicores * n, self.memory_bytes * n)
    }
    pub fn max(&self, o: &Res) -> Res {
        Res::new(self.cpu_millicores.max(o.cpu_millicores), self.memory_bytes.max(o.memory_bytes))
    }
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct Group {
    /// Workloads in the group.
    pub count: usize,
    pub pods: i64,
    pub requests: Res,
    pub limits: Res,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct AutoscaledGroup {
    pub count: usize,
    pub min_pods: i64,
    pub max_pods: i64,
    /// Pods the Deployments run with the chart's defaults (KEDA off: minReplicaCount).
    pub pods_at_defaults: i64,
    pub requests_at_defaults: Res,
    pub limits_at_defaults: Res,
    pub requests_at_max: Res,
    pub limits_at_max: Res,
}

#[derive(Debug, Clone, Serialize)]
pub struct DeploymentTotals {
    pub count: usize,
    pub fixed: Group,
    pub autoscaled: AutoscaledGroup,
    pub at_defaults: Group,
    /// Values that have no default (required parameters), so the totals leave them out.
    pub unresolved: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct KindCounts {
    pub deployments: usize,
    pub cronjobs: usize,
    pub jobs: usize,
    pub total: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct Summary {
    pub components: KindCounts,
    pub components_by_category: BTreeMap<String, usize>,
    pub findings_by_outcome: BTreeMap<String, usize>,
    pub findings_total: usize,
    pub deployments: DeploymentTotals,
    /// CronJobs and hook Jobs: one run of each.
    pub jobs: Group,
    pub worker_queues: usize,
    pub parameters: ParamCounts,
    pub env_vars: usize,
    pub secrets: usize,
    pub config_maps: usize,
    pub unserved_services: usize,
    /// Externals that must exist before `helm install` at chart defaults.
    pub decisions_before_install: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct ParamCounts {
    pub total: usize,
    pub required: usize,
    pub decisions_needed: usize,
    pub generated: usize,
    pub typed: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct AutoscalerInfo {
    /// `keda` or `hpa`.
    pub kind: &'static str,
    pub min: Option<i64>,
    pub max: Option<i64>,
    pub min_from: String,
    pub max_from: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Web {
    pub public: bool,
    pub private: bool,
    pub service: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Component {
    /// Object name at the chart's defaults (`koku-api-reads`).
    pub name: String,
    /// The deployment or job name as written in the ClowdApp.
    pub component: String,
    pub app: String,
    pub kind: &'static str,
    pub category: String,
    pub source: SourceRef,
    pub replicas: Option<i64>,
    /// How the replica count is written (`${{KOKU_READS_REPLICAS}}`, `1`).
    pub replicas_from: Option<String>,
    pub autoscaler: Option<AutoscalerInfo>,
    pub web: Web,
    pub image: String,
    pub command: String,
    pub queues: Vec<String>,
    /// True when the command consumes the queues (`-Q`), false when only `WORKER_QUEUES` lists them.
    pub consumes_queues: bool,
    pub requests: Res,
    pub limits: Res,
    pub requests_text: String,
    pub limits_text: String,
    pub schedule: Option<String>,
    pub hook: Option<String>,
    pub env_vars: usize,
    pub secrets: Vec<String>,
    pub config_maps: Vec<String>,
    pub unresolved: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Queue {
    pub name: String,
    pub consumed_by: Vec<String>,
    pub listed_by: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Infrastructure {
    /// `model`: the mapping recorded each need; `findings`: derived from provider findings.
    pub needs: Vec<Infra>,
    /// Objects clowd2helm adds at defaults (bundled infrastructure, generated config), `Kind/name`.
    pub bundled_objects: Vec<String>,
}

/// Each need as the mapping recorded it, with `used_by` narrowed to the workloads that really
/// receive the provider's settings.
pub type Infra = crate::model::InfraNeed;

#[derive(Debug, Clone, Serialize)]
pub struct ConfigUse {
    pub workload: String,
    /// `env NAME`, `volume NAME`.
    pub via: String,
    pub key: Option<String>,
    pub optional: bool,
    pub source: Option<SourceRef>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ConfigObject {
    pub kind: &'static str,
    /// Name at the chart's defaults.
    pub name: String,
    /// Name as written (`${GLITCHTIP_SECRET_NAME}`).
    pub name_expr: String,
    /// `chart`: the chart creates it; `cluster`: it must exist before install.
    pub provided_by: &'static str,
    /// For chart objects: `template` (an object of the input) or `generated` (added by
    /// clowd2helm: bundled infrastructure, cdappconfig).
    pub origin: Option<&'static str>,
    /// Every reference is `optional: true` (the pods start without it).
    pub optional: bool,
    pub keys: Vec<String>,
    pub used_by: Vec<String>,
    pub uses: Vec<ConfigUse>,
    pub source: Option<SourceRef>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ParamInfo {
    pub name: String,
    pub description: Option<String>,
    #[serde(rename = "type")]
    pub ty: &'static str,
    pub default: Option<J>,
    pub required: bool,
    pub typed: bool,
    pub generate_from: Option<String>,
    pub generated_into: Option<String>,
    pub source: SourceRef,
}

#[derive(Debug, Clone, Serialize)]
pub struct Parameters {
    pub counts: ParamCounts,
    pub decisions_needed: Vec<ParamInfo>,
    pub generated: Vec<ParamInfo>,
    pub typed: Vec<ParamInfo>,
    pub all: Vec<ParamInfo>,
}

#[derive(Debug, Clone, Serialize)]
pub struct EnvVarInfo {
    pub name: String,
    pub workloads: Vec<String>,
    /// `template`, `provider:<name>`, `clowder`.
    pub origins: Vec<String>,
    /// Distinct values at defaults (`secret NAME/KEY` for references).
    pub values: Vec<String>,
    pub source: Option<SourceRef>,
}

#[derive(Debug, Clone, Serialize)]
pub struct EnvCategoryReport {
    pub id: String,
    pub title: String,
    pub provider: Option<String>,
    pub vars: Vec<EnvVarInfo>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ServiceRef {
    pub env: String,
    pub value: String,
    pub host: String,
    pub port: Option<String>,
    pub what: String,
    pub workloads: Vec<String>,
    pub source: Option<SourceRef>,
}

/// Everything the report needs to know about a workload, evaluated once.
pub(crate) struct WorkloadFacts<'a> {
    pub w: &'a Workload,
    pub name: String,
    pub image: String,
    pub command: String,
    pub queues: Vec<String>,
    pub consumes: bool,
    pub web: Web,
}

impl Report {
    pub fn build(model: &Model, cats: &Categories) -> Report {
        let ev = Eval::new(model);
        let facts: Vec<WorkloadFacts> = model.workloads.iter().map(|w| facts(&ev, w)).collect();
        let refs = config_refs(&ev, model, &facts);
        let (secrets, config_maps): (Vec<_>, Vec<_>) = refs.into_iter().partition(|o| o.kind == "Secret");
        let components: Vec<Component> = facts.iter().map(|f| component(&ev, cats, f, &secrets, &config_maps)).collect();
        let worker_queues = queues(&components);
        let env_categories = env_categories(&ev, cats, &facts);
        let infrastructure = infrastructure(&ev, model, &facts, &env_categories);
        let (unserved_services, external_services) = services(&ev, cats, model, &facts);
        let parameters = parameters(model);
        let deployments = deployment_totals(&components);
        let jobs = components.iter().filter(|c| c.kind != "Deployment").fold(Group::default(), |g, c| Group {
            count: g.count + 1,
            pods: g.pods + c.replicas.unwrap_or(1),
            requests: g.requests.add(&c.requests.times(c.replicas.unwrap_or(1).max(0) as u64)),
            limits: g.limits.add(&c.limits.times(c.replicas.unwrap_or(1).max(0) as u64)),
        });
        let mut by_outcome = BTreeMap::new();
        for o in Outcome::ALL {
            by_outcome.insert(o.as_str().to_string(), model.findings.iter().filter(|f| f.outcome == o).count());
        }
        let mut by_category = BTreeMap::new();
        for c in &components {
            *by_category.entry(c.category.clone()).or_insert(0) += 1;
        }
        let count = |k: &WorkloadKind| model.workloads.iter().filter(|w| &w.kind == k).count();
        let summary = Summary {
            components: KindCounts { deployments: count(&WorkloadKind::Deployment), cronjobs: count(&WorkloadKind::CronJob), jobs: count(&WorkloadKind::HookJob), total: model.workloads.len() },
            components_by_category: by_category,
            findings_by_outcome: by_outcome,
            findings_total: model.findings.len(),
            deployments,
            jobs,
            worker_queues: worker_queues.len(),
            parameters: parameters.counts.clone(),
            env_vars: env_categories.iter().map(|c| c.vars.len()).sum(),
            secrets: secrets.len(),
            config_maps: config_maps.len(),
            unserved_services: unserved_services.len(),
            decisions_before_install: 0,
        };
        let externals = super::externals::build(&ev, model);
        let summary = Summary { decisions_before_install: externals.iter().filter(|e| e.needed_at_defaults).count(), ..summary };
        let mut findings = model.findings.clone();
        findings.sort_by(|a, b| (&a.source.file, a.source.line, a.source.column).cmp(&(&b.source.file, b.source.line, b.source.column)));
        Report {
            version: VERSION,
            tool: Tool { name: "clowd2helm", version: env!("CARGO_PKG_VERSION") },
            input: InputInfo { file: model.input_file.clone(), sha256: model.input_sha256.clone(), apps: model.apps.clone() },
            chart: ChartInfo { name: model.chart_name.clone(), app_version: model.app_version.clone() },
            summary,
            components,
            worker_queues,
            infrastructure,
            externals,
            secrets,
            config_maps,
            parameters,
            env_categories,
            unserved_services,
            external_services,
            findings,
            comparison: None,
        }
    }
}

pub(crate) fn facts<'a>(ev: &Eval, w: &'a Workload) -> WorkloadFacts<'a> {
    let main = w.main();
    let name = ev.text_or_display(&w.name);
    let image = ev.string(&main.image).unwrap_or_else(|| display_val(&main.image));
    let words = command_words(ev, main);
    let command = summarize_command(&words);
    let (queues, consumes) = worker_queues(&words, |n| env_value(ev, main, n));
    let web = match &w.service {
        Some(s) => Web {
            public: s.ports.iter().any(|p| p.name == "public"),
            private: s.ports.iter().any(|p| p.name == "private"),
            service: Some(ev.text_or_display(&s.name)),
        },
        None => Web { public: false, private: false, service: None },
    };
    WorkloadFacts { w, name, image, command, queues, consumes, web }
}

/// A value's symbolic form, for when it has no default.
pub fn display_val(v: &Val) -> String {
    match v {
        Val::Str(t) => t.display(),
        Val::Typed(n) => format!("${{{{{n}}}}}"),
        Val::ValueRef(p) => format!("<{p}>"),
        Val::Int(i) => i.to_string(),
        Val::Bool(b) => b.to_string(),
        Val::Float(f) => f.clone(),
        Val::Null => String::new(),
        Val::Generated(g) => format!("<generated {}>", g.param.as_deref().unwrap_or(&g.key)),
        Val::If(..) => "<conditional>".into(),
        Val::SecretValue { secret, key } => format!("<secret {}/{}>", secret.display(), key.display()),
        Val::ConfigJson(_) | Val::ConfigHash(_) => "<config>".into(),
        Val::Seq(items) => items.iter().map(|i| display_val(&i.val)).collect::<Vec<_>>().join(" "),
        Val::Map(_) => "<map>".into(),
    }
}

/// The env var is rendered with the chart's defaults.
fn rendered(ev: &Eval, e: &crate::model::EnvVar) -> bool {
    e.when.as_ref().is_none_or(|c| ev.cond(c))
}

fn env_value(ev: &Eval, c: &Container, name: &str) -> Option<String> {
    c.env.iter().rev().filter(|e| rendered(ev, e)).find(|e| e.name == name).and_then(|e| match &e.value {
        EnvValue::Value(v) => ev.string(v),
        EnvValue::From(_) => None,
    })
}

/// Command and args at defaults, as words.
fn command_words(ev: &Eval, c: &Container) -> Vec<String> {
    let mut out = Vec::new();
    for v in c.command.iter().chain(&c.args) {
        match v {
            Val::Seq(items) => out.extend(items.iter().map(|i| ev.string(&i.val).unwrap_or_else(|| display_val(&i.val)))),
            other => out.push(ev.string(other).unwrap_or_else(|| display_val(other))),
        }
    }
    out
}

/// `/bin/bash -c SCRIPT` → the script; whitespace collapsed.
pub fn summarize_command(words: &[String]) -> String {
    let shell = words.len() >= 3 && (words[0].ends_with("sh") || words[0].ends_with("bash")) && words[1] == "-c";
    let text = if shell { words[2..].join(" ") } else { words.join(" ") };
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Worker queues: the `-Q`/`--queues` argument (a `$VAR` resolved through the container's env),
/// else the `WORKER_QUEUES` env var. The bool says whether the command consumes them.
pub fn worker_queues(words: &[String], env: impl Fn(&str) -> Option<String>) -> (Vec<String>, bool) {
    let tokens: Vec<String> = words.iter().flat_map(|w| w.split_whitespace().map(|t| t.trim_matches(|c| c == '"' || c == '\'').to_string())).collect();
    let mut arg: Option<String> = None;
    for (i, t) in tokens.iter().enumerate() {
        if t == "-Q" || t == "--queues" {
            arg = tokens.get(i + 1).cloned();
        } else if let Some(v) = t.strip_prefix("--queues=").or_else(|| t.strip_prefix("-Q=")) {
            arg = Some(v.to_string());
        } else if let Some(v) = t.strip_prefix("-Q").filter(|v| !v.is_empty() && !v.starts_with('=')) {
            arg = Some(v.to_string());
        }
    }
    let split = |s: &str| -> Vec<String> {
        let mut v: Vec<String> = s.split(',').map(|q| q.trim().to_string()).filter(|q| !q.is_empty()).collect();
        v.dedup();
        v
    };
    if let Some(a) = arg {
        let var = a.strip_prefix("${").and_then(|v| v.strip_suffix('}')).or_else(|| a.strip_prefix('$'));
        let resolved = match var {
            Some(v) => env(v).unwrap_or_default(),
            None => a,
        };
        return (split(&resolved), true);
    }
    match env("WORKER_QUEUES").or_else(|| env("WORKER_QUEUE")) {
        Some(v) => (split(&v), false),
        None => (Vec::new(), false),
    }
}

fn resources(ev: &Eval, list: &[(String, Val)], what: &str, container: &str, unresolved: &mut Vec<String>) -> Res {
    let mut cpu = 0;
    let mut mem = 0;
    for (k, v) in list {
        let Some(s) = ev.string(v) else {
            unresolved.push(format!("{what}.{k} of container {container} ({} has no default)", display_val(v)));
            continue;
        };
        let parsed = match k.as_str() {
            "cpu" => cpu_millis(&s).map(|m| cpu += m),
            "memory" => mem_bytes(&s).map(|b| mem += b),
            _ => Some(()),
        };
        if parsed.is_none() && !s.is_empty() {
            unresolved.push(format!("{what}.{k} of container {container}: `{s}` is not a quantity"));
        }
    }
    Res::new(cpu, mem)
}

/// A pod's effective requests/limits: the sum of its containers, or the largest init container
/// when that is bigger (how the scheduler counts it).
fn pod_resources(ev: &Eval, w: &Workload, unresolved: &mut Vec<String>) -> (Res, Res) {
    let mut req = Res::default();
    let mut lim = Res::default();
    for c in &w.pod.containers {
        let n = ev.text_or_display(&c.name);
        req = req.add(&resources(ev, &c.resources.requests, "requests", &n, unresolved));
        lim = lim.add(&resources(ev, &c.resources.limits, "limits", &n, unresolved));
    }
    for c in &w.pod.init_containers {
        let n = ev.text_or_display(&c.name);
        let mut ignore = Vec::new();
        req = req.max(&resources(ev, &c.resources.requests, "requests", &n, &mut ignore));
        lim = lim.max(&resources(ev, &c.resources.limits, "limits", &n, &mut ignore));
    }
    (req, lim)
}

fn res_text(ev: &Eval, c: &Container, requests: bool) -> String {
    let list = if requests { &c.resources.requests } else { &c.resources.limits };
    list.iter().map(|(k, v)| format!("{k} {}", ev.string(v).unwrap_or_else(|| display_val(v)))).collect::<Vec<_>>().join(", ")
}

fn component(ev: &Eval, cats: &Categories, f: &WorkloadFacts, secrets: &[ConfigObject], cms: &[ConfigObject]) -> Component {
    let w = f.w;
    let mut unresolved = Vec::new();
    let (requests, limits) = pod_resources(ev, w, &mut unresolved);
    let autoscaler = w.autoscaler.as_ref().map(|a| match a {
        Autoscaler::Keda { min, max, .. } => AutoscalerInfo { kind: "keda", min: ev.int(min), max: ev.int(max), min_from: display_val(min), max_from: display_val(max) },
        Autoscaler::Hpa { min, max, .. } => AutoscalerInfo { kind: "hpa", min: ev.int(min), max: ev.int(max), min_from: display_val(min), max_from: display_val(max) },
    });
    let (replicas, replicas_from) = match w.kind {
        WorkloadKind::Deployment => {
            let r = ev.replicas(&w.replicas).or_else(|| autoscaler.as_ref().and_then(|a| a.min));
            if r.is_none() {
                unresolved.push("replicas (no default)".into());
            }
            let from = match &w.replicas {
                Some(Replicas::Fixed(v)) => Some(display_val(v)),
                Some(Replicas::Autoscaled { .. }) => autoscaler.as_ref().map(|a| a.min_from.clone()),
                None => None,
            };
            (r, from)
        }
        _ => {
            let p = w.job.as_ref().and_then(|j| j.parallelism.as_ref()).and_then(|v| ev.int(v)).unwrap_or(1);
            (Some(p), None)
        }
    };
    let kind_str = w.kind.as_str();
    let category = cats.component_category(&Traits {
        kind: kind_str,
        name: &w.component.display(),
        image: &f.image,
        command: &f.command,
        has_queues: !f.queues.is_empty() && f.consumes,
        web: f.web.public || f.web.private,
    });
    let uses = |objs: &[ConfigObject]| objs.iter().filter(|o| o.used_by.contains(&f.name)).map(|o| o.name.clone()).collect::<Vec<_>>();
    Component {
        name: f.name.clone(),
        component: w.component.display(),
        app: w.app.clone(),
        kind: kind_str,
        category,
        source: w.source.clone(),
        replicas,
        replicas_from,
        autoscaler,
        web: f.web.clone(),
        image: f.image.clone(),
        command: f.command.clone(),
        queues: f.queues.clone(),
        consumes_queues: f.consumes,
        requests,
        limits,
        requests_text: res_text(ev, w.main(), true),
        limits_text: res_text(ev, w.main(), false),
        schedule: w.cron.as_ref().map(|c| ev.string(&c.schedule).unwrap_or_else(|| display_val(&c.schedule))),
        hook: w.job.as_ref().and_then(|j| j.hook.clone()),
        env_vars: w.main().env.iter().filter(|e| rendered(ev, e)).count(),
        secrets: uses(secrets),
        config_maps: uses(cms),
        unresolved,
    }
}

fn deployment_totals(components: &[Component]) -> DeploymentTotals {
    let mut fixed = Group::default();
    let mut auto = AutoscaledGroup::default();
    let mut unresolved = Vec::new();
    for c in components.iter().filter(|c| c.kind == "Deployment") {
        unresolved.extend(c.unresolved.iter().map(|u| format!("{}: {u}", c.name)));
        let pods = c.replicas.unwrap_or(0).max(0);
        match &c.autoscaler {
            None => {
                fixed.count += 1;
                fixed.pods += pods;
                fixed.requests = fixed.requests.add(&c.requests.times(pods as u64));
                fixed.limits = fixed.limits.add(&c.limits.times(pods as u64));
            }
            Some(a) => {
                let max = a.max.unwrap_or(pods).max(0);
                auto.count += 1;
                auto.min_pods += a.min.unwrap_or(pods);
                auto.max_pods += max;
                auto.pods_at_defaults += pods;
                auto.requests_at_defaults = auto.requests_at_defaults.add(&c.requests.times(pods as u64));
                auto.limits_at_defaults = auto.limits_at_defaults.add(&c.limits.times(pods as u64));
                auto.requests_at_max = auto.requests_at_max.add(&c.requests.times(max as u64));
                auto.limits_at_max = auto.limits_at_max.add(&c.limits.times(max as u64));
            }
        }
    }
    let at_defaults = Group {
        count: fixed.count + auto.count,
        pods: fixed.pods + auto.pods_at_defaults,
        requests: fixed.requests.add(&auto.requests_at_defaults),
        limits: fixed.limits.add(&auto.limits_at_defaults),
    };
    DeploymentTotals { count: at_defaults.count, fixed, autoscaled: auto, at_defaults, unresolved }
}

fn queues(components: &[Component]) -> Vec<Queue> {
    let mut map: BTreeMap<String, Queue> = BTreeMap::new();
    for c in components {
        for q in &c.queues {
            let e = map.entry(q.clone()).or_insert_with(|| Queue { name: q.clone(), consumed_by: Vec::new(), listed_by: Vec::new() });
            if c.consumes_queues {
                e.consumed_by.push(c.name.clone());
            } else {
                e.listed_by.push(c.name.clone());
            }
        }
    }
    map.into_values().collect()
}

/// Secret and ConfigMap references of every container and volume, plus the ones the chart creates.
/// `optional: true` at defaults (an entry may exist only under a condition).
fn is_optional(ev: &Eval, reference: &Val) -> bool {
    reference.entries().iter().any(|e| e.key.is_literal("optional") && e.when.as_ref().is_none_or(|c| ev.cond(c)) && ev.val(&e.val) == Some(J::Bool(true)))
}

fn config_refs(ev: &Eval, model: &Model, facts: &[WorkloadFacts]) -> Vec<ConfigObject> {
    let mut objs: Vec<ConfigObject> = Vec::new();
    let entry = |kind: &'static str, name_v: &Val, objs: &mut Vec<ConfigObject>| -> usize {
        let name = ev.string(name_v).filter(|n| !n.is_empty()).unwrap_or_else(|| display_val(name_v));
        if let Some(i) = objs.iter().position(|o| o.kind == kind && o.name == name) {
            return i;
        }
        // A reference the chart wires to `secrets.<name>` / `configMaps.<name>` is written as its default.
        let wired = matches!(name_v, Val::Str(t) if t.params().next().is_none() && t.as_literal().is_none() && t.display().starts_with(&['<'][..]) && ["<secrets.", "<configMaps."].iter().any(|p| t.display().starts_with(p)));
        let name_expr = if wired { name.clone() } else { display_val(name_v) };
        objs.push(ConfigObject { kind, name, name_expr, provided_by: "cluster", origin: None, optional: true, keys: Vec::new(), used_by: Vec::new(), uses: Vec::new(), source: None });
        objs.len() - 1
    };
    // Created by the chart: template objects, then extra objects.
    for o in &model.objects {
        let kind = match o.kind.as_str() {
            "Secret" => "Secret",
            "ConfigMap" => "ConfigMap",
            _ => continue,
        };
        let i = entry(kind, &Val::Str(o.name.clone()), &mut objs);
        objs[i].provided_by = "chart";
        objs[i].origin = Some("template");
        objs[i].optional = false;
        objs[i].source = Some(o.source.clone());
        objs[i].keys.extend(data_keys(ev, &o.body));
    }
    for x in &model.extra {
        let kind = match x.body.get("kind").and_then(Val::as_literal_str).as_deref() {
            Some("Secret") => "Secret",
            Some("ConfigMap") => "ConfigMap",
            _ => continue,
        };
        let Some(name) = x.body.get("metadata").and_then(|m| m.get("name")) else { continue };
        if x.when.as_ref().is_some_and(|c| !ev.cond(c)) {
            continue;
        }
        let i = entry(kind, name, &mut objs);
        objs[i].provided_by = "chart";
        objs[i].origin.get_or_insert("generated");
        objs[i].optional = false;
        objs[i].keys.extend(data_keys(ev, &x.body));
    }
    let created: BTreeSet<usize> = (0..objs.len()).collect();
    for f in facts {
        let w = f.w;
        for c in w.pod.containers.iter().chain(&w.pod.init_containers) {
            for e in c.env.iter().filter(|e| rendered(ev, e)) {
                let EnvValue::From(v) = &e.value else { continue };
                for (field, kind) in [("secretKeyRef", "Secret"), ("configMapKeyRef", "ConfigMap")] {
                    let Some(r) = v.get(field) else { continue };
                    let Some(n) = r.get("name") else { continue };
                    let i = entry(kind, n, &mut objs);
                    let key = r.get("key").map(|k| ev.string(k).unwrap_or_else(|| display_val(k)));
                    let optional = is_optional(ev, r);
                    add_use(&mut objs[i], &f.name, format!("env {}", e.name), key, optional, e.source.clone());
                }
            }
        }
        for vol in &w.pod.volumes {
            let vname = vol.get("name").map(|n| ev.string(n).unwrap_or_else(|| display_val(n))).unwrap_or_default();
            let mut sources: Vec<(&'static str, &Val)> = Vec::new();
            if let Some(s) = vol.get("secret") {
                sources.push(("Secret", s));
            }
            if let Some(s) = vol.get("configMap") {
                sources.push(("ConfigMap", s));
            }
            for p in vol.get("projected").and_then(|p| p.get("sources")).map(|s| s.items()).unwrap_or(&[]) {
                if let Some(s) = p.val.get("secret") {
                    sources.push(("Secret", s));
                }
                if let Some(s) = p.val.get("configMap") {
                    sources.push(("ConfigMap", s));
                }
            }
            for (kind, s) in sources {
                let name_field = if kind == "Secret" && s.get("secretName").is_some() { "secretName" } else { "name" };
                let Some(n) = s.get(name_field) else { continue };
                let i = entry(kind, n, &mut objs);
                let optional = is_optional(ev, s);
                let source = w.pod.volume_sources.iter().find(|(n, _)| *n == vname).map(|(_, s)| s.clone());
                let items = s.get("items").map(|i| i.items()).unwrap_or(&[]);
                if items.is_empty() {
                    add_use(&mut objs[i], &f.name, format!("volume {vname}"), None, optional, source.clone());
                }
                for it in items {
                    let key = it.val.get("key").map(|k| ev.string(k).unwrap_or_else(|| display_val(k)));
                    add_use(&mut objs[i], &f.name, format!("volume {vname}"), key, optional, source.clone());
                }
            }
        }
    }
    for (i, o) in objs.iter_mut().enumerate() {
        if !created.contains(&i) && o.uses.iter().any(|u| !u.optional) {
            o.optional = false;
        }
        if o.source.is_none() {
            o.source = o.uses.iter().find_map(|u| u.source.clone());
        }
        o.keys.sort();
        o.keys.dedup();
        o.used_by.sort();
        o.used_by.dedup();
    }
    objs.sort_by(|a, b| (a.kind, a.provided_by != "chart", &a.name).cmp(&(b.kind, b.provided_by != "chart", &b.name)));
    objs
}

fn add_use(o: &mut ConfigObject, workload: &str, via: String, key: Option<String>, optional: bool, source: Option<SourceRef>) {
    if let Some(k) = &key {
        o.keys.push(k.clone());
    }
    o.used_by.push(workload.to_string());
    o.uses.push(ConfigUse { workload: workload.to_string(), via, key, optional, source });
}

fn data_keys(ev: &Eval, body: &Val) -> Vec<String> {
    let mut keys = Vec::new();
    for section in ["data", "stringData", "binaryData"] {
        for e in body.get(section).map(|s| s.entries()).unwrap_or(&[]) {
            keys.push(ev.text_or_display(&e.key));
        }
    }
    keys
}

fn env_categories(ev: &Eval, cats: &Categories, facts: &[WorkloadFacts]) -> Vec<EnvCategoryReport> {
    let mut vars: BTreeMap<String, EnvVarInfo> = BTreeMap::new();
    // Distinct values per variable, beside the ordered list (keeps this linear in env entries).
    let mut seen_values: std::collections::HashSet<(String, String)> = std::collections::HashSet::new();
    for f in facts {
        for c in f.w.pod.containers.iter().chain(&f.w.pod.init_containers) {
            for e in c.env.iter().filter(|e| rendered(ev, e)) {
                let info = vars.entry(e.name.clone()).or_insert_with(|| EnvVarInfo { name: e.name.clone(), workloads: Vec::new(), origins: Vec::new(), values: Vec::new(), source: None });
                // Workloads are visited one after another, so a repeat can only be the last one.
                if info.workloads.last() != Some(&f.name) {
                    info.workloads.push(f.name.clone());
                }
                let origin = match &e.origin {
                    EnvOrigin::Template => "template".to_string(),
                    EnvOrigin::Provider(p) => format!("provider:{p}"),
                    EnvOrigin::Clowder => "clowder".to_string(),
                };
                if !info.origins.contains(&origin) {
                    info.origins.push(origin);
                }
                let value = match &e.value {
                    EnvValue::Value(v) => ev.string(v).unwrap_or_else(|| display_val(v)),
                    EnvValue::From(v) => from_text(ev, v),
                };
                if seen_values.insert((e.name.clone(), value.clone())) {
                    info.values.push(value);
                }
                if info.source.is_none() {
                    info.source = e.source.clone();
                }
            }
        }
    }
    let mut out: Vec<EnvCategoryReport> = cats.env.iter().map(|c| EnvCategoryReport { id: c.id.clone(), title: c.title.clone(), provider: c.provider.clone(), vars: Vec::new() }).collect();
    for (name, info) in vars {
        let id = &cats.env_category(&name).id;
        if let Some(c) = out.iter_mut().find(|c| &c.id == id) {
            c.vars.push(info);
        }
    }
    out.retain(|c| !c.vars.is_empty());
    out
}

/// `secret NAME/KEY`, `configmap NAME/KEY`, `field PATH`, `resource NAME`.
fn from_text(ev: &Eval, v: &Val) -> String {
    let s = |v: Option<&Val>| v.map(|v| ev.string(v).unwrap_or_else(|| display_val(v))).unwrap_or_default();
    if let Some(r) = v.get("secretKeyRef") {
        format!("secret {}/{}", s(r.get("name")), s(r.get("key")))
    } else if let Some(r) = v.get("configMapKeyRef") {
        format!("configmap {}/{}", s(r.get("name")), s(r.get("key")))
    } else if let Some(r) = v.get("fieldRef") {
        format!("field {}", s(r.get("fieldPath")))
    } else if let Some(r) = v.get("resourceFieldRef") {
        format!("resource {}", s(r.get("resource")))
    } else {
        "valueFrom".into()
    }
}

fn infrastructure(ev: &Eval, model: &Model, facts: &[WorkloadFacts], envs: &[EnvCategoryReport]) -> Infrastructure {
    // Workloads whose containers got a provider's env vars (`database`, `dependency:rbac`).
    let users_of = |origin: &str| -> Vec<String> {
        facts
            .iter()
            .filter(|f| f.w.pod.containers.iter().chain(&f.w.pod.init_containers).any(|c| c.env.iter().any(|e| rendered(ev, e) && matches!(&e.origin, EnvOrigin::Provider(p) if p == origin))))
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

/// Split a host-like value into host and port: `http://h:1/x`, `h:1`, `h`.
pub fn host_port(value: &str) -> Option<(String, Option<String>)> {
    let v = value.trim();
    if v.is_empty() || v.starts_with('/') || v.contains(char::is_whitespace) {
        return None;
    }
    let rest = match v.find("://") {
        Some(i) => &v[i + 3..],
        None => v,
    };
    let rest = rest.rsplit('@').next().unwrap_or(rest);
    let hostport = rest.split(['/', '?', '#']).next().unwrap_or(rest);
    let (host, port) = match hostport.rsplit_once(':') {
        Some((h, p)) if !p.is_empty() && p.chars().all(|c| c.is_ascii_digit()) => (h, Some(p.to_string())),
        _ => (hostport, None),
    };
    let ok = !host.is_empty() && host.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.') && host.chars().next().is_some_and(|c| c.is_ascii_alphanumeric());
    ok.then(|| (host.to_ascii_lowercase(), port))
}

/// Host-like env vars whose host names an in-cluster service that the chart does not create
/// (unserved), or a host outside the cluster (external).
fn services(ev: &Eval, cats: &Categories, model: &Model, facts: &[WorkloadFacts]) -> (Vec<ServiceRef>, Vec<ServiceRef>) {
    let mut served: BTreeSet<String> = BTreeSet::new();
    for f in facts {
        if let Some(s) = &f.web.service {
            served.insert(s.to_ascii_lowercase());
        }
    }
    let mut add_service = |body: &Val| {
        if body.get("kind").and_then(Val::as_literal_str).as_deref() == Some("Service")
            && let Some(n) = body.get("metadata").and_then(|m| m.get("name")).and_then(|n| ev.string(n))
        {
            served.insert(n.to_ascii_lowercase());
        }
    };
    for o in &model.objects {
        add_service(&o.body);
    }
    for x in &model.extra {
        add_service(&x.body);
    }
    let mut found: BTreeMap<(String, String), ServiceRef> = BTreeMap::new();
    let mut external: BTreeMap<(String, String), ServiceRef> = BTreeMap::new();
    for f in facts {
        for c in f.w.pod.containers.iter().chain(&f.w.pod.init_containers) {
            for e in &c.env {
                if e.origin != EnvOrigin::Template || !cats.is_host_env(&e.name) {
                    continue;
                }
                let EnvValue::Value(v) = &e.value else { continue };
                let Some(value) = ev.string(v) else { continue };
                let Some((host, port)) = host_port(&value) else { continue };
                if cats.ignored_host(&host) {
                    continue;
                }
                let first = host.split('.').next().unwrap_or(&host).to_string();
                let in_cluster = !host.contains('.') || host.contains(".svc");
                if in_cluster && served.contains(&first) {
                    continue;
                }
                let stem = e.name.rsplit_once('_').map(|(s, _)| s).unwrap_or(&e.name);
                let port = port.or_else(|| env_value(ev, c, &format!("{stem}_PORT")));
                let what = cats.service_kind(&e.name).map(str::to_string).unwrap_or_else(|| format!("a service named `{first}`"));
                let target = if in_cluster { &mut found } else { &mut external };
                let r = target.entry((e.name.clone(), host.clone())).or_insert_with(|| ServiceRef { env: e.name.clone(), value: value.clone(), host: host.clone(), port, what, workloads: Vec::new(), source: e.source.clone() });
                if !r.workloads.contains(&f.name) {
                    r.workloads.push(f.name.clone());
                }
            }
        }
    }
    (found.into_values().collect(), external.into_values().collect())
}

fn parameters(model: &Model) -> Parameters {
    let info = |p: &crate::model::ParamValue| ParamInfo {
        name: p.param.name.clone(),
        description: p.param.description.clone().map(|d| d.split_whitespace().collect::<Vec<_>>().join(" ")),
        ty: p.ty.as_str(),
        default: if p.param.generate_from.is_some() { None } else { p.default.clone() },
        required: p.param.required,
        typed: p.typed,
        generate_from: p.param.generate_from.clone(),
        generated_into: p.generated_into.as_ref().map(|(s, k)| format!("Secret/{}:{k}", s.display())),
        source: SourceRef { file: model.input_file.clone(), line: p.param.pos.line.max(1), column: Some(p.param.pos.col.max(1)) },
    };
    let all: Vec<ParamInfo> = model.parameters.iter().map(info).collect();
    let decisions: Vec<ParamInfo> = model.parameters.iter().filter(|p| p.param.needs_value()).map(info).collect();
    let generated: Vec<ParamInfo> = model.parameters.iter().filter(|p| p.param.generate_from.is_some()).map(info).collect();
    let typed: Vec<ParamInfo> = model.parameters.iter().filter(|p| p.typed).map(info).collect();
    Parameters {
        counts: ParamCounts { total: all.len(), required: model.parameters.iter().filter(|p| p.param.required).count(), decisions_needed: decisions.len(), generated: generated.len(), typed: typed.len() },
        decisions_needed: decisions,
        generated,
        typed,
        all,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queues_from_q_and_env() {
        let words: Vec<String> = ["/bin/bash", "-c", "celery -A koku worker -E -Q $WORKER_QUEUES\n"].iter().map(|s| s.to_string()).collect();
        let (q, consumes) = worker_queues(&words, |n| (n == "WORKER_QUEUES").then(|| "a,b".to_string()));
        assert_eq!((q, consumes), (vec!["a".to_string(), "b".to_string()], true));
        let words: Vec<String> = ["celery", "worker", "-Q", "download"].iter().map(|s| s.to_string()).collect();
        assert_eq!(worker_queues(&words, |_| None), (vec!["download".to_string()], true));
        let words: Vec<String> = ["celery", "worker", "--queues=x,y"].iter().map(|s| s.to_string()).collect();
        assert_eq!(worker_queues(&words, |_| None).0, vec!["x".to_string(), "y".to_string()]);
        assert_eq!(worker_queues(&[], |n| (n == "WORKER_QUEUES").then(|| "z".to_string())), (vec!["z".to_string()], false));
    }

    #[test]
    fn host_ports() {
        assert_eq!(host_port("trino-coordinator"), Some(("trino-coordinator".into(), None)));
        assert_eq!(host_port("prometheus-pushgateway:9091"), Some(("prometheus-pushgateway".into(), Some("9091".into()))));
        assert_eq!(host_port("https://user@s3.amazonaws.com:443/x"), Some(("s3.amazonaws.com".into(), Some("443".into()))));
        assert_eq!(host_port("/api/v1"), None);
        assert_eq!(host_port(""), None);
        assert_eq!(summarize_command(&["/bin/bash".into(), "-c".into(), "a  b\n c\n".into()]), "a b c");
    }
}
