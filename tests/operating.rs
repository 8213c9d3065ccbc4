//! Exposure and operational values as a Helm user meets them (docs/operating.md): each feature
//! turned on renders, lints and validates; Ingress and Route paths are the ClowdApp's API paths;
//! every scheduling and security value reaches every pod, and a component's own value wins;
//! nothing changes at defaults, and `verify` takes the values as user choices.

#[path = "common/tools.rs"]
mod tools;
#[path = "common/upstream.rs"]
mod upstream;

use clowd2helm::source::{process, template, yaml};
use serde_json::{json, Value};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures").join(name)
}

fn convert(input: &Path, dir: &Path) -> PathBuf {
    let chart = dir.join("chart");
    let out = Command::new(env!("CARGO_BIN_EXE_clowd2helm")).arg("convert").arg(input).arg("-o").arg(&chart).output().unwrap();
    assert!(out.status.success(), "convert {} failed:\n{}", input.display(), String::from_utf8_lossy(&out.stderr));
    chart
}

fn values_file(dir: &Path, values: &Value) -> PathBuf {
    let n = std::fs::read_dir(dir).map(|d| d.count()).unwrap_or(0);
    let file = dir.join(format!("values-{n}.yaml"));
    std::fs::write(&file, serde_json::to_string_pretty(values).unwrap()).unwrap();
    file
}

/// `helm template` with these values: the manifests as text.
fn render_text(chart: &Path, values: &Value, extra: &[&str]) -> Result<String, String> {
    let file = values_file(chart.parent().unwrap(), values);
    let out = Command::new(tools::helm()).args(["template", "t"]).arg(chart).arg("-f").arg(&file).args(extra).output().unwrap();
    if out.status.success() { Ok(String::from_utf8(out.stdout).unwrap()) } else { Err(String::from_utf8_lossy(&out.stderr).into_owned()) }
}

fn render(chart: &Path, values: &Value) -> Vec<Value> {
    let text = render_text(chart, values, &[]).unwrap_or_else(|e| panic!("helm template failed:\n{e}"));
    yaml::load_documents("rendered", &text).unwrap().iter().filter(|d| !d.is_null()).map(|d| d.to_json()).collect()
}

/// `helm lint --strict` and `kubernetes-validate --strict` with these values.
fn lint_and_validate(chart: &Path, values: &Value) {
    let file = values_file(chart.parent().unwrap(), values);
    let lint = Command::new(tools::helm()).args(["lint", "--strict"]).arg(chart).arg("-f").arg(&file).output().unwrap();
    assert!(lint.status.success(), "helm lint --strict {}:\n{}{}", chart.display(), String::from_utf8_lossy(&lint.stdout), String::from_utf8_lossy(&lint.stderr));
    let text = render_text(chart, values, &[]).unwrap();
    tools::validate_manifests(&text).unwrap_or_else(|e| panic!("{}: {e}", chart.display()));
}

fn of_kind<'a>(docs: &'a [Value], kind: &str) -> Vec<&'a Value> {
    docs.iter().filter(|d| d["kind"] == kind).collect()
}

fn name(d: &Value) -> String {
    d["metadata"]["name"].as_str().unwrap_or_default().to_string()
}

/// Every pod template (kind/name → template), bundled services and the gateway included.
fn pods(docs: &[Value]) -> Vec<(String, &Value)> {
    docs.iter()
        .filter_map(|d| {
            let t = match d["kind"].as_str()? {
                "Deployment" | "StatefulSet" | "Job" | "DaemonSet" => &d["spec"]["template"],
                "CronJob" => &d["spec"]["jobTemplate"]["spec"]["template"],
                _ => return None,
            };
            Some((format!("{}/{}", d["kind"].as_str()?, name(d)), t))
        })
        .collect()
}

fn containers(pod: &Value) -> Vec<&Value> {
    let spec = &pod["spec"];
    spec["containers"].as_array().into_iter().chain(spec["initContainers"].as_array()).flatten().collect()
}

