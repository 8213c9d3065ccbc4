//! For each thing Clowder provided (database, in-memory DB, Kafka, object store, feature flags,
//! dependencies) and each service the app's env names: does the chart bundle it, point at an
//! external one, or lack it? Read from the chart's workloads, its Services (ExternalName ones
//! point outside) and the env values of the workloads that serve the ClowdApp's components.

use super::scan::{ChartScan, ChartService};
use crate::report::categories::{Categories, Traits};
use crate::report::facts::{host_port, redact_url, secret_like};
use crate::report::sections::infrastructure::Infra;
use crate::report::sections::services::ServiceRef;
use serde::Serialize;
use std::collections::BTreeSet;

#[derive(Debug, Clone, Serialize)]
pub struct ProviderStatus {
    pub accepted_reason: Option<String>,
    /// Component category of the providing workloads, for the matrix.
    pub category: String,
    /// What the ClowdApp asks for (database name, topics, dependency app, `TRINO_HOST` → host).
    pub detail: String,
    pub evidence: Vec<String>,
    /// Chart workloads and Services involved.
    pub found: Vec<String>,
    /// `database`, `inMemoryDb`, `kafka`, `objectStore`, `featureFlags`, `dependency`, `service`.
    pub provider: String,
    /// `bundled` (the chart runs it), `external` (the chart points outside), `missing`, or
    /// `accepted` (missing, covered by a decision).
    pub status: &'static str,
}

/// Which component category provides a Clowder provider.
fn provider_category(p: &str) -> &'static str {
    match p {
        "database" => "database",
        "inMemoryDb" => "cache",
        "objectStore" => "object-storage",
        "kafka" => "message-broker",
        "featureFlags" => "feature-flags",
        _ => "dependency",
    }
}

/// A host an env value names, seen from the chart.
enum Target<'a> {
    Service(&'a ChartService),
    Workload(String),
    Outside(String),
}

fn target<'a>(scan: &'a ChartScan, host: &str) -> Target<'a> {
    let first = host.split('.').next().unwrap_or(host);
    // `svc`, `svc.ns`, `svc.ns.svc.cluster.local` all name the Service `svc` (in some namespace;
    // the chart's own when it creates one by that name).
    let in_cluster = !host.contains('.') || host.contains(".svc");
    if in_cluster {
        if let Some(s) = scan.services.iter().find(|s| s.name == first) {
            return Target::Service(s);
        }
        if let Some(w) = scan.workloads.iter().find(|w| w.name == first) {
            return Target::Workload(w.name.clone());
        }
    }
    Target::Outside(host.to_string())
}

/// Evidence from env values: (bundled links, external links, objects).
fn env_links(scan: &ChartScan, users: &[usize], cats: &Categories, provider: &str, prefix: Option<&str>) -> (Vec<String>, Vec<String>, Vec<String>) {
    let (mut bundled, mut external, mut found) = (Vec::new(), Vec::new(), Vec::new());
    let mut seen: BTreeSet<(String, String)> = BTreeSet::new();
    for &wi in users {
        let w = &scan.workloads[wi];
        for (name, value) in &w.env {
            let relevant = match prefix {
                Some(p) => name.starts_with(p),
                None => cats.env_category(name).provider.as_deref() == Some(provider),
            };
            if !relevant || secret_like(name) || value.starts_with("secret ") || value.starts_with("configmap ") || !seen.insert((name.clone(), value.clone())) {
                continue;
            }
            let value = &redact_url(value);
            let Some((host, _)) = host_port(value) else { continue };
            if cats.ignored_host(&host) {
                continue;
            }
            let hosty = cats.is_host_env(name) || value.contains("://") || name.ends_with("_SERVICE_NAME");
            match target(scan, &host) {
                Target::Service(s) if s.kind == "ExternalName" => {
                    external.push(format!("`{name}={value}` names Service `{}`, an ExternalName for `{}`", s.name, s.external_name.as_deref().unwrap_or("?")));
                    found.push(format!("Service/{}", s.name));
                }
                Target::Service(s) => {
                    bundled.push(format!("`{name}={value}` names the chart's Service `{}`", s.name));
                    found.push(format!("Service/{}", s.name));
                    // And the workloads behind it.
                    found.extend(scan.workloads.iter().filter(|w| w.services.contains(&s.name)).map(|w| w.name.clone()));
                }
                Target::Workload(n) => {
                    bundled.push(format!("`{name}={value}` names the chart's workload `{n}`"));
                    found.push(n);
                }
                Target::Outside(h) if hosty => external.push(format!("`{name}={value}` points at `{h}`, which the chart does not create")),
                Target::Outside(_) => {}
            }
        }
    }
    (bundled, external, found)
}

/// ExternalName Services whose name sorts into `category`.
fn external_services<'a>(scan: &'a ChartScan, cats: &Categories, category: &str) -> Vec<&'a ChartService> {
    scan.services.iter().filter(|s| s.kind == "ExternalName" && cats.component_category(&Traits { kind: "Deployment", name: &s.name, ..Default::default() }) == category).collect()
}

