//! Field-by-field comparison of a rendered object with its expectation.

use super::exp::{as_text, one_line, Exp, Extras, Keyed};
use serde_json::Value;

/// One field whose rendered value is not what Clowder would have produced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Difference {
    /// `Kind/name`.
    pub object: String,
    pub path: String,
    pub expected: String,
    pub rendered: String,
}

/// Running totals of one verification.
#[derive(Debug, Default)]
pub struct Tally {
    pub compared: usize,
    pub equal: usize,
    pub differences: Vec<Difference>,
    /// List entries the chart adds beyond Clowder's (allowed where the chart adds configuration).
    pub extra_entries: usize,
}

impl Tally {
    /// Compare one rendered object (None = not rendered) with its expectation.
    pub fn object(&mut self, object: &str, exp: &Exp, got: Option<&Value>) {
        match got {
            Some(v) => self.field(object, "", exp, Some(v)),
            None => {
                self.compared += exp.leaves();
                self.differ(object, "(object)", "present".into(), "(absent)".into());
            }
        }
    }

    fn ok(&mut self) {
        self.compared += 1;
        self.equal += 1;
    }

    fn differ(&mut self, object: &str, path: &str, expected: String, rendered: String) {
        let path = if path.is_empty() { "(object)".to_string() } else { path.to_string() };
        self.differences.push(Difference { object: object.to_string(), path, expected, rendered });
    }

    /// A mismatch at `path` costing every field below it.
    fn miss(&mut self, object: &str, path: &str, exp: &Exp, got: Option<&Value>) {
        self.compared += exp.leaves().max(1);
        self.differ(object, path, exp.display(), rendered(got));
    }

    fn field(&mut self, object: &str, path: &str, exp: &Exp, got: Option<&Value>) {
        let got = got.filter(|v| !v.is_null());
        match exp {
            Exp::Any => {}
            Exp::Absent => {
                if is_empty(got) {
                    self.ok()
                } else {
                    self.miss(object, path, exp, got)
                }
            }
            Exp::OrAbsent(inner) => {
                if got.is_none() {
                    self.compared += inner.leaves();
                    self.equal += inner.leaves();
                } else {
                    self.field(object, path, inner, got)
                }
            }
            Exp::Is(want) => match got {
                Some(g) if same_scalar(want, g) => self.ok(),
                _ => self.miss(object, path, exp, got),
            },
            Exp::Text(want) => match got {
                Some(g) if !g.is_object() && !g.is_array() && as_text(g) == *want => self.ok(),
                _ => self.miss(object, path, exp, got),
            },
            Exp::OneOf(options) => match got {
                Some(g) if !g.is_object() && !g.is_array() && options.contains(&as_text(g)) => self.ok(),
                _ => self.miss(object, path, exp, got),
            },
            Exp::Generated => match got {
                Some(Value::String(s)) if !s.is_empty() => self.ok(),
                _ => self.miss(object, path, exp, got),
            },
            Exp::Map { fields, closed } => {
                let Some(Value::Object(m)) = got else {
                    return self.miss(object, path, exp, got);
                };
                for (k, e) in fields {
                    self.field(object, &join(path, k), e, m.get(k));
                }
                if *closed {
                    for (k, v) in m {
                        if !v.is_null() && !fields.iter().any(|(f, _)| f == k) {
                            self.compared += 1;
                            self.differ(object, &join(path, k), "(absent)".into(), rendered(Some(v)));
                        }
                    }
                }
            }
            Exp::List(items) => {
                let empty = Vec::new();
                let list = match got {
                    Some(Value::Array(a)) => a,
                    None if items.is_empty() => &empty,
                    _ => return self.miss(object, path, exp, got),
                };
                if list.len() != items.len() {
                    return self.miss(object, path, exp, got);
                }
                for (i, (e, g)) in items.iter().zip(list).enumerate() {
                    self.field(object, &format!("{path}[{i}]"), e, Some(g));
                }
            }
            Exp::Keyed(k) => self.keyed(object, path, k, got),
        }
    }

