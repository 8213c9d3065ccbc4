//! Install closure: every object a pod template references exists by the time Helm creates the
//! pod, or it is an external the chart's `gap-report.json` lists with the value that resolves it.
//!
//! Helm installs in stages: `pre-install` hooks one at a time, ordered by weight and then by kind
//! (Helm's install order), each waited for; then every release resource at once; then the
//! `post-install` hooks in the same order. An object is there for a pod when it comes from an
//! earlier stage, or from the same stage and (for hooks) sorts before it. A hook deleted on
//! success (`hook-succeeded`) is gone once its stage has finished.

use super::exp::as_text;
use super::invariants::pod_template;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};

/// Helm's install order of kinds (the kinds that matter here; others sort after).
const KIND_ORDER: &[&str] = &[
    "Namespace", "NetworkPolicy", "ResourceQuota", "LimitRange", "PodSecurityPolicy", "PodDisruptionBudget", "ServiceAccount", "Secret", "SecretList", "ConfigMap", "StorageClass",
    "PersistentVolume", "PersistentVolumeClaim", "CustomResourceDefinition", "ClusterRole", "ClusterRoleList", "ClusterRoleBinding", "ClusterRoleBindingList", "Role", "RoleList", "RoleBinding",
    "RoleBindingList", "Service", "DaemonSet", "Pod", "ReplicationController", "ReplicaSet", "Deployment", "HorizontalPodAutoscaler", "StatefulSet", "Job", "CronJob", "IngressClass", "Ingress",
    "APIService",
];

fn kind_rank(kind: &str) -> usize {
    KIND_ORDER.iter().position(|k| *k == kind).unwrap_or(KIND_ORDER.len())
}

/// When an object exists during `helm install`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Stage {
    /// A pre-install hook: (weight, kind rank).
    Pre(i64, usize),
    Release,
    Post(i64, usize),
    /// Not created by `helm install` (a hook of other events only, e.g. `test`).
    Never,
}

impl Stage {
    fn describe(self) -> String {
        match self {
            Stage::Pre(w, _) => format!("pre-install hook, weight {w}"),
            Stage::Release => "release resource".into(),
            Stage::Post(w, _) => format!("post-install hook, weight {w}"),
            Stage::Never => "not installed (hook of other events)".into(),
        }
    }
}

/// An object of the rendered chart and when it exists.
#[derive(Debug, Clone)]
pub struct Object {
    pub kind: String,
    pub name: String,
    pub stage: Stage,
    /// Deleted once its hook stage succeeded.
    pub deleted_after_stage: bool,
    /// Data keys of Secrets and ConfigMaps.
    pub keys: BTreeSet<String>,
    pub doc: Value,
}

fn annotation<'a>(doc: &'a Value, key: &str) -> Option<&'a str> {
    doc.get("metadata")?.get("annotations")?.get(key)?.as_str()
}

pub fn object(doc: &Value) -> Object {
    let kind = doc.get("kind").map(as_text).unwrap_or_default();
    let name = doc.get("metadata").and_then(|m| m.get("name")).map(as_text).unwrap_or_default();
    let weight = annotation(doc, "helm.sh/hook-weight").and_then(|w| w.trim().parse::<i64>().ok()).unwrap_or(0);
    let rank = kind_rank(&kind);
    let stage = match annotation(doc, "helm.sh/hook") {
        None => Stage::Release,
        Some(events) => {
            let events: Vec<&str> = events.split(',').map(str::trim).collect();
            if events.contains(&"pre-install") {
                Stage::Pre(weight, rank)
            } else if events.contains(&"post-install") {
                Stage::Post(weight, rank)
            } else {
                Stage::Never
            }
        }
    };
    let deleted_after_stage = annotation(doc, "helm.sh/hook-delete-policy").is_some_and(|p| p.split(',').any(|x| x.trim() == "hook-succeeded"));
    let mut keys = BTreeSet::new();
    for section in ["data", "stringData", "binaryData"] {
        if let Some(Value::Object(m)) = doc.get(section) {
            keys.extend(m.keys().cloned());
        }
    }
    Object { kind, name, stage, deleted_after_stage, keys, doc: doc.clone() }
}

/// Is `dep` there when the pods of `user` are created?
fn in_time(dep: &Object, user: &Object) -> bool {
    use Stage::*;
    let same_hook_stage = matches!((dep.stage, user.stage), (Pre(..), Pre(..)) | (Post(..), Post(..)));
    if dep.deleted_after_stage && !same_hook_stage {
        return false;
    }
    match (dep.stage, user.stage) {
        (Never, _) | (_, Never) => false,
        (Release, Release) => true,
        // Hooks run one at a time: only those sorted before have been created.
        (a, b) if same_hook_stage => a < b,
        (a, b) => a < b,
    }
}