/// `serving`: chart workloads that serve a ClowdApp component. Their env says what the app
/// uses; when there are none, the whole chart's env stands in for shared services (Kafka, a
/// store, a cache), never for the app's own database.
pub fn check(needs: &[Infra], unserved: &[ServiceRef], apps: &[String], scan: &ChartScan, serving: &[usize], cats: &Categories) -> Vec<ProviderStatus> {
    let all: Vec<usize> = (0..scan.workloads.len()).collect();
    let users = if serving.is_empty() { &all[..] } else { serving };
    let mut out = Vec::new();
    for n in needs {
        let provider = n.provider.as_str();
        if !matches!(provider, "database" | "inMemoryDb" | "kafka" | "objectStore" | "featureFlags" | "dependency") {
            continue;
        }
        let category = provider_category(provider).to_string();
        let mut st = ProviderStatus { provider: n.provider.clone(), detail: n.detail.clone(), category: category.clone(), status: "missing", evidence: Vec::new(), found: Vec::new(), accepted_reason: None };
        if provider == "dependency" {
            dependency(&mut st, scan, users, cats);
            out.push(st);
            continue;
        }
        let (bundled, external, found) = env_links(scan, if provider == "database" { serving } else { users }, cats, provider, None);
        let of_category: Vec<String> = scan.workloads.iter().filter(|w| w.category == category).map(|w| w.name.clone()).collect();
        st.found = found;
        if !external.is_empty() && bundled.is_empty() {
            st.status = "external";
            st.evidence = external;
        } else if !bundled.is_empty() {
            st.status = "bundled";
            st.evidence = bundled;
            st.evidence.extend(external);
        } else if !of_category.is_empty() {
            // A database is per app under Clowder: one the chart runs counts only when it is
            // linked to the app. Caches, brokers and stores are shared: running one is enough.
            let db_name = n.detail.rsplit(' ').next().unwrap_or("").to_ascii_lowercase();
            let own: Vec<String> = of_category.iter().filter(|d| provider != "database" || apps.iter().chain(std::iter::once(&db_name)).any(|k| !k.is_empty() && d.to_ascii_lowercase().contains(k.as_str()))).cloned().collect();
            if own.is_empty() {
                st.evidence.push(format!("the chart runs {}, but no workload serving a ClowdApp component points at {} and none is named after `{}`", list(&of_category), if of_category.len() == 1 { "it" } else { "them" }, apps.join("`, `")));
                st.found = of_category;
            } else {
                st.status = "bundled";
                st.evidence.push(format!("the chart runs {}", list(&own)));
                st.found = own;
            }
        } else if let Some(s) = external_services(scan, cats, &category).first() {
            st.status = "external";
            st.evidence.push(format!("Service `{}` is an ExternalName for `{}`", s.name, s.external_name.as_deref().unwrap_or("?")));
            st.found = vec![format!("Service/{}", s.name)];
        } else {
            st.evidence.push("no workload, Service or env value of the chart provides it".into());
        }
        out.push(st);
    }
    for s in unserved {
        let category = match cats.component_category(&Traits { kind: "Deployment", name: &s.host, ..Default::default() }) {
            c if c == "other" || c == "api" => "service".to_string(),
            c => c,
        };
        let mut st = ProviderStatus { provider: "service".into(), detail: format!("{} `{}` ({})", s.what, s.host, s.env), category: category.clone(), status: "missing", evidence: Vec::new(), found: Vec::new(), accepted_reason: None };
        let by_name: Vec<String> = scan.workloads.iter().filter(|w| w.name == s.host).map(|w| w.name.clone()).chain(scan.services.iter().filter(|x| x.name == s.host).map(|x| format!("Service/{}", x.name))).collect();
        let by_category: Vec<String> = scan.workloads.iter().filter(|w| category != "service" && w.category == category).map(|w| w.name.clone()).collect();
        // The chart may set the same variable to something it does run, or to an outside host.
        let same_var: Vec<(String, String)> = users.iter().filter_map(|&i| scan.workloads[i].env.get(&s.env).map(|v| (s.env.clone(), redact_url(v)))).collect();
        if !by_name.is_empty() {
            st.status = "bundled";
            st.evidence.push(format!("the chart runs {}", list(&by_name)));
            st.found = by_name;
        } else if let Some((k, v)) = same_var.iter().find(|(_, v)| host_port(v).is_some_and(|(h, _)| h != s.host)) {
            match host_port(v).map(|(h, _)| target(scan, &h)) {
                Some(Target::Service(x)) if x.kind != "ExternalName" => {
                    st.status = "bundled";
                    st.evidence.push(format!("the chart sets `{k}={v}`, its own Service `{}`", x.name));
                }
                _ => {
                    st.status = "external";
                    st.evidence.push(format!("the chart sets `{k}={v}`, which it does not run"));
                }
            }
        } else if !by_category.is_empty() {
            st.status = "bundled";
            st.evidence.push(format!("the chart runs {}", list(&by_category)));
            st.found = by_category;
        } else {
            st.evidence.push(format!("`{}` is neither a workload nor a Service of the chart", s.host));
        }
        out.push(st);
    }
    out
}

fn dependency(st: &mut ProviderStatus, scan: &ChartScan, users: &[usize], cats: &Categories) {
    let name = st.detail.trim_start_matches("optional: ").to_ascii_lowercase();
    let found: Vec<String> = scan
        .workloads
        .iter()
        .map(|w| w.name.clone())
        .chain(scan.services.iter().filter(|s| s.kind != "ExternalName").map(|s| format!("Service/{}", s.name)))
        .filter(|n| {
            let bare = n.trim_start_matches("Service/");
            bare == name || bare.ends_with(&format!("-{name}"))
        })
        .collect();
    let prefix = format!("{}_", name.replace('-', "_").to_ascii_uppercase());
    let (bundled, external, linked) = env_links(scan, users, cats, "dependency", Some(&prefix));
    if !found.is_empty() {
        st.status = "bundled";
        st.evidence.push(format!("the chart runs {}", list(&found)));
        st.evidence.extend(bundled);
        st.found = found;
    } else if !external.is_empty() {
        st.status = "external";
        st.evidence = external;
        st.found = linked;
    } else {
        st.evidence.push(format!("no workload or Service named `{name}`, and no `{prefix}*` env value points at one"));
    }
}

fn list(v: &[String]) -> String {
    v.iter().map(|s| format!("`{s}`")).collect::<Vec<_>>().join(", ")
}
