//! values.schema.json: every parameter typed, every values block described. Every map is closed
//! (`additionalProperties: false`), so a misspelt key fails the render instead of being ignored;
//! only maps the model declares free-form (`ValuesNode::Open`) accept keys of the user's own.

use crate::model::{Model, ParamType, ParamValue, ValuesNode};
use serde::ser::{Serialize, SerializeMap, Serializer};
use serde_json::Value as J;
use std::borrow::Cow;

/// A schema node, borrowing the model's names, texts and JSON (building it as a
/// `serde_json::Value` copied all of them into a map per object). Written with sorted keys by
/// `json_writer`, as a `Value` would print.
#[derive(Debug, PartialEq)]
enum S<'a> {
    /// Keys in any order; a later duplicate key wins.
    Obj(Vec<(&'a str, S<'a>)>),
    Arr(Vec<S<'a>>),
    Text(Cow<'a, str>),
    Bool(bool),
    Int(i64),
    Json(&'a J),
}

impl Serialize for S<'_> {
    fn serialize<Z: Serializer>(&self, z: Z) -> Result<Z::Ok, Z::Error> {
        match self {
            S::Obj(entries) => {
                let mut m = z.serialize_map(Some(entries.len()))?;
                for (k, v) in entries {
                    m.serialize_entry(k, v)?;
                }
                m.end()
            }
            S::Arr(items) => z.collect_seq(items),
            S::Text(t) => z.serialize_str(t),
            S::Bool(b) => z.serialize_bool(*b),
            S::Int(i) => z.serialize_i64(*i),
            S::Json(j) => j.serialize(z),
        }
    }
}

/// An object from entries in any order, sorted as `json_writer` writes it (so it need not
/// reorder the text when the object ends); of equal keys the last is kept, as there.
fn object<'a>(mut entries: Vec<(&'a str, S<'a>)>) -> S<'a> {
    entries.sort_by(|a, b| a.0.cmp(b.0));
    // `dedup_by` keeps the first of equal neighbours: give it the later value.
    entries.dedup_by(|later, kept| {
        let same = later.0 == kept.0;
        if same {
            std::mem::swap(later, kept);
        }
        same
    });
    S::Obj(entries)
}

fn text(s: &str) -> S<'_> {
    S::Text(Cow::Borrowed(s))
}

fn of_type(t: &str) -> S<'_> {
    S::Obj(vec![("type", text(t))])
}

/// `object[key] = value` of a schema object kept in key order (as `Value` indexing does:
/// replaces, or adds).
fn set<'a>(object: &mut S<'a>, key: &'a str, value: S<'a>) {
    let S::Obj(entries) = object else { panic!("a schema is an object") };
    match entries.binary_search_by(|(k, _)| (*k).cmp(key)) {
        Ok(i) => entries[i].1 = value,
        Err(i) => entries.insert(i, (key, value)),
    }
}

/// The schema of a default value: its type, objects closed to the keys they hold.
fn infer(v: &J) -> S<'_> {
    match v {
        J::Null => S::Obj(Vec::new()),
        J::Bool(_) => of_type("boolean"),
        J::Number(n) if n.is_i64() || n.is_u64() => of_type("integer"),
        J::Number(_) => of_type("number"),
        // `1200m`, `2Gi`: Kubernetes takes a quantity as a string or a number (`cpu: 2`).
        J::String(q) if is_quantity(q) => S::Obj(vec![("type", S::Arr(vec![text("string"), text("number")]))]),
        J::String(_) => of_type("string"),
        J::Array(a) => {
            let mut s = of_type("array");
            // Items are described when the default's items agree (a list of `{name: ...}`).
            let mut schemas = a.iter().map(infer);
            if let Some(first) = schemas.next()
                && schemas.all(|s| s == first)
            {
                set(&mut s, "items", first);
            }
            s
        }
        J::Object(o) => closed(S::Obj(o.iter().map(|(k, v)| (k.as_str(), infer(v))).collect())),
    }
}

