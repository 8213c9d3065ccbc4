//! Building blocks shared by the provider modules: connection settings, references to values and
//! Secrets, and the small Kubernetes objects bundled services consist of.

use crate::model::k8s::label_map;
use crate::model::value::{GenRecipe, Generated, MapBuilder};
use crate::model::workload::EnvValue;
use crate::model::{Cond, ExtraObject, Part, Text, Val};
pub use crate::mapping::connections::{Setting, Settings};

pub fn plain(v: Val) -> Setting {
    Setting { value: EnvValue::Value(v), when: None }
}

pub fn text(t: Text) -> Setting {
    plain(Val::Str(t))
}

pub fn secret_ref(name: Val, key: Val) -> Val {
    Val::map().with("secretKeyRef", Val::map().with("name", name).with("key", key).build()).build()
}

pub fn vref(path: &str) -> Val {
    Val::Str(Text::value(path))
}

pub fn if_bundled(prefix: &str, bundled: Val, external: Val) -> Val {
    Val::If(Cond::value(&format!("{prefix}.bundled.enabled")), Box::new(bundled), Box::new(external))
}

pub fn req(path: &str) -> Val {
    Val::Str(Text(vec![Part::RequiredValue(path.to_string())]))
}

pub fn port_str(path: &str) -> Val {
    // Env values are strings; print the number.
    Val::Str(Text::value(path))
}

/// Objects rendered only when the bundled service is on.
pub fn bundled(model_extra: &mut Vec<ExtraObject>, file: &str, body: Val, switch: &str) {
    model_extra.push(ExtraObject { file: file.to_string(), body, when: Some(Cond::value(switch)) });
}

pub fn object(api: &str, kind: &str, name: &str, labels: &[(String, Val)]) -> MapBuilder {
    Val::map()
        .with("apiVersion", Val::str(api))
        .with("kind", Val::str(kind))
        .with("metadata", Val::map().with("name", Val::str(name)).with("labels", label_map(labels)).build())
}

/// The Service in front of a bundled component: one TCP port, same number on both sides.
pub fn service(name: &str, labels: &[(String, Val)], selector: &[(String, Val)], port_name: &str, port: i64) -> Val {
    let port = Val::map().with("name", Val::str(port_name)).with("port", Val::Int(port)).with("targetPort", Val::Int(port)).with("protocol", Val::str("TCP")).build();
    object("v1", "Service", name, labels).with("spec", Val::map().with("selector", label_map(selector)).with("ports", Val::seq([port])).build()).build()
}

pub fn generated(secret: &str, key: &str, n: usize) -> Val {
    Val::Generated(Generated { param: None, secret: Text::lit(secret), key: key.into(), base64: false, recipe: GenRecipe::AlphaNum(n) })
}
