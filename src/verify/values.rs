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
    /// Files, then `--set`, then `--set-string`: the order Helm applies them in.
    pub fn load(files: &[String], sets: &[String], set_strings: &[String]) -> Result<UserValues> {
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
        for s in set_strings {
            for (path, value) in parse_set_string(s)? {
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
    parse_set_with(arg, "--set", typed)
}

fn parse_set_with(arg: &str, flag: &str, typed: impl Fn(&str) -> Value) -> Result<Vec<(Vec<String>, Value)>> {
    let mut out = Vec::new();
    for part in split_unescaped(arg, ',', true) {
        let Some(eq) = find_unescaped(&part, '=') else {
            return Err(Error::Usage(format!("{flag} {arg}: `{part}` has no `=`; write KEY=VALUE")));
        };
        let (key, raw) = (&part[..eq], &part[eq + 1..]);
        let path: Vec<String> = split_unescaped(key, '.', false).into_iter().map(|s| unescape(&s)).collect();
        if path.iter().any(|s| s.is_empty()) {
            return Err(Error::Usage(format!("{flag} {arg}: `{key}` is not a key path")));
        }
        let value = if raw.starts_with('{') && raw.ends_with('}') && raw.len() >= 2 {
            let inner = &raw[1..raw.len() - 1];
            Value::Array(if inner.is_empty() { Vec::new() } else { inner.split(',').map(&typed).collect() })
        } else {
            typed(&unescape(raw))
        };
        out.push((path, value));
    }
    Ok(out)
}

/// One `--set-string` argument: like `--set`, but every value stays a string.
pub fn parse_set_string(arg: &str) -> Result<Vec<(Vec<String>, Value)>> {
    let mut out = parse_set_with(arg, "--set-string", |s| Value::String(s.to_string()))?;
    // `null` and the like were typed by nothing: keep them as text.
    for (_, v) in &mut out {
        if v.is_null() {
            *v = Value::String("null".into());
        }
    }
    Ok(out)
}

/// `--set parameters.X=V` assignments whose Helm type the chart's values.schema.json refuses,
/// each with what to write instead. Helm would fail on them with a schema error; naming the
/// parameter and the fix is kinder, and it is the user's input (exit 2), not a tool failure.
pub fn set_typing_problems(chart_dir: &Path, sets: &[String]) -> Result<Vec<String>> {
    let Ok(text) = std::fs::read_to_string(chart_dir.join("values.schema.json")) else { return Ok(Vec::new()) };
    let Ok(schema) = serde_json::from_str::<Value>(&text) else { return Ok(Vec::new()) };
    let params = &schema["properties"]["parameters"]["properties"];
    let mut problems = Vec::new();
    for arg in sets {
        for (path, value) in parse_set(arg)? {
            let [first, name] = path.as_slice() else { continue };
            if first != "parameters" || value.is_null() {
                continue;
            }
            let want = match &params[name.as_str()]["type"] {
                Value::String(t) => vec![t.as_str()],
                Value::Array(ts) => ts.iter().filter_map(Value::as_str).collect(),
                _ => continue,
            };
            let got = match &value {
                Value::String(_) => "string",
                Value::Bool(_) => "boolean",
                Value::Number(_) => "integer",
                Value::Array(_) => "array",
                _ => continue,
            };
            if want.contains(&got) || (got == "integer" && want.contains(&"number")) {
                continue;
            }
            let raw = arg.split(',').find(|p| p.starts_with(&format!("parameters.{name}="))).unwrap_or(arg);
            let text = raw.split_once('=').map_or(raw, |(_, v)| v);
            let as_read = match got {
                "integer" => "a number",
                "boolean" => "a boolean",
                "array" => "a list",
                _ => "text",
            };
            problems.push(if want == ["string"] {
                format!("--set {raw}: Helm reads `{text}` as {as_read}, and {name} is a string parameter (values.schema.json): write --set-string {raw}")
            } else {
                format!("--set {raw}: {name} is {} parameter (values.schema.json), but Helm reads `{text}` as {as_read}", article(&want.join(" or ")))
            });
        }
    }
    Ok(problems)
}

fn article(t: &str) -> String {
    if t.starts_with(['a', 'e', 'i', 'o', 'u']) { format!("an {t}") } else { format!("a {t}") }
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
    fn set_string_keeps_every_value_text_and_applies_after_set() {
        let got = parse_set_string("parameters.A=1234567,b=true,n=null,l={1,2}").unwrap();
        let vals: Vec<Value> = got.into_iter().map(|(_, v)| v).collect();
        assert_eq!(vals, [json!("1234567"), json!("true"), json!("null"), json!(["1", "2"])]);
        let u = UserValues::load(&[], &["parameters.A=1".into()], &["parameters.A=0001".into()]).unwrap();
        assert_eq!(u.supplied, json!({"parameters": {"A": "0001"}}), "--set-string wins, as in Helm");
    }

    #[test]
    fn a_number_set_for_a_string_parameter_is_named_with_the_fix() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("values.schema.json"), r#"{"properties": {"parameters": {"properties": {"TAG": {"type": "string"}, "N": {"type": "integer"}}}}}"#).unwrap();
        let p = set_typing_problems(dir.path(), &["parameters.TAG=1234567".into(), "parameters.N=7,parameters.TAG=abc".into(), "parameters.N=x".into()]).unwrap();
        assert_eq!(p.len(), 2, "{p:?}");
        assert!(p[0].contains("TAG is a string parameter") && p[0].contains("--set-string parameters.TAG=1234567"), "{}", p[0]);
        assert!(p[1].contains("N is an integer parameter"), "{}", p[1]);
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