/// Every operational value set, the features on: what a production values file might hold.
fn everything() -> Value {
    json!({
        "global": {
            "imageRegistry": "mirror.example.test:5000",
            "imagePullSecrets": [{"name": "orders-pull"}],
            "nodeSelector": {"disktype": "ssd"},
            "tolerations": [{"key": "dedicated", "operator": "Equal", "value": "orders", "effect": "NoSchedule"}],
            "affinity": {"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": [{"matchExpressions": [{"key": "zone", "operator": "In", "values": ["a"]}]}]}}},
            "topologySpreadConstraints": [{"maxSkew": 1, "topologyKey": "kubernetes.io/hostname", "whenUnsatisfiable": "ScheduleAnyway", "labelSelector": {"matchLabels": {"tier": "backend"}}}],
            "priorityClassName": "business-critical",
            "podAnnotations": {"team": "orders"},
            "podLabels": {"tier": "backend"},
            "podSecurityContext": {"runAsNonRoot": true, "seccompProfile": {"type": "RuntimeDefault"}},
            "containerSecurityContext": {"allowPrivilegeEscalation": false, "capabilities": {"drop": ["ALL"]}},
            "extraEnv": [{"name": "HTTPS_PROXY", "value": "http://proxy.example.test:3128"}],
            "extraVolumes": [{"name": "trust", "emptyDir": {}}],
            "extraVolumeMounts": [{"name": "trust", "mountPath": "/etc/pki/extra"}],
            "podDisruptionBudget": {"enabled": true},
            "networkPolicy": {"enabled": true},
        },
        "gateway": {"enabled": true, "jwt": {"issuer": "https://sso.example.test/realms/orders", "jwksUri": "https://sso.example.test/realms/orders/protocol/openid-connect/certs"}},
        "ingress": {"enabled": true, "host": "orders.example.test", "className": "nginx", "annotations": {"cert-manager.io/cluster-issuer": "letsencrypt"}, "tls": {"secretName": "orders-tls"}},
        "route": {"enabled": true, "host": "orders.apps.example.test"},
    })
}

fn merge(mut base: Value, over: Value) -> Value {
    if let (Value::Object(b), Value::Object(o)) = (&mut base, over.clone()) {
        for (k, v) in o {
            let merged = merge(b.get(&k).cloned().unwrap_or(Value::Null), v);
            b.insert(k, merged);
        }
        return base;
    }
    over
}

// --- API paths, computed from the template as Clowder would ---------------------------------

/// `<app>-<deployment>` → its API paths: `apiPaths`, else `/api/<apiPath>/`, else
/// `/api/<app>-<deployment>/` (clowder-semantics §3.7), for public (or `web`) deployments.
fn api_paths(input: &Path) -> BTreeMap<String, BTreeSet<String>> {
    let text = std::fs::read_to_string(input).unwrap();
    let parsed = template::parse(&input.display().to_string(), &text).unwrap();
    let params = process::parameter_values(&parsed, &BTreeMap::new());
    let mut out = BTreeMap::new();
    for app in parsed.objects.iter().filter(|o| o.get("kind").and_then(yaml::Node::as_str) == Some("ClowdApp")).map(|o| process::process_node(o, &params)) {
        let app_name = app["metadata"]["name"].as_str().unwrap().to_string();
        for d in app["spec"]["deployments"].as_array().into_iter().flatten() {
            let public = &d["webServices"]["public"];
            let on = |v: &Value| v == &json!(true) || v == &json!("true");
            if !on(&public["enabled"]) && !on(&d["web"]) {
                continue;
            }
            let full = format!("{app_name}-{}", d["name"].as_str().unwrap());
            let paths: BTreeSet<String> = match (public["apiPaths"].as_array(), public["apiPath"].as_str()) {
                (Some(list), _) if !list.is_empty() => list.iter().map(|p| p.as_str().unwrap().to_string()).collect(),
                (_, Some(p)) if !p.is_empty() => [format!("/api/{p}/")].into(),
                _ => [format!("/api/{full}/")].into(),
            };
            out.insert(full, paths);
        }
    }
    out
}