/// One reference from a pod template.
#[derive(Debug, Clone)]
pub struct Reference {
    pub kind: &'static str,
    pub name: String,
    /// The key a key reference or volume item reads.
    pub key: Option<String>,
    /// The field, for messages: `container api: env AWS_ACCESS_KEY_ID`, `volume gcp`.
    pub field: String,
}

fn list(v: Option<&Value>) -> &[Value] {
    match v {
        Some(Value::Array(a)) => a,
        _ => &[],
    }
}

fn text(v: Option<&Value>) -> String {
    v.map(as_text).unwrap_or_default()
}

fn optional(v: &Value) -> bool {
    v.get("optional") == Some(&Value::Bool(true))
}

/// Every reference a pod template makes that must exist for its pods to start. References marked
/// optional are left out: the kubelet starts the pod without them.
pub fn references(pod: &Value, accounts: &BTreeMap<String, Value>) -> Vec<Reference> {
    let spec = pod.get("spec").unwrap_or(&Value::Null);
    let mut out = Vec::new();
    let mut add = |kind: &'static str, name: String, key: Option<String>, field: String| out.push(Reference { kind, name, key, field });
    for (section, what) in [("initContainers", "init container"), ("containers", "container")] {
        for c in list(spec.get(section)) {
            let cname = text(c.get("name"));
            for e in list(c.get("env")) {
                let ename = text(e.get("name"));
                for (field, kind) in [("secretKeyRef", "Secret"), ("configMapKeyRef", "ConfigMap")] {
                    if let Some(r) = e.get("valueFrom").and_then(|v| v.get(field)).filter(|r| !optional(r)) {
                        add(kind, text(r.get("name")), r.get("key").map(as_text), format!("{what} {cname}: env {ename}"));
                    }
                }
            }
            for (i, e) in list(c.get("envFrom")).iter().enumerate() {
                for (field, kind) in [("secretRef", "Secret"), ("configMapRef", "ConfigMap")] {
                    if let Some(r) = e.get(field).filter(|r| !optional(r)) {
                        add(kind, text(r.get("name")), None, format!("{what} {cname}: envFrom[{i}]"));
                    }
                }
            }
        }
    }
    for v in list(spec.get("volumes")) {
        let vname = text(v.get("name"));
        let field = format!("volume {vname}");
        let source = |kind: &'static str, src: &Value, name_key: &str, add: &mut dyn FnMut(&'static str, String, Option<String>, String)| {
            if optional(src) {
                return;
            }
            let name = text(src.get(name_key));
            let items = list(src.get("items"));
            if items.is_empty() {
                add(kind, name.clone(), None, field.clone());
            }
            for it in items {
                add(kind, name.clone(), it.get("key").map(as_text), field.clone());
            }
        };
        if let Some(s) = v.get("secret") {
            source("Secret", s, "secretName", &mut add);
        }
        if let Some(s) = v.get("configMap") {
            source("ConfigMap", s, "name", &mut add);
        }
        if let Some(s) = v.get("persistentVolumeClaim") {
            add("PersistentVolumeClaim", text(s.get("claimName")), None, field.clone());
        }
        for src in list(v.get("projected").and_then(|p| p.get("sources"))) {
            if let Some(s) = src.get("secret") {
                source("Secret", s, "name", &mut add);
            }
            if let Some(s) = src.get("configMap") {
                source("ConfigMap", s, "name", &mut add);
            }
        }
    }
    let account = spec.get("serviceAccountName").or_else(|| spec.get("serviceAccount")).map(as_text).filter(|a| !a.is_empty() && a != "default");
    if let Some(a) = &account {
        add("ServiceAccount", a.clone(), None, "serviceAccountName".into());
    }
    for s in list(spec.get("imagePullSecrets")) {
        add("Secret", text(s.get("name")), None, "imagePullSecrets".into());
    }
    // Pull secrets also reach pods through their ServiceAccount.
    if let Some(sa) = account.as_ref().and_then(|a| accounts.get(a)) {
        for s in list(sa.get("imagePullSecrets")) {
            add("Secret", text(s.get("name")), None, format!("serviceAccount {}: imagePullSecrets", account.as_deref().unwrap_or_default()));
        }
    }
    out
}

/// The chart's externals: (kind, resolved name) → values key, from `gap-report.json`.
pub type Externals = BTreeMap<(String, String), String>;

/// The result of the closure check.
#[derive(Debug, Default)]
pub struct Closure {
    pub references: usize,
    pub created_in_time: usize,
    /// (kind, name, values key, first user) of externals this render references.
    pub externals: Vec<(String, String, String, String)>,
    pub violations: Vec<String>,
}

