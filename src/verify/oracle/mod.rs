//! The oracle: what Clowder would have created from the template, built independently of the
//! mapping code from `oc process` output (`source::process`) and clowder-semantics §2.

mod jobs;
mod objects;
mod pod;
mod workloads;

use super::exp::{as_text, Exp, GENERATED};
use super::values::at;
use crate::mapping::{ConfigMode, Options};
use crate::source::process::{parameter_values, process_node};
use crate::source::template::Input;
use crate::source::yaml::Node;
use serde_json::{Map, Value};
use std::collections::{BTreeMap, BTreeSet};

/// An object Clowder (or `oc process`) would have created, and how it must look.
#[derive(Debug, Clone)]
pub struct Expected {
    pub kind: String,
    pub name: String,
    pub body: Exp,
}

impl Expected {
    pub fn id(&self) -> String {
        format!("{}/{}", self.kind, self.name)
    }
}

/// What Clowder took from its environment, as the chart's values state it.
#[derive(Debug, Clone)]
pub struct Setting {
    pub web_port: Value,
    pub private_port: Value,
    pub metrics_port: Value,
    /// `resourceDefaults.limits.*` / `.requests.*`.
    pub limits: BTreeMap<String, String>,
    pub requests: BTreeMap<String, String>,
    /// The environment runs autoscalers at all (ClowdEnvironment autoScaler mode).
    pub autoscaler_enabled: bool,
    /// `autoscaling.keda.enabled`: ScaledObjects rendered, Deployments without replicas.
    pub keda_enabled: bool,
    /// `autoscaling.keda.prometheusServerAddress`, when the chart has it.
    pub prometheus_address: Option<String>,
    /// `--config-mode cdappconfig`: the config Secret mount and `ACG_CONFIG`, as Clowder made them.
    pub cdappconfig: bool,
}

impl Setting {
    /// Ports and defaults from the chart's effective values, falling back to the environment.
    pub fn new(values: &Value, options: &Options) -> Setting {
        let env = &options.environment;
        let port = |path: &str, fallback: i64| at(values, path).filter(|v| !v.is_null()).cloned().unwrap_or(Value::from(fallback));
        let quantities = |section: &str, fallback: &[(String, String)]| -> BTreeMap<String, String> {
            match at(values, "resourceDefaults") {
                Some(_) => ["cpu", "memory"]
                    .iter()
                    .filter_map(|k| at(values, &format!("resourceDefaults.{section}.{k}")).filter(|v| !v.is_null()).map(|v| (k.to_string(), as_text(v))))
                    .collect(),
                None => fallback.iter().cloned().collect(),
            }
        };
        Setting {
            web_port: port("web.port", env.web_port),
            private_port: port("web.privatePort", env.private_port),
            metrics_port: port("metrics.port", env.metrics_port),
            limits: quantities("limits", &env.limits),
            requests: quantities("requests", &env.requests),
            autoscaler_enabled: env.autoscaler_enabled,
            keda_enabled: at(values, "autoscaling.keda.enabled") == Some(&Value::Bool(true)),
            prometheus_address: at(values, "autoscaling.keda.prometheusServerAddress").map(as_text),
            cdappconfig: options.config_mode == Some(ConfigMode::Cdappconfig),
        }
    }
}

/// The template processed as `oc process` would: parameter values substituted, template labels
/// merged into every object, literal namespaces dropped. Parameters OpenShift would generate
/// (and the user did not set) carry the [`GENERATED`] marker.
pub fn process(input: &Input, overrides: &BTreeMap<String, String>) -> Vec<Value> {
    let mut supplied = overrides.clone();
    for p in &input.parameters {
        if p.generate_from.is_some() && p.value.as_deref().unwrap_or("").is_empty() && !supplied.contains_key(&p.name) {
            supplied.insert(p.name.clone(), GENERATED.to_string());
        }
    }
    let values = parameter_values(input, &supplied);
    let labels: Vec<(String, Value)> = input
        .labels
        .iter()
        .map(|(k, v)| (as_text(&process_node(&Node::str(&k.text, k.pos), &values)), process_node(v, &values)))
        .collect();
    input
        .objects
        .iter()
        .map(|node| {
            let mut obj = process_node(node, &values);
            let literal_ns = node.get("metadata").and_then(|m| m.get("namespace")).and_then(Node::scalar_text).is_some_and(|ns| !ns.contains("${"));
            if let Some(Value::Object(md)) = obj.get_mut("metadata") {
                if literal_ns {
                    md.remove("namespace");
                }
                if !labels.is_empty() {
                    let entry = md.entry("labels").or_insert_with(|| Value::Object(Map::new()));
                    if !entry.is_object() {
                        *entry = Value::Object(Map::new());
                    }
                    let m = entry.as_object_mut().expect("labels are a map");
                    for (k, v) in &labels {
                        m.insert(k.clone(), v.clone());
                    }
                }
            }
            obj
        })
        .collect()
}

