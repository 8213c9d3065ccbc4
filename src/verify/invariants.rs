//! Checks on the rendered manifests that hold for any correct chart, whatever the template.

use super::exp::as_text;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};

#[derive(Debug, Default)]
pub struct Checks {
    /// Names of the invariants checked, for the summary line.
    pub checked: Vec<&'static str>,
    pub violations: Vec<String>,
    pub notes: Vec<String>,
}

/// Run every invariant. `template_duplicates` are (container, env name) pairs the template
/// itself sets twice: reproduced faithfully, so noted rather than failed. (References to
/// Secrets, ConfigMaps and the like are the install closure's, `closure.rs`.)
pub fn check(docs: &[Value], template_duplicates: &BTreeSet<(String, String)>) -> Checks {
    let mut c = Checks::default();
    unique_objects(docs, &mut c);
    selectors(docs, &mut c);
    ports(docs, &mut c);
    names(docs, &mut c);
    env_names(docs, template_duplicates, &mut c);
    c
}

fn id(doc: &Value) -> String {
    format!("{}/{}", text(doc.get("kind")), text(doc.get("metadata").and_then(|m| m.get("name"))))
}

fn text(v: Option<&Value>) -> String {
    v.map(as_text).unwrap_or_default()
}

fn at<'a>(v: &'a Value, path: &[&str]) -> Option<&'a Value> {
    path.iter().try_fold(v, |cur, k| cur.get(*k)).filter(|v| !v.is_null())
}

fn list(v: Option<&Value>) -> &[Value] {
    match v {
        Some(Value::Array(a)) => a,
        _ => &[],
    }
}

/// The pod template of a workload (metadata + spec), or the Pod itself.
pub fn pod_template(doc: &Value) -> Option<&Value> {
    match text(doc.get("kind")).as_str() {
        "Deployment" | "StatefulSet" | "DaemonSet" | "ReplicaSet" | "Job" => at(doc, &["spec", "template"]),
        "CronJob" => at(doc, &["spec", "jobTemplate", "spec", "template"]),
        "Pod" => Some(doc),
        _ => None,
    }
}

/// Main and init containers of a pod template.
fn containers(pod: &Value) -> impl Iterator<Item = &Value> {
    list(at(pod, &["spec", "containers"])).iter().chain(list(at(pod, &["spec", "initContainers"])))
}

fn string_map(v: Option<&Value>) -> BTreeMap<String, String> {
    match v {
        Some(Value::Object(m)) => m.iter().map(|(k, v)| (k.clone(), as_text(v))).collect(),
        _ => BTreeMap::new(),
    }
}

fn unique_objects(docs: &[Value], c: &mut Checks) {
    c.checked.push("unique objects");
    let mut seen = BTreeSet::new();
    for d in docs {
        let key = (text(d.get("apiVersion")), id(d));
        if !seen.insert(key) {
            c.violations.push(format!("{} is rendered twice", id(d)));
        }
    }
}

fn selectors(docs: &[Value], c: &mut Checks) {
    c.checked.push("selectors match pods");
    let pods: Vec<(String, BTreeMap<String, String>)> = docs.iter().filter_map(|d| pod_template(d).map(|p| (id(d), string_map(at(p, &["metadata", "labels"]))))).collect();
    let covers = |labels: &BTreeMap<String, String>, sel: &BTreeMap<String, String>| sel.iter().all(|(k, v)| labels.get(k) == Some(v));
    for d in docs {
        let kind = text(d.get("kind"));
        if kind == "Service" {
            let sel = string_map(at(d, &["spec", "selector"]));
            if !sel.is_empty() && !pods.iter().any(|(_, l)| covers(l, &sel)) {
                c.violations.push(format!("{} selects {} but no pod template carries those labels", id(d), serde_json::to_value(&sel).unwrap_or_default()));
            }
        }
        if matches!(kind.as_str(), "Deployment" | "StatefulSet" | "DaemonSet" | "ReplicaSet") {
            let sel = string_map(at(d, &["spec", "selector", "matchLabels"]));
            let own = string_map(pod_template(d).and_then(|p| at(p, &["metadata", "labels"])));
            if sel.is_empty() || !covers(&own, &sel) {
                c.violations.push(format!("{} spec.selector.matchLabels does not match its own pod template labels", id(d)));
            }
        }
    }
}

fn ports(docs: &[Value], c: &mut Checks) {
    c.checked.push("container ports unique per pod");
    for d in docs {
        let Some(pod) = pod_template(d) else { continue };
        let mut numbers = BTreeSet::new();
        let mut names = BTreeSet::new();
        for ctr in containers(pod) {
            for p in list(ctr.get("ports")) {
                let proto = p.get("protocol").map(as_text).unwrap_or_else(|| "TCP".into());
                let number = text(p.get("containerPort"));
                if !numbers.insert((number.clone(), proto.clone())) {
                    c.violations.push(format!("{} declares container port {number}/{proto} twice", id(d)));
                }
                if let Some(n) = p.get("name").map(as_text)
                    && !names.insert(n.clone())
                {
                    c.violations.push(format!("{} declares container port name `{n}` twice", id(d)));
                }
            }
        }
    }
}

/// RFC 1123 label: lowercase alphanumerics and `-`, starting and ending alphanumeric.
pub fn dns_label(s: &str) -> bool {
    let b = s.as_bytes();
    !b.is_empty() && b.len() <= 63 && b.iter().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == b'-') && b[0] != b'-' && b[b.len() - 1] != b'-'
}

