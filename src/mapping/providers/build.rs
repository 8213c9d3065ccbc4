//! Building blocks shared by the provider modules: connection settings, references to values and
//! Secrets, and the small Kubernetes objects bundled services consist of.

use crate::model::k8s::label_map;
use crate::model::value::{GenRecipe, Generated, MapBuilder};
use crate::model::workload::EnvValue;
use crate::model::{Cond, ExtraObject, Part, Text, Val};
pub use crate::mapping::connections::{Setting, Settings};

pub fn plain(v: Val) -> Setting {
    Setting::new(EnvValue::Value(v), None)
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

/// `bundled` while the provider's `<block>.bundled.enabled` (a full path) holds, else `external`.
pub fn if_bundled(switch: &str, bundled: Val, external: Val) -> Val {
    Val::If(Cond::value(switch), Box::new(bundled), Box::new(external))
}

/// `base` with `extra` set on top, as Clowder sets a label on the app's label map (a key the
/// app already has takes the new value).
pub fn labels_with(base: &[(String, Val)], extra: &[(&str, Val)]) -> Vec<(String, Val)> {
    let mut out = base.to_vec();
    for (k, v) in extra {
        match out.iter_mut().find(|(n, _)| n == k) {
            Some(e) => e.1 = v.clone(),
            None => out.push((k.to_string(), v.clone())),
        }
    }
    out
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
    model_extra.push(ExtraObject { file: file.to_string(), body, when: Some(Cond::value(switch)), infra: true });
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

/// An object whose metadata also carries annotations.
pub fn annotated(api: &str, kind: &str, name: &str, labels: &[(String, Val)], annotations: Vec<(&str, Val)>) -> MapBuilder {
    let mut a = Val::map();
    for (k, v) in annotations {
        a = a.with(k, v);
    }
    Val::map()
        .with("apiVersion", Val::str(api))
        .with("kind", Val::str(kind))
        .with("metadata", Val::map().with("name", Val::str(name)).with("labels", label_map(labels)).with("annotations", a.build()).build())
}

/// Requests and limits for the chart's small helper containers (waits, set-up jobs).
pub fn small_resources() -> Val {
    Val::map()
        .with("limits", Val::map().with("cpu", Val::str("200m")).with("memory", Val::str("128Mi")).build())
        .with("requests", Val::map().with("cpu", Val::str("10m")).with("memory", Val::str("32Mi")).build())
        .build()
}

/// A set-up Job of a bundled service (database init, buckets, topics): a hook at weight -10,
/// after the service and before the app's invoked jobs. `events` says which hook.
pub fn setup_job(name: &str, labels: &[(String, Val)], events: Val, container: Val) -> Val {
    let pod = Val::map()
        .with("metadata", Val::map().with("labels", label_map(labels)).build())
        .with("spec", Val::map().with("restartPolicy", Val::str("Never")).when(Cond::value("imagePullSecrets"), "imagePullSecrets", Val::ValueRef("imagePullSecrets".into())).with("containers", Val::seq([container])).build())
        .build();
    annotated("batch/v1", "Job", name, labels, vec![("helm.sh/hook", events), ("helm.sh/hook-weight", Val::str("-10")), ("helm.sh/hook-delete-policy", Val::str("before-hook-creation"))])
        .with("spec", Val::map().with("backoffLimit", Val::Int(6)).with("template", pod).build())
        .build()
}

/// A file from a Secret's `ca.crt`, for clients that verify TLS: the setting is its path, and
/// every container that receives it mounts the Secret.
pub fn ca_file(volume: &str, secret_path: &str, when: Cond) -> Setting {
    let dir = format!("/etc/clowd2helm/{volume}");
    let vol = Val::map()
        .with("name", Val::str(volume))
        .with("secret", Val::map().with("secretName", Val::Str(Text::value(secret_path))).with("items", Val::seq([Val::map().with("key", Val::str("ca.crt")).with("path", Val::str("ca.crt")).build()])).build())
        .build();
    let mount = Val::map().with("name", Val::str(volume)).with("mountPath", Val::str(&dir)).with("readOnly", Val::Bool(true)).build();
    Setting::new(EnvValue::Value(Val::str(format!("{dir}/ca.crt"))), Some(when)).mounting(crate::mapping::connections::Mount { volume: vol, mount })
}
