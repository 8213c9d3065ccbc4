//! Generated objects as plain JSON, so that RFC 6902 patches can be applied to them, and back.
//!
//! JSON cannot say "the value of parameter X", "only when KEDA is off" or "a generated secret".
//! Each such piece is parked in a table and stands in the JSON as a placeholder string (a value)
//! or a hidden sibling key (a condition). A patch can then move, copy, replace or remove it like
//! any other value, and converting back restores it intact. Values that come from the patch are
//! literal.

use crate::model::{Cond, Entry, Item, Text, Val};
use serde_json::{Map, Value as J};

/// A private-use character: it never occurs in Kubernetes names or in the templates we read.
const MARK: char = '\u{E000}';

/// What the placeholders in one converted object stand for.
#[derive(Debug, Default)]
pub struct Symbols {
    /// Non-literal leaves, with the condition of the list item they were (if any).
    leaves: Vec<(Val, Option<Cond>)>,
    /// Non-literal (or duplicate) map keys.
    keys: Vec<Text>,
    conds: Vec<Cond>,
}

fn leaf_placeholder(i: usize) -> String {
    format!("{MARK}v{i}{MARK}")
}

fn key_placeholder(i: usize) -> String {
    format!("{MARK}k{i}{MARK}")
}

/// The hidden key that marks entry `key` of the same object as conditional (`key` empty: the
/// object itself, as a list item).
fn cond_key(key: &str) -> String {
    format!("{MARK}if{MARK}{key}")
}

fn parse_index(s: &str, tag: char) -> Option<usize> {
    let rest = s.strip_prefix(MARK)?.strip_prefix(tag)?.strip_suffix(MARK)?;
    rest.parse().ok()
}

/// Is this key one of ours rather than the object's?
pub fn is_hidden_key(k: &str) -> bool {
    k.starts_with(MARK)
}

impl Symbols {
    fn leaf(&mut self, v: &Val, cond: Option<&Cond>) -> J {
        self.leaves.push((v.clone(), cond.cloned()));
        J::String(leaf_placeholder(self.leaves.len() - 1))
    }

    fn cond(&mut self, c: &Cond) -> J {
        self.conds.push(c.clone());
        J::from(self.conds.len() - 1)
    }

    /// `v` as JSON; everything non-literal becomes a placeholder.
    pub fn to_json(&mut self, v: &Val) -> J {
        match v {
            Val::Null => J::Null,
            Val::Bool(b) => J::Bool(*b),
            Val::Int(i) => J::from(*i),
            Val::Float(f) => match f.parse::<f64>().ok().and_then(serde_json::Number::from_f64) {
                Some(n) if n.to_string() == *f => J::Number(n),
                _ => self.leaf(v, None),
            },
            Val::Str(t) => match t.as_literal() {
                Some(s) => J::String(s),
                None => self.leaf(v, None),
            },
            Val::Seq(items) => J::Array(items.iter().map(|it| self.item_json(it)).collect()),
            Val::Map(entries) => {
                let mut out = Map::new();
                for e in entries {
                    let key = match e.key.as_literal() {
                        Some(k) if !out.contains_key(&k) && !is_hidden_key(&k) => k,
                        _ => {
                            self.keys.push(e.key.clone());
                            key_placeholder(self.keys.len() - 1)
                        }
                    };
                    if let Some(c) = &e.when {
                        let c = self.cond(c);
                        out.insert(cond_key(&key), c);
                    }
                    let val = self.to_json(&e.val);
                    out.insert(key, val);
                }
                J::Object(out)
            }
            // Parameter and value references, conditions, generated and looked-up secrets.
            _ => self.leaf(v, None),
        }
    }

    fn item_json(&mut self, it: &Item) -> J {
        match (&it.when, &it.val) {
            (None, v) => self.to_json(v),
            (Some(c), Val::Map(_)) => {
                let mut j = self.to_json(&it.val);
                let c = self.cond(c);
                if let J::Object(o) = &mut j {
                    o.insert(cond_key(""), c);
                }
                j
            }
            (Some(c), v) => self.leaf(v, Some(c)),
        }
    }

    fn lookup_leaf(&self, s: &str) -> Option<&(Val, Option<Cond>)> {
        parse_index(s, 'v').and_then(|i| self.leaves.get(i))
    }

    fn lookup_key(&self, k: &str) -> Text {
        match parse_index(k, 'k').and_then(|i| self.keys.get(i)) {
            Some(t) => t.clone(),
            None => Text::lit(k),
        }
    }

    fn lookup_cond(&self, j: Option<&J>) -> Option<Cond> {
        j.and_then(J::as_u64).and_then(|i| self.conds.get(i as usize)).cloned()
    }

    /// Back from JSON. `hint` is the value before patching: its key order is kept (JSON objects
    /// here are sorted), and keys the patch added follow in alphabetical order.
    pub fn from_json(&self, j: &J, hint: Option<&Val>) -> Val {
        match j {
            J::Null => Val::Null,
            J::Bool(b) => Val::Bool(*b),
            J::Number(n) => match n.as_i64() {
                Some(i) => Val::Int(i),
                None => Val::Float(n.to_string()),
            },
            J::String(s) => match self.lookup_leaf(s) {
                Some((v, _)) => v.clone(),
                None => Val::str(s.clone()),
            },
            J::Array(a) => {
                let hints = hint.map(Val::items).unwrap_or(&[]);
                Val::Seq(a.iter().enumerate().map(|(i, e)| self.item_from_json(e, item_hint(hints, e, i))).collect())
            }
            J::Object(o) => Val::Map(self.entries_from_json(o, hint)),
        }
    }