    fn keyed(&mut self, object: &str, path: &str, k: &Keyed, got: Option<&Value>) {
        let empty = Vec::new();
        let list = match got {
            Some(Value::Array(a)) => a,
            None => &empty,
            Some(_) => return self.miss(object, path, &Exp::Keyed(k.clone()), got),
        };
        let key_of = |v: &Value| v.get(k.key).map(as_text).unwrap_or_default();
        let mut used = vec![false; list.len()];
        let mut positions = Vec::new();
        let mut seen: Vec<&str> = Vec::new();
        for (name, e) in &k.items {
            let nth = seen.iter().filter(|s| **s == name.as_str()).count();
            seen.push(name);
            let label = if nth == 0 { format!("{path}[{name}]") } else { format!("{path}[{name}#{}]", nth + 1) };
            let found = list.iter().enumerate().filter(|(_, v)| key_of(v) == *name).nth(nth);
            match found {
                Some((i, v)) => {
                    used[i] = true;
                    positions.push(i);
                    self.field(object, &label, e, Some(v));
                }
                None => self.miss(object, &label, e, None),
            }
        }
        if positions.len() > 1 || (k.extras == Extras::After && !positions.is_empty()) {
            let in_order = positions.windows(2).all(|w| w[0] < w[1]);
            let first = k.extras != Extras::After || positions.iter().enumerate().all(|(i, p)| i == *p);
            if in_order && first {
                self.ok();
            } else {
                self.compared += 1;
                let order: Vec<String> = list.iter().map(key_of).collect();
                let want: Vec<&str> = k.items.iter().map(|(n, _)| n.as_str()).collect();
                let expected = if k.extras == Extras::After { format!("{want:?} first, in this order") } else { format!("{want:?} in this order") };
                self.differ(object, &format!("{path} (order)"), one_line(&expected), one_line(&format!("{order:?}")));
            }
        }
        for (i, v) in list.iter().enumerate() {
            if used[i] {
                continue;
            }
            if k.extras == Extras::None {
                self.compared += 1;
                self.differ(object, &format!("{path}[{}]", key_of(v)), "(absent)".into(), rendered(Some(v)));
            } else {
                self.extra_entries += 1;
            }
        }
    }
}

fn join(path: &str, key: &str) -> String {
    let plain = !key.is_empty() && key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    match (path.is_empty(), plain) {
        (true, true) => key.to_string(),
        (false, true) => format!("{path}.{key}"),
        (_, false) => format!("{path}[{}]", Value::from(key)),
    }
}

fn is_empty(v: Option<&Value>) -> bool {
    match v {
        None | Some(Value::Null) => true,
        Some(Value::Array(a)) => a.is_empty(),
        Some(Value::Object(m)) => m.is_empty(),
        _ => false,
    }
}

fn same_scalar(want: &Value, got: &Value) -> bool {
    match (want, got) {
        (Value::Number(a), Value::Number(b)) => a.as_f64() == b.as_f64(),
        (a, b) => a == b,
    }
}

fn rendered(v: Option<&Value>) -> String {
    match v {
        None | Some(Value::Null) => "(absent)".into(),
        Some(v) => one_line(&v.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::verify::exp::Keyed;
    use serde_json::json;

    fn env(items: &[(&str, &str)], extras: Extras) -> Exp {
        Exp::Keyed(Keyed {
            key: "name",
            items: items.iter().map(|(n, v)| (n.to_string(), Exp::closed(vec![("name", Exp::Text(n.to_string())), ("value", Exp::Text(v.to_string()))]))).collect(),
            extras,
        })
    }

    #[test]
    fn counts_equal_fields_and_names_differences() {
        let mut t = Tally::default();
        let exp = Exp::closed(vec![("replicas", Exp::int(3)), ("image", Exp::str("a:1")), ("tgps", Exp::Absent)]);
        t.object("Deployment/x", &exp, Some(&json!({"replicas": 3.0, "image": "a:2", "extra": true})));
        assert_eq!((t.equal, t.compared), (2, 4));
        let lines: Vec<String> = t.differences.iter().map(|d| format!("{} {}: expected {}, rendered {}", d.object, d.path, d.expected, d.rendered)).collect();
        assert_eq!(lines, ["Deployment/x image: expected \"a:1\", rendered \"a:2\"", "Deployment/x extra: expected (absent), rendered true"]);
    }

    #[test]
    fn env_extras_must_come_after_the_template_entries() {
        let exp = env(&[("A", "1"), ("B", "2")], Extras::After);
        let mut ok = Tally::default();
        ok.field("D/x", "env", &exp, Some(&json!([{"name": "A", "value": "1"}, {"name": "B", "value": 2}, {"name": "C", "value": "3"}])));
        assert!(ok.differences.is_empty(), "{:?}", ok.differences);
        assert_eq!(ok.extra_entries, 1);
        let mut bad = Tally::default();
        bad.field("D/x", "env", &exp, Some(&json!([{"name": "C", "value": "3"}, {"name": "A", "value": "1"}, {"name": "B", "value": "2"}])));
        assert_eq!(bad.differences.len(), 1);
        assert_eq!(bad.differences[0].path, "env (order)");
    }

    #[test]
    fn missing_and_unexpected_keyed_entries() {
        let exp = env(&[("A", "1")], Extras::None);
        let mut t = Tally::default();
        t.field("D/x", "env", &exp, Some(&json!([{"name": "Z", "value": "9"}])));
        let paths: Vec<&str> = t.differences.iter().map(|d| d.path.as_str()).collect();
        assert_eq!(paths, ["env[A]", "env[Z]"]);
    }

    #[test]
    fn label_keys_with_dots_are_quoted_in_paths() {
        let mut t = Tally::default();
        t.object("Service/s", &Exp::open(vec![("metadata", Exp::open(vec![("labels", Exp::open_texts(&[("app.kubernetes.io/x".into(), "a".into())]))]))]), Some(&json!({"metadata": {"labels": {}}})));
        assert_eq!(t.differences[0].path, "metadata.labels[\"app.kubernetes.io/x\"]");
    }
}
