//! Fidelity: at the chart's defaults, every workload renders the pod Clowder would have run.
//!
//! The oracle is independent of the chart: the template is processed the way `oc process` does
//! (`source::process`, parameter defaults), then Clowder's rules from
//! `../shared/reference/clowder-semantics.md` §2 are applied here, field by field, and compared
//! with `helm template` of the converted chart. Every differing field is reported at once.
//!
//! Documented deviations that are allowed:
//! - `CLOWDER_ENABLED` may be forced to "false" (the chart replaces Clowder's config, §decisions);
//! - env vars added for Clowder's providers come after the template's, never under a name the
//!   template uses; Clowder's own `ACG_CONFIG` / `config-secret` additions are accepted where
//!   Clowder puts them;
//! - Clowder's `configHash` pod annotation is accepted on Deployment and CronJob pods (it is
//!   only rendered when the chart renders a cdappconfig).

#[path = "common/tools.rs"]
mod tools;
#[path = "common/upstream.rs"]
mod upstream;

use clowd2helm::mapping::Environment;
use clowd2helm::source::{process, template, yaml};
use serde_json::{json, Map, Value};
use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

static NULL: Value = Value::Null;

/// `v[k0][k1]...`, Null when absent.
fn at<'a>(v: &'a Value, path: &[&str]) -> &'a Value {
    path.iter().fold(v, |v, k| v.get(*k).unwrap_or(&NULL))
}

fn list(v: &Value) -> &[Value] {
    v.as_array().map(Vec::as_slice).unwrap_or(&[])
}

/// Every difference found, as `where: expected X, rendered Y`.
#[derive(Default)]
struct Diffs(Vec<String>);

impl Diffs {
    fn eq(&mut self, at: &str, expected: &Value, rendered: &Value) {
        if expected != rendered {
            self.0.push(format!("{at}: expected {expected}, rendered {rendered}"));
        }
    }
    fn fail(&mut self, at: &str, what: impl Into<String>) {
        self.0.push(format!("{at}: {}", what.into()));
    }
}

/// What the workloads of one input must look like.
struct Oracle {
    /// ClowdApps and ClowdJobInvocations, processed with the parameter defaults.
    apps: Vec<Value>,
    cjis: Vec<Value>,
    /// Template `labels`, processed (oc process merges them into every object).
    template_labels: Map<String, Value>,
    env: Environment,
}

impl Oracle {
    fn new(path: &Path) -> Oracle {
        let source = fs::read_to_string(path).expect("read template");
        let input = template::parse(&path.display().to_string(), &source).expect("template parses");
        let values = process::parameter_values(&input, &BTreeMap::new());
        let processed = |kind: &str| -> Vec<Value> {
            input
                .objects
                .iter()
                .filter(|o| o.get("kind").and_then(yaml::Node::as_str) == Some(kind))
                .map(|o| process::process_node(o, &values))
                .collect()
        };
        let template_labels = input
            .labels
            .iter()
            .map(|(k, v)| (k.text.clone(), process::process_node(v, &values)))
            .collect();
        Oracle { apps: processed("ClowdApp"), cjis: processed("ClowdJobInvocation"), template_labels, env: Environment::builtin() }
    }

    /// Clowder's app label set: ClowdApp labels and template labels, plus `app: <app>` unless set.
    fn app_labels(&self, app: &Value) -> Map<String, Value> {
        let mut labels = at(app, &["metadata", "labels"]).as_object().cloned().unwrap_or_default();
        labels.extend(self.template_labels.clone());
        labels.entry("app").or_insert_with(|| app["metadata"]["name"].clone());
        labels
    }
}

