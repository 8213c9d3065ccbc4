//! What an object should look like: a tree of expectations, each leaf one compared field.

use serde_json::Value;

/// Marks text that came from a parameter OpenShift would generate: any non-empty value matches.
pub const GENERATED: &str = "\u{1}generated\u{1}";

#[derive(Debug, Clone, PartialEq)]
pub enum Exp {
    /// This scalar (numbers compare by value).
    Is(Value),
    /// A string-typed Kubernetes field (label, annotation, env value, quantity): compared as text.
    Text(String),
    /// Absent, null, or empty.
    Absent,
    /// Absent, or the given value (a Kubernetes default).
    OrAbsent(Box<Exp>),
    /// Any of these texts (e.g. a template value the chart may override).
    OneOf(Vec<String>),
    /// A value generated at install time: any non-empty string.
    Generated,
    /// Not compared.
    Any,
    /// A mapping; `closed` means keys not listed must be absent.
    Map { fields: Vec<(String, Exp)>, closed: bool },
    /// A list of exactly these items, position by position.
    List(Vec<Exp>),
    /// A list whose items are matched by the value of `key`.
    Keyed(Keyed),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Keyed {
    pub key: &'static str,
    pub items: Vec<(String, Exp)>,
    pub extras: Extras,
}

/// Items beyond the expected ones.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Extras {
    /// Not allowed.
    None,
    /// Allowed anywhere (volumes the chart adds).
    Anywhere,
    /// Allowed after all expected items (env vars the chart appends).
    After,
}

impl Exp {
    /// Deep, exact expectation from a processed template value: maps closed, lists positional.
    pub fn exact(v: &Value) -> Exp {
        match v {
            Value::Object(m) => Exp::Map { fields: m.iter().map(|(k, v)| (k.clone(), Exp::exact(v))).collect(), closed: true },
            Value::Array(a) => Exp::List(a.iter().map(Exp::exact).collect()),
            Value::String(s) if s.contains(GENERATED) => Exp::Generated,
            other => Exp::Is(other.clone()),
        }
    }

    /// Like [`Exp::exact`], with scalars compared as text (string-typed Kubernetes maps).
    pub fn text_map(v: &Value) -> Exp {
        match v {
            Value::Object(m) => Exp::Map { fields: m.iter().map(|(k, v)| (k.clone(), Exp::text_of(v))).collect(), closed: true },
            other => Exp::text_of(other),
        }
    }

    /// A scalar as a text expectation.
    pub fn text_of(v: &Value) -> Exp {
        match v {
            Value::String(s) if s.contains(GENERATED) => Exp::Generated,
            other => Exp::Text(as_text(other)),
        }
    }

    pub fn int(i: i64) -> Exp {
        Exp::Is(Value::from(i))
    }
    pub fn str(s: &str) -> Exp {
        Exp::Is(Value::from(s))
    }
    pub fn or_absent(e: Exp) -> Exp {
        Exp::OrAbsent(Box::new(e))
    }
    /// Present value exactly, or absent when the template had none.
    pub fn given(v: Option<&Value>) -> Exp {
        match v {
            Some(v) if !v.is_null() => Exp::exact(v),
            _ => Exp::Absent,
        }
    }
    pub fn closed(fields: Vec<(&str, Exp)>) -> Exp {
        Exp::Map { fields: fields.into_iter().map(|(k, v)| (k.to_string(), v)).collect(), closed: true }
    }
    pub fn open(fields: Vec<(&str, Exp)>) -> Exp {
        Exp::Map { fields: fields.into_iter().map(|(k, v)| (k.to_string(), v)).collect(), closed: false }
    }
    /// An open map of string values (labels, annotations that other tools may add to); with
    /// nothing expected, anything (or nothing) is fine.
    pub fn open_texts(pairs: &[(String, String)]) -> Exp {
        if pairs.is_empty() {
            return Exp::Any;
        }
        Exp::Map { fields: pairs.iter().map(|(k, v)| (k.clone(), Exp::Text(v.clone()))).collect(), closed: false }
    }
    /// A closed map of string values (selectors).
    pub fn closed_texts(pairs: &[(String, String)]) -> Exp {
        Exp::Map { fields: pairs.iter().map(|(k, v)| (k.clone(), Exp::Text(v.clone()))).collect(), closed: true }
    }

    /// Number of fields this expectation compares.
    pub fn leaves(&self) -> usize {
        match self {
            Exp::Any => 0,
            Exp::Map { fields, .. } => fields.iter().map(|(_, e)| e.leaves()).sum::<usize>().max(1),
            Exp::List(items) => items.iter().map(Exp::leaves).sum::<usize>().max(1),
            Exp::Keyed(k) => k.items.iter().map(|(_, e)| e.leaves()).sum::<usize>().max(1),
            _ => 1,
        }
    }

    /// How the expectation reads in a difference line.
    pub fn display(&self) -> String {
        match self {
            Exp::Is(v) => one_line(&v.to_string()),
            Exp::Text(s) => one_line(&Value::from(s.as_str()).to_string()),
            Exp::Absent => "(absent)".into(),
            Exp::OrAbsent(e) => format!("{} or (absent)", e.display()),
            Exp::OneOf(v) => v.iter().map(|s| Value::from(s.as_str()).to_string()).collect::<Vec<_>>().join(" or "),
            Exp::Generated => "(a generated value)".into(),
            Exp::Any => "(anything)".into(),
            other => one_line(&other.sketch().to_string()),
        }
    }

    /// A JSON sketch of a composite expectation.
    fn sketch(&self) -> Value {
        match self {
            Exp::Is(v) => v.clone(),
            Exp::Text(s) => Value::from(s.as_str()),
            Exp::Map { fields, .. } => Value::Object(fields.iter().filter(|(_, e)| !matches!(e, Exp::Absent | Exp::Any | Exp::OrAbsent(_))).map(|(k, e)| (k.clone(), e.sketch())).collect()),
            Exp::List(items) => Value::Array(items.iter().map(Exp::sketch).collect()),
            Exp::Keyed(k) => Value::Array(k.items.iter().map(|(_, e)| e.sketch()).collect()),
            other => Value::from(other.display()),
        }
    }
}

/// A scalar as Kubernetes would read it in a string field.
pub fn as_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

/// A value on one line (newlines written `\n`), so that one difference stays one line. Long
/// values are cut when the report is printed (`Outcome::render`), not here.
pub fn one_line(s: &str) -> String {
    s.replace('\n', "\\n")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn exact_marks_generated_text_and_counts_leaves() {
        let e = Exp::exact(&json!({"a": [1, 2], "b": {"c": format!("x{GENERATED}")}}));
        assert_eq!(e.leaves(), 3);
        let Exp::Map { fields, closed } = &e else { panic!() };
        assert!(*closed);
        assert_eq!(fields[1].1, Exp::closed(vec![("c", Exp::Generated)]));
    }
}
