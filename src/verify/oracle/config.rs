//! Config mode `cdappconfig`: the Secret `<app>` holding the cdappconfig.json Clowder would have
//! written (clowder-semantics §2.4, §3). The parts computable from the template are compared:
//! ports, metadata, the app's own endpoints and requested topic names; connection settings of
//! providers and dependencies are the chart's configuration and are not.

use super::{closed, get, items, text, truthy, App, Expected, Setting};
use crate::verify::exp::{Exp, Extras, Keyed};
use crate::verify::helm::NAMESPACE;
use serde_json::Value;

/// The key of the config Secret that holds the JSON.
pub const KEY: &str = "cdappconfig.json";

pub fn secret(app: &App, s: &Setting) -> Expected {
    let mut json = vec![
        ("metricsPort".to_string(), Exp::Is(s.metrics_port.clone())),
        ("metricsPath".to_string(), Exp::Text(s.metrics_path.clone())),
        ("publicPort".to_string(), Exp::Is(s.web_port.clone())),
        ("webPort".to_string(), Exp::Is(s.web_port.clone())),
        ("privatePort".to_string(), Exp::Is(s.private_port.clone())),
        ("metadata".to_string(), metadata(app)),
        ("endpoints".to_string(), endpoints(app, s, false)),
        ("privateEndpoints".to_string(), endpoints(app, s, true)),
    ];
    let topics = items(get(app.spec, "kafkaTopics"));
    if !topics.is_empty() {
        let list = topics
            .iter()
            .map(|t| {
                let requested = text(t.get("topicName"));
                (requested.clone(), Exp::closed(vec![("requestedName", Exp::Text(requested)), ("name", Exp::Any)]))
            })
            .collect();
        json.push(("kafka".into(), Exp::open(vec![("topics", Exp::Keyed(Keyed { key: "requestedName", items: list, extras: Extras::None }))])));
    }
    let body = Exp::open(vec![
        ("metadata", Exp::open(vec![("name", Exp::Text(app.name.clone())), ("labels", Exp::open_texts(&app.labels))])),
        ("type", Exp::or_absent(Exp::str("Opaque"))),
        ("stringData", Exp::open(vec![(KEY, Exp::Map { fields: json, closed: false })])),
    ]);
    Expected { kind: "Secret".into(), name: app.name.clone(), body }
}

fn metadata(app: &App) -> Exp {
    let deployments: Vec<Exp> = items(get(app.spec, "deployments"))
        .iter()
        .map(|d| Exp::closed(vec![("name", Exp::text_of(d.get("name").unwrap_or(&Value::Null))), ("image", Exp::text_of(get(d, "podSpec.image").unwrap_or(&Value::Null)))]))
        .collect();
    let deployments = if deployments.is_empty() { Exp::Absent } else { Exp::List(deployments) };
    Exp::closed(vec![("name", Exp::Text(app.name.clone())), ("envName", Exp::text_of(get(app.spec, "envName").unwrap_or(&Value::Null))), ("deployments", deployments)])
}

/// The app's own endpoints come first; dependencies' entries may follow.
fn endpoints(app: &App, s: &Setting, private: bool) -> Exp {
    let mut list = Vec::new();
    for d in items(get(app.spec, "deployments")) {
        let dep = text(d.get("name"));
        let on = if private { truthy(get(d, "webServices.private.enabled")) } else { truthy(get(d, "webServices.public.enabled")) || truthy(get(d, "web")) };
        if !on {
            continue;
        }
        let mut fields = vec![
            ("app".to_string(), Exp::Text(app.name.clone())),
            ("name".to_string(), Exp::Text(dep.clone())),
            ("hostname".to_string(), Exp::Text(format!("{}-{dep}.{NAMESPACE}.svc", app.name))),
            ("port".to_string(), Exp::Is(if private { s.private_port.clone() } else { s.web_port.clone() })),
            ("tlsPort".to_string(), Exp::int(0)),
            ("h2cPort".to_string(), Exp::int(0)),
            ("h2cTLSPort".to_string(), Exp::int(0)),
            ("tlsCAPath".to_string(), Exp::Absent),
        ];
        if !private {
            let paths = api_paths(app, d, &dep);
            fields.push(("apiPath".into(), Exp::Text(paths[0].clone())));
            fields.push(("apiPaths".into(), Exp::List(paths.into_iter().map(Exp::Text).collect())));
        }
        list.push((dep, closed(fields)));
    }
    Exp::Keyed(Keyed { key: "name", items: list, extras: Extras::After })
}

/// `apiPaths`, else `/api/<apiPath>/`, else `/api/<app>-<dep>/`.
fn api_paths(app: &App, d: &Value, dep: &str) -> Vec<String> {
    let given: Vec<String> = items(get(d, "webServices.public.apiPaths")).iter().map(|p| text(Some(p))).collect();
    if !given.is_empty() {
        return given;
    }
    match get(d, "webServices.public.apiPath").map(|p| text(Some(p))).filter(|p| !p.is_empty()) {
        Some(p) => vec![format!("/api/{p}/")],
        None => vec![format!("/api/{}-{dep}/", app.name)],
    }
}