    fn item_from_json(&self, j: &J, hint: Option<&Val>) -> Item {
        match j {
            J::String(s) => match self.lookup_leaf(s) {
                Some((v, when)) => Item { val: v.clone(), when: when.clone() },
                None => Item { val: Val::str(s.clone()), when: None },
            },
            J::Object(o) => Item { val: Val::Map(self.entries_from_json(o, hint)), when: self.lookup_cond(o.get(&cond_key(""))) },
            other => Item { val: self.from_json(other, hint), when: None },
        }
    }

    fn entries_from_json(&self, o: &Map<String, J>, hint: Option<&Val>) -> Vec<Entry> {
        let hint_entries = hint.map(Val::entries).unwrap_or(&[]);
        let mut keyed: Vec<(usize, &String, Text, &J)> = o
            .iter()
            .filter(|(k, _)| !is_hidden_key(k) || parse_index(k, 'k').is_some())
            .map(|(k, v)| {
                let text = self.lookup_key(k);
                let rank = hint_entries.iter().position(|e| e.key == text).unwrap_or(usize::MAX);
                (rank, k, text, v)
            })
            .collect();
        // Stable: equal ranks keep the (sorted) JSON key order.
        keyed.sort_by_key(|(rank, ..)| *rank);
        keyed
            .into_iter()
            .map(|(rank, k, key, v)| {
                let child_hint = hint_entries.get(rank).map(|e| &e.val);
                Entry { key, val: self.from_json(v, child_hint), when: self.lookup_cond(o.get(&cond_key(k))) }
            })
            .collect()
    }
}

/// The list item before patching that corresponds to `j`: the one with the same `name`, else the
/// one at the same index.
fn item_hint<'a>(hints: &'a [Item], j: &J, i: usize) -> Option<&'a Val> {
    if let Some(name) = j.get("name").and_then(J::as_str)
        && let Some(h) = hints.iter().find(|h| h.val.get("name").and_then(Val::as_literal_str).as_deref() == Some(name))
    {
        return Some(&h.val);
    }
    hints.get(i).map(|h| &h.val)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Part;

    fn sample() -> Val {
        let image = Text(vec![Part::Param("IMAGE".into()), Part::Lit(":".into()), Part::Param("TAG".into())]);
        Val::map()
            .with("kind", Val::str("Deployment"))
            .when(Cond::value("autoscaling.keda.enabled").negated(), "replicas", Val::Typed("MIN".into()))
            .with("image", Val::Str(image))
            .with("ratio", Val::Float("0.50".into()))
            .with(
                "env",
                Val::Seq(vec![
                    Item { val: Val::map().with("name", Val::str("A")).with("value", Val::str("1")).build(), when: None },
                    Item { val: Val::map().with("name", Val::str("B")).build(), when: Some(Cond::value("db.on")) },
                    Item { val: Val::ValueRef("x".into()), when: Some(Cond::value("y")) },
                ]),
            )
            .build()
    }

    #[test]
    fn round_trip_without_patch_is_identity() {
        let v = sample();
        let mut s = Symbols::default();
        let j = s.to_json(&v);
        assert_eq!(s.from_json(&j, Some(&v)), v);
    }

    #[test]
    fn every_generated_object_survives_the_round_trip() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut inputs: Vec<std::path::PathBuf> = ["every-construct", "koku-like", "multi-document", "verify-edge"].iter().map(|f| root.join(format!("fixtures/{f}.yaml"))).collect();
        inputs.extend(crate::test_upstream::koku_latest("regen::symbolic::every_generated_object_survives_the_round_trip"));
        for input in &inputs {
            let name = input.display().to_string();
            let text = std::fs::read_to_string(input).unwrap();
            let model = crate::model_from_text(&name, &text, &Default::default()).unwrap();
            for file in crate::chart::template_files(&model) {
                for obj in &file.objects {
                    let mut s = Symbols::default();
                    let j = s.to_json(&obj.body);
                    assert_eq!(s.from_json(&j, Some(&obj.body)), obj.body, "{name}: {}", file.path);
                }
            }
        }
    }

    #[test]
    fn patch_keeps_symbols_conditions_and_order() {
        let v = sample();
        let mut s = Symbols::default();
        let mut j = s.to_json(&v);
        let patch: json_patch::Patch = serde_json::from_value(serde_json::json!([
            {"op": "add", "path": "/nodeSelector", "value": {"zone": "${NOT_A_PARAM}"}},
            {"op": "replace", "path": "/replicas", "value": 3},
            {"op": "add", "path": "/env/0", "value": {"name": "NEW", "value": "x"}},
            {"op": "copy", "from": "/image", "path": "/sidecarImage"}
        ]))
        .unwrap();
        json_patch::patch(&mut j, &patch).unwrap();
        let back = s.from_json(&j, Some(&v));
        let keys: Vec<String> = back.entries().iter().map(|e| e.key.display()).collect();
        assert_eq!(keys, ["kind", "replicas", "image", "ratio", "env", "nodeSelector", "sidecarImage"]);
        let replicas = &back.entries()[1];
        assert_eq!(replicas.val, Val::Int(3));
        assert_eq!(replicas.when, Some(Cond::value("autoscaling.keda.enabled").negated()), "the entry stays conditional");
        assert_eq!(back.get("sidecarImage"), v.get("image"), "a copied parameter reference stays a reference");
        assert_eq!(back.get("nodeSelector").unwrap().get("zone").unwrap(), &Val::str("${NOT_A_PARAM}"), "patch values are literal");
        let env = back.get("env").unwrap().items();
        assert_eq!(env.len(), 4);
        assert_eq!(env[2].when, Some(Cond::value("db.on")));
        assert_eq!(env[3].val, Val::ValueRef("x".into()));
        assert_eq!(env[3].when, Some(Cond::value("y")));
    }
}