fn check_paths(input: &Path) {
    let dir = tempfile::tempdir().unwrap();
    let chart = convert(input, dir.path());
    let want = api_paths(input);
    assert!(!want.is_empty(), "{}: no public deployment", input.display());
    let docs = render(&chart, &json!({"ingress": {"enabled": true}, "route": {"enabled": true}}));
    let mut ingress: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for i in of_kind(&docs, "Ingress") {
        for rule in i["spec"]["rules"].as_array().unwrap() {
            for p in rule["http"]["paths"].as_array().unwrap() {
                assert_eq!(p["pathType"], "Prefix");
                let svc = p["backend"]["service"]["name"].as_str().unwrap().to_string();
                assert_eq!(svc, name(i), "an Ingress sends its paths to its deployment's Service");
                assert_eq!(p["backend"]["service"]["port"]["name"], "public");
                ingress.entry(svc).or_default().insert(p["path"].as_str().unwrap().to_string());
            }
        }
    }
    let mut routes: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    // Routes without a path are the template's own (every-construct has one).
    for r in of_kind(&docs, "Route").into_iter().filter(|r| r["spec"]["path"].is_string()) {
        assert_eq!(r["spec"]["port"]["targetPort"], "public");
        routes.entry(r["spec"]["to"]["name"].as_str().unwrap().to_string()).or_default().insert(r["spec"]["path"].as_str().unwrap().to_string());
    }
    assert_eq!(ingress, want, "{}: Ingress paths", input.display());
    // A Route the template already defines under the same name is the template's own.
    let template_routes: BTreeSet<String> = of_kind(&render(&chart, &json!({})), "Route").iter().map(|r| r["spec"]["to"]["name"].as_str().unwrap_or_default().to_string()).collect();
    for (svc, paths) in &want {
        if !template_routes.contains(svc) || paths.len() > 1 {
            assert_eq!(routes.get(svc), Some(paths), "{}: Route paths of {svc}", input.display());
        }
    }
    // The gateway routes the same paths, to the same Services.
    let values: Value = serde_yaml_ng::from_str(&std::fs::read_to_string(chart.join("values.yaml")).unwrap()).unwrap();
    let mut gateway: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for r in values["gateway"]["routes"].as_array().unwrap() {
        gateway.entry(r["service"].as_str().unwrap().to_string()).or_default().insert(r["prefix"].as_str().unwrap().to_string());
    }
    assert_eq!(gateway, want, "{}: gateway routes", input.display());
}

#[test]
fn ingress_and_route_paths_are_the_clowdapps_api_paths() {
    check_paths(&fixture("exposed.yaml"));
    check_paths(&fixture("koku-like.yaml"));
    check_paths(&fixture("every-construct.yaml"));
    if let Some(koku) = upstream::koku_latest("ingress_and_route_paths_are_the_clowdapps_api_paths") {
        check_paths(&koku);
    }
}

#[test]
fn exposure_goes_through_the_gateway_when_it_is_on() {
    let dir = tempfile::tempdir().unwrap();
    let chart = convert(&fixture("exposed.yaml"), dir.path());
    let docs = render(&chart, &everything());
    for i in of_kind(&docs, "Ingress") {
        assert_eq!(i["spec"]["ingressClassName"], "nginx");
        assert_eq!(i["spec"]["tls"], json!([{"hosts": ["orders.example.test"], "secretName": "orders-tls"}]));
        assert_eq!(i["metadata"]["annotations"]["cert-manager.io/cluster-issuer"], "letsencrypt");
        let backend = &i["spec"]["rules"][0]["http"]["paths"][0]["backend"]["service"];
        assert_eq!(backend["name"], "orders-gateway");
        assert_eq!(backend["port"]["name"], "gateway");
    }
    for r in of_kind(&docs, "Route") {
        assert_eq!(r["spec"]["host"], "orders.apps.example.test");
        assert_eq!(r["spec"]["to"]["name"], "orders-gateway");
        assert_eq!(r["spec"]["tls"], json!({"termination": "edge", "insecureEdgeTerminationPolicy": "Redirect"}));
    }
    // TLS from OpenShift's service CA: the gateway serves the certificate the Service asks for.
    let docs = render(&chart, &merge(everything(), json!({"gateway": {"tls": {"serviceCA": true}}, "route": {"tls": {"termination": "reencrypt"}}})));
    let svc = of_kind(&docs, "Service").into_iter().find(|s| name(s) == "orders-gateway").unwrap().clone();
    assert_eq!(svc["metadata"]["annotations"]["service.beta.openshift.io/serving-cert-secret-name"], "orders-gateway-tls");
    let gw = of_kind(&docs, "Deployment").into_iter().find(|d| name(d) == "orders-gateway").unwrap().clone();
    assert!(gw["spec"]["template"]["spec"]["volumes"].as_array().unwrap().iter().any(|v| v["secret"]["secretName"] == "orders-gateway-tls"));
    assert_eq!(gw["spec"]["template"]["spec"]["containers"][0]["readinessProbe"]["httpGet"]["scheme"], "HTTPS");
    assert_eq!(of_kind(&docs, "Route")[0]["spec"]["tls"]["termination"], "reencrypt");
}

