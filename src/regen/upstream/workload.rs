//! Workload by workload: how the upstream change alters what runs.

use super::show::{self, with_cond};
use super::{Change, Keyed, SetChange, WorkloadRef, Workloads};
use crate::chart::emit::Emitter;
use crate::model::k8s::workload_objects;
use crate::model::{Autoscaler, Cond, Container, EnvValue, Model, Replicas, Text, Val, Workload};
use serde::Serialize;

#[derive(Debug, Clone, Serialize)]
pub struct WorkloadChange {
    pub name: String,
    pub kind: &'static str,
    pub component: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub replicas: Option<Change>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub autoscaler: Option<Change>,
    #[serde(skip_serializing_if = "SetChange::is_empty")]
    pub containers: SetChange<String>,
    /// Containers present in both versions that differ (init containers are named `init NAME`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub containers_changed: Vec<ContainerChange>,
    #[serde(skip_serializing_if = "Keyed::is_empty")]
    pub volumes: Keyed,
    /// Secrets the pod reads, through env `secretKeyRef` or volumes.
    #[serde(skip_serializing_if = "SetChange::is_empty")]
    pub secrets: SetChange<SecretRef>,
    #[serde(skip_serializing_if = "Keyed::is_empty")]
    pub annotations: Keyed,
    #[serde(skip_serializing_if = "Keyed::is_empty")]
    pub pod_annotations: Keyed,
    /// Other aspects that changed (labels, strategy, service, schedule, ...).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub other: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ContainerChange {
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub image: Option<Change>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub command: Option<Change>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub args: Option<Change>,
    #[serde(skip_serializing_if = "Keyed::is_empty")]
    pub env: Keyed,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resources: Option<Change>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub liveness_probe: Option<Change>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub readiness_probe: Option<Change>,
    #[serde(skip_serializing_if = "Keyed::is_empty")]
    pub volume_mounts: Keyed,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub other: Vec<String>,
}

impl ContainerChange {
    fn is_empty(&self) -> bool {
        self.image.is_none()
            && self.command.is_none()
            && self.args.is_none()
            && self.env.is_empty()
            && self.resources.is_none()
            && self.liveness_probe.is_none()
            && self.readiness_probe.is_none()
            && self.volume_mounts.is_empty()
            && self.other.is_empty()
    }
}

/// A Secret the pod depends on, and how.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct SecretRef {
    pub secret: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    /// `env NAME` or `volume NAME`.
    pub via: String,
}

impl WorkloadChange {
    fn is_empty(&self) -> bool {
        self.replicas.is_none()
            && self.autoscaler.is_none()
            && self.containers.is_empty()
            && self.containers_changed.is_empty()
            && self.volumes.is_empty()
            && self.secrets.is_empty()
            && self.annotations.is_empty()
            && self.pod_annotations.is_empty()
            && self.other.is_empty()
    }
}

fn reference(w: &Workload) -> WorkloadRef {
    WorkloadRef { name: w.name.display(), kind: w.kind.as_str(), component: w.component.display() }
}

pub fn compare_all(old: &Model, new: &Model) -> Workloads {
    let same = |a: &Workload, b: &Workload| a.kind == b.kind && a.name == b.name;
    let (old_emit, new_emit) = (crate::chart::emitter(old), crate::chart::emitter(new));
    let (old_ev, new_ev) = (crate::model::eval::Eval::new(old), crate::model::eval::Eval::new(new));
    let mut out = Workloads::default();
    for n in &new.workloads {
        match old.workloads.iter().find(|o| same(o, n)) {
            None => out.added.push(reference(n)),
            Some(o) => {
                let c = compare((o, &old_ev), (n, &new_ev), &old_emit, &new_emit);
                if !c.is_empty() {
                    out.changed.push(c);
                }
            }
        }
    }
    out.removed = old.workloads.iter().filter(|o| !new.workloads.iter().any(|n| same(o, n))).map(reference).collect();
    out
}

fn opt(v: &Option<Val>) -> Option<String> {
    v.as_ref().map(show::val)
}