/// RFC 1123 subdomain (dot-separated labels), here also limited to 63 characters.
pub fn dns_subdomain(s: &str) -> bool {
    s.len() <= 63 && s.split('.').all(dns_label)
}

fn label_value(s: &str) -> bool {
    let b = s.as_bytes();
    b.is_empty()
        || (b.len() <= 63
            && b[0].is_ascii_alphanumeric()
            && b[b.len() - 1].is_ascii_alphanumeric()
            && b.iter().all(|c| c.is_ascii_alphanumeric() || matches!(c, b'-' | b'_' | b'.')))
}

/// Container port names (IANA service names): ≤ 15, lowercase, at least one letter.
fn port_name(s: &str) -> bool {
    dns_label(s) && s.len() <= 15 && s.bytes().any(|c| c.is_ascii_lowercase()) && !s.contains("--")
}

fn names(docs: &[Value], c: &mut Checks) {
    c.checked.push("names valid (DNS-1123, ≤ 63)");
    for d in docs {
        let kind = text(d.get("kind"));
        let name = text(at(d, &["metadata", "name"]));
        let ok = match kind.as_str() {
            "Service" => dns_label(&name) && name.as_bytes()[0].is_ascii_lowercase(),
            _ => dns_subdomain(&name),
        };
        if !ok {
            c.violations.push(format!("{kind}/{name}: the name is not a valid DNS-1123 name of at most 63 characters{}", if kind == "Service" { " starting with a letter" } else { "" }));
        }
        if kind == "CronJob" && name.len() > 52 {
            c.violations.push(format!("{kind}/{name}: CronJob names may have at most 52 characters"));
        }
        let pod = pod_template(d);
        let label_maps = [at(d, &["metadata", "labels"]), pod.and_then(|p| at(p, &["metadata", "labels"]))];
        for (k, v) in label_maps.into_iter().flat_map(|m| string_map(m).into_iter()) {
            if !label_value(&v) {
                c.violations.push(format!("{kind}/{name}: label {k}={v:?} is not a valid label value"));
            }
        }
        let Some(pod) = pod else { continue };
        for ctr in containers(pod) {
            let cname = text(ctr.get("name"));
            if !dns_label(&cname) {
                c.violations.push(format!("{kind}/{name}: container name `{cname}` is not a valid DNS-1123 label of at most 63 characters"));
            }
            for p in list(ctr.get("ports")) {
                if let Some(pn) = p.get("name").map(as_text)
                    && !port_name(&pn)
                {
                    c.violations.push(format!("{kind}/{name}: container port name `{pn}` is not a valid port name (at most 15 lowercase characters)"));
                }
            }
        }
    }
}

fn env_names(docs: &[Value], template_duplicates: &BTreeSet<(String, String)>, c: &mut Checks) {
    c.checked.push("no duplicate env names");
    for d in docs {
        let Some(pod) = pod_template(d) else { continue };
        for ctr in containers(pod) {
            let cname = text(ctr.get("name"));
            let mut seen = BTreeSet::new();
            let mut reported = BTreeSet::new();
            for e in list(ctr.get("env")) {
                let n = text(e.get("name"));
                if seen.insert(n.clone()) || !reported.insert(n.clone()) {
                    continue;
                }
                if template_duplicates.contains(&(cname.clone(), n.clone())) {
                    c.notes.push(format!("{} container {cname}: env {n} is set twice, as in the template (Kubernetes uses the last)", id(d)));
                } else {
                    c.violations.push(format!("{} container {cname}: env {n} is set twice", id(d)));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn deployment(labels: Value, env: Value) -> Value {
        json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "a-web"},
               "spec": {"selector": {"matchLabels": {"pod": "a-web"}},
                        "template": {"metadata": {"labels": labels},
                                     "spec": {"containers": [{"name": "a-web", "env": env, "ports": [{"name": "web", "containerPort": 8000}, {"name": "metrics", "containerPort": 8000}]}],
                                              "volumes": [{"name": "c", "secret": {"secretName": "ext"}}]}}}})
    }

    #[test]
    fn finds_each_kind_of_violation() {
        let svc = json!({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "9svc"}, "spec": {"selector": {"pod": "other"}}});
        let dep = deployment(json!({"pod": "a-web"}), json!([{"name": "X", "value": "1"}, {"name": "X", "value": "2"}, {"name": "Y"}, {"name": "Y"}]));
        let dups = BTreeSet::from([("a-web".to_string(), "Y".to_string())]);
        let c = check(&[dep, svc], &dups);
        assert_eq!(
            c.violations,
            [
                "Service/9svc selects {\"pod\":\"other\"} but no pod template carries those labels",
                "Deployment/a-web declares container port 8000/TCP twice",
                "Service/9svc: the name is not a valid DNS-1123 name of at most 63 characters starting with a letter",
                "Deployment/a-web container a-web: env X is set twice",
            ]
        );
        assert_eq!(c.notes, ["Deployment/a-web container a-web: env Y is set twice, as in the template (Kubernetes uses the last)"]);
    }

    #[test]
    fn dns_names() {
        assert!(dns_subdomain("koku-api.conf"));
        assert!(!dns_subdomain("Koku"));
        assert!(!dns_label(&"a".repeat(64)));
        assert!(port_name("metrics") && !port_name("a-very-long-port-name"));
    }
}
