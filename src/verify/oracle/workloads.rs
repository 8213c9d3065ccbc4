//! `deployments[]` → Deployment, Service, ServiceAccount, RoleBinding and autoscaler
//! (clowder-semantics §2.2, §2.3, §2.8, §2.11, §2.15).

use super::pod::{pod_spec, Flavor, PodInput};
use super::{closed, get, items, pairs, text, truthy, App, Expected, Setting};
use crate::verify::exp::{Exp, Extras, Keyed};
use serde_json::Value;

pub fn deployment(app: &App, dep: &Value, raw: &Value, s: &Setting) -> Vec<Expected> {
    let full = format!("{}-{}", app.name, text(dep.get("name")));
    let spec = dep.get("podSpec").unwrap_or(&Value::Null);
    let public = truthy(get(dep, "webServices.public.enabled"));
    let exposed = public || truthy(get(dep, "web"));
    let private = truthy(get(dep, "webServices.private.enabled"));
    let labels = app.pod_labels(&full);

    let simple = get(dep, "autoScalerSimple").filter(|_| s.autoscaler_enabled);
    let keda = get(dep, "autoScaler").filter(|_| s.autoscaler_enabled && simple.is_none());
    let replicas = if simple.is_some() {
        Exp::Absent
    } else if let Some(k) = keda {
        if s.keda_enabled { Exp::Absent } else { Exp::exact(get(k, "minReplicaCount").unwrap_or(&Value::from(1))) }
    } else {
        Exp::exact(get(dep, "replicas").or_else(|| get(dep, "minReplicas")).unwrap_or(&Value::from(1)))
    };

    let mut annotations = app.annotations.clone();
    annotations.extend(pairs(get(dep, "metadata.annotations")));
    let raw_spec = raw.get("podSpec").unwrap_or(&Value::Null);
    let pod = PodInput { app: &app.name, config: &app.config, raw_spec, name: &full, spec, flavor: Flavor::Deployment { exposed, private }, labels: &labels, service_account: full.clone(), s };
    let body = Exp::open(vec![
        ("metadata", Exp::open(vec![("name", Exp::Text(full.clone())), ("labels", Exp::open_texts(&labels)), ("annotations", Exp::open_texts(&annotations))])),
        (
            "spec",
            Exp::closed(vec![
                ("replicas", replicas),
                ("progressDeadlineSeconds", Exp::int(600)),
                ("selector", Exp::closed(vec![("matchLabels", Exp::closed_texts(&labels))])),
                ("strategy", strategy(dep, spec, public)),
                (
                    "template",
                    Exp::closed(vec![
                        ("metadata", Exp::open(vec![("labels", Exp::open_texts(&labels)), ("annotations", Exp::open_texts(&pairs(get(spec, "metadata.annotations"))))])),
                        ("spec", pod_spec(&pod)),
                    ]),
                ),
                ("revisionHistoryLimit", Exp::or_absent(Exp::int(10))),
                ("minReadySeconds", Exp::or_absent(Exp::int(0))),
            ]),
        ),
    ]);

    let mut out = vec![Expected { kind: "Deployment".into(), name: full.clone(), body }];
    let app_private = app.config.private_port.filter(|_| app.config.applies(&text(get(raw_spec, "image"))));
    out.push(service(dep, &full, &labels, exposed, private, app_private, s));
    out.push(service_account(&full));
    if let Some(level) = get(dep, "k8sAccessLevel").map(super::super::exp::as_text).filter(|l| l == "view" || l == "edit") {
        out.push(role_binding(&full, &level));
    }
    if let Some(simple) = simple {
        out.push(hpa(&full, simple));
    } else if let (Some(k), true) = (keda, s.keda_enabled) {
        out.push(scaled_object(&full, &labels, k, s));
    }
    out
}