fn replicas(r: &Option<Replicas>) -> Option<String> {
    r.as_ref().map(|r| match r {
        Replicas::Fixed(v) => show::val(v),
        Replicas::Autoscaled { fallback, when: Some(c) } => format!("autoscaled ({} when {})", show::val(fallback), show::cond(c)),
        Replicas::Autoscaled { when: None, .. } => "autoscaled".to_string(),
    })
}

fn autoscaler(a: &Option<Autoscaler>) -> Option<String> {
    a.as_ref().map(|a| match a {
        Autoscaler::Keda { spec, .. } => format!("KEDA ScaledObject {}", show::val(spec)),
        Autoscaler::Hpa { min, max, metrics } => format!("HorizontalPodAutoscaler {{min: {}, max: {}, metrics: {}}}", show::val(min), show::val(max), show::val(&Val::seq(metrics.clone()))),
    })
}

/// `name` of a list item (volumes, mounts), or its position.
fn named(list: &[Val]) -> Vec<(String, String)> {
    list.iter().enumerate().map(|(i, v)| (v.get("name").map(show::val).unwrap_or_else(|| format!("#{}", i + 1)), show::val(v))).collect()
}

fn text_keyed(list: &[(Text, Val)]) -> Vec<(String, String)> {
    list.iter().map(|(k, v)| (k.display(), show::val(v))).collect()
}

/// Secret references as written: names and keys the chart wires to values (`secrets.<name>`)
/// are shown with their defaults, which are the template's own.
fn secrets(w: &Workload, ev: &crate::model::eval::Eval) -> Vec<SecretRef> {
    let show_val = |v: &Val| match v {
        Val::Str(t) if t.as_literal().is_none() && t.params().next().is_none() => ev.text(t).unwrap_or_else(|| show::val(v)),
        _ => show::val(v),
    };
    let mut out = Vec::new();
    for c in w.pod.init_containers.iter().chain(&w.pod.containers) {
        for e in &c.env {
            if let EnvValue::From(v) = &e.value
                && let Some(r) = v.get("secretKeyRef")
            {
                let secret = r.get("name").map(show_val).unwrap_or_default();
                out.push(SecretRef { secret, key: r.get("key").map(show_val), via: format!("env {}", e.name) });
            }
        }
    }
    for v in &w.pod.volumes {
        let via = format!("volume {}", v.get("name").map(show::val).unwrap_or_default());
        if let Some(name) = v.get("secret").and_then(|s| s.get("secretName")) {
            out.push(SecretRef { secret: show_val(name), key: None, via: via.clone() });
        }
        for src in v.get("projected").and_then(|p| p.get("sources")).map(Val::items).unwrap_or(&[]) {
            if let Some(name) = src.val.get("secret").and_then(|s| s.get("name")) {
                out.push(SecretRef { secret: show_val(name), key: None, via: via.clone() });
            }
        }
    }
    out
}

