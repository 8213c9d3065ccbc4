//! The operational values (docs/operating.md) as user choices: where `global.*` or
//! `components.<key>.*` set a pod field, the expectation is that value instead of Clowder's.
//! Written from the documented meaning of each value, independently of the chart's templates:
//!
//! - `nodeSelector`, `tolerations`, `affinity`, `topologySpreadConstraints`,
//!   `priorityClassName`, `podSecurityContext` (pod `securityContext`),
//!   `containerSecurityContext` (every container's): the component's value when set (not empty),
//!   else the global one when set, else what Clowder made.
//! - `imagePullSecrets`: pod-level, the global list then the component's.
//! - `imageRegistry`: the first path segment of every image that names a host (a dot, a port or
//!   `localhost`) is replaced by it; an image without one gets it as a prefix.
//! - `podLabels`, `podAnnotations`, `extraEnv`, `extraVolumes`, `extraVolumeMounts` add entries,
//!   which the comparison already accepts as the chart's own (open maps, appended items).
//!
//! The objects the values add (PodDisruptionBudgets, NetworkPolicies, Ingresses, Routes, the
//! gateway) are not Clowder's: verify lists them as the chart's own.

use super::overrides::component_key;
use super::{get, items, text, Expected};
use crate::verify::exp::{as_text, Exp, Keyed};
use crate::verify::values::at;
use serde_json::Value;

/// Pod fields a set value replaces as a whole: values key → pod spec field.
const REPLACED: &[(&str, &str)] = &[
    ("nodeSelector", "nodeSelector"),
    ("tolerations", "tolerations"),
    ("affinity", "affinity"),
    ("topologySpreadConstraints", "topologySpreadConstraints"),
    ("priorityClassName", "priorityClassName"),
    ("podSecurityContext", "securityContext"),
];

fn set(v: Option<&Value>) -> Option<&Value> {
    v.filter(|v| match v {
        Value::Null | Value::Bool(false) => false,
        Value::String(s) => !s.is_empty(),
        Value::Array(a) => !a.is_empty(),
        Value::Object(m) => !m.is_empty(),
        _ => true,
    })
}

/// The values that apply to one component: its own, else the global ones.
struct Scope<'a> {
    component: Option<&'a Value>,
    global: Option<&'a Value>,
}

impl<'a> Scope<'a> {
    fn first(&self, key: &str) -> Option<&'a Value> {
        set(self.component.and_then(|c| c.get(key))).or_else(|| set(self.global.and_then(|g| g.get(key))))
    }
    fn both(&self, key: &str) -> Vec<Value> {
        [self.global, self.component].into_iter().flatten().filter_map(|s| s.get(key)).flat_map(|v| v.as_array().cloned().unwrap_or_default()).collect()
    }
}

/// `image` with its registry replaced (see the module comment).
fn with_registry(image: &str, registry: &str) -> String {
    let rest = match image.split_once('/') {
        Some((host, rest)) if host.contains('.') || host.contains(':') || host == "localhost" => rest,
        _ => image,
    };
    format!("{}/{rest}", registry.trim_end_matches('/'))
}

fn field<'e>(e: &'e mut Exp, key: &str) -> Option<&'e mut Exp> {
    match e {
        Exp::Map { fields, .. } => fields.iter_mut().find(|(k, _)| k == key).map(|(_, v)| v),
        _ => None,
    }
}

fn put(e: &mut Exp, key: &str, value: Exp) {
    if let Exp::Map { fields, .. } = e {
        match fields.iter_mut().find(|(k, _)| k == key) {
            Some((_, v)) => *v = value,
            None => fields.push((key.to_string(), value)),
        }
    }
}

fn path<'e>(e: &'e mut Exp, keys: &[&str]) -> Option<&'e mut Exp> {
    keys.iter().try_fold(e, |e, k| field(e, k))
}

