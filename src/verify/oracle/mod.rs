//! The oracle: what Clowder would have created from the template, built independently of the
//! mapping code from `oc process` output (`source::process`) and clowder-semantics §2.

mod config;
mod jobs;
mod objects;
pub mod overrides;
mod pod;
mod workloads;

use super::exp::{as_text, Exp, GENERATED};
use super::values::at;
use crate::error::InputError;
use crate::mapping::{profile, ConfigMode, Options};
use crate::source::process::{parameter_values, process_node};
use crate::source::template::Input;
use crate::source::yaml::Node;
use serde_json::{Map, Value};
use std::collections::{BTreeMap, BTreeSet};

pub use config::KEY as CONFIG_KEY;

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
    /// `metrics.path`.
    pub metrics_path: String,
    /// `install.ordered`: invoked jobs of an app with a database first wait for it (an init
    /// container the chart adds, docs/standalone.md).
    pub ordered_install: bool,
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
            metrics_path: at(values, "metrics.path").map(as_text).unwrap_or_else(|| env.metrics_path.clone()),
            ordered_install: at(values, "install.ordered") == Some(&Value::Bool(true)),
        }
    }
}

/// The template's objects, processed and as written.
pub struct Processed {
    /// As `oc process` outputs them.
    pub objects: Vec<Value>,
    /// Unsubstituted (`${NAME}` kept): which parameters a field uses.
    pub raw: Vec<Value>,
}

/// The template processed as `oc process` would: parameter values substituted, template labels
/// merged into every object, literal namespaces dropped. Parameters OpenShift would generate
/// (and the user did not set) carry the [`GENERATED`] marker.
pub fn process(input: &Input, overrides: &BTreeMap<String, String>) -> Processed {
    Processed { objects: substitute(input, overrides), raw: input.objects.iter().map(|n| process_node(n, &BTreeMap::new())).collect() }
}

fn substitute(input: &Input, overrides: &BTreeMap<String, String>) -> Vec<Value> {
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
            drop_nulls(&mut obj);
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

/// A `null` field (a `${{X}}` whose value is `null`, or a key without a value) is stored as an
/// absent field by the API server: the expectation has no such key.
fn drop_nulls(v: &mut Value) {
    match v {
        Value::Object(m) => {
            m.retain(|_, v| !v.is_null());
            m.values_mut().for_each(drop_nulls);
        }
        Value::Array(a) => a.iter_mut().for_each(drop_nulls),
        _ => {}
    }
}

/// Everything Clowder would have run for the processed template, in template order, with the
/// configuration the app's profile declares (config mode, Clowder switch, app ports).
pub fn expected(p: &Processed, s: &Setting, options: &Options) -> Result<Vec<Expected>, InputError> {
    let mut out = Vec::new();
    let objects = &p.objects;
    let cjis: Vec<&Value> = objects.iter().filter(|o| is_clowder(o) && kind(o) == "ClowdJobInvocation").collect();
    for (app, raw) in objects.iter().zip(&p.raw).filter(|(o, _)| is_clowder(o) && kind(o) == "ClowdApp") {
        if truthy(get(app, "spec.disabled")) {
            continue;
        }
        let a = App::new(app, raw, options)?;
        let raw_deps = items(get(raw, "spec.deployments"));
        for (i, dep) in items(get(app, "spec.deployments")).iter().enumerate() {
            out.extend(workloads::deployment(&a, dep, raw_deps.get(i).unwrap_or(&Value::Null), s));
        }
        let jobs = jobs::jobs(&a, &cjis, s);
        if !jobs.is_empty() {
            out.push(workloads::service_account(&format!("{}-app", a.name)));
        }
        out.extend(jobs);
        if a.config.cdappconfig {
            out.push(config::secret(&a, s));
        }
    }
    for o in objects.iter().filter(|o| !is_clowder(o)) {
        out.push(objects::passthrough(o));
    }
    Ok(out)
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

/// One ClowdApp's name, labels, annotations and profile configuration.
pub struct App<'a> {
    pub name: String,
    /// ClowdApp labels (template labels merged) + `app: <name>` unless an `app` label exists.
    pub labels: Vec<(String, String)>,
    pub annotations: Vec<(String, String)>,
    pub spec: &'a Value,
    /// The spec as written (parameters not substituted).
    pub raw_spec: &'a Value,
    pub config: AppConfig,
}

impl<'a> App<'a> {
    fn new(app: &'a Value, raw: &'a Value, options: &Options) -> Result<App<'a>, InputError> {
        let name = text(get(app, "metadata.name"));
        let mut labels = pairs(get(app, "metadata.labels"));
        if !labels.iter().any(|(k, _)| k == "app") {
            labels.insert(0, ("app".into(), name.clone()));
        }
        let config = AppConfig::new(&name, options)?;
        Ok(App { annotations: pairs(get(app, "metadata.annotations")), labels, spec: app.get("spec").unwrap_or(&Value::Null), raw_spec: raw.get("spec").unwrap_or(&Value::Null), config, name })
    }

    /// App labels plus `pod: <value>`.
    pub fn pod_labels(&self, pod: &str) -> Vec<(String, String)> {
        let mut l: Vec<(String, String)> = self.labels.iter().filter(|(k, _)| k != "pod").cloned().collect();
        l.push(("pod".into(), pod.to_string()));
        l
    }
}

/// What the app's profile declares about its configuration (docs/profiles.md).
#[derive(Debug, Clone, Default)]
pub struct AppConfig {
    /// Clowder's cdappconfig.json is rendered and mounted (config mode `cdappconfig`).
    pub cdappconfig: bool,
    /// Env mode: the env var forced to "false" in the containers the profile applies to.
    pub switch: Option<String>,
    /// The profile applies to containers whose image uses one of these parameters (all if empty).
    pub image_parameters: Vec<String>,
    /// Env mode: the port the app listens on for its private API, when not Clowder's.
    pub private_port: Option<i64>,
}

impl AppConfig {
    fn new(app: &str, options: &Options) -> Result<AppConfig, InputError> {
        let (profile, _) = profile::select(options.profile.as_deref(), app)?;
        let default = if profile.default_config_mode == "cdappconfig" { ConfigMode::Cdappconfig } else { ConfigMode::Env };
        let env_mode = options.config_mode.unwrap_or(default) == ConfigMode::Env;
        Ok(AppConfig {
            cdappconfig: !env_mode,
            switch: Some(profile.clowder_switch.clone()).filter(|s| env_mode && !s.is_empty()),
            image_parameters: profile.containers.image_parameters.clone(),
            private_port: profile.app_ports.get("private").copied().filter(|_| env_mode),
        })
    }

    /// Does the profile's configuration go to a container with this image (as written)?
    pub fn applies(&self, raw_image: &str) -> bool {
        self.image_parameters.is_empty() || self.image_parameters.iter().any(|p| raw_image.contains(&format!("${{{p}}}")) || raw_image.contains(&format!("${{{{{p}}}}}")))
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
        let p = process(&input, &BTreeMap::from([("USER".to_string(), "root".to_string())]));
        let s = &p.objects[0];
        assert_eq!(get(&p.raw[0], "stringData.user"), Some(&Value::from("${USER}")));
        assert_eq!(get(s, "metadata.labels.team"), Some(&Value::from("blue")));
        assert_eq!(get(s, "metadata.namespace"), None);
        assert_eq!(get(s, "stringData.key"), Some(&Value::from(GENERATED)));
        assert_eq!(get(s, "stringData.user"), Some(&Value::from("root")));
    }
}
