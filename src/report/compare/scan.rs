//! What the rendered chart contains: its workloads (with role, queues, env, probes, resources,
//! hook phase and the Services that select them), Services, and the Secrets and ConfigMaps it
//! creates or references.

use super::render::Doc;
use super::roles::{Role, Vocabulary};
use crate::model::eval::{cpu_millis, mem_bytes, scalar_string};
use crate::report::categories::{Categories, Traits};
use crate::report::facts::{summarize_command, worker_queues};
use crate::report::resources::Res;
use serde_json::Value as J;
use std::collections::{BTreeMap, BTreeSet};

/// An env var of a chart container, as text: the value, or `secret NAME/KEY`, `configmap ...`.
pub type EnvMap = BTreeMap<String, String>;

#[derive(Debug, Clone)]
pub struct ChartWorkload {
    pub kind: String,
    pub name: String,
    pub template: Option<String>,
    pub labels: Vec<(String, String)>,
    pub image: String,
    pub command: String,
    pub role: Role,
    /// Env of the main container.
    pub env: EnvMap,
    /// Env names of every container.
    pub all_env: BTreeSet<String>,
    pub queues: Vec<String>,
    pub consumes: bool,
    /// A container declares a port.
    pub ports: bool,
    /// Services that select the pods.
    pub services: Vec<String>,
    pub replicas: Option<i64>,
    pub requests: Res,
    pub limits: Res,
    pub liveness: Option<String>,
    pub readiness: Option<String>,
    /// `helm.sh/hook`, e.g. `pre-install,pre-upgrade`.
    pub hook: Option<String>,
    pub category: String,
}

#[derive(Debug, Clone)]
pub struct ChartService {
    pub name: String,
    /// `ClusterIP`, `ExternalName`, ...
    pub kind: String,
    pub external_name: Option<String>,
    pub selector: Vec<(String, String)>,
}

#[derive(Debug, Clone, Default)]
pub struct ChartScan {
    pub workloads: Vec<ChartWorkload>,
    pub services: Vec<ChartService>,
    /// Secret / ConfigMap names the chart creates, and those it references.
    pub secrets_created: BTreeSet<String>,
    pub config_maps_created: BTreeSet<String>,
    pub secrets_referenced: BTreeSet<String>,
    pub config_maps_referenced: BTreeSet<String>,
}

const WORKLOAD_KINDS: [&str; 6] = ["Deployment", "StatefulSet", "DaemonSet", "Job", "CronJob", "Pod"];

fn pod_template(kind: &str, doc: &J) -> Option<J> {
    match kind {
        "Pod" => Some(doc.clone()),
        "CronJob" => doc.pointer("/spec/jobTemplate/spec/template").cloned(),
        _ => doc.pointer("/spec/template").cloned(),
    }
}

fn strs(v: Option<&J>) -> Vec<String> {
    match v {
        Some(J::Array(a)) => a.iter().map(|x| scalar_string(x).unwrap_or_default()).collect(),
        Some(J::String(s)) => vec![s.clone()],
        _ => Vec::new(),
    }
}

fn str_map(v: Option<&J>) -> Vec<(String, String)> {
    v.and_then(J::as_object).map(|m| m.iter().map(|(k, v)| (k.clone(), scalar_string(v).unwrap_or_default())).collect()).unwrap_or_default()
}

fn env_of(c: &J) -> EnvMap {
    let mut out = EnvMap::new();
    for e in c.get("env").and_then(J::as_array).into_iter().flatten() {
        let Some(n) = e.get("name").and_then(J::as_str) else { continue };
        let v = if let Some(v) = e.get("value") {
            scalar_string(v).unwrap_or_default()
        } else if let Some(r) = e.pointer("/valueFrom/secretKeyRef") {
            format!("secret {}/{}", r.get("name").and_then(J::as_str).unwrap_or(""), r.get("key").and_then(J::as_str).unwrap_or(""))
        } else if let Some(r) = e.pointer("/valueFrom/configMapKeyRef") {
            format!("configmap {}/{}", r.get("name").and_then(J::as_str).unwrap_or(""), r.get("key").and_then(J::as_str).unwrap_or(""))
        } else {
            "valueFrom".to_string()
        };
        out.insert(n.to_string(), v);
    }
    out
}