/// The converted chart rendered by `helm template` at its defaults (as JSON objects), and the
/// findings of its gap-report.json.
fn render(input: &Path) -> (Vec<Value>, Vec<Value>) {
    let scratch = tempfile::tempdir().expect("temp dir");
    let chart = scratch.path().join("chart");
    let out = Command::new(env!("CARGO_BIN_EXE_clowd2helm"))
        .current_dir(repo())
        .arg("convert")
        .arg(input)
        .arg("-o")
        .arg(&chart)
        .output()
        .expect("run clowd2helm");
    assert!(out.status.success(), "convert {} failed:\n{}", input.display(), String::from_utf8_lossy(&out.stderr));
    let out = Command::new(tools::helm()).arg("template").arg("t").arg(&chart).output().expect("run helm");
    assert!(out.status.success(), "helm template failed:\n{}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8(out.stdout).expect("helm prints UTF-8");
    let objects = yaml::load_documents("helm-output", &text)
        .expect("helm output parses")
        .iter()
        .map(yaml::Node::to_json)
        .filter(|v| !v.is_null())
        .collect();
    let report: Value = serde_json::from_str(&fs::read_to_string(chart.join("gap-report.json")).expect("gap-report.json")).expect("gap-report.json is JSON");
    (objects, list(&report["findings"]).to_vec())
}

#[derive(Clone, Copy, PartialEq)]
enum Flavor {
    Deployment,
    CronJob,
    /// Run by a ClowdJobInvocation.
    Job,
}

/// A quantity as text: `cpu: 1` and `cpu: "1"` are the same request.
fn quantity(v: &Value) -> Value {
    match v {
        Value::Number(n) => Value::String(n.to_string()),
        other => other.clone(),
    }
}

/// Clowder's resources: per key the podSpec value, else the environment default; only cpu and
/// memory; `limits.cpu` only when one of them sets it.
fn expected_resources(pod_spec: &Value, env: &Environment) -> Value {
    let mut out = Map::new();
    for (section, defaults) in [("limits", &env.limits), ("requests", &env.requests)] {
        let mut m = Map::new();
        for key in ["cpu", "memory"] {
            let given = at(pod_spec, &["resources", section, key]);
            let default = defaults.iter().find(|(k, _)| k == key).map(|(_, v)| json!(v));
            let v = match (given, default) {
                (g, _) if !g.is_null() => Some(quantity(g)),
                (_, Some(d)) => Some(d),
                _ if section == "limits" && key == "cpu" => None,
                _ => Some(json!("0")),
            };
            if let Some(v) = v {
                m.insert(key.to_string(), v);
            }
        }
        out.insert(section.to_string(), Value::Object(m));
    }
    Value::Object(out)
}

fn rendered_resources(r: &Value) -> Value {
    let mut out = Map::new();
    for section in ["limits", "requests"] {
        let m: Map<String, Value> = at(r, &[section]).as_object().map(|o| o.iter().map(|(k, v)| (k.clone(), quantity(v))).collect()).unwrap_or_default();
        out.insert(section.to_string(), Value::Object(m));
    }
    // Anything beside limits/requests would show up as a difference.
    for (k, v) in r.as_object().into_iter().flatten() {
        if k != "limits" && k != "requests" {
            out.insert(k.clone(), v.clone());
        }
    }
    Value::Object(out)
}

/// A user probe with Clowder's zero-value defaults (deployments only).
fn probe_with_defaults(p: &Value) -> Value {
    let mut p = p.clone();
    for (key, default) in [("successThreshold", 1), ("timeoutSeconds", 1), ("periodSeconds", 10), ("failureThreshold", 3)] {
        if matches!(p.get(key), None | Some(Value::Null)) || p[key] == 0 {
            p[key] = json!(default);
        }
    }
    p
}

/// Clowder's default probe for public deployments without one.
fn default_probe(env: &Environment, initial_delay: i64) -> Value {
    json!({
        "httpGet": {"path": "/healthz", "port": env.web_port, "scheme": "HTTP"},
        "initialDelaySeconds": initial_delay,
        "periodSeconds": 30,
        "timeoutSeconds": 1,
        "successThreshold": 1,
        "failureThreshold": 3,
    })
}

/// An env entry as Kubernetes stores it: value as a string (absent = ""), fieldRef.apiVersion
/// defaulted to v1.
fn normalize_env(e: &Value) -> Value {
    let mut out = Map::new();
    out.insert("name".into(), e["name"].clone());
    if let Some(from) = e.get("valueFrom").filter(|v| !v.is_null()) {
        let mut from = from.clone();
        if let Some(fr) = from.get_mut("fieldRef").and_then(Value::as_object_mut) {
            fr.entry("apiVersion").or_insert(json!("v1"));
        }
        out.insert("valueFrom".into(), from);
    } else {
        let v = match e.get("value") {
            None | Some(Value::Null) => json!(""),
            Some(Value::String(s)) => json!(s),
            Some(other) => json!(other.to_string()),
        };
        out.insert("value".into(), v);
    }
    Value::Object(out)
}

/// The rendered env must be `expected` (in order, same values), optionally preceded by
/// `ACG_CONFIG` where Clowder puts it first, then only additions under new names.
fn compare_env(d: &mut Diffs, at_: &str, expected: &[Value], rendered: &[Value], acg_first: bool) {
    let expected: Vec<Value> = expected.iter().map(normalize_env).collect();
    let mut rendered: Vec<Value> = rendered.iter().map(normalize_env).collect();
    if acg_first && rendered.first().is_some_and(|e| e["name"] == "ACG_CONFIG") {
        rendered.remove(0);
    }
    for (i, want) in expected.iter().enumerate() {
        let name = want["name"].as_str().unwrap_or_default();
        let Some(got) = rendered.get(i) else {
            d.fail(&format!("{at_}.env[{i}]"), format!("expected {want}, rendered env has only {} entries", rendered.len()));
            continue;
        };
        if name == "CLOWDER_ENABLED" && got == &json!({"name": "CLOWDER_ENABLED", "value": "false"}) {
            continue;
        }
        d.eq(&format!("{at_}.env[{i}] ({name})"), want, got);
    }
    let template_names: Vec<&Value> = expected.iter().map(|e| &e["name"]).collect();
    for (i, extra) in rendered.iter().enumerate().skip(expected.len()) {
        if template_names.contains(&&extra["name"]) {
            d.fail(&format!("{at_}.env[{i}]"), format!("added env var {} duplicates a name the template sets", extra["name"]));
        }
    }
}

/// `rendered` is `expected` followed only by the entries Clowder itself adds (named `allowed`).
fn compare_list_with_additions(d: &mut Diffs, at_: &str, expected: &[Value], rendered: &[Value], allowed: &[&str]) {
    for (i, want) in expected.iter().enumerate() {
        d.eq(&format!("{at_}[{i}]"), want, rendered.get(i).unwrap_or(&NULL));
    }
    for (i, extra) in rendered.iter().enumerate().skip(expected.len()) {
        if !allowed.iter().any(|a| extra["name"] == *a) {
            d.fail(&format!("{at_}[{i}]"), format!("unexpected addition {extra}"));
        }
    }
}

/// Configmap and secret volumes get Clowder's defaultMode 420 unless they set one.
fn with_default_mode(volumes: &[Value]) -> Vec<Value> {
    volumes
        .iter()
        .map(|v| {
            let mut v = v.clone();
            for kind in ["configMap", "secret"] {
                if let Some(src) = v.get_mut(kind).and_then(Value::as_object_mut) {
                    src.entry("defaultMode").or_insert(json!(420));
                }
            }
            v
        })
        .collect()
}

fn string_map(v: &Value) -> Value {
    Value::Object(v.as_object().map(|o| o.iter().map(|(k, v)| (k.clone(), if v.is_string() { v.clone() } else { json!(v.to_string()) })).collect()).unwrap_or_default())
}

fn kube_linter_pair() -> Value {
    json!({
        "ignore-check.kube-linter.io/no-liveness-probe": "probes not required on Job pods",
        "ignore-check.kube-linter.io/no-readiness-probe": "probes not required on Job pods",
    })
}

/// Helm's own labels may be added to metadata (never to selectors); nothing else.
fn labels_with_helm_additions(d: &mut Diffs, at_: &str, expected: &Map<String, Value>, rendered: &Value) {
    let rendered = rendered.as_object().cloned().unwrap_or_default();
    for (k, v) in expected {
        d.eq(&format!("{at_}.{k}"), v, rendered.get(k).unwrap_or(&NULL));
    }
    for k in rendered.keys().filter(|k| !expected.contains_key(*k)) {
        if !(k.starts_with("app.kubernetes.io/") || k == "helm.sh/chart") {
            d.fail(&format!("{at_}.{k}"), "label not set by Clowder");
        }
    }
}

/// The pod of one deployment or job against its processed `podSpec`.
fn compare_pod(d: &mut Diffs, oracle: &Oracle, w: &str, flavor: Flavor, pod_spec: &Value, pod: &Value, public: bool) {
    let spec = &pod["spec"];
    let containers = list(&spec["containers"]);
    if containers.len() != 1 {
        d.fail(&format!("{w}.containers"), format!("expected exactly the main container, rendered {}", containers.len()));
    }
    let main = containers.first().unwrap_or(&NULL);
    let c = format!("{w}.containers[0]");
    d.eq(&format!("{c}.name"), &json!(w), &main["name"]);
    d.eq(&format!("{c}.image"), &pod_spec["image"], &main["image"]);
    d.eq(&format!("{c}.command"), &pod_spec["command"], &main["command"]);
    d.eq(&format!("{c}.args"), &pod_spec["args"], &main["args"]);
    compare_env(d, &c, list(&pod_spec["env"]), list(&main["env"]), false);
    d.eq(&format!("{c}.resources"), &expected_resources(pod_spec, &oracle.env), &rendered_resources(&main["resources"]));
    d.eq(&format!("{c}.imagePullPolicy"), &json!("IfNotPresent"), &main["imagePullPolicy"]);

    for (field, delay) in [("livenessProbe", 10), ("readinessProbe", 45)] {
        let given = &pod_spec[field];
        let want = match flavor {
            Flavor::Deployment if !given.is_null() => probe_with_defaults(given),
            Flavor::Deployment if public => default_probe(&oracle.env, delay),
            _ => given.clone(),
        };
        d.eq(&format!("{c}.{field}"), &want, &main[field]);
    }
    if !main["startupProbe"].is_null() {
        d.fail(&format!("{c}.startupProbe"), "not in Clowder's podSpec; must not be rendered");
    }

    let mounts = list(&pod_spec["volumeMounts"]);
    compare_list_with_additions(d, &format!("{c}.volumeMounts"), mounts, list(&main["volumeMounts"]), &["config-secret"]);
    let volumes = if flavor == Flavor::Job { list(&pod_spec["volumes"]).to_vec() } else { with_default_mode(list(&pod_spec["volumes"])) };
    compare_list_with_additions(d, &format!("{w}.volumes"), &volumes, list(&spec["volumes"]), &["config-secret"]);

    // Clowder ignores lifecycle, terminationGracePeriodSeconds and pod annotations on jobs;
    // CronJob pods get terminationGracePeriodSeconds 30.
    let (lifecycle, grace, annotations) = match flavor {
        Flavor::Deployment => (pod_spec["lifecycle"].clone(), pod_spec["terminationGracePeriodSeconds"].clone(), string_map(at(pod_spec, &["metadata", "annotations"]))),
        Flavor::CronJob => (Value::Null, json!(30), kube_linter_pair()),
        Flavor::Job => (Value::Null, Value::Null, kube_linter_pair()),
    };
    d.eq(&format!("{c}.lifecycle"), &lifecycle, &main["lifecycle"]);
    d.eq(&format!("{w}.terminationGracePeriodSeconds"), &grace, &spec["terminationGracePeriodSeconds"]);
    let mut rendered_annotations = pod["metadata"]["annotations"].as_object().cloned().unwrap_or_default();
    // Clowder's configHash (sha256 of cdappconfig.json) on Deployment and CronJob pods, when the
    // chart renders a cdappconfig.
    if flavor != Flavor::Job
        && let Some(hash) = rendered_annotations.remove("configHash") {
            let ok = hash.as_str().is_some_and(|h| h.len() == 64 && h.bytes().all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase()));
            if !ok {
                d.fail(&format!("{w}.metadata.annotations.configHash"), format!("not a sha256 hex digest: {hash}"));
            }
        }
    d.eq(&format!("{w}.metadata.annotations"), &annotations, &Value::Object(rendered_annotations));

    let tolerations = match pod_spec["machinePool"].as_str() {
        Some(pool) => json!([{"key": pool, "operator": "Equal", "value": "true", "effect": "NoSchedule"}]),
        None => json!([]),
    };
    let rendered_tolerations = if spec["tolerations"].is_null() { json!([]) } else { spec["tolerations"].clone() };
    d.eq(&format!("{w}.tolerations"), &tolerations, &rendered_tolerations);

    // Init containers: name, image, command/args and env from the ClowdApp; resources, mounts
    // and pull policy copied from the main container.
    let inits = list(&pod_spec["initContainers"]);
    let rendered_inits = list(&spec["initContainers"]);
    if inits.len() != rendered_inits.len() {
        d.fail(&format!("{w}.initContainers"), format!("expected {} init containers, rendered {}", inits.len(), rendered_inits.len()));
    }
    for (i, (ic, got)) in inits.iter().zip(rendered_inits).enumerate() {
        let at_ = format!("{w}.initContainers[{i}]");
        let name = match ic["name"].as_str().filter(|n| !n.is_empty()) {
            Some(n) => format!("{n}-init"),
            None => format!("{w}-init"),
        };
        d.eq(&format!("{at_}.name"), &json!(name), &got["name"]);
        let image = if ic["image"].is_null() { &pod_spec["image"] } else { &ic["image"] };
        d.eq(&format!("{at_}.image"), image, &got["image"]);
        d.eq(&format!("{at_}.command"), &ic["command"], &got["command"]);
        d.eq(&format!("{at_}.args"), &ic["args"], &got["args"]);
        let own = list(&ic["env"]);
        if ic["inheritEnv"] == true {
            // Own env first, then the main container's env minus the names it overrides.
            let own_names: Vec<&Value> = own.iter().map(|e| &e["name"]).collect();
            let mut want = own.to_vec();
            want.extend(list(&pod_spec["env"]).iter().filter(|e| !own_names.contains(&&e["name"])).cloned());
            compare_env(d, &at_, &want, list(&got["env"]), false);
        } else {
            compare_env(d, &at_, own, list(&got["env"]), true);
        }
        d.eq(&format!("{at_}.resources"), &main["resources"], &got["resources"]);
        d.eq(&format!("{at_}.volumeMounts"), &main["volumeMounts"], &got["volumeMounts"]);
        d.eq(&format!("{at_}.imagePullPolicy"), &main["imagePullPolicy"], &got["imagePullPolicy"]);
        for field in ["livenessProbe", "readinessProbe", "lifecycle", "ports"] {
            d.eq(&format!("{at_}.{field}"), &NULL, &got[field]);
        }
    }
}

