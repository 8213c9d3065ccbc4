//! The values a `helm template` run sees: the chart's `values.yaml`, then each `-f` file, then
//! each `--set`, merged the way Helm merges them. `verify` reads from this only what Clowder took
//! from its environment (ports, resource defaults, the autoscaling switch) and, from the user's
//! own files and `--set`s, the template parameters to process the template with.

use crate::error::{Error, InputError, Result};
use crate::source::yaml;
use serde_json::{Map, Value};
use std::collections::BTreeMap;
use std::path::Path;

/// Values files and `--set` assignments, in the order Helm applies them.
#[derive(Debug, Clone, Default)]
pub struct UserValues {
    /// What the user supplied (files, then `--set`), merged; the chart's values.yaml excluded.
    pub supplied: Value,
}

impl UserValues {
    pub fn load(files: &[String], sets: &[String]) -> Result<UserValues> {
        let mut supplied = Value::Object(Map::new());
        for f in files {
            let (name, text) = crate::read_input(f)?;
            merge(&mut supplied, read_yaml_map(&name, &text)?);
        }
        for s in sets {
            for (path, value) in parse_set(s)? {
                set_path(&mut supplied, &path, value);
            }
        }
        Ok(UserValues { supplied })
    }

    /// `parameters.<NAME>` entries the user set, as the strings `oc process` would receive.
    pub fn parameter_overrides(&self) -> BTreeMap<String, String> {
        let mut out = BTreeMap::new();
        if let Some(Value::Object(m)) = self.supplied.get("parameters") {
            for (k, v) in m {
                if let Some(s) = parameter_text(v) {
                    out.insert(k.clone(), s);
                }
            }
        }
        out
    }
}

/// A parameter value as text: strings as they are, numbers and booleans as written, null = unset.
fn parameter_text(v: &Value) -> Option<String> {
    match v {
        Value::Null => None,
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        other => Some(other.to_string()),
    }
}

/// The chart's values.yaml with the user's values applied on top.
pub fn effective(chart_dir: &Path, user: &UserValues) -> Result<Value> {
    let path = chart_dir.join("values.yaml");
    let text = std::fs::read_to_string(&path)
        .map_err(|e| Error::Input(InputError::whole(&path.display().to_string(), format!("cannot read the chart's values: {e}")).hint("CHART_DIR must be a chart folder written by `clowd2helm convert`")))?;
    let mut values = read_yaml_map(&path.display().to_string(), &text)?;
    merge(&mut values, user.supplied.clone());
    Ok(values)
}

fn read_yaml_map(name: &str, text: &str) -> Result<Value> {
    let docs = yaml::load_documents(name, text)?;
    match docs.into_iter().find(|d| !d.is_null()) {
        None => Ok(Value::Object(Map::new())),
        Some(d) if d.is_map() => Ok(d.to_json()),
        Some(d) => Err(InputError::at(name, d.pos.line, d.pos.col, format!("a values file must be a mapping, found {}", d.a_type())).into()),
    }
}

/// Helm's merge: maps merge key by key, anything else replaces; a null removes the key.
pub fn merge(base: &mut Value, over: Value) {
    match (base, over) {
        (Value::Object(b), Value::Object(o)) => {
            for (k, v) in o {
                if v.is_null() {
                    b.remove(&k);
                    continue;
                }
                match b.get_mut(&k) {
                    Some(existing) if existing.is_object() && v.is_object() => merge(existing, v),
                    _ => {
                        b.insert(k, v);
                    }
                }
            }
        }
        (b, o) => *b = o,
    }
}

fn set_path(root: &mut Value, path: &[String], value: Value) {
    let mut cur = root;
    for (i, seg) in path.iter().enumerate() {
        if !cur.is_object() {
            *cur = Value::Object(Map::new());
        }
        let m = cur.as_object_mut().expect("just made an object");
        if i == path.len() - 1 {
            m.insert(seg.clone(), value);
            return;
        }
        cur = m.entry(seg.clone()).or_insert_with(|| Value::Object(Map::new()));
    }
}

