//! Section "Components": each Deployment with its category, replicas, web services, command,
//! queues and resources; each Job with how it runs.

use crate::report::categories::{Categories, Traits};
use crate::report::facts::{display_val, rendered, Web, WorkloadFacts};
use crate::report::md::{at, cell, code, short, table};
use crate::report::resources::{pod_resources, res_text, Res};
use super::config_objects::ConfigObject;
use crate::model::eval::Eval;
use crate::model::{Autoscaler, Replicas, SourceRef, WorkloadKind};
use serde::Serialize;
use std::fmt::Write;

#[derive(Debug, Clone, Serialize)]
pub struct AutoscalerInfo {
    /// `keda` or `hpa`.
    pub kind: &'static str,
    pub max: Option<i64>,
    pub max_from: String,
    pub min: Option<i64>,
    pub min_from: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Component {
    pub app: String,
    pub autoscaler: Option<AutoscalerInfo>,
    pub category: String,
    pub command: String,
    /// The deployment or job name as written in the ClowdApp.
    pub component: String,
    pub config_maps: Vec<String>,
    /// True when the command consumes the queues (`-Q`), false when only `WORKER_QUEUES` lists them.
    pub consumes_queues: bool,
    pub env_vars: usize,
    pub hook: Option<String>,
    pub image: String,
    pub kind: &'static str,
    pub limits: Res,
    pub limits_text: String,
    /// Object name at the chart's defaults (`koku-api-reads`).
    pub name: String,
    pub queues: Vec<String>,
    pub replicas: Option<i64>,
    /// How the replica count is written (`${{KOKU_READS_REPLICAS}}`, `1`).
    pub replicas_from: Option<String>,
    pub requests: Res,
    pub requests_text: String,
    pub schedule: Option<String>,
    pub secrets: Vec<String>,
    pub source: SourceRef,
    pub unresolved: Vec<String>,
    pub web: Web,
}

pub fn build(ev: &Eval, cats: &Categories, facts: &[WorkloadFacts], secrets: &[ConfigObject], cms: &[ConfigObject]) -> Vec<Component> {
    facts.iter().map(|f| component(ev, cats, f, secrets, cms)).collect()
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

/// `3`, `2 (`${{X}}`)`, `1–6 (KEDA; 1 at defaults)`.
pub fn replicas_text(c: &Component) -> String {
    match (&c.autoscaler, c.replicas) {
        (Some(a), r) => format!(
            "{}–{} ({}; {} at defaults)",
            a.min.map(|v| v.to_string()).unwrap_or_else(|| a.min_from.clone()),
            a.max.map(|v| v.to_string()).unwrap_or_else(|| a.max_from.clone()),
            if a.kind == "keda" { "KEDA" } else { "HPA" },
            r.map(|v| v.to_string()).unwrap_or("?".into())
        ),
        (None, Some(r)) => match &c.replicas_from {
            Some(from) if from != &r.to_string() => format!("{r} (`{}`)", cell(from)),
            _ => r.to_string(),
        },
        (None, None) => format!("? (`{}`)", cell(c.replicas_from.as_deref().unwrap_or(""))),
    }
}

fn web(c: &Component) -> String {
    match (c.web.public, c.web.private) {
        (true, true) => "public + private".into(),
        (true, false) => "public".into(),
        (false, true) => "private".into(),
        (false, false) => "—".into(),
    }
}

pub fn markdown(o: &mut String, components: &[Component], cats: &Categories) {
    let _ = writeln!(o, "## Components\n");
    let deps: Vec<&Component> = components.iter().filter(|c| c.kind == "Deployment").collect();
    if !deps.is_empty() {
        let _ = writeln!(o, "### Deployments ({})\n", deps.len());
        let mut t = String::from("| deployment | category | replicas | web | command | queues | requests per pod | limits per pod | source |\n|---|---|---|---|---|---|---|---|---|\n");
        for c in &deps {
            let queues = if c.queues.is_empty() {
                "—".to_string()
            } else if c.consumes_queues {
                c.queues.join(", ")
            } else {
                format!("lists {} (WORKER_QUEUES)", c.queues.len())
            };
            let _ = writeln!(
                t,
                "| `{}` | {} | {} | {} | {} | {} | {} | {} | {} |",
                c.name,
                cats.component_title(&c.category),
                replicas_text(c),
                web(c),
                if c.command.is_empty() { "image default".to_string() } else { code(&short(&c.command, 90)) },
                cell(&queues),
                cell(&c.requests_text),
                cell(&c.limits_text),
                at(&c.source)
            );
        }
        table(o, &format!("All {} Deployments", deps.len()), deps.len(), &t);
    }
    let jobs: Vec<&Component> = components.iter().filter(|c| c.kind != "Deployment").collect();
    if !jobs.is_empty() {
        let _ = writeln!(o, "### Jobs ({})\n", jobs.len());
        let mut t = String::from("| job | as written | kind | runs | command | requests per pod | limits per pod | source |\n|---|---|---|---|---|---|---|---|\n");
        for c in &jobs {
            let runs = match (&c.schedule, &c.hook) {
                (Some(s), _) => format!("schedule `{}`", cell(s)),
                (None, Some(h)) => format!("Helm hook {h}"),
                _ => "—".into(),
            };
            let _ = writeln!(t, "| `{}` | `{}` | {} | {} | {} | {} | {} | {} |", c.name, cell(&c.component), c.kind, runs, if c.command.is_empty() { "image default".into() } else { code(&short(&c.command, 90)) }, cell(&c.requests_text), cell(&c.limits_text), at(&c.source));
        }
        table(o, &format!("All {} Jobs", jobs.len()), jobs.len(), &t);
    }
}