fn find<'a>(rendered: &'a [Value], kind: &str, name: &str) -> Option<&'a Value> {
    rendered.iter().find(|o| o["kind"] == kind && o["metadata"]["name"] == name)
}

fn check_deployment(d: &mut Diffs, oracle: &Oracle, rendered: &[Value], findings: &[Value], app: &Value, dep: &Value) {
    let app_name = app["metadata"]["name"].as_str().unwrap();
    let w = format!("{app_name}-{}", dep["name"].as_str().unwrap());
    let Some(obj) = find(rendered, "Deployment", &w) else {
        d.fail(&w, "Deployment not rendered");
        return;
    };
    let public = at(dep, &["webServices", "public", "enabled"]) == true || dep["web"] == true;
    let private = at(dep, &["webServices", "private", "enabled"]) == true;
    let pod = &obj["spec"]["template"];
    compare_pod(d, oracle, &w, Flavor::Deployment, &dep["podSpec"], pod, public);

    let mut labels = oracle.app_labels(app);
    labels.insert("pod".into(), json!(w));
    d.eq(&format!("{w}.spec.selector.matchLabels"), &Value::Object(labels.clone()), &obj["spec"]["selector"]["matchLabels"]);
    labels_with_helm_additions(d, &format!("{w}.metadata.labels"), &labels, &obj["metadata"]["labels"]);
    labels_with_helm_additions(d, &format!("{w}.template.metadata.labels"), &labels, &pod["metadata"]["labels"]);
    d.eq(&format!("{w}.serviceAccountName"), &json!(w), &pod["spec"]["serviceAccountName"]);
    let terms = list(at(pod, &["spec", "affinity", "podAntiAffinity", "preferredDuringSchedulingIgnoredDuringExecution"]));
    let want_terms: Vec<Value> = [(100, "failure-domain.beta.kubernetes.io/zone"), (99, "kubernetes.io/hostname")]
        .iter()
        .map(|(weight, key)| json!({"weight": weight, "podAffinityTerm": {"labelSelector": {"matchLabels": labels}, "topologyKey": key}}))
        .collect();
    d.eq(&format!("{w}.affinity"), &json!(want_terms), &json!(terms));

    // Deployment annotations: all ClowdApp annotations plus the deployment's own.
    let mut annotations = string_map(at(app, &["metadata", "annotations"])).as_object().cloned().unwrap_or_default();
    annotations.extend(string_map(at(dep, &["metadata", "annotations"])).as_object().cloned().unwrap_or_default());
    let rendered_annotations = if obj["metadata"]["annotations"].is_null() { json!({}) } else { obj["metadata"]["annotations"].clone() };
    d.eq(&format!("{w}.metadata.annotations"), &Value::Object(annotations), &rendered_annotations);

    // Ports the web and metrics providers add. The private port may follow the port the app
    // really listens on without cdappconfig.json, but only where the report says so.
    let rendered_ports = &pod["spec"]["containers"][0]["ports"];
    let moved_private = findings.iter().any(|f| f["rule"] == "config.app-port" && f["outcome"] == "approximated" && f["message"].as_str().is_some_and(|m| m.contains(&w)));
    let private_port = match list(rendered_ports).iter().find(|p| p["name"] == "private") {
        Some(p) if moved_private => p["containerPort"].clone(),
        _ => json!(oracle.env.private_port),
    };
    let mut ports = Vec::new();
    if public {
        ports.push(json!({"name": "web", "containerPort": oracle.env.web_port, "protocol": "TCP"}));
    }
    if private {
        ports.push(json!({"name": "private", "containerPort": private_port, "protocol": "TCP"}));
    }
    ports.push(json!({"name": "metrics", "containerPort": oracle.env.metrics_port, "protocol": "TCP"}));
    d.eq(&format!("{w}.containers[0].ports"), &json!(ports), rendered_ports);

    // Replicas: replicas ?? minReplicas ?? 1; a KEDA deployment (KEDA off at the defaults) runs
    // minReplicaCount (default 1); an HPA owns the count.
    let replicas = if !dep["autoScalerSimple"].is_null() {
        Value::Null
    } else if !dep["autoScaler"].is_null() {
        let min = &dep["autoScaler"]["minReplicaCount"];
        if min.is_null() { json!(1) } else { min.clone() }
    } else if !dep["replicas"].is_null() {
        dep["replicas"].clone()
    } else if !dep["minReplicas"].is_null() {
        dep["minReplicas"].clone()
    } else {
        json!(1)
    };
    d.eq(&format!("{w}.spec.replicas"), &replicas, &obj["spec"]["replicas"]);

    // Strategy: a PVC forces Recreate; public → RollingUpdate 25%/25%; else privateStrategy.
    let has_pvc = list(&dep["podSpec"]["volumes"]).iter().any(|v| !v["persistentVolumeClaim"].is_null());
    let public_enabled = at(dep, &["webServices", "public", "enabled"]) == true;
    let strategy = if has_pvc {
        json!({"type": "Recreate"})
    } else if public_enabled {
        json!({"type": "RollingUpdate", "rollingUpdate": {"maxSurge": "25%", "maxUnavailable": "25%"}})
    } else {
        match at(dep, &["deploymentStrategy", "privateStrategy"]).as_str() {
            Some("Recreate") => json!({"type": "Recreate"}),
            _ => json!({"type": "RollingUpdate"}),
        }
    };
    d.eq(&format!("{w}.spec.strategy"), &strategy, &obj["spec"]["strategy"]);
}