/// `httpGet /path :port`, `tcpSocket :port`, `exec`.
pub fn probe_text(p: &J) -> String {
    if let Some(h) = p.get("httpGet") {
        format!("httpGet {} :{}", h.get("path").and_then(J::as_str).unwrap_or("/"), h.get("port").and_then(scalar_string).unwrap_or_default())
    } else if let Some(t) = p.get("tcpSocket") {
        format!("tcpSocket :{}", t.get("port").and_then(scalar_string).unwrap_or_default())
    } else if p.get("exec").is_some() {
        "exec".into()
    } else if let Some(g) = p.get("grpc") {
        format!("grpc :{}", g.get("port").and_then(scalar_string).unwrap_or_default())
    } else {
        "probe".into()
    }
}

fn res_of(containers: &[&J], field: &str) -> Res {
    let mut cpu = 0;
    let mut mem = 0;
    for c in containers {
        if let Some(r) = c.pointer(&format!("/resources/{field}")) {
            cpu += r.get("cpu").and_then(scalar_string).and_then(|s| cpu_millis(&s)).unwrap_or(0);
            mem += r.get("memory").and_then(scalar_string).and_then(|s| mem_bytes(&s)).unwrap_or(0);
        }
    }
    Res::new(cpu, mem)
}

/// Kubernetes expands `$(VAR)` in command and args from the container's env; resolve it.
fn expand(word: &str, env: &EnvMap) -> String {
    let mut out = String::new();
    let mut rest = word;
    while let Some(i) = rest.find("$(") {
        out.push_str(&rest[..i]);
        let Some(j) = rest[i..].find(')') else { break };
        let name = &rest[i + 2..i + j];
        match env.get(name) {
            Some(v) => out.push_str(v),
            None => out.push_str(&rest[i..i + j + 1]),
        }
        rest = &rest[i + j + 1..];
    }
    out.push_str(rest);
    out
}

impl ChartScan {
    pub fn from_documents(docs: &[Doc], cats: &Categories, vocab: &Vocabulary) -> ChartScan {
        let mut scan = ChartScan::default();
        for d in docs {
            scan.add(&d.value, d.template.as_deref(), cats, vocab);
        }
        // Which Services select which workloads' pods.
        for w in &mut scan.workloads {
            w.services = scan.services.iter().filter(|s| !s.selector.is_empty() && s.selector.iter().all(|kv| w.labels.contains(kv))).map(|s| s.name.clone()).collect();
            if !w.services.is_empty() && matches!(w.role, Role::Unknown) && w.ports {
                w.role = Role::InferredWeb;
            }
        }
        scan
    }