pub fn check(docs: &[Value], externals: Option<&Externals>) -> Closure {
    let objects: Vec<Object> = docs.iter().map(object).collect();
    let accounts: BTreeMap<String, Value> = objects.iter().filter(|o| o.kind == "ServiceAccount").map(|o| (o.name.clone(), o.doc.clone())).collect();
    let mut c = Closure::default();
    let mut seen_external = BTreeSet::new();
    for user in &objects {
        let Some(pod) = pod_template(&user.doc) else { continue };
        if user.stage == Stage::Never {
            continue;
        }
        let who = format!("{}/{} ({})", user.kind, user.name, user.stage.describe());
        for r in references(pod, &accounts) {
            c.references += 1;
            let target = format!("{}/{}", r.kind, r.name);
            let made: Vec<&Object> = objects.iter().filter(|o| o.kind == r.kind && o.name == r.name).collect();
            if made.is_empty() {
                match externals.and_then(|e| e.get(&(r.kind.to_string(), r.name.clone()))) {
                    Some(key) if !key.is_empty() => {
                        if seen_external.insert((r.kind, r.name.clone())) {
                            c.externals.push((r.kind.to_string(), r.name.clone(), key.clone(), format!("{}/{}", user.kind, user.name)));
                        }
                    }
                    Some(_) => c.violations.push(format!("{who}: {}: {target} is listed in gap-report.json externals[] without a values_key", r.field)),
                    None if externals.is_none() => c.violations.push(format!("{who}: {}: {target} is not created by the release (the chart has no gap-report.json listing externals)", r.field)),
                    None => c.violations.push(format!("{who}: {}: {target} is not created by the release and not listed in gap-report.json externals[]", r.field)),
                }
                continue;
            }
            let Some(dep) = made.iter().find(|o| in_time(o, user)) else {
                c.violations.push(format!("{who}: {}: {target} is created only later ({}), after the pod", r.field, made[0].stage.describe()));
                continue;
            };
            if let Some(k) = &r.key
                && matches!(r.kind, "Secret" | "ConfigMap")
                && !dep.keys.contains(k)
            {
                c.violations.push(format!("{who}: {}: {target} has no key `{k}`", r.field));
                continue;
            }
            c.created_in_time += 1;
        }
    }
    c
}

