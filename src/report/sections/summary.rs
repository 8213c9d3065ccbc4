//! Section "Summary": components by kind and category, findings by outcome, pods and CPU/memory
//! of the Deployments at defaults (fixed, autoscaled, at their maximum), jobs apart.

use super::components::Component;
use crate::model::{Model, Outcome, WorkloadKind};
use crate::report::categories::Categories;
use crate::report::md::cell;
use crate::report::resources::Res;
use serde::Serialize;
use std::collections::BTreeMap;
use std::fmt::Write;

#[derive(Debug, Clone, Default, Serialize)]
pub struct Group {
    /// Workloads in the group.
    pub count: usize,
    pub limits: Res,
    pub pods: i64,
    pub requests: Res,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct AutoscaledGroup {
    pub count: usize,
    pub limits_at_defaults: Res,
    pub limits_at_max: Res,
    pub max_pods: i64,
    pub min_pods: i64,
    /// Pods the Deployments run with the chart's defaults (KEDA off: minReplicaCount).
    pub pods_at_defaults: i64,
    pub requests_at_defaults: Res,
    pub requests_at_max: Res,
}

#[derive(Debug, Clone, Serialize)]
pub struct DeploymentTotals {
    pub at_defaults: Group,
    pub autoscaled: AutoscaledGroup,
    pub count: usize,
    pub fixed: Group,
    /// Values that have no default (required parameters), so the totals leave them out.
    pub unresolved: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct KindCounts {
    pub cronjobs: usize,
    pub deployments: usize,
    pub jobs: usize,
    pub total: usize,
}

/// The other sections' sizes, for the summary line.
#[derive(Debug, Clone, Copy)]
pub struct Sizes {
    pub worker_queues: usize,
    pub env_vars: usize,
    pub secrets: usize,
    pub config_maps: usize,
    pub unserved_services: usize,
    pub decisions_before_install: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct Summary {
    pub components: KindCounts,
    pub components_by_category: BTreeMap<String, usize>,
    pub config_maps: usize,
    /// Externals that must exist before `helm install` at chart defaults.
    pub decisions_before_install: usize,
    pub deployments: DeploymentTotals,
    pub env_vars: usize,
    pub findings_by_outcome: BTreeMap<String, usize>,
    pub findings_total: usize,
    /// CronJobs and hook Jobs: one run of each.
    pub jobs: Group,
    pub parameters: super::parameters::ParamCounts,
    pub secrets: usize,
    pub unserved_services: usize,
    pub worker_queues: usize,
}

pub fn build(model: &Model, components: &[Component], parameters: &super::parameters::ParamCounts, sizes: Sizes) -> Summary {
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
    for c in components {
        *by_category.entry(c.category.clone()).or_insert(0) += 1;
    }
    let count = |k: &WorkloadKind| model.workloads.iter().filter(|w| &w.kind == k).count();
    Summary {
        components: KindCounts { deployments: count(&WorkloadKind::Deployment), cronjobs: count(&WorkloadKind::CronJob), jobs: count(&WorkloadKind::HookJob), total: model.workloads.len() },
        components_by_category: by_category,
        findings_by_outcome: by_outcome,
        findings_total: model.findings.len(),
        deployments: deployment_totals(components),
        jobs,
        worker_queues: sizes.worker_queues,
        parameters: parameters.clone(),
        env_vars: sizes.env_vars,
        secrets: sizes.secrets,
        config_maps: sizes.config_maps,
        unserved_services: sizes.unserved_services,
        decisions_before_install: sizes.decisions_before_install,
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

pub fn markdown(o: &mut String, s: &Summary, cats: &Categories) {
    let _ = writeln!(o, "## Summary\n");
    let _ = writeln!(o, "| components | count |\n|---|---|");
    let _ = writeln!(o, "| Deployments | {} |", s.components.deployments);
    let _ = writeln!(o, "| CronJobs | {} |", s.components.cronjobs);
    let _ = writeln!(o, "| Jobs (run once per install/upgrade) | {} |", s.components.jobs);
    let _ = writeln!(o, "| **total** | **{}** |\n", s.components.total);
    if !s.components_by_category.is_empty() {
        let _ = writeln!(o, "| category | components |\n|---|---|");
        for cat in cats.component_order() {
            if let Some(n) = s.components_by_category.get(&cat) {
                let _ = writeln!(o, "| {} | {n} |", cats.component_title(&cat));
            }
        }
        o.push('\n');
    }
    let _ = writeln!(o, "| findings | count |\n|---|---|");
    for oc in Outcome::ALL {
        let _ = writeln!(o, "| {} | {} |", oc.as_str(), s.findings_by_outcome.get(oc.as_str()).copied().unwrap_or(0));
    }
    let _ = writeln!(o, "| **total** | **{}** |\n", s.findings_total);

    let d = &s.deployments;
    let _ = writeln!(o, "### Pods and resources at defaults\n");
    let _ = writeln!(o, "Deployments only; jobs are counted separately below. Per pod: the sum of its containers (or its largest init container when bigger).\n");
    let _ = writeln!(o, "| Deployments | count | pods | CPU requests | memory requests | CPU limits | memory limits |\n|---|---|---|---|---|---|---|");
    let _ = writeln!(o, "| fixed replicas | {} | {} | {} | {} | {} | {} |", d.fixed.count, d.fixed.pods, d.fixed.requests.cpu, d.fixed.requests.memory, d.fixed.limits.cpu, d.fixed.limits.memory);
    let a = &d.autoscaled;
    if a.count > 0 {
        let _ = writeln!(o, "| autoscaled, at defaults | {} | {} | {} | {} | {} | {} |", a.count, a.pods_at_defaults, a.requests_at_defaults.cpu, a.requests_at_defaults.memory, a.limits_at_defaults.cpu, a.limits_at_defaults.memory);
    }
    let _ = writeln!(o, "| **total at defaults** | **{}** | **{}** | **{}** | **{}** | **{}** | **{}** |", d.at_defaults.count, d.at_defaults.pods, d.at_defaults.requests.cpu, d.at_defaults.requests.memory, d.at_defaults.limits.cpu, d.at_defaults.limits.memory);
    if a.count > 0 {
        let max_req = d.fixed.requests.add(&a.requests_at_max);
        let max_lim = d.fixed.limits.add(&a.limits_at_max);
        let _ = writeln!(o, "| autoscaled at their maximum | {} | {} | {} | {} | {} | {} |", a.count, d.fixed.pods + a.max_pods, max_req.cpu, max_req.memory, max_lim.cpu, max_lim.memory);
        let _ = writeln!(
            o,
            "\nAutoscaled Deployments ({}) run {}–{} pods together (with the chart's defaults, KEDA is off and each runs its minimum); all Deployments together: {}–{} pods.",
            a.count,
            a.min_pods,
            a.max_pods,
            d.fixed.pods + a.min_pods,
            d.fixed.pods + a.max_pods
        );
    }
    o.push('\n');
    let j = &s.jobs;
    if j.count > 0 {
        let _ = writeln!(o, "| Jobs and CronJobs (one run each) | count | pods | CPU requests | memory requests | CPU limits | memory limits |\n|---|---|---|---|---|---|---|");
        let _ = writeln!(o, "| jobs | {} | {} | {} | {} | {} | {} |\n", j.count, j.pods, j.requests.cpu, j.requests.memory, j.limits.cpu, j.limits.memory);
    }
    if !d.unresolved.is_empty() {
        let _ = writeln!(o, "Left out of the totals (no default to evaluate):\n");
        for u in &d.unresolved {
            let _ = writeln!(o, "- {}", cell(u));
        }
        o.push('\n');
    }
    let p = &s.parameters;
    let _ = writeln!(
        o,
        "Parameters: {} ({} required, of which {} have no default and need a decision; {} generated; {} typed). Env vars: {} distinct names. Secrets: {}; ConfigMaps: {}. Worker queues: {}. Services referenced but not deployed: {}.\n",
        p.total, p.required, p.decisions_needed, p.generated, p.typed, s.env_vars, s.secrets, s.config_maps, s.worker_queues, s.unserved_services
    );
}