/// One `--set` argument: `a.b=c,d=e`, with `\` escaping `,` `.` `=`; `{x,y}` is a list.
/// Values are typed as Helm types them: true/false, null, integers without a leading zero.
pub fn parse_set(arg: &str) -> Result<Vec<(Vec<String>, Value)>> {
    let mut out = Vec::new();
    for part in split_unescaped(arg, ',', true) {
        let Some(eq) = find_unescaped(&part, '=') else {
            return Err(Error::Usage(format!("--set {arg}: `{part}` has no `=`; write KEY=VALUE")));
        };
        let (key, raw) = (&part[..eq], &part[eq + 1..]);
        let path: Vec<String> = split_unescaped(key, '.', false).into_iter().map(|s| unescape(&s)).collect();
        if path.iter().any(|s| s.is_empty()) {
            return Err(Error::Usage(format!("--set {arg}: `{key}` is not a key path")));
        }
        let value = if raw.starts_with('{') && raw.ends_with('}') && raw.len() >= 2 {
            let inner = &raw[1..raw.len() - 1];
            Value::Array(if inner.is_empty() { Vec::new() } else { inner.split(',').map(typed).collect() })
        } else {
            typed(&unescape(raw))
        };
        out.push((path, value));
    }
    Ok(out)
}

fn typed(s: &str) -> Value {
    match s {
        "true" => Value::Bool(true),
        "false" => Value::Bool(false),
        "null" => Value::Null,
        "0" => Value::from(0),
        _ if s.starts_with('0') => Value::String(s.to_string()),
        _ => s.parse::<i64>().map(Value::from).unwrap_or_else(|_| Value::String(s.to_string())),
    }
}

fn find_unescaped(s: &str, c: char) -> Option<usize> {
    let mut escaped = false;
    for (i, ch) in s.char_indices() {
        if escaped {
            escaped = false;
        } else if ch == '\\' {
            escaped = true;
        } else if ch == c {
            return Some(i);
        }
    }
    None
}

/// Split on unescaped `sep`; with `braces`, separators inside `{...}` do not split.
fn split_unescaped(s: &str, sep: char, braces: bool) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let (mut escaped, mut depth) = (false, 0usize);
    for ch in s.chars() {
        if escaped {
            cur.push('\\');
            cur.push(ch);
            escaped = false;
            continue;
        }
        match ch {
            '\\' => escaped = true,
            '{' if braces => {
                depth += 1;
                cur.push(ch);
            }
            '}' if braces && depth > 0 => {
                depth -= 1;
                cur.push(ch);
            }
            c if c == sep && depth == 0 => out.push(std::mem::take(&mut cur)),
            c => cur.push(c),
        }
    }
    if escaped {
        cur.push('\\');
    }
    out.push(cur);
    out
}

fn unescape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            if let Some(n) = chars.next() {
                out.push(n);
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// Read a value at a dotted path.
pub fn at<'a>(v: &'a Value, path: &str) -> Option<&'a Value> {
    path.split('.').try_fold(v, |cur, seg| cur.get(seg))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn set_is_typed_like_helm() {
        let got = parse_set("parameters.A=7,parameters.B=007,x\\.y=true,l={a,b},n=null").unwrap();
        let paths: Vec<String> = got.iter().map(|(p, _)| p.join("|")).collect();
        assert_eq!(paths, ["parameters|A", "parameters|B", "x.y", "l", "n"]);
        let vals: Vec<Value> = got.into_iter().map(|(_, v)| v).collect();
        assert_eq!(vals, [json!(7), json!("007"), json!(true), json!(["a", "b"]), Value::Null]);
        assert!(parse_set("novalue").is_err());
    }

    #[test]
    fn merge_replaces_scalars_and_merges_maps() {
        let mut base = json!({"web": {"port": 8000, "privatePort": 10000}, "gone": 1});
        merge(&mut base, json!({"web": {"port": 8080}, "gone": null}));
        assert_eq!(base, json!({"web": {"port": 8080, "privatePort": 10000}}));
    }

    #[test]
    fn parameter_overrides_are_text() {
        let u = UserValues { supplied: json!({"parameters": {"R": 7, "B": true, "S": "x", "N": null}}) };
        let o = u.parameter_overrides();
        assert_eq!(o.get("R").map(String::as_str), Some("7"));
        assert_eq!(o.get("B").map(String::as_str), Some("true"));
        assert_eq!(o.get("S").map(String::as_str), Some("x"));
        assert!(!o.contains_key("N"));
    }
}