/// Everything Clowder would have run for the processed template, in template order.
pub fn expected(objects: &[Value], s: &Setting) -> Vec<Expected> {
    let mut out = Vec::new();
    let cjis: Vec<&Value> = objects.iter().filter(|o| is_clowder(o) && kind(o) == "ClowdJobInvocation").collect();
    for app in objects.iter().filter(|o| is_clowder(o) && kind(o) == "ClowdApp") {
        if truthy(get(app, "spec.disabled")) {
            continue;
        }
        let a = App::new(app);
        for dep in items(get(app, "spec.deployments")) {
            out.extend(workloads::deployment(&a, dep, s));
        }
        let jobs = jobs::jobs(&a, &cjis, s);
        if !jobs.is_empty() {
            out.push(workloads::service_account(&format!("{}-app", a.name)));
        }
        out.extend(jobs);
    }
    for o in objects.iter().filter(|o| !is_clowder(o)) {
        out.push(objects::passthrough(o));
    }
    out
}

/// Env var names a template container sets twice (Kubernetes keeps the last): keyed by the
/// container name Clowder gives it, so the duplicate check can tell them from the chart's own.
pub fn template_duplicates(objects: &[Value]) -> BTreeSet<(String, String)> {
    let mut out = BTreeSet::new();
    for app in objects.iter().filter(|o| is_clowder(o) && kind(o) == "ClowdApp") {
        let name = text(get(app, "metadata.name"));
        let specs = items(get(app, "spec.deployments")).iter().chain(items(get(app, "spec.jobs")));
        for w in specs {
            let container = format!("{name}-{}", text(w.get("name")));
            let mut seen = BTreeSet::new();
            for e in items(get(w, "podSpec.env")) {
                let n = text(e.get("name"));
                if !seen.insert(n.clone()) {
                    out.insert((container.clone(), n));
                }
            }
        }
    }
    out
}

/// One ClowdApp's name, labels and annotations.
pub struct App<'a> {
    pub name: String,
    /// ClowdApp labels (template labels merged) + `app: <name>` unless an `app` label exists.
    pub labels: Vec<(String, String)>,
    pub annotations: Vec<(String, String)>,
    pub spec: &'a Value,
}

impl<'a> App<'a> {
    fn new(app: &'a Value) -> App<'a> {
        let name = text(get(app, "metadata.name"));
        let mut labels = pairs(get(app, "metadata.labels"));
        if !labels.iter().any(|(k, _)| k == "app") {
            labels.insert(0, ("app".into(), name.clone()));
        }
        App { annotations: pairs(get(app, "metadata.annotations")), labels, name, spec: app.get("spec").unwrap_or(&Value::Null) }
    }

    /// App labels plus `pod: <value>`.
    pub fn pod_labels(&self, pod: &str) -> Vec<(String, String)> {
        let mut l: Vec<(String, String)> = self.labels.iter().filter(|(k, _)| k != "pod").cloned().collect();
        l.push(("pod".into(), pod.to_string()));
        l
    }
}

fn is_clowder(o: &Value) -> bool {
    text(o.get("apiVersion")).starts_with("cloud.redhat.com/")
}

pub fn kind(o: &Value) -> String {
    text(o.get("kind"))
}

/// A value at a dotted path; null counts as absent.
pub fn get<'a>(v: &'a Value, path: &str) -> Option<&'a Value> {
    at(v, path).filter(|v| !v.is_null())
}

pub fn items(v: Option<&Value>) -> &[Value] {
    match v {
        Some(Value::Array(a)) => a,
        _ => &[],
    }
}

pub fn text(v: Option<&Value>) -> String {
    v.map(as_text).unwrap_or_default()
}

/// A switch as Clowder reads it (`true`, or the text `true` a string parameter produced).
pub fn truthy(v: Option<&Value>) -> bool {
    match v {
        Some(Value::Bool(b)) => *b,
        Some(Value::String(s)) => s.eq_ignore_ascii_case("true"),
        _ => false,
    }
}

/// A string map (labels, annotations) as pairs.
pub fn pairs(v: Option<&Value>) -> Vec<(String, String)> {
    match v {
        Some(Value::Object(m)) => m.iter().map(|(k, v)| (k.clone(), as_text(v))).collect(),
        _ => Vec::new(),
    }
}

/// `(key, exp)` pairs into a closed map expectation.
pub fn closed(fields: Vec<(String, Exp)>) -> Exp {
    Exp::Map { fields, closed: true }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::template::parse;

    const T: &str = "apiVersion: template.openshift.io/v1\nkind: Template\nlabels:\n  team: ${TEAM}\nobjects:\n- apiVersion: v1\n  kind: Secret\n  metadata:\n    name: s\n    namespace: fixed\n  stringData:\n    key: ${KEY}\n    user: ${USER}\nparameters:\n- name: TEAM\n  value: blue\n- name: KEY\n  generate: expression\n  from: '[a-z]{8}'\n- name: USER\n  value: admin\n";

    #[test]
    fn processes_like_oc_process() {
        let input = parse("t.yaml", T).unwrap();
        let objs = process(&input, &BTreeMap::from([("USER".to_string(), "root".to_string())]));
        let s = &objs[0];
        assert_eq!(get(s, "metadata.labels.team"), Some(&Value::from("blue")));
        assert_eq!(get(s, "metadata.namespace"), None);
        assert_eq!(get(s, "stringData.key"), Some(&Value::from(GENERATED)));
        assert_eq!(get(s, "stringData.user"), Some(&Value::from("root")));
    }
}
