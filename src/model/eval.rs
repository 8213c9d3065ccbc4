//! Evaluate symbolic values at the chart's defaults: every `${PARAM}` / `${{PARAM}}` takes the
//! parameter's default, every chart value path takes its values.yaml default. Used by the report
//! to count pods and add up resources the way a plain `helm install` would run them.

use super::value::{Cond, Part, Text, Val};
use super::{Model, Replicas};
use serde_json::{Map, Value as J};
use std::collections::BTreeMap;

/// Defaults of one model: parameters and the values tree.
#[derive(Debug, Clone)]
pub struct Eval {
    params: BTreeMap<String, J>,
    values: J,
}

impl Eval {
    pub fn new(model: &Model) -> Eval {
        let mut params = BTreeMap::new();
        for p in &model.parameters {
            let default = match &p.default {
                Some(J::String(s)) if s.is_empty() && p.generated_into.is_some() => None,
                Some(v) => Some(v.clone()),
                None => p.param.value.clone().filter(|v| !v.is_empty()).map(J::String),
            };
            if let Some(d) = default {
                params.insert(p.param.name.clone(), d);
            }
        }
        let mut root = Map::new();
        for b in &model.values {
            root.insert(b.key.clone(), b.value.to_json());
        }
        root.insert("parameters".into(), J::Object(params.iter().map(|(k, v)| (k.clone(), v.clone())).collect()));
        Eval { params, values: J::Object(root) }
    }

    /// A parameter's default as JSON (absent: required without default, or generated).
    pub fn param(&self, name: &str) -> Option<&J> {
        self.params.get(name)
    }

    /// The default at a dotted values path (`autoscaling.keda.enabled`).
    pub fn value(&self, path: &str) -> Option<&J> {
        let mut cur = &self.values;
        for seg in crate::model::value::path_segments_iter(path) {
            cur = cur.as_object()?.get(seg)?;
        }
        Some(cur)
    }

    /// A string at defaults; `None` when a piece has no default.
    pub fn text(&self, t: &Text) -> Option<String> {
        let mut out = String::new();
        for p in &t.0 {
            match p {
                Part::Lit(s) => out.push_str(s),
                Part::Param(n) => out.push_str(&scalar_string(self.param(n)?)?),
                Part::Value(v) | Part::RequiredValue(v) => out.push_str(&scalar_string(self.value(v)?)?),
                Part::Namespace => out.push_str("<namespace>"),
            }
        }
        Some(out)
    }

    /// The string at defaults, or its symbolic display when some piece has no default.
    pub fn text_or_display(&self, t: &Text) -> String {
        self.text(t).unwrap_or_else(|| t.display())
    }

    pub fn cond(&self, c: &Cond) -> bool {
        match c {
            Cond::Value(p) => truthy(self.value(p)),
            Cond::Not(c) => !self.cond(c),
            Cond::And(cs) => cs.iter().all(|c| self.cond(c)),
            Cond::Or(cs) => cs.iter().any(|c| self.cond(c)),
            Cond::ParamAbove(p, n) => match self.param(p) {
                Some(J::Number(v)) => v.as_f64().is_some_and(|v| v > *n as f64),
                Some(J::String(s)) => s.trim().parse::<f64>().is_ok_and(|v| v > *n as f64),
                _ => false,
            },
        }
    }

