//! Section "Services referenced but not deployed": host-like env vars whose value names an
//! in-cluster service that neither the ClowdApp nor the chart creates, and external endpoints.

use crate::model::eval::Eval;
use crate::model::{EnvOrigin, EnvValue, Model, SourceRef, Val};
use crate::report::categories::Categories;
use crate::report::facts::{env_value, host_port, WorkloadFacts};
use crate::report::md::{cell, code, line_of};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write;

#[derive(Debug, Clone, Serialize)]
pub struct ServiceRef {
    pub env: String,
    pub host: String,
    pub port: Option<String>,
    pub source: Option<SourceRef>,
    pub value: String,
    pub what: String,
    pub workloads: Vec<String>,
}

/// (unserved in-cluster services, external endpoints).
pub fn build(ev: &Eval, cats: &Categories, model: &Model, facts: &[WorkloadFacts]) -> (Vec<ServiceRef>, Vec<ServiceRef>) {
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

pub fn markdown(o: &mut String, unserved: &[ServiceRef], external: &[ServiceRef]) {
    let _ = writeln!(o, "## Services referenced but not deployed\n");
    if unserved.is_empty() {
        let _ = writeln!(o, "No host-like env var names an in-cluster service that the chart does not create.\n");
    } else {
        let _ = writeln!(o, "Host-like env vars whose value names an in-cluster service that neither the ClowdApp nor the chart creates. Deploy it, or point the variable elsewhere.\n");
        let _ = writeln!(o, "| env var | value at defaults | host | port | what it is | used by | source |\n|---|---|---|---|---|---|---|");
        for s in unserved {
            let _ = writeln!(o, "| `{}` | {} | `{}` | {} | {} | {} workloads | {} |", s.env, code(&s.value), s.host, s.port.as_deref().unwrap_or("—"), cell(&s.what), s.workloads.len(), line_of(&s.source));
        }
        o.push('\n');
    }
    if !external.is_empty() {
        let _ = writeln!(o, "External endpoints (outside the cluster), for reference:\n");
        let _ = writeln!(o, "| env var | host | used by | source |\n|---|---|---|---|");
        for s in external {
            let _ = writeln!(o, "| `{}` | `{}` | {} workloads | {} |", s.env, s.host, s.workloads.len(), line_of(&s.source));
        }
        o.push('\n');
    }
}