/// RollingUpdate 25%/25% when public; otherwise `privateStrategy` or plain RollingUpdate; any
/// PersistentVolumeClaim forces Recreate.
fn strategy(dep: &Value, spec: &Value, public: bool) -> Exp {
    let pvc = items(get(spec, "volumes")).iter().any(|v| get(v, "persistentVolumeClaim").is_some());
    let kind = |t: &str| Exp::closed(vec![("type", Exp::str(t))]);
    if pvc {
        kind("Recreate")
    } else if public {
        Exp::closed(vec![("type", Exp::str("RollingUpdate")), ("rollingUpdate", Exp::closed(vec![("maxSurge", Exp::str("25%")), ("maxUnavailable", Exp::str("25%"))]))])
    } else {
        match get(dep, "deploymentStrategy.privateStrategy").map(super::super::exp::as_text) {
            Some(t) => kind(&t),
            None => kind("RollingUpdate"),
        }
    }
}

/// One Service per deployment: public, private and metrics ports; selector `pod` only. The
/// private targetPort follows the app when its profile says it listens elsewhere.
fn service(dep: &Value, full: &str, labels: &[(String, String)], exposed: bool, private: bool, app_private: Option<i64>, s: &Setting) -> Expected {
    let port = |name: &str, number: &Value| {
        let target = if name == "private" { app_private.map(Value::from).unwrap_or_else(|| number.clone()) } else { number.clone() };
        (
            name.to_string(),
            Exp::closed(vec![
                ("name", Exp::str(name)),
                ("port", Exp::Is(number.clone())),
                ("targetPort", Exp::Is(target)),
                ("protocol", Exp::or_absent(Exp::str("TCP"))),
                ("appProtocol", Exp::str("http")),
            ]),
        )
    };
    let mut ports = Vec::new();
    if exposed {
        ports.push(port("public", &s.web_port));
    }
    if private {
        ports.push(port("private", &s.private_port));
    }
    ports.push(port("metrics", &s.metrics_port));
    let affinity = if truthy(get(dep, "webServices.public.sessionAffinity")) { Exp::str("ClientIP") } else { Exp::or_absent(Exp::str("None")) };
    let body = Exp::open(vec![
        ("metadata", Exp::open(vec![("name", Exp::Text(full.to_string())), ("labels", Exp::open_texts(labels))])),
        (
            "spec",
            Exp::open(vec![
                ("type", Exp::or_absent(Exp::str("ClusterIP"))),
                ("selector", Exp::closed_texts(&[("pod".to_string(), full.to_string())])),
                ("ports", Exp::Keyed(Keyed { key: "name", items: ports, extras: Extras::None })),
                ("sessionAffinity", affinity),
            ]),
        ),
    ]);
    Expected { kind: "Service".into(), name: full.to_string(), body }
}

pub fn service_account(name: &str) -> Expected {
    Expected { kind: "ServiceAccount".into(), name: name.to_string(), body: Exp::open(vec![("metadata", Exp::open(vec![("name", Exp::Text(name.to_string()))]))]) }
}

fn role_binding(full: &str, level: &str) -> Expected {
    let body = Exp::open(vec![
        ("metadata", Exp::open(vec![("name", Exp::Text(full.to_string()))])),
        ("roleRef", Exp::closed(vec![("apiGroup", Exp::str("rbac.authorization.k8s.io")), ("kind", Exp::str("ClusterRole")), ("name", Exp::str(level))])),
        (
            "subjects",
            Exp::Keyed(Keyed {
                key: "name",
                items: vec![(full.to_string(), Exp::open(vec![("kind", Exp::str("ServiceAccount")), ("name", Exp::Text(full.to_string()))]))],
                extras: Extras::None,
            }),
        ),
    ]);
    Expected { kind: "RoleBinding".into(), name: full.to_string(), body }
}