    /// A whole value at defaults (entries and items whose condition fails are dropped).
    pub fn val(&self, v: &Val) -> Option<J> {
        Some(match v {
            Val::Null => J::Null,
            Val::Bool(b) => J::Bool(*b),
            Val::Int(i) => J::from(*i),
            Val::Float(f) => f.parse::<f64>().ok().and_then(serde_json::Number::from_f64).map(J::Number).unwrap_or_else(|| J::String(f.clone())),
            Val::Str(t) => J::String(self.text(t)?),
            Val::Typed(n) => typed(self.param(n)?),
            Val::ValueRef(p) => self.value(p)?.clone(),
            Val::If(c, a, b) => {
                if self.cond(c) {
                    self.val(a)?
                } else {
                    self.val(b)?
                }
            }
            Val::Generated(_) | Val::SecretValue { .. } | Val::ConfigJson(_) | Val::ConfigHash(_) | Val::Include { .. } => return None,
            Val::Image { image, registries } => {
                let image = self.val(image)?;
                match registries.iter().filter_map(|r| self.value(r)).find(|r| truthy(Some(r))) {
                    Some(r) => J::String(with_registry(&scalar_string(&image)?, &scalar_string(r)?)),
                    None => image,
                }
            }
            Val::Splice(paths) => {
                // A splice stands for its items or entries; alone it is their merge.
                let list: Vec<J> = paths.iter().filter_map(|p| self.value(p)).flat_map(|v| v.as_array().cloned().unwrap_or_default()).collect();
                if !list.is_empty() {
                    return Some(J::Array(list));
                }
                let mut map = Map::new();
                for v in paths.iter().filter_map(|p| self.value(p)) {
                    for (k, v) in v.as_object().into_iter().flatten() {
                        map.entry(k.clone()).or_insert_with(|| v.clone());
                    }
                }
                J::Object(map)
            }
            Val::Seq(items) => {
                let mut out = Vec::new();
                for i in items.iter().filter(|i| i.when.as_ref().is_none_or(|c| self.cond(c))) {
                    match &i.val {
                        Val::Splice(_) => out.extend(self.val(&i.val).and_then(|v| v.as_array().cloned()).unwrap_or_default()),
                        v => out.push(self.val(v).unwrap_or(J::Null)),
                    }
                }
                J::Array(out)
            }
            Val::Map(entries) => {
                let mut out = Map::new();
                for e in entries.iter().filter(|e| e.when.as_ref().is_none_or(|c| self.cond(c))) {
                    match &e.val {
                        Val::Splice(_) => {
                            for (k, v) in self.val(&e.val).and_then(|v| v.as_object().cloned()).unwrap_or_default() {
                                out.entry(k).or_insert(v);
                            }
                        }
                        v => {
                            out.insert(self.text_or_display(&e.key), self.val(v).unwrap_or(J::Null));
                        }
                    }
                }
                J::Object(out)
            }
        })
    }

    /// A scalar value as a string at defaults (quantities, names, images).
    pub fn string(&self, v: &Val) -> Option<String> {
        scalar_string(&self.val(v)?)
    }

    /// A count at defaults (replicas, min/max).
    pub fn int(&self, v: &Val) -> Option<i64> {
        match self.val(v)? {
            J::Number(n) => n.as_i64().or_else(|| n.as_f64().map(|f| f as i64)),
            J::String(s) => s.trim().parse().ok(),
            _ => None,
        }
    }

    /// How many pods a Deployment runs at defaults (`None` when it cannot be known).
    pub fn replicas(&self, r: &Option<Replicas>) -> Option<i64> {
        match r {
            None => Some(1),
            Some(Replicas::Fixed(v)) => self.int(v),
            Some(Replicas::Autoscaled { fallback, when }) => {
                if when.as_ref().is_none_or(|c| self.cond(c)) {
                    self.int(fallback)
                } else {
                    None
                }
            }
        }
    }
}

/// `${{X}}`: OpenShift parses the parameter's string as JSON, else keeps it as a string.
fn typed(v: &J) -> J {
    match v {
        J::String(s) => serde_json::from_str(s).unwrap_or_else(|_| v.clone()),
        other => other.clone(),
    }
}

fn truthy(v: Option<&J>) -> bool {
    match v {
        None | Some(J::Null) => false,
        Some(J::Bool(b)) => *b,
        Some(J::Number(n)) => n.as_f64() != Some(0.0),
        Some(J::String(s)) => !s.is_empty(),
        Some(J::Array(a)) => !a.is_empty(),
        Some(J::Object(o)) => !o.is_empty(),
    }
}

/// An image reference with its registry replaced (`quay.io/org/app:1` → `<registry>/org/app:1`);
/// one without a registry gets it as a prefix. The chart's `clowd2helm.image` helper does the same.
pub fn with_registry(image: &str, registry: &str) -> String {
    let rest = match image.split_once('/') {
        Some((first, rest)) if first.contains('.') || first.contains(':') || first == "localhost" => rest,
        _ => image,
    };
    format!("{}/{rest}", registry.trim_end_matches('/'))
}