fn check_job(d: &mut Diffs, oracle: &Oracle, rendered: &[Value], app: &Value, job: &Value) {
    let app_name = app["metadata"]["name"].as_str().unwrap();
    let job_name = job["name"].as_str().unwrap();
    let w = format!("{app_name}-{job_name}");
    let invocation = oracle
        .cjis
        .iter()
        .find(|c| c["spec"]["appName"] == app_name && list(&c["spec"]["jobs"]).iter().any(|j| j == job_name));
    let scheduled = !job["schedule"].is_null();
    if job["disabled"] == true || (!scheduled && invocation.is_none()) {
        for kind in ["CronJob", "Job"] {
            if find(rendered, kind, &w).is_some() {
                d.fail(&w, format!("Clowder creates nothing for this job, but a {kind} is rendered"));
            }
        }
        return;
    }
    let restart = if job["restartPolicy"].is_null() { json!("Never") } else { job["restartPolicy"].clone() };
    if scheduled {
        let Some(obj) = find(rendered, "CronJob", &w) else {
            d.fail(&w, "CronJob not rendered");
            return;
        };
        let pod = &obj["spec"]["jobTemplate"]["spec"]["template"];
        compare_pod(d, oracle, &w, Flavor::CronJob, &job["podSpec"], pod, false);
        let mut labels = oracle.app_labels(app);
        labels.insert("pod".into(), json!(w));
        labels_with_helm_additions(d, &format!("{w}.metadata.labels"), &labels, &obj["metadata"]["labels"]);
        labels_with_helm_additions(d, &format!("{w}.template.metadata.labels"), &labels, &pod["metadata"]["labels"]);
        d.eq(&format!("{w}.schedule"), &job["schedule"], &obj["spec"]["schedule"]);
        let policy = if job["concurrencyPolicy"].is_null() { json!("Allow") } else { job["concurrencyPolicy"].clone() };
        d.eq(&format!("{w}.concurrencyPolicy"), &policy, &obj["spec"]["concurrencyPolicy"]);
        for field in ["suspend", "successfulJobsHistoryLimit", "failedJobsHistoryLimit", "startingDeadlineSeconds"] {
            d.eq(&format!("{w}.{field}"), &job[field], &obj["spec"][field]);
        }
        for field in ["parallelism", "completions", "activeDeadlineSeconds"] {
            d.eq(&format!("{w}.jobTemplate.{field}"), &job[field], &obj["spec"]["jobTemplate"]["spec"][field]);
        }
        d.eq(&format!("{w}.restartPolicy"), &restart, &pod["spec"]["restartPolicy"]);
        d.eq(&format!("{w}.serviceAccountName"), &json!(format!("{app_name}-app")), &pod["spec"]["serviceAccountName"]);
    } else {
        let Some(obj) = find(rendered, "Job", &w) else {
            d.fail(&w, "hook Job not rendered");
            return;
        };
        let pod = &obj["spec"]["template"];
        compare_pod(d, oracle, &w, Flavor::Job, &job["podSpec"], pod, false);
        let cji = invocation.unwrap();
        let mut labels = at(cji, &["metadata", "labels"]).as_object().cloned().unwrap_or_default();
        labels.extend(oracle.template_labels.clone());
        labels.insert("clowdjob".into(), cji["metadata"]["name"].clone());
        labels.insert("job".into(), json!(w));
        labels_with_helm_additions(d, &format!("{w}.metadata.labels"), &labels, &obj["metadata"]["labels"]);
        labels_with_helm_additions(d, &format!("{w}.template.metadata.labels"), &labels, &pod["metadata"]["labels"]);
        for field in ["parallelism", "completions", "activeDeadlineSeconds"] {
            d.eq(&format!("{w}.{field}"), &job[field], &obj["spec"][field]);
        }
        d.eq(&format!("{w}.restartPolicy"), &restart, &pod["spec"]["restartPolicy"]);
        d.eq(&format!("{w}.serviceAccountName"), &json!(format!("{app_name}-app")), &pod["spec"]["serviceAccountName"]);
        d.eq(&format!("{w}.affinity"), &NULL, &pod["spec"]["affinity"]);
    }
}