impl Closure {
    pub fn summary(&self) -> String {
        format!(
            "install closure: {} references from pod templates; {} created by the release in time, {} external{}, {} violated",
            self.references,
            self.created_in_time,
            self.externals.len(),
            if self.externals.is_empty() { String::new() } else { format!(" ({})", self.externals.iter().map(|(k, n, v, _)| format!("{k}/{n} via {v}")).collect::<Vec<_>>().join(", ")) },
            self.violations.len()
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn secret(name: &str, hook: Option<(&str, i64)>, keys: &[&str]) -> Value {
        let mut d = json!({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": name}, "stringData": keys.iter().map(|k| (k.to_string(), json!("x"))).collect::<serde_json::Map<_, _>>()});
        if let Some((events, w)) = hook {
            d["metadata"]["annotations"] = json!({"helm.sh/hook": events, "helm.sh/hook-weight": w.to_string()});
        }
        d
    }

    fn job(name: &str, hook: Option<(&str, i64)>, env_secret: &str, key: &str) -> Value {
        let mut d = json!({"apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": name},
            "spec": {"template": {"spec": {"serviceAccountName": "sa", "containers": [{"name": "c", "env": [{"name": "X", "valueFrom": {"secretKeyRef": {"name": env_secret, "key": key}}}]}]}}}});
        if let Some((events, w)) = hook {
            d["metadata"]["annotations"] = json!({"helm.sh/hook": events, "helm.sh/hook-weight": w.to_string()});
        }
        d
    }

    fn sa(hook: Option<(&str, i64)>) -> Value {
        let mut d = json!({"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "sa"}});
        if let Some((events, w)) = hook {
            d["metadata"]["annotations"] = json!({"helm.sh/hook": events, "helm.sh/hook-weight": w.to_string()});
        }
        d
    }

    #[test]
    fn a_release_job_sees_release_objects() {
        let c = check(&[job("j", None, "s", "k"), secret("s", None, &["k"]), sa(None)], Some(&Externals::new()));
        assert!(c.violations.is_empty(), "{:?}", c.violations);
        assert_eq!((c.references, c.created_in_time), (2, 2));
    }

    #[test]
    fn a_removed_secret_is_a_violation_naming_workload_and_field() {
        let c = check(&[job("j", None, "s", "k"), sa(None)], Some(&Externals::new()));
        assert_eq!(c.violations, ["Job/j (release resource): container c: env X: Secret/s is not created by the release and not listed in gap-report.json externals[]"]);
    }

    #[test]
    fn a_pre_install_hook_sees_only_earlier_hooks() {
        let pre = Some(("pre-install,pre-upgrade", 0));
        // The Secret is a normal resource: created after every pre-install hook.
        let c = check(&[job("migrate", pre, "s", "k"), secret("s", None, &["k"]), sa(Some(("pre-install", -5)))], Some(&Externals::new()));
        assert_eq!(c.violations, ["Job/migrate (pre-install hook, weight 0): container c: env X: Secret/s is created only later (release resource), after the pod"]);
        // A hook of a later weight is too late as well; an earlier one is in time.
        let late = check(&[job("migrate", pre, "s", "k"), secret("s", Some(("pre-install", 5)), &["k"]), sa(Some(("pre-install", -5)))], Some(&Externals::new()));
        assert_eq!(late.violations.len(), 1);
        let ok = check(&[job("migrate", pre, "s", "k"), secret("s", Some(("pre-install", -10)), &["k"]), sa(Some(("pre-install", -5)))], Some(&Externals::new()));
        assert!(ok.violations.is_empty(), "{:?}", ok.violations);
        // Same weight: Helm creates Secrets before Jobs.
        let same = check(&[job("migrate", pre, "s", "k"), secret("s", Some(("pre-install", 0)), &["k"]), sa(Some(("pre-install", 0)))], Some(&Externals::new()));
        assert!(same.violations.is_empty(), "{:?}", same.violations);
    }

    #[test]
    fn a_hook_deleted_on_success_is_gone_for_later_stages() {
        let mut s = secret("s", Some(("pre-install", -10)), &["k"]);
        s["metadata"]["annotations"]["helm.sh/hook-delete-policy"] = json!("hook-succeeded");
        let c = check(&[job("j", None, "s", "k"), s, sa(None)], Some(&Externals::new()));
        assert_eq!(c.violations.len(), 1, "{:?}", c.violations);
    }

    #[test]
    fn a_missing_key_is_a_violation() {
        let c = check(&[job("j", None, "s", "other"), secret("s", None, &["k"]), sa(None)], Some(&Externals::new()));
        assert_eq!(c.violations, ["Job/j (release resource): container c: env X: Secret/s has no key `other`"]);
    }

    #[test]
    fn externals_need_a_values_key() {
        let mut ext = Externals::new();
        ext.insert(("Secret".into(), "s".into()), "secrets.s".into());
        let c = check(&[job("j", None, "s", "k"), sa(None)], Some(&ext));
        assert!(c.violations.is_empty());
        assert_eq!(c.externals, [("Secret".to_string(), "s".to_string(), "secrets.s".to_string(), "Job/j".to_string())]);
        ext.insert(("Secret".into(), "s".into()), String::new());
        let c = check(&[job("j", None, "s", "k"), sa(None)], Some(&ext));
        assert_eq!(c.violations, ["Job/j (release resource): container c: env X: Secret/s is listed in gap-report.json externals[] without a values_key"]);
    }

    #[test]
    fn optional_references_and_the_default_account_need_nothing() {
        let d = json!({"kind": "Deployment", "metadata": {"name": "d"}, "spec": {"template": {"spec": {"containers": [{"name": "c",
            "env": [{"name": "X", "valueFrom": {"secretKeyRef": {"name": "s", "key": "k", "optional": true}}}]}],
            "volumes": [{"name": "v", "configMap": {"name": "m", "optional": true}}]}}}});
        let c = check(&[d], Some(&Externals::new()));
        assert_eq!((c.references, c.violations.len()), (0, 0));
    }

    #[test]
    fn volumes_claims_accounts_and_pull_secrets_are_references() {
        let d = json!({"kind": "Deployment", "metadata": {"name": "d"}, "spec": {"template": {"spec": {"serviceAccountName": "sa", "imagePullSecrets": [{"name": "pull"}],
            "containers": [{"name": "c", "envFrom": [{"configMapRef": {"name": "m"}}]}],
            "volumes": [{"name": "a", "secret": {"secretName": "s", "items": [{"key": "k", "path": "p"}]}}, {"name": "b", "persistentVolumeClaim": {"claimName": "data"}},
                        {"name": "p", "projected": {"sources": [{"configMap": {"name": "m2"}}, {"serviceAccountToken": {"path": "t"}}]}}]}}}});
        let mut account = sa(None);
        account["imagePullSecrets"] = json!([{"name": "sa-pull"}]);
        let c = check(&[d, account], Some(&Externals::new()));
        let missing: Vec<&str> = c.violations.iter().map(|v| v.split(' ').find(|w| w.contains('/') && !w.starts_with("Deployment")).unwrap_or_default()).collect();
        assert_eq!(missing, ["ConfigMap/m", "Secret/s", "PersistentVolumeClaim/data", "ConfigMap/m2", "Secret/pull", "Secret/sa-pull"], "{:?}", c.violations);
    }
}