#[test]
fn every_feature_on_lints_and_validates() {
    let mut inputs = vec![fixture("exposed.yaml"), fixture("koku-like.yaml")];
    inputs.extend(upstream::koku_latest("every_feature_on_lints_and_validates"));
    for input in inputs {
        let dir = tempfile::tempdir().unwrap();
        let chart = convert(&input, dir.path());
        lint_and_validate(&chart, &json!({}));
        lint_and_validate(&chart, &everything());
        for (what, extra) in [
            ("gateway development mode", json!({"gateway": {"development": {"enabled": true}, "jwt": {"issuer": ""}}})),
            ("gateway TLS and local keys", json!({"gateway": {"tls": {"secretName": "gw-tls"}, "jwt": {"jwks": "{\"keys\": []}", "ca": {"configMap": "sso-ca"}}}})),
            ("Routes with the router's TLS off", json!({"route": {"tls": {"termination": ""}}})),
        ] {
            let values = merge(everything(), extra);
            let text = render_text(&chart, &values, &[]).unwrap_or_else(|e| panic!("{} with {what}: {e}", input.display()));
            tools::validate_manifests(&text).unwrap_or_else(|e| panic!("{} with {what}: {e}", input.display()));
        }
    }
}

#[test]
fn nothing_operational_renders_at_defaults() {
    for input in [fixture("exposed.yaml"), fixture("koku-like.yaml")] {
        let dir = tempfile::tempdir().unwrap();
        let chart = convert(&input, dir.path());
        let docs = render(&chart, &json!({}));
        for kind in ["Ingress", "Route", "PodDisruptionBudget", "NetworkPolicy"] {
            assert!(of_kind(&docs, kind).is_empty(), "{}: a {kind} at defaults", input.display());
        }
        assert!(!docs.iter().any(|d| name(d).ends_with("-gateway")), "no gateway at defaults");
        for (id, pod) in pods(&docs) {
            for field in ["nodeSelector", "priorityClassName", "topologySpreadConstraints", "securityContext", "imagePullSecrets"] {
                // Bundled services may set their own (the database's pod securityContext).
                if id.starts_with("Deployment/orders-") || id.starts_with("Deployment/koku-") && !id.contains("redis") {
                    assert!(pod["spec"].get(field).is_none(), "{id}: {field} at defaults");
                }
            }
        }
    }
}