/// Every deployment and job of every ClowdApp in `input`; returns the differences.
fn fidelity(input: &Path) -> Vec<String> {
    let oracle = Oracle::new(input);
    assert!(!oracle.apps.is_empty(), "{} has no ClowdApp", input.display());
    let (rendered, findings) = render(input);
    let mut d = Diffs::default();
    for app in &oracle.apps {
        for dep in list(&app["spec"]["deployments"]) {
            check_deployment(&mut d, &oracle, &rendered, &findings, app, dep);
        }
        for job in list(&app["spec"]["jobs"]) {
            check_job(&mut d, &oracle, &rendered, app, job);
        }
    }
    d.0
}

fn assert_faithful(input: PathBuf) {
    let diffs = fidelity(&input);
    assert!(diffs.is_empty(), "{} field(s) of {} differ from what Clowder would run:\n{}", diffs.len(), input.display(), diffs.join("\n"));
}

#[test]
fn koku_latest_renders_what_clowder_would_run() {
    if let Some(koku) = upstream::koku_latest("koku_latest_renders_what_clowder_would_run") {
        assert_faithful(koku);
    }
}

#[test]
fn every_construct_fixture_renders_what_clowder_would_run() {
    assert_faithful(repo().join("fixtures/every-construct.yaml"));
}

#[test]
fn koku_like_fixture_renders_what_clowder_would_run() {
    assert_faithful(repo().join("fixtures/koku-like.yaml"));
}

#[test]
fn multi_document_fixture_renders_what_clowder_would_run() {
    assert_faithful(repo().join("fixtures/multi-document.yaml"));
}

#[test]
fn minimal_fixture_renders_what_clowder_would_run() {
    assert_faithful(repo().join("fixtures/minimal.yaml"));
}

#[test]
fn release_name_fixture_renders_what_clowder_would_run() {
    assert_faithful(repo().join("fixtures/release-name.yaml"));
}

#[test]
fn kafka_trigger_fixture_renders_what_clowder_would_run() {
    assert_faithful(repo().join("fixtures/kafka-trigger-without-topics.yaml"));
}
