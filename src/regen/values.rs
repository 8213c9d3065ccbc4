//! values.yaml as one JSON document for Values overlays, and the patched document back into the
//! model, so that values.yaml and values.schema.json are written by the chart stage as usual and
//! keep their helm-docs comments for every key the patch did not replace.

use crate::model::{Model, ValuesBlock, ValuesNode};
use serde_json::{Map, Value as J};

/// `{"parameters": {NAME: default, ...}, "<block>": ...}`, as values.yaml holds it. A parameter
/// without a default is absent (values.yaml only mentions it in a comment).
pub fn to_json(model: &Model) -> J {
    let params: Map<String, J> = model.parameters.iter().filter_map(|p| Some((p.param.name.clone(), p.default.clone()?))).collect();
    let mut doc = Map::new();
    doc.insert("parameters".into(), J::Object(params));
    for b in &model.values {
        doc.insert(b.key.clone(), b.value.to_json());
    }
    J::Object(doc)
}

/// Reasons a patched document cannot be values.yaml of this chart.
pub fn check(model: &Model, doc: &J) -> Result<(), String> {
    let Some(root) = doc.as_object() else { return Err("the patched values are no longer a mapping".into()) };
    let Some(params) = root.get("parameters").and_then(J::as_object) else {
        return Err("the patched values have no `parameters` mapping".into());
    };
    if let Some(unknown) = params.keys().find(|k| !model.parameters.iter().any(|p| &p.param.name == *k)) {
        return Err(format!("`parameters.{unknown}` is not a parameter of the template (values.schema.json would reject it)"));
    }
    Ok(())
}

/// The model with the patched values (call [`check`] first).
pub fn with_values(model: &Model, doc: &J) -> Model {
    let mut out = model.clone();
    let empty = Map::new();
    let root = doc.as_object().unwrap_or(&empty);
    let params = root.get("parameters").and_then(J::as_object).unwrap_or(&empty);
    for p in &mut out.parameters {
        p.default = params.get(&p.param.name).cloned();
    }
    let mut blocks = Vec::new();
    for b in &model.values {
        if let Some(v) = root.get(&b.key) {
            blocks.push(ValuesBlock { key: b.key.clone(), comment: b.comment.clone(), value: rebuild(Some(&b.value), v) });
        }
    }
    for (k, v) in root {
        if k != "parameters" && !model.values.iter().any(|b| &b.key == k) {
            blocks.push(ValuesBlock { key: k.clone(), comment: String::new(), value: rebuild(None, v) });
        }
    }
    out.values = blocks;
    out
}

/// A values node for `v`, keeping the comments and key order of `old` where keys survive.
fn rebuild(old: Option<&ValuesNode>, v: &J) -> ValuesNode {
    if let Some(o) = old
        && &o.to_json() == v
    {
        return o.clone();
    }
    // A node with its own schema (free-form or typed) keeps it with the patched default.
    match old {
        Some(ValuesNode::Open(_)) => return ValuesNode::Open(v.clone()),
        Some(ValuesNode::Typed(_, schema)) => return ValuesNode::Typed(v.clone(), schema.clone()),
        _ => {}
    }
    let Some(obj) = v.as_object().filter(|o| !o.is_empty()) else { return ValuesNode::Leaf(v.clone()) };
    let old_entries: &[(String, String, ValuesNode)] = match old {
        Some(ValuesNode::Map(m)) => m,
        _ => &[],
    };
    let mut entries = Vec::new();
    for (k, c, child) in old_entries {
        if let Some(nv) = obj.get(k) {
            entries.push((k.clone(), c.clone(), rebuild(Some(child), nv)));
        }
    }
    for (k, nv) in obj {
        if !old_entries.iter().any(|(ok, ..)| ok == k) {
            entries.push((k.clone(), String::new(), rebuild(None, nv)));
        }
    }
    ValuesNode::Map(entries)
}