/// How Helm prints a scalar into a string.
pub fn scalar_string(v: &J) -> Option<String> {
    match v {
        J::String(s) => Some(s.clone()),
        J::Number(n) => Some(n.to_string()),
        J::Bool(b) => Some(b.to_string()),
        J::Null => Some(String::new()),
        _ => None,
    }
}

/// A Kubernetes CPU quantity in millicores (`100m` → 100, `1.5` → 1500), rounded up as the
/// API server does.
pub fn cpu_millis(q: &str) -> Option<u64> {
    let q = q.trim();
    if q.is_empty() {
        return None;
    }
    let (num, scale) = if let Some(n) = q.strip_suffix('m') {
        (n, 1.0)
    } else if let Some(n) = q.strip_suffix('k') {
        (n, 1_000_000.0)
    } else {
        (q, 1000.0)
    };
    let f: f64 = num.parse().ok().filter(|f: &f64| *f >= 0.0)?;
    Some((f * scale - 1e-9).ceil().max(0.0) as u64)
}

/// A Kubernetes memory quantity in bytes (`512Mi`, `1G`, `1e3`, `128974848`).
pub fn mem_bytes(q: &str) -> Option<u64> {
    let q = q.trim();
    const UNITS: [(&str, f64); 13] = [
        ("Ki", 1024.0),
        ("Mi", 1048576.0),
        ("Gi", 1073741824.0),
        ("Ti", 1099511627776.0),
        ("Pi", 1125899906842624.0),
        ("Ei", 1152921504606846976.0),
        ("k", 1e3),
        ("K", 1e3),
        ("M", 1e6),
        ("G", 1e9),
        ("T", 1e12),
        ("P", 1e15),
        ("E", 1e18),
    ];
    let (num, scale) = UNITS.iter().find_map(|(u, s)| q.strip_suffix(u).map(|n| (n, *s))).unwrap_or((q, 1.0));
    let (num, scale) = match num.strip_suffix('m') {
        Some(n) if scale == 1.0 => (n, 0.001),
        _ => (num, scale),
    };
    let f: f64 = num.parse().ok().filter(|f: &f64| *f >= 0.0)?;
    Some((f * scale).ceil() as u64)
}

/// `2.35` cores style text for millicores.
pub fn show_cpu(m: u64) -> String {
    if m.is_multiple_of(1000) {
        format!("{}", m / 1000)
    } else {
        let s = format!("{:.3}", m as f64 / 1000.0);
        s.trim_end_matches('0').to_string()
    }
}

/// Memory in the largest binary unit that keeps two decimals readable.
pub fn show_mem(b: u64) -> String {
    const GI: f64 = 1073741824.0;
    const MI: f64 = 1048576.0;
    let f = b as f64;
    let trim = |s: String| s.trim_end_matches('0').trim_end_matches('.').to_string();
    if f >= GI {
        format!("{}Gi", trim(format!("{:.2}", f / GI)))
    } else if f >= MI {
        format!("{}Mi", trim(format!("{:.2}", f / MI)))
    } else if b == 0 {
        "0".into()
    } else {
        format!("{}Ki", trim(format!("{:.2}", f / 1024.0)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantities() {
        assert_eq!(cpu_millis("100m"), Some(100));
        assert_eq!(cpu_millis("1.5"), Some(1500));
        assert_eq!(cpu_millis("2"), Some(2000));
        assert_eq!(cpu_millis("0.0005"), Some(1));
        assert_eq!(cpu_millis("x"), None);
        assert_eq!(mem_bytes("512Mi"), Some(512 * 1024 * 1024));
        assert_eq!(mem_bytes("1G"), Some(1_000_000_000));
        assert_eq!(mem_bytes("1e3"), Some(1000));
        assert_eq!(mem_bytes("1500m"), Some(2));
        assert_eq!(show_cpu(1500), "1.5");
        assert_eq!(show_cpu(3000), "3");
        assert_eq!(show_mem(1536 * 1048576), "1.5Gi");
        assert_eq!(show_mem(300 * 1048576), "300Mi");
    }
}
