//! Values layers of a profile (`layers:` in `mappings/profiles/*.yaml`): a named set of values
//! that turns the chart into something else than Clowder's copy, e.g. Koku's `standalone` (an
//! on-prem install into an empty namespace, docs/standalone.md). A layer is data: its values
//! are checked against this chart's values, written to their own file beside values.yaml
//! (`values-standalone.yaml`), and everything the chart does not have is reported, not written,
//! so the file always passes the chart's schema.

use super::profile::Profile;
use super::Ctx;
use crate::model::{Model, Outcome, ValuesBlock, ValuesLayer, ValuesNode};
use serde_json::{Map, Value as J};

/// Keep what fits `chart` (the chart's values node); report the rest by its path.
fn fit(layer: &J, chart: &ValuesNode, path: &str, dropped: &mut Vec<String>) -> Option<ValuesNode> {
    match (layer, chart) {
        (J::Object(m), ValuesNode::Map(entries)) => {
            let mut kept = Vec::new();
            for (k, v) in m {
                let child = format!("{path}.{k}");
                match entries.iter().find(|(name, _, _)| name == k) {
                    Some((_, comment, node)) => {
                        if let Some(n) = fit(v, node, &child, dropped) {
                            kept.push((k.clone(), comment.clone(), n));
                        }
                    }
                    None => dropped.push(child),
                }
            }
            (!kept.is_empty()).then_some(ValuesNode::Map(kept))
        }
        (_, ValuesNode::Map(_)) => {
            dropped.push(format!("{path} (a map in this chart)"));
            None
        }
        (v, ValuesNode::Open(_)) => Some(ValuesNode::Open(v.clone())),
        // A typed value is checked by its own schema when the chart renders.
        (v, ValuesNode::Typed(_, schema)) => Some(ValuesNode::Typed(v.clone(), schema.clone())),
        (v, ValuesNode::Leaf(default)) => {
            let same_kind = std::mem::discriminant(v) == std::mem::discriminant(default) || default.is_null() || v.is_null();
            if same_kind {
                Some(ValuesNode::Leaf(v.clone()))
            } else {
                dropped.push(format!("{path} (expects {})", kind(default)));
                None
            }
        }
    }
}

fn kind(v: &J) -> &'static str {
    match v {
        J::Null => "null",
        J::Bool(_) => "a boolean",
        J::Number(_) => "a number",
        J::String(_) => "a string",
        J::Array(_) => "a list",
        J::Object(_) => "a map",
    }
}

/// Add `node` at `key`, merging maps that are already there (two apps of one template fill the
/// same layer file; each app's provider values sit under `apps.<app>`).
fn merge(entries: &mut Vec<(String, String, ValuesNode)>, key: String, comment: String, node: ValuesNode) {
    match entries.iter_mut().find(|(k, _, _)| *k == key) {
        Some((_, _, ValuesNode::Map(existing))) => {
            if let ValuesNode::Map(new) = node {
                for (k, c, v) in new {
                    merge(existing, k, c, v);
                }
            }
        }
        // Both apps set the same leaf: the first one's value stays (layers are the same data).
        Some(_) => {}
        None => entries.push((key, comment, node)),
    }
}

fn merge_blocks(into: &mut Vec<ValuesBlock>, blocks: Vec<ValuesBlock>) {
    for b in blocks {
        match into.iter_mut().find(|x| x.key == b.key) {
            Some(ValuesBlock { value: ValuesNode::Map(existing), .. }) => {
                if let ValuesNode::Map(new) = b.value {
                    for (k, c, v) in new {
                        merge(existing, k, c, v);
                    }
                }
            }
            Some(_) => {}
            None => into.push(b),
        }
    }
}

/// Every layer of the app's profile, fitted to the chart's values. A per-app block of the layer
/// (`database:`) goes under `apps.<app>` when the template holds several ClowdApps.
pub fn apply(ctx: &mut Ctx, profile: &Profile, app: &str, app_pos: crate::source::yaml::Pos, model: &mut Model) {
    let sc = ctx.values_of(app);
    for (name, layer) in &profile.layers {
        let mut dropped = Vec::new();
        let mut blocks = Vec::new();
        let J::Object(values) = &layer.values else { continue };
        for (key, v) in values {
            if key == "parameters" {
                let J::Object(params) = v else {
                    dropped.push("parameters (a map)".into());
                    continue;
                };
                let mut kept = Map::new();
                for (p, pv) in params {
                    if model.parameters.iter().any(|x| x.param.name == *p) {
                        kept.insert(p.clone(), pv.clone());
                    } else {
                        dropped.push(format!("parameters.{p}"));
                    }
                }
                if !kept.is_empty() {
                    blocks.push(ValuesBlock { key: key.clone(), comment: "Template parameters.".into(), value: ValuesNode::Open(J::Object(kept)) });
                }
                continue;
            }
            if sc.nested() && super::scope::PER_APP.contains(&key.as_str()) {
                match sc.block(&model.values, key) {
                    Some(chart) => {
                        if let Some(node) = fit(v, chart, &sc.path(key), &mut dropped) {
                            let own = ValuesNode::Map(vec![(app.to_string(), String::new(), ValuesNode::Map(vec![(key.clone(), String::new(), node)]))]);
                            merge_blocks(&mut blocks, vec![ValuesBlock { key: super::scope::APPS.into(), comment: String::new(), value: own }]);
                        }
                    }
                    None => dropped.push(sc.path(key)),
                }
                continue;
            }
            match model.values.iter().find(|b| b.key == *key) {
                Some(b) => {
                    if let Some(node) = fit(v, &b.value, key, &mut dropped) {
                        blocks.push(ValuesBlock { key: key.clone(), comment: b.comment.clone(), value: node });
                    }
                }
                None => dropped.push(key.clone()),
            }
        }
        let file = layer.file.clone().unwrap_or_else(|| format!("values-{name}.yaml"));
        ctx.find(
            "layer.values",
            if dropped.is_empty() { Outcome::Translated } else { Outcome::Approximated },
            app_pos,
            file.clone(),
            format!(
                "profile `{}` layer `{name}` → {file} ({} values blocks){}",
                profile.name,
                blocks.len(),
                if dropped.is_empty() { String::new() } else { format!("; left out because this chart does not have them: {}", dropped.join(", ")) }
            ),
            Some(&format!("install with `helm install RELEASE CHART -f CHART/{file}`")),
        );
        if let Some(existing) = model.layers.iter_mut().find(|l| l.file == file) {
            merge_blocks(&mut existing.blocks, blocks);
        } else {
            model.layers.push(ValuesLayer { name: name.clone(), file, description: layer.description.clone(), blocks });
        }
    }
}