/// KEDA ScaledObject: Clowder's min/max defaults, passthrough fields, triggers with the
/// environment-provided connection fields left to the chart's values.
fn scaled_object(full: &str, labels: &[(String, String)], k: &Value, s: &Setting) -> Expected {
    let triggers = items(get(k, "triggers")).iter().map(|t| trigger(t, s)).collect();
    let body = Exp::open(vec![
        ("apiVersion", Exp::str("keda.sh/v1alpha1")),
        ("metadata", Exp::open(vec![("name", Exp::Text(full.to_string())), ("labels", Exp::open_texts(labels))])),
        (
            "spec",
            Exp::closed(vec![
                ("scaleTargetRef", Exp::open(vec![("name", Exp::Text(full.to_string()))])),
                ("minReplicaCount", Exp::exact(get(k, "minReplicaCount").unwrap_or(&Value::from(1)))),
                ("maxReplicaCount", Exp::exact(get(k, "maxReplicaCount").unwrap_or(&Value::from(10)))),
                ("pollingInterval", Exp::given(get(k, "pollingInterval"))),
                ("cooldownPeriod", Exp::given(get(k, "cooldownPeriod"))),
                ("advanced", Exp::given(get(k, "advanced"))),
                ("fallback", Exp::given(get(k, "fallback"))),
                ("triggers", Exp::List(triggers)),
            ]),
        ),
    ]);
    Expected { kind: "ScaledObject".into(), name: full.to_string(), body }
}

/// Clowder overwrites `serverAddress` of prometheus triggers and the broker fields of kafka
/// triggers from its environment; the chart takes them from values.
fn trigger(t: &Value, s: &Setting) -> Exp {
    let kind = text(t.get("type"));
    let Exp::Map { mut fields, .. } = Exp::exact(t) else { return Exp::exact(t) };
    let mut md: Vec<(String, Exp)> = match t.get("metadata") {
        Some(m @ Value::Object(_)) => match Exp::exact(m) {
            Exp::Map { fields, .. } => fields,
            _ => Vec::new(),
        },
        _ => Vec::new(),
    };
    let mut replace = |key: &str, e: Exp| {
        md.retain(|(k, _)| k != key);
        md.push((key.to_string(), e));
    };
    match kind.as_str() {
        "prometheus" => replace("serverAddress", s.prometheus_address.clone().map(Exp::Text).unwrap_or(Exp::Any)),
        "kafka" => {
            for key in ["bootstrapServers", "sasl", "tls"] {
                replace(key, Exp::Any);
            }
        }
        _ => {}
    }
    fields.retain(|(k, _)| k != "metadata");
    fields.push(("metadata".into(), closed(md)));
    closed(fields)
}

/// autoScalerSimple → autoscaling/v2 HPA `<app>-<dep>-hpa`; metrics RAM then CPU, utilization
/// before average value, each only when set.
fn hpa(full: &str, a: &Value) -> Expected {
    let mut metrics = Vec::new();
    for (key, resource) in [("ram", "memory"), ("cpu", "cpu")] {
        for (field, kind, target_key) in [("scaleAtUtilization", "Utilization", "averageUtilization"), ("scaleAtValue", "AverageValue", "averageValue")] {
            if let Some(v) = get(a, &format!("{key}.{field}")) {
                let target = if target_key == "averageValue" { Exp::text_of(v) } else { Exp::exact(v) };
                metrics.push(Exp::closed(vec![
                    ("type", Exp::str("Resource")),
                    ("resource", Exp::closed(vec![("name", Exp::str(resource)), ("target", Exp::closed(vec![("type", Exp::str(kind)), (target_key, target)]))])),
                ]));
            }
        }
    }
    let name = format!("{full}-hpa");
    let body = Exp::open(vec![
        ("apiVersion", Exp::str("autoscaling/v2")),
        ("metadata", Exp::open(vec![("name", Exp::Text(name.clone()))])),
        (
            "spec",
            Exp::closed(vec![
                ("scaleTargetRef", Exp::closed(vec![("apiVersion", Exp::str("apps/v1")), ("kind", Exp::str("Deployment")), ("name", Exp::Text(full.to_string()))])),
                ("minReplicas", Exp::exact(get(a, "replicas.min").unwrap_or(&Value::Null))),
                ("maxReplicas", Exp::exact(get(a, "replicas.max").unwrap_or(&Value::Null))),
                ("metrics", Exp::List(metrics)),
            ]),
        ),
    ]);
    Expected { kind: "HorizontalPodAutoscaler".into(), name, body }
}