/// A Kubernetes resource quantity with a unit suffix (`300m`, `0.5Gi`, `1G`).
fn is_quantity(s: &str) -> bool {
    let digits = s.trim_end_matches(|c: char| c.is_ascii_alphabetic());
    let suffix = &s[digits.len()..];
    const SUFFIXES: &[&str] = &["m", "k", "M", "G", "T", "P", "E", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei"];
    SUFFIXES.contains(&suffix) && !digits.is_empty() && digits.parse::<f64>().is_ok_and(|n| n >= 0.0) && digits.bytes().all(|b| b.is_ascii_digit() || b == b'.')
}

fn closed(props: S<'_>) -> S<'_> {
    S::Obj(vec![("additionalProperties", S::Bool(false)), ("properties", props), ("type", text("object"))])
}

fn block<'a>(node: &'a ValuesNode, description: &'a str) -> S<'a> {
    let mut s = match node {
        ValuesNode::Leaf(v) => infer(v),
        ValuesNode::Map(m) => closed(object(m.iter().map(|(k, c, v)| (k.as_str(), block(v, c))).collect())),
        ValuesNode::Open(J::Object(_)) => of_type("object"),
        ValuesNode::Open(_) => S::Obj(Vec::new()),
        ValuesNode::Typed(_, J::Object(schema)) => S::Obj(schema.iter().map(|(k, v)| (k.as_str(), S::Json(v))).collect()),
        // Indexing a `null` makes it an object; any other non-object cannot take a description.
        ValuesNode::Typed(_, J::Null) if !description.is_empty() => S::Obj(Vec::new()),
        ValuesNode::Typed(_, schema) => S::Json(schema),
    };
    if !description.is_empty() {
        set(&mut s, "description", text(description));
    }
    s
}

/// One parameter: its type (none for a `null` default, which accepts anything) and, when
/// OpenShift would refuse an empty value, a minimum length.
fn parameter(p: &ParamValue) -> S<'_> {
    let mut s = match p.ty {
        ParamType::Any => S::Obj(Vec::new()),
        ParamType::NumberOrString => S::Obj(vec![("type", S::Arr(vec![text("string"), text("number")]))]),
        ty => of_type(ty.as_str()),
    };
    if p.param.required && p.generator.is_none() && p.ty == ParamType::String {
        set(&mut s, "minLength", S::Int(1));
    }
    let mut description: Cow<'_, str> = Cow::Borrowed(p.param.description.as_ref().or(p.param.display_name.as_ref()).map_or("", |d| d.as_str()));
    // Fixed at conversion (it names objects): any other value would break what derives from it.
    if let (false, Some(d)) = (p.pinned.is_empty(), &p.default) {
        set(&mut s, "const", S::Json(d));
        let note = format!("Fixed at conversion ({}): convert the template again to change it.", p.pinned.join(", "));
        description = Cow::Owned(match description.trim_end() {
            "" => note,
            d if d.ends_with(['.', '!', '?']) => format!("{d} {note}"),
            d => format!("{d}. {note}"),
        });
    }
    if !description.is_empty() {
        set(&mut s, "description", S::Text(description));
    }
    s
}

pub fn values_schema(model: &Model) -> String {
    let params = object(model.parameters.iter().map(|p| (p.param.name.as_str(), parameter(p))).collect());
    // Every parameter must be present: values.yaml holds each default, so only a missing
    // required value, or a `null` from the user (Helm then drops the key), is refused — with
    // the names of all such parameters in one message.
    let required: Vec<S> = model.parameters.iter().map(|p| text(&p.param.name)).collect();
    let mut block_of_parameters = S::Obj(vec![
        ("additionalProperties", S::Bool(false)),
        ("description", text("Template parameters under their original names.")),
        ("properties", params),
        ("type", text("object")),
    ]);
    if !required.is_empty() {
        set(&mut block_of_parameters, "required", S::Arr(required));
    }
    let mut props = vec![("parameters", block_of_parameters)];
    for b in &model.values {
        props.push((b.key.as_str(), block(&b.value, &b.comment)));
    }
    let schema = S::Obj(vec![
        ("$schema", text("http://json-schema.org/draft-07/schema#")),
        ("additionalProperties", S::Bool(false)),
        ("properties", object(props)),
        ("required", S::Arr(vec![text("parameters")])),
        ("title", S::Text(Cow::Owned(format!("Values of the {} chart (generated by clowd2helm)", model.chart_name)))),
        ("type", text("object")),
    ]);
    // Koku's is 290 KB: reserved once rather than grown (address space never written is free).
    let mut s = crate::json_writer::to_string(&schema, 512 << 10).expect("schema serializes");
    s.push('\n');
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// The schema as a `Value`, to look into.
    fn j(s: S) -> J {
        serde_json::to_value(&s).unwrap()
    }

    #[test]
    fn objects_are_sorted_keeping_the_last_of_equal_keys() {
        let o = object(vec![("b", S::Int(1)), ("a", S::Int(2)), ("b", S::Int(3)), ("B", S::Int(5)), ("b", S::Int(4))]);
        assert_eq!(o, S::Obj(vec![("B", S::Int(5)), ("a", S::Int(2)), ("b", S::Int(4))]));
    }

    #[test]
    fn maps_are_closed_unless_declared_open() {
        let node = ValuesNode::map(vec![("bundled", "", ValuesNode::leaf(json!({"enabled": true})))]);
        let strict = j(block(&node, ""));
        assert_eq!(strict["additionalProperties"], json!(false));
        assert_eq!(strict["properties"]["bundled"]["additionalProperties"], json!(false), "objects inside a leaf are closed too");
        let node = ValuesNode::open(json!({}));
        assert_eq!(j(block(&node, "user env")), json!({"type": "object", "description": "user env"}));
    }

    #[test]
    fn quantities_accept_numbers() {
        let infer = |v: J| j(infer(&v));
        assert_eq!(infer(json!("300m"))["type"], json!(["string", "number"]));
        assert_eq!(infer(json!("0.5Gi"))["type"], json!(["string", "number"]));
        assert_eq!(infer(json!("5432"))["type"], json!("string"), "a number-looking string without a unit stays a string");
        assert_eq!(infer(json!("15s"))["type"], json!("string"));
    }

    #[test]
    fn list_items_are_described_when_they_agree() {
        let infer = |v: J| j(infer(&v));
        assert_eq!(infer(json!([{"name": "a"}, {"name": "b"}]))["items"]["properties"]["name"], json!({"type": "string"}));
        assert!(infer(json!([1, "a"])).get("items").is_none());
        assert!(infer(json!([])).get("items").is_none());
    }

    #[test]
    fn a_typed_schema_takes_the_description() {
        let node = ValuesNode::typed(json!(1), json!({"type": "integer", "minimum": 0}));
        assert_eq!(j(block(&node, "replicas")), json!({"type": "integer", "minimum": 0, "description": "replicas"}));
        let node = ValuesNode::typed(json!(1), J::Null);
        assert_eq!(j(block(&node, "")), J::Null);
        assert_eq!(j(block(&node, "d")), json!({"description": "d"}));
    }
}
