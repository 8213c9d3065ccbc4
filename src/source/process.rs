//! `oc process` semantics on our parsed input, independent of the chart: substitute parameter
//! values into every object. `verify` and the fidelity tests compare Helm's rendering of the
//! chart against this.

use super::template::Input;
use super::yaml::{Kind, Node};
use serde_json::{Map, Value};
use std::collections::BTreeMap;

/// Parameter values: the defaults, overridden by `overrides`. Generated parameters without a
/// value get `generated` (a fixed stand-in so results are comparable).
pub fn parameter_values(input: &Input, overrides: &BTreeMap<String, String>) -> BTreeMap<String, String> {
    input
        .parameters
        .iter()
        .map(|p| {
            let v = overrides
                .get(&p.name)
                .cloned()
                .or_else(|| p.value.clone().filter(|v| !v.is_empty()))
                .or_else(|| p.generate_from.as_ref().map(|_| "generated".to_string()))
                .unwrap_or_default();
            (p.name.clone(), v)
        })
        .collect()
}

/// Substitute into one node.
pub fn process_node(node: &Node, values: &BTreeMap<String, String>) -> Value {
    match &node.kind {
        Kind::Null => Value::Null,
        Kind::Bool(b) => Value::Bool(*b),
        Kind::Int(i) => Value::from(*i),
        Kind::Float(f) => f.parse::<f64>().ok().and_then(serde_json::Number::from_f64).map(Value::Number).unwrap_or(Value::String(f.clone())),
        Kind::Str(s) => substitute(s, values),
        Kind::Seq(items) => Value::Array(items.iter().map(|n| process_node(n, values)).collect()),
        Kind::Map(entries) => {
            let mut m = Map::new();
            for (k, v) in entries {
                let key = match substitute(&k.text, values) {
                    Value::String(s) => s,
                    other => other.to_string(),
                };
                m.insert(key, process_node(v, values));
            }
            Value::Object(m)
        }
    }
}

fn substitute(s: &str, values: &BTreeMap<String, String>) -> Value {
    if let Some(name) = s.strip_prefix("${{").and_then(|r| r.strip_suffix("}}"))
        && let Some(v) = values.get(name) {
            return serde_json::from_str::<Value>(v).unwrap_or_else(|_| Value::String(v.clone()));
        }
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find("${") {
        out.push_str(&rest[..i]);
        let after = &rest[i + 2..];
        let end = after.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'));
        match end {
            Some(e) if e > 0 && after.as_bytes()[e] == b'}' && values.contains_key(&after[..e]) => {
                out.push_str(&values[&after[..e]]);
                rest = &after[e + 1..];
            }
            _ => {
                out.push_str("${");
                rest = after;
            }
        }
    }
    out.push_str(rest);
    Value::String(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn substitutes_like_oc_process() {
        let vals: BTreeMap<String, String> = [("A", "3"), ("B", "x"), ("C", "abc")].iter().map(|(a, b)| (a.to_string(), b.to_string())).collect();
        assert_eq!(substitute("${{A}}", &vals), Value::from(3));
        assert_eq!(substitute("${{C}}", &vals), Value::from("abc"));
        assert_eq!(substitute("${B}:${A}-${HOME}", &vals), Value::from("x:3-${HOME}"));
        assert_eq!(substitute("x${{A}}", &vals), Value::from("x${{A}}"));
    }

    /// OpenShift's rule for `${{NAME}}`: the value parsed as JSON when it is JSON, else the text.
    #[test]
    fn typed_references_take_the_json_type_of_the_value() {
        let cases: &[(&str, Value)] = &[
            ("16", Value::from(16)),
            ("0.5", serde_json::json!(0.5)),
            ("true", Value::Bool(true)),
            ("null", Value::Null),
            ("[\"a\", 1]", serde_json::json!(["a", 1])),
            ("{\"pod\": \"x\"}", serde_json::json!({"pod": "x"})),
            ("\"quoted\"", Value::from("quoted")),
            // Not JSON: stays a string.
            ("True", Value::from("True")),
            ("007", Value::from("007")),
            ("abc", Value::from("abc")),
            ("", Value::from("")),
        ];
        for (text, want) in cases {
            let vals = BTreeMap::from([("X".to_string(), text.to_string())]);
            assert_eq!(&substitute("${{X}}", &vals), want, "${{{{X}}}} = {text:?}");
            assert_eq!(substitute("${X}", &vals), Value::from(*text), "${{X}} is always the text");
        }
    }
}