#[test]
fn each_global_value_reaches_every_pod_and_the_component_value_wins() {
    let dir = tempfile::tempdir().unwrap();
    let chart = convert(&fixture("exposed.yaml"), dir.path());
    let all = everything();
    let g = &all["global"];
    let docs = render(&chart, &all);
    let all_pods = pods(&docs);
    let ids: BTreeSet<&str> = all_pods.iter().map(|(id, _)| id.as_str()).collect();
    for must in ["Deployment/orders-api", "CronJob/orders-cleanup", "Job/orders-migrate", "StatefulSet/orders-db", "Deployment/orders-gateway"] {
        assert!(ids.contains(must), "{must} missing from {ids:?}");
    }
    for (id, pod) in &all_pods {
        let spec = &pod["spec"];
        for (key, field) in [("nodeSelector", "nodeSelector"), ("tolerations", "tolerations"), ("affinity", "affinity"), ("topologySpreadConstraints", "topologySpreadConstraints"), ("priorityClassName", "priorityClassName"), ("podSecurityContext", "securityContext")] {
            assert_eq!(spec[field], g[key], "{id}: {field}");
        }
        assert!(spec["imagePullSecrets"].as_array().unwrap().contains(&json!({"name": "orders-pull"})), "{id}: pull secret");
        assert_eq!(pod["metadata"]["labels"]["tier"], "backend", "{id}: pod label");
        assert_eq!(pod["metadata"]["annotations"]["team"], "orders", "{id}: pod annotation");
        for c in containers(pod) {
            // The gateway's own `gateway.securityContext` is the more specific value, and wins.
            let want = if id.ends_with("-gateway") { json!({"allowPrivilegeEscalation": false, "capabilities": {"drop": ["ALL"]}, "readOnlyRootFilesystem": true, "runAsNonRoot": true, "runAsUser": 101, "seccompProfile": {"type": "RuntimeDefault"}}) } else { g["containerSecurityContext"].clone() };
            assert_eq!(c["securityContext"], want, "{id} {}: container securityContext", c["name"]);
            assert!(c["image"].as_str().unwrap().starts_with("mirror.example.test:5000/"), "{id}: image {}", c["image"]);
        }
        // Extra env, volumes and mounts are the app's, not the bundled services'.
        let app = !id.ends_with("orders-db") && !id.ends_with("orders-gateway");
        let has_env = containers(pod).iter().all(|c| c["env"].as_array().is_some_and(|e| e.contains(&g["extraEnv"][0])));
        assert_eq!(has_env, app, "{id}: extraEnv");
        let has_volume = spec["volumes"].as_array().is_some_and(|v| v.contains(&g["extraVolumes"][0]));
        assert_eq!(has_volume, app, "{id}: extraVolumes");
    }
    // Selectors never take user labels, and Clowder's pod labels stay.
    let api = docs.iter().find(|d| d["kind"] == "Deployment" && name(d) == "orders-api").unwrap();
    assert!(api["spec"]["selector"]["matchLabels"].get("tier").is_none());

    // A component's own values win over the global ones; other components keep the global ones.
    let own = json!({"components": {"api": {
        "nodeSelector": {"disktype": "nvme"}, "tolerations": [{"key": "api-only", "operator": "Exists"}], "affinity": {"podAffinity": {}},
        "topologySpreadConstraints": [{"maxSkew": 2, "topologyKey": "zone", "whenUnsatisfiable": "DoNotSchedule", "labelSelector": {"matchLabels": {"pod": "orders-api"}}}],
        "priorityClassName": "api-critical", "podSecurityContext": {"runAsUser": 1001}, "containerSecurityContext": {"readOnlyRootFilesystem": true},
        "imageRegistry": "api-mirror.example.test", "imagePullSecrets": [{"name": "api-pull"}],
        "podLabels": {"tier": "frontend", "pod": "ignored"}, "podAnnotations": {"team": "api"},
        "extraEnv": [{"name": "HTTPS_PROXY", "value": "http://api-proxy:3128"}],
    }}});
    let docs = render(&chart, &merge(all.clone(), own.clone()));
    let c = &own["components"]["api"];
    for (id, pod) in pods(&docs).into_iter().filter(|(id, _)| !id.ends_with("-gateway")) {
        let spec = &pod["spec"];
        let is_api = id == "Deployment/orders-api";
        for (key, field) in [("nodeSelector", "nodeSelector"), ("tolerations", "tolerations"), ("affinity", "affinity"), ("topologySpreadConstraints", "topologySpreadConstraints"), ("priorityClassName", "priorityClassName"), ("podSecurityContext", "securityContext")] {
            assert_eq!(&spec[field], if is_api { &c[key] } else { &g[key] }, "{id}: {field}");
        }
        for ctr in containers(pod) {
            assert_eq!(&ctr["securityContext"], if is_api { &c["containerSecurityContext"] } else { &g["containerSecurityContext"] }, "{id}: container securityContext");
            assert!(ctr["image"].as_str().unwrap().starts_with(if is_api { "api-mirror.example.test/" } else { "mirror.example.test:5000/" }), "{id}: {}", ctr["image"]);
        }
        assert_eq!(pod["metadata"]["labels"]["tier"], if is_api { "frontend" } else { "backend" }, "{id}");
        assert_eq!(pod["metadata"]["annotations"]["team"], if is_api { "api" } else { "orders" }, "{id}");
        if is_api {
            assert_eq!(pod["metadata"]["labels"]["pod"], "orders-api", "Clowder's `pod` label is never replaced");
            assert_eq!(spec["imagePullSecrets"], json!([{"name": "orders-pull"}, {"name": "api-pull"}]), "pull secrets: global then the component's");
            let env = ctr_env(pod);
            let proxies: Vec<&Value> = env.iter().filter(|e| e["name"] == "HTTPS_PROXY").collect();
            assert_eq!(proxies.last().unwrap()["value"], "http://api-proxy:3128", "the component's env comes last, so it wins");
        }
    }
}