    fn add(&mut self, doc: &J, template: Option<&str>, cats: &Categories, vocab: &Vocabulary) {
        let kind = doc.get("kind").and_then(J::as_str).unwrap_or_default();
        let name = doc.pointer("/metadata/name").and_then(scalar_string).unwrap_or_default();
        match kind {
            "Secret" => {
                self.secrets_created.insert(name.clone());
            }
            "ConfigMap" => {
                self.config_maps_created.insert(name.clone());
            }
            "Service" => self.services.push(ChartService {
                name: name.clone(),
                kind: doc.pointer("/spec/type").and_then(J::as_str).unwrap_or("ClusterIP").to_string(),
                external_name: doc.pointer("/spec/externalName").and_then(J::as_str).map(str::to_string),
                selector: str_map(doc.pointer("/spec/selector")),
            }),
            "List" => {
                for item in doc.get("items").and_then(J::as_array).into_iter().flatten() {
                    self.add(item, template, cats, vocab);
                }
            }
            _ => {}
        }
        if !WORKLOAD_KINDS.contains(&kind) {
            return;
        }
        let Some(tpl) = pod_template(kind, doc) else { return };
        let spec = tpl.get("spec").cloned().unwrap_or(J::Null);
        let containers: Vec<&J> = spec.get("containers").and_then(J::as_array).map(|a| a.iter().collect()).unwrap_or_default();
        let inits: Vec<&J> = spec.get("initContainers").and_then(J::as_array).map(|a| a.iter().collect()).unwrap_or_default();
        let mut all_env = BTreeSet::new();
        for c in containers.iter().chain(&inits) {
            for e in c.get("env").and_then(J::as_array).into_iter().flatten() {
                if let Some(r) = e.pointer("/valueFrom/secretKeyRef/name").and_then(J::as_str) {
                    self.secrets_referenced.insert(r.to_string());
                }
                if let Some(r) = e.pointer("/valueFrom/configMapKeyRef/name").and_then(J::as_str) {
                    self.config_maps_referenced.insert(r.to_string());
                }
                if let Some(n) = e.get("name").and_then(J::as_str) {
                    all_env.insert(n.to_string());
                }
            }
            for ef in c.get("envFrom").and_then(J::as_array).into_iter().flatten() {
                if let Some(r) = ef.pointer("/secretRef/name").and_then(J::as_str) {
                    self.secrets_referenced.insert(r.to_string());
                }
                if let Some(r) = ef.pointer("/configMapRef/name").and_then(J::as_str) {
                    self.config_maps_referenced.insert(r.to_string());
                }
            }
        }
        for v in spec.get("volumes").and_then(J::as_array).into_iter().flatten() {
            if let Some(r) = v.pointer("/secret/secretName").and_then(J::as_str) {
                self.secrets_referenced.insert(r.to_string());
            }
            if let Some(r) = v.pointer("/configMap/name").and_then(J::as_str) {
                self.config_maps_referenced.insert(r.to_string());
            }
            for s in v.pointer("/projected/sources").and_then(J::as_array).into_iter().flatten() {
                if let Some(r) = s.pointer("/secret/name").and_then(J::as_str) {
                    self.secrets_referenced.insert(r.to_string());
                }
                if let Some(r) = s.pointer("/configMap/name").and_then(J::as_str) {
                    self.config_maps_referenced.insert(r.to_string());
                }
            }
        }
        let main = containers.first().copied().unwrap_or(&J::Null);
        let env = env_of(main);
        let image = main.get("image").and_then(J::as_str).unwrap_or_default().to_string();
        let mut words: Vec<String> = strs(main.get("command")).iter().map(|w| expand(w, &env)).collect();
        words.extend(strs(main.get("args")).iter().map(|w| expand(w, &env)));
        let command = summarize_command(&words);
        let (mut queues, mut consumes) = worker_queues(&words, |n| env.get(n).filter(|v| !v.starts_with("secret ") && !v.starts_with("configmap ")).cloned());
        let ports = containers.iter().any(|c| c.get("ports").and_then(J::as_array).is_some_and(|p| !p.is_empty()));
        let role = vocab.role(&command, &image, ports);
        if let Some(q) = vocab.default_queue(&role).filter(|_| !consumes) {
            queues = vec![q.to_string()];
            consumes = true;
        }
        let mut labels = str_map(doc.pointer("/metadata/labels"));
        for kv in str_map(tpl.pointer("/metadata/labels")) {
            if !labels.contains(&kv) {
                labels.push(kv);
            }
        }
        let category = cats.component_category(&Traits { kind, name: &name, image: &image, command: &command, has_queues: consumes && !queues.is_empty(), web: ports });
        self.workloads.push(ChartWorkload {
            kind: kind.to_string(),
            name,
            template: template.map(str::to_string),
            labels,
            image,
            command,
            role,
            env,
            all_env,
            queues,
            consumes,
            ports,
            services: Vec::new(),
            replicas: doc.pointer("/spec/replicas").and_then(J::as_i64),
            requests: res_of(&containers, "requests"),
            limits: res_of(&containers, "limits"),
            liveness: main.get("livenessProbe").map(probe_text),
            readiness: main.get("readinessProbe").map(probe_text),
            hook: doc.pointer("/metadata/annotations/helm.sh~1hook").and_then(J::as_str).map(str::to_string),
            category,
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kubernetes_expands_env_in_args() {
        let env: EnvMap = [("Q".to_string(), "priority".to_string())].into_iter().collect();
        assert_eq!(expand("-Q=$(Q)", &env), "-Q=priority");
        assert_eq!(expand("$(NOPE)x", &env), "$(NOPE)x");
    }
}