fn apply_pod(spec: &mut Exp, scope: &Scope) {
    for (key, f) in REPLACED {
        if let Some(v) = scope.first(key) {
            put(spec, f, Exp::exact(v));
        }
    }
    let secrets = scope.both("imagePullSecrets");
    if !secrets.is_empty() {
        put(spec, "imagePullSecrets", Exp::exact(&Value::Array(secrets)));
    }
    for list in ["containers", "initContainers"] {
        let Some(Exp::Keyed(Keyed { items, .. })) = field(spec, list) else { continue };
        for (_, c) in items.iter_mut() {
            if let (Some(registry), Some(Exp::Text(image))) = (scope.first("imageRegistry"), field(c, "image")) {
                *image = with_registry(image, &as_text(registry));
            }
            if let Some(v) = scope.first("containerSecurityContext") {
                put(c, "securityContext", Exp::exact(v));
            }
        }
    }
}

/// Apply the operational values to the expected workloads of every ClowdApp.
pub fn apply(expected: &mut [Expected], objects: &[Value], raw: &[Value], values: &Value) {
    let apps: Vec<(&Value, &Value)> = objects.iter().zip(raw).filter(|(o, _)| text(o.get("kind")) == "ClowdApp").collect();
    let multi = apps.len() > 1;
    let global = at(values, "global");
    for (app, raw_app) in &apps {
        let name = text(app.pointer("/metadata/name"));
        for section in ["deployments", "jobs"] {
            for (w, r) in items(get(app, &format!("spec.{section}"))).iter().zip(items(get(raw_app, &format!("spec.{section}")))) {
                let key = component_key(&text(r.get("name")), &name, multi);
                let scope = Scope { component: at(values, "components").and_then(|c| c.get(&key)), global };
                let full = format!("{name}-{}", text(w.get("name")));
                for e in expected.iter_mut().filter(|e| e.name == full) {
                    let pod: &[&str] = match e.kind.as_str() {
                        "Deployment" | "Job" => &["spec", "template", "spec"],
                        "CronJob" => &["spec", "jobTemplate", "spec", "template", "spec"],
                        _ => continue,
                    };
                    if let Some(spec) = path(&mut e.body, pod) {
                        apply_pod(spec, &scope);
                    }
                }
            }
        }
    }
}

/// Objects the values name for pods to read, which the user provides (pull secrets, extra
/// volumes): (kind, name) and the values key that names them.
pub fn user_objects(values: &Value) -> Vec<((String, String), String)> {
    let mut scopes: Vec<(String, &Value)> = at(values, "global").map(|g| ("global".to_string(), g)).into_iter().collect();
    if let Some(Value::Object(c)) = at(values, "components") {
        scopes.extend(c.iter().map(|(k, v)| (format!("components.{k}"), v)));
    }
    let mut out = Vec::new();
    for (scope, v) in scopes {
        for s in items(v.get("imagePullSecrets")) {
            out.push((("Secret".to_string(), text(s.get("name"))), format!("{scope}.imagePullSecrets")));
        }
        for vol in items(v.get("extraVolumes")) {
            for (kind, field, name_key) in [("Secret", "secret", "secretName"), ("ConfigMap", "configMap", "name"), ("PersistentVolumeClaim", "persistentVolumeClaim", "claimName")] {
                if let Some(src) = vol.get(field) {
                    out.push(((kind.to_string(), text(src.get(name_key))), format!("{scope}.extraVolumes")));
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn registries_replace_a_host_or_prefix_a_bare_name() {
        assert_eq!(with_registry("quay.io/org/app:1", "mirror.local:5000"), "mirror.local:5000/org/app:1");
        assert_eq!(with_registry("localhost/app", "m/"), "m/app");
        assert_eq!(with_registry("library/nginx", "m"), "m/library/nginx");
    }

    #[test]
    fn the_component_value_wins_and_empty_means_unset() {
        let g = json!({"nodeSelector": {"a": "1"}, "tolerations": [], "imagePullSecrets": [{"name": "g"}]});
        let c = json!({"nodeSelector": {}, "tolerations": [{"key": "k"}], "imagePullSecrets": [{"name": "c"}]});
        let s = Scope { component: Some(&c), global: Some(&g) };
        assert_eq!(s.first("nodeSelector"), Some(&json!({"a": "1"})));
        assert_eq!(s.first("tolerations"), Some(&json!([{"key": "k"}])));
        assert_eq!(s.both("imagePullSecrets"), vec![json!({"name": "g"}), json!({"name": "c"})]);
    }
}