fn ctr_env(pod: &Value) -> Vec<Value> {
    pod["spec"]["containers"][0]["env"].as_array().cloned().unwrap_or_default()
}

#[test]
fn clowders_tolerations_and_anti_affinity_stay_until_a_value_replaces_them() {
    let dir = tempfile::tempdir().unwrap();
    let chart = convert(&fixture("exposed.yaml"), dir.path());
    let api = |docs: &[Value]| docs.iter().find(|d| d["kind"] == "Deployment" && name(d) == "orders-api").unwrap()["spec"]["template"]["spec"].clone();
    let clowder = api(&render(&chart, &json!({})));
    assert_eq!(clowder["tolerations"], json!([{"key": "memory-optimized", "operator": "Equal", "value": "true", "effect": "NoSchedule"}]));
    assert!(clowder["affinity"]["podAntiAffinity"].is_object());
    // Another component's value leaves this one alone.
    let other = api(&render(&chart, &json!({"components": {"worker": {"tolerations": [{"key": "w", "operator": "Exists"}], "affinity": {"podAffinity": {}}}}})));
    assert_eq!(other["tolerations"], clowder["tolerations"]);
    assert_eq!(other["affinity"], clowder["affinity"]);
    let replaced = api(&render(&chart, &json!({"global": {"tolerations": [{"key": "w", "operator": "Exists"}]}})));
    assert_eq!(replaced["tolerations"], json!([{"key": "w", "operator": "Exists"}]));
    assert_eq!(replaced["affinity"], clowder["affinity"], "only the value that is set replaces Clowder's");
}

#[test]
fn disruption_budgets_cover_deployments_above_one_replica() {
    let dir = tempfile::tempdir().unwrap();
    let chart = convert(&fixture("exposed.yaml"), dir.path());
    let budgets = |values: Value, extra: &[&str]| -> BTreeMap<String, Value> {
        let text = render_text(&chart, &values, extra).unwrap();
        let docs: Vec<Value> = yaml::load_documents("r", &text).unwrap().iter().filter(|d| !d.is_null()).map(|d| d.to_json()).collect();
        of_kind(&docs, "PodDisruptionBudget").into_iter().map(|p| (name(p), p["spec"].clone())).collect()
    };
    let on = json!({"global": {"podDisruptionBudget": {"enabled": true}}});
    let got = budgets(on.clone(), &[]);
    assert_eq!(got.keys().cloned().collect::<Vec<_>>(), ["orders-api", "orders-worker"], "api runs 3, worker 2; legacy and web run 1");
    assert_eq!(got["orders-api"]["maxUnavailable"], 1);
    assert_eq!(got["orders-api"]["selector"]["matchLabels"], json!({"app": "orders", "pod": "orders-api"}));
    // A replica count from a parameter is read at render time.
    assert!(budgets(on.clone(), &["--set", "parameters.LEGACY_REPLICAS=4"]).contains_key("orders-legacy"));
    // Per component: another maxUnavailable, or none at all.
    let got = budgets(merge(on, json!({"components": {"api": {"podDisruptionBudget": {"maxUnavailable": "50%"}}, "worker": {"podDisruptionBudget": {"enabled": false}}}})), &[]);
    assert_eq!(got["orders-api"]["maxUnavailable"], "50%");
    assert!(!got.contains_key("orders-worker"));
    assert!(budgets(json!({}), &[]).is_empty());
}

