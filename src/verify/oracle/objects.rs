//! Plain Kubernetes objects in the template: `oc process` output, carried as they are.

use super::{get, kind, pairs, text, Expected};
use crate::verify::exp::Exp;
use serde_json::Value;

/// Every field as processed; metadata open to what Helm adds (its labels and annotations).
pub fn passthrough(o: &Value) -> Expected {
    let name = text(get(o, "metadata.name"));
    let mut fields: Vec<(String, Exp)> = match Exp::exact(o) {
        Exp::Map { fields, .. } => fields.into_iter().filter(|(k, _)| k != "metadata").collect(),
        _ => Vec::new(),
    };
    let md = o.get("metadata").cloned().unwrap_or(Value::Null);
    let mut meta: Vec<(String, Exp)> = match Exp::exact(&md) {
        Exp::Map { fields, .. } => fields.into_iter().filter(|(k, _)| k != "labels" && k != "annotations").collect(),
        _ => Vec::new(),
    };
    meta.push(("labels".into(), Exp::open_texts(&pairs(get(&md, "labels")))));
    meta.push(("annotations".into(), Exp::open_texts(&pairs(get(&md, "annotations")))));
    if !meta.iter().any(|(k, _)| k == "namespace") {
        // `helm template` without --namespace renders the release namespace as `default`.
        meta.push(("namespace".into(), Exp::or_absent(Exp::str(crate::verify::helm::NAMESPACE))));
    }
    fields.push(("metadata".into(), Exp::Map { fields: meta, closed: false }));
    Expected { kind: kind(o), name, body: Exp::Map { fields, closed: true } }
}