fn compare((o, old_ev): (&Workload, &crate::model::eval::Eval), (n, new_ev): (&Workload, &crate::model::eval::Eval), old_emit: &Emitter, new_emit: &Emitter) -> WorkloadChange {
    let containers = |w: &Workload| -> Vec<(String, Container)> {
        let init = w.pod.init_containers.iter().map(|c| (format!("init {}", c.name.display()), c.clone()));
        init.chain(w.pod.containers.iter().map(|c| (c.name.display(), c.clone()))).collect()
    };
    let (oc, nc) = (containers(o), containers(n));
    let names = |l: &[(String, Container)]| l.iter().map(|(k, _)| k.clone()).collect::<Vec<_>>();
    let mut c = WorkloadChange {
        name: n.name.display(),
        kind: n.kind.as_str(),
        component: n.component.display(),
        replicas: Change::between(replicas(&o.replicas), replicas(&n.replicas)),
        autoscaler: Change::between(autoscaler(&o.autoscaler), autoscaler(&n.autoscaler)),
        containers: SetChange::between(&names(&oc), &names(&nc)),
        containers_changed: nc
            .iter()
            .filter_map(|(name, new_c)| oc.iter().find(|(k, _)| k == name).map(|(_, old_c)| container(name, old_c, new_c)))
            .filter(|cc| !cc.is_empty())
            .collect(),
        volumes: Keyed::between(named(&o.pod.volumes), named(&n.pod.volumes)),
        secrets: SetChange::between(&secrets(o, old_ev), &secrets(n, new_ev)),
        annotations: Keyed::between(text_keyed(&o.annotations), text_keyed(&n.annotations)),
        pod_annotations: Keyed::between(text_keyed(&o.pod.annotations), text_keyed(&n.pod.annotations)),
        other: Vec::new(),
    };
    let aspects: [(&str, bool); 10] = [
        ("labels", o.labels != n.labels || o.pod.labels != n.pod.labels),
        ("strategy", o.strategy != n.strategy),
        ("service", o.service != n.service),
        ("cluster role", o.cluster_role != n.cluster_role),
        ("schedule", o.cron != n.cron),
        ("job settings", o.job != n.job),
        ("service account", o.pod.service_account != n.pod.service_account),
        ("tolerations", o.pod.tolerations != n.pod.tolerations),
        ("termination grace period", o.pod.termination_grace_period_seconds != n.pod.termination_grace_period_seconds),
        ("pod anti-affinity or restart policy", o.pod.anti_affinity != n.pod.anti_affinity || o.pod.restart_policy != n.pod.restart_policy),
    ];
    c.other = aspects.iter().filter(|(_, changed)| *changed).map(|(a, _)| a.to_string()).collect();
    if c.is_empty() && render(o, old_emit) != render(n, new_emit) {
        // Nothing above explains it, but the rendered objects differ: never report "no change".
        c.other.push("rendered objects".into());
    }
    c
}

fn render(w: &Workload, e: &Emitter) -> String {
    workload_objects(w).iter().map(|o| e.document(&o.body)).collect()
}

/// Env as the template writes it: the chart's `appEnv` knobs (an entry that exists only when
/// set, or a choice in front of the template's value) are the user's, not the template's.
fn env(c: &Container) -> Vec<(String, String)> {
    let app_env = |c: &Cond| matches!(c, Cond::Value(p) if p.starts_with("appEnv."));
    c.env
        .iter()
        .filter(|e| !(e.origin == crate::model::workload::EnvOrigin::Provider("appEnv".into()) && e.when.as_ref().is_some_and(app_env)))
        .map(|e| {
            let v = match &e.value {
                EnvValue::Value(Val::If(c, _, template)) if app_env(c) => show::val(template),
                EnvValue::Value(v) => show::val(v),
                EnvValue::From(v) => format!("valueFrom {}", show::val(v)),
            };
            (e.name.clone(), with_cond(v, &e.when))
        })
        .collect()
}

fn resources(c: &Container) -> Option<String> {
    let r = &c.resources;
    if r.limits.is_empty() && r.requests.is_empty() {
        return None;
    }
    let part = |l: &[(String, Val)]| l.iter().map(|(k, v)| format!("{k}: {}", show::val(v))).collect::<Vec<_>>().join(", ");
    Some(format!("limits {{{}}}, requests {{{}}}", part(&r.limits), part(&r.requests)))
}

fn container(name: &str, o: &Container, n: &Container) -> ContainerChange {
    let aspects: [(&str, bool); 4] = [
        ("ports", o.ports != n.ports),
        ("lifecycle", o.lifecycle != n.lifecycle),
        ("image pull policy", o.image_pull_policy != n.image_pull_policy),
        ("restart policy", o.restart_policy != n.restart_policy),
    ];
    ContainerChange {
        name: name.to_string(),
        image: Change::between(Some(show::val(&o.image)), Some(show::val(&n.image))),
        command: Change::between(opt(&o.command), opt(&n.command)),
        args: Change::between(opt(&o.args), opt(&n.args)),
        env: Keyed::between(env(o), env(n)),
        resources: Change::between(resources(o), resources(n)),
        liveness_probe: Change::between(opt(&o.liveness_probe), opt(&n.liveness_probe)),
        readiness_probe: Change::between(opt(&o.readiness_probe), opt(&n.readiness_probe)),
        volume_mounts: Keyed::between(named(&o.volume_mounts), named(&n.volume_mounts)),
        other: aspects.iter().filter(|(_, changed)| *changed).map(|(a, _)| a.to_string()).collect(),
    }
}