#[test]
fn network_policies_let_in_what_the_clowdapp_declares() {
    let dir = tempfile::tempdir().unwrap();
    let chart = convert(&fixture("exposed.yaml"), dir.path());
    let policies = |values: Value| -> BTreeMap<String, Value> { of_kind(&render(&chart, &values), "NetworkPolicy").into_iter().map(|p| (name(p), p["spec"].clone())).collect() };
    let got = policies(json!({"global": {"networkPolicy": {"enabled": true}}}));
    assert_eq!(got.keys().cloned().collect::<Vec<_>>(), ["orders-api", "orders-legacy", "orders-web", "orders-worker"]);
    let api = &got["orders-api"];
    assert_eq!(api["podSelector"]["matchLabels"], json!({"pod": "orders-api"}));
    assert_eq!(api["ingress"], json!([{"ports": [{"protocol": "TCP", "port": "web"}]}, {"ports": [{"protocol": "TCP", "port": "metrics"}], "from": [{"namespaceSelector": {}}]}]));
    assert_eq!(got["orders-worker"]["ingress"][0], json!({"ports": [{"protocol": "TCP", "port": "private"}], "from": [{"podSelector": {}}]}), "the private port from the namespace");
    // With the gateway on, only the gateway reaches the public port: it cannot be bypassed.
    let got = policies(merge(everything(), json!({"global": {"networkPolicy": {"publicFrom": [{"namespaceSelector": {"matchLabels": {"name": "ingress"}}}]}}})));
    let from = &got["orders-api"]["ingress"][0]["from"];
    assert_eq!(from[0]["podSelector"]["matchLabels"]["app.kubernetes.io/name"], "orders-gateway");
    assert_eq!(from[1], json!({"namespaceSelector": {"matchLabels": {"name": "ingress"}}}));
    assert_eq!(got["orders-api"]["ingress"].as_array().unwrap().len(), 2, "no open rule for the public port");
}

#[test]
fn the_values_are_documented_and_typed() {
    let dir = tempfile::tempdir().unwrap();
    let chart = convert(&fixture("exposed.yaml"), dir.path());
    let text = std::fs::read_to_string(chart.join("values.yaml")).unwrap();
    // Every key of these blocks has a helm-docs comment on the line above.
    let lines: Vec<&str> = text.lines().collect();
    let mut block = "";
    for (i, line) in lines.iter().enumerate() {
        if !line.starts_with(' ') && !line.starts_with('#') && line.contains(':') {
            block = line.split(':').next().unwrap();
        }
        let in_scope = ["global", "gateway", "ingress", "route"].contains(&block);
        let key = line.trim_start();
        if in_scope && line.starts_with(' ') && !key.starts_with('#') && !key.starts_with('-') && key.contains(':') {
            let depth = line.len() - key.len();
            let above = (0..i).rev().map(|j| lines[j]).find(|l| l.len() - l.trim_start().len() <= depth && !l.trim().is_empty()).unwrap_or_default();
            let documented = above.trim_start().starts_with('#') || lines[i - 1].trim_start().starts_with('#');
            assert!(documented, "values.yaml line {}: `{}` has no `# --` comment", i + 1, key);
        }
    }
    assert!(text.contains("\ncomponents:\n"));
    for bad in [
        json!({"global": {"nodeSelectr": {}}}),
        json!({"global": {"tolerations": {"key": "x"}}}),
        json!({"global": {"nodeSelector": {"disktype": 1}}}),
        json!({"global": {"podSecurityContext": {"runAsUsr": 1000}}}),
        json!({"components": {"api": {"priorityClassName": 5}}}),
        json!({"components": {"api": {"imagePullSecrets": [{"nam": "x"}]}}}),
        json!({"gateway": {"routes": [{"prefix": "/api/x/"}]}}),
        json!({"route": {"tls": {"termination": "passthru"}}}),
        json!({"ingress": {"hots": "x"}}),
    ] {
        assert!(render_text(&chart, &bad, &[]).is_err(), "the schema accepted {bad}");
    }
}

// --- verify -------------------------------------------------------------------------------

fn verify(input: &Path, chart: &Path, values: Option<&Value>) -> (bool, String) {
    let args: Vec<PathBuf> = values.map(|v| vec![PathBuf::from("-f"), values_file(chart.parent().unwrap(), v)]).unwrap_or_default();
    let out = tools::verify(input, chart, &args);
    (out.status.success(), format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr)))
}

#[test]
fn verify_passes_at_defaults_and_with_every_feature_on() {
    let mut inputs = vec![(fixture("exposed.yaml"), everything()), (fixture("koku-like.yaml"), merge(everything(), json!({"global": {"imagePullSecrets": [{"name": "koku-secret"}]}})))];
    if let Some(koku) = upstream::koku_latest("verify_passes_at_defaults_and_with_every_feature_on") {
        inputs.push((koku, merge(everything(), json!({"global": {"imagePullSecrets": [{"name": "koku-secret"}]}}))));
    }
    for (input, all) in inputs {
        let dir = tempfile::tempdir().unwrap();
        let chart = convert(&input, dir.path());
        let (ok, out) = verify(&input, &chart, None);
        assert!(ok, "{} at defaults:\n{out}", input.display());
        let (ok, out) = verify(&input, &chart, Some(&all));
        assert!(ok, "{} with every feature on:\n{out}", input.display());
        assert!(out.contains("Ingress/"), "the Ingresses are listed as the chart's own objects:\n{out}");
    }
}

#[test]
fn verify_notices_a_chart_that_ignores_a_components_value() {
    let dir = tempfile::tempdir().unwrap();
    let input = fixture("exposed.yaml");
    let chart = convert(&input, dir.path());
    // Hand-edit: the api Deployment reads only the global node selector.
    let file = chart.join("templates/deployment-api.yaml");
    let text = std::fs::read_to_string(&file).unwrap();
    let edited = text.replace("coalesce $.Values.components.api.nodeSelector $.Values.global.nodeSelector", "$.Values.global.nodeSelector");
    assert_ne!(edited, text);
    std::fs::write(&file, edited).unwrap();
    let (ok, out) = verify(&input, &chart, Some(&json!({"global": {"nodeSelector": {"a": "1"}}, "components": {"api": {"nodeSelector": {"a": "2"}}}})));
    assert!(!ok, "{out}");
    assert!(out.contains("Deployment/orders-api spec.template.spec.nodeSelector"), "{out}");
}

/// The values files of docs/operating.md's worked examples (the YAML blocks that start with
/// `# values-<name>.yaml`).
fn documented_values() -> Vec<(String, String)> {
    let doc = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/operating.md")).unwrap();
    let mut out = Vec::new();
    for block in doc.split("```yaml\n").skip(1) {
        let body = block.split("```").next().unwrap();
        if let Some(name) = body.lines().next().and_then(|l| l.strip_prefix("# ")).and_then(|l| l.split(',').next())
            && name.starts_with("values-")
        {
            out.push((name.to_string(), body.to_string()));
        }
    }
    out
}

#[test]
fn the_documented_koku_examples_install_on_top_of_the_standalone_layer() {
    let examples = documented_values();
    assert_eq!(examples.iter().map(|(n, _)| n.as_str()).collect::<Vec<_>>(), ["values-openshift.yaml", "values-k8s.yaml"]);
    let Some(koku) = upstream::koku_latest("the_documented_koku_examples_install_on_top_of_the_standalone_layer") else { return };
    let dir = tempfile::tempdir().unwrap();
    let chart = convert(&koku, dir.path());
    let standalone = chart.join("values-standalone.yaml");
    for (name, body) in examples {
        let file = dir.path().join(&name);
        std::fs::write(&file, body).unwrap();
        let mut args = vec!["-f".to_string(), file.display().to_string()];
        if standalone.is_file() {
            args.splice(0..0, ["-f".to_string(), standalone.display().to_string()]);
        }
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let lint = Command::new(tools::helm()).args(["lint", "--strict"]).arg(&chart).args(&args).output().unwrap();
        assert!(lint.status.success(), "{name}: helm lint --strict:\n{}{}", String::from_utf8_lossy(&lint.stdout), String::from_utf8_lossy(&lint.stderr));
        let text = render_text(&chart, &json!({}), &args).unwrap_or_else(|e| panic!("{name}: {e}"));
        tools::validate_manifests(&text).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert!(text.contains("name: koku-gateway"), "{name}: the gateway runs");
    }
}
